/*
 * Tests for lib/tcpopt.c: parsing realistic TCP option areas, malformed and
 * truncated options (on exact-size heap buffers so ASan sees any overread),
 * write/parse round trips, sizes, and the option-space planner.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TH_SYN MPTCP_TH_SYN
#define TH_ACK MPTCP_TH_ACK
#define PP_DEF MPTCP_PREFER_PROXY_DEFAULT_SUBTYPE

/* ---------------------------------------------------------------- */
/* helpers                                                            */
/* ---------------------------------------------------------------- */

static void mkctx(mptcp_parse_ctx *c, uint8_t flags, size_t payload,
                  uint8_t version) {
  mptcp_parse_ctx_init(c, flags, payload);
  c->version = version;
}

/* Parses @p len bytes from an exact-size heap copy. */
static void parse_exact(const uint8_t *p, size_t len,
                        const mptcp_parse_ctx *ctx, mptcp_tcpopts *o) {
  uint8_t *copy = malloc(len ? len : 1);
  ck_assert_ptr_nonnull(copy);
  if (len) memcpy(copy, p, len);
  memset(o, 0xEE, sizeof *o);
  mptcp_tcpopts_parse(copy, len, ctx, o);
  free(copy);
}

static size_t parse_hex(const char *hex, const mptcp_parse_ctx *ctx,
                        mptcp_tcpopts *o) {
  uint8_t b[64];
  size_t n = tcheck_hex(hex, b, sizeof b);
  parse_exact(b, n, ctx, o);
  return n;
}

static void zero_opts(mptcp_tcpopts *o) { memset(o, 0, sizeof *o); }

static void zero_so(mptcp_subopt *so, uint8_t subtype) {
  memset(so, 0, sizeof *so);
  so->subtype = subtype;
  so->status = MPTCP_SUBOPT_OK;
}

/* The meaningful contents of two option sets are the same. */
static void assert_same_opts(const mptcp_tcpopts *a, const mptcp_tcpopts *b) {
  ck_assert_uint_eq(a->present, b->present);
  if (a->present & MPTCP_HAS_MSS) ck_assert_uint_eq(a->mss, b->mss);
  if (a->present & MPTCP_HAS_WSCALE) ck_assert_uint_eq(a->wscale, b->wscale);
  if (a->present & MPTCP_HAS_SACK) {
    ck_assert_uint_eq(a->n_sack, b->n_sack);
    for (size_t i = 0; i < a->n_sack; i++) {
      ck_assert_uint_eq(a->sack[i].left, b->sack[i].left);
      ck_assert_uint_eq(a->sack[i].right, b->sack[i].right);
    }
  }
  if (a->present & MPTCP_HAS_TS) {
    ck_assert_uint_eq(a->ts_val, b->ts_val);
    ck_assert_uint_eq(a->ts_ecr, b->ts_ecr);
  }
  if (a->present & MPTCP_HAS_TFO) {
    ck_assert_uint_eq(a->tfo_len, b->tfo_len);
    ck_assert_bytes(a->tfo_cookie, a->tfo_len, b->tfo_cookie, b->tfo_len);
  }
  ck_assert_uint_eq(a->n_mptcp, b->n_mptcp);
  for (size_t i = 0; i < a->n_mptcp; i++)
    ck_assert_msg(mptcp_subopt_equal(&a->mptcp[i], &b->mptcp[i]),
                  "MPTCP option %zu differs", i);
  ck_assert_uint_eq(a->n_unknown, b->n_unknown);
  for (size_t i = 0; i < a->n_unknown; i++) {
    ck_assert_uint_eq(a->unknown[i].kind, b->unknown[i].kind);
    ck_assert_uint_eq(a->unknown[i].len, b->unknown[i].len);
    ck_assert_bytes(a->unknown[i].data, a->unknown[i].len - 2u,
                    b->unknown[i].data, b->unknown[i].len - 2u);
  }
}

/* write -> size agrees, multiple of 4, NOBUF below it; parse back equal. */
static void check_write_roundtrip(const mptcp_tcpopts *o,
                                  const mptcp_parse_ctx *ctx) {
  uint8_t buf[64];
  mptcp_ssize sz = mptcp_tcpopts_size(o, PP_DEF);
  memset(buf, 0xCC, sizeof buf);
  mptcp_ssize w = mptcp_tcpopts_write(o, PP_DEF, buf, sizeof buf);
  ck_assert_int_ge(w, 0);
  ck_assert_int_eq(w, sz);
  ck_assert_int_eq(w % 4, 0);
  ck_assert_int_le(w, MPTCP_TCP_OPT_MAX);
  for (size_t i = (size_t)w; i < sizeof buf; i++)
    ck_assert_uint_eq(buf[i], 0xCC);
  for (size_t cap = 0; cap < (size_t)w; cap++) {
    uint8_t small[64];
    ck_assert_msg(mptcp_tcpopts_write(o, PP_DEF, small, cap) == MPTCP_ERR_NOBUF,
                  "cap %zu of %zd", cap, (ptrdiff_t)w);
  }
  mptcp_tcpopts back;
  parse_exact(buf, (size_t)w, ctx, &back);
  ck_assert_uint_eq(back.n_malformed, 0);
  ck_assert_uint_eq(back.n_mptcp_bad, 0);
  assert_same_opts(o, &back);
}

/* Our layout (codec.h): every option NOP-padded to 32 bits, SACK-permitted
 * shares the timestamp's word pair. */
static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

static size_t model_size(const mptcp_tcpopts *o) {
  size_t s = 0;
  if (o->present & MPTCP_HAS_MSS) s += 4;
  if (o->present & MPTCP_HAS_WSCALE) s += 4;
  if (o->present & MPTCP_HAS_TS)
    s += 12; /* with or without SACK-permitted */
  else if (o->present & MPTCP_HAS_SACK_PERM)
    s += 4;
  if ((o->present & MPTCP_HAS_SACK) && o->n_sack)
    s += pad4(2 + 8 * (size_t)o->n_sack);
  if (o->present & MPTCP_HAS_TFO) s += pad4(2 + (size_t)o->tfo_len);
  for (size_t i = 0; i < o->n_mptcp; i++) {
    mptcp_ssize n = mptcp_subopt_size(&o->mptcp[i]);
    ck_assert_int_gt(n, 0);
    s += pad4((size_t)n);
  }
  for (size_t i = 0; i < o->n_unknown; i++) s += pad4(o->unknown[i].len);
  return s;
}

/* ---------------------------------------------------------------- */
/* realistic areas                                                    */
/* ---------------------------------------------------------------- */

START_TEST(test_linux_syn) {
  /* mss 1460, sackOK, TS 123456/0, nop, wscale 7, MP_CAPABLE v1 SYN */
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_SYN, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  parse_hex("02 04 05 b4 04 02 08 0a 00 01 e2 40 00 00 00 00 01 03 03 07 "
            "1e 04 01 01",
            &ctx, &o);
  ck_assert_uint_eq(o.present, MPTCP_HAS_MSS | MPTCP_HAS_SACK_PERM |
                                   MPTCP_HAS_TS | MPTCP_HAS_WSCALE);
  ck_assert_uint_eq(o.mss, 1460);
  ck_assert_uint_eq(o.wscale, 7);
  ck_assert_uint_eq(o.ts_val, 123456);
  ck_assert_uint_eq(o.ts_ecr, 0);
  ck_assert_uint_eq(o.n_sack, 0);
  ck_assert_uint_eq(o.n_mptcp, 1);
  ck_assert_uint_eq(o.n_mptcp_bad, 0);
  ck_assert_uint_eq(o.n_unknown, 0);
  ck_assert_uint_eq(o.n_malformed, 0);
  ck_assert_uint_eq(o.mptcp[0].subtype, MPTCP_SUB_CAPABLE);
  ck_assert_uint_eq(o.mptcp[0].status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(o.mptcp[0].u.mpc.form, MPTCP_MPC_SYN);
  ck_assert_uint_eq(o.mptcp[0].u.mpc.flags, MPTCP_CAP_H);
  /* 4 + 12 + 4 + 4 */
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 24);
  check_write_roundtrip(&o, &ctx);

  /* Also decodes with a NULL context (version ANY, no segment). */
  uint8_t b[40];
  size_t n = tcheck_hex("02 04 05 b4 04 02 08 0a 00 01 e2 40 00 00 00 00 01 "
                        "03 03 07 1e 04 01 01",
                        b, sizeof b);
  parse_exact(b, n, NULL, &o);
  ck_assert_uint_eq(o.mss, 1460);
  ck_assert_uint_eq(o.wscale, 7);
  ck_assert_uint_eq(o.n_mptcp, 1);
  ck_assert_uint_eq(o.mptcp[0].subtype, MPTCP_SUB_CAPABLE);
}
END_TEST

START_TEST(test_data_segment) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK | MPTCP_TH_PSH, 13, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  parse_hex("01 01 08 0a 00 00 00 64 00 00 00 c8 "
            "1e 14 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d 6d 1b",
            &ctx, &o);
  ck_assert_uint_eq(o.present, MPTCP_HAS_TS);
  ck_assert_uint_eq(o.ts_val, 100);
  ck_assert_uint_eq(o.ts_ecr, 200);
  ck_assert_uint_eq(o.n_mptcp, 1);
  ck_assert_uint_eq(o.n_malformed, 0);
  const mptcp_subopt *d = &o.mptcp[0];
  ck_assert_uint_eq(d->status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(d->subtype, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags, MPTCP_DSS_A | MPTCP_DSS_M);
  ck_assert_uint_eq(d->u.dss.data_ack, 0x0fa7e28fu);
  ck_assert_uint_eq(d->u.dss.dsn, 0xd29d6f73u);
  ck_assert_uint_eq(d->u.dss.ssn, 1);
  ck_assert_uint_eq(d->u.dss.dll, 13);
  ck_assert_uint_eq(d->u.dss.has_csum, 1);
  ck_assert_uint_eq(d->u.dss.csum, 0x6d1b);
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 32);
  check_write_roundtrip(&o, &ctx);
}
END_TEST

START_TEST(test_sack_blocks) {
  int nb = _i + 1; /* 1..4 */
  uint8_t b[40];
  size_t n = 0;
  b[n++] = 1;
  b[n++] = 1;
  b[n++] = MPTCP_OPT_SACK;
  b[n++] = (uint8_t)(2 + 8 * nb);
  for (int i = 0; i < nb; i++) {
    uint32_t l = 0xfffffff0u + (uint32_t)i * 0x1000u, r = l + 0x500u;
    for (int k = 3; k >= 0; k--) b[n++] = (uint8_t)(l >> (8 * k));
    for (int k = 3; k >= 0; k--) b[n++] = (uint8_t)(r >> (8 * k));
  }
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  parse_exact(b, n, &ctx, &o);
  ck_assert_uint_eq(o.present, MPTCP_HAS_SACK);
  ck_assert_uint_eq(o.n_sack, nb);
  ck_assert_uint_eq(o.n_malformed, 0);
  for (int i = 0; i < nb; i++) {
    uint32_t l = 0xfffffff0u + (uint32_t)i * 0x1000u;
    ck_assert_uint_eq(o.sack[i].left, l);
    ck_assert_uint_eq(o.sack[i].right, (uint32_t)(l + 0x500u));
  }
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF),
                   (mptcp_ssize)pad4(2 + 8 * (size_t)nb));
  check_write_roundtrip(&o, &ctx);
}
END_TEST

START_TEST(test_tfo) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_SYN, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  parse_hex("02 04 05 b4 22 02 01 01 1e 04 01 01", &ctx, &o);
  ck_assert_uint_eq(o.present, MPTCP_HAS_MSS | MPTCP_HAS_TFO);
  ck_assert_uint_eq(o.tfo_len, 0);
  ck_assert_uint_eq(o.n_mptcp, 1);
  ck_assert_uint_eq(o.n_malformed, 0);
  check_write_roundtrip(&o, &ctx);

  parse_hex("22 0a 11 22 33 44 55 66 77 88 01 01", &ctx, &o);
  ck_assert_uint_eq(o.present, MPTCP_HAS_TFO);
  ck_assert_uint_eq(o.tfo_len, 8);
  static const uint8_t cookie[8] = {0x11, 0x22, 0x33, 0x44,
                                    0x55, 0x66, 0x77, 0x88};
  ck_assert_bytes(o.tfo_cookie, 8, cookie, 8);
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 12);
  check_write_roundtrip(&o, &ctx);

  /* 16-byte cookie, the maximum. */
  parse_hex("22 12 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f", &ctx, &o);
  ck_assert_uint_eq(o.tfo_len, 16);
  ck_assert_uint_eq(o.tfo_cookie[15], 0x0f);
  ck_assert_uint_eq(o.n_malformed, 0);
  check_write_roundtrip(&o, &ctx);
}
END_TEST

START_TEST(test_unknown_kinds) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  parse_hex("fd 06 aa bb cc dd 01 01 0f 02 13 12 00 01 02 03 04 05 06 07 08 09 "
            "0a 0b 0c 0d 0e 0f",
            &ctx, &o);
  ck_assert_uint_eq(o.present, 0);
  ck_assert_uint_eq(o.n_malformed, 0);
  ck_assert_uint_eq(o.n_unknown, 3);
  ck_assert_uint_eq(o.unknown[0].kind, 0xfd);
  ck_assert_uint_eq(o.unknown[0].len, 6);
  static const uint8_t d0[4] = {0xaa, 0xbb, 0xcc, 0xdd};
  ck_assert_bytes(o.unknown[0].data, 4, d0, 4);
  ck_assert_uint_eq(o.unknown[1].kind, 0x0f);
  ck_assert_uint_eq(o.unknown[1].len, 2);
  ck_assert_uint_eq(o.unknown[2].kind, 19);
  ck_assert_uint_eq(o.unknown[2].len, 18);
  ck_assert_uint_eq(o.unknown[2].data[15], 0x0f);
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 8 + 4 + 20);
  check_write_roundtrip(&o, &ctx);
}
END_TEST

START_TEST(test_eol_and_nops) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_SYN, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  /* EOL stops: the WS and garbage after it are not parsed. */
  parse_hex("02 04 05 b4 00 03 03 07 ff 00 01", &ctx, &o);
  ck_assert_uint_eq(o.present, MPTCP_HAS_MSS);
  ck_assert_uint_eq(o.mss, 1460);
  ck_assert_uint_eq(o.n_unknown, 0);
  ck_assert_uint_eq(o.n_malformed, 0);
  /* EOL first. */
  parse_hex("00 02 04 05 b4", &ctx, &o);
  ck_assert_uint_eq(o.present, 0);
  ck_assert_uint_eq(o.n_malformed, 0);
  /* 40 NOPs. */
  uint8_t nops[40];
  memset(nops, MPTCP_OPT_NOP, sizeof nops);
  parse_exact(nops, sizeof nops, &ctx, &o);
  ck_assert_uint_eq(o.present, 0);
  ck_assert_uint_eq(o.n_mptcp, 0);
  ck_assert_uint_eq(o.n_unknown, 0);
  ck_assert_uint_eq(o.n_malformed, 0);
  /* NOP runs between options. */
  parse_hex("01 01 01 02 04 05 b4 01 01 01 01 01 03 03 0e 01 01 04 02", &ctx,
            &o);
  ck_assert_uint_eq(o.present,
                    MPTCP_HAS_MSS | MPTCP_HAS_WSCALE | MPTCP_HAS_SACK_PERM);
  ck_assert_uint_eq(o.wscale, 14);
  ck_assert_uint_eq(o.n_malformed, 0);
  /* Empty area. */
  parse_exact(nops, 0, &ctx, &o);
  ck_assert_uint_eq(o.present, 0);
  ck_assert_uint_eq(o.n_mptcp, 0);
  ck_assert_uint_eq(o.n_malformed, 0);
}
END_TEST

START_TEST(test_malformed_lengths_skipped) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  parse_hex("02 03 05 "                      /* MSS len 3      */
            "03 02 "                         /* WS len 2       */
            "04 03 00 "                      /* SACK-perm len 3 */
            "05 09 00 00 00 00 00 00 00 "    /* SACK len 9     */
            "08 08 00 00 00 00 00 00 "       /* TS len 8       */
            "08 0a 00 00 00 01 00 00 00 02", /* TS ok          */
            &ctx, &o);
  ck_assert_uint_eq(o.n_malformed, 5);
  ck_assert_uint_eq(o.present, MPTCP_HAS_TS);
  ck_assert_uint_eq(o.ts_val, 1);
  ck_assert_uint_eq(o.ts_ecr, 2);
  ck_assert_uint_eq(o.n_unknown, 0);

  parse_hex("02 05 05 b4 00 "                   /* MSS len 5   */
            "05 02 "                            /* SACK, 0 blocks */
            "03 04 07 00 "                      /* WS len 4    */
            "01 04 02 "                         /* SACK-perm ok */
            "05 0b 00 00 00 01 00 00 00 02 00", /* SACK len 11 */
            &ctx, &o);
  ck_assert_uint_eq(o.n_malformed, 4);
  ck_assert_uint_eq(o.present, MPTCP_HAS_SACK_PERM);
  ck_assert_uint_eq(o.n_sack, 0);

  /* Counted as TcpOptMalformed. */
  mptcp_counters c;
  memset(&c, 0, sizeof c);
  mptcp_counters_add_opts(&c, &o);
  ck_assert_uint_eq(c.v[MPTCP_CTR_TCPOPT_MALFORMED], 4);
}
END_TEST

START_TEST(test_stop_on_bad_length) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  static const struct {
    const char *hex;
    uint32_t present;
    uint8_t n_unknown, n_mptcp;
  } cases[] = {
      /* WS with length 1: stop; the TS after it is not parsed. */
      {"02 04 05 b4 03 01 07 08 0a 00 00 00 01 00 00 00 02", MPTCP_HAS_MSS, 0,
       0},
      /* unknown kind with length 0 */
      {"02 04 05 b4 fd 00 08 0a 00 00 00 01 00 00 00 02", MPTCP_HAS_MSS, 0, 0},
      /* MPTCP with length 1 */
      {"01 01 1e 01 20 01 08 0a 00 00 00 01 00 00 00 02", 0, 0, 0},
      /* TS past the end */
      {"01 01 08 0a 00 00", 0, 0, 0},
      /* MSS past the end */
      {"02 04 05", 0, 0, 0},
      /* length byte missing */
      {"02", 0, 0, 0},
      {"01 01 01 05", 0, 0, 0},
      {"04 02 1e", MPTCP_HAS_SACK_PERM, 0, 0},
      /* MPTCP option longer than the area */
      {"fd 02 1e 14 20 05 0f a7 e2 8f", 0, 1, 0},
      /* SACK claiming 4 blocks with 1 present */
      {"05 22 00 00 00 01 00 00 00 02", 0, 0, 0},
      /* length 255 */
      {"01 08 ff 00 00 00 00 00 00", 0, 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    parse_hex(cases[i].hex, &ctx, &o);
    ck_assert_msg(o.n_malformed == 1, "%s: n_malformed %u", cases[i].hex,
                  o.n_malformed);
    ck_assert_msg(o.present == cases[i].present, "%s: present 0x%x",
                  cases[i].hex, o.present);
    ck_assert_uint_eq(o.n_unknown, cases[i].n_unknown);
    ck_assert_uint_eq(o.n_mptcp, cases[i].n_mptcp);
  }
}
END_TEST

/* Every prefix of a full area parses without reading past it. */
START_TEST(test_truncated_prefixes) {
  uint8_t b[40];
  size_t n = tcheck_hex("02 04 05 b4 04 02 08 0a 00 01 e2 40 00 00 00 00 01 "
                        "03 03 07 1e 0c 01 01 fe dc ba 98 76 54 32 10 22 02 "
                        "05 0a 00 00",
                        b, sizeof b);
  ck_assert_uint_eq(n, 38);
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_SYN | TH_ACK, 0, MPTCP_VERSION_1);
  for (size_t len = 0; len <= n; len++) {
    mptcp_tcpopts o;
    parse_exact(b, len, &ctx, &o);
    ck_assert_uint_le(o.n_mptcp, MPTCP_SUBOPTS_MAX);
    ck_assert_uint_le(o.n_sack, MPTCP_SACK_MAX);
    /* The MSS is whole from 4 bytes on. */
    if (len >= 4) ck_assert_uint_eq(o.mss, 1460);
    if (len >= 4) ck_assert(o.present & MPTCP_HAS_MSS);
    if (len < 4) ck_assert(!(o.present & MPTCP_HAS_MSS));
    if (len >= 32) ck_assert_uint_eq(o.n_mptcp, 1);
    if (len < 32) ck_assert_uint_eq(o.n_mptcp, 0);
  }
}
END_TEST

/* Random areas (seeded): structural invariants hold, no overread. */
START_TEST(test_random_areas) {
  static const uint8_t kinds[] = {0, 1, 2, 3, 4, 5, 8, 30, 34, 0xfd};
  uint64_t seed = UINT64_C(0x243F6A8885A308D3);
  for (int it = 0; it < 4000; it++) {
    uint8_t b[40];
    size_t len = (size_t)(tcheck_prng(&seed) % 41);
    for (size_t i = 0; i < len; i++) {
      uint64_t r = tcheck_prng(&seed);
      switch (r % 4) {
      case 0: b[i] = kinds[(r >> 8) % sizeof kinds]; break;
      case 1: b[i] = (uint8_t)((r >> 8) % 42); break; /* plausible length */
      default: b[i] = (uint8_t)(r >> 16); break;
      }
    }
    mptcp_parse_ctx ctx;
    mkctx(&ctx, (uint8_t)(tcheck_prng(&seed) & 0xff),
          (size_t)(tcheck_prng(&seed) % 3),
          (uint8_t)((it % 3) == 2 ? MPTCP_VERSION_ANY : it % 3));
    mptcp_tcpopts o;
    parse_exact(b, len, (it & 8) ? NULL : &ctx, &o);
    ck_assert_msg(o.n_mptcp <= MPTCP_SUBOPTS_MAX, "iter %d", it);
    ck_assert_uint_le(o.n_unknown, MPTCP_UNKNOWN_OPTS_MAX);
    ck_assert_uint_le(o.n_sack, MPTCP_SACK_MAX);
    ck_assert_uint_le(o.tfo_len, MPTCP_TFO_COOKIE_MAX);
    ck_assert_uint_le(o.n_mptcp_bad, o.n_mptcp);
    unsigned bad = 0;
    for (size_t i = 0; i < o.n_mptcp; i++) {
      ck_assert_uint_le(o.mptcp[i].len, len);
      ck_assert_uint_le(o.mptcp[i].raw_len, MPTCP_TCP_OPT_MAX);
      bad += o.mptcp[i].status != MPTCP_SUBOPT_OK;
    }
    ck_assert_uint_eq(bad, o.n_mptcp_bad);
    for (size_t i = 0; i < o.n_unknown; i++) {
      ck_assert_uint_ge(o.unknown[i].len, 2);
      ck_assert_uint_le(o.unknown[i].len, len);
    }
    mptcp_counters c;
    memset(&c, 0, sizeof c);
    mptcp_counters_add_opts(&c, &o);
    uint64_t total = 0;
    for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) total += c.v[i];
    ck_assert_uint_eq(total, (uint64_t)o.n_malformed + o.n_mptcp_bad);
  }
}
END_TEST

/* More options than the per-kind caps: the extra ones are malformed. */
START_TEST(test_over_caps) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK, 0, MPTCP_VERSION_1);
  uint8_t b[40];
  size_t n = 0;
  for (int i = 0; i < 13; i++) {
    b[n++] = 0x1e;
    b[n++] = 3;
    b[n++] = (uint8_t)(0x50 | (i & 1));
  }
  mptcp_tcpopts o;
  parse_exact(b, n, &ctx, &o);
  ck_assert_uint_eq(o.n_mptcp, MPTCP_SUBOPTS_MAX);
  ck_assert_uint_eq(o.n_malformed, 13 - MPTCP_SUBOPTS_MAX);
  for (int i = 0; i < MPTCP_SUBOPTS_MAX; i++) {
    ck_assert_uint_eq(o.mptcp[i].subtype, MPTCP_SUB_PRIO);
    ck_assert_uint_eq(o.mptcp[i].u.prio.backup, (unsigned)(i & 1));
  }

  n = 0;
  for (int i = 0; i < 10; i++) {
    b[n++] = (uint8_t)(0xf0 + i);
    b[n++] = 2;
  }
  parse_exact(b, n, &ctx, &o);
  ck_assert_uint_eq(o.n_unknown, MPTCP_UNKNOWN_OPTS_MAX);
  ck_assert_uint_eq(o.n_malformed, 10 - MPTCP_UNKNOWN_OPTS_MAX);
  ck_assert_uint_eq(o.unknown[7].kind, 0xf7);
}
END_TEST

/* ---------------------------------------------------------------- */
/* write, size, add                                                   */
/* ---------------------------------------------------------------- */

START_TEST(test_write_built) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_SYN, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  zero_opts(&o);
  o.present =
      MPTCP_HAS_MSS | MPTCP_HAS_WSCALE | MPTCP_HAS_SACK_PERM | MPTCP_HAS_TS;
  o.mss = 1400;
  o.wscale = 9;
  o.ts_val = 0xdeadbeefu;
  o.ts_ecr = 0;
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_CAPABLE);
  so.u.mpc.version = 1;
  so.u.mpc.flags = MPTCP_CAP_H;
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(&o, &so), 0);
  zero_so(&so, MPTCP_SUB_PREFER_PROXY);
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(&o, &so), 0);
  ck_assert_uint_eq(o.n_mptcp, 2);
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 4 + 4 + 12 + 4 + 4);
  check_write_roundtrip(&o, &ctx);

  /* Only SACK-permitted: one padded word. */
  zero_opts(&o);
  o.present = MPTCP_HAS_SACK_PERM;
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 4);
  check_write_roundtrip(&o, &ctx);
  /* Nothing. */
  zero_opts(&o);
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 0);
  uint8_t buf[4];
  ck_assert_int_eq(mptcp_tcpopts_write(&o, PP_DEF, buf, sizeof buf), 0);
}
END_TEST

START_TEST(test_write_nospace) {
  mptcp_tcpopts o;
  zero_opts(&o);
  o.present = MPTCP_HAS_TS | MPTCP_HAS_SACK;
  o.n_sack = 4;
  for (int i = 0; i < 4; i++) {
    o.sack[i].left = (uint32_t)(1000 * i);
    o.sack[i].right = (uint32_t)(1000 * i + 500);
  }
  uint8_t buf[64];
  /* 12 + 36 = 48 bytes. */
  ck_assert_int_eq(mptcp_tcpopts_write(&o, PP_DEF, buf, sizeof buf),
                   MPTCP_ERR_NOSPACE);
  mptcp_ssize sz = mptcp_tcpopts_size(&o, PP_DEF);
  ck_assert(sz == 48 || sz == MPTCP_ERR_NOSPACE);
  /* One block fewer fits exactly: 12 + 28 = 40. */
  o.n_sack = 3;
  ck_assert_int_eq(mptcp_tcpopts_write(&o, PP_DEF, buf, sizeof buf), 40);
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 40);
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK, 0, MPTCP_VERSION_1);
  check_write_roundtrip(&o, &ctx);
}
END_TEST

/* Malformed entries of o->mptcp are skipped on write. */
START_TEST(test_write_skips_bad_mptcp) {
  mptcp_parse_ctx ctx;
  mkctx(&ctx, TH_ACK, 0, MPTCP_VERSION_1);
  mptcp_tcpopts o;
  parse_hex("1e 05 20 01 00 01 01 01 1e 08 20 01 00 00 00 05", &ctx, &o);
  ck_assert_uint_eq(o.n_mptcp, 2);
  ck_assert_uint_eq(o.n_mptcp_bad, 1);
  uint8_t buf[40];
  mptcp_ssize w = mptcp_tcpopts_write(&o, PP_DEF, buf, sizeof buf);
  ck_assert_int_eq(w, 8);
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 8);
  mptcp_tcpopts back;
  parse_exact(buf, (size_t)w, &ctx, &back);
  ck_assert_uint_eq(back.n_mptcp, 1);
  ck_assert_uint_eq(back.mptcp[0].status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(back.mptcp[0].u.dss.data_ack, 5);
}
END_TEST

START_TEST(test_write_invalid_mptcp) {
  mptcp_tcpopts o;
  zero_opts(&o);
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_REMOVE_ADDR);
  so.u.rm_addr.n = 0; /* unrepresentable */
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(&o, &so), 0);
  uint8_t buf[40];
  ck_assert_int_eq(mptcp_tcpopts_write(&o, PP_DEF, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
}
END_TEST

START_TEST(test_add_mptcp) {
  mptcp_tcpopts o;
  zero_opts(&o);
  mptcp_subopt so;
  for (int i = 0; i < MPTCP_SUBOPTS_MAX; i++) {
    zero_so(&so, MPTCP_SUB_PRIO);
    so.u.prio.backup = (uint8_t)(i & 1);
    ck_assert_int_eq(mptcp_tcpopts_add_mptcp(&o, &so), 0);
    ck_assert_uint_eq(o.n_mptcp, (unsigned)i + 1);
  }
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(&o, &so), MPTCP_ERR_NOSPACE);
  ck_assert_uint_eq(o.n_mptcp, MPTCP_SUBOPTS_MAX);
  ck_assert_uint_eq(o.mptcp[3].u.prio.backup, 1);
  /* 8 x 4 = 32 bytes. */
  ck_assert_int_eq(mptcp_tcpopts_size(&o, PP_DEF), 32);
}
END_TEST

/* ---------------------------------------------------------------- */
/* mptcp_tcpopts_fit                                                  */
/* ---------------------------------------------------------------- */

static void add_dss(mptcp_tcpopts *o, uint8_t flags, uint8_t csum) {
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_DSS);
  so.u.dss.flags = flags;
  so.u.dss.has_csum = csum;
  so.u.dss.data_ack = 7;
  so.u.dss.dsn = 9;
  so.u.dss.ssn = 1;
  so.u.dss.dll = 100;
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(o, &so), 0);
}

static void add_prio(mptcp_tcpopts *o) {
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_PRIO);
  so.u.prio.backup = 1;
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(o, &so), 0);
}

static void add_addr18(mptcp_tcpopts *o) {
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_ADD_ADDR);
  so.u.add_addr.addr_id = 4;
  so.u.add_addr.addr.family = MPTCP_AF_INET;
  so.u.add_addr.addr.a[0] = 10;
  so.u.add_addr.has_port = 1;
  so.u.add_addr.port = 80;
  so.u.add_addr.has_hmac = 1;
  so.u.add_addr.hmac = 1;
  ck_assert_int_eq(mptcp_subopt_size(&so), 18);
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(o, &so), 0);
}

static void set_sack(mptcp_tcpopts *o, int n) {
  o->present |= MPTCP_HAS_SACK;
  o->n_sack = (uint8_t)n;
  for (int i = 0; i < n; i++) {
    o->sack[i].left = (uint32_t)(10000 + 1000 * i);
    o->sack[i].right = (uint32_t)(10500 + 1000 * i);
  }
}

static void set_ts(mptcp_tcpopts *o) {
  o->present |= MPTCP_HAS_TS;
  o->ts_val = 111;
  o->ts_ecr = 222;
}

static void add_unknown(mptcp_tcpopts *o, uint8_t kind, uint8_t len) {
  mptcp_unknown_opt *u = &o->unknown[o->n_unknown++];
  u->kind = kind;
  u->len = len;
  for (int i = 0; i + 2 < len; i++) u->data[i] = (uint8_t)i;
}

/* Runs fit and checks the mask, the size after it and that what is left
 * is written and parsed back intact. */
static void fit_check_ctx(mptcp_tcpopts *o, size_t budget, int want_mask,
                          size_t want_size, uint8_t tcp_flags) {
  ck_assert_int_gt((int)model_size(o), 0);
  int r = mptcp_tcpopts_fit(o, budget, PP_DEF);
  ck_assert_msg(r == want_mask, "fit(%zu) = %d (0x%x), want 0x%x", budget, r,
                (unsigned)r, (unsigned)want_mask);
  if (r < 0) return;
  ck_assert_uint_eq(model_size(o), want_size);
  ck_assert_int_eq(mptcp_tcpopts_size(o, PP_DEF), (mptcp_ssize)want_size);
  ck_assert_uint_le(want_size, budget);
  mptcp_parse_ctx ctx;
  mkctx(&ctx, tcp_flags, tcp_flags & TH_SYN ? 0 : 100, MPTCP_VERSION_1);
  check_write_roundtrip(o, &ctx);
}

static void fit_check(mptcp_tcpopts *o, size_t budget, int want_mask,
                      size_t want_size) {
  fit_check_ctx(o, budget, want_mask, want_size, TH_ACK);
}

START_TEST(test_fit_untouched) {
  mptcp_tcpopts o, copy;
  zero_opts(&o);
  set_ts(&o);
  add_dss(&o, 0x0f, 1); /* 28 */
  copy = o;
  fit_check(&o, 40, 0, 40);
  assert_same_opts(&o, &copy);
}
END_TEST

START_TEST(test_fit_sack_trim) {
  mptcp_tcpopts o;
  /* TS 12 + SACK x3 28 + DSS(A) 8 = 48 -> one block less = 40. */
  zero_opts(&o);
  set_ts(&o);
  set_sack(&o, 3);
  add_dss(&o, MPTCP_DSS_A, 0);
  fit_check(&o, 40, MPTCP_FIT_SACK_TRIMMED, 40);
  ck_assert_uint_eq(o.n_sack, 2);
  ck_assert_uint_eq(o.sack[0].left, 10000);
  ck_assert_uint_eq(o.sack[1].left, 11000);
  ck_assert_uint_eq(o.n_mptcp, 1);
  ck_assert(o.present & MPTCP_HAS_TS);

  /* TS 12 + SACK x3 28 + DSS 28 = 68 -> blocks 2, 1, then none: 40. */
  zero_opts(&o);
  set_ts(&o);
  set_sack(&o, 3);
  add_dss(&o, 0x0f, 1);
  fit_check(&o, 40, MPTCP_FIT_SACK_TRIMMED | MPTCP_FIT_DROPPED_SACK, 40);
  ck_assert_uint_eq(o.n_sack, 0);
  ck_assert_uint_eq(o.n_mptcp, 1);

  /* One block only, dropped without SACK_TRIMMED. */
  zero_opts(&o);
  set_ts(&o);
  set_sack(&o, 1);
  add_dss(&o, 0x0f, 1);
  fit_check(&o, 40, MPTCP_FIT_DROPPED_SACK, 40);
  ck_assert_uint_eq(o.n_sack, 0);
}
END_TEST

START_TEST(test_fit_unknown_tfo) {
  static const uint8_t cookie[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  mptcp_tcpopts o;
  for (int k = 0; k < 5; k++) {
    zero_opts(&o);
    set_ts(&o);                 /* 12 */
    add_unknown(&o, 0xfd, 6);   /* 8  */
    o.present |= MPTCP_HAS_TFO; /* 12 */
    o.tfo_len = 8;
    memcpy(o.tfo_cookie, cookie, 8);
    add_dss(&o, MPTCP_DSS_A, 0); /* 8  */
    ck_assert_uint_eq(model_size(&o), 40);
    switch (k) {
    case 0: fit_check(&o, 40, 0, 40); break;
    case 1:
      fit_check(&o, 32, MPTCP_FIT_DROPPED_UNKNOWN, 32);
      ck_assert_uint_eq(o.n_unknown, 0);
      ck_assert(o.present & MPTCP_HAS_TFO);
      ck_assert_uint_eq(o.tfo_len, 8);
      break;
    case 2:
      fit_check(&o, 28, MPTCP_FIT_DROPPED_UNKNOWN | MPTCP_FIT_DROPPED_TFO, 20);
      ck_assert(!(o.present & MPTCP_HAS_TFO));
      ck_assert(o.present & MPTCP_HAS_TS);
      break;
    case 3:
      fit_check(&o, 20, MPTCP_FIT_DROPPED_UNKNOWN | MPTCP_FIT_DROPPED_TFO, 20);
      break;
    default:
      fit_check(&o, 19,
                MPTCP_FIT_DROPPED_UNKNOWN | MPTCP_FIT_DROPPED_TFO |
                    MPTCP_FIT_DROPPED_TS,
                8);
      ck_assert(!(o.present & MPTCP_HAS_TS));
      ck_assert_uint_eq(o.n_mptcp, 1);
      break;
    }
  }
}
END_TEST

START_TEST(test_fit_mptcp_from_last) {
  mptcp_tcpopts o;
  /* TS 12 + DSS 28 + ADD_ADDR 20 + PRIO 4 = 64: drop PRIO, ADD_ADDR. */
  zero_opts(&o);
  set_ts(&o);
  add_dss(&o, 0x0f, 1);
  add_addr18(&o);
  add_prio(&o);
  fit_check(&o, 40, MPTCP_FIT_DROPPED_MPTCP, 40);
  ck_assert_uint_eq(o.n_mptcp, 1);
  ck_assert_uint_eq(o.mptcp[0].subtype, MPTCP_SUB_DSS);
  ck_assert(o.present & MPTCP_HAS_TS);

  /* TS 12 + DSS 8 + PRIO 4 + ADD_ADDR 20 = 44: only the last goes. */
  zero_opts(&o);
  set_ts(&o);
  add_dss(&o, MPTCP_DSS_A, 0);
  add_prio(&o);
  add_addr18(&o);
  fit_check(&o, 40, MPTCP_FIT_DROPPED_MPTCP, 24);
  ck_assert_uint_eq(o.n_mptcp, 2);
  ck_assert_uint_eq(o.mptcp[0].subtype, MPTCP_SUB_DSS);
  ck_assert_uint_eq(o.mptcp[1].subtype, MPTCP_SUB_PRIO);

  /* SACK goes before any MPTCP suboption: TS 12 + SACK 12 + DSS 8 +
   * PRIO 4 + PRIO 4 = 40 with budget 36. */
  zero_opts(&o);
  set_ts(&o);
  set_sack(&o, 1);
  add_dss(&o, MPTCP_DSS_A, 0);
  add_prio(&o);
  add_prio(&o);
  fit_check(&o, 36, MPTCP_FIT_DROPPED_SACK, 28);
  ck_assert_uint_eq(o.n_mptcp, 3);
}
END_TEST

START_TEST(test_fit_ts_last) {
  mptcp_tcpopts o;
  zero_opts(&o);
  set_ts(&o);
  add_dss(&o, 0x0f, 1);
  fit_check(&o, 30, MPTCP_FIT_DROPPED_TS, 28);
  ck_assert(!(o.present & MPTCP_HAS_TS));
  ck_assert_uint_eq(o.n_mptcp, 1);

  /* MPTCP suboptions beyond the first go before the timestamps. */
  zero_opts(&o);
  set_ts(&o);
  add_dss(&o, 0x0f, 1);
  add_prio(&o);
  fit_check(&o, 40, MPTCP_FIT_DROPPED_MPTCP, 40);
  ck_assert(o.present & MPTCP_HAS_TS);
}
END_TEST

START_TEST(test_fit_everything) {
  mptcp_tcpopts o;
  zero_opts(&o);
  o.present =
      MPTCP_HAS_MSS | MPTCP_HAS_WSCALE | MPTCP_HAS_SACK_PERM | MPTCP_HAS_TFO;
  o.mss = 1460;
  o.wscale = 7;
  o.tfo_len = 0;
  set_ts(&o);
  set_sack(&o, 4);
  add_unknown(&o, 0xfe, 4);
  mptcp_subopt so;
  zero_so(&so, MPTCP_SUB_CAPABLE);
  so.u.mpc.version = 1;
  so.u.mpc.flags = MPTCP_CAP_H;
  ck_assert_int_eq(mptcp_tcpopts_add_mptcp(&o, &so), 0);
  add_prio(&o);
  add_prio(&o);
  /* 4 + 4 + 12 + 36 + 4 + 4 + 12 = 76 -> MSS, WS, SACK-perm, MPC = 16. */
  ck_assert_uint_eq(model_size(&o), 76);
  fit_check_ctx(&o, 16,
                MPTCP_FIT_SACK_TRIMMED | MPTCP_FIT_DROPPED_UNKNOWN |
                    MPTCP_FIT_DROPPED_TFO | MPTCP_FIT_DROPPED_SACK |
                    MPTCP_FIT_DROPPED_MPTCP | MPTCP_FIT_DROPPED_TS,
                16, TH_SYN);
  ck_assert_uint_eq(o.present,
                    MPTCP_HAS_MSS | MPTCP_HAS_WSCALE | MPTCP_HAS_SACK_PERM);
  ck_assert_uint_eq(o.mss, 1460);
  ck_assert_uint_eq(o.wscale, 7);
  ck_assert_uint_eq(o.n_mptcp, 1);
  ck_assert_uint_eq(o.mptcp[0].subtype, MPTCP_SUB_CAPABLE);
  ck_assert_uint_eq(o.n_unknown, 0);
  ck_assert_uint_eq(o.n_sack, 0);
}
END_TEST

START_TEST(test_fit_nospace) {
  mptcp_tcpopts o;
  zero_opts(&o);
  o.present = MPTCP_HAS_MSS;
  o.mss = 536;
  set_ts(&o);
  add_dss(&o, 0x0f, 1);
  /* MSS 4 + DSS 28 = 32 > 30 even without timestamps. */
  ck_assert_int_eq(mptcp_tcpopts_fit(&o, 30, PP_DEF), MPTCP_ERR_NOSPACE);

  zero_opts(&o);
  o.present = MPTCP_HAS_MSS | MPTCP_HAS_WSCALE;
  ck_assert_int_eq(mptcp_tcpopts_fit(&o, 4, PP_DEF), MPTCP_ERR_NOSPACE);
  zero_opts(&o);
  o.present = MPTCP_HAS_MSS | MPTCP_HAS_WSCALE;
  o.mss = 1;
  fit_check(&o, 8, 0, 8);
}
END_TEST

Suite *suite_tcpopt(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_linux_syn),
      TCHECK_TEST(test_data_segment),
      TCHECK_LOOP(test_sack_blocks, 4),
      TCHECK_TEST(test_tfo),
      TCHECK_TEST(test_unknown_kinds),
      TCHECK_TEST(test_eol_and_nops),
      TCHECK_TEST(test_malformed_lengths_skipped),
      TCHECK_TEST(test_stop_on_bad_length),
      TCHECK_TEST(test_truncated_prefixes),
      TCHECK_TEST(test_random_areas),
      TCHECK_TEST(test_over_caps),
      TCHECK_TEST(test_write_built),
      TCHECK_TEST(test_write_nospace),
      TCHECK_TEST(test_write_skips_bad_mptcp),
      TCHECK_TEST(test_write_invalid_mptcp),
      TCHECK_TEST(test_add_mptcp),
      TCHECK_TEST(test_fit_untouched),
      TCHECK_TEST(test_fit_sack_trim),
      TCHECK_TEST(test_fit_unknown_tfo),
      TCHECK_TEST(test_fit_mptcp_from_last),
      TCHECK_TEST(test_fit_ts_last),
      TCHECK_TEST(test_fit_everything),
      TCHECK_TEST(test_fit_nospace),
  };
  return tcheck_suite("tcpopt", tests, sizeof tests / sizeof tests[0]);
}
