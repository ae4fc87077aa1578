/*
 * IPv4/IPv6 + TCP header codec and Internet checksums (RFC 791, RFC 8200,
 * RFC 9293 §3.1, RFC 1071, RFC 1624).
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/codec.h>

#include <string.h>

#include "wire.h"

/* IPv6 next-header values we walk over (RFC 8200 §4; AH is RFC 4302). */
#define NH_HOPOPTS 0
#define NH_TCP 6
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60
#define IPV6_EXT_MAX 8 /* more than this in one packet is not traffic */

static int host_is_little_endian(void) {
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* RFC 1071 §2(B): the one's-complement sum is byte-order independent, so
 * sum 32-bit words as the host loads them (a 64-bit accumulator absorbs
 * the carries) and swap the folded result once on little-endian hosts.
 * This is the per-packet hot path: 32 bytes per iteration. */
#if defined(__GNUC__)
/* Four 32-bit lanes; each host-order word is split into its two 16-bit
 * halves, which keeps every lane free of overflow for 64 KiB per round. */
__extension__ typedef uint32_t csum_v4 __attribute__((vector_size(16)));

static uint64_t sum_vec(const uint8_t **pp, size_t *plen) {
  const uint8_t *p = *pp;
  size_t len = *plen;
  uint64_t acc = 0;
  while (len >= 16) {
    csum_v4 lo = {0, 0, 0, 0}, hi = {0, 0, 0, 0};
    size_t n = len < 65536 ? len : 65536;
    n &= ~(size_t)15;
    for (size_t i = 0; i < n; i += 16) {
      csum_v4 v;
      memcpy(&v, p + i, sizeof v);
      lo += v & 0xffff;
      hi += v >> 16;
    }
    acc +=
        (uint64_t)lo[0] + lo[1] + lo[2] + lo[3] + hi[0] + hi[1] + hi[2] + hi[3];
    p += n;
    len -= n;
  }
  *pp = p;
  *plen = len;
  return acc;
}
#endif

MPTCP_API uint32_t mptcp_csum_partial(const uint8_t *p, size_t len,
                                      uint32_t sum) {
  uint64_t acc = 0;
#if defined(__GNUC__)
  acc = sum_vec(&p, &len);
#endif
  for (; len >= 32; p += 32, len -= 32) {
    uint32_t w[8];
    memcpy(w, p, sizeof w);
    acc += (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7];
  }
  for (; len >= 4; p += 4, len -= 4) {
    uint32_t w;
    memcpy(&w, p, sizeof w);
    acc += w;
  }
  while (acc >> 16) acc = (acc & 0xffffu) + (acc >> 16);
  if (host_is_little_endian()) acc = ((acc & 0xffu) << 8) | (acc >> 8);
  if (len >= 2) {
    acc += mptcp_get16(p);
    p += 2;
    len -= 2;
  }
  if (len) acc += (uint32_t)p[0] << 8; /* odd tail padded with zero */
  acc += sum;
  while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
  return (uint32_t)acc;
}

static uint16_t csum_fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
  return (uint16_t)sum;
}

MPTCP_API uint16_t mptcp_csum_finish(uint32_t sum) {
  return (uint16_t)~csum_fold(sum);
}

static uint32_t pseudo_sum(const mptcp_ipaddr *src, const mptcp_ipaddr *dst,
                           size_t len) {
  size_t alen = src->family == MPTCP_AF_INET6 ? 16 : 4;
  uint32_t s = mptcp_csum_partial(src->a, alen, 0);
  s = mptcp_csum_partial(dst->a, alen, s);
  /* Upper-layer length and protocol, summed as 16-bit words. */
  s += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffffu) + NH_TCP;
  return s;
}

MPTCP_API uint16_t mptcp_tcp_csum(const mptcp_ipaddr *src,
                                  const mptcp_ipaddr *dst, const uint8_t *tcp,
                                  size_t len) {
  uint32_t s = pseudo_sum(src, dst, len);
  return mptcp_csum_finish(mptcp_csum_partial(tcp, len, s));
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). */
MPTCP_API uint16_t mptcp_csum_update16(uint16_t csum, uint16_t old_val,
                                       uint16_t new_val) {
  uint32_t s = (uint16_t)~csum;
  s += (uint16_t)~old_val;
  s += new_val;
  return (uint16_t)~csum_fold(s);
}

MPTCP_API uint16_t mptcp_csum_update32(uint16_t csum, uint32_t old_val,
                                       uint32_t new_val) {
  csum = mptcp_csum_update16(csum, (uint16_t)(old_val >> 16),
                             (uint16_t)(new_val >> 16));
  return mptcp_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}

static int parse_ipv4(const uint8_t *b, size_t len, unsigned flags,
                      mptcp_pkt *o, size_t *ip_end) {
  if (len < MPTCP_IPV4_HDR_LEN) return MPTCP_ERR_TRUNCATED;
  size_t ihl = (size_t)(b[0] & 0x0f) * 4;
  if (ihl < MPTCP_IPV4_HDR_LEN) return MPTCP_ERR_MALFORMED;
  size_t total = mptcp_get16(b + 2);
  if (total < ihl) return MPTCP_ERR_MALFORMED;
  if (len < ihl || len < total) return MPTCP_ERR_TRUNCATED;
  if (flags & MPTCP_PKT_VERIFY_CSUM &&
      mptcp_csum_finish(mptcp_csum_partial(b, ihl, 0)) != 0)
    return MPTCP_ERR_CHECKSUM;
  uint16_t frag = mptcp_get16(b + 6);
  o->tos = b[1];
  o->ip_id = mptcp_get16(b + 4);
  o->ip_df = (frag & 0x4000) != 0;
  o->ttl = b[8];
  o->src.family = o->dst.family = MPTCP_AF_INET;
  memcpy(o->src.a, b + 12, 4);
  memcpy(o->dst.a, b + 16, 4);
  o->ip_hdr_len = (uint16_t)ihl;
  *ip_end = total;
  /* Only an unfragmented packet holds a complete TCP segment. */
  if (frag & 0x3fff) return MPTCP_ERR_FRAGMENT;
  if (b[9] != NH_TCP) return MPTCP_ERR_NOT_TCP;
  return 0;
}

static int parse_ipv6(const uint8_t *b, size_t len, mptcp_pkt *o,
                      size_t *ip_end) {
  if (len < MPTCP_IPV6_HDR_LEN) return MPTCP_ERR_TRUNCATED;
  size_t total = MPTCP_IPV6_HDR_LEN + (size_t)mptcp_get16(b + 4);
  if (len < total) return MPTCP_ERR_TRUNCATED;
  uint32_t w0 = mptcp_get32(b);
  o->tos = (uint8_t)(w0 >> 20);
  o->flow_label = w0 & 0xfffffu;
  o->ttl = b[7];
  o->src.family = o->dst.family = MPTCP_AF_INET6;
  memcpy(o->src.a, b + 8, 16);
  memcpy(o->dst.a, b + 24, 16);
  *ip_end = total;

  uint8_t nh = b[6];
  size_t off = MPTCP_IPV6_HDR_LEN;
  for (int i = 0; nh != NH_TCP; i++) {
    if (i == IPV6_EXT_MAX) return MPTCP_ERR_MALFORMED;
    if (total - off < 8) return MPTCP_ERR_TRUNCATED;
    const uint8_t *e = b + off;
    size_t elen;
    switch (nh) {
    case NH_HOPOPTS:
    case NH_ROUTING:
    case NH_DSTOPTS: elen = ((size_t)e[1] + 1) * 8; break;
    case NH_AH: /* RFC 4302 §2.2: length in 4-octet units, minus 2 */
      elen = ((size_t)e[1] + 2) * 4;
      break;
    case NH_FRAGMENT:
      /* An atomic fragment (offset 0, M=0; RFC 6946) is a whole packet. */
      if ((mptcp_get16(e + 2) & 0xfff9u) != 0) return MPTCP_ERR_FRAGMENT;
      elen = 8;
      break;
    default:
      return MPTCP_ERR_NOT_TCP; /* ESP, no-next-header, UDP, ICMPv6, ... */
    }
    if (total - off < elen) return MPTCP_ERR_TRUNCATED;
    nh = e[0];
    off += elen;
  }
  o->ip_hdr_len = (uint16_t)off;
  return 0;
}

MPTCP_API int mptcp_pkt_parse(const uint8_t *buf, size_t len, unsigned flags,
                              mptcp_pkt *out) {
  memset(out, 0, sizeof *out);
  if (len < 1) return MPTCP_ERR_TRUNCATED;
  out->ip_version = buf[0] >> 4;
  size_t ip_end;
  int rv;
  if (out->ip_version == 4)
    rv = parse_ipv4(buf, len, flags, out, &ip_end);
  else if (out->ip_version == 6)
    rv = parse_ipv6(buf, len, out, &ip_end);
  else
    return MPTCP_ERR_MALFORMED;
  if (rv) return rv;

  const uint8_t *t = buf + out->ip_hdr_len;
  size_t tlen = ip_end - out->ip_hdr_len;
  if (tlen < MPTCP_TCP_HDR_LEN) return MPTCP_ERR_TRUNCATED;
  size_t doff = (size_t)(t[12] >> 4) * 4;
  if (doff < MPTCP_TCP_HDR_LEN) return MPTCP_ERR_MALFORMED;
  if (doff > tlen) return MPTCP_ERR_TRUNCATED;
  if (flags & MPTCP_PKT_VERIFY_CSUM &&
      mptcp_tcp_csum(&out->src, &out->dst, t, tlen) != 0)
    return MPTCP_ERR_CHECKSUM;

  out->sport = mptcp_get16(t);
  out->dport = mptcp_get16(t + 2);
  out->seq = mptcp_get32(t + 4);
  out->ack = mptcp_get32(t + 8);
  out->tcp_res = t[12] & 0x0f;
  out->tcp_flags = t[13];
  out->window = mptcp_get16(t + 14);
  out->tcp_csum = mptcp_get16(t + 16);
  out->urg_ptr = mptcp_get16(t + 18);
  out->opts = t + MPTCP_TCP_HDR_LEN;
  out->opts_len = doff - MPTCP_TCP_HDR_LEN;
  out->payload = t + doff;
  out->payload_len = tlen - doff;
  out->tcp = t;
  out->tcp_len = tlen;
  return 0;
}

MPTCP_API mptcp_ssize mptcp_pkt_write(const mptcp_pkt *p, uint8_t *buf,
                                      size_t cap) {
  if (p->src.family != p->dst.family || p->opts_len % 4 ||
      p->opts_len > MPTCP_TCP_OPT_MAX)
    return MPTCP_ERR_INVALID_ARG;
  size_t iph;
  if (p->src.family == MPTCP_AF_INET)
    iph = MPTCP_IPV4_HDR_LEN;
  else if (p->src.family == MPTCP_AF_INET6)
    iph = MPTCP_IPV6_HDR_LEN;
  else
    return MPTCP_ERR_INVALID_ARG;
  size_t tlen = MPTCP_TCP_HDR_LEN + p->opts_len + p->payload_len;
  size_t total = iph + tlen;
  if (tlen > 65535 || (iph == MPTCP_IPV4_HDR_LEN && total > 65535))
    return MPTCP_ERR_INVALID_ARG;
  if (cap < total) return MPTCP_ERR_NOBUF;

  uint8_t *b = buf;
  if (iph == MPTCP_IPV4_HDR_LEN) {
    b[0] = 0x45;
    b[1] = p->tos;
    mptcp_put16(b + 2, (uint16_t)total);
    mptcp_put16(b + 4, p->ip_id);
    mptcp_put16(b + 6, p->ip_df ? 0x4000 : 0);
    b[8] = p->ttl;
    b[9] = NH_TCP;
    mptcp_put16(b + 10, 0);
    memcpy(b + 12, p->src.a, 4);
    memcpy(b + 16, p->dst.a, 4);
    mptcp_put16(b + 10, mptcp_csum_finish(mptcp_csum_partial(b, iph, 0)));
  } else {
    mptcp_put32(b,
                6u << 28 | (uint32_t)p->tos << 20 | (p->flow_label & 0xfffffu));
    mptcp_put16(b + 4, (uint16_t)tlen);
    b[6] = NH_TCP;
    b[7] = p->ttl;
    memcpy(b + 8, p->src.a, 16);
    memcpy(b + 24, p->dst.a, 16);
  }

  uint8_t *t = b + iph;
  mptcp_put16(t, p->sport);
  mptcp_put16(t + 2, p->dport);
  mptcp_put32(t + 4, p->seq);
  mptcp_put32(t + 8, p->ack);
  t[12] = (uint8_t)(((MPTCP_TCP_HDR_LEN + p->opts_len) / 4) << 4 |
                    (p->tcp_res & 0x0f));
  t[13] = p->tcp_flags;
  mptcp_put16(t + 14, p->window);
  mptcp_put16(t + 16, 0);
  mptcp_put16(t + 18, p->urg_ptr);
  if (p->opts_len) memcpy(t + MPTCP_TCP_HDR_LEN, p->opts, p->opts_len);
  /* The payload may already be in place (built straight into buf). */
  uint8_t *pl = t + MPTCP_TCP_HDR_LEN + p->opts_len;
  if (p->payload_len && p->payload != pl)
    memmove(pl, p->payload, p->payload_len);
  mptcp_put16(t + 16, mptcp_tcp_csum(&p->src, &p->dst, t, tlen));
  return (mptcp_ssize)total;
}
