/* Scheduler registry and the helpers the algorithms share.
 * SPDX-License-Identifier: MIT */
#include "sched.h"

#include <string.h>

/* Index 0 is the default (design: settings default to minRTT). */
static const mptcp_sched_ops *const all_scheds[] = {
    &mptcp_sched_minrtt, &mptcp_sched_rr,  &mptcp_sched_redundant,
    &mptcp_sched_blest,  &mptcp_sched_ecf,
};
#define N_SCHEDS (sizeof all_scheds / sizeof all_scheds[0])

const mptcp_sched_ops *mptcp_sched_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < N_SCHEDS; i++)
    if (strcmp(all_scheds[i]->name, name) == 0) return all_scheds[i];
  return NULL;
}

const mptcp_sched_ops *mptcp_sched_get(size_t i) {
  return i < N_SCHEDS ? all_scheds[i] : NULL;
}

size_t mptcp_sched_count(const mptcp_sched_view *v) {
  return v->n < MPTCP_SCHED_MAX_SF ? v->n : MPTCP_SCHED_MAX_SF;
}

static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

uint32_t mptcp_sched_room(const mptcp_sched_sf *sf) {
  /* 64-bit sum: inflight + queued may exceed 2^32 - 1 in a bogus view. */
  uint64_t used = (uint64_t)sf->inflight + sf->queued;
  uint32_t cwnd_room = used >= sf->cwnd ? 0 : (uint32_t)(sf->cwnd - used);
  return min32(cwnd_room, sf->wnd_room);
}

uint32_t mptcp_sched_want(const mptcp_sched_view *v) {
  return min32(v->pending, v->wnd_room);
}

uint32_t mptcp_sched_seg(const mptcp_sched_sf *sf) {
  return sf->mss ? sf->mss : UINT32_MAX;
}

int mptcp_sched_has_room(const mptcp_sched_sf *sf, uint32_t want) {
  uint32_t room = mptcp_sched_room(sf);
  return room > 0 && room >= min32(mptcp_sched_seg(sf), want);
}

static int is_usable(const mptcp_sched_sf *sf) {
  return (sf->flags & (MPTCP_SCHED_SF_ACTIVE | MPTCP_SCHED_SF_STALLED)) ==
         MPTCP_SCHED_SF_ACTIVE;
}

uint32_t mptcp_sched_usable(const mptcp_sched_view *v, uint32_t excl) {
  uint32_t regular = 0, backup = 0;
  size_t n = mptcp_sched_count(v);
  for (size_t i = 0; i < n; i++) {
    uint32_t bit = UINT32_C(1) << i;
    if ((excl & bit) || !is_usable(&v->sf[i])) continue;
    if (v->sf[i].flags & MPTCP_SCHED_SF_BACKUP)
      backup |= bit;
    else
      regular |= bit;
  }
  return regular ? regular : backup;
}

uint32_t mptcp_sched_with_room(const mptcp_sched_view *v, uint32_t mask,
                               uint32_t want) {
  uint32_t out = 0;
  size_t n = mptcp_sched_count(v);
  for (size_t i = 0; i < n; i++) {
    uint32_t bit = UINT32_C(1) << i;
    if ((mask & bit) && mptcp_sched_has_room(&v->sf[i], want)) out |= bit;
  }
  return out;
}

/* srtt as a sort key: an unmeasured subflow (0) sorts after every
 * measured one. */
static uint64_t rtt_key(const mptcp_sched_sf *sf) {
  return sf->srtt_us ? sf->srtt_us : UINT64_C(1) << 32;
}

int mptcp_sched_fastest(const mptcp_sched_view *v, uint32_t mask) {
  int best = -1;
  size_t n = mptcp_sched_count(v);
  for (size_t i = 0; i < n; i++) {
    if (!(mask & UINT32_C(1) << i)) continue;
    if (best < 0 || rtt_key(&v->sf[i]) < rtt_key(&v->sf[best])) best = (int)i;
  }
  return best;
}

int mptcp_sched_slowest(const mptcp_sched_view *v, uint32_t mask) {
  int worst = -1;
  size_t n = mptcp_sched_count(v);
  for (size_t i = 0; i < n; i++) {
    if (!(mask & UINT32_C(1) << i)) continue;
    if (worst < 0 || rtt_key(&v->sf[i]) > rtt_key(&v->sf[worst]))
      worst = (int)i;
  }
  return worst;
}

int mptcp_sched_popcount(uint32_t mask) {
  int c = 0;
  for (; mask; mask &= mask - 1) c++;
  return c;
}

int mptcp_sched_set_wait(mptcp_sched_pick *out, mptcp_sched_wait reason) {
  out->mask = 0;
  out->copy = 0;
  out->bytes = 0;
  out->wait = (uint8_t)reason;
  return 0;
}

uint32_t mptcp_sched_begin(const mptcp_sched_view *v, mptcp_sched_pick *out,
                           uint32_t *usable) {
  mptcp_sched_wait why = MPTCP_SCHED_WAIT_NONE;
  *usable = mptcp_sched_usable(v, 0);
  if (v->pending == 0)
    why = MPTCP_SCHED_WAIT_NODATA;
  else if (!*usable)
    why = MPTCP_SCHED_WAIT_NOPATH;
  else if (v->wnd_room == 0)
    why = MPTCP_SCHED_WAIT_WINDOW;
  if (why == MPTCP_SCHED_WAIT_NONE) return mptcp_sched_want(v);
  mptcp_sched_set_wait(out, why);
  return 0;
}

int mptcp_sched_pick_one(mptcp_sched_pick *out, const mptcp_sched_view *v,
                         int i, uint32_t want, uint32_t cap) {
  out->mask = UINT32_C(1) << i;
  out->copy = 0;
  out->bytes = min32(min32(mptcp_sched_room(&v->sf[i]), want), cap);
  out->wait = MPTCP_SCHED_WAIT_NONE;
  return 1;
}

int mptcp_sched_reinject_one(void *st, const mptcp_sched_view *v,
                             const mptcp_sched_stall *s,
                             mptcp_sched_reinject *out) {
  (void)st;
  out->mask = 0;
  out->bytes = 0;
  if (s->unacked == 0) return 0;
  uint32_t excl = s->sf < MPTCP_SCHED_MAX_SF ? UINT32_C(1) << s->sf : 0;
  uint32_t cand = mptcp_sched_usable(v, excl);
  uint32_t calm = 0;
  size_t n = mptcp_sched_count(v);
  for (size_t i = 0; i < n; i++)
    if ((cand & UINT32_C(1) << i) &&
        !(v->sf[i].flags & MPTCP_SCHED_SF_RECOVERY))
      calm |= UINT32_C(1) << i;
  int t = mptcp_sched_fastest(v, calm ? calm : cand);
  if (t < 0) return 0;
  out->mask = UINT32_C(1) << t;
  out->bytes = s->unacked;
  return 1;
}
