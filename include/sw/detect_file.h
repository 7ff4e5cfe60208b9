/* detect_file.h - the detection stage of the host side: the one door from the file scan pool
 * (collectors/file/) to the file detectors, the YARA rules and the IOC lists (rules/).
 *
 * The network worker reaches its detectors through include/sw/detect.h; a scan thread reaches
 * its own through this header alone, with a borrowed, read-only file subject (the bytes it
 * read, the path, what the YARA externals need) and gets the matches back as alert events
 * through its emitter and as counts in a result struct. Collectors include no rule header but
 * detect.h and this one; the detectors know nothing of the pool.
 *
 * Three objects, three owners:
 * - struct sw_detect_file: a file detection set, one generation of YARA rules and IOC lists.
 *   Built by agent/ on the main thread from what it loaded, immutable after, shared by every
 *   scan thread through holds (sw_detect_file_hold / sw_detect_file_destroy, any thread: the
 *   last hold frees it). A reload builds a new set and hands it to the pool as one pointer
 *   (sw_scanpool_set_detection); threads still scanning with the old one keep their holds.
 * - struct sw_detect_file_thread: one scan thread's stage, its YARA scanner for the set it has
 *   installed. Created with the pool (main thread, no set yet), then used by that thread only.
 * - struct sw_file_subject: the file being scanned, the caller's, valid for one call. */
#ifndef SW_DETECT_FILE_H
#define SW_DETECT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"
#include "sw/event.h"

/* At most this many threads scan one set (libyara 4.2's YR_MAX_THREADS; rules/detect_file.c
 * checks that the two agree). */
#define SW_DETECT_FILE_MAX_THREADS 32

struct sw_detect_file;
struct sw_detect_file_thread;
struct sw_yara_rules; /* yara.h: agent/ builds sets from them */
struct sw_ioc_set;    /* ioc.h */

/* A set of rules (may be NULL: no YARA) and ioc (may be NULL: no IOC check), both borrowed:
 * the set takes holds of its own. The caller owns the set's first hold. NULL and err when out
 * of memory. Main thread. */
struct sw_detect_file *sw_detect_file_create(struct sw_yara_rules *rules, struct sw_ioc_set *ioc,
                                             struct sw_err *err);
/* One more hold on d, given back with sw_detect_file_destroy. Returns d. NULL-safe; any
 * thread. */
struct sw_detect_file *sw_detect_file_hold(struct sw_detect_file *d);
/* Give back one hold; the last frees the set (and its holds of the rules and lists), once no
 * thread has it installed. NULL-safe; any thread. */
void sw_detect_file_destroy(struct sw_detect_file *d);

/* A scan thread's limits, the same for every set it installs (the YARA alert limits). */
struct sw_detect_file_limits {
    unsigned max_strings;  /* string matches kept per alert */
    unsigned string_bytes; /* bytes of each match kept */
    unsigned timeout_s;    /* per scan; 0: none */
};

/* A thread's stage with limits lim (copied), no set installed. NULL when out of memory. Any
 * thread; used by one thread only after. */
struct sw_detect_file_thread *sw_detect_file_thread_create(const struct sw_detect_file_limits *lim);
/* Gives back the installed set. NULL-safe. */
void sw_detect_file_thread_destroy(struct sw_detect_file_thread *t);
/* Scan with d from now on: d's hold (taken on every path) replaces the installed set (whose
 * hold and scanner are given back), and a YARA scanner is made for d's rules on the calling
 * thread. d NULL: nothing installed. SW_OK; an error (err) when the scanner could not be made:
 * d stays installed for its IOC lists, and no file is YARA-scanned until the next install.
 * The thread's own. */
enum sw_rc sw_detect_file_thread_install(struct sw_detect_file_thread *t, struct sw_detect_file *d,
                                         struct sw_err *err) SW_MUSTCHECK;

/* Give back the installed set and its scanner (a scan thread that ends): nothing installed.
 * The thread's own. */
void sw_detect_file_thread_clear(struct sw_detect_file_thread *t);

/* What the caller fills in of the alerts' file part, on demand (the stage calls it before an
 * alert copies fi, so that a file that matches nothing costs neither). */
enum sw_file_need {
    SW_FILE_NEED_SHA256, /* fi->sha256 (the IOC check reads it) */
    SW_FILE_NEED_ALL,    /* fi->sha256 and what else an alert carries (libmagic's description) */
};

/* The file being scanned. Everything is borrowed for one sw_detect_file_run call. */
struct sw_file_subject {
    const char *path;     /* absolute: the YARA externals filename, filepath, extension */
    const char *filetype; /* sw_filetype label: the external filetype */
    const char *owner;    /* user name or uid: the external owner */
    const char *source;   /* static: the external seawall_source ("fim", "file") */
    const uint8_t *buf;   /* the content read, buf[0, len) */
    size_t len;
    uint64_t ts_us;       /* when the source saw it; 0: now (the IOC alerts' time) */
    bool yara;            /* run the YARA rules over buf */
    bool ioc;             /* check the file's SHA-256 against the IOC lists */
    /* The alerts' file part (path, size, owner, mode, ...): the caller's, copied into each
     * alert; fill(fill_ctx, need) completes it on demand (at most once per need level). */
    struct sw_file_part *fi;
    void (*fill)(void *ctx, enum sw_file_need need);
    void *fill_ctx;
};

struct sw_detect_file_result {
    bool scanned;         /* YARA ran over the file (a set with rules and a scanner) */
    enum sw_rc scan_rc;   /* of that scan: SW_OK; SW_ELIMIT its time limit (err says which
                           * file); SW_EIO another libyara error */
    bool too_many;        /* a string had too many matches (the scan went on) */
    unsigned matches;     /* YARA alerts */
    unsigned ioc_matches; /* IOC alerts */
    unsigned drops;       /* alerts lost to allocation failure */
};

/* Run the installed set on s: YARA over s->buf when s->yara (and the set has rules), then
 * the IOC lists when s->ioc (and the set has hashes). Every match is one alert event with a
 * copy of s->fi, handed to em. res (zeroed first) gets the counts; err names the file when
 * res->scan_rc is not SW_OK. Returns the alerts emitted. The thread's own. */
unsigned sw_detect_file_run(struct sw_detect_file_thread *t, const struct sw_file_subject *s,
                            struct sw_emitter *em, struct sw_detect_file_result *res,
                            struct sw_err *err);

#endif
