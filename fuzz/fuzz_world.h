/*
 * The world of the stateful fuzz targets (fuzz_stack, fuzz_mptcp): one
 * mptcp_stack with deterministic hooks (a counting allocator that fails on
 * demand, an xorshift rand, a packet-trace hook that counts), a virtual
 * clock, a scripted peer's addresses, and what both targets check the same
 * way: the generic validity of every packet the stack emits, the write_pkt
 * loop (NOBUF loses nothing), the timer contract, the app calls and the
 * counters at the end.
 *
 * A target embeds fuzz_world as the first member of its own world and
 * keeps what it knows about the protocol to itself.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_FUZZ_WORLD_H
#define MPTCP_FUZZ_WORLD_H

#include "fuzz.h"

#define FUZZ_OUT_CAP 4096   /* write_pkt's largest buffer */
#define FUZZ_DATA_CAP 32768 /* one app read or write at the most */

typedef struct fuzz_world {
  mptcp_stack *st;
  mptcp_settings s;
  mptcp_mem mem;
  size_t live_bytes, live_blocks;
  unsigned fail_skip, fail_count;
  unsigned n_refused; /* allocations refused so far */
  uint64_t rng;
  mptcp_tstamp now;
  int v6;
  mptcp_ipaddr us, alt, peer; /* the stack's addresses (.1, .9), the peer's */
  /* Further addresses of the peer's (fuzz_multipath); packets may go to
   * them too. */
  mptcp_ipaddr peer_more[4];
  unsigned n_peer_more;
  size_t out_cap;      /* write_pkt's buffer size (OUTBUF) */
  int trace;           /* print every packet and NOBUF */
  int lax_trace_nobuf; /* tolerate a trace hook call with NOBUF as length */
  uint64_t n_in, n_out, n_rst, n_trace_in, n_trace_out;
  uint64_t n_gso_extra; /* segments of super-segments beyond the first */
  uint32_t states;      /* bit per TCP state seen on a handle */
  /* Packets in are marked checksum-verified (MPTCP_PKT_DATA_VALID: taken
   * unverified with MPTCP_OFFLOAD_RX_CSUM in s.offload). */
  int rx_valid;
} fuzz_world;

/* Resets @p w and prepares the settings every target shares (defaults,
 * the hooks, short timers); the target adjusts them before
 * fuzz_world_start. Addresses: 10.0.0.{1,9,2}, or 2001:db8::{1,9,2}. */
void fuzz_world_init(fuzz_world *w, int v6);

/* mptcp_stack_new with w->s and the counting allocator; its return. On
 * failure nothing may stay allocated. */
int fuzz_world_start(fuzz_world *w);

/* After the last operation: the counters agree with the packets that went
 * in and out and the trace hook (PktIn, TcpOutSegs, TcpRstSent); @p c
 * gets them. */
void fuzz_world_check_counters(const fuzz_world *w, mptcp_counters *c);

/* Deletes the stack; every allocated byte must have come back. */
void fuzz_world_end(fuzz_world *w);

/* The address with last byte @p last in the world's family. */
void fuzz_mkaddr(int v6, mptcp_ipaddr *a, uint8_t last);

/* The app's send stream: byte at offset @p off. */
uint8_t fuzz_tx_byte(uint64_t off);

static inline int fuzz_seq_gt(uint32_t a, uint32_t b) {
  return (int32_t)(a - b) > 0;
}
static inline uint32_t fuzz_seq_max(uint32_t a, uint32_t b) {
  return fuzz_seq_gt(a, b) ? a : b;
}

/* A segment of the peer's, from @p from to @p to (see fuzz_write_seg). */
typedef struct fuzz_seg {
  mptcp_addr from, to;
  uint8_t flags, res; /* res: the reserved header bits */
  int corrupt;        /* a wrong TCP checksum */
  uint32_t seq, ack;
  uint16_t win;
  const uint8_t *opt, *pay;
  size_t opt_len, len;
} fuzz_seg;

/* Writes @p g as an IP packet into @p buf (@p cap bytes, room enough);
 * returns its length. */
size_t fuzz_write_seg(const fuzz_world *w, const fuzz_seg *g, uint8_t *buf,
                      size_t cap);

/* What the peer saw the stack send last on a connection (RSTs aside). */
typedef struct fuzz_seen {
  int have;                    /* anything yet */
  uint32_t seq, end, ack, max; /* of the last segment; max: highest */
  uint32_t tsval;              /* its timestamp, if ts */
  uint8_t ts;
} fuzz_seen;

/* Records segment @p k (options @p o) of the stack's in @p s. */
void fuzz_seen_update(fuzz_seen *s, const mptcp_pkt *k, const mptcp_tcpopts *o);

/* One packet into the stack (read_pkt must not fail otherwise). */
int fuzz_deliver(fuzz_world *w, const uint8_t *pkt, size_t len);

/* The checks every emitted packet passes, whatever the protocol: it parses
 * with checksums verified into @p k, in our IP version, from one of our
 * addresses to the peer as @p pi says; flags are sane; the option area
 * (parsed into @p o with the segment's context) has nothing malformed or
 * unknown, no TFO, SYN-only options on SYNs only, SACK blocks above the
 * ACK. Counts it (and RSTs). */
void fuzz_check_pkt(fuzz_world *w, const uint8_t *buf, size_t n,
                    const mptcp_pkt_info *pi, mptcp_pkt *k, mptcp_tcpopts *o);

/* The SACK blocks of @p k end within the receive buffer above its ACK. */
void fuzz_check_sack_room(const fuzz_world *w, const mptcp_pkt *k,
                          const mptcp_tcpopts *o);

/* The trace line of an emitted packet, without its newline. */
void fuzz_trace_out(const fuzz_world *w, const mptcp_pkt *k);

/* Calls write_pkt until it runs dry, passing each packet to @p check.
 * After NOBUF the largest buffer gets a packet ("nothing is lost") unless
 * @p lax_nobuf. */
typedef void (*fuzz_pkt_fn)(void *ud, const uint8_t *pkt, size_t n,
                            const mptcp_pkt_info *pi);
void fuzz_drain_pkts(fuzz_world *w, int lax_nobuf, fuzz_pkt_fn check, void *ud);

/* now = max(now, @p t), handle_expiry; the next expiry is later or NONE. */
void fuzz_time_to(fuzz_world *w, mptcp_tstamp t);

/* A target's part of running a program. */
typedef struct fuzz_driver {
  void (*op)(void *ud, uint8_t op, fuzz_reader *in); /* one operation */
  void (*drain)(void *ud);   /* write_pkt until dry, then the events */
  void (*observe)(void *ud); /* the handles' state after each operation */
  int max_ops;
} fuzz_driver;

/* Runs the program in @p in: each operation byte, then drain (unless its
 * bit 0x80 says "batch") and observe; at the end, with allocations
 * working again, a last drain and observe, and the counters are checked
 * (fuzz_world_check_counters) into @p c. */
void fuzz_world_run(fuzz_world *w, fuzz_reader *in, const fuzz_driver *d,
                    void *ud, mptcp_counters *c);

/* The operations both targets have under the same opcode: 3 TIME [m][v],
 * 4 EXPIRY, C FAIL [b], D OUTBUF [b] (see fuzz_stack.c). Returns 1 if
 * @p opcode (the low nibble) was one of them. */
int fuzz_world_op(fuzz_world *w, unsigned opcode, fuzz_reader *in);

/* The app's calls on @p c, sized l << (b >> 4 & 7) as the targets'
 * WRITE / READ / PEEK [b][l] say. @p tx / @p rd: the stream offsets so
 * far, advanced. @p check sees what was read or peeked with its stream
 * offset. */
typedef void (*fuzz_rx_fn)(void *ud, const uint8_t *d, size_t n, uint64_t off);
void fuzz_app_write(fuzz_world *w, mptcp_conn *c, uint8_t b, uint8_t l,
                    uint64_t *tx);
/* Returns what mptcp_conn_read returned. */
mptcp_ssize fuzz_app_read(fuzz_world *w, mptcp_conn *c, uint8_t b, uint8_t l,
                          uint64_t *rd, fuzz_rx_fn check, void *ud);
/* Peeks (checks the bytes against what is buffered), then consumes
 * l << ... bytes (0: what peeked). Returns the peeked length. */
size_t fuzz_app_peek(fuzz_world *w, mptcp_conn *c, uint8_t b, uint8_t l,
                     uint64_t *rd, fuzz_rx_fn check, void *ud);

/* conn_info of a handle: a state a handle can be in; recorded. */
void fuzz_observe(fuzz_world *w, mptcp_conn *c, mptcp_conn_info *ci);

/* The debug summary's common lines: the states seen, the counters. */
void fuzz_print_summary(const char *who, uint32_t states,
                        const mptcp_counters *ctr);

#endif
