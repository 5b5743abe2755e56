/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A PAM module for the tests: says something, asks two questions (one
 * echoed, one not) and succeeds if the answers match its arguments
 * user=... and token=.... */

#include <string.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "macro.h"

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv);
PAM_EXTERN int pam_sm_setcred(pam_handle_t *h, int flags, int argc, const char **argv);

PAM_EXTERN int pam_sm_authenticate(pam_handle_t *h, int flags, int argc, const char **argv) {
        const char *want_user = "", *want_token = "";
        char *user = NULL, *token = NULL;
        int r;

        for (int i = 0; i < argc; i++) {
                if (strncmp(argv[i], "user=", 5) == 0)
                        want_user = argv[i] + 5;
                else if (strncmp(argv[i], "token=", 6) == 0)
                        want_token = argv[i] + 6;
        }

        (void) pam_info(h, "touch the token now");
        (void) pam_error(h, "last attempt failed");

        r = pam_prompt(h, PAM_PROMPT_ECHO_ON, &user, "Username:");
        if (r != PAM_SUCCESS)
                return r;
        r = pam_prompt(h, PAM_PROMPT_ECHO_OFF, &token, "Token:");
        if (r != PAM_SUCCESS) {
                erase_and_free(user);
                return r;
        }

        r = streq(user, want_user) && streq(token, want_token) ? PAM_SUCCESS : PAM_AUTH_ERR;
        erase_and_free(user);
        erase_and_free(token);
        return r;
}

PAM_EXTERN int pam_sm_setcred(pam_handle_t *h, int flags, int argc, const char **argv) {
        return PAM_SUCCESS;
}
