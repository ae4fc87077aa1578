/*
 * BLEST: Ferlin, Alay, Mehani, Boreli, "BLEST: Blocking Estimation-based
 * MPTCP Scheduler for Heterogeneous Networks", IFIP Networking 2016, §III.
 *
 * minRTT, except when the fastest subflow x_f is full and the next one,
 * x_s, has room. A segment sent on x_s holds connection-window space for
 * about rtt_s; meanwhile x_f, in congestion avoidance (+1 MSS per RTT),
 * can send
 *
 *   X = MSS_f * (CWND_f + (rtt_s/rtt_f - 1) / 2) * rtt_s/rtt_f
 *
 * (CWND_f in segments; here cwnd_f is in bytes, so MSS_f * CWND_f is
 * cwnd_f). If X does not fit beside x_s's data in the send window,
 *
 *   X * lambda > |MPTCP_SW| - MSS_s * (inflight_s + 1),
 *
 * sending on x_s would block x_f (head-of-line blocking at the sender), so
 * BLEST waits for x_f instead. lambda corrects the estimate: it grows
 * when the sender did get blocked on the window and shrinks when it did
 * not.
 *
 * Integer arithmetic: the RTT ratio in Q10, lambda in thousandths. Our
 * choices, not the paper's: lambda starts at 1.0, moves by +0.05 after a
 * period in which the window blocked the fast subflow and by -0.01 after
 * one in which it did not (react fast, relax slowly), within [0.5, 2.0];
 * a period lasts one srtt of the slowest usable subflow. inflight_s counts
 * the bytes already mapped to x_s but not sent, too. A pick on x_s is one
 * segment, so the decision is taken again for each segment as in the
 * paper.
 *
 * SPDX-License-Identifier: MIT
 */
#include "sched.h"

#define LAMBDA_ONE 1000u
#define LAMBDA_MIN 500u
#define LAMBDA_MAX 2000u
#define LAMBDA_UP 50u
#define LAMBDA_DOWN 10u
#define RATIO_ONE 1024u
#define RATIO_MAX (256u * RATIO_ONE) /* rtt_s/rtt_f beyond 256 saturates */
#define MSS_MAX 65535u

typedef struct blest {
  mptcp_tstamp period_start;
  uint32_t lambda; /* thousandths */
  uint8_t blocked; /* the window blocked x_f during this period */
} blest;

_Static_assert(sizeof(blest) <= MPTCP_SCHED_STATE_MAX, "blest state too big");

static void blest_init(void *st, mptcp_tstamp now) {
  blest *b = st;
  b->period_start = now;
  b->lambda = LAMBDA_ONE;
  b->blocked = 0;
}

static uint32_t cwnd_room(const mptcp_sched_sf *sf) {
  uint64_t used = (uint64_t)sf->inflight + sf->queued;
  return used >= sf->cwnd ? 0 : (uint32_t)(sf->cwnd - used);
}

/* Ends a period: one step of lambda per srtt of the slowest usable
 * subflow. */
static void adapt(blest *b, const mptcp_sched_view *v, uint32_t usable) {
  uint32_t period = v->sf[mptcp_sched_slowest(v, usable)].srtt_us;
  if (period == 0 || v->now < b->period_start ||
      v->now - b->period_start < period)
    return;
  if (b->blocked)
    b->lambda =
        b->lambda + LAMBDA_UP > LAMBDA_MAX ? LAMBDA_MAX : b->lambda + LAMBDA_UP;
  else
    b->lambda = b->lambda < LAMBDA_MIN + LAMBDA_DOWN ? LAMBDA_MIN
                                                     : b->lambda - LAMBDA_DOWN;
  b->blocked = 0;
  b->period_start = v->now;
}

/* The fastest subflow's congestion window has room for a segment (or for
 * everything pending) but the connection-level window has not. */
static int window_blocks(const mptcp_sched_view *v, const mptcp_sched_sf *f) {
  uint32_t seg = mptcp_sched_seg(f);
  uint32_t need = v->pending < seg ? v->pending : seg;
  return need > 0 && v->wnd_room < need && cwnd_room(f) >= need;
}

/* X * lambda in bytes. BLEST §III: during one rtt_s, x_f sends
 * X = MSS_f * (CWND_f + (rtt_s/rtt_f - 1)/2) * rtt_s/rtt_f (CWND_f
 * segments growing by one per rtt_f). */
static uint64_t fast_bytes(const blest *b, const mptcp_sched_sf *f,
                           const mptcp_sched_sf *s) {
  uint64_t rtt_f = f->srtt_us ? f->srtt_us : 1;
  uint64_t rtt_s = s->srtt_us > rtt_f ? s->srtt_us : rtt_f;
  uint64_t r = rtt_s * RATIO_ONE / rtt_f; /* >= RATIO_ONE */
  if (r > RATIO_MAX) r = RATIO_MAX;
  uint64_t mss_f = f->mss < MSS_MAX ? f->mss : MSS_MAX;
  /* X = (cwnd_f + mss_f * (r - 1) / 2) * r, with r in Q10:
   * (cwnd_f * r + mss_f * (r - 1) * r / 2) / 1024. At most 2^50 + 2^52. */
  uint64_t x =
      ((uint64_t)f->cwnd * r + mss_f * (r - RATIO_ONE) * r / (2 * RATIO_ONE)) /
      RATIO_ONE;
  return x * b->lambda / LAMBDA_ONE;
}

static int blest_get_send(void *st, const mptcp_sched_view *v,
                          mptcp_sched_pick *out) {
  blest *b = st;
  uint32_t usable = mptcp_sched_usable(v, 0);
  if (usable) {
    adapt(b, v, usable);
    if (window_blocks(v, &v->sf[mptcp_sched_fastest(v, usable)]))
      b->blocked = 1;
  }
  uint32_t want = mptcp_sched_begin(v, out, &usable);
  if (!want) return 0;
  int f = mptcp_sched_fastest(v, usable);
  if (mptcp_sched_has_room(&v->sf[f], want))
    return mptcp_sched_pick_one(out, v, f, want, UINT32_MAX);
  /* x_f is full, hence not among those with room. */
  int s = mptcp_sched_fastest(v, mptcp_sched_with_room(v, usable, want));
  if (s < 0) return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_CWND);
  const mptcp_sched_sf *sf = &v->sf[s];
  /* BLEST §III: skip x_s when X * lambda > |MPTCP_SW| - MSS_s *
   * (inflight_s + 1), the window space x_f keeps. */
  uint64_t held = (uint64_t)sf->inflight + sf->queued + sf->mss;
  if (held > v->wnd || fast_bytes(b, &v->sf[f], sf) > v->wnd - held)
    return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_POLICY);
  return mptcp_sched_pick_one(out, v, s, want, mptcp_sched_seg(sf));
}

MPTCP_API const mptcp_sched_ops mptcp_sched_blest = {
    "blest",
    sizeof(blest),
    blest_init,
    blest_get_send,
    mptcp_sched_reinject_one,
};
