/* What a subflow sends besides its own new data: connection bytes that
 * another subflow sent already, reinjected (a subflow stalled or died) or
 * copied (a redundant scheduler). The send ring keeps one copy of the
 * bytes; each subflow's queue (mptcp_subflow.txq) holds DSN ranges of it,
 * sent before new data, as its own windows allow, and trimmed as the peer
 * DATA_ACKs (a subflow that falls behind skips what arrived another way).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_TXQ_H
#define MPTCP_TXQ_H

#include <stdint.h>

#include "dsnq.h"

struct mptcp_conn;
struct mptcp_subflow;

/* Queues the ranges @p r on @p to, less what it already carries (its
 * records of bytes sent and not acknowledged at subflow level) and less
 * what the peer has DATA_ACKed. */
void mptcp_txq_give(struct mptcp_subflow *to, const mptcp_dsnq *r);

/* The DSN ranges @p sf still answers for: its records (sent, not
 * acknowledged at subflow level) and its queue, above SND.UNA(DSN). */
void mptcp_txq_carried(const struct mptcp_subflow *sf, mptcp_dsnq *out);

/* The peer DATA_ACKed up to mp.snd_una: every queue forgets what lies
 * below. */
void mptcp_txq_trim(struct mptcp_conn *c);

/* New data [dsn, dsn + len) went out on @p sf: each subflow of the
 * connection's copy_mask gets it queued. */
void mptcp_txq_copy_new(struct mptcp_subflow *sf, uint64_t dsn, uint32_t len);

/* The head of @p sf's queue: its first DSN in *dsn and its length; 0 when
 * the queue is empty. */
uint32_t mptcp_txq_head(const struct mptcp_subflow *sf, uint64_t *dsn);

/* @p len bytes from the head of @p sf's queue went out. */
void mptcp_txq_sent(struct mptcp_subflow *sf, uint32_t len);

#endif
