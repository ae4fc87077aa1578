/*
 * Tests for lib/dsnq.c: sets of DSN ranges (adding, merging, removing,
 * trimming, the bound), checked against a bitmap of the same bytes.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <stdio.h>
#include <string.h>

#include "dsnq.h"

/* The set's ranges as "lo-hi lo-hi ..." for exact comparisons. */
static const char *show(const mptcp_dsnq *q) {
  static char buf[256];
  size_t o = 0;
  buf[0] = 0;
  for (unsigned i = 0; i < q->n; i++)
    o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%llu-%llu", i ? " " : "",
                          (unsigned long long)q->r[i].lo,
                          (unsigned long long)q->r[i].hi);
  return buf;
}

START_TEST(test_dsnq_add_merge) {
  mptcp_dsnq q = {0};
  mptcp_dsnq_add(&q, 100, 200);
  mptcp_dsnq_add(&q, 300, 400);
  mptcp_dsnq_add(&q, 50, 60);
  mptcp_dsnq_add(&q, 70, 70); /* empty: nothing */
  ck_assert_str_eq(show(&q), "50-60 100-200 300-400");
  mptcp_dsnq_add(&q, 200, 250); /* touches: merged */
  ck_assert_str_eq(show(&q), "50-60 100-250 300-400");
  mptcp_dsnq_add(&q, 240, 310); /* bridges two */
  ck_assert_str_eq(show(&q), "50-60 100-400");
  mptcp_dsnq_add(&q, 10, 1000); /* covers all */
  ck_assert_str_eq(show(&q), "10-1000");
  ck_assert_uint_eq(mptcp_dsnq_bytes(&q), 990);
  ck_assert_uint_eq(mptcp_dsnq_max(&q), 1000);
}
END_TEST

START_TEST(test_dsnq_full) {
  mptcp_dsnq q = {0};
  for (uint64_t i = 0; i < MPTCP_DSNQ_MAX; i++)
    mptcp_dsnq_add(&q, i * 100, i * 100 + 10);
  ck_assert_uint_eq(q.n, MPTCP_DSNQ_MAX);
  /* No room: 545-550 widens its nearer neighbour 500-510 over the gap. */
  mptcp_dsnq_add(&q, 545, 550);
  ck_assert_uint_eq(q.n, MPTCP_DSNQ_MAX);
  ck_assert_str_eq(show(&q), "0-10 100-110 200-210 300-310 400-410 500-550 "
                             "600-610 700-710");
  /* Nearer above: 590-595 becomes part of 590-610. */
  mptcp_dsnq_add(&q, 590, 595);
  ck_assert(strstr(show(&q), "590-610") != NULL);
  /* Beyond the last one. */
  mptcp_dsnq_add(&q, 900, 901);
  ck_assert_uint_eq(mptcp_dsnq_max(&q), 901);
  ck_assert_uint_eq(q.n, MPTCP_DSNQ_MAX);
  /* A hole cannot be made in a full set: it is reported, nothing lost. */
  ck_assert_uint_eq(mptcp_dsnq_remove(&q, 3, 5), 2);
  ck_assert(strstr(show(&q), "0-10 ") == show(&q));
}
END_TEST

START_TEST(test_dsnq_remove_trim_limit) {
  mptcp_dsnq q = {0};
  mptcp_dsnq_add(&q, 100, 200);
  mptcp_dsnq_add(&q, 300, 400);
  ck_assert_uint_eq(mptcp_dsnq_remove(&q, 120, 130), 0);
  ck_assert_str_eq(show(&q), "100-120 130-200 300-400");
  mptcp_dsnq_remove(&q, 190, 320);
  ck_assert_str_eq(show(&q), "100-120 130-190 320-400");
  mptcp_dsnq_remove(&q, 0, 125);
  ck_assert_str_eq(show(&q), "130-190 320-400");
  mptcp_dsnq_trim(&q, 150);
  ck_assert_str_eq(show(&q), "150-190 320-400");
  mptcp_dsnq_limit(&q, 50);
  ck_assert_str_eq(show(&q), "150-190 320-330");
  mptcp_dsnq_limit(&q, 40);
  ck_assert_str_eq(show(&q), "150-190");
  mptcp_dsnq_trim(&q, 190);
  ck_assert_uint_eq(q.n, 0);
  ck_assert_uint_eq(mptcp_dsnq_bytes(&q), 0);
  ck_assert_uint_eq(mptcp_dsnq_max(&q), 0);
}
END_TEST

/* Random operations against a bitmap of bytes 0..511: the set holds at
 * least the bytes the bitmap says (exactly, while it never filled up),
 * sorted, disjoint and not touching. */
START_TEST(test_dsnq_random) {
  uint64_t seed = 77;
  for (int run = 0; run < 200; run++) {
    mptcp_dsnq q = {0};
    uint8_t bits[512] = {0};
    int overflowed = 0;
    for (int op = 0; op < 30; op++) {
      uint64_t lo = tcheck_prng(&seed) % 512, len = tcheck_prng(&seed) % 40;
      uint64_t hi = lo + len > 512 ? 512 : lo + len;
      unsigned kind = (unsigned)(tcheck_prng(&seed) % 4);
      if (kind <= 1) {
        if (q.n == MPTCP_DSNQ_MAX) overflowed = 1;
        mptcp_dsnq_add(&q, lo, hi);
        memset(bits + lo, 1, hi - lo);
      } else if (kind == 2) {
        if (mptcp_dsnq_remove(&q, lo, hi) == 0)
          memset(bits + lo, 0, hi - lo);
        else
          overflowed = 1; /* kept: more than the bitmap from now on */
      } else {
        mptcp_dsnq_trim(&q, lo);
        memset(bits, 0, lo);
      }
      uint32_t want = 0;
      for (unsigned i = 0; i < q.n; i++) {
        ck_assert_uint_lt(q.r[i].lo, q.r[i].hi);
        if (i) ck_assert_uint_gt(q.r[i].lo, q.r[i - 1].hi);
      }
      for (unsigned b = 0; b < 512; b++) {
        int in = 0;
        for (unsigned i = 0; i < q.n; i++)
          if (b >= q.r[i].lo && b < q.r[i].hi) in = 1;
        if (bits[b]) ck_assert_msg(in, "byte %u lost: %s", b, show(&q));
        if (!overflowed) ck_assert_int_eq(in, bits[b]);
        want += in;
      }
      ck_assert_uint_eq(mptcp_dsnq_bytes(&q), want);
    }
  }
}
END_TEST

Suite *suite_dsnq(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_dsnq_add_merge),
      TCHECK_TEST(test_dsnq_full),
      TCHECK_TEST(test_dsnq_remove_trim_limit),
      TCHECK_TEST(test_dsnq_random),
  };
  return tcheck_suite("dsnq", tests, sizeof tests / sizeof tests[0]);
}
