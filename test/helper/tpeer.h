/* Scripted peer for packet-trace tests of one stack: feed a segment at a
 * time, assert the exact segments the stack emits, then that nothing else
 * goes out (smoltcp's send!/recv!, lwIP's tcp_helper, ngtcp2's tpe).
 * SPDX-License-Identifier: MIT */
#ifndef TPEER_H
#define TPEER_H

#include <mptcp/mptcp.h>

#include "tcheck.h"

/* A segment as the test writes or expects it. Options are compared only
 * when the expectation asks for them (fields >= 0 / flags set). */
typedef struct tseg {
  uint32_t seq, ack;
  uint8_t flags;
  int32_t win; /* -1: do not check (expect), 65535 default (send) */
  const uint8_t *data;
  uint32_t len;
  int32_t mss;           /* -1: absent / do not check */
  int32_t ws;            /* -1: absent / do not check */
  int8_t sack_perm;      /* -1: do not check; 0/1 */
  int8_t ts;             /* -1: do not check; 0 absent; 1 present */
  uint32_t tsval, tsecr; /* sent when ts == 1; checked if check_ts */
  int8_t check_tsecr;
  uint8_t nsack; /* SACK blocks to send / expect (exact) */
  int8_t check_sack;
  uint32_t sack[4][2];
  /* MPTCP suboptions: sent as given (after the TCP options); a received
   * segment's first four are copied here (tpeer_expect ignores them). */
  uint8_t n_mptcp;
  mptcp_subopt mptcp[4];
  /* Send: from and to these instead of them -> us (NULL: those). */
  const mptcp_addr *from, *to;
  /* Received: its addresses and every option (parsed as MPTCP v1; opts
   * is valid until the next tpeer_recv, as data is). */
  mptcp_addr src, dst;
  const mptcp_tcpopts *opts;
} tseg;

/* A template with nothing to check but what the test fills in. */
tseg tseg_make(uint32_t seq, uint32_t ack, uint8_t flags);

typedef struct tpeer {
  mptcp_stack *st;
  mptcp_addr us, them; /* the stack's and the scripted peer's address */
  mptcp_tstamp now;
  mptcp_settings s;
  mptcp_mem mem;
  size_t live_bytes, live_blocks; /* counting allocator */
  uint64_t rng;
  mptcp_conn *conn; /* the connection under test */
  uint32_t iss;     /* the stack's ISS, learned from its SYN/SYN-ACK */
  int any_tuple;    /* segments may use other addresses than us/them */
} tpeer;

/* Creates the stack with settings `s` (NULL: defaults with timestamps and
 * SACK off, 100-byte buffers turned into 64 KiB). IPv4 10.0.0.1 (us) and
 * 10.0.0.2 (them), or IPv6 with v6 = 1. */
void tpeer_init(tpeer *p, const mptcp_settings *s, int v6);
/* Deletes the stack and asserts every allocated byte came back. */
void tpeer_fini(tpeer *p);

/* Feeds `seg` from them to us at p->now. Returns read_pkt's result. */
int tpeer_send(tpeer *p, const tseg *seg);
/* The packet tpeer_send() would feed, built into pkt; returns its length. */
size_t tpeer_build(tpeer *p, const tseg *seg, uint8_t *pkt, size_t cap);
/* As tpeer_send(), with byte `at` of the IP packet xored with `mask`
 * after the checksums were computed. */
int tpeer_send_corrupt(tpeer *p, const tseg *seg, size_t at, uint8_t mask);
/* Pulls the next packet the stack emits into `got`; 0 if none. */
int tpeer_recv(tpeer *p, tseg *got);
/* Asserts the next emitted segment matches `want` (seq, ack, flags,
 * payload length, and the options/window it asks to check). */
#define tpeer_expect(p, want) tpeer_expect_at(__FILE__, __LINE__, (p), (want))
void tpeer_expect_at(const char *file, int line, tpeer *p, const tseg *want);
/* Asserts the stack has nothing to send. */
#define tpeer_expect_none(p) tpeer_expect_none_at(__FILE__, __LINE__, (p))
void tpeer_expect_none_at(const char *file, int line, tpeer *p);
/* Moves time to `t` and runs the due timers. */
void tpeer_time(tpeer *p, mptcp_tstamp t);
/* The stack's next deadline. */
mptcp_tstamp tpeer_expiry(const tpeer *p);
/* The received segment's first MPTCP suboption of @p subtype (fails the
 * test when there is none, or it did not parse). */
const mptcp_subopt *tseg_mptcp(const tseg *got, int subtype);
/* The same, or NULL when there is none. */
const mptcp_subopt *tseg_mptcp_opt(const tseg *got, int subtype);

/* Drains events; returns the OR of the bits for p->conn (and adopts an
 * accepted connection as p->conn). */
uint32_t tpeer_events(tpeer *p);
/* A stack counter by name. */
uint64_t tpeer_counter(const tpeer *p, const char *name);

/* The settings tpeer_init(p, NULL, ..) uses: defaults with SACK and
 * timestamps off and 64 KiB buffers. Tests start from these. */
void tpeer_default_settings(mptcp_settings *s);
/* Active open from p->us to p->them; returns the SYN the stack sent and
 * stores its sequence number in p->iss. */
tseg tpeer_connect(tpeer *p, const mptcp_conn_opts *o);

/* The peer's MPTCP key in tpeer_open_with(). */
#define TPEER_KEY 0x1122334455667788ull
/* An MP_CAPABLE (v1, HMAC-SHA256) of @p form with the keys given. */
mptcp_subopt tsub_mpc(uint8_t form, int csum, uint64_t snd_key,
                      uint64_t rcv_key);

/* tpeer_init(p, s, v6), then an active open up to the peer's SYN/ACK:
 * ISN 5000, MSS @p peer_mss, window scale @p ws (-1: none),
 * SACK-permitted when the settings ask for SACK, timestamps with TSval
 * @p tsval echoing the SYN's (0: none), and when they ask for MPTCP an
 * MP_CAPABLE with key TPEER_KEY (no DSS checksums). The stack's answer
 * is left for the test to read. Returns the stack's SYN (p->iss set). */
tseg tpeer_open_with(tpeer *p, const mptcp_settings *s, int v6,
                     uint16_t peer_mss, int32_t ws, uint32_t tsval);

/* Canned openings. The peer's ISN is `irs`; after them the stack's ISS is
 * in p->iss and the connection is ESTABLISHED. */
void tpeer_open_active(tpeer *p, uint32_t irs, uint16_t peer_mss);
void tpeer_open_passive(tpeer *p, uint32_t irs, uint16_t peer_mss);

#endif
