/* Helpers shared by the subflow schedulers (lib/sched_*.c).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_SCHED_H
#define MPTCP_SCHED_H

#include <mptcp/ops.h>

/* Number of subflows of @p v a scheduler looks at: min(n, 32). */
size_t mptcp_sched_count(const mptcp_sched_view *v);

/* Bytes @p sf may take now: min(cwnd - inflight - queued, wnd_room), 0 when
 * the window is used up (never wraps, even when cwnd shrank below
 * inflight). */
uint32_t mptcp_sched_room(const mptcp_sched_sf *sf);

/* Bytes the connection could send now: min(pending, wnd_room). */
uint32_t mptcp_sched_want(const mptcp_sched_view *v);

/* 1 if @p sf has room for a worthwhile chunk of @p want bytes: a full
 * segment, or all of @p want when that is less (sender silly-window
 * avoidance, RFC 9293 §3.8.6.2.1). A subflow without it counts as full. */
int mptcp_sched_has_room(const mptcp_sched_sf *sf, uint32_t want);

/* The subflows new data may use, as a mask: the usable (ACTIVE, not
 * STALLED) regular ones; if there is none, the usable backup ones. Bits in
 * @p excl are treated as unusable first. */
uint32_t mptcp_sched_usable(const mptcp_sched_view *v, uint32_t excl);

/* The subset of @p mask that has room for @p want (mptcp_sched_has_room). */
uint32_t mptcp_sched_with_room(const mptcp_sched_view *v, uint32_t mask,
                               uint32_t want);

/* Index of the subflow of @p mask with the lowest srtt, -1 if @p mask is
 * empty. A subflow without an RTT sample (srtt 0) ranks after every
 * measured one; ties go to the lowest index, so the result is a function
 * of the view alone. */
int mptcp_sched_fastest(const mptcp_sched_view *v, uint32_t mask);

/* Same, highest srtt (unmeasured counts as slowest); ties to the lowest
 * index. */
int mptcp_sched_slowest(const mptcp_sched_view *v, uint32_t mask);

/* Number of bits set in @p mask. */
int mptcp_sched_popcount(uint32_t mask);

/* The checks every get_send starts with, in order: nothing pending
 * (NODATA), no usable subflow (NOPATH), connection window full (WINDOW).
 * On any of them fills @p out as a wait and returns 0. Otherwise stores
 * the usable mask in @p *usable and returns mptcp_sched_want(v) (> 0). */
uint32_t mptcp_sched_begin(const mptcp_sched_view *v, mptcp_sched_pick *out,
                           uint32_t *usable);

/* Fills @p out as a wait for @p reason; returns 0. */
int mptcp_sched_set_wait(mptcp_sched_pick *out, mptcp_sched_wait reason);

/* Fills @p out with subflow @p i alone and min(room, want, cap) bytes;
 * returns 1. The caller has checked mptcp_sched_has_room. */
int mptcp_sched_pick_one(mptcp_sched_pick *out, const mptcp_sched_view *v,
                         int i, uint32_t want, uint32_t cap);

/* One segment of @p sf: its mss, or no limit if mss is 0. */
uint32_t mptcp_sched_seg(const mptcp_sched_sf *sf);

/* The default reinjection policy (on_stall of minrtt, rr, blest, ecf): all
 * of the stalled subflow's unacknowledged data goes to one target, the
 * fastest usable subflow other than the stalled one (backup-aware, as for
 * new data), preferring one that is not in fast recovery. No target: no
 * reinjection (after an RTO the subflow's own retransmission carries on). */
int mptcp_sched_reinject_one(void *st, const mptcp_sched_view *v,
                             const mptcp_sched_stall *s,
                             mptcp_sched_reinject *out);

#endif
