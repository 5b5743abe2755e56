/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "luks-fs.h"
#include "macro.h"

/* Runs argv with stdout on out_fd (-1: on stderr). Returns the exit
 * status (>= 0), -ENOENT (no such tool), -EPROTO (killed), -errno. */
static int run_tool_status(char * const *argv, int out_fd) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -errno;
        if (pid == 0) {
                (void) dup2(out_fd >= 0 ? out_fd : STDERR_FILENO, STDOUT_FILENO);
                int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (null >= 0)
                        (void) dup2(null, STDIN_FILENO);
                execvp(argv[0], argv);
                _exit(errno == ENOENT ? 127 : 126);
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        if (!WIFEXITED(status))
                return -EPROTO;
        if (WEXITSTATUS(status) == 127)
                return -ENOENT;
        return WEXITSTATUS(status);
}

int luks_run_tool(char * const *argv) {
        int r = run_tool_status(argv, -1);

        return r > 0 ? -EPROTO : r;
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

int luks_fs_probe(const char *device, const char **ret_type, uint64_t *ret_block_size) {
        _cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC);
        uint8_t sb[0x10000 + 0x48];
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = pread(fd, sb, sizeof sb, 0);
        if (n < 0)
                return -errno;
        if ((size_t) n < sizeof sb)
                return -ENOMEDIUM;
        /* ext2/3/4: superblock at 1024, magic 0xEF53 at +56, log2(block
         * size) - 10 at +24. */
        if (sb[1024 + 56] == 0x53 && sb[1024 + 57] == 0xEF) {
                uint32_t lg = sb[1024 + 24] | (uint32_t) sb[1024 + 25] << 8 |
                              (uint32_t) sb[1024 + 26] << 16 | (uint32_t) sb[1024 + 27] << 24;
                if (lg > 6)
                        return -ENOMEDIUM;
                *ret_type = "ext4";
                if (ret_block_size)
                        *ret_block_size = UINT64_C(1024) << lg;
                return 0;
        }
        if (memcmp(sb, "XFSB", 4) == 0)
                *ret_type = "xfs";
        else if (memcmp(sb + 0x10000 + 0x40, "_BHRfS_M", 8) == 0)
                *ret_type = "btrfs";
        else
                return -ENOMEDIUM;
        if (ret_block_size)
                *ret_block_size = 0;
        return 0;
}

int luks_fs_ext4_check(const char *device) {
        char *argv[] = { "e2fsck", "-f", "-p", (char *) device, NULL };
        int r = run_tool_status(argv, -1);

        /* 1: errors corrected; 2: corrected, reboot advised (not for an
         * unmounted home); anything else: left broken. */
        if (r < 0)
                return r;
        return r <= 2 ? 0 : -EUCLEAN;
}

int luks_fs_ext4_min_size(const char *device, uint64_t block_size, uint64_t *ret) {
        char *argv[] = { "resize2fs", "-P", (char *) device, NULL };
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *out = NULL;
        unsigned long long blocks;
        const char *p;
        size_t len = 0;
        FILE *f;
        int r;

        fd = memfd_create("resize2fs-out", MFD_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = run_tool_status(argv, fd);
        if (r < 0)
                return r;
        if (r > 0)
                return -EPROTO;
        f = fdopen(TAKE_FD(fd), "r");
        if (!f)
                return -errno;
        rewind(f);
        if (getdelim(&out, &len, 0, f) < 0) {
                fclose(f);
                return -EBADMSG;
        }
        fclose(f);
        p = strstr(out, "minimum size of the filesystem:");
        if (!p || sscanf(p + strlen("minimum size of the filesystem:"), "%llu", &blocks) != 1 ||
            blocks > UINT64_MAX / block_size)
                return -EBADMSG;
        *ret = (uint64_t) blocks * block_size;
        return 0;
}

int luks_fs_ext4_resize(const char *device, uint64_t size) {
        char s[32];
        char *argv[] = { "resize2fs", (char *) device, s, NULL };

        if (size == 0)
                argv[2] = NULL;
        else
                snprintf(s, sizeof s, "%" PRIu64 "K", size / 1024);
        return luks_run_tool(argv);
}

int luks_fs_trim(const char *where) {
        _cleanup_close_ int fd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct fstrim_range range = { .len = UINT64_MAX };

        if (fd < 0)
                return -errno;
        if (ioctl(fd, FITRIM, &range) < 0)
                return errno == ENOTTY ? -EOPNOTSUPP : -errno;
        return 0;
}
