/*
 * MPTCP between two stacks of ours, wired back to back in memory: the
 * MP_CAPABLE handshake, data both ways under DSS mappings and DATA_ACKs,
 * DATA_FIN, and the fallbacks decided at handshake time (a peer without
 * MPTCP, a v0 offer to a v1-only listener).
 * SPDX-License-Identifier: MIT
 */
#include "mpair.h"
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(test_mptcp_v1_transfer) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  pair_transfer(&p, 300000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_eq(ib.mptcp, 1);
  ck_assert_uint_eq(ia.mptcp_version, 1);
  ck_assert_uint_eq(ia.fallback, 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPCapableSYNRX"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPCapableACKRX"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPCapableSYNACKRX"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPDataFinRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPDataFinRx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPDSSNoMapping"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNoMapping"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNotMatching"), 0);
  pair_fini(&p);
}
END_TEST

/* Every 7th packet lost: retransmissions repeat their mappings. */
START_TEST(test_mptcp_v1_loss) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  p.drop_every = 7 + _i;
  pair_transfer(&p, 200000);
  mptcp_conn_info ia;
  mptcp_conn_get_info(p.ca, &ia);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_gt(ia.retransmits, 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNotMatching"), 0);
  pair_fini(&p);
}
END_TEST

/* §2.7 row 1: a listener without MPTCP answers a plain SYN/ACK; the
 * client runs TCP and says it fell back. */
START_TEST(test_mptcp_fallback_plain_listener) {
  mptcp_settings sa, sb;
  pair_settings(&sa);
  pair_settings(&sb);
  sb.mptcp = 0;
  pair p;
  pair_init(&p, &sa, &sb);
  pair_transfer(&p, 50000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, 0);
  ck_assert_uint_eq(ia.fallback, 1);
  ck_assert_uint_eq(ib.mptcp, 0);
  ck_assert_uint_eq(ib.fallback, 0);
  ck_assert_uint_eq(pair_counter(p.a, "MPCapableFallbackSYNACK"), 1);
  pair_fini(&p);
}
END_TEST

/* A v0 client against a listener that takes v0: v0 end to end. Against a
 * v1-only listener: plain TCP. */
START_TEST(test_mptcp_v0) {
  mptcp_settings sa, sb;
  pair_settings(&sa);
  pair_settings(&sb);
  sa.mptcp_version = 0;
  sb.mptcp_v0 = _i == 0;
  pair p;
  pair_init(&p, &sa, &sb);
  pair_transfer(&p, 100000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, _i == 0);
  ck_assert_uint_eq(ib.mptcp, _i == 0);
  ck_assert_uint_eq(ia.mptcp_version, 0);
  ck_assert_uint_eq(ia.fallback, _i == 1);
  pair_fini(&p);
}
END_TEST

/* DSS checksums (§3.3.1): asked by either side, both use them; clean and
 * lossy transfers stay intact. */
START_TEST(test_mptcp_checksum) {
  mptcp_settings sa, sb;
  pair_settings(&sa);
  pair_settings(&sb);
  sa.checksum = _i != 1; /* 0: both, 1: listener only, 2: client only */
  sb.checksum = _i != 2;
  pair p;
  pair_init(&p, &sa, &sb);
  p.drop_every = 9;
  pair_transfer(&p, 150000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_eq(ia.checksum, 1);
  ck_assert_uint_eq(ib.checksum, 1);
  ck_assert_uint_eq(pair_counter(p.a, "DataCsumErr"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "DataCsumErr"), 0);
  pair_fini(&p);
}
END_TEST

/* What crossed the wire of an MP_FAIL exchange, per sender (0 B, 1 A). */
typedef struct failwatch {
  int corrupt_b; /* rewrite B's Nth large data packet (0: none) */
  int b_pkts;
  int fail_ack[2];  /* MP_FAIL on segments that are not RSTs */
  int fail_rst;     /* any RST with MP_FAIL */
  int infmap[2];    /* infinite mappings (DSS, DLL 0) */
  int dss_after[2]; /* DSS after the sender's infinite mapping */
} failwatch;

static const mptcp_subopt *sub(const mptcp_tcpopts *o, uint8_t subtype) {
  for (unsigned i = 0; i < o->n_mptcp; i++)
    if (o->mptcp[i].subtype == subtype) return &o->mptcp[i];
  return NULL;
}

static int watch_fail(pair *p, int from_a, uint8_t *b, size_t n) {
  failwatch *w = p->ud;
  if (!from_a && n > 200 && w->corrupt_b && ++w->b_pkts == w->corrupt_b)
    pair_corrupt(b, n);
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  mptcp_tcpopts o;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, pk.tcp_flags, pk.payload_len);
  mptcp_tcpopts_parse(pk.opts, pk.opts_len, &ctx, &o);
  const mptcp_subopt *f = sub(&o, MPTCP_SUB_FAIL);
  const mptcp_subopt *d = sub(&o, MPTCP_SUB_DSS);
  if (f && (pk.tcp_flags & MPTCP_TH_RST)) w->fail_rst++;
  if (f && !(pk.tcp_flags & MPTCP_TH_RST)) w->fail_ack[from_a]++;
  if (d && (d->u.dss.flags & MPTCP_DSS_M) && d->u.dss.dll == 0)
    w->infmap[from_a]++;
  else if (d && w->infmap[from_a])
    w->dss_after[from_a]++;
  return 1;
}

/* Both ends run plain TCP after MPTCP, say so, told the app, and were
 * never reset. */
static void both_fell_back(const pair *p) {
  mptcp_conn *c[2] = {p->ca, p->cb};
  uint32_t ev[2] = {p->ev_a, p->ev_b};
  for (int k = 0; k < 2; k++) {
    mptcp_conn_info ci;
    mptcp_conn_get_info(c[k], &ci);
    ck_assert_uint_eq(ci.mptcp, 0);
    ck_assert_uint_eq(ci.fallback, 1);
    ck_assert_uint_eq(ev[k] & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
    ck_assert_uint_eq(ev[k] & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  }
}

/* §3.7 on a single subflow: a middlebox rewrites one payload packet but
 * keeps the TCP checksum valid. With DSS checksums the receiver (the
 * finder) notices, sends MP_FAIL on an ACK (no reset), the sender answers
 * with MP_FAIL and an infinite mapping that resends from the finder's
 * DATA_ACK, and both fall back to TCP: both streams arrive complete and
 * unaltered (pair_transfer compares every byte and the ends). _i: 0 v1,
 * 1 v0, 2 v1 with loss (A's packet rewritten, B finds it); 3 B's packet
 * rewritten, A (the client) finds it. */
/* A pair with DSS checksums (MPTCP @p version) under watch_fail. */
static void fail_pair(pair *p, failwatch *w, uint8_t version) {
  mptcp_settings s;
  pair_settings(&s);
  s.checksum = 1;
  s.mptcp_version = version;
  s.mptcp_v0 = 1;
  pair_init(p, &s, &s);
  memset(w, 0, sizeof *w);
  p->ud = w;
  p->filter = watch_fail;
}

START_TEST(test_mptcp_checksum_fail_fallback) {
  pair p;
  failwatch w;
  fail_pair(&p, &w, _i == 1 ? 0 : 1);
  if (_i == 3)
    w.corrupt_b = 5;
  else
    p.corrupt_nth = 5;
  if (_i == 2) p.drop_every = 11;
  pair_transfer(&p, 200000);
  /* snd: the sender of the rewritten packet, fnd: its finder */
  mptcp_stack *snd = _i == 3 ? p.b : p.a, *fnd = _i == 3 ? p.a : p.b;
  int from_snd = _i != 3, from_fnd = _i == 3;
  ck_assert_int_ge(_i == 3 ? w.b_pkts : p.data_pkts, 5); /* rewritten */
  ck_assert_uint_eq(pair_counter(fnd, "DataCsumErr"), 1);
  ck_assert_uint_eq(pair_counter(snd, "DataCsumErr"), 0);
  ck_assert_uint_ge(pair_counter(fnd, "MPFailTx"), 1);
  ck_assert_uint_ge(pair_counter(snd, "MPFailRx"), 1);
  ck_assert_uint_eq(pair_counter(snd, "MPFailTx"), 1); /* the answer */
  ck_assert_uint_eq(pair_counter(snd, "InfiniteMapTx"), 1);
  ck_assert_uint_eq(pair_counter(fnd, "InfiniteMapTx"), 0);
  ck_assert_uint_ge(pair_counter(fnd, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(pair_counter(fnd, "InfiniteMapBadDsn"), 0);
  ck_assert_uint_eq(pair_counter(fnd, "InfiniteMapRetroactive"), 0);
  ck_assert_uint_eq(pair_counter(fnd, "MPFailTimeout"), 0);
  ck_assert_uint_eq(pair_counter(p.a, "TcpRstSent"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "TcpRstSent"), 0);
  ck_assert_int_ge(w.fail_ack[from_fnd], 1);
  ck_assert_int_eq(w.fail_ack[from_snd], 1);
  ck_assert_int_eq(w.fail_rst, 0);
  ck_assert_int_ge(w.infmap[from_snd], 1);
  ck_assert_int_eq(w.infmap[from_fnd], 0);
  ck_assert_int_eq(w.dss_after[from_snd], 0); /* plain TCP after it */
  both_fell_back(&p);
  pair_fini(&p);
}
END_TEST

/* 10 ms each way; a pure ACK with MP_FAIL takes 30 ms (a slow return
 * path), so data sent after it can overtake it. */
static mptcp_tstamp slow_fail(pair *p, int from_a, const uint8_t *b, size_t n) {
  (void)p, (void)from_a;
  size_t len;
  return pair_find_mptcp(b, n, MPTCP_SUB_FAIL, &len) ? 30000 : 10000;
}

static mptcp_tstamp ms10(pair *p, int from_a, const uint8_t *b, size_t n) {
  (void)p, (void)from_a, (void)b, (void)n;
  return 10000;
}

/* §3.7 in both directions: one packet each way is rewritten in the same
 * round trip, so both ends find a bad checksum. _i 0-2 (A's 10th or 8th
 * data packet, B's 2nd to 4th; 10 ms each way): each sends MP_FAIL before
 * it hears the other's, takes the other's repeated MP_FAIL as a report
 * crossing its own, takes the bytes it holds (the rewritten one too) and
 * falls back at once, both directions, without resending: both streams
 * arrive complete, each with its one rewritten byte. _i 3 (the 5th
 * packets, MP_FAIL as fast as data): B's MP_FAIL reaches A just before
 * B's rewritten packet, so A
 * answers, takes that packet as TCP would, and resends from B's DATA_ACK
 * under its infinite mapping: only B -> A keeps its rewritten byte. */
START_TEST(test_mptcp_checksum_fail_crossed) {
  int cross = _i < 3;
  pair p;
  failwatch w;
  fail_pair(&p, &w, 1);
  p.delay = cross ? slow_fail : ms10;
  p.corrupt_nth = cross ? 10 - 2 * (_i == 1) : 5;
  w.corrupt_b = cross ? 2 + _i : 5;
  p.diff_ab = (size_t)cross;
  p.diff_ba = 1;
  pair_transfer(&p, 200000);
  ck_assert_int_ge(w.b_pkts, w.corrupt_b);
  ck_assert_int_ge(p.data_pkts, p.corrupt_nth);
  mptcp_stack *st[2] = {p.b, p.a}; /* by failwatch index: 0 B, 1 A */
  for (int k = 0; k < 2; k++) {
    ck_assert_uint_eq(pair_counter(st[k], "DataCsumErr"), 1);
    ck_assert_uint_eq(pair_counter(st[k], "InfiniteMapBadDsn"), 0);
    ck_assert_uint_eq(pair_counter(st[k], "MPFailTimeout"), 0);
    ck_assert_uint_eq(pair_counter(st[k], "TcpRstSent"), 0);
    ck_assert_int_eq(w.dss_after[k], 0); /* plain TCP after it */
    ck_assert_int_ge(w.infmap[k], cross || k == 1);
    if (!cross && k == 0) ck_assert_int_eq(w.infmap[k], 0);
    if (!cross) continue;
    /* Its report and the one more that makes the peer's a repeat. */
    ck_assert_uint_ge(pair_counter(st[k], "MPFailTx"), 2);
    ck_assert_int_ge(w.fail_ack[k], 2);
    ck_assert_uint_eq(pair_counter(st[k], "MPFailCrossed"), 1);
    ck_assert_uint_eq(pair_counter(st[k], "InfiniteMapRetroactive"), 1);
    ck_assert_uint_eq(pair_counter(st[k], "InfiniteMapImplicit"), 0);
    ck_assert_uint_eq(pair_counter(st[k], "InfiniteMapTx"), 1);
  }
  if (!cross) {
    ck_assert_uint_eq(pair_counter(p.a, "MPFailTx"), 1); /* the answer */
    ck_assert_uint_ge(pair_counter(p.b, "MPFailTx"), 1);
    ck_assert_uint_eq(pair_counter(p.a, "InfiniteMapTx"), 1);
    ck_assert_uint_eq(pair_counter(p.b, "InfiniteMapTx"), 0);
    ck_assert_uint_ge(pair_counter(p.b, "InfiniteMapRx"), 1);
    ck_assert_uint_eq(pair_counter(p.b, "InfiniteMapRetroactive"), 0);
    ck_assert_uint_eq(pair_counter(p.a, "MPFailCrossed") +
                          pair_counter(p.b, "MPFailCrossed"),
                      0);
  }
  ck_assert_int_eq(w.fail_rst, 0);
  both_fell_back(&p);
  pair_fini(&p);
}
END_TEST

/* RFC 9293 §3.7.1: options count against the peer's MSS. Without
 * timestamps a data segment's DSS leaves room for a SACK block; losses
 * both ways put one on data segments, which then carry less payload
 * (pair_pump checks every packet against MSS 1460 + 40). */
START_TEST(test_mptcp_sack_within_mss) {
  mptcp_settings s;
  pair_settings(&s);
  s.timestamps = 0;
  s.sack = 1;
  pair p;
  pair_init(&p, &s, &s);
  p.drop_every = 7 + _i;
  pair_transfer(&p, 100000);
  pair_fini(&p);
}
END_TEST

/* RFC 8684 §3.1: MP_CAPABLE SYNs that get no answer (a middlebox dropping
 * them) are followed by plain SYNs after settings.mptcp_syn_retries. */
START_TEST(test_mptcp_syn_blackhole) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  p.drop_first_a = _i + 1; /* 1: the retry keeps MP_CAPABLE; 2: it does not */
  pair_transfer(&p, 30000);
  mptcp_conn_info ia;
  mptcp_conn_get_info(p.ca, &ia);
  ck_assert_uint_eq(ia.mptcp, _i == 0);
  ck_assert_uint_eq(ia.fallback, _i == 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPCapableSYNWithout"), _i == 1);
  pair_fini(&p);
}
END_TEST

/* RFC 8684 §3.5: an abort resets the subflow with MP_FASTCLOSE (the peer's
 * key) and MP_TCPRST; the peer checks the key, counts it and reports a
 * reset. */
START_TEST(test_mptcp_fastclose) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  uint8_t data[5000] = {1};
  for (int r = 0; r < 100 && !p.cb; r++) pair_step(&p);
  ck_assert_ptr_nonnull(p.cb);
  ck_assert_int_gt(mptcp_conn_write(p.ca, data, sizeof data, p.now), 0);
  pair_pump(&p);
  mptcp_conn_abort(p.ca, p.now);
  uint8_t buf[2048];
  mptcp_ssize n = mptcp_stack_write_pkt(p.a, NULL, buf, sizeof buf, p.now);
  ck_assert_int_gt(n, 0);
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(buf, (size_t)n, MPTCP_PKT_VERIFY_CSUM, &pk),
                   0);
  ck_assert_uint_eq(pk.tcp_flags & MPTCP_TH_RST, MPTCP_TH_RST);
  mptcp_tcpopts o;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, pk.tcp_flags, pk.payload_len);
  mptcp_tcpopts_parse(pk.opts, pk.opts_len, &ctx, &o);
  ck_assert_uint_eq(o.n_mptcp, 2);
  ck_assert_uint_eq(o.mptcp[0].subtype, MPTCP_SUB_FASTCLOSE);
  ck_assert_uint_eq(o.mptcp[1].subtype, MPTCP_SUB_TCPRST);
  mptcp_stack_read_pkt(p.b, NULL, buf, (size_t)n, p.now);
  mptcp_event ev;
  uint32_t evs = 0;
  while (mptcp_stack_next_event(p.b, &ev)) evs |= ev.events;
  ck_assert_uint_eq(evs & MPTCP_EV_RESET, MPTCP_EV_RESET);
  ck_assert_uint_eq(pair_counter(p.b, "MPFastcloseRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPRstRx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPFastcloseTx"), 1);
  pair_fini(&p);
}
END_TEST

/* Drops A's data packet number ((int *)p->ud)[0] (from 1) once. */
static int drop_one_data(pair *p, int from_a, uint8_t *b, size_t n) {
  int *w = p->ud;
  mptcp_pkt pk;
  if (!from_a || mptcp_pkt_parse(b, n, 0, &pk) || !pk.payload_len) return 1;
  return ++w[1] != w[0];
}

static mptcp_tstamp delay_10ms(pair *p, int from_a, const uint8_t *b,
                               size_t n) {
  (void)p, (void)from_a, (void)b, (void)n;
  return 10000;
}

/* DSS checksums (a mapping per segment), MSS 200 and a window of far more
 * segments than the receiver's table of mappings (MPTCP_RXMAPS_MAX): one
 * segment lost puts more mappings than that behind the hole. Mappings checked
 * ahead of order make room for the resent one (a table that gave nothing up
 * dropped it on every resend); every byte arrives intact (pair_push compares
 * them). _i: which data packet. */
START_TEST(test_mptcp_checksum_hole_many_maps) {
  mptcp_settings s;
  pair_settings(&s);
  s.checksum = 1;
  s.sndbuf = s.rcvbuf = 1 << 20;
  s.mss = 200; /* many segments in a window */
  /* The packets dropped were chosen for 64-bit DSN segment sizes (32-bit
   * DSNs put the hole where fewer mappings are behind it). */
  s.dsn64 = 1;
  pair p;
  pair_init(&p, &s, &s);
  int w[2] = {_i ? 12000 : 13000, 0};
  p.ud = w;
  p.filter = drop_one_data;
  p.delay = delay_10ms; /* a window of segments in flight */
  pair_connected(&p);
  pair_push(&p, 1, 2000000);
  ck_assert_int_gt(w[1], w[0]); /* the packet was dropped */
  ck_assert_uint_gt(pair_counter(p.b, "MPDSSCsumAhead"), 128);
  ck_assert_uint_ge(pair_counter(p.b, "MPDSSMappingsEvicted"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "DataCsumErr"), 0);
  pair_fini(&p);
}
END_TEST

Suite *suite_mptcp(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mptcp_v1_transfer),
      TCHECK_LOOP(test_mptcp_v1_loss, 4),
      TCHECK_TEST(test_mptcp_fallback_plain_listener),
      TCHECK_LOOP(test_mptcp_v0, 2),
      TCHECK_LOOP(test_mptcp_checksum, 3),
      TCHECK_LOOP(test_mptcp_checksum_fail_fallback, 4),
      TCHECK_LOOP(test_mptcp_checksum_hole_many_maps, 2),
      TCHECK_LOOP(test_mptcp_checksum_fail_crossed, 4),
      TCHECK_LOOP(test_mptcp_syn_blackhole, 2),
      TCHECK_TEST(test_mptcp_fastclose),
      TCHECK_LOOP(test_mptcp_sack_within_mss, 3),
  };
  return tcheck_suite("mptcp", tests, sizeof tests / sizeof tests[0]);
}
