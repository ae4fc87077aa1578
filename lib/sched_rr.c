/* Round-robin: the usable subflows that have room take turns, one segment
 * each, in the order of their stable ids (not of their array positions,
 * which change as subflows come and go). A full subflow loses its turn.
 * SPDX-License-Identifier: MIT */
#include "sched.h"

typedef struct rr {
  uint32_t last_id; /* id of the subflow picked last */
  uint8_t started;  /* last_id is meaningful */
} rr;

_Static_assert(sizeof(rr) <= MPTCP_SCHED_STATE_MAX, "rr state too big");

static void rr_init(void *st, mptcp_tstamp now) {
  rr *r = st;
  (void)now;
  r->last_id = 0;
  r->started = 0;
}

static int rr_get_send(void *st, const mptcp_sched_view *v,
                       mptcp_sched_pick *out) {
  rr *r = st;
  uint32_t usable;
  uint32_t want = mptcp_sched_begin(v, out, &usable);
  if (!want) return 0;
  uint32_t cand = mptcp_sched_with_room(v, usable, want);
  if (!cand) return mptcp_sched_set_wait(out, MPTCP_SCHED_WAIT_CWND);
  /* The next id after the last one, cyclically: the smallest id above
   * last_id if there is one, else the smallest id of all. */
  int next = -1, first = -1;
  size_t n = mptcp_sched_count(v);
  for (size_t i = 0; i < n; i++) {
    if (!(cand & UINT32_C(1) << i)) continue;
    uint32_t id = v->sf[i].id;
    if (first < 0 || id < v->sf[first].id) first = (int)i;
    if ((!r->started || id > r->last_id) && (next < 0 || id < v->sf[next].id))
      next = (int)i;
  }
  int i = next >= 0 ? next : first;
  r->last_id = v->sf[i].id;
  r->started = 1;
  return mptcp_sched_pick_one(out, v, i, want, mptcp_sched_seg(&v->sf[i]));
}

MPTCP_API const mptcp_sched_ops mptcp_sched_rr = {
    "rr", sizeof(rr), rr_init, rr_get_send, mptcp_sched_reinject_one,
};
