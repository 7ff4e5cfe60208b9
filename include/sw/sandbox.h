/* sandbox.h - the daemon's seccomp allow-list (libseccomp).
 *
 * `seawall run` installs it once after sw_priv_drop() (include/sw/priv.h) and before its
 * threads start, unless agent.seccomp is false. From then on every thread of the process may
 * make only the system calls of the table in agent/sandbox.c, some with their arguments
 * restricted (socket only AF_UNIX, or also AF_INET/AF_INET6 with network sinks; clone only
 * for threads, no writable-and-executable mappings, kill/tgkill only to itself, ioctl and
 * prctl only read-only requests). Any other
 * call kills the whole process with SIGSYS (SCMP_ACT_KILL_PROCESS): the kernel logs it
 * (audit type=1326, "syscall=N") and systemd reports status=31/SYS. No execve, fork, ptrace,
 * mount, bpf, kexec, module loading or set*id call is possible afterwards.
 *
 * SEAWALL_SECCOMP_LOG=1 in the environment makes a call outside the list succeed and be
 * logged by the kernel instead (SCMP_ACT_LOG), so an operator can find what a new library
 * version needs: `journalctl -k | grep 'type=1326'` or `dmesg | grep syscall=`, then
 * `scmp_sys_resolver N`.
 *
 * Sanitizer builds (SW_SANDBOX_SANITIZER: ASan/LSan) also allow what LeakSanitizer does at
 * exit (it stops the world with a clone()d tracer that ptrace()s the threads) and what the
 * sanitizer runtime uses for its reports. */
#ifndef SW_SANDBOX_H
#define SW_SANDBOX_H

#include <stdbool.h>

#include "sw/err.h"

/* 1 in an AddressSanitizer build (clang's __has_feature or gcc's __SANITIZE_ADDRESS__). */
#if defined(__SANITIZE_ADDRESS__)
#define SW_SANDBOX_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SW_SANDBOX_SANITIZER 1
#endif
#endif
#ifndef SW_SANDBOX_SANITIZER
#define SW_SANDBOX_SANITIZER 0
#endif

/* Environment variable that turns the default action from kill into log ("1"). */
#define SW_SANDBOX_LOG_ENV "SEAWALL_SECCOMP_LOG"

/* Build the filter and load it for every thread of the process (SCMP_FLTATR_CTL_TSYNC),
 * setting no_new_privs. Reads SEAWALL_SECCOMP_LOG (and logs a warning when it is on). Returns
 * SW_OK, SW_ENOMEM, or SW_EIO naming the libseccomp step and system call that failed; on
 * error no filter is loaded. Main thread, after every privileged open. */
enum sw_rc sw_sandbox_install(struct sw_err *err) SW_MUSTCHECK;
/* As sw_sandbox_install; files true adds what the host side needs after start-up (the
 * allow_files group of agent/sandbox.c: directory marks, inotify watches, file handles, the
 * scan threads' own priorities); network_sinks (outputs has a tcp, syslog, http or kafka
 * sink) also allows new AF_INET/AF_INET6 sockets, sendmmsg (DNS lookups) and the ioctl
 * SIOCOUTQ: what reconnecting to a receiver after start-up needs, and no more. */
enum sw_rc sw_sandbox_install_for(bool files, bool network_sinks, struct sw_err *err) SW_MUSTCHECK;

/* Whether a seccomp filter confines this process ("Seccomp: 2" in /proc/self/status). Any
 * thread; false when /proc cannot be read. */
bool sw_sandbox_active(void);

#endif
