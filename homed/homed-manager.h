/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* hearth-homed: the daemon's shared types. The Manager owns the event
 * loop, the registry of homes, the signing keys, the io.hearth.Home API
 * server and the userdb provider. A Home is one managed user; operations
 * on it are queued and run one at a time, each storage step in a
 * hearth-homework process (homed-worker.h). Design: docs/design/homed.md. */

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "fileio.h"
#include "json-util.h"
#include "record.h"
#include "userdb-service.h"
#include "varlink.h"

/* UID range homed allocates from (user-record.md §10). */
#define HOMED_UID_MIN 60001U
#define HOMED_UID_MAX 60513U
#define HOMED_SERVICE "io.hearth.Home"

/* Defaults of the directories; each has an option and an environment
 * variable (hearth-homed(8)). */
#define HOMED_STATE_DIR_DEFAULT "/var/lib/hearth"
#define HOMED_RUNTIME_DIR_DEFAULT "/run/hearth/home"
#define HOMED_HOME_ROOT_DEFAULT "/home"
#define HOMED_USERDB_DIR_DEFAULT "/run/systemd/userdb"
#define HOMED_SYSTEMD_KEY_DIR "/var/lib/systemd/home"

/* Default authentication rate limit when the record sets none. */
/* A wrong secret is answered only after this long, and the home takes
 * no other operation meanwhile, so guessing over the socket (also over
 * many connections) gets at most one try per delay and home. */
#define HOMED_BAD_PASSWORD_DELAY_USEC_DEFAULT (3ULL * 1000000ULL)
#define HOMED_RATELIMIT_BURST_DEFAULT 30U
#define HOMED_RATELIMIT_INTERVAL_USEC_DEFAULT (60ULL * 1000000ULL)

typedef enum HomeState {
        HOME_ABSENT,
        HOME_INACTIVE,
        HOME_DIRTY,
        HOME_ACTIVE,
        HOME_LOCKED,
        /* Transitional: an operation is running. */
        HOME_CREATING,
        HOME_ACTIVATING,
        HOME_DEACTIVATING,
        HOME_LOCKING,
        HOME_UNLOCKING,
        HOME_REMOVING,
        HOME_UPDATING,
        HOME_PASSWD,
        HOME_RESIZING,
        HOME_AUTHENTICATING,
        HOME_INSPECTING,
        _HOME_STATE_MAX,
        _HOME_STATE_INVALID = -EINVAL,
} HomeState;

const char *home_state_to_string(HomeState s);
HomeState home_state_from_string(const char *s);

typedef enum HomeOpType {
        OP_CREATE,
        OP_ACTIVATE,
        OP_DEACTIVATE,
        OP_LOCK,
        OP_UNLOCK,
        OP_UPDATE,
        OP_PASSWD,
        OP_RESIZE,
        OP_REMOVE,
        OP_AUTHENTICATE,
        OP_ACQUIRE,
        OP_RELEASE,
        OP_INSPECT,      /* internal: learn the state from disk, recover dirty */
        _OP_MAX,
} HomeOpType;

typedef struct Manager Manager;
typedef struct Home Home;
typedef struct HomeOp HomeOp;
typedef struct Worker Worker;
typedef struct HomeHold HomeHold;

/* An Acquire made with "more": its call stays open and holds one
 * reference until the client's connection closes. */
struct HomeHold {
        HomeHold *next;
        Home *home;
        VarlinkCall *call;
};

/* Called when a queued operation finished (after the call, if any, got
 * its reply). r is 0 or the negative errno it failed with. */
typedef void (*home_op_done_t)(HomeOp *op, int r, void *userdata);

struct HomeOp {
        HomeOp *next;
        HomeOpType type;
        VarlinkCall *call;          /* NULL for internal operations */
        json_object *secret;        /* {"password": [...]}, wiped when freed */
        json_object *new_secret;    /* passwd */
        json_object *record;        /* create/update/passwd: the record to go to */
        uint64_t size;              /* resize */
        bool force;                 /* deactivate */
        bool auto_release;          /* deactivate: internal, after the last held Acquire went away;
                                     * skipped if the home got referenced again meanwhile */
        home_op_done_t done;
        void *userdata;
};

struct Home {
        Manager *manager;
        char *user_name;
        uid_t uid;
        UserRecord *record;         /* host copy, signed, no secret */
        HomeState state;            /* stable state */
        HomeState op_state;         /* transitional state while an op runs, else _HOME_STATE_INVALID */
        bool read_only;             /* signed by a trusted key that is not ours */
        json_object *status;        /* last status the worker reported */
        HomeOp *queue_head, *queue_tail, *current;
        Worker *worker;
        unsigned refs;              /* Acquire minus Release, held calls included */
        HomeHold *holds;            /* Acquire calls held open ("more") */
        unsigned n_holds;
        bool acquire_activated;     /* the first Acquire activated it */
        bool unregistered;          /* removed from the registry, freed when idle */
        /* A BadPassword answer waiting out the delay (the op stays current). */
        sd_event_source *delay_event;
        int delayed_r;
        char *delayed_error;
        json_object *delayed_params;

        uint64_t good_auth, bad_auth, last_good_usec, last_bad_usec;
        uint64_t ratelimit_begin_usec, ratelimit_count;

        char *served_text[2];       /* userdb provider: the .user and .group files as last written */
};

struct Manager {
        sd_event *event;
        VarlinkServer *api;
        VarlinkServer *userdb_server;
        UserDBService *userdb;
        bool userdb_loaded;         /* the service holds a database loaded from the files */
        char *state_dir, *runtime_dir, *home_root, *userdb_dir;
        char *homework;             /* NULL: fork the built-in worker */
        char *marker_dir;           /* RUNTIME-DIR/markers: the workers' dirty markers */
        char **key_dirs;            /* where *.public files are trusted from */
        char *api_socket;

        EVP_PKEY *private_key;
        EVP_PKEY **trusted;
        char **trusted_pem;         /* trusted[i] as PEM text, or NULL */
        size_t n_trusted;

        Home **homes;
        size_t n_homes;

        RecordMachine machine;
        char hostname[256];
        char machine_id[33];
        RecordLoadOptions load_options;
        uint64_t bad_password_delay_usec;
};

/* homed-manager.c */
int manager_new(Manager **ret);
Manager *manager_free(Manager *m);
int manager_startup(Manager *m);
Home *manager_find_home(Manager *m, const char *name);
Home *manager_find_home_by_uid(Manager *m, uid_t uid);
int manager_add_home(Manager *m, Home *h);
void manager_remove_home(Manager *m, Home *h);
/* Picks a free uid in HOMED_UID_MIN..MAX (also free as gid): no home,
 * no user or group in /etc/passwd, /etc/group or any other userdb
 * service has it. Returns 0 or -EUSERS (range exhausted). */
int manager_allocate_uid(Manager *m, uid_t *ret);
/* Whether uid or name is used by anybody outside this daemon. */
bool manager_uid_taken_elsewhere(Manager *m, uid_t uid);
bool manager_name_taken_elsewhere(Manager *m, const char *name);

/* homed-keys.c: local.private/local.public and the trusted keys. */
int keys_setup(Manager *m);
/* Signs a record (returns a new object). -ENOKEY without a private key. */
int keys_sign(Manager *m, json_object *record, json_object **ret);
/* 1 signed by our key, 0 signed by another trusted key (read-only),
 * -EUCLEAN unsigned, -EPERM no trusted signature, -EBADMSG damaged. */
int keys_check(Manager *m, json_object *record);

/* homed-store.c: the <user>.identity files of the registry. */
/* Writes v (pretty JSON, 0600) atomically: temp + fsync + rename + dir
 * fsync. -ENOSPC etc.; nothing is left behind on failure. */
int store_write(const char *dir, const char *user_name, json_object *v);
int store_remove(const char *dir, const char *user_name);
/* Reads <dir>/<user>.identity (or the given file name) as JSON. */
int store_read(const char *dir, const char *file_name, json_object **ret);

/* homed-home.c */
int home_new(Manager *m, UserRecord *record, Home **ret);
Home *home_free(Home *h);
/* Overwrites the secrets of the home's running and queued operations (in a
 * forked worker's copy of the daemon's memory). */
void home_wipe_secrets(Home *h);
HomeState home_get_state(Home *h);
/* Queues op on h and runs it when h is idle. Takes ownership of op. */
void home_enqueue(Home *h, HomeOp *op);
HomeOp *home_op_new(HomeOpType type, VarlinkCall *call);
HomeOp *home_op_free(HomeOp *op);
/* Replaces the host record (signs if needed, writes atomically). */
int home_save_record(Home *h, json_object *record);
/* The record as served: host copy + status of this machine. */
int home_build_served(Home *h, bool with_privileged, json_object **ret);
/* The synthesized per-user group (group-record.md §7). */
int home_build_group(Home *h, json_object **ret);
/* Rate limit: 0 when one more attempt is allowed (and counts it),
 * -ETOOMANYREFS when the limit is hit. */
int home_ratelimit(Home *h);
void home_count_auth(Home *h, bool good);

/* homed-worker.c: one worker process (a fork of the daemon, or --homework). */
typedef void (*worker_done_t)(Worker *w, int r, json_object *reply, void *userdata);
/* Starts `path` with request on stdin (request is serialized and the text
 * wiped). cb gets r = 0 and the parsed reply when the worker exited 0
 * or 1 with a reply, r = -ECHILD when it died without one. */
int worker_start(Manager *m, json_object *request, worker_done_t cb, void *userdata, Worker **ret);
Worker *worker_free(Worker *w);

/* homed-varlink.c */
int api_setup(Manager *m);
/* A copy of h's record with privileged.hashedPassword made from
 * new_secret and the change times set. -ENODATA: no password in it. */
int api_build_passwd_record(Home *h, json_object *new_secret, json_object **ret);

/* homed-userdb.c: publishes users and groups as io.systemd.UserDatabase. */
int userdb_provider_setup(Manager *m);
int userdb_provider_refresh(Manager *m);

/* homed-util.c */
uint64_t now_usec(void);
