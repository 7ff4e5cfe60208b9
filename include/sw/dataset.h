/* dataset.h - Suricata-style datasets: sets of values loaded from list files. Today they back
 * the IOC lists of files (rules/ioc.c: SHA-256); the network side's `dataset` keyword will
 * use the same loader and lookups.
 *
 * File format (Suricata's dataset files, plus comments): one value per line, optionally
 * followed by ",REP" (a datarep reputation, 0..65535). Per type: md5 and sha256 in hex (either
 * case), string in base64 (RFC 4648, padded), ipv4 dotted quad, ip (Suricata's name; "ipv6"
 * is accepted too) an IPv6 or IPv4 address. Blank lines and lines whose first non-blank is
 * '#' are skipped; a value may be followed by blanks and a '#' comment, which is kept (an IOC
 * alert shows it). Leading and trailing blanks (and a CR) are ignored. A bad line is
 * reported as "file:line: message" and left out; the others load. A value given twice is
 * kept once (the first line) and reported as a warning.
 *
 * A loaded set is immutable: lookups from any thread, no lock. Keys are hashed with SipHash
 * under a random key per set, so values an attacker sends cannot aim collisions at it. */
#ifndef SW_DATASET_H
#define SW_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sw/err.h"

enum sw_dataset_type {
    SW_DATASET_MD5,
    SW_DATASET_SHA256,
    SW_DATASET_STRING,
    SW_DATASET_IPV4,
    SW_DATASET_IP, /* IPv6, and IPv4 stored as IPv4-mapped IPv6 (::ffff:a.b.c.d) */
};

/* Hard limits, whatever the caller asks: a larger file is refused before it is read, a
 * longer line is a bad line. */
#define SW_DATASET_MAX_FILE (256u * 1024u * 1024u)
#define SW_DATASET_MAX_LINE 8192u
#define SW_DATASET_MAX_ITEMS (16u * 1024u * 1024u)

/* "md5", "sha256", "string", "ipv4", "ip" or "ipv6". SW_EINVAL otherwise. */
enum sw_rc sw_dataset_type_parse(const char *s, enum sw_dataset_type *out) SW_MUSTCHECK;
const char *sw_dataset_type_name(enum sw_dataset_type t);

/* One diagnostic, "name:line: message" or "name:line: warning: message"; valid for the
 * call. Called on the loading thread. */
typedef void (*sw_dataset_report_fn)(void *ctx, bool warning, const char *msg);

struct sw_dataset_stats {
    size_t lines, items, bad_lines, duplicates;
};

struct sw_dataset;

/* Parse buf[0, len) (need not be NUL-terminated) as a list of type t; name is used in
 * messages. Bad lines are reported and counted (st->bad_lines), not fatal. Returns the set
 * (caller owns it), or NULL with err set: out of memory, or more than SW_DATASET_MAX_ITEMS
 * values (SW_ELIMIT). Any thread. */
struct sw_dataset *sw_dataset_parse(const char *name, enum sw_dataset_type t, const char *buf,
                                    size_t len, sw_dataset_report_fn report, void *ctx,
                                    struct sw_dataset_stats *st, struct sw_err *err);
/* Read path (at most SW_DATASET_MAX_FILE bytes, else SW_ELIMIT) and parse it as above, name
 * being path. SW_EIO when it cannot be read. */
struct sw_dataset *sw_dataset_load(const char *path, enum sw_dataset_type t,
                                   sw_dataset_report_fn report, void *ctx,
                                   struct sw_dataset_stats *st, struct sw_err *err);
/* NULL-safe. */
void sw_dataset_destroy(struct sw_dataset *d);

/* What a file said about a value. */
struct sw_dataset_hit {
    uint32_t line;       /* 1-based line of the value in its file */
    bool has_rep;
    uint16_t rep;        /* the ",REP" value */
    const char *comment; /* the line's "# ..." text without the '#' and blanks, or NULL;
                          * valid while the set lives */
};

/* Is key in d? key is the value's bytes: 16 (md5) or 32 (sha256) raw bytes, the decoded
 * string, 4 bytes (ipv4) or 16 bytes (ip; an IPv4 address as ::ffff:a.b.c.d). hit (may be
 * NULL) is filled on a match. Any thread. */
bool sw_dataset_lookup(const struct sw_dataset *d, const void *key, size_t len,
                       struct sw_dataset_hit *hit);

size_t sw_dataset_count(const struct sw_dataset *d);
enum sw_dataset_type sw_dataset_type_of(const struct sw_dataset *d);

/* Decode n hex digits (n even) into n/2 bytes. false on a non-hex digit. Pure. */
bool sw_dataset_unhex(const char *s, size_t n, uint8_t *out);

#endif
