/* Data-level retransmission: bytes a subflow delivered (the peer's TCP
 * acknowledged them) that the peer's DATA_ACK never covers. A receiver may
 * drop data at the connection level after acknowledging it at subflow
 * level (Linux drops a segment it takes for old and counts it
 * DuplicateData, trusting the sender to resend: RFC 8684 §3.3.6 keeps
 * such bytes in the sender's buffer for this). No subflow timer would ever
 * send them again, and the connection would wait with the peer's window
 * full of what came after them. A connection timer notices that DATA_ACK
 * stood still for a whole timeout while no subflow still has the first
 * missing byte in flight, and hands the bytes from there to the
 * scheduler's reinjection policy (MPTCP_SCHED_STALL_DATA_ACK), backing
 * off; after max_retries resends without progress the connection times
 * out.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_DRETX_H
#define MPTCP_DRETX_H

#include <mptcp/common.h>

struct mptcp_conn;

/* A DATA_ACK came (moved or not): the timer starts if data is
 * outstanding at the data level and it is not running. Cheap: called
 * for every DSS with a DATA_ACK. */
void mptcp_dretx_on_ack(struct mptcp_conn *c, mptcp_tstamp now);
/* The timer fired (c->dretx_at <= @p now). */
void mptcp_dretx_timer(struct mptcp_conn *c, mptcp_tstamp now);

#endif
