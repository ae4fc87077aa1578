/* Data-level retransmission (dretx.h).
 * SPDX-License-Identifier: MIT */
#include "dretx.h"

#include "conn.h"
#include "conn_sched.h"
#include "stack_impl.h"
#include "subflow.h"
#include "tcp.h"
#include "txq.h"

/* At most this much goes again per timeout: one mapping's worth (what a
 * receiver drops at once is a segment or a mapping). */
#define DRETX_MAX 65535u

/* The base timeout: the largest RTO of the subflows that can send (the
 * bytes may have gone on the slowest path, and its ACK with the news). */
static uint32_t base_timeout(const struct mptcp_conn *c) {
  uint32_t rto = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *sf = c->sf[i];
    if (sf && sf->tcp.state == MPTCP_TCP_ESTABLISHED && sf->tcp.rto > rto)
      rto = sf->tcp.rto;
  }
  return rto ? rto : (uint32_t)c->st->s.rto_min;
}

static void arm(struct mptcp_conn *c, mptcp_tstamp now) {
  uint64_t wait = (uint64_t)base_timeout(c)
                  << (c->dretx_tries < 32 ? c->dretx_tries : 32);
  if (wait > c->st->s.rto_max) wait = c->st->s.rto_max;
  c->dretx_una = c->mp.snd_una;
  c->dretx_at = now + wait;
}

/* The end of the data sent and not DATA_ACKed: the ring holds the bytes
 * from SND.UNA(DSN) on, the DATA_FIN octet is not in it (alone
 * outstanding, it is datafin.c's). */
static uint64_t sent_end(const struct mptcp_conn *c) {
  uint64_t end = c->snd_dsn + c->snd.len;
  return c->mp.snd_nxt < end ? c->mp.snd_nxt : end;
}

void mptcp_dretx_on_ack(struct mptcp_conn *c, mptcp_tstamp now) {
  if (c->dretx_at != MPTCP_TSTAMP_NONE || sent_end(c) <= c->mp.snd_una) return;
  c->dretx_tries = 0;
  arm(c, now);
}

/* Does some subflow still answer for a byte of [SND.UNA(DSN), @p hi):
 * sent and not acknowledged at subflow level, or queued to go (its own
 * recovery delivers it, and a receiver with checksums holds a mapping's
 * bytes until all are in), or owed from a dead subflow? */
static int in_flight(const struct mptcp_conn *c, uint64_t hi) {
  if (c->rj_end > c->rj_dsn && c->rj_dsn < hi) return 1;
  for (unsigned i = 0; i < c->n_sf; i++) {
    if (!c->sf[i]) continue;
    mptcp_dsnq r;
    mptcp_txq_carried(c->sf[i], &r); /* sorted, from SND.UNA(DSN) on */
    if (r.n && r.r[0].lo < hi) return 1;
  }
  return 0;
}

void mptcp_dretx_timer(struct mptcp_conn *c, mptcp_tstamp now) {
  c->dretx_at = MPTCP_TSTAMP_NONE;
  const mptcp_mp *m = &c->mp;
  uint64_t hi = sent_end(c);
  if (m->state != MPTCP_MP_ON || c->fail || c->err || hi <= m->snd_una) return;
  /* Progress since it was armed, or the bytes are still on their way: a
   * fresh timeout from here. */
  if (hi - m->snd_una > DRETX_MAX) hi = m->snd_una + DRETX_MAX;
  if (m->snd_una != c->dretx_una || in_flight(c, hi)) {
    if (m->snd_una != c->dretx_una) c->dretx_tries = 0;
    arm(c, now);
    return;
  }
  mptcp_stack *st = c->st;
  if (c->dretx_tries >= st->s.max_retries) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_DATA_RETRANS_TIMEOUT);
    MPTCP_LOG(st, MPTCP_LOG_INFO,
              "tcp %u>%u: DATA_ACK stuck at a DSN the subflows delivered, "
              "after %u resends",
              MPTCP_LOG_CONN(c), (unsigned)c->dretx_tries);
    mptcp_conn_closed(c, MPTCP_EV_TIMEOUT);
    return;
  }
  mptcp_conn_reinject_range(c, m->snd_una, hi, MPTCP_SCHED_STALL_DATA_ACK);
  c->dretx_tries++;
  arm(c, now);
}
