/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <linux/fscrypt.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/sha.h>
#include <sys/ioctl.h>

#include "fscrypt-kernel.h"
#include "macro.h"
#include "secure-mem.h"

const char *fscrypt_key_status_to_string(FscryptKeyStatus s) {
        switch (s) {
        case FSCRYPT_KEY_ABSENT:
                return "absent";
        case FSCRYPT_KEY_PRESENT:
                return "present";
        case FSCRYPT_KEY_INCOMPLETELY_REMOVED:
                return "incompletely-removed";
        default:
                return NULL;
        }
}

int fscrypt_get_policy(int dir_fd, FscryptPolicy *ret) {
        struct fscrypt_get_policy_ex_arg arg = { .policy_size = sizeof arg.policy };
        FscryptPolicy p = {};

        if (ioctl(dir_fd, FS_IOC_GET_ENCRYPTION_POLICY_EX, &arg) < 0)
                return -errno;
        switch (arg.policy.version) {
        case FSCRYPT_POLICY_V1:
                p.version = 1;
                p.contents_mode = arg.policy.v1.contents_encryption_mode;
                p.filenames_mode = arg.policy.v1.filenames_encryption_mode;
                p.flags = arg.policy.v1.flags;
                memcpy(p.descriptor, arg.policy.v1.master_key_descriptor, sizeof p.descriptor);
                break;
        case FSCRYPT_POLICY_V2:
                p.version = 2;
                p.contents_mode = arg.policy.v2.contents_encryption_mode;
                p.filenames_mode = arg.policy.v2.filenames_encryption_mode;
                p.flags = arg.policy.v2.flags;
                memcpy(p.identifier, arg.policy.v2.master_key_identifier, sizeof p.identifier);
                break;
        default:
                return -EINVAL;
        }
        *ret = p;
        return 0;
}

int fscrypt_set_policy_v2(int dir_fd, const uint8_t identifier[static FSCRYPT_ID_SIZE]) {
        struct fscrypt_policy_v2 p = {
                .version = FSCRYPT_POLICY_V2,
                .contents_encryption_mode = FSCRYPT_MODE_AES_256_XTS,
                .filenames_encryption_mode = FSCRYPT_MODE_AES_256_CTS,
                .flags = FSCRYPT_POLICY_FLAGS_PAD_32,
        };

        memcpy(p.master_key_identifier, identifier, FSCRYPT_ID_SIZE);
        return RET_NERRNO(ioctl(dir_fd, FS_IOC_SET_ENCRYPTION_POLICY, &p));
}

static int add_key(int fd, const struct fscrypt_key_specifier *spec, const uint8_t *key, size_t key_size,
                   struct fscrypt_key_specifier *ret_spec) {
        _cleanup_secure_free_ struct fscrypt_add_key_arg *arg = NULL;

        if (key_size == 0 || key_size > FSCRYPT_MAX_KEY_SIZE)
                return -EINVAL;
        arg = secure_alloc(sizeof *arg + key_size);
        if (!arg)
                return -ENOMEM;
        arg->key_spec = *spec;
        arg->raw_size = (uint32_t) key_size;
        memcpy(arg->raw, key, key_size);
        if (ioctl(fd, FS_IOC_ADD_ENCRYPTION_KEY, arg) < 0)
                return -errno;
        if (ret_spec)
                *ret_spec = arg->key_spec;
        return 0;
}

int fscrypt_add_key_v2(int fd, const uint8_t *key, size_t key_size,
                       uint8_t ret_identifier[static FSCRYPT_ID_SIZE]) {
        struct fscrypt_key_specifier spec = { .type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER }, out;
        int r;

        r = add_key(fd, &spec, key, key_size, &out);
        if (r < 0)
                return r;
        memcpy(ret_identifier, out.u.identifier, FSCRYPT_ID_SIZE);
        return 0;
}

int fscrypt_add_key_v1(int fd, const uint8_t descriptor[static FSCRYPT_DESCRIPTOR_SIZE],
                       const uint8_t *key, size_t key_size) {
        struct fscrypt_key_specifier spec = { .type = FSCRYPT_KEY_SPEC_TYPE_DESCRIPTOR };

        memcpy(spec.u.descriptor, descriptor, FSCRYPT_DESCRIPTOR_SIZE);
        return add_key(fd, &spec, key, key_size, NULL);
}

int fscrypt_v1_descriptor(const uint8_t *key, size_t key_size,
                          uint8_t ret[static FSCRYPT_DESCRIPTOR_SIZE]) {
        uint8_t a[SHA512_DIGEST_LENGTH], b[SHA512_DIGEST_LENGTH];

        if (!SHA512(key, key_size, a) || !SHA512(a, sizeof a, b)) {
                explicit_bzero(a, sizeof a);
                return -EIO;
        }
        memcpy(ret, b, FSCRYPT_DESCRIPTOR_SIZE);
        explicit_bzero(a, sizeof a);
        return 0;
}

static void fill_spec(const FscryptPolicy *p, struct fscrypt_key_specifier *spec) {
        if (p->version == 1) {
                spec->type = FSCRYPT_KEY_SPEC_TYPE_DESCRIPTOR;
                memcpy(spec->u.descriptor, p->descriptor, FSCRYPT_DESCRIPTOR_SIZE);
        } else {
                spec->type = FSCRYPT_KEY_SPEC_TYPE_IDENTIFIER;
                memcpy(spec->u.identifier, p->identifier, FSCRYPT_ID_SIZE);
        }
}

int fscrypt_remove_key(int fd, const FscryptPolicy *policy, bool all_users, uint32_t *ret_flags) {
        struct fscrypt_remove_key_arg arg = {};

        fill_spec(policy, &arg.key_spec);
        if (ioctl(fd, all_users ? FS_IOC_REMOVE_ENCRYPTION_KEY_ALL_USERS : FS_IOC_REMOVE_ENCRYPTION_KEY, &arg) < 0) {
                if (errno != ENOKEY)
                        return -errno;
                arg.removal_status_flags = 0;   /* was not there: nothing to remove */
        }
        if (ret_flags)
                *ret_flags = arg.removal_status_flags;
        return 0;
}

int fscrypt_get_key_status(int fd, const FscryptPolicy *policy, FscryptKeyStatus *ret) {
        struct fscrypt_get_key_status_arg arg = {};

        fill_spec(policy, &arg.key_spec);
        if (ioctl(fd, FS_IOC_GET_ENCRYPTION_KEY_STATUS, &arg) < 0)
                return -errno;
        *ret = (FscryptKeyStatus) arg.status;
        return 0;
}

int fscrypt_v2_identifier(const uint8_t *key, size_t key_size, uint8_t ret[static FSCRYPT_ID_SIZE]) {
        static const uint8_t info[] = { 'f', 's', 'c', 'r', 'y', 'p', 't', 0, 1 };
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
        size_t n = FSCRYPT_ID_SIZE;
        int r = -EIO;

        if (!ctx)
                return -ENOMEM;
        if (EVP_PKEY_derive_init(ctx) == 1 &&
            EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha512()) == 1 &&
            EVP_PKEY_CTX_set1_hkdf_key(ctx, key, (int) key_size) == 1 &&
            EVP_PKEY_CTX_add1_hkdf_info(ctx, info, sizeof info) == 1 &&
            EVP_PKEY_derive(ctx, ret, &n) == 1 && n == FSCRYPT_ID_SIZE)
                r = 0;
        EVP_PKEY_CTX_free(ctx);
        return r;
}
