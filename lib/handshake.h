/* The MPTCP handshake options: what MP_CAPABLE and MP_JOIN to put on a
 * SYN, SYN/ACK, third ACK or first data segment, and what a received one
 * decides (version, checksums, fallback; HMAC validity). Pure functions
 * over parsed options: the subflow state machine acts on their verdicts.
 * RFC 8684 §3.1-§3.2 (spec/mptcp-v1-wire.md §2, §4), RFC 6824 for v0
 * (spec/mptcp-v0-diff.md §2, §6).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_HANDSHAKE_H
#define MPTCP_HANDSHAKE_H

#include <mptcp/codec.h>
#include <stdint.h>

/* Local MP_CAPABLE policy. */
typedef struct mptcp_mpc_policy {
  uint8_t version;         /* what a client offers: 1 (or 0 for v0 peers) */
  uint8_t accept_v0;       /* a listener also answers v0 SYNs */
  uint8_t checksum;        /* ask for DSS checksums (A bit) */
  uint8_t deny_join_first; /* C bit: no joins to our initial addr/port */
} mptcp_mpc_policy;

/* The outcome of an MP_CAPABLE exchange, as far as it has got. */
typedef struct mptcp_mpc_neg {
  uint8_t version;         /* 0 or 1 */
  uint8_t checksum;        /* DSS checksums in use (A from either side) */
  uint8_t peer_deny_first; /* peer set C (v1): no MP_JOIN to its first addr */
  uint64_t peer_key;       /* valid once learned (v0 SYN, SYN/ACK, ACK) */
} mptcp_mpc_neg;

/* Why a received MP_CAPABLE did not lead to MPTCP (0 = it did). */
enum mptcp_mpc_verdict {
  MPTCP_MPC_OK = 0,
  MPTCP_MPC_ABSENT,      /* no (valid) MP_CAPABLE: plain TCP */
  MPTCP_MPC_BAD_VERSION, /* a version we do not speak in this role */
  MPTCP_MPC_BAD_FLAGS,   /* B set, or no crypto algorithm we support */
  MPTCP_MPC_BAD_KEY      /* third ACK echoes a key that is not ours */
};

/* The first MP_CAPABLE of @p o with status OK, or NULL. */
const mptcp_subopt *mptcp_find_subopt(const mptcp_tcpopts *o, uint8_t subtype);

/* SYN of a client: v1 without key, v0 with @p local_key. */
void mptcp_mpc_syn(const mptcp_mpc_policy *p, uint64_t local_key,
                   mptcp_subopt *out);
/* Listener, on a SYN: may we answer with MP_CAPABLE? Fills @p neg. */
int mptcp_mpc_on_syn(const mptcp_mpc_policy *p, const mptcp_tcpopts *o,
                     mptcp_mpc_neg *neg);
/* SYN/ACK of a listener that accepted. */
void mptcp_mpc_synack(const mptcp_mpc_policy *p, const mptcp_mpc_neg *neg,
                      uint64_t local_key, mptcp_subopt *out);
/* Client, on the SYN/ACK: MPTCP or plain TCP? Fills @p neg. */
int mptcp_mpc_on_synack(const mptcp_mpc_policy *p, const mptcp_tcpopts *o,
                        mptcp_mpc_neg *neg);
/* Third ACK (dll == 0 and no payload) or first data segment (DATA form,
 * v1 only: @p dll bytes, @p csum used when neg->checksum). */
void mptcp_mpc_ack(const mptcp_mpc_neg *neg, uint64_t local_key, int data,
                   uint16_t dll, uint16_t csum, mptcp_subopt *out);
/* Listener, on the segment that completes the handshake: the MP_CAPABLE
 * must echo @p local_key in the negotiated version; fills neg->peer_key. */
int mptcp_mpc_on_ack(const mptcp_mpc_neg *neg_in, uint64_t local_key,
                     const mptcp_tcpopts *o, mptcp_mpc_neg *neg);

/* ---- MP_JOIN ---- */

/* The keys and nonces of one join, from this host's point of view. */
typedef struct mptcp_join_keys {
  uint8_t version;
  uint64_t local_key, remote_key;
  uint32_t local_nonce, remote_nonce;
} mptcp_join_keys;

void mptcp_join_syn(uint32_t remote_token, uint32_t nonce, uint8_t addr_id,
                    int backup, mptcp_subopt *out);
/* SYN/ACK with the leftmost 64 bits of our HMAC. Returns 0 or
 * MPTCP_ERR_CRYPTO. */
int mptcp_join_synack(const mptcp_join_keys *k, uint8_t addr_id, int backup,
                      mptcp_subopt *out);
/* Third ACK with the leftmost 160 bits of our HMAC. */
int mptcp_join_ack(const mptcp_join_keys *k, mptcp_subopt *out);
/* 1 if @p join (a SYN/ACK or ACK form from the peer) carries the peer's
 * correct HMAC, 0 if not (or on a crypto failure). Constant time. */
int mptcp_join_check(const mptcp_join_keys *k, const mptcp_join *join);

#endif
