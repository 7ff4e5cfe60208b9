/* defrag.c - bounded IPv4/IPv6 fragment reassembly (see include/sw/defrag.h).
 *
 * Layout: a chained hash table of trackers (one per incomplete datagram) keyed with SipHash
 * under a random key of the instance's own (agent/util/hash.c), so a sender cannot aim ids
 * at one chain; every tracker is also on a list in creation order, so expiry pops from the
 * old end and stops at the first live tracker.
 *
 * A tracker keeps the data in one buffer indexed by datagram offset, plus a coverage map of
 * one bit per 8-byte block. Fragment offsets are multiples of 8 and non-last fragments are
 * too, so a block is always filled by one fragment: inserting, overlap detection and the
 * completeness test cost O(fragment length), whatever the number or order of fragments
 * (no list walk a flood of tiny fragments could make quadratic).
 *
 * Owner: the capture thread that created the reassembler; nothing here locks. */
#include "sw/defrag.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include "sw/alloc.h"
#include "sw/hash.h"

#define DG_LEN_MAX 65535u  /* IPv4 total length / IPv6 payload length field */
#define DG_CAP_MAX 65536u  /* data buffer cap: DG_LEN_MAX rounded up to 64 */
#define IPV4_HDR_MIN 20u
#define IPV6_HDR_LEN 40u
#define FRAG_HDR_LEN 8u    /* IPv6 fragment extension header */
#define OUT_MAX (IPV6_HDR_LEN + DG_LEN_MAX) /* largest datagram we can output (IPv6) */
#define BUCKETS_MIN 64u
#define BUCKETS_MAX (1u << 20)

/* The reassembly key. No implicit padding (checked below), so memcmp and hashing of the raw
 * bytes are exact once the struct is zeroed and filled. */
struct dg_key {
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t id;
    uint16_t vlan[SW_MAX_VLANS];
    uint8_t version;
    uint8_t proto;
    uint8_t vlan_count;
    uint8_t pad[3];
};

_Static_assert(sizeof(struct dg_key) == 32 + 4 + 2 * SW_MAX_VLANS + 6,
               "struct dg_key must have no implicit padding");

/* One incomplete datagram. Owned by the table; freed on completion, timeout, conflict or
 * destroy. */
struct dg_tracker {
    struct dg_tracker *hnext;         /* bucket chain */
    struct dg_tracker **hpprev;       /* the pointer pointing at us: O(1) unlink */
    struct dg_tracker *older, *newer; /* creation order */
    struct dg_key key;
    uint64_t hash;
    uint64_t created_us; /* reassembler clock when the first fragment arrived */
    uint8_t *hdr;        /* owned: header of the fragment at offset 0; NULL until it comes */
    uint8_t *buf;        /* owned: data [0, cap), then the coverage map (cap / 64 bytes) */
    uint32_t hdr_len;    /* IPv4: header with options; IPv6: unfragmentable part + frag hdr */
    uint32_t len_extra;  /* bytes the length field counts besides data (minimum until hdr) */
    uint32_t cap;        /* multiple of 64, <= DG_CAP_MAX */
    uint32_t held;       /* distinct data bytes held */
    uint32_t max_end;    /* highest end of the data held */
    uint32_t total;      /* data length, once the last fragment is held */
    bool last_seen;
};

struct sw_defrag {
    struct sw_defrag_cfg cfg;
    struct sw_defrag_stats st;
    struct dg_tracker **bucket; /* owned: the chains (not counted in memuse) */
    uint64_t mask;              /* bucket count - 1 */
    struct sw_hash_key key;     /* SipHash key: random, this instance's own */
    struct dg_tracker *oldest;  /* owned through the table: expiry pops here */
    struct dg_tracker *newest;
    uint32_t ntrackers;
    uint64_t now_us;            /* largest timestamp seen */
    uint8_t *out;               /* owned: OUT_MAX bytes, the last datagram returned */
};

/* One fragment, checked, as the table needs it. Pointers borrow the caller's packet. */
struct frag_in {
    const uint8_t *data;
    const uint8_t *hdr; /* non-NULL for the fragment at offset 0 */
    uint32_t hdr_len;
    uint32_t len_extra;
    uint32_t off, len, end;
    bool more;
};

/* --- memory accounting -------------------------------------------------------------------- */

static uint64_t
buf_size(uint32_t cap)
{
    return (uint64_t)cap + cap / 64;
}

static uint64_t
tracker_charge(const struct dg_tracker *t)
{
    return sizeof(*t) + (uint64_t)t->hdr_len + buf_size(t->cap);
}

static bool
mem_fits(const struct sw_defrag *d, uint64_t delta)
{
    return d->st.memuse <= d->cfg.memcap && delta <= d->cfg.memcap - d->st.memuse;
}

static uint32_t
round64(uint32_t n)
{
    /* n <= DG_CAP_MAX here, so this cannot wrap */
    return (n + 63u) & ~63u;
}

/* --- table -------------------------------------------------------------------------------- */

static void
tracker_free(struct sw_defrag *d, struct dg_tracker *t)
{
    *t->hpprev = t->hnext;
    if (t->hnext != NULL)
        t->hnext->hpprev = t->hpprev;
    if (t->older != NULL)
        t->older->newer = t->newer;
    else
        d->oldest = t->newer;
    if (t->newer != NULL)
        t->newer->older = t->older;
    else
        d->newest = t->older;
    d->st.memuse -= tracker_charge(t);
    d->ntrackers--;
    sw_free(t->hdr);
    sw_free(t->buf);
    sw_free(t);
}

static void
tracker_link(struct sw_defrag *d, struct dg_tracker *t)
{
    struct dg_tracker **head = &d->bucket[t->hash & d->mask];

    t->hnext = *head;
    if (t->hnext != NULL)
        t->hnext->hpprev = &t->hnext;
    t->hpprev = head;
    *head = t;
    t->older = d->newest;
    t->newer = NULL;
    if (d->newest != NULL)
        d->newest->newer = t;
    else
        d->oldest = t;
    d->newest = t;
    d->ntrackers++;
    d->st.memuse += sizeof(*t);
}

static struct dg_tracker *
tracker_find(const struct sw_defrag *d, const struct dg_key *key, uint64_t hash)
{
    struct dg_tracker *t;

    for (t = d->bucket[hash & d->mask]; t != NULL; t = t->hnext) {
        if (t->hash == hash && memcmp(&t->key, key, sizeof(*key)) == 0)
            return t;
    }
    return NULL;
}

static void
key_make(const struct sw_packet *p, struct dg_key *key)
{
    memset(key, 0, sizeof(*key));
    key->version = p->ip_version;
    key->proto = p->l4_proto;
    key->id = p->frag_id;
    /* IPv4 keeps only the first 4 bytes: the rest is zero by contract, but a stray byte
     * must not split one datagram in two. */
    memcpy(key->src, p->src, p->ip_version == 4 ? 4 : 16);
    memcpy(key->dst, p->dst, p->ip_version == 4 ? 4 : 16);
    key->vlan_count = p->vlan_count;
    for (unsigned i = 0; i < p->vlan_count; i++)
        key->vlan[i] = p->vlan[i];
}

/* --- fragment checks ---------------------------------------------------------------------- */

static bool
parse_v4_header(const struct sw_packet *p, struct frag_in *fr)
{
    uint32_t room, hlen;

    if (p->l3_off > p->caplen)
        return false;
    room = p->caplen - p->l3_off;
    if (room < IPV4_HDR_MIN || (p->data[p->l3_off] >> 4) != 4)
        return false;
    hlen = (uint32_t)(p->data[p->l3_off] & 0x0f) * 4;
    if (hlen < IPV4_HDR_MIN || hlen > room || p->frag_data_off < p->l3_off ||
        p->frag_data_off - p->l3_off < hlen)
        return false;
    fr->hdr = p->data + p->l3_off;
    fr->hdr_len = hlen;
    fr->len_extra = hlen;
    return true;
}

static bool
parse_v6_header(const struct sw_packet *p, struct frag_in *fr)
{
    uint32_t unfrag;

    if (p->l3_off > p->frag_hdr_off || p->frag_hdr_off > p->caplen ||
        p->caplen - p->frag_hdr_off < FRAG_HDR_LEN ||
        p->frag_data_off < p->frag_hdr_off + FRAG_HDR_LEN)
        return false;
    unfrag = p->frag_hdr_off - p->l3_off;
    if (unfrag < IPV6_HDR_LEN || (p->data[p->l3_off] >> 4) != 6)
        return false;
    /* the payload length counts the extension headers and the kept fragment header */
    if (unfrag - IPV6_HDR_LEN > DG_LEN_MAX - FRAG_HDR_LEN)
        return false;
    fr->hdr = p->data + p->l3_off;
    fr->hdr_len = unfrag + FRAG_HDR_LEN;
    fr->len_extra = unfrag - IPV6_HDR_LEN + FRAG_HDR_LEN;
    return true;
}

/* Stateless checks of p (version already 4 or 6). Returns false for an invalid fragment. */
static bool
frag_parse(const struct sw_packet *p, struct frag_in *fr)
{
    uint32_t data_end;

    memset(fr, 0, sizeof(*fr));
    if (p->data == NULL || (p->flags & SW_PKT_CUT) != 0 || p->vlan_count > SW_MAX_VLANS)
        return false;
    if (p->frag_data_len == 0 || p->frag_offset % 8 != 0)
        return false;
    if (p->frag_more && p->frag_data_len % 8 != 0)
        return false;
    if (__builtin_add_overflow(p->frag_data_off, p->frag_data_len, &data_end) ||
        data_end > p->caplen)
        return false;
    if (__builtin_add_overflow(p->frag_offset, p->frag_data_len, &fr->end))
        return false;
    fr->data = p->data + p->frag_data_off;
    fr->off = p->frag_offset;
    fr->len = p->frag_data_len;
    fr->more = p->frag_more;
    if (p->ip_version == 4) {
        fr->len_extra = IPV4_HDR_MIN;
        if (fr->off == 0 && !parse_v4_header(p, fr))
            return false;
    } else {
        fr->len_extra = FRAG_HDR_LEN;
        if (fr->off == 0 && !parse_v6_header(p, fr))
            return false;
    }
    return fr->end <= DG_LEN_MAX - fr->len_extra;
}

/* Checks fr against what t holds. SW_OK: go on. SW_EINVAL: fr is dropped; when t cannot
 * become a valid datagram any more, t is freed as well (*tp set to NULL). */
static enum sw_rc
tracker_check(struct sw_defrag *d, struct dg_tracker **tp, const struct frag_in *fr)
{
    struct dg_tracker *t = *tp;

    if (fr->hdr != NULL && t->hdr == NULL) {
        /* this header will be adopted: the data already held must fit under it */
        if (t->max_end > DG_LEN_MAX - fr->len_extra)
            goto inconsistent;
    } else if (fr->end > DG_LEN_MAX - t->len_extra) {
        return SW_EINVAL;
    }
    if (!fr->more) {
        if ((t->last_seen && t->total != fr->end) || t->max_end > fr->end)
            goto inconsistent;
    } else if (t->last_seen && fr->end > t->total) {
        goto inconsistent;
    }
    return SW_OK;
inconsistent:
    tracker_free(d, t);
    *tp = NULL;
    return SW_EINVAL;
}

/* --- storing ------------------------------------------------------------------------------ */

/* Make room for fr: create the tracker (*tp NULL), take the header, grow the buffer. All or
 * nothing: on failure nothing changed. SW_ELIMIT: memcap or max_trackers. SW_ENOMEM. */
static enum sw_rc
tracker_reserve(struct sw_defrag *d, struct dg_tracker **tp, const struct dg_key *key,
                uint64_t hash, const struct frag_in *fr)
{
    struct dg_tracker *t = *tp;
    struct dg_tracker *fresh = NULL;
    uint8_t *hdr = NULL, *buf = NULL;
    uint32_t cap = t != NULL ? t->cap : 0;
    uint32_t want = round64(fr->end);
    uint32_t new_cap = cap;
    uint64_t base = 0, grow;

    if (t == NULL) {
        if (d->ntrackers >= d->cfg.max_trackers)
            return SW_ELIMIT;
        base += sizeof(*t);
    }
    if (fr->hdr != NULL && (t == NULL || t->hdr == NULL))
        base += fr->hdr_len;
    if (want > cap) {
        /* Exact when the end is known; else grow by half again, so in-order arrival copies
         * each byte O(1) times. Fall back to the exact need when memcap is tight. */
        new_cap = want;
        if (t != NULL && t->last_seen) {
            new_cap = round64(t->total);
        } else if (fr->more) {
            grow = (uint64_t)cap + cap / 2;
            if (grow > DG_CAP_MAX)
                grow = DG_CAP_MAX;
            if (grow > want)
                new_cap = round64((uint32_t)grow);
        }
        if (!mem_fits(d, base + buf_size(new_cap) - buf_size(cap)))
            new_cap = want;
    }
    if (!mem_fits(d, base + buf_size(new_cap) - buf_size(cap)))
        return SW_ELIMIT;

    if (t == NULL) {
        fresh = sw_calloc(1, sizeof(*fresh));
        if (fresh == NULL)
            goto nomem;
    }
    if (fr->hdr != NULL && (t == NULL || t->hdr == NULL)) {
        hdr = sw_malloc(fr->hdr_len);
        if (hdr == NULL)
            goto nomem;
    }
    if (new_cap > cap) {
        buf = sw_malloc((size_t)buf_size(new_cap));
        if (buf == NULL)
            goto nomem;
    }

    /* commit: nothing below can fail */
    if (fresh != NULL) {
        memcpy(&fresh->key, key, sizeof(*key));
        fresh->hash = hash;
        fresh->created_us = d->now_us;
        fresh->len_extra = fr->len_extra; /* the minimum, until the header comes */
        tracker_link(d, fresh);
        t = fresh;
        *tp = t;
    }
    if (hdr != NULL) {
        memcpy(hdr, fr->hdr, fr->hdr_len);
        t->hdr = hdr;
        t->hdr_len = fr->hdr_len;
        t->len_extra = fr->len_extra;
        d->st.memuse += fr->hdr_len;
    }
    if (buf != NULL) {
        if (t->buf != NULL) {
            memcpy(buf, t->buf, cap);
            memcpy(buf + new_cap, t->buf + cap, cap / 64);
        }
        memset(buf + new_cap + cap / 64, 0, (new_cap - cap) / 64);
        sw_free(t->buf);
        t->buf = buf;
        t->cap = new_cap;
        d->st.memuse += buf_size(new_cap) - buf_size(cap);
    }
    return SW_OK;
nomem:
    sw_free(buf);
    sw_free(hdr);
    sw_free(fresh);
    return SW_ENOMEM;
}

static bool
map_get(const uint8_t *map, uint32_t block)
{
    return ((map[block >> 3] >> (block & 7)) & 1) != 0;
}

static void
map_set(uint8_t *map, uint32_t block)
{
    map[block >> 3] = (uint8_t)(map[block >> 3] | (1u << (block & 7)));
}

/* Copy fr's bytes into the blocks t does not hold yet (first data wins); compare the others.
 * Space was reserved by tracker_reserve(). */
static void
tracker_put(struct sw_defrag *d, struct dg_tracker *t, const struct frag_in *fr)
{
    uint8_t *map = t->buf + t->cap;
    uint32_t b = fr->off / 8, bend = fr->end / 8 + (fr->end % 8 != 0);
    bool overlap = false, conflict = false;

    while (b < bend) {
        bool held = map_get(map, b);
        uint32_t r = b + 1, lo, hi;

        while (r < bend && map_get(map, r) == held)
            r++;
        lo = b * 8;
        hi = r * 8 < fr->end ? r * 8 : fr->end;
        if (held) {
            overlap = true;
            if (memcmp(t->buf + lo, fr->data + (lo - fr->off), hi - lo) != 0)
                conflict = true;
        } else {
            memcpy(t->buf + lo, fr->data + (lo - fr->off), hi - lo);
            for (uint32_t i = b; i < r; i++)
                map_set(map, i);
            t->held += hi - lo;
        }
        b = r;
    }
    if (overlap)
        d->st.overlaps++;
    if (conflict)
        d->st.overlap_conflicts++;
    if (fr->end > t->max_end)
        t->max_end = fr->end;
    if (!fr->more) {
        t->last_seen = true;
        t->total = fr->end;
    }
}

/* --- output ------------------------------------------------------------------------------- */

static void
put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint32_t
ipv4_checksum(const uint8_t *h, uint32_t len)
{
    uint32_t sum = 0;

    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)h[i] << 8 | h[i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return ~sum & 0xffff;
}

/* Build the datagram of the complete t into d->out. Returns its length. */
static uint32_t
build_output(struct sw_defrag *d, const struct dg_tracker *t)
{
    uint8_t *o = d->out;
    uint32_t len = t->hdr_len + t->total; /* <= OUT_MAX: checked against len_extra */

    memcpy(o, t->hdr, t->hdr_len);
    memcpy(o + t->hdr_len, t->buf, t->total);
    if (t->key.version == 4) {
        put_be16(o + 2, len);
        /* keep the reserved bit and DF, set MF (nDPI's fragmented-DNS signal), offset 0 */
        o[6] = (uint8_t)((o[6] & 0xc0) | 0x20);
        o[7] = 0;
        o[10] = 0;
        o[11] = 0;
        put_be16(o + 10, ipv4_checksum(o, t->hdr_len));
    } else {
        uint8_t *fh = o + t->hdr_len - FRAG_HDR_LEN;

        put_be16(o + 4, len - IPV6_HDR_LEN);
        fh[1] = 0; /* reserved */
        fh[2] = 0; /* offset 0, reserved bits and M clear */
        fh[3] = 0;
    }
    return len;
}

/* --- public ------------------------------------------------------------------------------- */

void
sw_defrag_cfg_defaults(struct sw_defrag_cfg *cfg)
{
    cfg->memcap = 32u << 20;
    cfg->timeout_us = 30ull * 1000000;
    cfg->max_trackers = 65536;
}

struct sw_defrag *
sw_defrag_create(const struct sw_defrag_cfg *cfg, struct sw_err *err)
{
    struct sw_defrag *d;
    uint64_t target, n = BUCKETS_MIN;

    if (cfg == NULL) {
        sw_err_set(err, SW_EINVAL, "defrag: no configuration");
        return NULL;
    }
    d = sw_calloc(1, sizeof(*d));
    if (d == NULL) {
        sw_err_set(err, SW_ENOMEM, "defrag: out of memory");
        return NULL;
    }
    d->cfg = *cfg;
    /* about one chain per tracker that can exist at once, bounded both ways */
    target = cfg->memcap / sizeof(struct dg_tracker);
    if (target > cfg->max_trackers)
        target = cfg->max_trackers;
    while (n < target && n < BUCKETS_MAX)
        n <<= 1;
    d->mask = n - 1;
    d->bucket = sw_calloc((size_t)n, sizeof(*d->bucket));
    d->out = sw_malloc(OUT_MAX);
    if (d->bucket == NULL || d->out == NULL) {
        sw_err_set(err, SW_ENOMEM, "defrag: out of memory for %llu hash buckets",
                   (unsigned long long)n);
        sw_defrag_destroy(d);
        return NULL;
    }
    if (sw_hash_key_random(&d->key, err) != SW_OK) {
        sw_defrag_destroy(d);
        return NULL;
    }
    return d;
}

void
sw_defrag_destroy(struct sw_defrag *d)
{
    if (d == NULL)
        return;
    while (d->oldest != NULL)
        tracker_free(d, d->oldest);
    sw_free(d->bucket);
    sw_free(d->out);
    sw_free(d);
}

void
sw_defrag_expire(struct sw_defrag *d, uint64_t now_us)
{
    if (d == NULL)
        return;
    if (now_us > d->now_us)
        d->now_us = now_us;
    /* creation order == clock order (the clock never goes back): stop at the first live */
    while (d->oldest != NULL && d->now_us - d->oldest->created_us > d->cfg.timeout_us) {
        tracker_free(d, d->oldest);
        d->st.timeouts++;
    }
}

enum sw_rc
sw_defrag_add(struct sw_defrag *d, const struct sw_packet *p, const uint8_t **dgram,
              uint32_t *dgram_len)
{
    struct frag_in fr;
    struct dg_key key;
    struct dg_tracker *t;
    uint64_t hash;
    enum sw_rc rc;

    if (dgram != NULL)
        *dgram = NULL;
    if (dgram_len != NULL)
        *dgram_len = 0;
    if (d == NULL || p == NULL || dgram == NULL || dgram_len == NULL)
        return SW_EINVAL;
    if (p->ip_version == 4) {
        d->st.ipv4_fragments++;
    } else if (p->ip_version == 6) {
        d->st.ipv6_fragments++;
    } else {
        d->st.invalid++;
        return SW_EINVAL;
    }
    sw_defrag_expire(d, p->ts_us);
    if (!frag_parse(p, &fr)) {
        d->st.invalid++;
        return SW_EINVAL;
    }
    key_make(p, &key);
    hash = sw_hash_bytes(&d->key, &key, sizeof(key));
    t = tracker_find(d, &key, hash);
    if (t != NULL) {
        rc = tracker_check(d, &t, &fr);
        if (rc != SW_OK) {
            d->st.invalid++;
            return rc;
        }
    }
    rc = tracker_reserve(d, &t, &key, hash, &fr);
    if (rc != SW_OK) {
        d->st.memcap_drops++;
        return rc;
    }
    tracker_put(d, t, &fr);
    /* every block of [0, total) held implies block 0, hence the header, is held */
    if (!t->last_seen || t->held != t->total || t->hdr == NULL)
        return SW_EAGAIN;
    *dgram_len = build_output(d, t);
    *dgram = d->out;
    if (t->key.version == 4)
        d->st.ipv4_reassembled++;
    else
        d->st.ipv6_reassembled++;
    tracker_free(d, t);
    return SW_OK;
}

const struct sw_defrag_stats *
sw_defrag_stats(const struct sw_defrag *d)
{
    return &d->st;
}
