/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "macro.h"
#include "varlink-idl.h"

/* Recursive descent over a tiny tokenizer. Anonymous structs/enums and
 * array/map element types nest; the depth cap keeps hostile input from
 * exhausting the stack. */
#define IDL_DEPTH_MAX 64U

typedef enum TokenKind {
        TOKEN_END,
        TOKEN_WORD,  /* identifier, keyword or dotted interface name */
        TOKEN_PUNCT, /* ( ) [ ] , : ? */
        TOKEN_ARROW, /* -> */
        TOKEN_BAD,
} TokenKind;

typedef struct Parser {
        const char *p;
        unsigned line, column;
        /* current token */
        TokenKind kind;
        const char *tok;
        size_t len;
        unsigned tok_line, tok_column;
} Parser;

static bool is_word_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '.' || c == '-';
}

static void advance(Parser *ps, size_t n) {
        for (size_t i = 0; i < n && *ps->p; i++, ps->p++) {
                if (*ps->p == '\n') {
                        ps->line++;
                        ps->column = 1;
                } else
                        ps->column++;
        }
}

static void next_token(Parser *ps) {
        for (;;) {
                char c = *ps->p;
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
                        advance(ps, 1);
                else if (c == '#') {
                        while (*ps->p && *ps->p != '\n')
                                advance(ps, 1);
                } else
                        break;
        }

        ps->tok = ps->p;
        ps->tok_line = ps->line;
        ps->tok_column = ps->column;

        char c = *ps->p;
        if (c == 0) {
                ps->kind = TOKEN_END;
                ps->len = 0;
        } else if (c == '-' && ps->p[1] == '>') {
                ps->kind = TOKEN_ARROW;
                ps->len = 2;
        } else if (strchr("()[],:?", c)) {
                ps->kind = TOKEN_PUNCT;
                ps->len = 1;
        } else if (is_word_char(c)) {
                size_t n = 0;
                /* "->" ends a word: "Foo->" must not swallow the dash. */
                while (is_word_char(ps->p[n]) && !(ps->p[n] == '-' && ps->p[n + 1] == '>'))
                        n++;
                ps->kind = TOKEN_WORD;
                ps->len = n;
        } else {
                ps->kind = TOKEN_BAD;
                ps->len = 1;
        }
        advance(ps, ps->len);
}

static bool tok_is(const Parser *ps, const char *s) {
        return ps->kind != TOKEN_END && strlen(s) == ps->len && memcmp(ps->tok, s, ps->len) == 0;
}

static bool tok_punct(const Parser *ps, char c) {
        return ps->kind == TOKEN_PUNCT && ps->tok[0] == c;
}

static int expect_punct(Parser *ps, char c) {
        if (!tok_punct(ps, c))
                return -EBADMSG;
        next_token(ps);
        return 0;
}

static char *tok_dup(const Parser *ps) {
        return strndup(ps->tok, ps->len);
}

static void type_free(VarlinkType *t);

static void fields_free(VarlinkField *f, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(f[i].name);
                type_free(f[i].type);
        }
        free(f);
}

static void type_free(VarlinkType *t) {
        if (!t)
                return;
        free(t->name);
        type_free(t->element);
        fields_free(t->fields, t->n_fields);
        for (size_t i = 0; i < t->n_enum_values; i++)
                free(t->enum_values[i]);
        free(t->enum_values);
        free(t);
}

static int parse_type(Parser *ps, unsigned depth, VarlinkType **ret);

/* "(" already current. Decides struct vs enum from the token after the
 * first name: ":" means struct. "()" is an empty struct. */
static int parse_struct_or_enum(Parser *ps, unsigned depth, VarlinkType **ret) {
        VarlinkType *t;
        int r;

        if (depth > IDL_DEPTH_MAX)
                return -EBADMSG;

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->kind = VARLINK_TYPE_STRUCT;

        next_token(ps); /* past "(" */
        if (tok_punct(ps, ')')) {
                next_token(ps);
                *ret = t;
                return 0;
        }

        for (bool first = true;; first = false) {
                _cleanup_free_ char *name = NULL;

                if (ps->kind != TOKEN_WORD) {
                        r = -EBADMSG;
                        goto fail;
                }
                name = tok_dup(ps);
                if (!name) {
                        r = -ENOMEM;
                        goto fail;
                }
                if (!varlink_idl_field_name_is_valid(name)) {
                        r = -EBADMSG;
                        goto fail;
                }
                next_token(ps);

                if (first && !tok_punct(ps, ':'))
                        t->kind = VARLINK_TYPE_ENUM;

                if (t->kind == VARLINK_TYPE_ENUM) {
                        for (size_t i = 0; i < t->n_enum_values; i++)
                                if (streq(t->enum_values[i], name)) {
                                        r = -EBADMSG;
                                        goto fail;
                                }
                        char **n = reallocarray(t->enum_values, t->n_enum_values + 1, sizeof *n);
                        if (!n) {
                                r = -ENOMEM;
                                goto fail;
                        }
                        t->enum_values = n;
                        t->enum_values[t->n_enum_values++] = TAKE_PTR(name);
                } else {
                        VarlinkType *ft = NULL;

                        for (size_t i = 0; i < t->n_fields; i++)
                                if (streq(t->fields[i].name, name)) {
                                        r = -EBADMSG;
                                        goto fail;
                                }
                        r = expect_punct(ps, ':');
                        if (r < 0)
                                goto fail;
                        r = parse_type(ps, depth + 1, &ft);
                        if (r < 0)
                                goto fail;
                        VarlinkField *n = reallocarray(t->fields, t->n_fields + 1, sizeof *n);
                        if (!n) {
                                type_free(ft);
                                r = -ENOMEM;
                                goto fail;
                        }
                        t->fields = n;
                        t->fields[t->n_fields++] = (VarlinkField) { .name = TAKE_PTR(name), .type = ft };
                }

                if (tok_punct(ps, ')')) {
                        next_token(ps);
                        break;
                }
                r = expect_punct(ps, ',');
                if (r < 0)
                        goto fail;
        }

        *ret = t;
        return 0;

fail:
        type_free(t);
        return r;
}

static const struct {
        const char *word;
        VarlinkTypeKind kind;
} builtin_types[] = {
        { "bool", VARLINK_TYPE_BOOL },
        { "int", VARLINK_TYPE_INT },
        { "float", VARLINK_TYPE_FLOAT },
        { "string", VARLINK_TYPE_STRING },
        { "object", VARLINK_TYPE_OBJECT },
};

static int parse_type(Parser *ps, unsigned depth, VarlinkType **ret) {
        _cleanup_free_ VarlinkType *t = NULL;
        bool nullable = false;
        int r;

        if (depth > IDL_DEPTH_MAX)
                return -EBADMSG;

        if (tok_punct(ps, '?')) {
                nullable = true;
                next_token(ps);
        }

        if (tok_punct(ps, '(')) {
                VarlinkType *s;
                r = parse_struct_or_enum(ps, depth + 1, &s);
                if (r < 0)
                        return r;
                s->nullable = nullable;
                *ret = s;
                return 0;
        }

        t = calloc(1, sizeof *t);
        if (!t)
                return -ENOMEM;
        t->nullable = nullable;

        if (tok_punct(ps, '[')) {
                next_token(ps);
                if (tok_is(ps, "string")) {
                        t->kind = VARLINK_TYPE_MAP;
                        next_token(ps);
                } else
                        t->kind = VARLINK_TYPE_ARRAY;
                r = expect_punct(ps, ']');
                if (r < 0)
                        return r;
                r = parse_type(ps, depth + 1, &t->element);
                if (r < 0)
                        return r;
                *ret = TAKE_PTR(t);
                return 0;
        }

        if (ps->kind != TOKEN_WORD)
                return -EBADMSG;

        for (size_t i = 0; i < ELEMENTSOF(builtin_types); i++)
                if (tok_is(ps, builtin_types[i].word)) {
                        t->kind = builtin_types[i].kind;
                        next_token(ps);
                        *ret = TAKE_PTR(t);
                        return 0;
                }

        t->kind = VARLINK_TYPE_NAMED;
        t->name = tok_dup(ps);
        if (!t->name)
                return -ENOMEM;
        if (!varlink_idl_symbol_name_is_valid(t->name)) {
                free(t->name);
                return -EBADMSG;
        }
        next_token(ps);
        *ret = TAKE_PTR(t);
        return 0;
}

static void symbol_clear(VarlinkSymbol *s) {
        free(s->name);
        type_free(s->type);
        type_free(s->output);
}

VarlinkInterface *varlink_interface_free(VarlinkInterface *i) {
        if (!i)
                return NULL;
        for (size_t k = 0; k < i->n_symbols; k++)
                symbol_clear(&i->symbols[k]);
        free(i->symbols);
        free(i->name);
        free(i->text);
        free(i);
        return NULL;
}

const VarlinkSymbol *varlink_interface_find(const VarlinkInterface *i, VarlinkSymbolKind kind, const char *name) {
        if (!i || !name)
                return NULL;
        for (size_t k = 0; k < i->n_symbols; k++)
                if (i->symbols[k].kind == kind && streq(i->symbols[k].name, name))
                        return &i->symbols[k];
        return NULL;
}

static int parse_member(Parser *ps, VarlinkSymbol *s) {
        int r;

        if (tok_is(ps, "type"))
                s->kind = VARLINK_SYMBOL_TYPE;
        else if (tok_is(ps, "method"))
                s->kind = VARLINK_SYMBOL_METHOD;
        else if (tok_is(ps, "error"))
                s->kind = VARLINK_SYMBOL_ERROR;
        else
                return -EBADMSG;
        next_token(ps);

        if (ps->kind != TOKEN_WORD)
                return -EBADMSG;
        s->name = tok_dup(ps);
        if (!s->name)
                return -ENOMEM;
        if (!varlink_idl_symbol_name_is_valid(s->name))
                return -EBADMSG;
        next_token(ps);

        if (!tok_punct(ps, '('))
                return -EBADMSG;
        r = parse_struct_or_enum(ps, 0, &s->type);
        if (r < 0)
                return r;

        switch (s->kind) {
        case VARLINK_SYMBOL_TYPE:
                /* Like sd-varlink: a named type must have at least one member. */
                if (s->type->n_fields == 0 && s->type->n_enum_values == 0)
                        return -EBADMSG;
                return 0;
        case VARLINK_SYMBOL_ERROR:
                return s->type->kind == VARLINK_TYPE_STRUCT ? 0 : -EBADMSG;
        case VARLINK_SYMBOL_METHOD:
                if (s->type->kind != VARLINK_TYPE_STRUCT || ps->kind != TOKEN_ARROW)
                        return -EBADMSG;
                next_token(ps);
                if (!tok_punct(ps, '('))
                        return -EBADMSG;
                r = parse_struct_or_enum(ps, 0, &s->output);
                if (r < 0)
                        return r;
                return s->output->kind == VARLINK_TYPE_STRUCT ? 0 : -EBADMSG;
        }
        return -EBADMSG;
}

/* Named references point at a `type` symbol; resolution is by name so
 * types may be used before they are declared, and may be recursive. */
static int resolve_type(const VarlinkInterface *i, VarlinkType *t) {
        if (!t)
                return 0;
        if (t->kind == VARLINK_TYPE_NAMED) {
                const VarlinkSymbol *s = varlink_interface_find(i, VARLINK_SYMBOL_TYPE, t->name);
                if (!s)
                        return -EBADMSG;
                t->resolved = s->type;
                return 0;
        }
        for (size_t k = 0; k < t->n_fields; k++)
                if (resolve_type(i, t->fields[k].type) < 0)
                        return -EBADMSG;
        return resolve_type(i, t->element);
}

int varlink_idl_parse(const char *text, VarlinkInterface **ret, unsigned *ret_line, unsigned *ret_column) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        Parser ps = { .p = text, .line = 1, .column = 1 };
        int r;

        if (!text || !ret)
                return -EINVAL;

        i = calloc(1, sizeof *i);
        if (!i)
                return -ENOMEM;
        i->text = strdup(text);
        if (!i->text)
                return -ENOMEM;

        next_token(&ps);
        if (!tok_is(&ps, "interface")) {
                r = -EBADMSG;
                goto fail;
        }
        next_token(&ps);
        if (ps.kind != TOKEN_WORD) {
                r = -EBADMSG;
                goto fail;
        }
        i->name = tok_dup(&ps);
        if (!i->name)
                return -ENOMEM;
        if (!varlink_idl_interface_name_is_valid(i->name)) {
                r = -EBADMSG;
                goto fail;
        }
        next_token(&ps);

        while (ps.kind != TOKEN_END) {
                VarlinkSymbol s = {};
                unsigned line = ps.tok_line, column = ps.tok_column;

                r = parse_member(&ps, &s);
                if (r >= 0 && (varlink_interface_find(i, VARLINK_SYMBOL_TYPE, s.name) ||
                               varlink_interface_find(i, VARLINK_SYMBOL_METHOD, s.name) ||
                               varlink_interface_find(i, VARLINK_SYMBOL_ERROR, s.name))) {
                        ps.tok_line = line;
                        ps.tok_column = column;
                        r = -EBADMSG;
                }
                if (r >= 0) {
                        VarlinkSymbol *n = reallocarray(i->symbols, i->n_symbols + 1, sizeof *n);
                        if (!n)
                                r = -ENOMEM;
                        else {
                                i->symbols = n;
                                i->symbols[i->n_symbols++] = s;
                        }
                }
                if (r < 0) {
                        symbol_clear(&s);
                        goto fail;
                }
        }

        for (size_t k = 0; k < i->n_symbols; k++)
                if (resolve_type(i, i->symbols[k].type) < 0 || resolve_type(i, i->symbols[k].output) < 0) {
                        r = -EBADMSG;
                        goto fail;
                }

        *ret = TAKE_PTR(i);
        return 0;

fail:
        if (r == -EBADMSG) {
                if (ret_line)
                        *ret_line = ps.tok_line;
                if (ret_column)
                        *ret_column = ps.tok_column;
        }
        return r;
}
