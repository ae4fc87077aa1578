/* Two stacks of ours wired back to back in memory, for MPTCP tests: A
 * (client, 10.0.0.1 and more addresses) connects to B (listening on
 * 10.0.0.2:80); every packet one writes is read by the other, unless a
 * filter drops or rewrites it (lossy links, middleboxes, blackouts).
 * SPDX-License-Identifier: MIT */
#ifndef TEST_MPAIR_H
#define TEST_MPAIR_H

#include <mptcp/mptcp.h>
#include <stddef.h>

typedef struct pair pair;

/* Looks at (and may rewrite) a packet from A (from_a = 1) or B; returns
 * 0 to drop it. */
typedef int (*pair_filter)(pair *p, int from_a, uint8_t *buf, size_t n);
/* One-way delay of a packet in µs (0: delivered at once). */
typedef mptcp_tstamp (*pair_delay_fn)(pair *p, int from_a, const uint8_t *buf,
                                      size_t n);

/* A packet on its way (pair.delay). */
typedef struct pair_pkt {
  mptcp_tstamp at;
  int to_b;
  size_t n;
  uint8_t b[1500];
} pair_pkt;

struct pair {
  mptcp_stack *a, *b;
  mptcp_conn *ca, *cb;
  mptcp_tstamp now;
  uint64_t seed;
  int drop_every;  /* drop every Nth packet (0: none) */
  int corrupt_nth; /* rewrite a payload byte of A's Nth data packet, TCP
                      checksum fixed up (a payload-modifying middlebox) */
  int data_pkts;
  int drop_first_a; /* drop A's first N packets (its SYNs) */
  int a_pkts;
  unsigned long pkts;
  pair_filter filter;
  pair_delay_fn delay; /* NULL: every packet arrives at once */
  pair_pkt *wire;      /* packets in flight, in the order sent */
  size_t n_wire, cap_wire;
  void *ud;
  uint32_t ev_a, ev_b; /* every event seen on A's and B's connection */
  /* Bytes pair_transfer expects to differ from the source, A -> B and
   * B -> A (rewritten bytes taken as TCP takes them; default 0). */
  size_t diff_ab, diff_ba;
};

extern const mptcp_addr pair_addr_a, pair_addr_b;
/* A's second address (port 0: ephemeral), for a second path. */
extern const mptcp_addr pair_addr_a2;

/* Test settings: deterministic randomness, 64 KB buffers, a log to stderr
 * when MPTCP_TEST_LOG is set. */
void pair_settings(mptcp_settings *s);
/* Stacks with settings sa and sb, B listening, A's connect sent. */
void pair_init(pair *p, const mptcp_settings *sa, const mptcp_settings *sb);
/* pair_init() with pair_settings() on both sides but for the built-in
 * path managers (enum mptcp_pm_policy). */
void pair_init_pm(pair *p, uint8_t pm_a, uint8_t pm_b);
void pair_fini(pair *p);
/* Moves packets both ways until neither stack has anything to send;
 * returns 1 if any moved. */
int pair_pump(pair *p);
/* pair_pump, or when nothing moves, moves the clock to the earliest timer
 * or packet arrival and runs the timers. */
void pair_step(pair *p);
/* One step that does not go past @p until: moves packets, or advances to
 * the earliest timer or delayed arrival due by then; 0 (time set to
 * @p until) when there is neither. */
int pair_tick(pair *p, mptcp_tstamp until);
/* Runs the pair until @p cond holds or @p us of virtual time passed. */
#define PAIR_RUN_UNTIL(p, cond, us)                                            \
  do {                                                                         \
    mptcp_tstamp dl_ = (p)->now + (us);                                        \
    long r_ = 0;                                                               \
    while (!(cond) && pair_tick((p), dl_))                                     \
      ck_assert_msg(++r_ < 1000000, "spinning");                               \
  } while (0)
/* The pair connected, A's key confirmed (a byte went A -> B), B's
 * connection known: joins can start. */
void pair_connected(pair *p);
/* Subflow i's info; fails the test if there is none. */
mptcp_subflow_info pair_sfi(mptcp_conn *c, size_t i);
/* Sends @p n bytes one way (A -> B when @p from_a) and checks each on
 * arrival; the connection stays open. */
void pair_push(pair *p, int from_a, size_t n);
/* Runs packets and timers until the clock reaches @p t. */
void pair_run_until(pair *p, mptcp_tstamp t);
/* The pair connected with MPTCP (stepping until B accepted), and A's
 * second subflow from pair_addr_a2 asked for (MPTCP_SUBFLOW_* flags). */
void pair_two_paths(pair *p, uint32_t flags);
/* Is the packet on the second path (from or to pair_addr_a2)? */
int pair_on_path2(const uint8_t *b, size_t n);
/* Sends n bytes each way at once, half-closes both sides, checks every
 * byte (all equal but for diff_ab/diff_ba) and the end of both streams. */
void pair_transfer(pair *p, size_t n);
/* Counter @p name of stack @p st (fails the test for an unknown name). */
uint64_t pair_counter(mptcp_stack *st, const char *name);
/* Flips a payload byte and repairs the TCP checksum: only the DSS
 * checksum can tell. */
void pair_corrupt(uint8_t *b, size_t n);
/* Recomputes the TCP checksum of a packet after a rewrite. */
void pair_fix_csum(uint8_t *b, size_t n);
/* The first MPTCP option of @p subtype in the packet: its offset and
 * length (kind, length, subtype ... as on the wire), or 0. */
size_t pair_find_mptcp(const uint8_t *b, size_t n, int subtype, size_t *len);

#endif
