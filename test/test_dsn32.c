/*
 * 32-bit DSNs in our DSS mappings (RFC 8684 §3.3.1, lib/subflow.c's rate
 * rule, settings.dsn64) between two stacks of ours: what goes on the
 * wire (flags, option lengths, the checksum over the 64-bit DSN, the
 * payload the 4 bytes buy, the DATA_ACK size the peer answers with) and
 * a transfer whose DSNs cross 2^32 in their low half.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <string.h>

#include "mpair.h"

/* A's key: one whose v1 IDSN + 1 lies 100-300 KB short of a multiple of
 * 2^32, so that a 1 MB transfer from A wraps the DSN's low half. Found
 * once by trying keys of a fixed sequence. */
static uint64_t wrap_key(void) {
  static uint64_t key;
  if (key) return key;
  uint64_t s = 12345;
  for (;;) {
    uint64_t k = tcheck_prng(&s), idsn;
    uint32_t tok;
    ck_assert_int_eq(mptcp_crypto_key_derive(1, k, &tok, &idsn), 0);
    uint32_t left = 0u - (uint32_t)(idsn + 1);
    if (left >= 100000 && left < 300000) return key = k;
  }
}

/* The stacks' random hook: A's key (the first 8-byte draw, at its
 * connect) is wrap_key(); everything else comes from the pair's PRNG. */
static int key_drawn;
static void wrap_rand(uint8_t *d, size_t n, void *ud) {
  uint64_t *s = ud;
  if (n == 8 && !key_drawn) {
    key_drawn = 1;
    uint64_t k = wrap_key();
    for (size_t i = 0; i < 8; i++) d[i] = (uint8_t)(k >> (56 - 8 * i));
    return;
  }
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)tcheck_prng(s);
}

/* What the filter saw. */
typedef struct seen {
  int csum;     /* checksums negotiated */
  uint64_t dsn; /* A's last mapping's 64-bit DSN (expansion ref) */
  unsigned map32, map64, bad_len, csum_ok, csum_bad, csum_low_only;
  int near_top, wrapped; /* a 32-bit DSN >= 2^32 - 2^20, then one < 2^20 */
  size_t pay32, pay64;   /* largest payload under a 32 / 64-bit mapping */
  int b_ack_width;       /* 32 or 64: B's last DATA_ACK before A's
                            DATA_FIN went (a DATA_FIN alone is 64-bit) */
  int a_fin;
  mptcp_tstamp delay; /* one-way, both ways */
} seen;

static mptcp_tstamp delay_fixed(pair *p, int from_a, const uint8_t *b,
                                size_t n) {
  (void)from_a, (void)b, (void)n;
  return ((seen *)p->ud)->delay;
}

/* The DSS option's length per mptcp-v1-wire.md §5.2. */
static size_t dss_len(uint8_t f, int csum) {
  size_t n = 4;
  if (f & MPTCP_DSS_A) n += f & MPTCP_DSS_a ? 8 : 4;
  if (f & MPTCP_DSS_M) n += (f & MPTCP_DSS_m ? 14 : 10) + (csum ? 2 : 0);
  return n;
}

static int watch(pair *p, int from_a, uint8_t *b, size_t n) {
  seen *w = p->ud;
  mptcp_pkt pk;
  size_t len, at = pair_find_mptcp(b, n, MPTCP_SUB_DSS, &len);
  if (!at || mptcp_pkt_parse(b, n, 0, &pk)) return 1;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, pk.tcp_flags, pk.payload_len);
  mptcp_subopt so;
  mptcp_subopt_parse(b + at, len, &ctx, &so);
  ck_assert_uint_eq(so.status, MPTCP_SUBOPT_OK);
  const mptcp_dss *d = &so.u.dss;
  if (!from_a) {
    if ((d->flags & MPTCP_DSS_A) && !w->a_fin)
      w->b_ack_width = d->flags & MPTCP_DSS_a ? 64 : 32;
    return 1;
  }
  if (!(d->flags & MPTCP_DSS_M)) return 1;
  if (d->flags & MPTCP_DSS_F) w->a_fin = 1;
  if (len != dss_len(d->flags, w->csum)) w->bad_len++;
  int wide = (d->flags & MPTCP_DSS_m) != 0;
  uint64_t dsn = wide ? d->dsn : mptcp_expand_seq(w->dsn, (uint32_t)d->dsn);
  w->dsn = dsn;
  if (!pk.payload_len) return 1;
  if (wide) {
    w->map64++;
    if (pk.payload_len > w->pay64) w->pay64 = pk.payload_len;
    return 1;
  }
  w->map32++;
  if (pk.payload_len > w->pay32) w->pay32 = pk.payload_len;
  uint32_t low = (uint32_t)d->dsn;
  if (low >= 0xfff00000u) w->near_top = 1;
  if (w->near_top && low < 0x00100000u) w->wrapped = 1;
  /* With checksums each segment is its mapping: the sum must cover the
   * 64-bit DSN (§3.3.1), not the 32 bits on the wire. */
  if (w->csum && d->dll == pk.payload_len) {
    if (mptcp_dss_csum(dsn, d->ssn, d->dll, pk.payload, pk.payload_len) ==
        d->csum)
      w->csum_ok++;
    else
      w->csum_bad++;
    if (mptcp_dss_csum(low, d->ssn, d->dll, pk.payload, pk.payload_len) ==
        d->csum)
      w->csum_low_only++;
  }
  return 1;
}

/* A connection from A (key wrap_key()) to B, @p delay_us each way,
 * DSS checksums if @p csum, A's settings.dsn64 = @p dsn64, 1 MB each way
 * and the close; every byte checked by pair_transfer. */
static void run(seen *w, int csum, int dsn64, mptcp_tstamp delay_us) {
  memset(w, 0, sizeof *w);
  w->delay = delay_us;
  w->csum = csum;
  mptcp_settings sa, sb;
  pair_settings(&sa);
  sa.rand = wrap_rand;
  sa.checksum = (uint8_t)csum;
  sa.dsn64 = (uint8_t)dsn64;
  sb = sa;
  sb.dsn64 = 0;
  key_drawn = 0;
  pair p;
  pair_init(&p, &sa, &sb);
  ck_assert_int_eq(key_drawn, 1);
  uint64_t idsn;
  uint32_t tok;
  ck_assert_int_eq(mptcp_crypto_key_derive(1, wrap_key(), &tok, &idsn), 0);
  w->dsn = idsn + 1;
  p.ud = w;
  p.filter = watch;
  if (delay_us) p.delay = delay_fixed;
  pair_connected(&p);
  pair_transfer(&p, 1000000);
  ck_assert_uint_eq(pair_counter(p.b, "DataCsumErr"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNotMatching"), 0);
  pair_fini(&p);
}

/* Every data mapping of A in 32 bits (@p dsn32; the first may go before
 * an RTT sample, in 64) or all in 64, each option as long as its flags
 * say, and B's DATA_ACKs as wide as the mappings it got (§3.3.2: data
 * mapped with 64 bits is acked with 64). */
static void expect_maps(const seen *w, int dsn32) {
  ck_assert_uint_gt(dsn32 ? w->map32 : w->map64, 20);
  if (dsn32)
    ck_assert_uint_le(w->map64, 1);
  else
    ck_assert_uint_eq(w->map32, 0);
  ck_assert_uint_eq(w->bad_len, 0);
  ck_assert_int_eq(w->b_ack_width, dsn32 ? 32 : 64);
}

/* 10 ms each way and 64 KB windows: about 3 MB/s, below the rule's
 * 8.9 MB/s: 32-bit DSNs, whose low half wraps, and the data arrives
 * intact; with checksums the sum is over the 64-bit DSN. _i: checksums. */
START_TEST(test_dsn32_wrap) {
  seen w;
  run(&w, _i, 0, 10000);
  expect_maps(&w, 1);
  ck_assert_int_eq(w.wrapped, 1);
  if (_i) {
    ck_assert_uint_eq(w.csum_ok, w.map32);
    ck_assert_uint_eq(w.csum_bad, 0);
    ck_assert_uint_eq(w.csum_low_only, 0);
  }
}
END_TEST

/* settings.dsn64 on A: the same connection with 64-bit DSNs only; full
 * segments carry exactly 4 bytes less than under 32-bit mappings. _i:
 * checksums. */
START_TEST(test_dsn32_knob) {
  seen w32, w64;
  run(&w32, _i, 0, 10000);
  run(&w64, _i, 1, 10000);
  expect_maps(&w32, 1);
  expect_maps(&w64, 0);
  ck_assert_uint_gt(w64.pay64, 0);
  ck_assert_uint_eq(w32.pay32, w64.pay64 + 4);
}
END_TEST

/* No delay at all: the SRTT is a few µs and any window is far above the
 * rate bound, so every mapping carries 64 bits. */
START_TEST(test_dsn32_fast_path_64) {
  seen w;
  run(&w, 0, 0, 0);
  expect_maps(&w, 0);
}
END_TEST

Suite *suite_dsn32(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_dsn32_wrap, 2),
      TCHECK_LOOP(test_dsn32_knob, 2),
      TCHECK_TEST(test_dsn32_fast_path_64),
  };
  return tcheck_suite("dsn32", tests, sizeof tests / sizeof tests[0]);
}
