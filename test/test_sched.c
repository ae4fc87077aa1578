/*
 * Tests for lib/sched*.c: the subflow schedulers (minrtt, rr, redundant,
 * blest, ecf) and their reinjection policy, driven by tables of subflow
 * snapshots with the expected pick worked out by hand, plus invariants over
 * random views checked against an independent reference.
 *
 * Units throughout: MSS 1000 bytes, RTTs in microseconds, windows in bytes.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>

#include "sched.h"

#include <stdio.h>
#include <string.h>

#define MSS 1000u
#define BIG (1u << 24)

/* Subflow flags. */
#define R MPTCP_SCHED_SF_ACTIVE
#define BK (MPTCP_SCHED_SF_ACTIVE | MPTCP_SCHED_SF_BACKUP)
#define STL (MPTCP_SCHED_SF_ACTIVE | MPTCP_SCHED_SF_STALLED)
#define REC (MPTCP_SCHED_SF_ACTIVE | MPTCP_SCHED_SF_RECOVERY)
#define DEAD 0u

#define NODATA MPTCP_SCHED_WAIT_NODATA
#define WINDOW MPTCP_SCHED_WAIT_WINDOW
#define NOPATH MPTCP_SCHED_WAIT_NOPATH
#define CWND MPTCP_SCHED_WAIT_CWND
#define POLICY MPTCP_SCHED_WAIT_POLICY
#define PICKED MPTCP_SCHED_WAIT_NONE

/* A subflow limited by its congestion window only. */
#define SF(id_, fl_, srtt_, cwnd_, infl_)                                      \
  {                                                                            \
    .id = (id_), .flags = (fl_), .srtt_us = (srtt_), .rttvar_us = 0,           \
    .cwnd = (cwnd_), .inflight = (infl_), .queued = 0, .wnd_room = BIG,        \
    .mss = MSS                                                                 \
  }
/* Every field. */
#define SFX(id_, fl_, srtt_, var_, cwnd_, infl_, q_, wroom_)                   \
  {                                                                            \
    .id = (id_), .flags = (fl_), .srtt_us = (srtt_), .rttvar_us = (var_),      \
    .cwnd = (cwnd_), .inflight = (infl_), .queued = (q_),                      \
    .wnd_room = (wroom_), .mss = MSS                                           \
  }

/* One scheduler state blob, aligned like the connection will keep it. */
typedef struct sched_state {
  uint64_t w[MPTCP_SCHED_STATE_MAX / 8];
} sched_state;

static mptcp_sched_view view(const mptcp_sched_sf *sf, size_t n,
                             uint32_t pending, uint32_t wnd, uint32_t wnd_room,
                             mptcp_tstamp now) {
  mptcp_sched_view v;
  v.sf = sf;
  v.n = n;
  v.pending = pending;
  v.wnd = wnd;
  v.wnd_room = wnd_room;
  v.now = now;
  return v;
}

/* Calls get_send on a poisoned pick, so a field it forgets shows. */
static int ask(const mptcp_sched_ops *ops, sched_state *st,
               const mptcp_sched_view *v, mptcp_sched_pick *p) {
  memset(p, 0xA5, sizeof *p);
  return ops->get_send(st, v, p);
}

#define CK_PICK(ret_, p_, want_ret, want_mask, want_bytes, want_wait, what)    \
  do {                                                                         \
    ck_assert_msg((ret_) == (want_ret), "%s: returned %d, want %d", (what),    \
                  (ret_), (want_ret));                                         \
    ck_assert_msg((p_).mask == (want_mask), "%s: mask 0x%x, want 0x%x",        \
                  (what), (unsigned)(p_).mask, (unsigned)(want_mask));         \
    ck_assert_msg((p_).bytes == (want_bytes), "%s: bytes %u, want %u", (what), \
                  (unsigned)(p_).bytes, (unsigned)(want_bytes));               \
    ck_assert_msg((p_).wait == (want_wait), "%s: wait %u, want %u", (what),    \
                  (unsigned)(p_).wait, (unsigned)(want_wait));                 \
  } while (0)

/* A table row: a view and the expected pick. */
typedef struct sched_case {
  const char *what;
  size_t n;
  mptcp_sched_sf sf[4];
  uint32_t pending, wnd, wnd_room;
  int ret;
  uint32_t mask, bytes;
  uint8_t wait;
} sched_case;

/* Runs each row on a fresh state of @p ops. */
static void run_table(const mptcp_sched_ops *ops, const sched_case *t,
                      size_t n) {
  for (size_t i = 0; i < n; i++) {
    sched_state st;
    mptcp_sched_pick p;
    ops->init(&st, 0);
    mptcp_sched_view v =
        view(t[i].sf, t[i].n, t[i].pending, t[i].wnd, t[i].wnd_room, 0);
    int ret = ask(ops, &st, &v, &p);
    CK_PICK(ret, p, t[i].ret, t[i].mask, t[i].bytes, t[i].wait, t[i].what);
    ck_assert_msg(p.copy == 0, "%s: copy 0x%x", t[i].what, (unsigned)p.copy);
  }
}

/* ---------------------------------------------------------------- */
/* registry and helpers                                              */
/* ---------------------------------------------------------------- */

START_TEST(test_find) {
  static const struct {
    const char *name;
    const mptcp_sched_ops *ops;
  } names[] = {
      {"minrtt", &mptcp_sched_minrtt},
      {"rr", &mptcp_sched_rr},
      {"redundant", &mptcp_sched_redundant},
      {"blest", &mptcp_sched_blest},
      {"ecf", &mptcp_sched_ecf},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    ck_assert_ptr_eq(mptcp_sched_find(names[i].name), names[i].ops);
    ck_assert_str_eq(names[i].ops->name, names[i].name);
    ck_assert_ptr_eq(mptcp_sched_get(i), names[i].ops);
  }
  /* Index 0 is the default. */
  ck_assert_ptr_eq(mptcp_sched_get(0), &mptcp_sched_minrtt);
  ck_assert_ptr_null(mptcp_sched_get(5));
  ck_assert_ptr_null(mptcp_sched_get((size_t)-1));
  ck_assert_ptr_null(mptcp_sched_find(NULL));
  ck_assert_ptr_null(mptcp_sched_find(""));
  ck_assert_ptr_null(mptcp_sched_find("MINRTT"));
  ck_assert_ptr_null(mptcp_sched_find("minrtt "));
  ck_assert_ptr_null(mptcp_sched_find("min"));
  ck_assert_ptr_null(mptcp_sched_find("default"));
}
END_TEST

START_TEST(test_ops_tables) {
  for (size_t i = 0; mptcp_sched_get(i); i++) {
    const mptcp_sched_ops *o = mptcp_sched_get(i);
    ck_assert_ptr_nonnull(o->name);
    ck_assert_uint_le(o->state_size, MPTCP_SCHED_STATE_MAX);
    ck_assert(o->init != NULL);
    ck_assert(o->get_send != NULL);
    ck_assert(o->on_stall != NULL);
  }
}
END_TEST

START_TEST(test_room) {
  /* cwnd 10000 - inflight 4000 - queued 5000 = 1000. */
  mptcp_sched_sf a = SFX(1, R, 10000, 0, 10000, 4000, 5000, BIG);
  ck_assert_uint_eq(mptcp_sched_room(&a), 1000);
  /* The peer's window room caps it: min(6000, 2500). */
  mptcp_sched_sf b = SFX(1, R, 10000, 0, 10000, 4000, 0, 2500);
  ck_assert_uint_eq(mptcp_sched_room(&b), 2500);
  /* cwnd shrank below inflight after a loss: 0, not a wrapped value. */
  mptcp_sched_sf c = SF(1, R, 10000, 5000, 8000);
  ck_assert_uint_eq(mptcp_sched_room(&c), 0);
  /* inflight + queued overflows 32 bits: still 0. */
  mptcp_sched_sf d = SFX(1, R, 1, 0, UINT32_MAX, UINT32_MAX, UINT32_MAX, BIG);
  ck_assert_uint_eq(mptcp_sched_room(&d), 0);
  /* has_room: a full segment, or everything wanted when that is less. */
  mptcp_sched_sf e = SF(1, R, 10000, 10000, 9500); /* room 500 */
  ck_assert_int_eq(mptcp_sched_has_room(&e, 5000), 0);
  ck_assert_int_eq(mptcp_sched_has_room(&e, 500), 1);
  ck_assert_int_eq(mptcp_sched_has_room(&e, 501), 0);
  ck_assert_int_eq(mptcp_sched_has_room(&e, 1), 1);
  ck_assert_int_eq(mptcp_sched_has_room(&c, 1), 0);
  mptcp_sched_sf f = SF(1, R, 10000, 10000, 9000); /* room = 1 MSS */
  ck_assert_int_eq(mptcp_sched_has_room(&f, BIG), 1);
  ck_assert_int_eq(mptcp_sched_popcount(0), 0);
  ck_assert_int_eq(mptcp_sched_popcount(0x80000001u), 2);
  ck_assert_int_eq(mptcp_sched_popcount(UINT32_MAX), 32);
}
END_TEST

START_TEST(test_usable_mask) {
  /* Regular usable: 0 and 3; 1 stalled, 2 dead; 4 backup. */
  const mptcp_sched_sf sf[] = {
      SF(1, R, 10, 1, 0),   SF(2, STL, 10, 1, 0), SF(3, DEAD, 10, 1, 0),
      SF(4, REC, 10, 1, 0), SF(5, BK, 10, 1, 0),
  };
  mptcp_sched_view v = view(sf, 5, 1, 1, 1, 0);
  ck_assert_uint_eq(mptcp_sched_usable(&v, 0), 0x09);
  ck_assert_uint_eq(mptcp_sched_usable(&v, 0x01), 0x08);
  /* No regular one left: the backup. */
  ck_assert_uint_eq(mptcp_sched_usable(&v, 0x09), 0x10);
  ck_assert_uint_eq(mptcp_sched_usable(&v, 0x19), 0);
  /* A STALLED flag without ACTIVE is not usable either. */
  const mptcp_sched_sf odd[] = {SF(1, MPTCP_SCHED_SF_STALLED, 10, 1, 0)};
  mptcp_sched_view w = view(odd, 1, 1, 1, 1, 0);
  ck_assert_uint_eq(mptcp_sched_usable(&w, 0), 0);
}
END_TEST

/* Only the first MPTCP_SCHED_MAX_SF entries count. */
START_TEST(test_view_cap) {
  mptcp_sched_sf sf[MPTCP_SCHED_MAX_SF + 1];
  for (size_t i = 0; i < MPTCP_SCHED_MAX_SF; i++) {
    mptcp_sched_sf s = SF((uint32_t)i, R, 50000, 10000, 0);
    sf[i] = s;
  }
  /* Entry 32 is by far the fastest, but out of reach. */
  mptcp_sched_sf fast = SF(99, R, 1000, 10000, 0);
  sf[MPTCP_SCHED_MAX_SF] = fast;
  mptcp_sched_view v = view(sf, MPTCP_SCHED_MAX_SF + 1, BIG, BIG, BIG, 0);
  ck_assert_uint_eq(mptcp_sched_count(&v), MPTCP_SCHED_MAX_SF);
  ck_assert_uint_eq(mptcp_sched_usable(&v, 0), UINT32_MAX);
  for (size_t i = 0; mptcp_sched_get(i); i++) {
    const mptcp_sched_ops *o = mptcp_sched_get(i);
    sched_state st;
    mptcp_sched_pick p;
    o->init(&st, 0);
    int ret = ask(o, &st, &v, &p);
    if (o == &mptcp_sched_redundant) {
      /* Index 0 carries (equal RTTs), the 31 other reachable ones get
       * copies; entry 32 none. */
      CK_PICK(ret, p, 32, 0x1u, 10000u, PICKED, o->name);
      ck_assert_uint_eq(p.copy, UINT32_MAX - 1);
    } else if (o == &mptcp_sched_rr) {
      /* Lowest id first (id 0, index 0), one segment. */
      CK_PICK(ret, p, 1, 0x1u, MSS, PICKED, o->name);
    } else {
      /* Equal RTTs: the lowest index, a burst of its whole room. */
      CK_PICK(ret, p, 1, 0x1u, 10000u, PICKED, o->name);
    }
  }
}
END_TEST

/* ---------------------------------------------------------------- */
/* minRTT                                                            */
/* ---------------------------------------------------------------- */

static const sched_case minrtt_cases[] = {
    {"lowest srtt wins; bytes = its room 10000-4000",
     2,
     {SF(1, R, 30000, 10000, 0), SF(2, R, 10000, 10000, 4000)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     6000,
     PICKED},
    {"fastest is full: the next fastest, room 10000",
     2,
     {SF(1, R, 30000, 10000, 0), SF(2, R, 10000, 10000, 10000)},
     100000,
     BIG,
     BIG,
     1,
     0x1,
     10000,
     PICKED},
    {"regular subflows full, idle backup: wait, no fall-back",
     3,
     {SF(1, R, 30000, 10000, 10000), SF(2, R, 10000, 10000, 10000),
      SF(3, BK, 5000, 10000, 0)},
     100000,
     BIG,
     BIG,
     0,
     0,
     0,
     CWND},
    {"the only regular subflow stalled (RTO): the backup",
     2,
     {SF(1, STL, 10000, 10000, 0), SF(2, BK, 50000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     10000,
     PICKED},
    {"regular subflow dead: the backup",
     2,
     {SF(1, DEAD, 1000, 10000, 0), SF(2, BK, 50000, 10000, 3000)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     7000,
     PICKED},
    {"every subflow stalled or dead: no path",
     3,
     {SF(1, STL, 10000, 10000, 0), SF(2, STL | BK, 20000, 10000, 0),
      SF(3, DEAD | MPTCP_SCHED_SF_BACKUP, 1000, 10000, 0)},
     100000,
     BIG,
     BIG,
     0,
     0,
     0,
     NOPATH},
    {"no subflow at all",
     0,
     {SF(0, 0, 0, 0, 0)},
     100000,
     BIG,
     BIG,
     0,
     0,
     0,
     NOPATH},
    {"nothing pending",
     1,
     {SF(1, R, 10000, 10000, 0)},
     0,
     BIG,
     BIG,
     0,
     0,
     0,
     NODATA},
    {"connection window full",
     1,
     {SF(1, R, 10000, 10000, 0)},
     100000,
     64000,
     0,
     0,
     0,
     0,
     WINDOW},
    {"equal srtt: the lowest index",
     3,
     {SF(7, R, 20000, 10000, 0), SF(3, R, 20000, 10000, 0),
      SF(5, R, 20000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x1,
     10000,
     PICKED},
    {"equal srtt, the first full: the second",
     3,
     {SF(7, R, 20000, 10000, 10000), SF(3, R, 20000, 10000, 2000),
      SF(5, R, 20000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     8000,
     PICKED},
    {"no RTT sample yet ranks after a measured subflow",
     2,
     {SF(1, R, 0, 10000, 0), SF(2, R, 80000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     10000,
     PICKED},
    {"room 500 < MSS with more pending counts as full",
     2,
     {SF(1, R, 10000, 10000, 9500), SF(2, R, 20000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     10000,
     PICKED},
    {"room 500 < MSS takes the last 300 bytes",
     2,
     {SF(1, R, 10000, 10000, 9500), SF(2, R, 20000, 10000, 0)},
     300,
     BIG,
     BIG,
     1,
     0x1,
     300,
     PICKED},
    {"bytes capped by the connection window room 2500",
     1,
     {SF(1, R, 10000, 10000, 0)},
     100000,
     64000,
     2500,
     1,
     0x1,
     2500,
     PICKED},
    {"bytes capped by pending 1500",
     1,
     {SF(1, R, 10000, 10000, 0)},
     1500,
     BIG,
     BIG,
     1,
     0x1,
     1500,
     PICKED},
    {"queued bytes count: 10000-4000-5000 = 1000",
     1,
     {SFX(1, R, 10000, 0, 10000, 4000, 5000, BIG)},
     100000,
     BIG,
     BIG,
     1,
     0x1,
     1000,
     PICKED},
    {"queued bytes fill it: the other one",
     2,
     {SFX(1, R, 10000, 0, 10000, 4000, 6000, BIG), SF(2, R, 90000, 4000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     4000,
     PICKED},
    {"subflow-level peer window room caps: 3000",
     1,
     {SFX(1, R, 10000, 0, 10000, 0, 0, 3000)},
     100000,
     BIG,
     BIG,
     1,
     0x1,
     3000,
     PICKED},
    {"cwnd shrank below inflight: full, no wrap",
     2,
     {SF(1, R, 10000, 5000, 8000), SF(2, R, 40000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     10000,
     PICKED},
    {"backups only: the fastest backup",
     2,
     {SF(1, BK, 40000, 10000, 0), SF(2, BK, 15000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     10000,
     PICKED},
    {"a faster backup never beats a usable regular subflow",
     2,
     {SF(1, R, 50000, 10000, 0), SF(2, BK, 5000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x1,
     10000,
     PICKED},
    {"fast recovery does not make a subflow unusable",
     2,
     {SF(1, REC, 10000, 10000, 0), SF(2, R, 20000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x1,
     10000,
     PICKED},
    {"a stalled faster subflow is skipped",
     2,
     {SF(1, STL, 1000, 10000, 0), SF(2, R, 20000, 10000, 0)},
     100000,
     BIG,
     BIG,
     1,
     0x2,
     10000,
     PICKED},
};

START_TEST(test_minrtt_table) {
  run_table(&mptcp_sched_minrtt, minrtt_cases,
            sizeof minrtt_cases / sizeof minrtt_cases[0]);
}
END_TEST

/* The rows every scheduler must agree on: the common waits and the backup
 * rule. Each scheduler runs them with its own byte count (one segment for
 * rr, a burst otherwise). */
START_TEST(test_common_waits) {
  const mptcp_sched_ops *o = mptcp_sched_get((size_t)_i);
  ck_assert_ptr_nonnull(o);
  /* Rows 2, 5, 6, 7, 8 of the minRTT table: waits. */
  static const size_t waits[] = {2, 5, 6, 7, 8};
  for (size_t k = 0; k < sizeof waits / sizeof waits[0]; k++)
    run_table(o, &minrtt_cases[waits[k]], 1);
  /* Backup picked when the regular one is stalled: 10000 of room. */
  sched_state st;
  mptcp_sched_pick p;
  o->init(&st, 0);
  const sched_case *c = &minrtt_cases[3];
  mptcp_sched_view v = view(c->sf, c->n, c->pending, c->wnd, c->wnd_room, 0);
  int ret = ask(o, &st, &v, &p);
  uint32_t bytes = o == &mptcp_sched_rr ? MSS : 10000;
  CK_PICK(ret, p, 1, 0x2u, bytes, PICKED, o->name);
}
END_TEST

/* ---------------------------------------------------------------- */
/* round-robin                                                       */
/* ---------------------------------------------------------------- */

static void rr_expect(sched_state *st, const mptcp_sched_view *v,
                      const uint32_t *masks, size_t n, uint32_t bytes) {
  for (size_t i = 0; i < n; i++) {
    mptcp_sched_pick p;
    int ret = ask(&mptcp_sched_rr, st, v, &p);
    char what[32];
    snprintf(what, sizeof what, "call %zu", i);
    CK_PICK(ret, p, 1, masks[i], bytes, PICKED, what);
  }
}

START_TEST(test_rr_rotation) {
  sched_state st;
  mptcp_sched_rr.init(&st, 0);
  /* RTTs do not matter: ids 1, 2, 3 take turns, one MSS each. */
  const mptcp_sched_sf sf[] = {SF(1, R, 90000, 10000, 0),
                               SF(2, R, 10000, 10000, 0),
                               SF(3, R, 50000, 10000, 0)};
  mptcp_sched_view v = view(sf, 3, BIG, BIG, BIG, 0);
  static const uint32_t m[] = {0x1, 0x2, 0x4, 0x1, 0x2, 0x4, 0x1};
  rr_expect(&st, &v, m, 7, MSS);
}
END_TEST

START_TEST(test_rr_follows_ids) {
  sched_state st;
  mptcp_sched_rr.init(&st, 0);
  /* Array order 7, 3, 5: the turn order is 3, 5, 7, i.e. indices 1, 2,
   * 0. */
  const mptcp_sched_sf sf[] = {SF(7, R, 10000, 10000, 0),
                               SF(3, R, 10000, 10000, 0),
                               SF(5, R, 10000, 10000, 0)};
  mptcp_sched_view v = view(sf, 3, BIG, BIG, BIG, 0);
  static const uint32_t m[] = {0x2, 0x4, 0x1, 0x2};
  rr_expect(&st, &v, m, 4, MSS);
  /* The array is rebuilt in another order (id 3 removed, id 4 added):
   * after id 3 comes id 4, then 5, then 7. */
  const mptcp_sched_sf sf2[] = {SF(5, R, 10000, 10000, 0),
                                SF(4, R, 10000, 10000, 0),
                                SF(7, R, 10000, 10000, 0)};
  mptcp_sched_view v2 = view(sf2, 3, BIG, BIG, BIG, 0);
  static const uint32_t m2[] = {0x2, 0x1, 0x4, 0x2};
  rr_expect(&st, &v2, m2, 4, MSS);
}
END_TEST

START_TEST(test_rr_skips_full) {
  sched_state st;
  mptcp_sched_rr.init(&st, 0);
  /* Id 2 has 500 bytes of room: less than a segment, so it is full and
   * loses its turns. */
  mptcp_sched_sf sf[] = {SF(1, R, 10000, 10000, 0),
                         SF(2, R, 10000, 10000, 9500),
                         SF(3, R, 10000, 10000, 0)};
  mptcp_sched_view v = view(sf, 3, BIG, BIG, BIG, 0);
  static const uint32_t m[] = {0x1, 0x4, 0x1, 0x4};
  rr_expect(&st, &v, m, 4, MSS);
  /* Room comes back after id 1's turn: id 2 is next. */
  static const uint32_t m2[] = {0x1};
  rr_expect(&st, &v, m2, 1, MSS);
  sf[1].inflight = 0;
  static const uint32_t m3[] = {0x2, 0x4, 0x1};
  rr_expect(&st, &v, m3, 3, MSS);
  /* Everyone full: wait, and the turn does not move. */
  sf[0].inflight = sf[1].inflight = sf[2].inflight = 10000;
  mptcp_sched_pick p;
  int ret = ask(&mptcp_sched_rr, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, CWND, "all full");
  sf[0].inflight = sf[1].inflight = sf[2].inflight = 0;
  static const uint32_t m4[] = {0x2};
  rr_expect(&st, &v, m4, 1, MSS);
}
END_TEST

START_TEST(test_rr_backup_and_bytes) {
  sched_state st;
  mptcp_sched_rr.init(&st, 0);
  /* The backup (id 2) never gets a turn while id 1 is usable. */
  mptcp_sched_sf sf[] = {SF(1, R, 10000, 10000, 0), SF(2, BK, 10000, 10000, 0)};
  mptcp_sched_view v = view(sf, 2, BIG, BIG, BIG, 0);
  static const uint32_t m[] = {0x1, 0x1, 0x1};
  rr_expect(&st, &v, m, 3, MSS);
  /* Id 1 stalls: the backup carries the data, a segment at a time. */
  sf[0].flags = STL;
  static const uint32_t m2[] = {0x2, 0x2};
  rr_expect(&st, &v, m2, 2, MSS);
  /* Id 1 recovers: back to it; the backup is idle again. */
  sf[0].flags = R;
  rr_expect(&st, &v, m, 2, MSS);
}
END_TEST

START_TEST(test_rr_short_tail) {
  sched_state st;
  mptcp_sched_rr.init(&st, 0);
  const mptcp_sched_sf sf[] = {SF(1, R, 10000, 10000, 0),
                               SF(2, R, 10000, 10000, 0)};
  /* 700 bytes pending: one pick of 700; the window room 400 caps the
   * next. */
  mptcp_sched_view v = view(sf, 2, 700, BIG, BIG, 0);
  static const uint32_t m[] = {0x1};
  rr_expect(&st, &v, m, 1, 700);
  v.wnd_room = 400;
  static const uint32_t m2[] = {0x2};
  rr_expect(&st, &v, m2, 1, 400);
}
END_TEST

/* ---------------------------------------------------------------- */
/* redundant                                                         */
/* ---------------------------------------------------------------- */

/* The fastest usable subflow with room carries the chunk (mask, bytes:
 * its room); every other usable one gets a copy, full or not. */
typedef struct red_case {
  sched_case c;
  uint32_t copy;
} red_case;

static const red_case redundant_cases[] = {
    {{"fastest with room carries; the other regular ones get copies",
      4,
      {SF(1, R, 10000, 10000, 0), SF(2, R, 30000, 10000, 4000),
       SF(3, R, 60000, 10000, 7000), SF(4, BK, 5000, 10000, 0)},
      100000,
      BIG,
      BIG,
      3,
      0x1,
      10000,
      PICKED},
     0x6},
    {{"a full subflow still gets a copy: it catches up later",
      3,
      {SF(1, R, 10000, 10000, 0), SF(2, R, 30000, 10000, 10000),
       SF(3, R, 60000, 10000, 2000)},
      100000,
      BIG,
      BIG,
      3,
      0x1,
      10000,
      PICKED},
     0x6},
    {{"the fastest is full: the next with room carries, it gets a copy",
      2,
      {SF(1, R, 10000, 10000, 10000), SF(2, R, 30000, 10000, 3000)},
      100000,
      BIG,
      BIG,
      2,
      0x2,
      7000,
      PICKED},
     0x1},
    {{"a stalled one is left out, the backup still unused",
      3,
      {SF(1, STL, 10000, 10000, 0), SF(2, R, 30000, 10000, 0),
       SF(3, BK, 5000, 10000, 0)},
      100000,
      BIG,
      BIG,
      1,
      0x2,
      10000,
      PICKED},
     0},
    {{"regular ones full: wait, the backup stays idle",
      3,
      {SF(1, R, 10000, 10000, 10000), SF(2, R, 30000, 10000, 9900),
       SF(3, BK, 5000, 10000, 0)},
      100000,
      BIG,
      BIG,
      0,
      0,
      0,
      CWND},
     0},
    {{"regular ones gone: the backups, fastest with room first",
      4,
      {SF(1, DEAD, 10000, 10000, 0), SF(2, BK, 30000, 10000, 0),
       SF(3, BK, 5000, 10000, 5000), SF(4, BK, 5000, 10000, 10000)},
      100000,
      BIG,
      BIG,
      3,
      0x4,
      5000,
      PICKED},
     0xa},
    {{"chunk capped by pending 1200",
      2,
      {SF(1, R, 10000, 10000, 0), SF(2, R, 30000, 10000, 0)},
      1200,
      BIG,
      BIG,
      2,
      0x1,
      1200,
      PICKED},
     0x2},
    {{"connection window room 800 < MSS caps the chunk",
      2,
      {SF(1, R, 10000, 10000, 0), SF(2, R, 30000, 10000, 9000)},
      100000,
      BIG,
      800,
      2,
      0x1,
      800,
      PICKED},
     0x2},
};

START_TEST(test_redundant_table) {
  for (size_t i = 0; i < sizeof redundant_cases / sizeof redundant_cases[0];
       i++) {
    const sched_case *t = &redundant_cases[i].c;
    sched_state st;
    mptcp_sched_pick p;
    mptcp_sched_redundant.init(&st, 0);
    mptcp_sched_view v = view(t->sf, t->n, t->pending, t->wnd, t->wnd_room, 0);
    int ret = ask(&mptcp_sched_redundant, &st, &v, &p);
    CK_PICK(ret, p, t->ret, t->mask, t->bytes, t->wait, t->what);
    ck_assert_msg(p.copy == redundant_cases[i].copy, "%s: copy 0x%x, want 0x%x",
                  t->what, (unsigned)p.copy, (unsigned)redundant_cases[i].copy);
  }
}
END_TEST

/* ---------------------------------------------------------------- */
/* BLEST                                                             */
/* ---------------------------------------------------------------- */

/*
 * The BLEST scenario. x_f: srtt 10 ms, cwnd 10 segments, full. x_s: srtt
 * 40 ms, cwnd 10 segments, inflight @p infl_s. rtt_s/rtt_f = 4, so
 *   X = MSS_f * (CWND_f + (4 - 1)/2) * 4 = 1000 * 11.5 * 4 = 46000 bytes
 * and x_s is used iff X * lambda <= wnd - (inflight_s + MSS_s).
 */
static int blest_at(sched_state *st, uint32_t wnd, uint32_t infl_s,
                    mptcp_tstamp now, mptcp_sched_pick *p) {
  const mptcp_sched_sf sf[] = {SF(1, R, 10000, 10000, 10000),
                               SF(2, R, 40000, 10000, infl_s)};
  mptcp_sched_view v = view(sf, 2, 100000, wnd, 50000, now);
  return ask(&mptcp_sched_blest, st, &v, p);
}

static void blest_expect_send(sched_state *st, uint32_t wnd, uint32_t infl_s,
                              mptcp_tstamp now, const char *what) {
  mptcp_sched_pick p;
  int ret = blest_at(st, wnd, infl_s, now, &p);
  CK_PICK(ret, p, 1, 0x2u, MSS, PICKED, what);
}

static void blest_expect_wait(sched_state *st, uint32_t wnd, uint32_t infl_s,
                              mptcp_tstamp now, const char *what) {
  mptcp_sched_pick p;
  int ret = blest_at(st, wnd, infl_s, now, &p);
  CK_PICK(ret, p, 0, 0u, 0u, POLICY, what);
}

START_TEST(test_blest_estimate) {
  sched_state st;
  mptcp_sched_blest.init(&st, 0);
  /* wnd 40000: 46000 > 40000 - 1000 = 39000, x_s would block x_f. */
  blest_expect_wait(&st, 40000, 0, 0, "small window");
  /* wnd 64000: 46000 <= 63000, enough window for both. */
  blest_expect_send(&st, 64000, 0, 0, "large window");
  /* The boundary: 46000 > 46000 is false at wnd 47000, true at 46999. */
  blest_expect_send(&st, 47000, 0, 0, "boundary, fits");
  blest_expect_wait(&st, 46999, 0, 0, "boundary, one byte short");
  /* x_s already holds 5000 bytes: the window needs 46000 + 6000. */
  blest_expect_send(&st, 52000, 5000, 0, "x_s loaded, fits");
  blest_expect_wait(&st, 51999, 5000, 0, "x_s loaded, short");
  /* x_s's own data exceeds the window: wait. */
  blest_expect_wait(&st, 500, 0, 0, "window below one segment");
}
END_TEST

/* A second BLEST case (Ferlin et al. 2016, §III), with a ratio that is
 * not a whole number: x_f srtt 20 ms, cwnd 20 segments, full; x_s srtt
 * 50 ms, empty. rtt_s/rtt_f = 2.5, so
 *   X = MSS_f * (CWND_f + (2.5 - 1)/2) * 2.5 = 1000 * 20.75 * 2.5 = 51875
 * and x_s is used iff 51875 <= wnd - MSS_s * (0 + 1), i.e. wnd >= 52875.
 * Two segments already on x_s move the edge by 2000. */
START_TEST(test_blest_ratio) {
  static const struct {
    uint32_t wnd, infl_s;
    int send;
  } t[] = {{52875, 0, 1}, {52874, 0, 0}, {54875, 2000, 1}, {54874, 2000, 0}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    const mptcp_sched_sf sf[] = {SF(1, R, 20000, 20000, 20000),
                                 SF(2, R, 50000, 20000, t[i].infl_s)};
    mptcp_sched_view v = view(sf, 2, 100000, t[i].wnd, 50000, 0);
    sched_state st;
    mptcp_sched_pick p;
    mptcp_sched_blest.init(&st, 0);
    int ret = ask(&mptcp_sched_blest, &st, &v, &p);
    if (t[i].send)
      CK_PICK(ret, p, 1, 0x2u, MSS, PICKED, "ratio 2.5, fits");
    else
      CK_PICK(ret, p, 0, 0u, 0u, POLICY, "ratio 2.5, x_s would block");
  }
}
END_TEST

START_TEST(test_blest_other_cases) {
  sched_state st;
  mptcp_sched_pick p;
  mptcp_sched_blest.init(&st, 0);
  /* x_f has room: minRTT with its whole room, however small the window. */
  const mptcp_sched_sf a[] = {SF(1, R, 10000, 10000, 4000),
                              SF(2, R, 40000, 10000, 0)};
  mptcp_sched_view v = view(a, 2, 100000, 20000, 20000, 0);
  int ret = ask(&mptcp_sched_blest, &st, &v, &p);
  CK_PICK(ret, p, 1, 0x1u, 6000u, PICKED, "fast has room");
  /* Equal RTTs (ratio 1): X = CWND_f = 10000; wnd 11000 leaves exactly
   * 10000 beside x_s's segment: send; wnd 10999: wait. */
  const mptcp_sched_sf b[] = {SF(1, R, 20000, 10000, 10000),
                              SF(2, R, 20000, 10000, 0)};
  v = view(b, 2, 100000, 11000, 11000, 0);
  ret = ask(&mptcp_sched_blest, &st, &v, &p);
  CK_PICK(ret, p, 1, 0x2u, MSS, PICKED, "equal rtt, fits");
  v.wnd = 10999;
  ret = ask(&mptcp_sched_blest, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, POLICY, "equal rtt, short");
  /* Both full: a plain cwnd wait, not a policy one. */
  const mptcp_sched_sf c[] = {SF(1, R, 10000, 10000, 10000),
                              SF(2, R, 40000, 10000, 10000)};
  v = view(c, 2, 100000, BIG, BIG, 0);
  ret = ask(&mptcp_sched_blest, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, CWND, "both full");
  /* x_f full, the only other subflow a backup: wait, no fall-back. */
  const mptcp_sched_sf d[] = {SF(1, R, 10000, 10000, 10000),
                              SF(2, BK, 40000, 10000, 0)};
  v = view(d, 2, 100000, BIG, BIG, 0);
  ret = ask(&mptcp_sched_blest, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, CWND, "backup idle");
  /* Three subflows: x_s is the fastest with room (30 ms, index 2), not
   * index 1 (60 ms). Ratio 3: X = 1000 * (10 + 1) * 3 = 33000; wnd 34000
   * leaves 33000: send on index 2. */
  const mptcp_sched_sf e[] = {SF(1, R, 10000, 10000, 10000),
                              SF(2, R, 60000, 10000, 0),
                              SF(3, R, 30000, 10000, 0)};
  v = view(e, 3, 100000, 34000, 34000, 0);
  ret = ask(&mptcp_sched_blest, &st, &v, &p);
  CK_PICK(ret, p, 1, 0x4u, MSS, PICKED, "three subflows");
  v.wnd = 33999;
  ret = ask(&mptcp_sched_blest, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, POLICY, "three subflows, short");
}
END_TEST

/* One call in which the connection window blocks x_f: x_f has cwnd room,
 * the window room is 0. */
static void blest_blocked(sched_state *st, mptcp_tstamp now) {
  const mptcp_sched_sf sf[] = {SF(1, R, 10000, 10000, 0),
                               SF(2, R, 40000, 10000, 0)};
  mptcp_sched_view v = view(sf, 2, 100000, 64000, 0, now);
  mptcp_sched_pick p;
  int ret = ask(&mptcp_sched_blest, st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, WINDOW, "blocked");
}

START_TEST(test_blest_lambda_up) {
  sched_state st;
  mptcp_sched_blest.init(&st, 0);
  /* lambda 1.0 at the 47000 boundary: send. */
  blest_expect_send(&st, 47000, 0, 0, "lambda 1.0");
  /* Blocked at 10 ms; the period (srtt of the slowest, 40 ms) ends at
   * 40 ms: lambda 1.05, X * lambda = 48300 > 46000: wait. */
  blest_blocked(&st, 10000);
  blest_expect_send(&st, 47000, 0, 39999, "period not over");
  blest_expect_wait(&st, 47000, 0, 40000, "lambda 1.05");
  /* 48300 <= 48300 fits at wnd 49300, 49299 does not. */
  blest_expect_send(&st, 49300, 0, 40001, "lambda 1.05, fits");
  blest_expect_wait(&st, 49299, 0, 40002, "lambda 1.05, short");
  /* A clean period (40 ms -> 80 ms): lambda 1.04, 47840. */
  blest_expect_send(&st, 48840, 0, 80000, "lambda 1.04, fits");
  blest_expect_wait(&st, 48839, 0, 80001, "lambda 1.04, short");
}
END_TEST

START_TEST(test_blest_lambda_down) {
  sched_state st;
  mptcp_sched_blest.init(&st, 0);
  /* wnd 46600 leaves 45600 < 46000: wait at lambda 1.0 ... */
  blest_expect_wait(&st, 46600, 0, 0, "lambda 1.0");
  blest_expect_wait(&st, 46600, 0, 39999, "lambda 1.0 still");
  /* ... and after a clean period lambda 0.99: 45540 <= 45600, send. */
  blest_expect_send(&st, 46600, 0, 40000, "lambda 0.99");
  blest_expect_wait(&st, 46539, 0, 40001, "lambda 0.99, short");
}
END_TEST

START_TEST(test_blest_lambda_bounds) {
  sched_state st;
  mptcp_sched_blest.init(&st, 0);
  /* 60 clean periods: 1.0 - 60 * 0.01 would be 0.4, floored at 0.5:
   * X * lambda = 23000; wnd 24000 fits, 23999 does not. */
  for (mptcp_tstamp k = 1; k <= 60; k++)
    blest_expect_wait(&st, 1000, 0, k * 40000, "shrinking");
  blest_expect_send(&st, 24000, 0, 60 * 40000 + 1, "lambda 0.5");
  blest_expect_wait(&st, 23999, 0, 60 * 40000 + 2, "lambda 0.5, short");
  /* 40 blocked periods: 0.5 + 40 * 0.05 would be 2.5, capped at 2.0:
   * 92000; wnd 93000 fits, 92999 does not. */
  mptcp_tstamp t = 61 * 40000;
  for (int k = 0; k < 40; k++, t += 40000) blest_blocked(&st, t);
  blest_expect_send(&st, 93000, 0, t, "lambda 2.0");
  blest_expect_wait(&st, 92999, 0, t + 1, "lambda 2.0, short");
}
END_TEST

/* ---------------------------------------------------------------- */
/* ECF                                                               */
/* ---------------------------------------------------------------- */

/*
 * The ECF scenario. x_f: srtt 10 ms, rttvar 1 ms, cwnd 10 segments, full.
 * x_s: srtt 100 ms, rttvar 5 ms, cwnd 10 segments, empty. delta = 5 ms.
 * k bytes pending; n = 1 + k/10000.
 *   A: n * 10 ms < (1 + waiting/4) * 105 ms
 *      <=> k < 95000 (waiting 0), k < 121250 (waiting 1)
 *   B: k/10000 * 100 ms >= 2 * 10 ms + 5 ms  <=>  k >= 2500
 * ECF waits iff A and B.
 */
static int ecf_at(sched_state *st, uint32_t k, uint32_t var_f, uint32_t var_s,
                  mptcp_sched_pick *p) {
  const mptcp_sched_sf sf[] = {SFX(1, R, 10000, var_f, 10000, 10000, 0, BIG),
                               SFX(2, R, 100000, var_s, 10000, 0, 0, BIG)};
  mptcp_sched_view v = view(sf, 2, k, BIG, BIG, 0);
  return ask(&mptcp_sched_ecf, st, &v, p);
}

static void ecf_expect(sched_state *st, uint32_t k, int wait,
                       const char *what) {
  mptcp_sched_pick p;
  int ret = ecf_at(st, k, 1000, 5000, &p);
  if (wait)
    CK_PICK(ret, p, 0, 0u, 0u, POLICY, what);
  else
    CK_PICK(ret, p, 1, 0x2u, k < MSS ? k : MSS, PICKED, what);
}

START_TEST(test_ecf_decision) {
  sched_state st;
  /* k 20000: n = 3, 30 ms < 105 ms; x_s needs 200 ms >= 25 ms: wait. */
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 20000, 1, "k 20000");
  /* k 200000: n = 21, 210 ms >= 105 ms: the slow path helps. */
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 200000, 0, "k 200000");
  /* k 1000: A holds (11 ms) but x_s is done in 10 ms < 25 ms: send. */
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 1000, 0, "k 1000");
  /* 600 bytes: a 600-byte pick on x_s (B: 6 ms < 25 ms). */
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 600, 0, "k 600");
}
END_TEST

START_TEST(test_ecf_boundaries) {
  sched_state st;
  /* A's edge at waiting 0: k 94999 waits (B holds), 95000 sends. */
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 94999, 1, "k 94999");
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 95000, 0, "k 95000");
  /* B's edge: 2499 sends, 2500 waits. */
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 2499, 0, "k 2499");
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 2500, 1, "k 2500");
  /* A's edge at waiting 1 (after a wait): 121249 waits, 121250 sends. */
  mptcp_sched_ecf.init(&st, 0);
  ecf_expect(&st, 20000, 1, "enter waiting");
  ecf_expect(&st, 121249, 1, "k 121249, waiting");
  ecf_expect(&st, 121250, 0, "k 121250, waiting");
}
END_TEST

START_TEST(test_ecf_hysteresis) {
  sched_state st;
  mptcp_sched_ecf.init(&st, 0);
  /* k 110000: n = 12, 120 ms >= 105 ms: send on x_s. */
  ecf_expect(&st, 110000, 0, "fresh, k 110000");
  ecf_expect(&st, 20000, 1, "k 20000 starts waiting");
  /* Waiting: 120 ms < 1.25 * 105 = 131.25 ms, so ECF keeps waiting. */
  ecf_expect(&st, 110000, 1, "k 110000 while waiting");
  /* k 140000: 150 ms >= 131.25 ms: send, and waiting is cleared ... */
  ecf_expect(&st, 140000, 0, "k 140000 ends waiting");
  /* ... so k 110000 sends again. */
  ecf_expect(&st, 110000, 0, "k 110000 after waiting");
  /* Picking x_f while it has room leaves waiting alone (Algorithm 1
   * lines 2-3): wait, use x_f, then k 110000 still waits. */
  ecf_expect(&st, 20000, 1, "waiting again");
  const mptcp_sched_sf sf[] = {SFX(1, R, 10000, 1000, 10000, 0, 0, BIG),
                               SFX(2, R, 100000, 5000, 10000, 0, 0, BIG)};
  mptcp_sched_view v = view(sf, 2, 110000, BIG, BIG, 0);
  mptcp_sched_pick p;
  int ret = ask(&mptcp_sched_ecf, &st, &v, &p);
  CK_PICK(ret, p, 1, 0x1u, 10000u, PICKED, "x_f has room");
  ecf_expect(&st, 110000, 1, "still waiting");
}
END_TEST

START_TEST(test_ecf_delta) {
  sched_state st;
  mptcp_sched_pick p;
  /* delta = max(rttvar_f, rttvar_s): with x_f's rttvar 20 ms, A becomes
   * (1 + k/10000) * 10 < 120, i.e. k < 110000; k 100000 now waits (B:
   * 1000 ms >= 40 ms), where delta 5 ms would send. */
  mptcp_sched_ecf.init(&st, 0);
  int ret = ecf_at(&st, 100000, 20000, 1000, &p);
  CK_PICK(ret, p, 0, 0u, 0u, POLICY, "delta from x_f");
  mptcp_sched_ecf.init(&st, 0);
  ret = ecf_at(&st, 100000, 1000, 5000, &p);
  CK_PICK(ret, p, 1, 0x2u, MSS, PICKED, "delta 5 ms");
  mptcp_sched_ecf.init(&st, 0);
  ret = ecf_at(&st, 100000, 1000, 20000, &p);
  CK_PICK(ret, p, 0, 0u, 0u, POLICY, "delta from x_s");
}
END_TEST

/* A second ECF case (Lim et al. 2017, Algorithm 1): x_f srtt 20 ms,
 * rttvar 2 ms, cwnd 20000, full; x_s srtt 80 ms, rttvar 4 ms, cwnd 8000,
 * empty; delta = 4 ms, waiting 0.
 *   wait iff (1 + k/20000) * 20 < 84            (k < 64000)
 *        and k/8000 * 80 >= 2 * 20 + 4 = 44     (k >= 4400)
 * k 60000: 80 < 84 and 600 >= 44: wait. k 70000: 90 >= 84: x_s. */
START_TEST(test_ecf_second_case) {
  static const struct {
    uint32_t k;
    int wait;
  } t[] = {{60000, 1}, {70000, 0}, {63999, 1}, {64000, 0},
           {4400, 1},  {4399, 0},  {500, 0}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    const mptcp_sched_sf sf[] = {SFX(1, R, 20000, 2000, 20000, 20000, 0, BIG),
                                 SFX(2, R, 80000, 4000, 8000, 0, 0, BIG)};
    mptcp_sched_view v = view(sf, 2, t[i].k, BIG, BIG, 0);
    sched_state st;
    mptcp_sched_pick p;
    mptcp_sched_ecf.init(&st, 0);
    int ret = ask(&mptcp_sched_ecf, &st, &v, &p);
    char what[32];
    snprintf(what, sizeof what, "k %u", (unsigned)t[i].k);
    if (t[i].wait)
      CK_PICK(ret, p, 0, 0u, 0u, POLICY, what);
    else
      CK_PICK(ret, p, 1, 0x2u, t[i].k < MSS ? t[i].k : MSS, PICKED, what);
  }
}
END_TEST

START_TEST(test_ecf_other_cases) {
  sched_state st;
  mptcp_sched_pick p;
  mptcp_sched_ecf.init(&st, 0);
  /* Both full: cwnd wait. */
  const mptcp_sched_sf a[] = {SF(1, R, 10000, 10000, 10000),
                              SF(2, R, 100000, 10000, 10000)};
  mptcp_sched_view v = view(a, 2, 20000, BIG, BIG, 0);
  int ret = ask(&mptcp_sched_ecf, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, CWND, "both full");
  /* x_f full, other one a backup: wait on cwnd, no fall-back. */
  const mptcp_sched_sf b[] = {SF(1, R, 10000, 10000, 10000),
                              SF(2, BK, 100000, 10000, 0)};
  v = view(b, 2, 200000, BIG, BIG, 0);
  ret = ask(&mptcp_sched_ecf, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, CWND, "backup idle");
  /* Extreme values, no overflow: k and the cwnds are capped at 2^30
   * bytes, RTTs at 2^26 us. x_f: srtt 1 s, full; x_s: srtt 2^26 us.
   * A: 4 * (2^30 + 2^30) * 10^6 ~ 8.6e15 < 4 * 2^26 * 2^30 ~ 2.9e17 holds;
   * B: 2^30 * 2^26 ~ 7.2e16 >= 2 * 10^6 * 2^30 ~ 2.1e15 holds: wait. */
  const mptcp_sched_sf c[] = {
      SFX(1, R, 1000000, 0, UINT32_MAX, UINT32_MAX, 0, BIG),
      SFX(2, R, UINT32_MAX, 0, UINT32_MAX, 0, 0, BIG)};
  v = view(c, 2, UINT32_MAX, UINT32_MAX, UINT32_MAX, 0);
  mptcp_sched_ecf.init(&st, 0);
  ret = ask(&mptcp_sched_ecf, &st, &v, &p);
  CK_PICK(ret, p, 0, 0u, 0u, POLICY, "extremes, wait");
  /* Both srtts at the cap (x_f is index 0 on the tie): A: 4 * 2^31 *
   * 2^26 = 2^59 < 4 * 2^26 * 2^30 = 2^58 fails: send on x_s, one
   * segment (its room is 2^24). */
  const mptcp_sched_sf d[] = {
      SFX(1, R, UINT32_MAX, 0, UINT32_MAX, UINT32_MAX, 0, BIG),
      SFX(2, R, UINT32_MAX, 0, UINT32_MAX, 0, 0, BIG)};
  v = view(d, 2, UINT32_MAX, UINT32_MAX, UINT32_MAX, 0);
  ret = ask(&mptcp_sched_ecf, &st, &v, &p);
  CK_PICK(ret, p, 1, 0x2u, MSS, PICKED, "extremes, send");
  /* RTTs beyond the cap count as 2^26 us (67 s): a 134 s x_f and a 268 s
   * x_s look alike, so A, 4 * (20000 + 10000) * 2^26 < 4 * 2^26 * 20000,
   * fails and x_s is used. (Uncapped, A would hold, 30000 * 2^27 <
   * 20000 * 2^28, and so would B, 10000 * 2^28 >= 2 * 2^27 * 5000, and
   * ECF would wait.) */
  const mptcp_sched_sf e[] = {
      SFX(1, R, UINT32_C(1) << 27, 0, 20000, 20000, 0, BIG),
      SFX(2, R, UINT32_C(1) << 28, 0, 5000, 0, 0, BIG)};
  v = view(e, 2, 10000, BIG, BIG, 0);
  mptcp_sched_ecf.init(&st, 0);
  ret = ask(&mptcp_sched_ecf, &st, &v, &p);
  CK_PICK(ret, p, 1, 0x2u, MSS, PICKED, "rtt cap");
}
END_TEST

/* ---------------------------------------------------------------- */
/* reinjection                                                       */
/* ---------------------------------------------------------------- */

typedef struct stall_case {
  const char *what;
  size_t n;
  mptcp_sched_sf sf[4];
  uint32_t stalled, reason, unacked;
  int ret;
  uint32_t mask, bytes;
} stall_case;

/* The default policy (minrtt, rr, blest, ecf): everything to the fastest
 * other usable subflow, calm ones first. */
static const stall_case stall_one_cases[] = {
    {"RTO: the fastest other regular subflow, room or not",
     4,
     {SF(1, STL, 5000, 10000, 10000), SF(2, R, 30000, 10000, 0),
      SF(3, R, 20000, 10000, 10000), SF(4, BK, 1000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     12345,
     1,
     0x4,
     12345},
    {"the fastest is in fast recovery: the next calm one",
     4,
     {SF(1, STL, 5000, 10000, 10000), SF(2, R, 30000, 10000, 0),
      SF(3, REC, 20000, 10000, 0), SF(4, BK, 1000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     5000,
     1,
     0x2,
     5000},
    {"all others in recovery: the fastest of them",
     3,
     {SF(1, STL, 5000, 10000, 10000), SF(2, REC, 30000, 10000, 0),
      SF(3, REC, 20000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     5000,
     1,
     0x4,
     5000},
    {"no other regular subflow: the backup",
     3,
     {SF(1, STL, 5000, 10000, 0), SF(2, DEAD, 30000, 10000, 0),
      SF(3, BK, 90000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     3000,
     1,
     0x4,
     3000},
    {"the stalled one is excluded even if the view forgot its flag",
     3,
     {SF(1, R, 1000, 10000, 0), SF(2, R, 30000, 10000, 0),
      SF(3, R, 20000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     7000,
     1,
     0x4,
     7000},
    {"dead subflow: its data moves",
     2,
     {SF(1, DEAD, 1000, 10000, 0), SF(2, R, 30000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_DEAD,
     64000,
     1,
     0x2,
     64000},
    {"nowhere to go",
     2,
     {SF(1, STL, 1000, 10000, 0), SF(2, STL | BK, 30000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     64000,
     0,
     0,
     0},
    {"nothing unacknowledged",
     2,
     {SF(1, STL, 1000, 10000, 0), SF(2, R, 30000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     0,
     0,
     0,
     0},
    {"index out of the view: no exclusion, fastest usable",
     2,
     {SF(1, R, 1000, 10000, 0), SF(2, R, 30000, 10000, 0)},
     40,
     MPTCP_SCHED_STALL_DEAD,
     100,
     1,
     0x1,
     100},
};

/* Redundant: to every other usable subflow. */
static const stall_case stall_red_cases[] = {
    {"every other usable regular subflow",
     4,
     {SF(1, STL, 5000, 10000, 10000), SF(2, R, 30000, 10000, 0),
      SF(3, REC, 20000, 10000, 10000), SF(4, BK, 1000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     9000,
     2,
     0x6,
     9000},
    {"only backups left: all of them",
     4,
     {SF(1, DEAD, 5000, 10000, 10000), SF(2, STL, 30000, 10000, 0),
      SF(3, BK, 20000, 10000, 10000), SF(4, BK, 1000, 10000, 0)},
     0,
     MPTCP_SCHED_STALL_DEAD,
     9000,
     2,
     0xc,
     9000},
    {"the stalled one is excluded even if the view forgot its flag",
     3,
     {SF(1, R, 5000, 10000, 10000), SF(2, R, 30000, 10000, 0),
      SF(3, BK, 20000, 10000, 10000)},
     0,
     MPTCP_SCHED_STALL_RTO,
     9000,
     1,
     0x2,
     9000},
    {"nowhere to go",
     1,
     {SF(1, STL, 5000, 10000, 10000)},
     0,
     MPTCP_SCHED_STALL_RTO,
     9000,
     0,
     0,
     0},
    {"nothing unacknowledged",
     2,
     {SF(1, STL, 5000, 10000, 10000), SF(2, R, 1, 1, 0)},
     0,
     MPTCP_SCHED_STALL_RTO,
     0,
     0,
     0,
     0},
};

static void run_stall(const mptcp_sched_ops *o, const stall_case *t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    sched_state st;
    o->init(&st, 0);
    mptcp_sched_view v = view(t[i].sf, t[i].n, 100000, BIG, BIG, 0);
    mptcp_sched_stall s = {t[i].stalled, t[i].reason, t[i].unacked};
    mptcp_sched_reinject r;
    memset(&r, 0xA5, sizeof r);
    int ret = o->on_stall(&st, &v, &s, &r);
    ck_assert_msg(ret == t[i].ret, "%s/%s: returned %d, want %d", o->name,
                  t[i].what, ret, t[i].ret);
    ck_assert_msg(r.mask == t[i].mask, "%s/%s: mask 0x%x, want 0x%x", o->name,
                  t[i].what, (unsigned)r.mask, (unsigned)t[i].mask);
    ck_assert_msg(r.bytes == t[i].bytes, "%s/%s: bytes %u, want %u", o->name,
                  t[i].what, (unsigned)r.bytes, (unsigned)t[i].bytes);
  }
}

START_TEST(test_reinject_default) {
  const mptcp_sched_ops *o = mptcp_sched_get((size_t)_i);
  if (o == &mptcp_sched_redundant)
    run_stall(o, stall_red_cases,
              sizeof stall_red_cases / sizeof stall_red_cases[0]);
  else
    run_stall(o, stall_one_cases,
              sizeof stall_one_cases / sizeof stall_one_cases[0]);
}
END_TEST

/* ---------------------------------------------------------------- */
/* invariants over random views                                      */
/* ---------------------------------------------------------------- */

/* Independent reference for the properties every pick must have. */
static uint32_t ref_room(const mptcp_sched_sf *s) {
  uint64_t c = s->cwnd, u = (uint64_t)s->inflight + s->queued;
  uint64_t room = c > u ? c - u : 0;
  return room < s->wnd_room ? (uint32_t)room : s->wnd_room;
}

static int ref_usable(const mptcp_sched_sf *s) {
  return (s->flags & MPTCP_SCHED_SF_ACTIVE) &&
         !(s->flags & MPTCP_SCHED_SF_STALLED);
}

static int ref_backup(const mptcp_sched_sf *s) {
  return (s->flags & MPTCP_SCHED_SF_BACKUP) != 0;
}

static size_t lowest_bit(uint32_t m) {
  size_t i = 0;
  while (!(m & 1u)) m >>= 1, i++;
  return i;
}

static uint32_t rnd(uint64_t *seed, uint32_t n) {
  return (uint32_t)(tcheck_prng(seed) % n);
}

static void random_view(uint64_t *seed, mptcp_sched_sf *sf, size_t *n,
                        mptcp_sched_view *v, mptcp_tstamp now) {
  static const uint32_t fl[] = {R, R, R, BK, STL, REC, DEAD, BK | STL};
  *n = rnd(seed, 7);
  for (size_t i = 0; i < *n; i++) {
    mptcp_sched_sf s;
    s.id = rnd(seed, 10);
    s.flags = fl[rnd(seed, 8)];
    s.srtt_us = rnd(seed, 4) == 0 ? 0 : 1000 * (1 + rnd(seed, 6));
    s.rttvar_us = rnd(seed, 3000);
    s.cwnd = 1000 * rnd(seed, 12);
    s.inflight = 500 * rnd(seed, 24);
    s.queued = rnd(seed, 3) == 0 ? 700 * rnd(seed, 4) : 0;
    s.wnd_room = rnd(seed, 4) == 0 ? 400 * rnd(seed, 10) : BIG;
    s.mss = rnd(seed, 8) == 0 ? 536 : MSS;
    sf[i] = s;
  }
  uint32_t pending = rnd(seed, 5) == 0 ? 0 : 1 + rnd(seed, 40000);
  uint32_t wnd = 1000 * rnd(seed, 80);
  uint32_t room = rnd(seed, 5) == 0 ? 0 : rnd(seed, wnd + 1);
  *v = view(sf, *n, pending, wnd, room, now);
}

START_TEST(test_invariants) {
  const mptcp_sched_ops *o = mptcp_sched_get((size_t)_i);
  uint64_t seed = UINT64_C(0x5EED0000) + (uint64_t)_i;
  sched_state st;
  o->init(&st, 0);
  unsigned picks = 0, waits[6] = {0};
  for (int iter = 0; iter < 20000; iter++) {
    mptcp_sched_sf sf[6];
    size_t n;
    mptcp_sched_view v;
    random_view(&seed, sf, &n, &v, (mptcp_tstamp)iter * 1000);
    mptcp_sched_pick p;
    int ret = ask(o, &st, &v, &p);
    uint32_t want = v.pending < v.wnd_room ? v.pending : v.wnd_room;
    int any_regular = 0;
    uint32_t usable = 0, with_room = 0;
    for (size_t i = 0; i < n; i++)
      if (ref_usable(&sf[i]) && !ref_backup(&sf[i])) any_regular = 1;
    for (size_t i = 0; i < n; i++) {
      if (!ref_usable(&sf[i]) || ref_backup(&sf[i]) != !any_regular) continue;
      usable |= 1u << i;
      uint32_t need = sf[i].mss < want ? sf[i].mss : want;
      if (ref_room(&sf[i]) > 0 && ref_room(&sf[i]) >= need)
        with_room |= 1u << i;
    }
    ck_assert_int_eq(ret, mptcp_sched_popcount(p.mask | p.copy));
    ck_assert_uint_eq(p.mask & p.copy, 0);
    ck_assert_uint_eq(p.copy & ~usable, 0);
    ck_assert_int_le(mptcp_sched_popcount(p.mask), 1);
    ck_assert_uint_eq(p.mask >> n, 0);
    if (!p.mask) {
      ck_assert_uint_eq(p.bytes, 0);
      ck_assert_uint_ne(p.wait, PICKED);
      ck_assert_uint_le(p.wait, POLICY);
      waits[p.wait]++;
      if (v.pending == 0) {
        ck_assert_uint_eq(p.wait, NODATA);
      } else if (!usable) {
        ck_assert_uint_eq(p.wait, NOPATH);
      } else if (v.wnd_room == 0) {
        ck_assert_uint_eq(p.wait, WINDOW);
      } else if (!with_room) {
        ck_assert_uint_eq(p.wait, CWND);
      } else {
        /* Only BLEST and ECF hold back with room available, and only
         * when the fastest usable subflow is full. */
        ck_assert_uint_eq(p.wait, POLICY);
        ck_assert(o == &mptcp_sched_blest || o == &mptcp_sched_ecf);
        int f = mptcp_sched_fastest(&v, usable);
        ck_assert(!(with_room & 1u << f));
      }
      continue;
    }
    picks++;
    ck_assert_uint_eq(p.wait, PICKED);
    ck_assert_uint_gt(p.bytes, 0);
    ck_assert_uint_le(p.bytes, v.pending);
    ck_assert_uint_le(p.bytes, v.wnd_room);
    /* Only usable subflows of the right class, each with room for it. */
    ck_assert_uint_eq(p.mask & ~with_room, 0);
    for (size_t i = 0; i < n; i++)
      if (p.mask & 1u << i) ck_assert_uint_le(p.bytes, ref_room(&sf[i]));
    if (o == &mptcp_sched_redundant)
      ck_assert_uint_eq(p.copy, usable & ~p.mask);
    else
      ck_assert_uint_eq(p.copy, 0);
    if (o == &mptcp_sched_minrtt || o == &mptcp_sched_redundant) {
      /* The lowest srtt (0 = unmeasured = last) of those with room. */
      size_t pi = lowest_bit(p.mask);
      uint64_t k = sf[pi].srtt_us ? sf[pi].srtt_us : UINT64_C(1) << 32;
      for (size_t i = 0; i < n; i++) {
        if (!(with_room & 1u << i)) continue;
        uint64_t ki = sf[i].srtt_us ? sf[i].srtt_us : UINT64_C(1) << 32;
        ck_assert(k < ki || (k == ki && pi <= i));
      }
    }
    if (o == &mptcp_sched_rr) {
      size_t pi = lowest_bit(p.mask);
      ck_assert_uint_le(p.bytes, sf[pi].mss);
    }
  }
  /* The random views reach every outcome of this scheduler. */
  ck_assert_uint_gt(picks, 1000);
  ck_assert_uint_gt(waits[NODATA], 100);
  ck_assert_uint_gt(waits[NOPATH], 100);
  ck_assert_uint_gt(waits[WINDOW], 100);
  ck_assert_uint_gt(waits[CWND], 100);
  if (o == &mptcp_sched_blest || o == &mptcp_sched_ecf)
    ck_assert_uint_gt(waits[POLICY], 10);
  else
    ck_assert_uint_eq(waits[POLICY], 0);
}
END_TEST

/* The same view always gets the same answer from a fresh state. */
START_TEST(test_deterministic) {
  const mptcp_sched_ops *o = mptcp_sched_get((size_t)_i);
  uint64_t seed = UINT64_C(0xD37E);
  for (int iter = 0; iter < 2000; iter++) {
    mptcp_sched_sf sf[6];
    size_t n;
    mptcp_sched_view v;
    random_view(&seed, sf, &n, &v, 0);
    sched_state a, b;
    memset(&a, 0x11, sizeof a);
    memset(&b, 0x77, sizeof b);
    o->init(&a, 0);
    o->init(&b, 0);
    mptcp_sched_pick pa, pb;
    int ra = ask(o, &a, &v, &pa), rb = ask(o, &b, &v, &pb);
    ck_assert_int_eq(ra, rb);
    ck_assert_uint_eq(pa.mask, pb.mask);
    ck_assert_uint_eq(pa.copy, pb.copy);
    ck_assert_uint_eq(pa.bytes, pb.bytes);
    ck_assert_uint_eq(pa.wait, pb.wait);
  }
}
END_TEST

#define N_SCHEDS 5

Suite *suite_sched(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_find),
      TCHECK_TEST(test_ops_tables),
      TCHECK_TEST(test_room),
      TCHECK_TEST(test_usable_mask),
      TCHECK_TEST(test_view_cap),
      TCHECK_TEST(test_minrtt_table),
      TCHECK_LOOP(test_common_waits, N_SCHEDS),
      TCHECK_TEST(test_rr_rotation),
      TCHECK_TEST(test_rr_follows_ids),
      TCHECK_TEST(test_rr_skips_full),
      TCHECK_TEST(test_rr_backup_and_bytes),
      TCHECK_TEST(test_rr_short_tail),
      TCHECK_TEST(test_redundant_table),
      TCHECK_TEST(test_blest_estimate),
      TCHECK_TEST(test_blest_ratio),
      TCHECK_TEST(test_blest_other_cases),
      TCHECK_TEST(test_blest_lambda_up),
      TCHECK_TEST(test_blest_lambda_down),
      TCHECK_TEST(test_blest_lambda_bounds),
      TCHECK_TEST(test_ecf_decision),
      TCHECK_TEST(test_ecf_boundaries),
      TCHECK_TEST(test_ecf_hysteresis),
      TCHECK_TEST(test_ecf_delta),
      TCHECK_TEST(test_ecf_second_case),
      TCHECK_TEST(test_ecf_other_cases),
      TCHECK_LOOP(test_reinject_default, N_SCHEDS),
      TCHECK_LOOP(test_invariants, N_SCHEDS),
      TCHECK_LOOP(test_deterministic, N_SCHEDS),
  };
  return tcheck_suite("sched", tests, sizeof tests / sizeof tests[0]);
}
