/* Bulk byte copy: every payload byte is copied twice by the copying API
 * (app -> send ring, receive ring -> app), so this is on the per-segment
 * path. On x86-64 with AVX2 (asked of the CPU at run time) a 512-byte step
 * moves sixteen 32-byte blocks with no per-byte work and the rest is
 * copied by blocks that overlap the copied part; elsewhere, and for short
 * copies, it is memcpy().
 * SPDX-License-Identifier: MIT */
#include "copy.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define COPY_AVX2 1
__extension__ typedef long long copy_v4di __attribute__((vector_size(32)));

#define AVX2_FN __attribute__((target("avx2"))) static
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline

/* Four blocks: the loads, then the stores (the buffers do not overlap). */
AVX2_INLINE void move128(uint8_t *d, const uint8_t *s) {
  copy_v4di a, b, c, e;
  memcpy(&a, s, 32);
  memcpy(&b, s + 32, 32);
  memcpy(&c, s + 64, 32);
  memcpy(&e, s + 96, 32);
  memcpy(d, &a, 32);
  memcpy(d + 32, &b, 32);
  memcpy(d + 64, &c, 32);
  memcpy(d + 96, &e, 32);
}

AVX2_INLINE void move256(uint8_t *d, const uint8_t *s) {
  move128(d, s);
  move128(d + 128, s + 128);
}

/* n >= 128. The bytes past the last whole step are copied by blocks that
 * end at n and overlap what is already copied (the same bytes again: the
 * buffers do not overlap), so there is no per-size tail. */
AVX2_FN void copy_avx2(uint8_t *d, const uint8_t *s, size_t n) {
  if (n < 256) {
    move128(d, s);
    move128(d + n - 128, s + n - 128);
    return;
  }
  size_t i = 0;
  for (; i + 512 <= n; i += 512) {
    move256(d + i, s + i);
    move256(d + i + 256, s + i + 256);
  }
  if (n - i > 256) move256(d + i, s + i);
  if (i < n) move256(d + n - 256, s + n - 256);
}
#endif

void mptcp_copy(uint8_t *dst, const uint8_t *src, size_t n) {
#if defined(COPY_AVX2)
  /* The CPU's answer is cached by libgcc / compiler-rt: a load and a
   * test. Below 128 bytes memcpy() is as short. */
  if (n >= 128 && __builtin_cpu_supports("avx2")) {
    copy_avx2(dst, src, n);
    return;
  }
#endif
  memcpy(dst, src, n);
}
