/* SPDX-License-Identifier: MIT */
#include "ranges.h"

#include <string.h>

int mptcp_ranges_add(mptcp_ranges *s, uint32_t start, uint32_t end) {
  if (start >= end) return 0;
  uint32_t i = 0;
  while (i < s->n && s->r[i].end < start) i++;
  /* i: first range that ends at or after start. Merge all it touches. */
  uint32_t j = i;
  while (j < s->n && s->r[j].start <= end) j++;
  if (i == j) { /* no overlap: insert at i */
    if (s->n == MPTCP_RANGES_MAX) return -1;
    memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof s->r[0]);
    s->r[i].start = start;
    s->r[i].end = end;
    s->n++;
    return 0;
  }
  if (s->r[i].start < start) start = s->r[i].start;
  if (s->r[j - 1].end > end) end = s->r[j - 1].end;
  s->r[i].start = start;
  s->r[i].end = end;
  memmove(&s->r[i + 1], &s->r[j], (s->n - j) * sizeof s->r[0]);
  s->n -= j - i - 1;
  return 0;
}

void mptcp_ranges_advance(mptcp_ranges *s, uint32_t n) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->r[i].end <= n) continue;
    s->r[k].start = s->r[i].start > n ? s->r[i].start - n : 0;
    s->r[k].end = s->r[i].end - n;
    k++;
  }
  s->n = k;
}

uint32_t mptcp_ranges_head(const mptcp_ranges *s) {
  return s->n && s->r[0].start == 0 ? s->r[0].end : 0;
}

uint32_t mptcp_ranges_bytes_above(const mptcp_ranges *s, uint32_t from) {
  uint32_t b = 0;
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->r[i].end <= from) continue;
    b += s->r[i].end - (s->r[i].start > from ? s->r[i].start : from);
  }
  return b;
}

int mptcp_ranges_contains(const mptcp_ranges *s, uint32_t x) {
  for (uint32_t i = 0; i < s->n; i++)
    if (x >= s->r[i].start && x < s->r[i].end) return 1;
  return 0;
}

uint32_t mptcp_ranges_span(const mptcp_ranges *s, uint32_t from, uint32_t max,
                           int *in) {
  for (uint32_t i = 0; i < s->n; i++) {
    if (s->r[i].end <= from) continue;
    *in = s->r[i].start <= from;
    uint32_t to = *in ? s->r[i].end : s->r[i].start;
    return to - from < max ? to - from : max;
  }
  *in = 0;
  return max;
}

int mptcp_ranges_can_add(const mptcp_ranges *s, uint32_t start, uint32_t end) {
  if (s->n < MPTCP_RANGES_MAX || start >= end) return 1;
  for (uint32_t i = 0; i < s->n; i++) /* merges with one: no new range */
    if (s->r[i].end >= start && s->r[i].start <= end) return 1;
  return 0;
}

void mptcp_ranges_del(mptcp_ranges *s, uint32_t start, uint32_t end) {
  uint32_t k = 0;
  mptcp_range tail = {0, 0};
  for (uint32_t i = 0; i < s->n; i++) {
    mptcp_range r = s->r[i];
    if (r.end <= start || r.start >= end) {
      s->r[k++] = r;
      continue;
    }
    if (r.start < start) s->r[k++] = (mptcp_range){r.start, start};
    if (r.end > end) {
      if (r.start < start && s->n == MPTCP_RANGES_MAX) continue; /* no room */
      if (r.start < start) {
        tail = (mptcp_range){end, r.end}; /* after the loop: k may be i+1 */
        continue;
      }
      s->r[k++] = (mptcp_range){end, r.end};
    }
  }
  s->n = k;
  if (tail.end) { /* the split range's second half, in order */
    uint32_t at = 0;
    while (at < s->n && s->r[at].start < tail.start) at++;
    memmove(&s->r[at + 1], &s->r[at], (s->n - at) * sizeof s->r[0]);
    s->r[at] = tail;
    s->n++;
  }
}
