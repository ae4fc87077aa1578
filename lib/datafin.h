/* Our DATA_FIN until the peer DATA_ACKs it (RFC 8684 §3.3.3): once every
 * subflow's FIN is acknowledged nothing else would send it again, so a
 * lost DATA_FIN would hang the close. A connection timer resends it on a
 * pure ACK with exponential backoff, and gives up after max_retries.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_DATAFIN_H
#define MPTCP_DATAFIN_H

#include <mptcp/common.h>

struct mptcp_conn;
struct mptcp_subflow;

/* Our DATA_FIN goes out on @p sf: starts the timer (one RTO of @p sf)
 * unless it runs. */
void mptcp_dfin_sent(struct mptcp_subflow *sf, mptcp_tstamp now);
/* The peer DATA_ACKed our DATA_FIN: the timer stops. */
void mptcp_dfin_acked(struct mptcp_conn *c);
/* The timer fired (c->dfin_at <= @p now). */
void mptcp_dfin_timer(struct mptcp_conn *c, mptcp_tstamp now);

#endif
