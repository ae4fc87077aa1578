/* The per-stack token table (RFC 8684 §3.1, §3.2): 32-bit token ->
 * connection, so an MP_JOIN SYN finds its connection, and so a new key is
 * never chosen whose token is already in use. Open addressing with linear
 * probing; tokens are truncated hashes of random keys, so the low bits
 * are a good index, and the load factor stays at most 1/2 so a lookup of
 * an attacker-chosen token probes a short run.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_TOKEN_H
#define MPTCP_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

typedef struct mptcp_token_slot {
  uint32_t token;
  void *owner; /* NULL = empty slot */
} mptcp_token_slot;

typedef struct mptcp_token_table {
  mptcp_token_slot *slots;
  size_t cap; /* power of two, or 0 before the first insert */
  size_t n;
  mptcp_alloc *alloc;
} mptcp_token_table;

/* Tries to find a key with an unused token before giving up. */
#define MPTCP_TOKEN_KEY_TRIES 8

void mptcp_token_init(mptcp_token_table *t, mptcp_alloc *alloc);
void mptcp_token_free(mptcp_token_table *t);
/* The owner of @p token, or NULL. */
void *mptcp_token_find(const mptcp_token_table *t, uint32_t token);
/* Adds token -> owner (owner != NULL). Returns 0, MPTCP_ERR_EXISTS if the
 * token is taken, MPTCP_ERR_NOMEM if the table cannot grow. */
int mptcp_token_insert(mptcp_token_table *t, uint32_t token, void *owner);
/* Removes @p token if @p owner holds it (a no-op otherwise). */
void mptcp_token_remove(mptcp_token_table *t, uint32_t token, void *owner);

/* A fresh local key for a connection of @p version (0/1) whose token is
 * not in the table (RFC 8684 §3.1: "SHOULD check ... pick another key"),
 * drawn through @p rand; the key is not inserted. Returns 0,
 * MPTCP_ERR_EXISTS after MPTCP_TOKEN_KEY_TRIES collisions (the caller then
 * answers without MP_CAPABLE), or MPTCP_ERR_CRYPTO. */
int mptcp_token_new_key(const mptcp_token_table *t, int version,
                        mptcp_rand_fn rand, void *rand_ud, uint64_t *key,
                        uint32_t *token, uint64_t *idsn);

#endif
