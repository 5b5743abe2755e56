/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Test helper: prints the kernel's status of the key of an encrypted
 * directory's policy ("absent", "present", "incompletely-removed") and
 * its policy version, straight from the ioctls, with no Hearth code in
 * between. Exit 0, or 1 with the reason on stderr. */

#include <errno.h>
#include <fcntl.h>
#include <linux/fscrypt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        struct fscrypt_get_policy_ex_arg p = { .policy_size = sizeof p.policy };
        struct fscrypt_get_key_status_arg k = {};
        static const char *names[] = { "unknown", "absent", "present", "incompletely-removed" };
        int fd;

        if (argc != 2) {
                fprintf(stderr, "usage: %s DIR\n", argv[0]);
                return 1;
        }
        fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || ioctl(fd, FS_IOC_GET_ENCRYPTION_POLICY_EX, &p) < 0) {
                fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        if (p.policy.version == FSCRYPT_POLICY_V2) {
                k.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
                memcpy(k.key_spec.u.identifier, p.policy.v2.master_key_identifier, FSCRYPT_KEY_IDENTIFIER_SIZE);
        } else {
                k.key_spec.type = FSCRYPT_KEY_SPEC_TYPE_DESCRIPTOR;
                memcpy(k.key_spec.u.descriptor, p.policy.v1.master_key_descriptor, FSCRYPT_KEY_DESCRIPTOR_SIZE);
        }
        if (ioctl(fd, FS_IOC_GET_ENCRYPTION_KEY_STATUS, &k) < 0) {
                fprintf(stderr, "%s: key status: %s\n", argv[1], strerror(errno));
                return 1;
        }
        printf("%s v%d\n", k.status < 4 ? names[k.status] : "unknown", p.policy.version == FSCRYPT_POLICY_V2 ? 2 : 1);
        close(fd);
        return 0;
}
