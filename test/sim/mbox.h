/*
 * Simulator: a middlebox for one path (a sim_mbox_fn, net.h). It does what
 * broken or meddling boxes on the Internet do to MPTCP (RFC 8684 §3.7,
 * Appendix of middlebox cases) and counts what it did:
 *   - strips the MPTCP options (overwrites them with NOPs, as some boxes
 *     do, and fixes the TCP checksum) of the SYN, of the SYN/ACK, or of
 *     SYNs that carry MP_JOIN;
 *   - rewrites one payload byte (checksum fixed, so only the DSS checksum
 *     can tell) of a number of data segments, once some payload went by;
 *   - drops the first N segments that carry an ADD_ADDR (not its echo).
 * Packets it cannot parse pass untouched.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SIM_MBOX_H
#define SIM_MBOX_H

#include <mptcp/mptcp.h>
#include <stddef.h>
#include <stdint.h>

/* sim_mbox.strip */
#define SIM_MBOX_SYN 0x1u      /* a SYN without MP_JOIN */
#define SIM_MBOX_SYNACK 0x2u   /* a SYN/ACK */
#define SIM_MBOX_JOIN_SYN 0x4u /* a SYN with MP_JOIN */

typedef struct sim_mbox {
  /* What it does. */
  unsigned strip;         /* SIM_MBOX_*: whose MPTCP options go */
  unsigned rewrite;       /* data segments to rewrite a byte of */
  uint64_t rewrite_after; /* payload bytes to let pass first */
  int rewrite_each_way;   /* rewrite that many each way, not in all */
  unsigned drop_add_addr; /* ADD_ADDRs to drop (the first ones) */
  /* What it saw and did. */
  uint64_t payload_seen;
  unsigned stripped, rewritten, dropped;
  unsigned rewritten_way[2];  /* by direction (SIM_AB, SIM_BA) */
  unsigned add_addrs, echoes; /* ADD_ADDRs passed / dropped, and echoes */
  unsigned fail_rsts;         /* RSTs carrying MP_FAIL */
} sim_mbox;

/* The sim_mbox_fn: @p ud is a sim_mbox. */
int sim_mbox_filter(void *ud, int dir, uint8_t *pkt, size_t len,
                    mptcp_tstamp now);

#endif
