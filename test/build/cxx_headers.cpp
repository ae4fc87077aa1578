// Build test: the public headers from C++ (extern "C", no C-only syntax),
// linked against the shared library. Run as a test, it checks that the C
// symbols resolve and behave when called from C++.
// SPDX-License-Identifier: MIT
#include <mptcp/mptcp.h>

#include <cstdio>
#include <cstring>

int main() {
  char want[32];
  std::snprintf(want, sizeof want, "%d.%d.%d", MPTCP_LIB_VERSION_MAJOR,
                MPTCP_LIB_VERSION_MINOR, MPTCP_LIB_VERSION_PATCH);
  const char *got = mptcp_version_string();
  if (got == NULL || std::strcmp(got, want) != 0) {
    std::fprintf(stderr, "mptcp_version_string: got %s, want %s\n",
                 got ? got : "(null)", want);
    return 1;
  }
  const char *e = mptcp_strerror(MPTCP_ERR_TRUNCATED);
  if (e == NULL || std::strcmp(e, mptcp_strerror(12345)) == 0) {
    std::fprintf(stderr, "mptcp_strerror does not know MPTCP_ERR_TRUNCATED\n");
    return 1;
  }
  mptcp_subopt so;
  std::memset(&so, 0, sizeof so);
  so.subtype = MPTCP_SUB_PRIO;
  so.u.prio.backup = 1;
  uint8_t buf[MPTCP_TCP_OPT_MAX];
  mptcp_ssize n = mptcp_subopt_write(&so, MPTCP_PREFER_PROXY_DEFAULT_SUBTYPE,
                                     buf, sizeof buf);
  if (n != MPTCP_LEN_PRIO || buf[0] != MPTCP_TCPOPT_KIND) {
    std::fprintf(stderr, "mptcp_subopt_write(MP_PRIO) returned %ld\n",
                 static_cast<long>(n));
    return 1;
  }
  std::printf("C++: libmptcp %s, MP_PRIO written in %ld bytes\n", got,
              static_cast<long>(n));
  return 0;
}
