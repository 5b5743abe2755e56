/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "luks-fs.h"
#include "macro.h"

int luks_run_tool(char * const *argv) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) dup2(STDERR_FILENO, STDOUT_FILENO);
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null >= 0)
                        (void) dup2(null, STDIN_FILENO);
                execvp(argv[0], argv);
                _exit(errno == ENOENT ? 127 : 126);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return -ENOENT;
        return -EPROTO;
}

int luks_fs_make(const char *fstype, const char *device, const char *label, const char *uuid) {
        char xfs_uuid[64], xfs_label[13];

        if (streq(fstype, "ext4")) {
                char *argv[] = { "mkfs.ext4", "-q", "-F", "-L", (char *) label, "-m", "0",
                                 "-E", "lazy_itable_init=1,nodiscard", "-U", (char *) (isempty(uuid) ? "random" : uuid),
                                 (char *) device, NULL };
                return luks_run_tool(argv);
        }
        if (streq(fstype, "btrfs")) {
                char *argv[] = { "mkfs.btrfs", "-q", "-f", "-L", (char *) label, "-U", (char *) uuid,
                                 (char *) device, NULL };
                if (isempty(uuid)) {
                        argv[5] = (char *) device;
                        argv[6] = NULL;
                }
                return luks_run_tool(argv);
        }
        if (streq(fstype, "xfs")) {
                /* xfs labels hold at most 12 bytes. */
                snprintf(xfs_label, sizeof xfs_label, "%s", label);
                snprintf(xfs_uuid, sizeof xfs_uuid, "uuid=%s", isempty(uuid) ? "generate" : uuid);
                char *argv[] = { "mkfs.xfs", "-q", "-f", "-L", xfs_label, "-m", xfs_uuid, (char *) device, NULL };
                if (isempty(uuid)) {
                        argv[5] = (char *) device;
                        argv[6] = NULL;
                }
                return luks_run_tool(argv);
        }
        return -EPROTONOSUPPORT;
}

int luks_fs_mount(const char *device, const char *where, const char *fstype, const HomeRecord *h,
                  const char *extra_options) {
        static const struct { const char *name; unsigned long flag; } flags[] = {
                { "noatime", MS_NOATIME }, { "relatime", MS_RELATIME },
                { "nodiratime", MS_NODIRATIME }, { "lazytime", MS_LAZYTIME },
        };
        _cleanup_free_ char *opts = strdup(extra_options ?: ""), *data = calloc(1, strlen(extra_options ?: "") + 1);
        unsigned long f = 0;
        char *save = NULL;

        if (!opts || !data)
                return -ENOMEM;
        for (char *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                bool known = false;
                for (size_t i = 0; i < ELEMENTSOF(flags); i++)
                        if (streq(o, flags[i].name)) {
                                f |= flags[i].flag;
                                known = true;
                        }
                if (!known) {
                        if (data[0])
                                strcat(data, ",");
                        strcat(data, o);
                }
        }
        if (home_record_mount_nodev(h))
                f |= MS_NODEV;
        if (home_record_mount_nosuid(h))
                f |= MS_NOSUID;
        if (home_record_mount_noexec(h))
                f |= MS_NOEXEC;
        if (mkdir(where, 0700) < 0 && errno != EEXIST)
                return -errno;
        return RET_NERRNO(mount(device, where, fstype, f, data[0] ? data : NULL));
}

int luks_fs_grow(const char *fstype, const char *device, const char *where) {
        if (streq(fstype, "ext4")) {
                char *argv[] = { "resize2fs", (char *) device, NULL };
                return luks_run_tool(argv);
        }
        if (streq(fstype, "btrfs")) {
                char *argv[] = { "btrfs", "-q", "filesystem", "resize", "max", (char *) where, NULL };
                return luks_run_tool(argv);
        }
        if (streq(fstype, "xfs")) {
                char *argv[] = { "xfs_growfs", (char *) where, NULL };
                return luks_run_tool(argv);
        }
        return -EPROTONOSUPPORT;
}

int luks_fs_shrink(const char *fstype, const char *where, uint64_t size) {
        char s[32];

        if (!streq(fstype, "btrfs"))
                return -ETXTBSY;
        snprintf(s, sizeof s, "%" PRIu64, size);
        char *argv[] = { "btrfs", "-q", "filesystem", "resize", s, (char *) where, NULL };
        return luks_run_tool(argv);
}
