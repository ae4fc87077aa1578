/*
 * libmptcp - proxy-extension codecs carried in SYN payloads: the MP_CONVERT
 * Information Element (draft-boucadair-mptcp-plain-mode-10 §5.1, "PM-10")
 * and the RFC 8803 Convert message (fixed header + TLVs).
 *
 * Pure codecs: no allocation, no I/O, no state. Every multi-byte field is
 * read and written big-endian byte by byte, and no byte at or past the
 * caller's length is ever read.
 *
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/convert.h>

#include <string.h>

#include "wire.h"

/* Callers keep n far below SIZE_MAX (bounded by 1 KiB-scale limits). */
static size_t roundup4(size_t n) { return (n + 3u) & ~(size_t)3u; }

/* ====================== MP_CONVERT (PM-10 §5.1) ====================== */

#define MPC_MAGIC_LEN 4
#define MPC_FIXED_LEN 4 /* Type, Length, Reserved/D/M */

/* PM-10 §5.1: the IE Length counts Type..Port, not the magic nor padding,
 * which is why IPv4 gives 8 (10 with port) and IPv6 20 (22 with port). */
static int mpc_len_valid(size_t ielen) {
  return ielen == MPTCP_MPCONVERT_LEN_V4 ||
         ielen == MPTCP_MPCONVERT_LEN_V4_PORT ||
         ielen == MPTCP_MPCONVERT_LEN_V6 ||
         ielen == MPTCP_MPCONVERT_LEN_V6_PORT;
}

/* Decodes the body of a type-0 IE whose Length was validated. @p ie points
 * at the Type byte. */
static void mpc_decode_addr(const uint8_t *ie, size_t ielen, uint16_t flags,
                            mptcp_mpconvert_ie *dst) {
  size_t alen =
      (ielen == MPTCP_MPCONVERT_LEN_V4 || ielen == MPTCP_MPCONVERT_LEN_V4_PORT)
          ? 4u
          : 16u;
  memset(dst, 0, sizeof *dst);
  dst->type = MPTCP_MPCONVERT_TYPE_ADDR;
  dst->flags = flags;
  dst->addr.family = alen == 4u ? MPTCP_AF_INET : MPTCP_AF_INET6;
  memcpy(dst->addr.a, ie + MPC_FIXED_LEN, alen);
  if (ielen == MPC_FIXED_LEN + alen + 2u) {
    dst->has_port = 1;
    dst->port = mptcp_get16(ie + MPC_FIXED_LEN + alen);
  }
}

int mptcp_mpconvert_parse(const uint8_t *p, size_t len, mptcp_mpconvert *out) {
  size_t off = 0;

  if (out == NULL || (p == NULL && len > 0)) return MPTCP_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);

  /* PM-10 §5.1: the magic is what separates MCP information from ordinary
   * SYN data; a payload too short to hold it is ordinary data. */
  if (len < MPC_MAGIC_LEN || mptcp_get32(p) != MPTCP_MPCONVERT_MAGIC)
    return MPTCP_ERR_NOT_PRESENT;

  for (;;) {
    const uint8_t *ie;
    size_t rest = len - off, ielen, wire;
    uint8_t type;
    uint16_t flags;

    /* An IE with M=0 promises another one (PM-10 §5.1, inverted "more"). */
    if (rest < MPC_MAGIC_LEN) return MPTCP_ERR_TRUNCATED;
    /* Each IE carries its own magic (PM-10 §5.1 figure). */
    if (mptcp_get32(p + off) != MPTCP_MPCONVERT_MAGIC)
      return MPTCP_ERR_MALFORMED;
    if (rest < MPC_MAGIC_LEN + 2u) return MPTCP_ERR_TRUNCATED;
    ie = p + off + MPC_MAGIC_LEN;
    type = ie[0];
    ielen = ie[1];
    if (ielen < MPTCP_MPCONVERT_LEN_MIN) return MPTCP_ERR_MALFORMED;
    /* The family is implied by Length (spec A.5 item 2). */
    if (type == MPTCP_MPCONVERT_TYPE_ADDR && !mpc_len_valid(ielen))
      return MPTCP_ERR_MALFORMED;
    /* Padding to 32 bits follows the IE (PM-10 §5.1); its content is not
     * checked, so a sender's non-zero padding is tolerated. */
    wire = roundup4(MPC_MAGIC_LEN + ielen);
    if (wire > rest) return MPTCP_ERR_TRUNCATED;
    flags = mptcp_get16(ie + 2);

    if (type == MPTCP_MPCONVERT_TYPE_ADDR) {
      /* PM-10 §5.2: at most two, one per direction. */
      if (out->n == MPTCP_MPCONVERT_IE_MAX) return MPTCP_ERR_MALFORMED;
      if (out->n == 1 &&
          ((out->ie[0].flags ^ flags) & MPTCP_MPCONVERT_FLAG_D) == 0)
        return MPTCP_ERR_MALFORMED;
      mpc_decode_addr(ie, ielen, flags, &out->ie[out->n]);
      out->n++;
    } else {
      /* Unknown types are skipped by Length (spec A.5 item 3); the cap
       * bounds the work an attacker can make us do. */
      if (out->n_skipped == MPTCP_MPCONVERT_SKIPPED_MAX)
        return MPTCP_ERR_MALFORMED;
      out->n_skipped++;
    }

    off += wire;
    if (flags & MPTCP_MPCONVERT_FLAG_M) {
      out->consumed = off;
      return 0;
    }
  }
}

/* Wire size of one type-0 IE incl. magic and padding, or 0 if unencodable. */
static size_t mpc_ie_size(const mptcp_mpconvert_ie *ie) {
  size_t ielen;

  if (ie->type != MPTCP_MPCONVERT_TYPE_ADDR) return 0;
  if (ie->addr.family == MPTCP_AF_INET)
    ielen = ie->has_port ? MPTCP_MPCONVERT_LEN_V4_PORT : MPTCP_MPCONVERT_LEN_V4;
  else if (ie->addr.family == MPTCP_AF_INET6)
    ielen = ie->has_port ? MPTCP_MPCONVERT_LEN_V6_PORT : MPTCP_MPCONVERT_LEN_V6;
  else
    return 0;
  return roundup4(MPC_MAGIC_LEN + ielen);
}

mptcp_ssize mptcp_mpconvert_size(const mptcp_mpconvert *c) {
  size_t total = 0;

  if (c == NULL || c->n == 0 || c->n > MPTCP_MPCONVERT_IE_MAX)
    return MPTCP_ERR_INVALID_ARG;
  /* Refuse what our own parser (and PM-10 §5.2) would reject. */
  if (c->n == 2 &&
      ((c->ie[0].flags ^ c->ie[1].flags) & MPTCP_MPCONVERT_FLAG_D) == 0)
    return MPTCP_ERR_INVALID_ARG;
  for (size_t i = 0; i < c->n; i++) {
    size_t s = mpc_ie_size(&c->ie[i]);
    if (s == 0) return MPTCP_ERR_INVALID_ARG;
    total += s;
  }
  return (mptcp_ssize)total;
}

mptcp_ssize mptcp_mpconvert_write(const mptcp_mpconvert *c, uint8_t *buf,
                                  size_t cap) {
  mptcp_ssize total = mptcp_mpconvert_size(c);
  size_t off = 0;

  if (total < 0) return total;
  if (buf == NULL || cap < (size_t)total) return MPTCP_ERR_NOBUF;

  for (size_t i = 0; i < c->n; i++) {
    const mptcp_mpconvert_ie *ie = &c->ie[i];
    size_t alen = ie->addr.family == MPTCP_AF_INET ? 4u : 16u;
    size_t ielen = MPC_FIXED_LEN + alen + (ie->has_port ? 2u : 0u);
    size_t wire = roundup4(MPC_MAGIC_LEN + ielen);
    uint16_t flags = ie->flags;
    uint8_t *q = buf + off;

    /* M=1 marks the last IE (PM-10 §5.1). */
    if (i + 1u == c->n)
      flags = (uint16_t)(flags | MPTCP_MPCONVERT_FLAG_M);
    else
      flags = (uint16_t)(flags & ~MPTCP_MPCONVERT_FLAG_M);

    memset(q, 0, wire);
    mptcp_put32(q, MPTCP_MPCONVERT_MAGIC);
    q[4] = MPTCP_MPCONVERT_TYPE_ADDR;
    q[5] = (uint8_t)ielen;
    mptcp_put16(q + 6, flags);
    memcpy(q + 8, ie->addr.a, alen);
    if (ie->has_port) mptcp_put16(q + 8 + alen, ie->port);
    off += wire;
  }
  return (mptcp_ssize)off;
}

/* ====================== RFC 8803 Convert ====================== */

#define CONV_TLV_HDR 4       /* Type, Length, 2 bytes (RFC 8803 §6.2.1) */
#define CONV_CONNECT_BASE 20 /* base Connect: 5 words (RFC 8803 §6.2.5) */
#define CONV_HAS_ALL                                                           \
  (MPTCP_CONVERT_HAS_INFO | MPTCP_CONVERT_HAS_CONNECT |                        \
   MPTCP_CONVERT_HAS_EXT_TCP_HDR | MPTCP_CONVERT_HAS_SUPPORTED_EXT |           \
   MPTCP_CONVERT_HAS_COOKIE | MPTCP_CONVERT_HAS_ERROR)

/* present bit of a TLV type, 0 for unknown and reserved types. */
static uint32_t conv_type_bit(uint8_t type) {
  switch (type) {
  case MPTCP_CONVERT_TLV_INFO: return MPTCP_CONVERT_HAS_INFO;
  case MPTCP_CONVERT_TLV_CONNECT: return MPTCP_CONVERT_HAS_CONNECT;
  case MPTCP_CONVERT_TLV_EXT_TCP_HDR: return MPTCP_CONVERT_HAS_EXT_TCP_HDR;
  case MPTCP_CONVERT_TLV_SUPPORTED_EXT: return MPTCP_CONVERT_HAS_SUPPORTED_EXT;
  case MPTCP_CONVERT_TLV_COOKIE: return MPTCP_CONVERT_HAS_COOKIE;
  case MPTCP_CONVERT_TLV_ERROR: return MPTCP_CONVERT_HAS_ERROR;
  default: return 0;
  }
}

/*
 * Checks an extended-Connect option list (RFC 8803 §6.2.5): {Kind, Length
 * >= 2, Value} entries, no EOL or NOP. With @p allow_pad, fewer than four
 * trailing zero bytes are the padding to 32 bits; a zero byte with a word or
 * more after it is an EOL. Sets *used to the bytes before the padding.
 * Returns 0, or -1 when badly framed.
 */
static int conv_opts_check(const uint8_t *p, size_t len, int allow_pad,
                           size_t *used) {
  size_t i = 0;

  while (i < len) {
    size_t olen;

    if (p[i] == 0) {
      if (!allow_pad || len - i >= 4u) return -1;
      for (size_t j = i; j < len; j++)
        if (p[j] != 0) return -1;
      break;
    }
    if (p[i] == 1) return -1; /* NOP: MUST NOT appear */
    if (len - i < 2u) return -1;
    olen = p[i + 1];
    if (olen < 2u || olen > len - i) return -1;
    i += olen;
  }
  *used = i;
  return 0;
}

/* RFC 8803 §6.2.5: the address field is always 16 bytes, IPv4 as
 * ::ffff:a.b.c.d; decode that form as AF_INET (common.h layout). */
static void conv_addr_decode(const uint8_t *a16, mptcp_ipaddr *dst) {
  int mapped = a16[10] == 0xff && a16[11] == 0xff;

  for (size_t i = 0; i < 10 && mapped; i++)
    if (a16[i] != 0) mapped = 0;
  memset(dst, 0, sizeof *dst);
  if (mapped) {
    dst->family = MPTCP_AF_INET;
    memcpy(dst->a, a16 + 12, 4);
  } else {
    dst->family = MPTCP_AF_INET6;
    memcpy(dst->a, a16, 16);
  }
}

static void conv_addr_encode(const mptcp_ipaddr *src, uint8_t *a16) {
  if (src->family == MPTCP_AF_INET) {
    memset(a16, 0, 10);
    a16[10] = 0xff;
    a16[11] = 0xff;
    memcpy(a16 + 12, src->a, 4);
  } else {
    memcpy(a16, src->a, 16);
  }
}

/* Decodes one TLV of @p words words at @p t whose framing and type were
 * checked. Returns 0 or an MPTCP_ERR_* code. */
static int conv_tlv_decode(const uint8_t *t, size_t words,
                           mptcp_convert_msg *out) {
  size_t tlen = words * 4u;
  const uint8_t *v = t + CONV_TLV_HDR;
  size_t vlen = tlen - CONV_TLV_HDR;

  switch (t[0]) {
  case MPTCP_CONVERT_TLV_INFO:
    /* RFC 8803 §6.2.3: Length 1 and no content; a longer one carries
     * nothing we would use, so it is accepted. */
    return 0;
  case MPTCP_CONVERT_TLV_CONNECT: {
    size_t used;

    if (tlen < CONV_CONNECT_BASE) return MPTCP_ERR_MALFORMED;
    out->connect.port = mptcp_get16(t + 2);
    conv_addr_decode(t + 4, &out->connect.addr);
    if (tlen > CONV_CONNECT_BASE) {
      const uint8_t *o = t + CONV_CONNECT_BASE;
      if (conv_opts_check(o, tlen - CONV_CONNECT_BASE, 1, &used) != 0)
        return MPTCP_ERR_MALFORMED;
      out->connect.tcp_opts.p = o;
      out->connect.tcp_opts.len = used;
    }
    return 0;
  }
  case MPTCP_CONVERT_TLV_EXT_TCP_HDR:
    /* RFC 8803 §6.2.6: 16 unassigned bits, then the server's options. */
    out->ext_tcp_hdr.p = v;
    out->ext_tcp_hdr.len = vlen;
    return 0;
  case MPTCP_CONVERT_TLV_SUPPORTED_EXT:
    /* RFC 8803 §6.2.4: kinds one byte each; kind 0 is never listed, so
     * trailing zeros are padding. */
    while (vlen > 0 && v[vlen - 1] == 0) vlen--;
    out->supported.p = v;
    out->supported.len = vlen;
    return 0;
  case MPTCP_CONVERT_TLV_COOKIE:
    out->cookie.p = v;
    out->cookie.len = vlen;
    return 0;
  case MPTCP_CONVERT_TLV_ERROR:
    /* RFC 8803 §6.2.8: Code and Value share the TLV's first word, so any
     * non-zero Length holds them. */
    out->error.code = t[2];
    out->error.value = t[3];
    out->error.extra.p = v;
    out->error.extra.len = vlen;
    return 0;
  default: return MPTCP_ERR_UNSUPPORTED;
  }
}

int mptcp_convert_parse(const uint8_t *p, size_t len, mptcp_convert_msg *out) {
  size_t total, off;

  if (out == NULL || (p == NULL && len > 0)) return MPTCP_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);

  /* The message is the start of a byte stream (RFC 8803 §6): with fewer
   * than 4 bytes, report "not Convert" only once a magic byte disagrees. */
  if (len < MPTCP_CONVERT_HDR_LEN) {
    if ((len > 2 && p[2] != (MPTCP_CONVERT_MAGIC >> 8)) ||
        (len > 3 && p[3] != (MPTCP_CONVERT_MAGIC & 0xffu)))
      return MPTCP_ERR_NOT_PRESENT;
    return MPTCP_ERR_TRUNCATED;
  }
  if (mptcp_get16(p + 2) != MPTCP_CONVERT_MAGIC) return MPTCP_ERR_NOT_PRESENT;

  /* RFC 8803 §6.1: nothing after the header is meaningful in another
   * version; the caller answers with an Unsupported Version error. */
  out->version = p[0];
  if (p[0] != MPTCP_CONVERT_VERSION) return MPTCP_ERR_VERSION;

  /* RFC 8803 §6.1: Total Length 0 is invalid. bad_tlv_off 0 = header. */
  total = (size_t)p[1] * 4u;
  if (total == 0) return MPTCP_ERR_MALFORMED;
  out->consumed = total; /* also tells a TRUNCATED caller what to wait for */
  if (len < total) return MPTCP_ERR_TRUNCATED;

  /* RFC 8803 §9: every TLV must be framed within Total Length. */
  for (off = MPTCP_CONVERT_HDR_LEN; off < total;) {
    const uint8_t *t = p + off;
    size_t words = t[1];
    uint32_t bit;
    int rc;

    out->bad_tlv_off = off;
    if (words == 0 || words * 4u > total - off) return MPTCP_ERR_MALFORMED;
    /* RFC 8803 §6.2.1: type 0 is reserved; unknown types get an
     * Unsupported Message error (§6.2.8). */
    bit = conv_type_bit(t[0]);
    if (bit == 0) return MPTCP_ERR_UNSUPPORTED;
    /* RFC 8803 §6.2.1: a type appears at most once. */
    if (out->present & bit) return MPTCP_ERR_MALFORMED;
    rc = conv_tlv_decode(t, words, out);
    if (rc != 0) return rc;
    out->present |= bit;
    off += words * 4u;
  }
  out->bad_tlv_off = 0;
  return 0;
}

/* A borrowed byte string the writer can use, at most @p max bytes. */
static int conv_bytes_ok(const mptcp_bytes *b, size_t max) {
  return b->len <= max && (b->len == 0 || b->p != NULL);
}

mptcp_ssize mptcp_convert_size(const mptcp_convert_msg *m) {
  const size_t room = MPTCP_CONVERT_MAX_LEN - MPTCP_CONVERT_HDR_LEN;
  size_t total = MPTCP_CONVERT_HDR_LEN;

  if (m == NULL || (m->present & ~(uint32_t)CONV_HAS_ALL) != 0)
    return MPTCP_ERR_INVALID_ARG;

  /* Each length is bounded by `room` before rounding so the sum cannot
   * overflow; the final check enforces the 255-word limit (§6.1). */
  if (m->present & MPTCP_CONVERT_HAS_INFO) total += CONV_TLV_HDR;
  if (m->present & MPTCP_CONVERT_HAS_CONNECT) {
    const mptcp_bytes *o = &m->connect.tcp_opts;
    size_t used;

    if (m->connect.addr.family != MPTCP_AF_INET &&
        m->connect.addr.family != MPTCP_AF_INET6)
      return MPTCP_ERR_INVALID_ARG;
    if (!conv_bytes_ok(o, room)) return MPTCP_ERR_INVALID_ARG;
    /* Only a list our parser accepts back (§6.2.5: no EOL/NOP). */
    if (o->len > 0 && conv_opts_check(o->p, o->len, 0, &used) != 0)
      return MPTCP_ERR_INVALID_ARG;
    total += CONV_CONNECT_BASE + roundup4(o->len);
  }
  if (m->present & MPTCP_CONVERT_HAS_EXT_TCP_HDR) {
    if (!conv_bytes_ok(&m->ext_tcp_hdr, room)) return MPTCP_ERR_INVALID_ARG;
    total += CONV_TLV_HDR + roundup4(m->ext_tcp_hdr.len);
  }
  if (m->present & MPTCP_CONVERT_HAS_SUPPORTED_EXT) {
    const mptcp_bytes *s = &m->supported;
    if (!conv_bytes_ok(s, room)) return MPTCP_ERR_INVALID_ARG;
    /* A trailing kind 0 would read back as padding. */
    if (s->len > 0 && s->p[s->len - 1] == 0) return MPTCP_ERR_INVALID_ARG;
    total += CONV_TLV_HDR + roundup4(s->len);
  }
  if (m->present & MPTCP_CONVERT_HAS_COOKIE) {
    if (!conv_bytes_ok(&m->cookie, room)) return MPTCP_ERR_INVALID_ARG;
    total += CONV_TLV_HDR + roundup4(m->cookie.len);
  }
  if (m->present & MPTCP_CONVERT_HAS_ERROR) {
    if (!conv_bytes_ok(&m->error.extra, room)) return MPTCP_ERR_INVALID_ARG;
    total += CONV_TLV_HDR + roundup4(m->error.extra.len);
  }
  if (total > MPTCP_CONVERT_MAX_LEN) return MPTCP_ERR_INVALID_ARG;
  return (mptcp_ssize)total;
}

/* Writes a TLV whose value after the 2-byte field @p f16 is @p v, padded
 * with zeros (RFC 8803 §6.2.1). Returns the bytes written. */
static size_t conv_put_tlv(uint8_t *q, uint8_t type, uint16_t f16,
                           const mptcp_bytes *v) {
  size_t len = CONV_TLV_HDR + roundup4(v->len);

  memset(q, 0, len);
  q[0] = type;
  q[1] = (uint8_t)(len / 4u);
  mptcp_put16(q + 2, f16);
  if (v->len > 0) memcpy(q + CONV_TLV_HDR, v->p, v->len);
  return len;
}

mptcp_ssize mptcp_convert_write(const mptcp_convert_msg *m, uint8_t *buf,
                                size_t cap) {
  const mptcp_bytes none = {NULL, 0};
  mptcp_ssize total = mptcp_convert_size(m);
  size_t off = MPTCP_CONVERT_HDR_LEN;

  if (total < 0) return total;
  if (buf == NULL || cap < (size_t)total) return MPTCP_ERR_NOBUF;

  /* RFC 8803 §6.1 header; Total Length in words. */
  buf[0] = MPTCP_CONVERT_VERSION;
  buf[1] = (uint8_t)((size_t)total / 4u);
  mptcp_put16(buf + 2, MPTCP_CONVERT_MAGIC);

  if (m->present & MPTCP_CONVERT_HAS_INFO)
    off += conv_put_tlv(buf + off, MPTCP_CONVERT_TLV_INFO, 0, &none);
  if (m->present & MPTCP_CONVERT_HAS_CONNECT) {
    const mptcp_bytes *o = &m->connect.tcp_opts;
    size_t len = CONV_CONNECT_BASE + roundup4(o->len);
    uint8_t *q = buf + off;

    memset(q, 0, len);
    q[0] = MPTCP_CONVERT_TLV_CONNECT;
    q[1] = (uint8_t)(len / 4u);
    mptcp_put16(q + 2, m->connect.port);
    conv_addr_encode(&m->connect.addr, q + 4);
    if (o->len > 0) memcpy(q + CONV_CONNECT_BASE, o->p, o->len);
    off += len;
  }
  if (m->present & MPTCP_CONVERT_HAS_EXT_TCP_HDR)
    off += conv_put_tlv(buf + off, MPTCP_CONVERT_TLV_EXT_TCP_HDR, 0,
                        &m->ext_tcp_hdr);
  if (m->present & MPTCP_CONVERT_HAS_SUPPORTED_EXT)
    off += conv_put_tlv(buf + off, MPTCP_CONVERT_TLV_SUPPORTED_EXT, 0,
                        &m->supported);
  if (m->present & MPTCP_CONVERT_HAS_COOKIE)
    off += conv_put_tlv(buf + off, MPTCP_CONVERT_TLV_COOKIE, 0, &m->cookie);
  if (m->present & MPTCP_CONVERT_HAS_ERROR)
    off +=
        conv_put_tlv(buf + off, MPTCP_CONVERT_TLV_ERROR,
                     (uint16_t)((unsigned)m->error.code << 8 | m->error.value),
                     &m->error.extra);
  return (mptcp_ssize)off;
}
