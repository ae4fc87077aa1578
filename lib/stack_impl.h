/* The stack object (the endpoint): listeners, connection table, timers,
 * queues and counters. SPDX-License-Identifier: MIT */
#ifndef MPTCP_STACK_IMPL_H
#define MPTCP_STACK_IMPL_H

#include <mptcp/counters.h>
#include <mptcp/stack.h>

#include "heap.h"
#include "mem.h"
#include "token.h"

#define MPTCP_LISTEN_MAX 16
#define MPTCP_RST_QUEUE 16

typedef struct mptcp_listener {
  mptcp_addr addr;
  uint32_t flags;
} mptcp_listener;

/* A reset owed to a segment that matched no connection (RFC 9293
 * §3.10.7.1), built at output time. */
typedef struct mptcp_pending_rst {
  mptcp_addr src, dst; /* of the RST we send */
  uint32_t seq, ack;
  uint8_t with_ack;
} mptcp_pending_rst;

struct mptcp_stack {
  mptcp_settings s;
  void *user_data;
  mptcp_alloc alloc;
  mptcp_counters ctr;
  uint8_t isn_secret[16]; /* RFC 6528 F() key */
  uint16_t next_port;     /* ephemeral port cursor */

  mptcp_listener lst[MPTCP_LISTEN_MAX];
  size_t n_lst;

  struct mptcp_subflow **hash; /* 4-tuple -> subflow */
  size_t hash_mask;
  struct mptcp_subflow *last_found; /* lookup cache; cleared when freed */
  struct mptcp_conn *all;           /* every connection */
  size_t n_conns;
  size_t n_pending_accept; /* passive, not yet ACCEPTed */
  mptcp_heap timers;
  /* Connections whose heap entry may be stale: recomputed before the heap
   * is read (see timer_later() in stack.c). */
  struct mptcp_conn *timer_stale;

  struct mptcp_conn *ev_head, *ev_tail;
  struct mptcp_conn *tx_head, *tx_tail;

  mptcp_token_table tokens; /* MPTCP token -> connection */

  mptcp_pending_rst rst[MPTCP_RST_QUEUE];
  size_t rst_head, rst_n;

  /* The payload size of the segments of the super-segment write_pkt is
   * writing (tcp_out.c, MPTCP_OFFLOAD_TSO); 0: a plain segment. */
  uint16_t tx_gso_size;
  /* While read_pkt takes a coalesced (GRO) packet: the payload bytes of
   * each of its segments (mptcp_pkt_info.gso_size); 0 otherwise. */
  uint16_t rx_gso_size;
};

static inline void mptcp_ctr_inc(mptcp_stack *st, enum mptcp_counter c) {
  st->ctr.v[c]++;
}

/* Logging through the hook, compiled to a level check when unused. */
void mptcp_log(mptcp_stack *st, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* What the engine calls: without a hook, one test and branch (the
 * arguments are not evaluated, the message not formatted). */
#define MPTCP_LOG(st, level, ...)                                              \
  do {                                                                         \
    if ((st)->s.log && (level) <= (st)->s.log_level)                           \
      mptcp_log((st), (level), __VA_ARGS__);                                   \
  } while (0)
/* A subflow in log messages: "tcp LOCALPORT>REMOTEPORT". */
#define MPTCP_LOG_CONN(c) (unsigned)(c)->local.port, (unsigned)(c)->remote.port

struct mptcp_conn;
struct mptcp_subflow;
/* The subflow with this local/remote pair, or NULL. */
struct mptcp_subflow *mptcp_stack_lookup(mptcp_stack *st, const mptcp_addr *l,
                                         const mptcp_addr *r);
/* 32 random bits through the random hook (0 if it fails). */
uint32_t mptcp_stack_rand32(mptcp_stack *st);
/* Local port for a new subflow to @p r: @p l's own if nonzero and the
 * 4-tuple is free (else MPTCP_ERR_INVALID_ARG), or a free ephemeral one
 * written into @p l (MPTCP_ERR_NOMEM when there is none). */
int mptcp_stack_free_tuple(mptcp_stack *st, mptcp_addr *l, const mptcp_addr *r);
/* A new connection with buffers and its first subflow (l, r) in the
 * table; NULL (counted) when the connection limit, the memory cap or the
 * allocator says no. */
struct mptcp_conn *mptcp_stack_conn_new(mptcp_stack *st, const mptcp_addr *l,
                                        const mptcp_addr *r);
/* A further subflow (l, r) of @p c, in the table; NULL when the
 * connection has MPTCP_SUBFLOWS_MAX or memory says no (counted). */
struct mptcp_subflow *mptcp_stack_sf_new(struct mptcp_conn *c,
                                         const mptcp_addr *l,
                                         const mptcp_addr *r);
/* Takes a closed subflow out of the table and frees it (the first one,
 * embedded in the connection, only leaves the table). */
void mptcp_stack_sf_free(struct mptcp_subflow *sf);
/* Frees the connection if it is closed, has nothing left to send and the
 * app no longer holds it. */
void mptcp_stack_reap(struct mptcp_conn *c);

struct mptcp_pkt;
/* Fills a pending RST for segment p (which matched nothing or must be
 * refused). */
void mptcp_stack_queue_rst(mptcp_stack *st, const struct mptcp_pkt *p);

#endif
