/* MP_CAPABLE / MP_JOIN decisions (RFC 8684 §3.1, §3.2; RFC 6824).
 * SPDX-License-Identifier: MIT */
#include "handshake.h"

#include <mptcp/crypto.h>
#include <string.h>

const mptcp_subopt *mptcp_find_subopt(const mptcp_tcpopts *o, uint8_t subtype) {
  for (unsigned i = 0; i < o->n_mptcp; i++)
    if (o->mptcp[i].subtype == subtype && o->mptcp[i].status == MPTCP_SUBOPT_OK)
      return &o->mptcp[i];
  return NULL;
}

static void mpc_init(mptcp_subopt *out, uint8_t version, uint8_t form,
                     uint8_t flags) {
  memset(out, 0, sizeof *out);
  out->subtype = MPTCP_SUB_CAPABLE;
  out->u.mpc.version = version;
  out->u.mpc.form = form;
  out->u.mpc.flags = flags;
}

/* Our flags: H (HMAC-SHA256 in v1, HMAC-SHA1 in v0) is the one algorithm
 * either version defines; C only exists in v1 (in v0 it is a crypto bit). */
static uint8_t our_flags(uint8_t version, int checksum, int deny_first) {
  uint8_t f = MPTCP_CAP_H;
  if (checksum) f |= MPTCP_CAP_A;
  if (deny_first && version >= 1) f |= MPTCP_CAP_C;
  return f;
}

void mptcp_mpc_syn(const mptcp_mpc_policy *p, uint64_t local_key,
                   mptcp_subopt *out) {
  mpc_init(out, p->version, MPTCP_MPC_SYN,
           our_flags(p->version, p->checksum, p->deny_join_first));
  if (p->version == 0) out->u.mpc.snd_key = local_key;
}

/* The crypto choice: we only know H. A SYN may offer more (we pick H); an
 * answer must name exactly one algorithm, and it must be H. */
static int crypto_ok(const mptcp_mpc *m, int answer) {
  uint8_t mask = m->version == 0 ? MPTCP_CAP_CRYPTO_V0 : MPTCP_CAP_CRYPTO_V1;
  uint8_t c = m->flags & mask;
  return answer ? c == MPTCP_CAP_H : (c & MPTCP_CAP_H) != 0;
}

int mptcp_mpc_on_syn(const mptcp_mpc_policy *p, const mptcp_tcpopts *o,
                     mptcp_mpc_neg *neg) {
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_CAPABLE);
  memset(neg, 0, sizeof *neg);
  if (!so || so->u.mpc.form != MPTCP_MPC_SYN) return MPTCP_MPC_ABSENT;
  const mptcp_mpc *m = &so->u.mpc;
  /* spec v0-diff §6: (len 4, ver >= 1) -> v1; (len 12, ver 0) -> v0. A
   * version above 1 is answered with ours (the answer may be lower). */
  if (m->version == 0 && !p->accept_v0) return MPTCP_MPC_BAD_VERSION;
  if (!crypto_ok(m, 0)) return MPTCP_MPC_BAD_FLAGS;
  neg->version = m->version == 0 ? 0 : 1;
  neg->checksum = p->checksum || (m->flags & MPTCP_CAP_A);
  neg->peer_deny_first = neg->version >= 1 && (m->flags & MPTCP_CAP_C);
  if (neg->version == 0) neg->peer_key = m->snd_key;
  return MPTCP_MPC_OK;
}

void mptcp_mpc_synack(const mptcp_mpc_policy *p, const mptcp_mpc_neg *neg,
                      uint64_t local_key, mptcp_subopt *out) {
  mpc_init(out, neg->version, MPTCP_MPC_SYNACK,
           our_flags(neg->version, neg->checksum, p->deny_join_first));
  out->u.mpc.snd_key = local_key;
}

int mptcp_mpc_on_synack(const mptcp_mpc_policy *p, const mptcp_tcpopts *o,
                        mptcp_mpc_neg *neg) {
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_CAPABLE);
  memset(neg, 0, sizeof *neg);
  if (!so || so->u.mpc.form != MPTCP_MPC_SYNACK) return MPTCP_MPC_ABSENT;
  const mptcp_mpc *m = &so->u.mpc;
  /* The answer's version is the one in use; it may not exceed our offer,
   * and a v1 SYN (no key) cannot be answered in v0. */
  if (m->version != p->version) return MPTCP_MPC_BAD_VERSION;
  if (!crypto_ok(m, 1)) return MPTCP_MPC_BAD_FLAGS;
  neg->version = m->version;
  neg->checksum = p->checksum || (m->flags & MPTCP_CAP_A);
  neg->peer_deny_first = neg->version >= 1 && (m->flags & MPTCP_CAP_C);
  neg->peer_key = m->snd_key;
  return MPTCP_MPC_OK;
}

void mptcp_mpc_ack(const mptcp_mpc_neg *neg, uint64_t local_key, int data,
                   uint16_t dll, uint16_t csum, mptcp_subopt *out) {
  int as_data = data && neg->version >= 1;
  mpc_init(out, neg->version, as_data ? MPTCP_MPC_DATA : MPTCP_MPC_ACK,
           our_flags(neg->version, neg->checksum, 0));
  out->u.mpc.snd_key = local_key;
  out->u.mpc.rcv_key = neg->peer_key;
  if (as_data) {
    out->u.mpc.dll = dll;
    out->u.mpc.has_csum = neg->checksum;
    out->u.mpc.csum = neg->checksum ? csum : 0;
  }
}

int mptcp_mpc_on_ack(const mptcp_mpc_neg *neg_in, uint64_t local_key,
                     const mptcp_tcpopts *o, mptcp_mpc_neg *neg) {
  *neg = *neg_in;
  const mptcp_subopt *so = mptcp_find_subopt(o, MPTCP_SUB_CAPABLE);
  if (!so ||
      (so->u.mpc.form != MPTCP_MPC_ACK && so->u.mpc.form != MPTCP_MPC_DATA))
    return MPTCP_MPC_ABSENT;
  const mptcp_mpc *m = &so->u.mpc;
  if (m->version != neg_in->version) return MPTCP_MPC_BAD_VERSION;
  if (!crypto_ok(m, 1)) return MPTCP_MPC_BAD_FLAGS;
  /* The echo of our key proves the peer saw our SYN/ACK (§3.1). */
  if (m->rcv_key != local_key) return MPTCP_MPC_BAD_KEY;
  /* v0 announced the key on the SYN already: it must not change. */
  if (neg_in->version == 0 && m->snd_key != neg_in->peer_key)
    return MPTCP_MPC_BAD_KEY;
  neg->peer_key = m->snd_key;
  return MPTCP_MPC_OK;
}

/* ---------------- MP_JOIN ---------------- */

static void join_init(mptcp_subopt *out, uint8_t form) {
  memset(out, 0, sizeof *out);
  out->subtype = MPTCP_SUB_JOIN;
  out->u.join.form = form;
}

void mptcp_join_syn(uint32_t remote_token, uint32_t nonce, uint8_t addr_id,
                    int backup, mptcp_subopt *out) {
  join_init(out, MPTCP_JOIN_SYN);
  out->u.join.token = remote_token;
  out->u.join.nonce = nonce;
  out->u.join.addr_id = addr_id;
  out->u.join.backup = backup != 0;
}

int mptcp_join_synack(const mptcp_join_keys *k, uint8_t addr_id, int backup,
                      mptcp_subopt *out) {
  uint8_t mac[MPTCP_JOIN_HMAC_LEN_V1];
  join_init(out, MPTCP_JOIN_SYNACK);
  if (mptcp_crypto_join_hmac(k->version, k->local_key, k->remote_key,
                             k->local_nonce, k->remote_nonce, mac) < 0)
    return MPTCP_ERR_CRYPTO;
  memcpy(out->u.join.hmac, mac, MPTCP_JOIN_TRUNC_SYNACK);
  out->u.join.nonce = k->local_nonce;
  out->u.join.addr_id = addr_id;
  out->u.join.backup = backup != 0;
  return 0;
}

int mptcp_join_ack(const mptcp_join_keys *k, mptcp_subopt *out) {
  uint8_t mac[MPTCP_JOIN_HMAC_LEN_V1];
  join_init(out, MPTCP_JOIN_ACK);
  if (mptcp_crypto_join_hmac(k->version, k->local_key, k->remote_key,
                             k->local_nonce, k->remote_nonce, mac) < 0)
    return MPTCP_ERR_CRYPTO;
  memcpy(out->u.join.hmac, mac, MPTCP_JOIN_TRUNC_ACK);
  return 0;
}

int mptcp_join_check(const mptcp_join_keys *k, const mptcp_join *join) {
  uint8_t mac[MPTCP_JOIN_HMAC_LEN_V1];
  size_t n;
  if (join->form == MPTCP_JOIN_SYNACK)
    n = MPTCP_JOIN_TRUNC_SYNACK;
  else if (join->form == MPTCP_JOIN_ACK)
    n = MPTCP_JOIN_TRUNC_ACK;
  else
    return 0;
  /* The peer's HMAC: its key and nonce first. */
  if (mptcp_crypto_join_hmac(k->version, k->remote_key, k->local_key,
                             k->remote_nonce, k->local_nonce, mac) < 0)
    return 0;
  return mptcp_crypto_equal(mac, join->hmac, n);
}
