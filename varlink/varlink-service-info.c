/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <string.h>

#include "macro.h"
#include "varlink-internal.h"

/* The interface every Varlink server answers; member names and types are
 * fixed by the protocol, the comments are ours. */
const char varlink_service_idl[] =
        "# Introspection: who runs this service and which interfaces it offers.\n"
        "interface org.varlink.service\n"
        "\n"
        "# Vendor, product, version, URL and the names of all interfaces served.\n"
        "method GetInfo() -> (\n"
        "\tvendor: string,\n"
        "\tproduct: string,\n"
        "\tversion: string,\n"
        "\turl: string,\n"
        "\tinterfaces: []string\n"
        ")\n"
        "\n"
        "# The IDL text of one interface served here.\n"
        "method GetInterfaceDescription(interface: string) -> (description: string)\n"
        "\n"
        "# No interface of this name is served here.\n"
        "error InterfaceNotFound(interface: string)\n"
        "\n"
        "# No method of this name is served here.\n"
        "error MethodNotFound(method: string)\n"
        "\n"
        "# The method is declared but has no implementation.\n"
        "error MethodNotImplemented(method: string)\n"
        "\n"
        "# The named parameter is missing, of the wrong type, or not declared.\n"
        "error InvalidParameter(parameter: string)\n"
        "\n"
        "# The caller may not use this method.\n"
        "error PermissionDenied()\n"
        "\n"
        "# The method streams its replies and needs the call to set 'more'.\n"
        "error ExpectedMore()\n";

static int add_string(json_object *o, const char *key, const char *value) {
        json_object *v = json_object_new_string(value ?: "");
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int method_get_info(VarlinkCall *call, json_object *parameters, void *userdata) {
        VarlinkServer *s = varlink_call_server(call);
        json_object *reply, *list;
        int r;

        reply = json_object_new_object();
        if (!reply)
                return -ENOMEM;
        r = add_string(reply, "vendor", s->vendor);
        if (r >= 0)
                r = add_string(reply, "product", s->product);
        if (r >= 0)
                r = add_string(reply, "version", s->version);
        if (r >= 0)
                r = add_string(reply, "url", s->url);
        if (r >= 0) {
                list = json_object_new_array_ext((int) s->n_interfaces);
                if (!list || json_object_object_add(reply, "interfaces", list) < 0) {
                        json_object_put(list);
                        r = -ENOMEM;
                }
                for (size_t i = 0; r >= 0 && i < s->n_interfaces; i++) {
                        json_object *n = json_object_new_string(s->interfaces[i].interface->name);
                        if (!n || json_object_array_add(list, n) < 0) {
                                json_object_put(n);
                                r = -ENOMEM;
                        }
                }
        }
        if (r >= 0)
                r = varlink_call_reply(call, reply);
        json_object_put(reply);
        return r;
}

static int method_get_interface_description(VarlinkCall *call, json_object *parameters, void *userdata) {
        VarlinkServer *s = varlink_call_server(call);
        const VarlinkRegistered *reg;
        const char *name;
        json_object *reply;
        int r;

        name = json_object_get_string(json_object_object_get(parameters, "interface"));
        reg = varlink_server_find_interface(s, name, strlen(name));
        if (!reg)
                return varlink_call_error_interface_not_found(call, name);

        reply = json_object_new_object();
        if (!reply)
                return -ENOMEM;
        r = add_string(reply, "description", reg->interface->text);
        if (r >= 0)
                r = varlink_call_reply(call, reply);
        json_object_put(reply);
        return r;
}

int varlink_service_register(VarlinkServer *s) {
        static const VarlinkMethod methods[] = {
                { "GetInfo", method_get_info, 0 },
                { "GetInterfaceDescription", method_get_interface_description, 0 },
        };

        return varlink_server_add_interface(s, varlink_service_idl, methods, ELEMENTSOF(methods));
}
