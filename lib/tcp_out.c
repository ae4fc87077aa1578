/*
 * TCP output and timers: what to send next (SYN, retransmissions, new data,
 * FIN, probes, ACKs), segment building, RTO (RFC 6298), delayed ACKs,
 * zero-window probing and keep-alive (RFC 9293 §3.8), SACK-based loss
 * recovery (RFC 6675) and NewReno without SACK (RFC 6582).
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "conn.h"
#include "datafin.h"
#include "conn_sched.h"
#include "mpfail.h"
#include "pm.h"
#include "seq.h"
#include "stack_impl.h"
#include "subflow.h"
#include "tcp.h"
#include "wire.h"

#define DUPTHRESH 3

/* NOP NOP TS 10: the first word of the timestamps option as we write it. */
#define TS_WORD                                                                \
  ((uint32_t)MPTCP_OPT_NOP << 24 | (uint32_t)MPTCP_OPT_NOP << 16 |             \
   (uint32_t)MPTCP_OPT_TS << 8 | 10u)

static uint32_t tsval(const mptcp_tcp *t, mptcp_tstamp now) {
  return (uint32_t)(now / 1000) + t->ts_offset; /* 1 ms ticks (RFC 7323) */
}

uint32_t mptcp_tcp_sack_blocks(const mptcp_tcp *t, mptcp_sack_block *out,
                               uint32_t max) {
  uint32_t off = t->ooo_last - t->rcv_nxt, first = 0;
  for (uint32_t i = 0; i < t->ooo.n; i++)
    if (off >= t->ooo.r[i].start && off < t->ooo.r[i].end) first = i;
  uint32_t nb = t->ooo.n < max ? t->ooo.n : max;
  for (uint32_t k = 0; k < nb; k++) {
    /* The newest first; then the others in order, skipping it. */
    uint32_t i = k == 0 ? first : k - 1 < first ? k - 1 : k;
    out[k].left = t->rcv_nxt + t->ooo.r[i].start;
    out[k].right = t->rcv_nxt + t->ooo.r[i].end;
  }
  return nb;
}

/* The window field: never move the right edge left (RFC 9293 §3.8.6.2.2),
 * and only move it right by a meaningful amount (receiver SWS avoidance). */
static MPTCP_HOT_INLINE uint16_t window_field(struct mptcp_subflow *sf,
                                              int syn) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  uint32_t space = mptcp_tcp_rcv_space(sf);
  if (c->fail) space = mptcp_fail_rcv_space(sf, space);
  if (syn) {
    uint32_t w = space > 65535 ? 65535 : space;
    t->rcv_adv = t->rcv_nxt + w;
    return (uint16_t)w;
  }
  uint32_t edge = t->rcv_nxt + space;
  uint32_t step = t->mss < c->rcv.cap / 2 ? t->mss : (uint32_t)(c->rcv.cap / 2);
  if (mptcp_seq_gt(edge, t->rcv_adv) &&
      (edge - t->rcv_adv >= step || space == c->rcv.cap))
    t->rcv_adv = edge;
  uint32_t w =
      mptcp_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  w >>= t->rcv_wscale;
  return (uint16_t)(w > 65535 ? 65535 : w);
}

/* The option sums below are one's-complement sums of the option bytes as
 * 32-bit network-order words (see mptcp_csum_fold): the segment checksum
 * is built from values, not by reading the header back. */
static size_t syn_options(struct mptcp_subflow *sf, uint8_t *o, int synack,
                          mptcp_tstamp now, uint64_t *sum) {
  struct mptcp_conn *c = sf->conn;
  const mptcp_settings *s = &c->st->s;
  mptcp_tcp *t = &sf->tcp;
  mptcp_tcpopts opts;
  memset(&opts, 0, sizeof opts);
  opts.present = MPTCP_HAS_MSS;
  uint16_t mss = s->mss;
  if (sf->local.ip.family == MPTCP_AF_INET6 && mss > 20) mss -= 20;
  opts.mss = mptcp_fail_syn_mss(sf, synack, mss);
  /* On a SYN/ACK we only echo what the peer offered (RFC 7323 §1.3). */
  if (!synack || t->ws_ok) {
    opts.present |= MPTCP_HAS_WSCALE;
    opts.wscale = t->rcv_wscale;
  }
  if (synack ? t->sack_ok : s->sack) opts.present |= MPTCP_HAS_SACK_PERM;
  if (synack ? t->ts_ok : s->timestamps) {
    opts.present |= MPTCP_HAS_TS;
    opts.ts_val = tsval(t, now);
    opts.ts_ecr = synack ? t->ts_recent : 0;
  }
  mptcp_subopt mpc;
  if (mptcp_sf_syn_option(sf, synack, &mpc))
    mptcp_tcpopts_add_mptcp(&opts, &mpc);
  mptcp_ssize n = mptcp_tcpopts_write(&opts, 0xff, o, MPTCP_TCP_OPT_MAX);
  size_t olen = n > 0 ? (size_t)n : 0;
  uint64_t acc = 0;
  for (size_t i = 0; i + 4 <= olen; i += 4) acc += mptcp_get32(o + i);
  *sum = acc; /* the writer pads to 32 bits */
  return olen;
}

/* Timestamps and SACK blocks of a synchronized segment, written directly:
 * this is the per-packet path. */
static MPTCP_HOT_INLINE size_t data_options(struct mptcp_subflow *sf,
                                            uint8_t *o, int rst,
                                            mptcp_tstamp now, uint64_t *sum) {
  mptcp_tcp *t = &sf->tcp;
  uint8_t *p = o;
  uint64_t acc = 0;
  if (t->ts_ok && !rst) {
    uint32_t v = tsval(t, now);
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_TS;
    *p++ = 10;
    p = mptcp_put32(p, v);
    p = mptcp_put32(p, t->ts_recent);
    acc = (uint64_t)TS_WORD + v + t->ts_recent;
  }
  if (t->sack_ok && t->ooo.n && !rst) {
    uint32_t room = (uint32_t)(MPTCP_TCP_OPT_MAX - (p - o) - 4) / 8;
    mptcp_sack_block b[MPTCP_SACK_MAX];
    uint32_t nb = mptcp_tcp_sack_blocks(t, b, room);
    uint8_t olen = (uint8_t)(2 + 8 * nb);
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_SACK;
    *p++ = olen;
    acc += (uint32_t)MPTCP_OPT_NOP << 24 | (uint32_t)MPTCP_OPT_NOP << 16 |
           (uint32_t)MPTCP_OPT_SACK << 8 | olen;
    for (uint32_t k = 0; k < nb; k++) {
      p = mptcp_put32(p, b[k].left);
      p = mptcp_put32(p, b[k].right);
      acc += (uint64_t)b[k].left + b[k].right;
    }
  }
  *sum = acc;
  return (size_t)(p - o);
}

#define IP_TTL 64
#define NH_TCP 6

/* What mptcp_pkt_write() would put in front of every segment of this
 * connection (IPv4: DF, ID 0, TTL 64; IPv6: flow label 0), prepared once:
 * a segment then needs a copy, a few stores and one checksum pass. */
void mptcp_tcp_init_template(struct mptcp_subflow *sf) {
  mptcp_tcp *t = &sf->tcp;
  uint8_t *b = t->hdr;
  size_t alen = sf->local.ip.family == MPTCP_AF_INET6 ? 16 : 4;
  memset(b, 0, sizeof t->hdr);
  if (alen == 4) {
    b[0] = 0x45;
    mptcp_put16(b + 6, 0x4000);
    b[8] = IP_TTL;
    b[9] = NH_TCP;
    memcpy(b + 12, sf->local.ip.a, 4);
    memcpy(b + 16, sf->remote.ip.a, 4);
    t->hdr_iph = MPTCP_IPV4_HDR_LEN;
    t->hdr_ip_sum = mptcp_csum_partial(b, MPTCP_IPV4_HDR_LEN, 0);
  } else {
    b[0] = 0x60;
    b[6] = NH_TCP;
    b[7] = IP_TTL;
    memcpy(b + 8, sf->local.ip.a, 16);
    memcpy(b + 24, sf->remote.ip.a, 16);
    t->hdr_iph = MPTCP_IPV6_HDR_LEN;
  }
  mptcp_put16(b + t->hdr_iph, sf->local.port);
  mptcp_put16(b + t->hdr_iph + 2, sf->remote.port);
  uint32_t ps = mptcp_csum_partial(sf->local.ip.a, alen, NH_TCP);
  t->hdr_ps_sum = mptcp_csum_partial(sf->remote.ip.a, alen, ps);
  t->hdr_tcp_sum =
      t->hdr_ps_sum + (uint32_t)sf->local.port + (uint32_t)sf->remote.port;
}

/* The TCP checksum field left for the caller to complete
 * (MPTCP_OFFLOAD_TX_CSUM): the pseudo-header sum, folded, not inverted. */
static uint16_t partial_csum(const mptcp_tcp *t, size_t tlen) {
  return (uint16_t)mptcp_csum_fold((uint64_t)t->hdr_ps_sum + tlen);
}

/* Completes a segment whose options and payload are already in place:
 * the IP header from the template, the TCP header, both checksums (the
 * TCP one only partial when `partial`). `sum` is the one's-complement sum
 * of the options and the payload. The bytes are exactly those
 * mptcp_pkt_write() produces. */
static MPTCP_HOT_INLINE size_t write_headers(const mptcp_tcp *t, uint8_t *buf,
                                             uint32_t seq, uint32_t ack,
                                             uint8_t flags, uint16_t window,
                                             size_t olen, size_t len,
                                             uint64_t sum, int partial) {
  size_t iph = t->hdr_iph, hl = MPTCP_TCP_HDR_LEN + olen, tlen = hl + len;
  /* Constant-size copies: the options are already behind the ports. */
  if (iph == MPTCP_IPV4_HDR_LEN) {
    memcpy(buf, t->hdr, MPTCP_IPV4_HDR_LEN + 4);
    mptcp_put16(buf + 2, (uint16_t)(iph + tlen));
    uint32_t s = t->hdr_ip_sum + (uint32_t)(iph + tlen);
    mptcp_put16(buf + 10, (uint16_t)~mptcp_csum_fold(s));
  } else {
    memcpy(buf, t->hdr, MPTCP_IPV6_HDR_LEN + 4);
    mptcp_put16(buf + 4, (uint16_t)tlen);
  }
  uint8_t *h = buf + iph; /* ports come from the template */
  /* Data offset, flags and window as one word; urgent pointer 0. */
  uint32_t w3 = (uint32_t)(hl / 4) << 28 | (uint32_t)flags << 16 | window;
  mptcp_put32(h + 4, seq);
  mptcp_put32(h + 8, ack);
  mptcp_put32(h + 12, w3);
  uint16_t csum;
  if (partial) {
    csum = partial_csum(t, tlen);
  } else {
    sum += (uint64_t)t->hdr_tcp_sum + tlen + seq + ack + w3;
    csum = (uint16_t)~mptcp_csum_fold(sum);
  }
  mptcp_put32(h + 16, (uint32_t)csum << 16);
  return iph + tlen;
}

/* Builds one segment. Payload: `len` bytes of the send ring starting at
 * sequence `seq` (offset seq - snd_una). */
static void arm_rtx(mptcp_tcp *t, mptcp_tstamp now) {
  if (t->t_rtx == MPTCP_TSTAMP_NONE) t->t_rtx = now + t->rto;
}

static mptcp_ssize emit(struct mptcp_subflow *sf, uint8_t *buf, size_t cap,
                        uint32_t seq, uint8_t flags, uint32_t len,
                        mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  mptcp_tcp *t = &sf->tcp;
  size_t iph = t->hdr_iph;
  /* The options go straight into the packet when the largest would fit;
   * otherwise through a scratch area, to learn their size first. */
  uint8_t scratch[MPTCP_TCP_OPT_MAX];
  int direct = cap >= iph + MPTCP_TCP_HDR_LEN + MPTCP_TCP_OPT_MAX + len;
  uint8_t *o = direct ? buf + iph + MPTCP_TCP_HDR_LEN : scratch;
  uint64_t sum;
  int syn = (flags & MPTCP_TH_SYN) != 0;
  int rst = (flags & MPTCP_TH_RST) != 0;
  size_t ring_off = seq - t->snd_una, olen;
  int infmap = 0;
  if (syn)
    olen = syn_options(sf, o, (flags & MPTCP_TH_ACK) != 0, now, &sum);
  else if (c->mp.state == MPTCP_MP_ON && rst)
    olen = mptcp_sf_rst_options(sf, o, &sum);
  else if (c->mp.state == MPTCP_MP_ON)
    olen = mptcp_sf_data_options(sf, o, seq, len, flags, now, &sum, &ring_off);
  else if (!rst && c->infmap_due &&
           (infmap = mptcp_infmap_due(sf, seq, len, flags)) != 0)
    olen = mptcp_sf_infmap_options(sf, o, now, &sum);
  else
    olen = data_options(sf, o, rst, now, &sum);
  if (!direct) {
    if (cap < iph + MPTCP_TCP_HDR_LEN + olen + len) return MPTCP_ERR_NOBUF;
    memcpy(buf + iph + MPTCP_TCP_HDR_LEN, o, olen);
  }
  if (infmap) mptcp_infmap_sent(sf);
  /* The segment will go out: only now does MPTCP record its mapping. */
  if (c->mp.state == MPTCP_MP_ON && !syn && !rst &&
      mptcp_sf_data_sent(sf, seq, len, flags) < 0) {
    /* No memory for the record: not sent; the timer tries again. */
    mptcp_ctr_inc(st, MPTCP_CTR_MP_SEND_NOMEM);
    arm_rtx(t, now);
    return 0;
  }

  uint32_t ack = (flags & MPTCP_TH_ACK) ? t->rcv_nxt : 0;
  uint16_t window = (flags & MPTCP_TH_RST) ? 0 : window_field(sf, syn);
  /* The payload goes straight from the ring into the packet, summed on
   * the way (it starts at an even offset: the header is 32-bit words),
   * unless the caller completes the checksum. */
  int partial = (st->s.offload & MPTCP_OFFLOAD_TX_CSUM) != 0;
  uint8_t *pay = buf + iph + MPTCP_TCP_HDR_LEN + olen;
  if (len && partial)
    mptcp_ring_read_at(&c->snd, ring_off, pay, len);
  else if (len)
    sum += mptcp_ring_read_csum(&c->snd, ring_off, pay, len);
  size_t n =
      write_headers(t, buf, seq, ack, flags, window, olen, len, sum, partial);
  if (flags & MPTCP_TH_ACK) {
    t->flags &= (uint16_t) ~(TCPF_ACK_NOW | TCPF_WND_UPDATE);
    t->unacked_segs = 0;
    t->t_delack = MPTCP_TSTAMP_NONE;
  }
  if (flags & MPTCP_TH_RST) mptcp_ctr_inc(st, MPTCP_CTR_TCP_RST_SENT);
  mptcp_ctr_inc(st, MPTCP_CTR_TCP_OUT_SEGS);
  return (mptcp_ssize)n;
}

/* A pure ACK from the prepared copy (see mptcp_tcp.ack_hdr): plain TCP,
 * no SACK blocks, no infinite mapping due. The bytes are those emit()
 * writes for it. With MPTCP_OFFLOAD_TX_CSUM the copy holds the partial
 * checksum already (it depends on the length alone): nothing to sum. */
static mptcp_ssize emit_ack(struct mptcp_subflow *sf, uint8_t *buf, size_t cap,
                            mptcp_tstamp now) {
  mptcp_tcp *t = &sf->tcp;
  size_t iph = t->hdr_iph, olen = t->ts_ok ? 12 : 0;
  size_t n = iph + MPTCP_TCP_HDR_LEN + olen;
  int partial = (sf->conn->st->s.offload & MPTCP_OFFLOAD_TX_CSUM) != 0;
  if (cap < n) return MPTCP_ERR_NOBUF;
  if (!t->ack_len) { /* the first: build it the long way, keep a copy */
    uint64_t s0;
    uint8_t *b = t->ack_hdr;
    data_options(sf, b + iph + MPTCP_TCP_HDR_LEN, 0, 0, &s0);
    write_headers(t, b, 0, 0, MPTCP_TH_ACK, 0, olen, 0, 0, partial);
    if (olen) memset(b + iph + MPTCP_TCP_HDR_LEN + 4, 0, 8);
    if (!partial)
      t->ack_sum =
          mptcp_csum_fold((uint64_t)t->hdr_tcp_sum + MPTCP_TCP_HDR_LEN + olen +
                          mptcp_get32(b + iph + 12) + (olen ? TS_WORD : 0));
    t->ack_len = (uint8_t)n;
  }
  memcpy(buf, t->ack_hdr, n);
  uint8_t *h = buf + iph;
  uint32_t seq = t->snd_nxt, ack = t->rcv_nxt;
  uint16_t window = window_field(sf, 0);
  mptcp_put32(h + 4, seq);
  mptcp_put32(h + 8, ack);
  mptcp_put16(h + 14, window);
  uint32_t v = 0;
  if (olen) {
    v = tsval(t, now);
    mptcp_put32(h + MPTCP_TCP_HDR_LEN + 4, v);
    mptcp_put32(h + MPTCP_TCP_HDR_LEN + 8, t->ts_recent);
  }
  if (!partial) {
    uint64_t sum = (uint64_t)t->ack_sum + seq + ack + window;
    if (olen) sum += (uint64_t)v + t->ts_recent;
    mptcp_put16(h + 16, (uint16_t)~mptcp_csum_fold(sum));
  }
  t->flags &= (uint16_t) ~(TCPF_ACK_NOW | TCPF_WND_UPDATE);
  t->unacked_segs = 0;
  t->t_delack = MPTCP_TSTAMP_NONE;
  mptcp_ctr_inc(sf->conn->st, MPTCP_CTR_TCP_OUT_SEGS);
  return (mptcp_ssize)n;
}

/* Accounts for a segment with sequence space [seq, seq + span) just sent. */
static void sent(mptcp_tcp *t, uint32_t seq, uint32_t span, uint32_t paylen,
                 mptcp_stack *st, mptcp_tstamp now) {
  uint32_t end = seq + span;
  if (mptcp_seq_lt(seq, t->snd_max)) {
    t->retransmits++;
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_RETRANS_SEGS);
    t->rtt_timing = 0; /* Karn: no sample across a retransmission */
    /* A resend may run on past SND.MAX (go-back-N after an RTO): those
     * bytes leave for the first time. */
    if (mptcp_seq_gt(seq + paylen, t->snd_max))
      t->bytes_sent += seq + paylen - t->snd_max;
  } else {
    t->bytes_sent += paylen;
    if (!t->rtt_timing) {
      t->rtt_timing = 1;
      t->rtt_seq = seq;
      t->rtt_at = now;
    }
  }
  if (mptcp_seq_gt(end, t->snd_nxt)) t->snd_nxt = end;
  if (mptcp_seq_gt(end, t->snd_max)) t->snd_max = end;
  t->t_persist = MPTCP_TSTAMP_NONE;
  arm_rtx(t, now);
}

/* Unacknowledged bytes in [a, b) (offsets from snd_una) not yet SACKed. */
static uint32_t unsacked_in(const mptcp_tcp *t, uint32_t a, uint32_t b) {
  if (b <= a) return 0;
  uint32_t s = mptcp_ranges_bytes_above(&t->sacked, a) -
               mptcp_ranges_bytes_above(&t->sacked, b);
  return (b - a) - s;
}

/* RFC 6675 IsLost(): a byte is lost when more than (DupThresh - 1) * SMSS
 * bytes above it are SACKed. Returns the offset below which that holds
 * (0 = nothing lost). Without SACK, recovery treats the segment at SND.UNA
 * as the lost one (RFC 6582). When the scoreboard had to leave SACK blocks
 * out, the bytes more than DupThresh * SMSS below the highest one left out
 * count as lost too (FACK, Mathis & Mahdavi 1996): what was sent before a
 * delivered segment has left the network, and a resend of bytes the
 * scoreboard could not record costs less than waiting for the RTO. */
static uint32_t lost_edge(const mptcp_tcp *t) {
  if (!t->sack_ok) return t->mss;
  uint32_t need = (DUPTHRESH - 1) * (uint32_t)t->mss, acc = 0, edge = 0;
  for (uint32_t i = t->sacked.n; i-- > 0;) {
    uint32_t len = t->sacked.r[i].end - t->sacked.r[i].start;
    if (acc + len > need) {
      edge = t->sacked.r[i].end - (need - acc);
      break;
    }
    acc += len;
  }
  uint32_t over = t->sack_over - t->snd_una;
  uint32_t fack = DUPTHRESH * (uint32_t)t->mss;
  if (mptcp_seq_gt(t->sack_over, t->snd_una) && over > fack &&
      over - fack > edge)
    edge = over - fack;
  return edge;
}

/* RFC 6675 SetPipe(), in bytes. */
static uint32_t pipe_bytes(const mptcp_tcp *t) {
  uint32_t flight = t->snd_max - t->snd_una;
  uint32_t sacked = mptcp_ranges_bytes_above(&t->sacked, 0);
  if (!t->sack_ok) /* each duplicate ACK stands for one segment gone */
    sacked = t->dupacks * (uint32_t)t->mss;
  if (sacked > flight) sacked = flight;
  uint32_t pipe = flight - sacked;
  if (t->flags & TCPF_RECOVERY) {
    uint32_t hr = t->high_rxt - t->snd_una;
    uint32_t lost = unsacked_in(t, hr, lost_edge(t));
    pipe = pipe > lost ? pipe - lost : 0;
  }
  return pipe;
}

uint32_t mptcp_tcp_inflight(const mptcp_tcp *t) {
  return (t->flags & TCPF_RECOVERY) ? pipe_bytes(t) : t->snd_nxt - t->snd_una;
}

/* The first unSACKed byte in [off, to) (offsets from snd_una), and the
 * length of a resend from there (up to an MSS, short of the next SACKed
 * byte and of SND.MAX). Returns its offset or -1. */
static int64_t first_unsacked(const mptcp_tcp *t, uint32_t off, uint32_t to,
                              uint32_t *len) {
  uint32_t flight = t->snd_max - t->snd_una;
  while (off < to) {
    if (!mptcp_ranges_contains(&t->sacked, off)) {
      uint32_t end = off + t->mss;
      for (uint32_t i = 0; i < t->sacked.n; i++)
        if (t->sacked.r[i].start > off && t->sacked.r[i].start < end)
          end = t->sacked.r[i].start;
      if (end > flight) end = flight;
      *len = end - off;
      return off;
    }
    for (uint32_t i = 0; i < t->sacked.n; i++)
      if (off >= t->sacked.r[i].start && off < t->sacked.r[i].end)
        off = t->sacked.r[i].end;
  }
  return -1;
}

/* RFC 6675 NextSeg() rule 1: the first lost, unSACKed, not yet
 * retransmitted byte at or above HighRxt; before it, a resend found lost
 * (tcp.h redo). Returns its offset or -1. */
static int64_t next_lost(const mptcp_tcp *t, uint32_t *len) {
  uint32_t edge = lost_edge(t);
  uint32_t flight = t->snd_max - t->snd_una;
  if (edge > flight) edge = flight;
  if (mptcp_seq_lt(t->redo, t->redo_end) &&
      mptcp_seq_gt(t->redo_end, t->snd_una)) {
    uint32_t from =
        mptcp_seq_gt(t->redo, t->snd_una) ? t->redo - t->snd_una : 0;
    uint32_t to = t->redo_end - t->snd_una;
    int64_t off = first_unsacked(t, from, to < edge ? to : edge, len);
    if (off >= 0) return off;
  }
  uint32_t off =
      mptcp_seq_gt(t->high_rxt, t->snd_una) ? t->high_rxt - t->snd_una : 0;
  return first_unsacked(t, off, edge, len);
}

static int synchronized(uint8_t s) {
  return s >= MPTCP_TCP_ESTABLISHED && s != MPTCP_TCP_TIME_WAIT;
}

/* Bytes of the subflow's stream from SND.UNA (FIN excluded): the send
 * ring for plain TCP; with MPTCP what is in flight on the subflow plus
 * what the connection has not mapped yet. */
static uint32_t stream_len(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  return c->mp.state == MPTCP_MP_ON ? mptcp_sf_stream_len(sf)
                                    : (uint32_t)c->snd.len;
}

/* Bytes of the stream at or after snd_nxt, i.e. not yet sent (again). */
static uint32_t unsent(const struct mptcp_subflow *sf) {
  uint32_t out = sf->tcp.snd_nxt - sf->tcp.snd_una; /* may include the FIN */
  uint32_t len = stream_len(sf);
  return out >= len ? 0 : len - out;
}

/* Payload room of a data segment starting at @p seq. t->mss already
 * leaves out the timestamps; with MPTCP the DSS takes what
 * mptcp_sf_dss_room() says (none inside a mapping); SACK blocks come and
 * go, and payload plus options must stay within the peer's MSS (RFC 9293
 * §3.7.1: TCPhdrsize counts the options). Plain TCP writes as many blocks
 * as fit (data_options); with MPTCP all options fit in 40 bytes, so SACK
 * can take at most what the others leave. */
static uint32_t seg_room(const struct mptcp_subflow *sf, uint32_t seq) {
  const mptcp_tcp *t = &sf->tcp;
  uint32_t dss =
      sf->conn->mp.state != MPTCP_MP_OFF ? mptcp_sf_dss_room(sf, seq) : 0;
  uint32_t opt = dss, reserved = (t->ts_ok ? 12u : 0u) + dss;
  if (t->sack_ok && t->ooo.n && reserved + 12u <= MPTCP_TCP_OPT_MAX) {
    uint32_t fit = (MPTCP_TCP_OPT_MAX - reserved - 4u) / 8u;
    opt += 4u + 8u * (t->ooo.n < fit ? t->ooo.n : fit);
  }
  return t->mss > opt ? t->mss - opt : 1; /* t->mss >= 64 > opt */
}

/* MPTCP_OFFLOAD_TSO: the payload of a super-segment of new data from
 * SND.NXT, in whole segments of @p seg bytes, within @p total (what the
 * windows and the queue allow now, as for one segment) and the size
 * limits; 0 when fewer than two fit. Whatever is left goes the
 * one-segment way on the next call, which is where a stack without TSO
 * would be after sending these segments one by one. The last full
 * segment before a FIN (@p fin_off bytes from SND.NXT) is left too: the FIN
 * goes on it as without TSO. */
static uint32_t tso_len(const struct mptcp_subflow *sf, uint32_t seg,
                        uint32_t total, size_t cap, uint32_t fin_off) {
  const mptcp_tcp *t = &sf->tcp;
  const mptcp_settings *s = &sf->conn->st->s;
  size_t max = s->tso_max < cap ? s->tso_max : cap;
  size_t hdr = t->hdr_iph + MPTCP_TCP_HDR_LEN + MPTCP_TCP_OPT_MAX;
  if (max <= hdr + 2 * (size_t)seg) return 0;
  if (total > max - hdr) total = (uint32_t)(max - hdr);
  uint32_t n = total / seg;
  if (n && n * seg == fin_off) n--;
  return n >= 2 ? n * seg : 0;
}

/* May new data from SND.NXT go as a super-segment (TSO being on)? Only
 * where every
 * segment of it would carry the same options: plain TCP without an
 * infinite mapping due, or MPTCP inside a mapping sent already whose
 * segments carry no DSS (no DATA_ACK news, no DSS checksums, no MP_FAIL,
 * no join handshake): the mapping covers the super-segment, and its first
 * segment, which carries it, went on its own. */
static int tso_ok(const struct mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  const mptcp_tcp *t = &sf->tcp;
  if ((t->flags & (TCPF_RECOVERY | TCPF_PROBE)) || c->infmap_due ||
      t->snd_nxt != t->snd_max)
    return 0;
  if (c->mp.state != MPTCP_MP_ON) return 1;
  return !c->mp.checksum && !c->fail && mptcp_sf_joined(sf) &&
         mptcp_sf_no_dss(sf, t->snd_nxt);
}

/* Sends the super-segment of @p len bytes of new data in segments of
 * @p seg (tso_len()). */
static mptcp_ssize emit_tso(struct mptcp_subflow *sf, uint8_t *buf, size_t cap,
                            uint32_t len, uint32_t seg, mptcp_tstamp now) {
  mptcp_tcp *t = &sf->tcp;
  mptcp_stack *st = sf->conn->st;
  uint32_t seq = t->snd_nxt;
  mptcp_ssize n =
      emit(sf, buf, cap, seq, MPTCP_TH_ACK | MPTCP_TH_PSH, len, now);
  if (n <= 0) return n;
  st->tx_gso_size = (uint16_t)seg;
  st->ctr.v[MPTCP_CTR_TCP_OUT_SEGS] += len / seg - 1; /* emit() counted one */
  sent(t, seq, len, len, st, now);
  return n;
}

static mptcp_ssize output_data(struct mptcp_subflow *sf, uint8_t *buf,
                               size_t cap, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  /* A plain-TCP receiver with nothing of its own to send (empty send ring,
   * nothing in flight, no FIN, probe, keep-alive or recovery): steps 0 to
   * 4 below would find nothing and only stop the persist timer, so at
   * most the ACK of step 5 goes out. */
  if (c->mp.state == MPTCP_MP_OFF && !sf->join && c->snd.len == 0 &&
      t->snd_max == t->snd_una &&
      !(t->flags &
        (TCPF_RECOVERY | TCPF_FIN_QUEUED | TCPF_PROBE | TCPF_KEEPALIVE))) {
    t->t_persist = MPTCP_TSTAMP_NONE;
    if (!(t->flags & (TCPF_ACK_NOW | TCPF_WND_UPDATE))) return 0;
    if (!c->infmap_due && !(t->sack_ok && t->ooo.n))
      return emit_ack(sf, buf, cap, now);
    return emit(sf, buf, cap, t->snd_nxt, MPTCP_TH_ACK, 0, now);
  }
  mptcp_stack *st = c->st;
  /* Plain-TCP bulk sending (nothing but new data of full segments, or the
   * last of what is queued, to send): steps 0 to 2 below reduced to what
   * they compute in that state. */
  if (c->mp.state == MPTCP_MP_OFF && !sf->join && t->snd_nxt == t->snd_max &&
      !(t->flags & (TCPF_RECOVERY | TCPF_FIN_QUEUED | TCPF_PROBE)) &&
      !(t->sack_ok && t->ooo.n) && t->snd_nxt - t->snd_una <= c->snd.len) {
    uint32_t cwnd = mptcp_tcp_cwnd(t);
    uint32_t wnd = cwnd < t->snd_wnd ? cwnd : t->snd_wnd;
    uint32_t inflight = t->snd_nxt - t->snd_una;
    uint32_t avail = (uint32_t)c->snd.len - inflight;
    uint32_t len = wnd > inflight ? wnd - inflight : 0;
    if (len > avail) len = avail;
    if (len >= t->mss ||
        (len && len == avail && (inflight == 0 || (t->flags & TCPF_NODELAY)))) {
      uint32_t big =
          len > t->mss && (st->s.offload & MPTCP_OFFLOAD_TSO) && tso_ok(sf)
              ? tso_len(sf, t->mss, len, cap, UINT32_MAX)
              : 0;
      if (big) return emit_tso(sf, buf, cap, big, t->mss, now);
      if (len > t->mss) len = t->mss;
      uint32_t seq = t->snd_nxt;
      mptcp_ssize n =
          emit(sf, buf, cap, seq, MPTCP_TH_ACK | MPTCP_TH_PSH, len, now);
      if (n > 0) sent(t, seq, len, len, st, now);
      return n;
    }
  }
  if (c->mp.state == MPTCP_MP_ON) {
    /* MP_FAIL goes on a pure ACK of its own (§3.7); after it, the
     * fallback with an infinite mapping once the old mappings drained. */
    if (sf->fail_ack)
      return emit(sf, buf, cap, t->snd_nxt, MPTCP_TH_ACK, 0, now);
    mptcp_fail_switch(sf);
  }
  uint32_t cwnd = mptcp_tcp_cwnd(t);
  uint32_t fin_seq = t->snd_una + stream_len(sf);
  int fin_pending =
      (t->flags & (TCPF_FIN_QUEUED | TCPF_FIN_DONE)) == TCPF_FIN_QUEUED &&
      (c->mp.state != MPTCP_MP_ON || mptcp_sf_fin_ok(sf));

  /* 0. An MPTCP client's keys go on a pure third ACK first. */
  if (mptcp_sf_third_ack_due(sf)) {
    mptcp_ssize n = emit(sf, buf, cap, t->snd_nxt, MPTCP_TH_ACK, 0, now);
    if (n > 0) mptcp_sf_third_ack_sent(sf, now);
    return n;
  }

  /* 1. Loss recovery retransmissions. */
  if (t->flags & TCPF_RECOVERY) {
    uint32_t len = 0;
    int64_t off = next_lost(t, &len);
    if (off >= 0 && (pipe_bytes(t) < cwnd || t->high_rxt == t->snd_una)) {
      uint32_t seq = t->snd_una + (uint32_t)off;
      if (len > seg_room(sf, seq)) len = seg_room(sf, seq);
      /* One mapping per segment: a resend stops where its record does. */
      if (c->mp.state == MPTCP_MP_ON) {
        uint32_t run = mptcp_sf_tx_run(sf, seq);
        if (len > run) len = run;
      }
      uint32_t dlen = len;
      uint8_t fl = MPTCP_TH_ACK;
      /* The octet after the data is the FIN's (sent before, since it is
       * in flight; TCPF_FIN_SENT may be cleared by a timeout since). */
      if (mptcp_seq_gt(seq + dlen, fin_seq)) {
        dlen = fin_seq - seq;
        if (mptcp_sf_fin_with(sf, seq, dlen))
          fl |= MPTCP_TH_FIN;
        else
          len = dlen; /* the FIN next, alone with its DATA_FIN */
      }
      if (dlen) fl |= MPTCP_TH_PSH;
      mptcp_ssize n = emit(sf, buf, cap, seq, fl, dlen, now);
      if (n > 0) {
        sent(t, seq, len, dlen, st, now);
        uint32_t end = seq + len;
        if (mptcp_seq_lt(seq, t->redo_end)) t->redo = end;
        t->high_rxt = mptcp_seq_max(t->high_rxt, end);
        t->rtx_hi = t->high_rxt;
        t->rtx_mark = t->snd_max;
        t->snd_nxt = mptcp_seq_max(t->snd_nxt, t->snd_max);
      }
      return n;
    }
  }

  /* 2. New data, or go-back-N after a timeout (snd_nxt < snd_max). */
  uint32_t wnd = cwnd < t->snd_wnd ? cwnd : t->snd_wnd;
  uint32_t inflight = mptcp_tcp_inflight(t);
  uint32_t avail = unsent(sf);
  uint32_t usable = wnd > inflight ? wnd - inflight : 0;
  /* The peer's window is an absolute right edge. */
  uint32_t right = t->snd_una + t->snd_wnd;
  uint32_t peer_room = mptcp_seq_gt(right, t->snd_nxt) ? right - t->snd_nxt : 0;
  if (usable > peer_room) usable = peer_room;
  /* New MPTCP data must also fit the connection-level window (§3.3.5),
   * and a reinjected run goes out in segments of its own. */
  if (c->mp.state == MPTCP_MP_ON && t->snd_nxt == t->snd_max) {
    uint32_t run = mptcp_sf_new_run(sf);
    if (run != UINT32_MAX) {
      if (avail > run) avail = run;
    } else {
      uint32_t room = mptcp_conn_tx_room(c);
      if (usable > room) usable = room;
    }
  }
  uint32_t max_len = seg_room(sf, t->snd_nxt); /* less DSS and SACK */
  uint32_t len = avail < usable ? avail : usable;
  if (len > max_len) len = max_len;
  if (len > t->mss) len = t->mss;
  if (c->mp.state == MPTCP_MP_ON && len) { /* one mapping per segment */
    uint32_t run = mptcp_sf_tx_run(sf, t->snd_nxt);
    if (len > run) len = run;
  }
  if (len && len == max_len && (st->s.offload & MPTCP_OFFLOAD_TSO) &&
      tso_ok(sf)) {
    uint32_t total = avail < usable ? avail : usable;
    if (c->mp.state == MPTCP_MP_ON) {
      uint32_t run = mptcp_sf_tx_run(sf, t->snd_nxt);
      if (total > run) total = run;
    }
    uint32_t big = tso_len(sf, len, total, cap,
                           fin_pending ? fin_seq - t->snd_nxt : UINT32_MAX);
    if (big) return emit_tso(sf, buf, cap, big, len, now);
  }
  int fin_now = fin_pending && t->snd_nxt + len == fin_seq &&
                !(t->flags & TCPF_FIN_SENT && t->snd_nxt == fin_seq + 1) &&
                mptcp_sf_fin_with(sf, t->snd_nxt, len);
  if (len > 0 || fin_now) {
    int is_rtx = mptcp_seq_lt(t->snd_nxt, t->snd_max);
    /* Sender SWS avoidance and Nagle (RFC 9293 §3.8.6.2.1, RFC 896). */
    if (len < max_len && !is_rtx && !fin_now &&
        !(c->mp.state == MPTCP_MP_ON && len == mptcp_sf_mapped_rest(sf))) {
      int all_queued = len == avail;
      int idle = t->snd_max == t->snd_una;
      if (!all_queued || (!idle && !(t->flags & TCPF_NODELAY))) len = 0;
    }
    if (fin_now && len < avail) fin_now = 0;
    if (len > 0 || fin_now) {
      uint8_t fl = MPTCP_TH_ACK;
      if (len) fl |= MPTCP_TH_PSH;
      if (fin_now) fl |= MPTCP_TH_FIN;
      uint32_t seq = t->snd_nxt;
      mptcp_ssize n = emit(sf, buf, cap, seq, fl, len, now);
      if (n > 0) {
        sent(t, seq, len + (fin_now ? 1 : 0), len, st, now);
        if (fin_now) t->flags |= TCPF_FIN_SENT;
      }
      return n;
    }
  }

  /* 3. Zero-window probe: one byte beyond the closed window; later probes
   * repeat that byte (RFC 9293 §3.8.6.1). Paced by the persist timer, not
   * by the RTO. */
  int again = t->snd_max != t->snd_una;
  if ((t->flags & TCPF_PROBE) && stream_len(sf) > 0 && (again || avail > 0)) {
    /* The probe byte is always app data: the one at SND.UNA when a probe is
     * outstanding, else the next unsent one. Flags and counters change
     * only once the segment exists (NOBUF loses nothing). */
    uint32_t seq = again ? t->snd_una : t->snd_nxt;
    mptcp_ssize n = emit(sf, buf, cap, seq, MPTCP_TH_ACK, 1, now);
    if (n > 0) {
      t->flags &= (uint16_t)~TCPF_PROBE;
      mptcp_ctr_inc(st, MPTCP_CTR_TCP_ZERO_WINDOW_PROBES);
      if (!again) {
        t->snd_nxt = t->snd_max = seq + 1;
        t->bytes_sent++;
      }
    }
    return n;
  }
  t->flags &= (uint16_t)~TCPF_PROBE;
  mptcp_tcp_check_persist(sf, now);

  /* 4. Keep-alive: an old sequence number forces an ACK (RFC 9293 §3.8.4). */
  if (t->flags & TCPF_KEEPALIVE) {
    mptcp_ssize n = emit(sf, buf, cap, t->snd_una - 1, MPTCP_TH_ACK, 0, now);
    if (n > 0) {
      t->flags &= (uint16_t)~TCPF_KEEPALIVE;
      mptcp_ctr_inc(st, MPTCP_CTR_TCP_KEEPALIVE_PROBES);
    }
    return n;
  }

  /* 5. A pure ACK or window update. */
  if (t->flags & (TCPF_ACK_NOW | TCPF_WND_UPDATE))
    return emit(sf, buf, cap, t->snd_nxt, MPTCP_TH_ACK, 0, now);
  return 0;
}

mptcp_ssize mptcp_tcp_output(struct mptcp_subflow *sf, uint8_t *buf, size_t cap,
                             mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  if (t->flags & TCPF_SEND_RST) {
    mptcp_ssize n =
        emit(sf, buf, cap, t->snd_nxt, MPTCP_TH_RST | MPTCP_TH_ACK, 0, now);
    if (n > 0) t->flags &= (uint16_t)~TCPF_SEND_RST;
    return n;
  }
  switch (t->state) {
  case MPTCP_TCP_SYN_SENT:
  case MPTCP_TCP_SYN_RECEIVED: {
    if (t->snd_nxt != t->iss) {
      /* SYN-RECEIVED answers an unacceptable segment with an ACK
       * (§3.10.7.4), e.g. the peer's SYN,ACK in a simultaneous open. */
      if (t->state == MPTCP_TCP_SYN_RECEIVED && (t->flags & TCPF_ACK_NOW))
        return emit(sf, buf, cap, t->snd_nxt, MPTCP_TH_ACK, 0, now);
      return 0;
    }
    uint8_t fl = MPTCP_TH_SYN;
    if (t->state == MPTCP_TCP_SYN_RECEIVED)
      fl |= MPTCP_TH_ACK;
    else if (!mptcp_sf_syn_may_go(sf))
      return 0; /* a join waits for the connection's keys to be confirmed */
    else
      mptcp_sf_syn_retry(sf); /* maybe drop MP_CAPABLE (blackholes) */
    mptcp_ssize n = emit(sf, buf, cap, t->iss, fl, 0, now);
    if (n > 0) sent(t, t->iss, 1, 0, c->st, now);
    return n;
  }
  case MPTCP_TCP_TIME_WAIT:
    if (t->flags & TCPF_ACK_NOW)
      return emit(sf, buf, cap, t->snd_nxt, MPTCP_TH_ACK, 0, now);
    return 0;
  default:
    if (!synchronized(t->state)) return 0;
    return output_data(sf, buf, cap, now);
  }
}

/* Zero window with data waiting and nothing but a probe in flight: the
 * persist timer replaces retransmissions (RFC 9293 §3.8.6.1). */
void mptcp_tcp_check_persist(struct mptcp_subflow *sf, mptcp_tstamp now) {
  mptcp_tcp *t = &sf->tcp;
  /* Probing: the window is closed, app data is queued, and at most the
   * probe byte is in flight. Anything else is the RTO's business. A
   * window smaller than a segment and than the data counts as closed:
   * sender SWS avoidance holds the data back, and if the update that
   * reopens it is lost nothing else would ever ask (RFC 9293 §3.8.6.2.1's
   * override timeout). */
  uint32_t len = stream_len(sf);
  uint32_t wnd = t->snd_wnd;
  /* With MPTCP new data needs the connection-level window too (§3.3.5),
   * which any subflow's ACK updates: a subflow whose own window is open
   * must probe when that one is closed and its update got lost. */
  if (sf->conn->mp.state == MPTCP_MP_ON && mptcp_sf_new_run(sf) == UINT32_MAX) {
    uint64_t conn_wnd =
        (uint64_t)(t->snd_nxt - t->snd_una) + mptcp_conn_tx_room(sf->conn);
    if (conn_wnd < wnd) wnd = (uint32_t)conn_wnd;
  }
  int closed = wnd == 0 || (wnd < t->mss && wnd < len);
  if (closed && len > 0 && t->snd_max - t->snd_una <= 1) {
    if (t->t_persist == MPTCP_TSTAMP_NONE) {
      t->persist_ivl = t->rto;
      t->t_persist = now + t->persist_ivl;
    }
    t->t_rtx = MPTCP_TSTAMP_NONE;
    return;
  }
  t->t_persist = MPTCP_TSTAMP_NONE;
  if (t->snd_max != t->snd_una && t->t_rtx == MPTCP_TSTAMP_NONE)
    t->t_rtx = now + t->rto; /* e.g. only a FIN left after probing */
}

/* ------------------------------------------------------------------ */
/* Timers                                                             */
/* ------------------------------------------------------------------ */

static void give_up(struct mptcp_subflow *sf, const char *why,
                    mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_CONN_TIMEOUT);
  MPTCP_LOG(c->st, MPTCP_LOG_INFO, "tcp %u>%u: timed out (%s)",
            MPTCP_LOG_CONN(sf), why);
  mptcp_tcp_abort(sf, now);
  mptcp_sf_closed(sf, MPTCP_EV_TIMEOUT);
  /* A path that stopped answering may come back: open it again, with the
   * backoff counted from now (it was counted from the last segment
   * received, long past after the retransmissions, so the first re-open
   * came at once). Does nothing when the connection ended with it. */
  mptcp_pm_subflow_died(sf, now);
}

/* Ends loss recovery and forgets the SACK scoreboard (RFC 2018 §8: after
 * a timeout). */
static void forget_recovery(mptcp_tcp *t) {
  t->flags &= (uint16_t)~TCPF_RECOVERY;
  t->dupacks = 0;
  t->sacked.n = 0;
  t->sack_over = t->high_rxt = t->rtx_hi = t->snd_una;
  t->redo = t->redo_end = t->snd_una;
}

void mptcp_tcp_unsend(mptcp_tcp *t, uint32_t ack) {
  if (mptcp_seq_gt(ack, t->snd_una) && mptcp_seq_leq(ack, t->snd_max)) {
    t->bytes_acked += ack - t->snd_una;
    t->snd_una = ack;
    t->retries = 0;
  }
  forget_recovery(t);
  t->snd_nxt = t->snd_max = t->recover = t->rtx_mark = t->snd_una;
  t->flags &= (uint16_t)~TCPF_FIN_SENT;
  t->rtt_timing = 0;
  t->t_rtx = MPTCP_TSTAMP_NONE;
}

static void on_rto(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  const mptcp_settings *s = &c->st->s;
  t->t_rtx = MPTCP_TSTAMP_NONE;
  if (mptcp_sf_join_rto(sf)) { /* the join's third ACK goes again */
    if (++t->retries > c->st->s.max_retries) {
      give_up(sf, "join", now);
      return;
    }
    uint64_t rto = (uint64_t)t->rto * 2;
    t->rto = rto > s->rto_max ? (uint32_t)s->rto_max : (uint32_t)rto;
    return;
  }
  if (t->snd_max == t->snd_una) return; /* nothing outstanding */
  mptcp_ctr_inc(c->st, MPTCP_CTR_TCP_RTO);
  int syn =
      t->state == MPTCP_TCP_SYN_SENT || t->state == MPTCP_TCP_SYN_RECEIVED;
  if (++t->retries > (syn ? s->syn_retries : s->max_retries)) {
    give_up(sf, syn ? "handshake" : "retransmissions", now);
    return;
  }
  if (!syn) {
    mptcp_cc_loss l = {t->snd_max - t->snd_una, t->mss, 1};
    /* Only the first timeout of a run halves ssthresh (RFC 5681 eq. 4). */
    mptcp_cc_sf gbuf[MPTCP_SUBFLOWS_MAX];
    mptcp_cc_group g;
    if (t->retries == 1)
      t->cc->on_loss(t->cc_state, &l, mptcp_conn_cc_group(sf, gbuf, &g), now);
    forget_recovery(t);
  }
  /* What this subflow carried goes out on another one too (the first
   * timeout of a run), so one dead path does not hold up the connection. */
  if (!syn && t->retries == 1 && c->mp.state == MPTCP_MP_ON)
    mptcp_conn_reinject(c, sf, MPTCP_SCHED_STALL_RTO);
  /* RFC 6298 §5.5-5.7: back off and resend from the oldest byte. */
  t->backoff++;
  uint64_t rto = (uint64_t)t->rto * 2;
  t->rto = rto > s->rto_max ? (uint32_t)s->rto_max : (uint32_t)rto;
  t->snd_nxt = t->snd_una;
  if (t->flags & TCPF_FIN_SENT) t->flags &= (uint16_t)~TCPF_FIN_SENT;
  t->rtt_timing = 0;
  arm_rtx(t, now);
}

void mptcp_tcp_timers(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  const mptcp_settings *s = &c->st->s;
  if (t->t_tw <= now) {
    /* Our DATA_FIN may still need this subflow: its resend timer ends
     * the wait (DATA_ACKed, or the connection times out). */
    if (mptcp_dfin_linger(sf)) {
      t->t_tw = now + s->time_wait;
      return;
    }
    t->t_tw = MPTCP_TSTAMP_NONE;
    mptcp_sf_closed(sf, 0);
    return;
  }
  if (t->t_rtx <= now) {
    on_rto(sf, now);
    if (t->state == MPTCP_TCP_CLOSED) return;
  }
  if (t->t_delack <= now) {
    t->t_delack = MPTCP_TSTAMP_NONE;
    t->flags |= TCPF_ACK_NOW;
  }
  if (t->t_persist <= now) {
    t->flags |= TCPF_PROBE;
    mptcp_tstamp ivl = t->persist_ivl * 2;
    t->persist_ivl = ivl > s->persist_max ? s->persist_max : ivl;
    t->t_persist = now + t->persist_ivl;
  }
  if (t->t_keep <= now) {
    if (t->probes >= s->keepalive_probes) {
      give_up(sf, "keep-alive", now);
      return;
    }
    t->probes++;
    t->flags |= TCPF_KEEPALIVE;
    t->t_keep = now + s->keepalive_intvl;
  }
  mptcp_conn_want_output(c);
}

void mptcp_tcp_abort(struct mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  (void)now;
  /* RFC 9293 §3.10.5: a reset for synchronized and SYN-RECEIVED states. */
  if (synchronized(t->state) || t->state == MPTCP_TCP_SYN_RECEIVED) {
    t->flags |= TCPF_SEND_RST;
    mptcp_conn_want_output(c);
  }
  t->state = MPTCP_TCP_CLOSED;
  t->t_rtx = t->t_delack = t->t_persist = t->t_keep = t->t_tw =
      MPTCP_TSTAMP_NONE;
}
