/* Offloads (mptcp_settings.offload): a transfer with TSO and a partial
 * TX checksum, its super-segments split and checksums completed the way a
 * kernel does (helper/gso.c), must put on the wire exactly the segments
 * the same transfer puts there without offloads; coalesced (GRO) input
 * must deliver the same data and end in the same ACK as its segments; the
 * RX flags skip the checksum only when asked to.
 * SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "gso.h"
#include "tcheck.h"
#include "tpeer.h"
#include "wire.h"

#define PKT_CAP 65536
#define SEG_MAX 64 /* segments of one super-segment */
#define SEG_CAP 1600

/* A growable record of packets: [u32 length][bytes]... */
typedef struct pktlog {
  uint8_t *b;
  size_t len, cap, n;
} pktlog;

static void log_add(pktlog *l, const uint8_t *p, size_t n) {
  if (l->len + n + 4 > l->cap) {
    l->cap = (l->len + n + 4) * 2;
    l->b = realloc(l->b, l->cap);
    ck_assert_ptr_nonnull(l->b);
  }
  mptcp_put32(l->b + l->len, (uint32_t)n);
  memcpy(l->b + l->len + 4, p, n);
  l->len += n + 4;
  l->n++;
}

/* Two stacks back to back: A sends `total` bytes to B in rounds. */
typedef struct world {
  mptcp_stack *a, *b;
  mptcp_conn *ca, *cb;
  mptcp_tstamp now;
  uint64_t rng_a, rng_b;
  int v6;
  const uint8_t *src;
  size_t total, written, chunk; /* A's app writes `chunk` per round */
  int shut;
  size_t read_max; /* B's app reads at most this per round */
  uint8_t *got;
  size_t n_got;
  int eof;
  pktlog a_out, b_out; /* A's segments (split, normalized), B's */
  size_t supers, super_segs;
  size_t partial; /* A's packets with a partial checksum */
  uint32_t a_una; /* the last ACK field A was given */
  int una_set;
  uint32_t a_offload; /* A's settings.offload */
  int drop_last;      /* drop A's first segment that ends its data */
  uint32_t a_iss;
  size_t dropped, fins, datafins; /* A's FIN segments; with a DATA_FIN */
} world;

static void rand_fn(uint8_t *d, size_t n, void *ud) {
  uint64_t *s = ud;
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)tcheck_prng(s);
}

static void world_init(world *w, const mptcp_settings *sa,
                       const mptcp_settings *sb, int v6, const uint8_t *src,
                       size_t total) {
  memset(w, 0, sizeof *w);
  w->rng_a = 11;
  w->rng_b = 22;
  w->v6 = v6;
  w->src = src;
  w->total = total;
  w->chunk = total;
  w->read_max = SIZE_MAX;
  w->got = malloc(total);
  mptcp_settings s = *sa;
  w->a_offload = sa->offload;
  s.rand = rand_fn;
  ck_assert_int_eq(mptcp_stack_new(&w->a, &s, NULL, &w->rng_a), 0);
  s = *sb;
  s.rand = rand_fn;
  ck_assert_int_eq(mptcp_stack_new(&w->b, &s, NULL, &w->rng_b), 0);
  mptcp_addr la, lb;
  memset(&la, 0, sizeof la);
  memset(&lb, 0, sizeof lb);
  if (v6) {
    tcheck_addr6_db8(&la.ip, 1);
    tcheck_addr6_db8(&lb.ip, 2);
  } else {
    tcheck_addr4(&la.ip, 10, 0, 0, 1);
    tcheck_addr4(&lb.ip, 10, 0, 0, 2);
  }
  la.port = 40000;
  lb.port = 80;
  ck_assert_int_eq(mptcp_stack_listen(w->b, &lb, 0), 0);
  w->now = 1000;
  ck_assert_int_eq(mptcp_conn_connect(w->a, &w->ca, &la, &lb, NULL, w->now), 0);
}

static void world_fini(world *w) {
  mptcp_stack_del(w->a);
  mptcp_stack_del(w->b);
  free(w->got);
  free(w->a_out.b);
  free(w->b_out.b);
}

static int tcp_csum_ok(const uint8_t *b, size_t n) {
  mptcp_pkt p;
  return mptcp_pkt_parse(b, n, MPTCP_PKT_VERIFY_IP_CSUM, &p) == 0 &&
         mptcp_tcp_csum(&p.src, &p.dst, p.tcp, p.tcp_len) == 0;
}

/* What the same segment looks like from a stack without TSO: IPv4 ID 0
 * and PSH on every data segment (the stack's choices), checksums redone.
 * The only bytes in which a split segment may differ. */
static void normalize(uint8_t *b, size_t n) {
  size_t hl = gso_hdr_len(b, n), iph = hl ? (b[0] >> 4 == 4 ? 20 : 40) : 0;
  ck_assert(hl > 0);
  if (n > hl) b[iph + 13] |= MPTCP_TH_PSH;
  if (iph == 20) mptcp_put16(b + 4, 0);
  uint8_t *pk[1] = {b};
  uint8_t tmp[SEG_CAP];
  ck_assert(n <= sizeof tmp);
  size_t m = gso_coalesce(pk, &n, 1, tmp, sizeof tmp);
  ck_assert_uint_eq(m, n);
  memcpy(b, tmp, n);
}

/* Notes A's FIN segments and whether their DSS carries the DATA_FIN;
 * returns 1 for the segment to lose (drop_last). */
static int a_fin_or_drop(world *w, const uint8_t *b, size_t n) {
  mptcp_pkt p;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &p), 0);
  if (p.tcp_flags & MPTCP_TH_SYN) w->a_iss = p.seq;
  if (p.tcp_flags & MPTCP_TH_FIN) {
    mptcp_tcpopts o;
    mptcp_tcpopts_parse(p.opts, p.opts_len, NULL, &o);
    w->fins++;
    for (size_t i = 0; i < o.n_mptcp; i++)
      if (o.mptcp[i].subtype == MPTCP_SUB_DSS &&
          (o.mptcp[i].u.dss.flags & MPTCP_DSS_F))
        w->datafins++;
  }
  int last = p.payload_len &&
             p.seq + (uint32_t)p.payload_len == w->a_iss + 1 + w->total;
  if (!w->drop_last || !last || w->dropped) return 0;
  w->dropped++;
  return 1;
}

/* One of A's segments on the wire: logged, checked against A's windows,
 * handed to B. */
static void a_segment(world *w, uint8_t *b, size_t n, uint32_t wnd) {
  ck_assert_msg(tcp_csum_ok(b, n), "A's segment has a bad checksum");
  if (a_fin_or_drop(w, b, n)) return;
  size_t hl = gso_hdr_len(b, n);
  size_t iph = b[0] >> 4 == 4 ? 20 : 40;
  uint32_t seq = mptcp_get32(b + iph + 4);
  if (n > hl && w->una_set) /* within min(cwnd, peer's window) */
    ck_assert_msg(seq + (uint32_t)(n - hl) - w->a_una <= wnd,
                  "segment ends %u bytes past SND.UNA, window %u",
                  seq + (uint32_t)(n - hl) - w->a_una, wnd);
  ck_assert_int_eq(mptcp_stack_read_pkt(w->b, NULL, b, n, w->now), 0);
  uint8_t c[SEG_CAP];
  ck_assert(n <= sizeof c);
  memcpy(c, b, n);
  normalize(c, n);
  log_add(&w->a_out, c, n);
}

/* Everything A sends now: super-segments split as a kernel would. */
static int a_output(world *w) {
  static uint8_t buf[PKT_CAP];
  static uint8_t segs[SEG_MAX][SEG_CAP];
  size_t lens[SEG_MAX];
  mptcp_pkt_info pi;
  mptcp_ssize n;
  int moved = 0;
  for (;;) {
    mptcp_conn_info ci;
    mptcp_conn_get_info(w->ca, &ci);
    uint32_t wnd = ci.cwnd < ci.snd_wnd ? ci.cwnd : ci.snd_wnd;
    if (ci.mptcp) wnd = ci.snd_wnd; /* the subflow's cwnd is not in ci */
    memset(&pi, 0xa5, sizeof pi);
    n = mptcp_stack_write_pkt(w->a, &pi, buf, sizeof buf, w->now);
    ck_assert_int_ge(n, 0);
    if (n == 0) break;
    moved = 1;
    size_t hl = gso_hdr_len(buf, (size_t)n), iph = buf[0] >> 4 == 4 ? 20 : 40;
    ck_assert_uint_eq(pi.hdr_len, w->a_offload ? hl : 0);
    if (pi.flags & MPTCP_PKT_NEEDS_CSUM) {
      w->partial++;
      ck_assert_uint_eq(pi.csum_start, iph);
      ck_assert_uint_eq(pi.csum_offset, 16);
    } else {
      ck_assert_uint_eq(pi.flags, 0);
    }
    if (!pi.gso_size) {
      ck_assert_uint_eq(pi.gso_type, MPTCP_GSO_NONE);
      ck_assert_uint_le((size_t)n, 1500);
      if (pi.flags & MPTCP_PKT_NEEDS_CSUM)
        gso_csum_complete(buf, (size_t)n, pi.csum_start, pi.csum_offset);
      a_segment(w, buf, (size_t)n, wnd);
      continue;
    }
    ck_assert_uint_eq(pi.gso_type, w->v6 ? MPTCP_GSO_TCPV6 : MPTCP_GSO_TCPV4);
    size_t k =
        gso_split(buf, (size_t)n, pi.gso_size, segs[0], SEG_CAP, lens, SEG_MAX);
    ck_assert_uint_ge(k, 2);
    ck_assert_uint_eq(((size_t)n - hl) % pi.gso_size, 0); /* whole segments */
    w->supers++;
    w->super_segs += k;
    for (size_t i = 0; i < k; i++) {
      ck_assert_uint_eq(lens[i], hl + pi.gso_size);
      /* The kernel's rules: PSH on the last only, the IPv4 ID counting. */
      ck_assert_int_eq((segs[i][iph + 13] & MPTCP_TH_PSH) != 0, i + 1 == k);
      a_segment(w, segs[i], lens[i], wnd);
    }
  }
  return moved;
}

static int b_output(world *w) {
  static uint8_t buf[PKT_CAP];
  mptcp_pkt_info pi;
  mptcp_ssize n;
  int moved = 0;
  while ((n = mptcp_stack_write_pkt(w->b, &pi, buf, sizeof buf, w->now)) > 0) {
    moved = 1;
    ck_assert_uint_eq(pi.gso_size, 0);
    ck_assert(tcp_csum_ok(buf, (size_t)n));
    log_add(&w->b_out, buf, (size_t)n);
    size_t iph = buf[0] >> 4 == 4 ? 20 : 40;
    if (buf[iph + 13] & MPTCP_TH_ACK) {
      w->a_una = mptcp_get32(buf + iph + 8);
      w->una_set = 1;
    }
    ck_assert_int_eq(mptcp_stack_read_pkt(w->a, NULL, buf, (size_t)n, w->now),
                     0);
  }
  ck_assert_int_eq(n, 0);
  return moved;
}

/* The apps' turn; returns whether B's app read something. */
static int apps(world *w) {
  mptcp_event ev;
  int moved = 0;
  while (mptcp_stack_next_event(w->a, &ev)) {
  }
  while (mptcp_stack_next_event(w->b, &ev))
    if (ev.events & MPTCP_EV_ACCEPT) w->cb = ev.conn;
  if (!w->shut && w->written < w->total) {
    size_t k = w->total - w->written;
    if (k > w->chunk) k = w->chunk;
    mptcp_ssize n = mptcp_conn_write(w->ca, w->src + w->written, k, w->now);
    if (n > 0) w->written += (size_t)n;
  }
  if (!w->shut && w->written == w->total) {
    mptcp_conn_shutdown(w->ca, w->now);
    w->shut = 1;
  }
  size_t budget = w->read_max;
  while (w->cb && budget && !w->eof) {
    size_t k = w->total - w->n_got;
    if (k > budget) k = budget;
    if (k == 0) k = 1;
    mptcp_ssize n = mptcp_conn_read(w->cb, w->got + w->n_got, k, w->now);
    if (n == MPTCP_ERR_EOF) w->eof = 1;
    if (n <= 0) break;
    ck_assert_uint_le(w->n_got + (size_t)n, w->total);
    w->n_got += (size_t)n;
    budget -= (size_t)n;
    moved = 1;
  }
  return moved;
}

/* Rounds: the apps, all of A's segments to B, all of B's to A; the clock
 * moves 1 ms a round, to the next timer when nothing moved. */
static void world_run(world *w) {
  for (int r = 0; r < 100000 && !w->eof; r++) {
    int moved = apps(w);
    moved |= a_output(w);
    moved |= apps(w);
    moved |= b_output(w);
    if (!moved) {
      mptcp_tstamp e = mptcp_stack_get_expiry(w->a);
      mptcp_tstamp eb = mptcp_stack_get_expiry(w->b);
      if (eb < e) e = eb;
      ck_assert_msg(e != MPTCP_TSTAMP_NONE, "stalled: %zu of %zu bytes read",
                    w->n_got, w->total);
      if (e > w->now) w->now = e;
      mptcp_stack_handle_expiry(w->a, w->now);
      mptcp_stack_handle_expiry(w->b, w->now);
    } else {
      w->now += 1000;
    }
  }
  ck_assert_msg(w->eof, "transfer did not finish (%zu of %zu bytes)", w->n_got,
                w->total);
  ck_assert_uint_eq(w->n_got, w->total);
  ck_assert(memcmp(w->got, w->src, w->total) == 0);
  mptcp_counters ct;
  mptcp_stack_get_counters(w->b, &ct);
  ck_assert_uint_eq(ct.v[MPTCP_CTR_PKT_CSUM_ERR], 0);
}

typedef struct scenario {
  const char *name;
  int mptcp, checksum, v6;
  size_t rcvbuf, read_max, chunk;
  uint32_t offload, tso_max;
  int want_supers; /* super-segments must occur */
} scenario;

#define ALL_TX (MPTCP_OFFLOAD_TX_CSUM | MPTCP_OFFLOAD_TSO)
static const scenario scenarios[] = {
    {"tcp", 0, 0, 0, 65536, SIZE_MAX, 400000, ALL_TX, 65535, 1},
    {"tcp, tso alone", 0, 0, 0, 65536, SIZE_MAX, 400000, MPTCP_OFFLOAD_TSO,
     65535, 1},
    {"tcp, rwnd 16k, slow reader", 0, 0, 0, 16384, 3000, 400000, ALL_TX, 65535,
     1},
    {"tcp, writes of 3000", 0, 0, 0, 65536, SIZE_MAX, 3000, ALL_TX, 65535, 1},
    {"tcp, ipv6, tso_max 9000", 0, 0, 1, 65536, SIZE_MAX, 400000, ALL_TX, 9000,
     1},
    {"tcp, tx csum alone", 0, 0, 0, 65536, SIZE_MAX, 400000,
     MPTCP_OFFLOAD_TX_CSUM, 0, 0},
    {"mptcp", 1, 0, 0, 65536, SIZE_MAX, 400000, ALL_TX, 65535, 1},
    {"mptcp, slow reader", 1, 0, 0, 32768, 5000, 400000, ALL_TX, 65535, 1},
    {"mptcp, dss checksums", 1, 1, 0, 65536, SIZE_MAX, 400000, ALL_TX, 65535,
     0},
};
#define N_SCENARIOS (int)(sizeof scenarios / sizeof scenarios[0])

static void scenario_settings(const scenario *sc, mptcp_settings *s) {
  mptcp_settings_default(s);
  s->mptcp = (uint8_t)sc->mptcp;
  s->checksum = (uint8_t)sc->checksum;
  s->sndbuf = 256 * 1024;
  s->rcvbuf = sc->rcvbuf;
}

static void scenario_run(world *w, const scenario *sc, int offload,
                         const uint8_t *src, size_t total) {
  mptcp_settings sa, sb;
  scenario_settings(sc, &sa);
  scenario_settings(sc, &sb);
  if (offload) {
    sa.offload = sc->offload;
    sa.tso_max = sc->tso_max;
  }
  world_init(w, &sa, &sb, sc->v6, src, total);
  w->read_max = sc->read_max;
  w->chunk = sc->chunk;
  world_run(w);
}

/* The segments on the wire with TSO and TX checksum offload, split and
 * completed as a kernel does, are those without: byte for byte but for the
 * IPv4 ID and PSH that the split sets (checked apart), both directions. */
START_TEST(test_tso_equivalence) {
  const scenario *sc = &scenarios[_i];
  size_t total = 300000;
  uint8_t *src = malloc(total);
  uint64_t r = 7;
  for (size_t i = 0; i < total; i++) src[i] = (uint8_t)tcheck_prng(&r);
  world ref, off;
  scenario_run(&ref, sc, 0, src, total);
  scenario_run(&off, sc, 1, src, total);
  ck_assert_uint_eq(ref.supers, 0);
  ck_assert_uint_eq(ref.partial, 0);
  /* With TX checksum offload, every packet of the connection (the
   * completed sums verified: B counted no checksum error). */
  if (sc->offload & MPTCP_OFFLOAD_TX_CSUM)
    ck_assert_uint_eq(off.partial + off.super_segs - off.supers, off.a_out.n);
  else
    ck_assert_uint_eq(off.partial, 0);
  if (sc->want_supers)
    ck_assert_msg(off.supers > 0, "%s: no super-segment", sc->name);
  else
    ck_assert_msg(off.supers == 0, "%s: super-segments", sc->name);
  ck_assert_msg(ref.a_out.n == off.a_out.n, "%s: %zu segments, %zu with TSO",
                sc->name, ref.a_out.n, off.a_out.n);
  ck_assert_uint_eq(ref.a_out.len, off.a_out.len);
  size_t at = 0, k = 0;
  while (at < ref.a_out.len) { /* the first segment that differs */
    size_t n = mptcp_get32(ref.a_out.b + at) + 4;
    ck_assert_msg(memcmp(ref.a_out.b + at, off.a_out.b + at, n) == 0,
                  "%s: segment %zu of A differs", sc->name, k);
    at += n;
    k++;
  }
  ck_assert_uint_eq(ref.b_out.n, off.b_out.n);
  ck_assert(ref.b_out.len == off.b_out.len &&
            memcmp(ref.b_out.b, off.b_out.b, ref.b_out.len) == 0);
  mptcp_counters ca, cb;
  mptcp_stack_get_counters(ref.a, &ca);
  mptcp_stack_get_counters(off.a, &cb);
  ck_assert_uint_eq(ca.v[MPTCP_CTR_TCP_OUT_SEGS], cb.v[MPTCP_CTR_TCP_OUT_SEGS]);
  if (sc->want_supers)
    ck_assert_msg(off.super_segs * 2 > off.a_out.n,
                  "%s: only %zu of %zu segments in super-segments", sc->name,
                  off.super_segs, off.a_out.n);
  world_fini(&ref);
  world_fini(&off);
  free(src);
}
END_TEST

/* MPTCP with offloads, the segment that ends A's data lost: every FIN
 * segment carries the DATA_FIN (a FIN on a resend that needs its mapping
 * and so cannot carry the DATA_FIN was acked by Linux, which never
 * acknowledged the DATA_FIN then: the close hung, interop b-tbf-mptcp
 * with --offload). The FIN now waits until the data is all DATA_ACKed
 * (RFC 8684 §3.3.3), so it goes after the resend. */
START_TEST(test_fin_resend_keeps_data_fin) {
  size_t total = 200000 + 588;
  uint8_t *src = malloc(total);
  uint64_t r = 9;
  for (size_t i = 0; i < total; i++) src[i] = (uint8_t)tcheck_prng(&r);
  mptcp_settings sa;
  ck_assert_str_eq(scenarios[6].name, "mptcp");
  scenario_settings(&scenarios[6], &sa);
  sa.offload = ALL_TX | MPTCP_OFFLOAD_RX_CSUM;
  sa.tso_max = 65535;
  mptcp_settings sb = sa; /* B's packets go to A unsplit, as they are */
  sb.offload = MPTCP_OFFLOAD_RX_CSUM;
  world w;
  world_init(&w, &sa, &sb, 0, src, total);
  w.drop_last = 1;
  world_run(&w);
  ck_assert_uint_eq(w.dropped, 1);
  ck_assert_uint_gt(w.supers, 0);
  ck_assert_uint_ge(w.fins, 1);
  ck_assert_msg(w.datafins == w.fins,
                "%zu of %zu FIN segments without DATA_FIN", w.fins - w.datafins,
                w.fins);
  world_fini(&w);
  free(src);
}
END_TEST

/* Plain TCP with the given offloads. */
static void tcp_settings(mptcp_settings *s, uint32_t offload) {
  mptcp_settings_default(s);
  s->mptcp = 0;
  s->offload = offload;
}

/* Plain TCP, B with offloads @p b_offload, up to the point where A has
 * just sent `n_segs` full segments of @p src that B has not seen: returned
 * in segs/lens. */
static void gro_setup(world *w, uint32_t b_offload, uint8_t (*segs)[SEG_CAP],
                      size_t *lens, size_t n_segs, const uint8_t *src,
                      size_t total) {
  mptcp_settings sa, sb;
  tcp_settings(&sa, 0);
  tcp_settings(&sb, b_offload);
  world_init(w, &sa, &sb, 0, src, total);
  w->shut = 1; /* the test writes itself */
  w->read_max = 0;
  while (!w->cb) {
    apps(w);
    a_output(w);
    b_output(w);
    w->now += 1000;
  }
  mptcp_conn_write(w->ca, src, n_segs * 1448, w->now);
  static uint8_t buf[PKT_CAP];
  mptcp_pkt_info pi;
  for (size_t i = 0; i < n_segs; i++) {
    mptcp_ssize n = mptcp_stack_write_pkt(w->a, &pi, buf, sizeof buf, w->now);
    ck_assert_int_eq(n, 20 + 32 + 1448);
    memcpy(segs[i], buf, (size_t)n);
    lens[i] = (size_t)n;
  }
}

/* B's answers now, into l. */
static void b_answers(world *w, pktlog *l) {
  static uint8_t buf[PKT_CAP];
  mptcp_ssize n;
  while ((n = mptcp_stack_write_pkt(w->b, NULL, buf, sizeof buf, w->now)) > 0)
    log_add(l, buf, (size_t)n);
}

/* GRO: N coalesced segments deliver what the N segments deliver and end
 * in the same ACK, sent at once (two or more segments' worth), as N
 * segments one by one end in it (every second one acknowledged). Variant
 * _i: 0 no packet info; 1 gso_size given and DATA_VALID with RX offload;
 * 2 NEEDS_CSUM (the field holds the pseudo-header sum) with RX offload. */
START_TEST(test_gro_equivalence) {
  static uint8_t segs[SEG_MAX][SEG_CAP];
  static uint8_t big[PKT_CAP];
  size_t lens[SEG_MAX], total = 64 * 1448;
  uint8_t *src = malloc(total);
  uint64_t r = 9;
  for (size_t i = 0; i < total; i++) src[i] = (uint8_t)tcheck_prng(&r);
  uint32_t rx = _i ? MPTCP_OFFLOAD_RX_CSUM : 0;
  size_t n_segs = 10;
  world one, gro;
  pktlog a1 = {0}, a2 = {0};
  gro_setup(&one, rx, segs, lens, n_segs, src, total);
  for (size_t i = 0; i < n_segs; i++) {
    ck_assert_int_eq(
        mptcp_stack_read_pkt(one.b, NULL, segs[i], lens[i], one.now), 0);
    b_answers(&one, &a1);
  }
  gro_setup(&gro, rx, segs, lens, n_segs, src, total);
  uint8_t *pk[SEG_MAX];
  for (size_t i = 0; i < n_segs; i++) pk[i] = segs[i];
  size_t n = gso_coalesce(pk, lens, n_segs, big, sizeof big);
  ck_assert_uint_eq(n, 20 + 32 + n_segs * 1448);
  mptcp_pkt_info pi;
  memset(&pi, 0, sizeof pi);
  pi.gso_size = 1448;
  pi.flags = _i == 1 ? MPTCP_PKT_DATA_VALID : MPTCP_PKT_NEEDS_CSUM;
  if (_i == 2) { /* partial: what a kernel hands a TUN reader */
    uint16_t ps = (uint16_t)mptcp_csum_fold(mptcp_csum_partial(big + 12, 8, 6) +
                                            (uint32_t)(n - 20));
    mptcp_put16(big + 20 + 16, ps);
  }
  ck_assert_int_eq(
      mptcp_stack_read_pkt(gro.b, _i ? &pi : NULL, big, n, gro.now), 0);
  b_answers(&gro, &a2);
  ck_assert_uint_eq(a1.n, n_segs / 2);
  ck_assert_uint_eq(a2.n, 1);
  /* The ACK after the coalesced packet is the last one after the
   * segments. */
  size_t last = 0, at = 0;
  while (at < a1.len) {
    last = at;
    at += mptcp_get32(a1.b + at) + 4;
  }
  ck_assert_uint_eq(a1.len - last, a2.len);
  ck_assert(memcmp(a1.b + last, a2.b, a2.len) == 0);
  /* The same data delivered. */
  uint8_t got1[20000], got2[20000];
  mptcp_ssize g1 = mptcp_conn_read(one.cb, got1, sizeof got1, one.now);
  mptcp_ssize g2 = mptcp_conn_read(gro.cb, got2, sizeof got2, gro.now);
  ck_assert_int_eq(g1, (mptcp_ssize)(n_segs * 1448));
  ck_assert_int_eq(g2, g1);
  ck_assert(memcmp(got1, got2, (size_t)g1) == 0);
  ck_assert(memcmp(got1, src, (size_t)g1) == 0);
  free(a1.b);
  free(a2.b);
  world_fini(&one);
  world_fini(&gro);
  free(src);
}
END_TEST

/* A coalesced packet of one and a half segments is acknowledged at once
 * too (it holds two), where a lone segment waits for the delayed ACK. */
START_TEST(test_gro_acks_at_once) {
  static uint8_t segs[SEG_MAX][SEG_CAP], src[4 * 1448];
  size_t lens[SEG_MAX];
  world w;
  pktlog l = {0};
  gro_setup(&w, 0, segs, lens, 2, src, sizeof src);
  ck_assert_int_eq(mptcp_stack_read_pkt(w.b, NULL, segs[0], lens[0], w.now), 0);
  b_answers(&w, &l);
  ck_assert_uint_eq(l.n, 0); /* one segment: the delayed ACK */
  /* The second segment and 700 more bytes in one packet. */
  static uint8_t big[4000];
  memcpy(big, segs[1], lens[1]);
  memset(big + lens[1], 0x5a, 700);
  size_t n = lens[1] + 700;
  uint8_t *pk[1] = {big};
  static uint8_t out[4000];
  n = gso_coalesce(pk, &n, 1, out, sizeof out);
  ck_assert_int_eq(mptcp_stack_read_pkt(w.b, NULL, out, n, w.now), 0);
  b_answers(&w, &l);
  ck_assert_uint_eq(l.n, 1);
  mptcp_conn_info ci;
  mptcp_conn_get_info(w.cb, &ci);
  ck_assert_uint_eq(ci.bytes_received, 2 * 1448 + 700);
  free(l.b);
  world_fini(&w);
}
END_TEST

/* Feeds @p g as one coalesced packet whose segments were @p gso bytes
 * long (0: read_pkt is not told), as a virtio-net header says. */
static void send_gro(tpeer *p, const tseg *g, int v6, uint16_t gso) {
  static uint8_t pkt[4000];
  size_t n = tpeer_build(p, g, pkt, sizeof pkt);
  mptcp_pkt_info pi;
  memset(&pi, 0, sizeof pi);
  pi.gso_type = v6 ? MPTCP_GSO_TCPV6 : MPTCP_GSO_TCPV4;
  pi.gso_size = gso;
  ck_assert_int_eq(
      mptcp_stack_read_pkt(p->st, gso ? &pi : NULL, pkt, n, p->now), 0);
}

/* The caller's gso_size (virtio-net: the MSS of the segments GRO merged)
 * says how many segments a coalesced packet holds, for the ACK of every
 * second segment and for TcpInSegs, whatever our own MSS (1000 here,
 * while the peer may send up to 1460): two 400-byte segments in 800
 * bytes are acknowledged at once; a 1400-byte packet of one segment waits
 * for the next; two of 1400 are two. Not told, a packet longer than the
 * MSS counts as two or more. _i: IPv6. */
START_TEST(test_gro_counts_gso_size) {
  static uint8_t d[2800];
  tpeer p;
  tpeer_init(&p, NULL, _i);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  static const struct {
    uint32_t len;
    uint16_t gso;
    int acked, segs;
  } step[] = {
      {800, 400, 1, 2},   {1400, 1400, 0, 1}, {1400, 1400, 1, 1},
      {2800, 1400, 1, 2}, {1400, 0, 1, 1},
  };
  uint32_t r = 5001;
  for (size_t i = 0; i < sizeof step / sizeof step[0]; i++) {
    uint64_t in0 = tpeer_counter(&p, "TcpInSegs");
    tseg g = tseg_make(r, s0, MPTCP_TH_ACK);
    g.data = d;
    g.len = step[i].len;
    send_gro(&p, &g, _i, step[i].gso);
    r += step[i].len;
    ck_assert_uint_eq(tpeer_counter(&p, "TcpInSegs"), in0 + step[i].segs);
    if (step[i].acked) {
      tseg ack = tseg_make(s0, r, MPTCP_TH_ACK);
      tpeer_expect(&p, &ack);
    }
    tpeer_expect_none(&p);
  }
  uint8_t b[8000];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now),
                   (int)(r - 5001));
  tpeer_fini(&p);
}
END_TEST

/* The RX flags skip the TCP checksum only with MPTCP_OFFLOAD_RX_CSUM: a
 * segment with a wrong checksum marked DATA_VALID is dropped without it
 * and taken with it. */
START_TEST(test_rx_flags_need_setting) {
  static uint8_t segs[SEG_MAX][SEG_CAP], src[4 * 1448];
  size_t lens[SEG_MAX];
  for (int on = 0; on < 2; on++) {
    world w;
    gro_setup(&w, on ? MPTCP_OFFLOAD_RX_CSUM : 0, segs, lens, 1, src,
              sizeof src);
    segs[0][20 + 17] ^= 0x40; /* the checksum is wrong now */
    mptcp_pkt_info pi;
    memset(&pi, 0, sizeof pi);
    pi.flags = MPTCP_PKT_DATA_VALID;
    ck_assert_int_eq(mptcp_stack_read_pkt(w.b, &pi, segs[0], lens[0], w.now),
                     0);
    mptcp_counters ct;
    mptcp_stack_get_counters(w.b, &ct);
    mptcp_conn_info ci;
    mptcp_conn_get_info(w.cb, &ci);
    ck_assert_uint_eq(ct.v[MPTCP_CTR_PKT_CSUM_ERR], on ? 0 : 1);
    ck_assert_uint_eq(ci.bytes_received, on ? 1448 : 0);
    world_fini(&w);
  }
}
END_TEST

/* Bad offload settings are refused. */
START_TEST(test_offload_settings) {
  mptcp_settings s;
  mptcp_stack *st;
  mptcp_settings_default(&s);
  s.offload = 0x8;
  ck_assert_int_eq(mptcp_stack_new(&st, &s, NULL, NULL), MPTCP_ERR_INVALID_ARG);
  mptcp_settings_default(&s);
  s.offload = MPTCP_OFFLOAD_TSO;
  s.tso_max = 65536;
  ck_assert_int_eq(mptcp_stack_new(&st, &s, NULL, NULL), MPTCP_ERR_INVALID_ARG);
}
END_TEST

Suite *suite_offload(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_tso_equivalence, N_SCENARIOS),
      TCHECK_LOOP(test_gro_equivalence, 3),
      TCHECK_TEST(test_gro_acks_at_once),
      TCHECK_LOOP(test_gro_counts_gso_size, 2),
      TCHECK_TEST(test_rx_flags_need_setting),
      TCHECK_TEST(test_offload_settings),
      TCHECK_TEST(test_fin_resend_keeps_data_fin),
  };
  return tcheck_suite("offload", tests, sizeof tests / sizeof tests[0]);
}
