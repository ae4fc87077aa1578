/* Bulk byte copy for the data path (app <-> rings). memcpy() semantics:
 * the two buffers must not overlap.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_COPY_H
#define MPTCP_COPY_H

#include <stddef.h>
#include <stdint.h>

void mptcp_copy(uint8_t *dst, const uint8_t *src, size_t n);

#endif
