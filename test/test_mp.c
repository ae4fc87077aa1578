/*
 * Connection-level MPTCP state (lib/mp.c): IDSNs, the DSS we send, DATA_ACK
 * and window handling, connection-level reassembly and DATA_FIN. Expected
 * values from shared/spec/test-values.md §1 and §8 and the RFC 8684 §3.3.3
 * example (DSN 80, DLL 11, F: the DATA_FIN is DSN 90, acked by 91).
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <string.h>

#include "mp.h"

#define IDSN_A UINT64_C(0xf5a101d3d29d6f72) /* K1, v1 */
#define IDSN_B UINT64_C(0x280818bf0fa7e28e) /* K2, v1 */

static void expect_wire(const mptcp_subopt *so, const char *hex) {
  uint8_t got[40], want[40];
  mptcp_ssize n = mptcp_subopt_write(so, 0xff, got, sizeof got);
  ck_assert_int_gt(n, 0);
  size_t wn = tcheck_hex(hex, want, sizeof want);
  ck_assert_bytes(got, (size_t)n, want, wn);
}

/* test-values.md §8: A = K1 sends 13 bytes with MP_CAPABLE; B's DATA_ACK
 * is IDSN-A + 1 + 13 in 64 bits: 1e 0c 20 03 f5 a1 01 d3 d2 9d 6f 80. */
START_TEST(test_mp_worked_example) {
  mptcp_mp a, b;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  ck_assert_int_eq(mptcp_mp_start(&a, 1, K1, K2), 0);
  ck_assert_int_eq(mptcp_mp_start(&b, 1, K2, K1), 0);
  CK_X64(a.local_token, 0x66840ddau);
  CK_X64(a.remote_token, 0x18f9781bu);
  CK_X64(a.snd_una, IDSN_A + 1);
  CK_X64(b.rcv_nxt, IDSN_A + 1);
  CK_X64(b.snd_una, IDSN_B + 1);
  uint64_t dsn = IDSN_A + 1;
  uint32_t off = 99;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&b, &dsn, 13, 65535, &off), 13);
  ck_assert_uint_eq(off, 0);
  ck_assert_int_eq(mptcp_mp_rx_mark(&b, off, 13), 13);
  b.ack64 = 1; /* A's mapping was 64-bit (the MP_CAPABLE's implied one) */
  mptcp_subopt so;
  mptcp_mp_dss(&b, 0, 0, 0, 0, 0, 0, &so);
  expect_wire(&so, "1e 0c 20 03 f5 a1 01 d3 d2 9d 6f 80");
  /* A learns it: 13 bytes freed, and the window edge */
  a.snd_nxt = IDSN_A + 1 + 13;
  mptcp_mp_dss(&b, 0, 0, 0, 0, 0, 0, &so);
  ck_assert_uint_eq(mptcp_mp_on_data_ack(&a, &so.u.dss, 1000), 13);
  CK_X64(a.snd_una, IDSN_A + 14);
  CK_X64(a.snd_edge, IDSN_A + 14 + 1000);
}
END_TEST

/* The DSS forms we send: lengths per mptcp-v1-wire.md §5.2. */
START_TEST(test_mp_dss_forms) {
  mptcp_mp m;
  memset(&m, 0, sizeof m);
  ck_assert_int_eq(mptcp_mp_start(&m, 1, K1, K2), 0);
  mptcp_subopt so;
  uint8_t buf[40];
  /* pure DATA_ACK, 32 bits: 8 bytes */
  mptcp_mp_dss(&m, 0, 0, 0, 0, 0, 0, &so);
  ck_assert_int_eq(mptcp_subopt_write(&so, 0xff, buf, sizeof buf), 8);
  /* ack 32 + map 64: 22; with checksum 24 */
  mptcp_mp_dss(&m, 1, m.snd_nxt, 1, 1448, 0, 0, &so);
  ck_assert_int_eq(mptcp_subopt_write(&so, 0xff, buf, sizeof buf), 22);
  ck_assert_uint_eq(so.u.dss.dll, 1448);
  m.checksum = 1;
  m.ack64 = 1;
  mptcp_mp_dss(&m, 1, m.snd_nxt, 1, 1448, 0, 0x1234, &so);
  ck_assert_int_eq(mptcp_subopt_write(&so, 0xff, buf, sizeof buf), 28);
  ck_assert_uint_eq(so.u.dss.csum, 0x1234);
  /* RFC 8684 §3.3.3: 10 bytes at DSN 80 with the DATA_FIN: DLL 11 */
  mptcp_mp_dss(&m, 1, 80, 5, 10, 1, 0, &so);
  ck_assert_uint_eq(so.u.dss.dll, 11);
  ck_assert_uint_eq(so.u.dss.flags & MPTCP_DSS_F, MPTCP_DSS_F);
  ck_assert_uint_eq(so.u.dss.ssn, 5);
  /* a DATA_FIN alone: SSN 0, DLL 1, DSN = the DATA_FIN octet */
  mptcp_mp_dss(&m, 1, 90, 77, 0, 1, 0, &so);
  ck_assert_uint_eq(so.u.dss.dll, 1);
  ck_assert_uint_eq(so.u.dss.ssn, 0);
  CK_X64(so.u.dss.dsn, 90);
}
END_TEST

/* §3.3.1: 32-bit DSNs while rate x 2 x MSL (2 min) < 2^31 bytes. With a
 * one-second RTT the window is the rate in bytes/s, and the bound is
 * 2^31 / 240 s = 8,947,848.5 B/s (71.58 Mbit/s); with 20 ms, a window of
 * 2^31 x 0.02 / 240 = 178,956.97 bytes. */
START_TEST(test_mp_dsn32_rule) {
  ck_assert_int_eq(mptcp_mp_dsn32_ok(8947848, 1000000), 1);
  ck_assert_int_eq(mptcp_mp_dsn32_ok(8947849, 1000000), 0);
  ck_assert_int_eq(mptcp_mp_dsn32_ok(178956, 20000), 1);
  ck_assert_int_eq(mptcp_mp_dsn32_ok(178957, 20000), 0);
  /* no RTT estimate: no bound, 64 bits */
  ck_assert_int_eq(mptcp_mp_dsn32_ok(0, 0), 0);
  ck_assert_int_eq(mptcp_mp_dsn32_ok(1, 0), 0);
  ck_assert_int_eq(mptcp_mp_dsn32_ok(0, 1), 1);
  /* the extremes without overflow: a window of 2^31 is never slow
   * enough; 2^31 - 1 bytes per 71.6 minutes is */
  ck_assert_int_eq(mptcp_mp_dsn32_ok(UINT64_C(1) << 31, UINT32_MAX), 0);
  ck_assert_int_eq(mptcp_mp_dsn32_ok(UINT64_MAX, UINT32_MAX), 0);
  ck_assert_int_eq(mptcp_mp_dsn32_ok((UINT64_C(1) << 31) - 1, UINT32_MAX), 1);
  ck_assert_int_eq(mptcp_mp_dsn32_ok((UINT64_C(1) << 31) - 1, 239999999), 0);
}
END_TEST

/* A mapping with its DSN in 32 bits (§5.2: 4 bytes less than 64), on the
 * wire with the DSN's low half; the receiver's expansion gives back the
 * 64-bit DSN, across 2^32 too. */
START_TEST(test_mp_dss_dsn32) {
  mptcp_mp m;
  memset(&m, 0, sizeof m);
  ck_assert_int_eq(mptcp_mp_start(&m, 1, K1, K2), 0);
  mptcp_subopt so, back;
  uint8_t buf[40];
  /* DATA_ACK 32 (IDSN-B + 1) + DSN 32 (IDSN-A + 1), SSN 1, DLL 1448 */
  mptcp_mp_dss(&m, MPTCP_MP_MAP32, m.snd_nxt, 1, 1448, 0, 0, &so);
  ck_assert_uint_eq(so.u.dss.flags, MPTCP_DSS_A | MPTCP_DSS_M);
  expect_wire(&so, "1e 12 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 05 a8");
  /* without the DATA_ACK 14; with a checksum 20 (18 + 2) */
  so.u.dss.flags &= (uint8_t)~MPTCP_DSS_A;
  ck_assert_int_eq(mptcp_subopt_write(&so, 0xff, buf, sizeof buf), 14);
  m.checksum = 1;
  m.ack64 = 1;
  mptcp_mp_dss(&m, MPTCP_MP_MAP32, m.snd_nxt, 1, 1448, 0, 0xbeef, &so);
  ck_assert_int_eq(mptcp_subopt_write(&so, 0xff, buf, sizeof buf), 24);
  m.ack64 = 0;
  mptcp_mp_dss(&m, MPTCP_MP_MAP32, m.snd_nxt, 1, 1448, 0, 0xbeef, &so);
  ck_assert_int_eq(mptcp_subopt_write(&so, 0xff, buf, sizeof buf), 20);
  /* MAP64 as before: 24 with the checksum */
  mptcp_mp_dss(&m, MPTCP_MP_MAP64, m.snd_nxt, 1, 1448, 0, 0xbeef, &so);
  ck_assert_int_eq(mptcp_subopt_write(&so, 0xff, buf, sizeof buf), 24);
  /* A DSN just past 2^32 from a receiver still just below it. */
  mptcp_mp r;
  memset(&r, 0, sizeof r);
  r.rcv_nxt = UINT64_C(0x12ffffff00);
  uint64_t dsn = UINT64_C(0x1300000010);
  mptcp_mp_dss(&m, MPTCP_MP_MAP32, dsn, 7, 100, 0, 0xbeef, &so);
  mptcp_ssize n = mptcp_subopt_write(&so, 0xff, buf, sizeof buf);
  ck_assert_int_eq(n, 20);
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, MPTCP_TH_ACK, 100);
  mptcp_subopt_parse(buf, (size_t)n, &ctx, &back);
  ck_assert_uint_eq(back.status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(back.u.dss.flags & MPTCP_DSS_m, 0);
  CK_X64(back.u.dss.dsn, 0x10);
  CK_X64(mptcp_mp_expand_dsn(&r, &back.u.dss), dsn);
  ck_assert_uint_eq(back.u.dss.csum, 0xbeef);
}
END_TEST

static mptcp_dss ack32(uint64_t v) {
  mptcp_dss d;
  memset(&d, 0, sizeof d);
  d.flags = MPTCP_DSS_A;
  d.data_ack = (uint32_t)v;
  return d;
}

/* DATA_ACK acceptance: 32-bit expansion across 2^32, nothing beyond
 * SND.NXT, nothing old, the window's right edge never moves left, and the
 * DATA_FIN octet. */
START_TEST(test_mp_data_ack) {
  mptcp_mp m;
  memset(&m, 0, sizeof m);
  m.state = MPTCP_MP_ON;
  m.snd_una = m.snd_edge = UINT64_C(0x1fffff000);
  m.snd_nxt = m.snd_una + 8192;
  mptcp_dss d = ack32(m.snd_una + 5000); /* crosses 2^33's low word wrap */
  ck_assert_uint_eq(mptcp_mp_on_data_ack(&m, &d, 4000), 5000);
  CK_X64(m.snd_una, UINT64_C(0x1fffff000) + 5000);
  uint64_t edge = m.snd_edge;
  CK_X64(edge, m.snd_una + 4000);
  d = ack32(m.snd_una); /* duplicate, smaller window: edge stays */
  ck_assert_uint_eq(mptcp_mp_on_data_ack(&m, &d, 100), 0);
  CK_X64(m.snd_edge, edge);
  d = ack32(m.snd_nxt + 1); /* beyond what we sent: ignored */
  ck_assert_uint_eq(mptcp_mp_on_data_ack(&m, &d, 1u << 30), 0);
  CK_X64(m.snd_edge, edge);
  d = ack32(m.snd_una - 10); /* old */
  ck_assert_uint_eq(mptcp_mp_on_data_ack(&m, &d, 1u << 30), 0);
  /* without the A flag nothing happens */
  d.flags = 0;
  ck_assert_uint_eq(mptcp_mp_on_data_ack(&m, &d, 0), 0);
  /* our DATA_FIN after the last byte */
  m.fin_queued = 1;
  m.fin_dsn = m.snd_nxt;
  m.snd_nxt++;
  mptcp_dss d64;
  memset(&d64, 0, sizeof d64);
  d64.flags = MPTCP_DSS_A | MPTCP_DSS_a;
  d64.data_ack = m.fin_dsn + 1;
  ck_assert_uint_eq(mptcp_mp_on_data_ack(&m, &d64, 0), 8192 - 5000);
  ck_assert_uint_eq(m.fin_acked, 1);
}
END_TEST

/* Connection-level reassembly: out-of-order pieces from two subflows, a
 * duplicate, a piece beyond the window, then the DATA_FIN. */
START_TEST(test_mp_rx) {
  mptcp_mp m;
  memset(&m, 0, sizeof m);
  m.rcv_nxt = UINT64_C(0xfffffffffffff000); /* DSN wrap at 2^64 ahead */
  uint64_t base = m.rcv_nxt, dsn;
  uint32_t off;
  /* [1000, 2000) first */
  dsn = base + 1000;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 1000, 8192, &off), 1000);
  ck_assert_uint_eq(off, 1000);
  ck_assert_int_eq(mptcp_mp_rx_mark(&m, off, 1000), 0);
  /* beyond the window: only what fits */
  dsn = base + 8000;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 1000, 8192, &off), 192);
  dsn = base + 8192;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 10, 8192, &off), 0);
  /* the DATA_FIN at 2000 arrives early: not consumed yet */
  ck_assert_int_eq(mptcp_mp_rx_fin(&m, base + 2000), 0);
  /* [0, 1000) fills the hole: both pieces and the DATA_FIN go */
  dsn = base;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 1000, 8192, &off), 1000);
  ck_assert_int_eq(mptcp_mp_rx_mark(&m, off, 1000), 2000);
  ck_assert_uint_eq(m.peer_fin_done, 1);
  CK_X64(m.rcv_nxt, base + 2001);
  /* a duplicate of old data is nothing new */
  dsn = base + 500;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 1000, 8192, &off), 0);
  /* a piece straddling rcv_nxt: old, then past the DATA_FIN: nothing */
  dsn = base + 1990;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 20, 8192, &off), 0);
}
END_TEST

/* RFC 8684 §3.3.3: the DATA_FIN ends the stream. Bytes a misbehaving peer
 * maps at or beyond it are never placed nor counted, whether they come
 * before the DATA_FIN (out of order) or after it was consumed. */
START_TEST(test_mp_rx_after_fin) {
  mptcp_mp m;
  memset(&m, 0, sizeof m);
  m.rcv_nxt = UINT64_C(0xfffffffffffffff0); /* DSN wrap at 2^64 ahead */
  uint64_t base = m.rcv_nxt, dsn;
  uint32_t off;
  /* [0, 10) in order, then a piece straddling rcv_nxt is trimmed */
  dsn = base;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 10, 8192, &off), 10);
  ck_assert_int_eq(mptcp_mp_rx_mark(&m, off, 10), 10);
  dsn = base + 5;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 10, 8192, &off), 5);
  CK_X64(dsn, base + 10);
  ck_assert_uint_eq(off, 0);
  /* [100, 200) out of order, then the DATA_FIN at 150 */
  dsn = base + 100;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 100, 8192, &off), 100);
  ck_assert_int_eq(mptcp_mp_rx_mark(&m, off, 100), 0);
  ck_assert_uint_eq(mptcp_mp_rx_after_fin(&m, base + 140, 20), 0);
  ck_assert_int_eq(mptcp_mp_rx_fin(&m, base + 150), 0);
  ck_assert_uint_eq(mptcp_mp_rx_after_fin(&m, base + 100, 50), 0);
  ck_assert_uint_eq(mptcp_mp_rx_after_fin(&m, base + 140, 20), 10);
  ck_assert_uint_eq(mptcp_mp_rx_after_fin(&m, base + 150, 5), 5);
  /* a piece running into the DATA_FIN keeps only what precedes it */
  dsn = base + 140;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 20, 8192, &off), 10);
  dsn = base + 150;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 20, 8192, &off), 0);
  /* the hole fills: rcv_nxt stops at the DATA_FIN and consumes it; the
   * earlier [150, 200) is not delivered */
  dsn = base + 10;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 90, 8192, &off), 90);
  ck_assert_int_eq(mptcp_mp_rx_mark(&m, off, 90), 140);
  ck_assert_uint_eq(m.peer_fin_done, 1);
  CK_X64(m.rcv_nxt, base + 151);
  /* after it nothing is new: at rcv_nxt, beyond, or counted late */
  dsn = base + 151;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 10, 8192, &off), 0);
  dsn = base + 300;
  ck_assert_uint_eq(mptcp_mp_rx_slot(&m, &dsn, 10, 8192, &off), 0);
  ck_assert_int_eq(mptcp_mp_rx_mark(&m, 0, 10), 0);
  ck_assert_int_eq(mptcp_mp_rx_mark(&m, 5, 10), 0);
  CK_X64(m.rcv_nxt, base + 151);
  ck_assert_uint_eq(m.ooo.n, 0);
}
END_TEST

/* 32-bit DSN expansion around the receive point (test-values.md §7). */
START_TEST(test_mp_expand) {
  mptcp_mp m;
  memset(&m, 0, sizeof m);
  mptcp_dss d;
  memset(&d, 0, sizeof d);
  d.flags = MPTCP_DSS_M;
  m.rcv_nxt = UINT64_C(0x00000001ffffff00);
  d.dsn = 0x00000010;
  CK_X64(mptcp_mp_expand_dsn(&m, &d), UINT64_C(0x0000000200000010));
  m.rcv_nxt = UINT64_C(0x0000000200000010);
  d.dsn = 0xffffff00;
  CK_X64(mptcp_mp_expand_dsn(&m, &d), UINT64_C(0x00000001ffffff00));
  d.flags |= MPTCP_DSS_m;
  d.dsn = UINT64_C(0x1234567812345678);
  CK_X64(mptcp_mp_expand_dsn(&m, &d), UINT64_C(0x1234567812345678));
}
END_TEST

Suite *suite_mp(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mp_worked_example), TCHECK_TEST(test_mp_dss_forms),
      TCHECK_TEST(test_mp_data_ack),       TCHECK_TEST(test_mp_rx),
      TCHECK_TEST(test_mp_expand),         TCHECK_TEST(test_mp_rx_after_fin),
      TCHECK_TEST(test_mp_dsn32_rule),     TCHECK_TEST(test_mp_dss_dsn32),
  };
  return tcheck_suite("mp", tests, sizeof tests / sizeof tests[0]);
}
