/* NewReno congestion control (RFC 5681, RFC 6582, RFC 3465 byte counting
 * with L = 2 SMSS). SPDX-License-Identifier: MIT */
#include <mptcp/ops.h>

typedef struct reno {
  uint32_t cwnd, ssthresh;
  uint32_t acc; /* bytes acknowledged toward the next +MSS in CA */
} reno;

_Static_assert(sizeof(reno) <= MPTCP_CC_STATE_MAX, "reno state too big");

/* RFC 5681 §3.1 / RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)). */
static uint32_t initial_window(uint32_t mss) {
  uint32_t iw = 14600 > 2 * mss ? 14600 : 2 * mss;
  return iw < 10 * mss ? iw : 10 * mss;
}

static void reno_init(void *st, uint32_t mss, mptcp_tstamp now) {
  reno *r = st;
  (void)now;
  r->cwnd = initial_window(mss);
  r->ssthresh = UINT32_MAX;
  r->acc = 0;
}

static void reno_on_ack(void *st, const mptcp_cc_ack *a,
                        const mptcp_cc_group *g, mptcp_tstamp now) {
  reno *r = st;
  (void)g, (void)now;
  /* Only grow when the window was actually used (RFC 7661 spirit). */
  if (!a->cwnd_limited) return;
  if (r->cwnd < r->ssthresh) {
    uint32_t inc = a->acked < 2 * a->mss ? a->acked : 2 * a->mss;
    r->cwnd = r->cwnd > UINT32_MAX - inc ? UINT32_MAX : r->cwnd + inc;
    return;
  }
  r->acc += a->acked;
  if (r->acc >= r->cwnd) {
    r->acc -= r->cwnd;
    r->cwnd += a->mss;
  }
}

static void reno_on_loss(void *st, const mptcp_cc_loss *l,
                         const mptcp_cc_group *g, mptcp_tstamp now) {
  reno *r = st;
  (void)g, (void)now;
  /* RFC 5681 eq. (4): ssthresh = max(FlightSize / 2, 2*SMSS). */
  uint32_t half = l->inflight / 2;
  r->ssthresh = half > 2 * l->mss ? half : 2 * l->mss;
  r->cwnd = l->timeout ? l->mss : r->ssthresh;
  r->acc = 0;
}

static void reno_on_recovery_end(void *st, mptcp_tstamp now) {
  reno *r = st;
  (void)now;
  if (r->cwnd > r->ssthresh) r->cwnd = r->ssthresh;
}

static uint32_t reno_cwnd(const void *st) { return ((const reno *)st)->cwnd; }
static uint32_t reno_ssthresh(const void *st) {
  return ((const reno *)st)->ssthresh;
}

MPTCP_API const mptcp_cc_ops mptcp_cc_reno = {
    "reno",       sizeof(reno),         reno_init, reno_on_ack,
    reno_on_loss, reno_on_recovery_end, reno_cwnd, reno_ssthresh,
};
