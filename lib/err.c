/* Error strings, address helpers, version. SPDX-License-Identifier: MIT */
#include <mptcp/mptcp.h>

#include <string.h>

MPTCP_API const char *mptcp_strerror(int err) {
  switch (err) {
  case 0: return "success";
  case MPTCP_ERR_INVALID_ARG: return "invalid argument";
  case MPTCP_ERR_NOBUF: return "destination buffer too small";
  case MPTCP_ERR_TRUNCATED: return "input truncated";
  case MPTCP_ERR_MALFORMED: return "malformed input";
  case MPTCP_ERR_UNSUPPORTED: return "unsupported";
  case MPTCP_ERR_CHECKSUM: return "checksum mismatch";
  case MPTCP_ERR_NOT_TCP: return "not a TCP packet";
  case MPTCP_ERR_FRAGMENT: return "IP fragment";
  case MPTCP_ERR_NOSPACE: return "TCP option space exhausted";
  case MPTCP_ERR_NOT_PRESENT: return "not present";
  case MPTCP_ERR_VERSION: return "unsupported version";
  case MPTCP_ERR_WOULDBLOCK: return "would block";
  case MPTCP_ERR_EOF: return "end of stream";
  case MPTCP_ERR_CLOSED: return "connection closed";
  case MPTCP_ERR_EXISTS: return "already in use";
  case MPTCP_ERR_NOMEM: return "out of memory";
  case MPTCP_ERR_CALLBACK_FAILURE: return "callback failure";
  case MPTCP_ERR_CRYPTO: return "crypto library failure";
  default: return "unknown error";
  }
}

MPTCP_API int mptcp_err_is_fatal(int err) { return err <= -500; }

MPTCP_API const char *mptcp_version_string(void) { return "0.1.0"; }

MPTCP_API size_t mptcp_ipaddr_len(const mptcp_ipaddr *addr) {
  switch (addr->family) {
  case MPTCP_AF_INET: return 4;
  case MPTCP_AF_INET6: return 16;
  default: return 0;
  }
}

MPTCP_API int mptcp_ipaddr_equal(const mptcp_ipaddr *a, const mptcp_ipaddr *b) {
  size_t n = mptcp_ipaddr_len(a);
  return a->family == b->family && memcmp(a->a, b->a, n) == 0;
}

/* RFC 6890 special-purpose ranges that can never be a proxy target
 * (PM-10 §5.2, RFC 8803 §6.2.5). */
MPTCP_API int mptcp_ipaddr_is_forbidden(const mptcp_ipaddr *addr) {
  static const uint8_t zero[16];
  const uint8_t *a = addr->a;
  if (addr->family == MPTCP_AF_INET) {
    if (a[0] == 0 || a[0] == 127) return 1;   /* this-net, loopback */
    if (a[0] >= 224 && a[0] <= 239) return 1; /* multicast */
    if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255) return 1;
    return 0;
  }
  if (addr->family == MPTCP_AF_INET6) {
    if (memcmp(a, zero, 16) == 0) return 1;               /* :: */
    if (memcmp(a, zero, 15) == 0 && a[15] == 1) return 1; /* ::1 */
    if (a[0] == 0xff) return 1;                           /* ff00::/8 */
    /* IPv4-mapped: judge the embedded address. */
    if (memcmp(a, zero, 10) == 0 && a[10] == 0xff && a[11] == 0xff) {
      mptcp_ipaddr v4 = {MPTCP_AF_INET, {a[12], a[13], a[14], a[15]}};
      return mptcp_ipaddr_is_forbidden(&v4);
    }
    return 0;
  }
  return 1;
}
