/* A connection as the application sees it (buffers, events, the MPTCP
 * data sequence space) and the TCP subflows it holds.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_CONN_H
#define MPTCP_CONN_H

#include <mptcp/stack.h>

#include "dss.h"
#include "dsnq.h"
#include "handshake.h"
#include "heap.h"
#include "mp.h"
#include "pm.h"
#include "ringbuf.h"
#include "rxstash.h"
#include "seq.h"
#include "tcp.h"

/* Subflows a connection holds at most (the initial one included). */
#define MPTCP_SUBFLOWS_MAX 8

/* One TCP subflow of a connection: its 4-tuple, its control block, and
 * its side of MPTCP (handshake state, address IDs, the two mapping
 * tables). The connection's first subflow is embedded in it; joins are
 * allocated. */
typedef struct mptcp_subflow {
  struct mptcp_conn *conn;
  struct mptcp_subflow *hnext; /* 4-tuple hash chain */
  mptcp_addr local, remote;
  mptcp_tcp tcp;
  uint8_t idx;     /* slot in conn->sf[] */
  uint8_t passive; /* opened by the peer's SYN */
  uint8_t hashed;  /* in the stack's 4-tuple table */

  /* MPTCP, per subflow. */
  mptcp_txmaps txm;
  mptcp_rxmaps rxm;
  mptcp_rxstash stash;    /* bytes that came before their mapping */
  mptcp_mpc_neg neg;      /* MP_CAPABLE outcome so far (initial subflow) */
  uint8_t mpc_echo;       /* client: MP_CAPABLE on the third ACK and first data
                             until the peer shows it has our key (§3.1) */
  uint8_t third_ack_sent; /* client: the pure third ACK went out */
  uint8_t peer_dss_seen;  /* a DSS came from the peer: it does MPTCP */
  uint8_t rst_reason;     /* MP_TCPRST reason of our reset */
  uint8_t broken;         /* must be reset: DSS checksum failed, options lost */
  uint8_t prio_due;       /* an MP_PRIO with `backup` is owed on this subflow */
  uint8_t remote_gone;    /* the peer withdrew its address: never re-opened */
  uint8_t fail_set;       /* our reset carries MP_FAIL with fail_dsn (§3.7) */
  uint8_t fail_ack;       /* a pure ACK with MP_FAIL is owed (mpfail.c) */
  uint64_t fail_dsn;
  uint64_t dsn_end; /* end of the highest DSN range this subflow carried */
  /* DSN minus relative SSN of the latest mapping sent here (last_map_set):
   * after a fallback its continuation maps the subflow's bytes (§3.7), and
   * a data-level resend may have left it apart from SND.NXT(DSN). */
  uint64_t last_map_off;
  uint8_t last_map_set;
  /* The ACK of the segment whose MPTCP options are being taken: TCP
   * found it acceptable and takes it after them (a fallback there must
   * know what the peer holds, mptcp_sf_fall_back). */
  uint32_t seg_ack;
  /* The DATA_ACK and right edge (DATA_ACK + free receive space) last sent
   * here: a data segment carries a DATA_ACK only when either changed. */
  uint8_t dack_set, dack_wrote; /* dack_wrote: by the last data_options */
  uint64_t dack_sent, dack_edge;
  /* Connection bytes it owes besides new data (txq.c): reinjections of
   * another subflow's data and redundant copies, sent before new data. */
  mptcp_dsnq txq;
  uint8_t sf_fin_set; /* the subflow's FIN has a sequence number: sf_fin_seq */
  uint32_t sf_fin_seq;

  /* MP_JOIN (§3.2). join: 0 for the initial subflow, else one of
   * SF_JOIN_*. */
  uint8_t join;
  uint8_t local_id, remote_id; /* address IDs */
  uint8_t backup;              /* we asked the peer not to use it (B flag) */
  uint8_t peer_backup;         /* the peer asked us the same */
  uint32_t local_nonce, remote_nonce;
  uint64_t join_hmac; /* client: truncated HMAC the SYN/ACK carried */
} mptcp_subflow;

/* mptcp_subflow.join */
enum {
  SF_JOIN_NONE = 0,
  SF_JOIN_SYN,     /* handshake under way */
  SF_JOIN_ACK_DUE, /* client: the third ACK with our HMAC is owed */
  SF_JOIN_WAIT,    /* client: waiting for the peer's ACK of it */
  SF_JOIN_DONE     /* joined: carries data */
};

/* May @p sf carry data: the initial subflow, or a join whose handshake
 * is over (a join in its handshake carries none, §3.2)? */
static inline int mptcp_sf_joined(const mptcp_subflow *sf) {
  return sf->join == SF_JOIN_NONE || sf->join == SF_JOIN_DONE;
}

struct mptcp_conn {
  mptcp_heap_node timer; /* first member: the heap holds &c->timer */
  mptcp_stack *st;
  struct mptcp_conn *prev, *next; /* every connection of the stack */
  struct mptcp_conn *ev_next, *tx_next;
  struct mptcp_conn *timer_next; /* in the stack's list of stale timers */
  uint8_t ev_queued, tx_queued, timer_stale;
  uint32_t events; /* MPTCP_EV_* not yet drained */

  mptcp_addr local, remote; /* of the initial subflow */
  uint8_t passive;          /* created by a listener */
  uint8_t visible;          /* the app has (or will get) the handle */
  uint8_t released;         /* the app gave the handle back */
  uint8_t want_writable;    /* a write was refused: signal WRITABLE later */
  uint8_t closed_posted;    /* MPTCP_EV_CLOSED is reported once */
  uint8_t err; /* 0, or the MPTCP_EV_* that ended it (RESET, ...) */

  mptcp_ring snd, rcv;

  /* Subflows: sf[0] is the initial one (first) until it is gone; n_sf
   * slots are in use, some may be NULL. tx_rr rotates output among them;
   * sched is the subflow that takes new data next (MPTCP). */
  mptcp_subflow *sf[MPTCP_SUBFLOWS_MAX];
  uint8_t n_sf, tx_rr;
  mptcp_subflow *sched;
  uint32_t sched_bytes; /* the scheduler's chunk for `sched`: one mapping */
  uint32_t copy_mask;   /* slots that get a copy of what `sched` maps (txq.c) */
  const mptcp_sched_ops *sched_ops;
  uint64_t sched_state[MPTCP_SCHED_STATE_MAX / 8];
  mptcp_subflow first;

  /* MPTCP (mp.state OFF: plain TCP, the ring offsets are TCP sequence
   * offsets). With MPTCP the send ring starts at DSN snd_dsn and the
   * receive ring at mp.rcv_nxt. */
  mptcp_mp mp;
  uint64_t snd_dsn;
  /* Reinjection (conn_sched.c): DSNs [rj_dsn, rj_end) of a dead subflow
   * that no other could take yet; offered to the scheduler again. */
  uint64_t rj_dsn, rj_end;
  /* MP_FAIL on a single path (§3.7, mpfail.c): fail is one of MPFAIL_*;
   * fail_dsn/fail_ssn where our receive side stopped trusting the data
   * (fail_retro: the failed mapping started exactly there and every
   * mapping held since continues it; fail_peer: the peer sent an
   * MP_FAIL since ours, the answer to it or its own report; fail_cand:
   * where telling which stands, for a report of DSN fail_peer_dsn, probed
   * at fail_probe_at; fail_end: the wait's limit; fail_at: the earlier
   * of the two). infmap_*:
   * the infinite mapping we send after falling back, until the peer
   * acknowledges its first byte. multi: a second subflow joined once (it
   * may have carried data), so the connection can no longer fall back to
   * one. */
  uint8_t fail, fail_retro, fail_peer, fail_cand, multi, infmap_due;
  uint8_t infmap_sent;
  uint64_t fail_peer_dsn;
  mptcp_tstamp fail_at; /* MPFAIL_SENT: probe, or reset unless mapped */
  mptcp_tstamp fail_end, fail_probe_at;
  /* Our DATA_FIN until DATA_ACKed (datafin.c): next resend, its base
   * timeout and the resends so far. */
  mptcp_tstamp dfin_at;
  uint32_t dfin_rto;
  uint8_t dfin_tries;
  /* Data-level retransmission (dretx.c): the timer, the resends without
   * progress, and SND.UNA(DSN) when it was armed. */
  uint8_t dretx_tries;
  mptcp_tstamp dretx_at;
  uint64_t dretx_una;
  uint32_t fail_ssn, infmap_ssn;
  uint64_t fail_dsn, infmap_dsn;
  mptcp_pm pm;
  mptcp_tstamp pm_at; /* earliest path-manager deadline (pm.c) */
  /* Our addresses the connection uses; the index is the address ID
   * (0: the initial subflow's). */
  mptcp_ipaddr laddr[MPTCP_SUBFLOWS_MAX];
  uint8_t n_laddr;
  /* Statistics: bytes put in order into the receive ring, and the totals
   * of subflows that are gone. */
  uint64_t bytes_delivered;
  uint64_t bytes_resent;   /* sent again on another subflow (reinjections,
                              redundant copies) */
  uint64_t bytes_dup_rcvd; /* received again: already there (duplicates) */
  uint64_t gone_bytes_sent, gone_bytes_acked, gone_retransmits;
  uint8_t mp_offered; /* we offered or accepted MPTCP (for fallback info) */
  void *user_data;
};

/* The subflow the connection's state is read from: the initial one, or
 * after it closed the first other one that is still open. */
mptcp_subflow *mptcp_conn_primary(const struct mptcp_conn *c);

/* Marks events for the app and queues the connection for next_event. */
void mptcp_conn_post(struct mptcp_conn *c, uint32_t ev);
/* Appends the connection to the stack's output queue (stack.c). */
void mptcp_stack_tx_queue(struct mptcp_conn *c);
/* Queues the connection for write_pkt() (if not queued yet). Inline: the
 * per-segment paths call it, often while it is queued already. */
static inline void mptcp_conn_want_output(struct mptcp_conn *c) {
  if (c->tx_queued) return;
  mptcp_stack_tx_queue(c);
}
/* Room may have come in the send ring: a writer that was refused hears
 * of it (MPTCP_EV_WRITABLE). Inline: the ACK path calls it. */
static inline void mptcp_conn_writable_again(struct mptcp_conn *c) {
  if (c->want_writable && c->snd.len < c->snd.cap) {
    c->want_writable = 0;
    mptcp_conn_post(c, MPTCP_EV_WRITABLE);
  }
}
/* Moves the connection's entry in the timer heap to `at` (NONE: out). */
void mptcp_conn_set_timer(struct mptcp_conn *c, mptcp_tstamp at);
/* Re-arms the connection's entry in the timer heap. Called after app calls
 * and the general paths; the per-packet paths defer it (timer_later() in
 * stack.c). Most calls leave the earliest deadline where it was: that case
 * costs a few compares and no heap work. */
static inline void mptcp_conn_update_timer(struct mptcp_conn *c) {
  mptcp_tstamp at = c->pm_at < c->fail_at ? c->pm_at : c->fail_at;
  if (c->dfin_at < at) at = c->dfin_at;
  if (c->dretx_at < at) at = c->dretx_at;
  for (unsigned i = 0; i < c->n_sf; i++)
    if (c->sf[i]) {
      mptcp_tstamp x = mptcp_tcp_next_timer(&c->sf[i]->tcp);
      if (x < at) at = x;
    }
  int queued = c->timer.idx != MPTCP_HEAP_NONE;
  if (queued ? at != c->timer.at : at != MPTCP_TSTAMP_NONE)
    mptcp_conn_set_timer(c, at);
}
/* True only when mptcp_tcp_output() would return 0 and change nothing:
 * established, nothing queued or in flight, no FIN, no flag that asks for
 * a segment, no persist timer for output_data() to stop. A receiver that
 * has just ACKed is in this state, and skipping the output queue then
 * saves a call that would find nothing to send. Keep in step with
 * output_data() in tcp_out.c. */
static inline int mptcp_tcp_output_idle(const mptcp_subflow *sf) {
  const mptcp_tcp *t = &sf->tcp;
  return t->state == MPTCP_TCP_ESTABLISHED &&
         !(t->flags &
           (TCPF_ACK_NOW | TCPF_WND_UPDATE | TCPF_PROBE | TCPF_KEEPALIVE |
            TCPF_SEND_RST | TCPF_FIN_QUEUED | TCPF_RECOVERY)) &&
         sf->conn->snd.len == 0 && t->snd_nxt == t->snd_una &&
         t->t_persist == MPTCP_TSTAMP_NONE;
}
/* Current receive window we can announce (bytes). */
static inline uint32_t mptcp_tcp_rcv_space(const mptcp_subflow *sf) {
  const struct mptcp_conn *c = sf->conn;
  size_t room = c->rcv.cap - c->rcv.len;
  return room > UINT32_MAX ? UINT32_MAX : (uint32_t)room;
}
/* The app read data: maybe announce a larger window. Inline: after every
 * read, and nearly always it finds nothing to do. */
static inline void mptcp_tcp_rcv_consumed(mptcp_subflow *sf) {
  mptcp_tcp *t = &sf->tcp;
  if (t->state < MPTCP_TCP_ESTABLISHED || t->state == MPTCP_TCP_TIME_WAIT)
    return; /* not synchronized */
  /* A standalone window update only when it matters to the sender: the
   * window we could announce at least doubles, or reopens from below one
   * segment (RFC 9293 §3.8.6.2.2; as Linux does). Otherwise the next ACK
   * carries it. The MP_FAIL widening in window_field (held bytes plus a
   * segment, mpfail.c) is left out on purpose: a read frees none of the
   * held bytes, so it cannot move that term; once the plain space
   * exceeds it the two are the same. */
  uint32_t adv =
      mptcp_seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
  uint32_t space = mptcp_tcp_rcv_space(sf);
  if (space >= t->mss && (space >= 2 * adv || adv < t->mss)) {
    t->flags |= TCPF_WND_UPDATE;
    mptcp_conn_want_output(sf->conn);
  }
}
/* Every subflow is idle (see above). */
static inline int mptcp_conn_output_idle(const struct mptcp_conn *c) {
  for (unsigned i = 0; i < c->n_sf; i++)
    if (c->sf[i] && !mptcp_tcp_output_idle(c->sf[i])) return 0;
  return 1;
}

/* The connection is over (reset, timeout, refusal, or closed cleanly):
 * every subflow closed, the app told with CLOSED | ev. */
void mptcp_conn_closed(struct mptcp_conn *c, uint32_t ev);
/* A subflow's state machine reached CLOSED (or its TIME_WAIT ended): the
 * connection ends with it unless other subflows carry on (MPTCP). */
void mptcp_sf_closed(mptcp_subflow *sf, uint32_t ev);
/* Subflows that are neither closed nor in TIME_WAIT. */
unsigned mptcp_conn_open_subflows(const struct mptcp_conn *c);
/* A subflow reached TIME_WAIT: CLOSED for the app once none is open. */
void mptcp_sf_time_wait(mptcp_subflow *sf);

#endif
