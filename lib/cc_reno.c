/* NewReno congestion control (RFC 5681, RFC 6582, RFC 3465 byte counting
 * with L = 2 SMSS). The steps live in cc.h so that the coupled algorithms
 * run the very same slow start and loss reaction. SPDX-License-Identifier:
 * MIT */
#include "cc.h"

_Static_assert(sizeof(mptcp_cc_nr) <= MPTCP_CC_STATE_MAX, "reno state too big");

static void reno_init(void *st, uint32_t mss, mptcp_tstamp now) {
  (void)now;
  mptcp_cc_nr_init(st, mss);
}

static void reno_on_ack(void *st, const mptcp_cc_ack *a,
                        const mptcp_cc_group *g, mptcp_tstamp now) {
  (void)g, (void)now;
  mptcp_cc_nr_ack(st, a);
}

static void reno_on_loss(void *st, const mptcp_cc_loss *l,
                         const mptcp_cc_group *g, mptcp_tstamp now) {
  (void)g, (void)now;
  /* RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS). */
  mptcp_cc_nr_loss(st, l, mptcp_cc_nr_half(l->inflight, l->mss, 2));
}

static void reno_on_recovery_end(void *st, mptcp_tstamp now) {
  (void)now;
  mptcp_cc_nr_recovery_end(st);
}

static uint32_t reno_cwnd(const void *st) { return mptcp_cc_nr_cwnd(st); }
static uint32_t reno_ssthresh(const void *st) {
  return ((const mptcp_cc_nr *)st)->ssthresh;
}

MPTCP_API const mptcp_cc_ops mptcp_cc_reno = {
    "reno",      sizeof(mptcp_cc_nr), reno_init,
    reno_on_ack, reno_on_loss,        reno_on_recovery_end,
    reno_cwnd,   reno_ssthresh,       NULL,
};
