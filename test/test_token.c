/*
 * The token table (lib/token.c) and key generation with collision retry
 * (RFC 8684 §3.1).
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <string.h>

#include "token.h"

static int owners[4096], stranger;

/* Insert, find, remove against a plain array model, with tokens chosen to
 * collide in the low bits (long probe runs, wrap-around at the end). */
START_TEST(test_token_model) {
  mptcp_alloc al;
  mptcp_alloc_init(&al, NULL, 0);
  mptcp_token_table t;
  mptcp_token_init(&t, &al);
  uint64_t rng = 7 + (uint64_t)_i;
  uint32_t model_tok[512];
  int model_n = 0;
  for (int step = 0; step < 4000; step++) {
    uint64_t r = tcheck_prng(&rng);
    /* few distinct low bits: clusters, and tokens at the table's end */
    uint32_t tok =
        (uint32_t)(r >> 32) << 6 | (uint32_t)(r & 3) | (_i ? 0x3cu : 0);
    int op = (int)((r >> 8) % 3);
    if (op < 2 && model_n < 512) {
      int have = -1;
      for (int k = 0; k < model_n; k++)
        if (model_tok[k] == tok) have = k;
      int rv = mptcp_token_insert(&t, tok, &owners[model_n]);
      if (have >= 0) {
        ck_assert_int_eq(rv, MPTCP_ERR_EXISTS);
      } else {
        ck_assert_int_eq(rv, 0);
        model_tok[model_n++] = tok;
      }
    } else if (model_n) {
      int k = (int)((r >> 16) % (uint64_t)model_n);
      void *owner = mptcp_token_find(&t, model_tok[k]);
      ck_assert_ptr_nonnull(owner);
      mptcp_token_remove(&t, model_tok[k], &stranger); /* wrong owner */
      ck_assert_ptr_eq(mptcp_token_find(&t, model_tok[k]), owner);
      mptcp_token_remove(&t, model_tok[k], owner);
      ck_assert_ptr_null(mptcp_token_find(&t, model_tok[k]));
      /* the model keeps owners by index: move the last entry down */
      model_tok[k] = model_tok[--model_n];
      if (k != model_n) {
        void *o = mptcp_token_find(&t, model_tok[k]);
        mptcp_token_remove(&t, model_tok[k], o);
        ck_assert_int_eq(mptcp_token_insert(&t, model_tok[k], &owners[k]), 0);
      }
    }
    ck_assert_uint_eq(t.n, (unsigned)model_n);
    if (step % 97 == 0)
      for (int k = 0; k < model_n; k++)
        ck_assert_ptr_eq(mptcp_token_find(&t, model_tok[k]), &owners[k]);
  }
  ck_assert_uint_le(2 * t.n, t.cap);
  mptcp_token_free(&t);
  ck_assert_uint_eq(al.held, 0);
}
END_TEST

/* A rand hook that replays a script of keys. */
typedef struct keyscript {
  const uint64_t *keys;
  int i;
} keyscript;
static void script_rand(uint8_t *d, size_t n, void *ud) {
  keyscript *s = ud;
  uint64_t k = s->keys[s->i++];
  for (size_t j = 0; j < n && j < 8; j++) d[j] = (uint8_t)(k >> (56 - 8 * j));
}

/* RFC 8684 §3.1: a key whose token is in use is replaced; after
 * MPTCP_TOKEN_KEY_TRIES collisions the caller is told. */
START_TEST(test_token_new_key_collision) {
  mptcp_alloc al;
  mptcp_alloc_init(&al, NULL, 0);
  mptcp_token_table t;
  mptcp_token_init(&t, &al);
  /* test-values.md §1: v1 token of K1 is 0x66840dda, of K2 0x18f9781b */
  ck_assert_int_eq(mptcp_token_insert(&t, 0x66840ddau, &owners[0]), 0);
  const uint64_t keys[] = {K1, K1, K2};
  keyscript s = {keys, 0};
  uint64_t key = 0, idsn = 0;
  uint32_t token = 0;
  ck_assert_int_eq(
      mptcp_token_new_key(&t, 1, script_rand, &s, &key, &token, &idsn), 0);
  ck_assert_int_eq(s.i, 3); /* two collisions, then K2 */
  CK_X64(key, K2);
  CK_X64(token, 0x18f9781bu);
  CK_X64(idsn, UINT64_C(0x280818bf0fa7e28e));
  const uint64_t all_k1[MPTCP_TOKEN_KEY_TRIES] = {K1, K1, K1, K1,
                                                  K1, K1, K1, K1};
  keyscript s2 = {all_k1, 0};
  ck_assert_int_eq(
      mptcp_token_new_key(&t, 1, script_rand, &s2, &key, &token, &idsn),
      MPTCP_ERR_EXISTS);
  ck_assert_int_eq(s2.i, MPTCP_TOKEN_KEY_TRIES);
  /* v0 tokens are SHA-1 based: K1's v0 token 0xdd5783bc is free */
  keyscript s3 = {keys, 0};
  ck_assert_int_eq(
      mptcp_token_new_key(&t, 0, script_rand, &s3, &key, &token, NULL), 0);
  CK_X64(token, 0xdd5783bcu);
  mptcp_token_free(&t);
}
END_TEST

Suite *suite_token(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_token_model, 2),
      TCHECK_TEST(test_token_new_key_collision),
  };
  return tcheck_suite("token", tests, sizeof tests / sizeof tests[0]);
}
