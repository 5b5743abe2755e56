/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Server-side objects shared by the files of this folder. */

#include <sys/socket.h>

#include "varlink-idl.h"
#include "varlink-message.h"
#include "varlink.h"

typedef struct VarlinkConnection VarlinkConnection;

typedef struct VarlinkListener {
        VarlinkServer *server;
        struct VarlinkListener *next;
        int fd;
        char *path; /* set if we bound it: unlinked on shutdown */
        char *name;
        sd_event_source *source;
        sd_event_source *resume; /* re-arms `source` after the accept filter deferred */
} VarlinkListener;

typedef struct VarlinkRegistered {
        VarlinkInterface *interface;
        VarlinkMethod *methods;
        size_t n_methods;
} VarlinkRegistered;

struct VarlinkServer {
        sd_event *event;
        int64_t priority;
        VarlinkListener *listeners;
        VarlinkConnection *connections;
        unsigned n_connections;
        VarlinkRegistered *interfaces;
        size_t n_interfaces;
        char *vendor, *product, *version, *url;
        void *userdata;
        uint64_t idle_timeout_usec;     /* UINT64_MAX: default */
        unsigned connections_max;       /* 0: default */
        unsigned connections_per_uid_max;
        json_tokener *tokener;          /* one loop, one parse at a time */
        VarlinkAcceptFilter accept_filter;
        void *accept_filter_userdata;
        bool keep_socket_files;
        VarlinkCountCallback count_callback;
        void *count_callback_userdata;
        /* The method the last call named, resolved: a connection mostly
         * calls one method over and over. Only found methods are kept;
         * adding an interface forgets it. */
        struct {
                char *name;             /* qualified; NULL: nothing cached */
                size_t len;
                const VarlinkSymbol *symbol;
                varlink_method_t callback;
                unsigned flags;
        } last_method;
};

struct VarlinkConnection {
        unsigned n_ref;
        VarlinkServer *server;
        VarlinkConnection *prev, *next;
        int fd;
        char *listen_name;
        struct ucred ucred;
        bool have_ucred;
        VarlinkBuffer in, out;
        sd_event_source *io, *idle, *defer;
        uint32_t io_events;
        uint64_t last_input_usec;
        VarlinkCall *current;   /* call in flight; the next is read only after it */
        bool read_eof;
        bool processing;        /* inside the dispatch loop: replies are batched */
        bool dead;
};

struct VarlinkCall {
        unsigned n_ref;
        VarlinkServer *server;
        VarlinkConnection *connection; /* NULL once the connection is gone */
        json_object *message;
        const char *method;
        size_t method_len;
        json_object *parameters;
        bool more, oneway, finished;
        varlink_cancel_t cancel;
        void *cancel_userdata;
        varlink_drain_t drain;          /* streaming producer, run when output drained */
        void *drain_userdata;
};

/* varlink-connection.c */
int varlink_connection_new(VarlinkServer *s, int fd, const char *listen_name);
int varlink_connection_attach(VarlinkConnection *c);
void varlink_connection_drop(VarlinkConnection *c);
VarlinkConnection *varlink_connection_ref(VarlinkConnection *c);
VarlinkConnection *varlink_connection_unref(VarlinkConnection *c);
/* After a reply was queued: write it now unless batching, and after a
 * final reply schedule the next queued call. */
void varlink_connection_after_reply(VarlinkConnection *c, bool final);
uint64_t varlink_server_idle_timeout(const VarlinkServer *s);
/* Queued output at or above the streaming high-water mark. */
bool varlink_connection_congested(const VarlinkConnection *c);
/* A drain callback was set: run it soon if output is not congested. */
void varlink_connection_after_drain_set(VarlinkConnection *c);

/* varlink-dispatch.c */
int varlink_connection_dispatch(VarlinkConnection *c, json_object *message);

/* varlink-service-info.c */
extern const char varlink_service_idl[];
int varlink_service_register(VarlinkServer *s);

/* varlink-server.c */
const VarlinkRegistered *varlink_server_find_interface(VarlinkServer *s, const char *name, size_t len);
void varlink_server_forget_method(VarlinkServer *s);
