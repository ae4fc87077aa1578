/* Shared helpers for the Check unit tests. SPDX-License-Identifier: MIT */
#ifndef TCHECK_H
#define TCHECK_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>

/* Builds a suite with one TCase holding @p tests. */
typedef struct tcheck_test {
  const char *name;
  const TTest *fn;
  int loop_end; /* 0: run once; N: tcase_add_loop_test(0..N) */
} tcheck_test;

Suite *tcheck_suite(const char *name, const tcheck_test *tests, size_t n);

#define TCHECK_TEST(fn) {#fn, fn, 0}
#define TCHECK_LOOP(fn, n) {#fn, fn, (int)(n)}

/* Parses a hex string ("1e 04 01 01", spaces optional) into @p out.
 * Returns the byte count; aborts the test on bad input or overflow. */
size_t tcheck_hex(const char *hex, uint8_t *out, size_t cap);

/* Fails the test with a hex dump of both buffers when they differ. */
#define ck_assert_bytes(a, alen, b, blen)                                     \
  tcheck_assert_bytes(__FILE__, __LINE__, (a), (alen), (b), (blen))
void tcheck_assert_bytes(const char *file, int line, const uint8_t *a,
                         size_t alen, const uint8_t *b, size_t blen);

/* Every suite getter; check_main.c runs them all. */
Suite *suite_pkt(void);
Suite *suite_tcpopt(void);
Suite *suite_options(void);
Suite *suite_options_table(void);
Suite *suite_crypto(void);
Suite *suite_convert(void);
Suite *suite_counters(void);

#endif
