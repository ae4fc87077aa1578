/* MP_JOIN (RFC 8684 §3.2): opening a further subflow of an MPTCP
 * connection, answering one, and the HMACs that authenticate both ends.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_JOIN_H
#define MPTCP_JOIN_H

#include <mptcp/codec.h>

#include "stack_impl.h"

struct mptcp_conn;
struct mptcp_subflow;

/* Client: a new subflow from @p l (port 0: an ephemeral one) to @p r, its
 * SYN with MP_JOIN queued. Returns 0 and the subflow, or MPTCP_ERR_*:
 * INVALID_ARG (not an MPTCP connection, closing, bad or used addresses),
 * NOMEM (subflow limit, no address ID left for @p l, or memory). */
int mptcp_join_open(struct mptcp_conn *c, const mptcp_addr *l,
                    const mptcp_addr *r, int backup, mptcp_tstamp now,
                    struct mptcp_subflow **out);

/* Listener side: a SYN that carries MP_JOIN. Its token picks the
 * connection; a new subflow answers with our SYN/ACK. An unknown token,
 * a connection that takes no more subflows or a malformed request is
 * refused with a reset (counted). Returns 1 if the SYN had MP_JOIN (and
 * was dealt with), 0 otherwise. */
int mptcp_join_syn_in(mptcp_stack *st, const mptcp_pkt *p,
                      const mptcp_tcpopts *o, mptcp_tstamp now);

/* The MP_JOIN of our SYN (client) or SYN/ACK (listener). Returns 0 or
 * MPTCP_ERR_CRYPTO. */
int mptcp_join_syn_option(const struct mptcp_subflow *sf, int synack,
                          mptcp_subopt *out);
/* The MP_JOIN of the client's third ACK (HMAC, 160 bits), repeated on
 * every ACK until the peer acknowledges it. */
int mptcp_join_ack_option(const struct mptcp_subflow *sf, mptcp_subopt *out);

/* Client: the SYN/ACK's MP_JOIN. Returns 0 when its HMAC is right (the
 * third ACK is due), -1 when the subflow must be reset (counted). */
int mptcp_join_synack_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o);
/* Listener: the third ACK's MP_JOIN. Returns 0 when its HMAC is right
 * (the subflow is joined; an ACK answers at once), -1 when the subflow
 * must be reset (counted). */
int mptcp_join_ack_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o);

/* The address ID of our address @p ip in connection @p c: 0 for the
 * initial subflow's, else a stable number given on first use. */
uint8_t mptcp_join_local_id(struct mptcp_conn *c, const mptcp_ipaddr *ip);

#endif
