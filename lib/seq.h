/* TCP sequence-space comparisons (RFC 9293 §3.4: arithmetic mod 2^32).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_SEQ_H
#define MPTCP_SEQ_H

#include <stdint.h>

static inline int mptcp_seq_lt(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) < 0;
}
static inline int mptcp_seq_leq(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) <= 0;
}
static inline int mptcp_seq_gt(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) > 0;
}
static inline int mptcp_seq_geq(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) >= 0;
}
static inline uint32_t mptcp_seq_max(uint32_t a, uint32_t b) {
  return mptcp_seq_gt(a, b) ? a : b;
}
static inline uint32_t mptcp_seq_min(uint32_t a, uint32_t b) {
  return mptcp_seq_lt(a, b) ? a : b;
}
/* a <= x < b in sequence space */
static inline int mptcp_seq_in(uint32_t x, uint32_t a, uint32_t b) {
  return (uint32_t)(x - a) < (uint32_t)(b - a);
}

#endif
