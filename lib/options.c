/*
 * MPTCP suboptions (TCP option Kind 30), v1 (RFC 8684 §3) and v0
 * (RFC 6824), plus MP_PREFER_PROXY (draft-boucadair-mptcp-plain-mode-10 §4).
 *
 * Parse, size and write live side by side per subtype. The parser is strict
 * about lengths (every legal length is a named constant in codec.h) but only
 * reports: a bad suboption gets a status, never aborts the walk over the
 * option area, and the state machine decides the RFC reaction.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/codec.h>

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire.h"

MPTCP_API void mptcp_parse_ctx_init(mptcp_parse_ctx *ctx, uint8_t tcp_flags,
                                    size_t payload_len) {
  ctx->tcp_flags = tcp_flags;
  ctx->version = MPTCP_VERSION_ANY;
  ctx->prefer_proxy_subtype = MPTCP_PREFER_PROXY_DEFAULT_SUBTYPE;
  ctx->payload_len = payload_len;
}

static int is_syn(const mptcp_parse_ctx *c) {
  return (c->tcp_flags & MPTCP_TH_SYN) != 0;
}
static int is_synack(const mptcp_parse_ctx *c) {
  return (c->tcp_flags & (MPTCP_TH_SYN | MPTCP_TH_ACK)) ==
         (MPTCP_TH_SYN | MPTCP_TH_ACK);
}

/* ---------------- MP_CAPABLE (RFC 8684 §3.1, RFC 6824 §3.1) ----------------
 */

static int parse_mpc(const uint8_t *o, size_t len, const mptcp_parse_ctx *ctx,
                     mptcp_mpc *m) {
  m->version = o[2] & 0x0f;
  m->flags = o[3];
  /* The form follows from the segment and the length; v0 has no data form
   * and carries the sender's key already on the SYN. */
  if (is_synack(ctx)) {
    if (len != MPTCP_LEN_MPC_SYNACK) return MPTCP_SUBOPT_BAD_LEN;
    m->form = MPTCP_MPC_SYNACK;
  } else if (is_syn(ctx)) {
    size_t want = m->version == 0 ? MPTCP_LEN_MPC_SYN_V0 : MPTCP_LEN_MPC_SYN;
    if (len != want) return MPTCP_SUBOPT_BAD_LEN;
    m->form = MPTCP_MPC_SYN;
  } else if (ctx->payload_len == 0 || m->version == 0) {
    /* [Linux] strictness: a 20-byte form on a data segment is ignored,
     * and a data segment needs the 22/24-byte form. */
    if (len != MPTCP_LEN_MPC_ACK || (m->version != 0 && ctx->payload_len))
      return MPTCP_SUBOPT_BAD_LEN;
    m->form = MPTCP_MPC_ACK;
  } else {
    if (len != MPTCP_LEN_MPC_DATA && len != MPTCP_LEN_MPC_DATA_CSUM)
      return MPTCP_SUBOPT_BAD_LEN;
    m->form = MPTCP_MPC_DATA;
    m->has_csum = len == MPTCP_LEN_MPC_DATA_CSUM;
  }
  if (len >= 12) m->snd_key = mptcp_get64(o + 4);
  if (len >= 20) m->rcv_key = mptcp_get64(o + 12);
  if (len >= 22) m->dll = mptcp_get16(o + 20);
  if (len >= 24) m->csum = mptcp_get16(o + 22);

  /* §3.1: B set, or no crypto algorithm offered, makes the option invalid. */
  uint8_t crypto = m->version == 0 ? MPTCP_CAP_CRYPTO_V0 : MPTCP_CAP_CRYPTO_V1;
  if (m->flags & MPTCP_CAP_B || (m->flags & crypto) == 0)
    return MPTCP_SUBOPT_BAD_FLAGS;
  return MPTCP_SUBOPT_OK;
}

static size_t size_mpc(const mptcp_mpc *m) {
  switch (m->form) {
  case MPTCP_MPC_SYN:
    return m->version == 0 ? MPTCP_LEN_MPC_SYN_V0 : MPTCP_LEN_MPC_SYN;
  case MPTCP_MPC_SYNACK: return MPTCP_LEN_MPC_SYNACK;
  case MPTCP_MPC_ACK: return MPTCP_LEN_MPC_ACK;
  case MPTCP_MPC_DATA:
    if (m->version == 0) return 0;
    return m->has_csum ? MPTCP_LEN_MPC_DATA_CSUM : MPTCP_LEN_MPC_DATA;
  default: return 0;
  }
}

static void write_mpc(const mptcp_mpc *m, uint8_t *o, size_t len) {
  o[2] = (uint8_t)(MPTCP_SUB_CAPABLE << 4 | (m->version & 0x0f));
  o[3] = m->flags;
  if (len >= 12) mptcp_put64(o + 4, m->snd_key);
  if (len >= 20) mptcp_put64(o + 12, m->rcv_key);
  if (len >= 22) mptcp_put16(o + 20, m->dll);
  if (len >= 24) mptcp_put16(o + 22, m->csum);
}

/* ---------------- MP_JOIN (RFC 8684 §3.2) ---------------- */

static int parse_join(const uint8_t *o, size_t len, const mptcp_parse_ctx *ctx,
                      mptcp_join *j) {
  if (is_synack(ctx)) {
    if (len != MPTCP_LEN_JOIN_SYNACK) return MPTCP_SUBOPT_BAD_LEN;
    j->form = MPTCP_JOIN_SYNACK;
    j->backup = o[2] & 0x01;
    j->addr_id = o[3];
    memcpy(j->hmac, o + 4, 8);
    j->nonce = mptcp_get32(o + 12);
  } else if (is_syn(ctx)) {
    if (len != MPTCP_LEN_JOIN_SYN) return MPTCP_SUBOPT_BAD_LEN;
    j->form = MPTCP_JOIN_SYN;
    j->backup = o[2] & 0x01;
    j->addr_id = o[3];
    j->token = mptcp_get32(o + 4);
    j->nonce = mptcp_get32(o + 8);
  } else {
    if (len != MPTCP_LEN_JOIN_ACK) return MPTCP_SUBOPT_BAD_LEN;
    j->form = MPTCP_JOIN_ACK;
    memcpy(j->hmac, o + 4, 20);
  }
  return MPTCP_SUBOPT_OK;
}

static size_t size_join(const mptcp_join *j) {
  switch (j->form) {
  case MPTCP_JOIN_SYN: return MPTCP_LEN_JOIN_SYN;
  case MPTCP_JOIN_SYNACK: return MPTCP_LEN_JOIN_SYNACK;
  case MPTCP_JOIN_ACK: return MPTCP_LEN_JOIN_ACK;
  default: return 0;
  }
}

static void write_join(const mptcp_join *j, uint8_t *o) {
  o[2] = (uint8_t)(MPTCP_SUB_JOIN << 4);
  switch (j->form) {
  case MPTCP_JOIN_SYN:
    o[2] |= j->backup & 0x01;
    o[3] = j->addr_id;
    mptcp_put32(o + 4, j->token);
    mptcp_put32(o + 8, j->nonce);
    break;
  case MPTCP_JOIN_SYNACK:
    o[2] |= j->backup & 0x01;
    o[3] = j->addr_id;
    memcpy(o + 4, j->hmac, 8);
    mptcp_put32(o + 12, j->nonce);
    break;
  default:
    o[3] = 0;
    memcpy(o + 4, j->hmac, 20);
    break;
  }
}

/* ---------------- DSS (RFC 8684 §3.3) ---------------- */

/* Length without checksum for the given flags (§3.3, table in the spec). */
static size_t dss_base_len(uint8_t flags) {
  size_t n = MPTCP_LEN_DSS_BASE;
  if (flags & MPTCP_DSS_A)
    n += flags & MPTCP_DSS_a ? MPTCP_LEN_DSS_ACK64 : MPTCP_LEN_DSS_ACK32;
  if (flags & MPTCP_DSS_M)
    n += flags & MPTCP_DSS_m ? MPTCP_LEN_DSS_MAP64 : MPTCP_LEN_DSS_MAP32;
  return n;
}

static int parse_dss(const uint8_t *o, size_t len, mptcp_dss *d) {
  /* Reserved bits are ignored on receipt, like [Linux]. */
  d->flags = o[3] & MPTCP_DSS_FLAG_MASK;
  size_t base = dss_base_len(d->flags);
  /* The checksum's presence shows in the length; whether it matches the
   * negotiation is the subflow's business (RFC 8684 §3.3: RST, v0: ignore). */
  if (len == base + MPTCP_LEN_DSS_CSUM && (d->flags & MPTCP_DSS_M))
    d->has_csum = 1;
  else if (len != base)
    return MPTCP_SUBOPT_BAD_LEN;
  mptcp_cur c = mptcp_cur_make(o + 4, len - 4);
  if (d->flags & MPTCP_DSS_A)
    d->data_ack =
        d->flags & MPTCP_DSS_a ? mptcp_cur_u64(&c) : mptcp_cur_u32(&c);
  if (d->flags & MPTCP_DSS_M) {
    d->dsn = d->flags & MPTCP_DSS_m ? mptcp_cur_u64(&c) : mptcp_cur_u32(&c);
    d->ssn = mptcp_cur_u32(&c);
    d->dll = mptcp_cur_u16(&c);
    if (d->has_csum) d->csum = mptcp_cur_u16(&c);
  }
  assert(!c.err && mptcp_cur_left(&c) == 0);
  return MPTCP_SUBOPT_OK;
}

static size_t size_dss(const mptcp_dss *d) {
  size_t n = dss_base_len(d->flags);
  if (d->has_csum && (d->flags & MPTCP_DSS_M)) n += MPTCP_LEN_DSS_CSUM;
  return n;
}

static void write_dss(const mptcp_dss *d, uint8_t *o) {
  uint8_t *p = o + 4;
  o[2] = (uint8_t)(MPTCP_SUB_DSS << 4);
  o[3] = d->flags & MPTCP_DSS_FLAG_MASK;
  if (d->flags & MPTCP_DSS_A)
    p = d->flags & MPTCP_DSS_a ? mptcp_put64(p, d->data_ack)
                               : mptcp_put32(p, (uint32_t)d->data_ack);
  if (d->flags & MPTCP_DSS_M) {
    p = d->flags & MPTCP_DSS_m ? mptcp_put64(p, d->dsn)
                               : mptcp_put32(p, (uint32_t)d->dsn);
    p = mptcp_put32(p, d->ssn);
    p = mptcp_put16(p, d->dll);
    if (d->has_csum) p = mptcp_put16(p, d->csum);
  }
  assert((size_t)(p - o) == size_dss(d));
}

/* ---------------- ADD_ADDR (RFC 8684 §3.4.1, RFC 6824 §3.4.1) ---------- */

static size_t add_addr_len(const mptcp_add_addr *a) {
  size_t n = 4 + (a->addr.family == MPTCP_AF_INET6 ? 16 : 4);
  if (a->has_port) n += 2;
  if (!a->v0 && !a->echo) n += 8;
  return n;
}

static int parse_add_addr(const uint8_t *o, size_t len,
                          const mptcp_parse_ctx *ctx, mptcp_add_addr *a) {
  uint8_t nib = o[2] & 0x0f;
  /* v1 has no family field; v0 has the IPVer nibble. Lengths of the v0
   * forms (8/10/20/22) coincide with v1 echoes, so without a version the
   * nibble decides: 4 or 6 can only be v0 (v1 would need E=0 and HMAC). */
  int v0 = ctx->version == MPTCP_VERSION_0 ||
           (ctx->version == MPTCP_VERSION_ANY && (nib == 4 || nib == 6) &&
            (len == MPTCP_LEN_ADD_ADDR4_ECHO ||
             len == MPTCP_LEN_ADD_ADDR4_PORT_ECHO ||
             len == MPTCP_LEN_ADD_ADDR6_ECHO ||
             len == MPTCP_LEN_ADD_ADDR6_PORT_ECHO));
  a->addr_id = o[3];
  if (v0) {
    a->v0 = 1;
    if (nib == 4 && (len == 8 || len == 10))
      a->addr.family = MPTCP_AF_INET;
    else if (nib == 6 && (len == 20 || len == 22))
      a->addr.family = MPTCP_AF_INET6;
    else
      return nib == 4 || nib == 6 ? MPTCP_SUBOPT_BAD_LEN
                                  : MPTCP_SUBOPT_BAD_FLAGS;
    a->has_port = len == 10 || len == 22;
  } else {
    a->echo = nib & 0x01;
    a->flags = nib & 0x0e; /* unassigned: kept, ignored (§3.4.1) */
    switch (len) {
    case MPTCP_LEN_ADD_ADDR4:
    case MPTCP_LEN_ADD_ADDR4_PORT:
    case MPTCP_LEN_ADD_ADDR6:
    case MPTCP_LEN_ADD_ADDR6_PORT:
      if (a->echo) return MPTCP_SUBOPT_BAD_LEN;
      a->has_hmac = 1;
      break;
    case MPTCP_LEN_ADD_ADDR4_ECHO:
    case MPTCP_LEN_ADD_ADDR4_PORT_ECHO:
    case MPTCP_LEN_ADD_ADDR6_ECHO:
    case MPTCP_LEN_ADD_ADDR6_PORT_ECHO:
      if (!a->echo) return MPTCP_SUBOPT_BAD_LEN;
      break;
    default: return MPTCP_SUBOPT_BAD_LEN;
    }
    size_t body = len - 4 - (a->has_hmac ? 8 : 0);
    a->addr.family = body >= 16 ? MPTCP_AF_INET6 : MPTCP_AF_INET;
    a->has_port = body == 6 || body == 18;
  }
  mptcp_cur c = mptcp_cur_make(o + 4, len - 4);
  mptcp_cur_bytes(&c, a->addr.a, mptcp_ipaddr_len(&a->addr));
  if (a->has_port) a->port = mptcp_cur_u16(&c);
  if (a->has_hmac) a->hmac = mptcp_cur_u64(&c);
  assert(!c.err && mptcp_cur_left(&c) == 0);
  return MPTCP_SUBOPT_OK;
}

static void write_add_addr(const mptcp_add_addr *a, uint8_t *o) {
  uint8_t nib;
  if (a->v0)
    nib = a->addr.family == MPTCP_AF_INET6 ? 6 : 4;
  else
    nib = (uint8_t)((a->flags & 0x0e) | (a->echo ? 1 : 0));
  o[2] = (uint8_t)(MPTCP_SUB_ADD_ADDR << 4 | nib);
  o[3] = a->addr_id;
  size_t alen = mptcp_ipaddr_len(&a->addr);
  uint8_t *p = o + 4;
  memcpy(p, a->addr.a, alen);
  p += alen;
  if (a->has_port) p = mptcp_put16(p, a->port);
  if (!a->v0 && !a->echo) p = mptcp_put64(p, a->hmac);
  assert((size_t)(p - o) == add_addr_len(a));
}

/* ---------------- the small ones ---------------- */

static int parse_rm_addr(const uint8_t *o, size_t len, mptcp_remove_addr *r) {
  if (len <= MPTCP_LEN_REMOVE_ADDR_BASE) return MPTCP_SUBOPT_BAD_LEN;
  r->n = (uint8_t)(len - MPTCP_LEN_REMOVE_ADDR_BASE);
  memcpy(r->ids, o + 3, r->n);
  return MPTCP_SUBOPT_OK;
}

static int parse_prio(const uint8_t *o, size_t len, const mptcp_parse_ctx *ctx,
                      mptcp_prio *p) {
  p->backup = o[2] & 0x01;
  /* The Address ID form exists only in v0 (RFC 8684 App. E removed it). */
  if (len == MPTCP_LEN_PRIO_V0_ADDR && ctx->version != MPTCP_VERSION_1) {
    p->has_addr_id = 1;
    p->addr_id = o[3];
    return MPTCP_SUBOPT_OK;
  }
  return len == MPTCP_LEN_PRIO ? MPTCP_SUBOPT_OK : MPTCP_SUBOPT_BAD_LEN;
}

/* ---------------- dispatch ---------------- */

static int is_prefer_proxy(uint8_t subtype, const mptcp_parse_ctx *ctx) {
  return ctx->prefer_proxy_subtype <= 0x0f &&
         subtype == ctx->prefer_proxy_subtype;
}

static void keep_raw(const uint8_t *opt, size_t len, mptcp_subopt *out) {
  out->raw_len = (uint8_t)len;
  memcpy(out->raw, opt, len);
}

MPTCP_API void mptcp_subopt_parse(const uint8_t *opt, size_t len,
                                  const mptcp_parse_ctx *ctx,
                                  mptcp_subopt *out) {
  memset(out, 0, sizeof *out);
  if (len > MPTCP_TCP_OPT_MAX) len = MPTCP_TCP_OPT_MAX;
  out->len = (uint8_t)len;
  if (len < 3) {
    /* Too short to hold a subtype: nothing can be said about it. */
    out->subtype = 0xff;
    out->status = MPTCP_SUBOPT_BAD_LEN;
    keep_raw(opt, len, out);
    return;
  }
  uint8_t st = opt[2] >> 4;
  int s;
  out->subtype = st;
  /* Subtypes that need a fourth byte. */
  if (len < 4 && st != MPTCP_SUB_PRIO && st != MPTCP_SUB_REMOVE_ADDR &&
      !is_prefer_proxy(st, ctx)) {
    s = st <= MPTCP_SUB_TCPRST ? MPTCP_SUBOPT_BAD_LEN : MPTCP_SUBOPT_UNKNOWN;
    goto done;
  }
  if (is_prefer_proxy(st, ctx)) {
    out->subtype = MPTCP_SUB_PREFER_PROXY;
    if (len != MPTCP_LEN_PREFER_PROXY) {
      s = MPTCP_SUBOPT_BAD_LEN;
    } else {
      out->u.prefer_proxy_reserved = mptcp_get16(opt + 2) & 0x0fff;
      /* PM-10 §4.2: only meaningful on the initial SYN. */
      s = is_syn(ctx) && !is_synack(ctx) ? MPTCP_SUBOPT_OK
                                         : MPTCP_SUBOPT_BAD_CONTEXT;
    }
    goto done;
  }
  switch (st) {
  case MPTCP_SUB_CAPABLE: s = parse_mpc(opt, len, ctx, &out->u.mpc); break;
  case MPTCP_SUB_JOIN: s = parse_join(opt, len, ctx, &out->u.join); break;
  case MPTCP_SUB_DSS: s = parse_dss(opt, len, &out->u.dss); break;
  case MPTCP_SUB_ADD_ADDR:
    s = parse_add_addr(opt, len, ctx, &out->u.add_addr);
    break;
  case MPTCP_SUB_REMOVE_ADDR:
    s = parse_rm_addr(opt, len, &out->u.rm_addr);
    break;
  case MPTCP_SUB_PRIO: s = parse_prio(opt, len, ctx, &out->u.prio); break;
  case MPTCP_SUB_FAIL:
    s = len == MPTCP_LEN_FAIL ? MPTCP_SUBOPT_OK : MPTCP_SUBOPT_BAD_LEN;
    if (s == MPTCP_SUBOPT_OK) out->u.fail_dsn = mptcp_get64(opt + 4);
    break;
  case MPTCP_SUB_FASTCLOSE:
    s = len == MPTCP_LEN_FASTCLOSE ? MPTCP_SUBOPT_OK : MPTCP_SUBOPT_BAD_LEN;
    if (s == MPTCP_SUBOPT_OK) out->u.fastclose_key = mptcp_get64(opt + 4);
    break;
  case MPTCP_SUB_TCPRST:
    /* Unassigned in v0 (RFC 6824 §8). */
    if (ctx->version == MPTCP_VERSION_0) {
      s = MPTCP_SUBOPT_UNKNOWN;
      break;
    }
    if (len != MPTCP_LEN_TCPRST) {
      s = MPTCP_SUBOPT_BAD_LEN;
      break;
    }
    out->u.tcprst.flags = opt[2] & 0x0f;
    out->u.tcprst.reason = opt[3];
    /* §3.6: only on RST segments ([Linux] ignores it elsewhere). */
    s = ctx->tcp_flags & MPTCP_TH_RST ? MPTCP_SUBOPT_OK
                                      : MPTCP_SUBOPT_BAD_CONTEXT;
    break;
  default: s = MPTCP_SUBOPT_UNKNOWN; break;
  }
done:
  out->status = (uint8_t)s;
  if (s != MPTCP_SUBOPT_OK) keep_raw(opt, len, out);
}

MPTCP_API mptcp_ssize mptcp_subopt_size(const mptcp_subopt *so) {
  size_t n = 0;
  switch (so->subtype) {
  case MPTCP_SUB_CAPABLE: n = size_mpc(&so->u.mpc); break;
  case MPTCP_SUB_JOIN: n = size_join(&so->u.join); break;
  case MPTCP_SUB_DSS: n = size_dss(&so->u.dss); break;
  case MPTCP_SUB_ADD_ADDR:
    if (so->u.add_addr.addr.family != MPTCP_AF_INET &&
        so->u.add_addr.addr.family != MPTCP_AF_INET6)
      return MPTCP_ERR_INVALID_ARG;
    n = add_addr_len(&so->u.add_addr);
    break;
  case MPTCP_SUB_REMOVE_ADDR:
    if (so->u.rm_addr.n == 0 || so->u.rm_addr.n > MPTCP_RM_ADDR_MAX)
      return MPTCP_ERR_INVALID_ARG;
    n = MPTCP_LEN_REMOVE_ADDR_BASE + so->u.rm_addr.n;
    break;
  case MPTCP_SUB_PRIO:
    n = so->u.prio.has_addr_id ? MPTCP_LEN_PRIO_V0_ADDR : MPTCP_LEN_PRIO;
    break;
  case MPTCP_SUB_FAIL: n = MPTCP_LEN_FAIL; break;
  case MPTCP_SUB_FASTCLOSE: n = MPTCP_LEN_FASTCLOSE; break;
  case MPTCP_SUB_TCPRST: n = MPTCP_LEN_TCPRST; break;
  case MPTCP_SUB_PREFER_PROXY: n = MPTCP_LEN_PREFER_PROXY; break;
  default: break;
  }
  return n ? (mptcp_ssize)n : MPTCP_ERR_INVALID_ARG;
}

MPTCP_API mptcp_ssize mptcp_subopt_write(const mptcp_subopt *so,
                                         uint8_t prefer_proxy_subtype,
                                         uint8_t *buf, size_t cap) {
  if (so->status != MPTCP_SUBOPT_OK) return MPTCP_ERR_INVALID_ARG;
  if (so->subtype == MPTCP_SUB_PREFER_PROXY && prefer_proxy_subtype > 0x0f)
    return MPTCP_ERR_INVALID_ARG;
  mptcp_ssize n = mptcp_subopt_size(so);
  if (n < 0) return n;
  if ((size_t)n > cap) return MPTCP_ERR_NOBUF;
  uint8_t *o = buf;
  o[0] = MPTCP_TCPOPT_KIND;
  o[1] = (uint8_t)n;
  switch (so->subtype) {
  case MPTCP_SUB_CAPABLE: write_mpc(&so->u.mpc, o, (size_t)n); break;
  case MPTCP_SUB_JOIN: write_join(&so->u.join, o); break;
  case MPTCP_SUB_DSS: write_dss(&so->u.dss, o); break;
  case MPTCP_SUB_ADD_ADDR: write_add_addr(&so->u.add_addr, o); break;
  case MPTCP_SUB_REMOVE_ADDR:
    o[2] = MPTCP_SUB_REMOVE_ADDR << 4;
    memcpy(o + 3, so->u.rm_addr.ids, so->u.rm_addr.n);
    break;
  case MPTCP_SUB_PRIO:
    o[2] = (uint8_t)(MPTCP_SUB_PRIO << 4 | (so->u.prio.backup & 1));
    if (so->u.prio.has_addr_id) o[3] = so->u.prio.addr_id;
    break;
  case MPTCP_SUB_FAIL:
    mptcp_put16(o + 2, MPTCP_SUB_FAIL << 12);
    mptcp_put64(o + 4, so->u.fail_dsn);
    break;
  case MPTCP_SUB_FASTCLOSE:
    mptcp_put16(o + 2, MPTCP_SUB_FASTCLOSE << 12);
    mptcp_put64(o + 4, so->u.fastclose_key);
    break;
  case MPTCP_SUB_TCPRST:
    o[2] = (uint8_t)(MPTCP_SUB_TCPRST << 4 | (so->u.tcprst.flags & 0x0f));
    o[3] = so->u.tcprst.reason;
    break;
  case MPTCP_SUB_PREFER_PROXY:
    mptcp_put16(o + 2, (uint16_t)(prefer_proxy_subtype << 12 |
                                  (so->u.prefer_proxy_reserved & 0x0fff)));
    break;
  default: return MPTCP_ERR_INVALID_ARG;
  }
  return n;
}

MPTCP_API int mptcp_subopt_equal(const mptcp_subopt *a, const mptcp_subopt *b) {
  if (a->subtype != b->subtype || a->status != b->status) return 0;
  if (a->status != MPTCP_SUBOPT_OK)
    return a->raw_len == b->raw_len && memcmp(a->raw, b->raw, a->raw_len) == 0;
  switch (a->subtype) {
  case MPTCP_SUB_CAPABLE: {
    const mptcp_mpc *x = &a->u.mpc, *y = &b->u.mpc;
    size_t n = size_mpc(x);
    return x->version == y->version && x->flags == y->flags &&
           x->form == y->form && x->has_csum == y->has_csum &&
           (n < 12 || x->snd_key == y->snd_key) &&
           (n < 20 || x->rcv_key == y->rcv_key) &&
           (n < 22 || x->dll == y->dll) && (n < 24 || x->csum == y->csum);
  }
  case MPTCP_SUB_JOIN: {
    const mptcp_join *x = &a->u.join, *y = &b->u.join;
    if (x->form != y->form) return 0;
    if (x->form == MPTCP_JOIN_SYN)
      return x->backup == y->backup && x->addr_id == y->addr_id &&
             x->token == y->token && x->nonce == y->nonce;
    if (x->form == MPTCP_JOIN_SYNACK)
      return x->backup == y->backup && x->addr_id == y->addr_id &&
             x->nonce == y->nonce && memcmp(x->hmac, y->hmac, 8) == 0;
    return memcmp(x->hmac, y->hmac, 20) == 0;
  }
  case MPTCP_SUB_DSS: {
    const mptcp_dss *x = &a->u.dss, *y = &b->u.dss;
    uint8_t f = x->flags & MPTCP_DSS_FLAG_MASK;
    if (f != (y->flags & MPTCP_DSS_FLAG_MASK)) return 0;
    uint64_t amask = f & MPTCP_DSS_a ? UINT64_MAX : UINT32_MAX;
    uint64_t dmask = f & MPTCP_DSS_m ? UINT64_MAX : UINT32_MAX;
    if ((f & MPTCP_DSS_A) && ((x->data_ack ^ y->data_ack) & amask)) return 0;
    if (!(f & MPTCP_DSS_M)) return 1;
    return ((x->dsn ^ y->dsn) & dmask) == 0 && x->ssn == y->ssn &&
           x->dll == y->dll && x->has_csum == y->has_csum &&
           (!x->has_csum || x->csum == y->csum);
  }
  case MPTCP_SUB_ADD_ADDR: {
    const mptcp_add_addr *x = &a->u.add_addr, *y = &b->u.add_addr;
    return x->v0 == y->v0 && x->echo == y->echo && x->flags == y->flags &&
           x->addr_id == y->addr_id && x->has_port == y->has_port &&
           (!x->has_port || x->port == y->port) && x->has_hmac == y->has_hmac &&
           (!x->has_hmac || x->hmac == y->hmac) &&
           mptcp_ipaddr_equal(&x->addr, &y->addr);
  }
  case MPTCP_SUB_REMOVE_ADDR:
    return a->u.rm_addr.n == b->u.rm_addr.n &&
           memcmp(a->u.rm_addr.ids, b->u.rm_addr.ids, a->u.rm_addr.n) == 0;
  case MPTCP_SUB_PRIO:
    return a->u.prio.backup == b->u.prio.backup &&
           a->u.prio.has_addr_id == b->u.prio.has_addr_id &&
           (!a->u.prio.has_addr_id || a->u.prio.addr_id == b->u.prio.addr_id);
  case MPTCP_SUB_FAIL: return a->u.fail_dsn == b->u.fail_dsn;
  case MPTCP_SUB_FASTCLOSE: return a->u.fastclose_key == b->u.fastclose_key;
  case MPTCP_SUB_TCPRST:
    return a->u.tcprst.flags == b->u.tcprst.flags &&
           a->u.tcprst.reason == b->u.tcprst.reason;
  case MPTCP_SUB_PREFER_PROXY:
    return a->u.prefer_proxy_reserved == b->u.prefer_proxy_reserved;
  default: return 0;
  }
}

MPTCP_API const char *mptcp_subopt_name(uint8_t subtype) {
  static const char *const names[] = {
      "MP_CAPABLE", "MP_JOIN", "DSS",          "ADD_ADDR", "REMOVE_ADDR",
      "MP_PRIO",    "MP_FAIL", "MP_FASTCLOSE", "MP_TCPRST"};
  if (subtype < sizeof names / sizeof names[0]) return names[subtype];
  if (subtype == MPTCP_SUB_EXPERIMENTAL) return "MP_EXPERIMENTAL";
  if (subtype == MPTCP_SUB_PREFER_PROXY) return "MP_PREFER_PROXY";
  return "unknown";
}

/* Appends to a bounded buffer; keeps the would-be length like snprintf. */
typedef struct fmtbuf {
  char *p;
  size_t cap, n;
} fmtbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
fmt(fmtbuf *b, const char *f, ...) {
  va_list ap;
  va_start(ap, f);
  size_t room = b->n < b->cap ? b->cap - b->n : 0;
  int r = vsnprintf(room ? b->p + b->n : NULL, room, f, ap);
  va_end(ap);
  if (r > 0) b->n += (size_t)r;
}

static void fmt_addr(fmtbuf *b, const mptcp_ipaddr *a) {
  if (a->family == MPTCP_AF_INET) {
    fmt(b, "%u.%u.%u.%u", a->a[0], a->a[1], a->a[2], a->a[3]);
    return;
  }
  for (int i = 0; i < 16; i += 2)
    fmt(b, "%s%x", i ? ":" : "", (unsigned)mptcp_get16(a->a + i));
}

static void fmt_hex(fmtbuf *b, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) fmt(b, "%02x", p[i]);
}

static const char *const mpc_forms[] = {"syn", "synack", "ack", "data"};
static const char *const join_forms[] = {"syn", "synack", "ack"};
static const char *const status_names[] = {"ok", "bad-len", "bad-flags",
                                           "bad-context", "unknown"};

MPTCP_API int mptcp_subopt_format(const mptcp_subopt *so, char *buf,
                                  size_t cap) {
  fmtbuf b = {buf, cap, 0};
  if (cap) buf[0] = 0;
  if (so->status != MPTCP_SUBOPT_OK) {
    fmt(&b, "%s len %u [%s] raw ", mptcp_subopt_name(so->subtype), so->len,
        so->status < 5 ? status_names[so->status] : "?");
    fmt_hex(&b, so->raw, so->raw_len);
    return (int)b.n;
  }
  switch (so->subtype) {
  case MPTCP_SUB_CAPABLE: {
    const mptcp_mpc *m = &so->u.mpc;
    size_t n = size_mpc(m);
    fmt(&b, "mp_capable v%u %s flags 0x%02x", m->version,
        m->form < 4 ? mpc_forms[m->form] : "?", m->flags);
    if (n >= 12) fmt(&b, " sndkey 0x%016" PRIx64, m->snd_key);
    if (n >= 20) fmt(&b, " rcvkey 0x%016" PRIx64, m->rcv_key);
    if (n >= 22) fmt(&b, " dll %u", m->dll);
    if (n >= 24) fmt(&b, " csum 0x%04x", m->csum);
    break;
  }
  case MPTCP_SUB_JOIN: {
    const mptcp_join *j = &so->u.join;
    fmt(&b, "mp_join %s", j->form < 3 ? join_forms[j->form] : "?");
    if (j->form == MPTCP_JOIN_SYN)
      fmt(&b, " backup %u id %u token 0x%08" PRIx32 " nonce 0x%08" PRIx32,
          j->backup, j->addr_id, j->token, j->nonce);
    else if (j->form == MPTCP_JOIN_SYNACK) {
      fmt(&b, " backup %u id %u hmac ", j->backup, j->addr_id);
      fmt_hex(&b, j->hmac, 8);
      fmt(&b, " nonce 0x%08" PRIx32, j->nonce);
    } else {
      fmt(&b, " hmac ");
      fmt_hex(&b, j->hmac, 20);
    }
    break;
  }
  case MPTCP_SUB_DSS: {
    const mptcp_dss *d = &so->u.dss;
    fmt(&b, "dss");
    if (d->flags & MPTCP_DSS_A)
      fmt(&b, " ack%d %" PRIu64, d->flags & MPTCP_DSS_a ? 64 : 32, d->data_ack);
    if (d->flags & MPTCP_DSS_M) {
      fmt(&b, " dsn%d %" PRIu64 " ssn %" PRIu32 " dll %u",
          d->flags & MPTCP_DSS_m ? 64 : 32, d->dsn, d->ssn, d->dll);
      if (d->has_csum) fmt(&b, " csum 0x%04x", d->csum);
      if (d->dll == 0) fmt(&b, " infinite");
    }
    if (d->flags & MPTCP_DSS_F) fmt(&b, " fin");
    break;
  }
  case MPTCP_SUB_ADD_ADDR: {
    const mptcp_add_addr *a = &so->u.add_addr;
    fmt(&b, "add_addr%s%s id %u ", a->v0 ? " v0" : "", a->echo ? " echo" : "",
        a->addr_id);
    fmt_addr(&b, &a->addr);
    if (a->has_port) fmt(&b, " port %u", a->port);
    if (a->has_hmac) fmt(&b, " hmac 0x%016" PRIx64, a->hmac);
    break;
  }
  case MPTCP_SUB_REMOVE_ADDR:
    fmt(&b, "remove_addr ids");
    for (unsigned i = 0; i < so->u.rm_addr.n; i++)
      fmt(&b, "%s%u", i ? "," : " ", so->u.rm_addr.ids[i]);
    break;
  case MPTCP_SUB_PRIO:
    fmt(&b, "mp_prio backup %u", so->u.prio.backup);
    if (so->u.prio.has_addr_id) fmt(&b, " id %u", so->u.prio.addr_id);
    break;
  case MPTCP_SUB_FAIL: fmt(&b, "mp_fail dsn %" PRIu64, so->u.fail_dsn); break;
  case MPTCP_SUB_FASTCLOSE:
    fmt(&b, "mp_fastclose key 0x%016" PRIx64, so->u.fastclose_key);
    break;
  case MPTCP_SUB_TCPRST:
    fmt(&b, "mp_tcprst flags 0x%x reason %u", so->u.tcprst.flags,
        so->u.tcprst.reason);
    break;
  case MPTCP_SUB_PREFER_PROXY: fmt(&b, "mp_prefer_proxy"); break;
  default: fmt(&b, "subtype %u", so->subtype); break;
  }
  return (int)b.n;
}
