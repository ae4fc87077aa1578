/* Subflows' queues of connection bytes sent again (txq.h).
 * SPDX-License-Identifier: MIT */
#include "txq.h"

#include "conn.h"
#include "stack_impl.h"

void mptcp_txq_give(struct mptcp_subflow *to, const mptcp_dsnq *r) {
  const struct mptcp_conn *c = to->conn;
  mptcp_dsnq add = *r;
  mptcp_dsnq_trim(&add, c->mp.snd_una);
  for (uint32_t i = 0; add.n && i < to->txm.n; i++) {
    const mptcp_txmap *m = mptcp_txmaps_at(&to->txm, i);
    mptcp_dsnq_remove(&add, m->dsn, m->dsn + m->len);
  }
  for (unsigned i = 0; i < add.n; i++)
    mptcp_dsnq_add(&to->txq, add.r[i].lo, add.r[i].hi);
}

void mptcp_txq_carried(const struct mptcp_subflow *sf, mptcp_dsnq *out) {
  *out = sf->txq;
  for (uint32_t i = 0; i < sf->txm.n; i++) {
    const mptcp_txmap *m = mptcp_txmaps_at(&sf->txm, i);
    mptcp_dsnq_add(out, m->dsn, m->dsn + m->len);
  }
  mptcp_dsnq_trim(out, sf->conn->mp.snd_una);
}

void mptcp_txq_trim(struct mptcp_conn *c) {
  for (unsigned i = 0; i < c->n_sf; i++)
    if (c->sf[i]) mptcp_dsnq_trim(&c->sf[i]->txq, c->mp.snd_una);
}

void mptcp_txq_copy_new(struct mptcp_subflow *sf, uint64_t dsn, uint32_t len) {
  struct mptcp_conn *c = sf->conn;
  uint32_t m = c->copy_mask & ~(UINT32_C(1) << sf->idx);
  for (unsigned i = 0; m && i < c->n_sf; i++)
    if ((m & UINT32_C(1) << i) && c->sf[i])
      mptcp_dsnq_add(&c->sf[i]->txq, dsn, dsn + len);
}

uint32_t mptcp_txq_head(const struct mptcp_subflow *sf, uint64_t *dsn) {
  if (!sf->txq.n) return 0;
  uint64_t len = sf->txq.r[0].hi - sf->txq.r[0].lo;
  *dsn = sf->txq.r[0].lo;
  return len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
}

void mptcp_txq_sent(struct mptcp_subflow *sf, uint32_t len) {
  struct mptcp_conn *c = sf->conn;
  if (!sf->txq.n) return;
  uint64_t lo = sf->txq.r[0].lo;
  mptcp_dsnq_remove(&sf->txq, lo, lo + len);
  c->bytes_resent += len;
  c->st->ctr.v[MPTCP_CTR_MP_DUP_TX_BYTES] += len;
}
