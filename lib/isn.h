/* Initial sequence numbers (RFC 6528): ISN = M + F(4-tuple, secret), with
 * M a 4 µs clock and F a keyed hash (SHA-256 in crypto.c).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_ISN_H
#define MPTCP_ISN_H

#include <mptcp/common.h>

uint32_t mptcp_isn(const uint8_t secret[16], const mptcp_ipaddr *laddr,
                   uint16_t lport, const mptcp_ipaddr *raddr, uint16_t rport,
                   mptcp_tstamp now);

#endif
