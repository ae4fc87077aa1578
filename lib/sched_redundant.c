/* Redundant: every chunk goes on every usable subflow, so the copy on the
 * fastest path arrives first and a loss or an outage on one path costs no
 * retransmission delay (the idea of Frommgen et al., "ReMP TCP: Low
 * latency multipath TCP", ICC 2016, and of the out-of-tree MPTCP's
 * "redundant" scheduler). Trades bandwidth for latency.
 *
 * The fastest usable subflow with room carries the chunk now; every other
 * usable subflow, full or not, gets a copy queued (pick.copy), which it
 * sends as its own windows allow: a subflow that is full right now
 * catches up later, and skips what the peer has DATA_ACKed by then. The
 * usable set is backup-aware (ops.h): backups get copies only when no
 * regular subflow is usable. The receiver keeps the first copy of each
 * data sequence number and counts the rest. Stateless.
 * SPDX-License-Identifier: MIT */
#include "sched.h"

static void red_init(void *st, mptcp_tstamp now) { (void)st, (void)now; }

static int red_get_send(void *st, const mptcp_sched_view *v,
                        mptcp_sched_pick *out) {
  uint32_t usable;
  (void)st;
  uint32_t want = mptcp_sched_begin(v, out, &usable);
  if (!want) return 0;
  int i = mptcp_sched_fastest(v, mptcp_sched_with_room(v, usable, want));
  if (i < 0) return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_CWND);
  mptcp_sched_pick_one(out, v, i, want, UINT32_MAX);
  out->copy = usable & ~out->mask;
  return 1 + mptcp_sched_popcount(out->copy);
}

/* The stalled subflow's data goes to every other usable subflow: the
 * connection skips the bytes a target already carries, so this only fills
 * in what a subflow missed (it skipped bytes DATA_ACKed at the time, or
 * joined later). */
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
