/*
 * Tests for lib/options.c: byte-exact decode and encode of every option dump
 * in /work/shared/spec/test-values.md (§3, §4, §5.1, §6, §8, v1 and v0), and
 * parse(write(x)) round trips for every suboption form.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>

#include <stdio.h>
#include <string.h>

#define TH_SYN MPTCP_TH_SYN
#define TH_SYNACK (MPTCP_TH_SYN | MPTCP_TH_ACK)
#define TH_ACK MPTCP_TH_ACK
#define TH_RST MPTCP_TH_RST
#define V0 MPTCP_VERSION_0
#define V1 MPTCP_VERSION_1
#define VANY MPTCP_VERSION_ANY
#define PP_DEF MPTCP_PREFER_PROXY_DEFAULT_SUBTYPE

/* ---------------------------------------------------------------- */
/* helpers                                                            */
/* ---------------------------------------------------------------- */

static void mkctx(mptcp_parse_ctx *c, uint8_t flags, size_t payload,
                  uint8_t version, uint8_t pp) {
  mptcp_parse_ctx_init(c, flags, payload);
  c->version = version;
  c->prefer_proxy_subtype = pp;
}

/* Parses the hex option with the given context into *so; the option must
 * decode with status OK and the right wire length. */
static void parse_ok(const char *hex, uint8_t flags, size_t payload,
                     uint8_t version, mptcp_subopt *so) {
  uint8_t b[64];
  size_t n = tcheck_hex(hex, b, sizeof b);
  ck_assert_uint_eq(b[1], n);
  mptcp_parse_ctx c;
  mkctx(&c, flags, payload, version, PP_DEF);
  memset(so, 0xEE, sizeof *so);
  mptcp_subopt_parse(b, n, &c, so);
  ck_assert_msg(so->status == MPTCP_SUBOPT_OK,
                "%s: status %u (ctx flags 0x%x"
                " payload %zu version %u)",
                hex, so->status, flags, payload, version);
  ck_assert_uint_eq(so->len, n);
}

static void zero_so(mptcp_subopt *so, uint8_t subtype) {
  memset(so, 0, sizeof *so);
  so->subtype = subtype;
  so->status = MPTCP_SUBOPT_OK;
}

/* size == write length == expected bytes; every smaller cap is NOBUF and
 * leaves the bytes beyond the cap alone. */
static void check_write(const mptcp_subopt *so, uint8_t pp, const char *hex) {
  uint8_t want[64], got[64];
  size_t n = tcheck_hex(hex, want, sizeof want);
  ck_assert_int_eq(mptcp_subopt_size(so), (mptcp_ssize)n);
  memset(got, 0xCC, sizeof got);
  mptcp_ssize w = mptcp_subopt_write(so, pp, got, sizeof got);
  ck_assert_int_eq(w, (mptcp_ssize)n);
  ck_assert_bytes(got, n, want, n);
  for (size_t i = n; i < sizeof got; i++) ck_assert_uint_eq(got[i], 0xCC);
  for (size_t cap = 0; cap < n; cap++) {
    memset(got, 0xCC, sizeof got);
    ck_assert_msg(mptcp_subopt_write(so, pp, got, cap) == MPTCP_ERR_NOBUF,
                  "cap %zu of %zu not NOBUF", cap, n);
    for (size_t i = cap; i < sizeof got; i++) ck_assert_uint_eq(got[i], 0xCC);
  }
}

/* Decodes @p hex, checks that re-encoding gives the same bytes. */
static void check_reencode(const char *hex, uint8_t flags, size_t payload,
                           uint8_t version) {
  mptcp_subopt so;
  parse_ok(hex, flags, payload, version, &so);
  check_write(&so, PP_DEF, hex);
}

/* write, then parse with the given segment context: equal, same length. */
static void check_roundtrip(const mptcp_subopt *so, uint8_t flags,
                            size_t payload, uint8_t version, uint8_t pp) {
  uint8_t buf[MPTCP_TCP_OPT_MAX + 8];
  mptcp_ssize sz = mptcp_subopt_size(so);
  ck_assert_int_ge(sz, 3);
  ck_assert_int_le(sz, MPTCP_TCP_OPT_MAX);
  memset(buf, 0xCC, sizeof buf);
  mptcp_ssize w = mptcp_subopt_write(so, pp, buf, sizeof buf);
  ck_assert_int_eq(w, sz);
  ck_assert_uint_eq(buf[0], MPTCP_TCPOPT_KIND);
  ck_assert_uint_eq(buf[1], (size_t)w);
  for (size_t cap = 0; cap < (size_t)w; cap++) {
    uint8_t small[MPTCP_TCP_OPT_MAX];
    ck_assert_msg(mptcp_subopt_write(so, pp, small, cap) == MPTCP_ERR_NOBUF,
                  "cap %zu of %zd not NOBUF", cap, (ptrdiff_t)w);
  }
  mptcp_parse_ctx c;
  mkctx(&c, flags, payload, version, pp);
  mptcp_subopt back;
  memset(&back, 0xEE, sizeof back);
  mptcp_subopt_parse(buf, (size_t)w, &c, &back);
  char fa[256], fb[256];
  mptcp_subopt_format(so, fa, sizeof fa);
  mptcp_subopt_format(&back, fb, sizeof fb);
  ck_assert_msg(back.status == MPTCP_SUBOPT_OK, "[%s] parsed back status %u",
                fa, back.status);
  ck_assert_uint_eq(back.len, (size_t)w);
  ck_assert_msg(mptcp_subopt_equal(so, &back) == 1,
                "round trip differs:\n  wrote %s\n  read  %s", fa, fb);
  ck_assert_int_eq(mptcp_subopt_equal(&back, so), 1);
  /* And the re-encoding is byte-identical. */
  uint8_t again[MPTCP_TCP_OPT_MAX];
  ck_assert_int_eq(mptcp_subopt_write(&back, pp, again, sizeof again), w);
  ck_assert_bytes(again, (size_t)w, buf, (size_t)w);
}

/* ---------------------------------------------------------------- */
/* §6 MP_CAPABLE decode / encode                                      */
/* ---------------------------------------------------------------- */

START_TEST(test_mpc_v1_decode) {
  static const uint8_t vers[] = {V1, VANY};
  for (size_t v = 0; v < 2; v++) {
    mptcp_subopt so;
    parse_ok("1e 04 01 01", TH_SYN, 0, vers[v], &so);
    ck_assert_uint_eq(so.subtype, MPTCP_SUB_CAPABLE);
    ck_assert_uint_eq(so.u.mpc.version, 1);
    ck_assert_uint_eq(so.u.mpc.flags, MPTCP_CAP_H);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_SYN);

    parse_ok("1e 04 01 81", TH_SYN, 0, vers[v], &so);
    ck_assert_uint_eq(so.u.mpc.flags, MPTCP_CAP_A | MPTCP_CAP_H);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_SYN);

    parse_ok("1e 04 01 21", TH_SYN, 0, vers[v], &so);
    ck_assert_uint_eq(so.u.mpc.flags, MPTCP_CAP_C | MPTCP_CAP_H);

    parse_ok("1e 0c 01 01 fe dc ba 98 76 54 32 10", TH_SYNACK, 0, vers[v], &so);
    ck_assert_uint_eq(so.subtype, MPTCP_SUB_CAPABLE);
    ck_assert_uint_eq(so.u.mpc.version, 1);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_SYNACK);
    ck_assert_uint_eq(so.u.mpc.flags, 0x01);
    CK_X64(so.u.mpc.snd_key, K2);

    parse_ok("1e 14 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10",
             TH_ACK, 0, vers[v], &so);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_ACK);
    CK_X64(so.u.mpc.snd_key, K1);
    CK_X64(so.u.mpc.rcv_key, K2);

    parse_ok("1e 16 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 "
             "00 0d",
             TH_ACK | MPTCP_TH_PSH, 13, vers[v], &so);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_DATA);
    ck_assert_uint_eq(so.u.mpc.has_csum, 0);
    CK_X64(so.u.mpc.snd_key, K1);
    CK_X64(so.u.mpc.rcv_key, K2);
    ck_assert_uint_eq(so.u.mpc.dll, 13);

    parse_ok("1e 18 01 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 "
             "00 0d 6d 1b",
             TH_ACK, 13, vers[v], &so);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_DATA);
    ck_assert_uint_eq(so.u.mpc.flags, 0x81);
    ck_assert_uint_eq(so.u.mpc.has_csum, 1);
    ck_assert_uint_eq(so.u.mpc.dll, 13);
    ck_assert_uint_eq(so.u.mpc.csum, 0x6d1b);
  }
}
END_TEST

START_TEST(test_mpc_v0_decode) {
  static const uint8_t vers[] = {V0, VANY};
  for (size_t v = 0; v < 2; v++) {
    mptcp_subopt so;
    parse_ok("1e 0c 00 81 01 02 03 04 05 06 07 08", TH_SYN, 0, vers[v], &so);
    ck_assert_uint_eq(so.subtype, MPTCP_SUB_CAPABLE);
    ck_assert_uint_eq(so.u.mpc.version, 0);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_SYN);
    ck_assert_uint_eq(so.u.mpc.flags, 0x81);
    CK_X64(so.u.mpc.snd_key, K1);

    parse_ok("1e 0c 00 81 fe dc ba 98 76 54 32 10", TH_SYNACK, 0, vers[v], &so);
    ck_assert_uint_eq(so.u.mpc.version, 0);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_SYNACK);
    CK_X64(so.u.mpc.snd_key, K2);

    parse_ok("1e 14 00 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10",
             TH_ACK, 0, vers[v], &so);
    ck_assert_uint_eq(so.u.mpc.version, 0);
    ck_assert_uint_eq(so.u.mpc.form, MPTCP_MPC_ACK);
    CK_X64(so.u.mpc.snd_key, K1);
    CK_X64(so.u.mpc.rcv_key, K2);
  }
}
END_TEST

START_TEST(test_mpc_encode) {
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_CAPABLE);
  so.u.mpc.version = 1;
  so.u.mpc.flags = MPTCP_CAP_H;
  so.u.mpc.form = MPTCP_MPC_SYN;
  check_write(&so, PP_DEF, "1e 04 01 01");
  so.u.mpc.flags = MPTCP_CAP_A | MPTCP_CAP_H;
  check_write(&so, PP_DEF, "1e 04 01 81");
  so.u.mpc.flags = MPTCP_CAP_C | MPTCP_CAP_H;
  check_write(&so, PP_DEF, "1e 04 01 21");

  so.u.mpc.flags = MPTCP_CAP_H;
  so.u.mpc.form = MPTCP_MPC_SYNACK;
  so.u.mpc.snd_key = K2;
  check_write(&so, PP_DEF, "1e 0c 01 01 fe dc ba 98 76 54 32 10");

  so.u.mpc.form = MPTCP_MPC_ACK;
  so.u.mpc.snd_key = K1;
  so.u.mpc.rcv_key = K2;
  check_write(&so, PP_DEF,
              "1e 14 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10");

  so.u.mpc.form = MPTCP_MPC_DATA;
  so.u.mpc.dll = 13;
  check_write(&so, PP_DEF,
              "1e 16 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 "
              "00 0d");
  so.u.mpc.flags = MPTCP_CAP_A | MPTCP_CAP_H;
  so.u.mpc.has_csum = 1;
  so.u.mpc.csum = 0x6d1b;
  check_write(&so, PP_DEF,
              "1e 18 01 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 "
              "00 0d 6d 1b");

  /* v0 */
  zero_so(&so, MPTCP_SUB_CAPABLE);
  so.u.mpc.version = 0;
  so.u.mpc.flags = 0x81;
  so.u.mpc.form = MPTCP_MPC_SYN;
  so.u.mpc.snd_key = K1;
  check_write(&so, PP_DEF, "1e 0c 00 81 01 02 03 04 05 06 07 08");
  so.u.mpc.form = MPTCP_MPC_SYNACK;
  so.u.mpc.snd_key = K2;
  check_write(&so, PP_DEF, "1e 0c 00 81 fe dc ba 98 76 54 32 10");
  so.u.mpc.form = MPTCP_MPC_ACK;
  so.u.mpc.snd_key = K1;
  so.u.mpc.rcv_key = K2;
  check_write(&so, PP_DEF,
              "1e 14 00 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10");
}
END_TEST

/* test-values §8: the worked connection, decoded and re-encoded. */
START_TEST(test_worked_connection_reencode) {
  check_reencode("1e 04 01 01", TH_SYN, 0, V1);
  check_reencode("1e 0c 01 01 fe dc ba 98 76 54 32 10", TH_SYNACK, 0, V1);
  check_reencode("1e 14 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10",
                 TH_ACK, 0, V1);
  check_reencode("1e 16 01 01 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 "
                 "00 0d",
                 TH_ACK | MPTCP_TH_PSH, 13, V1);
  mptcp_subopt so;
  parse_ok("1e 0c 20 03 f5 a1 01 d3 d2 9d 6f 80", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_DSS);
  ck_assert_uint_eq(so.u.dss.flags, MPTCP_DSS_A | MPTCP_DSS_a);
  CK_X64(so.u.dss.data_ack, UINT64_C(0xf5a101d3d29d6f80));
  check_write(&so, PP_DEF, "1e 0c 20 03 f5 a1 01 d3 d2 9d 6f 80");
}
END_TEST

/* ---------------------------------------------------------------- */
/* §3 MP_JOIN                                                         */
/* ---------------------------------------------------------------- */

static void check_join_dumps(int version, const char *syn, const char *synack,
                             const char *ack, uint32_t token,
                             const char *synack_hmac, const char *ack_hmac) {
  static const uint8_t vers[2][2] = {{V0, VANY}, {V1, VANY}};
  uint8_t h[32];
  for (size_t v = 0; v < 2; v++) {
    uint8_t ver = vers[version][v];
    mptcp_subopt so;
    parse_ok(syn, TH_SYN, 0, ver, &so);
    ck_assert_uint_eq(so.subtype, MPTCP_SUB_JOIN);
    ck_assert_uint_eq(so.u.join.form, MPTCP_JOIN_SYN);
    ck_assert_uint_eq(so.u.join.backup, 0);
    ck_assert_uint_eq(so.u.join.addr_id, 2);
    CK_X64(so.u.join.token, token);
    CK_X64(so.u.join.nonce, 0x11223344u);
    check_write(&so, PP_DEF, syn);

    parse_ok(synack, TH_SYNACK, 0, ver, &so);
    ck_assert_uint_eq(so.u.join.form, MPTCP_JOIN_SYNACK);
    ck_assert_uint_eq(so.u.join.backup, 0);
    ck_assert_uint_eq(so.u.join.addr_id, 3);
    CK_X64(so.u.join.nonce, 0xaabbccddu);
    size_t n = tcheck_hex(synack_hmac, h, sizeof h);
    ck_assert_uint_eq(n, 8);
    ck_assert_bytes(so.u.join.hmac, 8, h, 8);
    check_write(&so, PP_DEF, synack);

    parse_ok(ack, TH_ACK, 0, ver, &so);
    ck_assert_uint_eq(so.u.join.form, MPTCP_JOIN_ACK);
    n = tcheck_hex(ack_hmac, h, sizeof h);
    ck_assert_uint_eq(n, 20);
    ck_assert_bytes(so.u.join.hmac, 20, h, 20);
    check_write(&so, PP_DEF, ack);
  }
}

START_TEST(test_join_dumps_v1) {
  check_join_dumps(1, "1e 0c 10 02 18 f9 78 1b 11 22 33 44",
                   "1e 10 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc dd",
                   "1e 18 10 00 d9 17 6d 34 c5 8a ef 52 6a a4 9d 8d 6d 86 9a "
                   "81 95 19 96 8e",
                   0x18f9781bu, "6129c669ea48a581",
                   "d9176d34c58aef526aa49d8d6d869a819519968e");
  /* B=1 in the SYN: third byte 0x11. */
  mptcp_subopt so;
  parse_ok("1e 0c 11 02 18 f9 78 1b 11 22 33 44", TH_SYN, 0, V1, &so);
  ck_assert_uint_eq(so.u.join.backup, 1);
  ck_assert_uint_eq(so.u.join.addr_id, 2);
  check_write(&so, PP_DEF, "1e 0c 11 02 18 f9 78 1b 11 22 33 44");
}
END_TEST

START_TEST(test_join_dumps_v0) {
  check_join_dumps(0, "1e 0c 10 02 a5 be 68 71 11 22 33 44",
                   "1e 10 10 03 9e e8 27 ad 53 73 3e ac aa bb cc dd",
                   "1e 18 10 00 69 2d a1 5a 00 c4 7e 06 ec a5 03 2c 0f 99 90 "
                   "60 3f b2 28 80",
                   0xa5be6871u, "9ee827ad53733eac",
                   "692da15a00c47e06eca5032c0f9990603fb22880");
}
END_TEST

/* The option dumps agree with what the crypto module computes. */
START_TEST(test_join_dumps_match_crypto) {
  uint32_t token = 0;
  ck_assert_int_eq(mptcp_crypto_key_derive(1, K2, &token, NULL), 0);
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_JOIN);
  so.u.join.form = MPTCP_JOIN_SYN;
  so.u.join.addr_id = 2;
  so.u.join.token = token;
  so.u.join.nonce = 0x11223344u;
  check_write(&so, PP_DEF, "1e 0c 10 02 18 f9 78 1b 11 22 33 44");

  uint8_t hmac[32];
  ck_assert_int_eq(
      mptcp_crypto_join_hmac(1, K2, K1, 0xAABBCCDDu, 0x11223344u, hmac), 32);
  zero_so(&so, MPTCP_SUB_JOIN);
  so.u.join.form = MPTCP_JOIN_SYNACK;
  so.u.join.addr_id = 3;
  so.u.join.nonce = 0xAABBCCDDu;
  memcpy(so.u.join.hmac, hmac, MPTCP_JOIN_TRUNC_SYNACK);
  check_write(&so, PP_DEF, "1e 10 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc dd");

  ck_assert_int_eq(
      mptcp_crypto_join_hmac(0, K1, K2, 0x11223344u, 0xAABBCCDDu, hmac), 20);
  zero_so(&so, MPTCP_SUB_JOIN);
  so.u.join.form = MPTCP_JOIN_ACK;
  memcpy(so.u.join.hmac, hmac, MPTCP_JOIN_TRUNC_ACK);
  check_write(&so, PP_DEF,
              "1e 18 10 00 69 2d a1 5a 00 c4 7e 06 ec a5 03 2c 0f 99 90 60 3f "
              "b2 28 80");
}
END_TEST

/* ---------------------------------------------------------------- */
/* §4 ADD_ADDR full options (v1) and §6 v0 ADD_ADDR                   */
/* ---------------------------------------------------------------- */

static const struct {
  const char *hex;
  int v6, echo;
  uint16_t port;
  uint64_t hmac;
} add_addr_dumps[] = {
    {"1e 10 30 05 c0 00 02 01 40 c5 ba 64 bf a2 57 30", 0, 0, 0,
     UINT64_C(0x40c5ba64bfa25730)},
    {"1e 08 31 05 c0 00 02 01", 0, 1, 0, 0},
    {"1e 12 30 05 c0 00 02 01 1f 90 0e bf 8d fb 1d 25 be fd", 0, 0, 8080,
     UINT64_C(0x0ebf8dfb1d25befd)},
    {"1e 0a 31 05 c0 00 02 01 1f 90", 0, 1, 8080, 0},
    {"1e 1c 30 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 e0 3c e4 "
     "01 45 87 70 2d",
     1, 0, 0, UINT64_C(0xe03ce4014587702d)},
    {"1e 14 31 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01", 1, 1, 0, 0},
    {"1e 1e 30 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 01 bb dd "
     "27 13 87 8b 95 e3 9d",
     1, 0, 443, UINT64_C(0xdd2713878b95e39d)},
    {"1e 16 31 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 01 bb", 1, 1,
     443, 0},
};
#define N_ADD_ADDR_DUMPS (sizeof add_addr_dumps / sizeof add_addr_dumps[0])

START_TEST(test_add_addr_v1_dumps) {
  const char *hex = add_addr_dumps[_i].hex;
  int v6 = add_addr_dumps[_i].v6;
  mptcp_ipaddr want;
  if (v6)
    tcheck_addr6_db8(&want, 1);
  else
    tcheck_addr4(&want, 192, 0, 2, 1);
  static const uint8_t vers[] = {V1, VANY};
  for (size_t v = 0; v < 2; v++) {
    mptcp_subopt so;
    parse_ok(hex, TH_ACK, 0, vers[v], &so);
    ck_assert_uint_eq(so.subtype, MPTCP_SUB_ADD_ADDR);
    const mptcp_add_addr *aa = &so.u.add_addr;
    ck_assert_uint_eq(aa->v0, 0);
    ck_assert_uint_eq(aa->echo, add_addr_dumps[_i].echo);
    ck_assert_uint_eq(aa->addr_id, v6 ? 6 : 5);
    ck_assert_uint_eq(aa->has_port, add_addr_dumps[_i].port != 0);
    if (add_addr_dumps[_i].port)
      ck_assert_uint_eq(aa->port, add_addr_dumps[_i].port);
    ck_assert_uint_eq(aa->has_hmac, !add_addr_dumps[_i].echo);
    if (!add_addr_dumps[_i].echo) CK_X64(aa->hmac, add_addr_dumps[_i].hmac);
    ck_assert_uint_eq(aa->addr.family, want.family);
    ck_assert_int_eq(mptcp_ipaddr_equal(&aa->addr, &want), 1);
    ck_assert_bytes(aa->addr.a, 16, want.a, 16);
  }

  /* Encode from a freshly built struct. */
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_ADD_ADDR);
  so.u.add_addr.echo = (uint8_t)add_addr_dumps[_i].echo;
  so.u.add_addr.addr_id = v6 ? 6 : 5;
  so.u.add_addr.has_port = add_addr_dumps[_i].port != 0;
  so.u.add_addr.port = add_addr_dumps[_i].port;
  so.u.add_addr.addr = want;
  so.u.add_addr.has_hmac = !add_addr_dumps[_i].echo;
  so.u.add_addr.hmac = add_addr_dumps[_i].hmac;
  check_write(&so, PP_DEF, hex);

  /* The HMAC field is what mptcp_crypto_add_addr_hmac gives. */
  if (!add_addr_dumps[_i].echo) {
    uint64_t h = 0;
    ck_assert_int_eq(mptcp_crypto_add_addr_hmac(K1, K2, so.u.add_addr.addr_id,
                                                &want, add_addr_dumps[_i].port,
                                                &h),
                     0);
    CK_X64(h, add_addr_dumps[_i].hmac);
  }
}
END_TEST

START_TEST(test_add_addr_v0_dumps) {
  mptcp_subopt so;
  mptcp_ipaddr a4, a6;
  tcheck_addr4(&a4, 192, 0, 2, 1);
  tcheck_addr6_db8(&a6, 1);

  parse_ok("1e 08 34 05 c0 00 02 01", TH_ACK, 0, V0, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_ADD_ADDR);
  ck_assert_uint_eq(so.u.add_addr.v0, 1);
  ck_assert_uint_eq(so.u.add_addr.addr_id, 5);
  ck_assert_uint_eq(so.u.add_addr.has_port, 0);
  ck_assert_uint_eq(so.u.add_addr.has_hmac, 0);
  ck_assert_uint_eq(so.u.add_addr.echo, 0);
  ck_assert_int_eq(mptcp_ipaddr_equal(&so.u.add_addr.addr, &a4), 1);
  check_write(&so, PP_DEF, "1e 08 34 05 c0 00 02 01");

  parse_ok("1e 0a 34 05 c0 00 02 01 1f 90", TH_ACK, 0, V0, &so);
  ck_assert_uint_eq(so.u.add_addr.v0, 1);
  ck_assert_uint_eq(so.u.add_addr.has_port, 1);
  ck_assert_uint_eq(so.u.add_addr.port, 8080);
  ck_assert_int_eq(mptcp_ipaddr_equal(&so.u.add_addr.addr, &a4), 1);
  check_write(&so, PP_DEF, "1e 0a 34 05 c0 00 02 01 1f 90");

  parse_ok("1e 14 36 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01",
           TH_ACK, 0, V0, &so);
  ck_assert_uint_eq(so.u.add_addr.v0, 1);
  ck_assert_uint_eq(so.u.add_addr.addr_id, 6);
  ck_assert_uint_eq(so.u.add_addr.has_port, 0);
  ck_assert_uint_eq(so.u.add_addr.addr.family, MPTCP_AF_INET6);
  ck_assert_int_eq(mptcp_ipaddr_equal(&so.u.add_addr.addr, &a6), 1);
  check_write(&so, PP_DEF,
              "1e 14 36 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01");

  /* Encode from scratch. */
  zero_so(&so, MPTCP_SUB_ADD_ADDR);
  so.u.add_addr.v0 = 1;
  so.u.add_addr.addr_id = 5;
  so.u.add_addr.addr = a4;
  check_write(&so, PP_DEF, "1e 08 34 05 c0 00 02 01");
  so.u.add_addr.has_port = 1;
  so.u.add_addr.port = 8080;
  check_write(&so, PP_DEF, "1e 0a 34 05 c0 00 02 01 1f 90");
}
END_TEST

/* ---------------------------------------------------------------- */
/* §5.1 DSS dumps                                                     */
/* ---------------------------------------------------------------- */

static const struct {
  const char *hex;
  uint8_t flags, has_csum;
  uint64_t ack, dsn;
  uint32_t ssn;
  uint16_t dll, csum;
} dss_dumps[] = {
    {"1e 1c 20 0f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d 6f 73 00 00 00 01 "
     "00 0d 6d 1b",
     0x0f, 1, UINT64_C(0x280818bf0fa7e28f), UINT64_C(0xf5a101d3d29d6f73), 1, 13,
     0x6d1b},
    {"1e 14 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d 6d 1b", 0x05, 1,
     0x0fa7e28fu, 0xd29d6f73u, 1, 13, 0x6d1b},
    {"1e 12 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d", 0x05, 0,
     0x0fa7e28fu, 0xd29d6f73u, 1, 13, 0},
    {"1e 0c 20 03 28 08 18 bf 0f a7 e2 8f", 0x03, 0,
     UINT64_C(0x280818bf0fa7e28f), 0, 0, 0, 0},
    {"1e 08 20 01 0f a7 e2 8f", 0x01, 0, 0x0fa7e28fu, 0, 0, 0, 0},
    {"1e 1c 20 1f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d 6f 80 00 00 00 00 "
     "00 01 c6 6b",
     0x1f, 1, UINT64_C(0x280818bf0fa7e28f), UINT64_C(0xf5a101d3d29d6f80), 0, 1,
     0xc66b},
    {"1e 1a 20 1f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d 6f 80 00 00 00 00 "
     "00 01",
     0x1f, 0, UINT64_C(0x280818bf0fa7e28f), UINT64_C(0xf5a101d3d29d6f80), 0, 1,
     0},
    {"1e 1c 20 0f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d 6f 73 00 00 00 01 "
     "00 00 00 00",
     0x0f, 1, UINT64_C(0x280818bf0fa7e28f), UINT64_C(0xf5a101d3d29d6f73), 1, 0,
     0},
};
#define N_DSS_DUMPS (sizeof dss_dumps / sizeof dss_dumps[0])

START_TEST(test_dss_dumps) {
  mptcp_subopt so;
  static const uint8_t vers[] = {V1, V0, VANY};
  for (size_t v = 0; v < 3; v++) {
    parse_ok(dss_dumps[_i].hex, TH_ACK, 13, vers[v], &so);
    ck_assert_uint_eq(so.subtype, MPTCP_SUB_DSS);
    ck_assert_uint_eq(so.u.dss.flags, dss_dumps[_i].flags);
    ck_assert_uint_eq(so.u.dss.has_csum, dss_dumps[_i].has_csum);
    if (dss_dumps[_i].flags & MPTCP_DSS_A)
      CK_X64(so.u.dss.data_ack, dss_dumps[_i].ack);
    if (dss_dumps[_i].flags & MPTCP_DSS_M) {
      CK_X64(so.u.dss.dsn, dss_dumps[_i].dsn);
      CK_X64(so.u.dss.ssn, dss_dumps[_i].ssn);
      ck_assert_uint_eq(so.u.dss.dll, dss_dumps[_i].dll);
    }
    if (dss_dumps[_i].has_csum)
      ck_assert_uint_eq(so.u.dss.csum, dss_dumps[_i].csum);
  }
  check_write(&so, PP_DEF, dss_dumps[_i].hex);

  /* Encode from scratch. */
  zero_so(&so, MPTCP_SUB_DSS);
  so.u.dss.flags = dss_dumps[_i].flags;
  so.u.dss.has_csum = dss_dumps[_i].has_csum;
  so.u.dss.data_ack = dss_dumps[_i].ack;
  so.u.dss.dsn = dss_dumps[_i].dsn;
  so.u.dss.ssn = dss_dumps[_i].ssn;
  so.u.dss.dll = dss_dumps[_i].dll;
  so.u.dss.csum = dss_dumps[_i].csum;
  check_write(&so, PP_DEF, dss_dumps[_i].hex);
}
END_TEST

/* 32-bit fields write the low 32 bits of 64-bit values. */
START_TEST(test_dss_write_low32) {
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_DSS);
  so.u.dss.flags = MPTCP_DSS_A | MPTCP_DSS_M;
  so.u.dss.has_csum = 1;
  so.u.dss.data_ack = UINT64_C(0x280818bf0fa7e28f);
  so.u.dss.dsn = UINT64_C(0xf5a101d3d29d6f73);
  so.u.dss.ssn = 1;
  so.u.dss.dll = 13;
  so.u.dss.csum = 0x6d1b;
  check_write(&so, PP_DEF,
              "1e 14 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d 6d 1b");
}
END_TEST

/* Reserved flag bits are dropped on parse. */
START_TEST(test_dss_reserved_bits) {
  mptcp_subopt so;
  parse_ok("1e 08 2f e1 0f a7 e2 8f", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_DSS);
  ck_assert_uint_eq(so.u.dss.flags, MPTCP_DSS_A);
  CK_X64(so.u.dss.data_ack, 0x0fa7e28fu);
  check_write(&so, PP_DEF, "1e 08 20 01 0f a7 e2 8f");
}
END_TEST

/* ---------------------------------------------------------------- */
/* §6 other v1 dumps and v0 MP_PRIO                                   */
/* ---------------------------------------------------------------- */

START_TEST(test_misc_v1_dumps) {
  mptcp_subopt so;
  parse_ok("1e 03 51", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_PRIO);
  ck_assert_uint_eq(so.u.prio.backup, 1);
  ck_assert_uint_eq(so.u.prio.has_addr_id, 0);
  check_write(&so, PP_DEF, "1e 03 51");
  parse_ok("1e 03 50", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.u.prio.backup, 0);
  check_write(&so, PP_DEF, "1e 03 50");

  parse_ok("1e 04 40 05", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_REMOVE_ADDR);
  ck_assert_uint_eq(so.u.rm_addr.n, 1);
  ck_assert_uint_eq(so.u.rm_addr.ids[0], 5);
  check_write(&so, PP_DEF, "1e 04 40 05");
  parse_ok("1e 06 40 05 06 07", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.u.rm_addr.n, 3);
  ck_assert_uint_eq(so.u.rm_addr.ids[0], 5);
  ck_assert_uint_eq(so.u.rm_addr.ids[1], 6);
  ck_assert_uint_eq(so.u.rm_addr.ids[2], 7);
  check_write(&so, PP_DEF, "1e 06 40 05 06 07");

  parse_ok("1e 0c 60 00 f5 a1 01 d3 d2 9d 6f 73", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_FAIL);
  CK_X64(so.u.fail_dsn, UINT64_C(0xf5a101d3d29d6f73));
  check_write(&so, PP_DEF, "1e 0c 60 00 f5 a1 01 d3 d2 9d 6f 73");
  parse_ok("1e 0c 60 00 f5 a1 01 d3 d2 9d 6f 73", TH_RST | TH_ACK, 0, V1, &so);
  CK_X64(so.u.fail_dsn, UINT64_C(0xf5a101d3d29d6f73));

  parse_ok("1e 0c 70 00 fe dc ba 98 76 54 32 10", TH_ACK, 0, V1, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_FASTCLOSE);
  CK_X64(so.u.fastclose_key, K2);
  check_write(&so, PP_DEF, "1e 0c 70 00 fe dc ba 98 76 54 32 10");
  parse_ok("1e 0c 70 00 fe dc ba 98 76 54 32 10", TH_RST, 0, V1, &so);
  CK_X64(so.u.fastclose_key, K2);

  parse_ok("1e 04 81 01", TH_RST, 0, V1, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_TCPRST);
  ck_assert_uint_eq(so.u.tcprst.flags, MPTCP_TCPRST_T);
  ck_assert_uint_eq(so.u.tcprst.reason, MPTCP_RESET_REASON_MPTCP);
  check_write(&so, PP_DEF, "1e 04 81 01");
  parse_ok("1e 04 80 06", TH_RST | TH_ACK, 0, VANY, &so);
  ck_assert_uint_eq(so.u.tcprst.flags, 0);
  ck_assert_uint_eq(so.u.tcprst.reason, MPTCP_RESET_REASON_MIDDLEBOX);
  check_write(&so, PP_DEF, "1e 04 80 06");

  /* From scratch. */
  zero_so(&so, MPTCP_SUB_FAIL);
  so.u.fail_dsn = UINT64_C(0xf5a101d3d29d6f73);
  check_write(&so, PP_DEF, "1e 0c 60 00 f5 a1 01 d3 d2 9d 6f 73");
  zero_so(&so, MPTCP_SUB_FASTCLOSE);
  so.u.fastclose_key = K2;
  check_write(&so, PP_DEF, "1e 0c 70 00 fe dc ba 98 76 54 32 10");
  zero_so(&so, MPTCP_SUB_TCPRST);
  so.u.tcprst.flags = MPTCP_TCPRST_T;
  so.u.tcprst.reason = 1;
  check_write(&so, PP_DEF, "1e 04 81 01");
  zero_so(&so, MPTCP_SUB_PRIO);
  so.u.prio.backup = 1;
  check_write(&so, PP_DEF, "1e 03 51");
  zero_so(&so, MPTCP_SUB_REMOVE_ADDR);
  so.u.rm_addr.n = 3;
  so.u.rm_addr.ids[0] = 5;
  so.u.rm_addr.ids[1] = 6;
  so.u.rm_addr.ids[2] = 7;
  check_write(&so, PP_DEF, "1e 06 40 05 06 07");
}
END_TEST

START_TEST(test_prio_v0_dump) {
  mptcp_subopt so;
  parse_ok("1e 04 51 05", TH_ACK, 0, V0, &so);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_PRIO);
  ck_assert_uint_eq(so.u.prio.backup, 1);
  ck_assert_uint_eq(so.u.prio.has_addr_id, 1);
  ck_assert_uint_eq(so.u.prio.addr_id, 5);
  check_write(&so, PP_DEF, "1e 04 51 05");
  /* Length 3 is legal in v0 too. */
  parse_ok("1e 03 51", TH_ACK, 0, V0, &so);
  ck_assert_uint_eq(so.u.prio.backup, 1);
  ck_assert_uint_eq(so.u.prio.has_addr_id, 0);

  zero_so(&so, MPTCP_SUB_PRIO);
  so.u.prio.backup = 1;
  so.u.prio.has_addr_id = 1;
  so.u.prio.addr_id = 5;
  check_write(&so, PP_DEF, "1e 04 51 05");
}
END_TEST

/* ---------------------------------------------------------------- */
/* MP_PREFER_PROXY, unknown subtypes                                  */
/* ---------------------------------------------------------------- */

START_TEST(test_prefer_proxy) {
  uint8_t b[8];
  mptcp_parse_ctx c;
  mptcp_subopt so;

  /* parse_ctx_init: version ANY, default prefer-proxy subtype. */
  mptcp_parse_ctx_init(&c, TH_SYN, 7);
  ck_assert_uint_eq(c.tcp_flags, TH_SYN);
  ck_assert_uint_eq(c.payload_len, 7);
  ck_assert_uint_eq(c.version, MPTCP_VERSION_ANY);
  ck_assert_uint_eq(c.prefer_proxy_subtype, 0xF);

  size_t n = tcheck_hex("1e 04 f0 00", b, sizeof b);
  mptcp_subopt_parse(b, n, &c, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_PREFER_PROXY);
  ck_assert_uint_eq(so.len, 4);
  ck_assert_uint_eq(so.u.prefer_proxy_reserved, 0);
  check_write(&so, 0xF, "1e 04 f0 00");

  /* Reserved bits are ignored (kept as received). */
  n = tcheck_hex("1e 04 f5 a5", b, sizeof b);
  mptcp_subopt_parse(b, n, &c, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_PREFER_PROXY);
  ck_assert_uint_eq(so.u.prefer_proxy_reserved, 0x5a5);

  /* Configured subtype 0xE. */
  zero_so(&so, MPTCP_SUB_PREFER_PROXY);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_PREFER_PROXY);
  check_write(&so, 0xE, "1e 04 e0 00");
  check_write(&so, 0xF, "1e 04 f0 00");
  check_roundtrip(&so, TH_SYN, 0, V1, 0xE);
  check_roundtrip(&so, TH_SYN, 0, V0, 0xF);
  check_roundtrip(&so, TH_SYN, 0, VANY, 0x9);

  /* With 0xE configured, 0xF is just the experimental subtype. */
  mkctx(&c, TH_SYN, 0, V1, 0xE);
  n = tcheck_hex("1e 04 f0 00", b, sizeof b);
  mptcp_subopt_parse(b, n, &c, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_UNKNOWN);
  ck_assert_uint_eq(so.subtype, 0xF);
  n = tcheck_hex("1e 04 e0 00", b, sizeof b);
  mptcp_subopt_parse(b, n, &c, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_PREFER_PROXY);

  /* 0xFF: not recognised at all. */
  mkctx(&c, TH_SYN, 0, V1, 0xFF);
  n = tcheck_hex("1e 04 f0 00", b, sizeof b);
  mptcp_subopt_parse(b, n, &c, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_UNKNOWN);
  ck_assert_uint_eq(so.subtype, MPTCP_SUB_EXPERIMENTAL);
  ck_assert_uint_eq(so.raw_len, 4);
  ck_assert_bytes(so.raw, so.raw_len, b, n);

  /* Default config: 0xE is an unknown subtype. */
  mptcp_parse_ctx_init(&c, TH_SYN, 0);
  n = tcheck_hex("1e 04 e0 00", b, sizeof b);
  mptcp_subopt_parse(b, n, &c, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_UNKNOWN);
  ck_assert_uint_eq(so.subtype, 0xE);
}
END_TEST

START_TEST(test_unknown_subtype_raw) {
  static const char *const hexes[] = {
      "1e 06 90 01 02 03", "1e 03 a0", "1e 0c b7 01 02 03 04 05 06 07 08 09",
      "1e 04 c0 ff", "1e 05 d1 00 00",
      /* 40 bytes, the largest option */
      ("1e 28 e0 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 00 00"
       "00 00 00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00 00 01")};
  for (size_t i = 0; i < sizeof hexes / sizeof hexes[0]; i++) {
    uint8_t b[48];
    size_t n = tcheck_hex(hexes[i], b, sizeof b);
    ck_assert_uint_eq(b[1], n);
    static const uint8_t vers[] = {V0, V1, VANY};
    for (size_t v = 0; v < 3; v++) {
      mptcp_parse_ctx c;
      mkctx(&c, TH_ACK, 0, vers[v], PP_DEF);
      mptcp_subopt so;
      memset(&so, 0xEE, sizeof so);
      mptcp_subopt_parse(b, n, &c, &so);
      ck_assert_msg(so.status == MPTCP_SUBOPT_UNKNOWN, "%s: status %u",
                    hexes[i], so.status);
      ck_assert_uint_eq(so.subtype, b[2] >> 4);
      ck_assert_uint_eq(so.len, n);
      ck_assert_uint_eq(so.raw_len, n);
      ck_assert_bytes(so.raw, so.raw_len, b, n);
    }
  }
}
END_TEST

/* v0 has no MP_TCPRST: subtype 0x8 is unassigned there. */
START_TEST(test_tcprst_unknown_in_v0) {
  uint8_t b[8];
  size_t n = tcheck_hex("1e 04 81 01", b, sizeof b);
  mptcp_parse_ctx c;
  mkctx(&c, TH_RST, 0, V0, PP_DEF);
  mptcp_subopt so;
  mptcp_subopt_parse(b, n, &c, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_UNKNOWN);
  ck_assert_uint_eq(so.subtype, 0x8);
  ck_assert_uint_eq(so.raw_len, 4);
}
END_TEST

/* ---------------------------------------------------------------- */
/* round trips for every form                                         */
/* ---------------------------------------------------------------- */

START_TEST(test_rt_mpc) {
  mptcp_subopt so;
  /* v1 */
  zero_so(&so, MPTCP_SUB_CAPABLE);
  so.u.mpc.version = 1;
  so.u.mpc.flags = MPTCP_CAP_A | MPTCP_CAP_H;
  so.u.mpc.form = MPTCP_MPC_SYN;
  check_roundtrip(&so, TH_SYN, 0, V1, PP_DEF);
  check_roundtrip(&so, TH_SYN, 0, VANY, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_SYN);
  so.u.mpc.form = MPTCP_MPC_SYNACK;
  so.u.mpc.snd_key = UINT64_C(0x8877665544332211);
  check_roundtrip(&so, TH_SYNACK, 0, V1, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_SYNACK);
  so.u.mpc.form = MPTCP_MPC_ACK;
  so.u.mpc.rcv_key = UINT64_C(0x0123456789abcdef);
  check_roundtrip(&so, TH_ACK, 0, V1, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_ACK);
  so.u.mpc.form = MPTCP_MPC_DATA;
  so.u.mpc.dll = 1400;
  check_roundtrip(&so, TH_ACK | MPTCP_TH_PSH, 1400, V1, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_DATA);
  so.u.mpc.has_csum = 1;
  so.u.mpc.csum = 0xabcd;
  check_roundtrip(&so, TH_ACK, 1, V1, PP_DEF);
  check_roundtrip(&so, TH_ACK, 1, VANY, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_DATA_CSUM);
  /* v0 */
  zero_so(&so, MPTCP_SUB_CAPABLE);
  so.u.mpc.version = 0;
  so.u.mpc.flags = MPTCP_CAP_A | MPTCP_CAP_H;
  so.u.mpc.form = MPTCP_MPC_SYN;
  so.u.mpc.snd_key = UINT64_C(0x1111222233334444);
  check_roundtrip(&so, TH_SYN, 0, V0, PP_DEF);
  check_roundtrip(&so, TH_SYN, 0, VANY, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_SYN_V0);
  so.u.mpc.form = MPTCP_MPC_SYNACK;
  check_roundtrip(&so, TH_SYNACK, 0, V0, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_SYNACK);
  so.u.mpc.form = MPTCP_MPC_ACK;
  so.u.mpc.rcv_key = UINT64_C(0x5555666677778888);
  check_roundtrip(&so, TH_ACK, 0, V0, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_MPC_ACK);
}
END_TEST

START_TEST(test_rt_join) {
  for (uint8_t backup = 0; backup <= 1; backup++) {
    mptcp_subopt so;
    zero_so(&so, MPTCP_SUB_JOIN);
    so.u.join.form = MPTCP_JOIN_SYN;
    so.u.join.backup = backup;
    so.u.join.addr_id = 9;
    so.u.join.token = 0xdeadbeefu;
    so.u.join.nonce = 0x01020304u;
    check_roundtrip(&so, TH_SYN, 0, V1, PP_DEF);
    check_roundtrip(&so, TH_SYN, 0, V0, PP_DEF);
    ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_JOIN_SYN);

    zero_so(&so, MPTCP_SUB_JOIN);
    so.u.join.form = MPTCP_JOIN_SYNACK;
    so.u.join.backup = backup;
    so.u.join.addr_id = 255;
    so.u.join.nonce = 0xfffefdfcu;
    for (int i = 0; i < 8; i++) so.u.join.hmac[i] = (uint8_t)(0xa0 + i);
    check_roundtrip(&so, TH_SYNACK, 0, V1, PP_DEF);
    check_roundtrip(&so, TH_SYNACK, 0, VANY, PP_DEF);
    ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_JOIN_SYNACK);
  }
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_JOIN);
  so.u.join.form = MPTCP_JOIN_ACK;
  for (int i = 0; i < 20; i++) so.u.join.hmac[i] = (uint8_t)(0x30 + 7 * i);
  check_roundtrip(&so, TH_ACK, 0, V1, PP_DEF);
  check_roundtrip(&so, TH_ACK, 0, V0, PP_DEF);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_JOIN_ACK);
}
END_TEST

/* Every DSS flag combination (5 bits) with and without checksum. */
START_TEST(test_rt_dss_loop) {
  uint8_t flags = (uint8_t)(_i & 0x1F);
  int csum = (_i >> 5) & 1;
  int has_a = flags & MPTCP_DSS_A, has_m = flags & MPTCP_DSS_M;
  if (!has_m) csum = 0; /* the checksum belongs to the mapping */
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_DSS);
  so.u.dss.flags = flags;
  so.u.dss.has_csum = (uint8_t)csum;
  if (has_a)
    so.u.dss.data_ack = (flags & MPTCP_DSS_a) ? UINT64_C(0x1122334455667788)
                                              : UINT64_C(0x99aabbcc);
  if (has_m) {
    so.u.dss.dsn = (flags & MPTCP_DSS_m) ? UINT64_C(0x8877665544332211)
                                         : UINT64_C(0xfedcba98);
    so.u.dss.ssn = 0x01020304u;
    so.u.dss.dll = 0x0506;
    if (csum) so.u.dss.csum = 0xbeef;
  }
  /* Length table of mptcp-v1-wire §5.2. */
  size_t want = 4;
  if (has_a) want += (flags & MPTCP_DSS_a) ? 8 : 4;
  if (has_m) want += ((flags & MPTCP_DSS_m) ? 14 : 10) + (csum ? 2 : 0);
  ck_assert_int_eq(mptcp_subopt_size(&so), (mptcp_ssize)want);
  check_roundtrip(&so, TH_ACK, 100, V1, PP_DEF);
  check_roundtrip(&so, TH_ACK | MPTCP_TH_FIN, 0, V0, PP_DEF);
  check_roundtrip(&so, TH_ACK, 0, VANY, PP_DEF);

  /* The flag byte on the wire is exactly the flags. */
  uint8_t buf[40];
  ck_assert_int_eq(mptcp_subopt_write(&so, PP_DEF, buf, sizeof buf),
                   (mptcp_ssize)want);
  ck_assert_uint_eq(buf[2], MPTCP_SUB_DSS << 4);
  ck_assert_uint_eq(buf[3], flags);
}
END_TEST

START_TEST(test_rt_add_addr) {
  /* v1: family x port x echo */
  for (int i = 0; i < 8; i++) {
    int v6 = i & 1, port = (i >> 1) & 1, echo = (i >> 2) & 1;
    mptcp_subopt so;
    zero_so(&so, MPTCP_SUB_ADD_ADDR);
    so.u.add_addr.echo = (uint8_t)echo;
    so.u.add_addr.addr_id = (uint8_t)(40 + i);
    so.u.add_addr.has_port = (uint8_t)port;
    so.u.add_addr.port = port ? (uint16_t)(1000 + i) : 0;
    so.u.add_addr.has_hmac = (uint8_t)!echo;
    so.u.add_addr.hmac =
        echo ? 0 : UINT64_C(0x0102030405060708) * (uint64_t)(i + 1);
    if (v6)
      tcheck_addr6_db8(&so.u.add_addr.addr, (uint8_t)(0x10 + i));
    else
      tcheck_addr4(&so.u.add_addr.addr, 198, 51, 100, (uint8_t)i);
    static const size_t lens[2][2][2] = {{{16, 8}, {18, 10}},
                                         {{28, 20}, {30, 22}}};
    ck_assert_int_eq(mptcp_subopt_size(&so), (mptcp_ssize)lens[v6][port][echo]);
    check_roundtrip(&so, TH_ACK, 0, V1, PP_DEF);
    check_roundtrip(&so, TH_ACK, 0, VANY, PP_DEF);
  }
  /* v0: family x port */
  for (int i = 0; i < 4; i++) {
    int v6 = i & 1, port = (i >> 1) & 1;
    mptcp_subopt so;
    zero_so(&so, MPTCP_SUB_ADD_ADDR);
    so.u.add_addr.v0 = 1;
    so.u.add_addr.addr_id = (uint8_t)(7 + i);
    so.u.add_addr.has_port = (uint8_t)port;
    so.u.add_addr.port = port ? 65535 : 0;
    if (v6)
      tcheck_addr6_db8(&so.u.add_addr.addr, 0x99);
    else
      tcheck_addr4(&so.u.add_addr.addr, 10, 0, 0, (uint8_t)(1 + i));
    static const size_t lens[2][2] = {{8, 10}, {20, 22}};
    ck_assert_int_eq(mptcp_subopt_size(&so), (mptcp_ssize)lens[v6][port]);
    check_roundtrip(&so, TH_ACK, 0, V0, PP_DEF);
    uint8_t buf[40];
    ck_assert_int_gt(mptcp_subopt_write(&so, PP_DEF, buf, sizeof buf), 0);
    ck_assert_uint_eq(buf[2], 0x30 | (v6 ? 6 : 4));
  }
}
END_TEST

START_TEST(test_rt_remove_addr) {
  static const uint8_t counts[] = {1, 2, 8, 37};
  for (size_t k = 0; k < sizeof counts; k++) {
    mptcp_subopt so;
    zero_so(&so, MPTCP_SUB_REMOVE_ADDR);
    so.u.rm_addr.n = counts[k];
    for (int i = 0; i < counts[k]; i++)
      so.u.rm_addr.ids[i] = (uint8_t)(i * 3 + 1);
    ck_assert_int_eq(mptcp_subopt_size(&so), 3 + counts[k]);
    check_roundtrip(&so, TH_ACK, 0, V1, PP_DEF);
    check_roundtrip(&so, TH_ACK, 0, V0, PP_DEF);
  }
}
END_TEST

START_TEST(test_rt_prio_fail_fastclose_tcprst) {
  mptcp_subopt so;
  for (uint8_t b = 0; b <= 1; b++) {
    zero_so(&so, MPTCP_SUB_PRIO);
    so.u.prio.backup = b;
    ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_PRIO);
    check_roundtrip(&so, TH_ACK, 0, V1, PP_DEF);
    check_roundtrip(&so, TH_ACK, 0, V0, PP_DEF);
    so.u.prio.has_addr_id = 1;
    so.u.prio.addr_id = (uint8_t)(3 + b);
    ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_PRIO_V0_ADDR);
    check_roundtrip(&so, TH_ACK, 0, V0, PP_DEF);
  }

  zero_so(&so, MPTCP_SUB_FAIL);
  so.u.fail_dsn = UINT64_C(0xffffffff00000001);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_FAIL);
  check_roundtrip(&so, TH_ACK, 0, V1, PP_DEF);
  check_roundtrip(&so, TH_RST, 0, V0, PP_DEF);

  zero_so(&so, MPTCP_SUB_FASTCLOSE);
  so.u.fastclose_key = UINT64_C(0x00000000000000ff);
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_FASTCLOSE);
  check_roundtrip(&so, TH_ACK, 0, V1, PP_DEF);
  check_roundtrip(&so, TH_RST | TH_ACK, 0, V1, PP_DEF);
  check_roundtrip(&so, TH_ACK, 0, V0, PP_DEF);

  static const uint8_t reasons[] = {0, 1, 2, 3, 4, 5, 6, 0x7f, 0xff};
  for (uint8_t t = 0; t <= 1; t++)
    for (size_t r = 0; r < sizeof reasons; r++) {
      zero_so(&so, MPTCP_SUB_TCPRST);
      so.u.tcprst.flags = t;
      so.u.tcprst.reason = reasons[r];
      ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_LEN_TCPRST);
      check_roundtrip(&so, TH_RST, 0, V1, PP_DEF);
      check_roundtrip(&so, TH_RST | TH_ACK, 0, VANY, PP_DEF);
    }
}
END_TEST

/* ---------------------------------------------------------------- */
/* size/write errors, equal, name, format                             */
/* ---------------------------------------------------------------- */

START_TEST(test_size_invalid) {
  uint8_t buf[64];
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_REMOVE_ADDR);
  so.u.rm_addr.n = 0;
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_subopt_write(&so, PP_DEF, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  so.u.rm_addr.n = MPTCP_RM_ADDR_MAX + 1;
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_subopt_write(&so, PP_DEF, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);

  zero_so(&so, MPTCP_SUB_ADD_ADDR);
  so.u.add_addr.addr.family = MPTCP_AF_NONE;
  so.u.add_addr.addr_id = 1;
  so.u.add_addr.has_hmac = 1;
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_subopt_write(&so, PP_DEF, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);

  zero_so(&so, MPTCP_SUB_CAPABLE);
  so.u.mpc.version = 1;
  so.u.mpc.flags = 1;
  so.u.mpc.form = 4;
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_subopt_write(&so, PP_DEF, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  /* No MP_CAPABLE-with-data in v0. */
  so.u.mpc.version = 0;
  so.u.mpc.form = MPTCP_MPC_DATA;
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_ERR_INVALID_ARG);

  zero_so(&so, MPTCP_SUB_JOIN);
  so.u.join.form = 3;
  ck_assert_int_eq(mptcp_subopt_size(&so), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_subopt_write(&so, PP_DEF, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_equal_semantics) {
  mptcp_subopt a, b;
  zero_so(&a, MPTCP_SUB_DSS);
  a.u.dss.flags = MPTCP_DSS_M;
  a.u.dss.dsn = 100;
  a.u.dss.ssn = 1;
  a.u.dss.dll = 10;
  b = a;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 1);
  /* Absent Data ACK and checksum are not meaningful. */
  b.u.dss.data_ack = 12345;
  b.u.dss.csum = 0x1111;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 1);
  b = a;
  b.u.dss.dsn = 101;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);
  b = a;
  b.u.dss.dll = 11;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);
  b = a;
  b.u.dss.flags |= MPTCP_DSS_F;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);
  b = a;
  b.u.dss.has_csum = 1;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);
  b = a;
  b.subtype = MPTCP_SUB_FAIL;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);

  /* v1 MP_CAPABLE SYN has no key. */
  zero_so(&a, MPTCP_SUB_CAPABLE);
  a.u.mpc.version = 1;
  a.u.mpc.flags = 1;
  b = a;
  b.u.mpc.snd_key = 77;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 1);
  b.u.mpc.flags = 0x81;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);

  zero_so(&a, MPTCP_SUB_FASTCLOSE);
  a.u.fastclose_key = 1;
  b = a;
  b.u.fastclose_key = 2;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);

  zero_so(&a, MPTCP_SUB_REMOVE_ADDR);
  a.u.rm_addr.n = 2;
  a.u.rm_addr.ids[0] = 1;
  a.u.rm_addr.ids[1] = 2;
  b = a;
  b.u.rm_addr.ids[5] = 9; /* beyond n */
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 1);
  b.u.rm_addr.ids[1] = 3;
  ck_assert_int_eq(mptcp_subopt_equal(&a, &b), 0);
}
END_TEST

START_TEST(test_subopt_name) {
  ck_assert_str_eq(mptcp_subopt_name(MPTCP_SUB_CAPABLE), "MP_CAPABLE");
  ck_assert_str_eq(mptcp_subopt_name(MPTCP_SUB_DSS), "DSS");
  static const uint8_t known[] = {
      MPTCP_SUB_CAPABLE,     MPTCP_SUB_JOIN,        MPTCP_SUB_DSS,
      MPTCP_SUB_ADD_ADDR,    MPTCP_SUB_REMOVE_ADDR, MPTCP_SUB_PRIO,
      MPTCP_SUB_FAIL,        MPTCP_SUB_FASTCLOSE,   MPTCP_SUB_TCPRST,
      MPTCP_SUB_PREFER_PROXY};
  for (size_t i = 0; i < sizeof known; i++) {
    const char *n = mptcp_subopt_name(known[i]);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_gt(strlen(n), 0);
    ck_assert_str_ne(n, "unknown");
    for (size_t j = 0; j < i; j++)
      ck_assert_str_ne(n, mptcp_subopt_name(known[j]));
  }
  for (unsigned s = 0x9; s <= 0xE; s++)
    ck_assert_str_eq(mptcp_subopt_name((uint8_t)s), "unknown");
  ck_assert_str_eq(mptcp_subopt_name(0x11), "unknown");
  ck_assert_str_eq(mptcp_subopt_name(0xFF), "unknown");
}
END_TEST

START_TEST(test_subopt_format) {
  static const struct {
    const char *hex;
    uint8_t flags;
    size_t payload;
  } opts[] = {
      {"1e 04 01 81", TH_SYN, 0},
      {"1e 18 01 81 01 02 03 04 05 06 07 08 fe dc ba 98 76 54 32 10 00 0d 6d "
       "1b",
       TH_ACK, 13},
      {"1e 0c 10 02 18 f9 78 1b 11 22 33 44", TH_SYN, 0},
      {"1e 1c 20 1f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d 6f 80 00 00 00 "
       "00 00 01 c6 6b",
       TH_ACK, 0},
      {"1e 1e 30 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 01 bb dd "
       "27 13 87 8b 95 e3 9d",
       TH_ACK, 0},
      {"1e 06 40 05 06 07", TH_ACK, 0},
      {"1e 03 51", TH_ACK, 0},
      {"1e 0c 60 00 f5 a1 01 d3 d2 9d 6f 73", TH_ACK, 0},
      {"1e 0c 70 00 fe dc ba 98 76 54 32 10", TH_ACK, 0},
      {"1e 04 81 01", TH_RST, 0},
      {"1e 04 f0 00", TH_SYN, 0},
      {"1e 06 90 01 02 03", TH_ACK, 0},
      {"1e 05 20 01 00", TH_ACK, 0}, /* malformed */
  };
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
    uint8_t b[48];
    size_t n = tcheck_hex(opts[i].hex, b, sizeof b);
    mptcp_parse_ctx c;
    mkctx(&c, opts[i].flags, opts[i].payload, V1, PP_DEF);
    mptcp_subopt so;
    mptcp_subopt_parse(b, n, &c, &so);
    char line[512];
    memset(line, 'X', sizeof line);
    int len = mptcp_subopt_format(&so, line, sizeof line);
    ck_assert_int_gt(len, 0);
    ck_assert_int_lt(len, (int)sizeof line);
    ck_assert_uint_eq(strlen(line), (size_t)len);
    ck_assert_ptr_null(strchr(line, '\n'));
    /* Truncation: same return value, NUL-terminated prefix. */
    char small[6];
    memset(small, 'X', sizeof small);
    ck_assert_int_eq(mptcp_subopt_format(&so, small, sizeof small), len);
    ck_assert_uint_eq(strlen(small), (size_t)len < 5 ? (size_t)len : 5);
    ck_assert_int_eq(strncmp(small, line, strlen(small)), 0);
    char one = 'X';
    ck_assert_int_eq(mptcp_subopt_format(&so, &one, 1), len);
    ck_assert_int_eq(one, 0);
    char none = 'X';
    ck_assert_int_eq(mptcp_subopt_format(&so, &none, 0), len);
    ck_assert_int_eq(none, 'X');
  }
}
END_TEST

Suite *suite_options(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mpc_v1_decode),
      TCHECK_TEST(test_mpc_v0_decode),
      TCHECK_TEST(test_mpc_encode),
      TCHECK_TEST(test_worked_connection_reencode),
      TCHECK_TEST(test_join_dumps_v1),
      TCHECK_TEST(test_join_dumps_v0),
      TCHECK_TEST(test_join_dumps_match_crypto),
      TCHECK_LOOP(test_add_addr_v1_dumps, N_ADD_ADDR_DUMPS),
      TCHECK_TEST(test_add_addr_v0_dumps),
      TCHECK_LOOP(test_dss_dumps, N_DSS_DUMPS),
      TCHECK_TEST(test_dss_write_low32),
      TCHECK_TEST(test_dss_reserved_bits),
      TCHECK_TEST(test_misc_v1_dumps),
      TCHECK_TEST(test_prio_v0_dump),
      TCHECK_TEST(test_prefer_proxy),
      TCHECK_TEST(test_unknown_subtype_raw),
      TCHECK_TEST(test_tcprst_unknown_in_v0),
      TCHECK_TEST(test_rt_mpc),
      TCHECK_TEST(test_rt_join),
      TCHECK_LOOP(test_rt_dss_loop, 64),
      TCHECK_TEST(test_rt_add_addr),
      TCHECK_TEST(test_rt_remove_addr),
      TCHECK_TEST(test_rt_prio_fail_fastclose_tcprst),
      TCHECK_TEST(test_size_invalid),
      TCHECK_TEST(test_equal_semantics),
      TCHECK_TEST(test_subopt_name),
      TCHECK_TEST(test_subopt_format),
  };
  return tcheck_suite("options", tests, sizeof tests / sizeof tests[0]);
}
