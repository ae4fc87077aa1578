/*
 * Key-derived values and HMACs (RFC 8684 §3.1, §3.2, §3.4.1; RFC 6824 §3.1,
 * §3.2), the DSS checksum (RFC 8684 §3.3.1) and random bytes.
 * The only file of the library that includes OpenSSL.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/codec.h>
#include <mptcp/crypto.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <string.h>

#include "isn.h"
#include "wire.h"

MPTCP_API int mptcp_crypto_key_derive(int version, uint64_t key,
                                      uint32_t *token, uint64_t *idsn) {
  uint8_t k[8], d[SHA256_DIGEST_LENGTH];
  size_t idsn_off;
  mptcp_put64(k, key); /* hashed in network byte order (§3.1) */
  if (version == 1) {
    if (!SHA256(k, sizeof k, d)) return MPTCP_ERR_CRYPTO;
    idsn_off = 24; /* least significant 64 bits of 256 */
  } else if (version == 0) {
    if (!SHA1(k, sizeof k, d)) return MPTCP_ERR_CRYPTO;
    idsn_off = 12; /* least significant 64 bits of 160 */
  } else {
    return MPTCP_ERR_INVALID_ARG;
  }
  if (token) *token = mptcp_get32(d);
  if (idsn) *idsn = mptcp_get64(d + idsn_off);
  return 0;
}

static int hmac(int version, const uint8_t *key, size_t klen,
                const uint8_t *msg, size_t mlen, uint8_t *out) {
  const EVP_MD *md = version == 1 ? EVP_sha256() : EVP_sha1();
  unsigned int olen = 0;
  if (!HMAC(md, key, (int)klen, msg, mlen, out, &olen)) return MPTCP_ERR_CRYPTO;
  return (int)olen;
}

MPTCP_API int mptcp_crypto_join_hmac(int version, uint64_t key_local,
                                     uint64_t key_remote, uint32_t nonce_local,
                                     uint32_t nonce_remote, uint8_t *out) {
  if (version != 0 && version != 1) return MPTCP_ERR_INVALID_ARG;
  uint8_t key[16], msg[8];
  /* The computing host's own key and nonce come first (§3.2). */
  mptcp_put64(key, key_local);
  mptcp_put64(key + 8, key_remote);
  mptcp_put32(msg, nonce_local);
  mptcp_put32(msg + 4, nonce_remote);
  return hmac(version, key, sizeof key, msg, sizeof msg, out);
}

MPTCP_API int mptcp_crypto_add_addr_hmac(uint64_t key_sender,
                                         uint64_t key_receiver, uint8_t addr_id,
                                         const mptcp_ipaddr *addr,
                                         uint16_t port, uint64_t *out) {
  size_t alen = mptcp_ipaddr_len(addr);
  if (!alen) return MPTCP_ERR_INVALID_ARG;
  uint8_t key[16], msg[1 + 16 + 2], d[SHA256_DIGEST_LENGTH];
  mptcp_put64(key, key_sender);
  mptcp_put64(key + 8, key_receiver);
  msg[0] = addr_id;
  memcpy(msg + 1, addr->a, alen);
  mptcp_put16(msg + 1 + alen, port); /* 0 when the option has no port */
  int r = hmac(1, key, sizeof key, msg, 1 + alen + 2, d);
  if (r < 0) return r;
  *out = mptcp_get64(d + 24); /* rightmost 64 bits, unlike MP_JOIN */
  return 0;
}

MPTCP_API int mptcp_crypto_equal(const void *a, const void *b, size_t n) {
  return CRYPTO_memcmp(a, b, n) == 0;
}

MPTCP_API int mptcp_crypto_random(mptcp_rand_fn rand, void *user_data,
                                  uint8_t *dst, size_t n) {
  if (rand) {
    rand(dst, n, user_data);
    return 0;
  }
  while (n > 0) {
    int chunk = n > 1 << 20 ? 1 << 20 : (int)n;
    if (RAND_bytes(dst, chunk) != 1) return MPTCP_ERR_CRYPTO;
    dst += chunk;
    n -= (size_t)chunk;
  }
  return 0;
}

/* ---------------- DSS checksum ---------------- */

static uint32_t swap_sum(uint32_t s) {
  /* A piece starting at an odd offset contributes its sum byte-swapped
   * (RFC 1071 §2(B)); fold first so the swap stays within 16 bits. */
  while (s >> 16) s = (s & 0xffffu) + (s >> 16);
  return ((s & 0xffu) << 8) | (s >> 8);
}

MPTCP_API void mptcp_dss_csum_init(mptcp_dss_csum_state *c, uint64_t dsn,
                                   uint32_t ssn, uint16_t dll) {
  uint8_t ph[16];
  mptcp_put64(ph, dsn); /* always the full 64-bit DSN (§3.3.1) */
  mptcp_put32(ph + 8, ssn);
  mptcp_put16(ph + 12, dll);
  mptcp_put16(ph + 14, 0);
  c->sum = mptcp_csum_partial(ph, sizeof ph, 0);
  c->fed = 0;
}

MPTCP_API void mptcp_dss_csum_add(mptcp_dss_csum_state *c, const uint8_t *data,
                                  size_t len) {
  if (!len) return;
  uint32_t s = mptcp_csum_partial(data, len, 0);
  if (c->fed & 1) s = swap_sum(s);
  uint64_t t = (uint64_t)c->sum + s;
  c->sum = (uint32_t)((t & 0xffffffffu) + (t >> 32));
  c->fed += len;
}

MPTCP_API uint16_t mptcp_dss_csum_final(const mptcp_dss_csum_state *c) {
  return mptcp_csum_finish(c->sum);
}

MPTCP_API int mptcp_dss_csum_check(const mptcp_dss_csum_state *c,
                                   uint16_t received) {
  uint64_t t = (uint64_t)c->sum + received;
  return mptcp_csum_finish((uint32_t)((t & 0xffffffffu) + (t >> 32))) == 0;
}

MPTCP_API uint16_t mptcp_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t dll,
                                  const uint8_t *data, size_t len) {
  mptcp_dss_csum_state c;
  mptcp_dss_csum_init(&c, dsn, ssn, dll);
  mptcp_dss_csum_add(&c, data, len);
  return mptcp_dss_csum_final(&c);
}

/* Closest 64-bit value to ref with low half v (§3.3.1, [Linux] expand). */
MPTCP_API uint64_t mptcp_expand_seq(uint64_t ref, uint32_t v) {
  int32_t delta = (int32_t)(v - (uint32_t)ref);
  return ref + (uint64_t)(int64_t)delta;
}

/* RFC 6528 §3: F() must be a keyed hash of the 4-tuple. */
uint32_t mptcp_isn(const uint8_t secret[16], const mptcp_ipaddr *laddr,
                   uint16_t lport, const mptcp_ipaddr *raddr, uint16_t rport,
                   mptcp_tstamp now) {
  uint8_t m[16 + 16 + 2 + 2 + 16], d[SHA256_DIGEST_LENGTH];
  size_t n = 0, al = mptcp_ipaddr_len(laddr);
  memcpy(m + n, laddr->a, al);
  n += al;
  memcpy(m + n, raddr->a, al);
  n += al;
  mptcp_put16(m + n, lport);
  mptcp_put16(m + n + 2, rport);
  n += 4;
  memcpy(m + n, secret, 16);
  n += 16;
  SHA256(m, n, d);
  return mptcp_get32(d) + (uint32_t)(now / 4);
}
