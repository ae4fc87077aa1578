/* Redundant: every chunk goes on every usable subflow that has room, so
 * the copy on the fastest path arrives first and a loss on one path costs
 * no retransmission delay (the idea of Froemmgen et al., "ReMP TCP: Low
 * latency multipath TCP", ICC 2016, and of the out-of-tree MPTCP's
 * "redundant" scheduler). Trades bandwidth for latency. A subflow that is
 * full right now skips the chunk instead of holding the others back; the
 * receiver keeps the first copy of each data sequence number and drops the
 * rest. Stateless. SPDX-License-Identifier: MIT */
#include "sched.h"

static void red_init(void *st, mptcp_tstamp now) { (void)st, (void)now; }

static int red_get_send(void *st, const mptcp_sched_view *v,
                        mptcp_sched_pick *out) {
  uint32_t usable;
  (void)st;
  uint32_t want = mptcp_sched_begin(v, out, &usable);
  if (!want) return 0;
  uint32_t picks = mptcp_sched_with_room(v, usable, want);
  if (!picks) return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_CWND);
  /* The chunk must fit every picked subflow. */
  uint32_t bytes = want;
  size_t n = mptcp_sched_count(v);
  for (size_t i = 0; i < n; i++) {
    if (!(picks & UINT32_C(1) << i)) continue;
    uint32_t room = mptcp_sched_room(&v->sf[i]);
    if (room < bytes) bytes = room;
  }
  out->mask = picks;
  out->bytes = bytes;
  out->wait = MPTCP_SCHED_WAIT_NONE;
  return mptcp_sched_popcount(picks);
}

/* The stalled subflow's data goes to every other usable subflow: the
 * connection skips the bytes a target already carries, so this only fills
 * in what a subflow missed while it was full. */
static int red_on_stall(void *st, const mptcp_sched_view *v,
                        const mptcp_sched_stall *s, mptcp_sched_reinject *out) {
  (void)st;
  out->mask = 0;
  out->bytes = 0;
  if (s->unacked == 0) return 0;
  uint32_t excl = s->sf < MPTCP_SCHED_MAX_SF ? UINT32_C(1) << s->sf : 0;
  uint32_t t = mptcp_sched_usable(v, excl);
  if (!t) return 0;
  out->mask = t;
  out->bytes = s->unacked;
  return mptcp_sched_popcount(t);
}

MPTCP_API const mptcp_sched_ops mptcp_sched_redundant = {
    "redundant", 0, red_init, red_get_send, red_on_stall,
};
