/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The Varlink interface definition language: a parser into a small tree
 * and a validator of JSON parameters against it. Used by the server for
 * registered interfaces; exposed for tests, fuzzers and tools. */

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "varlink.h"

typedef enum VarlinkTypeKind {
        VARLINK_TYPE_BOOL,
        VARLINK_TYPE_INT,
        VARLINK_TYPE_FLOAT,
        VARLINK_TYPE_STRING,
        VARLINK_TYPE_OBJECT,
        VARLINK_TYPE_NAMED,   /* reference to a `type` of the same interface */
        VARLINK_TYPE_STRUCT,
        VARLINK_TYPE_ENUM,
        VARLINK_TYPE_ARRAY,   /* []element */
        VARLINK_TYPE_MAP,     /* [string]element */
} VarlinkTypeKind;

typedef struct VarlinkType VarlinkType;

typedef struct VarlinkField {
        char *name;
        VarlinkType *type;
} VarlinkField;

struct VarlinkType {
        VarlinkTypeKind kind;
        bool nullable;
        char *name;                  /* NAMED */
        const VarlinkType *resolved; /* NAMED: the referenced type's struct/enum */
        VarlinkType *element;        /* ARRAY, MAP */
        VarlinkField *fields;        /* STRUCT */
        size_t n_fields;
        char **enum_values;          /* ENUM */
        size_t n_enum_values;
};

typedef enum VarlinkSymbolKind {
        VARLINK_SYMBOL_TYPE,
        VARLINK_SYMBOL_METHOD,
        VARLINK_SYMBOL_ERROR,
} VarlinkSymbolKind;

typedef struct VarlinkSymbol {
        VarlinkSymbolKind kind;
        char *name;
        VarlinkType *type;   /* TYPE: struct or enum; ERROR: struct; METHOD: input struct */
        VarlinkType *output; /* METHOD: output struct */
} VarlinkSymbol;

struct VarlinkInterface {
        char *name;
        char *text; /* the source, as given */
        VarlinkSymbol *symbols;
        size_t n_symbols;
};

/* Parses IDL text. On failure ret_line and ret_column (if non-NULL) point at
 * the offending token (1-based).
 * Errors: -EBADMSG syntax error, invalid name, duplicate symbol or field,
 *                  unresolved named type, empty `type`, nesting over 64,
 *         -ENOMEM. */
int varlink_idl_parse(const char *text, VarlinkInterface **ret, unsigned *ret_line, unsigned *ret_column);
VarlinkInterface *varlink_interface_free(VarlinkInterface *i);
static inline void varlink_interface_freep(VarlinkInterface **i) {
        if (*i)
                *i = varlink_interface_free(*i);
}

const VarlinkSymbol *varlink_interface_find(const VarlinkInterface *i, VarlinkSymbolKind kind, const char *name);

bool varlink_idl_interface_name_is_valid(const char *s);
bool varlink_idl_symbol_name_is_valid(const char *s);
bool varlink_idl_field_name_is_valid(const char *s);
/* "interface.Symbol" with both parts valid. */
bool varlink_idl_qualified_name_is_valid(const char *s);

/* Validates a struct-typed value `v` (NULL = JSON null) against `type`.
 * On failure *ret_bad_field names the top-level field at fault (missing,
 * mistyped, or not declared) - borrowed from the type or from `v`.
 * Errors: -ENOANO  a non-nullable field is missing or null,
 *         -EMEDIUMTYPE a value has the wrong JSON type / enum value,
 *         -EBUSY   a field not declared by the IDL is present. */
int varlink_idl_validate(const VarlinkType *type, json_object *v, const char **ret_bad_field);
