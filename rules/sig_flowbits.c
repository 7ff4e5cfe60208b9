/* sig_flowbits.c - the flow keyword (state and direction) and flowbits (set, unset, toggle,
 * isset, isnotset, noalert; isset/isnotset take a|b for "any of"). Flowbit names become small
 * ids at load time; their values live in each flow's state (rules/sig_match.c). Loading
 * thread only. */
#include "sig_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sw/alloc.h"

enum sig_prc
sig_kw_flow(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    char buf[256], *save = NULL, *tok;
    unsigned f = 0;

    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a value");
    if (snprintf(buf, sizeof(buf), "%s", o->value) >= (int)sizeof(buf))
        return sig_fail(L, "value too long");
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        size_t n;

        while (isspace((unsigned char)*tok))
            tok++;
        n = strlen(tok);
        while (n > 0 && isspace((unsigned char)tok[n - 1]))
            tok[--n] = '\0';
        if (strcmp(tok, "established") == 0)
            f |= SIG_FLOW_ESTABLISHED;
        else if (strcmp(tok, "not_established") == 0)
            f |= SIG_FLOW_NOT_ESTABLISHED;
        else if (strcmp(tok, "stateless") == 0)
            f |= SIG_FLOW_STATELESS;
        else if (strcmp(tok, "to_server") == 0 || strcmp(tok, "from_client") == 0)
            f |= SIG_FLOW_TO_SERVER;
        else if (strcmp(tok, "to_client") == 0 || strcmp(tok, "from_server") == 0)
            f |= SIG_FLOW_TO_CLIENT;
        else if (strcmp(tok, "only_stream") == 0)
            f |= SIG_FLOW_ONLY_STREAM;
        else if (strcmp(tok, "no_stream") == 0)
            f |= SIG_FLOW_NO_STREAM;
        else if (strcmp(tok, "only_frag") == 0 || strcmp(tok, "no_frag") == 0)
            return sig_unsupported(L, "flow only_frag/no_frag");
        else
            return sig_fail(L, "unknown option '%.30s'", tok);
    }
    if ((f & SIG_FLOW_ESTABLISHED) && (f & SIG_FLOW_NOT_ESTABLISHED))
        return sig_fail(L, "established with not_established");
    if ((f & SIG_FLOW_TO_SERVER) && (f & SIG_FLOW_TO_CLIENT))
        return sig_fail(L, "to_server with to_client");
    if ((f & SIG_FLOW_ONLY_STREAM) && (f & SIG_FLOW_NO_STREAM))
        return sig_fail(L, "only_stream with no_stream");
    ps->r->flow |= f;
    return SIG_PARSE_OK;
}

uint32_t
sig_fb_id(struct sig_loader *L, const char *name)
{
    for (size_t i = 0; i < L->n_fb; i++)
        if (strcmp(L->fb_names[i], name) == 0)
            return (uint32_t)i;
    if (L->n_fb == L->cap_fb) {
        size_t nc = L->cap_fb ? L->cap_fb * 2 : 64;
        char **nn = sw_realloc(L->fb_names, nc * sizeof(*nn));

        if (nn == NULL)
            return UINT32_MAX;
        L->fb_names = nn;
        L->cap_fb = nc;
    }
    L->fb_names[L->n_fb] = sw_strdup(name);
    if (L->fb_names[L->n_fb] == NULL)
        return UINT32_MAX;
    return (uint32_t)L->n_fb++;
}

static bool
name_ok(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '.' || *s == '-'))
            return false;
    return true;
}

enum sig_prc
sig_kw_flowbits(struct sig_loader *L, struct sig_pstate *ps, const struct sig_opt *o)
{
    struct sig_rule *r = ps->r;
    char buf[512], *comma, *names, *save = NULL, *tok;
    struct sig_flowbit fb;
    struct sig_flowbit *nfb;

    if (o->value == NULL || o->value[0] == '\0')
        return sig_fail(L, "needs a value");
    if (snprintf(buf, sizeof(buf), "%s", o->value) >= (int)sizeof(buf))
        return sig_fail(L, "value too long");
    comma = strchr(buf, ',');
    if (comma != NULL)
        *comma = '\0';
    for (char *e = buf + strlen(buf); e > buf && isspace((unsigned char)e[-1]); e--)
        e[-1] = '\0';
    if (strcmp(buf, "noalert") == 0) {
        if (comma != NULL)
            return sig_fail(L, "noalert takes no name");
        r->noalert = true;
        return SIG_PARSE_OK;
    }
    memset(&fb, 0, sizeof(fb));
    if (strcmp(buf, "set") == 0)
        fb.cmd = SIG_FB_SET;
    else if (strcmp(buf, "unset") == 0)
        fb.cmd = SIG_FB_UNSET;
    else if (strcmp(buf, "toggle") == 0)
        fb.cmd = SIG_FB_TOGGLE;
    else if (strcmp(buf, "isset") == 0)
        fb.cmd = SIG_FB_ISSET;
    else if (strcmp(buf, "isnotset") == 0)
        fb.cmd = SIG_FB_ISNOTSET;
    else
        return sig_fail(L, "'%.20s' is not set, unset, toggle, isset, isnotset or noalert", buf);
    if (comma == NULL)
        return sig_fail(L, "%s needs a name", buf);
    names = comma + 1;
    for (tok = strtok_r(names, "|", &save); tok != NULL; tok = strtok_r(NULL, "|", &save)) {
        uint32_t id, *ni;
        size_t n;

        while (isspace((unsigned char)*tok))
            tok++;
        n = strlen(tok);
        while (n > 0 && isspace((unsigned char)tok[n - 1]))
            tok[--n] = '\0';
        if (strchr(tok, '&') != NULL) {
            sw_free(fb.ids);
            return sig_unsupported(L, "flowbits with '&'");
        }
        if (!name_ok(tok)) {
            sw_free(fb.ids);
            return sig_fail(L, "'%.40s' is not a flowbit name", tok);
        }
        id = sig_fb_id(L, tok);
        ni = id != UINT32_MAX ? sw_realloc(fb.ids, (fb.n + 1) * sizeof(*ni)) : NULL;
        if (ni == NULL) {
            sw_free(fb.ids);
            L->oom = true;
            return sig_fail(L, "out of memory");
        }
        fb.ids = ni;
        fb.ids[fb.n++] = id;
    }
    if (fb.n == 0)
        return sig_fail(L, "needs a name");
    if (fb.n > 1 && fb.cmd != SIG_FB_ISSET && fb.cmd != SIG_FB_ISNOTSET) {
        sw_free(fb.ids);
        return sig_fail(L, "'|' only with isset and isnotset");
    }
    nfb = sw_realloc(r->fb, (r->n_fb + 1) * sizeof(*nfb));
    if (nfb == NULL) {
        sw_free(fb.ids);
        L->oom = true;
        return sig_fail(L, "out of memory");
    }
    r->fb = nfb;
    r->fb[r->n_fb++] = fb;
    return SIG_PARSE_OK;
}
