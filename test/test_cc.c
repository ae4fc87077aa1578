/*
 * Tests for the congestion controllers (lib/cc.c, cc_reno.c, cc_lia.c,
 * cc_olia.c, cc_balia.c) against the worked examples of
 * /work/shared/spec/coupled-cc.md (§4.3 LIA, §5.4 OLIA, §6.2 BALIA, §7
 * side by side) and hand-checked ACK/loss sequences.
 *
 * Units: windows in bytes; "q16" values are windows in 1/65536 byte, the
 * fixed point the coupled increases are carried in. Expected values for
 * multi-ACK runs come from the spec's integer forms evaluated with exact
 * rationals in a Python model: LIA and OLIA with D, D_r summed in whole
 * bytes (coupled-cc.md §4.2, §5.3), BALIA with rates in whole bytes/s
 * (§6.1), each per-ACK increase truncated to 1/65536 byte (each OLIA term
 * separately). Where a number is quoted in the spec the comment says so;
 * single steps are checked by hand in the comments.
 *
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include "cc.h" /* white box: state layout and the 128-bit helpers */

#include <string.h>

#define MSS 1460u
#define Q16 65536u

/* ---------------- 128-bit helpers ---------------- */

/* An independent reference: restoring division, one bit at a time. */
static mptcp_u128 ref_div(mptcp_u128 n, uint64_t d, uint64_t *rem) {
  mptcp_u128 q = {0, 0};
  uint64_t r = 0;
  for (int i = 127; i >= 0; i--) {
    uint64_t bit = i >= 64 ? (n.hi >> (i - 64)) & 1 : (n.lo >> i) & 1;
    int carry = (int)(r >> 63);
    r = r << 1 | bit;
    if (carry || r >= d) {
      r -= d;
      if (i >= 64)
        q.hi |= UINT64_C(1) << (i - 64);
      else
        q.lo |= UINT64_C(1) << i;
    }
  }
  *rem = r;
  return q;
}

/* Reference product from 16-bit digits. */
static mptcp_u128 ref_mul(uint64_t a, uint64_t b) {
  uint32_t acc[9] = {0};
  for (int i = 0; i < 4; i++) {
    uint64_t carry = 0;
    for (int j = 0; j < 4; j++) {
      uint64_t t = ((a >> 16 * i) & 0xffff) * ((b >> 16 * j) & 0xffff) +
                   acc[i + j] + carry;
      acc[i + j] = (uint32_t)(t & 0xffff);
      carry = t >> 16;
    }
    for (int k = i + 4; carry; k++) {
      uint64_t t = acc[k] + carry;
      acc[k] = (uint32_t)(t & 0xffff);
      carry = t >> 16;
    }
  }
  mptcp_u128 r = {0, 0};
  for (int i = 0; i < 4; i++) {
    r.lo |= (uint64_t)acc[i] << 16 * i;
    r.hi |= (uint64_t)acc[i + 4] << 16 * i;
  }
  return r;
}

START_TEST(test_u128_mul) {
  /* (2^64-1)^2 = 2^128 - 2^65 + 1. */
  mptcp_u128 p = mptcp_u128_mul(UINT64_MAX, UINT64_MAX);
  CK_X64(p.hi, 0xfffffffffffffffe);
  CK_X64(p.lo, 1);
  p = mptcp_u128_mul(UINT64_C(1) << 32, UINT64_C(1) << 32); /* 2^64 */
  CK_X64(p.hi, 1);
  CK_X64(p.lo, 0);
  /* Python: 0x0123456789ABCDEF * 0xFEDCBA9876543210. */
  p = mptcp_u128_mul(0x0123456789abcdef, 0xfedcba9876543210);
  CK_X64(p.hi, 0x0121fa00ad77d742);
  CK_X64(p.lo, 0x2236d88fe5618cf0);
  /* Python: (3 * 2^64 + 2^64 - 1) * (2^32 - 1). */
  mptcp_u128 x = {3, UINT64_MAX};
  p = mptcp_u128_mul32(x, 0xffffffffu);
  CK_X64(p.hi, 0x3fffffffb);
  CK_X64(p.lo, 0xffffffff00000001);
  ck_assert_int_eq(mptcp_u128_cmp(p, p), 0);
  ck_assert_int_eq(mptcp_u128_cmp(x, p), -1);
  ck_assert_int_eq(mptcp_u128_cmp(p, x), 1);
  mptcp_u128 y = {3, 0};
  ck_assert_int_eq(mptcp_u128_cmp(x, y), 1); /* equal high halves */
  CK_X64(mptcp_u128_sat(x), UINT64_MAX);
  mptcp_u128 z = {0, 42};
  CK_X64(mptcp_u128_sat(z), 42);

  uint64_t seed = 0x9e3779b97f4a7c15;
  for (int i = 0; i < 20000; i++) {
    uint64_t a = tcheck_prng(&seed) >> (tcheck_prng(&seed) & 63);
    uint64_t b = tcheck_prng(&seed) >> (tcheck_prng(&seed) & 63);
    mptcp_u128 got = mptcp_u128_mul(a, b), want = ref_mul(a, b);
    ck_assert_msg(got.hi == want.hi && got.lo == want.lo, "mul %llx * %llx",
                  (unsigned long long)a, (unsigned long long)b);
  }
}
END_TEST

START_TEST(test_u128_div) {
  uint64_t r;
  /* (2^128 - 1) / (2^64 - 1) = 2^64 + 1, remainder 0. */
  mptcp_u128 n = {UINT64_MAX, UINT64_MAX};
  mptcp_u128 q = mptcp_u128_div(n, UINT64_MAX, &r);
  CK_X64(q.hi, 1);
  CK_X64(q.lo, 1);
  CK_X64(r, 0);
  /* 2^64 / 3 = 0x5555555555555555 remainder 1. */
  n.hi = 1, n.lo = 0;
  q = mptcp_u128_div(n, 3, &r);
  CK_X64(q.hi, 0);
  CK_X64(q.lo, 0x5555555555555555);
  CK_X64(r, 1);
  /* Both quotient digits need the correction step (Python):
   * ((d-1) * 2^64 + 2^64-1) / d, d = 2^63 + 1. */
  n.hi = 0x8000000000000000, n.lo = UINT64_MAX;
  q = mptcp_u128_div(n, 0x8000000000000001, &r);
  CK_X64(q.hi, 0);
  CK_X64(q.lo, 0xffffffffffffffff);
  CK_X64(r, 0x8000000000000000);
  /* Python: (0xFFFFFFFF00000000 * 2^64 + 0x123) / 0xFFFFFFFF00000001. */
  n.hi = 0xffffffff00000000, n.lo = 0x123;
  q = mptcp_u128_div(n, 0xffffffff00000001, &r);
  CK_X64(q.lo, 0xfffffffffffffffe);
  CK_X64(r, 0xfffffffe00000125);
  /* A 128-bit quotient (Python). */
  n.hi = 0x0123456789abcdef, n.lo = 0xfedcba9876543210;
  q = mptcp_u128_div(n, 0x1000, &r);
  CK_X64(q.hi, 0x123456789abc);
  CK_X64(q.lo, 0xdeffedcba9876543);
  CK_X64(r, 0x210);
  q = mptcp_u128_div(n, 1, NULL);
  CK_X64(q.hi, n.hi);
  CK_X64(q.lo, n.lo);

  /* Against bit-by-bit division, with operands of every length. */
  uint64_t seed = 0x243f6a8885a308d3;
  for (int i = 0; i < 20000; i++) {
    mptcp_u128 x;
    x.hi = tcheck_prng(&seed) >> (tcheck_prng(&seed) & 63);
    x.lo = tcheck_prng(&seed);
    uint64_t d = tcheck_prng(&seed) >> (tcheck_prng(&seed) & 63);
    if (d == 0) d = 1;
    if (i & 1) x.hi %= d; /* half the cases: a 64-bit quotient */
    uint64_t r1, r2;
    mptcp_u128 got = mptcp_u128_div(x, d, &r1), want = ref_div(x, d, &r2);
    ck_assert_msg(got.hi == want.hi && got.lo == want.lo && r1 == r2,
                  "div %llx:%llx / %llx", (unsigned long long)x.hi,
                  (unsigned long long)x.lo, (unsigned long long)d);
  }
}
END_TEST

START_TEST(test_muldiv) {
  ck_assert_uint_eq(mptcp_muldiv64(3, 5, 2), 7); /* floor(15/2) */
  /* 2^40 * 2^40 / 2^30 = 2^50: the product needs 81 bits. */
  CK_X64(
      mptcp_muldiv64(UINT64_C(1) << 40, UINT64_C(1) << 40, UINT64_C(1) << 30),
      UINT64_C(1) << 50);
  CK_X64(mptcp_muldiv64(UINT64_MAX, UINT64_MAX, UINT64_MAX), UINT64_MAX);
  /* (2^64-1)^2 / 2^63 > 2^64: saturates. */
  CK_X64(mptcp_muldiv64(UINT64_MAX, UINT64_MAX, UINT64_C(1) << 63), UINT64_MAX);
  /* floor(a*b / (c*d)) with c*d = (2^40+1)^2 > 2^64 (Python:
   * (2^64-1)^2 // (2^40+1)^2 = 281474976710143). */
  CK_X64(mptcp_muldiv2_64(UINT64_MAX, UINT64_MAX, (UINT64_C(1) << 40) + 1,
                          (UINT64_C(1) << 40) + 1),
         281474976710143u);
  /* 2^60 * 2^60 / (2^50 * 2^50) = 2^20. */
  CK_X64(mptcp_muldiv2_64(UINT64_C(1) << 60, UINT64_C(1) << 60,
                          UINT64_C(1) << 50, UINT64_C(1) << 50),
         UINT64_C(1) << 20);
  /* 2^64 * 2^63 / 1 does not fit: saturates. */
  CK_X64(mptcp_muldiv2_64(UINT64_MAX, UINT64_C(1) << 63, 1, 1), UINT64_MAX);
}
END_TEST

/* ---------------- lookup ---------------- */

START_TEST(test_cc_find) {
  ck_assert_ptr_eq(mptcp_cc_find("reno"), &mptcp_cc_reno);
  ck_assert_ptr_eq(mptcp_cc_find("lia"), &mptcp_cc_lia);
  ck_assert_ptr_eq(mptcp_cc_find("olia"), &mptcp_cc_olia);
  ck_assert_ptr_eq(mptcp_cc_find("balia"), &mptcp_cc_balia);
  ck_assert_ptr_null(mptcp_cc_find(NULL));
  ck_assert_ptr_null(mptcp_cc_find(""));
  ck_assert_ptr_null(mptcp_cc_find("LIA")); /* names are exact */
  ck_assert_ptr_null(mptcp_cc_find("li"));
  ck_assert_ptr_null(mptcp_cc_find("olia "));
  ck_assert_ptr_null(mptcp_cc_find("cubic"));
  /* The list: the default (NewReno) first, then the coupled ones. */
  ck_assert_ptr_eq(mptcp_cc_get(0), &mptcp_cc_reno);
  ck_assert_ptr_eq(mptcp_cc_get(1), &mptcp_cc_lia);
  ck_assert_ptr_eq(mptcp_cc_get(2), &mptcp_cc_olia);
  ck_assert_ptr_eq(mptcp_cc_get(3), &mptcp_cc_balia);
  ck_assert_ptr_null(mptcp_cc_get(4));
  ck_assert_ptr_null(mptcp_cc_get((size_t)-1));
  for (size_t i = 0; mptcp_cc_get(i); i++) {
    const mptcp_cc_ops *o = mptcp_cc_get(i);
    ck_assert_ptr_eq(mptcp_cc_find(o->name), o);
    ck_assert_uint_le(o->state_size, MPTCP_CC_STATE_MAX);
    ck_assert(o->init && o->on_ack && o->on_loss && o->on_recovery_end &&
              o->cwnd && o->ssthresh);
    /* Reno has no loss intervals: the connection uses cwnd(). */
    ck_assert(i == 0 ? o->snapshot == NULL : o->snapshot != NULL);
  }
}
END_TEST

/* ---------------- a subflow under test ---------------- */

typedef struct sub {
  const mptcp_cc_ops *ops;
  uint64_t st[MPTCP_CC_STATE_MAX / 8];
} sub;

static void sub_init(sub *s, const mptcp_cc_ops *ops, uint32_t mss) {
  memset(s, 0xa5, sizeof *s); /* init must set every field it uses */
  s->ops = ops;
  ops->init(s->st, mss, 0);
}

static mptcp_cc_coupled *co(sub *s) { return (mptcp_cc_coupled *)s->st; }

/* White box: puts a coupled subflow in a given state. */
static void sub_set(sub *s, uint32_t cwnd, uint32_t ssthresh, uint32_t srtt,
                    uint64_t l1, uint64_t l2) {
  mptcp_cc_coupled *c = co(s);
  c->nr.cwnd = cwnd;
  c->nr.ssthresh = ssthresh;
  c->nr.acc = 0;
  c->frac = 0;
  c->srtt_us = srtt;
  c->l1 = l1;
  c->l2 = l2;
}

/* The window in 1/65536 byte. */
static uint64_t q16(sub *s) {
  return (uint64_t)co(s)->nr.cwnd << 16 | co(s)->frac;
}

static void ack_full(sub *s, uint32_t acked, uint32_t mss, uint32_t srtt,
                     int limited, const mptcp_cc_group *g) {
  mptcp_cc_ack a = {acked, mss, 0, srtt, (uint8_t)limited};
  s->ops->on_ack(s->st, &a, g, 0);
}

static void ack(sub *s, uint32_t acked, uint32_t srtt,
                const mptcp_cc_group *g) {
  ack_full(s, acked, MSS, srtt, 1, g);
}

static void loss(sub *s, uint32_t inflight, int timeout,
                 const mptcp_cc_group *g) {
  mptcp_cc_loss l = {inflight, MSS, (uint8_t)timeout};
  s->ops->on_loss(s->st, &l, g, 0);
}

static uint32_t cwnd(sub *s) { return s->ops->cwnd(s->st); }
static uint32_t ssthresh(sub *s) { return s->ops->ssthresh(s->st); }

/* The two subflows of coupled-cc.md §4.3 (also §5.4, §6.2, §7):
 * 10 MSS at 20 ms and 20 MSS at 100 ms. */
#define W1 14600u
#define RTT1 20000u
#define W2 29200u
#define RTT2 100000u

/* ---------------- NewReno, and single paths behaving as NewReno ---------- */

enum { ACK, ACK_APP_LIMITED, LOSS_FR, LOSS_RTO, REC_END };

typedef struct step {
  int op;
  uint32_t arg;   /* acked or inflight bytes */
  uint32_t cwnd;  /* expected afterwards */
  uint32_t ssthr; /* expected afterwards */
} step;

#define NOSS UINT32_MAX

/* MSS 1460, IW 14600 (RFC 6928 as in lib/cc_reno.c), srtt 50 ms. Worked
 * by hand from RFC 5681 §3.1 (ABC with L = 2 SMSS, byte-counted CA:
 * +1 MSS once cwnd bytes are acknowledged), eq. (4) and RFC 6582. */
static const step reno_script[] = {
    {ACK, 1460, 16060, NOSS},             /* SS: +1460 */
    {ACK, 4380, 18980, NOSS},             /* SS: ABC caps at 2 MSS = 2920 */
    {ACK_APP_LIMITED, 1460, 18980, NOSS}, /* not cwnd-limited: no growth */
    {LOSS_FR, 18980, 9490, 9490},         /* max(18980/2, 2920) */
    {REC_END, 0, 9490, 9490},             /* cwnd == ssthresh: unchanged */
    /* CA: acc = 1460..8760 < 9490 for six ACKs, 10220 on the 7th. */
    {ACK, 1460, 9490, 9490},
    {ACK, 1460, 9490, 9490},
    {ACK, 1460, 9490, 9490},
    {ACK, 1460, 9490, 9490},
    {ACK, 1460, 9490, 9490},
    {ACK, 1460, 9490, 9490},
    {ACK, 1460, 10950, 9490}, /* acc 10220 >= 9490: +MSS, acc 730 */
    /* acc 730 + 7 * 1460 = 10950 reaches the new cwnd on the 7th ACK. */
    {ACK, 1460, 10950, 9490},
    {ACK, 1460, 10950, 9490},
    {ACK, 1460, 10950, 9490},
    {ACK, 1460, 10950, 9490},
    {ACK, 1460, 10950, 9490},
    {ACK, 1460, 10950, 9490},
    {ACK, 1460, 12410, 9490},
    {LOSS_RTO, 12410, 1460, 6205}, /* eq. (4); loss window 1 MSS */
    {ACK, 1460, 2920, 6205},       /* slow start again */
    {ACK, 2920, 5840, 6205},
    {ACK, 2920, 8760, 6205},     /* 5840 < 6205: still SS, may overshoot */
    {ACK, 1460, 8760, 6205},     /* CA: acc 1460 */
    {LOSS_FR, 2000, 2920, 2920}, /* floor 2 MSS beats 2000/2 */
    {ACK, 2920, 4380, 2920},     /* CA: acc 2920 >= 2920: +MSS */
    {REC_END, 0, 2920, 2920},    /* RFC 6582: deflate to ssthresh */
};

static void run_script(const mptcp_cc_ops *ops, const mptcp_cc_group *g,
                       const char *what) {
  sub s;
  sub_init(&s, ops, MSS);
  ck_assert_uint_eq(cwnd(&s), 14600);
  ck_assert_uint_eq(ssthresh(&s), NOSS);
  for (size_t i = 0; i < sizeof reno_script / sizeof reno_script[0]; i++) {
    const step *t = &reno_script[i];
    switch (t->op) {
    case ACK: ack_full(&s, t->arg, MSS, 50000, 1, g); break;
    case ACK_APP_LIMITED: ack_full(&s, t->arg, MSS, 50000, 0, g); break;
    case LOSS_FR: loss(&s, t->arg, 0, g); break;
    case LOSS_RTO: loss(&s, t->arg, 1, g); break;
    default: ops->on_recovery_end(s.st, 0); break;
    }
    ck_assert_msg(cwnd(&s) == t->cwnd && ssthresh(&s) == t->ssthr,
                  "%s %s step %zu: cwnd %u ssthresh %u, want %u %u", ops->name,
                  what, i, cwnd(&s), ssthresh(&s), t->cwnd, t->ssthr);
  }
}

START_TEST(test_reno_script) { run_script(&mptcp_cc_reno, NULL, "alone"); }
END_TEST

START_TEST(test_reno_initial_window) {
  /* RFC 6928 bound as in cc_reno.c: min(10 MSS, max(2 MSS, 14600)). */
  static const uint32_t mss[] = {536, 1095, 1460, 9000, 65535};
  static const uint32_t iw[] = {5360, 10950, 14600, 18000, 131070};
  for (size_t i = 0; i < 5; i++) {
    for (size_t k = 0; mptcp_cc_get(k); k++) {
      sub s;
      sub_init(&s, mptcp_cc_get(k), mss[i]);
      ck_assert_uint_eq(cwnd(&s), iw[i]);
      ck_assert_uint_eq(ssthresh(&s), UINT32_MAX);
    }
  }
}
END_TEST

START_TEST(test_reno_saturates) {
  sub s;
  sub_init(&s, &mptcp_cc_reno, MSS);
  mptcp_cc_nr *r = (mptcp_cc_nr *)s.st;
  /* Slow start 1000 bytes below 2^32 - 1: +1460 saturates. */
  r->cwnd = UINT32_MAX - 1000;
  ack(&s, 1460, 50000, NULL);
  ck_assert_uint_eq(cwnd(&s), UINT32_MAX);
  /* CA: acc = 2^32 - 1 >= cwnd = 2^32 - 101, so +MSS (saturating) and
   * acc = 100; a second such ACK leaves acc at 100 again. */
  r->cwnd = UINT32_MAX - 100;
  r->ssthresh = 0;
  r->acc = 0;
  ack(&s, UINT32_MAX, 50000, NULL);
  ck_assert_uint_eq(cwnd(&s), UINT32_MAX);
  ck_assert_uint_eq(r->acc, 100);
  ack(&s, UINT32_MAX, 50000, NULL);
  ck_assert_uint_eq(cwnd(&s), UINT32_MAX);
  ck_assert_uint_eq(r->acc, 100);
  /* eq. (4) with the largest flight: (2^32 - 1) / 2. */
  loss(&s, UINT32_MAX, 0, NULL);
  ck_assert_uint_eq(ssthresh(&s), 2147483647u);
  ck_assert_uint_eq(cwnd(&s), 2147483647u);
}
END_TEST

/* LIA with one path has alpha = 1 (RFC 6356 §3), OLIA has no collected
 * path, BALIA has alpha_r = 1 (draft §2): all are NewReno, including the
 * 2 MSS ssthresh floor. Every way of saying "one path" must give the
 * script's exact NewReno numbers. */
START_TEST(test_single_path_is_reno) {
  static const mptcp_cc_ops *const ops[] = {&mptcp_cc_lia, &mptcp_cc_olia,
                                            &mptcp_cc_balia};
  /* A stale self entry, and others that do not count as paths. */
  mptcp_cc_sf self_only[1] = {{1, 1, 1, 0, 0}};
  mptcp_cc_sf idle[3] = {{W2, 0, MSS, 0, 0},     /* no RTT sample */
                         {0, RTT2, MSS, 0, 0},   /* no window */
                         {W1, RTT1, MSS, 0, 0}}; /* sf[self] */
  const mptcp_cc_group empty = {0, NULL, 0};
  const mptcp_cc_group no_array = {3, NULL, 0};
  const mptcp_cc_group one = {1, self_only, 0};
  const mptcp_cc_group with_idle = {3, idle, 2};
  const mptcp_cc_group idle_others = {2, idle, 5}; /* self not in sf[] */
  for (size_t i = 0; i < 3; i++) {
    run_script(ops[i], NULL, "NULL group");
    run_script(ops[i], &empty, "n = 0");
    run_script(ops[i], &no_array, "sf = NULL");
    run_script(ops[i], &one, "n = 1");
    run_script(ops[i], &with_idle, "idle others");
    run_script(ops[i], &idle_others, "self >= n");
  }
}
END_TEST

/* ---------------- the worked examples ---------------- */

/* Puts the two §4.3 subflows in congestion avoidance (ssthresh = cwnd)
 * with OLIA loss intervals l1 (MSS units); sf[] is the group snapshot. */
static void two_paths(sub s[2], const mptcp_cc_ops *ops, mptcp_cc_sf sf[2],
                      uint64_t l1_mss, uint64_t l2_mss) {
  sub_init(&s[0], ops, MSS);
  sub_init(&s[1], ops, MSS);
  sub_set(&s[0], W1, W1, RTT1, l1_mss * MSS, 0);
  sub_set(&s[1], W2, W2, RTT2, l2_mss * MSS, 0);
  mptcp_cc_sf a = {W1, RTT1, MSS, l1_mss * MSS, 0};
  mptcp_cc_sf b = {W2, RTT2, MSS, l2_mss * MSS, 0};
  sf[0] = a;
  sf[1] = b;
}

/* Checks the window in whole bytes and its fraction in 1/65536 byte. */
#define CK_WIN(s, bytes, q16frac)                                              \
  do {                                                                         \
    ck_assert_uint_eq(cwnd(s), (bytes));                                       \
    ck_assert_uint_eq(co(s)->frac, (q16frac));                                 \
  } while (0)

START_TEST(test_lia_rfc6356_example) {
  sub s[2];
  mptcp_cc_sf sf[2];
  two_paths(s, &mptcp_cc_lia, sf, 0, 0);
  mptcp_cc_group g0 = {2, sf, 0}, g1 = {2, sf, 1};
  /* §4.3: alpha = 30 * 25000 / 700^2 = 1.530612; subflow 1 grows by
   * alpha / cwnd_total = 0.0510204 MSS = 74.49 B (D = 20440 B,
   * 14600 * 1460^2 / 20440^2 = 74.48979...; * 65536 = 4881763.x, i.e.
   * 74 B + 32099/65536). */
  ack(&s[0], MSS, RTT1, &g0);
  CK_WIN(&s[0], 14674, 32099);
  /* Subflow 2: the coupled term (74.49 B) is capped by the TCP term
   * 1460 * 1460 / 29200 = 73 B exactly (§4.3). */
  ack(&s[1], MSS, RTT2, &g1);
  CK_WIN(&s[1], 29273, 0);
  ck_assert_uint_eq(ssthresh(&s[0]), W1);
  ck_assert_uint_eq(ssthresh(&s[1]), W2);

  /* About one RTT of each (10 and 20 ACKs of 1 MSS, the other subflow
   * still at its §4.3 snapshot): (1) per ACK on the growing window. Exact:
   * subflow 1 reaches 15337 + 44559/65536 B (~ +73.77 B per ACK, vs 146
   * for uncoupled Reno), subflow 2 30626 + 59081/65536 (~ 71.3 B, capped
   * by TCP on every ACK: 1460^2 / w). */
  two_paths(s, &mptcp_cc_lia, sf, 0, 0);
  for (int i = 0; i < 10; i++) ack(&s[0], MSS, RTT1, &g0);
  CK_WIN(&s[0], 15337, 44559);
  for (int i = 0; i < 20; i++) ack(&s[1], MSS, RTT2, &g1);
  CK_WIN(&s[1], 30626, 59081);
}
END_TEST

START_TEST(test_olia_example) {
  sub s[2];
  mptcp_cc_sf sf[2];
  /* §5.4: l_1 = 300 MSS, l_2 = 400 MSS: best = {1}, max_w = {2},
   * collected = {1}; alpha_1 = +1/2, alpha_2 = -1/2. */
  two_paths(s, &mptcp_cc_olia, sf, 300, 400);
  mptcp_cc_group g0 = {2, sf, 0}, g1 = {2, sf, 1};
  /* Path 1: 0.0510204 + 0.05 MSS = 147.49 B (§5.4): 74.48979 B (4881763
   * / 65536, as LIA's coupled term) + 0.5 / 10 MSS = 73 B exactly. */
  ack(&s[0], MSS, RTT1, &g0);
  CK_WIN(&s[0], 14747, 32099);
  ck_assert_uint_eq(ssthresh(&s[0]), W1);
  /* Path 2: 0.0040816 - 0.025 MSS = -30.54 B (§5.4): first term
   * 29200 * 1460^2 / 87600^2 = 5.9591 B = 390541/65536 (truncated),
   * minus 0.5/20 MSS = 36.5 B exactly: 29200 - 30.5408 = 29169 B +
   * 30093/65536. ssthresh follows the window down (stays in CA). */
  ack(&s[1], MSS, RTT2, &g1);
  CK_WIN(&s[1], 29169, 30093);
  ck_assert_uint_eq(ssthresh(&s[1]), 29169);

  /* §5.4 variant: l_2 = 700 MSS makes path 2 best (700^2/0.1 = 4.9e6 >
   * 300^2/0.02 = 4.5e6); best = max_w = {2}, nothing collected: first
   * terms only, 74.49 B and 5.96 B. */
  two_paths(s, &mptcp_cc_olia, sf, 300, 700);
  ack(&s[0], MSS, RTT1, &g0);
  CK_WIN(&s[0], 14674, 32099);
  ack(&s[1], MSS, RTT2, &g1);
  CK_WIN(&s[1], 29205, 62861); /* 390541 / 65536 = 5.9591 B */
  ck_assert_uint_eq(ssthresh(&s[1]), W2);

  /* One RTT on each (10 / 20 ACKs, §5.4 snapshot of the other path):
   * path 1 keeps gaining ~143 B per ACK, path 2 keeps shrinking
   * (~ -31 B per ACK) and takes ssthresh with it. Exact (1) per ACK. */
  two_paths(s, &mptcp_cc_olia, sf, 300, 400);
  for (int i = 0; i < 10; i++) ack(&s[0], MSS, RTT1, &g0);
  CK_WIN(&s[0], 16030, 14922);
  ck_assert_uint_eq(ssthresh(&s[0]), W1);
  for (int i = 0; i < 20; i++) ack(&s[1], MSS, RTT2, &g1);
  CK_WIN(&s[1], 28581, 15535);
  ck_assert_uint_eq(ssthresh(&s[1]), 28581);
  /* l2 counted every acknowledged byte (draft §2). */
  ck_assert_uint_eq(co(&s[0])->l2, 10 * MSS);
  ck_assert_uint_eq(co(&s[1])->l2, 20 * MSS);
}
END_TEST

START_TEST(test_balia_example) {
  sub s[2];
  mptcp_cc_sf sf[2];
  two_paths(s, &mptcp_cc_balia, sf, 0, 0);
  mptcp_cc_group g0 = {2, sf, 0}, g1 = {2, sf, 1};
  /* §6.2: x = 500 and 200 pkt/s (730000 and 292000 B/s), alpha_1 = 1:
   * path 1 grows 0.0510204 MSS = 74.49 B, as LIA (4881763 / 65536). */
  ack(&s[0], MSS, RTT1, &g0);
  CK_WIN(&s[0], 14674, 32099);
  /* Path 2, alpha_2 = 2.5: (200+500)(800+500) / (20 * 700^2 * 10) MSS =
   * 0.0092857 MSS = 13.557143 B; * 65536 = 888480.x. */
  ack(&s[1], MSS, RTT2, &g1);
  CK_WIN(&s[1], 29213, 36512);

  /* §6.2 losses: path 1 loses 10/2 * min(1, 1.5) = 5 MSS, path 2 loses
   * 20/2 * min(2.5, 1.5) = 15 MSS: both end at 5 MSS = 7300 B. */
  two_paths(s, &mptcp_cc_balia, sf, 0, 0);
  loss(&s[0], W1, 0, &g0);
  ck_assert_uint_eq(ssthresh(&s[0]), 7300);
  ck_assert_uint_eq(cwnd(&s[0]), 7300);
  loss(&s[1], W2, 0, &g1);
  ck_assert_uint_eq(ssthresh(&s[1]), 7300);
  ck_assert_uint_eq(cwnd(&s[1]), 7300);

  /* One RTT on each (10 / 20 ACKs, the other at its snapshot): path 1
   * as LIA's 15337 + 44559/65536 (alpha_1 stays 1: it is the fastest),
   * path 2 gains ~13.5 B per ACK. Exact formula per ACK. */
  two_paths(s, &mptcp_cc_balia, sf, 0, 0);
  for (int i = 0; i < 10; i++) ack(&s[0], MSS, RTT1, &g0);
  CK_WIN(&s[0], 15337, 44559);
  for (int i = 0; i < 20; i++) ack(&s[1], MSS, RTT2, &g1);
  CK_WIN(&s[1], 29470, 22942);
}
END_TEST

/* §7: one ACK of 1 MSS on each subflow of the §4.3 example. The table's
 * values, as the increase in 1/65536 byte (exact value * 65536,
 * truncated); and the decrease row. */
START_TEST(test_side_by_side) {
  static const struct {
    const mptcp_cc_ops *ops;
    int64_t d1, d2;  /* increase, 1/65536 B */
    uint32_t s1, s2; /* ssthresh after a fast retransmit, flight = cwnd */
  } row[] = {
      /* LIA: +74.49 B, +73.00 B (capped by the TCP term). */
      {&mptcp_cc_lia, 4881763, 73 * 65536, 7300, 14600},
      /* OLIA (l = 300, 400 MSS): +147.49 B, -30.54 B; halving. */
      {&mptcp_cc_olia, 9665891, -2001523, 7300, 14600},
      /* BALIA: +74.49 B, +13.56 B; 5 and 15 MSS removed. */
      {&mptcp_cc_balia, 4881763, 888480, 7300, 7300},
  };
  for (size_t i = 0; i < 3; i++) {
    sub s[2];
    mptcp_cc_sf sf[2];
    two_paths(s, row[i].ops, sf, 300, 400);
    mptcp_cc_group g0 = {2, sf, 0}, g1 = {2, sf, 1};
    ack(&s[0], MSS, RTT1, &g0);
    ack(&s[1], MSS, RTT2, &g1);
    ck_assert_int_eq((int64_t)q16(&s[0]) - ((int64_t)W1 << 16), row[i].d1);
    ck_assert_int_eq((int64_t)q16(&s[1]) - ((int64_t)W2 << 16), row[i].d2);
    two_paths(s, row[i].ops, sf, 300, 400);
    loss(&s[0], W1, 0, &g0);
    loss(&s[1], W2, 0, &g1);
    ck_assert_uint_eq(ssthresh(&s[0]), row[i].s1);
    ck_assert_uint_eq(ssthresh(&s[1]), row[i].s2);
  }
  /* Uncoupled Reno: +146 B and +73 B per ACK on average; with byte
   * counting that is +1 MSS after 10 (resp. 20) ACKs of 1 MSS. */
  sub r;
  sub_init(&r, &mptcp_cc_reno, MSS);
  mptcp_cc_nr *nr = (mptcp_cc_nr *)r.st;
  nr->cwnd = nr->ssthresh = W1;
  for (int i = 0; i < 9; i++) ack(&r, MSS, RTT1, NULL);
  ck_assert_uint_eq(cwnd(&r), W1);
  ack(&r, MSS, RTT1, NULL);
  ck_assert_uint_eq(cwnd(&r), W1 + MSS);
  nr->cwnd = nr->ssthresh = W2;
  nr->acc = 0;
  for (int i = 0; i < 19; i++) ack(&r, MSS, RTT2, NULL);
  ck_assert_uint_eq(cwnd(&r), W2);
  ack(&r, MSS, RTT2, NULL);
  ck_assert_uint_eq(cwnd(&r), W2 + MSS);
  loss(&r, W2, 0, NULL);
  ck_assert_uint_eq(ssthresh(&r), 14600); /* halving */
}
END_TEST

/* ---------------- life cycles in a two-path group ---------------- */

/* Expected state after each phase of life_cycle(). */
typedef struct life {
  const mptcp_cc_ops *ops;
  uint32_t fr_ss;         /* ssthresh after the first fast retransmit */
  uint32_t rtt1, rtt1_f;  /* cwnd (bytes, 1/65536) after 7 CA ACKs */
  uint32_t rtt3, rtt3_f;  /* ... after 21 CA ACKs */
  uint32_t rto_ss;        /* ssthresh after the timeout */
  uint32_t ss_acks, ss_w; /* 2-MSS ACKs back to ssthresh, window then */
  uint32_t ca, ca_f;      /* after one more CA ACK */
  uint32_t fr2_ss;        /* ssthresh after a loss with 2000 B in flight */
  uint32_t ca2, ca2_f;    /* one CA ACK later */
} life;

/* Our subflow at 20 ms beside a fixed 29200 B / 10 ms subflow (l1 = 400
 * MSS): it never is the best path. Slow start, the loss reaction and
 * recovery exit are NewReno's for all three (RFC 6356 §3, OLIA draft §3,
 * BALIA draft §2), except the ssthresh floors and BALIA's decrease, which
 * are worked by hand below; the CA values are the spec's per-ACK integer
 * forms (see the file comment). */
static const life lives[] = {
    /* LIA: halving; 2 MSS floor. */
    {&mptcp_cc_lia, 10220, 10588, 28333, 11313, 46218, 5656, 2, 7300, 7357,
     44499, 2920, 2986, 13969},
    /* OLIA: halving; 1 MSS floor with two paths. Not best (l^2/rtt of the
     * other path is far larger) and not the largest window: first term
     * only, smaller than LIA's coupled term. */
    {&mptcp_cc_olia, 10220, 10252, 27230, 10317, 30302, 5158, 2, 7300, 7303,
     39645, 1460, 1460, 56920},
    /* BALIA: x = 20440/0.02 = 1.022e6 B/s vs 2.92e6: alpha = 2.86, capped
     * at 1.5, so ssthresh = 10220 - 10220/2 = 5110; at the timeout
     * 6120 B -> 3060 - 1530 = 1530; 1 MSS floor. */
    {&mptcp_cc_balia, 5110, 5463, 61468, 6120, 59428, 1530, 1, 4380, 4438,
     55883, 1460, 1616, 44756},
};

START_TEST(test_life_cycle) {
  const life *e = &lives[_i];
  mptcp_cc_sf other[1] = {{29200, 10000, MSS, 400 * MSS, 0}};
  mptcp_cc_group g = {1, other, 1}; /* self not in sf[] */
  sub s;
  sub_init(&s, e->ops, MSS);
  /* Slow start exactly as NewReno: +1 MSS per 1-MSS ACK. */
  for (int i = 0; i < 4; i++) ack(&s, MSS, RTT1, &g);
  ck_assert_uint_eq(cwnd(&s), 14600 + 4 * MSS);
  ck_assert_uint_eq(ssthresh(&s), UINT32_MAX);
  /* Fast retransmit with a full window in flight, then recovery end. */
  loss(&s, 20440, 0, &g);
  ck_assert_uint_eq(ssthresh(&s), e->fr_ss);
  ck_assert_uint_eq(cwnd(&s), e->fr_ss);
  s.ops->on_recovery_end(s.st, 0);
  ck_assert_uint_eq(cwnd(&s), e->fr_ss);
  /* Three RTTs of congestion avoidance (7 ACKs per RTT). */
  for (int i = 0; i < 7; i++) ack(&s, MSS, RTT1, &g);
  CK_WIN(&s, e->rtt1, e->rtt1_f);
  for (int i = 0; i < 14; i++) ack(&s, MSS, RTT1, &g);
  CK_WIN(&s, e->rtt3, e->rtt3_f);
  ck_assert_uint_eq(ssthresh(&s), e->fr_ss);
  /* Timeout with the window in flight: loss window 1 MSS. */
  loss(&s, cwnd(&s), 1, &g);
  ck_assert_uint_eq(cwnd(&s), MSS);
  ck_assert_uint_eq(ssthresh(&s), e->rto_ss);
  ck_assert_uint_eq(co(&s)->frac, 0);
  /* Slow start back (ABC: +2 MSS per 2-MSS ACK) until ssthresh. */
  uint32_t n = 0;
  while (cwnd(&s) < ssthresh(&s)) ack(&s, 2 * MSS, RTT1, &g), n++;
  ck_assert_uint_eq(n, e->ss_acks);
  ck_assert_uint_eq(cwnd(&s), e->ss_w);
  ack(&s, MSS, RTT1, &g);
  CK_WIN(&s, e->ca, e->ca_f);
  /* A loss with little in flight: max(1000, floor). */
  loss(&s, 2000, 0, &g);
  ck_assert_uint_eq(ssthresh(&s), e->fr2_ss);
  ck_assert_uint_eq(cwnd(&s), e->fr2_ss);
  ack(&s, MSS, RTT1, &g);
  CK_WIN(&s, e->ca2, e->ca2_f);
  /* Recovery end deflates to ssthresh exactly (RFC 6582 §3.2 step 3). */
  s.ops->on_recovery_end(s.st, 0);
  CK_WIN(&s, e->fr2_ss, 0);
}
END_TEST

/* OLIA's loss intervals (draft §2): l2 counts acknowledged bytes, a loss
 * moves it to l1; every ACK counts, also in slow start and when not
 * cwnd-limited. */
START_TEST(test_olia_loss_intervals) {
  sub s;
  sub_init(&s, &mptcp_cc_olia, MSS);
  ck_assert_uint_eq(co(&s)->l1, 0);
  ck_assert_uint_eq(co(&s)->l2, 0);
  ack(&s, 1000, RTT1, NULL);
  ack_full(&s, 500, MSS, RTT1, 0, NULL);
  ck_assert_uint_eq(co(&s)->l2, 1500);
  loss(&s, 5000, 0, NULL);
  ck_assert_uint_eq(co(&s)->l1, 1500);
  ck_assert_uint_eq(co(&s)->l2, 0);
  ack(&s, 7000, RTT1, NULL);
  loss(&s, 5000, 1, NULL); /* a timeout is a loss too */
  ck_assert_uint_eq(co(&s)->l1, 7000);
  ck_assert_uint_eq(co(&s)->l2, 0);
  /* The snapshot carries them to the other subflows. */
  ack(&s, 300, RTT1, NULL);
  mptcp_cc_sf out = {0, 777, 888, 0, 0};
  s.ops->snapshot(s.st, &out);
  ck_assert_uint_eq(out.cwnd, cwnd(&s));
  ck_assert_uint_eq(out.l1, 7000);
  ck_assert_uint_eq(out.l2, 300);
  ck_assert_uint_eq(out.srtt_us, 777); /* the connection's fields */
  ck_assert_uint_eq(out.mss, 888);
  /* l2 saturates instead of wrapping. */
  co(&s)->l2 = UINT64_MAX - 10;
  ack(&s, 1000, RTT1, NULL);
  CK_X64(co(&s)->l2, UINT64_MAX);
}
END_TEST

/* BALIA's decrease factor min(alpha_r, 1.5) between its bounds, worked by
 * hand: our 14600 B at 25 ms = 584000 B/s beside 14600 B at 20 ms =
 * 730000 B/s gives alpha = 1.25, so ssthresh = 7300 - 7300 / 4 = 5475. */
START_TEST(test_balia_decrease) {
  mptcp_cc_sf other[2] = {{W1, RTT1, MSS, 0, 0}, {0, 0, 0, 0, 0}};
  mptcp_cc_group g = {2, other, 1};
  sub s;
  sub_init(&s, &mptcp_cc_balia, MSS);
  sub_set(&s, W1, W1, 25000, 0, 0);
  loss(&s, W1, 0, &g);
  ck_assert_uint_eq(ssthresh(&s), 5475);
  /* The fastest path halves exactly as NewReno (alpha = 1): 14600 B at
   * 10 ms, flight 14601 B -> 7300. */
  sub_set(&s, W1, W1, 10000, 0, 0);
  loss(&s, W1 + 1, 0, &g);
  ck_assert_uint_eq(ssthresh(&s), 7300);
  /* No RTT sample of its own yet: alpha is taken as 1. */
  sub_set(&s, W1, W1, 0, 0, 0);
  loss(&s, W1, 0, &g);
  ck_assert_uint_eq(ssthresh(&s), 7300);
  /* A timeout applies the same ssthresh and a loss window of 1 MSS. */
  sub_set(&s, W1, W1, 25000, 0, 0);
  loss(&s, W1, 1, &g);
  ck_assert_uint_eq(ssthresh(&s), 5475);
  ck_assert_uint_eq(cwnd(&s), MSS);
}
END_TEST

/* ---------------- eight subflows ---------------- */

static const mptcp_cc_ops *const coupled[] = {&mptcp_cc_lia, &mptcp_cc_olia,
                                              &mptcp_cc_balia};

/* Runs one ACK (acked, mss) or one loss (flight) on subflow @p self of
 * @p sf (n entries) under @p ops, starting in CA at sf[self]'s window, RTT
 * and l1; the group is passed with the stale self entry in place. */
static sub one_ack(const mptcp_cc_ops *ops, const mptcp_cc_sf *sf, size_t n,
                   size_t self, uint32_t acked, uint32_t mss) {
  sub s;
  sub_init(&s, ops, mss);
  sub_set(&s, sf[self].cwnd, sf[self].cwnd, sf[self].srtt_us, sf[self].l1, 0);
  mptcp_cc_group g = {n, sf, self};
  ack_full(&s, acked, mss, sf[self].srtt_us, 1, &g);
  return s;
}

static sub one_loss(const mptcp_cc_ops *ops, const mptcp_cc_sf *sf, size_t n,
                    size_t self, uint32_t flight) {
  sub s;
  sub_init(&s, ops, MSS);
  sub_set(&s, sf[self].cwnd, sf[self].cwnd, sf[self].srtt_us, sf[self].l1, 0);
  mptcp_cc_group g = {n, sf, self};
  loss(&s, flight, 0, &g);
  return s;
}

/* Eight equal subflows (14600 B, 50 ms, equal l): LIA's alpha is 1/8, so
 * each grows by alpha * MSS^2 / cwnd_total = 1460^2 / (64 * 14600) =
 * 2.28125 B per ACK (RFC 6356 §3: the connection as a whole gains alpha
 * MSS per RTT); OLIA has every path best and largest, nothing collected,
 * first term w / (8 w)^2 = the same; BALIA has alpha = 1 and
 * (2x)(5x) / (10 w (8x)^2) = 1 / (64 w): the same. 2.28125 * 65536 =
 * 149504 exactly. */
START_TEST(test_eight_equal_subflows) {
  mptcp_cc_sf sf[8];
  for (size_t i = 0; i < 8; i++) {
    mptcp_cc_sf e = {W1, 50000, MSS, 100 * MSS, 0};
    sf[i] = e;
  }
  for (size_t k = 0; k < 3; k++) {
    for (size_t self = 0; self < 8; self++) {
      sub s = one_ack(coupled[k], sf, 8, self, MSS, MSS);
      ck_assert_uint_eq(q16(&s) - ((uint64_t)W1 << 16), 149504);
    }
    /* The same with sf[] holding only the seven others. */
    sub s;
    sub_init(&s, coupled[k], MSS);
    sub_set(&s, W1, W1, 50000, 100 * MSS, 0);
    mptcp_cc_group g = {7, sf, 7};
    ack(&s, MSS, 50000, &g);
    ck_assert_uint_eq(q16(&s) - ((uint64_t)W1 << 16), 149504);
  }
}
END_TEST

/* Eight different subflows: cwnd (B), RTT (µs), l1 (MSS). */
static const mptcp_cc_sf mix8[8] = {
    {14600, 20000, MSS, 300 * MSS, 0},    {29200, 100000, MSS, 400 * MSS, 0},
    {5840, 5000, MSS, 50 * MSS, 0},       {146000, 200000, MSS, 2000 * MSS, 0},
    {65700, 45000, MSS, 3000 * MSS, 0},   {2920, 1000, MSS, 10 * MSS, 0},
    {100000, 333333, MSS, 1200 * MSS, 0}, {43800, 80000, MSS, 700 * MSS, 0},
};

START_TEST(test_eight_mixed_subflows) {
  /* Increase on one ACK of 1 MSS, in 1/65536 B (the spec's integer forms,
   * see the file comment), and ssthresh after a fast retransmit with the
   * window in flight, for each subflow as self. */
  static const int64_t inc[3][8] = {
      /* LIA: "max" is subflow 5 (2920 B / 1 ms^2); D = 730 + 292 + 1168
       * + 730 + 1460 + 2920 + 300 + 547 = 8147 B; coupled term 2920 *
       * 1460^2 / 8147^2 = 93.78 B = 6145724; capped by TCP (1460^2 / w)
       * on subflows 1, 3, 4, 6, 7 (e.g. 73 B = 4784128 on 1). */
      {6145724, 4784128, 6145724, 956825, 2126279, 6145724, 1396965, 3189418},
      /* OLIA: best (l^2 / rtt) is subflow 4, largest window subflow 3:
       * collected = {4}. 4 gains 1.0418 B + 1460^2 / (65700 * 8) =
       * 4.0556 B = 5.0974 B; 3 gets 0.1172 - 1460^2 / (146000 * 8) =
       * 0.1172 - 1.825 = -1.7078 B; the rest first terms only. */
      {76812, 6144, 491609, -111922, 334061, 6145724, 1894, 14402},
      /* BALIA: subflow 5 is fastest (2.92e6 B/s); its increase is LIA's
       * coupled term (alpha = 1) up to the truncated rates. */
      {307248, 94632, 1118384, 30724, 122899, 6144969, 27918, 85133},
  };
  static const uint32_t ss[3][8] = {
      /* LIA: max(w / 2, 2 MSS). */
      {7300, 14600, 2920, 73000, 32850, 2920, 50000, 21900},
      /* OLIA: max(w / 2, 1 MSS) with several paths. */
      {7300, 14600, 2920, 73000, 32850, 1460, 50000, 21900},
      /* BALIA: every subflow but 5 has alpha >= 1.5 (the next fastest,
       * 4, has x = 1.46e6 B/s: alpha = 2): w / 4; subflow 5 halves;
       * 1 MSS floor (subflow 2: 5840 / 4 = 1460, subflow 5: 1460). */
      {3650, 7300, 1460, 36500, 16425, 1460, 25000, 10950},
  };
  for (size_t k = 0; k < 3; k++) {
    for (size_t i = 0; i < 8; i++) {
      sub s = one_ack(coupled[k], mix8, 8, i, MSS, MSS);
      int64_t d = (int64_t)q16(&s) - ((int64_t)mix8[i].cwnd << 16);
      ck_assert_msg(d == inc[k][i], "%s subflow %zu: %lld, want %lld",
                    coupled[k]->name, i, (long long)d, (long long)inc[k][i]);
      s = one_loss(coupled[k], mix8, 8, i, mix8[i].cwnd);
      ck_assert_msg(ssthresh(&s) == ss[k][i] && cwnd(&s) == ss[k][i],
                    "%s subflow %zu: ssthresh %u, want %u", coupled[k]->name, i,
                    ssthresh(&s), ss[k][i]);
    }
  }
}
END_TEST

/* ---------------- extreme values (UBSan checks the arithmetic) ---------- */

START_TEST(test_extremes_large_windows) {
  /* Eight windows within 7000 B of 2^32, RTTs alternating 1 µs and 10 s,
   * l1 = 2^60 (saturated to 2^47 - 1; the best paths by l^2 / rtt are
   * then the four at 1 µs, and OLIA collects 2, 4 and 6). */
  mptcp_cc_sf sf[8];
  for (size_t i = 0; i < 8; i++) {
    mptcp_cc_sf e = {UINT32_MAX - 1000 * (uint32_t)i, i % 2 ? 10000000u : 1u,
                     MSS, UINT64_C(1) << 60, 0};
    sf[i] = e;
  }
  static const struct {
    size_t self;
    uint32_t acked, mss;
    uint32_t cwnd[3], frac[3]; /* LIA, OLIA, BALIA */
  } t[] = {
      /* Subflow 0 (2^32 - 1 B, 1 µs) is LIA's "max" and BALIA's fastest:
       * D ~ 4 * 2^32 (the 10 s paths add ~429 B each), coupled term
       * 2^32 * 1460^2 / D^2 = 3.1e-5 B = 2.03 units. OLIA: the only
       * largest window with paths collected: first term 2.03 units minus
       * 1460^2 / (w * 8 * 1) = 4.07 units: -2 units. */
      {0, MSS, MSS, {UINT32_MAX, 4294967294u, UINT32_MAX}, {2, 65534, 2}},
      /* The largest ACK: 2^32 - 1 B at MSS 65535. The coupled term is
       * 65535 / 16 = 4095.94 B (TCP's is 65535 B): the window saturates
       * at 2^32 - 1 + 65535/65536 (LIA, BALIA); OLIA shrinks by
       * 65535 / 8 - 65535 / 16 = 4095.93 B. */
      {0,
       UINT32_MAX,
       65535,
       {UINT32_MAX, 4294963199u, UINT32_MAX},
       {65535, 4417, 65535}},
      /* Subflows 1 and 7 (10 s): LIA's coupled term is the same as
       * above (2 units; 4095.94 B for the largest ACK, which saturates
       * subflow 1 and takes subflow 7 from 2^32 - 7001 to 4294964390.94).
       * OLIA: not a best path, D_r ~ 4 * 2^32 * 10^7: 0. BALIA: x_r ~ 0,
       * sum ~ 4 x_max: MSS * acked / (160 w) = 3e-6 B (0 units), or
       * 409.59 B for the largest ACK. */
      {1, MSS, MSS, {4294966295u, 4294966295u, 4294966295u}, {2, 0, 0}},
      {1,
       UINT32_MAX,
       65535,
       {UINT32_MAX, 4294966295u, 4294966704u},
       {65535, 0, 38962}},
      {7,
       UINT32_MAX,
       65535,
       {4294964390u, 4294960295u, 4294960704u},
       {61761, 0, 39000}},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    for (size_t k = 0; k < 3; k++) {
      sub s = one_ack(coupled[k], sf, 8, t[i].self, t[i].acked, t[i].mss);
      ck_assert_msg(cwnd(&s) == t[i].cwnd[k] && co(&s)->frac == t[i].frac[k],
                    "%s case %zu: %u + %u/65536, want %u + %u/65536",
                    coupled[k]->name, i, cwnd(&s), co(&s)->frac, t[i].cwnd[k],
                    t[i].frac[k]);
    }
  }
  /* Loss with the largest flight: (2^32 - 1) / 2 = 2147483647 for LIA and
   * OLIA; BALIA's slow subflow 1 (alpha capped at 1.5) keeps
   * 2147483647 - 2147483647 / 2 = 1073741824, the fastest halves. */
  static const uint32_t ss1[3] = {2147483647u, 2147483647u, 1073741824u};
  for (size_t k = 0; k < 3; k++) {
    sub s = one_loss(coupled[k], sf, 8, 0, UINT32_MAX);
    ck_assert_uint_eq(ssthresh(&s), 2147483647u);
    s = one_loss(coupled[k], sf, 8, 1, UINT32_MAX);
    ck_assert_uint_eq(ssthresh(&s), ss1[k]);
    ck_assert_uint_eq(cwnd(&s), ss1[k]);
  }
}
END_TEST

START_TEST(test_extremes_rtt_spread) {
  /* 14600 B at 10 s beside 14600 B at 1 µs, and the reverse. */
  mptcp_cc_sf sf[2] = {{W1, 10000000, MSS, 0, 0}, {W1, 1, MSS, 0, 0}};
  /* LIA: "max" is the 1 µs path and D = 14600 + floor(14600 * 1 / 10^7)
   * = 14600 for both: the coupled term is 1460^2 / 14600 = 146 B =
   * 9568256 units, equal to the TCP term. */
  for (size_t self = 0; self < 2; self++) {
    sub s = one_ack(&mptcp_cc_lia, sf, 2, self, MSS, MSS);
    ck_assert_uint_eq(q16(&s) - ((uint64_t)W1 << 16), 9568256);
  }
  /* OLIA: equal windows are both "largest", so nothing is collected. The
   * 10 s path's D_r = 14600 + 14600 * 10^7 makes its first term 0; the
   * 1 µs path's D_r = 14600 gives 146 B. */
  sub s = one_ack(&mptcp_cc_olia, sf, 2, 0, MSS, MSS);
  ck_assert_uint_eq(q16(&s), (uint64_t)W1 << 16);
  s = one_ack(&mptcp_cc_olia, sf, 2, 1, MSS, MSS);
  ck_assert_uint_eq(q16(&s) - ((uint64_t)W1 << 16), 9568256);
  /* BALIA: x = 1460 and 1.46e10 B/s, shifted right 5 bits so that the sum
   * is below 2^29 (45 and 456250000): the 10 s path gets 1460^2 *
   * (45 + 456250000) * (180 + 456250000) / (10 * 14600 * 456250045^2) =
   * 14.600004 B (956825 units; unshifted 14.6000044 B); its alpha is
   * capped: ssthresh 14600 / 4 = 3650. The 1 µs path gets
   * 1460^2 * 2 * 5 x^2 / (10 * 14600 * (x + 45)^2) with x = 456250000:
   * 146 B less 2 units (9568254), and halves. */
  s = one_ack(&mptcp_cc_balia, sf, 2, 0, MSS, MSS);
  ck_assert_uint_eq(q16(&s) - ((uint64_t)W1 << 16), 956825);
  s = one_ack(&mptcp_cc_balia, sf, 2, 1, MSS, MSS);
  ck_assert_uint_eq(q16(&s) - ((uint64_t)W1 << 16), 9568254);
  s = one_loss(&mptcp_cc_balia, sf, 2, 0, W1);
  ck_assert_uint_eq(ssthresh(&s), 3650);
  s = one_loss(&mptcp_cc_balia, sf, 2, 1, W1);
  ck_assert_uint_eq(ssthresh(&s), 7300);

  /* OLIA with D_r beyond 2^64: 1460 B at 2^32 - 1 µs beside two 2^32 - 1 B
   * windows at 1 µs. Its first term is exactly 0; with l = 2^47 - 1 it is
   * the (only) best path and collected: +1460^2 / (1460 * 3 * 1) =
   * 486.67 B = 31894186 units. */
  mptcp_cc_sf far[3] = {{1460, UINT32_MAX, MSS, (UINT64_C(1) << 47) - 1, 0},
                        {UINT32_MAX, 1, MSS, 1, 0},
                        {UINT32_MAX, 1, MSS, 1, 0}};
  s = one_ack(&mptcp_cc_olia, far, 3, 0, MSS, MSS);
  ck_assert_uint_eq(q16(&s) - (1460u << 16), 31894186);
  /* One of the two largest windows: first term 2^32 * 1460^2 / (2^33)^2
   * = 8.13 units, minus 1460^2 / (w * 3 * 2) = 5.42 units: +3 units,
   * at the 2^32 - 1 B ceiling. */
  s = one_ack(&mptcp_cc_olia, far, 3, 1, MSS, MSS);
  CK_WIN(&s, UINT32_MAX, 3);

  /* BALIA with the fastest possible rate: 2^32 - 1 B at 1 µs beside
   * 1460 B at 10 s, whose rate (146 B/s) shifts to 0. Exact increase
   * 1460^2 / (2^32 - 1) * (1 + tiny) = 32.53 units; 32. */
  mptcp_cc_sf fast[2] = {{UINT32_MAX, 1, MSS, 0, 0},
                         {1460, 10000000, MSS, 0, 0}};
  s = one_ack(&mptcp_cc_balia, fast, 2, 0, MSS, MSS);
  CK_WIN(&s, UINT32_MAX, 32);
  /* The slow one: alpha huge, x_r shifted to 0: exact 146 B per ACK. */
  s = one_ack(&mptcp_cc_balia, fast, 2, 1, MSS, MSS);
  ck_assert_uint_eq(q16(&s) - (1460u << 16), 9568256);
}
END_TEST

/* Degenerate inputs must not divide by zero or wrap: MSS 0 (window 0),
 * ACKs of 0 bytes. */
START_TEST(test_extremes_degenerate) {
  for (size_t k = 0; k < 3; k++) {
    sub s;
    sub_init(&s, coupled[k], 0);
    ck_assert_uint_eq(cwnd(&s), 0); /* min(10 * 0, ...) */
    mptcp_cc_group g = {2, mix8, 7};
    ack_full(&s, 1460, 0, 50000, 1, &g); /* slow start: + min(1460, 0) */
    ck_assert_uint_eq(cwnd(&s), 0);
    loss(&s, 0, 0, &g); /* ssthresh max(0, 1 or 2 MSS) */
    ck_assert_uint_eq(ssthresh(&s), k == 0 ? 2 * MSS : MSS);
    sub_set(&s, 0, 0, 50000, 0, 0); /* CA with a zero window */
    ack(&s, 1460, 50000, &g);
    ck_assert_uint_eq(cwnd(&s), 1460); /* NewReno CA: acc >= 0: +MSS */
    sub_set(&s, W1, W1, RTT1, 0, 0);
    ack(&s, 0, RTT1, &g);
    CK_WIN(&s, W1, 0);
  }
}
END_TEST

/* ---------------- the group snapshot conventions ---------------- */

/* The callback uses its own live state for sf[self], so a stale entry, an
 * array of only the others (self >= n), and extra entries that are not
 * paths (no window, no RTT sample) all give the §4.3/§5.4/§6.2 values. */
START_TEST(test_group_conventions) {
  /* Subflow 1's increase on one ACK, from test_side_by_side. */
  static const uint64_t want[3] = {4881763, 9665891, 4881763};
  for (size_t k = 0; k < 3; k++) {
    mptcp_cc_sf clean[2] = {{W1, RTT1, MSS, 300 * MSS, 0},
                            {W2, RTT2, MSS, 400 * MSS, 0}};
    mptcp_cc_sf stale[2] = {{1, 7, 1, UINT64_MAX, UINT64_MAX},
                            {W2, RTT2, MSS, 400 * MSS, 0}};
    mptcp_cc_sf noisy[5] = {{0, RTT2, MSS, UINT64_MAX, 0},
                            {W2, RTT2, MSS, 400 * MSS, 0},
                            {W1, 0, MSS, UINT64_MAX, 0},
                            {123, 456, MSS, 0, 0}, /* self */
                            {0, 0, 0, 0, 0}};
    const mptcp_cc_group gs[4] = {
        {2, clean, 0}, {2, stale, 0}, {1, clean + 1, 1}, {5, noisy, 3}};
    for (size_t j = 0; j < 4; j++) {
      sub s;
      sub_init(&s, coupled[k], MSS);
      sub_set(&s, W1, W1, RTT1, 300 * MSS, 0);
      ack(&s, MSS, RTT1, &gs[j]);
      ck_assert_msg(q16(&s) - ((uint64_t)W1 << 16) == want[k],
                    "%s group %zu: %llu", coupled[k]->name, j,
                    (unsigned long long)(q16(&s) - ((uint64_t)W1 << 16)));
    }
  }
}
END_TEST

/* Not cwnd-limited: no growth in slow start or congestion avoidance, in a
 * coupled group as alone (RFC 7661 spirit, as cc_reno). An ACK without
 * an RTT sample (srtt 0) keeps the last one. */
START_TEST(test_not_cwnd_limited) {
  mptcp_cc_sf sf[2] = {{W1, RTT1, MSS, 0, 0}, {W2, RTT2, MSS, 0, 0}};
  mptcp_cc_group g = {2, sf, 0};
  for (size_t k = 0; k < 3; k++) {
    sub s;
    sub_init(&s, coupled[k], MSS);
    ack_full(&s, MSS, MSS, RTT1, 0, &g); /* slow start */
    ck_assert_uint_eq(cwnd(&s), 14600);
    sub_set(&s, W1, W1, RTT1, 0, 0); /* congestion avoidance */
    for (int i = 0; i < 20; i++) ack_full(&s, MSS, MSS, RTT1, 0, &g);
    CK_WIN(&s, W1, 0);
    /* srtt 0 on the ACK: the stored 20 ms is used, §4.3 values (OLIA:
     * its l2 > 0 = the other's l makes it best and collected, §5.4). */
    ack(&s, MSS, 0, &g);
    ck_assert_uint_eq(co(&s)->srtt_us, RTT1);
    ck_assert_uint_eq(cwnd(&s), k == 1 ? 14747 : 14674);
    /* The snapshot: cwnd, and l1 = l2 = 0 except for OLIA's l2. */
    mptcp_cc_sf out = {0, 5, 6, 9, 9};
    s.ops->snapshot(s.st, &out);
    ck_assert_uint_eq(out.cwnd, cwnd(&s));
    ck_assert_uint_eq(out.srtt_us, 5);
    ck_assert_uint_eq(out.mss, 6);
    ck_assert_uint_eq(out.l1, 0);
    ck_assert_uint_eq(out.l2, k == 1 ? 21 * MSS : 0); /* since sub_set */
  }
}
END_TEST

Suite *suite_cc(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_u128_mul),
      TCHECK_TEST(test_u128_div),
      TCHECK_TEST(test_muldiv),
      TCHECK_TEST(test_cc_find),
      TCHECK_TEST(test_reno_script),
      TCHECK_TEST(test_reno_initial_window),
      TCHECK_TEST(test_reno_saturates),
      TCHECK_TEST(test_single_path_is_reno),
      TCHECK_TEST(test_lia_rfc6356_example),
      TCHECK_TEST(test_olia_example),
      TCHECK_TEST(test_balia_example),
      TCHECK_TEST(test_side_by_side),
      TCHECK_LOOP(test_life_cycle, 3),
      TCHECK_TEST(test_olia_loss_intervals),
      TCHECK_TEST(test_balia_decrease),
      TCHECK_TEST(test_eight_equal_subflows),
      TCHECK_TEST(test_eight_mixed_subflows),
      TCHECK_TEST(test_extremes_large_windows),
      TCHECK_TEST(test_extremes_rtt_spread),
      TCHECK_TEST(test_extremes_degenerate),
      TCHECK_TEST(test_group_conventions),
      TCHECK_TEST(test_not_cwnd_limited),
  };
  return tcheck_suite("cc", tests, sizeof tests / sizeof tests[0]);
}
