/*
 * Tests for lib/pkt.c: IPv4/IPv6 + TCP parse and write, checksums
 * (RFC 1071 sum, RFC 1624 incremental update), IPv6 extension headers,
 * fragments, truncation (exact-size heap buffers), link padding, the
 * copy-and-sum kernel and the ring's use of it.
 * Checksums are cross-checked with an independent implementation here.
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>

#include "ringbuf.h" /* white box: the ring's copy-and-sum */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- */
/* independent reference checksum                                     */
/* ---------------------------------------------------------------- */

static uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t s) {
  for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) s += (uint32_t)p[n - 1] << 8;
  return s;
}

static uint16_t ref_fold(uint32_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)s;
}

/* The checksum field value for a TCP segment whose field is zero. */
static uint16_t ref_tcp_csum(const mptcp_ipaddr *src, const mptcp_ipaddr *dst,
                             const uint8_t *tcp, size_t len) {
  uint32_t s = 0;
  size_t al = src->family == MPTCP_AF_INET ? 4 : 16;
  s = ref_sum(src->a, al, s);
  s = ref_sum(dst->a, al, s);
  s += 6;
  s += (uint32_t)(len & 0xffff) + (uint32_t)(len >> 16);
  s = ref_sum(tcp, len, s);
  return (uint16_t)~ref_fold(s);
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

/* Recomputes the IPv4 header checksum in place. */
static void fix_ip4_csum(uint8_t *ip) {
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  put16(ip + 10, 0);
  put16(ip + 10, (uint16_t)~ref_fold(ref_sum(ip, ihl, 0)));
}

static void fix_tcp_csum(const mptcp_ipaddr *src, const mptcp_ipaddr *dst,
                         uint8_t *tcp, size_t len) {
  put16(tcp + 16, 0);
  put16(tcp + 16, ref_tcp_csum(src, dst, tcp, len));
}

/* ---------------------------------------------------------------- */
/* packet fixtures                                                    */
/* ---------------------------------------------------------------- */

static const uint8_t hello[13] = {'h', 'e', 'l', 'l', 'o', ',', ' ',
                                  'm', 'p', 't', 'c', 'p', '!'};

static uint8_t fx_opts[40];
static size_t fx_opts_len;

/* A data segment: nop nop TS + DSS, payload "hello, mptcp!". */
static void fixture(mptcp_pkt *p, int v6) {
  fx_opts_len = tcheck_hex("01 01 08 0a 00 00 00 64 00 00 00 c8 "
                           "1e 14 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 "
                           "00 0d 6d 1b",
                           fx_opts, sizeof fx_opts);
  memset(p, 0, sizeof *p);
  if (v6) {
    tcheck_addr6_db8(&p->src, 1);
    tcheck_addr6_db8(&p->dst, 2);
    p->ip_version = 6;
    p->flow_label = 0xabcde;
    p->tos = 0x28;
    p->ttl = 57;
  } else {
    tcheck_addr4(&p->src, 192, 0, 2, 1);
    tcheck_addr4(&p->dst, 198, 51, 100, 7);
    p->ip_version = 4;
    p->ttl = 64;
    p->tos = 0x10;
    p->ip_df = 1;
    p->ip_id = 0x1234;
  }
  p->sport = 40000;
  p->dport = 443;
  p->seq = 0xfffffff0u;
  p->ack = 0x01020304u;
  p->tcp_flags = MPTCP_TH_ACK | MPTCP_TH_PSH;
  p->tcp_res = 0x1;
  p->window = 0xfedc;
  p->urg_ptr = 0;
  p->opts = fx_opts;
  p->opts_len = fx_opts_len;
  p->payload = hello;
  p->payload_len = sizeof hello;
}

static size_t write_fixture(int v6, uint8_t *buf, size_t cap) {
  mptcp_pkt p;
  fixture(&p, v6);
  mptcp_ssize n = mptcp_pkt_write(&p, buf, cap);
  ck_assert_int_gt(n, 0);
  return (size_t)n;
}

/* Parses from an exact-size heap copy. */
static int parse_exact(const uint8_t *b, size_t len, unsigned flags,
                       mptcp_pkt *out) {
  uint8_t *copy = malloc(len ? len : 1);
  ck_assert_ptr_nonnull(copy);
  if (len) memcpy(copy, b, len);
  memset(out, 0xEE, sizeof *out);
  int rc = mptcp_pkt_parse(copy, len, flags, out);
  /* Pointers into the copy must not be used after this. */
  free(copy);
  return rc;
}

/* ---------------------------------------------------------------- */
/* checksum primitives                                                */
/* ---------------------------------------------------------------- */

START_TEST(test_csum_rfc1071) {
  static const uint8_t b[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  uint32_t s = mptcp_csum_partial(b, 8, 0);
  ck_assert_uint_eq(ref_fold(s), 0xddf2);
  ck_assert_uint_eq(mptcp_csum_finish(s), 0x220d);
  /* In pieces (even split), and starting from a non-zero sum. */
  uint32_t s2 = mptcp_csum_partial(b + 4, 4, mptcp_csum_partial(b, 4, 0));
  ck_assert_uint_eq(ref_fold(s2), 0xddf2);
  ck_assert_uint_eq(mptcp_csum_finish(mptcp_csum_partial(b, 8, 0x10000)),
                    (uint16_t)~ref_fold(0xddf2 + 0x10000));
  /* Odd length: last byte is the high byte of a zero-padded word. */
  static const uint8_t one[1] = {0xab};
  ck_assert_uint_eq(ref_fold(mptcp_csum_partial(one, 1, 0)), 0xab00);
  ck_assert_uint_eq(ref_fold(mptcp_csum_partial(b, 7, 0)),
                    ref_fold(ref_sum(b, 7, 0)));
  ck_assert_uint_eq(mptcp_csum_finish(0), 0xffff);
  ck_assert_uint_eq(mptcp_csum_finish(0xffff), 0x0000);
  ck_assert_uint_eq(mptcp_csum_finish(0x1fffe), 0x0000);
  ck_assert_uint_eq(mptcp_csum_partial(b, 0, 1234), 1234);
}
END_TEST

/* RFC 1624 §4 (eqn 3 gives 0x0000 where eqn 2 gives 0xffff). */
START_TEST(test_csum_update_rfc1624) {
  ck_assert_uint_eq(mptcp_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
  /* No-op edits keep the checksum. */
  ck_assert_uint_eq(mptcp_csum_update16(0x1234, 0xabcd, 0xabcd), 0x1234);
  ck_assert_uint_eq(mptcp_csum_update32(0x1234, 0xdeadbeefu, 0xdeadbeefu),
                    0x1234);
}
END_TEST

/* 0x0000 and 0xffff are the same one's-complement value. */
static int csum_same(uint16_t a, uint16_t b) {
  return a == b || ((a == 0 || a == 0xffff) && (b == 0 || b == 0xffff));
}

START_TEST(test_csum_update_random) {
  uint64_t seed = UINT64_C(0xC0FFEE1234567);
  for (int v6 = 0; v6 <= 1; v6++) {
    uint8_t buf[200];
    size_t n = write_fixture(v6, buf, sizeof buf);
    size_t ipl = v6 ? 40 : 20;
    uint8_t *tcp = buf + ipl;
    size_t tlen = n - ipl;
    mptcp_pkt p;
    fixture(&p, v6);
    for (int it = 0; it < 3000; it++) {
      uint16_t csum = be16(tcp + 16);
      uint64_t r = tcheck_prng(&seed);
      if (r & 1) {
        /* 16-bit edit at an even offset other than the checksum itself
         * and the data offset. */
        size_t off;
        do off = (size_t)(tcheck_prng(&seed) % (tlen / 2)) * 2;
        while (off == 16 || off == 12);
        uint16_t oldv = be16(tcp + off);
        uint16_t newv = (it % 7 == 0) ? (uint16_t)~oldv : (uint16_t)(r >> 16);
        put16(tcp + off, newv);
        uint16_t upd = mptcp_csum_update16(csum, oldv, newv);
        put16(tcp + 16, 0);
        uint16_t full = ref_tcp_csum(&p.src, &p.dst, tcp, tlen);
        ck_assert_msg(csum_same(upd, full),
                      "v%d iter %d off %zu: update16 0x%04x, full 0x%04x",
                      v6 ? 6 : 4, it, off, upd, full);
        put16(tcp + 16, upd);
      } else {
        /* 32-bit edit of the sequence or acknowledgment number. */
        size_t off = (r & 2) ? 4 : 8;
        uint32_t oldv = (uint32_t)be16(tcp + off) << 16 | be16(tcp + off + 2);
        uint32_t newv = (uint32_t)(r >> 20);
        put16(tcp + off, (uint16_t)(newv >> 16));
        put16(tcp + off + 2, (uint16_t)newv);
        uint16_t upd = mptcp_csum_update32(csum, oldv, newv);
        put16(tcp + 16, 0);
        uint16_t full = ref_tcp_csum(&p.src, &p.dst, tcp, tlen);
        ck_assert_msg(csum_same(upd, full),
                      "v%d iter %d seq/ack: update32 0x%04x, full 0x%04x",
                      v6 ? 6 : 4, it, upd, full);
        put16(tcp + 16, upd);
      }
      /* The segment stays valid for the library too. */
      ck_assert_uint_eq(mptcp_tcp_csum(&p.src, &p.dst, tcp, tlen), 0);
    }
    mptcp_pkt q;
    ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  }

  /* IPv4 header checksum: TTL changes (TTL/protocol word at offset 8). */
  uint8_t buf[200];
  size_t n = write_fixture(0, buf, sizeof buf);
  for (int ttl = 255; ttl >= 0; ttl -= 3) {
    uint16_t oldw = be16(buf + 8);
    buf[8] = (uint8_t)ttl;
    uint16_t upd = mptcp_csum_update16(be16(buf + 10), oldw, be16(buf + 8));
    uint8_t copy[20];
    memcpy(copy, buf, 20);
    fix_ip4_csum(copy);
    ck_assert(csum_same(upd, be16(copy + 10)));
    put16(buf + 10, upd);
    mptcp_pkt q;
    ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
    ck_assert_uint_eq(q.ttl, (unsigned)ttl);
  }
}
END_TEST

/* ---------------------------------------------------------------- */
/* write / parse round trips                                          */
/* ---------------------------------------------------------------- */

static void check_parsed_fixture(const mptcp_pkt *q, int v6,
                                 const uint8_t *buf) {
  mptcp_pkt p;
  fixture(&p, v6);
  ck_assert_uint_eq(q->ip_version, v6 ? 6 : 4);
  ck_assert_int_eq(mptcp_ipaddr_equal(&q->src, &p.src), 1);
  ck_assert_int_eq(mptcp_ipaddr_equal(&q->dst, &p.dst), 1);
  ck_assert_bytes(q->src.a, 16, p.src.a, 16);
  ck_assert_uint_eq(q->ttl, p.ttl);
  ck_assert_uint_eq(q->tos, p.tos);
  if (v6) {
    ck_assert_uint_eq(q->flow_label, p.flow_label);
    ck_assert_uint_eq(q->ip_hdr_len, 40);
  } else {
    ck_assert_uint_eq(q->ip_df, 1);
    ck_assert_uint_eq(q->ip_id, 0x1234);
    ck_assert_uint_eq(q->ip_hdr_len, 20);
  }
  ck_assert_uint_eq(q->sport, 40000);
  ck_assert_uint_eq(q->dport, 443);
  ck_assert_uint_eq(q->seq, 0xfffffff0u);
  ck_assert_uint_eq(q->ack, 0x01020304u);
  ck_assert_uint_eq(q->tcp_flags, MPTCP_TH_ACK | MPTCP_TH_PSH);
  ck_assert_uint_eq(q->tcp_res, 0x1);
  ck_assert_uint_eq(q->window, 0xfedc);
  ck_assert_uint_eq(q->urg_ptr, 0);
  ck_assert_uint_eq(q->opts_len, fx_opts_len);
  ck_assert_bytes(q->opts, q->opts_len, fx_opts, fx_opts_len);
  ck_assert_uint_eq(q->payload_len, 13);
  ck_assert_bytes(q->payload, q->payload_len, hello, 13);
  if (buf) {
    size_t ipl = v6 ? 40 : 20;
    ck_assert_ptr_eq(q->tcp, buf + ipl);
    ck_assert_ptr_eq(q->opts, buf + ipl + 20);
    ck_assert_ptr_eq(q->payload, buf + ipl + 20 + fx_opts_len);
    ck_assert_uint_eq(q->tcp_csum, be16(buf + ipl + 16));
  }
  ck_assert_uint_eq(q->tcp_len, 20 + fx_opts_len + 13);
}

START_TEST(test_v4_roundtrip) {
  uint8_t buf[200];
  memset(buf, 0xCC, sizeof buf);
  size_t n = write_fixture(0, buf, sizeof buf);
  ck_assert_uint_eq(n, 20 + 20 + 32 + 13);
  for (size_t i = n; i < sizeof buf; i++) ck_assert_uint_eq(buf[i], 0xCC);
  /* IPv4 header on the wire. */
  ck_assert_uint_eq(buf[0], 0x45);
  ck_assert_uint_eq(buf[1], 0x10);
  ck_assert_uint_eq(be16(buf + 2), n);
  ck_assert_uint_eq(be16(buf + 4), 0x1234);
  ck_assert_uint_eq(be16(buf + 6), 0x4000); /* DF, offset 0 */
  ck_assert_uint_eq(buf[8], 64);
  ck_assert_uint_eq(buf[9], 6);
  ck_assert_uint_eq(ref_fold(ref_sum(buf, 20, 0)), 0xffff);
  static const uint8_t addrs[8] = {192, 0, 2, 1, 198, 51, 100, 7};
  ck_assert_bytes(buf + 12, 8, addrs, 8);
  /* TCP header. */
  const uint8_t *t = buf + 20;
  ck_assert_uint_eq(be16(t), 40000);
  ck_assert_uint_eq(be16(t + 2), 443);
  ck_assert_uint_eq(t[12], (13 << 4) | 0x1);
  ck_assert_uint_eq(t[13], MPTCP_TH_ACK | MPTCP_TH_PSH);
  ck_assert_uint_eq(be16(t + 14), 0xfedc);
  mptcp_ipaddr s, d;
  tcheck_addr4(&s, 192, 0, 2, 1);
  tcheck_addr4(&d, 198, 51, 100, 7);
  ck_assert_uint_eq(mptcp_tcp_csum(&s, &d, t, n - 20), 0);
  uint8_t seg[200];
  memcpy(seg, t, n - 20);
  put16(seg + 16, 0);
  ck_assert_uint_eq(ref_tcp_csum(&s, &d, seg, n - 20), be16(t + 16));

  mptcp_pkt q;
  memset(&q, 0xEE, sizeof q);
  ck_assert_int_eq(mptcp_pkt_parse(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  check_parsed_fixture(&q, 0, buf);
  ck_assert_int_eq(mptcp_pkt_parse(buf, n, 0, &q), 0);
  check_parsed_fixture(&q, 0, buf);

  /* Write of the parsed struct gives the same bytes. */
  uint8_t again[200];
  ck_assert_int_eq(mptcp_pkt_write(&q, again, sizeof again), (mptcp_ssize)n);
  ck_assert_bytes(again, n, buf, n);
}
END_TEST

START_TEST(test_v6_roundtrip) {
  uint8_t buf[200];
  size_t n = write_fixture(1, buf, sizeof buf);
  ck_assert_uint_eq(n, 40 + 20 + 32 + 13);
  ck_assert_uint_eq(buf[0], 0x62); /* version 6, TC high 2 */
  ck_assert_uint_eq(buf[1], 0x8a); /* TC low 8, flow 0xa */
  ck_assert_uint_eq(be16(buf + 2), 0xbcde);
  ck_assert_uint_eq(be16(buf + 4), n - 40); /* payload length */
  ck_assert_uint_eq(buf[6], 6);
  ck_assert_uint_eq(buf[7], 57);
  mptcp_ipaddr s, d;
  tcheck_addr6_db8(&s, 1);
  tcheck_addr6_db8(&d, 2);
  ck_assert_bytes(buf + 8, 16, s.a, 16);
  ck_assert_bytes(buf + 24, 16, d.a, 16);
  ck_assert_uint_eq(mptcp_tcp_csum(&s, &d, buf + 40, n - 40), 0);
  uint8_t seg[200];
  memcpy(seg, buf + 40, n - 40);
  put16(seg + 16, 0);
  ck_assert_uint_eq(ref_tcp_csum(&s, &d, seg, n - 40), be16(buf + 56));

  mptcp_pkt q;
  ck_assert_int_eq(mptcp_pkt_parse(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  check_parsed_fixture(&q, 1, buf);
  uint8_t again[200];
  ck_assert_int_eq(mptcp_pkt_write(&q, again, sizeof again), (mptcp_ssize)n);
  ck_assert_bytes(again, n, buf, n);
}
END_TEST

/* Minimal packets: no options, no payload; SYN with options only. */
START_TEST(test_minimal_packets) {
  for (int v6 = 0; v6 <= 1; v6++) {
    mptcp_pkt p;
    fixture(&p, v6);
    p.opts = NULL;
    p.opts_len = 0;
    p.payload = NULL;
    p.payload_len = 0;
    p.tcp_flags = MPTCP_TH_SYN;
    p.tcp_res = 0;
    uint8_t buf[100];
    mptcp_ssize n = mptcp_pkt_write(&p, buf, sizeof buf);
    ck_assert_int_eq(n, (v6 ? 40 : 20) + 20);
    mptcp_pkt q;
    ck_assert_int_eq(parse_exact(buf, (size_t)n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
    ck_assert_uint_eq(q.opts_len, 0);
    ck_assert_uint_eq(q.payload_len, 0);
    ck_assert_uint_eq(q.tcp_len, 20);
    ck_assert_uint_eq(q.tcp_flags, MPTCP_TH_SYN);
    /* 40 bytes of options (maximum). */
    uint8_t opts[40];
    memset(opts, 1, sizeof opts);
    p.opts = opts;
    p.opts_len = 40;
    n = mptcp_pkt_write(&p, buf, sizeof buf);
    ck_assert_int_eq(n, (v6 ? 40 : 20) + 60);
    ck_assert_uint_eq(buf[(v6 ? 40 : 20) + 12] >> 4, 15);
    ck_assert_int_eq(parse_exact(buf, (size_t)n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
    ck_assert_uint_eq(q.opts_len, 40);
  }
}
END_TEST

START_TEST(test_write_errors) {
  mptcp_pkt p;
  uint8_t buf[200];
  for (int v6 = 0; v6 <= 1; v6++) {
    fixture(&p, v6);
    mptcp_ssize n = mptcp_pkt_write(&p, buf, sizeof buf);
    ck_assert_int_gt(n, 0);
    for (size_t cap = 0; cap < (size_t)n; cap++)
      ck_assert_msg(mptcp_pkt_write(&p, buf, cap) == MPTCP_ERR_NOBUF,
                    "v%d cap %zu", v6 ? 6 : 4, cap);
    ck_assert_int_eq(mptcp_pkt_write(&p, buf, (size_t)n), n);
  }
  /* Families differ. */
  fixture(&p, 0);
  tcheck_addr6_db8(&p.dst, 2);
  ck_assert_int_eq(mptcp_pkt_write(&p, buf, sizeof buf), MPTCP_ERR_INVALID_ARG);
  /* Option length not a multiple of 4, or over 40. */
  static uint8_t opts[48];
  fixture(&p, 0);
  p.opts = opts;
  p.opts_len = 3;
  ck_assert_int_eq(mptcp_pkt_write(&p, buf, sizeof buf), MPTCP_ERR_INVALID_ARG);
  p.opts_len = 44;
  ck_assert_int_eq(mptcp_pkt_write(&p, buf, sizeof buf), MPTCP_ERR_INVALID_ARG);
  /* Over 65535 bytes. */
  fixture(&p, 0);
  size_t big = 65536;
  uint8_t *pl = calloc(1, big), *out = malloc(big + 200);
  ck_assert_ptr_nonnull(pl);
  ck_assert_ptr_nonnull(out);
  p.payload = pl;
  p.payload_len = 65535 - 20 - 20 - fx_opts_len + 1;
  ck_assert_int_eq(mptcp_pkt_write(&p, out, big + 200), MPTCP_ERR_INVALID_ARG);
  p.payload_len--; /* exactly 65535 */
  ck_assert_int_eq(mptcp_pkt_write(&p, out, big + 200), 65535);
  mptcp_pkt q;
  ck_assert_int_eq(mptcp_pkt_parse(out, 65535, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  ck_assert_uint_eq(q.payload_len, p.payload_len);
  free(pl);
  free(out);
}
END_TEST

/* ---------------------------------------------------------------- */
/* checksum verification                                              */
/* ---------------------------------------------------------------- */

START_TEST(test_verify_bitflip_v4) {
  uint8_t buf[200];
  size_t n = write_fixture(0, buf, sizeof buf);
  mptcp_pkt q;
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  for (size_t bit = 0; bit < n * 8; bit++) {
    buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
    int rc = parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q);
    ck_assert_msg(rc < 0, "flip of byte %zu bit %zu accepted", bit / 8,
                  bit % 8);
    /* A flip inside the TCP segment past the header fields is only a
     * checksum error. */
    if (bit / 8 >= 20) {
      size_t off = bit / 8 - 20;
      if (off != 12)
        ck_assert_msg(rc == MPTCP_ERR_CHECKSUM, "byte %zu: rc %d", bit / 8, rc);
      if (off >= 20) /* options/payload: fine without verification */
        ck_assert_int_eq(parse_exact(buf, n, 0, &q), 0);
    }
    buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
  }
}
END_TEST

START_TEST(test_verify_bitflip_v6) {
  uint8_t buf[200];
  size_t n = write_fixture(1, buf, sizeof buf);
  mptcp_pkt q;
  for (size_t bit = 0; bit < n * 8; bit++) {
    size_t byte = bit / 8;
    buf[byte] ^= (uint8_t)(0x80u >> (bit % 8));
    int rc = parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q);
    /* IPv6 has no header checksum: traffic class, flow label and hop
     * limit are not covered (bytes 0 low nibble .. 3, byte 7). */
    int covered = byte >= 4 ? byte != 7 : (byte == 0 && (bit % 8) < 4);
    if (covered)
      ck_assert_msg(rc < 0, "flip of byte %zu bit %zu accepted", byte, bit % 8);
    else
      ck_assert_msg(rc == 0, "flip of byte %zu bit %zu: rc %d", byte, bit % 8,
                    rc);
    if (byte >= 40 && byte - 40 != 12)
      ck_assert_msg(rc == MPTCP_ERR_CHECKSUM, "byte %zu: rc %d", byte, rc);
    buf[byte] ^= (uint8_t)(0x80u >> (bit % 8));
  }
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
}
END_TEST

/* ---------------------------------------------------------------- */
/* IPv6 extension headers, fragments, non-TCP                         */
/* ---------------------------------------------------------------- */

/* Builds IPv6 + @p ext (chain of extension headers whose first next-header
 * value is @p first_nh) + a TCP segment with payload; returns the length. */
static size_t build_v6(uint8_t *buf, uint8_t first_nh, const uint8_t *ext,
                       size_t ext_len, size_t *tcp_off) {
  mptcp_ipaddr s, d;
  tcheck_addr6_db8(&s, 0x11);
  tcheck_addr6_db8(&d, 0x22);
  memset(buf, 0, 40);
  buf[0] = 0x60;
  buf[6] = first_nh;
  buf[7] = 64;
  memcpy(buf + 8, s.a, 16);
  memcpy(buf + 24, d.a, 16);
  memcpy(buf + 40, ext, ext_len);
  uint8_t *t = buf + 40 + ext_len;
  memset(t, 0, 24);
  put16(t, 1234);
  put16(t + 2, 80);
  t[7] = 1;  /* seq 1 */
  t[11] = 2; /* ack 2 */
  t[12] = 6 << 4;
  t[13] = MPTCP_TH_ACK;
  put16(t + 14, 1000);
  t[20] = 1; /* NOP NOP NOP NOP */
  t[21] = 1;
  t[22] = 1;
  t[23] = 1;
  memcpy(t + 24, hello, sizeof hello);
  size_t tlen = 24 + sizeof hello;
  fix_tcp_csum(&s, &d, t, tlen);
  put16(buf + 4, (uint16_t)(ext_len + tlen));
  *tcp_off = 40 + ext_len;
  return 40 + ext_len + tlen;
}

START_TEST(test_v6_ext_headers) {
  /* hop-by-hop -> routing (segments left 0) -> destination options ->
   * fragment (offset 0, M=0) -> TCP */
  uint8_t ext[64];
  size_t el = tcheck_hex("2b 00 01 04 00 00 00 00" /* HBH, PadN */
                         "3c 00 fd 00 00 00 00 00" /* RH type 253, SL 0 */
                         "2c 01 01 0c 00 00 00 00 00 00 00 00 00 00 00 00"
                         /* DO 16 bytes */
                         "06 00 00 00 12 34 56 78", /* fragment */
                         ext, sizeof ext);
  uint8_t buf[200];
  size_t toff;
  size_t n = build_v6(buf, 0, ext, el, &toff);
  mptcp_pkt q;
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  ck_assert_uint_eq(q.ip_version, 6);
  ck_assert_uint_eq(q.ip_hdr_len, toff);
  ck_assert_uint_eq(q.sport, 1234);
  ck_assert_uint_eq(q.dport, 80);
  ck_assert_uint_eq(q.seq, 1);
  ck_assert_uint_eq(q.ack, 2);
  ck_assert_uint_eq(q.opts_len, 4);
  ck_assert_uint_eq(q.payload_len, 13);
  ck_assert_uint_eq(q.tcp_len, 24 + 13);
  ck_assert_uint_eq(q.ttl, 64);

  /* AH (payload length 2 -> 16 bytes) then TCP. */
  el = tcheck_hex("06 02 00 00 00 00 10 01 00 00 00 05 aa bb cc dd", ext,
                  sizeof ext);
  n = build_v6(buf, 51, ext, el, &toff);
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  ck_assert_uint_eq(q.ip_hdr_len, 56);
  ck_assert_uint_eq(q.payload_len, 13);

  /* Every truncation of the chained packet fails cleanly. */
  el = tcheck_hex("2b 00 01 04 00 00 00 00 3c 00 fd 00 00 00 00 00 "
                  "2c 01 01 0c 00 00 00 00 00 00 00 00 00 00 00 00 "
                  "06 00 00 00 12 34 56 78",
                  ext, sizeof ext);
  n = build_v6(buf, 0, ext, el, &toff);
  for (size_t len = 0; len < n; len++) {
    int rc = parse_exact(buf, len, 0, &q);
    ck_assert_msg(rc == MPTCP_ERR_TRUNCATED || rc == MPTCP_ERR_MALFORMED,
                  "len %zu of %zu: rc %d", len, n, rc);
  }
}
END_TEST

START_TEST(test_fragments) {
  uint8_t buf[200];
  mptcp_pkt q;
  /* IPv4 MF set. */
  size_t n = write_fixture(0, buf, sizeof buf);
  buf[6] |= 0x20;
  fix_ip4_csum(buf);
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_FRAGMENT);
  /* IPv4 offset 1 (8 bytes), MF clear. */
  n = write_fixture(0, buf, sizeof buf);
  put16(buf + 6, 0x4001);
  fix_ip4_csum(buf);
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_FRAGMENT);
  /* Offset only in the high bits. */
  put16(buf + 6, 0x1000);
  fix_ip4_csum(buf);
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_FRAGMENT);
  /* DF alone is fine. */
  put16(buf + 6, 0x4000);
  fix_ip4_csum(buf);
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);

  /* IPv6 fragment header: offset 1 / M=1 / both. */
  static const char *const frags[] = {"06 00 00 08 12 34 56 78",
                                      "06 00 00 01 12 34 56 78",
                                      "06 00 ff f9 12 34 56 78"};
  for (size_t i = 0; i < 3; i++) {
    uint8_t ext[8];
    size_t el = tcheck_hex(frags[i], ext, sizeof ext);
    size_t toff;
    n = build_v6(buf, 44, ext, el, &toff);
    ck_assert_msg(parse_exact(buf, n, 0, &q) == MPTCP_ERR_FRAGMENT, "%s",
                  frags[i]);
  }
  /* Offset 0, M=0: an atomic fragment, parsed. */
  uint8_t ext[8];
  size_t el = tcheck_hex("06 00 00 00 12 34 56 78", ext, sizeof ext);
  size_t toff;
  n = build_v6(buf, 44, ext, el, &toff);
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  ck_assert_uint_eq(q.ip_hdr_len, 48);
}
END_TEST

START_TEST(test_not_tcp) {
  uint8_t buf[200];
  mptcp_pkt q;
  size_t n = write_fixture(0, buf, sizeof buf);
  buf[9] = 17; /* UDP */
  fix_ip4_csum(buf);
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_NOT_TCP);
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q),
                   MPTCP_ERR_NOT_TCP);
  buf[9] = 1; /* ICMP */
  fix_ip4_csum(buf);
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_NOT_TCP);

  n = write_fixture(1, buf, sizeof buf);
  buf[6] = 17;
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_NOT_TCP);
  buf[6] = 58; /* ICMPv6 */
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_NOT_TCP);
  buf[6] = 59; /* no next header */
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_NOT_TCP);
  /* UDP after a hop-by-hop header. */
  uint8_t ext[8];
  size_t el = tcheck_hex("11 00 01 04 00 00 00 00", ext, sizeof ext);
  size_t toff;
  n = build_v6(buf, 0, ext, el, &toff);
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), MPTCP_ERR_NOT_TCP);
}
END_TEST

/* ---------------------------------------------------------------- */
/* truncation, padding, malformed headers                             */
/* ---------------------------------------------------------------- */

START_TEST(test_truncated_every_length) {
  for (int v6 = 0; v6 <= 1; v6++) {
    uint8_t buf[200];
    size_t n = write_fixture(v6, buf, sizeof buf);
    mptcp_pkt q;
    for (size_t len = 0; len < n; len++) {
      int rc = parse_exact(buf, len, MPTCP_PKT_VERIFY_CSUM, &q);
      ck_assert_msg(rc == MPTCP_ERR_TRUNCATED || rc == MPTCP_ERR_MALFORMED,
                    "v%d len %zu of %zu: rc %d", v6 ? 6 : 4, len, n, rc);
      rc = parse_exact(buf, len, 0, &q);
      ck_assert_msg(rc == MPTCP_ERR_TRUNCATED || rc == MPTCP_ERR_MALFORMED,
                    "v%d len %zu of %zu (no verify): rc %d", v6 ? 6 : 4, len, n,
                    rc);
    }
    /* The first bytes alone are too short. */
    ck_assert_int_eq(parse_exact(buf, 0, 0, &q), MPTCP_ERR_TRUNCATED);
    ck_assert_int_eq(parse_exact(buf, v6 ? 39 : 19, 0, &q),
                     MPTCP_ERR_TRUNCATED);
  }
}
END_TEST

START_TEST(test_link_padding) {
  for (int v6 = 0; v6 <= 1; v6++) {
    uint8_t buf[200];
    size_t n = write_fixture(v6, buf, sizeof buf);
    memset(buf + n, 0xA5, 6);
    mptcp_pkt q;
    ck_assert_int_eq(parse_exact(buf, n + 6, MPTCP_PKT_VERIFY_CSUM, &q), 0);
    ck_assert_uint_eq(q.payload_len, 13);
    ck_assert_uint_eq(q.tcp_len, 20 + fx_opts_len + 13);
    ck_assert_int_eq(mptcp_pkt_parse(buf, n + 6, MPTCP_PKT_VERIFY_CSUM, &q), 0);
    check_parsed_fixture(&q, v6, buf);
  }
}
END_TEST

START_TEST(test_malformed_headers) {
  uint8_t buf[200];
  mptcp_pkt q;
  size_t n;
  /* IHL < 5 */
  for (int ihl = 0; ihl < 5; ihl++) {
    n = write_fixture(0, buf, sizeof buf);
    buf[0] = (uint8_t)(0x40 | ihl);
    ck_assert_msg(parse_exact(buf, n, 0, &q) == MPTCP_ERR_MALFORMED, "ihl %d",
                  ihl);
  }
  /* IHL beyond the total length. */
  n = write_fixture(0, buf, sizeof buf);
  put16(buf + 2, 22);
  buf[0] = 0x46;
  fix_ip4_csum(buf);
  {
    int rc = parse_exact(buf, n, 0, &q);
    ck_assert(rc == MPTCP_ERR_MALFORMED || rc == MPTCP_ERR_TRUNCATED);
  }
  /* Total length below the header. */
  n = write_fixture(0, buf, sizeof buf);
  put16(buf + 2, 19);
  fix_ip4_csum(buf);
  {
    int rc = parse_exact(buf, n, 0, &q);
    ck_assert(rc == MPTCP_ERR_MALFORMED || rc == MPTCP_ERR_TRUNCATED);
  }
  /* Bad IP version. */
  for (int v = 0; v < 16; v++) {
    if (v == 4 || v == 6) continue;
    n = write_fixture(0, buf, sizeof buf);
    buf[0] = (uint8_t)(v << 4 | 5);
    ck_assert_msg(parse_exact(buf, n, 0, &q) == MPTCP_ERR_MALFORMED,
                  "version %d", v);
  }
  /* TCP data offset < 5. */
  for (int v6 = 0; v6 <= 1; v6++) {
    size_t ipl = v6 ? 40 : 20;
    for (int doff = 0; doff < 5; doff++) {
      n = write_fixture(v6, buf, sizeof buf);
      buf[ipl + 12] = (uint8_t)(doff << 4);
      ck_assert_msg(parse_exact(buf, n, 0, &q) == MPTCP_ERR_MALFORMED,
                    "v%d doff %d", v6 ? 6 : 4, doff);
    }
    /* Data offset beyond the segment. */
    mptcp_pkt p;
    fixture(&p, v6);
    p.opts = NULL;
    p.opts_len = 0;
    p.payload = NULL;
    p.payload_len = 0;
    mptcp_ssize w = mptcp_pkt_write(&p, buf, sizeof buf);
    ck_assert_int_gt(w, 0);
    buf[ipl + 12] = 15 << 4;
    int rc = parse_exact(buf, (size_t)w, 0, &q);
    ck_assert_msg(rc == MPTCP_ERR_MALFORMED || rc == MPTCP_ERR_TRUNCATED,
                  "v%d: rc %d", v6 ? 6 : 4, rc);
  }
  /* A valid IPv4 header with options (IHL 6). */
  n = write_fixture(0, buf, sizeof buf);
  memmove(buf + 24, buf + 20, n - 20);
  buf[0] = 0x46;
  buf[20] = 1;
  buf[21] = 1;
  buf[22] = 1;
  buf[23] = 0;
  put16(buf + 2, (uint16_t)(n + 4));
  fix_ip4_csum(buf);
  ck_assert_int_eq(parse_exact(buf, n + 4, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  ck_assert_uint_eq(q.ip_hdr_len, 24);
  ck_assert_uint_eq(q.payload_len, 13);
  ck_assert_uint_eq(q.sport, 40000);
  /* ... and a wrong IPv4 header checksum. */
  buf[10] ^= 0x01;
  ck_assert_int_eq(parse_exact(buf, n + 4, MPTCP_PKT_VERIFY_CSUM, &q),
                   MPTCP_ERR_CHECKSUM);
  ck_assert_int_eq(parse_exact(buf, n + 4, 0, &q), 0);
}
END_TEST

/* ---------------------------------------------------------------- */
/* copy and sum                                                       */
/* ---------------------------------------------------------------- */

/* The folded one's-complement value of a wide sum: 1..0xffff for any
 * nonzero sum, so two sums of the same bytes fold to the same value. */
static uint16_t ref_fold64(uint64_t s) {
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)s;
}

static uint16_t bswap16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }

static uint8_t cs_src[70000 + 64], cs_dst[70000 + 64];

static void cs_fill(void) {
  uint64_t rng = 0x5eed1234abcdull;
  for (size_t i = 0; i < sizeof cs_src; i++)
    cs_src[i] = (uint8_t)tcheck_prng(&rng);
}

/* mptcp_csum_copy(dst, src, len, sum) copies exactly len bytes and
 * returns what the reference sum and mptcp_csum_partial() give. */
static void check_copy(size_t so, size_t doff, size_t len, uint32_t sum0) {
  memset(cs_dst, 0xA5, len + doff + 16);
  uint32_t got = mptcp_csum_copy(cs_dst + doff, cs_src + so, len, sum0);
  ck_assert_msg(memcmp(cs_dst + doff, cs_src + so, len) == 0,
                "copy differs: len %zu src+%zu dst+%zu", len, so, doff);
  for (size_t i = 0; i < doff; i++) ck_assert_uint_eq(cs_dst[i], 0xA5);
  for (size_t i = 0; i < 16; i++)
    ck_assert_uint_eq(cs_dst[doff + len + i], 0xA5);
  uint64_t want = (uint64_t)sum0 + ref_sum(cs_src + so, len, 0);
  ck_assert_msg(ref_fold64(got) == ref_fold64(want),
                "sum of %zu bytes at src+%zu dst+%zu: 0x%04x, want 0x%04x", len,
                so, doff, ref_fold64(got), ref_fold64(want));
  uint32_t part = mptcp_csum_partial(cs_src + so, len, sum0);
  ck_assert_uint_eq(ref_fold64(got), ref_fold64(part));
}

START_TEST(test_csum_copy_lengths) {
  cs_fill();
  uint64_t rng = 77;
  /* Every length 0..300 at every alignment of source and destination
   * (mod 8), with a random running sum (0 too). */
  for (size_t len = 0; len <= 300; len++)
    for (size_t so = 0; so < 8; so++)
      for (size_t doff = 0; doff < 8; doff++)
        check_copy(so, doff, len,
                   (so + doff) % 5 ? (uint32_t)tcheck_prng(&rng) : 0);
  /* Payload sizes and the 64 KiB rounds of the vector kernels. */
  static const size_t big[] = {1448, 1460,  1500,  4095,  4097,
                               9000, 65535, 65536, 65537, 70000};
  for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
    for (size_t k = 0; k < 4; k++)
      check_copy(k * 3 % 8, k * 5 % 8, big[i], (uint32_t)tcheck_prng(&rng));
  /* Random lengths and offsets. */
  for (int i = 0; i < 2000; i++) {
    size_t len = (size_t)(tcheck_prng(&rng) % 5000);
    check_copy((size_t)(tcheck_prng(&rng) % 64),
               (size_t)(tcheck_prng(&rng) % 64), len,
               (uint32_t)tcheck_prng(&rng));
  }
}
END_TEST

/* A buffer summed in two pieces: a piece that starts at an odd offset has
 * its folded sum byte-swapped (RFC 1071 §2(B)) before it is added. */
START_TEST(test_csum_copy_split) {
  cs_fill();
  uint64_t rng = 99;
  static const size_t lens[] = {0, 1, 2, 3, 17, 64, 255, 256, 1448, 3001};
  for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
    size_t len = lens[li];
    uint64_t want = ref_sum(cs_src, len, 0);
    for (size_t k = 0; k <= len; k += len > 300 ? 37 : 1) {
      size_t so = (size_t)(tcheck_prng(&rng) % 8);
      (void)so;
      uint32_t s1 = mptcp_csum_copy(cs_dst, cs_src, k, 0);
      uint32_t s2 = mptcp_csum_copy(cs_dst + k, cs_src + k, len - k, 0);
      uint16_t f2 = ref_fold64(s2);
      if (k & 1) f2 = bswap16(f2);
      ck_assert_msg(memcmp(cs_dst, cs_src, len) == 0, "copy %zu/%zu", k, len);
      ck_assert_msg(ref_fold64((uint64_t)s1 + f2) == ref_fold64(want),
                    "split %zu of %zu: 0x%04x, want 0x%04x", k, len,
                    ref_fold64((uint64_t)s1 + f2), ref_fold64(want));
    }
  }
}
END_TEST

/* The ring's copy-and-sum around the wrap, at odd and even split points,
 * both ways (send ring -> packet, packet -> receive ring). */
START_TEST(test_csum_ring_wrap) {
  cs_fill();
  static const size_t caps[] = {40, 41, 1000, 1001};
  for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
    size_t cap = caps[ci];
    int big = cap > 100;
    uint8_t *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (size_t head = 0; head < cap; head += big ? 61 : 1) {
      for (size_t n = 0; n <= cap; n += big ? 97 : 1) {
        for (size_t off = 0; off + n <= cap; off += big ? 211 : 5) {
          mptcp_ring r = {buf, cap, head, 0};
          uint32_t ws = mptcp_ring_write_csum(&r, off, cs_src, n);
          uint64_t want = ref_sum(cs_src, n, 0);
          ck_assert_msg(ref_fold64(ws) == ref_fold64(want),
                        "write cap %zu head %zu off %zu n %zu", cap, head, off,
                        n);
          for (size_t i = 0; i < n; i++)
            ck_assert_uint_eq(buf[(head + off + i) % cap], cs_src[i]);
          memset(cs_dst, 0, n + 1);
          uint32_t rs = mptcp_ring_read_csum(&r, off, cs_dst, n);
          ck_assert(memcmp(cs_dst, cs_src, n) == 0);
          ck_assert_msg(ref_fold64(rs) == ref_fold64(want),
                        "read cap %zu head %zu off %zu n %zu", cap, head, off,
                        n);
        }
      }
    }
    free(buf);
  }
}
END_TEST

/* The ring's plain copies (app writes and reads) against a model byte
 * queue: pushes of random sizes (some past the free room) and reads of
 * random sizes at random offsets, so both the inline no-wrap path and the
 * wrapping one run, for capacities below and above the vector kernel's
 * minimum. */
START_TEST(test_ring_push_read) {
  cs_fill();
  static const size_t caps[] = {40, 41, 1000, 4099};
  uint64_t rng = 4242;
  for (size_t ci = 0; ci < sizeof caps / sizeof caps[0]; ci++) {
    size_t cap = caps[ci];
    uint8_t *buf = malloc(cap);
    uint8_t *model = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    ck_assert_ptr_nonnull(model);
    mptcp_ring r = {buf, cap, 0, 0};
    size_t src_pos = 0;
    for (int step = 0; step < 3000; step++) {
      size_t n = (size_t)(tcheck_prng(&rng) % (cap + 10));
      if (src_pos + n > 60000) src_pos = 0;
      size_t room = cap - r.len, want = n < room ? n : room;
      ck_assert_uint_eq(mptcp_ring_push(&r, cs_src + src_pos, n), want);
      memcpy(model + r.len - want, cs_src + src_pos, want);
      src_pos += want;
      if (r.len) { /* read some bytes at some offset, then drop some */
        size_t off = (size_t)(tcheck_prng(&rng) % r.len);
        size_t k = (size_t)(tcheck_prng(&rng) % (r.len - off + 1));
        memset(cs_dst, 0xA5, k + 1);
        mptcp_ring_read_at(&r, off, cs_dst, k);
        ck_assert_msg(memcmp(cs_dst, model + off, k) == 0,
                      "cap %zu step %d: read %zu at %zu differs", cap, step, k,
                      off);
        ck_assert_uint_eq(cs_dst[k], 0xA5);
        size_t d = (size_t)(tcheck_prng(&rng) % (r.len + 1));
        mptcp_ring_drop(&r, d);
        memmove(model, model + d, r.len);
      }
    }
    free(model);
    free(buf);
  }
}
END_TEST

/* mptcp_pkt_parse(): MPTCP_PKT_VERIFY_IP_CSUM checks the IPv4 header only;
 * the common IPv4 case and the general path give the same fields. */
START_TEST(test_parse_verify_ip_only) {
  uint8_t buf[256];
  size_t n = write_fixture(0, buf, sizeof buf);
  mptcp_pkt q, r;
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_IP_CSUM, &q), 0);
  /* A bad TCP checksum passes (the caller verifies it)... */
  buf[n - 1] ^= 0x40;
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_IP_CSUM, &q), 0);
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q),
                   MPTCP_ERR_CHECKSUM);
  buf[n - 1] ^= 0x40;
  /* ...a bad IPv4 header checksum does not. */
  buf[8] ^= 1; /* TTL */
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_IP_CSUM, &q),
                   MPTCP_ERR_CHECKSUM);
  ck_assert_int_eq(parse_exact(buf, n, 0, &q), 0);
  ck_assert_uint_eq(q.ttl, 65);
  buf[8] ^= 1;
  /* The same segment with an IPv4 option (general path) parses to the
   * same TCP fields and addresses. */
  uint8_t opt[260];
  memcpy(opt, buf, 20);
  opt[0] = 0x46;
  put16(opt + 2, (uint16_t)(n + 4));
  memset(opt + 20, 1, 4); /* four NOP options */
  memcpy(opt + 24, buf + 20, n - 20);
  fix_ip4_csum(opt);
  ck_assert_int_eq(parse_exact(buf, n, MPTCP_PKT_VERIFY_CSUM, &q), 0);
  ck_assert_int_eq(parse_exact(opt, n + 4, MPTCP_PKT_VERIFY_CSUM, &r), 0);
  ck_assert(mptcp_ipaddr_equal(&q.src, &r.src));
  ck_assert(mptcp_ipaddr_equal(&q.dst, &r.dst));
  ck_assert(memcmp(&q.src, &r.src, sizeof q.src) == 0);
  ck_assert(memcmp(&q.dst, &r.dst, sizeof q.dst) == 0);
  ck_assert_uint_eq(q.ip_version, r.ip_version);
  ck_assert_uint_eq(q.ttl, r.ttl);
  ck_assert_uint_eq(q.tos, r.tos);
  ck_assert_uint_eq(q.ip_df, r.ip_df);
  ck_assert_uint_eq(q.ip_id, r.ip_id);
  ck_assert_uint_eq(q.flow_label, r.flow_label);
  ck_assert_uint_eq(q.ip_hdr_len + 4, r.ip_hdr_len);
  ck_assert_uint_eq(q.sport, r.sport);
  ck_assert_uint_eq(q.dport, r.dport);
  ck_assert_uint_eq(q.seq, r.seq);
  ck_assert_uint_eq(q.ack, r.ack);
  ck_assert_uint_eq(q.tcp_flags, r.tcp_flags);
  ck_assert_uint_eq(q.tcp_res, r.tcp_res);
  ck_assert_uint_eq(q.window, r.window);
  ck_assert_uint_eq(q.tcp_csum, r.tcp_csum);
  ck_assert_uint_eq(q.urg_ptr, r.urg_ptr);
  ck_assert_uint_eq(q.opts_len, r.opts_len);
  ck_assert_uint_eq(q.payload_len, r.payload_len);
  ck_assert_uint_eq(q.tcp_len, r.tcp_len);
  /* A truncated TCP header behind a whole IPv4 header: the TCP fields are
   * zero, as the general path leaves them. */
  uint8_t tr[40];
  memcpy(tr, buf, 40);
  put16(tr + 2, 30);
  fix_ip4_csum(tr);
  ck_assert_int_eq(parse_exact(tr, 40, MPTCP_PKT_VERIFY_IP_CSUM, &q),
                   MPTCP_ERR_TRUNCATED);
  ck_assert_uint_eq(q.sport, 0);
  ck_assert_uint_eq(q.seq, 0);
  ck_assert_uint_eq(q.payload_len, 0);
  ck_assert_ptr_null(q.tcp);
  ck_assert_uint_eq(q.ttl, 64);
}
END_TEST

/* mptcp_tcp_parse(): the TCP fields exactly as mptcp_pkt_parse() sets
 * them, the IP fields untouched, and its length checks. */
START_TEST(test_tcp_parse) {
  for (int v6 = 0; v6 < 2; v6++) {
    uint8_t buf[256];
    size_t n = write_fixture(v6, buf, sizeof buf);
    mptcp_pkt q, r;
    ck_assert_int_eq(mptcp_pkt_parse(buf, n, 0, &q), 0);
    memset(&r, 0xEE, sizeof r);
    const uint8_t *t = buf + q.ip_hdr_len;
    ck_assert_int_eq(mptcp_tcp_parse(t, n - q.ip_hdr_len, &r), 0);
    ck_assert_uint_eq(r.sport, q.sport);
    ck_assert_uint_eq(r.dport, q.dport);
    ck_assert_uint_eq(r.seq, q.seq);
    ck_assert_uint_eq(r.ack, q.ack);
    ck_assert_uint_eq(r.tcp_res, q.tcp_res);
    ck_assert_uint_eq(r.tcp_flags, q.tcp_flags);
    ck_assert_uint_eq(r.window, q.window);
    ck_assert_uint_eq(r.tcp_csum, q.tcp_csum);
    ck_assert_uint_eq(r.urg_ptr, q.urg_ptr);
    ck_assert_ptr_eq(r.opts, q.opts);
    ck_assert_uint_eq(r.opts_len, q.opts_len);
    ck_assert_ptr_eq(r.payload, q.payload);
    ck_assert_uint_eq(r.payload_len, q.payload_len);
    ck_assert_ptr_eq(r.tcp, q.tcp);
    ck_assert_uint_eq(r.tcp_len, q.tcp_len);
    ck_assert_uint_eq(r.ttl, 0xEE); /* IP fields left alone */
    ck_assert_uint_eq(r.ip_hdr_len, 0xEEEE);
    /* Too short for a header; a data offset below 5 words or past the
     * end. */
    ck_assert_int_eq(mptcp_tcp_parse(t, 19, &r), MPTCP_ERR_TRUNCATED);
    uint8_t h[60];
    memcpy(h, t, 20);
    h[12] = 4 << 4;
    ck_assert_int_eq(mptcp_tcp_parse(h, 20, &r), MPTCP_ERR_MALFORMED);
    h[12] = 6 << 4;
    ck_assert_int_eq(mptcp_tcp_parse(h, 23, &r), MPTCP_ERR_TRUNCATED);
    ck_assert_int_eq(mptcp_tcp_parse(h, 24, &r), 0);
    ck_assert_uint_eq(r.opts_len, 4);
    ck_assert_uint_eq(r.payload_len, 0);
  }
}
END_TEST

START_TEST(test_ipaddr_helpers) {
  mptcp_ipaddr a, b, c;
  tcheck_addr4(&a, 10, 0, 0, 1);
  tcheck_addr4(&b, 10, 0, 0, 1);
  tcheck_addr6_db8(&c, 1);
  ck_assert_uint_eq(mptcp_ipaddr_len(&a), 4);
  ck_assert_uint_eq(mptcp_ipaddr_len(&c), 16);
  mptcp_ipaddr none;
  memset(&none, 0, sizeof none);
  ck_assert_uint_eq(mptcp_ipaddr_len(&none), 0);
  ck_assert_int_eq(mptcp_ipaddr_equal(&a, &b), 1);
  b.a[3] = 2;
  ck_assert_int_eq(mptcp_ipaddr_equal(&a, &b), 0);
  ck_assert_int_eq(mptcp_ipaddr_equal(&a, &c), 0);
  /* Same bytes, different family. */
  mptcp_ipaddr d = a;
  d.family = MPTCP_AF_INET6;
  ck_assert_int_eq(mptcp_ipaddr_equal(&a, &d), 0);
}
END_TEST

Suite *suite_pkt(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_csum_rfc1071),
      TCHECK_TEST(test_csum_update_rfc1624),
      TCHECK_TEST(test_csum_update_random),
      TCHECK_TEST(test_v4_roundtrip),
      TCHECK_TEST(test_v6_roundtrip),
      TCHECK_TEST(test_minimal_packets),
      TCHECK_TEST(test_write_errors),
      TCHECK_TEST(test_verify_bitflip_v4),
      TCHECK_TEST(test_verify_bitflip_v6),
      TCHECK_TEST(test_v6_ext_headers),
      TCHECK_TEST(test_fragments),
      TCHECK_TEST(test_not_tcp),
      TCHECK_TEST(test_truncated_every_length),
      TCHECK_TEST(test_link_padding),
      TCHECK_TEST(test_malformed_headers),
      TCHECK_TEST(test_ipaddr_helpers),
      TCHECK_TEST(test_csum_copy_lengths),
      TCHECK_TEST(test_csum_copy_split),
      TCHECK_TEST(test_ring_push_read),
      TCHECK_TEST(test_tcp_parse),
      TCHECK_TEST(test_csum_ring_wrap),
      TCHECK_TEST(test_parse_verify_ip_only),
  };
  return tcheck_suite("pkt", tests, sizeof tests / sizeof tests[0]);
}
