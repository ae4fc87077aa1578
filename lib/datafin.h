/* Our DATA_FIN until the peer DATA_ACKs it (RFC 8684 §3.3.3): once every
 * subflow's FIN is acknowledged nothing else would send it again, so a
 * lost DATA_FIN would hang the close. A connection timer resends it on a
 * pure ACK (a keep-alive probe outside TIME_WAIT, so the peer answers)
 * with exponential backoff, and gives up after max_retries.
 * The close of an MPTCP connection is clean (CLOSED without an error)
 * only once both DATA_FINs are done (§3.3.3, §3.4): until then a subflow
 * in TIME_WAIT stays there (resends ours, answers the peer's) instead of
 * the app being told all was delivered.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_DATAFIN_H
#define MPTCP_DATAFIN_H

#include <mptcp/common.h>

struct mptcp_conn;
struct mptcp_subflow;

/* Our DATA_FIN goes out on @p sf: starts the timer (one RTO of @p sf)
 * unless it runs. */
void mptcp_dfin_sent(struct mptcp_subflow *sf, mptcp_tstamp now);
/* The peer DATA_ACKed our DATA_FIN: the timer stops (and the close may
 * be complete). */
void mptcp_dfin_acked(struct mptcp_conn *c);
/* Is the connection closed at the data level: plain TCP, or our DATA_FIN
 * DATA_ACKed and the peer's received with all data before it? */
int mptcp_dfin_complete(const struct mptcp_conn *c);
/* A DATA_FIN was acknowledged or received: CLOSED for the app if no
 * subflow is open any more (all in TIME_WAIT). */
void mptcp_dfin_check_closed(struct mptcp_conn *c);
/* Must @p sf linger in TIME_WAIT rather than close (its FIN acknowledged
 * in LAST_ACK, or its TIME_WAIT over) because the data-level close is
 * not complete? Only while our DATA_FIN may still be resent: the resend
 * timer bounds the wait (its give-up ends the connection). */
int mptcp_dfin_linger(const struct mptcp_subflow *sf);
/* The peer's DATA_FIN at @p dsn came again, alone on a pure ACK, after
 * we had it: our DATA_ACK of it was lost and the peer resends. Answered
 * at once (nothing else would answer a pure ACK). */
void mptcp_dfin_rx_again(struct mptcp_subflow *sf, uint64_t dsn);
/* The timer fired (c->dfin_at <= @p now). */
void mptcp_dfin_timer(struct mptcp_conn *c, mptcp_tstamp now);

#endif
