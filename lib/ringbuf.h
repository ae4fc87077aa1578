/* A fixed-capacity byte ring. Used for the send buffer (unacknowledged and
 * unsent bytes) and the receive buffer (in-order bytes, plus out-of-order
 * bytes written ahead at their offset; see ranges.h).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_RINGBUF_H
#define MPTCP_RINGBUF_H

#include <mptcp/codec.h>
#include "copy.h"
#include "hot.h"
#include "wire.h"
#include <stddef.h>
#include <stdint.h>

typedef struct mptcp_ring {
  uint8_t *buf;
  size_t cap;  /* bytes of buf */
  size_t head; /* index of the first byte */
  size_t len;  /* bytes held from head */
} mptcp_ring;

static inline size_t mptcp_ring_free(const mptcp_ring *r) {
  return r->cap - r->len;
}
/* The buffer index of offset off from the head (off <= cap). */
static inline size_t mptcp_ring_idx(const mptcp_ring *r, size_t off) {
  size_t idx = r->head + off;
  return idx >= r->cap ? idx - r->cap : idx;
}
/* The general cases of the two below (any n, a wrap). */
size_t mptcp_ring_push_wrap(mptcp_ring *r, const uint8_t *p, size_t n);
void mptcp_ring_read_at_wrap(const mptcp_ring *r, size_t off, uint8_t *p,
                             size_t n);
/* Appends up to n bytes; returns how many fit. Inline for the common case
 * (it fits without a wrap): the app's writes. */
static inline size_t mptcp_ring_push(mptcp_ring *r, const uint8_t *p,
                                     size_t n) {
  size_t idx = mptcp_ring_idx(r, r->len);
  if (n > r->cap - r->len || n > r->cap - idx || n == 0)
    return mptcp_ring_push_wrap(r, p, n);
  mptcp_copy(r->buf + idx, p, n);
  r->len += n;
  return n;
}
/* Writes n bytes at offset off from head without changing len (off + n
 * must be <= cap): out-of-order data written ahead. */
void mptcp_ring_write_at(mptcp_ring *r, size_t off, const uint8_t *p, size_t n);
/* Copies n bytes starting at offset off (off + n <= len or, for data written
 * ahead, <= cap). Inline for the common case: the app's reads. */
static inline void mptcp_ring_read_at(const mptcp_ring *r, size_t off,
                                      uint8_t *p, size_t n) {
  size_t idx = mptcp_ring_idx(r, off);
  if (n > r->cap - idx)
    mptcp_ring_read_at_wrap(r, off, p, n);
  else if (n)
    mptcp_copy(p, r->buf + idx, n);
}
/* 1 if the n bytes at offset off (as mptcp_ring_read_at) differ from p:
 * a later copy of bytes already placed. */
int mptcp_ring_differs(const mptcp_ring *r, size_t off, const uint8_t *p,
                       size_t n);
/* The two below for n bytes from buffer index idx that wrap (n > 0). */
uint32_t mptcp_ring_read_csum_wrap(const mptcp_ring *r, size_t idx, uint8_t *p,
                                   size_t n);
uint32_t mptcp_ring_write_csum_wrap(mptcp_ring *r, size_t idx, const uint8_t *p,
                                    size_t n);
/* mptcp_ring_read_at() and mptcp_ring_write_at() that also return the
 * one's-complement sum of the n bytes (as mptcp_csum_partial(), not
 * folded, < 2^19), computed while they are copied. Inline: once per
 * segment each way, and nearly always without a wrap. */
static MPTCP_HOT_INLINE uint32_t mptcp_ring_read_csum(const mptcp_ring *r,
                                                      size_t off, uint8_t *p,
                                                      size_t n) {
  size_t idx = mptcp_ring_idx(r, off);
  if (n <= r->cap - idx) return mptcp_csum_copy0(p, r->buf + idx, n);
  return mptcp_ring_read_csum_wrap(r, idx, p, n);
}
static MPTCP_HOT_INLINE uint32_t mptcp_ring_write_csum(mptcp_ring *r,
                                                       size_t off,
                                                       const uint8_t *p,
                                                       size_t n) {
  size_t idx = mptcp_ring_idx(r, off);
  if (n <= r->cap - idx) return mptcp_csum_copy0(r->buf + idx, p, n);
  return mptcp_ring_write_csum_wrap(r, idx, p, n);
}
/* Drops n bytes from the head. */
static inline void mptcp_ring_drop(mptcp_ring *r, size_t n) {
  if (n > r->len) n = r->len;
  r->len -= n;
  /* The head never jumps back to 0 on empty: out-of-order bytes may sit
   * ahead of it at their offsets. */
  r->head += n;
  if (r->head >= r->cap) r->head -= r->cap;
}
/* Longest contiguous run at the head (for zero-copy peek). */
static inline size_t mptcp_ring_peek(const mptcp_ring *r, const uint8_t **p) {
  size_t n = r->cap - r->head < r->len ? r->cap - r->head : r->len;
  *p = r->buf + r->head;
  return n;
}

#endif
