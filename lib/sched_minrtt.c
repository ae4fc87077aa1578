/* minRTT: the lowest smoothed RTT among the usable subflows that have room,
 * the default policy of the Linux kernel and of the out-of-tree MPTCP
 * (Paasch et al., "Experimental evaluation of multipath TCP schedulers",
 * CSWS 2014). Stateless. SPDX-License-Identifier: MIT */
#include "sched.h"

static void minrtt_init(void *st, mptcp_tstamp now) { (void)st, (void)now; }

static int minrtt_get_send(void *st, const mptcp_sched_view *v,
                           mptcp_sched_pick *out) {
  uint32_t usable;
  (void)st;
  uint32_t want = mptcp_sched_begin(v, out, &usable);
  if (!want) return 0;
  /* Full regular subflows keep the backups out: wait for an ACK. */
  int i = mptcp_sched_fastest(v, mptcp_sched_with_room(v, usable, want));
  if (i < 0) return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_CWND);
  /* A burst of the whole room: one mapping, fewer DSS options. */
  return mptcp_sched_pick_one(out, v, i, want, UINT32_MAX);
}

MPTCP_API const mptcp_sched_ops mptcp_sched_minrtt = {
    "minrtt", 0, minrtt_init, minrtt_get_send, mptcp_sched_reinject_one,
};
