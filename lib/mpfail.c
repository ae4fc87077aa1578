/* MP_FAIL and the infinite mapping on a single path (RFC 8684 §3.7).
 * SPDX-License-Identifier: MIT */
#include "mpfail.h"

#include <mptcp/crypto.h>

#include "conn.h"
#include "seq.h"
#include "stack_impl.h"
#include "subflow.h"
#include "tcp.h"

/* The fallback to one subflow is possible only if there never was a
 * second one (Linux: allow_infinite_fallback): with reinjected data the
 * subflow's stream need not be contiguous in data sequence space. */
static int single_path(const mptcp_subflow *sf) {
  return !sf->conn->multi && !sf->join;
}

/* MP_FAIL goes on the next pure ACK, sent at once. */
static void owe_fail(mptcp_subflow *sf) {
  sf->fail_ack = 1;
  sf->tcp.flags |= TCPF_ACK_NOW;
  mptcp_conn_want_output(sf->conn);
}

/* c->fail_cand: the peer's first MP_FAIL after ours named the DATA_ACK on
 * its segment, so it may be a report crossing ours (see fail_from_peer).
 * WAIT: for evidence, until fail_probe_at; PROBE: one more MP_FAIL of ours
 * is owed; PROBED: it went out (again each wait); CROSS: a report came
 * after it, both directions fall back at fail_probe_at, and one more
 * report gets an answer (CROSS_LAST: it got it). */
enum {
  CAND_NONE,
  CAND_WAIT,
  CAND_PROBE,
  CAND_PROBED,
  CAND_CROSS,
  CAND_CROSS_LAST
};

int mptcp_fail_csum(struct mptcp_subflow *sf, const mptcp_rxmap *m) {
  struct mptcp_conn *c = sf->conn;
  if (!single_path(sf)) return -1;
  /* The peer's MP_FAIL came first: we revert fully to TCP (§3.7), and the
   * peer continues its stream in place once it has our answer, so its
   * bytes count as plain TCP would count them (rewritten or not). */
  if (c->fail == MPFAIL_RCVD) {
    MPTCP_LOG(c->st, MPTCP_LOG_INFO,
              "tcp %u>%u: DSS checksum failed (ssn %u) after the peer's "
              "MP_FAIL, taken as TCP",
              MPTCP_LOG_CONN(sf), m->ssn);
    return 1;
  }
  c->fail = MPFAIL_SENT;
  c->fail_dsn = c->mp.rcv_nxt;
  c->fail_retro = m->dsn == c->mp.rcv_nxt;
  c->fail_ssn = m->ssn;
  c->fail_peer = 0;
  c->fail_cand = CAND_NONE;
  c->fail_end = MPTCP_TSTAMP_NONE;
  c->mp.ooo.n = 0; /* nothing from the failure point on is delivered */
  owe_fail(sf);
  MPTCP_LOG(c->st, MPTCP_LOG_INFO,
            "tcp %u>%u: DSS checksum failed (ssn %u), MP_FAIL at DSN %llu",
            MPTCP_LOG_CONN(sf), m->ssn, (unsigned long long)c->fail_dsn);
  return 0;
}

static void refuse(mptcp_subflow *sf, int ctr) {
  mptcp_ctr_inc(sf->conn->st, ctr);
  sf->broken = 1;
  sf->rst_reason = MPTCP_RESET_REASON_MPTCP;
}

/* Whether the bytes held since our failure can be taken as they came:
 * only if they are exactly the subflow's stream from the failure on. */
static int held_ok(const mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  uint32_t gap = sf->tcp.rcv_nxt - sf->tcp.irs - c->fail_ssn;
  return c->fail_retro && !c->mp.peer_fin_seen &&
         gap <= c->rcv.cap - c->rcv.len;
}

/* The peer's infinite mapping at our DATA_ACK, retroactive (§3.7): the
 * bytes held since our failure are taken as they arrived. Unless they are
 * exactly the subflow's stream from the failure on, nothing can be taken
 * and the subflow is reset (0). */
static int take_held(mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  uint32_t gap = t->rcv_nxt - t->irs - c->fail_ssn;
  if (!held_ok(sf)) {
    refuse(sf, MPTCP_CTR_INFINITE_MAP_BAD_DSN);
    return 0;
  }
  if (gap) {
    mptcp_ctr_inc(c->st, MPTCP_CTR_INFINITE_MAP_RETRO);
    mptcp_sf_mark_present(sf, 0, gap);
  }
  return 1;
}

/* How long the finder of a bad checksum waits for the infinite mapping
 * before it resets (Linux waits TCP_RTO_MAX): a peer that cannot send
 * one (Linux without window for new data, or whose segment carrying it
 * exceeds the MTU: KQ4 in test/interop/KERNEL-QUIRKS.md) would otherwise
 * hold it forever. */
#define FAIL_WAIT_RTOS 8
#define FAIL_WAIT_MIN 2000000u /* us */

/* How long a possible report must stay one (its DATA_ACK frozen) before
 * we probe, and a crossing before it falls back: an answerer takes our
 * data in (Linux moves it from the subflow once its socket is free) or
 * falls back well within an RTO. At most a quarter of the least wait
 * for the mapping, so that both fit in it even on a slow path. */
static mptcp_tstamp cand_wait(const mptcp_subflow *sf) {
  uint32_t rto = sf->tcp.rto;
  return rto < FAIL_WAIT_MIN / 4 ? rto : FAIL_WAIT_MIN / 4;
}

/* c->fail_at is the earlier of the probe (or the crossing's fallback)
 * and the end of the wait. */
static void fail_rearm(struct mptcp_conn *c) {
  int probe = c->fail_cand != CAND_NONE && c->fail_cand != CAND_PROBE;
  c->fail_at =
      probe && c->fail_probe_at < c->fail_end ? c->fail_probe_at : c->fail_end;
}

/* Both ends found a bad checksum before each heard the other's MP_FAIL
 * (§3.7 in both directions). Each owes the other an infinite mapping at
 * the DSN the other named, retroactive: neither resends, so each takes
 * what it holds (the peer does the same with ours) and both directions
 * revert at once. Our first new segment carries the mapping for a peer
 * that has not fallen back yet; it continues the stream the peer holds,
 * so it maps it from the peer's DATA_ACK on. Bytes that came meanwhile
 * and cannot be taken: no crossing, the wait goes on. */
static void crossed(mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  c->fail_cand = CAND_NONE;
  if (!held_ok(sf)) return;
  take_held(sf);
  MPTCP_LOG(c->st, MPTCP_LOG_INFO,
            "tcp %u>%u: MP_FAILs crossed, both directions fall back at once",
            MPTCP_LOG_CONN(sf));
  if (mptcp_sf_fall_back(sf, mptcp_sf_una_dsn(sf)) != 0) return; /* reset */
  c->infmap_due = 1;
  c->infmap_ssn = t->snd_nxt - t->iss;
  c->infmap_dsn = c->snd_dsn + (t->snd_nxt - t->snd_una);
}

/* The DATA_ACK the segment carries, if any (1). */
static int seg_data_ack(const struct mptcp_conn *c, const mptcp_tcpopts *o,
                        uint64_t *ack) {
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_DSS);
  if (!so || !(so->u.dss.flags & MPTCP_DSS_A)) return 0;
  *ack = mptcp_mp_data_ack(&c->mp, &so->u.dss);
  return 1;
}

/* 1 if the peer's MP_FAIL at @p dsn may still be its report: a reporter
 * got our bytes from there on (one of them failed), names the DATA_ACK
 * it froze at its failure (on the same segment) and never acknowledges
 * past it while it waits, though its TCP ACKs cover our later bytes. An
 * answer from our stack looks the same; so does Linux's (its current
 * mapping's start) while its DATA_ACK lags at that start (KQ6). */
static int may_report(const struct mptcp_conn *c, const mptcp_tcpopts *o,
                      uint64_t dsn) {
  uint64_t ack;
  return seg_data_ack(c, o, &ack) && ack == dsn &&
         (int64_t)(c->mp.snd_nxt - dsn) > 0 &&
         (int64_t)(c->mp.snd_una - dsn) <= 0;
}

/* The peer's MP_FAIL while we wait for its infinite mapping: the answer
 * to ours (it reverted, §3.7), or its own report crossing ours. Our
 * stack answers once; Linux answers each MP_FAIL of ours, which rides on
 * every pure ACK we send, naming a DSN that may equal its DATA_ACK for a
 * moment (KQ6): neither a count nor one packet tells them apart. What
 * does: an answerer's DATA_ACK moves past the DSN, or it falls back
 * (infinite mapping, plain data: the wait ends); a reporter does
 * neither. So a possible report waits an RTO for that; then one more
 * MP_FAIL of ours probes (cand_timer), and a report (DSN and DATA_ACK
 * unchanged) that comes after the probe went out is one. Both directions
 * fall back a wait later, unless the peer proves an answerer or falls
 * back first; meanwhile we answer that report and one more, so that a
 * crossing peer whose probe goes out later than ours (an RTO apart, or
 * our report came on an ACK before it) gets a report after its probe
 * too. */
static void fail_from_peer(mptcp_subflow *sf, const mptcp_tcpopts *o,
                           uint64_t dsn, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  int report = may_report(c, o, dsn);
  if (!c->fail_peer) {
    c->fail_peer = 1;
    if (!report) return;
    c->fail_cand = CAND_WAIT;
    c->fail_peer_dsn = dsn;
    c->fail_probe_at = now + cand_wait(sf);
    fail_rearm(c);
    MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
              "tcp %u>%u: MP_FAIL names the DATA_ACK: report or answer?",
              MPTCP_LOG_CONN(sf));
    return;
  }
  if (c->fail_cand == CAND_NONE) return;
  if (!report || dsn != c->fail_peer_dsn) {
    c->fail_cand = CAND_NONE; /* an answer: no reporter changes its report */
    fail_rearm(c);
    return;
  }
  if (c->fail_cand == CAND_CROSS) {
    c->fail_cand = CAND_CROSS_LAST;
    owe_fail(sf);
  }
  if (c->fail_cand != CAND_PROBED) return;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FAIL_CROSSED);
  if (!held_ok(sf)) {
    refuse(sf, MPTCP_CTR_INFINITE_MAP_BAD_DSN);
    return;
  }
  MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
            "tcp %u>%u: a report after our probe: MP_FAILs crossed",
            MPTCP_LOG_CONN(sf));
  c->fail_cand = CAND_CROSS;
  c->fail_probe_at = now + cand_wait(sf);
  fail_rearm(c);
  owe_fail(sf);
}

void mptcp_fail_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o,
                   mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_FAIL);
  if (!so) return;
  mptcp_stack *st = c->st;
  mptcp_ctr_inc(st, MPTCP_CTR_MP_FAIL_RX);
  /* Without checksums nothing can have failed; with several subflows an
   * MP_FAIL comes on a RST (§3.7). Neither asks for a fallback. */
  if (!c->mp.checksum || !single_path(sf)) {
    mptcp_ctr_inc(st, MPTCP_CTR_MP_FAIL_IGNORED);
    return;
  }
  if (c->fail == MPFAIL_RCVD) return; /* a repeat */
  uint64_t dsn = so->u.fail_dsn;
  if ((int64_t)(dsn - c->mp.snd_nxt) > 0 ||
      (int64_t)(dsn - c->mp.local_idsn) <= 0) { /* never sent */
    mptcp_ctr_inc(st, MPTCP_CTR_MP_FAIL_BAD_DSN);
    return;
  }
  if (c->fail == MPFAIL_SENT) {
    fail_from_peer(sf, o, dsn, now);
    return;
  }
  if (sf->sf_fin_set) { /* no byte can go again after our FIN */
    sf->broken = 1;
    sf->rst_reason = MPTCP_RESET_REASON_MIDDLEBOX;
    return;
  }
  c->fail = MPFAIL_RCVD;
  owe_fail(sf); /* §3.7: the receiver of MP_FAIL sends one back */
  MPTCP_LOG(st, MPTCP_LOG_INFO,
            "tcp %u>%u: MP_FAIL at DSN %llu, falling back to TCP",
            MPTCP_LOG_CONN(sf), (unsigned long long)dsn);
}

void mptcp_fail_arm(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  if (c->fail != MPFAIL_SENT || c->fail_end != MPTCP_TSTAMP_NONE) return;
  uint64_t wait = (uint64_t)sf->tcp.rto * FAIL_WAIT_RTOS;
  c->fail_end = now + (wait > FAIL_WAIT_MIN ? wait : FAIL_WAIT_MIN);
  fail_rearm(c);
}

/* A wait is over and the peer's DATA_ACK has not moved past the DSN it
 * named: after a crossing, both directions fall back; else one more
 * MP_FAIL of ours (again each wait, in case it or the reply is lost)
 * makes a reporter repeat its report. */
static void cand_timer(mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  if (c->fail_cand == CAND_NONE || c->fail_cand == CAND_PROBE ||
      c->fail_probe_at > now)
    return;
  if ((int64_t)(c->mp.snd_una - c->fail_peer_dsn) > 0) {
    c->fail_cand = CAND_NONE; /* it acknowledged past it: an answer */
    return;
  }
  if (c->fail_cand >= CAND_CROSS) {
    crossed(sf);
    return;
  }
  if (c->fail_cand == CAND_WAIT) c->fail_cand = CAND_PROBE;
  c->fail_probe_at = now + cand_wait(sf);
  owe_fail(sf);
  MPTCP_LOG(c->st, MPTCP_LOG_DEBUG,
            "tcp %u>%u: the peer's MP_FAIL may be a report: probing",
            MPTCP_LOG_CONN(sf));
}

void mptcp_fail_timer(struct mptcp_conn *c, mptcp_tstamp now) {
  c->fail_at = MPTCP_TSTAMP_NONE;
  if (c->fail != MPFAIL_SENT || c->mp.state != MPTCP_MP_ON) return;
  mptcp_subflow *sf = mptcp_conn_primary(c);
  if (c->fail_end > now) {
    cand_timer(sf, now);
    if (sf->broken) { /* the crossing's fallback could not be */
      mptcp_conn_closed(c, MPTCP_EV_RESET);
      return;
    }
    if (c->fail == MPFAIL_SENT) fail_rearm(c);
    return;
  }
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FAIL_TIMEOUT);
  MPTCP_LOG(c->st, MPTCP_LOG_INFO,
            "tcp %u>%u: no infinite mapping after MP_FAIL, reset",
            MPTCP_LOG_CONN(sf));
  sf->fail_set = 1; /* the RST says MP_FAIL again */
  sf->fail_dsn = c->fail_dsn;
  sf->rst_reason = MPTCP_RESET_REASON_MIDDLEBOX;
  mptcp_conn_closed(c, MPTCP_EV_TIMEOUT);
}

int mptcp_fail_due(const struct mptcp_subflow *sf) {
  return sf->fail_ack || sf->conn->fail == MPFAIL_SENT;
}

uint64_t mptcp_fail_dsn(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  return c->fail == MPFAIL_SENT ? c->fail_dsn : c->mp.rcv_nxt;
}

void mptcp_fail_sent(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  sf->fail_ack = 0;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_FAIL_TX);
  if (c->fail == MPFAIL_SENT && c->fail_cand == CAND_PROBE) {
    c->fail_cand = CAND_PROBED;
    fail_rearm(c);
  }
}

uint32_t mptcp_fail_rcv_space(const struct mptcp_subflow *sf, uint32_t space) {
  const struct mptcp_conn *c = sf->conn;
  /* Only when the held bytes can be taken retroactively: then a sender
   * that does not resend (Linux: no MPTCP-level retransmission once it
   * took the MP_FAIL) continues after them. Its window ends at our
   * DATA_ACK plus this value, and the bytes it sent since fill that. */
  if (c->fail != MPFAIL_SENT || !c->fail_retro) return space;
  uint32_t held = sf->tcp.rcv_nxt - sf->tcp.irs - c->fail_ssn;
  uint64_t want = (uint64_t)held + sf->tcp.mss;
  return want > space ? (want > UINT32_MAX ? UINT32_MAX : (uint32_t)want)
                      : space;
}

/* Linux sizes the segments of a fallen-back subflow without room for
 * MPTCP options, yet the skb that carries its infinite mapping gets a
 * DSS of up to MPTCP_DSS_TX_MAX bytes: against a full-sized MSS those
 * packets exceed the path MTU and never leave the host (IpFragFails, a
 * stall; KQ4). The infinite mapping exists only with checksums (§3.7),
 * so only then is the MSS announced smaller. Joins never fall back. */
uint16_t mptcp_fail_syn_mss(const struct mptcp_subflow *sf, int synack,
                            uint16_t mss) {
  const struct mptcp_conn *c = sf->conn;
  if (c->mp.state != MPTCP_MP_PENDING || sf->join) return mss;
  int csum = synack ? sf->neg.checksum : c->st->s.checksum;
  return csum && mss > 2 * MPTCP_DSS_TX_MAX ? (uint16_t)(mss - MPTCP_DSS_TX_MAX)
                                            : mss;
}

/* Without a failure of ours the bytes of a checksummed mapping received
 * so far are taken as they are (plain TCP would deliver them too). */
static void take_partial(mptcp_subflow *sf, uint32_t r) {
  struct mptcp_conn *c = sf->conn;
  for (unsigned i = 0; i < sf->rxm.n; i++) {
    const mptcp_rxmap *m = &sf->rxm.m[i];
    if (mptcp_seq_lt(m->ssn, r) && mptcp_seq_gt(m->ssn + m->len, r) &&
        m->dsn == c->mp.rcv_nxt && c->rcv.len + (r - m->ssn) <= c->rcv.cap)
      mptcp_sf_mark_present(sf, 0, r - m->ssn);
  }
}

void mptcp_fail_switch(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  if (c->fail != MPFAIL_RCVD || sf->fail_ack || t->snd_una != t->snd_max)
    return;
  uint64_t end = c->snd_dsn + c->snd.len;
  if (end <= c->mp.snd_una && !c->mp.fin_queued) return; /* nothing to map */
  /* §3.7: the mapping starts where the data was last known intact (the
   * DATA_ACK); what the peer threw away after it goes again. */
  c->infmap_due = 1;
  c->infmap_ssn = t->snd_nxt - t->iss;
  c->infmap_dsn = c->mp.snd_una;
  take_partial(sf, t->rcv_nxt - t->irs); /* the peer's data is intact */
  if (mptcp_sf_fall_back(sf, c->mp.snd_una) != 0) c->infmap_due = 0;
}

void mptcp_fail_held_map(struct mptcp_subflow *sf, const mptcp_rxmap *m) {
  struct mptcp_conn *c = sf->conn;
  /* Held bytes sit in the ring at their DSNs: they are the subflow's
   * stream from fail_ssn on only if each mapping continues it. */
  if ((int64_t)(m->dsn - c->fail_dsn) < 0 ||
      (uint32_t)(m->dsn - c->fail_dsn) != m->ssn - c->fail_ssn)
    c->fail_retro = 0;
}

void mptcp_infmap_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                     const mptcp_dss *d) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  mptcp_stack *st = c->st;
  mptcp_ctr_inc(st, MPTCP_CTR_INFINITE_MAP_RX);
  if (!single_path(sf)) { /* §3.7: only one subflow may carry data then */
    refuse(sf, MPTCP_CTR_INFINITE_MAP_REJECTED);
    return;
  }
  /* It takes effect at the next byte in order, which this segment must
   * carry and the mapping cover; else a later copy will do. */
  uint32_t span =
      (uint32_t)p->payload_len + ((p->tcp_flags & MPTCP_TH_FIN) ? 1u : 0u);
  uint32_t r = t->rcv_nxt - t->irs;
  /* After the peer's DATA_FIN was taken in order the stream is over, and
   * after its FIN the subflow takes no bytes: an infinite mapping could
   * only add bytes past the end (or count the FIN's octet as data). */
  if (c->mp.peer_fin_done || (t->flags & TCPF_FIN_RCVD) ||
      mptcp_seq_gt(p->seq, t->rcv_nxt) ||
      !mptcp_seq_gt(p->seq + span, t->rcv_nxt) || mptcp_seq_lt(r, d->ssn)) {
    mptcp_ctr_inc(st, MPTCP_CTR_INFINITE_MAP_IGNORED);
    return;
  }
  if (c->fail != MPFAIL_SENT) take_partial(sf, r);
  if (c->mp.peer_fin_done) { /* the bytes before it reached the DATA_FIN */
    mptcp_ctr_inc(st, MPTCP_CTR_INFINITE_MAP_IGNORED);
    return;
  }
  uint64_t x = mptcp_mp_expand_dsn(&c->mp, d) + (r - d->ssn);
  uint64_t gap = x - c->mp.rcv_nxt;
  if (gap != 0) {
    /* A sender that does not resend maps retroactively over the bytes
     * we threw away (§3.7 "acts retroactively", Linux): they are what
     * the middlebox made of the stream, taken as plain TCP would. */
    if (c->fail != MPFAIL_SENT || !c->fail_retro || gap > UINT32_MAX ||
        gap != (uint32_t)(r - c->fail_ssn) || gap > c->rcv.cap - c->rcv.len) {
      refuse(sf, MPTCP_CTR_INFINITE_MAP_BAD_DSN);
      return;
    }
    mptcp_ctr_inc(st, MPTCP_CTR_INFINITE_MAP_RETRO);
    mptcp_sf_mark_present(sf, 0, (uint32_t)gap);
  }
  MPTCP_LOG(st, MPTCP_LOG_INFO,
            "tcp %u>%u: infinite mapping at DSN %llu, falling back to TCP",
            MPTCP_LOG_CONN(sf), (unsigned long long)x);
  (void)mptcp_sf_fall_back(sf, mptcp_sf_una_dsn(sf)); /* else reset */
}

void mptcp_fail_nodss_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                         const mptcp_tcpopts *o, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  if (c->fail != MPFAIL_SENT || !single_path(sf)) return;
  mptcp_fail_rx(sf, o, now); /* the peer's answer may come on this one */
  if (sf->broken || c->fail != MPFAIL_SENT) return; /* or crossed */
  /* Only the next bytes in order say anything, and only when no mapping
   * of the peer's covers them (the later segments of a mapping carry no
   * DSS either). */
  uint32_t span =
      (uint32_t)p->payload_len + ((p->tcp_flags & MPTCP_TH_FIN) ? 1u : 0u);
  uint32_t r = t->rcv_nxt - t->irs;
  uint64_t dsn;
  if (!c->fail_peer || (t->flags & TCPF_FIN_RCVD) ||
      mptcp_seq_gt(p->seq, t->rcv_nxt) ||
      !mptcp_seq_gt(p->seq + span, t->rcv_nxt) ||
      mptcp_rxmaps_lookup(&sf->rxm, r, &dsn, NULL))
    return;
  /* The peer took our MP_FAIL, answered it, and now sends plain TCP: it
   * reverted without a DSS with DLL 0 on the wire (Linux with a backlog
   * of built segments, KQ4). Its stream continues its last mapping, so
   * its infinite mapping starts at our DATA_ACK, retroactively (§3.7). */
  if (!take_held(sf)) return;
  mptcp_ctr_inc(c->st, MPTCP_CTR_INFINITE_MAP_IMPLICIT);
  MPTCP_LOG(c->st, MPTCP_LOG_INFO,
            "tcp %u>%u: plain TCP after MP_FAIL, falling back at DSN %llu",
            MPTCP_LOG_CONN(sf), (unsigned long long)c->mp.rcv_nxt);
  (void)mptcp_sf_fall_back(sf, mptcp_sf_una_dsn(sf)); /* else reset */
}

int mptcp_infmap_due(struct mptcp_subflow *sf, uint32_t seq, uint32_t len,
                     uint8_t flags) {
  struct mptcp_conn *c = sf->conn;
  if (!c->infmap_due) return 0;
  uint32_t s0 = sf->tcp.iss + c->infmap_ssn;
  if (mptcp_seq_gt(sf->tcp.snd_una, s0)) { /* the peer has it */
    c->infmap_due = 0;
    return 0;
  }
  return (len || (flags & MPTCP_TH_FIN)) && mptcp_seq_geq(seq, s0);
}

void mptcp_infmap_sent(struct mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  if (c->infmap_sent) return;
  c->infmap_sent = 1;
  mptcp_ctr_inc(c->st, MPTCP_CTR_INFINITE_MAP_TX);
}
