/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>

#include "askpw-util.h"
#include "askpw.h"

static void responses_free(struct pam_response *r, int n) {
        if (!r)
                return;
        for (int i = 0; i < n; i++)
                erase_and_free(r[i].resp);
        free(r);
}

static int ask_one(AskpwPamConv *c, const char *text, AskpwEcho echo, char **ret) {
        _cleanup_strv_free_erase_ char **l = NULL;
        AskpwRequest req = c->request;
        char *p;
        int r;

        req.message = text;
        req.echo = echo;
        r = askpw_query(&req, c->flags | ASKPW_NO_TTY, &l);
        if (r < 0)
                return r;
        if (strv_length(l) == 0)
                return -EBADMSG;

        /* PAM frees responses with free(): hand over a plain malloc copy. */
        p = strdup(l[0]);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int askpw_pam_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *appdata) {
        AskpwPamConv *c = appdata;
        struct pam_response *r;
        int k;

        if (!c || !resp || n <= 0 || n > PAM_MAX_NUM_MSG)
                return PAM_CONV_ERR;
        c->error = 0;

        r = calloc((size_t) n, sizeof(struct pam_response));
        if (!r)
                return PAM_BUF_ERR;

        for (int i = 0; i < n; i++) {
                const struct pam_message *m = msg[i];

                switch (m->msg_style) {
                case PAM_PROMPT_ECHO_OFF:
                case PAM_PROMPT_ECHO_ON:
#ifdef PAM_RADIO_TYPE
                case PAM_RADIO_TYPE:
#endif
                        k = ask_one(c, m->msg, m->msg_style == PAM_PROMPT_ECHO_OFF ? ASKPW_ECHO_MASKED : ASKPW_ECHO_ON,
                                    &r[i].resp);
                        if (k < 0) {
                                c->error = k;
                                responses_free(r, n);
                                return k == -ENOMEM ? PAM_BUF_ERR : PAM_CONV_ERR;
                        }
                        break;

                case PAM_TEXT_INFO:
                case PAM_ERROR_MSG:
                        if (c->log && m->msg)
                                c->log(m->msg_style, m->msg, c->userdata);
                        break;

                default:
                        c->error = -EOPNOTSUPP;
                        responses_free(r, n);
                        return PAM_CONV_ERR;
                }
        }

        *resp = r;
        return PAM_SUCCESS;
}
