/*
 * The TCP option area: MSS (RFC 9293 §3.2), window scale and timestamps
 * (RFC 7323), SACK-permitted and SACK (RFC 2018), TFO cookie (RFC 7413),
 * MPTCP (Kind 30, options.c), unknown kinds kept; and the 40-byte planner.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/codec.h>

#include <assert.h>
#include <string.h>

#include "wire.h"

#define LEN_MSS 4
#define LEN_WSCALE 3
#define LEN_SACK_PERM 2
#define LEN_SACK_BASE 2 /* + 8 per block */
#define LEN_TS 10
#define LEN_TFO_MIN 2        /* cookie request */
#define LEN_TFO_COOKIE_MIN 6 /* RFC 7413 §4.1.1: cookies of 4..16 bytes */

static void parse_one(const uint8_t *o, size_t olen, const mptcp_parse_ctx *ctx,
                      mptcp_tcpopts *out) {
  switch (o[0]) {
  case MPTCP_OPT_MSS:
    if (olen != LEN_MSS) goto bad;
    out->present |= MPTCP_HAS_MSS;
    out->mss = mptcp_get16(o + 2);
    return;
  case MPTCP_OPT_WSCALE:
    if (olen != LEN_WSCALE) goto bad;
    out->present |= MPTCP_HAS_WSCALE;
    out->wscale = o[2]; /* values over 14 are clamped by the user (§2.3) */
    return;
  case MPTCP_OPT_SACK_PERM:
    if (olen != LEN_SACK_PERM) goto bad;
    out->present |= MPTCP_HAS_SACK_PERM;
    return;
  case MPTCP_OPT_SACK: {
    size_t nb = (olen - LEN_SACK_BASE) / 8;
    if (olen < LEN_SACK_BASE + 8 || (olen - LEN_SACK_BASE) % 8 ||
        nb > MPTCP_SACK_MAX)
      goto bad;
    out->present |= MPTCP_HAS_SACK;
    out->n_sack = (uint8_t)nb;
    for (size_t i = 0; i < nb; i++) {
      out->sack[i].left = mptcp_get32(o + 2 + 8 * i);
      out->sack[i].right = mptcp_get32(o + 6 + 8 * i);
    }
    return;
  }
  case MPTCP_OPT_TS:
    if (olen != LEN_TS) goto bad;
    out->present |= MPTCP_HAS_TS;
    out->ts_val = mptcp_get32(o + 2);
    out->ts_ecr = mptcp_get32(o + 6);
    return;
  case MPTCP_OPT_TFO:
    if (olen != LEN_TFO_MIN &&
        (olen < LEN_TFO_COOKIE_MIN || olen > 2 + MPTCP_TFO_COOKIE_MAX))
      goto bad;
    out->present |= MPTCP_HAS_TFO;
    out->tfo_len = (uint8_t)(olen - 2);
    memcpy(out->tfo_cookie, o + 2, olen - 2);
    return;
  case MPTCP_TCPOPT_KIND: {
    if (out->n_mptcp == MPTCP_SUBOPTS_MAX) goto bad;
    mptcp_subopt *so = &out->mptcp[out->n_mptcp++];
    mptcp_subopt_parse(o, olen, ctx, so);
    if (so->status != MPTCP_SUBOPT_OK) out->n_mptcp_bad++;
    return;
  }
  default: {
    if (out->n_unknown == MPTCP_UNKNOWN_OPTS_MAX) goto bad;
    mptcp_unknown_opt *u = &out->unknown[out->n_unknown++];
    u->kind = o[0];
    u->len = (uint8_t)olen;
    memcpy(u->data, o + 2, olen - 2);
    return;
  }
  }
bad:
  out->n_malformed++;
}

MPTCP_API void mptcp_tcpopts_parse(const uint8_t *opt, size_t len,
                                   const mptcp_parse_ctx *ctx,
                                   mptcp_tcpopts *out) {
  mptcp_parse_ctx def;
  memset(out, 0, sizeof *out);
  if (!ctx) {
    mptcp_parse_ctx_init(&def, 0, 0);
    ctx = &def;
  }
  if (len > MPTCP_TCP_OPT_MAX) len = MPTCP_TCP_OPT_MAX;
  size_t i = 0;
  while (i < len) {
    uint8_t kind = opt[i];
    if (kind == MPTCP_OPT_EOL) break;
    if (kind == MPTCP_OPT_NOP) {
      i++;
      continue;
    }
    /* The length byte is read only once we know it is inside the area
     * (the bug lwIP fixed in 3d896ba0). */
    if (len - i < 2) {
      out->n_malformed++;
      break;
    }
    size_t olen = opt[i + 1];
    if (olen < 2 || olen > len - i) {
      out->n_malformed++;
      break;
    }
    parse_one(opt + i, olen, ctx, out);
    i += olen;
  }
}

/* Every option is padded with NOPs to a 32-bit boundary. */
static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

/* Writes one option of @p n bytes followed by NOP padding. */
static uint8_t *put_padded(uint8_t *p, const uint8_t *src, size_t n) {
  memcpy(p, src, n);
  for (size_t i = n; i < pad4(n); i++) p[i] = MPTCP_OPT_NOP;
  return p + pad4(n);
}

MPTCP_API mptcp_ssize mptcp_tcpopts_size(const mptcp_tcpopts *o,
                                         uint8_t prefer_proxy_subtype) {
  size_t n = 0;
  if (o->present & MPTCP_HAS_MSS) n += 4;
  /* SACK-permitted rides in the two bytes that pad timestamps. */
  if (o->present & MPTCP_HAS_TS)
    n += 12;
  else if (o->present & MPTCP_HAS_SACK_PERM)
    n += 4;
  if (o->present & MPTCP_HAS_WSCALE) n += 4;
  if (o->present & MPTCP_HAS_SACK) {
    if (o->n_sack == 0 || o->n_sack > MPTCP_SACK_MAX)
      return MPTCP_ERR_INVALID_ARG;
    n += pad4(LEN_SACK_BASE + 8u * o->n_sack);
  }
  if (o->present & MPTCP_HAS_TFO) {
    if (o->tfo_len > MPTCP_TFO_COOKIE_MAX ||
        (o->tfo_len && o->tfo_len + 2u < LEN_TFO_COOKIE_MIN))
      return MPTCP_ERR_INVALID_ARG;
    n += pad4(2u + o->tfo_len);
  }
  for (unsigned i = 0; i < o->n_mptcp && i < MPTCP_SUBOPTS_MAX; i++) {
    if (o->mptcp[i].status != MPTCP_SUBOPT_OK) continue;
    if (o->mptcp[i].subtype == MPTCP_SUB_PREFER_PROXY &&
        prefer_proxy_subtype > 0x0f)
      return MPTCP_ERR_INVALID_ARG;
    mptcp_ssize s = mptcp_subopt_size(&o->mptcp[i]);
    if (s < 0) return s;
    n += pad4((size_t)s);
  }
  for (unsigned i = 0; i < o->n_unknown && i < MPTCP_UNKNOWN_OPTS_MAX; i++) {
    if (o->unknown[i].len < 2) return MPTCP_ERR_INVALID_ARG;
    n += pad4(o->unknown[i].len);
  }
  return (mptcp_ssize)n;
}

MPTCP_API mptcp_ssize mptcp_tcpopts_write(const mptcp_tcpopts *o,
                                          uint8_t prefer_proxy_subtype,
                                          uint8_t *buf, size_t cap) {
  mptcp_ssize total = mptcp_tcpopts_size(o, prefer_proxy_subtype);
  if (total < 0) return total;
  if (total > MPTCP_TCP_OPT_MAX) return MPTCP_ERR_NOSPACE;
  if ((size_t)total > cap) return MPTCP_ERR_NOBUF;
  uint8_t *p = buf, tmp[MPTCP_TCP_OPT_MAX];

  if (o->present & MPTCP_HAS_MSS) {
    tmp[0] = MPTCP_OPT_MSS;
    tmp[1] = LEN_MSS;
    mptcp_put16(tmp + 2, o->mss);
    p = put_padded(p, tmp, LEN_MSS);
  }
  if (o->present & MPTCP_HAS_TS) {
    if (o->present & MPTCP_HAS_SACK_PERM) {
      *p++ = MPTCP_OPT_SACK_PERM;
      *p++ = LEN_SACK_PERM;
    } else {
      *p++ = MPTCP_OPT_NOP;
      *p++ = MPTCP_OPT_NOP;
    }
    *p++ = MPTCP_OPT_TS;
    *p++ = LEN_TS;
    p = mptcp_put32(p, o->ts_val);
    p = mptcp_put32(p, o->ts_ecr);
  } else if (o->present & MPTCP_HAS_SACK_PERM) {
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_SACK_PERM;
    *p++ = LEN_SACK_PERM;
  }
  if (o->present & MPTCP_HAS_WSCALE) {
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_WSCALE;
    *p++ = LEN_WSCALE;
    *p++ = o->wscale;
  }
  if (o->present & MPTCP_HAS_SACK) {
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_NOP;
    *p++ = MPTCP_OPT_SACK;
    *p++ = (uint8_t)(LEN_SACK_BASE + 8 * o->n_sack);
    for (unsigned i = 0; i < o->n_sack; i++) {
      p = mptcp_put32(p, o->sack[i].left);
      p = mptcp_put32(p, o->sack[i].right);
    }
  }
  if (o->present & MPTCP_HAS_TFO) {
    tmp[0] = MPTCP_OPT_TFO;
    tmp[1] = (uint8_t)(2 + o->tfo_len);
    memcpy(tmp + 2, o->tfo_cookie, o->tfo_len);
    p = put_padded(p, tmp, 2u + o->tfo_len);
  }
  for (unsigned i = 0; i < o->n_mptcp; i++) {
    if (o->mptcp[i].status != MPTCP_SUBOPT_OK) continue;
    mptcp_ssize s =
        mptcp_subopt_write(&o->mptcp[i], prefer_proxy_subtype, tmp, sizeof tmp);
    if (s < 0) return s;
    p = put_padded(p, tmp, (size_t)s);
  }
  for (unsigned i = 0; i < o->n_unknown; i++) {
    const mptcp_unknown_opt *u = &o->unknown[i];
    tmp[0] = u->kind;
    tmp[1] = u->len;
    memcpy(tmp + 2, u->data, u->len - 2u);
    p = put_padded(p, tmp, u->len);
  }
  assert(p - buf == total);
  return total;
}

MPTCP_API int mptcp_tcpopts_add_mptcp(mptcp_tcpopts *o,
                                      const mptcp_subopt *so) {
  if (o->n_mptcp >= MPTCP_SUBOPTS_MAX) return MPTCP_ERR_NOSPACE;
  o->mptcp[o->n_mptcp++] = *so;
  return 0;
}

/* Index of the last MPTCP suboption that is written (status OK), or -1. */
static int last_ok_mptcp(const mptcp_tcpopts *o) {
  for (int i = (int)o->n_mptcp - 1; i >= 0; i--)
    if (o->mptcp[i].status == MPTCP_SUBOPT_OK) return i;
  return -1;
}

static int first_ok_mptcp(const mptcp_tcpopts *o) {
  for (int i = 0; i < (int)o->n_mptcp; i++)
    if (o->mptcp[i].status == MPTCP_SUBOPT_OK) return i;
  return -1;
}

/*
 * RFC 8684 App. A: SACK blocks are what gives way to a Data ACK; signalling
 * options beyond the first MPTCP one can be sent on a later (duplicate) ACK;
 * timestamps go last because PAWS and RTT estimation depend on them.
 */
MPTCP_API int mptcp_tcpopts_fit(mptcp_tcpopts *o, size_t budget,
                                uint8_t prefer_proxy_subtype) {
  int mask = 0;
  for (;;) {
    mptcp_ssize n = mptcp_tcpopts_size(o, prefer_proxy_subtype);
    if (n < 0) return (int)n;
    if ((size_t)n <= budget) return mask;
    if ((o->present & MPTCP_HAS_SACK) && o->n_sack > 1) {
      o->n_sack--;
      mask |= MPTCP_FIT_SACK_TRIMMED;
    } else if (o->n_unknown) {
      o->n_unknown--;
      mask |= MPTCP_FIT_DROPPED_UNKNOWN;
    } else if (o->present & MPTCP_HAS_TFO) {
      o->present &= ~MPTCP_HAS_TFO;
      mask |= MPTCP_FIT_DROPPED_TFO;
    } else if (o->present & MPTCP_HAS_SACK) {
      o->present &= ~MPTCP_HAS_SACK;
      o->n_sack = 0;
      mask |= MPTCP_FIT_DROPPED_SACK;
    } else if (last_ok_mptcp(o) > first_ok_mptcp(o)) {
      o->n_mptcp = (uint8_t)last_ok_mptcp(o);
      mask |= MPTCP_FIT_DROPPED_MPTCP;
    } else if (o->present & MPTCP_HAS_TS) {
      o->present &= ~MPTCP_HAS_TS;
      mask |= MPTCP_FIT_DROPPED_TS;
    } else {
      return MPTCP_ERR_NOSPACE;
    }
  }
}
