/*
 * Congestion control: the name lookup, the helpers the coupled algorithms
 * share, and 128-bit integer arithmetic in plain C. coupled-cc.md §8.1
 * shows the coupled formulas need up to ~2^126 intermediates with byte
 * windows; §8.2 rules out floating point and GCC has no __int128 on the
 * 32-bit CPE targets, so this file does 64x64->128 products and 128/64
 * divisions with 32-bit digits (Knuth, TAOCP vol. 2, §4.3.1, Algorithm D
 * with two digits).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cc.h"

#include <string.h>

mptcp_u128 mptcp_u128_mul(uint64_t a, uint64_t b) {
  uint64_t a0 = a & 0xffffffffu, a1 = a >> 32;
  uint64_t b0 = b & 0xffffffffu, b1 = b >> 32;
  uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  /* Three 32-bit quantities: no overflow. */
  uint64_t mid = (p00 >> 32) + (p01 & 0xffffffffu) + (p10 & 0xffffffffu);
  mptcp_u128 r;
  r.lo = (mid << 32) | (p00 & 0xffffffffu);
  r.hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return r;
}

mptcp_u128 mptcp_u128_mul32(mptcp_u128 a, uint32_t b) {
  mptcp_u128 r = mptcp_u128_mul(a.lo, b);
  r.hi += a.hi * b;
  return r;
}

int mptcp_u128_cmp(mptcp_u128 a, mptcp_u128 b) {
  if (a.hi != b.hi) return a.hi < b.hi ? -1 : 1;
  if (a.lo != b.lo) return a.lo < b.lo ? -1 : 1;
  return 0;
}

/* Leading zero bits of x != 0. */
static unsigned nlz64(uint64_t x) {
  unsigned n = 0;
  if (!(x >> 32)) n += 32, x <<= 32;
  if (!(x >> 48)) n += 16, x <<= 16;
  if (!(x >> 56)) n += 8, x <<= 8;
  if (!(x >> 60)) n += 4, x <<= 4;
  if (!(x >> 62)) n += 2, x <<= 2;
  if (!(x >> 63)) n += 1;
  return n;
}

/* (u1:u0) / v for u1 < v (so the quotient fits 64 bits), remainder in
 * *r. Normalise v so its top bit is set, then find the two 32-bit
 * quotient digits; each trial digit from the top divisor digit is at most
 * 2 too large and is corrected against the second divisor digit. The
 * partial remainders are below v < 2^64, so computing them modulo 2^64
 * is exact. */
static uint64_t div_2by1(uint64_t u1, uint64_t u0, uint64_t v, uint64_t *r) {
  const uint64_t b = (uint64_t)1 << 32;
  unsigned s = nlz64(v);
  v <<= s;
  uint64_t vn1 = v >> 32, vn0 = v & 0xffffffffu;
  uint64_t un32 = s ? (u1 << s) | (u0 >> (64 - s)) : u1;
  uint64_t un10 = u0 << s;
  uint64_t un1 = un10 >> 32, un0 = un10 & 0xffffffffu;

  uint64_t q1 = un32 / vn1, rhat = un32 - q1 * vn1;
  while (q1 >= b || q1 * vn0 > (rhat << 32) + un1) {
    q1--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  uint64_t un21 = (un32 << 32) + un1 - q1 * v;

  uint64_t q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= b || q0 * vn0 > (rhat << 32) + un0) {
    q0--;
    rhat += vn1;
    if (rhat >= b) break;
  }
  *r = ((un21 << 32) + un0 - q0 * v) >> s;
  return (q1 << 32) + q0;
}

mptcp_u128 mptcp_u128_div(mptcp_u128 n, uint64_t d, uint64_t *rem) {
  mptcp_u128 q;
  uint64_t r;
  q.hi = n.hi / d;
  r = n.hi % d;
  if (r == 0) { /* the common case: a 64-bit division is enough */
    q.lo = n.lo / d;
    r = n.lo % d;
  } else {
    q.lo = div_2by1(r, n.lo, d, &r);
  }
  if (rem) *rem = r;
  return q;
}

uint64_t mptcp_muldiv64(uint64_t a, uint64_t b, uint64_t c) {
  mptcp_u128 p = mptcp_u128_mul(a, b);
  if (p.hi == 0) return p.lo / c;
  if (p.hi >= c) return UINT64_MAX;
  uint64_t r;
  return div_2by1(p.hi, p.lo, c, &r);
}

uint64_t mptcp_muldiv2_64(uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  /* floor(floor(x / c) / d) == floor(x / (c * d)) for integers. */
  mptcp_u128 q = mptcp_u128_div(mptcp_u128_mul(a, b), c, NULL);
  return mptcp_u128_sat(mptcp_u128_div(q, d, NULL));
}

void mptcp_cc_coupled_grow(mptcp_cc_coupled *c, uint64_t inc, int negative,
                           uint32_t min_cwnd) {
  /* The window in 1/65536 bytes stays below 2^48. */
  const uint64_t wmax = ((uint64_t)UINT32_MAX << MPTCP_CC_FRAC_BITS) |
                        ((1u << MPTCP_CC_FRAC_BITS) - 1);
  uint64_t w = ((uint64_t)c->nr.cwnd << MPTCP_CC_FRAC_BITS) | c->frac;
  uint64_t lo = (uint64_t)min_cwnd << MPTCP_CC_FRAC_BITS;
  if (negative) {
    /* A window already below the floor (a timeout's loss window) is left
     * alone rather than raised. */
    if (lo > w) lo = w;
    w = inc >= w - lo ? lo : w - inc;
  } else {
    w = inc >= wmax - w ? wmax : w + inc;
  }
  c->nr.cwnd = (uint32_t)(w >> MPTCP_CC_FRAC_BITS);
  c->frac = (uint32_t)(w & ((1u << MPTCP_CC_FRAC_BITS) - 1));
}

void mptcp_cc_coupled_init(void *st, uint32_t mss, mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)now;
  mptcp_cc_nr_init(&c->nr, mss);
  c->frac = 0;
  c->srtt_us = 0;
  c->l1 = c->l2 = 0;
}

void mptcp_cc_coupled_recovery_end(void *st, mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)now;
  mptcp_cc_nr_recovery_end(&c->nr);
  if (c->nr.cwnd == c->nr.ssthresh) c->frac = 0; /* exactly ssthresh */
}

uint32_t mptcp_cc_coupled_cwnd(const void *st) {
  return ((const mptcp_cc_coupled *)st)->nr.cwnd;
}

uint32_t mptcp_cc_coupled_ssthresh(const void *st) {
  return ((const mptcp_cc_coupled *)st)->nr.ssthresh;
}

void mptcp_cc_coupled_snapshot(const void *st, mptcp_cc_sf *out) {
  const mptcp_cc_coupled *c = st;
  out->cwnd = c->nr.cwnd;
  out->l1 = c->l1;
  out->l2 = c->l2;
}

/* Index 0 is the default (the stack's NULL cc). */
static const mptcp_cc_ops *const builtin[] = {
    &mptcp_cc_reno,
    &mptcp_cc_lia,
    &mptcp_cc_olia,
    &mptcp_cc_balia,
};

MPTCP_API const mptcp_cc_ops *mptcp_cc_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
    if (strcmp(builtin[i]->name, name) == 0) return builtin[i];
  return NULL;
}

MPTCP_API const mptcp_cc_ops *mptcp_cc_get(size_t i) {
  return i < sizeof builtin / sizeof builtin[0] ? builtin[i] : NULL;
}
