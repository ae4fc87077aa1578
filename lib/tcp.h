/*
 * The TCP control block of one subflow (RFC 9293), and the engine entry
 * points used by the stack. A connection (conn.h) owns the byte buffers;
 * the control block owns sequence state, timers, RTT and loss recovery.
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_TCP_H
#define MPTCP_TCP_H

#include <mptcp/codec.h>
#include <mptcp/ops.h>
#include <mptcp/stack.h>

#include "cc.h"
#include "hot.h"
#include "ranges.h"

struct mptcp_subflow;

/* mptcp_tcp.flags */
#define TCPF_ACK_NOW 0x0001u    /* send an ACK at the next output */
#define TCPF_FIN_QUEUED 0x0002u /* the app shut down: FIN after the data */
#define TCPF_FIN_SENT 0x0004u   /* our FIN has a sequence number */
#define TCPF_FIN_RCVD 0x0008u   /* peer's FIN accepted (rcv_nxt counts it) */
#define TCPF_SEND_RST 0x0010u   /* abort: emit one RST, then closed */
#define TCPF_PROBE 0x0020u      /* zero-window probe due */
#define TCPF_KEEPALIVE 0x0040u  /* keep-alive probe due */
#define TCPF_RECOVERY 0x0080u   /* in fast recovery */
#define TCPF_NODELAY 0x0100u    /* Nagle off */
#define TCPF_KEEPALIVE_ON 0x0200u
#define TCPF_WND_UPDATE 0x0400u /* receive window opened: tell the peer */
#define TCPF_FIN_ACKED 0x0800u  /* set by process_ack: our FIN got acked */
#define TCPF_FIN_DONE 0x1000u   /* our FIN is acknowledged: never again */
#define TCPF_FIN_OOO 0x2000u    /* the peer's FIN arrived early: at fin_at */

typedef struct mptcp_tcp {
  uint8_t state; /* enum mptcp_tcp_state */
  uint16_t flags;

  /* Negotiated on the SYN exchange. */
  uint8_t ws_ok, ts_ok, sack_ok;
  uint8_t snd_wscale, rcv_wscale;
  uint16_t mss;      /* payload bytes per segment we send */
  uint16_t peer_mss; /* from the peer's MSS option (536 default) */

  /* Send sequence space. */
  uint32_t iss, snd_una, snd_nxt, snd_max;
  uint32_t snd_wnd, max_snd_wnd; /* bytes, scaled */
  uint32_t snd_wl1, snd_wl2;

  /* Receive sequence space. */
  uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge we announced */
  uint32_t ts_recent;             /* RFC 7323 TS.Recent */
  mptcp_tstamp ts_recent_at;
  uint32_t ts_offset; /* random base of our TSval clock */

  /* RTT (RFC 6298), in microseconds. */
  uint32_t srtt, rttvar, rto;
  uint32_t rtt_seq; /* segment being timed (Karn: only if never resent) */
  mptcp_tstamp rtt_at;
  uint8_t rtt_timing;
  uint8_t backoff; /* RTO doublings so far */
  uint8_t retries; /* consecutive retransmission timeouts */
  uint8_t probes;  /* keep-alive probes without answer */
  mptcp_tstamp persist_ivl;

  /* Loss recovery (RFC 6675 with SACK, RFC 6582 without). */
  uint8_t dupacks;
  uint32_t recover;    /* RecoveryPoint: snd_max at loss detection */
  uint32_t high_rxt;   /* HighRxt: highest retransmitted this recovery */
  mptcp_ranges sacked; /* SACKed ranges, offsets from snd_una */
  /* Right edge of the highest SACK block the full scoreboard had to leave
   * out (at or below snd_una: none). Receivers repeat a block only while
   * it is among their newest, so without it a burst of more holes than
   * the scoreboard holds stalls recovery until the RTO. */
  uint32_t sack_over;
  /* The latest resend of this recovery covered up to rtx_hi and went out
   * when snd_max was rtx_mark. Once enough bytes sent after it are SACKed
   * while some of the resent ones are not, those resends were lost too:
   * they go again at once instead of after an RTO (whose backed-off
   * timer, with no RTT sample while only resends go out, can grow to
   * seconds). rtx_hi at or below snd_una: no resend to check. The lost
   * resends below redo_end go again from redo on, one per SACK as pipe
   * allows (they stay counted in pipe until then: no burst). */
  uint32_t rtx_mark, rtx_hi, redo, redo_end;

  /* Receive assembler: out-of-order bytes already in the receive ring at
   * their offsets, as ranges relative to rcv_nxt. */
  mptcp_ranges ooo;
  uint8_t unacked_segs; /* in-order segments received since our last ACK */
  uint32_t fin_at;      /* sequence number of an early FIN (TCPF_FIN_OOO) */
  uint32_t ooo_last;    /* the latest out-of-order segment's first octet */

  /* Timers (MPTCP_TSTAMP_NONE = off). */
  mptcp_tstamp t_rtx, t_delack, t_persist, t_keep, t_tw;
  mptcp_tstamp last_rx;      /* for keep-alive idleness */
  mptcp_tstamp challenge_at; /* RFC 5961 §7 rate limit window start */
  uint8_t challenges;

  /* Statistics. */
  uint64_t bytes_sent, bytes_acked, bytes_received, retransmits;

  /* Header template (tcp_out.c): the IP header and ports every segment
   * starts with, and the one's-complement sums of their constant parts. */
  uint8_t hdr[MPTCP_IPV6_HDR_LEN + 4];
  uint8_t hdr_iph;     /* IP header length: 20 or 40 */
  uint32_t hdr_ip_sum; /* IPv4 header without its length and checksum */
  /* A pure ACK of plain TCP without SACK blocks, prepared at the first
   * one (ack_len 0: not yet): every byte but the sequence numbers, the
   * window, the timestamps and the TCP checksum, and the sum of the TCP
   * part's constant words. With MPTCP_OFFLOAD_TX_CSUM the checksum is in
   * the copy (the partial one is constant) and ack_sum is unused. */
  uint8_t ack_hdr[MPTCP_IPV6_HDR_LEN + MPTCP_TCP_HDR_LEN + 12];
  uint8_t ack_len;
  uint32_t ack_sum;
  uint32_t hdr_tcp_sum; /* pseudo-header without the TCP length, and the
                           ports: the same in both directions */
  uint32_t hdr_ps_sum;  /* the pseudo-header alone (MPTCP_OFFLOAD_TX_CSUM) */

  /* Congestion control. */
  const mptcp_cc_ops *cc;
  uint64_t cc_state[MPTCP_CC_STATE_MAX / 8];
} mptcp_tcp;

/* Largest IPv4/IPv6 + TCP header we build (IPv6 40 + TCP 20 + 40). */
#define MPTCP_TCP_HDR_MAX 100

/* Engine entry points (tcp_in.c / tcp_out.c): each works on one subflow
 * (`sf->tcp`) and the byte buffers of its connection (`sf->conn`). */
/* Fills the header template from the subflow's addresses. */
void mptcp_tcp_init_template(struct mptcp_subflow *sf);
void mptcp_tcp_init_active(struct mptcp_subflow *sf, mptcp_tstamp now);
void mptcp_tcp_init_passive(struct mptcp_subflow *sf, const mptcp_pkt *syn,
                            const mptcp_tcpopts *o, mptcp_tstamp now);
/* Header prediction: takes the common segments of an established
 * connection (the next in-order data, or a pure ACK for new data) the
 * short way, verifying the TCP checksum itself (for data, while the
 * payload is copied into the receive buffer). Returns 1 when it took the
 * segment, -1 when the checksum failed (counted, nothing changed), 0 when
 * the segment needs mptcp_tcp_input(): nothing was done, and the checksum
 * is not verified yet. @p csum_ok: the caller verified it (an offload),
 * it is not summed. */
int mptcp_tcp_input_fast(struct mptcp_subflow *sf, const mptcp_pkt *p,
                         int csum_ok, mptcp_tstamp now);
/* mptcp_tcp_input_fast() of the tlen bytes of a TCP segment at tcp whose
 * IP header the caller checked (addresses, length, not a fragment), and
 * that belongs to sf: decodes only what header prediction reads. 0 also
 * for a segment too short or with a bad data offset. */
int mptcp_tcp_input_seg(struct mptcp_subflow *sf, const uint8_t *tcp,
                        size_t tlen, int csum_ok, mptcp_tstamp now);
/* Processes one segment for this connection (checksum verified). */
void mptcp_tcp_input(struct mptcp_subflow *sf, const mptcp_pkt *p,
                     mptcp_tstamp now);
/* Builds the next segment into buf; returns its length, 0 when nothing is
 * due, MPTCP_ERR_NOBUF when cap is too small. */
mptcp_ssize mptcp_tcp_output(struct mptcp_subflow *sf, uint8_t *buf, size_t cap,
                             mptcp_tstamp now);
/* mptcp_tcp_output_idle() (conn.h): mptcp_tcp_output() has nothing to
 * send and nothing to do. */
/* Runs this connection's due timers. */
void mptcp_tcp_timers(struct mptcp_subflow *sf, mptcp_tstamp now);
/* Earliest of the connection's timers. */
/* Counts a segment of @p len in-order bytes for the delayed ACK; 1 when
 * an ACK is due now (every second segment). A packet coalesced by GRO
 * counts as the segments it holds: of @p gso bytes when the caller said
 * so (read_pkt's gso_size), else any longer than the MSS as two or more
 * (as Linux counts a GRO packet: it is acknowledged at once). */
static MPTCP_HOT_INLINE int mptcp_tcp_count_rx(mptcp_tcp *t, uint32_t len,
                                               uint16_t gso) {
  uint32_t seg = gso ? gso : t->mss;
  return ++t->unacked_segs >= 2 || len > seg;
}

static inline mptcp_tstamp mptcp_tcp_next_timer(const mptcp_tcp *t) {
  mptcp_tstamp m = t->t_rtx;
  if (t->t_delack < m) m = t->t_delack;
  if (t->t_persist < m) m = t->t_persist;
  if (t->t_keep < m) m = t->t_keep;
  if (t->t_tw < m) m = t->t_tw;
  return m;
}
/* mptcp_tcp_rcv_space() and mptcp_tcp_rcv_consumed(), which need the
 * connection's buffers, are in conn.h. */
/* The SACK blocks to send, at most @p max of them into @p out (returns
 * how many): first the block that holds the latest out-of-order segment
 * (RFC 2018 §4: a sender that gets only the first block -- one fits
 * beside an MPTCP DSS -- must still learn of every new arrival), then the
 * others in order. */
uint32_t mptcp_tcp_sack_blocks(const mptcp_tcp *t, mptcp_sack_block *out,
                               uint32_t max);
/* Arms or stops the persist timer for the current window and queue. */
void mptcp_tcp_check_persist(struct mptcp_subflow *sf, mptcp_tstamp now);
/* Takes @p ack first if it acknowledges something (a segment whose ACK
 * TCP found acceptable but has not processed yet), then forgets loss
 * recovery and the timer, as if nothing after SND.UNA had been sent. Its
 * one caller (a fallback that moves the stream, subflow.c) passes an ACK
 * of all that was sent: with copies still in flight it resets instead,
 * since bytes on the wire cannot be taken back. */
void mptcp_tcp_unsend(mptcp_tcp *t, uint32_t ack);
/* Stops the connection: RST if synchronized, all timers off. */
void mptcp_tcp_abort(struct mptcp_subflow *sf, mptcp_tstamp now);
/* Bytes in flight: RFC 6675 SetPipe() in loss recovery (SACKed and lost
 * bytes do not count), snd_nxt - snd_una otherwise. What the congestion
 * window is compared with before new data goes out. */
uint32_t mptcp_tcp_inflight(const mptcp_tcp *t);
static inline uint32_t mptcp_tcp_cwnd(const mptcp_tcp *t) {
  /* NewReno, the default, without a call through its ops (per segment). */
  if (t->cc == &mptcp_cc_reno) return mptcp_cc_nr_cwnd(t->cc_state);
  return t->cc->cwnd(t->cc_state);
}

#endif
