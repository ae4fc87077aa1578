/* SPDX-License-Identifier: MIT */
#include "heap.h"

static void place(mptcp_heap *h, size_t i, mptcp_heap_node *x) {
  h->v[i] = x;
  x->idx = i;
}

static void sift_up(mptcp_heap *h, size_t i) {
  mptcp_heap_node *x = h->v[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (h->v[p]->at <= x->at) break;
    place(h, i, h->v[p]);
    i = p;
  }
  place(h, i, x);
}

static void sift_down(mptcp_heap *h, size_t i) {
  mptcp_heap_node *x = h->v[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n) break;
    if (c + 1 < h->n && h->v[c + 1]->at < h->v[c]->at) c++;
    if (x->at <= h->v[c]->at) break;
    place(h, i, h->v[c]);
    i = c;
  }
  place(h, i, x);
}

void mptcp_heap_set(mptcp_heap *h, mptcp_heap_node *node, mptcp_tstamp at) {
  if (node->idx == MPTCP_HEAP_NONE) {
    if (at == MPTCP_TSTAMP_NONE) return;
    node->at = at;
    place(h, h->n++, node);
    sift_up(h, node->idx);
    return;
  }
  size_t i = node->idx;
  if (at == MPTCP_TSTAMP_NONE) { /* remove: fill the hole with the last */
    mptcp_heap_node *last = h->v[--h->n];
    node->idx = MPTCP_HEAP_NONE;
    if (last == node) return;
    place(h, i, last);
    sift_up(h, i);
    sift_down(h, last->idx);
    return;
  }
  mptcp_tstamp old = node->at;
  node->at = at;
  if (at < old)
    sift_up(h, i);
  else if (at > old)
    sift_down(h, i);
}
