/*
 * Known-answer tests for lib/crypto.c: tokens, IDSNs, MP_JOIN and ADD_ADDR
 * HMACs, the DSS checksum and 32->64-bit sequence expansion. Every expected
 * value comes from /work/shared/spec/test-values.md (section noted per table).
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>

#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- */
/* §1 tokens and IDSNs                                                */
/* ---------------------------------------------------------------- */

static const struct {
  int version;
  uint64_t key;
  uint32_t token;
  uint64_t idsn;
} key_kat[] = {
    {1, K1, 0x66840ddau, UINT64_C(0xf5a101d3d29d6f72)},
    {0, K1, 0xdd5783bcu, UINT64_C(0x3a95ed6e4ebb4ad5)},
    {1, K2, 0x18f9781bu, UINT64_C(0x280818bf0fa7e28e)},
    {0, K2, 0xa5be6871u, UINT64_C(0x334fc234bee495ca)},
    {1, K3, 0xcd04a475u, UINT64_C(0x886540e5dce77f70)},
    {0, K3, 0x07aae1b6u, UINT64_C(0xfa1723bef8656fe4)},
};
#define N_KEY_KAT (sizeof key_kat / sizeof key_kat[0])

START_TEST(test_key_derive_kat) {
  uint32_t token = 0;
  uint64_t idsn = 0;
  int rc = mptcp_crypto_key_derive(key_kat[_i].version, key_kat[_i].key, &token,
                                   &idsn);
  ck_assert_int_eq(rc, 0);
  CK_X64(token, key_kat[_i].token);
  CK_X64(idsn, key_kat[_i].idsn);
  /* Either output may be NULL. */
  token = 0;
  ck_assert_int_eq(mptcp_crypto_key_derive(key_kat[_i].version, key_kat[_i].key,
                                           &token, NULL),
                   0);
  CK_X64(token, key_kat[_i].token);
  idsn = 0;
  ck_assert_int_eq(mptcp_crypto_key_derive(key_kat[_i].version, key_kat[_i].key,
                                           NULL, &idsn),
                   0);
  CK_X64(idsn, key_kat[_i].idsn);
  ck_assert_int_eq(
      mptcp_crypto_key_derive(key_kat[_i].version, key_kat[_i].key, NULL, NULL),
      0);
}
END_TEST

/* §2: eight v0 key/token pairs cross-checked against a third-party trace
 * analyser (decimal in the spec). */
static const struct {
  uint64_t key;
  uint32_t token;
} v0_xcheck[] = {
    {UINT64_C(14232633393355152416), 1187499290u},
    {UINT64_C(2097874973131745533), 3453009450u},
    {UINT64_C(6234784353306747016), 2308765430u},
    {UINT64_C(983142155943229432), 3611618124u},
    {UINT64_C(4848392901692201259), 1243844425u},
    {UINT64_C(5823071776475689728), 229917286u},
    {UINT64_C(3371602785583873677), 1021507062u},
    {UINT64_C(14199735500882309953), 825014698u},
};
#define N_V0_XCHECK (sizeof v0_xcheck / sizeof v0_xcheck[0])

START_TEST(test_key_derive_v0_xcheck) {
  uint32_t token = 0;
  ck_assert_int_eq(mptcp_crypto_key_derive(0, v0_xcheck[_i].key, &token, NULL),
                   0);
  ck_assert_msg(token == v0_xcheck[_i].token, "key %llu: token %u, want %u",
                (unsigned long long)v0_xcheck[_i].key, token,
                v0_xcheck[_i].token);
}
END_TEST

START_TEST(test_key_derive_bad_version) {
  uint32_t token = 0x12345678u;
  uint64_t idsn = 42;
  ck_assert_int_eq(mptcp_crypto_key_derive(2, K1, &token, &idsn),
                   MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_crypto_key_derive(-1, K1, &token, &idsn),
                   MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_crypto_key_derive(0xFF, K1, NULL, NULL),
                   MPTCP_ERR_INVALID_ARG);
}
END_TEST

/* ---------------------------------------------------------------- */
/* §2 kernel HMAC vectors, §3 MP_JOIN example                         */
/* ---------------------------------------------------------------- */

static const struct {
  uint64_t k1, k2;
  uint32_t r1, r2;
  const char *hmac;
} kernel_hmac[] = {
    {UINT64_C(0x3062306230623062), UINT64_C(0x3062306230623062), 0x34383639u,
     0x32303534u,
     "8385e24fb4235ac37556b6b886db106284a1da671699f46db1f235ec622dcafa"},
    {UINT64_C(0x6161616161616161), UINT64_C(0x6161616161616161), 0x64646464u,
     0x64646464u,
     "2c5e219164ff1dca1c4a92318d847bb6b9d44492984e1eb71aff9022f71046e9"},
    {UINT64_C(0x3031303230333034), UINT64_C(0x3035303630373038), 0x63646364u,
     0x63646364u,
     "e73b9ba9969969cefb04aa0d6df18ec2fcc075b6f23b4d8c4da736a5dbbc6e7d"},
};

START_TEST(test_join_hmac_kernel_vectors) {
  uint8_t want[64], got[MPTCP_JOIN_HMAC_LEN_V1 + 8];
  size_t n = tcheck_hex(kernel_hmac[_i].hmac, want, sizeof want);
  ck_assert_uint_eq(n, 32);
  memset(got, 0xA5, sizeof got);
  int rc = mptcp_crypto_join_hmac(1, kernel_hmac[_i].k1, kernel_hmac[_i].k2,
                                  kernel_hmac[_i].r1, kernel_hmac[_i].r2, got);
  ck_assert_int_eq(rc, MPTCP_JOIN_HMAC_LEN_V1);
  ck_assert_bytes(got, 32, want, 32);
  /* Nothing written past the 32 bytes. */
  for (size_t i = 32; i < sizeof got; i++) ck_assert_uint_eq(got[i], 0xA5);
}
END_TEST

START_TEST(test_join_hmac_kernel_truncations) {
  uint8_t got[MPTCP_JOIN_HMAC_LEN_V1], want[32];
  ck_assert_int_eq(mptcp_crypto_join_hmac(1, kernel_hmac[0].k1,
                                          kernel_hmac[0].k2, kernel_hmac[0].r1,
                                          kernel_hmac[0].r2, got),
                   32);
  size_t n = tcheck_hex("8385e24fb4235ac3", want, sizeof want);
  ck_assert_bytes(got, MPTCP_JOIN_TRUNC_SYNACK, want, n);
  n = tcheck_hex("8385e24fb4235ac37556b6b886db106284a1da67", want, sizeof want);
  ck_assert_bytes(got, MPTCP_JOIN_TRUNC_ACK, want, n);
}
END_TEST

#define RA 0x11223344u
#define RB 0xAABBCCDDu

START_TEST(test_join_hmac_example_v1) {
  uint8_t got[MPTCP_JOIN_HMAC_LEN_V1], want[32];
  /* HMAC-A: key Key-A||Key-B, msg R-A||R-B. */
  ck_assert_int_eq(mptcp_crypto_join_hmac(1, K1, K2, RA, RB, got), 32);
  tcheck_hex("d9176d34c58aef526aa49d8d6d869a819519968e18cda848f7ed806af0020041",
             want, sizeof want);
  ck_assert_bytes(got, 32, want, 32);
  /* The third ACK carries HMAC-A[0..19]. */
  uint8_t ackf[32];
  size_t n = tcheck_hex("d9 17 6d 34 c5 8a ef 52 6a a4 9d 8d 6d 86 9a 81 95 19 "
                        "96 8e",
                        ackf, sizeof ackf);
  ck_assert_bytes(got, MPTCP_JOIN_TRUNC_ACK, ackf, n);

  /* HMAC-B: key Key-B||Key-A, msg R-B||R-A. */
  ck_assert_int_eq(mptcp_crypto_join_hmac(1, K2, K1, RB, RA, got), 32);
  tcheck_hex("6129c669ea48a58108795bb4f59689ba974a4e0a62fb77c15d55282ea13714c6",
             want, sizeof want);
  ck_assert_bytes(got, 32, want, 32);
  n = tcheck_hex("61 29 c6 69 ea 48 a5 81", ackf, sizeof ackf);
  ck_assert_bytes(got, MPTCP_JOIN_TRUNC_SYNACK, ackf, n);
}
END_TEST

START_TEST(test_join_hmac_example_v0) {
  uint8_t got[MPTCP_JOIN_HMAC_LEN_V1], want[32];
  memset(got, 0xA5, sizeof got);
  ck_assert_int_eq(mptcp_crypto_join_hmac(0, K1, K2, RA, RB, got),
                   MPTCP_JOIN_HMAC_LEN_V0);
  size_t n =
      tcheck_hex("692da15a00c47e06eca5032c0f9990603fb22880", want, sizeof want);
  ck_assert_uint_eq(n, 20);
  ck_assert_bytes(got, 20, want, 20);
  ck_assert_int_eq(mptcp_crypto_join_hmac(0, K2, K1, RB, RA, got), 20);
  tcheck_hex("9ee827ad53733eac7e634e4129b29e95716cc227", want, sizeof want);
  ck_assert_bytes(got, 20, want, 20);
  /* SYN/ACK field of the §3 v0 dump. */
  n = tcheck_hex("9e e8 27 ad 53 73 3e ac", want, sizeof want);
  ck_assert_bytes(got, MPTCP_JOIN_TRUNC_SYNACK, want, n);
}
END_TEST

START_TEST(test_join_hmac_bad_version) {
  uint8_t out[MPTCP_JOIN_HMAC_LEN_V1];
  ck_assert_int_eq(mptcp_crypto_join_hmac(2, K1, K2, RA, RB, out),
                   MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_crypto_join_hmac(-3, K1, K2, RA, RB, out),
                   MPTCP_ERR_INVALID_ARG);
}
END_TEST

/* The two hosts' HMACs differ (own key and nonce first). */
START_TEST(test_join_hmac_asymmetric) {
  uint8_t a[32], b[32];
  for (int v = 0; v <= 1; v++) {
    int n = mptcp_crypto_join_hmac(v, K1, K2, RA, RB, a);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(mptcp_crypto_join_hmac(v, K2, K1, RB, RA, b), n);
    ck_assert_int_ne(memcmp(a, b, (size_t)n), 0);
    /* Swapping only the nonces changes it too. */
    ck_assert_int_eq(mptcp_crypto_join_hmac(v, K1, K2, RB, RA, b), n);
    ck_assert_int_ne(memcmp(a, b, (size_t)n), 0);
  }
}
END_TEST

/* ---------------------------------------------------------------- */
/* §4 ADD_ADDR HMAC                                                   */
/* ---------------------------------------------------------------- */

static void mkaddr4(mptcp_ipaddr *a, uint8_t b0, uint8_t b1, uint8_t b2,
                    uint8_t b3) {
  memset(a, 0, sizeof *a);
  a->family = MPTCP_AF_INET;
  a->a[0] = b0;
  a->a[1] = b1;
  a->a[2] = b2;
  a->a[3] = b3;
}

static void mkaddr6_2001db8_1(mptcp_ipaddr *a) {
  memset(a, 0, sizeof *a);
  a->family = MPTCP_AF_INET6;
  a->a[0] = 0x20;
  a->a[1] = 0x01;
  a->a[2] = 0x0d;
  a->a[3] = 0xb8;
  a->a[15] = 0x01;
}

static const struct {
  uint8_t id;
  int v6;
  uint16_t port;
  uint64_t field;
} add_addr_kat[] = {
    {5, 0, 0, UINT64_C(0x40c5ba64bfa25730)},
    {5, 0, 8080, UINT64_C(0x0ebf8dfb1d25befd)},
    {6, 1, 0, UINT64_C(0xe03ce4014587702d)},
    {6, 1, 443, UINT64_C(0xdd2713878b95e39d)},
};

START_TEST(test_add_addr_hmac_kat) {
  mptcp_ipaddr a;
  if (add_addr_kat[_i].v6)
    mkaddr6_2001db8_1(&a);
  else
    mkaddr4(&a, 192, 0, 2, 1);
  uint64_t out = 0;
  ck_assert_int_eq(mptcp_crypto_add_addr_hmac(K1, K2, add_addr_kat[_i].id, &a,
                                              add_addr_kat[_i].port, &out),
                   0);
  CK_X64(out, add_addr_kat[_i].field);
  /* Receiver B validates with the same key order (peer key first). */
  uint64_t again = 0;
  ck_assert_int_eq(mptcp_crypto_add_addr_hmac(K1, K2, add_addr_kat[_i].id, &a,
                                              add_addr_kat[_i].port, &again),
                   0);
  CK_X64(again, out);
  /* Swapped keys, another ID or another port give another value. */
  ck_assert_int_eq(mptcp_crypto_add_addr_hmac(K2, K1, add_addr_kat[_i].id, &a,
                                              add_addr_kat[_i].port, &again),
                   0);
  ck_assert(again != out);
  ck_assert_int_eq(
      mptcp_crypto_add_addr_hmac(K1, K2, (uint8_t)(add_addr_kat[_i].id + 1), &a,
                                 add_addr_kat[_i].port, &again),
      0);
  ck_assert(again != out);
  ck_assert_int_eq(
      mptcp_crypto_add_addr_hmac(K1, K2, add_addr_kat[_i].id, &a,
                                 (uint16_t)(add_addr_kat[_i].port + 1), &again),
      0);
  ck_assert(again != out);
}
END_TEST

START_TEST(test_add_addr_hmac_not_leftmost) {
  mptcp_ipaddr a;
  mkaddr4(&a, 192, 0, 2, 1);
  uint64_t out = 0;
  ck_assert_int_eq(mptcp_crypto_add_addr_hmac(K1, K2, 5, &a, 0, &out), 0);
  /* The common bug (leftmost 64 bits) would give 80206e6e17d4ad61. */
  ck_assert(out != UINT64_C(0x80206e6e17d4ad61));
}
END_TEST

START_TEST(test_add_addr_hmac_bad_family) {
  mptcp_ipaddr a;
  memset(&a, 0, sizeof a);
  a.family = MPTCP_AF_NONE;
  uint64_t out = 0;
  ck_assert_int_eq(mptcp_crypto_add_addr_hmac(K1, K2, 5, &a, 0, &out),
                   MPTCP_ERR_INVALID_ARG);
  a.family = 5;
  ck_assert_int_eq(mptcp_crypto_add_addr_hmac(K1, K2, 5, &a, 0, &out),
                   MPTCP_ERR_INVALID_ARG);
}
END_TEST

/* ---------------------------------------------------------------- */
/* §5 DSS checksum                                                    */
/* ---------------------------------------------------------------- */

static const uint8_t hello[13] = {'h', 'e', 'l', 'l', 'o', ',', ' ',
                                  'm', 'p', 't', 'c', 'p', '!'};
#define HELLO_DSN UINT64_C(0xf5a101d3d29d6f73)

START_TEST(test_dss_csum_whole) {
  uint8_t bytes[16];
  size_t n =
      tcheck_hex("68 65 6c 6c 6f 2c 20 6d 70 74 63 70 21", bytes, sizeof bytes);
  ck_assert_bytes(hello, sizeof hello, bytes, n);
  ck_assert_uint_eq(mptcp_dss_csum(HELLO_DSN, 1, 13, hello, 13), 0x6d1b);

  mptcp_dss_csum_state c;
  mptcp_dss_csum_init(&c, HELLO_DSN, 1, 13);
  mptcp_dss_csum_add(&c, hello, 13);
  ck_assert_uint_eq(mptcp_dss_csum_final(&c), 0x6d1b);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x6d1b), 1);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x6d1a), 0);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x1b6d), 0);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x0000), 0);
}
END_TEST

START_TEST(test_dss_csum_split_5_8) {
  mptcp_dss_csum_state c;
  mptcp_dss_csum_init(&c, HELLO_DSN, 1, 13);
  mptcp_dss_csum_add(&c, hello, 5);
  mptcp_dss_csum_add(&c, hello + 5, 8);
  ck_assert_uint_eq(mptcp_dss_csum_final(&c), 0x6d1b);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x6d1b), 1);
}
END_TEST

/* Every split point 0..13 (empty pieces included). */
START_TEST(test_dss_csum_every_split) {
  size_t k = (size_t)_i;
  mptcp_dss_csum_state c;
  mptcp_dss_csum_init(&c, HELLO_DSN, 1, 13);
  mptcp_dss_csum_add(&c, hello, k);
  mptcp_dss_csum_add(&c, hello + k, 13 - k);
  ck_assert_msg(mptcp_dss_csum_final(&c) == 0x6d1b, "split at %zu: 0x%04x", k,
                mptcp_dss_csum_final(&c));
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x6d1b), 1);
  /* Three pieces: k, 1, rest. */
  if (k < 13) {
    mptcp_dss_csum_init(&c, HELLO_DSN, 1, 13);
    mptcp_dss_csum_add(&c, hello, k);
    mptcp_dss_csum_add(&c, hello + k, 1);
    mptcp_dss_csum_add(&c, hello + k + 1, 12 - k);
    ck_assert_uint_eq(mptcp_dss_csum_final(&c), 0x6d1b);
  }
}
END_TEST

START_TEST(test_dss_csum_one_byte_pieces) {
  mptcp_dss_csum_state c;
  mptcp_dss_csum_init(&c, HELLO_DSN, 1, 13);
  for (size_t i = 0; i < 13; i++) mptcp_dss_csum_add(&c, hello + i, 1);
  ck_assert_uint_eq(mptcp_dss_csum_final(&c), 0x6d1b);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x6d1b), 1);
}
END_TEST

START_TEST(test_dss_csum_data_fin) {
  /* DATA_FIN in the same mapping: DLL 14, still 13 data bytes. */
  ck_assert_uint_eq(mptcp_dss_csum(HELLO_DSN, 1, 14, hello, 13), 0x6d1a);
  mptcp_dss_csum_state c;
  mptcp_dss_csum_init(&c, HELLO_DSN, 1, 14);
  mptcp_dss_csum_add(&c, hello, 7);
  mptcp_dss_csum_add(&c, hello + 7, 6);
  ck_assert_uint_eq(mptcp_dss_csum_final(&c), 0x6d1a);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x6d1a), 1);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0x6d1b), 0);

  /* Standalone DATA_FIN: DSN IDSN-A+14, SSN 0, DLL 1, no data. */
  ck_assert_uint_eq(mptcp_dss_csum(UINT64_C(0xf5a101d3d29d6f80), 0, 1, NULL, 0),
                    0xc66b);
  mptcp_dss_csum_init(&c, UINT64_C(0xf5a101d3d29d6f80), 0, 1);
  ck_assert_uint_eq(mptcp_dss_csum_final(&c), 0xc66b);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0xc66b), 1);
  ck_assert_int_eq(mptcp_dss_csum_check(&c, 0xc66a), 0);
}
END_TEST

/* Every single-bit flip of the data is detected. */
START_TEST(test_dss_csum_bitflip) {
  size_t byte = (size_t)_i / 8, bit = (size_t)_i % 8;
  uint8_t d[13];
  memcpy(d, hello, sizeof d);
  d[byte] ^= (uint8_t)(1u << bit);
  mptcp_dss_csum_state c;
  mptcp_dss_csum_init(&c, HELLO_DSN, 1, 13);
  mptcp_dss_csum_add(&c, d, byte);
  mptcp_dss_csum_add(&c, d + byte, 13 - byte);
  ck_assert_msg(mptcp_dss_csum_check(&c, 0x6d1b) == 0,
                "flip of byte %zu bit %zu not detected", byte, bit);
  ck_assert_uint_ne(mptcp_dss_csum(HELLO_DSN, 1, 13, d, 13), 0x6d1b);
}
END_TEST

/* Flips in the pseudo-header inputs are detected too. */
START_TEST(test_dss_csum_pseudo_header) {
  ck_assert_uint_ne(mptcp_dss_csum(HELLO_DSN ^ 1, 1, 13, hello, 13), 0x6d1b);
  ck_assert_uint_ne(
      mptcp_dss_csum(HELLO_DSN ^ (UINT64_C(1) << 40), 1, 13, hello, 13),
      0x6d1b);
  ck_assert_uint_ne(mptcp_dss_csum(HELLO_DSN, 2, 13, hello, 13), 0x6d1b);
  ck_assert_uint_ne(mptcp_dss_csum(HELLO_DSN, 1, 12, hello, 13), 0x6d1b);
}
END_TEST

/* ---------------------------------------------------------------- */
/* §7 DSN expansion                                                   */
/* ---------------------------------------------------------------- */

static const struct {
  uint64_t ref;
  uint32_t v;
  uint64_t want;
} expand_kat[] = {
    /* test-values §7 */
    {UINT64_C(0x00000001ffffff00), 0x00000010u, UINT64_C(0x0000000200000010)},
    {UINT64_C(0x0000000200000010), 0xffffff00u, UINT64_C(0x00000001ffffff00)},
    {UINT64_C(0xf5a101d3d29d6f73), 0xd29d7000u, UINT64_C(0xf5a101d3d29d7000)},
    {UINT64_C(0xf5a101d3d29d6f73), 0xd29d6000u, UINT64_C(0xf5a101d3d29d6000)},
    /* edges: same value, just inside +-2^31 */
    {UINT64_C(0x0000000512345678), 0x12345678u, UINT64_C(0x0000000512345678)},
    {UINT64_C(0x0000000180000001), 0x00000000u, UINT64_C(0x0000000200000000)},
    {UINT64_C(0x000000017fffffff), 0xfffffffeu, UINT64_C(0x00000001fffffffe)},
    {UINT64_C(0x00000001fffffffe), 0x7fffffffu, UINT64_C(0x000000017fffffff)},
    {UINT64_C(0x00000001ffffffff), 0x00000000u, UINT64_C(0x0000000200000000)},
    {UINT64_C(0x0000000200000000), 0xffffffffu, UINT64_C(0x00000001ffffffff)},
    {UINT64_C(0x0000000300000005), 0x00000004u, UINT64_C(0x0000000300000004)},
    {UINT64_C(0x0000000000000010), 0x00000020u, UINT64_C(0x0000000000000020)},
};
#define N_EXPAND_KAT (sizeof expand_kat / sizeof expand_kat[0])

START_TEST(test_expand_seq_kat) {
  uint64_t got = mptcp_expand_seq(expand_kat[_i].ref, expand_kat[_i].v);
  ck_assert_msg(got == expand_kat[_i].want,
                "expand(0x%llx, 0x%08x) = 0x%llx, want 0x%llx",
                (unsigned long long)expand_kat[_i].ref, expand_kat[_i].v,
                (unsigned long long)got,
                (unsigned long long)expand_kat[_i].want);
}
END_TEST

/* Property: any value within (-2^31, 2^31) of ref comes back exactly. */
START_TEST(test_expand_seq_random) {
  uint64_t s = UINT64_C(0x9E3779B97F4A7C15);
  for (int i = 0; i < 20000; i++) {
    uint64_t ref = tcheck_prng(&s) >> 1; /* keep away from 64-bit overflow */
    ref += UINT64_C(1) << 33;
    int64_t delta =
        (int64_t)(tcheck_prng(&s) % UINT64_C(0xFFFFFFFE)) - 0x7FFFFFFF;
    uint64_t val = ref + (uint64_t)delta;
    uint64_t got = mptcp_expand_seq(ref, (uint32_t)val);
    ck_assert_msg(got == val, "seed iter %d: expand(0x%llx, 0x%08x) = 0x%llx",
                  i, (unsigned long long)ref, (unsigned)(uint32_t)val,
                  (unsigned long long)got);
  }
}
END_TEST

/* ---------------------------------------------------------------- */
/* equal, random                                                      */
/* ---------------------------------------------------------------- */

START_TEST(test_crypto_equal) {
  uint8_t a[40], b[40];
  for (size_t i = 0; i < sizeof a; i++) a[i] = b[i] = (uint8_t)(i * 7 + 1);
  ck_assert_int_eq(mptcp_crypto_equal(a, b, sizeof a), 1);
  ck_assert_int_eq(mptcp_crypto_equal(a, b, 0), 1);
  for (size_t i = 0; i < sizeof a; i++) {
    b[i] ^= 0x80;
    ck_assert_msg(mptcp_crypto_equal(a, b, sizeof a) == 0, "diff at %zu", i);
    /* a prefix that stops before the difference still matches */
    ck_assert_int_eq(mptcp_crypto_equal(a, b, i), 1);
    b[i] ^= 0x80;
    b[i] ^= 0x01;
    ck_assert_int_eq(mptcp_crypto_equal(a, b, sizeof a), 0);
    b[i] ^= 0x01;
  }
}
END_TEST

struct rand_state {
  unsigned calls;
  size_t last_n;
  uint8_t next;
};

static void test_rand_hook(uint8_t *dst, size_t n, void *user_data) {
  struct rand_state *st = user_data;
  st->calls++;
  st->last_n = n;
  for (size_t i = 0; i < n; i++) dst[i] = st->next++;
}

START_TEST(test_crypto_random_hook) {
  struct rand_state st = {0, 0, 0x40};
  uint8_t buf[24];
  memset(buf, 0, sizeof buf);
  ck_assert_int_eq(mptcp_crypto_random(test_rand_hook, &st, buf, 20), 0);
  ck_assert_uint_ge(st.calls, 1);
  /* The hook's bytes come through unchanged, nothing past n is written. */
  for (size_t i = 0; i < 20; i++) ck_assert_uint_eq(buf[i], 0x40 + i);
  for (size_t i = 20; i < sizeof buf; i++) ck_assert_uint_eq(buf[i], 0);
}
END_TEST

START_TEST(test_crypto_random_default) {
  uint8_t a[32], b[32];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  ck_assert_int_eq(mptcp_crypto_random(NULL, NULL, a, sizeof a), 0);
  ck_assert_int_eq(mptcp_crypto_random(NULL, NULL, b, sizeof b), 0);
  ck_assert_int_ne(memcmp(a, b, sizeof a), 0);
  static const uint8_t zero[32];
  ck_assert_int_ne(memcmp(a, zero, sizeof a), 0);
}
END_TEST

Suite *suite_crypto(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_key_derive_kat, N_KEY_KAT),
      TCHECK_LOOP(test_key_derive_v0_xcheck, N_V0_XCHECK),
      TCHECK_TEST(test_key_derive_bad_version),
      TCHECK_LOOP(test_join_hmac_kernel_vectors, 3),
      TCHECK_TEST(test_join_hmac_kernel_truncations),
      TCHECK_TEST(test_join_hmac_example_v1),
      TCHECK_TEST(test_join_hmac_example_v0),
      TCHECK_TEST(test_join_hmac_bad_version),
      TCHECK_TEST(test_join_hmac_asymmetric),
      TCHECK_LOOP(test_add_addr_hmac_kat, 4),
      TCHECK_TEST(test_add_addr_hmac_not_leftmost),
      TCHECK_TEST(test_add_addr_hmac_bad_family),
      TCHECK_TEST(test_dss_csum_whole),
      TCHECK_TEST(test_dss_csum_split_5_8),
      TCHECK_LOOP(test_dss_csum_every_split, 14),
      TCHECK_TEST(test_dss_csum_one_byte_pieces),
      TCHECK_TEST(test_dss_csum_data_fin),
      TCHECK_LOOP(test_dss_csum_bitflip, 13 * 8),
      TCHECK_TEST(test_dss_csum_pseudo_header),
      TCHECK_LOOP(test_expand_seq_kat, N_EXPAND_KAT),
      TCHECK_TEST(test_expand_seq_random),
      TCHECK_TEST(test_crypto_equal),
      TCHECK_TEST(test_crypto_random_hook),
      TCHECK_TEST(test_crypto_random_default),
  };
  return tcheck_suite("crypto", tests, sizeof tests / sizeof tests[0]);
}
