/* DSN range sets (dsnq.h). SPDX-License-Identifier: MIT */
#include "dsnq.h"

#include <string.h>

static void del_at(mptcp_dsnq *q, unsigned i) {
  memmove(&q->r[i], &q->r[i + 1], (q->n - i - 1) * sizeof q->r[0]);
  q->n--;
}

void mptcp_dsnq_add(mptcp_dsnq *q, uint64_t lo, uint64_t hi) {
  if (hi <= lo) return;
  unsigned i = 0;
  while (i < q->n && q->r[i].hi < lo) i++;
  /* r[i] is the first range that overlaps, touches or lies above. */
  if (i < q->n && q->r[i].lo <= hi) {
    if (lo < q->r[i].lo) q->r[i].lo = lo;
    if (hi > q->r[i].hi) q->r[i].hi = hi;
    while (i + 1 < q->n && q->r[i + 1].lo <= q->r[i].hi) {
      if (q->r[i + 1].hi > q->r[i].hi) q->r[i].hi = q->r[i + 1].hi;
      del_at(q, i + 1);
    }
    return;
  }
  if (q->n == MPTCP_DSNQ_MAX) {
    /* Full: widen the nearer neighbour over the gap. */
    int below = i > 0, above = i < q->n;
    if (below && (!above || lo - q->r[i - 1].hi <= q->r[i].lo - hi))
      q->r[i - 1].hi = hi;
    else
      q->r[i].lo = lo;
    return;
  }
  memmove(&q->r[i + 1], &q->r[i], (q->n - i) * sizeof q->r[0]);
  q->r[i].lo = lo;
  q->r[i].hi = hi;
  q->n++;
}

uint64_t mptcp_dsnq_remove(mptcp_dsnq *q, uint64_t lo, uint64_t hi) {
  uint64_t kept = 0;
  for (unsigned i = 0; i < q->n && hi > lo;) {
    mptcp_dsn_range *r = &q->r[i];
    if (r->hi <= lo || r->lo >= hi) {
      i++;
      continue;
    }
    if (r->lo >= lo && r->hi <= hi) { /* all of it */
      del_at(q, i);
      continue;
    }
    if (r->lo < lo && r->hi > hi) { /* a hole in the middle */
      if (q->n == MPTCP_DSNQ_MAX)
        return kept + (hi - lo); /* no room to split: sent once more */
      memmove(&q->r[i + 1], &q->r[i], (q->n - i) * sizeof q->r[0]);
      q->n++;
      q->r[i].hi = lo;
      q->r[i + 1].lo = hi;
      return kept;
    }
    if (r->lo < lo)
      r->hi = lo;
    else
      r->lo = hi;
    i++;
  }
  return kept;
}

void mptcp_dsnq_trim(mptcp_dsnq *q, uint64_t dsn) {
  while (q->n && q->r[0].hi <= dsn) del_at(q, 0);
  if (q->n && q->r[0].lo < dsn) q->r[0].lo = dsn;
}

uint32_t mptcp_dsnq_bytes(const mptcp_dsnq *q) {
  uint64_t n = 0;
  for (unsigned i = 0; i < q->n; i++) n += q->r[i].hi - q->r[i].lo;
  return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint64_t mptcp_dsnq_max(const mptcp_dsnq *q) {
  return q->n ? q->r[q->n - 1].hi : 0;
}

void mptcp_dsnq_limit(mptcp_dsnq *q, uint32_t n) {
  uint64_t left = n;
  for (unsigned i = 0; i < q->n; i++) {
    uint64_t len = q->r[i].hi - q->r[i].lo;
    if (len >= left) {
      q->r[i].hi = q->r[i].lo + left;
      q->n = (uint8_t)(left ? i + 1 : i);
      return;
    }
    left -= len;
  }
}
