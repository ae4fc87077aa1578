/*
 * Data sequence mappings of a subflow (lib/dss.c): send-side records and
 * the receive-side mapping table (RFC 8684 §3.3.1), across SSN wrap.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <string.h>

#include "dss.h"

START_TEST(test_txmaps) {
  mptcp_alloc al;
  mptcp_alloc_init(&al, NULL, 0);
  mptcp_txmaps t;
  mptcp_txmaps_init(&t, &al);
  uint32_t base = _i ? 0xfffff000u : 1; /* SSN wrap in the second run */
  /* one record per announced mapping, even when two continue each other
   * (a retransmission must repeat each as it was sent) */
  ck_assert_int_eq(mptcp_txmaps_push(&t, base, 1000, 1448, 0), 0);
  ck_assert_int_eq(mptcp_txmaps_push(&t, base + 1448, 2448, 1448, 0), 0);
  ck_assert_uint_eq(t.n, 2);
  /* a DSN jump (the other subflow took 2896..) starts a new record */
  ck_assert_int_eq(mptcp_txmaps_push(&t, base + 2896, 9000, 100, 0), 0);
  /* a reinjection of older DSNs */
  ck_assert_int_eq(mptcp_txmaps_push(&t, base + 2996, 500, 50, 0), 0);
  for (int k = 0; k < 40; k++) /* forces growth */
    ck_assert_int_eq(mptcp_txmaps_push(&t, base + 3046 + 10 * (uint32_t)k,
                                       20000 + 20 * (uint64_t)k, 10, 0),
                     0);
  ck_assert_uint_eq(t.n, 44);
  const mptcp_txmap *r = mptcp_txmaps_find(&t, base + 1500);
  ck_assert_ptr_nonnull(r);
  CK_X64(r->dsn + (base + 1500 - r->ssn), 1000 + 1500);
  r = mptcp_txmaps_find(&t, base + 3000);
  CK_X64(r->dsn + (base + 3000 - r->ssn), 504);
  r = mptcp_txmaps_find(&t, base + 3046 + 395);
  CK_X64(r->dsn + (base + 3046 + 395 - r->ssn), 20000 + 39 * 20 + 5);
  ck_assert_ptr_null(mptcp_txmaps_find(&t, base + 3046 + 400));
  ck_assert_ptr_null(mptcp_txmaps_find(&t, base - 1));
  CK_X64(mptcp_txmaps_min_dsn(&t), 500);
  /* partial ack trims the live part of a record, not its mapping */
  mptcp_txmaps_ack(&t, base + 2000);
  ck_assert_uint_eq(t.n, 43);
  CK_X64(mptcp_txmaps_min_dsn(&t), 500);
  r = mptcp_txmaps_find(&t, base + 2000);
  CK_X64(r->dsn, 3000);
  CK_X64(r->m_dsn, 2448);
  ck_assert_uint_eq(r->m_ssn, base + 1448);
  ck_assert_uint_eq(r->m_len, 1448);
  ck_assert_ptr_null(mptcp_txmaps_find(&t, base + 1999));
  mptcp_txmaps_ack(&t, base + 3046);
  ck_assert_uint_eq(t.n, 40);
  CK_X64(mptcp_txmaps_min_dsn(&t), 20000);
  mptcp_txmaps_ack(&t, base + 3046 + 400);
  ck_assert_uint_eq(t.n, 0);
  CK_X64(mptcp_txmaps_min_dsn(&t), UINT64_MAX);
  mptcp_txmaps_free(&t);
  ck_assert_uint_eq(al.held, 0);
}
END_TEST

static void count_done(const mptcp_rxmap *m, void *ud) {
  uint64_t *sum = ud;
  *sum += m->len;
}

/* Placed: every mapping (all_placed), or those below *ud (placed_below). */
static int all_placed(const mptcp_rxmap *k, void *ud) {
  (void)k, (void)ud;
  return 1;
}

static int placed_below(const mptcp_rxmap *k, void *ud) {
  return k->ssn != *(const uint32_t *)ud;
}

START_TEST(test_rxmaps) {
  mptcp_rxmaps m;
  memset(&m, 0, sizeof m);
  uint32_t base = _i ? 0xffffff00u : 1;
  mptcp_rxmap a = {base, 1448, 100000, 1448, 0, 0, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &a, NULL, NULL), MPTCP_RXMAP_NEW);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &a, NULL, NULL),
                   MPTCP_RXMAP_KNOWN); /* repeat */
  /* a consistent sub-range (a resent part) adds nothing */
  mptcp_rxmap sub = {base + 100, 200, 100100, 200, 0, 0, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &sub, NULL, NULL), MPTCP_RXMAP_KNOWN);
  /* the same bytes at another DSN: conflict */
  mptcp_rxmap bad = {base + 100, 200, 100101, 200, 0, 0, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &bad, NULL, NULL),
                   MPTCP_RXMAP_CONFLICT);
  /* out of order: a later mapping first */
  mptcp_rxmap c = {base + 2896, 1448, 50000, 1449, 0, 1, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &c, NULL, NULL), MPTCP_RXMAP_NEW);
  mptcp_rxmap b = {base + 1448, 1448, 101448, 1448, 0, 0, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &b, NULL, NULL), MPTCP_RXMAP_NEW);
  /* b continues a in both spaces: one entry of 2896 bytes */
  ck_assert_uint_eq(m.n, 2);
  ck_assert_uint_eq(m.m[0].len, 2896);
  ck_assert_uint_eq(m.m[1].ssn, base + 2896); /* kept sorted by SSN */
  uint64_t dsn = 0;
  const mptcp_rxmap *k = NULL;
  ck_assert_uint_eq(mptcp_rxmaps_lookup(&m, base + 1448 + 48, &dsn, &k), 1400);
  CK_X64(dsn, 101496);
  ck_assert_uint_eq(mptcp_rxmaps_lookup(&m, base + 2896 + 1447, &dsn, &k), 1);
  CK_X64(dsn, 51447);
  ck_assert_uint_eq(k->fin, 1);
  ck_assert_uint_eq(mptcp_rxmaps_lookup(&m, base + 4344, &dsn, &k), 0);
  uint64_t done = 0;
  mptcp_rxmaps_advance(&m, base + 2000, count_done, &done);
  ck_assert_uint_eq(done, 0); /* the merged entry ends at base + 2896 */
  ck_assert_uint_eq(m.n, 2);
  mptcp_rxmaps_advance(&m, base + 4344, count_done, &done);
  ck_assert_uint_eq(done, 3 * 1448);
  ck_assert_uint_eq(m.n, 0);
  /* the table is bounded */
  for (uint32_t i = 0; i < MPTCP_RXMAPS_MAX; i++) {
    mptcp_rxmap x = {base + 10 * i, 10, 7 * (uint64_t)i * 1000, 10, 0, 0, 0, 0};
    ck_assert_int_eq(mptcp_rxmaps_add(&m, &x, NULL, NULL), MPTCP_RXMAP_NEW);
  }
  mptcp_rxmap y = {base + 5000, 10, 1, 10, 0, 0, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &y, all_placed, NULL),
                   MPTCP_RXMAP_FULL);
  /* A mapping below the furthest one takes the place of one further ahead
   * whose bytes are all placed, so the subflow's next bytes can be mapped
   * (else a hole never fills)... */
  uint32_t furthest = base + 10 * (MPTCP_RXMAPS_MAX - 1);
  mptcp_rxmap z = {base - 100, 10, 99999, 10, 0, 0, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &z, NULL, NULL), MPTCP_RXMAP_FULL);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &z, placed_below, &furthest),
                   MPTCP_RXMAP_NEW);
  ck_assert_uint_eq(m.n, MPTCP_RXMAPS_MAX);
  ck_assert_uint_eq(m.m[0].ssn, base - 100);
  /* ... never one whose bytes may still come (the furthest here) */
  ck_assert_uint_eq(m.m[MPTCP_RXMAPS_MAX - 1].ssn, furthest);
  ck_assert_uint_eq(m.m[MPTCP_RXMAPS_MAX - 2].ssn, furthest - 20);
  /* nor one nearer than the new mapping */
  mptcp_rxmap w = {furthest - 8, 3, 5, 3, 0, 0, 0, 0};
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &w, placed_below, &furthest),
                   MPTCP_RXMAP_FULL);
}
END_TEST

Suite *suite_dss(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_txmaps, 2),
      TCHECK_LOOP(test_rxmaps, 2),
  };
  return tcheck_suite("dss", tests, sizeof tests / sizeof tests[0]);
}
