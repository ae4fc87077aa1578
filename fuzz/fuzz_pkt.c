/*
 * fuzz_pkt: raw IPv4/IPv6 packets into mptcp_pkt_parse, then the option
 * area of what parsed through fuzz_opts's oracle.
 *
 * Checksums are not verified on the first parse so that the fuzzer reaches
 * the TCP options without having to solve them.
 *
 * Oracle (any violation aborts):
 *   - the borrowed pointers (options, payload, TCP header) lie inside the
 *     IP packet, the option area is 0..40 bytes in 32-bit words;
 *   - parsing with MPTCP_PKT_VERIFY_CSUM fails only with CHECKSUM, and when
 *     it succeeds it agrees with the unverified parse;
 *   - mptcp_pkt_write re-emits the packet (IP options / extension headers
 *     dropped) with checksums that verify, and it re-parses to the same
 *     fields, options and payload;
 *   - RFC 1624 incremental updates of the TCP checksum (window, sequence
 *     number) agree with a full recomputation;
 *   - the TCP options satisfy the fuzz_opts oracle;
 *   - mptcp_csum_copy() of the whole input, to a destination offset the
 *     first byte picks, copies exactly those bytes and sums them as
 *     mptcp_csum_partial() does.
 *
 * SPDX-License-Identifier: MIT
 */
#include "fuzz.h"

#include <string.h>

static int inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len) {
  if (n == 0) return 1;
  return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static void check_same_pkt(const mptcp_pkt *a, const mptcp_pkt *b) {
  FUZZ_CHECK(a->ip_version == b->ip_version);
  FUZZ_CHECK(mptcp_ipaddr_equal(&a->src, &b->src));
  FUZZ_CHECK(mptcp_ipaddr_equal(&a->dst, &b->dst));
  FUZZ_CHECK(a->ttl == b->ttl && a->tos == b->tos);
  if (a->ip_version == 4)
    FUZZ_CHECK(a->ip_df == b->ip_df && a->ip_id == b->ip_id);
  else
    FUZZ_CHECK(a->flow_label == b->flow_label);
  FUZZ_CHECK(a->sport == b->sport && a->dport == b->dport);
  FUZZ_CHECK(a->seq == b->seq && a->ack == b->ack);
  FUZZ_CHECK(a->tcp_flags == b->tcp_flags && a->tcp_res == b->tcp_res);
  FUZZ_CHECK(a->window == b->window && a->urg_ptr == b->urg_ptr);
  FUZZ_CHECK(a->opts_len == b->opts_len);
  FUZZ_CHECK(a->opts_len == 0 || memcmp(a->opts, b->opts, a->opts_len) == 0);
  FUZZ_CHECK(a->payload_len == b->payload_len);
  FUZZ_CHECK(a->payload_len == 0 ||
             memcmp(a->payload, b->payload, a->payload_len) == 0);
}

static void check_rewrite(const mptcp_pkt *p, size_t in_len) {
  size_t cap = in_len + MPTCP_IPV6_HDR_LEN;
  uint8_t *buf = malloc(cap);
  mptcp_pkt q;
  FUZZ_CHECK(buf != NULL);

  mptcp_ssize w = mptcp_pkt_write(p, buf, cap);
  size_t iph = p->ip_version == 4 ? MPTCP_IPV4_HDR_LEN : MPTCP_IPV6_HDR_LEN;
  FUZZ_CHECK(w > 0 && (size_t)w == iph + p->tcp_len);
  FUZZ_CHECK(mptcp_pkt_write(p, buf, (size_t)w - 1) == MPTCP_ERR_NOBUF);

  FUZZ_CHECK(mptcp_pkt_parse(buf, (size_t)w, MPTCP_PKT_VERIFY_CSUM, &q) == 0);
  FUZZ_CHECK(q.ip_hdr_len == iph);
  FUZZ_CHECK(q.tcp_len == p->tcp_len);
  check_same_pkt(p, &q);

  /* Incremental checksum updates against a full recomputation. */
  uint8_t *t = buf + iph;
  uint16_t csum = (uint16_t)(t[16] << 8 | t[17]);
  uint16_t win = (uint16_t)(t[14] << 8 | t[15]);
  uint16_t nwin = (uint16_t)(win ^ 0xa55au);
  uint32_t seq =
      (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
  uint32_t nseq = seq + 0x01000193u;
  csum = mptcp_csum_update16(csum, win, nwin);
  csum = mptcp_csum_update32(csum, seq, nseq);
  t[14] = (uint8_t)(nwin >> 8);
  t[15] = (uint8_t)nwin;
  t[4] = (uint8_t)(nseq >> 24);
  t[5] = (uint8_t)(nseq >> 16);
  t[6] = (uint8_t)(nseq >> 8);
  t[7] = (uint8_t)nseq;
  t[16] = (uint8_t)(csum >> 8);
  t[17] = (uint8_t)csum;
  FUZZ_CHECK(mptcp_tcp_csum(&q.src, &q.dst, t, q.tcp_len) == 0);
  free(buf);
}

static void check_csum_copy(const uint8_t *data, size_t size) {
  size_t off = size ? data[0] % 8 : 0;
  uint8_t *dst = malloc(size + off + 1);
  FUZZ_CHECK(dst != NULL);
  dst[size + off] = 0x5a;
  uint32_t c = mptcp_csum_copy(dst + off, data, size, 0x1234);
  FUZZ_CHECK(size == 0 || memcmp(dst + off, data, size) == 0);
  FUZZ_CHECK(dst[size + off] == 0x5a);
  FUZZ_CHECK(mptcp_csum_finish(c) ==
             mptcp_csum_finish(mptcp_csum_partial(data, size, 0x1234)));
  free(dst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mptcp_pkt p, v;
  mptcp_parse_ctx ctx;

  check_csum_copy(data, size);

  int rc = mptcp_pkt_parse(data, size, 0, &p);
  if (rc != 0) {
    FUZZ_CHECK(rc == MPTCP_ERR_TRUNCATED || rc == MPTCP_ERR_MALFORMED ||
               rc == MPTCP_ERR_NOT_TCP || rc == MPTCP_ERR_FRAGMENT);
    return 0;
  }
  FUZZ_CHECK(p.ip_version == 4 || p.ip_version == 6);
  FUZZ_CHECK(p.opts_len <= MPTCP_TCP_OPT_MAX && p.opts_len % 4 == 0);
  FUZZ_CHECK(p.tcp_len >= MPTCP_TCP_HDR_LEN + p.opts_len + p.payload_len);
  FUZZ_CHECK(p.tcp == data + p.ip_hdr_len);
  FUZZ_CHECK(inside(p.tcp, p.tcp_len, data, size));
  FUZZ_CHECK(inside(p.opts, p.opts_len, p.tcp, p.tcp_len));
  FUZZ_CHECK(inside(p.payload, p.payload_len, p.tcp, p.tcp_len));
  FUZZ_CHECK(p.tcp_len == MPTCP_TCP_HDR_LEN + p.opts_len + p.payload_len);

  rc = mptcp_pkt_parse(data, size, MPTCP_PKT_VERIFY_CSUM, &v);
  FUZZ_CHECK(rc == 0 || rc == MPTCP_ERR_CHECKSUM);
  if (rc == 0) {
    check_same_pkt(&p, &v);
    FUZZ_CHECK(mptcp_tcp_csum(&v.src, &v.dst, v.tcp, v.tcp_len) == 0);
  }

  check_rewrite(&p, size);

  mptcp_parse_ctx_init(&ctx, p.tcp_flags, p.payload_len);
  fuzz_check_opt_area(p.opts, p.opts_len, &ctx);
  return 0;
}
