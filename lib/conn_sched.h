/* Which subflow of an MPTCP connection carries its next new data (the
 * configured scheduler over snapshots of the subflows, ops.h), and the
 * reinjection of what a stalled or dead subflow still owes.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_CONN_SCHED_H
#define MPTCP_CONN_SCHED_H

#include <stdint.h>

struct mptcp_conn;
struct mptcp_subflow;

/* Sets c->sched, the subflow the scheduler picks for new data, and
 * c->copy_mask, the subflows that get a copy of it (redundant). When the
 * scheduler waits (full windows, a policy), or the connection-level
 * window is below a segment, c->sched is the fastest usable subflow, so
 * that window probing and the FIN go on as on a single path; NULL
 * without any. Data a dead subflow left owed is offered first. */
void mptcp_conn_schedule(struct mptcp_conn *c);

/* 1 if the subflow may carry data (MPTCP established on it, no FIN). */
int mptcp_sf_usable(const struct mptcp_subflow *sf);

/* The coupled-CC view (ops.h mptcp_cc_group) for a callback of @p sf:
 * the connection's subflows that carry data, in @p buf (room for
 * MPTCP_SUBFLOWS_MAX). NULL when @p sf is alone (plain TCP, one subflow):
 * the algorithm then behaves as NewReno. */
struct mptcp_cc_group;
struct mptcp_cc_sf;
const struct mptcp_cc_group *mptcp_conn_cc_group(const struct mptcp_subflow *sf,
                                                 struct mptcp_cc_sf *buf,
                                                 struct mptcp_cc_group *g);

/* The subflow stalled (reason MPTCP_SCHED_STALL_RTO) or died
 * (MPTCP_SCHED_STALL_DEAD): the data it carried that the peer has not
 * DATA_ACKed goes out again on another usable subflow, if there is one. */
void mptcp_conn_reinject(struct mptcp_conn *c, struct mptcp_subflow *sf,
                         uint32_t reason);

/* DSNs [@p lo, @p hi) go out again where the scheduler's on_stall says
 * (no subflow is the stalled one; reason MPTCP_SCHED_STALL_DATA_ACK). */
void mptcp_conn_reinject_range(struct mptcp_conn *c, uint64_t lo, uint64_t hi,
                               uint32_t reason);

/* The peer reset subflow @p sf with MP_FAIL at @p dsn: everything from
 * there to SND.NXT(DSN) that is not DATA_ACKed goes out again. */
void mptcp_conn_reinject_from(struct mptcp_conn *c, struct mptcp_subflow *sf,
                              uint64_t dsn);

#endif
