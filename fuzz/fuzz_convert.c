/*
 * fuzz_convert: the SYN-payload codecs of the proxy extensions, the
 * MP_CONVERT Information Element chain (mptcp_mpconvert_*) and the RFC 8803
 * Convert message (mptcp_convert_*). Both parsers see the whole input.
 *
 * Oracle (any violation aborts): whatever parses (return 0)
 *   - consumed no more than it was given;
 *   - re-emits with *_write to exactly *_size bytes (refusing a buffer one
 *     byte too small with NOBUF);
 *   - re-parses to 0 with every field equal (compared here field by field,
 *     not with the library's own helpers), and consumes what was written.
 *
 * SPDX-License-Identifier: MIT
 */
#include "fuzz.h"

#include <string.h>

static int addr_same(const mptcp_ipaddr *a, const mptcp_ipaddr *b) {
  return a->family == b->family && memcmp(a->a, b->a, sizeof a->a) == 0;
}

static int bytes_same(mptcp_bytes a, mptcp_bytes b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/* A borrowed byte string lies inside the parsed buffer. */
static int bytes_inside(mptcp_bytes b, const uint8_t *buf, size_t len) {
  if (b.len == 0) return 1;
  return b.p >= buf && b.len <= len && (size_t)(b.p - buf) <= len - b.len;
}

static void check_mpconvert(const uint8_t *data, size_t size) {
  mptcp_mpconvert c, back;
  static uint8_t buf[2 * (4 + MPTCP_MPCONVERT_LEN_V6_PORT + 2)];

  int rc = mptcp_mpconvert_parse(data, size, &c);
  if (rc != 0) {
    FUZZ_CHECK(rc == MPTCP_ERR_NOT_PRESENT || rc == MPTCP_ERR_TRUNCATED ||
               rc == MPTCP_ERR_MALFORMED);
    return;
  }
  FUZZ_CHECK(c.consumed > 0 && c.consumed <= size && c.consumed % 4 == 0);
  FUZZ_CHECK(c.n <= MPTCP_MPCONVERT_IE_MAX);
  FUZZ_CHECK(c.n_skipped <= MPTCP_MPCONVERT_SKIPPED_MAX);
  if (c.n == 0) {
    /* Only IEs of unknown types: nothing to re-emit. */
    FUZZ_CHECK(c.n_skipped > 0);
    FUZZ_CHECK(mptcp_mpconvert_write(&c, buf, sizeof buf) ==
               MPTCP_ERR_INVALID_ARG);
    return;
  }
  if (c.n == 2)
    FUZZ_CHECK((c.ie[0].flags & MPTCP_MPCONVERT_FLAG_D) !=
               (c.ie[1].flags & MPTCP_MPCONVERT_FLAG_D));

  mptcp_ssize sz = mptcp_mpconvert_size(&c);
  FUZZ_CHECK(sz > 0 && (size_t)sz <= sizeof buf && sz % 4 == 0);
  FUZZ_CHECK(mptcp_mpconvert_write(&c, buf, (size_t)sz - 1) == MPTCP_ERR_NOBUF);
  mptcp_ssize w = mptcp_mpconvert_write(&c, buf, sizeof buf);
  FUZZ_CHECK(w == sz);
  /* Without skipped IEs the re-emitted chain is as long as the input's. */
  if (c.n_skipped == 0) FUZZ_CHECK((size_t)w == c.consumed);

  rc = mptcp_mpconvert_parse(buf, (size_t)w, &back);
  FUZZ_CHECK(rc == 0);
  FUZZ_CHECK(back.consumed == (size_t)w);
  FUZZ_CHECK(back.n == c.n && back.n_skipped == 0);
  for (unsigned i = 0; i < c.n; i++) {
    const mptcp_mpconvert_ie *a = &c.ie[i], *b = &back.ie[i];
    /* The writer owns M (set on the last IE only); D and the reserved bits
     * travel as they are. */
    uint16_t m = (i + 1u == c.n) ? MPTCP_MPCONVERT_FLAG_M : 0;
    FUZZ_CHECK(b->type == a->type);
    FUZZ_CHECK(b->flags ==
               (uint16_t)((a->flags & ~MPTCP_MPCONVERT_FLAG_M) | m));
    FUZZ_CHECK(addr_same(&a->addr, &b->addr));
    FUZZ_CHECK(b->has_port == a->has_port);
    if (a->has_port) FUZZ_CHECK(b->port == a->port);
  }
}

static void check_convert(const uint8_t *data, size_t size) {
  mptcp_convert_msg m, back;
  static uint8_t buf[MPTCP_CONVERT_MAX_LEN + 8];

  int rc = mptcp_convert_parse(data, size, &m);
  if (rc != 0) {
    FUZZ_CHECK(rc == MPTCP_ERR_NOT_PRESENT || rc == MPTCP_ERR_TRUNCATED ||
               rc == MPTCP_ERR_VERSION || rc == MPTCP_ERR_MALFORMED ||
               rc == MPTCP_ERR_UNSUPPORTED);
    if (rc == MPTCP_ERR_MALFORMED || rc == MPTCP_ERR_UNSUPPORTED)
      FUZZ_CHECK(m.bad_tlv_off < size);
    return;
  }
  FUZZ_CHECK(m.version == MPTCP_CONVERT_VERSION);
  FUZZ_CHECK(m.consumed >= MPTCP_CONVERT_HDR_LEN && m.consumed <= size &&
             m.consumed <= MPTCP_CONVERT_MAX_LEN && m.consumed % 4 == 0);
  FUZZ_CHECK(m.consumed == (size_t)data[1] * 4u);
  FUZZ_CHECK(bytes_inside(m.connect.tcp_opts, data, m.consumed));
  FUZZ_CHECK(bytes_inside(m.ext_tcp_hdr, data, m.consumed));
  FUZZ_CHECK(bytes_inside(m.supported, data, m.consumed));
  FUZZ_CHECK(bytes_inside(m.cookie, data, m.consumed));
  FUZZ_CHECK(bytes_inside(m.error.extra, data, m.consumed));
  if (m.present & MPTCP_CONVERT_HAS_CONNECT)
    FUZZ_CHECK(m.connect.addr.family == MPTCP_AF_INET ||
               m.connect.addr.family == MPTCP_AF_INET6);

  mptcp_ssize sz = mptcp_convert_size(&m);
  /* Re-emitting never grows the message: padding is only ever trimmed. */
  FUZZ_CHECK(sz >= MPTCP_CONVERT_HDR_LEN && (size_t)sz <= m.consumed &&
             sz % 4 == 0);
  FUZZ_CHECK(mptcp_convert_write(&m, buf, (size_t)sz - 1) == MPTCP_ERR_NOBUF);
  mptcp_ssize w = mptcp_convert_write(&m, buf, sizeof buf);
  FUZZ_CHECK(w == sz);
  FUZZ_CHECK(buf[0] == MPTCP_CONVERT_VERSION && buf[1] * 4 == w);

  rc = mptcp_convert_parse(buf, (size_t)w, &back);
  FUZZ_CHECK(rc == 0);
  FUZZ_CHECK(back.consumed == (size_t)w);
  FUZZ_CHECK(back.present == m.present);
  if (m.present & MPTCP_CONVERT_HAS_CONNECT) {
    FUZZ_CHECK(back.connect.port == m.connect.port);
    FUZZ_CHECK(addr_same(&back.connect.addr, &m.connect.addr));
    FUZZ_CHECK(bytes_same(back.connect.tcp_opts, m.connect.tcp_opts));
  }
  if (m.present & MPTCP_CONVERT_HAS_EXT_TCP_HDR)
    FUZZ_CHECK(bytes_same(back.ext_tcp_hdr, m.ext_tcp_hdr));
  if (m.present & MPTCP_CONVERT_HAS_SUPPORTED_EXT)
    FUZZ_CHECK(bytes_same(back.supported, m.supported));
  if (m.present & MPTCP_CONVERT_HAS_COOKIE)
    FUZZ_CHECK(bytes_same(back.cookie, m.cookie));
  if (m.present & MPTCP_CONVERT_HAS_ERROR) {
    FUZZ_CHECK(back.error.code == m.error.code);
    FUZZ_CHECK(back.error.value == m.error.value);
    FUZZ_CHECK(bytes_same(back.error.extra, m.error.extra));
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  check_mpconvert(data, size);
  check_convert(data, size);
  return 0;
}
