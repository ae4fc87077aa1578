/* MP_JOIN subflows (RFC 8684 §3.2). SPDX-License-Identifier: MIT */
#include "join.h"

#include "conn.h"
#include "handshake.h"
#include "subflow.h"
#include "tcp.h"

uint8_t mptcp_join_local_id(struct mptcp_conn *c, const mptcp_ipaddr *ip) {
  if (c->n_laddr == 0) {
    c->laddr[0] = c->local.ip;
    c->n_laddr = 1;
  }
  for (uint8_t i = 0; i < c->n_laddr; i++)
    if (mptcp_ipaddr_equal(&c->laddr[i], ip)) return i;
  /* Callers check mptcp_pm_id_left() first; this only keeps the index
   * in range. */
  if (c->n_laddr == MPTCP_SUBFLOWS_MAX) return MPTCP_SUBFLOWS_MAX - 1;
  c->laddr[c->n_laddr] = *ip;
  return c->n_laddr++;
}

static void keys(const mptcp_subflow *sf, mptcp_join_keys *k) {
  const struct mptcp_conn *c = sf->conn;
  k->version = c->mp.version;
  k->local_key = c->mp.local_key;
  k->remote_key = c->mp.remote_key;
  k->local_nonce = sf->local_nonce;
  k->remote_nonce = sf->remote_nonce;
}

static int joinable(const struct mptcp_conn *c) {
  const mptcp_tcp *t = &mptcp_conn_primary(c)->tcp;
  /* No join once an MP_FAIL exchange has begun (§3.7: one subflow). */
  return c->mp.state == MPTCP_MP_ON && !c->fail && !c->err &&
         !c->mp.fin_queued && !c->mp.peer_fin_done &&
         t->state != MPTCP_TCP_CLOSED;
}

int mptcp_join_open(struct mptcp_conn *c, const mptcp_addr *l,
                    const mptcp_addr *r, int backup, mptcp_tstamp now,
                    mptcp_subflow **out) {
  mptcp_stack *st = c->st;
  if (!joinable(c) || r->port == 0 || l->ip.family != r->ip.family ||
      !mptcp_ipaddr_len(&l->ip))
    return MPTCP_ERR_INVALID_ARG;
  /* Every address of ours keeps its own ID (RFC 8684 §3.2): none left
   * for a new one, no subflow from it. */
  if (!mptcp_pm_id_left(c, &l->ip)) return MPTCP_ERR_NOMEM;
  mptcp_addr la = *l;
  int rv = mptcp_stack_free_tuple(st, &la, r);
  if (rv < 0) return rv;
  mptcp_subflow *sf = mptcp_stack_sf_new(c, &la, r);
  if (!sf) return MPTCP_ERR_NOMEM;
  sf->join = SF_JOIN_SYN;
  sf->local_id = mptcp_join_local_id(c, &la.ip);
  sf->backup = backup != 0;
  sf->local_nonce = mptcp_stack_rand32(st);
  mptcp_tcp_init_active(sf, now);
  /* The connection's settings carry over (Nagle off, keep-alive). */
  const mptcp_tcp *p = &mptcp_conn_primary(c)->tcp;
  sf->tcp.flags |= p->flags & (TCPF_NODELAY | TCPF_KEEPALIVE_ON);
  mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_SYN_TX);
  mptcp_conn_update_timer(c);
  *out = sf;
  return 0;
}

int mptcp_join_syn_in(mptcp_stack *st, const mptcp_pkt *p,
                      const mptcp_tcpopts *o, mptcp_tstamp now) {
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_JOIN);
  if (!so || so->u.join.form != MPTCP_JOIN_SYN) return 0;
  mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_SYN_RX);
  /* A SYN must not also offer MP_CAPABLE (§3.2): such a one is not
   * answered as a join. */
  if (!st->s.mptcp || mptcp_find_subopt(o, MPTCP_SUB_CAPABLE)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_REFUSED);
    mptcp_stack_queue_rst(st, p);
    return 1;
  }
  struct mptcp_conn *c = mptcp_token_find(&st->tokens, so->u.join.token);
  if (!c) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_NO_TOKEN);
    mptcp_stack_queue_rst(st, p);
    return 1;
  }
  mptcp_addr l = {p->dst, p->dport}, r = {p->src, p->sport};
  mptcp_subflow *sf = joinable(c) && mptcp_pm_id_left(c, &l.ip)
                          ? mptcp_stack_sf_new(c, &l, &r)
                          : NULL;
  if (!sf) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_REFUSED);
    mptcp_stack_queue_rst(st, p);
    return 1;
  }
  sf->passive = 1;
  sf->join = SF_JOIN_SYN;
  sf->remote_id = so->u.join.addr_id;
  sf->peer_backup = so->u.join.backup;
  sf->remote_nonce = so->u.join.nonce;
  sf->local_nonce = mptcp_stack_rand32(st);
  sf->local_id = mptcp_join_local_id(c, &l.ip);
  mptcp_tcp_init_passive(sf, p, o, now);
  mptcp_conn_update_timer(c);
  return 1;
}

int mptcp_join_syn_option(const mptcp_subflow *sf, int synack,
                          mptcp_subopt *out) {
  if (!synack) {
    mptcp_join_syn(sf->conn->mp.remote_token, sf->local_nonce, sf->local_id,
                   sf->backup, out);
    return 0;
  }
  mptcp_join_keys k;
  keys(sf, &k);
  return mptcp_join_synack(&k, sf->local_id, sf->backup, out);
}

int mptcp_join_ack_option(const mptcp_subflow *sf, mptcp_subopt *out) {
  mptcp_join_keys k;
  keys(sf, &k);
  return mptcp_join_ack(&k, out);
}

int mptcp_join_synack_rx(mptcp_subflow *sf, const mptcp_tcpopts *o) {
  mptcp_stack *st = sf->conn->st;
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_JOIN);
  if (!so || so->u.join.form != MPTCP_JOIN_SYNACK) {
    /* MPTCP options lost on this path: the subflow cannot be used. */
    mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_REFUSED);
    sf->rst_reason = MPTCP_RESET_REASON_MIDDLEBOX;
    return -1;
  }
  sf->remote_nonce = so->u.join.nonce;
  mptcp_join_keys k;
  keys(sf, &k);
  if (!mptcp_join_check(&k, &so->u.join)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_SYNACK_BAD_HMAC);
    sf->rst_reason = MPTCP_RESET_REASON_MPTCP;
    return -1;
  }
  mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_SYNACK_RX);
  sf->remote_id = so->u.join.addr_id;
  sf->peer_backup = so->u.join.backup;
  sf->join = SF_JOIN_ACK_DUE;
  return 0;
}

int mptcp_join_ack_rx(mptcp_subflow *sf, const mptcp_tcpopts *o) {
  mptcp_stack *st = sf->conn->st;
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_JOIN);
  mptcp_join_keys k;
  keys(sf, &k);
  if (!so || so->u.join.form != MPTCP_JOIN_ACK ||
      !mptcp_join_check(&k, &so->u.join)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_ACK_BAD_HMAC);
    sf->rst_reason = MPTCP_RESET_REASON_MPTCP;
    return -1;
  }
  mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_ACK_RX);
  if (sf->conn->fail) { /* an MP_FAIL exchange began meanwhile (§3.7) */
    mptcp_ctr_inc(st, MPTCP_CTR_MP_JOIN_REFUSED);
    sf->rst_reason = MPTCP_RESET_REASON_PROHIBITED;
    return -1;
  }
  sf->join = SF_JOIN_DONE;
  sf->conn->multi = 1;
  sf->tcp.flags |= TCPF_ACK_NOW; /* §3.2: the third ACK is acknowledged */
  return 0;
}
