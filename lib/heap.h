/* Timer heap: a binary min-heap of deadlines, one entry per timed object,
 * with the object's index kept in the object so re-arming is O(log n).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_HEAP_H
#define MPTCP_HEAP_H

#include <mptcp/common.h>

#define MPTCP_HEAP_NONE SIZE_MAX

typedef struct mptcp_heap_node {
  mptcp_tstamp at;
  size_t idx; /* position in the heap, MPTCP_HEAP_NONE when not queued */
} mptcp_heap_node;

typedef struct mptcp_heap {
  mptcp_heap_node **v;
  size_t n, cap;
} mptcp_heap;

/* Inserts, moves or (at == MPTCP_TSTAMP_NONE) removes node. The array must
 * have room: callers size it with the connection limit. */
void mptcp_heap_set(mptcp_heap *h, mptcp_heap_node *node, mptcp_tstamp at);
static inline mptcp_heap_node *mptcp_heap_top(const mptcp_heap *h) {
  return h->n ? h->v[0] : NULL;
}

#endif
