/*
 * The shared world of the stateful fuzz targets; see fuzz_world.h.
 * SPDX-License-Identifier: MIT
 */
#include "fuzz_world.h"

#include <string.h>

/* Buffers the targets never need to reset (one world at a time). */
static uint8_t out_buf[FUZZ_OUT_CAP];
static uint8_t app_buf[FUZZ_DATA_CAP];

/* ------------------------------------------------------------ allocator */

typedef union cnt_hdr {
  size_t n;
  max_align_t a;
} cnt_hdr;

static void *w_malloc(size_t n, void *ud) {
  fuzz_world *w = ud;
  if (w->fail_count) {
    if (w->fail_skip) {
      w->fail_skip--;
    } else {
      w->fail_count--;
      w->n_refused++;
      return NULL;
    }
  }
  cnt_hdr *h = malloc(sizeof *h + n);
  if (!h) return NULL;
  h->n = n;
  w->live_bytes += n;
  w->live_blocks++;
  return h + 1;
}

static void w_free(void *p, void *ud) {
  fuzz_world *w = ud;
  if (!p) return;
  cnt_hdr *h = (cnt_hdr *)p - 1;
  FUZZ_CHECK(w->live_blocks > 0 && w->live_bytes >= h->n);
  w->live_bytes -= h->n;
  w->live_blocks--;
  free(h);
}

static void *w_calloc(size_t m, size_t n, void *ud) {
  if (n && m > SIZE_MAX / n) return NULL;
  void *p = w_malloc(m * n, ud);
  if (p) memset(p, 0, m * n);
  return p;
}

static void *w_realloc(void *p, size_t n, void *ud) {
  (void)p, (void)n, (void)ud;
  return NULL; /* the library never reallocates */
}

/* ---------------------------------------------------------------- hooks */

/* The packet-trace hook: sees exactly the packets in and out. */
static void w_trace(void *ud, int dir, const uint8_t *pkt, size_t len,
                    mptcp_tstamp now) {
  fuzz_world *w = ud;
  FUZZ_CHECK(pkt != NULL && now == w->now);
  FUZZ_CHECK(dir == MPTCP_TRACE_IN || dir == MPTCP_TRACE_OUT);
  if (dir == MPTCP_TRACE_IN) {
    w->n_trace_in++;
    return;
  }
  /* A "packet" of (size_t)MPTCP_ERR_NOBUF (see FUZZ_STACK_LAX_NOBUF). */
  if (w->lax_trace_nobuf && len > SIZE_MAX / 2) return;
  FUZZ_CHECK(len > 0 && len <= FUZZ_OUT_CAP);
  w->n_trace_out++;
}

static void w_rand(uint8_t *dst, size_t n, void *ud) {
  fuzz_world *w = ud;
  for (size_t i = 0; i < n; i++) {
    w->rng ^= w->rng << 13;
    w->rng ^= w->rng >> 7;
    w->rng ^= w->rng << 17;
    dst[i] = (uint8_t)(w->rng >> 24);
  }
}

/* ------------------------------------------------------------ lifecycle */

void fuzz_mkaddr(int v6, mptcp_ipaddr *a, uint8_t last) {
  memset(a, 0, sizeof *a);
  if (v6) {
    a->family = MPTCP_AF_INET6;
    a->a[0] = 0x20;
    a->a[1] = 0x01;
    a->a[2] = 0x0d;
    a->a[3] = 0xb8;
    a->a[15] = last;
  } else {
    a->family = MPTCP_AF_INET;
    a->a[0] = 10;
    a->a[3] = last;
  }
}

void fuzz_world_init(fuzz_world *w, int v6) {
  memset(w, 0, sizeof *w);
  mptcp_settings *s = &w->s;
  mptcp_settings_default(s);
  s->rand = w_rand;
  s->trace_pkt = w_trace;
  /* Millisecond timers: many of them fire within one input. */
  s->syn_retries = 3;
  s->max_retries = 5;
  s->rto_initial = 50000;
  s->rto_min = 10000;
  s->rto_max = 800000;
  s->delack = 5000;
  s->time_wait = 300000;
  s->keepalive_idle = 1000000;
  s->keepalive_intvl = 100000;
  s->keepalive_probes = 3;
  s->persist_max = 400000;
  w->v6 = v6;
  fuzz_mkaddr(v6, &w->us, 1);
  fuzz_mkaddr(v6, &w->alt, 9);
  fuzz_mkaddr(v6, &w->peer, 2);
  w->now = 1000000;
  w->rng = 0x9e3779b97f4a7c15ull;
  w->out_cap = FUZZ_OUT_CAP;
  w->mem.user_data = w;
  w->mem.malloc = w_malloc;
  w->mem.free = w_free;
  w->mem.calloc = w_calloc;
  w->mem.realloc = w_realloc;
}

int fuzz_world_start(fuzz_world *w) {
  int rc = mptcp_stack_new(&w->st, &w->s, &w->mem, w);
  if (rc != 0) FUZZ_CHECK(w->live_bytes == 0 && w->live_blocks == 0);
  return rc;
}

void fuzz_world_check_counters(const fuzz_world *w, mptcp_counters *c) {
  mptcp_stack_get_counters(w->st, c);
  FUZZ_CHECK(c->v[MPTCP_CTR_PKT_IN] == w->n_in);
  FUZZ_CHECK(c->v[MPTCP_CTR_TCP_OUT_SEGS] == w->n_out + w->n_gso_extra);
  FUZZ_CHECK(c->v[MPTCP_CTR_TCP_RST_SENT] == w->n_rst);
  FUZZ_CHECK(w->n_trace_in == w->n_in && w->n_trace_out == w->n_out);
}

void fuzz_world_end(fuzz_world *w) {
  mptcp_stack_del(w->st);
  w->st = NULL;
  FUZZ_CHECK(w->live_bytes == 0 && w->live_blocks == 0);
}

uint8_t fuzz_tx_byte(uint64_t off) {
  uint32_t x = (uint32_t)off * 2654435761u;
  return (uint8_t)(x >> 24 ^ x >> 11);
}

/* -------------------------------------------------------------- packets */

int fuzz_deliver(fuzz_world *w, const uint8_t *pkt, size_t len) {
  w->n_in++;
  mptcp_pkt_info pi;
  memset(&pi, 0, sizeof pi);
  pi.flags = MPTCP_PKT_DATA_VALID;
  int rc =
      mptcp_stack_read_pkt(w->st, w->rx_valid ? &pi : NULL, pkt, len, w->now);
  FUZZ_CHECK(rc == 0 || rc == MPTCP_RX_NOT_MINE || rc == MPTCP_ERR_NOMEM);
  return rc;
}

size_t fuzz_write_seg(const fuzz_world *w, const fuzz_seg *g, uint8_t *buf,
                      size_t cap) {
  mptcp_pkt k;
  memset(&k, 0, sizeof k);
  k.src = g->from.ip;
  k.dst = g->to.ip;
  k.sport = g->from.port;
  k.dport = g->to.port;
  k.seq = g->seq;
  k.ack = g->ack;
  k.tcp_flags = g->flags;
  k.tcp_res = g->res;
  k.window = g->win;
  k.ttl = 64;
  k.opts = g->opt;
  k.opts_len = g->opt_len;
  k.payload = g->pay;
  k.payload_len = g->len;
  mptcp_ssize n = mptcp_pkt_write(&k, buf, cap);
  FUZZ_CHECK(n > 0);
  if (g->corrupt) {
    size_t iph = w->v6 ? MPTCP_IPV6_HDR_LEN : MPTCP_IPV4_HDR_LEN;
    buf[iph + 16] ^= 0x5a; /* the TCP checksum */
  }
  return (size_t)n;
}

void fuzz_check_pkt(fuzz_world *w, const uint8_t *buf, size_t n,
                    const mptcp_pkt_info *pi, mptcp_pkt *k, mptcp_tcpopts *o) {
  FUZZ_CHECK(mptcp_pkt_parse(buf, n, MPTCP_PKT_VERIFY_CSUM, k) == 0);
  FUZZ_CHECK(k->ip_version == (w->v6 ? 6 : 4));
  FUZZ_CHECK(k->ip_hdr_len + k->tcp_len == n);
  int to_peer = mptcp_ipaddr_equal(&k->dst, &w->peer);
  for (unsigned i = 0; i < w->n_peer_more && i < 4; i++)
    to_peer |= mptcp_ipaddr_equal(&k->dst, &w->peer_more[i]);
  FUZZ_CHECK(to_peer);
  FUZZ_CHECK(mptcp_ipaddr_equal(&k->src, &w->us) ||
             mptcp_ipaddr_equal(&k->src, &w->alt));
  FUZZ_CHECK(mptcp_ipaddr_equal(&pi->src, &k->src));
  FUZZ_CHECK(mptcp_ipaddr_equal(&pi->dst, &k->dst));
  FUZZ_CHECK(k->sport != 0 && k->dport != 0);
  uint8_t fl = k->tcp_flags;
  w->n_out++;
  if (fl & MPTCP_TH_RST) w->n_rst++;
  FUZZ_CHECK((fl & ~(MPTCP_TH_FIN | MPTCP_TH_SYN | MPTCP_TH_RST | MPTCP_TH_PSH |
                     MPTCP_TH_ACK)) == 0);
  FUZZ_CHECK(k->tcp_res == 0 && k->urg_ptr == 0);
  FUZZ_CHECK(!((fl & MPTCP_TH_SYN) && (fl & (MPTCP_TH_FIN | MPTCP_TH_RST))));
  FUZZ_CHECK(!((fl & MPTCP_TH_RST) && (fl & MPTCP_TH_FIN)));
  FUZZ_CHECK(!((fl & (MPTCP_TH_SYN | MPTCP_TH_RST)) && k->payload_len));
  FUZZ_CHECK((fl & (MPTCP_TH_SYN | MPTCP_TH_RST)) || (fl & MPTCP_TH_ACK));

  /* The option area, parsed as a peer would. */
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, fl, k->payload_len);
  mptcp_tcpopts_parse(k->opts, k->opts_len, &ctx, o);
  FUZZ_CHECK(o->n_malformed == 0 && o->n_unknown == 0);
  FUZZ_CHECK(!(o->present & MPTCP_HAS_TFO));
  if (!(fl & MPTCP_TH_SYN))
    FUZZ_CHECK(!(o->present &
                 (MPTCP_HAS_MSS | MPTCP_HAS_WSCALE | MPTCP_HAS_SACK_PERM)));
  if (o->present & MPTCP_HAS_SACK) {
    FUZZ_CHECK((fl & MPTCP_TH_ACK) && !(fl & MPTCP_TH_SYN));
    for (unsigned i = 0; i < o->n_sack; i++) {
      uint32_t l = o->sack[i].left, r = o->sack[i].right;
      FUZZ_CHECK(fuzz_seq_gt(l, k->ack) && fuzz_seq_gt(r, l));
    }
  }
}

void fuzz_check_sack_room(const fuzz_world *w, const mptcp_pkt *k,
                          const mptcp_tcpopts *o) {
  if (!(o->present & MPTCP_HAS_SACK)) return;
  for (unsigned i = 0; i < o->n_sack; i++)
    FUZZ_CHECK(o->sack[i].right - k->ack <= w->s.rcvbuf);
}

void fuzz_seen_update(fuzz_seen *s, const mptcp_pkt *k,
                      const mptcp_tcpopts *o) {
  uint8_t fl = k->tcp_flags;
  uint32_t end = k->seq + (uint32_t)k->payload_len +
                 ((fl & MPTCP_TH_SYN) != 0) + ((fl & MPTCP_TH_FIN) != 0);
  s->max = s->have ? fuzz_seq_max(s->max, end) : end;
  s->have = 1;
  s->seq = k->seq;
  s->end = end;
  if (fl & MPTCP_TH_ACK) s->ack = k->ack;
  s->ts = (o->present & MPTCP_HAS_TS) != 0;
  if (s->ts) s->tsval = o->ts_val;
}

void fuzz_trace_out(const fuzz_world *w, const mptcp_pkt *k) {
  uint8_t fl = k->tcp_flags;
  fprintf(stderr,
          "  t=%llu out %u>%u %s%s%s%s%s seq=%u ack=%u win=%u len=%zu "
          "opts=%zu",
          (unsigned long long)w->now, k->sport, k->dport,
          fl & MPTCP_TH_SYN ? "S" : "", fl & MPTCP_TH_FIN ? "F" : "",
          fl & MPTCP_TH_RST ? "R" : "", fl & MPTCP_TH_PSH ? "P" : "",
          fl & MPTCP_TH_ACK ? "." : "", k->seq, k->ack, k->window,
          k->payload_len, k->opts_len);
}

void fuzz_drain_pkts(fuzz_world *w, int lax_nobuf, fuzz_pkt_fn check,
                     void *ud) {
  int guard;
  for (guard = 0; guard < 20000; guard++) {
    mptcp_pkt_info pi;
    memset(&pi, 0, sizeof pi);
    size_t cap = w->out_cap;
    mptcp_ssize n = mptcp_stack_write_pkt(w->st, &pi, out_buf, cap, w->now);
    if (n == MPTCP_ERR_NOBUF) {
      FUZZ_CHECK(cap < FUZZ_OUT_CAP);
      cap = FUZZ_OUT_CAP;
      unsigned refused = w->n_refused;
      n = mptcp_stack_write_pkt(w->st, &pi, out_buf, cap, w->now);
      if (w->trace)
        fprintf(stderr, "  NOBUF with %zu bytes, retry: %lld\n", w->out_cap,
                (long long)n);
      /* "nothing is lost: call again with a larger buffer" (unless the
       * allocator said no meanwhile: then the segment waits) */
      FUZZ_CHECK(n > 0 || lax_nobuf || w->n_refused != refused);
    }
    if (n == 0) break;
    FUZZ_CHECK(n > 0 && (size_t)n <= cap);
    /* Offloads: only when asked for; a partial checksum is completed
     * where the packet info says, as the kernel would. */
    FUZZ_CHECK(w->s.offload || (pi.flags == 0 && pi.gso_size == 0));
    FUZZ_CHECK(pi.gso_size == 0 || (w->s.offload & MPTCP_OFFLOAD_TSO));
    if (pi.flags & MPTCP_PKT_NEEDS_CSUM) {
      FUZZ_CHECK(w->s.offload & MPTCP_OFFLOAD_TX_CSUM);
      FUZZ_CHECK((size_t)pi.csum_start + pi.csum_offset + 2 <= (size_t)n);
      uint32_t sum = mptcp_csum_partial(out_buf + pi.csum_start,
                                        (size_t)n - pi.csum_start, 0);
      uint16_t c = mptcp_csum_finish(sum);
      out_buf[pi.csum_start + pi.csum_offset] = (uint8_t)(c >> 8);
      out_buf[pi.csum_start + pi.csum_offset + 1] = (uint8_t)c;
    }
    check(ud, out_buf, (size_t)n, &pi);
    /* TcpOutSegs counts the segments a super-segment stands for. */
    if (pi.gso_size)
      w->n_gso_extra += ((size_t)n - pi.hdr_len) / pi.gso_size - 1;
  }
  FUZZ_CHECK(guard < 20000); /* write_pkt must run dry */
}

/* --------------------------------------------------------- time and ops */

void fuzz_time_to(fuzz_world *w, mptcp_tstamp t) {
  if (t > w->now) w->now = t;
  FUZZ_CHECK(mptcp_stack_handle_expiry(w->st, w->now) == 0);
  mptcp_tstamp e = mptcp_stack_get_expiry(w->st);
  FUZZ_CHECK(e == MPTCP_TSTAMP_NONE || e > w->now);
}

int fuzz_world_op(fuzz_world *w, unsigned opcode, fuzz_reader *in) {
  switch (opcode) {
  case 0x3: {
    uint8_t m = fuzz_u8(in), v = fuzz_u8(in);
    static const mptcp_tstamp unit[4] = {1, 1000, 100000, 10000000};
    fuzz_time_to(w, w->now + unit[m & 3] * v);
    return 1;
  }
  case 0x4: {
    mptcp_tstamp e = mptcp_stack_get_expiry(w->st);
    fuzz_time_to(w, e == MPTCP_TSTAMP_NONE ? w->now + 1000000 : e);
    return 1;
  }
  case 0xc: {
    uint8_t b = fuzz_u8(in);
    w->fail_skip = b >> 4 & 7;
    w->fail_count = b & 7;
    return 1;
  }
  case 0xd: {
    static const size_t caps[8] = {FUZZ_OUT_CAP, 1500, 576, 100,
                                   60,           40,   1,   FUZZ_OUT_CAP};
    w->out_cap = caps[fuzz_u8(in) & 7];
    return 1;
  }
  default: return 0;
  }
}

void fuzz_world_run(fuzz_world *w, fuzz_reader *in, const fuzz_driver *d,
                    void *ud, mptcp_counters *c) {
  for (int ops = 0; ops < d->max_ops && fuzz_more(in); ops++) {
    uint8_t op = fuzz_u8(in);
    if (w->trace) fprintf(stderr, "op %02x (%zu bytes left)\n", op, in->n);
    d->op(ud, op, in);
    if (!(op & 0x80)) d->drain(ud);
    d->observe(ud);
  }
  w->fail_count = 0;
  d->drain(ud);
  d->observe(ud);
  fuzz_world_check_counters(w, c);
}

/* ------------------------------------------------------------- the app */

void fuzz_app_write(fuzz_world *w, mptcp_conn *c, uint8_t b, uint8_t l,
                    uint64_t *tx) {
  size_t n = (size_t)l << (b >> 4 & 7);
  for (size_t i = 0; i < n; i++) app_buf[i] = fuzz_tx_byte(*tx + i);
  mptcp_ssize k = mptcp_conn_write(c, app_buf, n, w->now);
  FUZZ_CHECK(k == MPTCP_ERR_WOULDBLOCK || k == MPTCP_ERR_CLOSED ||
             (k >= 0 && (size_t)k <= n && (k > 0 || n == 0)));
  if (k > 0) *tx += (uint64_t)k;
}

mptcp_ssize fuzz_app_read(fuzz_world *w, mptcp_conn *c, uint8_t b, uint8_t l,
                          uint64_t *rd, fuzz_rx_fn check, void *ud) {
  size_t n = (size_t)l << (b >> 4 & 7);
  if (n > sizeof app_buf) n = sizeof app_buf;
  mptcp_ssize k = mptcp_conn_read(c, app_buf, n, w->now);
  FUZZ_CHECK(k == MPTCP_ERR_EOF || k == MPTCP_ERR_CLOSED ||
             (k >= 0 && (size_t)k <= n));
  if (k > 0) {
    check(ud, app_buf, (size_t)k, *rd);
    *rd += (uint64_t)k;
  }
  return k;
}

size_t fuzz_app_peek(fuzz_world *w, mptcp_conn *c, uint8_t b, uint8_t l,
                     uint64_t *rd, fuzz_rx_fn check, void *ud) {
  const uint8_t *d = NULL;
  size_t n = mptcp_conn_peek(c, &d);
  FUZZ_CHECK(n <= w->s.rcvbuf);
  mptcp_conn_info ci;
  mptcp_conn_get_info(c, &ci);
  FUZZ_CHECK(ci.rcv_wnd <= w->s.rcvbuf);
  size_t held = w->s.rcvbuf - ci.rcv_wnd; /* in-order bytes buffered */
  FUZZ_CHECK(n <= held);
  if (n) {
    FUZZ_CHECK(d != NULL);
    check(ud, d, n, *rd);
  }
  size_t m = l ? (size_t)l << (b >> 4 & 7) : n;
  mptcp_conn_consume(c, m, w->now);
  *rd += m < held ? m : held;
  return n;
}

void fuzz_observe(fuzz_world *w, mptcp_conn *c, mptcp_conn_info *ci) {
  FUZZ_CHECK(mptcp_conn_get_info(c, ci) == 0);
  FUZZ_CHECK(ci->state <= MPTCP_TCP_TIME_WAIT && ci->state != MPTCP_TCP_LISTEN);
  w->states |= 1u << ci->state;
}

/* ----------------------------------------------------------------- debug */

static const char *const state_names[] = {
    "CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RECEIVED",
    "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
    "CLOSING",     "LAST_ACK",   "TIME_WAIT"};

void fuzz_print_summary(const char *who, uint32_t states,
                        const mptcp_counters *ctr) {
  fprintf(stderr, "%s: TCP states seen on handles:", who);
  for (unsigned i = 0; i < sizeof state_names / sizeof state_names[0]; i++)
    if (states & 1u << i) fprintf(stderr, " %s", state_names[i]);
  fprintf(stderr, "\n%s: counters (sum over inputs):\n", who);
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
    fprintf(stderr, "  %-26s %llu\n", mptcp_counter_name(i),
            (unsigned long long)ctr->v[i]);
}
