/*
 * The stack (endpoint): settings, listeners, the 4-tuple table, the timer
 * heap, the event and output queues, stateless resets, counters. One
 * packet in per read_pkt, one packet out per write_pkt (bounded work).
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <mptcp/crypto.h>

#include "conn.h"
#include "conn_sched.h"
#include "datafin.h"
#include "dretx.h"
#include "join.h"
#include "mpfail.h"
#include "pm.h"
#include "subflow.h"
#include "stack_impl.h"
#include "tcp.h"
#include "wire.h"

MPTCP_API void mptcp_settings_default(mptcp_settings *s) {
  memset(s, 0, sizeof *s);
  s->log_level = MPTCP_LOG_WARN;
  s->max_conns = 1024;
  s->mem_cap = 0;
  s->sndbuf = 256 * 1024;
  s->rcvbuf = 256 * 1024;
  s->backlog = 128;
  s->mss = 1460;
  s->wscale = 7;
  s->sack = 1;
  s->timestamps = 1;
  s->nagle = 1;
  s->keepalive = 0;
  s->syn_retries = 6;
  s->max_retries = 15;
  s->rto_initial = 1000000; /* RFC 6298 §2.1 */
  s->rto_min = 200000;      /* Linux's floor; RFC 6298 allows a lower one */
  s->rto_max = 60000000;
  s->delack = 40000;
  s->time_wait = 60000000;
  s->keepalive_idle = 7200000000ull; /* RFC 1122 §4.2.3.6 */
  s->keepalive_intvl = 75000000;
  s->keepalive_probes = 9;
  s->persist_max = 60000000;
  s->cc = NULL;
  s->mptcp = 1;
  s->mptcp_version = 1;
  s->mptcp_v0 = 1;
  s->checksum = 0;
  s->mptcp_syn_retries = 2;
  s->dss_map_max_bytes = 65535;
  s->dsn64 = 0;
  s->pm_policy = MPTCP_PM_JOIN_ANNOUNCED;
}

void mptcp_log(mptcp_stack *st, int level, const char *fmt, ...) {
  if (!st->s.log || level > st->s.log_level) return;
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
  st->s.log(st->user_data, level, buf, len);
}

static int settings_ok(const mptcp_settings *s) {
  return s->max_conns > 0 && s->sndbuf >= 1 && s->rcvbuf >= 1 &&
         s->rcvbuf <= (size_t)1 << 30 && s->mss >= 88 && s->wscale <= 14 &&
         s->rto_min > 0 && s->rto_initial >= s->rto_min &&
         s->rto_max >= s->rto_initial && s->rto_max <= UINT32_MAX &&
         s->persist_max > 0 && s->keepalive_intvl > 0 &&
         s->pm_policy <= MPTCP_PM_FULLMESH &&
         (s->offload &
          ~(uint32_t)(MPTCP_OFFLOAD_TX_CSUM | MPTCP_OFFLOAD_RX_CSUM |
                      MPTCP_OFFLOAD_TSO)) == 0 &&
         s->tso_max <= 65535;
}

MPTCP_API int mptcp_stack_new(mptcp_stack **pst, const mptcp_settings *s,
                              const mptcp_mem *mem, void *user_data) {
  if (!pst || !s || !settings_ok(s)) return MPTCP_ERR_INVALID_ARG;
  mptcp_alloc a;
  mptcp_alloc_init(&a, mem, 0);
  mptcp_stack *st = mptcp_alloc_get(&a, sizeof *st);
  if (!st) return MPTCP_ERR_NOMEM;
  st->alloc = a;
  st->s = *s;
  st->user_data = user_data;
  size_t buckets = 16;
  while (buckets < s->max_conns && buckets < ((size_t)1 << 20)) buckets <<= 1;
  st->hash = mptcp_alloc_get(&st->alloc, buckets * sizeof *st->hash);
  st->timers.v =
      mptcp_alloc_get(&st->alloc, s->max_conns * sizeof *st->timers.v);
  if (!st->hash || !st->timers.v) {
    mptcp_alloc_put(&st->alloc, st->hash);
    mptcp_alloc_put(&st->alloc, st->timers.v);
    a = st->alloc;
    mptcp_alloc_put(&a, st);
    return MPTCP_ERR_NOMEM;
  }
  st->hash_mask = buckets - 1;
  st->timers.cap = s->max_conns;
  mptcp_token_init(&st->tokens, &st->alloc);
  uint8_t r[18];
  if (mptcp_crypto_random(s->rand, user_data, r, sizeof r) < 0) {
    mptcp_alloc_put(&st->alloc, st->hash);
    mptcp_alloc_put(&st->alloc, st->timers.v);
    a = st->alloc;
    mptcp_alloc_put(&a, st);
    return MPTCP_ERR_CRYPTO;
  }
  memcpy(st->isn_secret, r, 16);
  st->next_port = (uint16_t)(49152 + ((r[16] << 8 | r[17]) % 16384));
  /* The budget applies to buffers from now on, not to the stack itself. */
  st->alloc.cap = s->mem_cap ? s->mem_cap + st->alloc.held : 0;
  *pst = st;
  return 0;
}

static void conn_free(struct mptcp_conn *c);

MPTCP_API void mptcp_stack_del(mptcp_stack *st) {
  if (!st) return;
  while (st->all) conn_free(st->all);
  mptcp_token_free(&st->tokens);
  mptcp_alloc_put(&st->alloc, st->hash);
  mptcp_alloc_put(&st->alloc, st->timers.v);
  mptcp_alloc a = st->alloc;
  mptcp_alloc_put(&a, st);
}

MPTCP_API int mptcp_stack_listen(mptcp_stack *st, const mptcp_addr *local,
                                 uint32_t flags) {
  if (!st || !local) return MPTCP_ERR_INVALID_ARG;
  if (!(flags & MPTCP_LISTEN_TRANSPARENT) && local->port == 0)
    return MPTCP_ERR_INVALID_ARG;
  for (size_t i = 0; i < st->n_lst; i++)
    if (st->lst[i].addr.port == local->port &&
        mptcp_ipaddr_equal(&st->lst[i].addr.ip, &local->ip) &&
        st->lst[i].flags == flags)
      return MPTCP_ERR_INVALID_ARG;
  if (st->n_lst == MPTCP_LISTEN_MAX) return MPTCP_ERR_NOMEM;
  st->lst[st->n_lst].addr = *local;
  st->lst[st->n_lst].flags = flags;
  st->n_lst++;
  return 0;
}

/* ---------------- connection table ---------------- */

/* One 32-bit step of the tuple hash: the multiply spreads low bits up, the
 * shift brings high bits down (the bucket index uses the low bits). */
static uint32_t hash_mix(uint32_t h, uint32_t w) {
  h = (h ^ w) * 0x85ebca6bu;
  return h ^ (h >> 13);
}

static size_t tuple_hash(const mptcp_stack *st, const mptcp_addr *l,
                         const mptcp_addr *r) {
  /* Word at a time, seeded with the stack secret so that remote hosts
   * cannot aim at one bucket. */
  uint32_t h = mptcp_get32(st->isn_secret);
  size_t nw = mptcp_ipaddr_len(&l->ip) / 4;
  for (size_t i = 0; i < nw; i++) {
    h = hash_mix(h, mptcp_get32(l->ip.a + 4 * i));
    h = hash_mix(h, mptcp_get32(r->ip.a + 4 * i));
  }
  h = hash_mix(h, (uint32_t)l->port << 16 | r->port);
  return h & st->hash_mask;
}

/* mptcp_ipaddr_equal() with constant-size compares the compiler inlines:
 * this runs for every segment in. */
static inline int ip_eq(const mptcp_ipaddr *a, const mptcp_ipaddr *b) {
  if (a->family != b->family) return 0;
  if (a->family == MPTCP_AF_INET) return mptcp_get32(a->a) == mptcp_get32(b->a);
  if (a->family == MPTCP_AF_INET6) return memcmp(a->a, b->a, 16) == 0;
  return 1;
}

static int tuple_eq(const mptcp_subflow *sf, const mptcp_addr *l,
                    const mptcp_addr *r) {
  return sf->local.port == l->port && sf->remote.port == r->port &&
         ip_eq(&sf->local.ip, &l->ip) && ip_eq(&sf->remote.ip, &r->ip);
}

mptcp_subflow *mptcp_stack_lookup(mptcp_stack *st, const mptcp_addr *l,
                                  const mptcp_addr *r) {
  /* Segments come in trains: try the last subflow found first. */
  mptcp_subflow *sf = st->last_found;
  if (sf && tuple_eq(sf, l, r)) return sf;
  for (sf = st->hash[tuple_hash(st, l, r)]; sf; sf = sf->hnext)
    if (tuple_eq(sf, l, r)) {
      st->last_found = sf;
      return sf;
    }
  return NULL;
}

uint32_t mptcp_stack_rand32(mptcp_stack *st) {
  uint8_t r[4] = {0};
  mptcp_crypto_random(st->s.rand, st->user_data, r, sizeof r);
  return mptcp_get32(r);
}

int mptcp_stack_free_tuple(mptcp_stack *st, mptcp_addr *l,
                           const mptcp_addr *r) {
  if (l->port != 0)
    return mptcp_stack_lookup(st, l, r) ? MPTCP_ERR_INVALID_ARG : 0;
  for (int tries = 0; tries < 16384; tries++) { /* RFC 6056 range */
    l->port = st->next_port;
    st->next_port = st->next_port == 65535 ? 49152 : st->next_port + 1;
    if (!mptcp_stack_lookup(st, l, r)) return 0;
  }
  l->port = 0;
  return MPTCP_ERR_NOMEM;
}

static void sf_init(struct mptcp_conn *c, mptcp_subflow *sf, uint8_t idx,
                    const mptcp_addr *l, const mptcp_addr *r) {
  mptcp_stack *st = c->st;
  sf->conn = c;
  sf->idx = idx;
  sf->local = *l;
  sf->remote = *r;
  mptcp_txmaps_init(&sf->txm, &st->alloc);
  size_t b = tuple_hash(st, l, r);
  sf->hnext = st->hash[b];
  st->hash[b] = sf;
  sf->hashed = 1;
  c->sf[idx] = sf;
  if (idx >= c->n_sf) c->n_sf = (uint8_t)(idx + 1);
  /* The newest subflow on a tuple is the one segments belong to (an
   * older one may be closed but not yet released). */
  st->last_found = sf;
}

mptcp_subflow *mptcp_stack_sf_new(struct mptcp_conn *c, const mptcp_addr *l,
                                  const mptcp_addr *r) {
  mptcp_stack *st = c->st;
  unsigned idx = 0;
  while (idx < MPTCP_SUBFLOWS_MAX && c->sf[idx]) idx++;
  if (idx == MPTCP_SUBFLOWS_MAX) return NULL;
  mptcp_subflow *sf = mptcp_alloc_get(&st->alloc, sizeof *sf);
  if (!sf) {
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_REFUSED_MEM);
    return NULL;
  }
  sf_init(c, sf, (uint8_t)idx, l, r);
  return sf;
}

static void sf_unhash(mptcp_subflow *sf) {
  mptcp_stack *st = sf->conn->st;
  if (!sf->hashed) return;
  mptcp_subflow **pp = &st->hash[tuple_hash(st, &sf->local, &sf->remote)];
  while (*pp && *pp != sf) pp = &(*pp)->hnext;
  if (*pp) *pp = sf->hnext;
  sf->hashed = 0;
  if (st->last_found == sf) st->last_found = NULL;
}

void mptcp_stack_sf_free(mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  sf_unhash(sf);
  mptcp_sf_free_maps(sf);
  c->gone_bytes_sent += sf->tcp.bytes_sent;
  c->gone_bytes_acked += sf->tcp.bytes_acked;
  c->gone_retransmits += sf->tcp.retransmits;
  if (c->sched == sf) c->sched = NULL;
  c->sf[sf->idx] = NULL;
  while (c->n_sf && !c->sf[c->n_sf - 1]) c->n_sf--;
  if (sf != &c->first) mptcp_alloc_put(&st->alloc, sf);
  /* Its records held back the send ring. */
  if (c->mp.state == MPTCP_MP_ON) mptcp_conn_free_acked(c);
}

struct mptcp_conn *mptcp_stack_conn_new(mptcp_stack *st, const mptcp_addr *l,
                                        const mptcp_addr *r) {
  if (st->n_conns >= st->s.max_conns) {
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_REFUSED_LIMIT);
    MPTCP_LOG(st, MPTCP_LOG_INFO, "tcp %u>%u: refused, %u connections",
              (unsigned)l->port, (unsigned)r->port, (unsigned)st->n_conns);
    return NULL;
  }
  if (!mptcp_alloc_room(&st->alloc, sizeof(struct mptcp_conn) + st->s.sndbuf +
                                        st->s.rcvbuf)) {
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_REFUSED_MEM);
    MPTCP_LOG(st, MPTCP_LOG_INFO, "tcp %u>%u: refused, memory cap reached",
              (unsigned)l->port, (unsigned)r->port);
    return NULL;
  }
  struct mptcp_conn *c = mptcp_alloc_get(&st->alloc, sizeof *c);
  if (!c) {
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_REFUSED_MEM);
    return NULL;
  }
  /* Buffer bytes are always written before they are read. */
  c->snd.buf = mptcp_alloc_get_raw(&st->alloc, st->s.sndbuf);
  c->rcv.buf = mptcp_alloc_get_raw(&st->alloc, st->s.rcvbuf);
  if (!c->snd.buf || !c->rcv.buf) {
    mptcp_alloc_put(&st->alloc, c->snd.buf);
    mptcp_alloc_put(&st->alloc, c->rcv.buf);
    mptcp_alloc_put(&st->alloc, c);
    mptcp_ctr_inc(st, MPTCP_CTR_TCP_REFUSED_MEM);
    return NULL;
  }
  c->pm_at = MPTCP_TSTAMP_NONE;
  c->fail_at = MPTCP_TSTAMP_NONE;
  c->dfin_at = MPTCP_TSTAMP_NONE;
  c->dretx_at = MPTCP_TSTAMP_NONE;
  c->sched_ops = st->s.sched ? st->s.sched : &mptcp_sched_minrtt;
  c->sched_ops->init(c->sched_state, 0);
  c->snd.cap = st->s.sndbuf;
  c->rcv.cap = st->s.rcvbuf;
  c->st = st;
  c->timer.idx = MPTCP_HEAP_NONE;
  c->local = *l;
  c->remote = *r;
  sf_init(c, &c->first, 0, l, r);
  c->next = st->all;
  if (st->all) st->all->prev = c;
  st->all = c;
  st->n_conns++;
  return c;
}

/* The link field of one of the two FIFOs a connection can sit on. */
static struct mptcp_conn **fifo_link(struct mptcp_conn *c, int tx) {
  return tx ? &c->tx_next : &c->ev_next;
}

/* Removes c from the event FIFO (tx = 0) or the output FIFO (tx = 1). */
static void unqueue(struct mptcp_conn **head, struct mptcp_conn **tail,
                    struct mptcp_conn *c, int tx) {
  struct mptcp_conn *prev = NULL, *x = *head;
  while (x && x != c) {
    prev = x;
    x = *fifo_link(x, tx);
  }
  if (!x) return;
  if (prev)
    *fifo_link(prev, tx) = *fifo_link(c, tx);
  else
    *head = *fifo_link(c, tx);
  if (*tail == c) *tail = prev;
  *fifo_link(c, tx) = NULL;
}

static void conn_free(struct mptcp_conn *c) {
  mptcp_stack *st = c->st;
  for (unsigned i = c->n_sf; i-- > 0;)
    if (c->sf[i]) mptcp_stack_sf_free(c->sf[i]);
  sf_unhash(&c->first); /* if it left the slots before */
  if (c->prev) c->prev->next = c->next;
  if (c->next) c->next->prev = c->prev;
  if (st->all == c) st->all = c->next;
  mptcp_heap_set(&st->timers, &c->timer, MPTCP_TSTAMP_NONE);
  if (c->timer_stale) { /* (rare: the list is short) */
    struct mptcp_conn **pp = &st->timer_stale;
    while (*pp != c) pp = &(*pp)->timer_next;
    *pp = c->timer_next;
  }
  if (c->ev_queued) unqueue(&st->ev_head, &st->ev_tail, c, 0);
  if (c->tx_queued) unqueue(&st->tx_head, &st->tx_tail, c, 1);
  if (c->passive && !c->visible) st->n_pending_accept--;
  st->n_conns--;
  if (c->mp.local_key_set)
    mptcp_token_remove(&st->tokens, c->mp.local_token, c);
  mptcp_alloc_put(&st->alloc, c->snd.buf);
  mptcp_alloc_put(&st->alloc, c->rcv.buf);
  mptcp_alloc_put(&st->alloc, c);
}

/* Frees a connection nobody will look at again: closed, nothing left to
 * send, and either never handed to the app or released by it. */
void mptcp_stack_reap(struct mptcp_conn *c) {
  /* Closed subflows of a live MPTCP connection go once their reset is
   * out; the connection's last one stays with it (plain TCP: the app
   * still reads its state). */
  int live = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    mptcp_subflow *sf = c->sf[i];
    if (!sf) continue;
    if (sf->tcp.state != MPTCP_TCP_CLOSED || (sf->tcp.flags & TCPF_SEND_RST))
      live++;
  }
  if (live) {
    for (unsigned i = 0; i < c->n_sf; i++) {
      mptcp_subflow *sf = c->sf[i];
      if (sf && sf->tcp.state == MPTCP_TCP_CLOSED &&
          !(sf->tcp.flags & TCPF_SEND_RST))
        mptcp_stack_sf_free(sf);
    }
    return;
  }
  if (c->visible && !c->released) return;
  conn_free(c);
}

/* ---------------- queues and timers ---------------- */

void mptcp_conn_post(struct mptcp_conn *c, uint32_t ev) {
  mptcp_stack *st = c->st;
  if (c->released) return;
  if ((ev & MPTCP_EV_ACCEPT) && !c->visible) {
    c->visible = 1;
    st->n_pending_accept--;
  }
  if (!c->visible) return;
  if (ev & MPTCP_EV_CLOSED) {
    if (c->closed_posted) ev &= ~MPTCP_EV_CLOSED;
    c->closed_posted = 1;
  }
  if (!ev) return;
  c->events |= ev;
  if (c->ev_queued) return;
  c->ev_queued = 1;
  c->ev_next = NULL;
  if (st->ev_tail)
    st->ev_tail->ev_next = c;
  else
    st->ev_head = c;
  st->ev_tail = c;
}

void mptcp_stack_tx_queue(struct mptcp_conn *c) {
  mptcp_stack *st = c->st;
  c->tx_queued = 1;
  c->tx_next = NULL;
  if (st->tx_tail)
    st->tx_tail->tx_next = c;
  else
    st->tx_head = c;
  st->tx_tail = c;
}

/* mptcp_conn_update_timer() deferred, for the per-packet paths: the
 * connection is noted, and its heap entry brought up to date before the
 * heap is next read (get_expiry, handle_expiry), once per batch of packets
 * instead of after every packet. */
static void timer_later(struct mptcp_conn *c) {
  mptcp_stack *st = c->st;
  if (c->timer_stale) return;
  c->timer_stale = 1;
  c->timer_next = st->timer_stale;
  st->timer_stale = c;
}

static void timers_update(mptcp_stack *st) {
  struct mptcp_conn *c;
  while ((c = st->timer_stale) != NULL) {
    st->timer_stale = c->timer_next;
    c->timer_stale = 0;
    c->timer_next = NULL;
    mptcp_conn_update_timer(c);
  }
}

void mptcp_conn_set_timer(struct mptcp_conn *c, mptcp_tstamp at) {
  mptcp_heap_set(&c->st->timers, &c->timer, at);
}

void mptcp_conn_closed(struct mptcp_conn *c, uint32_t ev) {
  for (unsigned i = 0; i < c->n_sf; i++) {
    mptcp_subflow *sf = c->sf[i];
    if (!sf) continue;
    if (sf->tcp.state != MPTCP_TCP_CLOSED) mptcp_tcp_abort(sf, 0);
  }
  if (ev & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT | MPTCP_EV_REFUSED))
    c->err = (uint8_t)(ev & MPTCP_EV_RESET ? 1 : ev & MPTCP_EV_TIMEOUT ? 2 : 3);
  mptcp_conn_post(c, MPTCP_EV_CLOSED | ev);
}

unsigned mptcp_conn_open_subflows(const struct mptcp_conn *c) {
  unsigned n = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *sf = c->sf[i];
    if (sf && sf->tcp.state != MPTCP_TCP_CLOSED &&
        sf->tcp.state != MPTCP_TCP_TIME_WAIT)
      n++;
  }
  return n;
}

void mptcp_sf_closed(mptcp_subflow *sf, uint32_t ev) {
  struct mptcp_conn *c = sf->conn;
  mptcp_tcp *t = &sf->tcp;
  t->state = MPTCP_TCP_CLOSED;
  t->t_rtx = t->t_delack = t->t_persist = t->t_keep = t->t_tw =
      MPTCP_TSTAMP_NONE;
  /* The connection outlives a subflow while others are open (a fastclose
   * ends it through mptcp_conn_closed instead). */
  if (mptcp_conn_open_subflows(c) > 0) {
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_SUBFLOW_CLOSED);
    mptcp_conn_reinject(c, sf, MPTCP_SCHED_STALL_DEAD);
    /* A path that stopped answering may come back: give_up() (tcp_out.c)
     * has it opened again. */
    mptcp_conn_post(c, MPTCP_EV_SUBFLOW);
    if (c->sched == sf) c->sched = NULL;
    mptcp_conn_want_output(c);
    return;
  }
  /* The last one: the connection ends as it did (a join refused at the
   * end is a reset for the app: REFUSED is about its own active open). */
  if (sf->join && (ev & MPTCP_EV_REFUSED))
    ev = (ev & ~MPTCP_EV_REFUSED) | MPTCP_EV_RESET;
  /* A join that failed after both DATA_FINs were acknowledged (opened as
   * the peer closed) ends nothing: the connection completed. */
  if (sf->join && c->mp.fin_acked && c->mp.peer_fin_done)
    ev &= ~(uint32_t)(MPTCP_EV_RESET | MPTCP_EV_TIMEOUT);
  /* The last subflow's close was clean, the data-level one is not (a
   * DATA_FIN missing): the app must not take it for a complete close. */
  if (!(ev & (MPTCP_EV_RESET | MPTCP_EV_REFUSED)) && !mptcp_dfin_complete(c))
    ev |= MPTCP_EV_TIMEOUT;
  if (ev & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT | MPTCP_EV_REFUSED))
    c->err = (uint8_t)(ev & MPTCP_EV_RESET ? 1 : ev & MPTCP_EV_TIMEOUT ? 2 : 3);
  mptcp_conn_post(c, MPTCP_EV_CLOSED | ev);
}

void mptcp_sf_time_wait(mptcp_subflow *sf) {
  mptcp_dfin_check_closed(sf->conn);
}

void mptcp_stack_queue_rst(mptcp_stack *st, const mptcp_pkt *p) {
  if (p->tcp_flags & MPTCP_TH_RST) return;
  if (st->rst_n == MPTCP_RST_QUEUE) return; /* rate limit: drop */
  mptcp_pending_rst *r = &st->rst[(st->rst_head + st->rst_n) % MPTCP_RST_QUEUE];
  r->src.ip = p->dst;
  r->src.port = p->dport;
  r->dst.ip = p->src;
  r->dst.port = p->sport;
  /* RFC 9293 §3.10.7.1: <SEQ=SEG.ACK><CTL=RST>, or <SEQ=0><ACK=SEG.SEQ+
   * SEG.LEN><CTL=RST,ACK> when the segment had no ACK. */
  if (p->tcp_flags & MPTCP_TH_ACK) {
    r->seq = p->ack;
    r->ack = 0;
    r->with_ack = 0;
  } else {
    r->seq = 0;
    r->ack = p->seq + (uint32_t)p->payload_len +
             ((p->tcp_flags & MPTCP_TH_SYN) != 0) +
             ((p->tcp_flags & MPTCP_TH_FIN) != 0);
    r->with_ack = 1;
  }
  st->rst_n++;
}

/* The offload fields of an outgoing packet's info: its header length,
 * whether its TCP checksum is partial, and the segments of a
 * super-segment (gso_size 0: none). */
static void offload_info(mptcp_pkt_info *pi, const uint8_t *b, int partial,
                         uint16_t gso_size) {
  int v6 = (b[0] >> 4) == 6;
  size_t iph = v6 ? MPTCP_IPV6_HDR_LEN : MPTCP_IPV4_HDR_LEN;
  pi->hdr_len = (uint16_t)(iph + (size_t)(b[iph + 12] >> 4) * 4);
  pi->flags = partial ? MPTCP_PKT_NEEDS_CSUM : 0;
  pi->csum_start = partial ? (uint16_t)iph : 0;
  pi->csum_offset = partial ? 16 : 0;
  pi->gso_size = gso_size;
  pi->gso_type = !gso_size ? MPTCP_GSO_NONE
                 : v6      ? MPTCP_GSO_TCPV6
                           : MPTCP_GSO_TCPV4;
}

static void no_offload_info(mptcp_pkt_info *pi) {
  pi->flags = pi->gso_type = 0;
  pi->hdr_len = pi->gso_size = pi->csum_start = pi->csum_offset = 0;
}

static mptcp_ssize write_rst(mptcp_stack *st, mptcp_pkt_info *pi, uint8_t *dest,
                             size_t destlen) {
  mptcp_pending_rst *r = &st->rst[st->rst_head];
  mptcp_pkt p;
  memset(&p, 0, sizeof p);
  p.src = r->src.ip;
  p.dst = r->dst.ip;
  p.sport = r->src.port;
  p.dport = r->dst.port;
  p.seq = r->seq;
  p.ack = r->ack;
  p.ttl = 64;
  p.tcp_flags = MPTCP_TH_RST | (r->with_ack ? MPTCP_TH_ACK : 0);
  mptcp_ssize n = mptcp_pkt_write(&p, dest, destlen);
  if (n == MPTCP_ERR_NOBUF) return n;
  st->rst_head = (st->rst_head + 1) % MPTCP_RST_QUEUE;
  st->rst_n--;
  if (n < 0) return 0;
  if (pi) {
    pi->src = p.src;
    pi->dst = p.dst;
    pi->conn = NULL;
    pi->subflow = 0;
    if (st->s.offload)
      offload_info(pi, dest, 0, 0);
    else
      no_offload_info(pi);
  }
  mptcp_ctr_inc(st, MPTCP_CTR_TCP_RST_SENT);
  mptcp_ctr_inc(st, MPTCP_CTR_TCP_OUT_SEGS);
  return n;
}

/* ---------------- packets in ---------------- */

static const mptcp_listener *find_listener(const mptcp_stack *st,
                                           const mptcp_addr *dst) {
  for (size_t i = 0; i < st->n_lst; i++) {
    const mptcp_listener *l = &st->lst[i];
    if (l->flags & MPTCP_LISTEN_TRANSPARENT) return l;
    if (l->addr.port != dst->port) continue;
    if (l->addr.ip.family == MPTCP_AF_NONE ||
        mptcp_ipaddr_equal(&l->addr.ip, &dst->ip))
      return l;
    static const uint8_t zero[16];
    if (l->addr.ip.family == dst->ip.family &&
        memcmp(l->addr.ip.a, zero, 16) == 0)
      return l;
  }
  return NULL;
}

/* Is the address one of ours (a listener's or a connection's)? Only then do
 * we answer an unmatched segment with RST rather than pass it on. */
static int is_local_addr(const mptcp_stack *st, const mptcp_ipaddr *a) {
  for (size_t i = 0; i < st->n_lst; i++)
    if (mptcp_ipaddr_equal(&st->lst[i].addr.ip, a)) return 1;
  for (const struct mptcp_conn *c = st->all; c; c = c->next)
    for (unsigned i = 0; i < c->n_sf; i++)
      if (c->sf[i] && mptcp_ipaddr_equal(&c->sf[i]->local.ip, a)) return 1;
  return 0;
}

static void after(struct mptcp_conn *c) {
  mptcp_conn_update_timer(c);
  mptcp_stack_reap(c);
}

/* mptcp_stack_lookup() for a segment: the last connection found is
 * compared field by field first (segments come in trains). */
static mptcp_subflow *lookup_pkt(mptcp_stack *st, const mptcp_pkt *p) {
  mptcp_subflow *sf = st->last_found;
  if (sf && sf->local.port == p->dport && sf->remote.port == p->sport &&
      ip_eq(&sf->local.ip, &p->dst) && ip_eq(&sf->remote.ip, &p->src))
    return sf;
  mptcp_addr l = {p->dst, p->dport}, r = {p->src, p->sport};
  return mptcp_stack_lookup(st, &l, &r);
}

/* The segments of a train, without the general parse: IPv4 without
 * options, not a fragment, its header checksum right, TCP to the subflow
 * found last, of a plain-TCP connection. The checks are those of
 * mptcp_pkt_parse() for such a packet. Returns the subflow and the TCP
 * segment in *seg, *seglen (for mptcp_tcp_input_seg(), which verifies the
 * TCP checksum); NULL: parse it in full. */
static mptcp_subflow *train_pkt(const mptcp_stack *st, const uint8_t *b,
                                size_t len, const uint8_t **seg,
                                size_t *seglen) {
  mptcp_subflow *sf = st->last_found;
  if (!sf || sf->conn->mp.state != MPTCP_MP_OFF ||
      sf->local.ip.family != MPTCP_AF_INET ||
      len < MPTCP_IPV4_HDR_LEN + MPTCP_TCP_HDR_LEN || b[0] != 0x45 ||
      b[9] != 6 /* TCP */ || (mptcp_get16(b + 6) & 0x3fff) != 0)
    return NULL;
  size_t total = mptcp_get16(b + 2);
  const uint8_t *t = b + MPTCP_IPV4_HDR_LEN;
  if (total < MPTCP_IPV4_HDR_LEN + MPTCP_TCP_HDR_LEN || total > len ||
      mptcp_get16(t) != sf->remote.port ||
      mptcp_get16(t + 2) != sf->local.port ||
      memcmp(b + 12, sf->remote.ip.a, 4) != 0 ||
      memcmp(b + 16, sf->local.ip.a, 4) != 0 ||
      mptcp_csum_fold(mptcp_csum_words(b, MPTCP_IPV4_HDR_LEN / 4, 0)) != 0xffff)
    return NULL;
  *seg = t;
  *seglen = total - MPTCP_IPV4_HDR_LEN;
  return sf;
}

static int read_gro(mptcp_stack *st, const mptcp_pkt_info *pi,
                    const uint8_t *pkt, size_t len, mptcp_tstamp now);

MPTCP_API int mptcp_stack_read_pkt(mptcp_stack *st, const mptcp_pkt_info *pi,
                                   const uint8_t *pkt, size_t len,
                                   mptcp_tstamp now) {
  mptcp_pkt p;
  /* GRO packets apart (read_gro): the others pay one test. */
  if (pi && pi->gso_type != MPTCP_GSO_NONE && pi->gso_size)
    return read_gro(st, pi, pkt, len, now);
  /* The caller's word that the TCP checksum needs no check (offloads). */
  int csum_ok =
      (st->s.offload & MPTCP_OFFLOAD_RX_CSUM) && pi &&
      (pi->flags & (MPTCP_PKT_NEEDS_CSUM | MPTCP_PKT_DATA_VALID)) != 0;
  mptcp_ctr_inc(st, MPTCP_CTR_PKT_IN);
  if (st->s.trace_pkt)
    st->s.trace_pkt(st->user_data, MPTCP_TRACE_IN, pkt, len, now);
  /* Header prediction first for a segment of the last connection's train
   * (the general parse only if it declines). The TCP checksum is verified
   * by the fast path while it copies the payload, otherwise below over the
   * whole segment before anything acts on it. */
  const uint8_t *seg;
  size_t seglen;
  mptcp_subflow *train = train_pkt(st, pkt, len, &seg, &seglen);
  if (train && train->tcp.state != MPTCP_TCP_CLOSED) {
    int fast = mptcp_tcp_input_seg(train, seg, seglen, csum_ok, now);
    /* The fast path closes no subflow: nothing to reap. */
    if (fast > 0) timer_later(train->conn);
    if (fast) return 0; /* taken, or dropped for its checksum (counted) */
  }
  int rv = mptcp_pkt_parse(pkt, len, MPTCP_PKT_VERIFY_IP_CSUM, &p);
  if (rv == MPTCP_ERR_NOT_TCP) {
    mptcp_ctr_inc(st, MPTCP_CTR_PKT_NOT_TCP);
    return MPTCP_RX_NOT_MINE;
  }
  if (rv < 0) {
    mptcp_ctr_inc(st, mptcp_counter_for_pkt_err(rv));
    MPTCP_LOG(st, MPTCP_LOG_DEBUG, "pkt: %zu bytes dropped: %s", len,
              mptcp_strerror(rv));
    return 0;
  }
  mptcp_subflow *sf = lookup_pkt(st, &p);
  /* A closed connection the app has not released yet is gone for the
   * peer: its segments are answered as for no connection. */
  if (sf && sf->tcp.state == MPTCP_TCP_CLOSED) sf = NULL;
  if (sf && sf != train) { /* (train: the fast path declined already) */
    int fast = mptcp_tcp_input_fast(sf, &p, csum_ok, now);
    if (fast > 0) timer_later(sf->conn);
    if (fast) return 0;
  }
  if (!csum_ok && mptcp_tcp_csum(&p.src, &p.dst, p.tcp, p.tcp_len) != 0) {
    mptcp_ctr_inc(st, MPTCP_CTR_PKT_CSUM_ERR);
    MPTCP_LOG(st, MPTCP_LOG_DEBUG, "tcp %u>%u: bad checksum, dropped",
              (unsigned)p.dport, (unsigned)p.sport);
    return 0;
  }
  mptcp_ctr_inc(st, MPTCP_CTR_TCP_IN_SEGS);
  if (sf) {
    struct mptcp_conn *c = sf->conn;
    mptcp_tcp_input(sf, &p, now);
    after(c);
    return 0;
  }
  mptcp_addr l = {p.dst, p.dport}, r = {p.src, p.sport};
  uint8_t fl = p.tcp_flags;
  int syn = (fl & (MPTCP_TH_SYN | MPTCP_TH_ACK | MPTCP_TH_RST)) == MPTCP_TH_SYN;
  mptcp_tcpopts o;
  if (syn) {
    mptcp_parse_ctx ctx;
    mptcp_parse_ctx_init(&ctx, fl, p.payload_len);
    mptcp_tcpopts_parse(p.opts, p.opts_len, &ctx, &o);
    mptcp_counters_add_opts(&st->ctr, &o);
    /* An MP_JOIN SYN belongs to the connection its token names, on
     * whichever of our addresses and ports it arrives. */
    if (o.n_mptcp && mptcp_join_syn_in(st, &p, &o, now)) return 0;
  }
  const mptcp_listener *lst = find_listener(st, &l);
  if (lst && syn) {
    if (st->n_pending_accept >= st->s.backlog) {
      mptcp_ctr_inc(st, MPTCP_CTR_TCP_SYN_DROP);
      MPTCP_LOG(st, MPTCP_LOG_INFO, "tcp %u>%u: SYN dropped, backlog full",
                (unsigned)p.dport, (unsigned)p.sport);
      return 0;
    }
    struct mptcp_conn *c = mptcp_stack_conn_new(st, &l, &r);
    if (!c) {
      mptcp_ctr_inc(st, MPTCP_CTR_TCP_SYN_DROP);
      MPTCP_LOG(st, MPTCP_LOG_INFO, "tcp %u>%u: SYN dropped", (unsigned)p.dport,
                (unsigned)p.sport);
      return 0;
    }
    c->passive = 1;
    st->n_pending_accept++;
    c->first.passive = 1;
    mptcp_tcp_init_passive(&c->first, &p, &o, now);
    after(c);
    return 0;
  }
  if (!lst && !is_local_addr(st, &p.dst)) {
    mptcp_ctr_inc(st, MPTCP_CTR_PKT_NOT_MINE);
    return MPTCP_RX_NOT_MINE;
  }
  mptcp_stack_queue_rst(st, &p);
  return 0;
}

/* A coalesced (GRO) packet whose segments carried gso_size payload bytes
 * each (virtio-net): taken as one packet (read_pkt again, told it is
 * one), but counted as those segments for the delayed ACK
 * (mptcp_tcp_count_rx) and in TcpInSegs. */
static int read_gro(mptcp_stack *st, const mptcp_pkt_info *pi,
                    const uint8_t *pkt, size_t len, mptcp_tstamp now) {
  mptcp_pkt_info one = *pi;
  one.gso_type = MPTCP_GSO_NONE;
  uint64_t *in = &st->ctr.v[MPTCP_CTR_TCP_IN_SEGS], in0 = *in;
  st->rx_gso_size = pi->gso_size;
  int rv = mptcp_stack_read_pkt(st, &one, pkt, len, now);
  st->rx_gso_size = 0;
  mptcp_pkt p;
  if (*in != in0 && mptcp_pkt_parse(pkt, len, 0, &p) == 0 &&
      p.payload_len > pi->gso_size)
    *in += (p.payload_len - 1) / pi->gso_size;
  return rv;
}

/* ---------------- packets out, timers, events ---------------- */

/* The connection's next segment: each subflow in turn, from the one after
 * the last that sent. Returns the length (0: none) and the subflow in
 * *sfi. */
static mptcp_ssize conn_output(struct mptcp_conn *c, uint8_t *dest,
                               size_t destlen, mptcp_tstamp now,
                               unsigned *sfi) {
  unsigned n_sf = c->n_sf;
  /* A scheduler may keep state (whose turn it is): a NOBUF undoes the
   * decision, so that the call with a larger buffer gets the same packet
   * (found by fuzz_multipath: round-robin moved on, the packet waited). */
  uint64_t saved[MPTCP_SCHED_STATE_MAX / 8];
  int scheduled =
      c->mp.state == MPTCP_MP_ON && (n_sf > 1 || c->rj_end > c->rj_dsn);
  if (scheduled) { /* owed data of a dead subflow goes to a survivor too */
    memcpy(saved, c->sched_state, sizeof saved);
    mptcp_conn_schedule(c);
  }
  mptcp_ssize n = 0;
  if (n_sf == 1) { /* plain TCP and single-path MPTCP */
    *sfi = 0;
    n = c->sf[0] ? mptcp_tcp_output(c->sf[0], dest, destlen, now) : 0;
  }
  for (unsigned k = 0; n_sf > 1 && k < n_sf; k++) {
    unsigned i = (c->tx_rr + 1 + k) % n_sf;
    if (!c->sf[i]) continue;
    n = mptcp_tcp_output(c->sf[i], dest, destlen, now);
    if (n != 0) {
      if (n > 0) c->tx_rr = (uint8_t)i;
      *sfi = i;
      break;
    }
  }
  if (n == MPTCP_ERR_NOBUF && scheduled)
    memcpy(c->sched_state, saved, sizeof saved);
  return n;
}

MPTCP_API mptcp_ssize mptcp_stack_write_pkt(mptcp_stack *st, mptcp_pkt_info *pi,
                                            uint8_t *dest, size_t destlen,
                                            mptcp_tstamp now) {
  mptcp_ssize n = 0;
  while (st->rst_n) {
    n = write_rst(st, pi, dest, destlen);
    if (n < 0) return n; /* NOBUF: the reset stays queued */
    if (n > 0) goto out;
  }
  while (st->tx_head) {
    struct mptcp_conn *c = st->tx_head;
    unsigned sfi = 0;
    n = conn_output(c, dest, destlen, now, &sfi);
    if (n < 0) return n; /* NOBUF: stays queued */
    /* Round-robin: a connection that sent goes to the back of the queue
     * (where it already is when it is alone), unless there is surely
     * nothing more (the call would only find that out). */
    int again = n > 0 && !mptcp_conn_output_idle(c);
    if (!again || c->tx_next) {
      st->tx_head = c->tx_next;
      if (!st->tx_head) st->tx_tail = NULL;
      c->tx_queued = 0;
      c->tx_next = NULL;
      if (again) mptcp_conn_want_output(c);
    }
    if (n > 0) {
      if (pi) {
        pi->src = c->sf[sfi]->local.ip;
        pi->dst = c->sf[sfi]->remote.ip;
        pi->conn = c->released ? NULL : c;
        pi->subflow = sfi;
        no_offload_info(pi);
      }
      if (st->s.offload) {
        if (pi)
          offload_info(pi, dest, (st->s.offload & MPTCP_OFFLOAD_TX_CSUM) != 0,
                       st->tx_gso_size);
        st->tx_gso_size = 0;
      }
      timer_later(c);
      goto out;
    }
    after(c);
  }
  return 0;
out:
  if (st->s.trace_pkt)
    st->s.trace_pkt(st->user_data, MPTCP_TRACE_OUT, dest, (size_t)n, now);
  return n;
}

MPTCP_API mptcp_tstamp mptcp_stack_get_expiry(mptcp_stack *st) {
  timers_update(st);
  const mptcp_heap_node *top = mptcp_heap_top(&st->timers);
  return top ? top->at : MPTCP_TSTAMP_NONE;
}

MPTCP_API int mptcp_stack_handle_expiry(mptcp_stack *st, mptcp_tstamp now) {
  mptcp_heap_node *top;
  timers_update(st);
  while ((top = mptcp_heap_top(&st->timers)) && top->at <= now) {
    struct mptcp_conn *c = (struct mptcp_conn *)top; /* timer is first */
    mptcp_heap_set(&st->timers, top, MPTCP_TSTAMP_NONE);
    for (unsigned i = 0; i < c->n_sf; i++)
      if (c->sf[i] && mptcp_tcp_next_timer(&c->sf[i]->tcp) <= now)
        mptcp_tcp_timers(c->sf[i], now);
    if (c->pm_at <= now) mptcp_pm_timers(c, now);
    if (c->fail_at <= now) mptcp_fail_timer(c, now);
    if (c->dfin_at <= now) mptcp_dfin_timer(c, now);
    if (c->dretx_at <= now) mptcp_dretx_timer(c, now);
    after(c);
  }
  return 0;
}

MPTCP_API int mptcp_stack_next_event(mptcp_stack *st, mptcp_event *ev) {
  while (st->ev_head) {
    struct mptcp_conn *c = st->ev_head;
    st->ev_head = c->ev_next;
    if (!st->ev_head) st->ev_tail = NULL;
    c->ev_queued = 0;
    c->ev_next = NULL;
    uint32_t e = c->events;
    c->events = 0;
    if (!e || c->released) continue;
    ev->conn = c;
    ev->events = e;
    return 1;
  }
  return 0;
}

MPTCP_API void mptcp_stack_get_counters(const mptcp_stack *st,
                                        mptcp_counters *out) {
  *out = st->ctr;
}
