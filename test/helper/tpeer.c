/* SPDX-License-Identifier: MIT */
#include "tpeer.h"

#include "gso.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

tseg tseg_make(uint32_t seq, uint32_t ack, uint8_t flags) {
  tseg s;
  memset(&s, 0, sizeof s);
  s.seq = seq;
  s.ack = ack;
  s.flags = flags;
  s.win = -1;
  s.mss = -1;
  s.ws = -1;
  s.sack_perm = -1;
  s.ts = -1;
  return s;
}

/* Counting allocator: a size header in front of every block. */
typedef union cnt_hdr {
  size_t n;
  max_align_t a;
} cnt_hdr;

static void *cnt_malloc(size_t n, void *ud) {
  tpeer *p = ud;
  cnt_hdr *h = malloc(sizeof *h + n);
  if (!h) return NULL;
  h->n = n;
  p->live_bytes += n;
  p->live_blocks++;
  return h + 1;
}
static void cnt_free(void *ptr, void *ud) {
  tpeer *p = ud;
  if (!ptr) return;
  cnt_hdr *h = (cnt_hdr *)ptr - 1;
  p->live_bytes -= h->n;
  p->live_blocks--;
  free(h);
}
static void *cnt_calloc(size_t m, size_t n, void *ud) {
  void *x = cnt_malloc(m * n, ud);
  if (x) memset(x, 0, m * n);
  return x;
}
static void *cnt_realloc(void *ptr, size_t n, void *ud) {
  (void)ptr, (void)n, (void)ud;
  return NULL; /* the library never reallocates */
}

static void seeded_rand(uint8_t *dst, size_t n, void *ud) {
  tpeer *p = ud;
  for (size_t i = 0; i < n; i++) dst[i] = (uint8_t)tcheck_prng(&p->rng);
}

void tpeer_default_settings(mptcp_settings *s) {
  mptcp_settings_default(s);
  s->mptcp = 0; /* scripted TCP; MPTCP scripts turn it on */
  s->timestamps = 0;
  s->sack = 0;
  s->sndbuf = s->rcvbuf = 65536;
}

tseg tpeer_connect(tpeer *p, const mptcp_conn_opts *o) {
  mptcp_addr local = p->us;
  tseg g;
  ck_assert_int_eq(
      mptcp_conn_connect(p->st, &p->conn, &local, &p->them, o, p->now), 0);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.flags & MPTCP_TH_SYN, MPTCP_TH_SYN);
  p->iss = g.seq;
  return g;
}

tseg tpeer_open_with(tpeer *p, const mptcp_settings *s, int v6,
                     uint16_t peer_mss, int32_t ws, uint32_t tsval) {
  tpeer_init(p, s, v6);
  tseg syn = tpeer_connect(p, NULL);
  tseg sa = tseg_make(5000, p->iss + 1, MPTCP_TH_SYN | MPTCP_TH_ACK);
  sa.mss = peer_mss;
  sa.ws = ws;
  if (p->s.sack) sa.sack_perm = 1;
  if (tsval) {
    sa.ts = 1;
    sa.tsval = tsval;
    sa.tsecr = syn.tsval;
  }
  if (p->s.mptcp) {
    sa.n_mptcp = 1;
    sa.mptcp[0] = tsub_mpc(MPTCP_MPC_SYNACK, 0, TPEER_KEY, 0);
  }
  tpeer_send(p, &sa);
  return syn;
}

mptcp_subopt tsub_mpc(uint8_t form, int csum, uint64_t snd_key,
                      uint64_t rcv_key) {
  mptcp_subopt so;
  memset(&so, 0, sizeof so);
  so.subtype = MPTCP_SUB_CAPABLE;
  so.u.mpc.version = 1;
  so.u.mpc.flags = (uint8_t)(MPTCP_CAP_H | (csum ? MPTCP_CAP_A : 0));
  so.u.mpc.form = form;
  so.u.mpc.snd_key = snd_key;
  so.u.mpc.rcv_key = rcv_key;
  return so;
}

void tpeer_init(tpeer *p, const mptcp_settings *s, int v6) {
  memset(p, 0, sizeof *p);
  p->rng = 0x9e3779b97f4a7c15ull;
  if (s)
    p->s = *s;
  else
    tpeer_default_settings(&p->s);
  p->s.rand = seeded_rand;
  p->mem.user_data = p;
  p->mem.malloc = cnt_malloc;
  p->mem.free = cnt_free;
  p->mem.calloc = cnt_calloc;
  p->mem.realloc = cnt_realloc;
  p->now = 1000000;
  if (v6) {
    tcheck_addr6_db8(&p->us.ip, 1);
    tcheck_addr6_db8(&p->them.ip, 2);
  } else {
    tcheck_addr4(&p->us.ip, 10, 0, 0, 1);
    tcheck_addr4(&p->them.ip, 10, 0, 0, 2);
  }
  p->us.port = 5000;
  p->them.port = 40000;
  ck_assert_int_eq(mptcp_stack_new(&p->st, &p->s, &p->mem, p), 0);
}

void tpeer_fini(tpeer *p) {
  if (p->conn) mptcp_conn_release(p->conn, p->now);
  mptcp_stack_del(p->st);
  ck_assert_msg(p->live_bytes == 0 && p->live_blocks == 0,
                "leak: %zu bytes in %zu blocks", p->live_bytes, p->live_blocks);
}

size_t tpeer_build(tpeer *p, const tseg *g, uint8_t *pkt, size_t cap) {
  uint8_t opt[40];
  mptcp_tcpopts o;
  memset(&o, 0, sizeof o);
  if (g->mss >= 0) {
    o.present |= MPTCP_HAS_MSS;
    o.mss = (uint16_t)g->mss;
  }
  if (g->ws >= 0) {
    o.present |= MPTCP_HAS_WSCALE;
    o.wscale = (uint8_t)g->ws;
  }
  if (g->sack_perm == 1) o.present |= MPTCP_HAS_SACK_PERM;
  if (g->ts == 1) {
    o.present |= MPTCP_HAS_TS;
    o.ts_val = g->tsval;
    o.ts_ecr = g->tsecr;
  }
  if (g->nsack) {
    o.present |= MPTCP_HAS_SACK;
    o.n_sack = g->nsack;
    for (int i = 0; i < g->nsack; i++) {
      o.sack[i].left = g->sack[i][0];
      o.sack[i].right = g->sack[i][1];
    }
  }
  ck_assert_uint_le(g->n_mptcp, 4);
  for (int i = 0; i < g->n_mptcp; i++)
    mptcp_tcpopts_add_mptcp(&o, &g->mptcp[i]);
  mptcp_ssize ol = mptcp_tcpopts_write(&o, 0xff, opt, sizeof opt);
  ck_assert_int_ge(ol, 0);
  mptcp_pkt k;
  memset(&k, 0, sizeof k);
  const mptcp_addr *from = g->from ? g->from : &p->them,
                   *to = g->to ? g->to : &p->us;
  k.src = from->ip;
  k.dst = to->ip;
  k.sport = from->port;
  k.dport = to->port;
  k.seq = g->seq;
  k.ack = g->ack;
  k.tcp_flags = g->flags;
  k.window = (uint16_t)(g->win < 0 ? 65535 : g->win);
  k.ttl = 64;
  k.opts = opt;
  k.opts_len = (size_t)ol;
  k.payload = g->data;
  k.payload_len = g->len;
  mptcp_ssize n = mptcp_pkt_write(&k, pkt, cap);
  ck_assert_int_gt(n, 0);
  return (size_t)n;
}

int tpeer_send(tpeer *p, const tseg *g) {
  uint8_t pkt[2048];
  size_t n = tpeer_build(p, g, pkt, sizeof pkt);
  return mptcp_stack_read_pkt(p->st, NULL, pkt, n, p->now);
}

int tpeer_send_corrupt(tpeer *p, const tseg *g, size_t at, uint8_t mask) {
  uint8_t pkt[2048];
  size_t n = tpeer_build(p, g, pkt, sizeof pkt);
  ck_assert_uint_lt(at, n);
  pkt[at] ^= mask;
  return mptcp_stack_read_pkt(p->st, NULL, pkt, n, p->now);
}

int tpeer_recv(tpeer *p, tseg *got) {
  static uint8_t buf[70000]; /* payload points here until the next call */
  mptcp_pkt_info pi;
  mptcp_ssize n = mptcp_stack_write_pkt(p->st, &pi, buf, sizeof buf, p->now);
  ck_assert_int_ge(n, 0);
  if (n == 0) return 0;
  /* MPTCP_OFFLOAD_TX_CSUM: completed as the NIC would. */
  if (pi.flags & MPTCP_PKT_NEEDS_CSUM)
    gso_csum_complete(buf, (size_t)n, pi.csum_start, pi.csum_offset);
  mptcp_pkt k;
  ck_assert_int_eq(mptcp_pkt_parse(buf, (size_t)n, MPTCP_PKT_VERIFY_CSUM, &k),
                   0);
  if (!p->any_tuple) {
    ck_assert(mptcp_ipaddr_equal(&k.src, &p->us.ip));
    ck_assert(mptcp_ipaddr_equal(&k.dst, &p->them.ip));
  }
  static mptcp_tcpopts o;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, k.tcp_flags, k.payload_len);
  ctx.version = MPTCP_VERSION_1;
  mptcp_tcpopts_parse(k.opts, k.opts_len, &ctx, &o);
  ck_assert_uint_eq(o.n_malformed, 0);
  ck_assert_uint_eq(o.n_mptcp_bad, 0);
  *got = tseg_make(k.seq, k.ack, k.tcp_flags);
  got->src = (mptcp_addr){k.src, k.sport};
  got->dst = (mptcp_addr){k.dst, k.dport};
  got->opts = &o;
  got->win = k.window;
  got->data = k.payload;
  got->len = (uint32_t)k.payload_len;
  got->mss = o.present & MPTCP_HAS_MSS ? o.mss : -1;
  got->ws = o.present & MPTCP_HAS_WSCALE ? o.wscale : -1;
  got->sack_perm = (o.present & MPTCP_HAS_SACK_PERM) != 0;
  got->ts = (o.present & MPTCP_HAS_TS) != 0;
  got->tsval = o.ts_val;
  got->tsecr = o.ts_ecr;
  got->nsack = o.n_sack;
  got->n_mptcp = o.n_mptcp < 4 ? o.n_mptcp : 4;
  for (int i = 0; i < got->n_mptcp; i++) got->mptcp[i] = o.mptcp[i];
  for (int i = 0; i < o.n_sack; i++) {
    got->sack[i][0] = o.sack[i].left;
    got->sack[i][1] = o.sack[i].right;
  }
  return 1;
}

const mptcp_subopt *tseg_mptcp_opt(const tseg *got, int subtype) {
  for (unsigned i = 0; got->opts && i < got->opts->n_mptcp; i++)
    if (got->opts->mptcp[i].subtype == subtype &&
        got->opts->mptcp[i].status == MPTCP_SUBOPT_OK)
      return &got->opts->mptcp[i];
  return NULL;
}

const mptcp_subopt *tseg_mptcp(const tseg *got, int subtype) {
  const mptcp_subopt *so = tseg_mptcp_opt(got, subtype);
  if (so) return so;
  ck_abort_msg("no MPTCP option of subtype %d (seq %u flags %02x)", subtype,
               got->seq, got->flags);
  return NULL;
}

static void fmt_seg(char *b, size_t cap, const tseg *s) {
  snprintf(b, cap,
           "seq=%u ack=%u flags=%02x len=%u win=%d mss=%d ws=%d "
           "sackok=%d ts=%d tsecr=%u nsack=%u",
           s->seq, s->ack, s->flags, s->len, s->win, s->mss, s->ws,
           s->sack_perm, s->ts, s->tsecr, s->nsack);
}

void tpeer_expect_at(const char *file, int line, tpeer *p, const tseg *w) {
  tseg g;
  char bw[200], bg[200];
  fmt_seg(bw, sizeof bw, w);
  if (!tpeer_recv(p, &g))
    ck_abort_msg("%s:%d: expected a segment (%s), nothing sent", file, line,
                 bw);
  fmt_seg(bg, sizeof bg, &g);
  int ok = g.seq == w->seq && g.flags == w->flags && g.len == w->len &&
           (!(w->flags & MPTCP_TH_ACK) || g.ack == w->ack) &&
           (w->win < 0 || g.win == w->win) && (w->mss < 0 || g.mss == w->mss) &&
           (w->ws < 0 || g.ws == w->ws) &&
           (w->sack_perm < 0 || g.sack_perm == w->sack_perm) &&
           (w->ts < 0 || g.ts == w->ts) &&
           (!w->check_tsecr || g.tsecr == w->tsecr) &&
           (!w->check_sack || g.nsack == w->nsack);
  for (int i = 0; ok && w->check_sack && i < w->nsack; i++)
    ok = g.sack[i][0] == w->sack[i][0] && g.sack[i][1] == w->sack[i][1];
  if (ok && w->data && w->len) ok = memcmp(g.data, w->data, w->len) == 0;
  if (!ok)
    ck_abort_msg("%s:%d: at t=%llu\n  got  %s\n  want %s", file, line,
                 (unsigned long long)p->now, bg, bw);
}

void tpeer_expect_none_at(const char *file, int line, tpeer *p) {
  tseg g;
  char bg[200];
  if (tpeer_recv(p, &g)) {
    fmt_seg(bg, sizeof bg, &g);
    ck_abort_msg("%s:%d: expected silence, got %s", file, line, bg);
  }
}

void tpeer_time(tpeer *p, mptcp_tstamp t) {
  ck_assert_uint_ge(t, p->now);
  p->now = t;
  ck_assert_int_eq(mptcp_stack_handle_expiry(p->st, t), 0);
}

mptcp_tstamp tpeer_expiry(const tpeer *p) {
  return mptcp_stack_get_expiry(p->st);
}

uint32_t tpeer_events(tpeer *p) {
  mptcp_event ev;
  uint32_t bits = 0;
  while (mptcp_stack_next_event(p->st, &ev)) {
    if ((ev.events & MPTCP_EV_ACCEPT) && !p->conn) p->conn = ev.conn;
    if (ev.conn == p->conn) bits |= ev.events;
  }
  return bits;
}

uint64_t tpeer_counter(const tpeer *p, const char *name) {
  mptcp_counters c;
  int i = mptcp_counter_find(name);
  ck_assert_msg(i >= 0, "no counter %s", name);
  mptcp_stack_get_counters(p->st, &c);
  return c.v[i];
}

void tpeer_open_active(tpeer *p, uint32_t irs, uint16_t peer_mss) {
  tseg g = tpeer_connect(p, NULL);
  ck_assert_uint_eq(g.flags, MPTCP_TH_SYN);
  tseg sa = tseg_make(irs, p->iss + 1, MPTCP_TH_SYN | MPTCP_TH_ACK);
  sa.mss = peer_mss;
  tpeer_send(p, &sa);
  tseg ack = tseg_make(p->iss + 1, irs + 1, MPTCP_TH_ACK);
  tpeer_expect(p, &ack);
  tpeer_expect_none(p);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_CONNECTED, MPTCP_EV_CONNECTED);
}

void tpeer_open_passive(tpeer *p, uint32_t irs, uint16_t peer_mss) {
  tseg g;
  ck_assert_int_eq(mptcp_stack_listen(p->st, &p->us, 0), 0);
  tseg syn = tseg_make(irs, 0, MPTCP_TH_SYN);
  syn.mss = peer_mss;
  ck_assert_int_eq(tpeer_send(p, &syn), 0);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.flags, MPTCP_TH_SYN | MPTCP_TH_ACK);
  ck_assert_uint_eq(g.ack, irs + 1);
  p->iss = g.seq;
  tpeer_expect_none(p);
  tseg ack = tseg_make(irs + 1, p->iss + 1, MPTCP_TH_ACK);
  tpeer_send(p, &ack);
  tpeer_expect_none(p);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_ACCEPT, MPTCP_EV_ACCEPT);
  ck_assert_ptr_nonnull(p->conn);
}
