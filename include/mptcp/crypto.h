/*
 * libmptcp - key-derived values, HMACs, DSS checksum, random keys.
 * Only lib/crypto.c talks to OpenSSL; this header does not include it.
 *
 * All keys are 64-bit values hashed as 8 big-endian bytes; nonces are 32-bit
 * values used as 4 big-endian bytes (RFC 8684 §3.1, §3.2).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_CRYPTO_H
#define MPTCP_CRYPTO_H

#include <mptcp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MPTCP_JOIN_HMAC_LEN_V1 32 /* HMAC-SHA256 */
#define MPTCP_JOIN_HMAC_LEN_V0 20 /* HMAC-SHA1 */
#define MPTCP_JOIN_TRUNC_SYNACK 8 /* leftmost 64 bits in the SYN/ACK */
#define MPTCP_JOIN_TRUNC_ACK 20   /* leftmost 160 bits in the third ACK */

/**
 * Token and IDSN of @p key (RFC 8684 §3.1; RFC 6824 §3.1 for v0):
 * v1 = SHA-256, token = digest[0..3], IDSN = digest[24..31];
 * v0 = SHA-1, token = digest[0..3], IDSN = digest[12..19].
 * Either output may be NULL.
 * @return 0, MPTCP_ERR_INVALID_ARG (version not 0/1), MPTCP_ERR_CRYPTO.
 */
MPTCP_API int mptcp_crypto_key_derive(int version, uint64_t key,
                                      uint32_t *token, uint64_t *idsn);

/**
 * MP_JOIN HMAC computed by the host owning @p key_local and @p nonce_local:
 * HMAC(key = key_local || key_remote, msg = nonce_local || nonce_remote),
 * SHA-256 for v1 (32 bytes) or SHA-1 for v0 (20 bytes) into @p out, which
 * must hold MPTCP_JOIN_HMAC_LEN_V1 bytes.
 * @return the HMAC length, MPTCP_ERR_INVALID_ARG, MPTCP_ERR_CRYPTO.
 */
MPTCP_API int mptcp_crypto_join_hmac(int version, uint64_t key_local,
                                     uint64_t key_remote, uint32_t nonce_local,
                                     uint32_t nonce_remote, uint8_t *out);

/**
 * ADD_ADDR HMAC (v1 only, RFC 8684 §3.4.1): HMAC-SHA256(key = key_sender ||
 * key_receiver, msg = addr_id || address || port, port 0 when absent),
 * truncated to its rightmost 64 bits, returned as a big-endian integer.
 * @return 0, MPTCP_ERR_INVALID_ARG (bad family), MPTCP_ERR_CRYPTO.
 */
MPTCP_API int mptcp_crypto_add_addr_hmac(uint64_t key_sender,
                                         uint64_t key_receiver, uint8_t addr_id,
                                         const mptcp_ipaddr *addr,
                                         uint16_t port, uint64_t *out);

/** Constant-time comparison: 1 if the @p n bytes at @p a and @p b match. */
MPTCP_API int mptcp_crypto_equal(const void *a, const void *b, size_t n);

/**
 * Fills @p dst through @p rand (or libcrypto's RAND_bytes if NULL).
 * @return 0 or MPTCP_ERR_CRYPTO.
 */
MPTCP_API int mptcp_crypto_random(mptcp_rand_fn rand, void *user_data,
                                  uint8_t *dst, size_t n);

/**
 * DSS checksum accumulator (RFC 8684 §3.3.1, Figure 10): the Internet
 * checksum over a pseudo-header (64-bit DSN, relative SSN, DLL, zero) and
 * the mapped payload, fed in pieces in subflow order; pieces may have any
 * length (odd ones included).
 */
typedef struct mptcp_dss_csum_state {
  uint32_t sum;
  uint64_t fed; /* payload bytes so far: their parity aligns the next piece */
} mptcp_dss_csum_state;

/** Starts a checksum for the mapping (@p dsn is the full 64-bit DSN). */
MPTCP_API void mptcp_dss_csum_init(mptcp_dss_csum_state *c, uint64_t dsn,
                                   uint32_t ssn, uint16_t dll);
/** Adds the next @p len payload bytes of the mapping. */
MPTCP_API void mptcp_dss_csum_add(mptcp_dss_csum_state *c, const uint8_t *data,
                                  size_t len);
/** The value for the option's Checksum field. */
MPTCP_API uint16_t mptcp_dss_csum_final(const mptcp_dss_csum_state *c);
/** 1 if @p received (the option's field) validates the data fed so far. */
MPTCP_API int mptcp_dss_csum_check(const mptcp_dss_csum_state *c,
                                   uint16_t received);
/** One-shot: checksum of a mapping whose payload is contiguous. */
MPTCP_API uint16_t mptcp_dss_csum(uint64_t dsn, uint32_t ssn, uint16_t dll,
                                  const uint8_t *data, size_t len);

/**
 * Expands a 32-bit DSN or Data ACK @p v to the 64-bit value closest to
 * @p ref (RFC 8684 §3.3.1; valid within +-2^31 of ref).
 */
MPTCP_API uint64_t mptcp_expand_seq(uint64_t ref, uint32_t v);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_CRYPTO_H */
