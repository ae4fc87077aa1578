/* Token table (RFC 8684 §3.1, §3.2). SPDX-License-Identifier: MIT */
#include "token.h"

#include <mptcp/crypto.h>
#include <string.h>

#define TOKEN_MIN_CAP 16

void mptcp_token_init(mptcp_token_table *t, mptcp_alloc *alloc) {
  memset(t, 0, sizeof *t);
  t->alloc = alloc;
}

void mptcp_token_free(mptcp_token_table *t) {
  mptcp_alloc_put(t->alloc, t->slots);
  t->slots = NULL;
  t->cap = t->n = 0;
}

static size_t home(const mptcp_token_table *t, uint32_t token) {
  return token & (t->cap - 1);
}

void *mptcp_token_find(const mptcp_token_table *t, uint32_t token) {
  if (t->cap == 0) return NULL;
  for (size_t i = home(t, token);; i = (i + 1) & (t->cap - 1)) {
    const mptcp_token_slot *s = &t->slots[i];
    if (!s->owner) return NULL; /* load <= 1/2: an empty slot always exists */
    if (s->token == token) return s->owner;
  }
}

static void place(mptcp_token_slot *slots, size_t cap, uint32_t token,
                  void *owner) {
  size_t i = token & (cap - 1);
  while (slots[i].owner) i = (i + 1) & (cap - 1);
  slots[i].token = token;
  slots[i].owner = owner;
}

static int grow(mptcp_token_table *t) {
  size_t cap = t->cap ? t->cap * 2 : TOKEN_MIN_CAP;
  if (cap > SIZE_MAX / sizeof(mptcp_token_slot)) return MPTCP_ERR_NOMEM;
  mptcp_token_slot *slots =
      mptcp_alloc_get(t->alloc, cap * sizeof(mptcp_token_slot));
  if (!slots) return MPTCP_ERR_NOMEM;
  for (size_t i = 0; i < t->cap; i++)
    if (t->slots[i].owner)
      place(slots, cap, t->slots[i].token, t->slots[i].owner);
  mptcp_alloc_put(t->alloc, t->slots);
  t->slots = slots;
  t->cap = cap;
  return 0;
}

int mptcp_token_insert(mptcp_token_table *t, uint32_t token, void *owner) {
  if (!owner) return MPTCP_ERR_INVALID_ARG;
  if (mptcp_token_find(t, token)) return MPTCP_ERR_EXISTS;
  if (2 * (t->n + 1) > t->cap) {
    int rv = grow(t);
    if (rv) return rv;
  }
  place(t->slots, t->cap, token, owner);
  t->n++;
  return 0;
}

void mptcp_token_remove(mptcp_token_table *t, uint32_t token, void *owner) {
  if (t->cap == 0) return;
  size_t mask = t->cap - 1, i = home(t, token);
  while (t->slots[i].owner &&
         !(t->slots[i].token == token && t->slots[i].owner == owner))
    i = (i + 1) & mask;
  if (!t->slots[i].owner) return;
  /* Backward-shift deletion: move later members of the run into the hole
   * when their home position does not lie (cyclically) after the hole,
   * so lookups never need tombstones. */
  size_t hole = i;
  for (size_t j = (i + 1) & mask; t->slots[j].owner; j = (j + 1) & mask) {
    size_t h = home(t, t->slots[j].token);
    int stays = hole <= j ? (hole < h && h <= j) : (hole < h || h <= j);
    if (stays) continue;
    t->slots[hole] = t->slots[j];
    hole = j;
  }
  t->slots[hole].owner = NULL;
  t->slots[hole].token = 0;
  t->n--;
}

int mptcp_token_new_key(const mptcp_token_table *t, int version,
                        mptcp_rand_fn rand, void *rand_ud, uint64_t *key,
                        uint32_t *token, uint64_t *idsn) {
  for (int i = 0; i < MPTCP_TOKEN_KEY_TRIES; i++) {
    uint8_t b[8];
    if (mptcp_crypto_random(rand, rand_ud, b, sizeof b))
      return MPTCP_ERR_CRYPTO;
    uint64_t k = 0;
    for (size_t j = 0; j < sizeof b; j++) k = k << 8 | b[j];
    uint32_t tok;
    uint64_t ids;
    int rv = mptcp_crypto_key_derive(version, k, &tok, &ids);
    if (rv) return rv;
    if (mptcp_token_find(t, tok)) continue;
    *key = k;
    if (token) *token = tok;
    if (idsn) *idsn = ids;
    return 0;
  }
  return MPTCP_ERR_EXISTS;
}
