/* One SRunner over every unit suite. SPDX-License-Identifier: MIT */
#include "tcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

Suite *tcheck_suite(const char *name, const tcheck_test *tests, size_t n) {
  Suite *s = suite_create(name);
  TCase *tc = tcase_create(name);
  tcase_set_timeout(tc, 120);
  for (size_t i = 0; i < n; i++) {
    if (tests[i].loop_end > 0)
      _tcase_add_test(tc, tests[i].fn, 0, 0, 0, tests[i].loop_end);
    else
      _tcase_add_test(tc, tests[i].fn, 0, 0, 0, 1);
  }
  suite_add_tcase(s, tc);
  return s;
}

uint64_t tcheck_prng(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

void tcheck_addr4(mptcp_ipaddr *a, uint8_t b0, uint8_t b1, uint8_t b2,
                  uint8_t b3) {
  memset(a, 0, sizeof *a);
  a->family = MPTCP_AF_INET;
  a->a[0] = b0;
  a->a[1] = b1;
  a->a[2] = b2;
  a->a[3] = b3;
}

void tcheck_addr6_db8(mptcp_ipaddr *a, uint8_t last) {
  memset(a, 0, sizeof *a);
  a->family = MPTCP_AF_INET6;
  a->a[0] = 0x20;
  a->a[1] = 0x01;
  a->a[2] = 0x0d;
  a->a[3] = 0xb8;
  a->a[15] = last;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t tcheck_hex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (const char *p = hex; *p; p++) {
    if (*p == ' ' || *p == ':' || *p == '\n') continue;
    int v = hexval(*p);
    ck_assert_msg(v >= 0, "bad hex character '%c' in \"%s\"", *p, hex);
    if (hi < 0) {
      hi = v;
    } else {
      ck_assert_msg(n < cap, "hex string longer than %zu bytes", cap);
      out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  ck_assert_msg(hi < 0, "odd number of hex digits in \"%s\"", hex);
  return n;
}

static void dump(char *dst, size_t cap, const uint8_t *p, size_t n) {
  size_t o = 0;
  dst[0] = 0;
  for (size_t i = 0; i < n && o + 4 < cap; i++)
    o += (size_t)snprintf(dst + o, cap - o, "%02x ", p[i]);
}

void tcheck_assert_bytes(const char *file, int line, const uint8_t *a,
                         size_t alen, const uint8_t *b, size_t blen) {
  if (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0)) return;
  char da[400], db[400];
  dump(da, sizeof da, a, alen);
  dump(db, sizeof db, b, blen);
  ck_abort_msg("%s:%d: bytes differ\n  got (%zu): %s\n want(%zu): %s", file,
               line, alen, da, blen, db);
}

/* Run one suite with CK_RUN_SUITE=name, one case with CK_RUN_CASE=name. */
int main(void) {
  Suite *(*const getters[])(void) = {
      suite_pkt,         suite_tcpopt,    suite_options,  suite_options_table,
      suite_crypto,      suite_convert,   suite_counters, suite_tcp,
      suite_token,       suite_handshake, suite_dss,      suite_mp,
      suite_mptcp,       suite_mpfail,    suite_join,     suite_pm,
      suite_sched,       suite_cc,        suite_dsnq,     suite_txq,
      suite_pm_fullmesh, suite_mptrace,   suite_copy,     suite_offload,
      suite_ack,         suite_dsn32,
  };
  SRunner *sr = srunner_create(NULL);
  for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++)
    srunner_add_suite(sr, getters[i]());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
