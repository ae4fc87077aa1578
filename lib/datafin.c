/* DATA_FIN retransmission (RFC 8684 §3.3.3): see datafin.h.
 * SPDX-License-Identifier: MIT */
#include "datafin.h"

#include "conn.h"
#include "seq.h"
#include "stack_impl.h"
#include "subflow.h"
#include "tcp.h"

void mptcp_dfin_sent(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  if (c->dfin_at != MPTCP_TSTAMP_NONE || c->mp.fin_acked) return;
  c->dfin_rto = sf->tcp.rto;
  c->dfin_tries = 0;
  c->dfin_at = now + c->dfin_rto;
}

void mptcp_dfin_acked(struct mptcp_conn *c) {
  c->dfin_at = MPTCP_TSTAMP_NONE;
  c->dfin_tries = 0;
  mptcp_dfin_check_closed(c);
}

int mptcp_dfin_complete(const struct mptcp_conn *c) {
  const mptcp_mp *m = &c->mp;
  return m->state != MPTCP_MP_ON || (m->fin_acked && m->peer_fin_done);
}

void mptcp_dfin_check_closed(struct mptcp_conn *c) {
  if (mptcp_dfin_complete(c) && mptcp_conn_open_subflows(c) == 0)
    mptcp_conn_post(c, MPTCP_EV_CLOSED);
}

int mptcp_dfin_linger(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  const mptcp_mp *m = &c->mp;
  return m->state == MPTCP_MP_ON && !c->err && m->fin_queued && !m->fin_acked &&
         c->dfin_at != MPTCP_TSTAMP_NONE;
}

void mptcp_dfin_rx_again(struct mptcp_subflow *sf, uint64_t dsn) {
  struct mptcp_conn *c = sf->conn;
  if (dsn != c->mp.peer_fin_dsn) return; /* not that DATA_FIN: no answer */
  sf->tcp.flags |= TCPF_ACK_NOW;
  mptcp_conn_want_output(c);
}

/* Can @p sf send a pure ACK? Every synchronized state can, TIME_WAIT too
 * (it answers a retransmitted FIN): the peer may still wait for the
 * DATA_FIN after both FINs. */
static int can_ack(const mptcp_subflow *sf) {
  uint8_t s = sf->tcp.state;
  return mptcp_sf_joined(sf) && !sf->broken && s >= MPTCP_TCP_ESTABLISHED &&
         s != MPTCP_TCP_CLOSED;
}

void mptcp_dfin_timer(struct mptcp_conn *c, mptcp_tstamp now) {
  const mptcp_mp *m = &c->mp;
  c->dfin_at = MPTCP_TSTAMP_NONE;
  if (m->state != MPTCP_MP_ON || !m->fin_queued || m->fin_acked || c->err)
    return;
  mptcp_subflow *use = NULL, *busy = NULL;
  for (unsigned i = 0; i < c->n_sf; i++) {
    mptcp_subflow *sf = c->sf[i];
    if (!sf || !can_ack(sf)) continue;
    if (sf->tcp.snd_una != sf->tcp.snd_max) {
      if (!busy) busy = sf;
    } else if (!use)
      use = sf;
  }
  /* Only subflows with something in flight (the FIN with the DATA_FIN, or
   * data): their own timers resend it and bound the retries. An idle one
   * beside them takes the resend: the busy one's path may be dead. */
  if (!use && busy) {
    c->dfin_at = now + busy->tcp.rto;
    return;
  }
  if (!use) return; /* no subflow left: their closing ends the connection */
  mptcp_stack *st = c->st;
  if (c->dfin_tries >= st->s.max_retries) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_DATA_FIN_TIMEOUT);
    MPTCP_LOG(st, MPTCP_LOG_INFO,
              "tcp %u>%u: DATA_FIN not acknowledged after %u resends",
              MPTCP_LOG_CONN(c), (unsigned)c->dfin_tries);
    mptcp_conn_closed(c, MPTCP_EV_TIMEOUT);
    return;
  }
  /* plan() (subflow.c) puts the DATA_FIN on every pure ACK until it is
   * acknowledged. It goes as a keep-alive probe (an old sequence number)
   * where the subflow can: a peer that already has the DATA_FIN must
   * answer that (RFC 9293 §3.10.7.4), and its ACK carries the DATA_ACK;
   * Linux answers no DATA_FIN that comes again on a plain pure ACK. From
   * TIME_WAIT it is a plain ACK (the peer's subflow is closing). */
  mptcp_ctr_inc(st, MPTCP_CTR_MP_DATA_FIN_RTX);
  use->tcp.flags |=
      use->tcp.state == MPTCP_TCP_TIME_WAIT ? TCPF_ACK_NOW : TCPF_KEEPALIVE;
  mptcp_conn_want_output(c);
  c->dfin_tries++;
  uint64_t wait = (uint64_t)c->dfin_rto
                  << (c->dfin_tries < 32 ? c->dfin_tries : 32);
  if (wait > st->s.rto_max) wait = st->s.rto_max;
  c->dfin_at = now + wait;
}
