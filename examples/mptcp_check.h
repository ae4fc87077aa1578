/* mptcp-pcap --check: verifies what a capture of MPTCP traffic can prove
 * (tokens, IDSNs, MP_JOIN and ADD_ADDR HMACs, DSS checksums, TCP and IPv4
 * checksums). Fed one packet at a time in capture order; the DSS checksums
 * are computed at the end, once every subflow's payload has been collected.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_CHECK_H
#define MPTCP_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include <mptcp/codec.h>

/* What a verdict is about. */
enum mchk_kind {
  MCHK_IP_CSUM,       /* IPv4 header checksum */
  MCHK_TCP_CSUM,      /* TCP checksum */
  MCHK_PKT,           /* IP/TCP headers well formed */
  MCHK_OPTS,          /* TCP/MPTCP options well formed */
  MCHK_KEY,           /* every copy of an MP_CAPABLE key agrees */
  MCHK_TOKEN,         /* MP_JOIN SYN token names a known connection */
  MCHK_IDSN,          /* IDSN consistent with the DSNs/Data ACKs seen */
  MCHK_JOIN_HMAC,     /* MP_JOIN SYN/ACK and third-ACK HMACs */
  MCHK_ADD_ADDR_HMAC, /* ADD_ADDR HMAC (v1) */
  MCHK_FASTCLOSE_KEY, /* MP_FASTCLOSE carries the receiver's key */
  MCHK_DSS_CSUM,      /* DSS (and MP_CAPABLE-with-data) checksums */
  MCHK_DSS_PRESENCE,  /* checksum field present iff negotiated */
  MCHK_RETRANS,       /* retransmitted payload equals the first copy */
  MCHK_KIND_COUNT
};

typedef struct mchk mchk;

/** A checker writing its verdicts to @p out; @p verbose also lists every
 *  item that could not be checked. NULL on allocation failure. */
mchk *mchk_new(FILE *out, int verbose);
void mchk_free(mchk *c);

/** One captured frame whose IP header starts at @p ip (@p caplen bytes
 *  captured of an IP packet that was @p wirelen bytes on the wire). */
void mchk_frame(mchk *c, unsigned long frame, const uint8_t *ip,
                size_t caplen, size_t wirelen);

/** The frame's IP/TCP headers could not be decoded (@p err from
 *  mptcp_pkt_parse()): a failure unless the snap length explains it. */
void mchk_bad_packet(mchk *c, unsigned long frame, int err, int snapped);

/** The same frame, decoded (called after mchk_frame() for TCP segments that
 *  parsed; @p complete is 0 when the payload was cut by the snap length). */
void mchk_segment(mchk *c, unsigned long frame, const mptcp_pkt *pkt,
                  const mptcp_tcpopts *opts, int complete);

/** Runs the deferred checks, prints the summary.
 *  @return the number of invalid items (0 = everything checked is valid). */
unsigned long mchk_finish(mchk *c);

#endif
