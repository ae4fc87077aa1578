/* Simulator link unit tests (no TCP engine needed). SPDX-License-Identifier:
 * MIT */
#include "link.h"

#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A packet whose first 4 bytes are its id (little endian), then filler. */
static size_t mkpkt(uint8_t *buf, uint32_t id, size_t len) {
  memset(buf, (int)(id & 0xff), len);
  for (int i = 0; i < 4 && (size_t)i < len; i++)
    buf[i] = (uint8_t)(id >> (8 * i));
  return len;
}

static uint32_t pkt_id(const uint8_t *buf) {
  return (uint32_t)buf[0] | (uint32_t)buf[1] << 8 | (uint32_t)buf[2] << 16 |
         (uint32_t)buf[3] << 24;
}

/* For hot loops: ck_assert_* records a checkpoint (a write) per call. */
#define REQUIRE(cond)                                                          \
  do {                                                                         \
    if (!(cond)) ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);         \
  } while (0)

typedef struct arrival {
  uint64_t t;
  uint32_t id;
  size_t len;
} arrival;

/* Drains @p l in time order into @p out (at most cap); returns the count. */
static size_t drain_all(sim_link *l, arrival *out, size_t cap) {
  uint8_t buf[2048];
  size_t n = 0;
  uint64_t t;
  while ((t = sim_link_next_arrival(l)) != SIM_TIME_NONE) {
    uint64_t at = 0;
    ptrdiff_t len = sim_link_dequeue(l, t, buf, sizeof buf, &at);
    REQUIRE(len > 0);
    REQUIRE(at == t);
    REQUIRE(n < cap);
    out[n].t = at;
    out[n].id = pkt_id(buf);
    out[n].len = (size_t)len;
    n++;
  }
  return n;
}

START_TEST(test_delay_only) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 10000;
  sim_link l;
  sim_link_init(&l, &c, 1);
  uint8_t p[1500];
  ck_assert_uint_eq(sim_link_next_arrival(&l), SIM_TIME_NONE);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 1, 100), 0), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 2, 1500), 0), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 3, 40), 5), 1);
  ck_assert_uint_eq(sim_link_next_arrival(&l), 10000);
  /* nothing before its time */
  uint8_t buf[2048];
  ck_assert_int_eq(sim_link_dequeue(&l, 9999, buf, sizeof buf, NULL), 0);
  arrival a[8];
  ck_assert_uint_eq(drain_all(&l, a, 8), 3);
  ck_assert_uint_eq(a[0].t, 10000);
  ck_assert_uint_eq(a[0].id, 1);
  ck_assert_uint_eq(a[0].len, 100);
  ck_assert_uint_eq(a[1].t, 10000); /* same time: submission order */
  ck_assert_uint_eq(a[1].id, 2);
  ck_assert_uint_eq(a[1].len, 1500);
  ck_assert_uint_eq(a[2].t, 10005);
  ck_assert_uint_eq(a[2].id, 3);
  ck_assert_uint_eq(l.ctr.submitted, 3);
  ck_assert_uint_eq(l.ctr.delivered, 3);
  ck_assert_uint_eq(l.ctr.bytes_delivered, 1640);
  ck_assert_uint_eq(sim_link_in_flight(&l), 0);

  /* many packets arriving at one instant keep their order */
  for (uint32_t i = 0; i < 100; i++)
    REQUIRE(sim_link_submit(&l, p, mkpkt(p, i, 40), 100) == 1);
  arrival m[100];
  ck_assert_uint_eq(drain_all(&l, m, 100), 100);
  for (uint32_t i = 0; i < 100; i++) REQUIRE(m[i].id == i && m[i].t == 10100);
  sim_link_free(&l);
}
END_TEST

START_TEST(test_serialisation) {
  /* 8 Mbit/s: one byte per microsecond. */
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 10000;
  c.rate_bps = 8000000;
  sim_link l;
  sim_link_init(&l, &c, 1);
  uint8_t p[1500];
  for (uint32_t i = 0; i < 3; i++)
    ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, i, 1000), 0), 1);
  /* the link is idle again at 3000; this one waits 500 behind nothing */
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 3, 500), 2500), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 4, 100), 20000), 1);
  arrival a[8];
  ck_assert_uint_eq(drain_all(&l, a, 8), 5);
  ck_assert_uint_eq(a[0].t, 11000);
  ck_assert_uint_eq(a[1].t, 12000);
  ck_assert_uint_eq(a[2].t, 13000);
  ck_assert_uint_eq(a[3].t, 13500); /* starts at 3000, 500 µs */
  ck_assert_uint_eq(a[4].t, 30100); /* idle link: 20000 + 100 + 10000 */
  for (uint32_t i = 0; i < 5; i++) ck_assert_uint_eq(a[i].id, i);
  ck_assert_uint_eq(l.ctr.max_queued, 3000);
  sim_link_free(&l);

  /* A rate that does not divide evenly rounds each packet up:
   * 1 Mbit/s, 1 byte = 8 µs; 3 Mbit/s, 100 B = 266.67 -> 267 µs. */
  c.delay_us = 0;
  c.rate_bps = 3000000;
  sim_link_init(&l, &c, 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 0, 100), 0), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 1, 100), 0), 1);
  ck_assert_uint_eq(drain_all(&l, a, 8), 2);
  ck_assert_uint_eq(a[0].t, 267);
  ck_assert_uint_eq(a[1].t, 534);
  sim_link_free(&l);
}
END_TEST

START_TEST(test_queue_limit) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 1000;
  c.rate_bps = 8000000; /* 1 B/µs */
  c.queue_bytes = 2500;
  sim_link l;
  sim_link_init(&l, &c, 7);
  uint8_t p[1500];
  /* 1000 + 1000 fit, the third would make 3000 > 2500 */
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 0, 1000), 0), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 1, 1000), 0), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 2, 1000), 0), 0);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 3, 600), 0), 0);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 4, 500), 0), 1); /* 2500 */
  ck_assert_uint_eq(l.ctr.dropped_queue, 2);
  ck_assert_uint_eq(l.ctr.max_queued, 2500);
  /* at t=1000 the first has left: 1500 queued, 1000 more fits */
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 5, 1000), 1000), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 6, 100), 1000), 0);
  /* at t=2000 the second has left too: 1500 queued */
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 7, 1000), 2000), 1);
  ck_assert_uint_eq(l.ctr.dropped_queue, 3);
  arrival a[8];
  ck_assert_uint_eq(drain_all(&l, a, 8), 5);
  uint32_t want_id[] = {0, 1, 4, 5, 7};
  uint64_t want_t[] = {2000, 3000, 3500, 4500, 5500};
  for (int i = 0; i < 5; i++) {
    ck_assert_uint_eq(a[i].id, want_id[i]);
    ck_assert_uint_eq(a[i].t, want_t[i]);
  }
  ck_assert_uint_eq(l.ctr.submitted, 8);
  ck_assert_uint_eq(l.ctr.delivered, 5);
  sim_link_free(&l);
}
END_TEST

START_TEST(test_pattern_loss) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 50;
  c.loss_mask = 0xA; /* 1010: drop packets 1 and 3 of every 4 */
  c.loss_mask_len = 4;
  sim_link l;
  sim_link_init(&l, &c, 3);
  uint8_t p[64];
  for (uint32_t i = 0; i < 100; i++) {
    int r = sim_link_submit(&l, p, mkpkt(p, i, 64), i);
    ck_assert_int_eq(r, (i % 4 == 1 || i % 4 == 3) ? 0 : 1);
  }
  ck_assert_uint_eq(l.ctr.dropped_loss, 50);
  arrival a[128];
  ck_assert_uint_eq(drain_all(&l, a, 128), 50);
  for (uint32_t i = 0; i < 50; i++) {
    ck_assert_uint_eq(a[i].id, 2 * i);
    ck_assert_uint_eq(a[i].t, a[i].id + 50);
  }
  sim_link_free(&l);

  /* A full 64-bit mask: exactly packets 0 and 63 of every 64. */
  c.loss_mask = UINT64_C(0x8000000000000001);
  c.loss_mask_len = 64;
  sim_link_init(&l, &c, 3);
  for (uint32_t i = 0; i < 640; i++) {
    int r = sim_link_submit(&l, p, mkpkt(p, i, 64), 0);
    ck_assert_int_eq(r, (i % 64 == 0 || i % 64 == 63) ? 0 : 1);
  }
  ck_assert_uint_eq(l.ctr.dropped_loss, 20);
  sim_link_free(&l);
}
END_TEST

/* Runs n packets through a link and returns the counters. */
static sim_link_counters run_n(const sim_link_cfg *c, uint64_t seed,
                               uint32_t n) {
  sim_link l;
  sim_link_init(&l, c, seed);
  uint8_t p[64], buf[64];
  for (uint32_t i = 0; i < n; i++) {
    REQUIRE(sim_link_submit(&l, p, mkpkt(p, i, 64), (uint64_t)i * 10) >= 0);
    /* keep memory flat: take what has arrived */
    while (sim_link_dequeue(&l, (uint64_t)i * 10, buf, sizeof buf, NULL) > 0) {
    }
  }
  uint64_t t;
  while ((t = sim_link_next_arrival(&l)) != SIM_TIME_NONE)
    REQUIRE(sim_link_dequeue(&l, t, buf, sizeof buf, NULL) > 0);
  sim_link_counters ctr = l.ctr;
  sim_link_free(&l);
  return ctr;
}

/* |x - n*p| within 5 standard deviations of a binomial. */
static void ck_binomial(uint64_t x, uint32_t n, uint32_t ppm,
                        const char *what) {
  double p = ppm / 1e6, mean = n * p;
  double sd = sqrt(n * p * (1 - p));
  if (sd < 1) sd = 1;
  double lo = mean - 5 * sd, hi = mean + 5 * sd;
  ck_assert_msg((double)x >= lo && (double)x <= hi,
                "%s: %" PRIu64 " of %" PRIu32 " at %" PRIu32
                " ppm, want %.0f..%.0f",
                what, x, n, ppm, lo, hi);
}

START_TEST(test_prng_loss_rate) {
  static const uint32_t rates[] = {1000, 10000, 50000, 100000, 500000};
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 100;
  for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
    c.loss_ppm = rates[i];
    for (uint64_t seed = 1; seed <= 3; seed++) {
      sim_link_counters k = run_n(&c, seed, 100000);
      ck_binomial(k.dropped_loss, 100000, rates[i], "loss");
      ck_assert_uint_eq(k.delivered + k.dropped_loss, 100000);
    }
  }
  /* 0 never drops, 1e6 always does */
  c.loss_ppm = 0;
  ck_assert_uint_eq(run_n(&c, 9, 10000).dropped_loss, 0);
  c.loss_ppm = SIM_PPM;
  ck_assert_uint_eq(run_n(&c, 9, 10000).dropped_loss, 10000);
}
END_TEST

START_TEST(test_duplication) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 100;
  c.dup_ppm = 50000;
  c.dup_us = 7;
  sim_link_counters k = run_n(&c, 5, 100000);
  ck_binomial(k.duplicated, 100000, 50000, "duplicated");
  ck_assert_uint_eq(k.delivered, 100000 + k.duplicated);

  /* the copy is identical and arrives dup_us after the original */
  c.dup_ppm = SIM_PPM;
  sim_link l;
  sim_link_init(&l, &c, 5);
  uint8_t p[300];
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 42, 300), 1000), 1);
  arrival a[4];
  ck_assert_uint_eq(drain_all(&l, a, 4), 2);
  ck_assert_uint_eq(a[0].t, 1100);
  ck_assert_uint_eq(a[1].t, 1107);
  ck_assert_uint_eq(a[0].id, 42);
  ck_assert_uint_eq(a[1].id, 42);
  ck_assert_uint_eq(a[1].len, 300);
  sim_link_free(&l);
}
END_TEST

START_TEST(test_reordering) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 100;
  c.reorder_ppm = 50000;
  c.reorder_us = 35; /* packets come every 10 µs: 3 overtake */
  sim_link_counters k = run_n(&c, 11, 100000);
  ck_binomial(k.reordered, 100000, 50000, "reordered");
  ck_assert_uint_eq(k.delivered, 100000);

  /* Check the overtaking itself on a smaller run. */
  sim_link l;
  sim_link_init(&l, &c, 11);
  uint8_t p[64];
  for (uint32_t i = 0; i < 2000; i++)
    REQUIRE(sim_link_submit(&l, p, mkpkt(p, i, 64), (uint64_t)i * 10) == 1);
  static arrival a[2000];
  ck_assert_uint_eq(drain_all(&l, a, 2000), 2000);
  static size_t pos[2000];
  static int is_late[2000];
  uint64_t late = 0;
  for (uint32_t i = 0; i < 2000; i++) {
    uint64_t base = (uint64_t)a[i].id * 10 + 100;
    REQUIRE(a[i].t == base || a[i].t == base + 35);
    pos[a[i].id] = i;
    is_late[a[i].id] = a[i].t != base;
    late += is_late[a[i].id];
  }
  for (uint32_t id = 0; id < 2000; id++) {
    if (!is_late[id]) continue;
    /* the three packets sent after it overtake it (unless late as well),
     * the fourth does not */
    for (uint32_t j = id + 1; j <= id + 3 && j < 2000; j++)
      if (!is_late[j]) REQUIRE(pos[j] < pos[id]);
    if (id + 4 < 2000) REQUIRE(pos[id + 4] > pos[id]);
  }
  ck_assert_uint_eq(late, l.ctr.reordered);
  ck_assert_uint_gt(late, 0);
  uint64_t inversions = 0;
  for (uint32_t i = 1; i < 2000; i++)
    if (a[i].id < a[i - 1].id) inversions++;
  ck_assert_uint_gt(inversions, 0);
  sim_link_free(&l);
}
END_TEST

START_TEST(test_blackout) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 100;
  c.n_blackouts = 2;
  c.blackout[0] = (sim_window){1000, 2000};
  c.blackout[1] = (sim_window){5000, 5001};
  sim_link l;
  sim_link_init(&l, &c, 1);
  uint8_t p[64];
  /* submitted at 0..9990 every 10 µs; dropped when submitted in a window or
   * arriving (t+100) in one */
  uint32_t kept = 0;
  for (uint32_t i = 0; i < 1000; i++) {
    uint64_t t = (uint64_t)i * 10;
    int in = (t >= 1000 && t < 2000) || (t + 100 >= 1000 && t + 100 < 2000) ||
             t == 5000 || t + 100 == 5000;
    int r = sim_link_submit(&l, p, mkpkt(p, i, 64), t);
    ck_assert_int_eq(r, in ? 0 : 1);
    kept += !in;
  }
  /* window 0: submit times 900..1990 = 110 packets; window 1: 4900, 5000 */
  ck_assert_uint_eq(l.ctr.dropped_blackout, 112);
  static arrival a[1000];
  ck_assert_uint_eq(drain_all(&l, a, 1000), kept);
  ck_assert_uint_eq(kept, 888);
  sim_link_free(&l);
}
END_TEST

START_TEST(test_midrun_change) {
  sim_link_cfg c1, c2, c3;
  memset(&c1, 0, sizeof c1);
  c1.delay_us = 1000;
  c2 = c1;
  c2.delay_us = 3000;
  c2.loss_mask = 1;
  c2.loss_mask_len = 2; /* drop every other packet, starting with the first */
  c3 = c1;
  c3.delay_us = 500;
  c3.rate_bps = 8000000;
  sim_link l;
  sim_link_init(&l, &c1, 1);
  ck_assert_int_eq(sim_link_schedule(&l, 10000, &c3), 0); /* out of order */
  ck_assert_int_eq(sim_link_schedule(&l, 5000, &c2), 0);
  uint8_t p[1000];
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 0, 100), 0), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 1, 100), 4999), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 2, 100), 5000), 0);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 3, 100), 5001), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 4, 100), 6000), 0);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 5, 1000), 10000), 1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 6, 1000), 10000), 1);
  ck_assert_uint_eq(l.n_changes, 0);
  arrival a[8];
  ck_assert_uint_eq(drain_all(&l, a, 8), 5);
  ck_assert_uint_eq(a[0].id, 0);
  ck_assert_uint_eq(a[0].t, 1000);
  ck_assert_uint_eq(a[1].id, 1);
  ck_assert_uint_eq(a[1].t, 5999);
  ck_assert_uint_eq(a[2].id, 3);
  ck_assert_uint_eq(a[2].t, 8001);
  ck_assert_uint_eq(a[3].id, 5);
  ck_assert_uint_eq(a[3].t, 11500);
  ck_assert_uint_eq(a[4].id, 6);
  ck_assert_uint_eq(a[4].t, 12500);
  ck_assert_uint_eq(l.ctr.dropped_loss, 2);

  /* immediate change */
  sim_link_set_cfg(&l, &c1);
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 7, 10), 20000), 1);
  ck_assert_uint_eq(sim_link_next_arrival(&l), 21000);
  /* the change table is bounded */
  for (int i = 0; i < SIM_LINK_MAX_CHANGES; i++)
    ck_assert_int_eq(sim_link_schedule(&l, 30000 + (uint64_t)i, &c1), 0);
  ck_assert_int_eq(sim_link_schedule(&l, 40000, &c1), SIM_LINK_ERR_NOMEM);
  sim_link_free(&l);
}
END_TEST

/* A mixed-impairment run, traced as (arrival, id) pairs. */
static size_t trace_run(uint64_t seed, arrival *out, size_t cap,
                        sim_link_counters *ctr) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  c.delay_us = 2000;
  c.rate_bps = 10000000;
  c.queue_bytes = 20000;
  c.loss_ppm = 30000;
  c.reorder_ppm = 20000;
  c.reorder_us = 3000;
  c.dup_ppm = 20000;
  c.dup_us = 1;
  sim_link l;
  sim_link_init(&l, &c, seed);
  uint64_t prng = 99; /* the offered load is the same for every seed */
  uint8_t p[1500], buf[1500];
  size_t n = 0;
  uint64_t now = 0;
  for (uint32_t i = 0; i < 5000; i++) {
    now += sim_rand_range(&prng, 0, 1000);
    size_t len = (size_t)sim_rand_range(&prng, 40, 1500);
    REQUIRE(sim_link_submit(&l, p, mkpkt(p, i, len), now) >= 0);
    ptrdiff_t r;
    uint64_t at;
    while ((r = sim_link_dequeue(&l, now, buf, sizeof buf, &at)) > 0) {
      REQUIRE(n < cap);
      out[n++] = (arrival){at, pkt_id(buf), (size_t)r};
    }
  }
  n += drain_all(&l, out + n, cap - n);
  *ctr = l.ctr;
  sim_link_free(&l);
  return n;
}

START_TEST(test_determinism) {
  static arrival a[20000], b[20000], d[20000];
  sim_link_counters ca, cb, cd;
  size_t na = trace_run(1234, a, 20000, &ca);
  size_t nb = trace_run(1234, b, 20000, &cb);
  size_t nd = trace_run(1235, d, 20000, &cd);
  ck_assert_uint_eq(na, nb);
  ck_assert_int_eq(memcmp(&ca, &cb, sizeof ca), 0);
  for (size_t i = 0; i < na; i++)
    REQUIRE(a[i].t == b[i].t && a[i].id == b[i].id && a[i].len == b[i].len);
  /* every kind of impairment happened, and the counters add up */
  ck_assert_uint_gt(ca.dropped_loss, 0);
  ck_assert_uint_gt(ca.dropped_queue, 0);
  ck_assert_uint_gt(ca.duplicated, 0);
  ck_assert_uint_gt(ca.reordered, 0);
  ck_assert_uint_eq(ca.delivered, na);
  ck_assert_uint_eq(ca.submitted - ca.dropped_loss - ca.dropped_queue -
                        ca.dropped_blackout + ca.duplicated,
                    ca.delivered);
  ck_assert_uint_le(ca.max_queued, 20000);
  /* a different seed gives a different trace */
  int differ = na != nd;
  for (size_t i = 0; !differ && i < na; i++)
    differ = a[i].t != d[i].t || a[i].id != d[i].id;
  ck_assert_msg(differ, "seeds 1234 and 1235 gave the same trace");
}
END_TEST

START_TEST(test_dequeue_small_buffer) {
  sim_link_cfg c;
  memset(&c, 0, sizeof c);
  sim_link l;
  sim_link_init(&l, &c, 1);
  uint8_t p[200], buf[200];
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 9, 200), 0), 1);
  ck_assert_int_eq(sim_link_dequeue(&l, 0, buf, 199, NULL), SIM_LINK_ERR_NOBUF);
  ck_assert_uint_eq(sim_link_in_flight(&l), 1);
  ck_assert_int_eq(sim_link_dequeue(&l, 0, buf, 200, NULL), 200);
  ck_assert_uint_eq(pkt_id(buf), 9);
  ck_assert_uint_eq(sim_link_in_flight(&l), 0);
  /* freeing with packets in flight releases them */
  ck_assert_int_eq(sim_link_submit(&l, p, mkpkt(p, 10, 200), 1), 1);
  sim_link_free(&l);
}
END_TEST

START_TEST(test_prng) {
  /* splitmix64 reference values for state 0 */
  uint64_t s = 0;
  ck_assert_uint_eq(sim_rand64(&s), UINT64_C(0xE220A8397B1DCDAF));
  ck_assert_uint_eq(sim_rand64(&s), UINT64_C(0x6E789E6AA1B965F4));
  ck_assert_uint_eq(sim_rand64(&s), UINT64_C(0x06C45D188009454F));
  s = 5;
  for (int i = 0; i < 1000; i++) {
    uint64_t v = sim_rand_range(&s, 10, 20);
    ck_assert(v >= 10 && v <= 20);
  }
  ck_assert_uint_eq(sim_rand_range(&s, 7, 7), 7);
}
END_TEST

static Suite *link_suite(void) {
  Suite *s = suite_create("sim_link");
  TCase *tc = tcase_create("link");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_prng);
  tcase_add_test(tc, test_delay_only);
  tcase_add_test(tc, test_serialisation);
  tcase_add_test(tc, test_queue_limit);
  tcase_add_test(tc, test_pattern_loss);
  tcase_add_test(tc, test_prng_loss_rate);
  tcase_add_test(tc, test_duplication);
  tcase_add_test(tc, test_reordering);
  tcase_add_test(tc, test_blackout);
  tcase_add_test(tc, test_midrun_change);
  tcase_add_test(tc, test_determinism);
  tcase_add_test(tc, test_dequeue_small_buffer);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(link_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
