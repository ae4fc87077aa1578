/*
 * Tests for lib/copy.c: mptcp_copy() copies exactly n bytes, whatever the
 * length (the vector kernel's steps, its blocks and the overlapping last
 * block) and the alignment of either buffer, and touches nothing around
 * the destination.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include "copy.h"

#include <string.h>

static uint8_t src[9000 + 64], dst[9000 + 128];

/* Whether the n bytes at p all still hold the fill byte. */
static int untouched(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0x5a) return 0;
  return 1;
}

/* Copies n bytes from src + so to dst + 32 + doff and checks them and the
 * 32 + doff bytes before and 32 after (a stray vector store is 32). */
static void check(size_t so, size_t doff, size_t n) {
  memset(dst, 0x5a, 32 + doff + n + 32);
  mptcp_copy(dst + 32 + doff, src + so, n);
  ck_assert_msg(memcmp(dst + 32 + doff, src + so, n) == 0,
                "copy of %zu bytes src+%zu dst+%zu differs", n, so, doff);
  ck_assert_msg(untouched(dst, 32 + doff), "written before %zu copied", n);
  ck_assert_msg(untouched(dst + 32 + doff + n, 32), "written after %zu copied",
                n);
}

START_TEST(test_copy_lengths) {
  uint64_t rng = 0xc0b1;
  for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)tcheck_prng(&rng);
  /* Every length up to a few kernel steps, at all alignments mod 8. */
  for (size_t n = 0; n <= 700; n++)
    for (size_t so = 0; so < 8; so++)
      for (size_t doff = 0; doff < 8; doff += 3) check(so, doff, n);
  /* Segment sizes and random ones, at random alignments. */
  static const size_t sizes[] = {1448, 1460, 1500, 4096, 8191, 9000};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    check(i % 8, (i * 5) % 64, sizes[i]);
  for (int i = 0; i < 500; i++)
    check((size_t)(tcheck_prng(&rng) % 64), (size_t)(tcheck_prng(&rng) % 64),
          (size_t)(tcheck_prng(&rng) % 9001));
}
END_TEST

Suite *suite_copy(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_copy_lengths),
  };
  return tcheck_suite("copy", tests, sizeof tests / sizeof tests[0]);
}
