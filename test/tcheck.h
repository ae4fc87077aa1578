/* Shared helpers for the Check unit tests. SPDX-License-Identifier: MIT */
#ifndef TCHECK_H
#define TCHECK_H

#include <check.h>
#include <mptcp/common.h>
#include <stddef.h>
#include <stdint.h>

/* The keys of test-values.md §1. */
#define K1 UINT64_C(0x0102030405060708)
#define K2 UINT64_C(0xFEDCBA9876543210)
#define K3 UINT64_C(0x0000000000000002)

/* Asserts two 64-bit values are equal, printing both in hex. */
#define CK_X64(a, b)                                                           \
  do {                                                                         \
    uint64_t x64_a_ = (uint64_t)(a), x64_b_ = (uint64_t)(b);                   \
    ck_assert_msg(x64_a_ == x64_b_, "%s = 0x%llx, want 0x%llx", #a,            \
                  (unsigned long long)x64_a_, (unsigned long long)x64_b_);     \
  } while (0)

/* Deterministic xorshift64 PRNG: the same seed gives the same run. */
uint64_t tcheck_prng(uint64_t *state);

/* a = b0.b1.b2.b3 */
void tcheck_addr4(mptcp_ipaddr *a, uint8_t b0, uint8_t b1, uint8_t b2,
                  uint8_t b3);
/* a = 2001:db8::<last> */
void tcheck_addr6_db8(mptcp_ipaddr *a, uint8_t last);

/* Builds a suite with one TCase holding @p tests. */
typedef struct tcheck_test {
  const char *name;
  const TTest *fn;
  int loop_end; /* 0: run once; N: tcase_add_loop_test(0..N) */
} tcheck_test;

Suite *tcheck_suite(const char *name, const tcheck_test *tests, size_t n);

#define TCHECK_TEST(fn)                                                        \
  { #fn, fn, 0 }
#define TCHECK_LOOP(fn, n)                                                     \
  { #fn, fn, (int)(n) }

/* Parses a hex string ("1e 04 01 01", spaces optional) into @p out.
 * Returns the byte count; aborts the test on bad input or overflow. */
size_t tcheck_hex(const char *hex, uint8_t *out, size_t cap);

/* Fails the test with a hex dump of both buffers when they differ. */
#define ck_assert_bytes(a, alen, b, blen)                                      \
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
Suite *suite_token(void);
Suite *suite_handshake(void);
Suite *suite_dss(void);
Suite *suite_mp(void);
Suite *suite_mptcp(void);
Suite *suite_mpfail(void);
Suite *suite_join(void);
Suite *suite_pm(void);
Suite *suite_pm_fullmesh(void);
Suite *suite_mptrace(void);
Suite *suite_counters(void);
Suite *suite_tcp(void);
Suite *suite_sched(void);
Suite *suite_cc(void);
Suite *suite_dsnq(void);
Suite *suite_txq(void);
Suite *suite_copy(void);
Suite *suite_offload(void);
Suite *suite_ack(void);
Suite *suite_dsn32(void);

#endif
