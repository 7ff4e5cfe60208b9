/* priv.h - who the daemon runs as after start-up: user, group and capabilities (libcap-ng).
 *
 * `seawall run` opens everything privileged first (capture handles, control socket, output
 * files), then calls sw_priv_drop() once, on the main thread, before any other thread exists:
 * credentials and capabilities are per thread in the kernel, so a drop done while a second
 * thread runs would leave that thread privileged (sw_priv_drop refuses in that case). After
 * the drop the daemon keeps NO capability at all, whichever way it was started:
 *
 *   started as root, agent.user not root  uid/gid of agent.user/agent.group, supplementary
 *                                         groups cleared, every capability set empty
 *                                         (effective, permitted, inheritable, ambient,
 *                                         bounding)
 *   started as root, agent.user root      stays uid 0 (gid agent.group, supplementary groups
 *                                         cleared) with every capability set empty and the
 *                                         securebits that stop uid 0 from regaining any
 *                                         (NOROOT, NO_SETUID_FIXUP, NO_CAP_AMBIENT_RAISE,
 *                                         all locked)
 *   started as agent.user (systemd        cannot change ids: uid and gid must already be
 *   User=, AmbientCapabilities=...)       agent.user's and agent.group's; effective,
 *                                         permitted, inheritable and ambient sets emptied;
 *                                         the bounding set is emptied only with CAP_SETPCAP
 *
 * Every path ends with PR_SET_NO_NEW_PRIVS (no execve can gain privileges; seccomp needs it
 * without CAP_SYS_ADMIN) and a verification against the kernel's view; any difference is an
 * error. Why nothing is kept: after start-up the daemon only reads files it can read as its
 * own user (config, rules), writes files in directories it owns (output, rule cache) and uses
 * descriptors opened before the drop (capture sockets, control socket). */
#ifndef SW_PRIV_H
#define SW_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sw/err.h"

/* Resolve user and group names (getpwnam_r/getgrnam_r) or decimal ids ("65534"). group NULL
 * or "" means the user's primary group (the user must then be in the user database).
 * Returns SW_OK; SW_EINVAL naming the culprit ("unknown user 'x'", "unknown group 'y'", a
 * number out of range); SW_EIO when the lookup itself fails; SW_ENOMEM. Any thread (may load
 * NSS modules: call it before the sandbox is installed). */
enum sw_rc sw_priv_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid,
                          struct sw_err *err) SW_MUSTCHECK;

/* Drop to user/group as the table above says and verify the result. Returns SW_OK, or
 * SW_EINVAL (unknown user or group; started as a different non-root user than user; called
 * while more than one thread runs) or SW_EIO (a system call or libcap-ng step failed, or the
 * verification found an id or a capability left) with err naming the step. On error the
 * process may be half dropped: the caller must exit. Main thread, before any other thread
 * starts. Logging that the daemon stays root is the caller's job. */
enum sw_rc sw_priv_drop(const char *user, const char *group, struct sw_err *err) SW_MUSTCHECK;

/* As sw_priv_drop, but the capabilities in keep (bit i: capability i, e.g.
 * 1 << CAP_DAC_READ_SEARCH) stay effective and permitted; every other set is emptied as
 * above, and the verification expects exactly keep. keep must be held now (permitted):
 * SW_EINVAL naming the missing capability otherwise. The file watcher keeps
 * CAP_DAC_READ_SEARCH: it walks, hashes and watches files of every user. */
enum sw_rc sw_priv_drop_keep(const char *user, const char *group, uint64_t keep,
                             struct sw_err *err) SW_MUSTCHECK;

/* One line for the log and status: "uid=65534 gid=65534 groups=none caps=none nnp=1", with
 * the supplementary groups and the permitted capabilities listed when there are any
 * ("groups=4,27 caps=cap_net_raw,cap_net_admin"). Returns buf (always NUL-terminated, cut to
 * len). Any thread (reports the calling thread's capabilities). */
const char *sw_priv_describe(char *buf, size_t len);

#endif
