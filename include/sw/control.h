/* control.h - the daemon's control socket: `seawall status` asks, the daemon answers.
 *
 * A unix stream socket (mode 0660, owned by the agent's user and group) served by one thread,
 * "sw-control", one connection at a time. The protocol is one request line, "status\n" (at
 * most 64 bytes), answered by one line: the latest document the main thread published, then
 * "\n", then the server closes. A request other than "status" is answered by
 * {"error":"..."} and closed. Every client gets at most 1 s to send its request and 1 s to
 * take the reply, so an idle or slow client delays the next one by about 2 s at most.
 *
 * Lifecycle, all calls from the main thread:
 *   sw_control_open()    as root, before dropping privileges: bind, chown, chmod, listen;
 *   sw_control_start()   after the privilege drop and seccomp: starts the serving thread;
 *   sw_control_publish() whenever the status changes (every second, on reload, ...);
 *   sw_control_stop()    at exit: joins the thread, removes the socket file.
 *
 * seccomp: once started, the serving thread makes only these system calls: poll, accept4,
 * read, sendto (send), close, futex (its mutex), clock_gettime (vDSO, normally no syscall),
 * plus prctl(PR_SET_NAME) once to name itself (a failure is ignored). It never allocates or
 * frees memory, so never calls brk/mmap/munmap. Creating and joining it needs what any
 * thread needs (clone/clone3, mmap, mprotect, munmap, madvise, rt_sigprocmask,
 * set_robust_list, rseq, exit). sw_control_stop() adds write (the eventfd) and unlink. */
#ifndef SW_CONTROL_H
#define SW_CONTROL_H

#include <sys/types.h>

#include "sw/err.h"

struct sw_control;

/* The socket's file name in agent.run_dir; `seawall run` and `seawall status` agree on it. */
#define SW_CONTROL_SOCKET_NAME "seawall.sock"
/* Longest request line the server reads, newline included. */
#define SW_CONTROL_REQUEST_MAX 64
/* What the server answers before the first sw_control_publish(). */
#define SW_CONTROL_STARTING_DOC "{\"starting\":true}"

/* Create the listening socket at path. A socket file already there that nobody answers on is
 * left over from a crash and is replaced; one that answers means another seawall is running
 * (error); any other kind of file there is an error naming it. The file is created 0660 at
 * most (umask 0117 around bind(); umask is process-wide, so call this before other threads
 * create files), then chmod 0660 and chown to uid:gid ((uid_t)-1 / (gid_t)-1: unchanged).
 * Returns the control object (owned by the caller, released with sw_control_stop()) or NULL
 * with err filled ("<path>: another seawall is running", "<path>: <strerror>", ...).
 * Main thread. */
struct sw_control *sw_control_open(const char *path, uid_t uid, gid_t gid, struct sw_err *err);

/* Start the serving thread. Signals are blocked in it (the daemon takes them with signalfd
 * on the main thread). Returns SW_OK, or SW_EIO with err filled when the thread cannot be
 * created; calling it twice is SW_EINVAL. Main thread. */
enum sw_rc sw_control_start(struct sw_control *c, struct sw_err *err) SW_MUSTCHECK;

/* Make json (NUL-terminated JSON text, one line: no newline inside) the document every later
 * client gets. Takes ownership of json on every path (NULL is ignored; when the small
 * bookkeeping allocation fails, json is freed and the previous document stays). A document
 * being sent keeps being sent: the old one is freed here, on a later publish or in stop, once
 * the serving thread has let go of it (the serving thread itself never frees). Main thread
 * (one publisher at a time). */
void sw_control_publish(struct sw_control *c, char *json);

/* Stop and join the serving thread (if started), close the socket, remove the socket file,
 * free every document and c. NULL-safe. Main thread. */
void sw_control_stop(struct sw_control *c);

#endif
