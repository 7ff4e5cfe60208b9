/* discardsink.c - a receiver much faster than seawall's sinks, so that make bench measures
 * seawall's ceiling and not the receiver's (tests/tools/bench_ceiling.sh).
 *
 * usage: discardsink lines|octet|relp PORTFILE [N]
 *
 * Listens on 127.0.0.1 on a port the kernel picks and writes it to PORTFILE (written aside
 * and renamed, so a reader never sees half of it). Every connection gets a thread that reads
 * in 1 MiB chunks, counts records and throws them away:
 *   lines  newline-terminated records (the tcp sink's JSON lines);
 *   octet  RFC 6587 octet-counted frames, "LEN SP MSG" (the syslog sink over tcp);
 *   relp   RELP frames, "TXNR SP COMMAND SP DATALEN [SP DATA] LF": "open" is answered with
 *          the offers librelp's client looks for (relp_version=0, commands=syslog), each
 *          "syslog" is counted and answered "TXNR rsp 6 200 OK", "close" is answered and
 *          the connection closed after. The answers to everything in one read go out in one
 *          write at its end, so acknowledgement costs no more than a system call per read.
 * Nothing is parsed beyond the framing: the count is what the bench checks (every record
 * once), a framing error is counted and ends that connection.
 *
 * Each time N more records have arrived (N given) it prints one line and flushes:
 *   "records N bytes B seconds S records_per_s R cpu_s C errors E"
 * S runs from the first byte after the previous line to the N-th record; C is this
 * process's CPU time over the same span (user + system, all threads), which says how far
 * the receiver is from being the limit. Runs until killed. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sw/io.h"

#define CHUNK (1u << 20)
#define OUT_MAX (256u << 10) /* answers pending from one read: 6 bytes a record at most */

enum mode { M_LINES, M_OCTET, M_RELP };

/* Shared by the connection threads, under lock: the batch being counted towards N. */
struct tally {
    pthread_mutex_t lock;
    unsigned long want; /* N; 0: never print */
    unsigned long got, errors;
    uint64_t bytes;
    double t0, cpu0; /* at the batch's first byte; t0 < 0: none yet */
};

/* RELP frame parser state: which part of "TXNR SP CMD SP LEN [SP DATA] LF" comes next. */
enum rstate { R_TXNR, R_CMD, R_LEN, R_DATA, R_TRAILER };

struct conn {
    int fd;
    enum mode mode;
    struct tally *t;
    /* octet */
    uint64_t skip; /* bytes of the current frame's message still to come */
    uint64_t len;  /* the length being read; digits counts its digits */
    int digits;
    /* relp */
    enum rstate rs;
    uint64_t txnr;
    char cmd[33];
    size_t cmd_len;
    bool closing;
    char *out; /* owned: answers to send after this read */
    size_t out_len;
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_s(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Add what one read brought; print a line each time the batch reaches N. */
static void
tally_add(struct tally *t, unsigned long records, size_t bytes, unsigned long errors)
{
    pthread_mutex_lock(&t->lock);
    if (t->t0 < 0) {
        t->t0 = now_s();
        t->cpu0 = cpu_s();
    }
    t->got += records;
    t->bytes += bytes;
    t->errors += errors;
    while (t->want > 0 && t->got >= t->want) {
        double t1 = now_s(), c1 = cpu_s(), secs = t1 - t->t0;

        printf("records %lu bytes %llu seconds %.3f records_per_s %.0f cpu_s %.3f errors %lu\n",
               t->want, (unsigned long long)t->bytes, secs, secs > 0 ? (double)t->want / secs : 0.0,
               c1 - t->cpu0, t->errors);
        fflush(stdout);
        t->got -= t->want;
        t->bytes = 0;
        t->errors = 0;
        /* What is left over belongs to the next batch, which starts now. */
        t->t0 = t->got > 0 ? t1 : -1;
        t->cpu0 = c1;
    }
    pthread_mutex_unlock(&t->lock);
}

static unsigned long
count_lines(const char *p, size_t n)
{
    unsigned long k = 0;
    const char *end = p + n;

    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        k++;
        p++;
    }
    return k;
}

/* Octet counting: skip each message whole, read only the lengths. -1 on a framing error. */
static long
count_octet(struct conn *c, const char *p, size_t n)
{
    long k = 0;
    size_t i = 0;

    while (i < n) {
        if (c->skip > 0) {
            size_t take = c->skip < n - i ? (size_t)c->skip : n - i;

            c->skip -= take;
            i += take;
            if (c->skip == 0)
                k++;
            continue;
        }
        if (p[i] >= '0' && p[i] <= '9' && c->digits < 9) {
            c->len = c->len * 10 + (uint64_t)(p[i] - '0');
            c->digits++;
        } else if (p[i] == ' ' && c->digits > 0 && c->len > 0) {
            c->skip = c->len;
            c->len = 0;
            c->digits = 0;
        } else {
            return -1;
        }
        i++;
    }
    return k;
}

static bool
out_add(struct conn *c, const char *s, size_t n)
{
    if (c->out_len + n > OUT_MAX)
        return false;
    memcpy(c->out + c->out_len, s, n);
    c->out_len += n;
    return true;
}

/* One whole RELP frame's command: answer it. */
static bool
relp_answer(struct conn *c, unsigned long *records)
{
    static const char offers[] = "200 OK\nrelp_version=0\nrelp_software=discardsink\n"
                                 "commands=syslog";
    char hdr[64];
    int n;

    if (strcmp(c->cmd, "syslog") == 0) {
        (*records)++;
        n = snprintf(hdr, sizeof(hdr), "%llu rsp 6 200 OK\n", (unsigned long long)c->txnr);
        return out_add(c, hdr, (size_t)n);
    }
    if (strcmp(c->cmd, "open") == 0) {
        n = snprintf(hdr, sizeof(hdr), "%llu rsp %zu ", (unsigned long long)c->txnr,
                     sizeof(offers) - 1);
        return out_add(c, hdr, (size_t)n) && out_add(c, offers, sizeof(offers) - 1) &&
               out_add(c, "\n", 1);
    }
    if (strcmp(c->cmd, "close") == 0) {
        c->closing = true;
        n = snprintf(hdr, sizeof(hdr), "%llu rsp 0\n", (unsigned long long)c->txnr);
        return out_add(c, hdr, (size_t)n);
    }
    n = snprintf(hdr, sizeof(hdr), "%llu rsp 15 500 unsupported\n", (unsigned long long)c->txnr);
    return out_add(c, hdr, (size_t)n);
}

/* A whole frame was read: answer it, expect the next header. */
static bool
relp_frame_end(struct conn *c, unsigned long *records)
{
    bool ok = relp_answer(c, records);

    c->rs = R_TXNR;
    c->txnr = 0;
    c->digits = 0;
    return ok;
}

/* RELP: walk the headers, skip the data. -1 on a framing error. */
static long
count_relp(struct conn *c, const char *p, size_t n)
{
    unsigned long k = 0;
    size_t i = 0;

    while (i < n) {
        char ch = p[i];

        switch (c->rs) {
        case R_TXNR:
            if (ch >= '0' && ch <= '9' && c->digits < 10) {
                c->txnr = c->txnr * 10 + (uint64_t)(ch - '0');
                c->digits++;
            } else if (ch == ' ' && c->digits > 0) {
                c->rs = R_CMD;
                c->cmd_len = 0;
            } else if (!(ch == '\n' && c->digits == 0)) { /* tolerate a stray LF */
                return -1;
            }
            break;
        case R_CMD:
            if (ch == ' ' && c->cmd_len > 0) {
                c->cmd[c->cmd_len] = '\0';
                c->rs = R_LEN;
                c->len = 0;
                c->digits = 0;
            } else if (ch >= 'a' && ch <= 'z' && c->cmd_len < sizeof(c->cmd) - 1) {
                c->cmd[c->cmd_len++] = ch;
            } else {
                return -1;
            }
            break;
        case R_LEN:
            if (ch >= '0' && ch <= '9' && c->digits < 9) {
                c->len = c->len * 10 + (uint64_t)(ch - '0');
                c->digits++;
            } else if (ch == ' ' && c->digits > 0 && c->len > 0) {
                c->rs = R_DATA;
                c->skip = c->len;
            } else if (ch == '\n' && c->digits > 0 && c->len == 0) {
                if (!relp_frame_end(c, &k)) /* no data: "TXNR CMD 0" LF */
                    return -1;
            } else {
                return -1;
            }
            break;
        case R_DATA: {
            size_t take = c->skip < n - i ? (size_t)c->skip : n - i;

            c->skip -= take;
            i += take;
            if (c->skip == 0)
                c->rs = R_TRAILER;
            continue;
        }
        case R_TRAILER:
            if (ch != '\n' || !relp_frame_end(c, &k))
                return -1;
            break;
        }
        i++;
    }
    return (long)k;
}

/* A connection's thread: read, count, answer (relp), until EOF, an error or "close". A
 * window of unanswered RELP messages is small (seawall's and librelp's: 128), so a blocking
 * write of the answers never waits on a client that is itself blocked writing. */
static void *
conn_main(void *arg)
{
    struct conn *c = arg;
    char *buf = malloc(CHUNK);

    c->out = malloc(OUT_MAX);
    while (buf != NULL && c->out != NULL) {
        ssize_t r = recv(c->fd, buf, CHUNK, 0);
        long k;

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        c->out_len = 0;
        k = c->mode == M_LINES   ? (long)count_lines(buf, (size_t)r)
            : c->mode == M_OCTET ? count_octet(c, buf, (size_t)r)
                                 : count_relp(c, buf, (size_t)r);
        if (k < 0) {
            fprintf(stderr, "discardsink: framing error on a connection; closing it\n");
            tally_add(c->t, 0, (size_t)r, 1);
            break;
        }
        if (c->out_len > 0 && sw_io_write_all(c->fd, c->out, c->out_len, NULL) != 0)
            break;
        tally_add(c->t, (unsigned long)k, (size_t)r, 0);
        if (c->closing)
            break;
    }
    close(c->fd);
    free(buf);
    free(c->out);
    free(c);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct tally t = {.lock = PTHREAD_MUTEX_INITIALIZER, .t0 = -1};
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t sl = sizeof(sa);
    enum mode mode;
    char tmp[4096];
    FILE *f;
    int lfd, one = 1;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: discardsink lines|octet|relp PORTFILE [N]\n");
        return 2;
    }
    /* A sender that hangs up while an answer is going out ends that connection (EPIPE),
     * not the tool. */
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(argv[1], "lines") == 0)
        mode = M_LINES;
    else if (strcmp(argv[1], "octet") == 0)
        mode = M_OCTET;
    else if (strcmp(argv[1], "relp") == 0)
        mode = M_RELP;
    else {
        fprintf(stderr, "discardsink: unknown mode %s\n", argv[1]);
        return 2;
    }
    t.want = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 64) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
        fprintf(stderr, "discardsink: listen on 127.0.0.1: %s\n", strerror(errno));
        return 1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%u\n", (unsigned)ntohs(sa.sin_port)) < 0 || fclose(f) != 0 ||
        rename(tmp, argv[2]) != 0) {
        fprintf(stderr, "discardsink: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        struct conn *c;
        pthread_t th;

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            fprintf(stderr, "discardsink: accept: %s\n", strerror(errno));
            return 1;
        }
        c = calloc(1, sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->mode = mode;
        c->t = &t;
        if (pthread_create(&th, NULL, conn_main, c) != 0) {
            close(fd);
            free(c);
            continue;
        }
        pthread_detach(th);
    }
}
