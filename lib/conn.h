/* A connection as the application sees it: buffers, events, and (in this
 * milestone) one TCP subflow. MPTCP connections will hold several subflows
 * and a DSN-keyed send buffer; the app-facing half stays the same.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_CONN_H
#define MPTCP_CONN_H

#include <mptcp/stack.h>

#include "dss.h"
#include "handshake.h"
#include "heap.h"
#include "mp.h"
#include "ringbuf.h"
#include "tcp.h"

struct mptcp_conn {
  mptcp_heap_node timer; /* first member: the heap holds &c->timer */
  mptcp_stack *st;
  struct mptcp_conn *hnext;       /* 4-tuple hash chain */
  struct mptcp_conn *prev, *next; /* every connection of the stack */
  struct mptcp_conn *ev_next, *tx_next;
  uint8_t ev_queued, tx_queued;
  uint32_t events; /* MPTCP_EV_* not yet drained */

  mptcp_addr local, remote;
  uint8_t passive;       /* created by a listener */
  uint8_t visible;       /* the app has (or will get) the handle */
  uint8_t released;      /* the app gave the handle back */
  uint8_t want_writable; /* a write was refused: signal WRITABLE later */
  uint8_t closed_posted; /* MPTCP_EV_CLOSED is reported once */
  uint8_t err;           /* 0, or the MPTCP_EV_* that ended it (RESET, ...) */

  mptcp_ring snd, rcv;
  mptcp_tcp tcp;

  /* MPTCP (mp.state OFF: plain TCP, the ring offsets are TCP sequence
   * offsets). With MPTCP the send ring starts at DSN snd_dsn and the
   * receive ring at mp.rcv_nxt; the initial subflow's mappings and
   * handshake state live here until connections hold several subflows. */
  mptcp_mp mp;
  uint64_t snd_dsn;
  mptcp_txmaps txm;
  mptcp_rxmaps rxm;
  mptcp_mpc_neg neg;      /* MP_CAPABLE outcome so far */
  uint8_t mpc_echo;       /* client: MP_CAPABLE on the third ACK and first data
                             until the peer shows it has our key (§3.1) */
  uint8_t mp_offered;     /* we offered or accepted MPTCP (for fallback info) */
  uint8_t third_ack_sent; /* client: the pure third ACK went out */
  uint8_t peer_dss_seen;  /* a DSS came from the peer: it does MPTCP */
  uint8_t csum_failed;    /* a DSS checksum failed: the connection ends */
  uint8_t rst_reason;     /* MP_TCPRST reason of our reset */
  uint8_t sf_fin_set; /* the subflow's FIN has a sequence number: sf_fin_seq */
  uint32_t sf_fin_seq;
  void *user_data;
};

/* Marks events for the app and queues the connection for next_event. */
void mptcp_conn_post(struct mptcp_conn *c, uint32_t ev);
/* Queues the connection for output (write_pkt). */
void mptcp_conn_want_output(struct mptcp_conn *c);
/* Moves the connection's entry in the timer heap to `at` (NONE: out). */
void mptcp_conn_set_timer(struct mptcp_conn *c, mptcp_tstamp at);
/* Re-arms the connection's entry in the timer heap. Called after every
 * packet and app call, and most of them leave the earliest deadline where
 * it was: that case costs a few compares and no heap work. */
static inline void mptcp_conn_update_timer(struct mptcp_conn *c) {
  mptcp_tstamp at = mptcp_tcp_next_timer(&c->tcp);
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
static inline int mptcp_tcp_output_idle(const struct mptcp_conn *c) {
  const mptcp_tcp *t = &c->tcp;
  return t->state == MPTCP_TCP_ESTABLISHED &&
         !(t->flags &
           (TCPF_ACK_NOW | TCPF_WND_UPDATE | TCPF_PROBE | TCPF_KEEPALIVE |
            TCPF_SEND_RST | TCPF_FIN_QUEUED | TCPF_RECOVERY)) &&
         c->snd.len == 0 && t->snd_nxt == t->snd_una &&
         t->t_persist == MPTCP_TSTAMP_NONE;
}

/* The TCP state machine reached CLOSED (or TIME_WAIT ended). */
void mptcp_conn_closed(struct mptcp_conn *c, uint32_t ev);

#endif
