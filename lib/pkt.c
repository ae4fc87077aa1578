/*
 * IPv4/IPv6 + TCP header codec and Internet checksums (RFC 791, RFC 8200,
 * RFC 9293 §3.1, RFC 1071, RFC 1624).
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/codec.h>

#include <string.h>

#include "wire.h"

/* IPv6 next-header values we walk over (RFC 8200 §4; AH is RFC 4302). */
#define NH_HOPOPTS 0
#define NH_TCP 6
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60
#define IPV6_EXT_MAX 8 /* more than this in one packet is not traffic */

/* Copies and sums the last bytes a copying kernel leaves (any number, 15
 * at most after a vector kernel), adds acc (a host-order sum) and folds:
 * network order, at most 0x2fefe. */
static inline uint32_t copy_tail(uint8_t *d, const uint8_t *p, size_t len,
                                 uint64_t acc) {
  for (; len >= 8; len -= 8, p += 8, d += 8) {
    uint64_t w;
    memcpy(&w, p, sizeof w);
    memcpy(d, &w, sizeof w);
    acc += (w & 0xffffffffu) + (w >> 32);
  }
  if (len & 4) {
    uint32_t w;
    memcpy(&w, p, sizeof w);
    memcpy(d, &w, sizeof w);
    acc += w;
    p += 4;
    d += 4;
  }
  uint32_t s = mptcp_csum_host_fold(acc);
  if (len & 2) {
    s += mptcp_get16(p);
    memcpy(d, p, 2);
    p += 2;
    d += 2;
  }
  if (len & 1) {
    s += (uint32_t)p[0] << 8; /* odd tail padded with 0 */
    d[0] = p[0];
  }
  return s;
}

/* RFC 1071 §2(B): the one's-complement sum is byte-order independent, so
 * the kernels below sum words as the host loads them, exactly (a 64-bit
 * accumulator absorbs the carries), and the folded result is swapped once
 * on little-endian hosts (mptcp_csum_host_fold). This is the per-packet
 * hot path. A kernel sums the whole 16-byte blocks at *pp and advances *pp
 * and *plen; a copy kernel also copies them to *pd and advances *pd. */
#if defined(__SSE2__) && defined(__GNUC__)
/* x86 kernels, written with GCC/clang vector types and the builtins the
 * intrinsic headers wrap (lib/ includes only standard headers). */
__extension__ typedef short csum_v8hi __attribute__((vector_size(16)));
__extension__ typedef int csum_v4si __attribute__((vector_size(16)));

/* Bytes per round of the vector kernels. Each round's lanes hold at most
 * 16384 * CSUM_ROUND in magnitude in total (2^30): no lane, and no sum of
 * lanes, overflows 32 bits. */
#define CSUM_ROUND 65536

/* pmaddwd multiplies eight 16-bit words by 1 and adds neighbours into four
 * 32-bit lanes in one instruction, but it reads the words as signed.
 * Flipping each word's top bit first makes the signed value exactly
 * w - 32768; round_total() adds the 32768s back (16384 per byte). */
static csum_v4si madd16v(csum_v8hi v) {
  const csum_v8hi flip = {-32768, -32768, -32768, -32768,
                          -32768, -32768, -32768, -32768};
  const csum_v8hi one = {1, 1, 1, 1, 1, 1, 1, 1};
  return __builtin_ia32_pmaddwd128(v ^ flip, one);
}

static csum_v4si madd16(const uint8_t *p) {
  csum_v8hi v;
  memcpy(&v, p, sizeof v);
  return madd16v(v);
}

/* Copies one 16-byte block and sums it. */
static csum_v4si copy_madd16(uint8_t *d, const uint8_t *s) {
  csum_v8hi v;
  memcpy(&v, s, sizeof v);
  memcpy(d, &v, sizeof v);
  return madd16v(v);
}

/* The exact sum of a round of n bytes from its four lanes. */
static uint64_t round_total(csum_v4si a, size_t n) {
  int32_t lanes = a[0] + a[1] + a[2] + a[3];
  return (uint64_t)((int64_t)lanes + (int64_t)n * 16384);
}

/* 64 bytes per step: four pmaddwd results are added together before they
 * meet the accumulator (16 vector instructions per 64 bytes). */
static uint64_t sum_sse2(const uint8_t **pp, size_t *plen) {
  const uint8_t *p = *pp;
  size_t len = *plen;
  uint64_t acc = 0;
  while (len >= 16) {
    size_t n = len < CSUM_ROUND ? len & ~(size_t)15 : CSUM_ROUND, i = 0;
    csum_v4si a = {0, 0, 0, 0};
    for (; i + 64 <= n; i += 64)
      a += (madd16(p + i) + madd16(p + i + 16)) +
           (madd16(p + i + 32) + madd16(p + i + 48));
    for (; i < n; i += 16) a += madd16(p + i);
    acc += round_total(a, n);
    p += n;
    len -= n;
  }
  *pp = p;
  *plen = len;
  return acc;
}

/* The same with the copy: each block is loaded once, stored, and summed. */
static uint64_t copy_sse2(uint8_t **pd, const uint8_t **pp, size_t *plen) {
  uint8_t *d = *pd;
  const uint8_t *p = *pp;
  size_t len = *plen;
  uint64_t acc = 0;
  while (len >= 16) {
    size_t n = len < CSUM_ROUND ? len & ~(size_t)15 : CSUM_ROUND, i = 0;
    csum_v4si a = {0, 0, 0, 0};
    for (; i + 64 <= n; i += 64)
      a += (copy_madd16(d + i, p + i) + copy_madd16(d + i + 16, p + i + 16)) +
           (copy_madd16(d + i + 32, p + i + 32) +
            copy_madd16(d + i + 48, p + i + 48));
    for (; i < n; i += 16) a += copy_madd16(d + i, p + i);
    acc += round_total(a, n);
    d += n;
    p += n;
    len -= n;
  }
  *pd = d;
  *pp = p;
  *plen = len;
  return acc;
}

#if defined(__x86_64__)
#define CSUM_AVX2 1
#define AVX2_FN __attribute__((target("avx2")))
__extension__ typedef short csum_v16hi __attribute__((vector_size(32)));
__extension__ typedef int csum_v8si __attribute__((vector_size(32)));

/* The same trick on 32 bytes. With three-operand AVX encodings the load
 * folds into the xor: three instructions per 32 bytes. */
AVX2_FN static csum_v8si madd32v(csum_v16hi v) {
  const csum_v16hi flip = {-32768, -32768, -32768, -32768, -32768, -32768,
                           -32768, -32768, -32768, -32768, -32768, -32768,
                           -32768, -32768, -32768, -32768};
  const csum_v16hi one = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  return __builtin_ia32_pmaddwd256(v ^ flip, one);
}

AVX2_FN static csum_v8si madd32(const uint8_t *p) {
  csum_v16hi v;
  memcpy(&v, p, sizeof v);
  return madd32v(v);
}

/* Copies one 32-byte block and sums it: load, store, xor, pmaddwd; the
 * constants of madd32v() are passed in (see COPY_BLOCKS_AVX2). */
AVX2_FN static csum_v8si copy_madd32(uint8_t *d, const uint8_t *s,
                                     csum_v16hi flip, csum_v16hi one) {
  csum_v16hi v;
  memcpy(&v, s, sizeof v);
  memcpy(d, &v, sizeof v);
  return __builtin_ia32_pmaddwd256(v ^ flip, one);
}

/* The four lanes of the two 128-bit halves, added. */
AVX2_FN static csum_v4si halves(csum_v8si a) {
  csum_v4si h, hi;
  memcpy(&h, &a, sizeof h);
  memcpy(&hi, (const uint8_t *)&a + sizeof h, sizeof hi);
  return h + hi;
}

/* 128 bytes per step, then 32, then one 16-byte block. */
AVX2_FN static uint64_t sum_avx2(const uint8_t **pp, size_t *plen) {
  const uint8_t *p = *pp;
  size_t len = *plen;
  uint64_t acc = 0;
  while (len >= 16) {
    size_t n = len < CSUM_ROUND ? len & ~(size_t)15 : CSUM_ROUND, i = 0;
    csum_v8si a = {0, 0, 0, 0, 0, 0, 0, 0};
    for (; i + 128 <= n; i += 128)
      a += (madd32(p + i) + madd32(p + i + 32)) +
           (madd32(p + i + 64) + madd32(p + i + 96));
    for (; i + 32 <= n; i += 32) a += madd32(p + i);
    csum_v4si h = halves(a);
    if (i < n) h += madd16(p + i);
    acc += round_total(h, n);
    p += n;
    len -= n;
  }
  *pp = p;
  *plen = len;
  return acc;
}

/* n bytes (a multiple of 32, at most CSUM_ROUND) copied and summed into
 * the lanes of a and b: 256 bytes per step in two chains of four blocks;
 * each block costs a load, a store, the xor and the pmaddwd, and one add.
 * f and o are the constants of madd32v(), kept in registers (the callers
 * hide their values from the optimiser, which would build them again in
 * front of every block after the loop). */
#define COPY_BLOCKS_AVX2(d, p, n, a, b, f, o)                                  \
  do {                                                                         \
    const uint8_t *end_ = (p) + ((n) & ~(size_t)255);                          \
    for (; (p) != end_; (p) += 256, (d) += 256) {                              \
      (a) +=                                                                   \
          (copy_madd32(d, p, f, o) + copy_madd32((d) + 32, (p) + 32, f, o)) +  \
          (copy_madd32((d) + 64, (p) + 64, f, o) +                             \
           copy_madd32((d) + 96, (p) + 96, f, o));                             \
      (b) += (copy_madd32((d) + 128, (p) + 128, f, o) +                        \
              copy_madd32((d) + 160, (p) + 160, f, o)) +                       \
             (copy_madd32((d) + 192, (p) + 192, f, o) +                        \
              copy_madd32((d) + 224, (p) + 224, f, o));                        \
    }                                                                          \
    if ((n)&128) {                                                             \
      (a) +=                                                                   \
          (copy_madd32(d, p, f, o) + copy_madd32((d) + 32, (p) + 32, f, o)) +  \
          (copy_madd32((d) + 64, (p) + 64, f, o) +                             \
           copy_madd32((d) + 96, (p) + 96, f, o));                             \
      (p) += 128, (d) += 128;                                                  \
    }                                                                          \
    if ((n)&64) {                                                              \
      (b) += copy_madd32(d, p, f, o) + copy_madd32((d) + 32, (p) + 32, f, o);  \
      (p) += 64, (d) += 64;                                                    \
    }                                                                          \
    if ((n)&32) {                                                              \
      (a) += copy_madd32(d, p, f, o);                                          \
      (p) += 32, (d) += 32;                                                    \
    }                                                                          \
  } while (0)

/* The constants of madd32v() as variables whose values the optimiser does
 * not see (see COPY_BLOCKS_AVX2). */
#define MADD32_CONSTANTS(f, o)                                                 \
  csum_v16hi f = {-32768, -32768, -32768, -32768, -32768, -32768,              \
                  -32768, -32768, -32768, -32768, -32768, -32768,              \
                  -32768, -32768, -32768, -32768};                             \
  csum_v16hi o = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};             \
  __asm__("" : "+x"(f), "+x"(o))

/* copy_avx2() beyond one round (lanes would overflow): whole rounds, then
 * 16-byte blocks and the scalar tail. */
__attribute__((noinline)) AVX2_FN static uint32_t
copy_avx2_long(uint8_t *d, const uint8_t *p, size_t len) {
  uint64_t acc = 0;
  MADD32_CONSTANTS(flip, one);
  while (len >= 32) {
    size_t n = len < CSUM_ROUND ? len & ~(size_t)31 : CSUM_ROUND;
    csum_v8si a = {0, 0, 0, 0, 0, 0, 0, 0}, b = a;
    COPY_BLOCKS_AVX2(d, p, n, a, b, flip, one);
    acc += round_total(halves(a + b), n);
    len -= n;
  }
  if (len & 16) {
    acc += round_total(copy_madd16(d, p), 16);
    d += 16, p += 16;
  }
  return copy_tail(d, p, len & 15, acc);
}

/* Keeps the last k bytes of a 32-byte block: 32 - k zero bytes, then k
 * 0xff bytes, loaded from tail_mask + k. */
static const uint8_t tail_mask[64] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* csum_copy_host() for 128 bytes and more (x86 is little-endian: the
 * host-order sum has even-offset bytes in the low halves of the words).
 * One round of whole 32-byte blocks; the rest (< 32 bytes) is copied by
 * one overlapping block, and summed from a block that ends at the last
 * even offset, masked to the bytes no block summed yet (its words then
 * line up with the data's), plus an odd last byte. */
AVX2_FN static uint32_t copy_avx2(uint8_t *d, const uint8_t *p, size_t len) {
  if (len > CSUM_ROUND) return copy_avx2_long(d, p, len);
  MADD32_CONSTANTS(flip, one);
  const uint8_t *s = p;
  uint8_t *t = d;
  size_t even = len & ~(size_t)1, rest = even & 31;
  csum_v8si a = {0, 0, 0, 0, 0, 0, 0, 0}, b = a;
  COPY_BLOCKS_AVX2(t, s, len & ~(size_t)31, a, b, flip, one);
  if (len & 31) {
    csum_v16hi v, m;
    memcpy(&v, p + len - 32, sizeof v);
    memcpy(d + len - 32, &v, sizeof v);
    if (rest) {
      memcpy(&v, p + even - 32, sizeof v);
      memcpy(&m, tail_mask + rest, sizeof m);
      b += __builtin_ia32_pmaddwd256((v & m) ^ flip, one);
    }
  }
  /* The lanes' total (pshufd builtins: GCC and clang), the 32768s back,
   * then into network order the short way: the byte swap of a folded sum
   * is the same sum times 256 modulo 65535 (2^16 = 1), so two partial
   * folds around a shift replace the full fold and the swap. acc < 2^32. */
  csum_v4si h = halves(a + b);
  h += __builtin_ia32_pshufd(h, 0x4e);
  h += __builtin_ia32_pshufd(h, 0xb1);
  uint64_t acc =
      (uint64_t)((int64_t)h[0] +
                 (int64_t)((len & ~(size_t)31) + (rest ? 32 : 0)) * 16384);
  if (len & 1) acc += p[len - 1];
  acc = ((acc & 0xffffu) + (acc >> 16)) << 8;       /* < 2^25 */
  return (uint32_t)((acc & 0xffffu) + (acc >> 16)); /* <= 0x101fe */
}
#endif
#elif defined(__GNUC__)
/* Four 32-bit lanes; each host-order word is split into its two 16-bit
 * halves, which keeps every lane free of overflow for 64 KiB per round. */
__extension__ typedef uint32_t csum_v4 __attribute__((vector_size(16)));

static uint64_t lanes_total(csum_v4 lo, csum_v4 hi) {
  return (uint64_t)lo[0] + lo[1] + lo[2] + lo[3] + hi[0] + hi[1] + hi[2] +
         hi[3];
}

static uint64_t sum_vec(const uint8_t **pp, size_t *plen) {
  const uint8_t *p = *pp;
  size_t len = *plen;
  uint64_t acc = 0;
  while (len >= 16) {
    csum_v4 lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
    size_t n = len < 65536 ? len : 65536;
    n &= ~(size_t)15;
    for (size_t i = 0; i < n; i += 16) {
      csum_v4 v;
      memcpy(&v, p + i, sizeof v);
      lo += v & 0xffff;
      hi += v >> 16;
    }
    acc += lanes_total(lo, hi);
    p += n;
    len -= n;
  }
  *pp = p;
  *plen = len;
  return acc;
}

static uint64_t copy_vec(uint8_t **pd, const uint8_t **pp, size_t *plen) {
  uint8_t *d = *pd;
  const uint8_t *p = *pp;
  size_t len = *plen;
  uint64_t acc = 0;
  while (len >= 16) {
    csum_v4 lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
    size_t n = len < 65536 ? len : 65536;
    n &= ~(size_t)15;
    for (size_t i = 0; i < n; i += 16) {
      csum_v4 v;
      memcpy(&v, p + i, sizeof v);
      memcpy(d + i, &v, sizeof v);
      lo += v & 0xffff;
      hi += v >> 16;
    }
    acc += lanes_total(lo, hi);
    d += n;
    p += n;
    len -= n;
  }
  *pd = d;
  *pp = p;
  *plen = len;
  return acc;
}
#endif

/* Sums the 16-byte blocks with the best kernel the target has; the word
 * loop in csum_host() takes what they leave. */
static uint64_t sum_bulk(const uint8_t **pp, size_t *plen) {
#if defined(CSUM_AVX2)
  /* AVX2 is not in baseline x86-64: ask the CPU (the answer is cached by
   * libgcc / compiler-rt at startup; this is a load and a test). Short
   * buffers (headers, pure ACKs) are not worth the switch. */
  if (*plen >= 128 && __builtin_cpu_supports("avx2")) return sum_avx2(pp, plen);
#endif
#if defined(__SSE2__) && defined(__GNUC__)
  return sum_sse2(pp, plen);
#elif defined(__GNUC__)
  return sum_vec(pp, plen);
#else
  (void)pp;
  (void)plen;
  return 0;
#endif
}

/* sum_bulk() with the copy (kernels for short buffers; AVX2 is chosen
 * by the caller). */
static uint64_t copy_bulk(uint8_t **pd, const uint8_t **pp, size_t *plen) {
#if defined(__SSE2__) && defined(__GNUC__)
  return copy_sse2(pd, pp, plen);
#elif defined(__GNUC__)
  return copy_vec(pd, pp, plen);
#else
  (void)pd;
  (void)pp;
  (void)plen;
  return 0;
#endif
}

static uint32_t add32(uint32_t sum, uint32_t x) {
  uint64_t acc = (uint64_t)sum + x;
  return (uint32_t)acc + (uint32_t)(acc >> 32); /* end-around carry */
}

/* The sum of p[0 .. len) plus acc (a host-order sum, e.g. of addresses),
 * folded and in network order; at most 0x2fefe. */
static uint32_t csum_host(const uint8_t *p, size_t len, uint64_t acc) {
  acc += sum_bulk(&p, &len);
  if (len >= 8) { /* what the vector kernels leave is < 16 bytes */
    acc = mptcp_csum_words(p, 2, acc);
    p += 8;
    len -= 8;
  }
  acc = mptcp_csum_words(p, len / 4, acc);
  p += len & ~(size_t)3;
  len &= 3;
  uint32_t s = mptcp_csum_host_fold(acc);
  if (len >= 2) s += mptcp_get16(p);
  if (len & 1) s += (uint32_t)p[len - 1] << 8; /* odd tail padded with 0 */
  return s;
}

/* csum_host() of src while it is copied to dst (wire.h). */
uint32_t mptcp_csum_copy0(uint8_t *d, const uint8_t *p, size_t len) {
#if defined(CSUM_AVX2)
  if (len >= 128 && __builtin_cpu_supports("avx2")) return copy_avx2(d, p, len);
#endif
  uint64_t acc = copy_bulk(&d, &p, &len);
  return copy_tail(d, p, len, acc);
}

MPTCP_API uint32_t mptcp_csum_partial(const uint8_t *p, size_t len,
                                      uint32_t sum) {
  return add32(sum, csum_host(p, len, 0));
}

MPTCP_API uint32_t mptcp_csum_copy(uint8_t *dst, const uint8_t *src, size_t len,
                                   uint32_t sum) {
  return add32(sum, mptcp_csum_copy0(dst, src, len));
}

MPTCP_API uint16_t mptcp_csum_finish(uint32_t sum) {
  return (uint16_t)~mptcp_csum_fold(sum);
}

/* TCP checksum with the pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1): the
 * addresses are whole 32-bit words, summed in the same pass as the
 * segment; length and protocol are added once in network order. */
MPTCP_API uint16_t mptcp_tcp_csum(const mptcp_ipaddr *src,
                                  const mptcp_ipaddr *dst, const uint8_t *tcp,
                                  size_t len) {
  size_t nw = src->family == MPTCP_AF_INET6 ? 4 : 1;
  uint64_t acc =
      nw == 1 ? mptcp_csum_words(dst->a, 1, mptcp_csum_words(src->a, 1, 0))
              : mptcp_csum_words(dst->a, 4, mptcp_csum_words(src->a, 4, 0));
  uint32_t s = csum_host(tcp, len, acc);
  s += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffffu) + NH_TCP;
  return mptcp_csum_finish(s);
}

/* An IPv4 header's checksum (ihl is a multiple of 4). */
static uint16_t ip4_csum(const uint8_t *b, size_t ihl) {
  uint64_t acc = mptcp_csum_words(b, ihl / 4, 0);
  return (uint16_t)~mptcp_csum_host_fold(acc);
}

/* Whether a 20-byte IPv4 header's checksum holds: its words sum to 0xffff
 * (in either byte order). Unrolled: this runs for every packet. */
static int ip4_csum_ok20(const uint8_t *b) {
  uint64_t acc = mptcp_csum_words(b, 1, 0);
  acc = mptcp_csum_words(b + 4, 1, acc);
  acc = mptcp_csum_words(b + 8, 1, acc);
  acc = mptcp_csum_words(b + 12, 1, acc);
  acc = mptcp_csum_words(b + 16, 1, acc);
  return mptcp_csum_fold(acc) == 0xffff;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
MPTCP_API uint16_t mptcp_csum_update16(uint16_t csum, uint16_t old_val,
                                       uint16_t new_val) {
  uint32_t s = (uint16_t)~csum;
  s += (uint16_t)~old_val;
  s += new_val;
  return (uint16_t)~mptcp_csum_fold(s);
}

MPTCP_API uint16_t mptcp_csum_update32(uint16_t csum, uint32_t old_val,
                                       uint32_t new_val) {
  csum = mptcp_csum_update16(csum, (uint16_t)(old_val >> 16),
                             (uint16_t)(new_val >> 16));
  return mptcp_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}

static int parse_ipv4(const uint8_t *b, size_t len, unsigned flags,
                      mptcp_pkt *o, size_t *ip_end) {
  if (len < MPTCP_IPV4_HDR_LEN) return MPTCP_ERR_TRUNCATED;
  size_t ihl = (size_t)(b[0] & 0x0f) * 4;
  if (ihl < MPTCP_IPV4_HDR_LEN) return MPTCP_ERR_MALFORMED;
  size_t total = mptcp_get16(b + 2);
  if (total < ihl) return MPTCP_ERR_MALFORMED;
  if (len < ihl || len < total) return MPTCP_ERR_TRUNCATED;
  if (flags & (MPTCP_PKT_VERIFY_CSUM | MPTCP_PKT_VERIFY_IP_CSUM) &&
      ip4_csum(b, ihl) != 0)
    return MPTCP_ERR_CHECKSUM;
  uint16_t frag = mptcp_get16(b + 6);
  o->tos = b[1];
  o->ip_id = mptcp_get16(b + 4);
  o->ip_df = (frag & 0x4000) != 0;
  o->ttl = b[8];
  o->src.family = o->dst.family = MPTCP_AF_INET;
  memcpy(o->src.a, b + 12, 4);
  memcpy(o->dst.a, b + 16, 4);
  o->ip_hdr_len = (uint16_t)ihl;
  *ip_end = total;
  /* Only an unfragmented packet holds a complete TCP segment. */
  if (frag & 0x3fff) return MPTCP_ERR_FRAGMENT;
  if (b[9] != NH_TCP) return MPTCP_ERR_NOT_TCP;
  return 0;
}

static int parse_ipv6(const uint8_t *b, size_t len, mptcp_pkt *o,
                      size_t *ip_end) {
  if (len < MPTCP_IPV6_HDR_LEN) return MPTCP_ERR_TRUNCATED;
  size_t total = MPTCP_IPV6_HDR_LEN + (size_t)mptcp_get16(b + 4);
  if (len < total) return MPTCP_ERR_TRUNCATED;
  uint32_t w0 = mptcp_get32(b);
  o->tos = (uint8_t)(w0 >> 20);
  o->flow_label = w0 & 0xfffffu;
  o->ttl = b[7];
  o->src.family = o->dst.family = MPTCP_AF_INET6;
  memcpy(o->src.a, b + 8, 16);
  memcpy(o->dst.a, b + 24, 16);
  *ip_end = total;

  uint8_t nh = b[6];
  size_t off = MPTCP_IPV6_HDR_LEN;
  for (int i = 0; nh != NH_TCP; i++) {
    if (i == IPV6_EXT_MAX) return MPTCP_ERR_MALFORMED;
    if (total - off < 8) return MPTCP_ERR_TRUNCATED;
    const uint8_t *e = b + off;
    size_t elen;
    switch (nh) {
    case NH_HOPOPTS:
    case NH_ROUTING:
    case NH_DSTOPTS: elen = ((size_t)e[1] + 1) * 8; break;
    case NH_AH: /* RFC 4302 §2.2: length in 4-octet units, minus 2 */
      elen = ((size_t)e[1] + 2) * 4;
      break;
    case NH_FRAGMENT:
      /* An atomic fragment (offset 0, M=0; RFC 6946) is a whole packet. */
      if ((mptcp_get16(e + 2) & 0xfff9u) != 0) return MPTCP_ERR_FRAGMENT;
      elen = 8;
      break;
    default:
      return MPTCP_ERR_NOT_TCP; /* ESP, no-next-header, UDP, ICMPv6, ... */
    }
    if (total - off < elen) return MPTCP_ERR_TRUNCATED;
    nh = e[0];
    off += elen;
  }
  o->ip_hdr_len = (uint16_t)off;
  return 0;
}

/* The TCP header fields, once the IP layer is done. */
static inline int parse_tcp(const uint8_t *t, size_t tlen, unsigned flags,
                            mptcp_pkt *out) {
  size_t doff;
  int rv = mptcp_tcp_doff(t, tlen, &doff);
  if (rv) return rv;
  if (flags & MPTCP_PKT_VERIFY_CSUM &&
      mptcp_tcp_csum(&out->src, &out->dst, t, tlen) != 0)
    return MPTCP_ERR_CHECKSUM;
  mptcp_tcp_fields(t, tlen, doff, out);
  return 0;
}

MPTCP_API int mptcp_tcp_parse(const uint8_t *tcp, size_t tlen, mptcp_pkt *out) {
  size_t doff;
  int rv = mptcp_tcp_doff(tcp, tlen, &doff);
  if (!rv) mptcp_tcp_fields(tcp, tlen, doff, out);
  return rv;
}

/* The IPv4 fast path of mptcp_pkt_parse(): every field set one by one
 * (the general path zeroes the struct first). */
static int parse_ipv4_fast(const uint8_t *buf, size_t total, unsigned flags,
                           mptcp_pkt *out) {
  static const mptcp_ipaddr zero;
  out->src = zero;
  out->dst = zero;
  out->src.family = out->dst.family = MPTCP_AF_INET;
  memcpy(out->src.a, buf + 12, 4);
  memcpy(out->dst.a, buf + 16, 4);
  out->ip_version = 4;
  out->ttl = buf[8];
  out->tos = buf[1];
  out->ip_df = (buf[6] & 0x40) != 0;
  out->ip_id = mptcp_get16(buf + 4);
  out->flow_label = 0;
  out->ip_hdr_len = MPTCP_IPV4_HDR_LEN;
  int rv = parse_tcp(buf + MPTCP_IPV4_HDR_LEN, total - MPTCP_IPV4_HDR_LEN,
                     flags, out);
  if (rv) { /* the TCP fields as the general path leaves them */
    out->sport = out->dport = 0;
    out->seq = out->ack = 0;
    out->tcp_flags = out->tcp_res = 0;
    out->window = out->tcp_csum = out->urg_ptr = 0;
    out->opts = out->payload = out->tcp = NULL;
    out->opts_len = out->payload_len = out->tcp_len = 0;
  }
  return rv;
}

MPTCP_API int mptcp_pkt_parse(const uint8_t *buf, size_t len, unsigned flags,
                              mptcp_pkt *out) {
  if (len < 1) {
    memset(out, 0, sizeof *out);
    return MPTCP_ERR_TRUNCATED;
  }
  /* Nearly every packet: IPv4 without options, whole, not a fragment,
   * carrying TCP. Decided in a few loads; anything else (and any error)
   * takes the general path below. */
  if (buf[0] == 0x45 && len >= MPTCP_IPV4_HDR_LEN && buf[9] == NH_TCP &&
      (mptcp_get16(buf + 6) & 0x3fff) == 0) {
    size_t total = mptcp_get16(buf + 2);
    if (total >= MPTCP_IPV4_HDR_LEN && total <= len &&
        (!(flags & (MPTCP_PKT_VERIFY_CSUM | MPTCP_PKT_VERIFY_IP_CSUM)) ||
         ip4_csum_ok20(buf)))
      return parse_ipv4_fast(buf, total, flags, out);
  }
  memset(out, 0, sizeof *out);
  out->ip_version = buf[0] >> 4;
  size_t ip_end;
  int rv;
  if (out->ip_version == 4)
    rv = parse_ipv4(buf, len, flags, out, &ip_end);
  else if (out->ip_version == 6)
    rv = parse_ipv6(buf, len, out, &ip_end);
  else
    return MPTCP_ERR_MALFORMED;
  if (rv) return rv;
  return parse_tcp(buf + out->ip_hdr_len, ip_end - out->ip_hdr_len, flags, out);
}

MPTCP_API mptcp_ssize mptcp_pkt_write(const mptcp_pkt *p, uint8_t *buf,
                                      size_t cap) {
  if (p->src.family != p->dst.family || p->opts_len % 4 ||
      p->opts_len > MPTCP_TCP_OPT_MAX)
    return MPTCP_ERR_INVALID_ARG;
  size_t iph;
  if (p->src.family == MPTCP_AF_INET)
    iph = MPTCP_IPV4_HDR_LEN;
  else if (p->src.family == MPTCP_AF_INET6)
    iph = MPTCP_IPV6_HDR_LEN;
  else
    return MPTCP_ERR_INVALID_ARG;
  size_t tlen = MPTCP_TCP_HDR_LEN + p->opts_len + p->payload_len;
  size_t total = iph + tlen;
  if (tlen > 65535 || (iph == MPTCP_IPV4_HDR_LEN && total > 65535))
    return MPTCP_ERR_INVALID_ARG;
  if (cap < total) return MPTCP_ERR_NOBUF;

  uint8_t *b = buf;
  if (iph == MPTCP_IPV4_HDR_LEN) {
    b[0] = 0x45;
    b[1] = p->tos;
    mptcp_put16(b + 2, (uint16_t)total);
    mptcp_put16(b + 4, p->ip_id);
    mptcp_put16(b + 6, p->ip_df ? 0x4000 : 0);
    b[8] = p->ttl;
    b[9] = NH_TCP;
    mptcp_put16(b + 10, 0);
    memcpy(b + 12, p->src.a, 4);
    memcpy(b + 16, p->dst.a, 4);
    mptcp_put16(b + 10, ip4_csum(b, iph));
  } else {
    mptcp_put32(b,
                6u << 28 | (uint32_t)p->tos << 20 | (p->flow_label & 0xfffffu));
    mptcp_put16(b + 4, (uint16_t)tlen);
    b[6] = NH_TCP;
    b[7] = p->ttl;
    memcpy(b + 8, p->src.a, 16);
    memcpy(b + 24, p->dst.a, 16);
  }

  uint8_t *t = b + iph;
  mptcp_put16(t, p->sport);
  mptcp_put16(t + 2, p->dport);
  mptcp_put32(t + 4, p->seq);
  mptcp_put32(t + 8, p->ack);
  t[12] = (uint8_t)(((MPTCP_TCP_HDR_LEN + p->opts_len) / 4) << 4 |
                    (p->tcp_res & 0x0f));
  t[13] = p->tcp_flags;
  mptcp_put16(t + 14, p->window);
  mptcp_put16(t + 16, 0);
  mptcp_put16(t + 18, p->urg_ptr);
  if (p->opts_len) memcpy(t + MPTCP_TCP_HDR_LEN, p->opts, p->opts_len);
  /* The payload may already be in place (built straight into buf). */
  uint8_t *pl = t + MPTCP_TCP_HDR_LEN + p->opts_len;
  if (p->payload_len && p->payload != pl)
    memmove(pl, p->payload, p->payload_len);
  mptcp_put16(t + 16, mptcp_tcp_csum(&p->src, &p->dst, t, tlen));
  return (mptcp_ssize)total;
}
