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

/* A middlebox rewrites payload but keeps the TCP checksum valid: with DSS
 * checksums the receiver notices, counts it and resets; no wrong byte
 * reaches the application. */
START_TEST(test_mptcp_checksum_catches_rewrite) {
  mptcp_settings s;
  pair_settings(&s);
  s.checksum = 1;
  pair p;
  pair_init(&p, &s, &s);
  p.corrupt_nth = 5;
  uint8_t data[20000], got[20000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 3 + 1);
  size_t sent = 0, rcvd = 0;
  for (int r = 0; r < 2000 && sent < sizeof data; r++) {
    mptcp_ssize k =
        mptcp_conn_write(p.ca, data + sent, sizeof data - sent, p.now);
    if (k > 0) sent += (size_t)k;
    if (k < 0 && k != MPTCP_ERR_WOULDBLOCK) break;
    pair_pump(&p);
    mptcp_ssize n;
    while (p.cb && (n = mptcp_conn_read(p.cb, got + rcvd, sizeof got - rcvd,
                                        p.now)) > 0)
      rcvd += (size_t)n;
  }
  ck_assert_uint_eq(pair_counter(p.b, "DataCsumErr"), 1);
  ck_assert_msg(memcmp(got, data, rcvd) == 0, "a rewritten byte got through");
  ck_assert_uint_lt(rcvd, sizeof data);
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

Suite *suite_mptcp(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mptcp_v1_transfer),
      TCHECK_LOOP(test_mptcp_v1_loss, 4),
      TCHECK_TEST(test_mptcp_fallback_plain_listener),
      TCHECK_LOOP(test_mptcp_v0, 2),
      TCHECK_LOOP(test_mptcp_checksum, 3),
      TCHECK_TEST(test_mptcp_checksum_catches_rewrite),
      TCHECK_LOOP(test_mptcp_syn_blackhole, 2),
      TCHECK_TEST(test_mptcp_fastclose),
      TCHECK_LOOP(test_mptcp_sack_within_mss, 3),
  };
  return tcheck_suite("mptcp", tests, sizeof tests / sizeof tests[0]);
}
