/*
 * Pure ACKs. Plain TCP without SACK blocks sends them from a prepared
 * copy (tcp_out.c emit_ack), everything else the general way (emit); the
 * bytes must not depend on the way taken, must carry valid checksums and
 * be what the general packet writer makes of their fields; with
 * MPTCP_OFFLOAD_TX_CSUM the checksum is the partial one a NIC completes.
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "gso.h"
#include "tpeer.h"
#include "wire.h"

#define A MPTCP_TH_ACK
#define MS 1000

static const uint8_t data[1000];

/* The next packet of @p p as raw bytes (its checksum left as the stack
 * wrote it); 0 when there is none. */
static size_t next_raw(tpeer *p, uint8_t *b, size_t cap, mptcp_pkt_info *pi) {
  mptcp_ssize n = mptcp_stack_write_pkt(p->st, pi, b, cap, p->now);
  ck_assert_int_ge(n, 0);
  return (size_t)n;
}

/* @p b parses with valid checksums as a pure ACK of @p ack with @p nsack
 * SACK blocks (-1: one or more) and, unless @p dack is 0, a DSS with
 * DATA_ACK @p dack (which a duplicate ACK, @p dup, with SACK blocks may
 * leave out: subflow.c plan()), and is byte for byte what
 * mptcp_pkt_write() makes of its fields. Its options are left in @p o. */
static void check_ack(const uint8_t *b, size_t n, uint32_t ack, int nsack,
                      uint64_t dack, int dup, mptcp_tcpopts *o) {
  mptcp_pkt k;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, MPTCP_PKT_VERIFY_CSUM, &k), 0);
  ck_assert_uint_eq(k.tcp_flags, A);
  ck_assert_uint_eq(k.payload_len, 0);
  ck_assert_uint_eq(k.ack, ack);
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, k.tcp_flags, 0);
  ctx.version = MPTCP_VERSION_1;
  mptcp_tcpopts_parse(k.opts, k.opts_len, &ctx, o);
  if (nsack >= 0)
    ck_assert_uint_eq(o->n_sack, nsack);
  else
    ck_assert_uint_ge(o->n_sack, 1);
  ck_assert_uint_eq(o->n_mptcp_bad + o->n_malformed, 0);
  if (dack) {
    tseg g = tseg_make(k.seq, k.ack, k.tcp_flags);
    g.opts = o;
    const mptcp_subopt *d = tseg_mptcp_opt(&g, MPTCP_SUB_DSS);
    if (d || !dup) {
      d = tseg_mptcp(&g, MPTCP_SUB_DSS);
      ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_A, MPTCP_DSS_A);
      CK_X64(d->u.dss.data_ack, dack);
    }
  }
  uint8_t r[256];
  mptcp_ssize m = mptcp_pkt_write(&k, r, sizeof r);
  ck_assert_int_gt(m, 0);
  ck_assert_bytes(r, (size_t)m, b, n);
}

/* A segment of the peer: data at @p seq (or a pure ACK when @p len is 0)
 * with timestamps when @p ts, acknowledging the stack's SYN. */
static tseg peer_seg(const tpeer *p, uint32_t seq, uint32_t len, int ts,
                     uint32_t tsval, int32_t win) {
  tseg g = tseg_make(seq, p->iss + 1, A);
  g.data = data;
  g.len = len;
  g.win = win;
  if (ts) {
    g.ts = 1;
    g.tsval = tsval;
  }
  return g;
}

/* ---- the two ways give the same bytes ---- */

/* Two copies of one connection that see the same segments: `a` has
 * nothing to send, so its pure ACKs come from the prepared copy where
 * they may; `b` has data queued behind the peer's closed window, so its
 * pure ACKs always go the general way. */
typedef struct twin {
  tpeer a, b;
  int ts, mptcp;
  uint32_t tsval;
  uint64_t idsn, ours; /* the peer's IDSN and ours, with MPTCP */
} twin;

static void twin_send(twin *w, const tseg *g) {
  tpeer_send(&w->a, g);
  tpeer_send(&w->b, g);
}

/* Both copies must send the same pure ACK of @p ack with @p nsack SACK
 * blocks (with MPTCP: one or more, and the DATA_ACK of the same bytes;
 * @p hs: the handshake ACK, no DSS; @p dup: a duplicate ACK), or (ack 0)
 * nothing. */
#define twin_expect(w, ack, nsack) twin_expect_at(__LINE__, w, ack, nsack, 0, 0)
static void twin_expect_at(int line, twin *w, uint32_t ack, int nsack, int hs,
                           int dup) {
  uint8_t ba[256], bb[256];
  mptcp_pkt_info pa, pb;
  size_t na = next_raw(&w->a, ba, sizeof ba, &pa);
  size_t nb = next_raw(&w->b, bb, sizeof bb, &pb);
  if (!ack) {
    ck_assert_msg(na == 0 && nb == 0, "line %d: sent %zu and %zu bytes", line,
                  na, nb);
    return;
  }
  ck_assert_msg(na > 0, "line %d: no ACK", line);
  ck_assert_bytes(ba, na, bb, nb);
  mptcp_tcpopts o;
  if (!w->mptcp || hs)
    check_ack(ba, na, ack, nsack, 0, 0, &o);
  else
    check_ack(ba, na, ack, nsack ? -1 : 0, w->idsn + (ack - 5000), dup, &o);
  if (w->mptcp && hs) { /* our key, for the peer's DATA_ACKs */
    tseg g = tseg_make(0, 0, 0);
    g.opts = &o;
    const mptcp_subopt *mc = tseg_mptcp(&g, MPTCP_SUB_CAPABLE);
    ck_assert_int_eq(
        mptcp_crypto_key_derive(1, mc->u.mpc.snd_key, NULL, &w->ours), 0);
  }
}

static void twin_seg(twin *w, uint32_t seq, uint32_t len) {
  tseg g = peer_seg(&w->a, seq, len, w->ts, ++w->tsval, 0);
  if (w->mptcp) { /* its own mapping, 1:1 */
    g.n_mptcp = 1;
    memset(&g.mptcp[0], 0, sizeof g.mptcp[0]);
    g.mptcp[0].subtype = MPTCP_SUB_DSS;
    g.mptcp[0].u.dss.flags =
        MPTCP_DSS_A | MPTCP_DSS_a | MPTCP_DSS_M | MPTCP_DSS_m;
    g.mptcp[0].u.dss.data_ack = w->ours + 1;
    g.mptcp[0].u.dss.dsn = w->idsn + (seq - 5000);
    g.mptcp[0].u.dss.ssn = seq - 5000;
    g.mptcp[0].u.dss.dll = (uint16_t)len;
  }
  twin_send(w, &g);
}

/* _i: bit 0 IPv6, bit 1 timestamps, bit 2 SACK, bit 3 MPTCP (the ACKs
 * carry a DSS with the DATA_ACK). The handshake ACK, an ACK of two
 * in-order segments, then with SACK one hole after another (up to four
 * blocks: three beside timestamps, fewer beside a DSS) and the holes
 * filled, and a delayed ACK. */
START_TEST(test_ack_ways_agree) {
  int v6 = _i & 1, sack = _i >> 2 & 1;
  twin w;
  memset(&w, 0, sizeof w);
  w.ts = _i >> 1 & 1;
  w.mptcp = _i >> 3 & 1;
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.timestamps = w.ts;
  s.sack = sack;
  s.mptcp = w.mptcp;
  s.checksum = 0;
  w.tsval = 100;
  tpeer_open_with(&w.a, &s, v6, 1000, -1, w.ts ? w.tsval : 0);
  tpeer_open_with(&w.b, &s, v6, 1000, -1, w.ts ? w.tsval : 0);
  ck_assert_int_eq(mptcp_crypto_key_derive(1, TPEER_KEY, NULL, &w.idsn), 0);
  twin_expect_at(__LINE__, &w, 5001, 0, 1, 0);
  /* The peer's window closes; b's data waits for it. */
  tseg z = peer_seg(&w.a, 5001, 0, w.ts, ++w.tsval, 0);
  twin_send(&w, &z);
  ck_assert_int_eq(mptcp_conn_write(w.b.conn, data, 300, w.b.now), 300);
  twin_expect(&w, 0, 0);
  twin_seg(&w, 5001, 100);
  twin_expect(&w, 0, 0); /* delayed */
  twin_seg(&w, 5101, 100);
  twin_expect(&w, 5201, 0); /* every second segment */
  if (sack) {
    int room = w.ts ? 3 : 4;
    for (int k = 1; k <= 4; k++) { /* holes at 5201 + 200 (k - 1) */
      twin_seg(&w, 5201 + 200 * (uint32_t)k - 100, 100);
      twin_expect_at(__LINE__, &w, 5201, k < room ? k : room, 0, 1);
    }
    for (int k = 1; k <= 4; k++) { /* filled from the left */
      twin_seg(&w, 5201 + 200 * (uint32_t)(k - 1), 100);
      twin_expect(&w, 5201 + 200 * (uint32_t)k, 4 - k < room ? 4 - k : room);
    }
  }
  /* The delayed ACK of one more segment, by the timer. */
  uint32_t nxt = sack ? 6001 : 5201;
  twin_seg(&w, nxt, 100);
  twin_expect(&w, 0, 0);
  mptcp_tstamp at = tpeer_expiry(&w.a); /* before b's persist timer */
  ck_assert_uint_lt(at, tpeer_expiry(&w.b) + 1);
  tpeer_time(&w.a, at);
  tpeer_time(&w.b, at);
  twin_expect(&w, nxt + 100, 0);
  /* Neither copy sent anything else (b's data still waits). */
  ck_assert_uint_eq(tpeer_counter(&w.a, "TcpOutSegs"),
                    tpeer_counter(&w.b, "TcpOutSegs"));
  tpeer_fini(&w.a);
  tpeer_fini(&w.b);
}
END_TEST

/* ---- MPTCP_OFFLOAD_TX_CSUM ---- */

/* The pseudo-header sum of the IPv4/IPv6 packet @p b of @p n bytes,
 * folded to 16 bits and not inverted (RFC 9293 §3.1, RFC 8200 §8.1). */
static uint16_t pseudo_sum(const uint8_t *b, size_t n) {
  int v4 = (b[0] >> 4) == 4;
  size_t iph = v4 ? 20 : 40, alen = v4 ? 4 : 16;
  const uint8_t *src = b + (v4 ? 12 : 8);
  uint32_t s = 6 + (uint32_t)(n - iph);
  for (size_t i = 0; i < 2 * alen; i += 2)
    s += (uint32_t)src[i] << 8 | src[i + 1]; /* dst follows src */
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)s;
}

/* _i: bit 0 IPv6, bit 1 timestamps. A stack with TX_CSUM and one without
 * see the same segments: each pure ACK (the handshake's, which builds the
 * prepared copy, and later ones from it) carries the pseudo-header sum
 * where the checksum goes, says so in the packet info, and once
 * completed as a NIC does is valid and the other stack's ACK. */
START_TEST(test_ack_tx_csum_partial) {
  int v6 = _i & 1, ts = _i >> 1 & 1;
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.timestamps = ts;
  tpeer off, plain;
  tpeer_open_with(&plain, &s, v6, 1000, -1, ts ? 100 : 0);
  s.offload = MPTCP_OFFLOAD_TX_CSUM;
  tpeer_open_with(&off, &s, v6, 1000, -1, ts ? 100 : 0);
  size_t iph = v6 ? 40 : 20;
  uint32_t tsval = 100, seq = 5001;
  for (int round = 0; round < 3; round++) {
    if (round) { /* two segments: acknowledged at once */
      for (int k = 0; k < 2; k++, seq += 100) {
        tseg g = peer_seg(&off, seq, 100, ts, ++tsval, 65535);
        tpeer_send(&off, &g);
        tpeer_send(&plain, &g);
      }
    }
    uint8_t b[256], want[256];
    mptcp_pkt_info pi, pw;
    size_t n = next_raw(&off, b, sizeof b, &pi);
    size_t nw = next_raw(&plain, want, sizeof want, &pw);
    ck_assert_uint_eq(n, iph + 20 + (ts ? 12 : 0));
    ck_assert_uint_eq(pi.flags, MPTCP_PKT_NEEDS_CSUM);
    ck_assert_uint_eq(pi.csum_start, iph);
    ck_assert_uint_eq(pi.csum_offset, 16);
    ck_assert_uint_eq(pw.flags & MPTCP_PKT_NEEDS_CSUM, 0);
    ck_assert_uint_eq(mptcp_get16(b + iph + 16), pseudo_sum(b, n));
    gso_csum_complete(b, n, pi.csum_start, pi.csum_offset);
    mptcp_tcpopts o;
    check_ack(b, n, seq, 0, 0, 0, &o);
    ck_assert_bytes(b, n, want, nw);
    ck_assert_uint_eq(next_raw(&off, b, sizeof b, &pi), 0);
    ck_assert_uint_eq(next_raw(&plain, b, sizeof b, &pi), 0);
  }
  tpeer_fini(&off);
  tpeer_fini(&plain);
}
END_TEST

Suite *suite_ack(void) {
  const tcheck_test t[] = {
      TCHECK_LOOP(test_ack_ways_agree, 16),
      TCHECK_LOOP(test_ack_tx_csum_partial, 4),
  };
  return tcheck_suite("ack", t, sizeof t / sizeof t[0]);
}
