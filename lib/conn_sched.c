/* Scheduling new data over the subflows of an MPTCP connection, and
 * reinjection. SPDX-License-Identifier: MIT */
#include "conn_sched.h"

#include "conn.h"
#include "sched.h"
#include "stack_impl.h"
#include "subflow.h"

int mptcp_sf_usable(const mptcp_subflow *sf) {
  const mptcp_tcp *t = &sf->tcp;
  if (sf->conn->mp.state != MPTCP_MP_ON) return 0;
  if (sf->join != SF_JOIN_NONE && sf->join != SF_JOIN_DONE) return 0;
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
  s->queued = 0;
  uint32_t right = t->snd_una + t->snd_wnd;
  s->wnd_room = (int32_t)(right - t->snd_nxt) > 0 ? right - t->snd_nxt : 0;
  s->mss = t->mss;
}

void mptcp_conn_schedule(struct mptcp_conn *c) {
  mptcp_sched_sf snap[MPTCP_SUBFLOWS_MAX];
  mptcp_subflow *by[MPTCP_SUBFLOWS_MAX];
  size_t n = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    if (!c->sf[i]) continue;
    by[n] = c->sf[i];
    snapshot(c->sf[i], &snap[n++]);
  }
  mptcp_sched_view v = {snap,
                        n,
                        mptcp_conn_unmapped(c),
                        (uint32_t)(c->mp.snd_edge - c->mp.snd_una),
                        mptcp_conn_tx_room(c),
                        0};
  /* Reinjected bytes lie below snd_nxt: the window allowed them once. */
  if (c->rj_end > c->rj_dsn && v.wnd_room < v.pending) v.wnd_room = v.pending;
  mptcp_sched_pick pick;
  int got = c->sched_ops->get_send(c->sched_state, &v, &pick);
  int i = -1;
  if (got > 0 && pick.mask) {
    /* Redundant picks several: the first one carries the bytes here. */
    for (i = 0; i < (int)n && !(pick.mask & (1u << i)); i++) {
    }
  } else {
    i = mptcp_sched_fastest(&v, mptcp_sched_usable(&v, 0));
  }
  c->sched = i >= 0 && i < (int)n ? by[i] : NULL;
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

static void reinject_range(struct mptcp_conn *c, mptcp_subflow *sf, uint64_t lo,
                           uint64_t hi, uint32_t reason);

void mptcp_conn_reinject(struct mptcp_conn *c, mptcp_subflow *sf,
                         uint32_t reason) {
  if (c->mp.state != MPTCP_MP_ON) return;
  if (reason == MPTCP_SCHED_STALL_DEAD) {
    /* Everything it carried that is not DATA_ACKed: bytes it had
     * delivered at subflow level may still be missing above (a receive
     * range set that was full, a checksum failure whose MP_FAIL reset got
     * lost), and no other subflow would ever send them again. */
    reinject_range(c, sf, c->mp.snd_una, sf->dsn_end, reason);
    return;
  }
  reinject_range(c, sf, mptcp_txmaps_min_dsn(&sf->txm),
                 mptcp_txmaps_max_dsn(&sf->txm), reason);
}

void mptcp_conn_reinject_from(struct mptcp_conn *c, mptcp_subflow *sf,
                              uint64_t dsn) {
  /* The bytes were acknowledged at subflow level (they arrived, damaged):
   * the subflow's records no longer know them, the DSN does. */
  uint64_t end = c->snd_dsn + c->snd.len;
  uint64_t hi = c->mp.snd_nxt < end ? c->mp.snd_nxt : end;
  if (c->mp.state != MPTCP_MP_ON || dsn > hi) return;
  reinject_range(c, sf, dsn, hi, MPTCP_SCHED_STALL_DEAD);
}

static void reinject_range(struct mptcp_conn *c, mptcp_subflow *sf, uint64_t lo,
                           uint64_t hi, uint32_t reason) {
  if (lo < c->mp.snd_una) lo = c->mp.snd_una;
  if (hi <= lo) return;
  /* Someone else must be able to carry it. */
  int other = 0;
  for (unsigned i = 0; i < c->n_sf; i++)
    if (c->sf[i] && c->sf[i] != sf && mptcp_sf_usable(c->sf[i]) &&
        !c->sf[i]->tcp.retries)
      other = 1;
  if (!other) return;
  if (c->rj_end > c->rj_dsn) { /* merge with what is still owed */
    if (c->rj_dsn < lo) lo = c->rj_dsn;
    if (c->rj_end > hi) hi = c->rj_end;
  }
  c->rj_dsn = lo;
  c->rj_end = hi;
  mptcp_ctr_inc(c->st, reason == MPTCP_SCHED_STALL_RTO
                           ? MPTCP_CTR_MP_REINJECT_RTO
                           : MPTCP_CTR_MP_REINJECT_DEAD);
  MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
            "tcp %u>%u: reinjecting DSN %llu..%llu (%s)", MPTCP_LOG_CONN(sf),
            (unsigned long long)lo, (unsigned long long)hi,
            reason == MPTCP_SCHED_STALL_RTO ? "timeout" : "subflow closed");
  mptcp_conn_want_output(c);
}
