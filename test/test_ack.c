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
 * SACK blocks, and is byte for byte what mptcp_pkt_write() makes of its
 * fields. */
static void check_ack(const uint8_t *b, size_t n, uint32_t ack, int nsack) {
  mptcp_pkt k;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, MPTCP_PKT_VERIFY_CSUM, &k), 0);
  ck_assert_uint_eq(k.tcp_flags, A);
  ck_assert_uint_eq(k.payload_len, 0);
  ck_assert_uint_eq(k.ack, ack);
  mptcp_tcpopts o;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, k.tcp_flags, 0);
  ctx.version = MPTCP_VERSION_1;
  mptcp_tcpopts_parse(k.opts, k.opts_len, &ctx, &o);
  ck_assert_uint_eq(o.n_sack, nsack);
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
    check_ack(b, n, seq, 0);
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
      TCHECK_LOOP(test_ack_tx_csum_partial, 4),
  };
  return tcheck_suite("ack", t, sizeof t / sizeof t[0]);
}
