/*
 * Unit tests for lib/convert.c: MP_CONVERT IE (PM-10 §5.1) and RFC 8803
 * Convert messages. Known answers come from the project spec
 * (proxy-extensions.md §A.6, §B.10).
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/convert.h>

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static mptcp_ipaddr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  mptcp_ipaddr x;
  memset(&x, 0, sizeof x);
  x.family = MPTCP_AF_INET;
  x.a[0] = a;
  x.a[1] = b;
  x.a[2] = c;
  x.a[3] = d;
  return x;
}

static mptcp_ipaddr v6(const char *hex) {
  mptcp_ipaddr x;
  memset(&x, 0, sizeof x);
  x.family = MPTCP_AF_INET6;
  ck_assert_uint_eq(tcheck_hex(hex, x.a, sizeof x.a), 16);
  return x;
}

static mptcp_bytes bytes(const uint8_t *p, size_t len) {
  mptcp_bytes b;
  b.p = p;
  b.len = len;
  return b;
}

static void addr_eq(const mptcp_ipaddr *a, const mptcp_ipaddr *b) {
  ck_assert_uint_eq(a->family, b->family);
  ck_assert_bytes(a->a, sizeof a->a, b->a, sizeof b->a);
}

static mptcp_mpconvert_ie mk_ie(mptcp_ipaddr addr, int has_port, uint16_t port,
                                uint16_t flags) {
  mptcp_mpconvert_ie ie;
  memset(&ie, 0, sizeof ie);
  ie.type = MPTCP_MPCONVERT_TYPE_ADDR;
  ie.flags = flags;
  ie.addr = addr;
  ie.has_port = (uint8_t)has_port;
  ie.port = port;
  return ie;
}

/* Compares the IE lists (what write() encodes). */
static void mpc_eq(const mptcp_mpconvert *a, const mptcp_mpconvert *b) {
  ck_assert_uint_eq(a->n, b->n);
  for (size_t i = 0; i < a->n && i < MPTCP_MPCONVERT_IE_MAX; i++) {
    ck_assert_uint_eq(a->ie[i].type, b->ie[i].type);
    ck_assert_uint_eq(a->ie[i].flags, b->ie[i].flags);
    addr_eq(&a->ie[i].addr, &b->ie[i].addr);
    ck_assert_uint_eq(!!a->ie[i].has_port, !!b->ie[i].has_port);
    if (a->ie[i].has_port) ck_assert_uint_eq(a->ie[i].port, b->ie[i].port);
  }
}

static void bytes_eq(const mptcp_bytes *a, const mptcp_bytes *b) {
  ck_assert_bytes(a->p, a->len, b->p, b->len);
}

/* Compares the decoded content (not consumed / bad_tlv_off). */
static void msg_eq(const mptcp_convert_msg *a, const mptcp_convert_msg *b) {
  ck_assert_uint_eq(a->present, b->present);
  if (a->present & MPTCP_CONVERT_HAS_CONNECT) {
    ck_assert_uint_eq(a->connect.port, b->connect.port);
    addr_eq(&a->connect.addr, &b->connect.addr);
    bytes_eq(&a->connect.tcp_opts, &b->connect.tcp_opts);
  }
  if (a->present & MPTCP_CONVERT_HAS_EXT_TCP_HDR)
    bytes_eq(&a->ext_tcp_hdr, &b->ext_tcp_hdr);
  if (a->present & MPTCP_CONVERT_HAS_SUPPORTED_EXT)
    bytes_eq(&a->supported, &b->supported);
  if (a->present & MPTCP_CONVERT_HAS_COOKIE) bytes_eq(&a->cookie, &b->cookie);
  if (a->present & MPTCP_CONVERT_HAS_ERROR) {
    ck_assert_uint_eq(a->error.code, b->error.code);
    ck_assert_uint_eq(a->error.value, b->error.value);
    bytes_eq(&a->error.extra, &b->error.extra);
  }
}

/* write(c) must give exactly @p hex, and size() must agree. */
static void mpc_write_is(const mptcp_mpconvert *c, const char *hex) {
  uint8_t want[128], got[128];
  size_t wn = tcheck_hex(hex, want, sizeof want);
  ck_assert_int_eq(mptcp_mpconvert_size(c), (mptcp_ssize)wn);
  ck_assert_int_eq(mptcp_mpconvert_write(c, got, sizeof got), (mptcp_ssize)wn);
  ck_assert_bytes(got, wn, want, wn);
}

static void msg_write_is(const mptcp_convert_msg *m, const char *hex) {
  uint8_t want[1100], got[1100];
  size_t wn = tcheck_hex(hex, want, sizeof want);
  ck_assert_int_eq(mptcp_convert_size(m), (mptcp_ssize)wn);
  ck_assert_int_eq(mptcp_convert_write(m, got, sizeof got), (mptcp_ssize)wn);
  ck_assert_bytes(got, wn, want, wn);
}

/* parse(write(c)) == c, consuming exactly what was written, and the
 * reserved/D bits survive while M is set only on the last IE. */
static void mpc_roundtrip(const mptcp_mpconvert *c) {
  uint8_t buf[128];
  mptcp_mpconvert back, want = *c;
  mptcp_ssize n = mptcp_mpconvert_write(c, buf, sizeof buf);
  ck_assert_int_gt(n, 0);
  ck_assert_int_eq(n % 4, 0);
  for (size_t i = 0; i < want.n; i++) {
    if (i + 1u == want.n)
      want.ie[i].flags |= MPTCP_MPCONVERT_FLAG_M;
    else
      want.ie[i].flags &= (uint16_t)~MPTCP_MPCONVERT_FLAG_M;
  }
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, (size_t)n, &back), 0);
  ck_assert_uint_eq(back.consumed, (size_t)n);
  ck_assert_uint_eq(back.n_skipped, 0);
  mpc_eq(&back, &want);
  /* Application data after the IEs is not consumed. */
  buf[n] = 0xaa;
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, (size_t)n + 1, &back), 0);
  ck_assert_uint_eq(back.consumed, (size_t)n);
}

static void msg_roundtrip(const mptcp_convert_msg *m) {
  uint8_t buf[1100];
  mptcp_convert_msg back;
  mptcp_ssize n = mptcp_convert_write(m, buf, sizeof buf);
  ck_assert_int_gt(n, 0);
  ck_assert_int_eq(n % 4, 0);
  ck_assert_int_le(n, MPTCP_CONVERT_MAX_LEN);
  ck_assert_int_eq(mptcp_convert_parse(buf, (size_t)n, &back), 0);
  ck_assert_uint_eq(back.version, MPTCP_CONVERT_VERSION);
  ck_assert_uint_eq(back.consumed, (size_t)n);
  ck_assert_uint_eq(back.bad_tlv_off, 0);
  msg_eq(&back, m);
  /* User data after Total Length is not part of the message. */
  buf[n] = 0x55;
  ck_assert_int_eq(mptcp_convert_parse(buf, (size_t)n + 1, &back), 0);
  ck_assert_uint_eq(back.consumed, (size_t)n);
}

/* ------------------------------------------------------------------ */
/* MP_CONVERT: known answers (spec §A.6)                               */

#define A6_V4_PORT "fa a8 fa a8 00 0a 00 01 c6 33 64 05 01 bb 00 00"
#define A6_V4 "fa a8 fa a8 00 08 00 01 c6 33 64 05"
#define A6_TWO                                                                 \
  "fa a8 fa a8 00 0a 00 02 c0 00 02 0a c7 38 00 00"                            \
  "fa a8 fa a8 00 16 00 01 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 05"    \
  "01 bb 00 00"

START_TEST(test_mpconvert_examples) {
  uint8_t buf[128];
  size_t n;
  mptcp_mpconvert c, w;

  /* 198.51.100.5:443, D=0, M=1, Length 10, 2 bytes of padding. */
  n = tcheck_hex(A6_V4_PORT, buf, sizeof buf);
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), 0);
  ck_assert_uint_eq(c.n, 1);
  ck_assert_uint_eq(c.n_skipped, 0);
  ck_assert_uint_eq(c.consumed, 16);
  ck_assert_uint_eq(c.ie[0].type, MPTCP_MPCONVERT_TYPE_ADDR);
  ck_assert_uint_eq(c.ie[0].flags, MPTCP_MPCONVERT_FLAG_M);
  {
    mptcp_ipaddr want = v4(198, 51, 100, 5);
    addr_eq(&c.ie[0].addr, &want);
  }
  ck_assert_uint_eq(c.ie[0].has_port, 1);
  ck_assert_uint_eq(c.ie[0].port, 443);
  memset(&w, 0, sizeof w);
  w.n = 1;
  w.ie[0] = mk_ie(v4(198, 51, 100, 5), 1, 443, 0);
  mpc_write_is(&w, A6_V4_PORT);

  /* Same without port: Length 8, no padding. */
  n = tcheck_hex(A6_V4, buf, sizeof buf);
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), 0);
  ck_assert_uint_eq(c.n, 1);
  ck_assert_uint_eq(c.consumed, 12);
  ck_assert_uint_eq(c.ie[0].flags, MPTCP_MPCONVERT_FLAG_M);
  ck_assert_uint_eq(c.ie[0].has_port, 0);
  ck_assert_uint_eq(c.ie[0].port, 0);
  ck_assert_uint_eq(c.ie[0].addr.family, MPTCP_AF_INET);
  ck_assert_uint_eq(c.ie[0].addr.a[3], 5);
  w.ie[0].has_port = 0;
  w.ie[0].port = 0;
  mpc_write_is(&w, A6_V4);

  /* Source 192.0.2.10:51000 (D=1, M=0) then [2001:db8::5]:443 (D=0, M=1). */
  n = tcheck_hex(A6_TWO, buf, sizeof buf);
  ck_assert_uint_eq(n, 44);
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), 0);
  ck_assert_uint_eq(c.n, 2);
  ck_assert_uint_eq(c.consumed, 44);
  ck_assert_uint_eq(c.ie[0].flags, MPTCP_MPCONVERT_FLAG_D);
  ck_assert_uint_eq(c.ie[0].has_port, 1);
  ck_assert_uint_eq(c.ie[0].port, 51000);
  {
    mptcp_ipaddr a0 = v4(192, 0, 2, 10);
    mptcp_ipaddr a1 = v6("20010db8000000000000000000000005");
    addr_eq(&c.ie[0].addr, &a0);
    addr_eq(&c.ie[1].addr, &a1);
  }
  ck_assert_uint_eq(c.ie[1].flags, MPTCP_MPCONVERT_FLAG_M);
  ck_assert_uint_eq(c.ie[1].has_port, 1);
  ck_assert_uint_eq(c.ie[1].port, 443);
  memset(&w, 0, sizeof w);
  w.n = 2;
  w.ie[0] = mk_ie(v4(192, 0, 2, 10), 1, 51000, MPTCP_MPCONVERT_FLAG_D);
  w.ie[1] = mk_ie(v6("20010db8000000000000000000000005"), 1, 443, 0);
  mpc_write_is(&w, A6_TWO);

  /* The writer owns M: a stray M on the first IE is cleared. */
  w.ie[0].flags |= MPTCP_MPCONVERT_FLAG_M;
  mpc_write_is(&w, A6_TWO);
}
END_TEST

/* ------------------------------------------------------------------ */
/* MP_CONVERT: round trips                                             */

START_TEST(test_mpconvert_roundtrip) {
  const mptcp_ipaddr addrs[] = {v4(198, 51, 100, 5), v4(10, 0, 0, 1),
                                v6("20010db8000000000000000000000005"),
                                v6("fe80000000000000021122fffe334455")};
  mptcp_mpconvert c;

  /* One IE: every family x port x D, plus reserved bits kept. */
  for (size_t a = 0; a < sizeof addrs / sizeof addrs[0]; a++) {
    for (int port = 0; port < 2; port++) {
      for (int d = 0; d < 2; d++) {
        memset(&c, 0, sizeof c);
        c.n = 1;
        c.ie[0] = mk_ie(addrs[a], port, port ? 8080 : 0,
                        d ? MPTCP_MPCONVERT_FLAG_D : 0);
        mpc_roundtrip(&c);
        c.ie[0].flags |= 0x8004; /* reserved bits survive */
        mpc_roundtrip(&c);
      }
    }
  }

  /* Two IEs with different D bits, every family/port combination. */
  for (size_t a = 0; a < sizeof addrs / sizeof addrs[0]; a++) {
    for (size_t b = 0; b < sizeof addrs / sizeof addrs[0]; b++) {
      for (int pa = 0; pa < 2; pa++) {
        memset(&c, 0, sizeof c);
        c.n = 2;
        c.ie[0] = mk_ie(addrs[a], pa, 1, MPTCP_MPCONVERT_FLAG_D);
        c.ie[1] = mk_ie(addrs[b], !pa, 65535, 0);
        mpc_roundtrip(&c);
        /* Destination first, source second is equally valid. */
        c.ie[0].flags = 0;
        c.ie[1].flags = MPTCP_MPCONVERT_FLAG_D;
        mpc_roundtrip(&c);
      }
    }
  }
}
END_TEST

/* ------------------------------------------------------------------ */
/* MP_CONVERT: rejections (table)                                      */

typedef struct mpc_row {
  const char *name;
  const char *hex;
  int rc;
} mpc_row;

static const mpc_row mpc_rows[] = {
    {"empty payload", "", MPTCP_ERR_NOT_PRESENT},
    {"plain data", "47 45 54 20 2f 20 48 54", MPTCP_ERR_NOT_PRESENT},
    {"magic typo", "fa a8 fa a9 00 08 00 01 c6 33 64 05",
     MPTCP_ERR_NOT_PRESENT},
    {"3 bytes of magic", "fa a8 fa", MPTCP_ERR_NOT_PRESENT},
    {"magic only", "fa a8 fa a8", MPTCP_ERR_TRUNCATED},
    {"magic + type", "fa a8 fa a8 00", MPTCP_ERR_TRUNCATED},
    {"length 0", "fa a8 fa a8 00 00 00 01", MPTCP_ERR_MALFORMED},
    {"length 3", "fa a8 fa a8 00 03 00 01 00 00 00 00", MPTCP_ERR_MALFORMED},
    {"length 3 unknown type", "fa a8 fa a8 09 03 00 01", MPTCP_ERR_MALFORMED},
    {"type0 length 4", "fa a8 fa a8 00 04 00 01", MPTCP_ERR_MALFORMED},
    {"type0 length 9", "fa a8 fa a8 00 09 00 01 c6 33 64 05 01 00 00 00",
     MPTCP_ERR_MALFORMED},
    {"type0 length 12", "fa a8 fa a8 00 0c 00 01 c6 33 64 05 01 bb 00 00",
     MPTCP_ERR_MALFORMED},
    {"type0 length 21",
     "fa a8 fa a8 00 15 00 01 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 05"
     "01 00 00 00",
     MPTCP_ERR_MALFORMED},
    {"IE truncated in address", "fa a8 fa a8 00 0a 00 01 c6 33 64",
     MPTCP_ERR_TRUNCATED},
    {"IE truncated in port", "fa a8 fa a8 00 0a 00 01 c6 33 64 05 01",
     MPTCP_ERR_TRUNCATED},
    {"IE truncated in flags", "fa a8 fa a8 00 08 00", MPTCP_ERR_TRUNCATED},
    {"v6 IE truncated",
     "fa a8 fa a8 00 14 00 01 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00",
     MPTCP_ERR_TRUNCATED},
    {"padding truncated", "fa a8 fa a8 00 0a 00 01 c6 33 64 05 01 bb 00",
     MPTCP_ERR_TRUNCATED},
    {"padding missing", "fa a8 fa a8 00 0a 00 01 c6 33 64 05 01 bb",
     MPTCP_ERR_TRUNCATED},
    {"no IE with M=1", "fa a8 fa a8 00 08 00 00 c6 33 64 05",
     MPTCP_ERR_TRUNCATED},
    {"M=0 then 2 bytes", "fa a8 fa a8 00 08 00 00 c6 33 64 05 fa a8",
     MPTCP_ERR_TRUNCATED},
    {"M=0 then truncated IE",
     "fa a8 fa a8 00 08 00 02 c6 33 64 05 fa a8 fa a8 00 08 00 01 c6",
     MPTCP_ERR_TRUNCATED},
    {"three type-0 IEs",
     "fa a8 fa a8 00 08 00 02 c0 00 02 0a fa a8 fa a8 00 08 00 00 c6 33 64 05"
     "fa a8 fa a8 00 08 00 01 c6 33 64 06",
     MPTCP_ERR_MALFORMED},
    {"same D bit (both dst)",
     "fa a8 fa a8 00 08 00 00 c0 00 02 0a fa a8 fa a8 00 08 00 01 c6 33 64 05",
     MPTCP_ERR_MALFORMED},
    {"same D bit (both src)",
     "fa a8 fa a8 00 08 00 02 c0 00 02 0a fa a8 fa a8 00 08 00 03 c6 33 64 05",
     MPTCP_ERR_MALFORMED},
    {"second IE without magic",
     "fa a8 fa a8 00 08 00 02 c0 00 02 0a 00 00 00 00 00 08 00 01 c6 33 64 05",
     MPTCP_ERR_MALFORMED},
    {"unknown type truncated", "fa a8 fa a8 07 0c 00 01 00 00 00 00",
     MPTCP_ERR_TRUNCATED},
};

START_TEST(test_mpconvert_reject) {
  const mpc_row *r = &mpc_rows[_i];
  uint8_t buf[128];
  size_t n = tcheck_hex(r->hex, buf, sizeof buf);
  mptcp_mpconvert c;
  int rc = mptcp_mpconvert_parse(buf, n, &c);
  ck_assert_msg(rc == r->rc, "row \"%s\": got %d, want %d", r->name, rc, r->rc);
}
END_TEST

START_TEST(test_mpconvert_unknown_type) {
  uint8_t buf[256];
  size_t n;
  mptcp_mpconvert c;
  mptcp_ipaddr dst = v4(198, 51, 100, 5);

  /* Unknown type (Length 4, M=0) skipped, then a valid IE. */
  n = tcheck_hex("fa a8 fa a8 07 04 00 00 " A6_V4, buf, sizeof buf);
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), 0);
  ck_assert_uint_eq(c.n, 1);
  ck_assert_uint_eq(c.n_skipped, 1);
  ck_assert_uint_eq(c.consumed, 20);
  addr_eq(&c.ie[0].addr, &dst);

  /* Unknown type with odd Length: its padding is skipped too; a valid IE
   * before and after it. */
  n = tcheck_hex("fa a8 fa a8 00 08 00 02 c0 00 02 0a"
                 "fa a8 fa a8 ee 07 ff fc 01 02 03 00"
                 "fa a8 fa a8 00 08 00 01 c6 33 64 05 de ad",
                 buf, sizeof buf);
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), 0);
  ck_assert_uint_eq(c.n, 2);
  ck_assert_uint_eq(c.n_skipped, 1);
  ck_assert_uint_eq(c.consumed, 36);
  addr_eq(&c.ie[1].addr, &dst);

  /* Only an unknown IE (M=1): parses, n=0; the caller must not proxy. */
  n = tcheck_hex("fa a8 fa a8 07 04 00 01", buf, sizeof buf);
  ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), 0);
  ck_assert_uint_eq(c.n, 0);
  ck_assert_uint_eq(c.n_skipped, 1);
  ck_assert_uint_eq(c.consumed, 8);
  /* ... and such a value cannot be written back. */
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);

  /* SKIPPED_MAX unknown IEs are tolerated, one more is not. */
  for (size_t k = MPTCP_MPCONVERT_SKIPPED_MAX;
       k <= MPTCP_MPCONVERT_SKIPPED_MAX + 1; k++) {
    n = 0;
    for (size_t i = 0; i < k; i++)
      n += tcheck_hex("fa a8 fa a8 42 04 00 00", buf + n, sizeof buf - n);
    n += tcheck_hex(A6_V4, buf + n, sizeof buf - n);
    if (k == MPTCP_MPCONVERT_SKIPPED_MAX) {
      ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), 0);
      ck_assert_uint_eq(c.n, 1);
      ck_assert_uint_eq(c.n_skipped, MPTCP_MPCONVERT_SKIPPED_MAX);
      ck_assert_uint_eq(c.consumed, n);
    } else {
      ck_assert_int_eq(mptcp_mpconvert_parse(buf, n, &c), MPTCP_ERR_MALFORMED);
    }
  }
}
END_TEST

/* ------------------------------------------------------------------ */
/* MP_CONVERT: write-side errors                                       */

START_TEST(test_mpconvert_write_errors) {
  uint8_t buf[128];
  mptcp_mpconvert c;
  mptcp_ssize full;

  memset(&c, 0, sizeof c);
  c.n = 2;
  c.ie[0] = mk_ie(v4(192, 0, 2, 10), 1, 51000, MPTCP_MPCONVERT_FLAG_D);
  c.ie[1] = mk_ie(v6("20010db8000000000000000000000005"), 1, 443, 0);
  full = mptcp_mpconvert_size(&c);
  ck_assert_int_eq(full, 44);

  /* Every capacity short of the size fails and leaves the buffer alone. */
  for (size_t cap = 0; cap < (size_t)full; cap++) {
    memset(buf, 0x5a, sizeof buf);
    ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, cap), MPTCP_ERR_NOBUF);
    for (size_t i = 0; i < sizeof buf; i++) ck_assert_uint_eq(buf[i], 0x5a);
  }
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, (size_t)full), full);
  ck_assert_int_eq(mptcp_mpconvert_write(&c, NULL, 100), MPTCP_ERR_NOBUF);

  c.n = 0;
  ck_assert_int_eq(mptcp_mpconvert_size(&c), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  c.n = 3;
  ck_assert_int_eq(mptcp_mpconvert_size(&c), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  /* INVALID_ARG takes precedence over NOBUF. */
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, 0), MPTCP_ERR_INVALID_ARG);

  /* Bad family, unknown type, same D bit twice. */
  c.n = 1;
  c.ie[0].addr.family = MPTCP_AF_NONE;
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  c.ie[0].addr.family = 5;
  ck_assert_int_eq(mptcp_mpconvert_size(&c), MPTCP_ERR_INVALID_ARG);
  c.ie[0] = mk_ie(v4(192, 0, 2, 10), 0, 0, 0);
  c.ie[0].type = 1;
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  c.n = 2;
  c.ie[0] = mk_ie(v4(192, 0, 2, 10), 0, 0, MPTCP_MPCONVERT_FLAG_D);
  c.ie[1] = mk_ie(v4(192, 0, 2, 11), 0, 0, MPTCP_MPCONVERT_FLAG_D);
  ck_assert_int_eq(mptcp_mpconvert_write(&c, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_mpconvert_size(NULL), MPTCP_ERR_INVALID_ARG);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Convert: known answers (spec §B.10)                                 */

#define B10_INFO "01 02 22 63 01 01 00 00"
#define B10_CONNECT                                                            \
  "01 06 22 63 0a 05 01 bb 00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 05"
#define B10_EXT_CONNECT                                                        \
  "01 07 22 63 0a 06 01 bb 00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 05"    \
  "1e 02 22 02"
#define B10_SUPPORTED "01 03 22 63 15 02 00 00 1e 22 00 00"
#define B10_EXT_HDR                                                            \
  "01 05 22 63 14 04 00 00 02 04 05 b4 04 02 01 03 03 07 00 00"
#define B10_ERR_RESET "01 02 22 63 1e 01 60 00"
#define B10_ERR_UNREACH "01 02 22 63 1e 01 61 03"
/* §B.10 gives the Cookie TLV alone; it is wrapped in a header here. */
#define B10_COOKIE "01 04 22 63 16 03 00 00 01 23 45 67 89 ab cd ef"
#define B10_HDR_ONLY "01 01 22 63"

/* Parses @p hex, checking the generic outcome; returns the buffer size. */
static size_t parse_ok(const char *hex, uint8_t *buf, size_t cap,
                       mptcp_convert_msg *m, uint32_t present) {
  size_t n = tcheck_hex(hex, buf, cap);
  ck_assert_int_eq(mptcp_convert_parse(buf, n, m), 0);
  ck_assert_uint_eq(m->version, 1);
  ck_assert_uint_eq(m->present, present);
  ck_assert_uint_eq(m->consumed, n);
  ck_assert_uint_eq(m->bad_tlv_off, 0);
  return n;
}

START_TEST(test_convert_examples) {
  uint8_t buf[256], ref[64];
  size_t rn;
  mptcp_convert_msg m, w;
  mptcp_ipaddr dst = v4(198, 51, 100, 5);

  parse_ok(B10_INFO, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_INFO);
  memset(&w, 0, sizeof w);
  w.present = MPTCP_CONVERT_HAS_INFO;
  msg_write_is(&w, B10_INFO);

  parse_ok(B10_CONNECT, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_CONNECT);
  ck_assert_uint_eq(m.connect.port, 443);
  addr_eq(&m.connect.addr, &dst);
  ck_assert_uint_eq(m.connect.tcp_opts.len, 0);
  memset(&w, 0, sizeof w);
  w.present = MPTCP_CONVERT_HAS_CONNECT;
  w.connect.port = 443;
  w.connect.addr = dst;
  msg_write_is(&w, B10_CONNECT);

  parse_ok(B10_EXT_CONNECT, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_CONNECT);
  ck_assert_uint_eq(m.connect.port, 443);
  addr_eq(&m.connect.addr, &dst);
  rn = tcheck_hex("1e 02 22 02", ref, sizeof ref);
  ck_assert_bytes(m.connect.tcp_opts.p, m.connect.tcp_opts.len, ref, rn);
  w.connect.tcp_opts = bytes(ref, rn);
  msg_write_is(&w, B10_EXT_CONNECT);

  parse_ok(B10_SUPPORTED, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_SUPPORTED_EXT);
  rn = tcheck_hex("1e 22", ref, sizeof ref);
  ck_assert_bytes(m.supported.p, m.supported.len, ref, rn);
  memset(&w, 0, sizeof w);
  w.present = MPTCP_CONVERT_HAS_SUPPORTED_EXT;
  w.supported = bytes(ref, rn);
  msg_write_is(&w, B10_SUPPORTED);

  parse_ok(B10_EXT_HDR, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_EXT_TCP_HDR);
  rn = tcheck_hex("02 04 05 b4 04 02 01 03 03 07 00 00", ref, sizeof ref);
  ck_assert_bytes(m.ext_tcp_hdr.p, m.ext_tcp_hdr.len, ref, rn);
  memset(&w, 0, sizeof w);
  w.present = MPTCP_CONVERT_HAS_EXT_TCP_HDR;
  w.ext_tcp_hdr = bytes(ref, rn);
  msg_write_is(&w, B10_EXT_HDR);
  w.ext_tcp_hdr.len = 10; /* without padding: the writer pads */
  msg_write_is(&w, B10_EXT_HDR);

  parse_ok(B10_ERR_RESET, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_ERROR);
  ck_assert_uint_eq(m.error.code, MPTCP_CONVERT_E_CONNECTION_RESET);
  ck_assert_uint_eq(m.error.value, 0);
  ck_assert_uint_eq(m.error.extra.len, 0);
  memset(&w, 0, sizeof w);
  w.present = MPTCP_CONVERT_HAS_ERROR;
  w.error.code = MPTCP_CONVERT_E_CONNECTION_RESET;
  msg_write_is(&w, B10_ERR_RESET);

  parse_ok(B10_ERR_UNREACH, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_ERROR);
  ck_assert_uint_eq(m.error.code, MPTCP_CONVERT_E_DEST_UNREACHABLE);
  ck_assert_uint_eq(m.error.value, 3);
  ck_assert_uint_eq(m.error.extra.len, 0);
  w.error.code = MPTCP_CONVERT_E_DEST_UNREACHABLE;
  w.error.value = 3;
  msg_write_is(&w, B10_ERR_UNREACH);

  parse_ok(B10_COOKIE, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_COOKIE);
  rn = tcheck_hex("01 23 45 67 89 ab cd ef", ref, sizeof ref);
  ck_assert_bytes(m.cookie.p, m.cookie.len, ref, rn);
  memset(&w, 0, sizeof w);
  w.present = MPTCP_CONVERT_HAS_COOKIE;
  w.cookie = bytes(ref, rn);
  msg_write_is(&w, B10_COOKIE);

  parse_ok(B10_HDR_ONLY, buf, sizeof buf, &m, 0);
  ck_assert_uint_eq(m.consumed, 4);
  memset(&w, 0, sizeof w);
  msg_write_is(&w, B10_HDR_ONLY);
  w.version = 7; /* ignored on write: always version 1 */
  msg_write_is(&w, B10_HDR_ONLY);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Convert: round trips                                                */

START_TEST(test_convert_roundtrip) {
  uint8_t opts[64], hdr[64], kinds[8], cookie[64], extra[64], big[1024];
  size_t on, hn, kn, cn, en;
  mptcp_convert_msg m;

  /* Options of 2, 6, 3 and 2 bytes: prefixes cover every length mod 4. */
  on = tcheck_hex("1e 02 22 06 01 02 03 04 fd 03 aa 04 02", opts, sizeof opts);
  hn = tcheck_hex("02 04 05 b4 04 02 08 0a 00 00 00 01 00 00 00 02 01 03 03 07",
                  hdr, sizeof hdr);
  kn = tcheck_hex("04 08 1e 22 00 05", kinds, sizeof kinds); /* inner 0 ok */
  cn = tcheck_hex("de ad be ef 00 11 22 33 44 55 66 77", cookie, sizeof cookie);
  en = tcheck_hex("0a 05 01 bb 00 00 00 00", extra, sizeof extra);

  /* Header only. */
  memset(&m, 0, sizeof m);
  msg_roundtrip(&m);

  /* Each TLV alone. */
  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_INFO;
  msg_roundtrip(&m);

  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_CONNECT;
  m.connect.port = 80;
  m.connect.addr = v4(203, 0, 113, 7);
  msg_roundtrip(&m);
  m.connect.addr = v6("20010db8000000000000000000000005");
  m.connect.port = 65535;
  msg_roundtrip(&m);
  /* Extended Connect, cut at each option boundary (2, 8, 11, 13 bytes). */
  {
    const size_t cuts[] = {2, 8, 11, 13};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
      m.connect.tcp_opts = bytes(opts, cuts[k]);
      msg_roundtrip(&m);
    }
    ck_assert_uint_eq(cuts[3], on);
  }
  m.connect.tcp_opts = bytes(opts + 8, 3); /* one odd-length option */
  msg_roundtrip(&m);

  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_EXT_TCP_HDR;
  m.ext_tcp_hdr = bytes(hdr, hn);
  msg_roundtrip(&m);
  m.ext_tcp_hdr = bytes(hdr, 0); /* empty: TLV of one word */
  msg_roundtrip(&m);

  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_SUPPORTED_EXT;
  for (size_t k = 0; k <= kn; k++) {
    if (k > 0 && kinds[k - 1] == 0) continue; /* trailing 0 not encodable */
    m.supported = bytes(kinds, k);
    msg_roundtrip(&m);
  }

  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_COOKIE;
  m.cookie = bytes(cookie, cn);
  msg_roundtrip(&m);

  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_ERROR;
  m.error.code = MPTCP_CONVERT_E_MALFORMED;
  m.error.value = 0;
  m.error.extra = bytes(extra, en); /* echo of the offending message */
  msg_roundtrip(&m);
  m.error.code = MPTCP_CONVERT_E_UNSUPPORTED_VERSION;
  m.error.value = 1;
  m.error.extra = bytes(extra, 4);
  msg_roundtrip(&m);
  m.error.code = MPTCP_CONVERT_E_RESOURCE_EXCEEDED;
  m.error.value = 60;
  m.error.extra = bytes(extra, 0);
  msg_roundtrip(&m);

  /* Combinations: every subset of the six TLVs. */
  for (uint32_t set = 0; set < 64; set++) {
    memset(&m, 0, sizeof m);
    m.present = set;
    m.connect.port = 443;
    m.connect.addr = v4(198, 51, 100, 5);
    /* Base Connect in half of the subsets, extended in the other half. */
    m.connect.tcp_opts = bytes(opts, (set & 1) ? on : 0);
    m.ext_tcp_hdr = bytes(hdr, hn);
    m.supported = bytes(kinds, 4);
    m.cookie = bytes(cookie, cn);
    m.error.code = MPTCP_CONVERT_E_MISSING_COOKIE;
    m.error.extra = bytes(cookie, cn);
    msg_roundtrip(&m);
  }

  /* Largest message: 1020 bytes = header + cookie TLV of 1012 bytes. */
  memset(big, 0xc3, sizeof big);
  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_COOKIE;
  m.cookie = bytes(big, MPTCP_CONVERT_MAX_LEN - 8);
  ck_assert_int_eq(mptcp_convert_size(&m), MPTCP_CONVERT_MAX_LEN);
  msg_roundtrip(&m);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Convert: rejections (table)                                         */

typedef struct conv_row {
  const char *name;
  const char *hex;
  int rc;
  size_t bad_off; /* checked for MALFORMED / UNSUPPORTED */
} conv_row;

#define CONNECT_BODY "01 bb 00 00 00 00 00 00 00 00 00 00 ff ff c6 33 64 05"

static const conv_row conv_rows[] = {
    {"wrong magic", "01 02 22 64 01 01 00 00", MPTCP_ERR_NOT_PRESENT, 0},
    {"magic swapped", "01 02 63 22 01 01 00 00", MPTCP_ERR_NOT_PRESENT, 0},
    {"MP_CONVERT instead", A6_V4, MPTCP_ERR_NOT_PRESENT, 0},
    {"3 bytes, bad magic byte", "01 02 23", MPTCP_ERR_NOT_PRESENT, 0},
    {"empty stream", "", MPTCP_ERR_TRUNCATED, 0},
    {"3 bytes of header", "01 02 22", MPTCP_ERR_TRUNCATED, 0},
    {"version 0", "00 02 22 63 01 01 00 00", MPTCP_ERR_VERSION, 0},
    {"version 2", "02 02 22 63 01 01 00 00", MPTCP_ERR_VERSION, 0},
    {"version 2, garbage after", "02 00 22 63 00 00", MPTCP_ERR_VERSION, 0},
    {"total length 0", "01 00 22 63 01 01 00 00", MPTCP_ERR_MALFORMED, 0},
    {"shorter than total length", "01 03 22 63 01 01 00 00",
     MPTCP_ERR_TRUNCATED, 0},
    {"header of 255 words only", "01 ff 22 63", MPTCP_ERR_TRUNCATED, 0},
    {"TLV length 0", "01 02 22 63 01 00 00 00", MPTCP_ERR_MALFORMED, 4},
    {"TLV past total length", "01 02 22 63 16 02 00 00 aa bb cc dd",
     MPTCP_ERR_MALFORMED, 4},
    {"second TLV past total length",
     "01 03 22 63 01 01 00 00 1e 02 20 00 00 00 00 00", MPTCP_ERR_MALFORMED, 8},
    {"duplicate Info", "01 03 22 63 01 01 00 00 01 01 00 00",
     MPTCP_ERR_MALFORMED, 8},
    {"duplicate Cookie", "01 04 22 63 16 01 00 00 01 01 00 00 16 01 00 00",
     MPTCP_ERR_MALFORMED, 12},
    {"TLV type 0", "01 02 22 63 00 01 00 00", MPTCP_ERR_UNSUPPORTED, 4},
    {"unknown TLV 0x63 after Info", "01 03 22 63 01 01 00 00 63 01 00 00",
     MPTCP_ERR_UNSUPPORTED, 8},
    {"unknown TLV 0xc0", "01 03 22 63 c0 02 00 00 00 00 00 00",
     MPTCP_ERR_UNSUPPORTED, 4},
    {"Connect of 4 words",
     "01 05 22 63 0a 04 01 bb 00 00 00 00 00 00 00 00 00 00 ff ff",
     MPTCP_ERR_MALFORMED, 4},
    {"Connect of 1 word", "01 02 22 63 0a 01 01 bb", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect with NOP", "01 07 22 63 0a 06 " CONNECT_BODY " 01 1e 02 00",
     MPTCP_ERR_MALFORMED, 4},
    /* Read as {kind 1, len 2} this would frame correctly: NOP itself is
     * what is refused. */
    {"ext Connect with NOP framed like an option",
     "01 07 22 63 0a 06 " CONNECT_BODY " 01 02 1e 02", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect with EOL then option",
     "01 07 22 63 0a 06 " CONNECT_BODY " 00 1e 02 00", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect with a zero word",
     "01 07 22 63 0a 06 " CONNECT_BODY " 00 00 00 00", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect with EOL word after option",
     "01 08 22 63 0a 07 " CONNECT_BODY " 1e 02 00 00 00 00 00 00",
     MPTCP_ERR_MALFORMED, 4},
    {"ext Connect option length 1",
     "01 07 22 63 0a 06 " CONNECT_BODY " 1e 01 00 00", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect option length 0",
     "01 07 22 63 0a 06 " CONNECT_BODY " 1e 02 08 00", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect option past TLV",
     "01 07 22 63 0a 06 " CONNECT_BODY " 22 0a 00 00", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect option length byte missing",
     "01 07 22 63 0a 06 " CONNECT_BODY " 1e 03 aa 08", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect option past TLV by one",
     "01 07 22 63 0a 06 " CONNECT_BODY " 1e 02 04 03", MPTCP_ERR_MALFORMED, 4},
    {"ext Connect bad option after Info",
     "01 08 22 63 01 01 00 00 0a 06 " CONNECT_BODY " 1e 02 01 01",
     MPTCP_ERR_MALFORMED, 8},
    {"Error TLV length 0", "01 02 22 63 1e 00 60 00", MPTCP_ERR_MALFORMED, 4},
    {"Error TLV past total length", "01 02 22 63 1e 02 60 00",
     MPTCP_ERR_MALFORMED, 4},
    {"Error TLV then duplicate", "01 03 22 63 1e 01 60 00 1e 01 61 03",
     MPTCP_ERR_MALFORMED, 8},
};

START_TEST(test_convert_reject) {
  const conv_row *r = &conv_rows[_i];
  uint8_t buf[128];
  size_t n = tcheck_hex(r->hex, buf, sizeof buf);
  mptcp_convert_msg m;
  int rc = mptcp_convert_parse(buf, n, &m);
  ck_assert_msg(rc == r->rc, "row \"%s\": got %d, want %d", r->name, rc, r->rc);
  if (rc == MPTCP_ERR_MALFORMED || rc == MPTCP_ERR_UNSUPPORTED)
    ck_assert_msg(m.bad_tlv_off == r->bad_off,
                  "row \"%s\": bad_tlv_off %zu, want %zu", r->name,
                  m.bad_tlv_off, r->bad_off);
  if (rc == MPTCP_ERR_VERSION) ck_assert_uint_eq(m.version, buf[0]);
}
END_TEST

START_TEST(test_convert_error_extra) {
  uint8_t buf[64], ref[16];
  size_t n, rn;
  mptcp_convert_msg m;

  /* Missing Cookie (RFC 8803 §6.2.8): Value 0, the cookie follows. */
  n = parse_ok("01 04 22 63 1e 03 03 00 01 02 03 04 05 06 07 08", buf,
               sizeof buf, &m, MPTCP_CONVERT_HAS_ERROR);
  ck_assert_uint_eq(n, 16);
  ck_assert_uint_eq(m.error.code, MPTCP_CONVERT_E_MISSING_COOKIE);
  ck_assert_uint_eq(m.error.value, 0);
  rn = tcheck_hex("01 02 03 04 05 06 07 08", ref, sizeof ref);
  ck_assert_bytes(m.error.extra.p, m.error.extra.len, ref, rn);
  msg_roundtrip(&m);

  /* Supported Extensions: trailing padding zeros beyond a word are
   * stripped; the Unassigned field is ignored on receipt. */
  parse_ok("01 04 22 63 15 03 ff ff 1e 22 04 00 00 00 00 00", buf, sizeof buf,
           &m, MPTCP_CONVERT_HAS_SUPPORTED_EXT);
  rn = tcheck_hex("1e 22 04", ref, sizeof ref);
  ck_assert_bytes(m.supported.p, m.supported.len, ref, rn);

  /* Longer-than-1 Info is accepted and written back as one word. */
  parse_ok("01 03 22 63 01 02 00 00 00 00 00 00", buf, sizeof buf, &m,
           MPTCP_CONVERT_HAS_INFO);

  /* IPv6 Connect stays IPv6; only ::ffff:0:0/96 decodes as IPv4. */
  parse_ok("01 06 22 63 0a 05 00 50 00 00 00 00 00 00 00 00 00 00 00 00 c6 33 "
           "64 05",
           buf, sizeof buf, &m, MPTCP_CONVERT_HAS_CONNECT);
  ck_assert_uint_eq(m.connect.addr.family, MPTCP_AF_INET6);
  ck_assert_uint_eq(m.connect.addr.a[15], 5);
  parse_ok("01 06 22 63 0a 05 00 50 00 00 00 00 00 00 00 00 00 01 ff ff c6 33 "
           "64 05",
           buf, sizeof buf, &m, MPTCP_CONVERT_HAS_CONNECT);
  ck_assert_uint_eq(m.connect.addr.family, MPTCP_AF_INET6);
  parse_ok(B10_CONNECT, buf, sizeof buf, &m, MPTCP_CONVERT_HAS_CONNECT);
  ck_assert_uint_eq(m.connect.addr.family, MPTCP_AF_INET);
  for (size_t i = 4; i < 16; i++) ck_assert_uint_eq(m.connect.addr.a[i], 0);

  /* A TRUNCATED parse reports how many bytes the message needs. */
  n = tcheck_hex(B10_CONNECT, buf, sizeof buf);
  ck_assert_int_eq(mptcp_convert_parse(buf, 10, &m), MPTCP_ERR_TRUNCATED);
  ck_assert_uint_eq(m.consumed, n);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Convert: write-side errors                                          */

START_TEST(test_convert_write_errors) {
  uint8_t buf[1100], opts[16], big[1100];
  size_t on;
  mptcp_convert_msg m;
  mptcp_ssize full;

  memset(big, 0x11, sizeof big);
  on = tcheck_hex("1e 02 22 02", opts, sizeof opts);
  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_INFO | MPTCP_CONVERT_HAS_CONNECT |
              MPTCP_CONVERT_HAS_COOKIE | MPTCP_CONVERT_HAS_ERROR;
  m.connect.port = 443;
  m.connect.addr = v4(198, 51, 100, 5);
  m.connect.tcp_opts = bytes(opts, on);
  m.cookie = bytes(big, 9);
  m.error.code = 1;
  m.error.extra = bytes(big, 3);
  full = mptcp_convert_size(&m);
  ck_assert_int_eq(full, 4 + 4 + 24 + 16 + 8);

  for (size_t cap = 0; cap < (size_t)full; cap++) {
    memset(buf, 0x5a, sizeof buf);
    ck_assert_int_eq(mptcp_convert_write(&m, buf, cap), MPTCP_ERR_NOBUF);
    for (size_t i = 0; i < sizeof buf; i++) ck_assert_uint_eq(buf[i], 0x5a);
  }
  ck_assert_int_eq(mptcp_convert_write(&m, buf, (size_t)full), full);
  ck_assert_int_eq(mptcp_convert_write(&m, NULL, 100), MPTCP_ERR_NOBUF);

  /* Over 1020 bytes: one byte too many, and a gross overflow. */
  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_COOKIE;
  m.cookie = bytes(big, MPTCP_CONVERT_MAX_LEN - 8 + 1);
  ck_assert_int_eq(mptcp_convert_size(&m), MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_convert_write(&m, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  m.cookie = bytes(big, 1000);
  m.present |= MPTCP_CONVERT_HAS_ERROR;
  m.error.extra = bytes(big, 100);
  ck_assert_int_eq(mptcp_convert_write(&m, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  m.error.extra = bytes(big, SIZE_MAX - 1); /* no overflow in the sum */
  ck_assert_int_eq(mptcp_convert_size(&m), MPTCP_ERR_INVALID_ARG);

  /* NULL data with a length. */
  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_EXT_TCP_HDR;
  m.ext_tcp_hdr = bytes(NULL, 4);
  ck_assert_int_eq(mptcp_convert_write(&m, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);

  /* Unknown present bit. */
  memset(&m, 0, sizeof m);
  m.present = 0x40;
  ck_assert_int_eq(mptcp_convert_size(&m), MPTCP_ERR_INVALID_ARG);

  /* Connect: bad family; option lists the parser would refuse. */
  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_CONNECT;
  m.connect.addr.family = MPTCP_AF_NONE;
  ck_assert_int_eq(mptcp_convert_write(&m, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  m.connect.addr = v4(198, 51, 100, 5);
  {
    static const char *const bad[] = {
        "01", "00",          "1e 02 00",    "1e 01",
        "1e", "22 05 00 00", "1e 02 01 01", "01 02 1e 02"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      on = tcheck_hex(bad[i], opts, sizeof opts);
      m.connect.tcp_opts = bytes(opts, on);
      ck_assert_msg(mptcp_convert_write(&m, buf, sizeof buf) ==
                        MPTCP_ERR_INVALID_ARG,
                    "option list \"%s\" accepted", bad[i]);
    }
  }

  /* Supported list ending in kind 0 would read back shorter. */
  memset(&m, 0, sizeof m);
  m.present = MPTCP_CONVERT_HAS_SUPPORTED_EXT;
  on = tcheck_hex("1e 00", opts, sizeof opts);
  m.supported = bytes(opts, on);
  ck_assert_int_eq(mptcp_convert_write(&m, buf, sizeof buf),
                   MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_convert_size(NULL), MPTCP_ERR_INVALID_ARG);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Robustness: truncations and single-byte mutations                   */

/* Parses @p p with both parsers; any success must re-encode to something
 * that parses back to the same value. */
static void robust_one(const uint8_t *p, size_t len) {
  mptcp_mpconvert c, c2, want;
  mptcp_convert_msg m, m2;
  uint8_t enc[1100];
  mptcp_ssize n;
  int rc;

  rc = mptcp_mpconvert_parse(p, len, &c);
  if (rc == 0) {
    ck_assert_uint_le(c.consumed, len);
    ck_assert_uint_eq(c.consumed % 4, 0);
    n = mptcp_mpconvert_write(&c, enc, sizeof enc);
    if (c.n == 0) {
      ck_assert_int_eq(n, MPTCP_ERR_INVALID_ARG);
    } else {
      ck_assert_int_gt(n, 0);
      ck_assert_int_eq(mptcp_mpconvert_parse(enc, (size_t)n, &c2), 0);
      ck_assert_uint_eq(c2.consumed, (size_t)n);
      /* M may sit on a skipped IE in the input; write() puts it on the
       * last type-0 IE. */
      want = c;
      for (size_t i = 0; i < want.n; i++) {
        want.ie[i].flags &= (uint16_t)~MPTCP_MPCONVERT_FLAG_M;
        if (i + 1u == want.n) want.ie[i].flags |= MPTCP_MPCONVERT_FLAG_M;
      }
      mpc_eq(&c2, &want);
    }
  } else {
    ck_assert(rc == MPTCP_ERR_NOT_PRESENT || rc == MPTCP_ERR_TRUNCATED ||
              rc == MPTCP_ERR_MALFORMED);
  }

  rc = mptcp_convert_parse(p, len, &m);
  if (rc == 0) {
    ck_assert_uint_le(m.consumed, len);
    n = mptcp_convert_write(&m, enc, sizeof enc);
    ck_assert_int_gt(n, 0);
    ck_assert_uint_le((size_t)n, m.consumed);
    ck_assert_int_eq(mptcp_convert_parse(enc, (size_t)n, &m2), 0);
    msg_eq(&m2, &m);
  } else {
    ck_assert(rc == MPTCP_ERR_NOT_PRESENT || rc == MPTCP_ERR_TRUNCATED ||
              rc == MPTCP_ERR_MALFORMED || rc == MPTCP_ERR_UNSUPPORTED ||
              rc == MPTCP_ERR_VERSION);
  }
}

static const char *const robust_inputs[] = {
    A6_V4_PORT,
    A6_V4,
    A6_TWO,
    "fa a8 fa a8 07 06 00 00 aa bb 00 00 " A6_V4,
    B10_INFO,
    B10_CONNECT,
    B10_EXT_CONNECT,
    B10_SUPPORTED,
    B10_EXT_HDR,
    B10_ERR_RESET,
    B10_ERR_UNREACH,
    B10_COOKIE,
    B10_HDR_ONLY,
    "01 0b 22 63 01 01 00 00 0a 07 " CONNECT_BODY " 1e 02 22 06 aa bb cc dd"
    "15 02 00 00 1e 22 00 00 1e 01 60 00",
};

START_TEST(test_robustness) {
  uint8_t orig[256], *mut;
  size_t n = tcheck_hex(robust_inputs[_i], orig, sizeof orig);
  int ok_parses = 0;
  mptcp_mpconvert c;
  mptcp_convert_msg m;

  ok_parses = mptcp_mpconvert_parse(orig, n, &c) == 0;
  ok_parses += mptcp_convert_parse(orig, n, &m) == 0;
  ck_assert_int_eq(ok_parses, 1); /* each input is valid for one parser */

  /* Truncations in an exact-size copy, so ASan sees any overread. */
  for (size_t k = 0; k <= n; k++) {
    mut = k ? malloc(k) : NULL;
    if (k) memcpy(mut, orig, k);
    robust_one(mut, k);
    free(mut);
  }
  /* Every byte replaced by every other value. */
  mut = malloc(n);
  ck_assert_ptr_nonnull(mut);
  for (size_t i = 0; i < n; i++) {
    for (unsigned x = 1; x < 256; x++) {
      memcpy(mut, orig, n);
      mut[i] ^= (uint8_t)x;
      robust_one(mut, n);
    }
  }
  free(mut);
}
END_TEST

/* ------------------------------------------------------------------ */

Suite *suite_convert(void) {
  /* Not static: START_TEST names are pointer variables, not constants. */
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mpconvert_examples),
      TCHECK_TEST(test_mpconvert_roundtrip),
      TCHECK_LOOP(test_mpconvert_reject, sizeof mpc_rows / sizeof mpc_rows[0]),
      TCHECK_TEST(test_mpconvert_unknown_type),
      TCHECK_TEST(test_mpconvert_write_errors),
      TCHECK_TEST(test_convert_examples),
      TCHECK_TEST(test_convert_roundtrip),
      TCHECK_LOOP(test_convert_reject, sizeof conv_rows / sizeof conv_rows[0]),
      TCHECK_TEST(test_convert_error_extra),
      TCHECK_TEST(test_convert_write_errors),
      TCHECK_LOOP(test_robustness,
                  sizeof robust_inputs / sizeof robust_inputs[0]),
  };
  return tcheck_suite("convert", tests, sizeof tests / sizeof tests[0]);
}
