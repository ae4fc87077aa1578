/*
 * Simulator: two mptcp_stacks (A and B) joined by up to SIM_NET_MAX_PATHS
 * paths, each a pair of sim_links (A->B, B->A), on a virtual clock.
 *
 * The caller creates both stacks (settings, allocator, rand hook are its
 * business), hands them to sim_net_init(), opens connections at
 * sim_net_now() and then calls sim_net_run() with a scenario callback that
 * receives every drained event of either stack. Each step:
 *   1. every link delivers what has arrived by `now` (mptcp_stack_read_pkt on
 *      the receiving stack), path by path, A->B before B->A;
 *   2. each stack whose deadline has come runs mptcp_stack_handle_expiry();
 *   3. both stacks' write_pkt() output is routed into the links and their
 *      events are handed to the callback, repeatedly until neither produces
 *      anything (the callback may read, write, shut down, connect);
 *   4. the clock jumps to min(both deadlines, earliest link arrival).
 * A packet from A goes onto the path whose A-side address is its source and
 * B-side address its destination (the other way round for B); a packet that
 * matches no path is dropped and counted in `unroutable`. A path with `via`
 * set uses another path's links, so flows of different address pairs (an
 * MPTCP connection's subflows and a plain TCP connection, say) compete in
 * one queue. The path's middlebox, if any, sees a packet first (and may
 * rewrite or drop it).
 *
 * The run stops when the callback returns 1 (done, sim_net_run returns 0) or
 * fails with a message in sim_net_error(): callback failure, nothing left to
 * do (deadlock), step limit, virtual-time limit, a timer that keeps firing
 * without time moving, a fatal stack error.
 *
 * With `record` set, every packet is kept (written by a stack: SIM_REC_TX,
 * before any middlebox; handed to a stack: SIM_REC_RX) so sim_net_write_pcap()
 * can dump the run.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include "link.h"

#include <mptcp/mptcp.h>

#define SIM_NET_MAX_PATHS 8
#define SIM_A 0
#define SIM_B 1
#define SIM_AB 0 /* link direction A->B */
#define SIM_BA 1

#define SIM_REC_TX 0x1
#define SIM_REC_RX 0x2

/* A middlebox on a path (e.g. mbox.h): sees each packet a stack hands to
 * the path, direction @p dir (SIM_AB / SIM_BA), before its link; may
 * rewrite it in place (same length). Returns 0 to drop it. */
typedef int (*sim_mbox_fn)(void *ud, int dir, uint8_t *pkt, size_t len,
                           mptcp_tstamp now);

typedef struct sim_path_cfg {
  mptcp_ipaddr a, b; /* A-side and B-side address */
  sim_link_cfg ab, ba;
  /* 0: the path has its own links (ab, ba). k >= 1: its packets go through
   * path k-1's links instead (whose cfg applies; ab/ba here are unused),
   * so several address pairs share one queue: a shared bottleneck. */
  unsigned via;
  sim_mbox_fn mbox; /* NULL: none */
  void *mbox_ud;
} sim_path_cfg;

typedef struct sim_net_cfg {
  unsigned npaths;
  sim_path_cfg path[SIM_NET_MAX_PATHS];
  uint64_t seed;           /* each link's PRNG is derived from it */
  uint64_t max_steps;      /* 0: 5,000,000 */
  mptcp_tstamp max_time;   /* virtual µs; 0: 3,600 s */
  mptcp_tstamp start_time; /* the clock's first value */
  int record;              /* keep every packet for sim_net_write_pcap() */
  size_t snaplen;          /* bytes kept per recorded packet; 0 = all */
} sim_net_cfg;

typedef struct sim_net sim_net;

/* Scenario callback: @p side is SIM_A or SIM_B. Returns 0 to go on, 1 when
 * the scenario is complete, -1 on failure (after sim_net_fail()). */
typedef int (*sim_event_fn)(sim_net *net, int side, const mptcp_event *ev,
                            void *user);

typedef struct sim_rec {
  mptcp_tstamp t;
  uint8_t dir;  /* SIM_REC_TX or SIM_REC_RX */
  uint8_t side; /* the stack that wrote / received it */
  uint8_t path;
  size_t len, caplen;
  size_t off; /* into rec_data */
} sim_rec;

typedef struct sim_net_stats {
  uint64_t steps;
  uint64_t pkts_out[2];   /* written by stack A / B */
  uint64_t pkts_in[2];    /* handed to stack A / B */
  uint64_t not_mine[2];   /* read_pkt said MPTCP_RX_NOT_MINE */
  uint64_t unroutable[2]; /* written by A / B but matching no path */
  uint64_t mbox_drop[2];  /* written by A / B, dropped by a middlebox */
  uint64_t expiries[2];   /* handle_expiry calls */
  uint64_t events[2];
} sim_net_stats;

struct sim_net {
  sim_net_cfg cfg;
  mptcp_stack *st[2];
  sim_link link[SIM_NET_MAX_PATHS][2];
  mptcp_tstamp now;
  sim_net_stats stats;
  char err[512];
  int failed;
  /* recording */
  sim_rec *rec;
  size_t n_rec, cap_rec;
  uint8_t *rec_data;
  size_t rec_len, rec_cap;
  uint8_t buf[65536];
};

/* Sets up the links. The stacks stay the caller's (sim_net_free does not
 * delete them). @return 0, or -1 (bad config: no paths or too many, a
 * `via` to a missing path or to a path that is itself a `via`). */
int sim_net_init(sim_net *net, const sim_net_cfg *cfg, mptcp_stack *a,
                 mptcp_stack *b);
/* Frees the links and the recording. */
void sim_net_free(sim_net *net);

mptcp_tstamp sim_net_now(const sim_net *net);
/* Link @p dir (SIM_AB / SIM_BA) of path @p path. */
sim_link *sim_net_link(sim_net *net, unsigned path, int dir);

/* Runs until the callback returns 1 (0 returned) or something fails (-1,
 * message in sim_net_error()). */
int sim_net_run(sim_net *net, sim_event_fn fn, void *user);
/* The same, but also stops when the clock would pass @p until: the clock
 * is then set to @p until and 1 is returned, so the caller can sample or
 * act at that instant (write, connect, change a link) and call again. */
int sim_net_run_until(sim_net *net, sim_event_fn fn, void *user,
                      mptcp_tstamp until);

/* Records a failure (printf-style); the run stops at the next check. */
void sim_net_fail(sim_net *net, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
const char *sim_net_error(const sim_net *net);

/* Writes the recorded packets of kinds @p which (SIM_REC_TX and/or
 * SIM_REC_RX) to a DLT_RAW pcap at @p path. @return 0 or -1. */
int sim_net_write_pcap(const sim_net *net, const char *path, int which);

/* Appends a multi-line summary (clock, steps, per-link counters). */
void sim_net_format_stats(const sim_net *net, char *buf, size_t cap);

/* Source and destination address of an IPv4/IPv6 packet. @return 0 or -1. */
int sim_ip_addrs(const uint8_t *pkt, size_t len, mptcp_ipaddr *src,
                 mptcp_ipaddr *dst);

#endif
