/* cmd_status.c - `seawall status [-c FILE] [--socket PATH] [--json]`: ask the running daemon
 * over its control socket (include/sw/control.h) and print its status document.
 *
 * The table is rendered from whatever JSON the daemon sends, not from a list of known keys,
 * so it shows new counters the day the daemon starts publishing them: scalars become aligned
 * "key: value" lines, objects indented sections, arrays of objects tables with one column per
 * key. Only a few key names change how a number reads (uptime as "3d 04:05:06"; ids, pids and
 * generations without thousands separators). */
#include "sw/cmd.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sw/alloc.h"
#include "sw/config.h"
#include "sw/control.h"
#include "sw/log.h"

#define DEFAULT_CONFIG "/etc/seawall/seawall.yaml"
#define CONNECT_TIMEOUT_S 2
/* The daemon serves one client at a time and gives each at most ~2 s, so a reply can wait
 * behind a few slow clients. */
#define REPLY_TIMEOUT_S 10
#define REPLY_MAX (4u << 20)
/* Render limits: deeper objects print as compact JSON, wider tables lose their last columns. */
#define MAX_DEPTH 8
#define MAX_COLUMNS 32
#define CELL_MAX 256

static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: seawall status [-c FILE] [--set KEY=VALUE]... [--socket PATH] [--json]\n"
            "Ask the running seawall daemon for its counters: uptime, rule set, interfaces,\n"
            "workers, outputs, memory. The socket is PATH, else agent.run_dir/" SW_CONTROL_SOCKET_NAME
            "\n"
            "of the configuration (-c FILE, else " DEFAULT_CONFIG " when it exists, else\n"
            "the defaults: /run/seawall/" SW_CONTROL_SOCKET_NAME "). It is readable by root and the\n"
            "agent's group.\n"
            "On a terminal a table is printed; with --json, or when the output is not a\n"
            "terminal, the daemon's JSON document (one line).\n"
            "Exit status: 0 success, 2 usage error, no daemon or a bad reply.\n");
}

/* ---- talking to the daemon ------------------------------------------------------------- */

/* One line naming the socket and what went wrong with connect(), with a hint. */
static void
report_connect_error(const char *path, int e, const struct sw_config *cfg)
{
    switch (e) {
    case ENOENT:
    case ECONNREFUSED:
        sw_log_error("status: %s: %s (is seawall running?)", path, strerror(e));
        break;
    case EACCES:
    case EPERM: {
        struct stat st;
        const struct group *gr = NULL;
        const char *name = cfg != NULL ? cfg->agent.group : NULL;

        if (stat(path, &st) == 0)
            gr = getgrgid(st.st_gid);
        if (gr != NULL)
            name = gr->gr_name;
        if (name != NULL && name[0] != '\0')
            sw_log_error("status: %s: %s (run it as root or as a member of the agent's group "
                         "'%s')",
                         path, strerror(e), name);
        else
            sw_log_error("status: %s: %s (run it as root or as a member of the agent's group)",
                         path, strerror(e));
        break;
    }
    case EAGAIN:
        sw_log_error("status: %s: the daemon did not accept the connection within %d s", path,
                     CONNECT_TIMEOUT_S);
        break;
    default:
        sw_log_error("status: %s: %s", path, strerror(e));
        break;
    }
}

/* Connect, send "status\n", read the reply into *out (owned by the caller, NUL-terminated,
 * *len bytes). Returns false after one line on stderr. */
static bool
query(const char *path, const struct sw_config *cfg, char **out, size_t *len)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct timeval tv = {.tv_sec = CONNECT_TIMEOUT_S};
    struct timespec t0, t1;
    static const char req[] = "status\n";
    size_t cap = 0, n = 0;
    char *buf = NULL;
    int fd;

    if (strlen(path) >= sizeof(sa.sun_path)) {
        sw_log_error("status: %s: too long for a unix socket (at most %zu bytes)", path,
                     sizeof(sa.sun_path) - 1);
        return false;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sw_log_error("status: socket: %s", strerror(errno));
        return false;
    }
    /* A unix-socket connect() waits for room in the listen backlog for up to SO_SNDTIMEO,
     * then fails with EAGAIN. */
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
        report_connect_error(path, errno, cfg);
        close(fd);
        return false;
    }
    if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1)) {
        sw_log_error("status: %s: sending the request: %s", path, strerror(errno));
        close(fd);
        return false;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        long left_ms;
        ssize_t r;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        left_ms = REPLY_TIMEOUT_S * 1000L - ((t1.tv_sec - t0.tv_sec) * 1000L +
                                              (t1.tv_nsec - t0.tv_nsec) / 1000000L);
        if (left_ms <= 0 || poll(&p, 1, (int)left_ms) == 0) {
            sw_log_error("status: %s: no reply within %d s", path, REPLY_TIMEOUT_S);
            goto fail;
        }
        if (n + 1 >= cap) {
            size_t ncap = cap == 0 ? 16384 : cap * 2;
            char *nb;

            if (ncap > REPLY_MAX + 1)
                ncap = REPLY_MAX + 1;
            if (n + 1 >= ncap) {
                sw_log_error("status: %s: reply larger than %u MiB", path, REPLY_MAX >> 20);
                goto fail;
            }
            nb = sw_realloc(buf, ncap);
            if (nb == NULL) {
                sw_log_error("status: %s: out of memory", path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        r = read(fd, buf + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            sw_log_error("status: %s: reading the reply: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (n == 0) {
        sw_log_error("status: %s: the daemon closed the connection without a reply", path);
        sw_free(buf);
        return false;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return true;
fail:
    close(fd);
    sw_free(buf);
    return false;
}

/* ---- rendering ------------------------------------------------------------------------- */

static bool
has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Numbers that are names rather than amounts: no thousands separators. */
static bool
is_identifier_key(const char *key)
{
    static const char *const names[] = {"pid", "id", "uid", "gid", "generation", "port",
                                        "version", "year"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(key, names[i]) == 0)
            return true;
    return has_suffix(key, "_id") || has_suffix(key, "_pid") || has_suffix(key, "_port");
}

/* Durations in seconds, shown as "3d 04:05:06". */
static bool
is_duration_key(const char *key)
{
    return strcmp(key, "uptime") == 0 || has_suffix(key, "_uptime") ||
           has_suffix(key, "_seconds") || has_suffix(key, "_secs");
}

/* Append s to buf (size n, NUL-terminated at *pos), replacing terminal control characters
 * (C0, DEL, C1 as UTF-8) with '?': the document carries interface names and paths. */
static void
put_text(char *buf, size_t n, size_t *pos, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0' && *pos + 1 < n) {
        if (*p < 0x20 || *p == 0x7f) {
            buf[(*pos)++] = '?';
            p++;
        } else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            buf[(*pos)++] = '?';
            p += 2;
        } else {
            buf[(*pos)++] = (char)*p++;
        }
    }
    buf[*pos] = '\0';
}

static void
fmt_grouped(char *buf, size_t n, json_int_t v)
{
    char digits[32];
    int len = snprintf(digits, sizeof(digits), "%lld", (long long)v);
    int lead = digits[0] == '-' ? 1 : 0;
    size_t pos = 0;

    for (int i = 0; i < len && pos + 1 < n; i++) {
        int from_end = len - i;

        buf[pos++] = digits[i];
        if (i >= lead && from_end > 1 && (from_end - 1) % 3 == 0 && pos + 1 < n)
            buf[pos++] = ',';
    }
    buf[pos] = '\0';
}

static void
fmt_duration(char *buf, size_t n, json_int_t v)
{
    long long s = v < 0 ? 0 : (long long)v;

    if (s >= 86400)
        snprintf(buf, n, "%lldd %02lld:%02lld:%02lld", s / 86400, s % 86400 / 3600,
                 s % 3600 / 60, s % 60);
    else
        snprintf(buf, n, "%02lld:%02lld:%02lld", s / 3600, s % 3600 / 60, s % 60);
}

static void fmt_value(char *buf, size_t n, const char *key, json_t *v);

/* Compact JSON for values that do not fit the layout (deep objects, mixed arrays). */
static void
fmt_json(char *buf, size_t n, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t pos = 0;

    buf[0] = '\0';
    if (s != NULL) {
        put_text(buf, n, &pos, s);
        free(s); /* Jansson's allocator: plain malloc */
    }
}

static void
fmt_value(char *buf, size_t n, const char *key, json_t *v)
{
    size_t pos = 0;

    buf[0] = '\0';
    switch (json_typeof(v)) {
    case JSON_STRING:
        put_text(buf, n, &pos, json_string_value(v));
        break;
    case JSON_INTEGER:
        if (is_duration_key(key))
            fmt_duration(buf, n, json_integer_value(v));
        else if (is_identifier_key(key))
            snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        else
            fmt_grouped(buf, n, json_integer_value(v));
        break;
    case JSON_REAL:
        if (is_duration_key(key))
            fmt_duration(buf, n, (json_int_t)json_real_value(v));
        else
            snprintf(buf, n, "%.2f", json_real_value(v));
        break;
    case JSON_TRUE:
        snprintf(buf, n, "yes");
        break;
    case JSON_FALSE:
        snprintf(buf, n, "no");
        break;
    case JSON_NULL:
        snprintf(buf, n, "-");
        break;
    case JSON_ARRAY: {
        size_t i;
        json_t *e;

        if (json_array_size(v) == 0) {
            snprintf(buf, n, "(none)");
            break;
        }
        json_array_foreach(v, i, e) {
            char item[CELL_MAX];

            if (json_is_object(e) || json_is_array(e))
                fmt_json(item, sizeof(item), e);
            else
                fmt_value(item, sizeof(item), key, e);
            if (i > 0 && pos + 1 < n)
                put_text(buf, n, &pos, ", ");
            put_text(buf, n, &pos, item);
        }
        break;
    }
    case JSON_OBJECT:
        fmt_json(buf, n, v);
        break;
    }
}

/* Columns on screen: UTF-8 continuation bytes take none (wide characters are rare here). */
static size_t
display_width(const char *s)
{
    size_t w = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if ((*p & 0xc0) != 0x80)
            w++;
    return w;
}

static void
pad(FILE *out, size_t n)
{
    while (n-- > 0)
        fputc(' ', out);
}

static bool
is_table(json_t *v)
{
    size_t i;
    json_t *e;

    if (!json_is_array(v) || json_array_size(v) == 0)
        return false;
    json_array_foreach(v, i, e) {
        if (!json_is_object(e))
            return false;
    }
    return true;
}

static bool
is_section(json_t *v, int depth)
{
    return depth < MAX_DEPTH && (json_is_object(v) || is_table(v));
}

/* Arrays of objects: header of the union of keys (first-seen order), a row per element,
 * numbers right-aligned, missing cells "-". */
static void
render_table(FILE *out, json_t *arr, int indent)
{
    const char *cols[MAX_COLUMNS];
    size_t width[MAX_COLUMNS];
    bool numeric[MAX_COLUMNS];
    size_t ncols = 0, i;
    json_t *row;
    char cell[CELL_MAX];

    json_array_foreach(arr, i, row) {
        const char *key;
        json_t *v;

        json_object_foreach(row, key, v) {
            size_t c;

            for (c = 0; c < ncols; c++)
                if (strcmp(cols[c], key) == 0)
                    break;
            if (c == ncols && ncols < MAX_COLUMNS) {
                cols[ncols] = key;
                width[ncols] = display_width(key);
                numeric[ncols] = true;
                ncols++;
            }
            if (c >= ncols)
                continue;
            fmt_value(cell, sizeof(cell), key, v);
            if (display_width(cell) > width[c])
                width[c] = display_width(cell);
            if (!json_is_number(v) && !json_is_null(v))
                numeric[c] = false;
        }
    }
    pad(out, (size_t)indent);
    for (size_t c = 0; c < ncols; c++) {
        size_t gap = width[c] - display_width(cols[c]);

        if (numeric[c])
            pad(out, gap);
        fputs(cols[c], out);
        if (c + 1 < ncols)
            pad(out, (numeric[c] ? 0 : gap) + 2);
    }
    fputc('\n', out);
    json_array_foreach(arr, i, row) {
        pad(out, (size_t)indent);
        for (size_t c = 0; c < ncols; c++) {
            json_t *v = json_object_get(row, cols[c]);
            size_t gap;

            if (v == NULL)
                snprintf(cell, sizeof(cell), "-");
            else
                fmt_value(cell, sizeof(cell), cols[c], v);
            gap = width[c] - display_width(cell);
            if (numeric[c])
                pad(out, gap);
            fputs(cell, out);
            if (c + 1 < ncols)
                pad(out, (numeric[c] ? 0 : gap) + 2);
        }
        fputc('\n', out);
    }
}

/* An object: its plain members as aligned "key: value" lines, then each nested object and
 * array of objects as a titled, indented section, in document order. */
static void
render_object(FILE *out, json_t *obj, int indent, int depth)
{
    const char *key;
    json_t *v;
    size_t kw = 0;
    bool printed = false;
    char cell[CELL_MAX * 4];

    json_object_foreach(obj, key, v) {
        if (!is_section(v, depth) && display_width(key) > kw)
            kw = display_width(key);
    }
    json_object_foreach(obj, key, v) {
        if (is_section(v, depth))
            continue;
        fmt_value(cell, sizeof(cell), key, v);
        pad(out, (size_t)indent);
        fprintf(out, "%s:", key);
        pad(out, kw - display_width(key) + 1);
        fprintf(out, "%s\n", cell);
        printed = true;
    }
    json_object_foreach(obj, key, v) {
        if (!is_section(v, depth))
            continue;
        if (printed)
            fputc('\n', out);
        pad(out, (size_t)indent);
        fprintf(out, "%s:\n", key);
        if (json_is_object(v))
            render_object(out, v, indent + 2, depth + 1);
        else
            render_table(out, v, indent + 2);
        printed = true;
    }
    if (!printed) {
        pad(out, (size_t)indent);
        fputs("(empty)\n", out);
    }
}

/* ---- the command ----------------------------------------------------------------------- */

int
sw_cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"set", required_argument, NULL, 'S'},
        {"socket", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *socket_path = NULL;
    struct sw_cmd_sets sets = {.n = 0};
    struct sw_config *cfg = NULL;
    bool as_json = false;
    char path[PATH_MAX + sizeof("/" SW_CONTROL_SOCKET_NAME)];
    char *reply = NULL;
    size_t len = 0;
    json_t *doc;
    json_error_t jerr;
    int c, rc = 2;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            socket_path = optarg;
            break;
        case 'j':
            as_json = true;
            break;
        default: /* -c, --set, -h and unknown options */
            if ((c = sw_cmd_common_opt(c, optarg, &config, &sets, usage)) >= 0)
                return c;
            break;
        }
    }
    if (optind < argc) {
        sw_log_error("status: unexpected argument '%s'", argv[optind]);
        return 2;
    }
    /* The configuration is read for agent.run_dir (and agent.group for messages); without -c
     * the installed file when there is one, else the defaults. --socket alone needs none. */
    if (config == NULL && socket_path == NULL && access(DEFAULT_CONFIG, F_OK) == 0)
        config = DEFAULT_CONFIG;
    if (socket_path == NULL || config != NULL || sets.n > 0) {
        cfg = sw_cmd_load_config(config, sets.v, sets.n);
        if (cfg == NULL)
            return 2;
    }
    if (socket_path == NULL) {
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->agent.run_dir,
                             SW_CONTROL_SOCKET_NAME) >= sizeof(path)) {
            sw_log_error("status: agent.run_dir: too long for a socket path");
            goto out;
        }
        socket_path = path;
    }
    if (!query(socket_path, cfg, &reply, &len))
        goto out;
    /* One line: the document then "\n". */
    if (reply[len - 1] == '\n')
        reply[--len] = '\0';
    doc = json_loadb(reply, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL || !json_is_object(doc)) {
        sw_log_error("status: %s: the reply is not a JSON object%s%s", socket_path,
                     doc == NULL ? ": " : "", doc == NULL ? jerr.text : "");
        json_decref(doc);
        goto out;
    }
    if (json_object_size(doc) == 1 && json_is_string(json_object_get(doc, "error"))) {
        sw_log_error("status: %s: the daemon refused: %s", socket_path,
                     json_string_value(json_object_get(doc, "error")));
        json_decref(doc);
        goto out;
    }
    if (as_json || !isatty(STDOUT_FILENO)) {
        fwrite(reply, 1, len, stdout);
        fputc('\n', stdout);
    } else {
        render_object(stdout, doc, 0, 0);
    }
    json_decref(doc);
    rc = fflush(stdout) == 0 ? 0 : 2;
    if (rc != 0)
        sw_log_error("status: writing the output: %s", strerror(errno));
out:
    sw_free(reply);
    sw_cfg_free(cfg);
    return rc;
}
