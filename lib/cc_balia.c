/*
 * BALIA, Balanced Linked Adaptation (Peng, Walid, Hwang, Low, IEEE/ACM
 * ToN 2016; draft-walid-mptcp-congestion-control-04). Couples both the
 * increase and the decrease of congestion avoidance; slow start and fast
 * retransmit/recovery are NewReno's, with a 1 MSS minimum ssthresh when
 * more than one path is in use (draft §2). With one path alpha_r = 1 and
 * BALIA is NewReno.
 *
 * With x_k = w_k / rtt_k and alpha_r = max_k x_k / x_r (draft §2, §4):
 *
 *   per ACK:  w_r += MSS * bytes_acked * (x_r + x_max)(4 x_r + x_max)
 *                    / (10 * w_r * (sum_k x_k)^2)
 *   per loss: w_r -= (w_r / 2) * min(alpha_r, 1.5)
 *
 * The rates are bytes/s (w * 10^6 / rtt_us < 2^52). The increase is
 * scale-free in x, so all rates are shifted right by a common amount until
 * their sum is below 2^29 (the draft shifts until max x_k <= 2^25; the
 * sum bound also caps the numerator below 2^62); the numerator then stays
 * below 2^126 and the divisors below 2^64, so the increase is computed
 * exactly, in 1/65536 bytes. alpha_r uses the unshifted rates.
 *
 * The decrease is applied like NewReno's: to the flight size, as the new
 * ssthresh, as ssthresh = FlightSize/2 - (FlightSize/2) * (min(alpha_r,
 * 1.5) - 1), so alpha_r = 1 gives exactly RFC 5681 eq. (4).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cc.h"

#define BALIA_SUM_MAX (UINT64_C(1) << 29)
#define BALIA_ONE 1024u                       /* alpha in 1/1024 */
#define BALIA_ALPHA_CAP (BALIA_ONE * 3u / 2u) /* min(alpha_r, 1.5) */

/* Bytes per second; < 2^52 for 32-bit windows and RTTs >= 1 µs. */
static uint64_t rate(uint32_t cwnd, uint32_t srtt_us) {
  return (uint64_t)cwnd * 1000000u / srtt_us;
}

typedef struct rates {
  uint64_t self, max, sum;
} rates;

static rates group_rates(const mptcp_cc_coupled *c, const mptcp_cc_group *g) {
  rates r;
  r.self = r.max = r.sum = rate(c->nr.cwnd, c->srtt_us);
  for (size_t i = 0; i < mptcp_cc_group_len(g); i++) {
    const mptcp_cc_sf *s = mptcp_cc_other(g, i);
    if (!s) continue;
    uint64_t x = rate(s->cwnd, s->srtt_us);
    if (x > r.max) r.max = x;
    r.sum = x > UINT64_MAX - r.sum ? UINT64_MAX : r.sum + x;
  }
  return r;
}

/* The per-ACK increase in 1/65536 bytes. */
static uint64_t balia_increase(const mptcp_cc_coupled *c, const mptcp_cc_ack *a,
                               const mptcp_cc_group *g) {
  rates r = group_rates(c, g);
  unsigned shift = 0;
  while ((r.sum >> shift) >= BALIA_SUM_MAX) shift++;
  uint64_t xr = r.self >> shift, xm = r.max >> shift, sum = r.sum >> shift;
  if (sum == 0) return 0;
  /* x_r + x_m <= 2 sum < 2^30 and 4 x_r + x_m <= 5 sum < 2^32. */
  uint64_t num = (xr + xm) * (4 * xr + xm);
  uint64_t k = mptcp_cc_acked_mss(a) << MPTCP_CC_FRAC_BITS; /* < 2^64 */
  /* sum^2 < 2^58 and 10 * w_r < 2^36: both fit 64 bits. */
  return mptcp_muldiv2_64(k, num, sum * sum, 10 * (uint64_t)c->nr.cwnd);
}

static void balia_on_ack(void *st, const mptcp_cc_ack *a,
                         const mptcp_cc_group *g, mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)now;
  if (mptcp_cc_coupled_ack(c, a, g))
    mptcp_cc_coupled_grow(c, balia_increase(c, a, g), 0, 0);
}

static void balia_on_loss(void *st, const mptcp_cc_loss *l,
                          const mptcp_cc_group *g, mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)now;
  uint64_t paths = mptcp_cc_paths(g);
  /* min(alpha_r, 1.5) in 1/1024; 1 without a rate of our own. */
  uint64_t m = BALIA_ONE;
  if (paths > 1 && c->srtt_us && c->nr.cwnd) {
    rates r = group_rates(c, g);
    /* x_m < 2^52, so x_m * 1024 < 2^62. A rate that rounds to 0 is the
     * slowest possible path: the cap applies. */
    m = r.self ? r.max * BALIA_ONE / r.self : BALIA_ALPHA_CAP;
    if (m > BALIA_ALPHA_CAP) m = BALIA_ALPHA_CAP;
  }
  uint64_t half = l->inflight / 2;
  uint64_t keep = half - half * (m - BALIA_ONE) / BALIA_ONE;
  uint64_t lo = (uint64_t)(paths > 1 ? 1 : 2) * l->mss;
  uint64_t ss = keep > lo ? keep : lo;
  mptcp_cc_nr_loss(&c->nr, l, ss > UINT32_MAX ? UINT32_MAX : (uint32_t)ss);
  c->frac = 0;
}

MPTCP_API const mptcp_cc_ops mptcp_cc_balia = {
    "balia",
    sizeof(mptcp_cc_coupled),
    mptcp_cc_coupled_init,
    balia_on_ack,
    balia_on_loss,
    mptcp_cc_coupled_recovery_end,
    mptcp_cc_coupled_cwnd,
    mptcp_cc_coupled_ssthresh,
    mptcp_cc_coupled_snapshot,
};
