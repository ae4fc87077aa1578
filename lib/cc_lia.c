/*
 * LIA, the Linked Increases Algorithm (RFC 6356). Only the congestion-
 * avoidance increase is coupled; slow start, fast retransmit/recovery and
 * the multiplicative decrease are NewReno's (RFC 6356 §3).
 *
 * Per ACK in congestion avoidance, subflow i grows by (RFC 6356 §3 (1))
 *
 *   min(alpha * bytes_acked * MSS_i / cwnd_total, bytes_acked * MSS_i / cwnd_i)
 *
 * with alpha = cwnd_total * max_k(cwnd_k / rtt_k^2) / (sum_k cwnd_k/rtt_k)^2.
 * With "max" the subflow that maximises cwnd_k / rtt_k^2 and
 * D = sum_k cwnd_k * rtt_max / rtt_k (bytes; D >= cwnd_max, and each term
 * is <= max(cwnd_k, cwnd_max) < 2^32), the coupled term is exactly
 * cwnd_max * bytes_acked * MSS_i / D^2: no time units, no alpha to round
 * (coupled-cc.md §4.2). It is evaluated in 1/65536 bytes with 128-bit
 * intermediates (up to 2^96) every ACK, so alpha is never stale; RFC 6356
 * §4 only allows caching it as an optimisation.
 *
 * The fraction of a byte is carried in the state instead of the RFC's
 * "an increase that computes to 0 is set to 1 byte": that rule exists to
 * keep truncated integer increases from stalling, and carrying the
 * fraction does so without making a subflow with a huge window grow faster
 * than TCP would (the second term of the min).
 *
 * SPDX-License-Identifier: MIT
 */
#include "cc.h"

/* Whether cwnd_a / rtt_a^2 > cwnd_b / rtt_b^2 (products below 2^96). */
static int denser(uint32_t cwnd_a, uint32_t rtt_a, uint32_t cwnd_b,
                  uint32_t rtt_b) {
  mptcp_u128 l = mptcp_u128_mul((uint64_t)cwnd_a * rtt_b, rtt_b);
  mptcp_u128 r = mptcp_u128_mul((uint64_t)cwnd_b * rtt_a, rtt_a);
  return mptcp_u128_cmp(l, r) > 0;
}

/* The coupled increase of (1), in 1/65536 bytes. */
static uint64_t lia_increase(const mptcp_cc_coupled *c, const mptcp_cc_ack *a,
                             const mptcp_cc_group *g) {
  uint32_t cwnd_max = c->nr.cwnd, rtt_max = c->srtt_us;
  size_t n = mptcp_cc_group_len(g);
  for (size_t i = 0; i < n; i++) {
    const mptcp_cc_sf *s = mptcp_cc_other(g, i);
    if (s && denser(s->cwnd, s->srtt_us, cwnd_max, rtt_max)) {
      cwnd_max = s->cwnd;
      rtt_max = s->srtt_us;
    }
  }
  /* cwnd_k * rtt_max < 2^64 (both 32-bit); the quotient is < 2^32. */
  uint64_t d = (uint64_t)c->nr.cwnd * rtt_max / c->srtt_us;
  for (size_t i = 0; i < n; i++) {
    const mptcp_cc_sf *s = mptcp_cc_other(g, i);
    if (!s) continue;
    uint64_t t = (uint64_t)s->cwnd * rtt_max / s->srtt_us;
    d = t > UINT64_MAX - d ? UINT64_MAX : d + t;
  }
  uint64_t k = mptcp_cc_acked_mss(a);
  uint64_t coupled =
      mptcp_muldiv2_64((uint64_t)cwnd_max << MPTCP_CC_FRAC_BITS, k, d, d);
  uint64_t tcp = mptcp_muldiv64(k, 1u << MPTCP_CC_FRAC_BITS, c->nr.cwnd);
  return coupled < tcp ? coupled : tcp;
}

static void lia_on_ack(void *st, const mptcp_cc_ack *a, const mptcp_cc_group *g,
                       mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)now;
  if (mptcp_cc_coupled_ack(c, a, g))
    mptcp_cc_coupled_grow(c, lia_increase(c, a, g), 0, 0);
}

static void lia_on_loss(void *st, const mptcp_cc_loss *l,
                        const mptcp_cc_group *g, mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)g, (void)now;
  /* RFC 6356 §3: the decrease is TCP's, RFC 5681 eq. (4). */
  mptcp_cc_nr_loss(&c->nr, l, mptcp_cc_nr_half(l->inflight, l->mss, 2));
  c->frac = 0;
}

MPTCP_API const mptcp_cc_ops mptcp_cc_lia = {
    "lia",
    sizeof(mptcp_cc_coupled),
    mptcp_cc_coupled_init,
    lia_on_ack,
    lia_on_loss,
    mptcp_cc_coupled_recovery_end,
    mptcp_cc_coupled_cwnd,
    mptcp_cc_coupled_ssthresh,
    mptcp_cc_coupled_snapshot,
};
