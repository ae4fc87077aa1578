/* The MPTCP side of the initial subflow (RFC 8684 §3.1, §3.3).
 * SPDX-License-Identifier: MIT */
#include "subflow.h"

#include <mptcp/crypto.h>
#include <string.h>

#include "conn.h"
#include "conn_sched.h"
#include "datafin.h"
#include "dretx.h"
#include "handshake.h"
#include "join.h"
#include "mpfail.h"
#include "pm.h"
#include "seq.h"
#include "stack_impl.h"
#include "tcp.h"
#include "token.h"
#include "txq.h"
#include "wire.h"

static void policy(const mptcp_stack *st, mptcp_mpc_policy *p) {
  p->version = st->s.mptcp_version;
  p->accept_v0 = st->s.mptcp_v0;
  p->checksum = st->s.checksum;
  p->deny_join_first = 0;
}

/* A key whose token is free, registered for this connection. */
static int take_key(struct mptcp_subflow *sf, uint8_t version) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  uint64_t key;
  uint32_t token;
  if (mptcp_token_new_key(&st->tokens, version, st->s.rand, st->user_data, &key,
                          &token, NULL) ||
      mptcp_token_insert(&st->tokens, token, c)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_TOKEN_COLLISION);
    return -1;
  }
  c->mp.local_key = key;
  c->mp.local_token = token;
  c->mp.local_key_set = 1;
  return 0;
}

/* A connection that falls back to TCP keeps only the subflow it falls
 * back on (RFC 8684 §3.7): joins under way are reset. */
static void drop_other_subflows(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  for (unsigned i = 0; i < c->n_sf; i++) {
    mptcp_subflow *x = c->sf[i];
    if (!x || x == sf || x->tcp.state == MPTCP_TCP_CLOSED) continue;
    x->rst_reason = MPTCP_RESET_REASON_UNSPEC;
    mptcp_tcp_abort(x, 0);
  }
}

/* MPTCP is off for good (before any data was mapped): plain TCP. */
static void fall_back_early(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  drop_other_subflows(sf);
  if (c->mp.local_key_set)
    mptcp_token_remove(&c->st->tokens, c->mp.local_token, c);
  c->mp.local_key_set = 0;
  c->mp.state = MPTCP_MP_OFF;
  sf->mpc_echo = 0;
  MPTCP_LOG(c->st, MPTCP_LOG_INFO, "tcp %u>%u: MPTCP fell back to TCP",
            MPTCP_LOG_CONN(sf));
}

/* Both keys known: the data sequence spaces start. */
static int start(struct mptcp_subflow *sf, const mptcp_mpc_neg *n) {
  struct mptcp_conn *c = sf->conn;
  uint8_t client = c->mp.client;
  uint64_t key = c->mp.local_key;
  if (mptcp_mp_start(&c->mp, n->version, key, n->peer_key)) return -1;
  c->mp.client = client;
  c->mp.local_key_set = 1;
  c->mp.checksum = n->checksum;
  c->mp.peer_deny_first = n->peer_deny_first;
  c->snd_dsn = c->mp.snd_una;
  if (c->mp.fin_queued) c->mp.fin_dsn = c->snd_dsn + c->snd.len;
  /* Until a DATA_ACK says otherwise, the window is the handshake's. */
  c->mp.snd_edge = c->mp.snd_una + sf->tcp.snd_wnd;
  return 0;
}

/* DSS checksums are not implemented yet: a peer that asks for them gets
 * plain TCP, as RFC 8684 §3.1 prescribes for a host that refuses them. */
static int neg_ok(const mptcp_mpc_neg *n) {
  (void)n;
  return 1;
}

void mptcp_sf_connect(struct mptcp_subflow *sf, int no_mptcp) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  if (no_mptcp || !st->s.mptcp) return;
  if (take_key(sf, st->s.mptcp_version)) return;
  c->mp.client = 1;
  c->mp.state = MPTCP_MP_PENDING;
  c->mp_offered = 1;
}

void mptcp_sf_syn_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  if (!st->s.mptcp || sf->join) return;
  /* A listener that speaks MPTCP offers it: a plain client is a
   * fallback (as a client without an answer is). */
  c->mp_offered = 1;
  mptcp_mpc_policy pol;
  policy(st, &pol);
  int v = mptcp_mpc_on_syn(&pol, o, &sf->neg);
  if (v == MPTCP_MPC_ABSENT) return;
  mptcp_ctr_inc(st, MPTCP_CTR_MP_CAPABLE_SYN_RX);
  if (v != MPTCP_MPC_OK || !neg_ok(&sf->neg) || take_key(sf, sf->neg.version)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_CAPABLE_REFUSED);
    return;
  }
  c->mp.state = MPTCP_MP_PENDING;
}

int mptcp_sf_syn_option(const struct mptcp_subflow *sf, int synack,
                        mptcp_subopt *out) {
  const struct mptcp_conn *c = sf->conn;
  if (sf->join) return mptcp_join_syn_option(sf, synack, out) == 0;
  if (c->mp.state != MPTCP_MP_PENDING) return 0;
  mptcp_mpc_policy pol;
  policy(c->st, &pol);
  if (synack)
    mptcp_mpc_synack(&pol, &sf->neg, c->mp.local_key, out);
  else
    mptcp_mpc_syn(&pol, c->mp.local_key, out);
  return 1;
}

int mptcp_sf_syn_may_go(const struct mptcp_subflow *sf) {
  if (!sf->join) return 1;
  const struct mptcp_conn *c = sf->conn;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *x = c->sf[i];
    if (x && !x->join && (x->mpc_echo || !x->third_ack_sent) && c->mp.client)
      return 0;
  }
  return 1;
}

void mptcp_sf_simopen(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  if (sf->join || c->mp.state != MPTCP_MP_PENDING) return;
  /* Our SYN/ACK would have to answer an MP_CAPABLE exchange that never
   * happened (sf->neg is empty): none is defined for a simultaneous open
   * (RFC 8684 §3.1), so plain TCP it is, on both sides. */
  fall_back_early(sf);
}

void mptcp_sf_syn_retry(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  if (c->mp.state != MPTCP_MP_PENDING || !c->mp.client) return;
  if (sf->tcp.retries < c->st->s.mptcp_syn_retries) return;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_CAPABLE_SYN_DROPPED);
  fall_back_early(sf);
}

int mptcp_sf_synack_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o) {
  struct mptcp_conn *c = sf->conn;
  if (sf->join) return mptcp_join_synack_rx(sf, o);
  if (c->mp.state != MPTCP_MP_PENDING) return 0;
  mptcp_stack *st = c->st;
  mptcp_mpc_policy pol;
  policy(st, &pol);
  int v = mptcp_mpc_on_synack(&pol, o, &sf->neg);
  if (v != MPTCP_MPC_OK || !neg_ok(&sf->neg) || start(sf, &sf->neg)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_CAPABLE_FALLBACK_SYNACK);
    fall_back_early(sf);
    return 0;
  }
  mptcp_ctr_inc(st, MPTCP_CTR_MP_CAPABLE_SYNACK_RX);
  sf->mpc_echo = 1;
  return 0;
}

/* Has the subflow all bytes of mapping @p k (in order or not)? */
static int held(const struct mptcp_subflow *sf, const mptcp_rxmap *k) {
  const mptcp_tcp *t = &sf->tcp;
  uint32_t next = t->rcv_nxt - t->irs;
  uint32_t lo = mptcp_seq_lt(k->ssn, next) ? 0 : k->ssn - next;
  uint32_t hi = k->ssn + k->len - next;
  return mptcp_ranges_bytes_above(&t->ooo, lo) -
             mptcp_ranges_bytes_above(&t->ooo, hi) ==
         hi - lo;
}

/* A mapping whose checksum failed ahead of a hole, on a single path, is
 * given up: its bytes were never DATA_ACKed nor marked present, so the
 * subflow reneges them (no longer SACKed; the peer resends them after its
 * RTO, RFC 2018 §8) and they are checked again when they come back. The
 * first failure that reaches the subflow's next byte is the one MP_FAIL
 * names (§3.7). */
static int renege(struct mptcp_subflow *sf, const mptcp_rxmap *k) {
  mptcp_tcp *t = &sf->tcp;
  uint32_t next = t->rcv_nxt - t->irs;
  if (mptcp_seq_lt(k->ssn, next) || (t->flags & TCPF_FIN_OOO)) return 0;
  mptcp_ranges_del(&t->ooo, k->ssn - next, k->ssn + k->len - next);
  mptcp_ctr_inc(sf->conn->st, MPTCP_CTR_MP_DSS_CSUM_RENEGED);
  return 1;
}

/* May mapping @p k go to make room? Once all its bytes are received and at
 * their place: others once the subflow holds them (take() keeps only bytes
 * it placed); checksummed ones once their checksum held (check_ahead), and
 * not after a failure of ours (mpfail.c still has to see the mapping in
 * order). A failed one by giving its bytes up (renege). */
static int map_placed(const mptcp_rxmap *k, void *ud) {
  struct mptcp_subflow *sf = ud;
  if (k->has_csum && k->bad && !sf->conn->fail) return renege(sf, k);
  if (k->has_csum && (!k->ok || sf->conn->fail)) return 0;
  return held(sf, k);
}

/* Does the subflow hold any byte of mapping @p k already? */
static int held_any(const struct mptcp_subflow *sf, const mptcp_rxmap *k) {
  const mptcp_tcp *t = &sf->tcp;
  uint32_t next = t->rcv_nxt - t->irs;
  if (mptcp_seq_lt(k->ssn, next)) return 1;
  return t->ooo.n &&
         mptcp_ranges_bytes_above(&t->ooo, k->ssn - next) !=
             mptcp_ranges_bytes_above(&t->ooo, k->ssn + k->len - next);
}

static int add_map(struct mptcp_subflow *sf, const mptcp_rxmap *m) {
  int full = sf->rxm.n == MPTCP_RXMAPS_MAX;
  int v = mptcp_rxmaps_add(&sf->rxm, m, map_placed, sf);
  if (full && v == MPTCP_RXMAP_NEW)
    mptcp_ctr_inc(sf->conn->st, MPTCP_CTR_MP_DSS_MAPS_EVICTED);
  /* Bytes that came under another mapping were not summed for this one
   * (a peer mapping them again, cut otherwise). */
  if (v == MPTCP_RXMAP_NEW && m->has_csum && held_any(sf, m))
    for (unsigned i = 0; i < sf->rxm.n; i++)
      if (sf->rxm.m[i].ssn == m->ssn && sf->rxm.m[i].dsn == m->dsn)
        sf->rxm.m[i].late = 1;
  return v;
}

/* The client's first data may come with MP_CAPABLE instead of a DSS
 * (again on retransmissions, §3.1): its implied mapping is DSN = IDSN + 1,
 * relative SSN 1, DLL bytes. */
static void take_mpc_data(struct mptcp_subflow *sf, const mptcp_pkt *p,
                          const mptcp_tcpopts *o) {
  struct mptcp_conn *c = sf->conn;
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_CAPABLE);
  if (!so || so->u.mpc.form != MPTCP_MPC_DATA || !so->u.mpc.dll ||
      so->u.mpc.version != c->mp.version || p->seq - sf->tcp.irs != 1)
    return;
  mptcp_rxmap m = {.ssn = 1,
                   .len = so->u.mpc.dll,
                   .dsn = c->mp.remote_idsn + 1,
                   .csum = so->u.mpc.csum,
                   .has_csum = so->u.mpc.has_csum};
  if (add_map(sf, &m) == MPTCP_RXMAP_CONFLICT)
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DSS_NOT_MATCHING);
  c->mp.ack64 = 1;
}

int mptcp_sf_ack_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                    const mptcp_tcpopts *o) {
  struct mptcp_conn *c = sf->conn;
  if (sf->join) return mptcp_join_ack_rx(sf, o);
  if (c->mp.state != MPTCP_MP_PENDING) return 0;
  mptcp_stack *st = c->st;
  mptcp_mpc_neg n;
  int v = mptcp_mpc_on_ack(&sf->neg, c->mp.local_key, o, &n);
  if (v != MPTCP_MPC_OK || start(sf, &n)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_CAPABLE_FALLBACK_ACK);
    fall_back_early(sf);
    return 0;
  }
  mptcp_ctr_inc(st, MPTCP_CTR_MP_CAPABLE_ACK_RX);
  take_mpc_data(sf, p, o);
  return 0;
}

static void fall_back_late(struct mptcp_subflow *sf);

/* Frees the send ring up to what both the DATA_ACK and the subflow's own
 * ACKs cover (§3.3.2: data stays until both levels acknowledged it). */
void mptcp_conn_free_acked(struct mptcp_conn *c) {
  uint64_t upto = c->mp.snd_una;
  for (unsigned i = 0; i < c->n_sf; i++) {
    if (!c->sf[i]) continue;
    uint64_t floor = mptcp_txmaps_min_dsn(&c->sf[i]->txm);
    if (floor < upto) upto = floor;
  }
  /* Resending what the peer has since acknowledged: not needed. */
  if (c->rj_dsn < c->mp.snd_una)
    c->rj_dsn = c->mp.snd_una < c->rj_end ? c->mp.snd_una : c->rj_end;
  mptcp_txq_trim(c);
  uint64_t end = c->snd_dsn + c->snd.len;
  if (upto > end) upto = end; /* the DATA_FIN octet is not in the ring */
  if (upto <= c->snd_dsn) return;
  mptcp_ring_drop(&c->snd, (size_t)(upto - c->snd_dsn));
  c->snd_dsn = upto;
  mptcp_conn_writable_again(c);
}

void mptcp_sf_free_maps(struct mptcp_subflow *sf) {
  mptcp_txmaps_free(&sf->txm);
  mptcp_rxstash_free(&sf->stash, &sf->conn->st->alloc);
}

void mptcp_sf_acked(struct mptcp_subflow *sf) {
  mptcp_txmaps_ack(&sf->txm, sf->tcp.snd_una - sf->tcp.iss);
  mptcp_conn_free_acked(sf->conn);
}

static void peer_fin_check(struct mptcp_subflow *sf, int was_done) {
  struct mptcp_conn *c = sf->conn;
  if (!was_done && c->mp.peer_fin_done) {
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DATA_FIN_RX);
    sf->tcp.flags |= TCPF_ACK_NOW; /* DATA_ACK the DATA_FIN at once */
    mptcp_conn_post(c, MPTCP_EV_PEER_CLOSED | MPTCP_EV_READABLE);
    mptcp_dfin_check_closed(c);
  }
}

static void take_mapping(struct mptcp_subflow *sf, const mptcp_pkt *p,
                         const mptcp_dss *d) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  if (d->dll == 0) { /* the infinite mapping: fallback (§3.7) */
    mptcp_infmap_rx(sf, p, d);
    return;
  }
  uint64_t dsn = mptcp_mp_expand_dsn(&c->mp, d);
  c->mp.ack64 = (d->flags & MPTCP_DSS_m) != 0;
  int fin = (d->flags & MPTCP_DSS_F) != 0;
  uint32_t len = (uint32_t)d->dll - (fin ? 1 : 0);
  uint32_t next = sf->tcp.rcv_nxt - sf->tcp.irs;
  /* Mappings of bytes already received (duplicates) are not kept, and
   * stale ones go first: the table must have room for the next bytes. */
  mptcp_rxmaps_advance(&sf->rxm, next, NULL, NULL);
  if (len && mptcp_seq_gt(d->ssn + len, next)) {
    mptcp_rxmap m = {.ssn = d->ssn,
                     .len = len,
                     .dsn = dsn,
                     .csum = d->csum,
                     .fin = fin != 0,
                     .has_csum = d->has_csum};
    int v = add_map(sf, &m);
    if (v == MPTCP_RXMAP_CONFLICT || v == MPTCP_RXMAP_FULL) {
      mptcp_ctr_inc(st, v == MPTCP_RXMAP_FULL ? MPTCP_CTR_MP_DSS_MAPS_FULL
                                              : MPTCP_CTR_MP_DSS_NOT_MATCHING);
      MPTCP_LOG(st, MPTCP_LOG_DEBUG,
                "tcp %u>%u: mapping ssn %u len %u (known %u..%u, next %u) %s",
                MPTCP_LOG_CONN(sf), d->ssn, len, sf->rxm.m[0].ssn,
                sf->rxm.m[sf->rxm.n - 1].ssn, sf->tcp.rcv_nxt - sf->tcp.irs,
                v == MPTCP_RXMAP_FULL ? "dropped (table full)"
                                      : "conflicts with a known one");
      if (v == MPTCP_RXMAP_CONFLICT) return;
    }
  }
  if (fin) {
    int was = c->mp.peer_fin_done;
    mptcp_mp_rx_fin(&c->mp, dsn + len);
    peer_fin_check(sf, was);
    if (was && !p->payload_len && !(p->tcp_flags & MPTCP_TH_FIN))
      mptcp_dfin_rx_again(sf, dsn + len);
  }
}

void mptcp_sf_opts_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                      const mptcp_tcpopts *o, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  if (c->mp.state != MPTCP_MP_ON) return;
  sf->seg_ack = p->ack;
  if (!c->mp.client) take_mpc_data(sf, p, o);
  /* A client repeats its MP_CAPABLE until it gets a DATA_ACK (§3.1): the
   * next segment carries one, news or not. */
  if (!c->mp.client && mptcp_find_subopt(o, MPTCP_SUB_CAPABLE))
    sf->dack_set = 0;
  if (o->n_mptcp) mptcp_pm_rx(sf, o, now);
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_DSS);
  /* Data without a DSS tells something only in order: the segments after
   * a mapping's first carry none, and may come before it (it is lost or
   * late: they are dropped unacknowledged and come again). */
  int data = p->payload_len && p->seq == sf->tcp.rcv_nxt;
  if (!so && sf->join) {
    /* Data without a mapping on a join before any DSS: options are lost
     * on this path, which the connection cannot fall back on (§3.7):
     * reset it. */
    if (data && !sf->peer_dss_seen) {
      sf->broken = 1;
      sf->rst_reason = MPTCP_RESET_REASON_MIDDLEBOX;
    }
    return;
  }
  if (!so && c->fail == MPFAIL_SENT && !sf->join) {
    mptcp_fail_nodss_rx(sf, p, o, now);
    return;
  }
  if (!so) {
    mptcp_tcp *t = &sf->tcp;
    int acks_data = mptcp_seq_gt(p->ack, t->iss + 1);
    /* A pure ACK whose DSS gave way to a path-manager option (an
     * ADD_ADDR6 with timestamps leaves no room, §3.4.1; Linux drops the
     * DSS then too) shows options get through: no fallback for it. */
    int pm_only = !p->payload_len && o->n_mptcp > o->n_mptcp_bad;
    /* (A segment with data out of order says nothing either way.) */
    if (sf->peer_dss_seen || !((acks_data && !p->payload_len) || data) ||
        pm_only || mptcp_find_subopt(o, MPTCP_SUB_CAPABLE))
      return;
    /* §3.7 falls back only on the first subflow before any other
     * exists; once a join was established the connection is MPTCP
     * for good and this path lost the options, as a join's would. */
    if (c->multi) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_MP_NO_DSS_RESET);
      sf->broken = 1;
      sf->rst_reason = MPTCP_RESET_REASON_MIDDLEBOX;
      return;
    }
    fall_back_late(sf);
    return;
  }
  sf->peer_dss_seen = 1;
  mptcp_fail_rx(sf, o, now);
  if (sf->broken || c->mp.state != MPTCP_MP_ON) return; /* or crossed */
  const mptcp_dss *d = &so->u.dss;
  if (d->flags & MPTCP_DSS_A) {
    uint32_t wnd = (uint32_t)p->window << sf->tcp.snd_wscale;
    uint64_t before = c->mp.snd_una;
    uint8_t fin_was = c->mp.fin_acked;
    mptcp_mp_on_data_ack(&c->mp, d, wnd);
    if (c->mp.fin_acked && !fin_was) mptcp_dfin_acked(c);
    mptcp_dretx_on_ack(c, now);
    if (c->mp.snd_una == before && (d->flags & MPTCP_DSS_a) == 0 &&
        (uint32_t)d->data_ack != (uint32_t)before)
      mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DATA_ACK_IGNORED);
    if (sf->mpc_echo && c->n_sf > 1)
      mptcp_conn_want_output(c); /* joins waited for this */
    sf->mpc_echo = 0; /* the peer has our key (§3.1, the "4th ACK") */
    mptcp_conn_free_acked(c);
  }
  if (d->flags & MPTCP_DSS_M) {
    /* A mapping's checksum field must be there exactly when negotiated
     * (§3.3); a mismatch is a broken subflow, the mapping is not used. */
    if (d->has_csum != c->mp.checksum) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DSS_NOT_MATCHING);
      return;
    }
    take_mapping(sf, p, d);
  }
}

/* Bytes [off, off + n) from the connection's RCV.NXT are in the ring and
 * valid: count them present, deliver what became in order. Returns -1
 * when the range set is full (nothing changed). */
int mptcp_sf_mark_present(struct mptcp_subflow *sf, uint32_t off, uint32_t n) {
  struct mptcp_conn *c = sf->conn;
  int was = c->mp.peer_fin_done;
  int64_t adv = mptcp_mp_rx_mark(&c->mp, off, n);
  if (adv < 0) return -1;
  if (adv > 0) {
    c->rcv.len += (size_t)adv;
    c->bytes_delivered += (uint64_t)adv;
    mptcp_conn_post(c, MPTCP_EV_READABLE);
  }
  peer_fin_check(sf, was);
  return 0;
}

/* The DSS checksum of ring bytes [off, off + len) from the ring's head. */
static void ring_sum(const mptcp_ring *r, size_t off, size_t len,
                     mptcp_dss_csum_state *cs) {
  size_t at = r->head + off;
  if (at >= r->cap) at -= r->cap;
  size_t first = len < r->cap - at ? len : r->cap - at;
  mptcp_dss_csum_add(cs, r->buf + at, first);
  if (len > first) mptcp_dss_csum_add(cs, r->buf, len - first);
}

/* Does the checksum of mapping @p m hold over its own bytes (m->sum, all of
 * them received)? A mapping added late has its sum taken over the ring,
 * which holds its bytes unless another copy got there first; bytes
 * delivered already are gone from it, and the rest is then taken as the
 * copy delivered vouched for their start. */
static int sum_holds(const struct mptcp_subflow *sf, const mptcp_rxmap *m) {
  const struct mptcp_conn *c = sf->conn;
  mptcp_dss_csum_state cs;
  mptcp_dss_csum_init(&cs, m->dsn, m->ssn, (uint16_t)(m->len + m->fin));
  if (!m->late) {
    cs.sum += m->sum; /* init's sum is a partial one far below 2^32 */
    return mptcp_dss_csum_check(&cs, m->csum);
  }
  if ((int64_t)(m->dsn - c->mp.rcv_nxt) < 0) return 1;
  uint64_t off = m->dsn - c->mp.rcv_nxt;
  if (c->rcv.len + off + m->len > c->rcv.cap) return 1; /* never placed */
  ring_sum(&c->rcv, c->rcv.len + (size_t)off, m->len, &cs);
  return mptcp_dss_csum_check(&cs, m->csum);
}

/* Adds the payload sum @p s (mptcp_csum_partial, not folded) of bytes
 * starting @p pos bytes into mapping @p k. */
static void sum_add(mptcp_rxmap *k, uint32_t pos, uint32_t s) {
  uint32_t f = mptcp_csum_fold(s);
  if (pos & 1) f = ((f & 0xffu) << 8) | (f >> 8); /* RFC 1071 §2(B) */
  k->sum = (uint16_t)mptcp_csum_fold((uint64_t)k->sum + f);
}

/* Adds subflow bytes [ssn, ssn + n) (relative; payload @p p) of mapping
 * @p k to its sum, but for those the subflow holds already (a resend). */
static void sum_new(const struct mptcp_subflow *sf, mptcp_rxmap *k,
                    uint32_t ssn, const uint8_t *p, uint32_t n) {
  const mptcp_tcp *t = &sf->tcp;
  uint32_t at = t->irs + ssn - t->rcv_nxt;
  for (uint32_t i = 0; i < n;) {
    int own;
    uint32_t len = mptcp_ranges_span(&t->ooo, at + i, n - i, &own);
    if (!own) sum_add(k, ssn + i - k->ssn, mptcp_csum_partial(p + i, len, 0));
    i += len;
  }
}

/* Connection bytes [lo, hi) (DSNs) are valid: marks what of them is not
 * below RCV.NXT(DSN). -1 when the range set is full. */
static int mark_dsn(struct mptcp_subflow *sf, uint64_t lo, uint64_t hi) {
  struct mptcp_conn *c = sf->conn;
  if ((int64_t)(lo - c->mp.rcv_nxt) < 0) lo = c->mp.rcv_nxt;
  if ((int64_t)(hi - lo) <= 0) return 0;
  uint64_t off = lo - c->mp.rcv_nxt;
  if (c->rcv.len + off + (hi - lo) > c->rcv.cap) return 0; /* never placed */
  return mptcp_sf_mark_present(sf, (uint32_t)off, (uint32_t)(hi - lo));
}

/* Mapping @p m's own bytes are valid: marks them, but for those where a
 * copy placed first differed (the ring holds that copy: its own mapping
 * marks it, or gives it up and the peer sends it again). */
static int mark_own(struct mptcp_subflow *sf, const mptcp_rxmap *m) {
  uint64_t end = m->dsn + m->len;
  if (m->div_hi <= m->div_lo) return mark_dsn(sf, m->dsn, end);
  int r = mark_dsn(sf, m->dsn, m->dsn + m->div_lo);
  return mark_dsn(sf, m->dsn + m->div_hi, end) < 0 ? -1 : r;
}

/* A checksum failed (§3.7): counted; on a single path the MP_FAIL
 * procedure starts (mpfail.c), with several subflows this one is reset
 * with MP_FAIL naming the mapping's DSN and the peer resends from there on
 * another subflow. */
static void csum_failed(struct mptcp_subflow *sf, const mptcp_rxmap *m) {
  struct mptcp_conn *c = sf->conn;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DSS_CSUM_ERR);
  int fail = mptcp_fail_csum(sf, m);
  if (fail == 0) return;
  if (fail > 0) { /* taken as TCP would take it (mpfail.c) */
    mark_dsn(sf, m->dsn, m->dsn + m->len);
    return;
  }
  MPTCP_LOG(c->st, MPTCP_LOG_INFO,
            "tcp %u>%u: DSS checksum failed (ssn %u), subflow reset",
            MPTCP_LOG_CONN(sf), m->ssn);
  sf->broken = 1;
  sf->rst_reason = MPTCP_RESET_REASON_MPTCP;
  if (!sf->fail_set) {
    sf->fail_set = 1;
    sf->fail_dsn = m->dsn;
  }
}

/* Several subflows ever (a duplicate may come on another one)? */
static int multi(const struct mptcp_subflow *sf) {
  return sf->conn->multi || sf->join;
}

/* With DSS checksums a mapping's bytes count only once all of them have
 * arrived in subflow order and the checksum over them as received holds
 * (§3.3.1), or earlier when it held as soon as all were in (check_ahead:
 * m->ok). After a failure of ours nothing counts until the peer's
 * infinite mapping. A copy of bytes delivered already is checked too when
 * it came on one of several subflows (a corrupted path shows); on a
 * single path only a probe maps old bytes. */
static void mapping_complete(const mptcp_rxmap *m, void *ud) {
  mptcp_subflow *sf = ud;
  struct mptcp_conn *c = sf->conn;
  if (!m->has_csum || c->mp.state != MPTCP_MP_ON) return;
  if (c->fail == MPFAIL_SENT) {
    mptcp_fail_held_map(sf, m);
    return;
  }
  if (m->ok || (m->bad && multi(sf))) return; /* marked, or reacted to */
  /* A mapping running past the peer's DATA_FIN: place() dropped its tail,
   * so there is nothing to sum and nothing to deliver. */
  if (mptcp_mp_rx_after_fin(&c->mp, m->dsn, m->len)) return;
  int old = (int64_t)(m->dsn + m->len - c->mp.rcv_nxt) <= 0;
  if (old && !multi(sf)) return;
  if (!sum_holds(sf, m)) {
    csum_failed(sf, m);
    return;
  }
  mark_own(sf, m);
}

/* Checksummed mapping @p m is all in, ahead of the subflow's next byte:
 * its bytes count now if the checksum holds, so that a full mapping table
 * can give the mapping up for one nearer (map_placed). A failure with
 * several subflows resets this one at once; on a single path it waits for
 * the subflow to get there in order (mapping_complete: bytes before it are
 * still to be delivered, and MP_FAIL names where delivery stops, §3.7),
 * unless the table needs its slot first (renege). Mappings reaching below
 * RCV.NXT(DSN) wait too. */
static void check_ahead(struct mptcp_subflow *sf, mptcp_rxmap *m) {
  struct mptcp_conn *c = sf->conn;
  if (m->ok || m->bad || c->fail || c->mp.state != MPTCP_MP_ON ||
      !held(sf, m) || (int64_t)(m->dsn - c->mp.rcv_nxt) < 0 ||
      mptcp_mp_rx_after_fin(&c->mp, m->dsn, m->len))
    return;
  if (!sum_holds(sf, m)) {
    m->bad = 1;
    if (multi(sf)) csum_failed(sf, m);
    return;
  }
  if (mark_own(sf, m) < 0) return;
  m->ok = 1;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DSS_CSUM_AHEAD);
}

/* Subflow bytes [ssn, ssn + len) (relative) came out of order. */
static void check_ahead_range(struct mptcp_subflow *sf, uint32_t ssn,
                              uint32_t len) {
  for (unsigned i = 0; i < sf->rxm.n; i++) {
    mptcp_rxmap *m = &sf->rxm.m[i];
    if (m->has_csum && mptcp_seq_lt(m->ssn, ssn + len) &&
        mptcp_seq_lt(ssn, m->ssn + m->len))
      check_ahead(sf, m);
  }
}

/* @p n bytes arrived that the connection had already (from another
 * subflow: a reinjection or a redundant copy): counted, never delivered
 * twice. */
static void dup_rx(struct mptcp_conn *c, uint32_t n) {
  c->bytes_dup_rcvd += n;
  c->st->ctr.v[MPTCP_CTR_MP_DUP_RX_BYTES] += n;
}

/* Bytes of [off, off + n) that the range set @p r covers. */
static uint32_t overlap(const mptcp_ranges *r, uint32_t off, uint32_t n) {
  if (off > UINT32_MAX - n) return 0; /* not an offset ahead */
  return mptcp_ranges_bytes_above(r, off) -
         mptcp_ranges_bytes_above(r, off + n);
}

/* Another subflow of sf's connection whose mappings may still count (not
 * reset, not closed)? */
static int live_other(const struct mptcp_subflow *sf,
                      const struct mptcp_subflow *o) {
  return o && o != sf && !o->broken && o->tcp.state != MPTCP_TCP_CLOSED;
}

/* Does another live subflow hold checksummed bytes not yet verified? */
static int others_pending(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  for (unsigned i = 0; i < c->n_sf; i++)
    if (live_other(sf, c->sf[i]) && c->sf[i]->rxm.n) return 1;
  return 0;
}

/* Like mptcp_ranges_span for connection bytes from DSN @p dsn: are they
 * held, unverified, by another subflow's checksummed mapping (placed
 * there first)? */
static uint32_t claim_span(const struct mptcp_subflow *sf, uint64_t dsn,
                           uint32_t max, int *in) {
  const struct mptcp_conn *c = sf->conn;
  uint32_t len = max;
  *in = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *o = c->sf[i];
    if (!live_other(sf, o)) continue;
    uint32_t next = o->tcp.rcv_nxt - o->tcp.irs;
    for (unsigned j = 0; j < o->rxm.n; j++) {
      const mptcp_rxmap *k = &o->rxm.m[j];
      if (!k->has_csum || k->ok || k->bad) continue;
      int64_t rel = (int64_t)(dsn - k->dsn);
      if (rel < 0) { /* ahead of us: ends the stretch there */
        if ((uint64_t)-rel < len) len = (uint32_t)-rel;
        continue;
      }
      if ((uint64_t)rel >= k->len) continue;
      uint32_t ssn = k->ssn + (uint32_t)rel, rest = k->len - (uint32_t)rel;
      int h = 1;
      uint32_t l = mptcp_seq_lt(ssn, next)
                       ? next - ssn
                       : mptcp_ranges_span(&o->tcp.ooo, ssn - next, rest, &h);
      if (l > rest) l = rest;
      *in |= h;
      if (l < len) len = l;
    }
  }
  return len;
}

/* Writes connection bytes [off, off + n) from RCV.NXT(DSN) (DSN @p dsn,
 * relative subflow byte @p ssn, payload @p p) into the ring but where the
 * first copy placed must stay: bytes present, bytes this subflow holds
 * already (a resend), and with checksums bytes another subflow's mapping
 * holds unverified. A later copy that differs from one placed is counted.
 * With checksums (mapping @p k) the bytes new to the subflow are added to
 * its sum, and div[] is the DSN hull of those that differ from another's
 * unverified copy (div_note). */
static void write_free(struct mptcp_subflow *sf, mptcp_rxmap *k, uint32_t off,
                       uint64_t dsn, uint32_t ssn, const uint8_t *p, uint32_t n,
                       uint64_t div[2]) {
  struct mptcp_conn *c = sf->conn;
  const mptcp_tcp *t = &sf->tcp;
  uint32_t at = t->irs + ssn - t->rcv_nxt;
  for (uint32_t i = 0; i < n;) {
    int taken, own = 0, claimed = 0;
    uint32_t len = mptcp_ranges_span(&c->mp.ooo, off + i, n - i, &taken);
    if (k) {
      len = mptcp_ranges_span(&t->ooo, at + i, len, &own);
      len = claim_span(sf, dsn + i, len, &claimed);
    }
    size_t ring_off = c->rcv.len + off + i;
    if (own) {
      /* ours already: summed and placed (or not) when it first came */
    } else if (taken || claimed) {
      if (k) sum_add(k, ssn + i - k->ssn, mptcp_csum_partial(p + i, len, 0));
      if (mptcp_ring_differs(&c->rcv, ring_off, p + i, len)) {
        mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DUP_RX_DIFFER);
        if (claimed && div[1] <= div[0]) div[0] = dsn + i;
        if (claimed) div[1] = dsn + i + len;
      }
    } else if (k) {
      sum_add(k, ssn + i - k->ssn,
              mptcp_ring_write_csum(&c->rcv, ring_off, p + i, len));
    } else {
      mptcp_ring_write_at(&c->rcv, ring_off, p + i, len);
    }
    i += len;
  }
}

/* Mapping @p k covers DSNs [div[0], div[1]) in part or whole, where the
 * ring holds another copy that differed from ours: its hull grows. */
static void div_note(mptcp_rxmap *k, const uint64_t div[2]) {
  uint64_t lo = div[0] > k->dsn ? div[0] : k->dsn;
  uint64_t hi = div[1] < k->dsn + k->len ? div[1] : k->dsn + k->len;
  if (hi <= lo) return;
  uint16_t a = (uint16_t)(lo - k->dsn), b = (uint16_t)(hi - k->dsn);
  if (k->div_hi <= k->div_lo || a < k->div_lo) k->div_lo = a;
  if (b > k->div_hi) k->div_hi = b;
}

/* Subflow bytes [ssn, ssn + n) (payload @p p) were placed through mapping
 * @p k: other checksummed mappings of the subflow that cover some of them
 * (consistent overlaps: a peer may map bytes again, differently cut) sum
 * their share too, and learn of copies that differed. */
static void also_covering(struct mptcp_subflow *sf, const mptcp_rxmap *k,
                          uint32_t ssn, const uint8_t *p, uint32_t n,
                          const uint64_t div[2]) {
  /* The table is sorted by SSN and lookup found the first mapping that
   * covers ssn: only later ones may overlap, up to the first beyond. */
  for (unsigned i = (unsigned)(k - sf->rxm.m) + 1; i < sf->rxm.n; i++) {
    mptcp_rxmap *o = &sf->rxm.m[i];
    if (!mptcp_seq_lt(o->ssn, ssn + n)) break;
    if (!o->has_csum || !mptcp_seq_lt(ssn, o->ssn + o->len)) continue;
    uint32_t lo = mptcp_seq_gt(o->ssn, ssn) ? o->ssn : ssn;
    uint32_t hi =
        mptcp_seq_lt(o->ssn + o->len, ssn + n) ? o->ssn + o->len : ssn + n;
    sum_new(sf, o, lo, p + (lo - ssn), hi - lo);
    div_note(o, div);
  }
}

/* Places subflow bytes [seq, seq + len) at their DSNs; returns how many
 * leading bytes could be placed (the rest has no mapping, then
 * *unmapped is set, or no room). With checksums each mapping sums the
 * bytes it receives (sum_new). */
static uint32_t place(struct mptcp_subflow *sf, uint32_t seq, const uint8_t *d,
                      uint32_t len, int *unmapped) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  uint32_t done = 0;
  size_t room_sz = c->rcv.cap - c->rcv.len;
  uint32_t room = room_sz > UINT32_MAX ? UINT32_MAX : (uint32_t)room_sz;
  const uint64_t nodiv[2] = {0, 0};
  while (done < len) {
    uint64_t dsn;
    const mptcp_rxmap *km = NULL;
    uint32_t ssn = seq + done - t->irs;
    uint32_t run = mptcp_rxmaps_lookup(&sf->rxm, ssn, &dsn, &km);
    if (run == 0) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DSS_NO_MAPPING);
      MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
                "tcp %u>%u: no mapping for ssn %u (%u bytes), %u known",
                MPTCP_LOG_CONN(sf), ssn, len - done, (unsigned)sf->rxm.n);
      *unmapped = 1;
      break;
    }
    /* The table's own entry (lookup hands it out read-only). */
    mptcp_rxmap *k = c->mp.checksum ? sf->rxm.m + (km - sf->rxm.m) : NULL;
    if (run > len - done) run = len - done;
    /* Bytes at or beyond the peer's DATA_FIN: a misbehaving peer. They
     * are received at subflow level (a retransmission would change
     * nothing) but never reach the application, which has had its EOF. */
    uint32_t late = mptcp_mp_rx_after_fin(&c->mp, dsn, run);
    if (late) mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DATA_AFTER_FIN);
    uint32_t use = run - late;
    if ((int64_t)(dsn + use - c->mp.rcv_nxt) <= 0) {
      /* All of it is old: a duplicate from another path, or Linux's
       * zero-window probe, which maps an already acknowledged DSN. It is
       * received at subflow level and changes nothing above. */
      dup_rx(c, use);
      if (k) {
        sum_new(sf, k, ssn, d + done, run);
        also_covering(sf, k, ssn, d + done, run, nodiv);
      }
      done += run;
      continue;
    }
    uint64_t at = dsn;
    uint32_t off = 0;
    uint32_t n = mptcp_mp_rx_slot(&c->mp, &at, use, room, &off);
    uint32_t skip = (uint32_t)(at - dsn);
    /* Beyond the connection's window: not received at subflow level
     * either (§3.3.5: in window at both levels). */
    if (n == 0) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DATA_OUT_OF_WINDOW);
      break; /* beyond the connection's window: not received */
    }
    size_t before = c->rcv.len;
    /* Bytes already there: below RCV.NXT(DSN), or present ahead. With
     * checksums bytes wait unmarked for their whole mapping; a resent
     * segment's are then known from the subflow's own out-of-order set. */
    uint32_t old = k ? overlap(&t->ooo, seq + done + skip - t->rcv_nxt, n)
                     : overlap(&c->mp.ooo, off, n);
    if (skip + old) dup_rx(c, skip + old);
    const uint8_t *src = d + done + skip;
    uint32_t rcvd = n < use - skip ? skip + n : run; /* the subflow takes */
    if (!k && !old) {
      mptcp_ring_write_at(&c->rcv, c->rcv.len + off, src, n);
    } else if (k && !skip && !old && rcvd == n && !others_pending(sf) &&
               !overlap(&c->mp.ooo, off, n)) {
      /* The common case with checksums: summed while copied (one pass
       * over the bytes; fewer instructions than a copy and a sum). */
      sum_add(k, ssn - k->ssn,
              mptcp_ring_write_csum(&c->rcv, c->rcv.len + off, src, n));
      also_covering(sf, k, ssn, src, n, nodiv);
    } else {
      uint64_t div[2] = {0, 0};
      if (k) sum_new(sf, k, ssn, d + done, skip); /* below RCV.NXT(DSN) */
      write_free(sf, k, off, at, ssn + skip, src, n, div);
      if (k) {
        sum_new(sf, k, ssn + skip + n, src + n, rcvd - skip - n);
        div_note(k, div);
        also_covering(sf, k, ssn, d + done, rcvd, div);
      }
    }
    sf->tcp.bytes_received += n - old; /* new to the connection */
    /* Checksummed bytes wait for their whole mapping. */
    if (!k && mptcp_sf_mark_present(sf, off, n) < 0) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_OFO_DROP);
      break; /* too many holes: not received */
    }
    uint32_t adv = (uint32_t)(c->rcv.len - before);
    room = room > adv ? room - adv : 0;
    if (n < use - skip) { /* the window ended inside this run */
      done += skip + n;
      break;
    }
    done += run;
  }
  return done;
}

static int take(struct mptcp_subflow *sf, uint32_t seq, const uint8_t *d,
                uint32_t len, int fin, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  if (len == 0 && !fin) return 0;
  uint32_t off = seq - t->rcv_nxt;
  /* With checksums the bytes are summed as they are placed: a segment the
   * subflow could not keep would be summed twice when it comes again. (A
   * range from off on joins one that touches off, whatever its length.) */
  if (len && off && c->mp.checksum &&
      !mptcp_ranges_can_add(&t->ooo, off, off + 1)) {
    mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_OFO_DROP);
    t->flags |= TCPF_ACK_NOW;
    return 0;
  }
  if (len) {
    int unmapped = 0;
    uint32_t got = place(sf, seq, d, len, &unmapped);
    if (got < len) {
      /* Ahead of the segment with its mapping (lost or late): held, not
       * acknowledged, until the mapping comes. */
      if (unmapped && seq + got != t->rcv_nxt)
        (void)mptcp_rxstash_put(&sf->stash, &c->st->alloc, t->rcv_nxt - t->irs,
                                seq + got - t->irs, d + got, len - got);
      len = got;
      fin = 0;
      t->flags |= TCPF_ACK_NOW;
      if (len == 0) return 0;
    }
  }
  /* Subflow-level bookkeeping, as for plain TCP (the bytes themselves are
   * already at their connection-level place). */
  if (off != 0) {
    if (len && mptcp_ranges_add(&t->ooo, off, off + len)) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_OFO_DROP);
    } else {
      if (len) t->ooo_last = seq;
      if (len && c->mp.checksum) check_ahead_range(sf, seq - t->irs, len);
      if (fin) {
        t->fin_at = seq + len;
        t->flags |= TCPF_FIN_OOO;
      }
    }
    if (len) mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_OFO_QUEUED);
    t->flags |= TCPF_ACK_NOW;
    return 0;
  }
  int had_holes = t->ooo.n > 0;
  mptcp_ranges_advance(&t->ooo, len);
  uint32_t adv = len + mptcp_ranges_head(&t->ooo);
  mptcp_ranges_advance(&t->ooo, adv - len);
  t->rcv_nxt += adv;
  mptcp_rxmaps_advance(&sf->rxm, t->rcv_nxt - t->irs, mapping_complete, sf);
  if (had_holes || t->ooo.n) t->flags |= TCPF_ACK_NOW;
  int early_fin_due = (t->flags & TCPF_FIN_OOO) && t->rcv_nxt == t->fin_at;
  /* A FIN where the peer also sent bytes (held ahead of their mapping, or
   * out of order) is a peer bug; as with plain TCP the bytes win: taking
   * the FIN would leave its sequence number a hole inside their mapping. */
  int bytes_past =
      t->ooo.n > 0 || mptcp_rxstash_holds_from(&sf->stash, t->rcv_nxt - t->irs);
  if ((fin || early_fin_due) && !bytes_past) {
    t->rcv_nxt++;
    t->flags |= TCPF_FIN_RCVD | TCPF_ACK_NOW;
    t->flags &= (uint16_t)~TCPF_FIN_OOO;
    t->ooo.n = 0;
  } else if (fin) {
    t->flags |= TCPF_ACK_NOW;
  }
  if (adv && !(t->flags & TCPF_ACK_NOW)) {
    if (mptcp_tcp_count_rx(t, len, c->st->rx_gso_size))
      t->flags |= TCPF_ACK_NOW;
    else if (t->t_delack == MPTCP_TSTAMP_NONE)
      t->t_delack = now + c->st->s.delack;
  }
  return 0; /* READABLE is posted by place() for connection-level data */
}

/* Held bytes that a known mapping now covers go in as if they had just
 * arrived (rxstash.h). */
static int stash_flush(struct mptcp_subflow *sf, mptcp_tstamp now) {
  mptcp_tcp *t = &sf->tcp;
  mptcp_alloc *a = &sf->conn->st->alloc;
  uint8_t tmp[2048];
  int r = 0;
  for (;;) {
    mptcp_rxstash_sync(&sf->stash, a, t->rcv_nxt - t->irs);
    uint32_t got = 0, ssn = 0;
    for (unsigned i = 0; i < sf->rxm.n && sf->stash.n && !got; i++) {
      const mptcp_rxmap *m = &sf->rxm.m[i];
      got = mptcp_rxstash_take(&sf->stash, m->ssn, m->ssn + m->len, tmp,
                               sizeof tmp, &ssn);
    }
    if (!got) return r;
    r |= take(sf, t->irs + ssn, tmp, got, 0, now);
  }
}

int mptcp_sf_take_data(struct mptcp_subflow *sf, uint32_t seq, const uint8_t *d,
                       uint32_t len, int fin, mptcp_tstamp now) {
  int r = take(sf, seq, d, len, fin, now);
  /* Nothing is taken past the peer's FIN (the FIN waits while bytes are
   * held beyond it, take()). */
  if (sf->tcp.flags & TCPF_FIN_RCVD)
    mptcp_rxstash_free(&sf->stash, &sf->conn->st->alloc);
  else if (sf->stash.n)
    r |= stash_flush(sf, now);
  return r;
}

int mptcp_sf_third_ack_due(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  if (sf->join) return sf->join == SF_JOIN_ACK_DUE;
  return c->mp.state == MPTCP_MP_ON && c->mp.client && sf->mpc_echo &&
         !sf->third_ack_sent && sf->tcp.snd_max == sf->tcp.iss + 1;
}

void mptcp_sf_third_ack_sent(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  if (sf->join) {
    /* §3.2: no data until the peer acknowledges this ACK; it is sent
     * again at each timeout until then. */
    sf->join = SF_JOIN_WAIT;
    sf->tcp.t_rtx = now + sf->tcp.rto;
    return;
  }
  sf->third_ack_sent = 1;
  /* v0 has no MP_CAPABLE with data: its first data carries a DSS. */
  if (c->mp.version == 0) sf->mpc_echo = 0;
}

void mptcp_sf_join_acked(struct mptcp_subflow *sf) {
  mptcp_tcp *t = &sf->tcp;
  if (sf->conn->fail) { /* an MP_FAIL exchange began meanwhile (§3.7) */
    mptcp_ctr_inc(sf->conn->st, MPTCP_CTR_MP_JOIN_REFUSED);
    sf->broken = 1;
    sf->rst_reason = MPTCP_RESET_REASON_PROHIBITED;
    return;
  }
  sf->join = SF_JOIN_DONE;
  sf->conn->multi = 1;
  mptcp_pm_subflow_joined(sf);
  if (t->snd_max == t->snd_una) t->t_rtx = MPTCP_TSTAMP_NONE;
  t->retries = 0;
  mptcp_conn_post(sf->conn, MPTCP_EV_SUBFLOW);
  mptcp_conn_want_output(sf->conn);
}

int mptcp_sf_join_rto(struct mptcp_subflow *sf) {
  if (sf->join != SF_JOIN_WAIT) return 0;
  sf->join = SF_JOIN_ACK_DUE;
  mptcp_conn_want_output(sf->conn);
  return 1;
}

/* RFC 8684 §3.7: the peer acknowledges data, or sends data, without any
 * DSS: options are lost on this path (or the peer fell back, e.g. a
 * Linux listener whose handshake completed without MP_CAPABLE). With one
 * subflow both ends continue as plain TCP. The send ring is cut to the
 * subflow's SND.UNA (the peer has the bytes before it as TCP data), so
 * ring offsets are TCP sequence offsets again. */
static void fall_back_late(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FALLBACK_DATA);
  MPTCP_LOG(c->st, MPTCP_LOG_INFO,
            "tcp %u>%u: no DSS from the peer, MPTCP fell back to TCP",
            MPTCP_LOG_CONN(sf));
  (void)mptcp_sf_fall_back(sf, mptcp_sf_una_dsn(sf)); /* else reset */
}

/* The DSN our mappings put at relative SSN @p ssn, from SND.UNA on. */
static uint64_t dsn_at(const struct mptcp_subflow *sf, uint32_t ssn) {
  const mptcp_txmap *r = mptcp_txmaps_find(&sf->txm, ssn);
  if (r) return r->dsn + (ssn - r->ssn);
  /* All acknowledged: the latest mapping goes on from there. */
  return sf->last_map_set ? sf->last_map_off + ssn : sf->conn->mp.snd_nxt;
}

uint64_t mptcp_sf_una_dsn(const struct mptcp_subflow *sf) {
  return dsn_at(sf, sf->tcp.snd_una - sf->tcp.iss);
}

int mptcp_sf_fall_back(struct mptcp_subflow *sf, uint64_t dsn) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  uint64_t end = c->snd_dsn + c->snd.len;
  if (dsn > end) dsn = end;
  /* The peer's RCV.NXT: this segment's ACK, which TCP takes after us. */
  uint32_t ack = sf->seg_ack;
  if (!mptcp_seq_gt(ack, t->snd_una) || mptcp_seq_gt(ack, t->snd_max))
    ack = t->snd_una;
  /* The data DATA_ACKed (not the DATA_FIN's octet); once our FIN is
   * acknowledged nothing goes out any more. */
  uint64_t dacked = c->mp.snd_una < end ? c->mp.snd_una : end;
  int fin_acked = sf->sf_fin_set && mptcp_seq_gt(ack, sf->sf_fin_seq);
  int behind =
      !fin_acked &&
      (ack != t->snd_una ? dsn_at(sf, ack - t->iss) < dacked : dsn < dacked);
  if (behind && ack != t->snd_max) {
    /* Copies of old data (a data-level resend, dretx.c) are in flight
     * past the peer's RCV.NXT: a peer that falls back would take them as
     * the data after its DATA_ACK, and nothing sent now can take their
     * place (one sequence number, one octet). Plain TCP cannot go on
     * (§3.7): the subflow, the only one, is reset. */
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FALLBACK_UNSAFE);
    MPTCP_LOG(c->st, MPTCP_LOG_INFO,
              "tcp %u>%u: resent data in flight, no fallback: reset",
              MPTCP_LOG_CONN(sf));
    sf->broken = 1;
    sf->rst_reason = MPTCP_RESET_REASON_MIDDLEBOX;
    return -1;
  }
  drop_other_subflows(sf);
  if (behind) {
    /* There our mappings put a DSN the peer DATA_ACKed since: the latest
     * mapping (a data-level resend) continues below the DATA_ACK. A peer
     * that falls back takes the bytes from its RCV.NXT (all we sent) as
     * the data after its DATA_ACK (Linux); our own infinite mapping there
     * says so to one that follows mappings. */
    dsn = dacked;
    mptcp_tcp_unsend(t, ack);
    c->infmap_due = 1;
    c->infmap_ssn = t->snd_una - t->iss;
    c->infmap_dsn = dsn;
  }
  if (dsn < c->snd_dsn) dsn = c->snd_dsn; /* (our FIN acknowledged) */
  if (dsn > c->snd_dsn) mptcp_ring_drop(&c->snd, (size_t)(dsn - c->snd_dsn));
  c->snd_dsn = dsn;
  /* The bytes TCP acknowledged while DATA_ACKs stood still (MP_FAIL) are
   * gone now; no later ACK may come to say so. */
  mptcp_conn_writable_again(c);
  mptcp_sf_free_maps(sf);
  c->mp.ooo.n = 0;
  /* Bytes past a hole sit in the ring at their mappings' DSNs (or sat in
   * the stash), not where plain TCP puts them: forgotten, SACKed or not
   * (RFC 2018 §8 lets a receiver renege); the peer sends them again. */
  sf->tcp.ooo.n = 0;
  sf->tcp.flags &= (uint16_t)~TCPF_FIN_OOO;
  if (c->mp.local_key_set)
    mptcp_token_remove(&c->st->tokens, c->mp.local_token, c);
  c->mp.local_key_set = 0;
  c->mp.state = MPTCP_MP_FALLBACK;
  c->fail = MPFAIL_NONE;
  c->fail_at = MPTCP_TSTAMP_NONE;
  sf->mpc_echo = 0;
  mptcp_conn_post(c, MPTCP_EV_FALLBACK);
  return 0;
}

/* Bytes of the subflow's last mapping not sent yet: a mapping covers the
 * run it was made for, sent in the segments after its first. */
static uint32_t reserved(const struct mptcp_subflow *sf) {
  const mptcp_txmap *r = mptcp_txmaps_at(&sf->txm, sf->txm.n - 1);
  if (!r) return 0;
  uint32_t end = r->ssn + r->len, nxt = sf->tcp.snd_max - sf->tcp.iss;
  return mptcp_seq_gt(end, nxt) ? end - nxt : 0;
}

uint32_t mptcp_sf_mapped_rest(const struct mptcp_subflow *sf) {
  return reserved(sf);
}

uint32_t mptcp_sf_stream_len(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  const mptcp_tcp *t = &sf->tcp;
  uint32_t out = t->snd_max - t->snd_una + reserved(sf);
  /* The FIN's octet, if in flight, is not stream data (TCPF_FIN_SENT is
   * cleared by a timeout, so its place is remembered separately). */
  if (sf->sf_fin_set && mptcp_seq_geq(sf->sf_fin_seq, t->snd_una) &&
      mptcp_seq_lt(sf->sf_fin_seq, t->snd_max))
    out--;
  /* Then its queue (reinjections, copies); new data counts only for the
   * subflow the scheduler picked, and not while the old mappings drain
   * before an infinite mapping (mpfail.c). */
  uint64_t q = (uint64_t)out + mptcp_dsnq_bytes(&sf->txq);
  /* Not on a join before the peer acknowledged its third ACK (§3.2), even
   * as the connection's only subflow (found by fuzz_multipath). */
  if (mptcp_sf_joined(sf) && (c->n_sf == 1 || c->sched == sf) &&
      c->fail != MPFAIL_RCVD)
    q += mptcp_conn_unmapped(c);
  return q > UINT32_MAX ? UINT32_MAX : (uint32_t)q;
}

uint32_t mptcp_conn_unmapped(const struct mptcp_conn *c) {
  uint64_t end = c->snd_dsn + c->snd.len;
  uint64_t n = end > c->mp.snd_nxt ? end - c->mp.snd_nxt : 0;
  return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t mptcp_sf_new_run(const struct mptcp_subflow *sf) {
  uint32_t rest = reserved(sf);
  if (rest) return rest;
  uint64_t dsn;
  uint32_t run = mptcp_txq_head(sf, &dsn);
  return run ? run : UINT32_MAX;
}

int mptcp_sf_fin_ok(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  if (c->mp.state != MPTCP_MP_ON) return 1;
  /* Not on the rest of a mapping: its DATA_FIN could only go alone on
   * that data, which Linux notes but acts on late (the peer's close then
   * waits); a FIN of its own carries it (or a new mapping with it). */
  if (reserved(sf)) return 0;
  if (c->rj_end > c->rj_dsn || sf->txq.n || c->mp.snd_nxt < c->mp.fin_dsn ||
      c->fail == MPFAIL_RCVD)
    return 0;
  /* No subflow closes before the peer has DATA_ACKed all the data (RFC
   * 8684 §3.3.3: never close all functioning subflows before that): any
   * of them may still have to carry another's, or bytes the peer dropped
   * above TCP (dretx.c), the last one too. */
  return c->mp.snd_una >= c->mp.fin_dsn;
}

uint32_t mptcp_conn_tx_room(const struct mptcp_conn *c) {
  uint64_t r = c->mp.snd_edge - c->mp.snd_nxt;
  if (r > ((uint64_t)1 << 62)) return 0; /* edge behind snd_nxt */
  return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
}

/* Writes the options (dropping what does not fit), and their one's-
 * complement sum as 32-bit words; returns their length. */
static size_t write_opts(mptcp_tcpopts *opts, uint8_t *o, uint64_t *sum) {
  mptcp_tcpopts_fit(opts, MPTCP_TCP_OPT_MAX, 0xff);
  mptcp_ssize n = mptcp_tcpopts_write(opts, 0xff, o, MPTCP_TCP_OPT_MAX);
  size_t olen = n > 0 ? (size_t)n : 0;
  uint64_t acc = 0;
  for (size_t i = 0; i + 4 <= olen; i += 4) acc += mptcp_get32(o + i);
  *sum = acc;
  return olen;
}

/* What the DSS of segment [seq, seq + len) carries (RFC 8684 §3.3). A
 * mapping covers a run of up to 64 KiB and goes on its first segment, on
 * every retransmission of any part of it and with the FIN; the segments
 * in between carry no DSS unless the DATA_ACK has news. With checksums
 * every segment is a mapping of its own (the sum covers the mapping). */
typedef struct tx_plan {
  uint8_t map;       /* the mapping (or a DATA_FIN alone) */
  uint8_t ack;       /* the DATA_ACK */
  uint8_t fin;       /* the DATA_FIN */
  uint8_t mpc;       /* the client's MP_CAPABLE (data form) instead of a DSS */
  uint8_t fresh;     /* a new mapping: mptcp_sf_data_sent() records it */
  uint8_t dsn32;     /* the mapping's DSN goes in 32 bits */
  uint32_t ssn, len; /* the mapping: payload bytes */
  uint64_t dsn;
  uint64_t seg_dsn; /* the DSN of the segment's first byte */
} tx_plan;

/* The DATA_ACK and the right edge of our window: news when either moved
 * since the last data segment of this subflow carried them. */
static uint64_t rcv_edge(const struct mptcp_conn *c) {
  return c->mp.rcv_nxt + (c->rcv.cap - c->rcv.len);
}

static int dack_news(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  return !sf->dack_set || sf->dack_sent != c->mp.rcv_nxt ||
         sf->dack_edge != rcv_edge(c);
}

/* Length of a new mapping whose first segment carries @p len bytes: the
 * run the subflow is to send now (the scheduler's chunk of new data, or
 * of the reinjection owed what its windows allow), at most
 * settings.dss_map_max_bytes. */
static uint32_t map_len(const struct mptcp_subflow *sf, uint32_t seq,
                        uint32_t len) {
  const struct mptcp_conn *c = sf->conn;
  const mptcp_tcp *t = &sf->tcp;
  uint32_t max = c->st->s.dss_map_max_bytes;
  if (max > UINT16_MAX) max = UINT16_MAX;
  /* One segment: checksums (each sum covers its segment, as before), and
   * the client's first data, mapped by its MP_CAPABLE. */
  if (c->mp.checksum || max <= len || (sf->mpc_echo && seq == t->iss + 1))
    return len;
  /* What the windows let the subflow send now. */
  uint32_t cwnd = mptcp_tcp_cwnd(t), out = mptcp_tcp_inflight(t);
  uint32_t right = t->snd_una + t->snd_wnd;
  uint32_t room = cwnd > out ? cwnd - out : 0;
  if (!mptcp_seq_gt(right, t->snd_nxt))
    room = 0;
  else if (right - t->snd_nxt < room)
    room = right - t->snd_nxt;
  uint64_t dsn;
  uint32_t run = mptcp_txq_head(sf, &dsn);
  if (run) {
    if (run > room) run = room;
  } else {
    /* With several subflows, the scheduler's chunk. */
    if (c->n_sf > 1) room = c->sched == sf ? c->sched_bytes : 0;
    uint32_t n = mptcp_conn_unmapped(c), wnd = mptcp_conn_tx_room(c);
    run = n < wnd ? n : wnd;
    if (run > room) run = room;
  }
  if (run > max) run = max;
  if (run <= len) return len;
  /* Cut short of the source: full segments after the first, the rest
   * goes with the bytes after it. */
  uint32_t src = mptcp_dsnq_bytes(&sf->txq);
  if (!src) src = mptcp_conn_unmapped(c);
  return run < src ? len + (run - len) / t->mss * t->mss : run;
}

/* Does the peer have mapping @p r? It does once it acknowledged or
 * SACKed the segment that carried it (the first): a resend then needs no
 * DSS (RFC 8684 §3.3.1: a mapping need not be repeated when the receiver
 * knows one). After a timeout (SACK information forgotten) it goes
 * again. */
static int map_known(const struct mptcp_subflow *sf, const mptcp_txmap *r) {
  const mptcp_tcp *t = &sf->tcp;
  uint32_t first = t->iss + r->m_ssn;
  if (t->retries) return 0;
  if (mptcp_seq_lt(first, t->snd_una)) return 1;
  return mptcp_ranges_contains(&t->sacked, first - t->snd_una);
}

/* May this connection's mappings carry 32-bit DSNs now (§3.3.1)? Its
 * rate, estimated from above without a division: every usable subflow's
 * window over the smallest SRTT among them. A subflow without an RTT
 * sample gives no bound: 64 bits then, and with settings.dsn64. */
static int dsn32_now(const struct mptcp_conn *c) {
  if (c->st->s.dsn64) return 0;
  uint64_t bytes = 0;
  uint32_t rtt = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const struct mptcp_subflow *x = c->sf[i];
    if (!x || !mptcp_sf_usable(x)) continue;
    if (x->tcp.srtt == 0) return 0;
    bytes += mptcp_tcp_cwnd(&x->tcp);
    if (rtt == 0 || x->tcp.srtt < rtt) rtt = x->tcp.srtt;
  }
  return mptcp_mp_dsn32_ok(bytes, rtt);
}

static void plan(const struct mptcp_subflow *sf, uint32_t seq, uint32_t len,
                 uint8_t flags, tx_plan *p) {
  const struct mptcp_conn *c = sf->conn;
  const mptcp_tcp *t = &sf->tcp;
  const mptcp_mp *m = &c->mp;
  memset(p, 0, sizeof *p);
  uint32_t ssn = seq - t->iss;
  int rtx = mptcp_seq_lt(seq, t->snd_max);
  int fin = (flags & MPTCP_TH_FIN) != 0;
  if (!len) {
    /* Our DATA_FIN goes with the subflow FIN, and again on every pure ACK
     * until acknowledged: alone (SSN 0). */
    p->fin = (fin && m->fin_queued) ||
             (m->fin_queued && !m->fin_acked && m->snd_nxt > m->fin_dsn);
    p->map = p->fin;
    p->dsn = m->fin_dsn;
    /* A duplicate ACK with SACK blocks leaves out an unchanged DATA_ACK:
     * three blocks fit beside the timestamps instead of one (not next to
     * an MP_FAIL, which the DATA_ACK explains, §3.7). */
    p->ack = !t->ooo.n || !t->sack_ok || p->fin || dack_news(sf) ||
             mptcp_fail_due(sf);
    p->mpc = sf->mpc_echo && seq == t->iss + 1 && !p->fin;
    return;
  }
  const mptcp_txmap *r = mptcp_txmaps_find(&sf->txm, ssn);
  if (r) {
    p->seg_dsn = r->dsn + (ssn - r->ssn);
    p->dsn = r->m_dsn;
    p->ssn = r->m_ssn;
    p->len = r->m_len;
    /* A resend carries the mapping at its lowest unacknowledged byte,
     * unless the peer has it: the bytes after that come in order behind
     * it (or wait at the peer for it). */
    p->map = rtx && ssn == r->ssn && !map_known(sf, r);
  } else {
    uint64_t dsn;
    p->seg_dsn = p->dsn = mptcp_txq_head(sf, &dsn) ? dsn : m->snd_nxt;
    p->ssn = ssn;
    /* A FIN ends the stream: its mapping ends with it. */
    p->len = fin ? len : map_len(sf, seq, len);
    p->map = p->fresh = 1;
  }
  if (m->checksum) { /* the segment is the mapping */
    p->dsn = p->seg_dsn;
    p->ssn = ssn;
    p->len = len;
    p->map = 1;
  }
  /* The DATA_FIN with the FIN: on a new mapping that ends at it, or on
   * each copy of one that went with it. A mapping that went without one
   * is never sent again with it (Linux takes the copy as the mapping it
   * knows and drops the DATA_FIN): a segment that ends at the DATA_FIN
   * and needs no mapping carries it alone (SSN 0, length 1, §3.3.3). */
  int at_fin = fin && m->fin_queued && p->seg_dsn + len == m->fin_dsn;
  if (m->checksum || p->fresh) {
    p->fin = at_fin;
    p->map |= p->fin;
  } else if (r->m_fin) {
    p->fin = p->map || at_fin;
    p->map = p->fin;
  } else if (at_fin && !p->map) {
    p->fin = p->map = 1;
    p->dsn = m->fin_dsn;
    p->ssn = p->len = 0;
  }
  /* After a loss the DATA_ACK goes on new data (it may have been lost
   * with a segment that carried its news), not on resends: they keep the
   * size they went with. */
  p->ack =
      dack_news(sf) || (!rtx && (t->retries || (t->flags & TCPF_RECOVERY)));
  /* Client, key not yet confirmed: the data form of MP_CAPABLE maps the
   * first data and its retransmissions (v0 maps its first data by DSS). */
  p->mpc = sf->mpc_echo && p->ssn == 1 && p->map && !p->fin && m->version >= 1;
  /* A DATA_FIN alone keeps 64 bits: it is rare, and resent on a backoff
   * timer long after the rate was estimated. */
  p->dsn32 = p->map && p->len && !p->mpc && dsn32_now(c);
}

int mptcp_sf_fin_with(const struct mptcp_subflow *sf, uint32_t seq,
                      uint32_t len) {
  const struct mptcp_conn *c = sf->conn;
  if (c->mp.state != MPTCP_MP_ON || !c->mp.fin_queued || !len) return 1;
  tx_plan p;
  plan(sf, seq, len, MPTCP_TH_FIN, &p);
  return p.fin;
}

/* Bytes of option space the DSS (or MP_CAPABLE) of a segment takes,
 * padded to 32 bits. */
static uint32_t dss_size(const struct mptcp_conn *c, const tx_plan *p) {
  if (p->mpc) return MPTCP_DSS_TX_MAX;
  uint32_t n = (p->ack ? 12u : 4u) + (p->map ? (p->dsn32 ? 10u : 14u) : 0u);
  if (p->map && c->mp.checksum) n += 2;
  if (!p->ack && !p->map) return 0;
  return (n + 3u) & ~3u;
}

uint32_t mptcp_sf_dss_room(const struct mptcp_subflow *sf, uint32_t seq) {
  const struct mptcp_conn *c = sf->conn;
  /* After a fallback: the infinite mapping until the peer has it. */
  if (c->mp.state != MPTCP_MP_ON) return c->infmap_due ? MPTCP_DSS_TX_MAX : 0;
  /* Near the end the segment may take the FIN and with it the mapping. */
  if (c->mp.fin_queued) return MPTCP_DSS_TX_MAX;
  tx_plan p;
  plan(sf, seq, 1, 0, &p);
  return dss_size(c, &p);
}

int mptcp_sf_no_dss(const struct mptcp_subflow *sf, uint32_t seq) {
  tx_plan p;
  plan(sf, seq, 1, MPTCP_TH_ACK | MPTCP_TH_PSH, &p);
  return dss_size(sf->conn, &p) == 0;
}

uint32_t mptcp_sf_tx_run(const struct mptcp_subflow *sf, uint32_t seq) {
  uint32_t ssn = seq - sf->tcp.iss;
  const mptcp_txmap *r = mptcp_txmaps_find(&sf->txm, ssn);
  if (r) return r->len - (ssn - r->ssn);
  return mptcp_sf_new_run(sf);
}

int mptcp_sf_data_sent(struct mptcp_subflow *sf, uint32_t seq, uint32_t len,
                       uint8_t flags) {
  struct mptcp_conn *c = sf->conn;
  mptcp_mp *m = &c->mp;
  tx_plan p;
  plan(sf, seq, len, flags, &p);
  if (len && p.fresh) {
    uint64_t dsn;
    int again = mptcp_txq_head(sf, &dsn) != 0;
    if (mptcp_txmaps_push(&sf->txm, seq - sf->tcp.iss, p.dsn, p.len, p.fin) !=
        0)
      return MPTCP_ERR_NOMEM;
    if (p.dsn + p.len > sf->dsn_end) sf->dsn_end = p.dsn + p.len;
    sf->last_map_off = p.dsn - (uint32_t)(seq - sf->tcp.iss);
    sf->last_map_set = 1;
    if (again) {
      mptcp_txq_sent(sf, p.len);
    } else {
      m->snd_nxt += p.len;
      mptcp_txq_copy_new(sf, p.dsn, p.len);
    }
  }
  if (sf->dack_wrote) {
    sf->dack_set = 1;
    sf->dack_sent = m->rcv_nxt;
    sf->dack_edge = rcv_edge(c);
  }
  if (!len && !(flags & MPTCP_TH_FIN) && mptcp_fail_due(sf))
    mptcp_fail_sent(sf);
  if (flags & MPTCP_TH_FIN) {
    sf->sf_fin_seq = seq + len;
    sf->sf_fin_set = 1;
    if (m->fin_queued && m->snd_nxt <= m->fin_dsn) m->snd_nxt = m->fin_dsn + 1;
  }
  return 0;
}

/* The TCP options of every synchronized segment: timestamps and SACK. */
static void base_opts(const struct mptcp_subflow *sf, mptcp_tstamp now,
                      mptcp_tcpopts *opts) {
  const mptcp_tcp *t = &sf->tcp;
  opts->present = 0;
  opts->n_sack = opts->n_mptcp = opts->n_unknown = opts->n_malformed = 0;
  opts->n_mptcp_bad = 0;
  if (t->ts_ok) {
    opts->present |= MPTCP_HAS_TS;
    opts->ts_val = (uint32_t)(now / 1000) + t->ts_offset;
    opts->ts_ecr = t->ts_recent;
  }
  if (t->sack_ok && t->ooo.n) {
    opts->present |= MPTCP_HAS_SACK;
    opts->n_sack =
        (uint8_t)mptcp_tcp_sack_blocks(t, opts->sack, MPTCP_SACK_MAX);
  }
}

size_t mptcp_sf_infmap_options(struct mptcp_subflow *sf, uint8_t *o,
                               mptcp_tstamp now, uint64_t *sum) {
  const struct mptcp_conn *c = sf->conn;
  mptcp_tcpopts opts;
  base_opts(sf, now, &opts);
  /* DLL 0 (checksum field 0 when negotiated, §3.3.1); no DATA_ACK: the
   * connection level is over. */
  mptcp_subopt so;
  memset(&so, 0, sizeof so);
  so.subtype = MPTCP_SUB_DSS;
  so.u.dss.flags = MPTCP_DSS_M | MPTCP_DSS_m;
  so.u.dss.dsn = c->infmap_dsn;
  so.u.dss.ssn = c->infmap_ssn;
  so.u.dss.has_csum = c->mp.checksum;
  mptcp_tcpopts_add_mptcp(&opts, &so);
  return write_opts(&opts, o, sum);
}

size_t mptcp_sf_data_options(struct mptcp_subflow *sf, uint8_t *o, uint32_t seq,
                             uint32_t len, uint8_t flags, mptcp_tstamp now,
                             uint64_t *sum, size_t *ring_off) {
  struct mptcp_conn *c = sf->conn;
  mptcp_mp *m = &c->mp;
  mptcp_tcpopts opts;
  base_opts(sf, now, &opts);
  tx_plan p;
  plan(sf, seq, len, flags, &p);
  *ring_off = len ? (size_t)(p.seg_dsn - c->snd_dsn) : 0;
  mptcp_subopt so;
  if (sf->join == SF_JOIN_ACK_DUE || sf->join == SF_JOIN_WAIT) {
    /* A join's third ACK, and every ACK until the peer acknowledges it,
     * carries our HMAC instead of a DSS (no data goes out before). */
    *ring_off = 0;
    sf->dack_wrote = 0;
    if (mptcp_join_ack_option(sf, &so) == 0)
      mptcp_tcpopts_add_mptcp(&opts, &so);
    return write_opts(&opts, o, sum);
  }
  /* A pure ACK carries our MP_FAIL (after the DSS, §3.7), or else what
   * the path manager owes (first: a DSS that no longer fits is dropped,
   * its DATA_ACK goes on the next one). */
  int pure = !len && !(flags & MPTCP_TH_FIN);
  int fail = pure && mptcp_fail_due(sf);
  if (pure && !fail && mptcp_pm_option(sf, now, &so))
    mptcp_tcpopts_add_mptcp(&opts, &so);
  uint16_t csum = 0;
  if (m->checksum && p.map) { /* §3.3.1: pseudo-header and mapped payload */
    mptcp_dss_csum_state cs;
    mptcp_dss_csum_init(&cs, p.dsn, p.ssn, (uint16_t)(p.len + p.fin));
    if (p.len) ring_sum(&c->snd, (size_t)(p.dsn - c->snd_dsn), p.len, &cs);
    csum = mptcp_dss_csum_final(&cs);
  }
  if (p.mpc) {
    /* Client, key not yet confirmed: the third ACK's MP_CAPABLE, or the
     * data form on the first data segment and its retransmissions. */
    mptcp_mpc_ack(&sf->neg, m->local_key, len > 0, (uint16_t)p.len, csum, &so);
    mptcp_tcpopts_add_mptcp(&opts, &so);
  } else if (p.map || p.ack) {
    int map = !p.map    ? MPTCP_MP_MAP_NONE
              : p.dsn32 ? MPTCP_MP_MAP32
                        : MPTCP_MP_MAP64;
    mptcp_mp_dss(m, map, p.dsn, p.ssn, (uint16_t)p.len, p.fin, csum, &so);
    if (p.fin) mptcp_dfin_sent(sf, now);
    if (!p.ack) so.u.dss.flags &= (uint8_t) ~(MPTCP_DSS_A | MPTCP_DSS_a);
    mptcp_tcpopts_add_mptcp(&opts, &so);
  }
  if (fail) {
    memset(&so, 0, sizeof so);
    so.subtype = MPTCP_SUB_FAIL;
    so.u.fail_dsn = mptcp_fail_dsn(sf);
    mptcp_tcpopts_add_mptcp(&opts, &so);
  }
  size_t n = write_opts(&opts, o, sum);
  /* Whether the DATA_ACK made it (a path-manager option may have taken
   * its room): mptcp_sf_data_sent() counts it as sent only then. */
  const mptcp_subopt *d = mptcp_find_subopt(&opts, MPTCP_SUB_DSS);
  sf->dack_wrote = d && (d->u.dss.flags & MPTCP_DSS_A);
  return n;
}

size_t mptcp_sf_rst_options(struct mptcp_subflow *sf, uint8_t *o,
                            uint64_t *sum) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcpopts opts;
  opts.present = 0;
  opts.n_sack = opts.n_mptcp = opts.n_unknown = opts.n_malformed = 0;
  opts.n_mptcp_bad = 0;
  mptcp_subopt so;
  /* A reset that ends the connection (no other subflow is open) says so
   * with the peer's key (RFC 8684 §3.5, "Option R", as Linux does); every
   * reset says why (§3.6, v1 only). */
  int fastclose = mptcp_conn_open_subflows(c) == 0;
  if (sf->fail_set) {
    memset(&so, 0, sizeof so);
    so.subtype = MPTCP_SUB_FAIL;
    so.u.fail_dsn = sf->fail_dsn;
    mptcp_tcpopts_add_mptcp(&opts, &so);
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FAIL_TX);
  }
  if (fastclose) {
    memset(&so, 0, sizeof so);
    so.subtype = MPTCP_SUB_FASTCLOSE;
    so.u.fastclose_key = c->mp.remote_key;
    mptcp_tcpopts_add_mptcp(&opts, &so);
  }
  if (c->mp.version >= 1) {
    memset(&so, 0, sizeof so);
    so.subtype = MPTCP_SUB_TCPRST;
    so.u.tcprst.reason = sf->rst_reason;
    mptcp_tcpopts_add_mptcp(&opts, &so);
  }
  if (fastclose) mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FASTCLOSE_TX);
  return write_opts(&opts, o, sum);
}

void mptcp_sf_fail_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o) {
  struct mptcp_conn *c = sf->conn;
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_FAIL);
  if (c->mp.state != MPTCP_MP_ON || !so) return;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FAIL_RX);
  mptcp_conn_reinject_from(c, sf, so->u.fail_dsn);
}

int mptcp_sf_fastclose_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o) {
  struct mptcp_conn *c = sf->conn;
  if (c->mp.state != MPTCP_MP_ON) return 0;
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_FASTCLOSE);
  if (mptcp_find_subopt(o, MPTCP_SUB_TCPRST))
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_RST_RX);
  if (!so) return 0;
  /* Only the right key counts ([Linux] ignores a wrong one, §3.5). */
  if (so->u.fastclose_key != c->mp.local_key) {
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FASTCLOSE_BAD_KEY);
    return 0;
  }
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FASTCLOSE_RX);
  return 1;
}
