/*
 * Tests for lib/counters.c and lib/err.c: counter names, lookups, the
 * packet-error mapping, option counting, mptcp_strerror, mptcp_err_is_fatal.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>

#include <string.h>

/* The X-macro list of counters.h is the contract: expected names. */
static const struct {
  int idx;
  const char *name;
} expected_names[] = {
#define X_(sfx, text) {MPTCP_CTR_##sfx, text},
    MPTCP_COUNTER_LIST(X_)
#undef X_
};

START_TEST(test_counter_names) {
  ck_assert_uint_eq(sizeof expected_names / sizeof expected_names[0],
                    MPTCP_CTR_COUNT);
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) {
    const char *n = mptcp_counter_name(i);
    ck_assert_ptr_nonnull(n);
    ck_assert_uint_gt(strlen(n), 0);
    ck_assert_str_eq(n, expected_names[i].name);
    ck_assert_int_eq(expected_names[i].idx, (int)i);
    for (size_t j = 0; j < i; j++)
      ck_assert_msg(strcmp(n, mptcp_counter_name(j)) != 0,
                    "counters %zu and %zu share the name %s", i, j, n);
  }
  ck_assert_ptr_null(mptcp_counter_name(MPTCP_CTR_COUNT));
  ck_assert_ptr_null(mptcp_counter_name(MPTCP_CTR_COUNT + 1));
  ck_assert_ptr_null(mptcp_counter_name((size_t)-1));
}
END_TEST

START_TEST(test_counter_find) {
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
    ck_assert_int_eq(mptcp_counter_find(mptcp_counter_name(i)), (int)i);
  ck_assert_int_eq(mptcp_counter_find("DSSMalformed"), MPTCP_CTR_DSS_MALFORMED);
  ck_assert_int_eq(mptcp_counter_find("PktIn"), MPTCP_CTR_PKT_IN);
  ck_assert_int_eq(mptcp_counter_find("ConvertMalformed"),
                   MPTCP_CTR_CONVERT_MALFORMED);
  ck_assert_int_eq(mptcp_counter_find("NoSuchCounter"), -1);
  ck_assert_int_eq(mptcp_counter_find(""), -1);
  ck_assert_int_eq(mptcp_counter_find("DSSMalformedX"), -1);
  ck_assert_int_eq(mptcp_counter_find("DSSMalforme"), -1);
}
END_TEST

START_TEST(test_counter_for_pkt_err) {
  ck_assert_int_eq(mptcp_counter_for_pkt_err(MPTCP_ERR_TRUNCATED),
                   MPTCP_CTR_PKT_TRUNCATED);
  ck_assert_int_eq(mptcp_counter_for_pkt_err(MPTCP_ERR_MALFORMED),
                   MPTCP_CTR_PKT_MALFORMED);
  ck_assert_int_eq(mptcp_counter_for_pkt_err(MPTCP_ERR_NOT_TCP),
                   MPTCP_CTR_PKT_NOT_TCP);
  ck_assert_int_eq(mptcp_counter_for_pkt_err(MPTCP_ERR_FRAGMENT),
                   MPTCP_CTR_PKT_FRAGMENT);
  ck_assert_int_eq(mptcp_counter_for_pkt_err(MPTCP_ERR_CHECKSUM),
                   MPTCP_CTR_PKT_CSUM_ERR);
  /* Anything unexpected maps to PKT_MALFORMED. */
  ck_assert_int_eq(mptcp_counter_for_pkt_err(MPTCP_ERR_NOBUF),
                   MPTCP_CTR_PKT_MALFORMED);
  ck_assert_int_eq(mptcp_counter_for_pkt_err(MPTCP_ERR_NOMEM),
                   MPTCP_CTR_PKT_MALFORMED);
  ck_assert_int_eq(mptcp_counter_for_pkt_err(-12345), MPTCP_CTR_PKT_MALFORMED);
  ck_assert_int_eq(mptcp_counter_for_pkt_err(0), MPTCP_CTR_PKT_MALFORMED);
}
END_TEST

static const int all_errs[] = {
    MPTCP_ERR_INVALID_ARG,      MPTCP_ERR_NOBUF,
    MPTCP_ERR_TRUNCATED,        MPTCP_ERR_MALFORMED,
    MPTCP_ERR_UNSUPPORTED,      MPTCP_ERR_CHECKSUM,
    MPTCP_ERR_NOT_TCP,          MPTCP_ERR_FRAGMENT,
    MPTCP_ERR_NOSPACE,          MPTCP_ERR_NOT_PRESENT,
    MPTCP_ERR_VERSION,          MPTCP_ERR_NOMEM,
    MPTCP_ERR_CALLBACK_FAILURE, MPTCP_ERR_CRYPTO,
    MPTCP_ERR_WOULDBLOCK,       MPTCP_ERR_EOF,
    MPTCP_ERR_CLOSED,           MPTCP_ERR_EXISTS,
};
#define N_ERRS (sizeof all_errs / sizeof all_errs[0])

START_TEST(test_strerror) {
  for (size_t i = 0; i < N_ERRS; i++) {
    const char *s = mptcp_strerror(all_errs[i]);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_gt(strlen(s), 0);
    ck_assert_msg(strcmp(s, "unknown error") != 0, "code %d has no description",
                  all_errs[i]);
    for (size_t j = 0; j < i; j++)
      ck_assert_msg(strcmp(s, mptcp_strerror(all_errs[j])) != 0,
                    "codes %d and %d share \"%s\"", all_errs[i], all_errs[j],
                    s);
  }
  ck_assert_str_eq(mptcp_strerror(-9999), "unknown error");
  ck_assert_str_eq(mptcp_strerror(12345), "unknown error");
  ck_assert_str_eq(mptcp_strerror(-200), "unknown error");
  ck_assert_ptr_nonnull(mptcp_strerror(0));
}
END_TEST

START_TEST(test_err_is_fatal) {
  for (size_t i = 0; i < N_ERRS; i++) {
    int want = all_errs[i] <= -500 && all_errs[i] > -600;
    ck_assert_msg(mptcp_err_is_fatal(all_errs[i]) == want, "code %d",
                  all_errs[i]);
  }
  ck_assert_int_eq(mptcp_err_is_fatal(MPTCP_ERR_NOMEM), 1);
  ck_assert_int_eq(mptcp_err_is_fatal(MPTCP_ERR_CALLBACK_FAILURE), 1);
  ck_assert_int_eq(mptcp_err_is_fatal(MPTCP_ERR_CRYPTO), 1);
  ck_assert_int_eq(mptcp_err_is_fatal(MPTCP_ERR_MALFORMED), 0);
  ck_assert_int_eq(mptcp_err_is_fatal(0), 0);
  ck_assert_int_eq(mptcp_err_is_fatal(1), 0);
}
END_TEST

/* mptcp_counters_add_opts on a parsed area: one malformed TCP option (MSS
 * with length 3), one bad DSS, one unknown MPTCP subtype, one good DSS. */
START_TEST(test_counters_add_opts) {
  uint8_t area[40];
  size_t n = tcheck_hex("02 03 05"                /* MSS len 3: malformed   */
                        "1e 05 20 01 00"          /* DSS A with len 5       */
                        "1e 04 90 00"             /* subtype 0x9: unknown   */
                        "1e 08 20 01 00 00 00 01" /* DSS Data ACK 32, ok */
                        "01 01 01 01",
                        area, sizeof area);
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, MPTCP_TH_ACK, 0);
  ctx.version = MPTCP_VERSION_1;
  mptcp_tcpopts o;
  mptcp_tcpopts_parse(area, n, &ctx, &o);
  ck_assert_uint_eq(o.n_malformed, 1);
  ck_assert_uint_eq(o.n_mptcp, 3);
  ck_assert_uint_eq(o.n_mptcp_bad, 2);

  mptcp_counters c;
  memset(&c, 0, sizeof c);
  c.v[MPTCP_CTR_PKT_IN] = 7;
  mptcp_counters_add_opts(&c, &o);
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) {
    uint64_t want = 0;
    if (i == MPTCP_CTR_PKT_IN) want = 7;
    if (i == MPTCP_CTR_TCPOPT_MALFORMED || i == MPTCP_CTR_DSS_MALFORMED ||
        i == MPTCP_CTR_MPTCP_OPT_UNKNOWN)
      want = 1;
    ck_assert_msg(c.v[i] == want, "%s = %llu, want %llu", mptcp_counter_name(i),
                  (unsigned long long)c.v[i], (unsigned long long)want);
  }
  /* Adding again accumulates. */
  mptcp_counters_add_opts(&c, &o);
  ck_assert_uint_eq(c.v[MPTCP_CTR_DSS_MALFORMED], 2);
  ck_assert_uint_eq(c.v[MPTCP_CTR_TCPOPT_MALFORMED], 2);

  /* A clean area adds nothing. */
  mptcp_counters z;
  memset(&z, 0, sizeof z);
  mptcp_tcpopts_parse(area + 12, 8, &ctx, &o);
  ck_assert_uint_eq(o.n_mptcp, 1);
  mptcp_counters_add_opts(&z, &o);
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) ck_assert_uint_eq(z.v[i], 0);
}
END_TEST

static mptcp_ipaddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  mptcp_ipaddr x;
  memset(&x, 0, sizeof x);
  x.family = MPTCP_AF_INET;
  x.a[0] = a, x.a[1] = b, x.a[2] = c, x.a[3] = d;
  return x;
}

static mptcp_ipaddr v6(const char *hex) {
  mptcp_ipaddr x;
  memset(&x, 0, sizeof x);
  x.family = MPTCP_AF_INET6;
  ck_assert_uint_eq(tcheck_hex(hex, x.a, sizeof x.a), 16);
  return x;
}

/* RFC 6890 targets a proxy must refuse (PM-10 §5.2, RFC 8803 §6.2.5). */
START_TEST(test_ipaddr_forbidden) {
  const mptcp_ipaddr bad[] = {
      v4(0, 0, 0, 0),
      v4(127, 0, 0, 1),
      v4(127, 255, 1, 2),
      v4(224, 0, 0, 1),
      v4(239, 255, 255, 250),
      v4(255, 255, 255, 255),
      v6("00000000000000000000000000000000"), /* :: */
      v6("00000000000000000000000000000001"), /* ::1 */
      v6("ff020000000000000000000000000001"), /* ff02::1 */
      v6("00000000000000000000ffff7f000001"), /* ::ffff:127.0.0.1 */
      v6("00000000000000000000ffffe0000001"), /* ::ffff:224.0.0.1 */
  };
  const mptcp_ipaddr good[] = {
      v4(198, 51, 100, 5),
      v4(192, 0, 2, 1),
      v4(10, 1, 2, 3),
      v4(223, 255, 255, 255),
      v4(255, 255, 255, 254),
      v4(128, 0, 0, 1),
      v6("20010db8000000000000000000000005"),
      v6("fe800000000000000000000000000001"),
      v6("00000000000000000000ffffc6336405"), /* ::ffff:198.51.100.5 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(mptcp_ipaddr_is_forbidden(&bad[i]), "bad[%zu] allowed", i);
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ck_assert_msg(!mptcp_ipaddr_is_forbidden(&good[i]), "good[%zu] refused", i);
  mptcp_ipaddr none;
  memset(&none, 0, sizeof none);
  ck_assert(mptcp_ipaddr_is_forbidden(&none)); /* no family: never a target */
}
END_TEST

START_TEST(test_ipaddr_len_equal) {
  mptcp_ipaddr a = v4(192, 0, 2, 1), b = v4(192, 0, 2, 1), c = v4(192, 0, 2, 2);
  mptcp_ipaddr d = v6("20010db8000000000000000000000001"), none;
  memset(&none, 0, sizeof none);
  ck_assert_uint_eq(mptcp_ipaddr_len(&a), 4);
  ck_assert_uint_eq(mptcp_ipaddr_len(&d), 16);
  ck_assert_uint_eq(mptcp_ipaddr_len(&none), 0);
  ck_assert(mptcp_ipaddr_equal(&a, &b));
  ck_assert(!mptcp_ipaddr_equal(&a, &c));
  ck_assert(!mptcp_ipaddr_equal(&a, &d));
  /* Same leading bytes but another family are different addresses. */
  mptcp_ipaddr e = d;
  e.family = MPTCP_AF_INET;
  mptcp_ipaddr f = v4(0x20, 0x01, 0x0d, 0xb8);
  ck_assert(!mptcp_ipaddr_equal(&d, &e));
  ck_assert(mptcp_ipaddr_equal(&e, &f));
}
END_TEST

Suite *suite_counters(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_counter_names),
      TCHECK_TEST(test_counter_find),
      TCHECK_TEST(test_counter_for_pkt_err),
      TCHECK_TEST(test_strerror),
      TCHECK_TEST(test_err_is_fatal),
      TCHECK_TEST(test_counters_add_opts),
      TCHECK_TEST(test_ipaddr_forbidden),
      TCHECK_TEST(test_ipaddr_len_equal),
  };
  return tcheck_suite("counters", tests, sizeof tests / sizeof tests[0]);
}
