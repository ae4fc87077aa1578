/*
 * Simulator: one transfer between two stacks of ours over sim_net
 * (test_sim.c runs it): connect, send a pattern each way, close, check
 * every byte, the events and the allocator.
 * SPDX-License-Identifier: MIT
 */
#ifndef SIM_XFER_H
#define SIM_XFER_H

#include "net.h"

typedef struct xfer_params {
  const char *name; /* for messages and pcap file names */
  uint64_t seed;
  uint64_t bytes[2];   /* A sends bytes[0] to B, B sends bytes[1] to A */
  size_t wchunk[2];    /* largest write per call */
  size_t rchunk[2];    /* read buffer size */
  mptcp_settings s[2]; /* stack settings (rand/log hooks are set here) */
  unsigned conn_path;  /* the connection uses this path's addresses */
  int join;            /* A joins every other path once connected */
  int listen_any;      /* B listens on any address (else conn_path's) */
  unsigned announce;   /* B announces path[announce].b once accepted (0:
                          none) */
  int pcap_on_failure; /* write the pcaps if the run fails */
  /* Bytes side d may read that differ from what the other sent (a
   * middlebox's rewrite taken as TCP takes it, RFC 8684 §3.7). */
  uint64_t differ_ok[2];
  sim_net_cfg net;
} xfer_params;

typedef struct xfer_result {
  int ok;
  mptcp_tstamp end_time;
  uint64_t steps, pkts;
  uint64_t retransmits;
  uint64_t path_pkts[SIM_NET_MAX_PATHS]; /* submitted to the path's links */
  /* At the end of the run, before the stacks go: */
  mptcp_counters ctr[2];   /* A's and B's counters */
  mptcp_conn_info info[2]; /* A's and B's connection (zero: none) */
  uint64_t path_bytes[SIM_NET_MAX_PATHS]; /* delivered both ways */
  /* The most data segments A wrote onto one path at one instant after the
   * first second (recorded runs only): how bursty its sending is. */
  uint64_t max_burst;
  /* B's segments dropped for want of room for their DSS mapping, or in
   * its reassembly range sets. */
  uint64_t maps_full, ofo_drop;
  uint64_t differ[2]; /* bytes side d read that differ (differ_ok) */
} xfer_result;

/* Runs one transfer. @p net is caller storage (it is large). */
xfer_result run_xfer(const xfer_params *p, sim_net *net);
/* One clean path 10.0.1.1 - 10.0.2.1 (more with MPTCP_SIM_PATHS), MPTCP as
 * MPTCP_SIM_MPTCP says, nothing to send yet, record on. */
void base_params(xfer_params *p, const char *name, uint64_t seed);
void addr4(mptcp_ipaddr *a, uint8_t b0, uint8_t b1, uint8_t b2, uint8_t b3);
sim_net *new_net(void);
/* The integer in environment variable @p name, or @p dflt. */
int env_int(const char *name, long long dflt);

#include <check.h>
/* The middlebox cases (test_mbox.c). */
TCase *sim_mbox_tcase(void);

#endif
