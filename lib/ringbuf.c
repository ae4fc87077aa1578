/* SPDX-License-Identifier: MIT */
#include "ringbuf.h"

#include <mptcp/codec.h>
#include <string.h>

#include "copy.h"
#include "wire.h"

static void copy_in(mptcp_ring *r, size_t idx, const uint8_t *p, size_t n) {
  size_t first = r->cap - idx < n ? r->cap - idx : n;
  mptcp_copy(r->buf + idx, p, first);
  if (n > first) mptcp_copy(r->buf, p + first, n - first);
}

size_t mptcp_ring_push_wrap(mptcp_ring *r, const uint8_t *p, size_t n) {
  size_t room = mptcp_ring_free(r);
  if (n > room) n = room;
  if (n) copy_in(r, mptcp_ring_idx(r, r->len), p, n);
  r->len += n;
  return n;
}

void mptcp_ring_write_at(mptcp_ring *r, size_t off, const uint8_t *p,
                         size_t n) {
  if (n) copy_in(r, mptcp_ring_idx(r, off), p, n);
}

void mptcp_ring_read_at_wrap(const mptcp_ring *r, size_t off, uint8_t *p,
                             size_t n) {
  if (!n) return;
  size_t idx = mptcp_ring_idx(r, off);
  size_t first = r->cap - idx < n ? r->cap - idx : n;
  mptcp_copy(p, r->buf + idx, first);
  if (n > first) mptcp_copy(p + first, r->buf, n - first);
}

int mptcp_ring_differs(const mptcp_ring *r, size_t off, const uint8_t *p,
                       size_t n) {
  if (!n) return 0;
  size_t idx = mptcp_ring_idx(r, off);
  size_t first = r->cap - idx < n ? r->cap - idx : n;
  return memcmp(r->buf + idx, p, first) != 0 ||
         memcmp(r->buf, p + first, n - first) != 0;
}

/* A piece that starts at an odd offset of the summed data has its bytes in
 * the other halves of the 16-bit words: its folded sum is byte-swapped
 * (RFC 1071 §2(B)). */
static uint32_t at_offset(uint32_t sum, size_t offset) {
  if (!(offset & 1)) return sum;
  uint32_t f = mptcp_csum_fold(sum);
  return ((f & 0xffu) << 8) | (f >> 8);
}

uint32_t mptcp_ring_read_csum_wrap(const mptcp_ring *r, size_t idx, uint8_t *p,
                                   size_t n) {
  size_t first = r->cap - idx;
  uint32_t s = mptcp_csum_copy0(p, r->buf + idx, first);
  return s + at_offset(mptcp_csum_copy0(p + first, r->buf, n - first), first);
}

uint32_t mptcp_ring_write_csum_wrap(mptcp_ring *r, size_t idx, const uint8_t *p,
                                    size_t n) {
  size_t first = r->cap - idx;
  uint32_t s = mptcp_csum_copy0(r->buf + idx, p, first);
  return s + at_offset(mptcp_csum_copy0(r->buf, p + first, n - first), first);
}
