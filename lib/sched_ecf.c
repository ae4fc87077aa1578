/*
 * ECF (Earliest Completion First): Lim, Nahum, Towsley, Gibbens, "ECF: An
 * MPTCP Path Scheduler to Manage Heterogeneous Paths", CoNEXT 2017, §3,
 * Algorithm 1.
 *
 * minRTT, except when the fastest subflow x_f is full and the default
 * scheduler would pick a slower x_s. With k bytes waiting to be sent,
 * sending them all on x_f alone takes about n = 1 + k/CWND_f of its
 * RTTs. ECF waits for x_f when that beats the slow path,
 *
 *   n * RTT_f < (1 + waiting * beta) * (RTT_s + delta),
 *
 * unless x_s would finish its share before x_f becomes available and
 * delivers (two fast RTTs):
 *
 *   k/CWND_s * RTT_s >= 2 * RTT_f + delta   ->  wait for x_f,
 *
 * otherwise it sends on x_s. delta = max(sigma_f, sigma_s), the RTTs'
 * standard deviations (RFC 6298 RTTVAR stands in for them), absorbs RTT
 * noise; waiting (1 while ECF holds off) with beta = 1/4 is the paper's
 * hysteresis against flapping between the two decisions. The paper counts
 * k and CWND in packets; bytes give the same ratios.
 *
 * Integer form, multiplying both sides by 4 * CWND_f (and CWND_s):
 *   4 * (CWND_f + k) * RTT_f < (4 + waiting) * (RTT_s + delta) * CWND_f
 *   k * RTT_s >= (2 * RTT_f + delta) * CWND_s
 * with RTTs capped at 2^26 us (67 s) and bytes at 2^30, so every product
 * stays below 2^62. A pick on x_s is one segment, so the decision is taken
 * again as k shrinks.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sched.h"

#define RTT_CAP (UINT64_C(1) << 26)
#define BYTES_CAP (UINT64_C(1) << 30)
#define BETA_DEN 4u /* beta = 1 / BETA_DEN */

typedef struct ecf {
  uint8_t waiting;
} ecf;

_Static_assert(sizeof(ecf) <= MPTCP_SCHED_STATE_MAX, "ecf state too big");

static void ecf_init(void *st, mptcp_tstamp now) {
  ecf *e = st;
  (void)now;
  e->waiting = 0;
}

static uint64_t cap(uint64_t x, uint64_t max) { return x < max ? x : max; }

/* Algorithm 1, lines 6-15: 1 = wait for x_f, 0 = send on x_s. */
static int ecf_wait_for_fast(ecf *e, uint32_t pending, const mptcp_sched_sf *f,
                             const mptcp_sched_sf *s) {
  uint64_t k = cap(pending, BYTES_CAP);
  uint64_t cwnd_f = cap(f->cwnd ? f->cwnd : 1, BYTES_CAP);
  uint64_t cwnd_s = cap(s->cwnd ? s->cwnd : 1, BYTES_CAP);
  uint64_t rtt_f = cap(f->srtt_us, RTT_CAP);
  uint64_t rtt_s = cap(s->srtt_us, RTT_CAP);
  uint64_t delta =
      cap(f->rttvar_us > s->rttvar_us ? f->rttvar_us : s->rttvar_us, RTT_CAP);
  /* ECF Algorithm 1: n * RTT_f < (1 + waiting * beta) * (RTT_s + delta),
   * n = 1 + k/CWND_f, times 4 * CWND_f. */
  if (BETA_DEN * (cwnd_f + k) * rtt_f <
      (BETA_DEN + e->waiting) * (rtt_s + delta) * cwnd_f) {
    /* ... and k/CWND_s * RTT_s >= 2 * RTT_f + delta, times CWND_s. */
    if (k * rtt_s >= (2 * rtt_f + delta) * cwnd_s) {
      e->waiting = 1;
      return 1;
    }
    return 0;
  }
  e->waiting = 0;
  return 0;
}

static int ecf_get_send(void *st, const mptcp_sched_view *v,
                        mptcp_sched_pick *out) {
  ecf *e = st;
  uint32_t usable;
  uint32_t want = mptcp_sched_begin(v, out, &usable);
  if (!want) return 0;
  int f = mptcp_sched_fastest(v, usable);
  if (mptcp_sched_has_room(&v->sf[f], want))
    return mptcp_sched_pick_one(out, v, f, want, UINT32_MAX);
  /* x_s: what the default (minRTT) scheduler picks; x_f is full, hence
   * not among the candidates. */
  int s = mptcp_sched_fastest(v, mptcp_sched_with_room(v, usable, want));
  if (s < 0) return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_CWND);
  if (ecf_wait_for_fast(e, v->pending, &v->sf[f], &v->sf[s]))
    return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_POLICY);
  return mptcp_sched_pick_one(out, v, s, want, mptcp_sched_seg(&v->sf[s]));
}

MPTCP_API const mptcp_sched_ops mptcp_sched_ecf = {
    "ecf", sizeof(ecf), ecf_init, ecf_get_send, mptcp_sched_reinject_one,
};
