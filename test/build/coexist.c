/*
 * Build test: <mptcp/mptcp.h> and the kernel's <linux/mptcp.h> in one
 * translation unit, in either order (-DLINUX_FIRST), under
 * -std=c11 -pedantic -Werror. An application that talks to Linux MPTCP
 * sockets and uses libmptcp's codecs includes both.
 * SPDX-License-Identifier: MIT
 */
#ifdef LINUX_FIRST
#include <linux/mptcp.h>
#include <mptcp/mptcp.h>
#else
#include <mptcp/mptcp.h>
#include <linux/mptcp.h>
#endif

/* Use a name from each side so neither include is a no-op. */
_Static_assert(MPTCP_TCPOPT_KIND == 30, "MPTCP option kind");
_Static_assert(sizeof(struct mptcp_info) > 0, "kernel header usable");

int coexist_probe(const mptcp_subopt *so);
int coexist_probe(const mptcp_subopt *so) {
  struct mptcp_info info = {0};
  return so->subtype + info.mptcpi_subflows;
}
