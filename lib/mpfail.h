/* MP_FAIL and the infinite mapping on a connection with one subflow
 * (RFC 8684 §3.7, RFC 6824 §3.6). With several subflows a checksum
 * failure resets the subflow with MP_FAIL instead (subflow.c).
 *
 * The receiver that finds a bad DSS checksum sends MP_FAIL on its pure
 * ACKs (not a RST) with the DSN from which it stopped trusting data,
 * delivers nothing from there on and waits for an infinite mapping. The
 * sender answers with one MP_FAIL of its own (§3.7: both directions
 * revert), lets the old mappings drain (every byte it sent acknowledged
 * at subflow level), then falls back: its send ring restarts at the
 * DATA_ACK, so the bytes the receiver threw away go again, and the first
 * new segment carries a DSS with DLL 0 mapping the subflow's next byte to
 * that DSN. Both sides then run plain TCP on the subflow, like Linux.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_MPFAIL_H
#define MPTCP_MPFAIL_H

#include <mptcp/codec.h>

#include "dss.h"

struct mptcp_subflow;
struct mptcp_conn;

/* mptcp_conn.fail */
enum {
  MPFAIL_NONE = 0,
  MPFAIL_SENT, /* we found a bad checksum, wait for an infinite mapping */
  MPFAIL_RCVD  /* the peer did: we owe it an infinite mapping */
};

/* A mapping's DSS checksum failed on the subflow. Returns 0 when the
 * single-path procedure takes it (MP_FAIL on ACKs), 1 when its bytes are
 * taken as they are (the peer's MP_FAIL came first: we revert to TCP),
 * -1 when the subflow must be reset with MP_FAIL (several subflows). */
int mptcp_fail_csum(struct mptcp_subflow *sf, const mptcp_rxmap *m);
/* After received data: a failure just found starts the wait for the
 * infinite mapping (c->fail_at). */
void mptcp_fail_arm(struct mptcp_subflow *sf, mptcp_tstamp now);
/* c->fail_at came: the peer's possible report is probed, or a crossing
 * falls back; at the end of the wait, no infinite mapping arrived and
 * the connection is reset with MP_FAIL (MPFailTimeout, MPTCP_EV_TIMEOUT). */
void mptcp_fail_timer(struct mptcp_conn *c, mptcp_tstamp now);
/* An MP_FAIL on a segment that is not a RST. Sets sf->broken when the
 * subflow must be reset (our FIN is out: the data cannot come again).
 * After ours, it is the peer's answer or its own report crossing ours:
 * told apart over time (mpfail.c, fail_from_peer). */
void mptcp_fail_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o,
                   mptcp_tstamp now);
/* 1 if a pure ACK now carries MP_FAIL, and the DSN it names. */
int mptcp_fail_due(const struct mptcp_subflow *sf);
uint64_t mptcp_fail_dsn(const struct mptcp_subflow *sf);
/* A pure ACK with MP_FAIL went out. */
void mptcp_fail_sent(struct mptcp_subflow *sf);
/* Before output: once everything sent under the old mappings is
 * acknowledged and there is something to send, fall back and owe the
 * infinite mapping. */
void mptcp_fail_switch(struct mptcp_subflow *sf);

/* The window we announce while we wait for the peer's infinite mapping:
 * at least the bytes we hold since the failure plus one segment, so that
 * a sender whose window counts from our frozen DATA_ACK (Linux) has room
 * for the new segment that must carry its mapping (KQ4). */
uint32_t mptcp_fail_rcv_space(const struct mptcp_subflow *sf, uint32_t space);
/* The MSS our SYN or SYN/ACK announces: with DSS checksums it leaves room
 * for a DSS, which Linux's segment carrying its infinite mapping adds to a
 * full-sized segment (KQ4). */
uint16_t mptcp_fail_syn_mss(const struct mptcp_subflow *sf, int synack,
                            uint16_t mss);

/* While we wait for the infinite mapping: a mapping of held bytes is
 * complete; they can be taken retroactively only if it continues the
 * failed one in both sequence spaces. */
void mptcp_fail_held_map(struct mptcp_subflow *sf, const mptcp_rxmap *m);
/* A segment without DSS while we wait for the infinite mapping: after
 * the peer's own MP_FAIL, in-order data (or FIN) that no mapping covers
 * means the peer reverted to TCP; taken as its infinite mapping at our
 * DATA_ACK (counted InfiniteMapImplicit), or the subflow is reset
 * (InfiniteMapBadDsn) when the held bytes cannot be taken. */
void mptcp_fail_nodss_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                         const mptcp_tcpopts *o, mptcp_tstamp now);
/* A DSS mapping with DLL 0 arrived on an acceptable segment. Falls back
 * when it continues the data where we stand; sets sf->broken (counted)
 * when it cannot be honoured. */
void mptcp_infmap_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                     const mptcp_dss *d);
/* 1 if the segment [seq, seq + len) (+FIN) must carry our infinite
 * mapping: it starts at or after its first byte, not yet acknowledged. */
int mptcp_infmap_due(struct mptcp_subflow *sf, uint32_t seq, uint32_t len,
                     uint8_t flags);
/* A segment with the infinite mapping went out (counted once). */
void mptcp_infmap_sent(struct mptcp_subflow *sf);

#endif
