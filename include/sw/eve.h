/* eve.h - EVE JSON encoding: the only place that knows EVE field names.
 *
 * Output thread (or any thread holding the event). Encoding streams the event's fields into a
 * per-thread buffer (include/sw/eve_writer.h): no tree and no allocation per field. */
#ifndef SW_EVE_H
#define SW_EVE_H

#include <stddef.h>
#include <stdint.h>

#include "sw/event.h"

struct sw_producer; /* router.h */

struct sw_eve_cfg {
    const char *host; /* borrowed: EVE "host" (agent.id or the hostname) */
};

/* Encode ev as one JSON object without a trailing newline. Returns a string the caller
 * frees with free(), or NULL on allocation failure. *len gets its length. */
char *sw_eve_encode(const struct sw_eve_cfg *cfg, const struct sw_event *ev, size_t *len);

/* One encoded event: what crosses from a producer thread to the output thread. Events are
 * encoded where they are made (as Suricata's workers do), so encoding scales with workers and
 * the output thread only writes. */
struct sw_eve_line {
    int type;          /* enum sw_event_type, for the sinks' filters */
    uint32_t refs;     /* output thread only: sink queues holding it (output/router.c) */
    uint64_t ts_us;    /* the event's timestamp */
    uint8_t severity;  /* alert.severity (1..3) of an alert, else 0 */
    size_t key_len;    /* partition key (sw_rec.key): text + len + 1, key_len bytes; 0: none */
    size_t len;        /* bytes of text, without the NUL */
    size_t cap;        /* bytes allocated for text[] (>= len + key_len + 2) */
    /* borrowed: the producer that made the line (output/router.c): when the line's last
     * reference goes, the output thread gives it back to that producer's return ring, so
     * the producer encodes a later event into it; NULL (or that ring at its bound): the line
     * is freed. */
    struct sw_producer *home;
    char text[];       /* JSON, NUL-terminated, no newline; then the key, NUL-terminated */
};

/* The key of a line (community_id, else flow_id in decimal, else a host event's file path),
 * or NULL. */
static inline const char *
sw_eve_line_key(const struct sw_eve_line *l)
{
    return l->key_len > 0 ? l->text + l->len + 1 : NULL;
}

/* A line from parts (records read back from a spool). NULL on allocation failure. Any
 * thread; free with sw_eve_line_destroy. */
struct sw_eve_line *sw_eve_line_make(int type, uint64_t ts_us, uint8_t severity,
                                     const char *text, size_t len, const char *key,
                                     size_t key_len);

/* Encode ev into one allocation (free it with sw_eve_line_destroy). NULL on allocation
 * failure. Any thread; uses a per-thread scratch buffer. */
struct sw_eve_line *sw_eve_line_create(const struct sw_eve_cfg *cfg, const struct sw_event *ev);
/* sw_eve_line_create into spare (may be NULL), a line this thread owns that is no longer
 * referenced: reused when its cap holds the encoded event, else freed and replaced by a new
 * allocation with room to spare (cap rounded up to a power of two), so recycled lines
 * settle at a size that fits what the producer makes. Takes spare on every path; home NULL.
 * NULL on allocation failure or an event that encodes to nothing. */
struct sw_eve_line *sw_eve_line_recycle(const struct sw_eve_cfg *cfg, const struct sw_event *ev,
                                        struct sw_eve_line *spare);
void sw_eve_line_destroy(struct sw_eve_line *l);

/* Free this thread's scratch buffer and event cache (sw_event_thread_fini): call before a
 * thread that encoded events exits. */
void sw_eve_thread_fini(void);

/* Format a capture time as Suricata does: 2026-11-25T10:00:00.123456+0000 (UTC).
 * buf must hold 32 bytes. */
void sw_eve_time(uint64_t ts_us, char *buf, size_t buflen);

#endif
