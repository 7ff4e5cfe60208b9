/* net_worker_int.h - what the network worker's files share (collectors/net/net_worker.c: the
 * packet path, flows, the detection stage's hooks; net_app.c: the application-layer parsers
 * behind the stream and their transactions). Worker thread only, like the worker itself. */
#ifndef SW_NET_WORKER_INT_H
#define SW_NET_WORKER_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/app_dns.h"
#include "sw/app_http.h"
#include "sw/app_tls.h"
#include "sw/detect.h"
#include "sw/flow.h"
#include "sw/net_worker.h"
#include "sw/stream.h"
#include "sw/subject.h"

/* Application events that need the TCP stream parsed (HTTP, TLS, DNS over TCP). */
#define NET_APP_HTTP_EVENTS                                                 \
    ((1u << SW_APP_EV_HTTP_REQUEST) | (1u << SW_APP_EV_HTTP_REQUEST_BODY) | \
     (1u << SW_APP_EV_HTTP_RESPONSE) | (1u << SW_APP_EV_HTTP_RESPONSE_BODY))
#define NET_APP_HTTP_BODY_EVENTS \
    ((1u << SW_APP_EV_HTTP_REQUEST_BODY) | (1u << SW_APP_EV_HTTP_RESPONSE_BODY))
#define NET_APP_DNS_EVENTS ((1u << SW_APP_EV_DNS_QUERY) | (1u << SW_APP_EV_DNS_ANSWER))
#define NET_APP_TLS_EVENTS                                                     \
    ((1u << SW_APP_EV_TLS_CLIENT_HELLO) | (1u << SW_APP_EV_TLS_SERVER_HELLO) | \
     (1u << SW_APP_EV_TLS_CERTIFICATE))

struct sw_net_worker {
    const struct sw_config *cfg;  /* borrowed: keys a reload does not change */
    const struct sw_config *rcfg; /* borrowed: the installed set's (reloadable keys: eve.*) */
    unsigned n_workers;           /* this worker's share of the stream memcap */
    struct sw_emitter *em;        /* borrowed */
    struct sw_detect_thread *dt;  /* owned: the detection stage for the installed set */
    unsigned hooks;               /* SW_HOOK_BIT()s the installed set inspects */
    unsigned app_events;          /* its application events (1u << enum sw_app_event) */
    struct sw_flow_table *flows;  /* owned */
    struct sw_ndpi *ndpi;         /* owned */
    /* TCP reassembly: with stream hooks, TCP application events or network.http.bodies. */
    struct sw_stream_ctx *streams; /* owned; NULL without any */
    bool http_bodies;              /* network.http.bodies */
    struct sw_dns_cfg dns_cfg;     /* network.app.dns.* */
    struct sw_tls_cfg tls_cfg;     /* network.app.tls.* */
    /* network.app.tls.encryption_handling is track-only and the set has Suricata rules (a
     * stream-chunk hook or TLS transactions): TLS parsers track records up to the first
     * application data, after which the flow's payload is not inspected (net_app.c). */
    bool tls_track;
    struct sw_dns_parser *dns;     /* owned: made on the first DNS message */
    struct sw_http_stats http_st;  /* counters of this thread's HTTP parsers */
    struct sw_dns_stats dns_st;
    struct sw_tls_stats tls_st;
    struct sw_worker_stats st;
    /* The packet being handled (NULL at flow end and on timeouts) and its time: hooks raised
     * from inside the stream module (stream chunks, transactions) belong to it. */
    const struct sw_packet *cur_pkt;
    uint64_t cur_us;
    /* stream and applayer anomaly events: at most eve.anomaly_rate per second of capture
     * time, shared by both kinds (sw_net_anomaly_allowed) */
    uint64_t anomaly_sec;
    uint32_t anomaly_in_sec;
};

/* A flow's application-layer state (struct sw_flow's app), owned by the worker: made when
 * a parser or the stream-chunk hook needs it, freed at flow end (sw_net_app_end). For TCP it
 * is also the stream's consumer (sw_stream_attach). */
#define NET_DNS_WAIT 8 /* DNS queries remembered per flow for pairing answers */
struct net_app {
    struct sw_net_worker *w;
    struct sw_flow *f;       /* the flow: lives as long as this */
    bool swapped;            /* TCP: the flow's originator is the protocol's server */
    bool gap[2];             /* a hole fell into the stream of this protocol direction */
    bool chunks;             /* TCP: stream-chunk hooks from the attach on */
    bool tls_first;          /* TCP: the TLS parser sees each chunk before the hook */
    bool no_payload;         /* TLS application data seen (worker's tls_track): no stream
                              * chunks to the hook, packets flagged SW_SUBJ_NO_PAYLOAD */
    uint64_t sent[2];        /* TCP: bytes handed on per stream direction (chunk offsets) */
    struct sw_http *h;       /* owned, or NULL */
    struct sw_tls *tls;      /* owned, or NULL */
    struct sw_dns_tcp *dnst; /* owned, or NULL: DNS over TCP framing */
    bool dns;                /* DNS messages are parsed (UDP: decided on the first one) */
    uint64_t dns_next_tx;    /* DNS transactions so far */
    struct {
        uint16_t id;
        uint64_t tx;
    } dns_wait[NET_DNS_WAIT]; /* queries waiting for their answer, oldest first */
    unsigned n_wait;
};

/* The buffers of one transaction event, set before the hook: sw_net_view_get hands them out
 * (the subject's getter, ctx the view). */
struct net_view {
    const struct sw_span *sp[2][SW_BUF_MAX];
    unsigned n[2][SW_BUF_MAX];
    struct sw_span one[2][SW_BUF_MAX]; /* storage of single-span buffers */
};
const struct sw_span *sw_net_view_get(void *ctx, enum sw_side side, enum sw_buf b, unsigned *n);
/* Buffer b of side: len bytes at p (borrowed until the hook returns). */
void sw_net_view_set(struct net_view *v, enum sw_side side, enum sw_buf b, const void *p,
                     size_t len);

/* The application-layer hook for event ev of transaction tx on a's flow, sent in direction
 * dir: the subject (time and packet: the worker's current ones) with its app-layer object
 * and file part (may be NULL), reading ("" or NULL: the primary one) and buffer getter. */
void sw_net_app_hook(struct net_app *a, enum sw_app_event ev, uint64_t tx, enum sw_dir dir,
                     const struct sw_app_obj *obj, const struct sw_file_part *file,
                     const char *reading,
                     const struct sw_span *(*get)(void *, enum sw_side, enum sw_buf, unsigned *),
                     void *ctx);
/* The direction, relative to the flow's originator, of a protocol direction (0 client to
 * server, 1 back). */
enum sw_dir sw_net_proto_dir(const struct net_app *a, int pdir);

/* Both directions' first bytes of stream s; pkt, if not NULL, stands for an empty
 * direction: the bytes of the packet about to be added. */
void sw_net_first_bytes(const struct sw_stream *s, const struct sw_stream_info *pkt,
                        bool pkt_to_server, struct sw_stream_info *ts, struct sw_stream_info *tc);

/* HTTP (net_app_http.c). Is flow f HTTP: nDPI says so once it decided, else the first
 * bytes of either direction (pkt as in sw_net_app_decide)? */
bool sw_net_http_is(const struct sw_flow *f, const struct sw_stream_info *pkt, bool pkt_to_server);
/* Start a's HTTP parser (a->h), deciding which side is the client. */
enum sw_rc sw_net_http_start(struct net_app *a);

/* Fill s for hook on flow f: its identity, counts, nDPI view, state and flags; dir, time
 * and packet (may be NULL) as given; everything else zero. */
void sw_net_subject_init(const struct sw_net_worker *w, const struct sw_flow *f,
                         struct sw_subject *s, enum sw_hook hook, enum sw_dir dir, uint64_t ts_us,
                         const struct sw_packet *p);
/* Run the detection stage on s (of flow f): the flow is marked alerted when it raised one. */
void sw_net_detect(struct sw_net_worker *w, struct sw_flow *f, struct sw_subject *s);
/* Count one anomaly and say whether it may become an event (eve.anomaly_rate). */
bool sw_net_anomaly_allowed(struct sw_net_worker *w, uint64_t ts_us);

/* The stream consumer of every TCP flow the worker attaches one to. */
extern const struct sw_stream_app sw_net_tcp_app;
/* Decide, once, what consumes flow f's stream (see net_app.c). pkt, when not NULL, stands
 * for an empty direction pkt_to_server: the bytes of the packet about to be added. */
void sw_net_app_decide(struct sw_net_worker *w, struct sw_flow *f, const struct sw_stream_info *pkt,
                       bool pkt_to_server);
/* The consumer of f's stream is still undecided, but its first bytes may already say which
 * parser the set wants (a TLS record, DNS's port): decide now if so. */
void sw_net_app_decide_early(struct sw_net_worker *w, struct sw_flow *f);
/* A UDP packet of flow f (after nDPI): DNS messages when some detector wants them. */
void sw_net_app_udp(struct sw_net_worker *w, struct sw_flow *f, const struct sw_packet *p,
                    bool to_server);
/* Flow end: deliver what the parsers hold (after sw_stream_finish of both directions), then
 * free the flow's application state. */
void sw_net_app_end(struct sw_net_worker *w, struct sw_flow *f);
/* Parsers' counters into out. */
void sw_net_app_stats(const struct sw_net_worker *w, struct sw_worker_stats *out);

#endif
