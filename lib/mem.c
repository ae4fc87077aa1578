/* SPDX-License-Identifier: MIT */
#include "mem.h"

#include <stdlib.h>
#include <string.h>

static void *libc_malloc(size_t n, void *ud) {
  (void)ud;
  return malloc(n);
}
static void libc_free(void *p, void *ud) {
  (void)ud;
  free(p);
}
static void *libc_calloc(size_t m, size_t n, void *ud) {
  (void)ud;
  return calloc(m, n);
}
static void *libc_realloc(void *p, size_t n, void *ud) {
  (void)ud;
  return realloc(p, n);
}

void mptcp_alloc_init(mptcp_alloc *a, const mptcp_mem *mem, size_t cap) {
  static const mptcp_mem libc = {NULL, libc_malloc, libc_free, libc_calloc,
                                 libc_realloc};
  a->mem = mem && mem->malloc && mem->free ? *mem : libc;
  a->held = 0;
  a->cap = cap;
}

/* A header big enough to keep any following object aligned. */
typedef union hdr {
  size_t n;
  max_align_t align;
} hdr;

int mptcp_alloc_room(const mptcp_alloc *a, size_t n) {
  return a->cap == 0 || (a->held <= a->cap && n <= a->cap - a->held);
}

void *mptcp_alloc_get_raw(mptcp_alloc *a, size_t n) {
  if (n > SIZE_MAX - sizeof(hdr) || !mptcp_alloc_room(a, n)) return NULL;
  hdr *h = a->mem.malloc(sizeof(hdr) + n, a->mem.user_data);
  if (!h) return NULL;
  h->n = n;
  a->held += n;
  return h + 1;
}

void *mptcp_alloc_get(mptcp_alloc *a, size_t n) {
  void *p = mptcp_alloc_get_raw(a, n);
  if (p) memset(p, 0, n);
  return p;
}

void mptcp_alloc_put(mptcp_alloc *a, void *p) {
  if (!p) return;
  hdr *h = (hdr *)p - 1;
  a->held -= h->n;
  a->mem.free(h, a->mem.user_data);
}
