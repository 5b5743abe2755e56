/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Drives the LUKS pieces of the storage layer one at a time, for tests
 * on machines without device-mapper (everything up to activation):
 *   luks-tool format IMAGE SIZE RECORD.json PASS...   GPT + LUKS2 + keyslots + token
 *   luks-tool check IMAGE PASS...                      prints the keyslot that opens
 *   luks-tool token IMAGE PASS                         prints the header record
 *   luks-tool passwd IMAGE RECORD.json OLD NEW...      keyslots for NEW..., token kept
 *   luks-tool verify IMAGE RECORD.json PASS            header record against a host record
 * Exit: 0 ok, 2 bad passphrase, 3 not a home image / damaged, 1 other. */

#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>

#include "home-record.h"
#include "luks-header-record.h"
#include "luks-image.h"
#include "luks-token.h"
#include "luks-volume.h"
#include "macro.h"
#include "secure-mem.h"

static int exit_code(int r, const char *what) {
        fprintf(stderr, "luks-tool: %s: %s\n", what, strerror(-r));
        return r == -ENOKEY ? 2 : r == -ENOMEDIUM || r == -EBADMSG || r == -EREMCHG ? 3 : 1;
}

static int load_record(const char *path, HomeRecord **ret) {
        json_object *v = json_object_from_file(path);
        int r;

        if (!v)
                return -EBADMSG;
        r = home_record_load(v, NULL, ret);
        json_object_put(v);
        return r;
}

typedef struct Vol {
        int image_fd, loop_fd;
        char *loop_path;
        struct crypt_device *cd;
} Vol;

static void vol_done(Vol *v) {
        if (v->cd)
                crypt_free(v->cd);
        closep(&v->loop_fd);
        closep(&v->image_fd);
        free(v->loop_path);
}

static int vol_open(const char *image, Vol *v) {
        uint64_t off, size;
        int r;

        r = luks_image_open(image, true, &v->image_fd, NULL);
        if (r < 0)
                return r;
        r = luks_gpt_find(v->image_fd, image, &off, &size, NULL, NULL);
        if (r < 0)
                return r;
        r = luks_loop_attach(v->image_fd, off, size, &v->loop_fd, &v->loop_path);
        if (r < 0)
                return r;
        r = luks_volume_init(v->loop_path, &v->cd);
        if (r < 0)
                return r;
        return crypt_load(v->cd, CRYPT_LUKS2, NULL) < 0 ? -ENOMEDIUM : 0;
}

static int do_format(char **argv) {
        _cleanup_(home_record_freep) HomeRecord *h = NULL;
        _cleanup_secure_free_ uint8_t *vk = secure_alloc(LUKS_VOLUME_KEY_MAX);
        _cleanup_free_ char *token = NULL;
        Vol v = { -EBADF, -EBADF };
        LuksSettings s;
        uint64_t off, size;
        int r;

        r = load_record(argv[3], &h);
        if (r < 0)
                return exit_code(r, "record");
        r = luks_settings_load(h, &s);
        if (r < 0)
                return exit_code(r, "settings");
        r = luks_image_create(argv[1], strtoull(argv[2], NULL, 0), false, &v.image_fd);
        if (r >= 0)
                r = luks_gpt_write(v.image_fd, argv[1], s.partition_uuid, h->user_name, &off, &size);
        if (r >= 0)
                r = luks_loop_attach(v.image_fd, off, size, &v.loop_fd, &v.loop_path);
        if (r >= 0)
                r = luks_volume_init(v.loop_path, &v.cd);
        if (r >= 0 && (!vk || RAND_bytes(vk, (int) s.volume_key_size) != 1))
                r = -EIO;
        if (r >= 0)
                r = luks_volume_format(v.cd, &s, h->user_name, vk, s.volume_key_size);
        if (r >= 0)
                r = luks_volume_set_keyslots(v.cd, h, argv + 4, vk, s.volume_key_size);
        if (r >= 0)
                r = luks_token_encode(h->json, s.cipher, s.cipher_mode, vk, s.volume_key_size, &token);
        if (r >= 0)
                r = luks_volume_token_write(v.cd, token);
        luks_settings_done(&s);
        vol_done(&v);
        if (r < 0)
                return exit_code(r, "format");
        printf("%llu %llu\n", (unsigned long long) off, (unsigned long long) size);
        return 0;
}

static int do_check(char **argv) {
        Vol v = { -EBADF, -EBADF };
        int r = vol_open(argv[1], &v);

        if (r >= 0)
                r = luks_volume_check_passphrases(v.cd, argv + 2);
        vol_done(&v);
        if (r < 0)
                return exit_code(r, "check");
        printf("%d\n", r);
        return 0;
}

static int get_header_record(const char *image, char **pass, json_object **ret) {
        _cleanup_secure_free_ uint8_t *vk = secure_alloc(LUKS_VOLUME_KEY_MAX);
        _cleanup_free_ char *json = NULL;
        Vol v = { -EBADF, -EBADF };
        size_t vk_size = 0;
        int r = vk ? vol_open(image, &v) : -ENOMEM;

        if (r >= 0)
                r = luks_volume_get_key(v.cd, pass, vk, &vk_size);
        if (r >= 0)
                r = luks_volume_token_read(v.cd, &json);
        if (r >= 0)
                r = luks_token_decode(json, crypt_get_cipher(v.cd), crypt_get_cipher_mode(v.cd), vk, vk_size, ret);
        vol_done(&v);
        return r;
}

static int do_token(char **argv) {
        json_object *rec = NULL;
        int r = get_header_record(argv[1], argv + 2, &rec);

        if (r < 0)
                return exit_code(r, "token");
        printf("%s\n", json_object_to_json_string_ext(rec, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(rec);
        return 0;
}

static int do_verify(char **argv) {
        _cleanup_(home_record_freep) HomeRecord *h = NULL;
        json_object *rec = NULL;
        int r = load_record(argv[2], &h);

        if (r >= 0)
                r = get_header_record(argv[1], argv + 3, &rec);
        if (r >= 0)
                r = luks_header_record_check(h, rec, argv + 3);
        json_object_put(rec);
        return r < 0 ? exit_code(r, "verify") : 0;
}

static int do_passwd(char **argv) {
        _cleanup_secure_free_ uint8_t *vk = secure_alloc(LUKS_VOLUME_KEY_MAX);
        _cleanup_(home_record_freep) HomeRecord *h = NULL;
        char *old[] = { argv[3], NULL };
        Vol v = { -EBADF, -EBADF };
        size_t vk_size = 0;
        int r = load_record(argv[2], &h);

        if (r >= 0)
                r = vk ? vol_open(argv[1], &v) : -ENOMEM;
        if (r >= 0)
                r = luks_volume_get_key(v.cd, old, vk, &vk_size);
        if (r >= 0)
                r = luks_volume_set_keyslots(v.cd, h, argv + 4, vk, vk_size);
        vol_done(&v);
        return r < 0 ? exit_code(r, "passwd") : 0;
}

int main(int argc, char **argv) {
        if (argc >= 5 && streq(argv[1], "format"))
                return do_format(argv + 1);
        if (argc >= 4 && streq(argv[1], "check"))
                return do_check(argv + 1);
        if (argc >= 4 && streq(argv[1], "token"))
                return do_token(argv + 1);
        if (argc >= 5 && streq(argv[1], "verify"))
                return do_verify(argv + 1);
        if (argc >= 6 && streq(argv[1], "passwd"))
                return do_passwd(argv + 1);
        fprintf(stderr, "usage: luks-tool format|check|token|verify|passwd ...\n");
        return 1;
}
