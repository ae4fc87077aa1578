/* Allocation through the caller's hook, with a byte budget.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_MEM_H
#define MPTCP_MEM_H

#include <mptcp/stack.h>

/* The allocator a stack uses: the hook plus accounting of the bytes the
 * library holds, so a stack-wide cap can refuse new work. */
typedef struct mptcp_alloc {
  mptcp_mem mem; /* hooks; libc when the user gave none */
  size_t held;   /* bytes currently allocated through mptcp_alloc_get */
  size_t cap;    /* 0 = unlimited */
} mptcp_alloc;

void mptcp_alloc_init(mptcp_alloc *a, const mptcp_mem *mem, size_t cap);
/* Zeroed block of n bytes, or NULL (hook failure or cap). The size is
 * remembered in a small header so frees account exactly. */
void *mptcp_alloc_get(mptcp_alloc *a, size_t n);
/* As mptcp_alloc_get, but the bytes are left as they are (data buffers). */
void *mptcp_alloc_get_raw(mptcp_alloc *a, size_t n);
void mptcp_alloc_put(mptcp_alloc *a, void *p);
/* 1 if n more bytes would stay under the cap. */
int mptcp_alloc_room(const mptcp_alloc *a, size_t n);

#endif
