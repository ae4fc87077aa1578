/*
 * TCP input: opening (RFC 9293 §3.10.7.3), segment arrival in the
 * synchronized states (§3.10.7.4) with RFC 5961 RST/SYN/ACK checks,
 * PAWS (RFC 7323 §5), RTT sampling (RFC 6298), SACK scoreboard and loss
 * detection (RFC 2018, RFC 6675, RFC 6582), receive reassembly.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "conn.h"
#include "datafin.h"
#include "mpfail.h"
#include "conn_sched.h"
#include "isn.h"
#include "seq.h"
#include "stack_impl.h"
#include "subflow.h"
#include "tcp.h"
#include "wire.h"

#define DUPTHRESH 3
#define MIN_MSS 64
#define PAWS_IDLE_US (24ull * 24 * 3600 * 1000000) /* RFC 7323 §5.5 */
#define CHALLENGE_PER_SEC 10                       /* RFC 5961 §7 */

static void init_common(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  mptcp_tcp *t = &sf->tcp;
  const mptcp_settings *s = &st->s;
  memset(t, 0, sizeof *t);
  t->iss = mptcp_isn(st->isn_secret, &sf->local.ip, sf->local.port,
                     &sf->remote.ip, sf->remote.port, now);
  t->snd_una = t->snd_nxt = t->snd_max = t->iss;
  t->recover = t->high_rxt = t->sack_over = t->iss;
  t->mss = 536;
  t->peer_mss = 536;
  t->rto = (uint32_t)s->rto_initial;
  t->t_rtx = t->t_delack = t->t_persist = t->t_keep = t->t_tw =
      MPTCP_TSTAMP_NONE;
  t->cc = s->cc ? s->cc : &mptcp_cc_reno;
  t->ts_offset = mptcp_stack_rand32(st);
  t->last_rx = now;
  if (!s->nagle) t->flags |= TCPF_NODELAY;
  if (s->keepalive) t->flags |= TCPF_KEEPALIVE_ON;
  mptcp_tcp_init_template(sf);
}

/* Effective send MSS once the options are known. */
static void set_mss(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  uint32_t ours = c->st->s.mss;
  if (sf->local.ip.family == MPTCP_AF_INET6 && ours > 20) ours -= 20;
  uint32_t m = t->peer_mss < ours ? t->peer_mss : ours;
  if (t->ts_ok) m -= 12; /* every segment carries NOP NOP TS */
  t->mss = (uint16_t)(m < MIN_MSS ? MIN_MSS : m);
  t->cc->init(t->cc_state, t->mss, 0);
}

static void take_syn_options(struct mptcp_subflow *sf, const mptcp_tcpopts *o) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  const mptcp_settings *s = &c->st->s;
  t->peer_mss = o->present & MPTCP_HAS_MSS ? o->mss : 536;
  if (t->peer_mss < MIN_MSS) t->peer_mss = MIN_MSS;
  /* Window scaling only if both sides send the option (RFC 7323 §2.2). */
  t->ws_ok = (o->present & MPTCP_HAS_WSCALE) != 0;
  t->snd_wscale = t->ws_ok ? (o->wscale > 14 ? 14 : o->wscale) : 0;
  t->rcv_wscale = t->ws_ok ? s->wscale : 0;
  t->ts_ok = s->timestamps && (o->present & MPTCP_HAS_TS);
  if (t->ts_ok) {
    t->ts_recent = o->ts_val;
    t->ts_recent_at = t->last_rx;
  }
  t->sack_ok = s->sack && (o->present & MPTCP_HAS_SACK_PERM);
}

void mptcp_tcp_init_active(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  init_common(sf, now);
  t->state = MPTCP_TCP_SYN_SENT;
  t->rcv_wscale = c->st->s.wscale;
  t->cc->init(t->cc_state, t->mss, now);
  mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_ACTIVE_OPENS);
  mptcp_conn_want_output(c);
}

void mptcp_tcp_init_passive(struct mptcp_subflow *sf, const mptcp_pkt *syn,
                            const mptcp_tcpopts *o, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  init_common(sf, now);
  t->state = MPTCP_TCP_SYN_RECEIVED;
  t->irs = syn->seq;
  t->rcv_nxt = t->rcv_adv = syn->seq + 1;
  take_syn_options(sf, o);
  set_mss(sf);
  t->snd_wnd = syn->window; /* never scaled on a SYN */
  t->max_snd_wnd = t->snd_wnd;
  t->snd_wl1 = syn->seq;
  mptcp_sf_syn_rx(sf, o);
  mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_PASSIVE_OPENS);
  mptcp_conn_want_output(c);
}

/* RFC 6298 §2.3: RTO from SRTT and RTTVAR (clock granularity 1 ms),
 * within the configured bounds. */
static MPTCP_HOT_INLINE void set_rto(mptcp_tcp *t, const mptcp_settings *s) {
  uint64_t rto =
      (uint64_t)t->srtt + (4ull * t->rttvar > 1000 ? 4ull * t->rttvar : 1000);
  if (rto < s->rto_min) rto = s->rto_min;
  if (rto > s->rto_max) rto = s->rto_max;
  t->rto = (uint32_t)rto;
}

/* RFC 6298 §2: update SRTT/RTTVAR/RTO with a sample r (µs). */
static MPTCP_HOT_INLINE void rtt_sample(mptcp_tcp *t, const mptcp_settings *s,
                                        uint32_t r) {
  if (r == 0) r = 1;
  if (t->srtt == 0) {
    t->srtt = r;
    t->rttvar = r / 2;
  } else {
    uint32_t d = t->srtt > r ? t->srtt - r : r - t->srtt;
    t->rttvar = t->rttvar - t->rttvar / 4 + d / 4;
    t->srtt = t->srtt - t->srtt / 8 + r / 8;
  }
  set_rto(t, s);
}

/* RFC 7323 §4 (RTTM): with timestamps every ACK that moves SND.UNA is a
 * sample, its echo naming the transmission it acknowledges, also after a
 * retransmission. One timed segment per RTT (RFC 6298) lags while a queue
 * builds up in slow start, and Karn's rule leaves no sample at all in
 * recovery: the RTO stayed at a fraction of an RTT that the queue had
 * grown several times over and fired in the middle of the recovery
 * (bench_mp_sim agg 10+2 q2: 2-3 spurious timeouts). Appendix G's
 * weights (alpha and beta over the samples expected per window) keep
 * SRTT and RTTVAR moving per RTT as with one sample. */
static void ts_rtt_sample(mptcp_tcp *t, const mptcp_settings *s, uint32_t ecr,
                          uint32_t inflight, mptcp_tstamp now) {
  uint32_t ms = (uint32_t)(now / 1000) + t->ts_offset - ecr;
  if (ms > s->rto_max / 1000) return; /* not an echo of ours */
  uint32_t r = ms ? ms * 1000 : 1;
  if (t->srtt == 0) {
    rtt_sample(t, s, r);
    return;
  }
  uint64_t n = (inflight + 2ull * t->mss - 1) / (2ull * t->mss);
  if (n == 0) n = 1;
  int64_t srtt = t->srtt, var = t->rttvar;
  int64_t d = srtt > r ? srtt - r : r - srtt;
  var += (d - var) / (int64_t)(4 * n);
  srtt += ((int64_t)r - srtt) / (int64_t)(8 * n);
  t->srtt = srtt > 0 ? (uint32_t)srtt : 1;
  t->rttvar = var > 0 ? (uint32_t)var : 0;
  set_rto(t, s);
}

/* An ACK that moved SND.UNA to @p ack (@p ts: it had timestamps, echoing
 * @p ecr; @p inflight: the flight before it): the RTT sample it gives. */
static MPTCP_HOT_INLINE void ack_rtt(mptcp_tcp *t, const mptcp_settings *s,
                                     int ts, uint32_t ecr, uint32_t ack,
                                     uint32_t inflight, mptcp_tstamp now) {
  int by_ts = t->ts_ok && ts;
  if (!by_ts && !(t->rtt_timing && mptcp_seq_gt(ack, t->rtt_seq))) return;
  /* Either sample ends the timed segment and the backoff. */
  t->rtt_timing = 0;
  t->backoff = 0;
  if (by_ts)
    ts_rtt_sample(t, s, ecr, inflight, now);
  else
    rtt_sample(t, s, (uint32_t)(now - t->rtt_at));
}

static void challenge_ack(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  if (now - t->challenge_at >= 1000000) {
    t->challenge_at = now;
    t->challenges = 0;
  }
  if (t->challenges >= CHALLENGE_PER_SEC) {
    mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_CHALLENGE_LIMITED);
    MPTCP_LOG(c->st, MPTCP_LOG_DEBUG, "tcp %u>%u: challenge ACK rate limited",
              MPTCP_LOG_CONN(sf));
    return;
  }
  t->challenges++;
  mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_CHALLENGE_ACK);
  t->flags |= TCPF_ACK_NOW;
}

static void update_window(mptcp_tcp *t, const mptcp_pkt *p) {
  /* RFC 9293 §3.10.7.4: only a newer segment may change SND.WND. */
  if (mptcp_seq_lt(t->snd_wl1, p->seq) ||
      (t->snd_wl1 == p->seq && mptcp_seq_leq(t->snd_wl2, p->ack))) {
    t->snd_wnd = (uint32_t)p->window << t->snd_wscale;
    if (t->snd_wnd > t->max_snd_wnd) t->max_snd_wnd = t->snd_wnd;
    t->snd_wl1 = p->seq;
    t->snd_wl2 = p->ack;
  }
}

static void take_sack(mptcp_tcp *t, const mptcp_tcpopts *o) {
  if (!t->sack_ok || !(o->present & MPTCP_HAS_SACK)) return;
  for (unsigned i = 0; i < o->n_sack; i++) {
    uint32_t l = o->sack[i].left, r = o->sack[i].right;
    /* Only blocks inside (SND.UNA, SND.MAX] mean anything (RFC 2018 §4;
     * a D-SACK below SND.UNA is ignored). */
    if (!mptcp_seq_lt(l, r) || mptcp_seq_leq(l, t->snd_una) ||
        mptcp_seq_gt(r, t->snd_max))
      continue;
    if (mptcp_ranges_add(&t->sacked, l - t->snd_una, r - t->snd_una) != 0 &&
        mptcp_seq_gt(r, t->sack_over))
      t->sack_over = r;
  }
}

static int lost_known(const mptcp_tcp *t) {
  /* RFC 6675 IsLost(SND.UNA): more than (DupThresh-1)*SMSS SACKed above. */
  return t->sack_ok && mptcp_ranges_bytes_above(&t->sacked, 0) >
                           (DUPTHRESH - 1) * (uint32_t)t->mss;
}

/* Lost retransmission (tcp.h rtx_mark): enough bytes sent after the
 * latest resend are SACKed, as IsLost() asks, but not all resent bytes:
 * those holes go again (reordering of that depth is taken as loss, as
 * for the first send). */
static void lost_rtx_check(struct mptcp_subflow *sf) {
  mptcp_tcp *t = &sf->tcp;
  if (!(t->flags & TCPF_RECOVERY) || !mptcp_seq_gt(t->rtx_hi, t->snd_una) ||
      !mptcp_seq_gt(t->rtx_mark, t->snd_una))
    return;
  uint32_t after =
      mptcp_ranges_bytes_above(&t->sacked, t->rtx_mark - t->snd_una);
  if (after <= (DUPTHRESH - 1) * (uint32_t)t->mss) return;
  uint32_t hi = t->rtx_hi - t->snd_una;
  uint32_t sacked = mptcp_ranges_bytes_above(&t->sacked, 0) -
                    mptcp_ranges_bytes_above(&t->sacked, hi);
  t->rtx_hi = t->snd_una;
  if (sacked >= hi) return; /* every resend arrived */
  t->redo = t->snd_una;
  t->redo_end = t->snd_una + hi;
  mptcp_ctr_inc(sf->conn->st, MPTCP_CTR_TCP_LOST_RETRANS);
}

static void enter_recovery(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  mptcp_cc_loss l = {t->snd_max - t->snd_una, t->mss, 0};
  mptcp_cc_sf gbuf[MPTCP_SUBFLOWS_MAX];
  mptcp_cc_group g;
  t->cc->on_loss(t->cc_state, &l, mptcp_conn_cc_group(sf, gbuf, &g), now);
  t->flags |= TCPF_RECOVERY;
  t->recover = t->snd_max;
  t->high_rxt = t->rtx_hi = t->redo = t->redo_end = t->snd_una;
  t->rtt_timing = 0;
  mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_FAST_RETRANS);
}

/* Tells congestion control that `data` bytes were newly acknowledged
 * (outside recovery); `inflight` is the flight size before the ACK. */
static MPTCP_HOT_INLINE void cc_acked(mptcp_tcp *t, uint32_t data,
                                      uint32_t inflight,
                                      const mptcp_cc_group *g,
                                      mptcp_tstamp now) {
  uint32_t cwnd = mptcp_tcp_cwnd(t);
  mptcp_cc_ack a = {data, t->mss, inflight, t->srtt,
                    (uint8_t)(inflight + t->mss >= cwnd)};
  if (t->cc == &mptcp_cc_reno) /* the default, without the call */
    mptcp_cc_nr_ack(t->cc_state, &a);
  else
    t->cc->on_ack(t->cc_state, &a, g, now);
}

/* The ACK field of an acceptable segment (RFC 9293 §3.10.7.4 fifth). */
static void process_ack(struct mptcp_subflow *sf, const mptcp_pkt *p,
                        const mptcp_tcpopts *o, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  const mptcp_settings *s = &c->st->s;
  uint32_t wnd_before = t->snd_wnd;
  uint32_t inflight = t->snd_max - t->snd_una;

  if (mptcp_seq_gt(p->ack, t->snd_una)) {
    uint32_t acked = p->ack - t->snd_una;
    uint32_t data;
    if (c->mp.state == MPTCP_MP_ON) {
      /* The FIN is the subflow's last octet (remembered apart from
       * TCPF_FIN_SENT, which a timeout clears); the ring is freed by the
       * connection level (DATA_ACK), not here. */
      int fin = sf->sf_fin_set && mptcp_seq_gt(p->ack, sf->sf_fin_seq);
      if (fin) t->flags |= TCPF_FIN_ACKED;
      data = acked - (fin ? 1 : 0);
    } else {
      data = acked < c->snd.len ? acked : (uint32_t)c->snd.len;
      /* Only the FIN lies beyond the data: ack <= SND.MAX was checked. */
      if (acked > c->snd.len) t->flags |= TCPF_FIN_ACKED;
      mptcp_ring_drop(&c->snd, data);
    }
    mptcp_ranges_advance(&t->sacked, acked);
    t->snd_una = p->ack;
    if (mptcp_seq_lt(t->sack_over, t->snd_una)) t->sack_over = t->snd_una;
    if (c->mp.state == MPTCP_MP_ON) mptcp_sf_acked(sf);
    if (mptcp_seq_lt(t->snd_nxt, t->snd_una)) t->snd_nxt = t->snd_una;
    if (mptcp_seq_lt(t->high_rxt, t->snd_una)) t->high_rxt = t->snd_una;
    t->bytes_acked += data;
    t->retries = 0;
    ack_rtt(t, s, (o->present & MPTCP_HAS_TS) != 0, o->ts_ecr, p->ack, inflight,
            now);
    if (t->flags & TCPF_RECOVERY) {
      if (mptcp_seq_geq(p->ack, t->recover)) {
        t->flags &= (uint16_t)~TCPF_RECOVERY;
        t->cc->on_recovery_end(t->cc_state, now);
      } else if (!t->sack_ok) {
        t->high_rxt = t->snd_una; /* RFC 6582 §3.2 step 5: partial ACK */
      }
    } else {
      /* Coupled algorithms see the connection's other subflows. */
      mptcp_cc_sf gbuf[MPTCP_SUBFLOWS_MAX];
      mptcp_cc_group g;
      cc_acked(t, data, inflight, mptcp_conn_cc_group(sf, gbuf, &g), now);
    }
    t->dupacks = 0;
    /* RFC 6298 §5.2-5.3. */
    t->t_rtx = t->snd_max == t->snd_una ? MPTCP_TSTAMP_NONE : now + t->rto;
    mptcp_conn_writable_again(c);
    take_sack(t, o);
    update_window(t, p);
  } else {
    take_sack(t, o);
    update_window(t, p);
    /* RFC 5681 §2 duplicate ACK; with SACK any new SACK info counts. */
    if (p->ack == t->snd_una && p->payload_len == 0 &&
        !(p->tcp_flags & (MPTCP_TH_SYN | MPTCP_TH_FIN)) &&
        t->snd_wnd == wnd_before && t->snd_max != t->snd_una) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_DUP_ACKS);
      if (t->dupacks < 255) t->dupacks++;
    }
  }
  lost_rtx_check(sf);
  if (!(t->flags & TCPF_RECOVERY) && t->snd_max != t->snd_una &&
      (t->dupacks >= DUPTHRESH || lost_known(t)) &&
      mptcp_seq_gt(t->snd_una, t->recover - 1))
    enter_recovery(sf, now);

  mptcp_tcp_check_persist(sf, now);
}

/* Puts payload into the receive ring; returns 1 if in-order data arrived. */
static int take_data(struct mptcp_subflow *sf, uint32_t seq, const uint8_t *d,
                     uint32_t len, int fin, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  int in_order = 0;
  if (len == 0 && !fin) return 0;
  uint32_t off = seq - t->rcv_nxt;
  size_t room = c->rcv.cap - c->rcv.len;
  if (off + len > room) { /* beyond the buffer: keep what fits */
    if (off >= room) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_OFO_DROP);
      MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
                "tcp %u>%u: %u bytes beyond the receive buffer, dropped",
                MPTCP_LOG_CONN(sf), len);
      t->flags |= TCPF_ACK_NOW;
      return 0;
    }
    len = (uint32_t)room - off;
    fin = 0;
  }
  if (off == 0) {
    /* In-order data never depends on the out-of-order set (which may be
     * full): take it, then whatever queued bytes now follow it. */
    int had_holes = t->ooo.n > 0;
    mptcp_ring_write_at(&c->rcv, c->rcv.len, d, len);
    mptcp_ranges_advance(&t->ooo, len);
    uint32_t adv = len + mptcp_ranges_head(&t->ooo);
    mptcp_ranges_advance(&t->ooo, adv - len);
    c->rcv.len += adv;
    t->rcv_nxt += adv;
    t->bytes_received += adv;
    c->bytes_delivered += adv;
    in_order = adv > 0;
    /* RFC 5681 §4.2: ACK at once when a hole is (being) filled. */
    if (had_holes || t->ooo.n) t->flags |= TCPF_ACK_NOW;
  } else {
    int kept = len == 0 || mptcp_ranges_add(&t->ooo, off, off + len) == 0;
    if (kept && len) t->ooo_last = seq;
    if (!kept) {
      mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_OFO_DROP);
      MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
                "tcp %u>%u: out-of-order set full, %u bytes dropped",
                MPTCP_LOG_CONN(sf), len);
    } else if (len) {
      mptcp_ring_write_at(&c->rcv, c->rcv.len + off, d, len);
      mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_OFO_QUEUED);
    }
    /* An early FIN is remembered with its data, so filling the hole
     * completes the stream without waiting for a retransmission. */
    if (fin && kept) {
      t->fin_at = seq + len;
      t->flags |= TCPF_FIN_OOO;
    }
    t->flags |= TCPF_ACK_NOW; /* duplicate ACK with SACK */
    return 0;
  }
  int early_fin_due = (t->flags & TCPF_FIN_OOO) && t->rcv_nxt == t->fin_at;
  if ((fin && t->ooo.n == 0) || early_fin_due) {
    t->rcv_nxt++;
    t->flags |= TCPF_FIN_RCVD | TCPF_ACK_NOW;
    t->flags &= (uint16_t)~TCPF_FIN_OOO;
    t->ooo.n = 0; /* nothing lies beyond a FIN */
  } else if (fin) {
    t->flags |= TCPF_ACK_NOW; /* the peer retransmits its FIN */
  }
  if (in_order && !(t->flags & TCPF_ACK_NOW)) {
    if (mptcp_tcp_count_rx(t, len, c->st->rx_gso_size))
      t->flags |= TCPF_ACK_NOW; /* every second full segment */
    else if (t->t_delack == MPTCP_TSTAMP_NONE)
      t->t_delack = now + c->st->s.delack;
  }
  return in_order;
}

/* After a fallback whose peer had ended its stream with a DATA_FIN
 * (§3.3.3) first: later bytes are a misbehaving peer's. The app has had its
 * EOF, so they never reach it; in order they are received at TCP level (a
 * retransmission would change nothing), with a FIN after them. */
static void take_after_data_fin(struct mptcp_subflow *sf, uint32_t seq,
                                uint32_t len, int fin) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  if (len) mptcp_ctr_inc(c->st, MPTCP_CTR_MP_DATA_AFTER_FIN);
  if (!len && !fin) return;
  t->flags |= TCPF_ACK_NOW;
  if (seq != t->rcv_nxt) return; /* out of order: not kept */
  t->ooo.n = 0;
  t->flags &= (uint16_t)~TCPF_FIN_OOO;
  t->rcv_nxt += len;
  if (fin) {
    t->rcv_nxt++;
    t->flags |= TCPF_FIN_RCVD;
  }
}

static void enter_time_wait(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  t->state = MPTCP_TCP_TIME_WAIT;
  t->t_rtx = t->t_persist = t->t_keep = t->t_delack = MPTCP_TSTAMP_NONE;
  t->t_tw = now + c->st->s.time_wait;
  mptcp_sf_time_wait(sf);
}

static void syn_sent(struct mptcp_subflow *sf, const mptcp_pkt *p,
                     const mptcp_tcpopts *o, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  int ack = (p->tcp_flags & MPTCP_TH_ACK) != 0;
  if (ack &&
      (mptcp_seq_leq(p->ack, t->iss) || mptcp_seq_gt(p->ack, t->snd_max))) {
    if (!(p->tcp_flags & MPTCP_TH_RST)) mptcp_stack_queue_rst(c->st, p);
    mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_ACK_DROP);
    MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
              "tcp %u>%u: SYN-SENT: unacceptable ACK %u, dropped",
              MPTCP_LOG_CONN(sf), p->ack);
    return;
  }
  if (p->tcp_flags & MPTCP_TH_RST) {
    if (!ack) { /* RFC 5961 §3: a RST without ACK here is ignored */
      mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_RST_IGNORED);
      return;
    }
    mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_RST_RCVD);
    MPTCP_LOG(c->st, MPTCP_LOG_INFO, "tcp %u>%u: connection refused (RST)",
              MPTCP_LOG_CONN(sf));
    mptcp_tcp_abort(sf, now);
    mptcp_sf_closed(sf, MPTCP_EV_REFUSED);
    return;
  }
  if (!(p->tcp_flags & MPTCP_TH_SYN)) return;
  t->last_rx = now;
  t->irs = p->seq;
  t->rcv_nxt = t->rcv_adv = p->seq + 1;
  take_syn_options(sf, o);
  set_mss(sf);
  t->snd_wl1 = p->seq;
  if (ack) {
    t->snd_una = p->ack;
    /* A SYN RTO rewound snd_nxt to ISS; the SYN/ACK came before the SYN
     * went again: it is acknowledged, so nothing is sent from ISS. */
    if (mptcp_seq_lt(t->snd_nxt, t->snd_una)) t->snd_nxt = t->snd_una;
    t->snd_wnd = p->window; /* SYN windows are never scaled */
    t->max_snd_wnd = t->snd_wnd;
    t->snd_wl2 = p->ack;
    if (mptcp_sf_synack_rx(sf, o) < 0) { /* a join that failed: reset */
      t->state = MPTCP_TCP_ESTABLISHED;
      mptcp_tcp_abort(sf, now);
      mptcp_sf_closed(sf, 0);
      return;
    }
    if (t->rtt_timing && t->retries == 0)
      rtt_sample(t, &c->st->s, (uint32_t)(now - t->rtt_at));
    t->rtt_timing = 0;
    t->retries = 0;
    t->backoff = 0;
    t->t_rtx = MPTCP_TSTAMP_NONE;
    t->state = MPTCP_TCP_ESTABLISHED;
    t->flags |= TCPF_ACK_NOW;
    if (t->flags & TCPF_FIN_QUEUED) t->state = MPTCP_TCP_FIN_WAIT_1;
    if (!sf->join) mptcp_conn_post(c, MPTCP_EV_CONNECTED);
  } else {
    /* Simultaneous open (§3.10.7.3): answer with SYN,ACK from our ISS. */
    mptcp_sf_simopen(sf);
    t->state = MPTCP_TCP_SYN_RECEIVED;
    t->snd_wnd = p->window;
    t->snd_nxt = t->iss;
  }
}

/* The option area of nearly every segment is empty or NOP NOP TS: decode
 * those directly (the full parser zeroes a large struct per packet). */
static void parse_options(const mptcp_pkt *p, mptcp_tcpopts *o,
                          mptcp_stack *st) {
  const uint8_t *q = p->opts;
  if (p->opts_len == 0 ||
      (p->opts_len == 12 && q[0] == MPTCP_OPT_NOP && q[1] == MPTCP_OPT_NOP &&
       q[2] == MPTCP_OPT_TS && q[3] == 10)) {
    o->present = 0;
    o->n_sack = o->n_mptcp = o->n_unknown = o->n_malformed = 0;
    o->n_mptcp_bad = 0;
    if (p->opts_len) {
      o->present = MPTCP_HAS_TS;
      o->ts_val = mptcp_get32(q + 4);
      o->ts_ecr = mptcp_get32(q + 8);
    }
    return;
  }
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, p->tcp_flags, p->payload_len);
  mptcp_tcpopts_parse(p->opts, p->opts_len, &ctx, o);
  mptcp_counters_add_opts(&st->ctr, o);
}

/* NOP NOP TS 10: the first word of the timestamps option (RFC 7323
 * Appendix A layout, which is what every sender uses). */
#define TS_WORD                                                                \
  ((uint32_t)MPTCP_OPT_NOP << 24 | (uint32_t)MPTCP_OPT_NOP << 16 |             \
   (uint32_t)MPTCP_OPT_TS << 8 | 10u)

/* Flags under which a segment always takes the long way. */
#define FAST_PATH_NO                                                           \
  (TCPF_RECOVERY | TCPF_FIN_QUEUED | TCPF_FIN_RCVD | TCPF_FIN_OOO |            \
   TCPF_SEND_RST | TCPF_PROBE)

static MPTCP_HOT_INLINE int input_fast(struct mptcp_subflow *sf,
                                       const mptcp_pkt *p, int csum_ok,
                                       mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  /* Header prediction (RFC 9293 §3.10.7.4 reaches the same result the
   * long way; the idea is Van Jacobson's): established, only ACK (and
   * PSH), exactly the next sequence number, the window as it was, nothing
   * unusual going on in either direction. */
  if (t->state != MPTCP_TCP_ESTABLISHED ||
      (p->tcp_flags | MPTCP_TH_PSH) != (MPTCP_TH_ACK | MPTCP_TH_PSH) ||
      p->seq != t->rcv_nxt || (t->flags & FAST_PATH_NO) || c->mp.state ||
      t->snd_nxt != t->snd_max || t->dupacks || t->sacked.n || t->ooo.n ||
      t->snd_wnd == 0 || (uint32_t)p->window << t->snd_wscale != t->snd_wnd)
    return 0;
  /* Options: none, or NOP NOP TS when timestamps are on, with a TSval
   * that PAWS accepts. */
  uint64_t sum = 0;
  uint32_t ts_val = 0;
  if (t->ts_ok) {
    if (p->opts_len != 12 || mptcp_get32(p->opts) != TS_WORD) return 0;
    ts_val = mptcp_get32(p->opts + 4);
    if (mptcp_seq_lt(ts_val, t->ts_recent)) return 0;
    sum = (uint64_t)TS_WORD + ts_val + mptcp_get32(p->opts + 8);
  } else if (p->opts_len) {
    return 0;
  }
  uint32_t len = (uint32_t)p->payload_len;
  uint32_t acked = p->ack - t->snd_una;
  if (len == 0) {
    /* A pure ACK for new data, within what was sent. */
    if (acked == 0 || acked > t->snd_max - t->snd_una || acked > c->snd.len)
      return 0;
  } else {
    /* The next data, acknowledging nothing new, fitting the buffer: it is
     * summed while it is copied to its place behind the buffered bytes
     * (free space: there are no out-of-order bytes), and counts only once
     * the checksum holds. */
    if (acked != 0 || len > c->rcv.cap - c->rcv.len) return 0;
    if (csum_ok)
      mptcp_ring_write_at(&c->rcv, c->rcv.len, p->payload, len);
    else
      sum += mptcp_ring_write_csum(&c->rcv, c->rcv.len, p->payload, len);
  }
  /* The TCP checksum: pseudo-header and ports from the template (the same
   * sum in both directions), the other header words as parsed. */
  sum += (uint64_t)t->hdr_tcp_sum + p->tcp_len + p->seq + p->ack +
         mptcp_get32(p->tcp + 12) + mptcp_get32(p->tcp + 16);
  mptcp_stack *st = c->st;
  if (!csum_ok && mptcp_csum_fold(sum) != 0xffff) {
    mptcp_ctr_inc(st, MPTCP_CTR_PKT_CSUM_ERR);
    MPTCP_LOG(st, MPTCP_LOG_DEBUG, "tcp %u>%u: bad checksum, dropped",
              MPTCP_LOG_CONN(sf));
    return -1;
  }
  mptcp_ctr_inc(st, MPTCP_CTR_TCP_IN_SEGS);

  /* What mptcp_tcp_input() would do with this segment, in its order. */
  t->last_rx = now;
  if (t->flags & TCPF_KEEPALIVE_ON) {
    t->probes = 0;
    t->t_keep = now + st->s.keepalive_idle;
  }
  if (t->ts_ok) {
    t->ts_recent = ts_val;
    t->ts_recent_at = now;
  }
  if (len == 0) {
    uint32_t inflight = t->snd_max - t->snd_una;
    mptcp_ring_drop(&c->snd, acked);
    t->snd_una = p->ack;
    if (mptcp_seq_lt(t->high_rxt, t->snd_una)) t->high_rxt = t->snd_una;
    t->bytes_acked += acked;
    t->retries = 0;
    ack_rtt(t, &st->s, 1, t->ts_ok ? mptcp_get32(p->opts + 8) : 0, p->ack,
            inflight, now);
    cc_acked(t, acked, inflight, NULL, now); /* plain TCP only */
    t->t_rtx = t->snd_max == t->snd_una ? MPTCP_TSTAMP_NONE : now + t->rto;
    mptcp_conn_writable_again(c);
  }
  update_window(t, p); /* the same window: only SND.WL1/WL2 move */
  /* mptcp_tcp_check_persist() with an open window. */
  t->t_persist = MPTCP_TSTAMP_NONE;
  if (t->snd_max != t->snd_una && t->t_rtx == MPTCP_TSTAMP_NONE)
    t->t_rtx = now + t->rto;
  if (len) {
    c->rcv.len += len;
    t->rcv_nxt += len;
    t->bytes_received += len;
    c->bytes_delivered += len;
    if (!(t->flags & TCPF_ACK_NOW)) {
      if (mptcp_tcp_count_rx(t, len, st->rx_gso_size))
        t->flags |= TCPF_ACK_NOW; /* every second full segment */
      else if (t->t_delack == MPTCP_TSTAMP_NONE)
        t->t_delack = now + st->s.delack;
    }
    mptcp_conn_post(c, MPTCP_EV_READABLE);
  }
  if (!mptcp_tcp_output_idle(sf)) mptcp_conn_want_output(c);
  return 1;
}

int mptcp_tcp_input_fast(struct mptcp_subflow *sf, const mptcp_pkt *p,
                         int csum_ok, mptcp_tstamp now) {
  return input_fast(sf, p, csum_ok, now);
}

int mptcp_tcp_input_seg(struct mptcp_subflow *sf, const uint8_t *tcp,
                        size_t tlen, int csum_ok, mptcp_tstamp now) {
  mptcp_pkt p; /* only its TCP fields: all that input_fast() reads */
  size_t doff;
  if (mptcp_tcp_doff(tcp, tlen, &doff)) return 0;
  mptcp_tcp_fields(tcp, tlen, doff, &p);
  /* Two copies: the per-packet path tests csum_ok once. */
  if (csum_ok) return input_fast(sf, &p, 1, now);
  return input_fast(sf, &p, 0, now);
}

void mptcp_tcp_input(struct mptcp_subflow *sf, const mptcp_pkt *p,
                     mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  mptcp_stack *st = c->st;
  mptcp_tcpopts o;
  parse_options(p, &o, st);
  uint8_t fl = p->tcp_flags;

  if (t->state == MPTCP_TCP_SYN_SENT) {
    syn_sent(sf, p, &o, now);
    mptcp_conn_want_output(c);
    return;
  }
  if (t->state == MPTCP_TCP_CLOSED || t->state == MPTCP_TCP_LISTEN) return;

  t->last_rx = now;
  if (t->flags & TCPF_KEEPALIVE_ON && t->state == MPTCP_TCP_ESTABLISHED) {
    t->probes = 0;
    t->t_keep = now + st->s.keepalive_idle;
  }

  /* A retransmitted SYN: our SYN,ACK was lost (§3.10.7.4 would drop it
   * as an old octet, but answering it is what gets the peer going). */
  if (t->state == MPTCP_TCP_SYN_RECEIVED && sf->passive &&
      (fl & (MPTCP_TH_SYN | MPTCP_TH_ACK | MPTCP_TH_RST)) == MPTCP_TH_SYN &&
      p->seq == t->irs) {
    t->snd_nxt = t->iss;
    mptcp_conn_want_output(c);
    return;
  }

  /* First: sequence number check, with PAWS (RFC 7323 §5.3). */
  uint32_t seglen = (uint32_t)p->payload_len + ((fl & MPTCP_TH_SYN) != 0) +
                    ((fl & MPTCP_TH_FIN) != 0);
  if (t->ts_ok && (o.present & MPTCP_HAS_TS) && !(fl & MPTCP_TH_RST) &&
      mptcp_seq_lt(o.ts_val, t->ts_recent) &&
      now - t->ts_recent_at < PAWS_IDLE_US) {
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_PAWS_DROP);
    MPTCP_LOG(st, MPTCP_LOG_DEBUG, "tcp %u>%u: PAWS: old TSval %u, dropped",
              MPTCP_LOG_CONN(sf), o.ts_val);
    t->flags |= TCPF_ACK_NOW;
    mptcp_conn_want_output(c);
    return;
  }
  uint32_t wnd =
      mptcp_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  uint32_t space = mptcp_tcp_rcv_space(sf);
  if (space > wnd) wnd = space;
  int ok;
  if (seglen == 0)
    ok = wnd == 0 ? p->seq == t->rcv_nxt
                  : mptcp_seq_in(p->seq, t->rcv_nxt, t->rcv_nxt + wnd);
  else
    ok = wnd > 0 &&
         (mptcp_seq_in(p->seq, t->rcv_nxt, t->rcv_nxt + wnd) ||
          mptcp_seq_in(p->seq + seglen - 1, t->rcv_nxt, t->rcv_nxt + wnd));
  /* A segment wholly before RCV.NXT (a duplicate, or a pure ACK from a
   * peer that rewound SND.NXT after a timeout) still carries a current ACK
   * field: use it, drop the rest (as BSD stacks do). Ignoring it would
   * leave two rewound peers trading ACKs nobody accepts. Only a duplicate
   * that carried data or a FIN is answered. */
  int old = !ok && mptcp_seq_leq(p->seq + seglen, t->rcv_nxt) &&
            t->rcv_nxt - p->seq <= c->rcv.cap + 65535u &&
            !(fl & (MPTCP_TH_RST | MPTCP_TH_SYN));
  /* A zero window still takes ACKs and the FIN-free probes' ACK fields. */
  int ack_only_ok = !ok && wnd == 0 && p->seq == t->rcv_nxt;
  if (old) {
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_SEQ_DROP);
    MPTCP_LOG(st, MPTCP_LOG_DEBUG, "tcp %u>%u: old segment %u (%u), dropped",
              MPTCP_LOG_CONN(sf), p->seq, seglen);
    if (seglen) t->flags |= TCPF_ACK_NOW;
    if (t->state == MPTCP_TCP_TIME_WAIT && (fl & MPTCP_TH_FIN))
      t->t_tw = now + st->s.time_wait;
  } else if (!ok && !ack_only_ok) {
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_SEQ_DROP);
    MPTCP_LOG(st, MPTCP_LOG_DEBUG,
              "tcp %u>%u: segment %u (%u) outside the window, dropped",
              MPTCP_LOG_CONN(sf), p->seq, seglen);
    if (!(fl & MPTCP_TH_RST)) {
      t->flags |= TCPF_ACK_NOW;
      /* A retransmitted FIN in TIME_WAIT restarts the 2 MSL wait. */
      if (t->state == MPTCP_TCP_TIME_WAIT && (fl & MPTCP_TH_FIN))
        t->t_tw = now + st->s.time_wait;
    }
    mptcp_conn_want_output(c);
    return;
  }
  /* RFC 7323 §4.3: remember the timestamp to echo. */
  if (t->ts_ok && (o.present & MPTCP_HAS_TS) &&
      mptcp_seq_leq(p->seq, t->rcv_nxt) &&
      mptcp_seq_geq(o.ts_val, t->ts_recent)) {
    t->ts_recent = o.ts_val;
    t->ts_recent_at = now;
  }

  /* Second: RST (RFC 5961 §3.2). */
  if (fl & MPTCP_TH_RST) {
    if (p->seq != t->rcv_nxt) {
      challenge_ack(sf, now);
      mptcp_conn_want_output(c);
      return;
    }
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_RST_RCVD);
    /* An RST with MP_FASTCLOSE ends the connection ("Option R", §3.5);
     * a plain one only this subflow (§3.6). */
    int fastclose = mptcp_sf_fastclose_rx(sf, &o);
    mptcp_sf_fail_rx(sf, &o); /* before the close: its records still count */
    MPTCP_LOG(st, MPTCP_LOG_INFO, "tcp %u>%u: reset by the peer",
              MPTCP_LOG_CONN(sf));
    uint8_t was = t->state;
    mptcp_tcp_abort(sf, now);
    t->flags &= (uint16_t)~TCPF_SEND_RST;
    if (fastclose) {
      mptcp_conn_closed(c, MPTCP_EV_RESET);
      return;
    }
    /* In TIME_WAIT a reset ends nothing, unless a DATA_FIN was owed. */
    mptcp_sf_closed(sf, was == MPTCP_TCP_TIME_WAIT && mptcp_dfin_complete(c)
                            ? 0
                            : MPTCP_EV_RESET);
    return;
  }

  /* Fourth: SYN in a synchronized state (RFC 5961 §4). */
  if (fl & MPTCP_TH_SYN) {
    challenge_ack(sf, now);
    mptcp_conn_want_output(c);
    return;
  }

  /* Fifth: the ACK field. */
  if (!(fl & MPTCP_TH_ACK)) return;
  if (t->state == MPTCP_TCP_SYN_RECEIVED) {
    if (!mptcp_seq_gt(p->ack, t->snd_una) || mptcp_seq_gt(p->ack, t->snd_max)) {
      mptcp_stack_queue_rst(st, p);
      return;
    }
    t->snd_una = p->ack;
    if (mptcp_seq_lt(t->snd_nxt, t->snd_una)) t->snd_nxt = t->snd_una;
    t->snd_wnd = (uint32_t)p->window << t->snd_wscale;
    t->max_snd_wnd = t->snd_wnd;
    t->snd_wl1 = p->seq;
    t->snd_wl2 = p->ack;
    if (t->rtt_timing && t->retries == 0)
      rtt_sample(t, &st->s, (uint32_t)(now - t->rtt_at));
    t->rtt_timing = 0;
    t->retries = 0;
    t->t_rtx = MPTCP_TSTAMP_NONE;
    t->state = MPTCP_TCP_ESTABLISHED;
    if (t->flags & TCPF_FIN_QUEUED) t->state = MPTCP_TCP_FIN_WAIT_1;
    if (t->flags & TCPF_KEEPALIVE_ON) t->t_keep = now + st->s.keepalive_idle;
    if (mptcp_sf_ack_rx(sf, p, &o) < 0) { /* a join that failed: reset */
      mptcp_tcp_abort(sf, now);
      mptcp_sf_closed(sf, 0);
      return;
    }
    if (sf->join)
      mptcp_conn_post(c, MPTCP_EV_SUBFLOW);
    else
      mptcp_conn_post(c, sf->passive ? MPTCP_EV_ACCEPT : MPTCP_EV_CONNECTED);
  } else {
    /* RFC 5961 §5.2: ACKs outside [SND.UNA - MAX.SND.WND, SND.MAX]. */
    if (mptcp_seq_gt(p->ack, t->snd_max) ||
        mptcp_seq_lt(p->ack, t->snd_una - t->max_snd_wnd)) {
      mptcp_ctr_inc(st, MPTCP_CTR_TCP_ACK_DROP);
      MPTCP_LOG(st, MPTCP_LOG_DEBUG,
                "tcp %u>%u: ACK %u outside [SND.UNA - MAX.SND.WND, SND.MAX], "
                "dropped",
                MPTCP_LOG_CONN(sf), p->ack);
      t->flags |= TCPF_ACK_NOW;
      mptcp_conn_want_output(c);
      return;
    }
    t->flags &= (uint16_t)~TCPF_FIN_ACKED;
    if (mptcp_sf_fastclose_rx(sf, &o)) {    /* §3.5 "Option A": RST back */
      mptcp_conn_closed(c, MPTCP_EV_RESET); /* resets every subflow */
      return;
    }
    /* The join's third ACK is acknowledged; also when its timer fired
     * and it waits to go again (found by fuzz_multipath: an ACK arriving
     * then was ignored and the subflow stayed unusable for another RTO). */
    if (sf->join == SF_JOIN_WAIT || (sf->join == SF_JOIN_ACK_DUE && t->retries))
      mptcp_sf_join_acked(sf);
    mptcp_sf_opts_rx(sf, p, &o, now);
    if (sf->broken) { /* options lost on a join's path, an MP_FAIL or an
                       * infinite mapping that cannot be honoured: reset */
      mptcp_tcp_abort(sf, now);
      mptcp_sf_closed(sf, MPTCP_EV_RESET);
      return;
    }
    process_ack(sf, p, &o, now);
    int fin_acked = (t->flags & TCPF_FIN_ACKED) != 0;
    t->flags &= (uint16_t)~TCPF_FIN_ACKED;
    if (fin_acked) {
      t->flags |= TCPF_FIN_DONE;
      switch (t->state) {
      case MPTCP_TCP_FIN_WAIT_1: t->state = MPTCP_TCP_FIN_WAIT_2; break;
      case MPTCP_TCP_CLOSING: enter_time_wait(sf, now); break;
      case MPTCP_TCP_LAST_ACK:
        /* Our DATA_FIN is not DATA_ACKed yet: the subflow stays to
         * resend it (datafin.c) instead of closing. */
        if (mptcp_dfin_linger(sf)) {
          enter_time_wait(sf, now);
          break;
        }
        t->state = MPTCP_TCP_CLOSED;
        mptcp_sf_closed(sf, 0);
        return;
      default: break;
      }
    }
  }
  if (t->state == MPTCP_TCP_TIME_WAIT) {
    if (fl & MPTCP_TH_FIN) { /* retransmitted FIN: ACK it, restart 2 MSL */
      t->flags |= TCPF_ACK_NOW;
      t->t_tw = now + st->s.time_wait;
    }
    /* Also answers a retransmitted data segment (marked ACK_NOW above):
     * the peer lost our last ACK and is still in LAST-ACK. */
    mptcp_conn_want_output(c);
    return;
  }

  /* Seventh and eighth: text and FIN. */
  int can_take = t->state == MPTCP_TCP_ESTABLISHED ||
                 t->state == MPTCP_TCP_FIN_WAIT_1 ||
                 t->state == MPTCP_TCP_FIN_WAIT_2;
  if (can_take && !(t->flags & TCPF_FIN_RCVD)) {
    uint32_t seq = p->seq;
    const uint8_t *d = p->payload;
    uint32_t len = (uint32_t)p->payload_len;
    if (mptcp_seq_lt(seq, t->rcv_nxt)) { /* trim what we already have */
      uint32_t skip = t->rcv_nxt - seq;
      if (skip > len) skip = len;
      seq += skip;
      d += skip;
      len -= skip;
      if (skip && len == 0 && !(fl & MPTCP_TH_FIN)) t->flags |= TCPF_ACK_NOW;
    }
    int fin = (fl & MPTCP_TH_FIN) != 0;
    if (c->mp.state == MPTCP_MP_ON) {
      mptcp_sf_take_data(sf, seq, d, len, fin, now);
      mptcp_fail_arm(sf, now);
      if (sf->broken) { /* a DSS checksum failed: reset with MP_FAIL */
        mptcp_tcp_abort(sf, now);
        mptcp_sf_closed(sf, MPTCP_EV_RESET);
        return;
      }
    } else if (c->mp.peer_fin_done) {
      take_after_data_fin(sf, seq, len, fin);
    } else if (take_data(sf, seq, d, len, fin, now))
      mptcp_conn_post(c, MPTCP_EV_READABLE);
    if (t->flags & TCPF_FIN_RCVD) {
      /* With MPTCP the DATA_FIN ends the connection's stream; a subflow's
       * FIN does only on its last subflow. */
      if (c->mp.state != MPTCP_MP_ON || mptcp_conn_open_subflows(c) <= 1)
        mptcp_conn_post(c, MPTCP_EV_PEER_CLOSED | MPTCP_EV_READABLE);
      switch (t->state) {
      case MPTCP_TCP_ESTABLISHED: t->state = MPTCP_TCP_CLOSE_WAIT; break;
      case MPTCP_TCP_FIN_WAIT_1: t->state = MPTCP_TCP_CLOSING; break;
      case MPTCP_TCP_FIN_WAIT_2: enter_time_wait(sf, now); break;
      default: break;
      }
    }
  } else if (p->payload_len || (fl & MPTCP_TH_FIN)) {
    t->flags |= TCPF_ACK_NOW; /* duplicate data after the peer's FIN */
  }
  if (!mptcp_tcp_output_idle(sf)) mptcp_conn_want_output(c);
}
