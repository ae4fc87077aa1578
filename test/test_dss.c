/*
 * Data sequence mappings of a subflow (lib/dss.c): send-side records and
 * the receive-side mapping table (RFC 8684 §3.3.1), across SSN wrap.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <string.h>

#include "dss.h"
#include "ranges.h"
#include "ringbuf.h"

/* A received mapping: subflow bytes [s, s + l) carry DSNs from d, with the
 * DATA_FIN after them if f. */
#define RXMAP(s, l, d, f)                                                      \
  { .ssn = (s), .len = (l), .dsn = (d), .fin = (f) }

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
  /* The table is per subflow (128 entries): kept at 24 bytes each. */
  ck_assert_uint_eq(sizeof(mptcp_rxmap), 24);
  mptcp_rxmap a = RXMAP(base, 1448, 100000, 0);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &a, NULL, NULL), MPTCP_RXMAP_NEW);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &a, NULL, NULL),
                   MPTCP_RXMAP_KNOWN); /* repeat */
  /* a consistent sub-range (a resent part) adds nothing */
  mptcp_rxmap sub = RXMAP(base + 100, 200, 100100, 0);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &sub, NULL, NULL), MPTCP_RXMAP_KNOWN);
  /* the same bytes at another DSN: conflict */
  mptcp_rxmap bad = RXMAP(base + 100, 200, 100101, 0);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &bad, NULL, NULL),
                   MPTCP_RXMAP_CONFLICT);
  /* out of order: a later mapping first */
  mptcp_rxmap c = RXMAP(base + 2896, 1448, 50000, 1);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &c, NULL, NULL), MPTCP_RXMAP_NEW);
  mptcp_rxmap b = RXMAP(base + 1448, 1448, 101448, 0);
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
    mptcp_rxmap x = RXMAP(base + 10 * i, 10, 7 * (uint64_t)i * 1000, 0);
    ck_assert_int_eq(mptcp_rxmaps_add(&m, &x, NULL, NULL), MPTCP_RXMAP_NEW);
  }
  mptcp_rxmap y = RXMAP(base + 5000, 10, 1, 0);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &y, all_placed, NULL),
                   MPTCP_RXMAP_FULL);
  /* A mapping below the furthest one takes the place of one further ahead
   * whose bytes are all placed, so the subflow's next bytes can be mapped
   * (else a hole never fills)... */
  uint32_t furthest = base + 10 * (MPTCP_RXMAPS_MAX - 1);
  mptcp_rxmap z = RXMAP(base - 100, 10, 99999, 0);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &z, NULL, NULL), MPTCP_RXMAP_FULL);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &z, placed_below, &furthest),
                   MPTCP_RXMAP_NEW);
  ck_assert_uint_eq(m.n, MPTCP_RXMAPS_MAX);
  ck_assert_uint_eq(m.m[0].ssn, base - 100);
  /* ... never one whose bytes may still come (the furthest here) */
  ck_assert_uint_eq(m.m[MPTCP_RXMAPS_MAX - 1].ssn, furthest);
  ck_assert_uint_eq(m.m[MPTCP_RXMAPS_MAX - 2].ssn, furthest - 20);
  /* nor one nearer than the new mapping */
  mptcp_rxmap w = RXMAP(furthest - 8, 3, 5, 0);
  ck_assert_int_eq(mptcp_rxmaps_add(&m, &w, placed_below, &furthest),
                   MPTCP_RXMAP_FULL);
}
END_TEST

/* The range-set helpers the receive side uses to keep the first copy
 * placed (span), to give failed bytes up (del) and to know ahead whether
 * a segment can be kept (can_add). */
START_TEST(test_ranges_span_del) {
  mptcp_ranges r = {0, {{0, 0}}};
  ck_assert_int_eq(mptcp_ranges_add(&r, 10, 20), 0);
  ck_assert_int_eq(mptcp_ranges_add(&r, 30, 40), 0);
  int in = -1;
  ck_assert_uint_eq(mptcp_ranges_span(&r, 0, 100, &in), 10);
  ck_assert_int_eq(in, 0);
  ck_assert_uint_eq(mptcp_ranges_span(&r, 10, 100, &in), 10);
  ck_assert_int_eq(in, 1);
  ck_assert_uint_eq(mptcp_ranges_span(&r, 15, 3, &in), 3);
  ck_assert_int_eq(in, 1);
  ck_assert_uint_eq(mptcp_ranges_span(&r, 20, 100, &in), 10);
  ck_assert_int_eq(in, 0);
  ck_assert_uint_eq(mptcp_ranges_span(&r, 45, 7, &in), 7);
  ck_assert_int_eq(in, 0);
  mptcp_ranges_del(&r, 12, 15); /* splits */
  ck_assert_uint_eq(r.n, 3);
  ck_assert_uint_eq(r.r[0].end, 12);
  ck_assert_uint_eq(r.r[1].start, 15);
  mptcp_ranges_del(&r, 18, 35); /* cuts two */
  ck_assert_uint_eq(r.n, 3);
  ck_assert_uint_eq(r.r[1].end, 18);
  ck_assert_uint_eq(r.r[2].start, 35);
  ck_assert_uint_eq(mptcp_ranges_bytes_above(&r, 0), 2 + 3 + 5);
  mptcp_ranges_del(&r, 0, 100);
  ck_assert_uint_eq(r.n, 0);
  /* Full: a split gives the tail up instead of needing a new range. */
  for (uint32_t i = 0; i < MPTCP_RANGES_MAX; i++)
    ck_assert_int_eq(mptcp_ranges_add(&r, 4 * i, 4 * i + 3), 0);
  ck_assert_int_eq(mptcp_ranges_can_add(&r, 300, 301), 0);
  ck_assert_int_eq(mptcp_ranges_can_add(&r, 255, 260), 1); /* joins */
  mptcp_ranges_del(&r, 21, 22);
  ck_assert_uint_eq(r.n, MPTCP_RANGES_MAX);
  ck_assert_uint_eq(r.r[5].start, 20);
  ck_assert_uint_eq(r.r[5].end, 21);
  ck_assert_uint_eq(r.r[6].start, 24);
  ck_assert_uint_eq(mptcp_ranges_bytes_above(&r, 0), 3 * MPTCP_RANGES_MAX - 2);
}
END_TEST

/* A later copy compared with the bytes in the ring, across its wrap. */
START_TEST(test_ring_differs) {
  uint8_t buf[8];
  mptcp_ring r = {buf, sizeof buf, 6, 0};
  mptcp_ring_write_at(&r, 1, (const uint8_t *)"abcde", 5); /* idx 7..3 */
  ck_assert_int_eq(mptcp_ring_differs(&r, 1, (const uint8_t *)"abcde", 5), 0);
  ck_assert_int_eq(mptcp_ring_differs(&r, 2, (const uint8_t *)"bcd", 3), 0);
  ck_assert_int_eq(mptcp_ring_differs(&r, 1, (const uint8_t *)"abcdf", 5), 1);
  ck_assert_int_eq(mptcp_ring_differs(&r, 1, (const uint8_t *)"xbcde", 5), 1);
  ck_assert_int_eq(mptcp_ring_differs(&r, 1, NULL, 0), 0);
}
END_TEST

Suite *suite_dss(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_txmaps, 2),
      TCHECK_LOOP(test_rxmaps, 2),
      TCHECK_TEST(test_ranges_span_del),
      TCHECK_TEST(test_ring_differs),
  };
  return tcheck_suite("dss", tests, sizeof tests / sizeof tests[0]);
}
