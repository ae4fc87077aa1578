/* The connection's scheduler at work: snapshots of the subflows in, and
 * its decisions applied: which subflow maps new data and which get copies
 * (get_send), where a stalled or dead subflow's data goes again
 * (on_stall); the queues themselves are txq.c's.
 * SPDX-License-Identifier: MIT */
#include "conn_sched.h"

#include "conn.h"
#include "sched.h"
#include "stack_impl.h"
#include "subflow.h"
#include "txq.h"

int mptcp_sf_usable(const mptcp_subflow *sf) {
  const mptcp_tcp *t = &sf->tcp;
  if (sf->conn->mp.state != MPTCP_MP_ON) return 0;
  if (!mptcp_sf_joined(sf)) return 0;
  /* Open for sending: before its FIN (which waits for the data). */
  if (t->state != MPTCP_TCP_ESTABLISHED && t->state != MPTCP_TCP_CLOSE_WAIT &&
      t->state != MPTCP_TCP_FIN_WAIT_1 && t->state != MPTCP_TCP_LAST_ACK &&
      t->state != MPTCP_TCP_CLOSING)
    return 0;
  return !(t->flags & (TCPF_FIN_SENT | TCPF_FIN_DONE | TCPF_SEND_RST));
}

/* The scheduler's view of one subflow. */
static void snapshot(const mptcp_subflow *sf, mptcp_sched_sf *s) {
  const mptcp_tcp *t = &sf->tcp;
  s->id = sf->idx;
  s->flags = 0;
  if (mptcp_sf_usable(sf)) s->flags |= MPTCP_SCHED_SF_ACTIVE;
  if (sf->backup || sf->peer_backup) s->flags |= MPTCP_SCHED_SF_BACKUP;
  if (t->retries) s->flags |= MPTCP_SCHED_SF_STALLED;
  if (t->flags & TCPF_RECOVERY) s->flags |= MPTCP_SCHED_SF_RECOVERY;
  s->srtt_us = t->srtt;
  s->rttvar_us = t->rttvar;
  s->cwnd = mptcp_tcp_cwnd(t);
  /* In recovery the pipe, as the engine counts it before sending new
   * data: SACKed bytes have left the network, so a subflow in recovery
   * has room again before its cumulative ACK moves (else it looked full
   * and got its new data in one burst at the partial ACK). */
  s->inflight = mptcp_tcp_inflight(t);
  s->queued = mptcp_dsnq_bytes(&sf->txq);
  uint32_t right = t->snd_una + t->snd_wnd;
  s->wnd_room = (int32_t)(right - t->snd_nxt) > 0 ? right - t->snd_nxt : 0;
  s->mss = t->mss;
}

/* The connection as the scheduler sees it: snap[i] is subflow by[i]. */
static void build_view(struct mptcp_conn *c, mptcp_sched_sf *snap,
                       mptcp_subflow **by, mptcp_sched_view *v) {
  size_t n = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    if (!c->sf[i]) continue;
    by[n] = c->sf[i];
    snapshot(c->sf[i], &snap[n++]);
  }
  v->sf = snap;
  v->n = n;
  v->pending = mptcp_conn_unmapped(c);
  v->wnd = (uint32_t)(c->mp.snd_edge - c->mp.snd_una);
  v->wnd_room = mptcp_conn_tx_room(c);
  v->now = 0;
}

static void offer_owed(struct mptcp_conn *c);

void mptcp_conn_schedule(struct mptcp_conn *c) {
  offer_owed(c);
  mptcp_sched_sf snap[MPTCP_SUBFLOWS_MAX];
  mptcp_subflow *by[MPTCP_SUBFLOWS_MAX];
  mptcp_sched_view v;
  build_view(c, snap, by, &v);
  /* Waiting (full windows, a policy): the fastest usable subflow, so that
   * window probing and the FIN go on as on a single path. */
  int fastest = mptcp_sched_fastest(&v, mptcp_sched_usable(&v, 0)), i = fastest;
  uint32_t copy = 0, bytes = 0;
  /* A connection-level window below a segment and below the data: sender
   * SWS avoidance holds the data back and only window probes go, always
   * from that subflow (a scheduler that takes turns would move the data
   * away from the subflow whose persist timer runs, at every turn). */
  int probing =
      fastest >= 0 && v.wnd_room < v.pending && v.wnd_room < snap[fastest].mss;
  mptcp_sched_pick pick;
  if (!probing && c->sched_ops->get_send(c->sched_state, &v, &pick) > 0 &&
      pick.mask) {
    /* The lowest bit carries the chunk; any others get copies. */
    for (i = 0; i < (int)v.n && !(pick.mask & (1u << i)); i++) {
    }
    copy = (pick.copy | pick.mask) & ~(1u << i);
    bytes = pick.bytes;
  }
  c->sched = i >= 0 && i < (int)v.n ? by[i] : NULL;
  c->sched_bytes = bytes;
  c->copy_mask = 0;
  for (size_t k = 0; k < v.n; k++)
    if (copy & (1u << k)) c->copy_mask |= UINT32_C(1) << by[k]->idx;
}

const mptcp_cc_group *mptcp_conn_cc_group(const mptcp_subflow *sf,
                                          mptcp_cc_sf *buf, mptcp_cc_group *g) {
  const struct mptcp_conn *c = sf->conn;
  if (c->n_sf < 2 || c->mp.state != MPTCP_MP_ON) return NULL;
  size_t n = 0, self = MPTCP_SUBFLOWS_MAX;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *x = c->sf[i];
    if (!x || !mptcp_sf_usable(x)) continue;
    const mptcp_tcp *t = &x->tcp;
    /* An idle backup carries nothing: it is not a path (coupled-cc.md). */
    if ((x->backup || x->peer_backup) && t->snd_max == t->snd_una) continue;
    mptcp_cc_sf *e = &buf[n];
    e->cwnd = mptcp_tcp_cwnd(t);
    e->l1 = e->l2 = 0;
    if (t->cc->snapshot) t->cc->snapshot(t->cc_state, e);
    e->srtt_us = t->srtt;
    e->mss = t->mss;
    if (x == sf) self = n;
    n++;
  }
  if (n < 2) return NULL;
  g->n = n;
  g->sf = buf;
  g->self = self;
  return g;
}

/* 1 if a subflow other than @p sf is still open: it may carry @p sf's
 * data once it can. */
static int others_open(const struct mptcp_conn *c, const mptcp_subflow *sf) {
  for (unsigned i = 0; i < c->n_sf; i++)
    if (c->sf[i] && c->sf[i] != sf && c->sf[i]->tcp.state != MPTCP_TCP_CLOSED &&
        c->sf[i]->tcp.state != MPTCP_TCP_TIME_WAIT)
      return 1;
  return 0;
}

/* Per MPTCP_SCHED_STALL_* reason: its counter, and its words in the log. */
static const struct stall_kind {
  enum mptcp_counter ctr;
  const char *why;
} stall_kinds[] = {
    [MPTCP_SCHED_STALL_RTO] = {MPTCP_CTR_MP_REINJECT_RTO, "timeout"},
    [MPTCP_SCHED_STALL_DEAD] = {MPTCP_CTR_MP_REINJECT_DEAD, "subflow closed"},
    [MPTCP_SCHED_STALL_DATA_ACK] = {MPTCP_CTR_MP_DATA_RETRANS,
                                    "DATA_ACK stuck"},
};

/* Asks the scheduler where the ranges @p r that subflow @p sf (NULL: one
 * that is gone) answered for go again, and queues them there; returns 1
 * if some subflow took them. A dead subflow's data without a target stays
 * owed (rj_dsn..rj_end) while another subflow is open. */
static int reinject(struct mptcp_conn *c, mptcp_subflow *sf, mptcp_dsnq *r,
                    uint32_t reason) {
  mptcp_dsnq_trim(r, c->mp.snd_una);
  if (!r->n) return 1;
  mptcp_sched_sf snap[MPTCP_SUBFLOWS_MAX];
  mptcp_subflow *by[MPTCP_SUBFLOWS_MAX];
  mptcp_sched_view v;
  build_view(c, snap, by, &v);
  mptcp_sched_stall s = {MPTCP_SCHED_MAX_SF, reason, mptcp_dsnq_bytes(r)};
  for (size_t i = 0; i < v.n; i++)
    if (by[i] == sf) s.sf = (uint32_t)i;
  mptcp_sched_reinject out;
  int got = c->sched_ops->on_stall(c->sched_state, &v, &s, &out);
  uint32_t mask = got > 0 ? out.mask & ~(s.sf < 32 ? 1u << s.sf : 0) : 0;
  if (!mask || !out.bytes) {
    /* After an RTO its own retransmission goes on. */
    if (reason != MPTCP_SCHED_STALL_DEAD || !others_open(c, sf)) return 0;
    uint64_t lo = r->r[0].lo, hi = mptcp_dsnq_max(r);
    if (c->rj_end > c->rj_dsn) { /* merge with what is still owed */
      if (c->rj_dsn < lo) lo = c->rj_dsn;
      if (c->rj_end > hi) hi = c->rj_end;
    }
    c->rj_dsn = lo;
    c->rj_end = hi;
    return 0;
  }
  mptcp_dsnq_limit(r, out.bytes);
  for (size_t i = 0; i < v.n; i++)
    if (mask & (1u << i)) mptcp_txq_give(by[i], r);
  const struct stall_kind *k = &stall_kinds[reason];
  mptcp_ctr_inc(c->st, k->ctr);
  MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
            "reinjecting DSN %llu..%llu (%u bytes, %s) on %d subflow(s)",
            (unsigned long long)r->r[0].lo,
            (unsigned long long)mptcp_dsnq_max(r),
            (unsigned)mptcp_dsnq_bytes(r), k->why, mptcp_sched_popcount(mask));
  mptcp_conn_want_output(c);
  return 1;
}

/* Data of a dead subflow that found no target: offered again. */
static void offer_owed(struct mptcp_conn *c) {
  if (c->rj_end <= c->rj_dsn) return;
  mptcp_dsnq r = {{{c->rj_dsn, c->rj_end}}, 1};
  c->rj_dsn = c->rj_end = 0;
  reinject(c, NULL, &r, MPTCP_SCHED_STALL_DEAD);
}

void mptcp_conn_reinject(struct mptcp_conn *c, mptcp_subflow *sf,
                         uint32_t reason) {
  if (c->mp.state != MPTCP_MP_ON) return;
  mptcp_dsnq r;
  mptcp_txq_carried(sf, &r);
  if (reason == MPTCP_SCHED_STALL_DEAD) {
    /* Everything it carried that is not DATA_ACKed: bytes it had
     * delivered at subflow level may still be missing above (a receive
     * range set that was full, a checksum failure whose MP_FAIL reset got
     * lost), and no other subflow would ever send them again. */
    uint64_t hi =
        sf->dsn_end > mptcp_dsnq_max(&r) ? sf->dsn_end : mptcp_dsnq_max(&r);
    r.n = 0;
    mptcp_dsnq_add(&r, c->mp.snd_una, hi);
  }
  /* Its queue goes with the rest (it sends none of that now). */
  if (reinject(c, sf, &r, reason) || reason == MPTCP_SCHED_STALL_DEAD)
    sf->txq.n = 0;
}

void mptcp_conn_reinject_range(struct mptcp_conn *c, uint64_t lo, uint64_t hi,
                               uint32_t reason) {
  mptcp_dsnq r = {{{lo, hi}}, 1};
  reinject(c, NULL, &r, reason);
}

void mptcp_conn_reinject_from(struct mptcp_conn *c, mptcp_subflow *sf,
                              uint64_t dsn) {
  /* The bytes were acknowledged at subflow level (they arrived, damaged):
   * the subflow's records no longer know them, the DSN does. */
  uint64_t end = c->snd_dsn + c->snd.len;
  uint64_t hi = c->mp.snd_nxt < end ? c->mp.snd_nxt : end;
  if (c->mp.state != MPTCP_MP_ON || dsn > hi) return;
  mptcp_dsnq r = {{{dsn, hi}}, 1};
  reinject(c, sf, &r, MPTCP_SCHED_STALL_DEAD);
  sf->txq.n = 0;
}
