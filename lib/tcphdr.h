/* Decoding of a TCP header into mptcp_pkt's TCP fields, inline: shared by
 * the packet codec (pkt.c) and the stack's header prediction for segments
 * of a train (tcp_in.c), which decodes without a call.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_TCPHDR_H
#define MPTCP_TCPHDR_H

#include <mptcp/codec.h>
#include "wire.h"

/* The data offset of the tlen bytes at t: 0, or why they are no segment. */
static inline int mptcp_tcp_doff(const uint8_t *t, size_t tlen, size_t *doff) {
  if (tlen < MPTCP_TCP_HDR_LEN) return MPTCP_ERR_TRUNCATED;
  *doff = (size_t)(t[12] >> 4) * 4;
  if (*doff < MPTCP_TCP_HDR_LEN) return MPTCP_ERR_MALFORMED;
  if (*doff > tlen) return MPTCP_ERR_TRUNCATED;
  return 0;
}

/* out's TCP fields, sport to tcp_len, from a segment with data offset
 * doff (checked by mptcp_tcp_doff). */
static inline void mptcp_tcp_fields(const uint8_t *t, size_t tlen, size_t doff,
                                    mptcp_pkt *out) {
  out->sport = mptcp_get16(t);
  out->dport = mptcp_get16(t + 2);
  out->seq = mptcp_get32(t + 4);
  out->ack = mptcp_get32(t + 8);
  out->tcp_res = t[12] & 0x0f;
  out->tcp_flags = t[13];
  out->window = mptcp_get16(t + 14);
  out->tcp_csum = mptcp_get16(t + 16);
  out->urg_ptr = mptcp_get16(t + 18);
  out->opts = t + MPTCP_TCP_HDR_LEN;
  out->opts_len = doff - MPTCP_TCP_HDR_LEN;
  out->payload = t + doff;
  out->payload_len = tlen - doff;
  out->tcp = t;
  out->tcp_len = tlen;
}

#endif
