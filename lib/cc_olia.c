/*
 * OLIA, the Opportunistic Linked-Increases Algorithm (Khalili et al.,
 * CoNEXT 2012; draft-khalili-mptcp-congestion-control-05). Slow start,
 * fast retransmit/recovery and the halving are NewReno's, except that the
 * minimum ssthresh is 1 MSS when more than one path is in use (draft §3).
 *
 * Per ACK on path r in congestion avoidance (draft §2-§4), w_r grows by
 *
 *   MSS_r * bytes_acked * ((w_r/rtt_r^2) / (sum_p w_p/rtt_p)^2 + alpha_r/w_r)
 *
 * alpha_r = +1/(n |collected|) on the collected paths (best paths that do
 * not have the largest window), -1/(n |max_w|) on the largest-window paths
 * when some path is collected, 0 otherwise. With D_r = sum_p w_p * rtt_r /
 * rtt_p (bytes, >= w_r) the first term is w_r * MSS * bytes_acked / D_r^2
 * (coupled-cc.md §5.3), evaluated in 1/65536 bytes with 128-bit
 * intermediates. A D_r that saturates 64 bits makes that term exactly 0
 * (w_r * MSS * bytes_acked * 2^16 < 2^96 < D_r^2).
 *
 * The increase can be negative on the largest-window paths. The draft
 * keeps w_r at one packet or more; we also lower ssthresh to the new
 * window, because a shrink that left cwnd below ssthresh would send the
 * path back into slow start and undo the shift towards the best paths.
 *
 * SPDX-License-Identifier: MIT
 */
#include "cc.h"

/* l_r is saturated below 2^47 so that l^2 * rtt fits 128 bits. */
#define OLIA_L_MAX ((UINT64_C(1) << 47) - 1)

static uint64_t olia_l(uint64_t l1, uint64_t l2) {
  uint64_t l = l1 > l2 ? l1 : l2;
  return l < OLIA_L_MAX ? l : OLIA_L_MAX;
}

/* The "best path" metric, compared without division: the sign of
 * l_a^2 / rtt_a - l_b^2 / rtt_b. This is the draft's l^2/rtt (§2). The
 * rate argument behind it suggests l/rtt^2 instead (coupled-cc.md §5.2
 * note); only this function would change. */
static int olia_metric_cmp(uint64_t la, uint32_t rtt_a, uint64_t lb,
                           uint32_t rtt_b) {
  return mptcp_u128_cmp(mptcp_u128_mul32(mptcp_u128_mul(la, la), rtt_b),
                        mptcp_u128_mul32(mptcp_u128_mul(lb, lb), rtt_a));
}

/* The increase of (1) in 1/65536 bytes; *negative set for a decrease. */
static uint64_t olia_increase(const mptcp_cc_coupled *c, const mptcp_cc_ack *a,
                              const mptcp_cc_group *g, int *negative) {
  uint32_t w = c->nr.cwnd, rtt = c->srtt_us;
  uint64_t l = olia_l(c->l1, c->l2);
  size_t n = mptcp_cc_group_len(g);

  /* Pass 1: the best metric and the largest window. */
  uint64_t best_l = l;
  uint32_t best_rtt = rtt, w_max = w;
  for (size_t i = 0; i < n; i++) {
    const mptcp_cc_sf *s = mptcp_cc_other(g, i);
    if (!s) continue;
    uint64_t ls = olia_l(s->l1, s->l2);
    if (olia_metric_cmp(ls, s->srtt_us, best_l, best_rtt) > 0) {
      best_l = ls;
      best_rtt = s->srtt_us;
    }
    if (s->cwnd > w_max) w_max = s->cwnd;
  }

  /* Pass 2: the set sizes (ties are members), and D_r. */
  int self_best = olia_metric_cmp(l, rtt, best_l, best_rtt) == 0;
  int self_max = w == w_max;
  uint64_t paths = 1, n_max = self_max, n_collected = self_best && !self_max;
  uint64_t d = w;
  for (size_t i = 0; i < n; i++) {
    const mptcp_cc_sf *s = mptcp_cc_other(g, i);
    if (!s) continue;
    int is_max = s->cwnd == w_max;
    paths++;
    n_max += is_max;
    if (!is_max && olia_metric_cmp(olia_l(s->l1, s->l2), s->srtt_us, best_l,
                                   best_rtt) == 0)
      n_collected++;
    /* w_p * rtt_r < 2^64 (both 32-bit). */
    uint64_t t = (uint64_t)s->cwnd * rtt / s->srtt_us;
    d = t > UINT64_MAX - d ? UINT64_MAX : d + t;
  }

  uint64_t k = mptcp_cc_acked_mss(a);
  uint64_t inc = mptcp_muldiv2_64((uint64_t)w << MPTCP_CC_FRAC_BITS, k, d, d);
  int collected = self_best && !self_max;
  /* |set| of alpha_r: collected paths gain, largest windows give. */
  uint64_t set = collected                   ? n_collected
                 : (self_max && n_collected) ? n_max
                                             : 0;
  *negative = 0;
  if (!set) return inc;

  /* alpha_r / w_r * MSS * bytes_acked = MSS * bytes_acked / (w_r n |set|) */
  uint64_t alpha =
      mptcp_muldiv2_64(k, 1u << MPTCP_CC_FRAC_BITS, w, paths * set);
  if (collected) return inc > UINT64_MAX - alpha ? UINT64_MAX : inc + alpha;
  if (alpha <= inc) return inc - alpha;
  *negative = 1;
  return alpha - inc;
}

static void olia_on_ack(void *st, const mptcp_cc_ack *a,
                        const mptcp_cc_group *g, mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)now;
  /* l2: bytes acknowledged since the last loss (draft §2). */
  c->l2 = a->acked > UINT64_MAX - c->l2 ? UINT64_MAX : c->l2 + a->acked;
  if (!mptcp_cc_coupled_ack(c, a, g)) return;
  int negative;
  uint64_t inc = olia_increase(c, a, g, &negative);
  mptcp_cc_coupled_grow(c, inc, negative, a->mss);
  if (negative && c->nr.cwnd < c->nr.ssthresh) c->nr.ssthresh = c->nr.cwnd;
}

static void olia_on_loss(void *st, const mptcp_cc_loss *l,
                         const mptcp_cc_group *g, mptcp_tstamp now) {
  mptcp_cc_coupled *c = st;
  (void)now;
  /* Draft §3: ssthresh may fall to 1 MSS when several paths are in use. */
  uint32_t min_segs = mptcp_cc_paths(g) > 1 ? 1 : 2;
  mptcp_cc_nr_loss(&c->nr, l, mptcp_cc_nr_half(l->inflight, l->mss, min_segs));
  c->frac = 0;
  c->l1 = c->l2;
  c->l2 = 0;
}

MPTCP_API const mptcp_cc_ops mptcp_cc_olia = {
    "olia",
    sizeof(mptcp_cc_coupled),
    mptcp_cc_coupled_init,
    olia_on_ack,
    olia_on_loss,
    mptcp_cc_coupled_recovery_end,
    mptcp_cc_coupled_cwnd,
    mptcp_cc_coupled_ssthresh,
    mptcp_cc_coupled_snapshot,
};
