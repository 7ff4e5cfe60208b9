/* priv.c - user, group and capability drop after start-up (see include/sw/priv.h).
 *
 * libcap-ng does the switch (capng_change_id keeps the temporary CAP_SETUID/CAP_SETGID/
 * CAP_SETPCAP it needs for the switch and then drops them); the verification reads the
 * kernel's view directly (getresuid, capget, prctl) rather than libcap-ng's cached state, so a
 * bug in either is caught. */
#include "sw/priv.h"

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/parse.h"

/* Largest passwd/group record buffer tried before giving up (ERANGE doubles it). */
#define PRIV_PW_BUF_MAX (1024u * 1024u)
/* Capabilities are numbered below 64 (two 32-bit words in capget's version 3 layout). */
#define PRIV_CAP_WORDS 2

/* Securebits a root daemon locks: uid 0 gets no capabilities from execve or from setuid
 * transitions, and no ambient capability may be raised again. */
#define PRIV_ROOT_SECUREBITS                                         \
    (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | \
     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |   \
     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

/* The calling thread's effective, permitted and inheritable sets straight from the kernel. */
struct priv_caps {
    uint64_t eff, prm, inh;
};

static int
caps_read(struct priv_caps *c)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct d[PRIV_CAP_WORDS];

    memset(d, 0, sizeof(d));
    if (syscall(SYS_capget, &hdr, d) != 0)
        return -1;
    c->eff = (uint64_t)d[1].effective << 32 | d[0].effective;
    c->prm = (uint64_t)d[1].permitted << 32 | d[0].permitted;
    c->inh = (uint64_t)d[1].inheritable << 32 | d[0].inheritable;
    return 0;
}

static bool
cap_effective(unsigned cap)
{
    struct priv_caps c;

    return caps_read(&c) == 0 && (c.eff >> cap & 1u) != 0;
}

/* Bit i set when capability i is in the ambient (ambient true) or bounding set. Stops at the
 * first number the kernel does not know (EINVAL). */
static uint64_t
caps_probe(bool ambient)
{
    uint64_t set = 0;

    for (unsigned i = 0; i < 64; i++) {
        int r = ambient ? prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, i, 0, 0)
                        : prctl(PR_CAPBSET_READ, i, 0, 0, 0);
        if (r < 0)
            break;
        if (r > 0)
            set |= UINT64_C(1) << i;
    }
    return set;
}

/* Threads of this process per /proc/self/status; 0 when it cannot be read (no /proc). */
static unsigned
thread_count(void)
{
    char line[256];
    unsigned n = 0;
    FILE *fp = fopen("/proc/self/status", "re");

    if (fp == NULL)
        return 0;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (sscanf(line, "Threads: %u", &n) == 1)
            break;
    }
    fclose(fp);
    return n;
}

/* getpwnam_r/getgrnam_r into a growing buffer. want_user picks the database. Returns SW_OK
 * with *found telling whether the name exists, SW_EIO or SW_ENOMEM. */
static enum sw_rc
db_lookup(bool want_user, const char *name, bool *found, uid_t *uid, gid_t *gid, struct sw_err *err)
{
    long hint = sysconf(want_user ? _SC_GETPW_R_SIZE_MAX : _SC_GETGR_R_SIZE_MAX);
    size_t size = hint > 0 ? (size_t)hint : 1024u;
    enum sw_rc rc = SW_OK;
    char *buf = NULL; /* owned */

    *found = false;
    for (;;) {
        struct passwd pw, *pwp = NULL;
        struct group gr, *grp = NULL;
        int e;

        char *nb = sw_realloc(buf, size);
        if (nb == NULL) {
            rc = sw_err_set(err, SW_ENOMEM, "%s '%s': out of memory", want_user ? "user" : "group",
                            name);
            break;
        }
        buf = nb;
        if (want_user)
            e = getpwnam_r(name, &pw, buf, size, &pwp);
        else
            e = getgrnam_r(name, &gr, buf, size, &grp);
        if (e == ERANGE && size < PRIV_PW_BUF_MAX) {
            size *= 2;
            continue;
        }
        /* "Not found" is 0 with a NULL result; some NSS modules say ENOENT or ESRCH. */
        if (e != 0 && e != ENOENT && e != ESRCH) {
            errno = e;
            rc = sw_err_sys(err, SW_EIO, "%s '%s': %s", want_user ? "user" : "group", name,
                            want_user ? "getpwnam_r" : "getgrnam_r");
            break;
        }
        if (pwp != NULL) {
            *found = true;
            *uid = pwp->pw_uid;
            *gid = pwp->pw_gid;
        } else if (grp != NULL) {
            *found = true;
            *gid = grp->gr_gid;
        }
        break;
    }
    sw_free(buf);
    return rc;
}

/* A decimal id below (id_t)-1, which the set*id calls take as "unchanged". Returns SW_OK,
 * SW_EINVAL (not a number) or SW_ELIMIT. */
static enum sw_rc
parse_id(const char *s, uint32_t *out)
{
    uint64_t v;
    enum sw_rc rc = sw_parse_u64(s, 0, UINT32_MAX - 1u, &v);

    if (rc == SW_OK)
        *out = (uint32_t)v;
    return rc;
}

enum sw_rc
sw_priv_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, struct sw_err *err)
{
    bool found, user_known;
    uid_t u = 0, unused;
    gid_t ug = 0, g = 0;
    uint32_t id;
    enum sw_rc rc;

    if (user == NULL || user[0] == '\0')
        return sw_err_set(err, SW_EINVAL, "user: empty name");
    /* Names first, numbers second, as chown(1) does. */
    rc = db_lookup(true, user, &user_known, &u, &ug, err);
    if (rc != SW_OK)
        return rc;
    if (!user_known) {
        rc = parse_id(user, &id);
        if (rc == SW_ELIMIT)
            return sw_err_set(err, SW_EINVAL, "user '%s': uid out of range", user);
        if (rc != SW_OK)
            return sw_err_set(err, SW_EINVAL, "unknown user '%s'", user);
        u = (uid_t)id;
    }
    if (group == NULL || group[0] == '\0') {
        if (!user_known)
            return sw_err_set(err, SW_EINVAL,
                              "user '%s': no group given and the uid has no user database entry",
                              user);
        g = ug;
    } else {
        rc = db_lookup(false, group, &found, &unused, &g, err);
        if (rc != SW_OK)
            return rc;
        if (!found) {
            rc = parse_id(group, &id);
            if (rc == SW_ELIMIT)
                return sw_err_set(err, SW_EINVAL, "group '%s': gid out of range", group);
            if (rc != SW_OK)
                return sw_err_set(err, SW_EINVAL, "unknown group '%s'", group);
            g = (gid_t)id;
        }
    }
    *uid = u;
    *gid = g;
    return SW_OK;
}

/* What the verification expects besides "no capability in E, P, I or A, no_new_privs". */
struct priv_expect {
    uid_t uid;
    gid_t gid;
    uint64_t keep;  /* capabilities left in the effective and permitted sets */
    bool groups_cleared;
    bool bounding_cleared;
    bool root_bits; /* PRIV_ROOT_SECUREBITS set */
};

/* Compare the kernel's view with x. Returns SW_OK or SW_EIO naming what was left. */
static enum sw_rc
verify(const struct priv_expect *x, struct sw_err *err)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    struct priv_caps c;
    uint64_t amb, bnd;
    int ng;

    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: getresuid/getresgid");
    if (ru != x->uid || eu != x->uid || su != x->uid)
        return sw_err_set(err, SW_EIO, "privileges: uids are %u/%u/%u, expected %u", (unsigned)ru,
                          (unsigned)eu, (unsigned)su, (unsigned)x->uid);
    if (rg != x->gid || eg != x->gid || sg != x->gid)
        return sw_err_set(err, SW_EIO, "privileges: gids are %u/%u/%u, expected %u", (unsigned)rg,
                          (unsigned)eg, (unsigned)sg, (unsigned)x->gid);
    ng = getgroups(0, NULL);
    if (x->groups_cleared && ng != 0)
        return sw_err_set(err, SW_EIO, "privileges: %d supplementary groups left", ng);
    if (caps_read(&c) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: capget");
    if (c.eff != x->keep || c.prm != x->keep || c.inh != 0)
        return sw_err_set(err, SW_EIO,
                          "privileges: capabilities are effective %#llx permitted %#llx "
                          "inheritable %#llx, expected %#llx, %#llx, 0",
                          (unsigned long long)c.eff, (unsigned long long)c.prm,
                          (unsigned long long)c.inh, (unsigned long long)x->keep,
                          (unsigned long long)x->keep);
    amb = caps_probe(true);
    if (amb != 0)
        return sw_err_set(err, SW_EIO, "privileges: ambient capabilities left: %#llx",
                          (unsigned long long)amb);
    bnd = caps_probe(false);
    if (x->bounding_cleared && bnd != 0)
        return sw_err_set(err, SW_EIO, "privileges: bounding set not empty: %#llx",
                          (unsigned long long)bnd);
    /* libcap-ng's own verdict, from a fresh read. */
    if (capng_get_caps_process() != 0 ||
        (x->keep == 0 && (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE ||
                          capng_have_permitted_capabilities() != CAPNG_NONE)))
        return sw_err_set(err, SW_EIO, "privileges: libcap-ng still sees capabilities");
    for (unsigned i = 0; i < 64; i++)
        if ((x->keep >> i & 1u) != 0 &&
            (capng_have_capability(CAPNG_EFFECTIVE, i) != 1 ||
             capng_have_capability(CAPNG_PERMITTED, i) != 1))
            return sw_err_set(err, SW_EIO, "privileges: libcap-ng does not see capability %u",
                              i);
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return sw_err_set(err, SW_EIO, "privileges: no_new_privs is not set");
    if (x->root_bits) {
        int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
        if (bits < 0 || (bits & PRIV_ROOT_SECUREBITS) != PRIV_ROOT_SECUREBITS)
            return sw_err_set(err, SW_EIO, "privileges: securebits %#x, expected %#x", bits,
                              PRIV_ROOT_SECUREBITS);
    }
    return SW_OK;
}

/* capng_change_id's negative results (libcap-ng 0.8), for the error line. */
static const char *
change_id_step(int rc)
{
    switch (rc) {
    case -2:
        return "PR_SET_KEEPCAPS";
    case -3:
        return "taking CAP_SETUID/CAP_SETGID/CAP_SETPCAP for the switch";
    case -4:
        return "setresgid";
    case -5:
        return "setgroups";
    case -6:
        return "setresuid";
    case -7:
        return "PR_SET_KEEPCAPS off";
    case -8:
        return "clearing the bounding set";
    case -9:
        return "dropping the remaining capabilities";
    default:
        return "libcap-ng";
    }
}

/* Put the kept capabilities into libcap-ng's pending state (after a capng_clear). */
static void
keep_caps(uint64_t keep)
{
    for (unsigned i = 0; i < 64; i++)
        if ((keep >> i & 1u) != 0)
            (void)capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, i);
}

/* Started as root, running as a non-root user: capng_change_id with every set cleared but
 * the kept capabilities. */
static enum sw_rc
drop_to_user(const char *user, uid_t uid, gid_t gid, struct priv_expect *x, struct sw_err *err)
{
    capng_flags_t flags = CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_AMBIENT;
    int rc;

    /* Without CAP_SETPCAP (a unit whose CapabilityBoundingSet= lacks it) the bounding set
     * stays: it only limits what an execve could gain, and no_new_privs plus the seccomp
     * filter rule execve out anyway. */
    x->bounding_cleared =
        capng_get_caps_process() == 0 && capng_have_capability(CAPNG_PERMITTED, CAP_SETPCAP) == 1;
    if (x->bounding_cleared)
        flags |= CAPNG_CLEAR_BOUNDING;
    capng_clear(CAPNG_SELECT_ALL);
    keep_caps(x->keep);
    rc = capng_change_id((int)uid, (int)gid, flags);
    if (rc != 0)
        return sw_err_sys(err, SW_EIO, "privileges: switching to user '%s' (uid %u gid %u): %s",
                          user, (unsigned)uid, (unsigned)gid, change_id_step(rc));
    x->groups_cleared = true;
    return SW_OK;
}

/* Started as root and configured to stay root: same ids, no capability, root's magic off. */
static enum sw_rc
stay_root(gid_t gid, struct priv_expect *x, struct sw_err *err)
{
    bool setpcap = cap_effective(CAP_SETPCAP);

    if (setgroups(0, NULL) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: setgroups");
    x->groups_cleared = true;
    if (setresgid(gid, gid, gid) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: setresgid %u", (unsigned)gid);
    /* A set-user-ID start leaves a non-root real uid: make all three 0. */
    if (setresuid(0, 0, 0) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: setresuid 0");
    /* Securebits and the bounding set both need CAP_SETPCAP, so they go first; without it
     * (a unit that bounds it away) no_new_privs still keeps execve from handing uid 0 its
     * capabilities back. */
    if (setpcap) {
        if (prctl(PR_SET_SECUREBITS, PRIV_ROOT_SECUREBITS, 0, 0, 0) != 0)
            return sw_err_sys(err, SW_EIO, "privileges: PR_SET_SECUREBITS");
        x->root_bits = true;
        capng_clear(CAPNG_SELECT_BOUNDS);
        if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
            return sw_err_sys(err, SW_EIO, "privileges: clearing the bounding set");
        x->bounding_cleared = true;
    }
    capng_clear(CAPNG_SELECT_CAPS);
    keep_caps(x->keep);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: dropping capabilities");
    return SW_OK;
}

/* Started without root (systemd User=): ids cannot change, only capabilities can go. */
static enum sw_rc
drop_caps_only(const char *user, const char *group, uid_t uid, gid_t gid, struct priv_expect *x,
               struct sw_err *err)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;

    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: getresuid/getresgid");
    if (ru != uid || eu != uid)
        return sw_err_set(err, SW_EINVAL,
                          "agent.user '%s' is uid %u but seawall was started as uid %u without "
                          "root and cannot switch: start it as root or as '%s'",
                          user, (unsigned)uid, (unsigned)eu, user);
    if (rg != gid || eg != gid)
        return sw_err_set(err, SW_EINVAL,
                          "agent.group '%s' is gid %u but seawall was started as gid %u without "
                          "root and cannot switch: start it as root or with group '%s'",
                          group, (unsigned)gid, (unsigned)eg, group);
    /* A saved set-user-ID (setuid binary) could switch back: make all three equal. */
    if (setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: setresuid/setresgid");
    /* Supplementary groups go only with CAP_SETGID; systemd gives User= the user's groups
     * from the group database and nothing more. */
    x->groups_cleared = setgroups(0, NULL) == 0;
    x->bounding_cleared = cap_effective(CAP_SETPCAP);
    if (x->bounding_cleared) {
        capng_clear(CAPNG_SELECT_BOUNDS);
        if (capng_apply(CAPNG_SELECT_BOUNDS) != 0)
            return sw_err_sys(err, SW_EIO, "privileges: clearing the bounding set");
    }
    capng_clear(CAPNG_SELECT_CAPS);
    keep_caps(x->keep);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: dropping capabilities");
    return SW_OK;
}

enum sw_rc
sw_priv_drop(const char *user, const char *group, struct sw_err *err)
{
    return sw_priv_drop_keep(user, group, 0, err);
}

enum sw_rc
sw_priv_drop_keep(const char *user, const char *group, uint64_t keep, struct sw_err *err)
{
    struct priv_expect x = {.groups_cleared = false};
    struct priv_caps now;
    unsigned threads = thread_count();
    uid_t uid;
    gid_t gid;
    enum sw_rc rc;

    if (threads > 1)
        return sw_err_set(err, SW_EINVAL,
                          "privileges: %u threads run; the drop must come before any thread "
                          "starts (capabilities are per thread)",
                          threads);
    rc = sw_priv_lookup(user, group, &uid, &gid, err);
    if (rc != SW_OK)
        return rc;
    x.uid = uid;
    x.gid = gid;
    /* Only what is held can be kept: a unit that did not grant a capability gets a start-up
     * error here rather than a daemon that silently cannot do its work. */
    if (caps_read(&now) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: capget");
    if ((keep & ~now.prm) != 0) {
        for (unsigned i = 0; i < 64; i++)
            if ((keep >> i & 1u) != 0 && (now.prm >> i & 1u) == 0) {
                const char *name = capng_capability_to_name(i);

                return sw_err_set(err, SW_EINVAL,
                                  "privileges: cap_%s is needed after start-up but was not "
                                  "granted (systemd: AmbientCapabilities= and "
                                  "CapabilityBoundingSet=)",
                                  name != NULL ? name : "?");
            }
    }
    x.keep = keep;
    if (geteuid() != 0)
        rc = drop_caps_only(user, group, uid, gid, &x, err);
    else if (uid != 0)
        rc = drop_to_user(user, uid, gid, &x, err);
    else
        rc = stay_root(gid, &x, err);
    if (rc != SW_OK)
        return rc;
    /* Capabilities from a previous PR_SET_KEEPCAPS or an ambient raise must not survive. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: clearing the ambient set");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return sw_err_sys(err, SW_EIO, "privileges: PR_SET_NO_NEW_PRIVS");
    return verify(&x, err);
}

/* Append to buf at *off, never past len. */
static void put(char *buf, size_t len, size_t *off, const char *fmt, ...) SW_PRINTF(4, 5);

static void
put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (*off >= len)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf + *off, len - *off, fmt, ap);
    va_end(ap);
    if (n > 0)
        *off = *off + (size_t)n < len ? *off + (size_t)n : len;
}

const char *
sw_priv_describe(char *buf, size_t len)
{
    gid_t groups[64];
    struct priv_caps c;
    size_t off = 0;
    int ng;

    if (buf == NULL || len == 0)
        return buf;
    buf[0] = '\0';
    put(buf, len, &off, "uid=%u gid=%u groups=", (unsigned)geteuid(), (unsigned)getegid());
    ng = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
    if (ng < 0)
        put(buf, len, &off, "many");
    else if (ng == 0)
        put(buf, len, &off, "none");
    for (int i = 0; i < ng; i++)
        put(buf, len, &off, "%s%u", i > 0 ? "," : "", (unsigned)groups[i]);
    put(buf, len, &off, " caps=");
    if (caps_read(&c) != 0) {
        put(buf, len, &off, "unknown");
    } else if (c.prm == 0) {
        put(buf, len, &off, "none");
    } else {
        bool first = true;
        for (unsigned i = 0; i < 64; i++) {
            if ((c.prm >> i & 1u) == 0)
                continue;
            const char *name = capng_capability_to_name(i);
            if (name != NULL)
                put(buf, len, &off, "%scap_%s", first ? "" : ",", name);
            else
                put(buf, len, &off, "%scap_%u", first ? "" : ",", i);
            first = false;
        }
    }
    put(buf, len, &off, " nnp=%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 1 : 0);
    return buf;
}
