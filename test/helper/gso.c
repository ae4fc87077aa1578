/* Kernel-side offload behaviour for tests (see gso.h).
 * SPDX-License-Identifier: MIT */
#include "gso.h"

#include <check.h>
#include <string.h>

#include "wire.h"

static size_t ip_len(const uint8_t *b) {
  return (b[0] >> 4) == 4 ? (size_t)(b[0] & 15) * 4 : 40;
}

size_t gso_hdr_len(const uint8_t *b, size_t n) {
  if (n < 20 || ((b[0] >> 4) != 4 && (b[0] >> 4) != 6)) return 0;
  size_t iph = ip_len(b);
  if (n < iph + 20) return 0;
  size_t hl = iph + (size_t)(b[iph + 12] >> 4) * 4;
  return hl <= n ? hl : 0;
}

void gso_csum_complete(uint8_t *b, size_t n, size_t start, size_t off) {
  uint16_t c = mptcp_csum_finish(mptcp_csum_partial(b + start, n - start, 0));
  mptcp_put16(b + start + off, c);
}

/* Sets the IP length, then both checksums in full. */
static void finish(uint8_t *b, size_t n) {
  size_t iph = ip_len(b);
  mptcp_ipaddr s, d;
  memset(&s, 0, sizeof s);
  memset(&d, 0, sizeof d);
  if ((b[0] >> 4) == 4) {
    mptcp_put16(b + 2, (uint16_t)n);
    mptcp_put16(b + 10, 0);
    mptcp_put16(b + 10, mptcp_csum_finish(mptcp_csum_partial(b, iph, 0)));
    s.family = d.family = MPTCP_AF_INET;
    memcpy(s.a, b + 12, 4);
    memcpy(d.a, b + 16, 4);
  } else {
    mptcp_put16(b + 4, (uint16_t)(n - iph));
    s.family = d.family = MPTCP_AF_INET6;
    memcpy(s.a, b + 8, 16);
    memcpy(d.a, b + 24, 16);
  }
  mptcp_put16(b + iph + 16, 0);
  mptcp_put16(b + iph + 16, mptcp_tcp_csum(&s, &d, b + iph, n - iph));
}

size_t gso_split(const uint8_t *b, size_t n, size_t gso_size, uint8_t *out,
                 size_t stride, size_t *lens, size_t max) {
  size_t hl = gso_hdr_len(b, n);
  if (!hl || !gso_size) return 0;
  size_t iph = ip_len(b), pay = n - hl;
  size_t k = pay ? (pay + gso_size - 1) / gso_size : 1;
  if (k > max) return 0;
  uint32_t seq = mptcp_get32(b + iph + 4);
  uint16_t id = (b[0] >> 4) == 4 ? mptcp_get16(b + 4) : 0;
  for (size_t i = 0; i < k; i++) {
    size_t off = i * gso_size,
           len = pay - off < gso_size ? pay - off : gso_size;
    uint8_t *o = out + i * stride;
    if (hl + len > stride) return 0;
    memcpy(o, b, hl);
    memcpy(o + hl, b + hl + off, len);
    mptcp_put32(o + iph + 4, seq + (uint32_t)off);
    if (i + 1 < k) o[iph + 13] &= (uint8_t) ~(MPTCP_TH_PSH | MPTCP_TH_FIN);
    if ((b[0] >> 4) == 4) mptcp_put16(o + 4, (uint16_t)(id + i));
    finish(o, hl + len);
    lens[i] = hl + len;
  }
  return k;
}

size_t gso_coalesce(uint8_t *const *pkts, const size_t *lens, size_t k,
                    uint8_t *out, size_t cap) {
  size_t hl = gso_hdr_len(pkts[0], lens[0]), iph = ip_len(pkts[0]);
  ck_assert(hl > 0 && k > 0);
  memcpy(out, pkts[0], hl);
  size_t n = hl;
  uint32_t next = mptcp_get32(pkts[0] + iph + 4);
  for (size_t i = 0; i < k; i++) {
    const uint8_t *p = pkts[i];
    ck_assert_uint_eq(gso_hdr_len(p, lens[i]), hl);
    ck_assert_uint_eq(mptcp_get32(p + iph + 4), next);
    /* The same headers: addresses, ports, ACK, window, options. */
    ck_assert(memcmp(p + iph, out + iph, 4) == 0);
    ck_assert(memcmp(p + iph + 8, out + iph + 8, 5) == 0);
    ck_assert(memcmp(p + iph + 14, out + iph + 14, 2) == 0);
    ck_assert(memcmp(p + iph + 20, out + iph + 20, hl - iph - 20) == 0);
    size_t len = lens[i] - hl;
    ck_assert(n + len <= cap);
    memcpy(out + n, p + hl, len);
    n += len;
    next += (uint32_t)len;
  }
  out[iph + 13] = (uint8_t)((out[iph + 13] & ~MPTCP_TH_PSH) |
                            (pkts[k - 1][iph + 13] & MPTCP_TH_PSH));
  finish(out, n);
  return n;
}
