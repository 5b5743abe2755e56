/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "macro.h"
#include "test-interface.h"
#include "varlink-idl.h"

static void test_parse_test_interface(void **state) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        const VarlinkSymbol *echo, *color, *point;

        assert_int_equal(varlink_idl_parse(test_interface_idl, &i, NULL, NULL), 0);
        assert_string_equal(i->name, "org.example.Test");
        assert_string_equal(i->text, test_interface_idl);
        assert_int_equal(i->n_symbols, 9);

        color = varlink_interface_find(i, VARLINK_SYMBOL_TYPE, "Color");
        assert_non_null(color);
        assert_int_equal(color->type->kind, VARLINK_TYPE_ENUM);
        assert_int_equal(color->type->n_enum_values, 3);
        assert_string_equal(color->type->enum_values[2], "blue");

        point = varlink_interface_find(i, VARLINK_SYMBOL_TYPE, "Point");
        assert_int_equal(point->type->kind, VARLINK_TYPE_STRUCT);
        assert_true(point->type->fields[2].type->nullable);

        echo = varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "Echo");
        assert_non_null(echo);
        assert_int_equal(echo->type->n_fields, 10);
        assert_int_equal(echo->output->n_fields, 2);
        assert_int_equal(echo->type->fields[4].type->kind, VARLINK_TYPE_ARRAY);
        assert_int_equal(echo->type->fields[4].type->element->kind, VARLINK_TYPE_STRING);
        assert_int_equal(echo->type->fields[5].type->kind, VARLINK_TYPE_MAP);
        assert_int_equal(echo->type->fields[5].type->element->kind, VARLINK_TYPE_INT);
        assert_int_equal(echo->type->fields[6].type->kind, VARLINK_TYPE_NAMED);
        assert_ptr_equal(echo->type->fields[6].type->resolved, color->type);
        assert_int_equal(echo->type->fields[9].type->kind, VARLINK_TYPE_STRUCT);
        assert_true(echo->type->fields[9].type->nullable);

        assert_non_null(varlink_interface_find(i, VARLINK_SYMBOL_ERROR, "Failed"));
        assert_null(varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "Failed"));
}

static void test_parse_valid(void **state) {
        static const char *good[] = {
                "interface a.b",
                "interface a.b\nmethod M() -> ()",
                "interface org.example.x-y # comment\n# another\nmethod M(a: ?[]?[string]int) -> (b: object)",
                "interface a.b\ntype T (a: T2)\ntype T2 (x: ?T)",          /* forward and recursive */
                "interface a.b\ntype E (one, two)\nerror Bad(e: E, inline: (p: (q: bool)))",
                "interface a.b method M(x:int)->(y:float)",                   /* no whitespace needed */
                "interface a.b\nmethod M(e: (a, b, c)) -> ()",               /* anonymous enum */
        };
        for (size_t k = 0; k < ELEMENTSOF(good); k++) {
                _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
                if (varlink_idl_parse(good[k], &i, NULL, NULL) < 0)
                        fail_msg("should parse: %s", good[k]);
        }
}

static void test_parse_invalid(void **state) {
        static const char *bad[] = {
                "",
                "interface",
                "interface ab",                              /* needs a dot */
                "interface a.b\nmethod m() -> ()",           /* lower-case symbol */
                "interface a.b\nmethod M()",                 /* no output */
                "interface a.b\nmethod M() -> (",
                "interface a.b\nmethod M(a int) -> ()",
                "interface a.b\nmethod M(a: int, a: int) -> ()",
                "interface a.b\nmethod M() -> ()\nmethod M() -> ()",
                "interface a.b\ntype T ()",                  /* empty type */
                "interface a.b\nmethod M(a: Missing) -> ()", /* unresolved */
                "interface a.b\nmethod M(a: ??int) -> ()",
                "interface a.b\nmethod M(a: [int]string) -> ()",
                "interface a.b\nmethod M(a: int,) -> ()",
                "interface a.b\nmethod M(a__b: int) -> ()",
                "interface a.b\ntype E (a, b: int)",
                "interface a.b\nerror E (a, b)",             /* errors carry structs */
                "interface a.b\nfoo X()",
                "interface a.b\nmethod M(a: int) -> () $",
        };
        for (size_t k = 0; k < ELEMENTSOF(bad); k++) {
                VarlinkInterface *i = NULL;
                unsigned line = 0, column = 0;
                int r = varlink_idl_parse(bad[k], &i, &line, &column);
                if (r != -EBADMSG)
                        fail_msg("should not parse (r=%d): %s", r, bad[k]);
                assert_null(i);
                assert_true(line >= 1);
        }
}

static void test_error_position(void **state) {
        VarlinkInterface *i = NULL;
        unsigned line = 0, column = 0;

        assert_int_equal(varlink_idl_parse("interface a.b\n\nmethod M(a int) -> ()", &i, &line, &column), -EBADMSG);
        assert_int_equal(line, 3);
        assert_int_equal(column, 12);
}

static void test_deep_nesting(void **state) {
        char buf[2048] = "interface a.b\nmethod M(a: ";
        VarlinkInterface *i = NULL;

        for (int k = 0; k < 200; k++)
                strcat(buf, "[]");
        strcat(buf, "int) -> ()");
        assert_int_equal(varlink_idl_parse(buf, &i, NULL, NULL), -EBADMSG);
}

static void test_names(void **state) {
        assert_true(varlink_idl_interface_name_is_valid("io.systemd.UserDatabase"));
        assert_true(varlink_idl_interface_name_is_valid("org.example.a--b"));
        assert_false(varlink_idl_interface_name_is_valid("io"));
        assert_false(varlink_idl_interface_name_is_valid("io..x"));
        assert_false(varlink_idl_interface_name_is_valid("io.x-"));
        assert_false(varlink_idl_interface_name_is_valid("1o.x"));
        assert_true(varlink_idl_qualified_name_is_valid("io.systemd.UserDatabase.GetUserRecord"));
        assert_false(varlink_idl_qualified_name_is_valid("io.systemd.UserDatabase.getUserRecord"));
        assert_false(varlink_idl_qualified_name_is_valid("GetUserRecord"));
        assert_false(varlink_idl_qualified_name_is_valid("a.B"));
        assert_true(varlink_idl_field_name_is_valid("user_name2"));
        assert_false(varlink_idl_field_name_is_valid("_x"));
        assert_false(varlink_idl_field_name_is_valid("x_"));
}

/* The bad field may point into the object: copy it before the put. */
static int check(const VarlinkType *t, const char *json, const char **bad) {
        static char copy[64];
        json_object *o = json_tokener_parse(json);
        const char *b = NULL;
        int r;

        r = varlink_idl_validate(t, o, &b);
        snprintf(copy, sizeof copy, "%s", b ?: "");
        *bad = copy;
        json_object_put(o);
        return r;
}

static void test_validate(void **state) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        const VarlinkType *t;
        const char *bad;

        assert_int_equal(varlink_idl_parse(test_interface_idl, &i, NULL, NULL), 0);
        t = varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "Echo")->type;

        assert_int_equal(check(t, "{\"text\":\"x\"}", &bad), 0);
        assert_int_equal(check(t, "{\"text\":\"x\",\"n\":null,\"tags\":null}", &bad), 0);
        assert_int_equal(check(t, "{\"text\":\"x\",\"n\":\"-12\",\"ratio\":1,\"flag\":false}", &bad), 0);
        assert_int_equal(check(t, "{\"text\":\"x\",\"ratio\":1.5,\"tags\":[\"a\",\"b\"],\"attrs\":{\"k\":1}}", &bad), 0);
        assert_int_equal(check(t, "{\"text\":\"x\",\"color\":\"green\",\"point\":{\"x\":1,\"y\":2}}", &bad), 0);
        assert_int_equal(check(t, "{\"text\":\"x\",\"extra\":{\"anything\":[1,{}]},\"inline\":{\"a\":1,\"b\":[true]}}", &bad), 0);

        /* missing / null non-nullable */
        assert_int_equal(check(t, "{}", &bad), -ENOANO);
        assert_string_equal(bad, "text");
        assert_int_equal(check(t, "{\"text\":null}", &bad), -ENOANO);
        assert_string_equal(bad, "text");
        /* each kind mistyped */
        static const struct {
                const char *json, *field;
        } wrong[] = {
                { "{\"text\":1}", "text" },
                { "{\"text\":\"x\",\"n\":1.5}", "n" },
                { "{\"text\":\"x\",\"n\":\"12abc\"}", "n" },
                { "{\"text\":\"x\",\"ratio\":\"1\"}", "ratio" },
                { "{\"text\":\"x\",\"flag\":1}", "flag" },
                { "{\"text\":\"x\",\"tags\":\"a\"}", "tags" },
                { "{\"text\":\"x\",\"tags\":[1]}", "tags" },
                { "{\"text\":\"x\",\"tags\":[null]}", "tags" },
                { "{\"text\":\"x\",\"attrs\":{\"k\":\"v\"}}", "attrs" },
                { "{\"text\":\"x\",\"attrs\":[1]}", "attrs" },
                { "{\"text\":\"x\",\"color\":\"purple\"}", "color" },
                { "{\"text\":\"x\",\"color\":1}", "color" },
                { "{\"text\":\"x\",\"point\":{\"x\":1}}", "point" },
                { "{\"text\":\"x\",\"point\":{\"x\":1,\"y\":2,\"z\":3}}", "point" },
                { "{\"text\":\"x\",\"extra\":[]}", "extra" },
                { "{\"text\":\"x\",\"inline\":{\"a\":1,\"b\":[1]}}", "inline" },
        };
        for (size_t k = 0; k < ELEMENTSOF(wrong); k++) {
                if (check(t, wrong[k].json, &bad) != -EMEDIUMTYPE)
                        fail_msg("should be refused: %s", wrong[k].json);
                assert_string_equal(bad, wrong[k].field);
        }
        /* unknown field */
        assert_int_equal(check(t, "{\"text\":\"x\",\"surprise\":1}", &bad), -EBUSY);
        assert_string_equal(bad, "surprise");
        /* not an object at all */
        assert_int_equal(check(t, "[1]", &bad), -EMEDIUMTYPE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_test_interface),
                cmocka_unit_test(test_parse_valid),
                cmocka_unit_test(test_parse_invalid),
                cmocka_unit_test(test_error_position),
                cmocka_unit_test(test_deep_nesting),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_validate),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
