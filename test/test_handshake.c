/*
 * MP_CAPABLE / MP_JOIN decisions (lib/handshake.c): the option bytes of the
 * worked examples of shared/spec/test-values.md §3, §6 and §8, the version
 * table of mptcp-v0-diff.md §6 and the fallback table of mptcp-v1-wire.md
 * §2.7 / §16.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <string.h>

#include "handshake.h"

/* Writes @p so and compares it with the hex dump of the spec. */
static void expect_wire(const mptcp_subopt *so, const char *hex) {
  uint8_t got[40], want[40];
  mptcp_ssize n = mptcp_subopt_write(so, 0xff, got, sizeof got);
  ck_assert_int_gt(n, 0);
  size_t wn = tcheck_hex(hex, want, sizeof want);
  ck_assert_bytes(got, (size_t)n, want, wn);
}

/* Parses the option bytes @p hex as they would arrive on a segment with
 * TCP @p flags and @p payload bytes, into a one-option area. */
static void parse_as(const char *hex, uint8_t flags, size_t payload,
                     mptcp_tcpopts *o) {
  uint8_t b[40];
  size_t n = tcheck_hex(hex, b, sizeof b);
  while (n % 4) b[n++] = MPTCP_OPT_NOP;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, flags, payload);
  mptcp_tcpopts_parse(b, n, &ctx, o);
}

static const mptcp_mpc_policy v1 = {1, 0, 0, 0};
static const mptcp_mpc_policy v1_csum = {1, 0, 1, 0};
static const mptcp_mpc_policy v0 = {0, 1, 1, 0};
static const mptcp_mpc_policy dual = {1, 1, 0, 0};

#define SYN MPTCP_TH_SYN
#define SYNACK (MPTCP_TH_SYN | MPTCP_TH_ACK)
#define ACK MPTCP_TH_ACK

/* test-values.md §8: the whole v1 exchange, byte for byte, both roles. */
START_TEST(test_mpc_v1_worked_example) {
  mptcp_subopt so;
  mptcp_tcpopts o;
  mptcp_mpc_neg a, b, b2;
  mptcp_mpc_syn(&v1, K1, &so);
  expect_wire(&so, "1e 04 01 01");
  parse_as("1e 04 01 01", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&dual, &o, &b), MPTCP_MPC_OK);
  ck_assert_uint_eq(b.version, 1);
  ck_assert_uint_eq(b.checksum, 0);
  mptcp_mpc_synack(&dual, &b, K2, &so);
  expect_wire(&so, "1e 0c 01 01 fe dc ba 98 76 54 32 10");
  parse_as("1e 0c 01 01 fe dc ba 98 76 54 32 10", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v1, &o, &a), MPTCP_MPC_OK);
  CK_X64(a.peer_key, K2);
  mptcp_mpc_ack(&a, K1, 0, 0, 0, &so);
  expect_wire(&so,
              "1e 14 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10");
  mptcp_mpc_ack(&a, K1, 1, 13, 0, &so);
  expect_wire(
      &so, "1e 16 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 00 0d");
  /* B completes from either the third ACK or the first data. */
  parse_as("1e 14 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10", ACK,
           0, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &b2), MPTCP_MPC_OK);
  CK_X64(b2.peer_key, K1);
  parse_as("1e 16 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 00 0d",
           ACK, 13, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &b2), MPTCP_MPC_OK);
  CK_X64(b2.peer_key, K1);
}
END_TEST

/* test-values.md §6 v0 dumps: A=1 H=1 with the key on the SYN. */
START_TEST(test_mpc_v0_worked_example) {
  mptcp_subopt so;
  mptcp_tcpopts o;
  mptcp_mpc_neg a, b, b2;
  mptcp_mpc_syn(&v0, K1, &so);
  expect_wire(&so, "1e 0c 00 81 01 02 03 04 05 06 07 08");
  parse_as("1e 0c 00 81 01 02 03 04 05 06 07 08", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&dual, &o, &b), MPTCP_MPC_OK);
  ck_assert_uint_eq(b.version, 0);
  ck_assert_uint_eq(b.checksum, 1); /* the peer's A bit is enough */
  CK_X64(b.peer_key, K1);
  mptcp_mpc_synack(&dual, &b, K2, &so);
  expect_wire(&so, "1e 0c 00 81 fe dc ba 98 76 54 32 10");
  parse_as("1e 0c 00 81 fe dc ba 98 76 54 32 10", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v0, &o, &a), MPTCP_MPC_OK);
  mptcp_mpc_ack(&a, K1, 1, 100, 0, &so); /* v0 has no data form */
  expect_wire(&so,
              "1e 14 00 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10");
  parse_as("1e 14 00 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10", ACK,
           0, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &b2), MPTCP_MPC_OK);
  /* v0: the third ACK may not change the key announced on the SYN. */
  parse_as("1e 14 00 81 01 02 03 04 05 06 07 09 fe dc ba 98 76 54 32 10", ACK,
           0, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &b2), MPTCP_MPC_BAD_KEY);
}
END_TEST

/* mptcp-v0-diff.md §6: the version decision table, listener side. */
START_TEST(test_mpc_version_table) {
  mptcp_tcpopts o;
  mptcp_mpc_neg n;
  const mptcp_mpc_policy v1_only = {1, 0, 0, 0};
  /* v1 SYN to v1 / dual -> v1 */
  parse_as("1e 04 01 01", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1_only, &o, &n), MPTCP_MPC_OK);
  ck_assert_uint_eq(n.version, 1);
  ck_assert_int_eq(mptcp_mpc_on_syn(&dual, &o, &n), MPTCP_MPC_OK);
  ck_assert_uint_eq(n.version, 1);
  /* v0 SYN to v1-only -> plain TCP; to dual -> v0 */
  parse_as("1e 0c 00 81 01 02 03 04 05 06 07 08", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1_only, &o, &n), MPTCP_MPC_BAD_VERSION);
  ck_assert_int_eq(mptcp_mpc_on_syn(&dual, &o, &n), MPTCP_MPC_OK);
  ck_assert_uint_eq(n.version, 0);
  /* a future version 2 SYN is answered in v1 */
  parse_as("1e 04 02 01", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1_only, &o, &n), MPTCP_MPC_OK);
  ck_assert_uint_eq(n.version, 1);
  /* no option at all */
  parse_as("01 01 01 01", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1_only, &o, &n), MPTCP_MPC_ABSENT);
  /* client side: a v1 offer answered in v0 cannot work (no key on our SYN) */
  parse_as("1e 0c 00 81 fe dc ba 98 76 54 32 10", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v1, &o, &n), MPTCP_MPC_BAD_VERSION);
  /* a v0 offer answered in v1 neither (the answer may not exceed it) */
  parse_as("1e 0c 01 01 fe dc ba 98 76 54 32 10", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v0, &o, &n), MPTCP_MPC_BAD_VERSION);
  /* SYN/ACK without MP_CAPABLE: plain TCP (§2.7 row 1) */
  parse_as("01 01 01 01", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v1, &o, &n), MPTCP_MPC_ABSENT);
}
END_TEST

/* §2.4 flags: checksum negotiation and crypto choice. */
START_TEST(test_mpc_flags) {
  mptcp_tcpopts o;
  mptcp_mpc_neg n;
  mptcp_subopt so;
  /* A=0 from the client, listener wants checksums: both use them, and the
   * SYN/ACK says so. */
  parse_as("1e 04 01 01", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1_csum, &o, &n), MPTCP_MPC_OK);
  ck_assert_uint_eq(n.checksum, 1);
  mptcp_mpc_synack(&v1_csum, &n, K2, &so);
  expect_wire(&so, "1e 0c 01 81 fe dc ba 98 76 54 32 10");
  /* client without checksums gets A=1 back: checksums on, third ACK A=1 */
  parse_as("1e 0c 01 81 fe dc ba 98 76 54 32 10", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v1, &o, &n), MPTCP_MPC_OK);
  ck_assert_uint_eq(n.checksum, 1);
  mptcp_mpc_ack(&n, K1, 1, 13, 0xbeef, &so);
  expect_wire(&so, "1e 18 01 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 "
                   "10 00 0d be ef");
  /* a SYN offering H and another algorithm: we pick H */
  parse_as("1e 04 01 03", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1, &o, &n), MPTCP_MPC_OK);
  /* a SYN offering only an algorithm we lack: no MP_CAPABLE */
  parse_as("1e 04 01 02", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1, &o, &n), MPTCP_MPC_BAD_FLAGS);
  /* an answer naming two algorithms is invalid */
  parse_as("1e 0c 01 03 fe dc ba 98 76 54 32 10", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v1, &o, &n), MPTCP_MPC_BAD_FLAGS);
  /* B=1 is not understood: the parser marks it, we treat it as absent */
  parse_as("1e 04 01 41", SYN, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_syn(&v1, &o, &n), MPTCP_MPC_ABSENT);
  /* C=1 from the peer: no joins to its first address */
  parse_as("1e 0c 01 21 fe dc ba 98 76 54 32 10", SYNACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_synack(&v1, &o, &n), MPTCP_MPC_OK);
  ck_assert_uint_eq(n.peer_deny_first, 1);
  const mptcp_mpc_policy deny = {1, 0, 0, 1};
  mptcp_mpc_syn(&deny, 0, &so);
  expect_wire(&so, "1e 04 01 21");
}
END_TEST

/* §2.7 / §16: what the listener does with the handshake's last segment. */
START_TEST(test_mpc_third_ack) {
  mptcp_tcpopts o;
  mptcp_mpc_neg b = {1, 0, 0, 0}, out;
  /* missing MP_CAPABLE -> fall back */
  parse_as("01 01 08 0a 00 00 00 01 00 00 00 02", ACK, 0, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &out), MPTCP_MPC_ABSENT);
  /* a key echo that is not ours (tampering) */
  parse_as("1e 14 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 11", ACK,
           0, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &out), MPTCP_MPC_BAD_KEY);
  /* wrong version on a non-SYN MP_CAPABLE */
  parse_as("1e 14 02 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10", ACK,
           0, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &out), MPTCP_MPC_BAD_VERSION);
  /* a 20-byte form on a data segment is ignored ([Linux] strictness) */
  parse_as("1e 14 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10", ACK,
           10, &o);
  ck_assert_int_eq(mptcp_mpc_on_ack(&b, K2, &o, &out), MPTCP_MPC_ABSENT);
}
END_TEST

/* test-values.md §3: the v1 and v0 join exchanges, both directions. */
START_TEST(test_join_example) {
  int v = _i; /* 1, then 0 */
  v = v == 0 ? 1 : 0;
  const char *syn = v ? "1e 0c 10 02 18 f9 78 1b 11 22 33 44"
                      : "1e 0c 10 02 a5 be 68 71 11 22 33 44";
  const char *synack = v ? "1e 10 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc dd"
                         : "1e 10 10 03 9e e8 27 ad 53 73 3e ac aa bb cc dd";
  const char *ack = v ? "1e 18 10 00 d9 17 6d 34 c5 8a ef 52 6a a4 9d 8d 6d 86 "
                        "9a 81 95 19 96 8e"
                      : "1e 18 10 00 69 2d a1 5a 00 c4 7e 06 ec a5 03 2c 0f 99 "
                        "90 60 3f b2 28 80";
  uint32_t token_b = v ? 0x18f9781bu : 0xa5be6871u;
  mptcp_join_keys a = {(uint8_t)v, K1, K2, 0x11223344u, 0xaabbccddu};
  mptcp_join_keys b = {(uint8_t)v, K2, K1, 0xaabbccddu, 0x11223344u};
  mptcp_subopt so;
  mptcp_tcpopts o;
  mptcp_join_syn(token_b, a.local_nonce, 2, 0, &so);
  expect_wire(&so, syn);
  ck_assert_int_eq(mptcp_join_synack(&b, 3, 0, &so), 0);
  expect_wire(&so, synack);
  parse_as(synack, SYNACK, 0, &o);
  const mptcp_subopt *j = mptcp_find_subopt(&o, MPTCP_SUB_JOIN);
  ck_assert_ptr_nonnull(j);
  ck_assert_int_eq(mptcp_join_check(&a, &j->u.join), 1);
  ck_assert_int_eq(mptcp_join_ack(&a, &so), 0);
  expect_wire(&so, ack);
  parse_as(ack, ACK, 0, &o);
  j = mptcp_find_subopt(&o, MPTCP_SUB_JOIN);
  ck_assert_ptr_nonnull(j);
  ck_assert_int_eq(mptcp_join_check(&b, &j->u.join), 1);
}
END_TEST

/* A forged HMAC: every single-bit change is refused, in both forms. */
START_TEST(test_join_forged) {
  mptcp_join_keys a = {1, K1, K2, 0x11223344u, 0xaabbccddu};
  mptcp_join_keys b = {1, K2, K1, 0xaabbccddu, 0x11223344u};
  mptcp_subopt sa, ack;
  ck_assert_int_eq(mptcp_join_synack(&b, 3, 0, &sa), 0);
  ck_assert_int_eq(mptcp_join_ack(&a, &ack), 0);
  for (int bit = 0; bit < 8 * 20; bit++) {
    mptcp_join j = ack.u.join;
    j.hmac[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ck_assert_int_eq(mptcp_join_check(&b, &j), 0);
    if (bit < 64) {
      j = sa.u.join;
      j.hmac[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      ck_assert_int_eq(mptcp_join_check(&a, &j), 0);
    }
  }
  /* a right HMAC for other nonces (replay) */
  mptcp_join_keys replay = a;
  replay.remote_nonce ^= 1;
  ck_assert_int_eq(mptcp_join_check(&replay, &sa.u.join), 0);
  /* a SYN form carries no HMAC */
  mptcp_subopt syn;
  mptcp_join_syn(1, 2, 3, 1, &syn);
  ck_assert_int_eq(mptcp_join_check(&a, &syn.u.join), 0);
  ck_assert_uint_eq(syn.u.join.backup, 1);
}
END_TEST

Suite *suite_handshake(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mpc_v1_worked_example),
      TCHECK_TEST(test_mpc_v0_worked_example),
      TCHECK_TEST(test_mpc_version_table),
      TCHECK_TEST(test_mpc_flags),
      TCHECK_TEST(test_mpc_third_ack),
      TCHECK_LOOP(test_join_example, 2),
      TCHECK_TEST(test_join_forged),
  };
  return tcheck_suite("handshake", tests, sizeof tests / sizeof tests[0]);
}
