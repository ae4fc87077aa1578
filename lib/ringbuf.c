/* SPDX-License-Identifier: MIT */
#include "ringbuf.h"

#include <string.h>

static void copy_in(mptcp_ring *r, size_t idx, const uint8_t *p, size_t n) {
  size_t first = r->cap - idx < n ? r->cap - idx : n;
  memcpy(r->buf + idx, p, first);
  if (n > first) memcpy(r->buf, p + first, n - first);
}

size_t mptcp_ring_push(mptcp_ring *r, const uint8_t *p, size_t n) {
  size_t room = mptcp_ring_free(r);
  if (n > room) n = room;
  if (n) copy_in(r, (r->head + r->len) % r->cap, p, n);
  r->len += n;
  return n;
}

void mptcp_ring_write_at(mptcp_ring *r, size_t off, const uint8_t *p,
                         size_t n) {
  if (n) copy_in(r, (r->head + off) % r->cap, p, n);
}

void mptcp_ring_read_at(const mptcp_ring *r, size_t off, uint8_t *p, size_t n) {
  if (!n) return;
  size_t idx = (r->head + off) % r->cap;
  size_t first = r->cap - idx < n ? r->cap - idx : n;
  memcpy(p, r->buf + idx, first);
  if (n > first) memcpy(p + first, r->buf, n - first);
}

void mptcp_ring_drop(mptcp_ring *r, size_t n) {
  if (n > r->len) n = r->len;
  r->len -= n;
  /* The head never jumps back to 0 on empty: out-of-order bytes may sit
   * ahead of it at their offsets. */
  r->head = (r->head + n) % r->cap;
}

size_t mptcp_ring_peek(const mptcp_ring *r, const uint8_t **p) {
  size_t n = r->cap - r->head < r->len ? r->cap - r->head : r->len;
  *p = r->buf + r->head;
  return n;
}
