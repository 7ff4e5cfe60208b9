/* control.c - the control socket (see include/sw/control.h).
 *
 * Threads: the main thread opens, publishes and stops; the "sw-control" thread accepts and
 * answers. They share only the published documents, under c->mu: the serving thread marks
 * the current document in use while it sends it and never frees anything (a free() could
 * call munmap, which the daemon's seccomp list need not allow, and the document may be
 * replaced meanwhile); the main thread frees replaced documents once they are not in use. */
#include "sw/control.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"

/* Time a client has to send its request, and then to take the whole reply. */
#define CLIENT_TIMEOUT_MS 1000
/* Clients waiting in the kernel while one is served; more are refused by connect(). */
#define LISTEN_BACKLOG 8
/* Pause after accept4() fails for lack of resources (EMFILE, ENOBUFS, ...), so the thread
 * does not spin on a listening socket that stays readable. */
#define ACCEPT_BACKOFF_MS 100

struct doc {
    struct doc *next; /* retired list link */
    char *text;       /* owned: NUL-terminated JSON, no newline */
    size_t len;
    bool in_use; /* the serving thread is sending it; under sw_control.mu */
};

struct sw_control {
    char *path;  /* owned */
    int fd;      /* listening socket, -1 if none */
    int stop_fd; /* eventfd: readable once stop is asked */
    bool bound;  /* the socket file at path is ours to remove */
    bool started;
    pthread_t thread;
    pthread_mutex_t mu;
    struct doc *cur;     /* under mu: what clients get; NULL before the first publish */
    struct doc *retired; /* under mu: replaced documents, freed once not in use */
};

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd has one of events, the deadline passes or stop is asked. Returns 1 ready
 * (including error or hang-up: the next read or send reports it), 0 timed out, -1 stop or
 * poll failure. */
static int
wait_fd(const struct sw_control *c, int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        struct pollfd p[2] = {{.fd = fd, .events = events}, {.fd = c->stop_fd, .events = POLLIN}};
        int n;

        if (left <= 0)
            return 0;
        n = poll(p, 2, (int)left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (p[1].revents != 0)
            return -1;
        if (p[0].revents != 0)
            return 1;
    }
}

/* Send all of p within the deadline. false: the client is too slow, gone, or stop. */
static bool
send_all(const struct sw_control *c, int fd, const char *p, size_t len, int64_t deadline)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(c, fd, POLLOUT, deadline) <= 0)
                return false;
            continue;
        }
        return false;
    }
    return true;
}

enum request { REQ_DROP, REQ_STATUS, REQ_UNKNOWN, REQ_TOO_LONG };

/* Read one request line within CLIENT_TIMEOUT_MS. A client that sends nothing, hangs up
 * first or errs is dropped without an answer; a line without its newline is taken as
 * complete when the client shuts down its side. */
static enum request
read_request(const struct sw_control *c, int fd)
{
    char buf[SW_CONTROL_REQUEST_MAX];
    size_t len = 0;
    int64_t deadline = now_ms() + CLIENT_TIMEOUT_MS;
    char *nl = NULL;

    while (nl == NULL) {
        ssize_t n;

        if (len == sizeof(buf))
            return REQ_TOO_LONG;
        if (wait_fd(c, fd, POLLIN, deadline) <= 0)
            return REQ_DROP;
        n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            return REQ_DROP;
        }
        if (n == 0) {
            if (len == 0)
                return REQ_DROP;
            break;
        }
        nl = memchr(buf + len, '\n', (size_t)n);
        len += (size_t)n;
    }
    if (nl != NULL)
        len = (size_t)(nl - buf);
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    if (len == 6 && memcmp(buf, "status", 6) == 0)
        return REQ_STATUS;
    return REQ_UNKNOWN;
}

static void
send_status(struct sw_control *c, int fd, int64_t deadline)
{
    struct doc *d;

    pthread_mutex_lock(&c->mu);
    d = c->cur;
    if (d != NULL)
        d->in_use = true;
    pthread_mutex_unlock(&c->mu);
    if (d == NULL) {
        (void)send_all(c, fd, SW_CONTROL_STARTING_DOC "\n",
                       sizeof(SW_CONTROL_STARTING_DOC "\n") - 1, deadline);
        return;
    }
    if (send_all(c, fd, d->text, d->len, deadline))
        (void)send_all(c, fd, "\n", 1, deadline);
    pthread_mutex_lock(&c->mu);
    d->in_use = false;
    pthread_mutex_unlock(&c->mu);
}

static void
serve_client(struct sw_control *c, int fd)
{
    static const char unknown[] =
        "{\"error\":\"unknown request (the only one is \\\"status\\\")\"}\n";
    static const char too_long[] = "{\"error\":\"request line longer than 64 bytes\"}\n";
    enum request req = read_request(c, fd);
    int64_t deadline = now_ms() + CLIENT_TIMEOUT_MS;

    switch (req) {
    case REQ_STATUS:
        send_status(c, fd, deadline);
        break;
    case REQ_UNKNOWN:
        (void)send_all(c, fd, unknown, sizeof(unknown) - 1, deadline);
        break;
    case REQ_TOO_LONG:
        (void)send_all(c, fd, too_long, sizeof(too_long) - 1, deadline);
        break;
    case REQ_DROP:
        break;
    }
    close(fd);
}

static bool
stop_asked(const struct sw_control *c, int timeout_ms)
{
    struct pollfd p = {.fd = c->stop_fd, .events = POLLIN};

    return poll(&p, 1, timeout_ms) > 0;
}

static void *
serve(void *arg)
{
    struct sw_control *c = arg;

    (void)pthread_setname_np(pthread_self(), "sw-control"); /* prctl; may be refused */
    for (;;) {
        struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
                              {.fd = c->stop_fd, .events = POLLIN}};
        int fd;

        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            if (stop_asked(c, ACCEPT_BACKOFF_MS))
                break;
            continue;
        }
        if (p[1].revents != 0)
            break;
        if (p[0].revents == 0)
            continue;
        fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
                continue;
            /* EMFILE, ENFILE, ENOBUFS, ENOMEM: the client stays queued; try again later. */
            if (stop_asked(c, ACCEPT_BACKOFF_MS))
                break;
            continue;
        }
        serve_client(c, fd);
    }
    return NULL;
}

/* A socket file at path: replace it when nobody answers (a crash left it), refuse when
 * someone does. Any other file there is left alone and reported. */
static enum sw_rc
clear_stale(const char *path, const struct sockaddr_un *sa, struct sw_err *err)
{
    struct stat st;
    int probe, r, e;

    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return SW_OK;
        return sw_err_sys(err, SW_EIO, "%s", path);
    }
    if (!S_ISSOCK(st.st_mode))
        return sw_err_set(err, SW_EINVAL,
                          "%s: exists and is not a socket (%s); remove it or set another "
                          "agent.run_dir",
                          path,
                          S_ISDIR(st.st_mode)   ? "a directory"
                          : S_ISLNK(st.st_mode) ? "a symbolic link"
                          : S_ISREG(st.st_mode) ? "a regular file"
                                                : "a special file");
    probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (probe < 0)
        return sw_err_sys(err, SW_EIO, "%s: socket", path);
    /* Non-blocking: a live daemon with a full backlog answers EAGAIN instead of blocking. */
    r = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
    e = errno;
    close(probe);
    if (r == 0 || e == EAGAIN)
        return sw_err_set(err, SW_EINVAL, "%s: another seawall is running (it answers there)",
                          path);
    if (e != ECONNREFUSED) {
        errno = e;
        return sw_err_sys(err, SW_EIO, "%s: cannot tell whether another seawall is running", path);
    }
    if (unlink(path) != 0 && errno != ENOENT)
        return sw_err_sys(err, SW_EIO, "%s: removing the stale socket", path);
    return SW_OK;
}

struct sw_control *
sw_control_open(const char *path, uid_t uid, gid_t gid, struct sw_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct sw_control *c;
    mode_t old_mask;
    int r, e;

    if (path == NULL || path[0] == '\0') {
        sw_err_set(err, SW_EINVAL, "control socket: empty path");
        return NULL;
    }
    if (strlen(path) >= sizeof(sa.sun_path)) {
        sw_err_set(err, SW_EINVAL, "%s: too long for a unix socket (%zu bytes, at most %zu)", path,
                   strlen(path), sizeof(sa.sun_path) - 1);
        return NULL;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    c = sw_calloc(1, sizeof(*c)); /* owned by the caller; released by sw_control_stop() */
    if (c == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    c->fd = -1;
    c->stop_fd = -1;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        sw_err_set(err, SW_EIO, "%s: mutex", path);
        sw_free(c);
        return NULL;
    }
    c->path = sw_strdup(path);
    if (c->path == NULL) {
        sw_err_set(err, SW_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    c->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (c->stop_fd < 0) {
        sw_err_sys(err, SW_EIO, "%s: eventfd", path);
        goto fail;
    }
    if (clear_stale(path, &sa, err) != SW_OK)
        goto fail;
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        sw_err_sys(err, SW_EIO, "%s: socket", path);
        goto fail;
    }
    /* bind() creates the file with the umask applied: never world-accessible, not even for
     * the moment before chmod. */
    old_mask = umask(0117);
    r = bind(c->fd, (const struct sockaddr *)&sa, sizeof(sa));
    e = errno;
    umask(old_mask);
    if (r != 0) {
        errno = e;
        if (e == EADDRINUSE)
            sw_err_set(err, SW_EIO, "%s: created by someone else meanwhile", path);
        else
            sw_err_sys(err, SW_EIO, "%s: bind", path);
        goto fail;
    }
    c->bound = true;
    if ((uid != (uid_t)-1 || gid != (gid_t)-1) && lchown(path, uid, gid) != 0) {
        sw_err_sys(err, SW_EIO, "%s: chown to %ld:%ld", path, uid == (uid_t)-1 ? -1L : (long)uid,
                   gid == (gid_t)-1 ? -1L : (long)gid);
        goto fail;
    }
    if (chmod(path, 0660) != 0) {
        sw_err_sys(err, SW_EIO, "%s: chmod 0660", path);
        goto fail;
    }
    if (listen(c->fd, LISTEN_BACKLOG) != 0) {
        sw_err_sys(err, SW_EIO, "%s: listen", path);
        goto fail;
    }
    return c;
fail:
    sw_control_stop(c);
    return NULL;
}

enum sw_rc
sw_control_start(struct sw_control *c, struct sw_err *err)
{
    sigset_t all, old;
    int r;

    if (c->started)
        return sw_err_set(err, SW_EINVAL, "%s: control thread already started", c->path);
    /* The thread inherits the signal mask: block everything so signals go to the main
     * thread's signalfd, never here. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    r = pthread_create(&c->thread, NULL, serve, c);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (r != 0) {
        errno = r;
        return sw_err_sys(err, SW_EIO, "%s: starting the control thread", c->path);
    }
    c->started = true;
    return SW_OK;
}

static void
free_docs(struct doc *d)
{
    while (d != NULL) {
        struct doc *next = d->next;

        sw_free(d->text);
        sw_free(d);
        d = next;
    }
}

void
sw_control_publish(struct sw_control *c, char *json)
{
    struct doc *d, *done = NULL, **pp;

    if (json == NULL)
        return;
    d = sw_calloc(1, sizeof(*d)); /* owned by c from here */
    if (d == NULL) {
        sw_free(json); /* the previous document stays */
        return;
    }
    d->text = json;
    d->len = strlen(json);
    pthread_mutex_lock(&c->mu);
    if (c->cur != NULL) {
        c->cur->next = c->retired;
        c->retired = c->cur;
    }
    c->cur = d;
    /* Move every retired document the serving thread is not sending to the free list. */
    pp = &c->retired;
    while (*pp != NULL) {
        struct doc *r = *pp;

        if (r->in_use) {
            pp = &r->next;
            continue;
        }
        *pp = r->next;
        r->next = done;
        done = r;
    }
    pthread_mutex_unlock(&c->mu);
    free_docs(done);
}

void
sw_control_stop(struct sw_control *c)
{
    if (c == NULL)
        return;
    if (c->started) {
        uint64_t one = 1;

        /* An eventfd write of 1 cannot block or fail short of a counter overflow. */
        (void)!write(c->stop_fd, &one, sizeof(one));
        pthread_join(c->thread, NULL);
    }
    if (c->fd >= 0)
        close(c->fd);
    if (c->stop_fd >= 0)
        close(c->stop_fd);
    if (c->bound)
        (void)unlink(c->path);
    free_docs(c->cur);
    free_docs(c->retired);
    pthread_mutex_destroy(&c->mu);
    sw_free(c->path);
    sw_free(c);
}
