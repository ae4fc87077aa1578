/*
 * Big-endian get/put helpers, a bounded read cursor, the one's-complement
 * helpers and the TCP header decode shared by the codec and the engine's
 * header prediction. Integers are
 * composed byte by byte, so the code is the same on big- and little-endian
 * hosts (no casts, no packed structs, no host-order loads outside the
 * helpers below).
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_WIRE_H
#define MPTCP_WIRE_H

#include <mptcp/codec.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* With GCC/clang the 16/32-bit loads and stores are one byte swap and one
 * load or store (the byte-wise form defeats store merging in headers built
 * field by field, and costs four loads per word read). Other compilers
 * keep the portable form. */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ||                              \
     __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
#define MPTCP_WIRE_SWAP 1
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MPTCP_BE16(v) __builtin_bswap16(v)
#define MPTCP_BE32(v) __builtin_bswap32(v)
#else
#define MPTCP_BE16(v) (v)
#define MPTCP_BE32(v) (v)
#endif
#endif

static inline uint16_t mptcp_get16(const uint8_t *p) {
#if defined(MPTCP_WIRE_SWAP)
  uint16_t be;
  memcpy(&be, p, 2);
  return MPTCP_BE16(be);
#else
  return (uint16_t)((unsigned)p[0] << 8 | p[1]);
#endif
}
static inline uint32_t mptcp_get32(const uint8_t *p) {
#if defined(MPTCP_WIRE_SWAP)
  uint32_t be;
  memcpy(&be, p, 4);
  return MPTCP_BE32(be);
#else
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
#endif
}
static inline uint64_t mptcp_get64(const uint8_t *p) {
  return (uint64_t)mptcp_get32(p) << 32 | mptcp_get32(p + 4);
}
static inline uint8_t *mptcp_put16(uint8_t *p, uint16_t v) {
#if defined(MPTCP_WIRE_SWAP)
  uint16_t be = MPTCP_BE16(v);
  memcpy(p, &be, 2);
#else
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
#endif
  return p + 2;
}
static inline uint8_t *mptcp_put32(uint8_t *p, uint32_t v) {
#if defined(MPTCP_WIRE_SWAP)
  uint32_t be = MPTCP_BE32(v);
  memcpy(p, &be, 4);
#else
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
#endif
  return p + 4;
}
static inline uint8_t *mptcp_put64(uint8_t *p, uint64_t v) {
  mptcp_put32(p, (uint32_t)(v >> 32));
  return mptcp_put32(p + 4, (uint32_t)v);
}

/* One's-complement arithmetic (RFC 1071). A sum is kept in a wide
 * accumulator and folded once: 65536 = 1 (mod 65535), so network-order
 * 32-bit values (sequence numbers, a header word) can be added whole.
 * mptcp_csum_fold() returns the folded 16-bit sum, not complemented; it is
 * never 0 for a nonzero input. */
static inline uint32_t mptcp_csum_fold(uint64_t s) {
  /* End-around carry by rotation: the upper half of x + rot(x) is the
   * one's-complement sum of x's two halves (the carry out of the lower
   * half lands in it). Rotations compile to one instruction each. */
  uint64_t t = s + ((s >> 32) | (s << 32));
  uint32_t x = (uint32_t)(t >> 32);
  x += (x >> 16) | (x << 16);
  return x >> 16;
}

/* Adds the n 32-bit words at p to acc as the host loads them (the only
 * host-order loads in the library): the folded result is the sum in host
 * order, which mptcp_csum_host_fold() turns into network order. */
static inline uint64_t mptcp_csum_words(const uint8_t *p, size_t n,
                                        uint64_t acc) {
  for (size_t i = 0; i < n; i++) {
    uint32_t w;
    memcpy(&w, p + 4 * i, sizeof w);
    acc += w;
  }
  return acc;
}

/* Folds a host-order word sum (mptcp_csum_words) to 16 bits in network
 * order. */
static inline uint32_t mptcp_csum_host_fold(uint64_t acc) {
  uint32_t s = mptcp_csum_fold(acc);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return s;
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return ((s & 0xffu) << 8) | (s >> 8);
#else
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1 ? ((s & 0xffu) << 8) | (s >> 8) : s;
#endif
}

/*
 * Read cursor over [p, end). A read that would cross `end` sets `err`,
 * returns 0 and does not move; later reads keep failing. Callers check
 * `err` once after a group of reads.
 */
typedef struct mptcp_cur {
  const uint8_t *p, *end;
  int err;
} mptcp_cur;

static inline mptcp_cur mptcp_cur_make(const uint8_t *p, size_t len) {
  mptcp_cur c = {p, p + len, 0};
  return c;
}
static inline size_t mptcp_cur_left(const mptcp_cur *c) {
  return c->err ? 0 : (size_t)(c->end - c->p);
}
static inline int mptcp_cur_need(mptcp_cur *c, size_t n) {
  if (c->err || (size_t)(c->end - c->p) < n) {
    c->err = 1;
    return 0;
  }
  return 1;
}
static inline uint8_t mptcp_cur_u8(mptcp_cur *c) {
  if (!mptcp_cur_need(c, 1)) return 0;
  return *c->p++;
}
static inline uint16_t mptcp_cur_u16(mptcp_cur *c) {
  if (!mptcp_cur_need(c, 2)) return 0;
  uint16_t v = mptcp_get16(c->p);
  c->p += 2;
  return v;
}
static inline uint32_t mptcp_cur_u32(mptcp_cur *c) {
  if (!mptcp_cur_need(c, 4)) return 0;
  uint32_t v = mptcp_get32(c->p);
  c->p += 4;
  return v;
}
static inline uint64_t mptcp_cur_u64(mptcp_cur *c) {
  if (!mptcp_cur_need(c, 8)) return 0;
  uint64_t v = mptcp_get64(c->p);
  c->p += 8;
  return v;
}
/* Copies n bytes out (zero-fills dst on failure). */
static inline void mptcp_cur_bytes(mptcp_cur *c, uint8_t *dst, size_t n) {
  if (!mptcp_cur_need(c, n)) {
    for (size_t i = 0; i < n; i++) dst[i] = 0;
    return;
  }
  for (size_t i = 0; i < n; i++) dst[i] = c->p[i];
  c->p += n;
}
static inline void mptcp_cur_skip(mptcp_cur *c, size_t n) {
  if (mptcp_cur_need(c, n)) c->p += n;
}

/* Decoding of a TCP header into mptcp_pkt's TCP fields, inline: shared by
 * the packet codec (pkt.c) and header prediction for segments of a train
 * (tcp_in.c), which decodes without a call. */
/* The data offset of the tlen bytes at t: 0, or why they are no segment. */
static inline int mptcp_tcp_doff(const uint8_t *t, size_t tlen, size_t *doff) {
  if (tlen < MPTCP_TCP_HDR_LEN) return MPTCP_ERR_TRUNCATED;
  *doff = (size_t)(t[12] >> 4) * 4;
  if (*doff < MPTCP_TCP_HDR_LEN) return MPTCP_ERR_MALFORMED;
  if (*doff > tlen) return MPTCP_ERR_TRUNCATED;
  return 0;
}

/* out's TCP fields, sport to tcp_len, from a segment with data offset
 * doff (checked by mptcp_tcp_doff). */
static inline void mptcp_tcp_fields(const uint8_t *t, size_t tlen, size_t doff,
                                    mptcp_pkt *out) {
  out->sport = mptcp_get16(t);
  out->dport = mptcp_get16(t + 2);
  out->seq = mptcp_get32(t + 4);
  out->ack = mptcp_get32(t + 8);
  out->tcp_res = t[12] & 0x0f;
  out->tcp_flags = t[13];
  out->window = mptcp_get16(t + 14);
  out->tcp_csum = mptcp_get16(t + 16);
  out->urg_ptr = mptcp_get16(t + 18);
  out->opts = t + MPTCP_TCP_HDR_LEN;
  out->opts_len = doff - MPTCP_TCP_HDR_LEN;
  out->payload = t + doff;
  out->payload_len = tlen - doff;
  out->tcp = t;
  out->tcp_len = tlen;
}

/* mptcp_csum_copy() with no sum to add (its result is folded once, at
 * most 0x2fefe): the rings' per-segment copies call the kernel without
 * the public function's extra step (pkt.c). */
uint32_t mptcp_csum_copy0(uint8_t *dst, const uint8_t *src, size_t n);

#endif /* MPTCP_WIRE_H */
