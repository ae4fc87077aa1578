/* Bulk byte copy for the data path (app <-> rings). memcpy() semantics:
 * the two buffers must not overlap.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_COPY_H
#define MPTCP_COPY_H

#include <stddef.h>
#include <stdint.h>

void mptcp_copy(uint8_t *dst, const uint8_t *src, size_t n);

/* mptcp_csum_copy() with no sum to add (its result is folded once, at
 * most 0x2fefe): the rings' per-segment copies call the kernel without
 * the public function's extra step. Defined with the kernels in pkt.c. */
uint32_t mptcp_csum_copy0(uint8_t *dst, const uint8_t *src, size_t n);

#endif
