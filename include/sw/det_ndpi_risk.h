/* det_ndpi_risk.h - the nDPI risk detector: one alert per risk the first time it appears on
 * a flow, unless an exception (ndpi.risk_exceptions: risk code, CIDR, host name) covers it.
 * Signature ids are SW_NDPI_RISK_SID_BASE + risk id (gid 1, rev 1). Immutable after create:
 * any number of workers share one. */
#ifndef SW_DET_NDPI_RISK_H
#define SW_DET_NDPI_RISK_H

#include <stdbool.h>
#include <stdint.h>

#include "sw/config.h"
#include "sw/err.h"
#include "sw/event.h"
#include "sw/flow.h"

struct sw_det_ndpi_risk;

/* Build from cfg->ndpi.risk_exceptions; an unknown risk code is an error naming it.
 * Caller owns the result. */
struct sw_det_ndpi_risk *sw_det_ndpi_risk_create(const struct sw_config *cfg, struct sw_err *err);
void sw_det_ndpi_risk_destroy(struct sw_det_ndpi_risk *d);

/* Raise alerts for the risk bits in `risks` on flow f (marks them in f->risks_alerted).
 * info is the flow's nDPI view at this point. Counts alerts and suppressed alerts into st.
 * Worker thread. */
void sw_det_ndpi_risk_inspect(const struct sw_det_ndpi_risk *d, struct sw_flow *f,
                              const struct sw_ndpi_info *info, uint64_t risks, uint64_t ts_us,
                              bool to_client, struct sw_emitter *em, struct sw_worker_stats *st);

#endif
