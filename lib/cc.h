/*
 * Internals shared by the congestion controllers (cc_*.c): the NewReno
 * steps the coupled algorithms reuse unmodified (RFC 6356 §3, OLIA draft
 * §3, BALIA draft §2), the coupled per-subflow state, the walk over a
 * group snapshot, and portable 128-bit helpers for the fixed-point maths
 * (plain C: 32-bit CPE targets have no __int128).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_CC_H
#define MPTCP_CC_H

#include <mptcp/ops.h>

/* ---------------- 128-bit helpers (cc.c) ---------------- */

/** An unsigned 128-bit value as two 64-bit halves. */
typedef struct mptcp_u128 {
  uint64_t hi, lo;
} mptcp_u128;

/** Returns the full product a * b. */
mptcp_u128 mptcp_u128_mul(uint64_t a, uint64_t b);

/** Returns a * b, the caller guarantees the product is below 2^128. */
mptcp_u128 mptcp_u128_mul32(mptcp_u128 a, uint32_t b);

/** Returns floor(n / d) (a full 128-bit quotient) and, if @p rem is not
 *  NULL, stores n mod d there. @p d must not be 0. */
mptcp_u128 mptcp_u128_div(mptcp_u128 n, uint64_t d, uint64_t *rem);

/** Returns -1, 0 or 1 as a is below, equal to or above b. */
int mptcp_u128_cmp(mptcp_u128 a, mptcp_u128 b);

/** Returns a, or UINT64_MAX when a does not fit in 64 bits. */
static inline uint64_t mptcp_u128_sat(mptcp_u128 a) {
  return a.hi ? UINT64_MAX : a.lo;
}

/** Returns floor(a * b / c), saturated at UINT64_MAX; c must not be 0. */
uint64_t mptcp_muldiv64(uint64_t a, uint64_t b, uint64_t c);

/** Returns floor(a * b / (c * d)), exact for any c, d >= 1 (the two
 *  divisions nest without extra rounding), saturated at UINT64_MAX. */
uint64_t mptcp_muldiv2_64(uint64_t a, uint64_t b, uint64_t c, uint64_t d);

/* ---------------- NewReno steps (cc_reno.c and the coupled CCs) --------- */

/** NewReno window state. */
typedef struct mptcp_cc_nr {
  uint32_t cwnd, ssthresh;
  uint32_t acc; /* bytes acknowledged toward the next +MSS in CA */
} mptcp_cc_nr;

/** RFC 5681 §3.1 / RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)). */
static inline uint32_t mptcp_cc_nr_iw(uint32_t mss) {
  uint64_t two = 2ull * mss, ten = 10ull * mss;
  uint64_t iw = 14600 > two ? 14600 : two;
  iw = iw < ten ? iw : ten;
  return iw > UINT32_MAX ? UINT32_MAX : (uint32_t)iw;
}

static inline void mptcp_cc_nr_init(mptcp_cc_nr *r, uint32_t mss) {
  r->cwnd = mptcp_cc_nr_iw(mss);
  r->ssthresh = UINT32_MAX;
  r->acc = 0;
}

/** Returns cwnd + inc, saturated at UINT32_MAX. */
static inline uint32_t mptcp_cc_add_sat(uint32_t cwnd, uint64_t inc) {
  uint64_t w = (uint64_t)cwnd + inc;
  return w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
}

/** Slow start with appropriate byte counting, L = 2 SMSS (RFC 5681 §3.1
 *  eq. 2, RFC 3465). Returns 1 if the subflow was in slow start (the ACK
 *  is then fully handled), 0 if it is in congestion avoidance. */
static inline int mptcp_cc_nr_slow_start(mptcp_cc_nr *r,
                                         const mptcp_cc_ack *a) {
  if (r->cwnd >= r->ssthresh) return 0;
  uint64_t l = 2ull * a->mss;
  r->cwnd = mptcp_cc_add_sat(r->cwnd, a->acked < l ? a->acked : l);
  return 1;
}

/** Congestion avoidance by byte counting: +1 MSS once a window's worth of
 *  bytes has been acknowledged (RFC 5681 §3.1, the RECOMMENDED form). */
static inline void mptcp_cc_nr_avoid(mptcp_cc_nr *r, const mptcp_cc_ack *a) {
  uint64_t acc = (uint64_t)r->acc + a->acked;
  if (acc >= r->cwnd) {
    acc -= r->cwnd;
    r->cwnd = mptcp_cc_add_sat(r->cwnd, a->mss);
  }
  r->acc = acc > UINT32_MAX ? UINT32_MAX : (uint32_t)acc;
}

/** Returns max(inflight / 2, min_segs * SMSS): RFC 5681 eq. (4) with
 *  min_segs = 2, or 1 for OLIA/BALIA with several paths. */
/* NewReno's reaction to an ACK (mptcp_cc_reno's on_ack). */
static inline void mptcp_cc_nr_ack(void *st, const mptcp_cc_ack *a) {
  mptcp_cc_nr *r = st;
  /* Only grow when the window was actually used (RFC 7661 spirit). */
  if (!a->cwnd_limited) return;
  if (!mptcp_cc_nr_slow_start(r, a)) mptcp_cc_nr_avoid(r, a);
}

static inline uint32_t mptcp_cc_nr_cwnd(const void *st) {
  return ((const mptcp_cc_nr *)st)->cwnd;
}

static inline uint32_t mptcp_cc_nr_half(uint32_t inflight, uint32_t mss,
                                        uint32_t min_segs) {
  uint64_t half = inflight / 2, lo = (uint64_t)min_segs * mss;
  uint64_t s = half > lo ? half : lo;
  return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

/** Applies a congestion signal: ssthresh as given; cwnd = ssthresh after a
 *  fast retransmit, the loss window of one segment after a timeout
 *  (RFC 5681 §3.1-3.2). */
static inline void mptcp_cc_nr_loss(mptcp_cc_nr *r, const mptcp_cc_loss *l,
                                    uint32_t ssthresh) {
  r->ssthresh = ssthresh;
  r->cwnd = l->timeout ? l->mss : r->ssthresh;
  r->acc = 0;
}

/** RFC 6582 §3.2 step 3: deflate to ssthresh when recovery ends. */
static inline void mptcp_cc_nr_recovery_end(mptcp_cc_nr *r) {
  if (r->cwnd > r->ssthresh) r->cwnd = r->ssthresh;
}

/* ---------------- coupled state and group walk ---------------- */

/** Per-subflow state of LIA, OLIA and BALIA (the inline state blob). */
typedef struct mptcp_cc_coupled {
  mptcp_cc_nr nr;
  uint32_t frac;    /* cwnd's fraction of a byte, 1/65536 units (< 2^16) */
  uint32_t srtt_us; /* last smoothed RTT an ACK reported; 0 = none yet */
  uint64_t l1, l2;  /* OLIA loss intervals (bytes), see mptcp_cc_sf */
} mptcp_cc_coupled;

_Static_assert(sizeof(mptcp_cc_coupled) <= MPTCP_CC_STATE_MAX,
               "coupled CC state too big");

/** TCP's MSS option is 16 bits: clamping keeps acked * MSS below 2^48,
 *  the bound every width in coupled-cc.md §8.1 assumes. */
#define MPTCP_CC_MSS_MAX 0xffffu

/** Fixed-point scale of the coupled increases: 1/65536 byte. */
#define MPTCP_CC_FRAC_BITS 16

/** Whether a snapshot counts as a path carrying data: it has a window and
 *  an RTT estimate (the sums of coupled-cc.md §4-6 need both). */
static inline int mptcp_cc_sf_usable(const mptcp_cc_sf *s) {
  return s->cwnd != 0 && s->srtt_us != 0;
}

/** Returns sf[i] if it is another subflow (not g->self) that is usable,
 *  else NULL. */
static inline const mptcp_cc_sf *mptcp_cc_other(const mptcp_cc_group *g,
                                                size_t i) {
  if (i == g->self || !mptcp_cc_sf_usable(&g->sf[i])) return NULL;
  return &g->sf[i];
}

/** Returns how many entries of @p g the walk visits (0 for NULL). */
static inline size_t mptcp_cc_group_len(const mptcp_cc_group *g) {
  return g && g->sf ? g->n : 0;
}

/** Returns the number of usable paths: the caller plus the usable other
 *  subflows of @p g. */
static inline uint64_t mptcp_cc_paths(const mptcp_cc_group *g) {
  uint64_t n = 1;
  for (size_t i = 0; i < mptcp_cc_group_len(g); i++)
    if (mptcp_cc_other(g, i)) n++;
  return n;
}

/** The start of every coupled on_ack: records the RTT, runs NewReno slow
 *  start, and NewReno congestion avoidance when there is nothing to couple
 *  with (one usable path, or no RTT or window of its own yet). Returns 1
 *  when the caller must apply its coupled increase. */
static inline int mptcp_cc_coupled_ack(mptcp_cc_coupled *c,
                                       const mptcp_cc_ack *a,
                                       const mptcp_cc_group *g) {
  if (a->srtt_us) c->srtt_us = a->srtt_us;
  /* Only grow when the window was actually used (as NewReno). */
  if (!a->cwnd_limited || mptcp_cc_nr_slow_start(&c->nr, a)) return 0;
  if (c->srtt_us == 0 || c->nr.cwnd == 0 || mptcp_cc_paths(g) < 2) {
    mptcp_cc_nr_avoid(&c->nr, a);
    return 0;
  }
  return 1;
}

/** Returns bytes_acked * MSS, the factor every per-ACK increase shares
 *  (< 2^48 with the MSS clamp). */
static inline uint64_t mptcp_cc_acked_mss(const mptcp_cc_ack *a) {
  uint32_t mss = a->mss < MPTCP_CC_MSS_MAX ? a->mss : MPTCP_CC_MSS_MAX;
  return (uint64_t)a->acked * mss;
}

/** Adds inc (1/65536 bytes; subtracts it if @p negative) to the window,
 *  saturating at UINT32_MAX bytes. A decrease stops at @p min_cwnd bytes
 *  and leaves a window already below that alone. */
void mptcp_cc_coupled_grow(mptcp_cc_coupled *c, uint64_t inc, int negative,
                           uint32_t min_cwnd);

/** The mptcp_cc_ops callbacks LIA, OLIA and BALIA share: NewReno's
 *  initial window and recovery exit, the window getters, and a snapshot
 *  of cwnd, l1 and l2. */
void mptcp_cc_coupled_init(void *st, uint32_t mss, mptcp_tstamp now);
void mptcp_cc_coupled_recovery_end(void *st, mptcp_tstamp now);
uint32_t mptcp_cc_coupled_cwnd(const void *st);
uint32_t mptcp_cc_coupled_ssthresh(const void *st);
void mptcp_cc_coupled_snapshot(const void *st, mptcp_cc_sf *out);

#endif /* MPTCP_CC_H */
