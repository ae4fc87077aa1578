/*
 * libmptcp - pluggable policy as const ops tables that see plain snapshot
 * structs, never a connection. This milestone has congestion control;
 * the coupled algorithms (LIA, OLIA, BALIA) and the schedulers plug in here
 * later without touching the TCP engine.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_OPS_H
#define MPTCP_OPS_H

#include <mptcp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of per-subflow state a CC may use (kept inline, no allocation). */
#define MPTCP_CC_STATE_MAX 64

/** What an ACK did, outside loss recovery. */
typedef struct mptcp_cc_ack {
  uint32_t acked;       /**< bytes newly acknowledged */
  uint32_t mss;         /**< current sender MSS */
  uint32_t inflight;    /**< bytes in flight before this ACK */
  uint32_t srtt_us;     /**< smoothed RTT (0 before the first sample) */
  uint8_t cwnd_limited; /**< the sender was limited by cwnd */
} mptcp_cc_ack;

/** A congestion signal. */
typedef struct mptcp_cc_loss {
  uint32_t inflight; /**< bytes in flight when the loss was detected */
  uint32_t mss;
  uint8_t timeout; /**< 1 = retransmission timeout, 0 = fast retransmit */
} mptcp_cc_loss;

/** One subflow as a coupled algorithm sees it. */
typedef struct mptcp_cc_sf {
  uint32_t cwnd; /**< bytes */
  uint32_t srtt_us;
  uint32_t mss;
} mptcp_cc_sf;

/** The coupled aggregate over a connection's subflows; NULL (or n == 1)
 *  for a plain TCP connection. */
typedef struct mptcp_cc_group {
  size_t n;
  const mptcp_cc_sf *sf;
} mptcp_cc_group;

/** Congestion-control algorithm. All callbacks are pure: they only touch
 *  their own state blob. Fixed-point arithmetic only (CPE CPUs may have
 *  no FPU). */
typedef struct mptcp_cc_ops {
  const char *name;
  size_t state_size; /**< <= MPTCP_CC_STATE_MAX */
  void (*init)(void *st, uint32_t mss, mptcp_tstamp now);
  void (*on_ack)(void *st, const mptcp_cc_ack *a, const mptcp_cc_group *g,
                 mptcp_tstamp now);
  /** Loss: set ssthresh; cwnd becomes ssthresh (fast retransmit) or one
   *  segment (timeout). */
  void (*on_loss)(void *st, const mptcp_cc_loss *l, const mptcp_cc_group *g,
                  mptcp_tstamp now);
  /** Loss recovery ended (RFC 6582 §3.2 step 3, RFC 6675 §5). */
  void (*on_recovery_end)(void *st, mptcp_tstamp now);
  uint32_t (*cwnd)(const void *st);     /**< bytes */
  uint32_t (*ssthresh)(const void *st); /**< bytes */
} mptcp_cc_ops;

/** NewReno (RFC 5681 slow start / congestion avoidance with appropriate
 *  byte counting, RFC 6582 recovery exit). */
MPTCP_API extern const mptcp_cc_ops mptcp_cc_reno;

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_OPS_H */
