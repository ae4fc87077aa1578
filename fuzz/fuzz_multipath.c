/*
 * fuzz_multipath: a stateful, structure-aware target for the multipath
 * parts of the stack (lib/join.c, lib/pm.c, lib/pm_fullmesh.c,
 * lib/conn_sched.c, lib/txq.c, lib/dsnq.c, the schedulers and coupled
 * congestion controllers), in the style of fuzz_mptcp, which covers the
 * initial subflow only.
 *
 * One stack (fuzz_world: deterministic rand, counting allocator that fails
 * on demand, small buffers, millisecond timers) listens on port 80 of any
 * address; a scripted MPTCP peer at 10.0.0.2:40000 (2001:db8::2 with IPv6)
 * connects with a correct v1 MP_CAPABLE handshake (real keys, no DSS
 * checksums). The peer has four addresses, .2 (ID 0) and .3 .. .5 (IDs
 * 1 .. 3), and may announce an address of the other family (ID 4), which
 * the stack must never use. The stack has .1 (the initial subflow's) and
 * .9, which the app may announce or register.
 *
 * The peer's payload is a pattern keyed by its DATA sequence number
 * (rx_byte(DSN)); the app's is fuzz_tx_byte(DSN - IDSN - 1). So whatever
 * subflow carries which copy of which bytes, every byte has one right
 * value, and both directions are checked byte by byte.
 *
 * Input: 4 header bytes, then operations until the input runs out.
 *   h0  sched = {minrtt, rr, redundant, blest, ecf}[(h0 & 7) % 5],
 *       cc = {reno, lia, olia, balia}[h0 >> 3 & 3],
 *       pm_policy = {none, join-announced, fullmesh, fullmesh}[h0 >> 5 & 3],
 *       bit7 IPv6
 *   h1  sndbuf = 4 KiB << (h1 & 3), rcvbuf = 4 KiB << (h1 >> 2 & 3),
 *       our MSS = {1460, 536, 1000, 200}[h1 >> 4 & 3], bit6 SACK,
 *       bit7 Nagle
 *   h2  the peer's key = mix(h2); the stack's comes from the rand hook
 *   h3  seeds the peer's nonces
 *
 *   Each operation: one byte, low nibble the opcode, bit 0x80 "do not drain
 *   afterwards". Subflow arguments [s] pick among the model's subflows
 *   (s % count, skipping those the operation cannot use).
 *     0 JOIN   [a][f]: the peer opens a subflow with MP_JOIN SYN from its
 *              address a & 3 to us (f & 1: to .9 instead of .1), port 80.
 *              f & 2 B flag, f & 4 a wrong token (the stack must refuse)
 *     1 DATA   [s][l][m]: payload of (l & 63) << 2 * (l >> 6) bytes (at
 *              most 1400) on a usable subflow s. m & 3: 0,1 new data,
 *              2 resend from the stack's DATA_ACK, 3 resend an older range;
 *              m >> 2 & 7 mapping: 0..3 right, 4 DSN shifted ahead (bytes
 *              still the pattern of the DSN it claims), 5 DLL shorter than
 *              the payload, 6 no DSS at all, 7 the bytes of another DSN
 *              (corrupt: the receive check goes off); m & 0x20 no
 *              DATA_ACK, m & 0x40 hold (kept for REPLAY, not delivered:
 *              reordering), m & 0x80 lost
 *     2 STEP   [s][f]: the next handshake step of subflow s: the third ACK
 *              of a join of the peer's (f & 1 forged HMAC), or the peer's
 *              answer to a join of the stack's (f & 3: 0,1 SYN/ACK, 2 the
 *              same with a forged HMAC, 3 RST: refused; f & 4 B flag); on
 *              an established subflow a pure ACK with a DATA_ACK (f & 8:
 *              a stale one)
 *     3 TIME   [m][v], 4 EXPIRY, C FAIL [b], D OUTBUF [b]: as fuzz_mptcp
 *     5 WRITE  [s][l], 6 READ [s][l]: the app (fuzz_app_write/read)
 *     7 ADDR   [k][x]: the peer's path manager, on a pure ACK of a usable
 *              subflow. k & 3: 0 ADD_ADDR of address x & 3 (0: the other
 *              family, ID 4), x & 4 with a port (40100 + ID), x & 8 a
 *              forged HMAC; 1 echo of the stack's last ADD_ADDR; 2
 *              REMOVE_ADDR of ID x % 5; 3 MP_PRIO backup = x >> 4 & 1 on
 *              subflow x & 15
 *     8 APPPM  [k][x]: the app's path manager. k & 7: 0 announce .9 (x & 1:
 *              with port 8080); 1 register .9 (x & 1 backup); 2 remove our
 *              address ID x & 7; 3 set_backup(x & 7, x >> 3 & 1); 4
 *              add_subflow from .1 or .9 (x & 1) to a peer address we
 *              know (x >> 1), x & 0x40 backup; 5 shutdown, 6 abort, 7
 *              release
 *     9 DFIN   [s][f]: the peer's DATA_FIN on subflow s; f & 1 MP_FASTCLOSE
 *              instead (f & 2: with a wrong key)
 *     A REPLAY [i]: resend the (i % n)th newest of the last 8 peer packets
 *              (held ones included; never the initial SYN, whose replay
 *              would open another connection): duplicates and reordering
 *     B RST    [s][r]: the peer resets subflow s (r & 1 with MP_TCPRST)
 *     E PATH   [s][b]: b & 1 black out subflow s (the peer neither sees
 *              the stack's packets on it nor sends there) or back on;
 *              b >> 1 & 7: the stack's next that many packets on s are lost
 *
 * Oracles (any violation aborts):
 *   - every emitted packet passes fuzz_check_pkt (valid, to one of the
 *     peer's addresses of the right family, from one of ours);
 *   - 4-tuples: a SYN of the stack's goes from one of our addresses to a
 *     peer address and port the stack may know (the initial one; one the
 *     peer announced with a right HMAC and did not withdraw; one the app
 *     named in add_subflow), carries MP_JOIN with the peer's token, and a
 *     new one never goes to a withdrawn address; every other packet
 *     belongs to a 4-tuple the peer opened or the stack's SYN did;
 *   - join HMACs: the stack's SYN/ACK (64 bits) and third ACK (160 bits)
 *     carry the right HMAC; no third ACK after a forged SYN/ACK; no data
 *     on a subflow of the peer's before a valid third ACK arrived (and
 *     never after a forged one arrived first); no data on a subflow of the
 *     stack's before the peer's ACK of its third ACK was delivered;
 *   - the stack's ADD_ADDR carries a right HMAC and one of our addresses;
 *     its echo names an address the peer announced; its MP_FASTCLOSE the
 *     peer's key, and only after the app aborted or released, or the peer
 *     misbehaved, reset or fast-closed, or an allocation failed;
 *   - the send stream: every mapping the stack sends, on whatever subflow
 *     (redundant copies and reinjections included), maps its bytes to DSNs
 *     whose byte is the app's byte there and which the app wrote; so the
 *     same DSN always carries the same byte; payload is always mapped
 *     (unless an infinite mapping was sent); its DATA_FIN sits right after
 *     the last byte written, only after shutdown;
 *   - backups (ops.h's contract): a subflow that is certainly a backup
 *     (the stack's own B flag or set_backup, or the peer's B flag on its
 *     join when it sent no MP_PRIO) carries no data above the highest DSN
 *     sent so far that the app wrote after a certainly regular subflow
 *     became certainly usable and stayed so (established and joined,
 *     never a backup in either direction, not possibly stalled (see
 *     below), no FIN or RST, its
 *     addresses not withdrawn; off after an allocation failure or a
 *     fallback);
 *   - the stack's DATA_ACKs never go backwards and, while the peer only
 *     sent right mappings, never exceed what it sent (+ 1 for DATA_FIN);
 *   - the receive stream: every byte the app reads is the peer's byte at
 *     that DSN (off after a corrupt mapping, an MP_FAIL, an infinite
 *     mapping or a fallback of the stack's); not past what the peer sent
 *     while its mappings were right; EOF only after the peer's DATA_FIN
 *     (or a misbehaviour), then nothing more;
 *   - the end: EV_CLOSED / RESET / TIMEOUT only for our handle, once, and
 *     CLOSED only after the app closed, the peer reset / fast-closed /
 *     misbehaved, an allocation failed or time went by (timeouts);
 *   - counters: PktIn / TcpOutSegs / TcpRstSent as fuzz_world checks; the
 *     MP_JOIN, ADD_ADDR and MP_PRIO receive counters bounded by what the
 *     peer delivered; no SYN/ACK HMAC failure without a forged one, no
 *     ADD_ADDR HMAC failure without a forged one; every allocated byte
 *     back after mptcp_stack_del.
 *
 * Model limitations (each makes an oracle weaker, never wrong):
 *   - liveness is not checked: a stalled transfer is no violation (the
 *     peer may stop answering at any time);
 *   - the peer's MP_PRIO makes a subflow's priority unknown to the backup
 *     oracle (it may be dropped with its segment); so does fallback;
 *     an RTO is not seen, so "not stalled" is approximated by "no
 *     retransmission and no passing of time with bytes unacknowledged
 *     since the peer last acknowledged everything";
 *   - the peer never resends subflow bytes the stack dropped (a full
 *     receive window): its later segments on that subflow may be dropped
 *     too, so they count as acknowledging (the stack's bytes, its third
 *     ACK) only when they start at the stack's latest ACK;
 *   - the peer never sends a subflow FIN, SACK blocks or timestamps, nor
 *     DSS checksums; MP_FAIL and infinite mappings of the stack's only
 *     switch the receive check off (single-subflow MP_FAIL has its own
 *     tests);
 *   - the end-of-connection oracle allows CLOSED after any timeout;
 *   - an ACK of the peer's without any MPTCP option (DATA mapping kind 6
 *     or "no DATA_ACK" with no payload) lets the stack fall back to TCP
 *     (RFC 8684 §3.7): the receive check goes off, unmapped payload on
 *     the initial subflow is then allowed and not checked;
 *   - the stack's joins may go to any port the peer announced for an
 *     address since it last withdrew it (the re-open backoff keeps the
 *     port of the subflow that died);
 *   - what the peer announces counts when its segment is delivered (held
 *     and replayed segments included); a withdrawal and a third ACK of a
 *     join of the peer's (right or forged) count once the stack's
 *     counters (MPRmAddrRx, MPJoinAckRx, MPJoinAckHMacFailure) show it
 *     took them, since a replayed segment may be dropped as old; only a
 *     fresh segment acknowledges a third ACK of the stack's; the peer's
 *     MP_PRIO and forged SYN/ACKs count when sent (only weakening what
 *     they touch).
 * The model remembers NMAP mappings of the stack's per subflow (those of
 * one offset merged into one record); when full it forgets first one
 * whose bytes the stack has all acknowledged (its SND.UNA read back
 * through mptcp_conn_get_subflow), else the oldest. A forgotten one that
 * is still needed gives a false alarm (unmapped payload); a forgotten
 * one is not compared with later mappings of the same bytes.
 *
 * Each oracle was seen to fire by breaking the library on purpose (then
 * reverted), replaying a fuzzed corpus: ignoring the backup flag in
 * conn_sched.c (backup rule), a flipped SYN/ACK HMAC byte (join HMAC),
 * no wait for the ACK of the third ACK (third-ACK gating), announced
 * ports + 1 in join_announced (4-tuples), reinjected data mapped one DSN
 * off (send stream), received join data placed one DSN off (receive
 * stream), DATA_ACK + 2 (DATA_ACK bound), early EOF, a join's close
 * ending the connection (connection end), a leaked txmap (allocator),
 * MPJoinAckRx counted twice (counters).
 *
 * Library bugs found (fixed; inputs regress-* here, unit tests in
 * test/test_pm.c and test/test_txq.c): REMOVE_ADDR counted joins in their
 * handshake as open subflows and reset the last established one (the
 * connection died); a join of ours in its handshake survived the peer's
 * REMOVE_ADDR and was re-opened towards the withdrawn address (both
 * lib/pm.c); a NOBUF from write_pkt moved the round-robin scheduler's
 * turn on, so the retry with a larger buffer could get no packet
 * (lib/stack.c); a join of ours re-opened as the connection's only
 * subflow sent new data before the peer acknowledged its third ACK
 * (lib/subflow.c; regression input only).
 *
 * Environment: FUZZ_MP_DEBUG=1 prints a summary at exit, =2 also traces
 * every operation and packet and the library's log.
 *
 * Coverage (llvm-cov line / branch, clang 14, 2026-11): the 29 inputs of
 * fuzz/corpus/multipath reach lib/join.c 93.4 / 63.6 %, lib/pm.c
 * 82.0 / 59.8 %, lib/pm_fullmesh.c 95.0 / 72.7 %, lib/conn_sched.c
 * 83.2 / 66.2 %, lib/txq.c 100 / 88.5 %, lib/dsnq.c 74.7 / 57.4 %; the
 * corpus after about 35 minutes of fuzzing (5469 inputs) 94.2 / 77.3,
 * 99.2 / 93.2, 98.0 / 90.9, 95.0 / 81.7, 100 / 88.5 and 100 / 94.1 %.
 * Measured as for fuzz_mptcp: replay_multipath built with
 *   -Dc_args='-fprofile-instr-generate -fcoverage-mapping' (and c_link_args)
 *   LLVM_PROFILE_FILE=x.profraw replay_multipath CORPUS; llvm-profdata merge
 *   -o x.profdata x.profraw; llvm-cov report replay_multipath
 *   -instr-profile=x.profdata
 *
 * SPDX-License-Identifier: MIT
 */
#include "fuzz_world.h"

#include <mptcp/crypto.h>
#include <mptcp/ops.h>
#include <string.h>

#define MAX_OPS 2000
#define NSF 48  /* 4-tuples the model can follow */
#define NMAP 24 /* stack mappings remembered per subflow */
#define HIST 8  /* peer packets kept for REPLAY */
#define PKT_CAP 1600
#define TX_MAX (1u << 20) /* app bytes tracked by the peer's receiver */
#define NADDR 5           /* the peer's addresses: IDs 0..3, 4 other family */
#define PORT0 40000

enum { S_PSYN = 1, S_PACK, S_SSYN, S_SACK, S_EST };
enum {
  T_NONE,
  T_JSYN,
  T_JACK_OK,
  T_JACK_BAD,
  T_SYNACK_OK,
  T_SYNACK_BAD,
  T_ADD,
  T_ADD_BAD,
  T_PRIO,
  T_MPC_SYN,
  T_RM
};

typedef struct smap {
  uint32_t ssn, len;
  uint64_t drel; /* relative DSN of subflow byte ssn (1 = first byte) */
} smap;

typedef struct msf {
  int used, by_peer, bogus, dead, doomed, fin;
  mptcp_addr sa, pa; /* the stack's end, the peer's end */
  int st;
  uint32_t p_isn, p_nxt;        /* the peer's sequence space */
  uint32_t s_iss, s_rcv, s_max; /* the stack's, what the peer has of it */
  uint32_t p_acked;             /* highest ACK the peer delivered */
  uint32_t s_ack;               /* the stack's latest ACK on it */
  uint32_t p_nonce, s_nonce;
  uint8_t p_id;
  int forged_synack, third_ok, third_bad_first, third_seen;
  /* The peer's ACK of the stack's third ACK: surely taken (third_acked,
   * for the backup oracle), or maybe (third_maybe: anything delivered
   * since, for the data-gating oracle). */
  int third_acked, third_maybe;
  int ready; /* the peer may send data */
  int blackout, lose;
  int s_bk, p_bk_join, p_prio, p_prio1;
  int rtx;
  int usable;
  uint64_t usable_from;
  smap m[NMAP];
  int nm;
  int inf;
  uint64_t inf_off;
} msf;

/* A packet of the peer's, as sent (kept for REPLAY). What it tells the
 * stack about addresses counts when it is delivered. */
typedef struct hpkt {
  uint8_t b[PKT_CAP];
  size_t n;
  int sf, tag;
  uint8_t id;    /* T_ADD, T_RM: the address ID */
  uint16_t port; /* T_ADD: the port announced */
} hpkt;

typedef struct world {
  fuzz_world b;
  mptcp_conn *c;
  int c_gone, closed_ev;
  uint64_t K, s_key, p_idsn, s_idsn;
  uint32_t p_token, s_token;
  int s_key_known;
  uint32_t nonce_rng;
  mptcp_ipaddr pa[NADDR];
  int known[NADDR];      /* announced with a right HMAC (0: initial) */
  uint16_t kport[NADDR]; /* the port of its latest announcement (0: none) */
  /* Ports announced with it since it was last withdrawn: bit 0 none
   * (PORT0), bit 1 40100 + ID; the re-open backoff may use an older one. */
  uint8_t kports[NADDR];
  int removed[NADDR];
  mptcp_addr app_dst[8]; /* add_subflow targets */
  int n_app_dst;
  msf sf[NSF];
  int n_sf, overflow;
  uint16_t next_port;

  /* App side. */
  uint64_t tx_written, rd_off;
  int app_shut, app_killed, rd_eof;
  /* The stack's send stream as the peer saw it. */
  uint64_t s_dmax; /* relative DSN after the highest byte mapped */
  int s_dfin_seen;
  uint64_t s_cum; /* contiguous bytes the peer has */
  int dack_seen;
  uint64_t dack_last;
  /* The peer's stream. */
  uint64_t p_sent; /* relative DSN after its highest byte */
  int p_dfin;
  int hostile, rx_unsure, peer_killed, timeout_ev;
  int join_rst; /* the peer refused one of the stack's joins with a RST */
  int no_dss;   /* an ACK without any MPTCP option: the stack may fall back */
  int forged_synack_dl, forged_add_dl;
  unsigned n_jsyn_dl, n_jack_ok_dl, n_synack_ok_dl, n_add_dl, n_prio_dl;
  /* The stack's ADD_ADDR to echo. */
  int s_add_have;
  mptcp_addr s_add;
  uint8_t s_add_id;
  hpkt hist[HIST];
  int hist_n, hist_at;
  uint64_t tx_checked, rx_checked, bk_checked;
} world;

static world W;
static uint8_t rxmap[TX_MAX / 8];
static uint8_t pay[PKT_CAP];

static struct {
  int on, trace;
  unsigned long inputs, joins_est, stack_joins, adds, bk_checked;
  uint64_t tx_checked, rx_checked;
  mptcp_counters ctr;
  uint32_t states;
} dbg;

static void w_log(void *ud, int level, const char *msg, size_t len) {
  (void)ud, (void)level;
  fprintf(stderr, "  lib: %.*s\n", (int)len, msg);
}

static uint8_t rx_byte(uint64_t dsn) {
  uint32_t x =
      ((uint32_t)dsn ^ (uint32_t)(dsn >> 32) ^ 0x7f4a7c15u) * 2654435761u;
  return (uint8_t)(x >> 24 ^ x >> 9);
}

static uint32_t next_nonce(world *w) {
  w->nonce_rng = w->nonce_rng * 1103515245u + 12345u;
  return w->nonce_rng ^ (w->nonce_rng >> 16);
}

static const mptcp_subopt *find_sub(const mptcp_tcpopts *o, uint8_t st) {
  for (unsigned i = 0; i < o->n_mptcp; i++)
    if (o->mptcp[i].subtype == st && o->mptcp[i].status == MPTCP_SUBOPT_OK)
      return &o->mptcp[i];
  return NULL;
}

/* ------------------------------------------------------------ subflows */

static msf *sf_by_tuple(world *w, const mptcp_addr *sa, const mptcp_addr *pa) {
  for (int i = 0; i < w->n_sf; i++) {
    msf *m = &w->sf[i];
    if (m->sa.port == sa->port && m->pa.port == pa->port &&
        mptcp_ipaddr_equal(&m->sa.ip, &sa->ip) &&
        mptcp_ipaddr_equal(&m->pa.ip, &pa->ip))
      return m;
  }
  return NULL;
}

static msf *sf_new(world *w, const mptcp_addr *sa, const mptcp_addr *pa) {
  if (w->n_sf == NSF) {
    w->overflow = 1;
    return NULL;
  }
  msf *m = &w->sf[w->n_sf++];
  memset(m, 0, sizeof *m);
  m->used = 1;
  m->sa = *sa;
  m->pa = *pa;
  m->p_isn = 0x40000000u * (uint32_t)(w->n_sf & 3) + 0x1000u * w->n_sf;
  m->p_nxt = m->p_isn;
  for (uint8_t i = 0; i < NADDR; i++)
    if (mptcp_ipaddr_equal(&pa->ip, &w->pa[i])) m->p_id = i;
  return m;
}

/* The peer may send on it. */
static int sendable(const msf *m) {
  return m->used && !m->bogus && !m->dead && !m->blackout && m->st == S_EST &&
         m->ready;
}

/* The @p s-th subflow (mod the count) that @p ok accepts, or NULL. */
static msf *pick(world *w, uint8_t s, int (*ok)(const msf *)) {
  int n = 0;
  for (int i = 0; i < w->n_sf; i++) n += ok(&w->sf[i]);
  if (!n) return NULL;
  int k = s % n;
  for (int i = 0; i < w->n_sf; i++)
    if (ok(&w->sf[i]) && k-- == 0) return &w->sf[i];
  return NULL;
}

/* Certainly usable for new data from the stack's view (ops.h) and
 * certainly regular. */
static int certainly_regular_usable(const world *w, const msf *m) {
  if (!m->used || m->bogus || m->dead || m->doomed || m->fin || m->rtx)
    return 0;
  if (m->st != S_EST || m->s_bk || m->p_bk_join || m->p_prio1) return 0;
  if (m->by_peer ? !m->third_ok && m != &w->sf[0] : !m->third_acked) return 0;
  if (m->by_peer && m->third_bad_first) return 0;
  return 1;
}

static int certainly_backup(const msf *m) {
  return m->s_bk || (m->p_bk_join && !m->p_prio);
}

static void refresh_usable(world *w) {
  for (int i = 0; i < w->n_sf; i++) {
    msf *m = &w->sf[i];
    int u = certainly_regular_usable(w, m);
    if (u && !m->usable) m->usable_from = w->tx_written;
    m->usable = u;
  }
}

/* --------------------------------------------------------- the peer */

/* Delivers @p h. What it tells the stack counts once the stack's counters
 * show that it took it (a replayed segment may be dropped as old). */
static void deliver(world *w, const hpkt *h) {
  msf *m = &w->sf[h->sf];
  mptcp_counters a, b;
  mptcp_stack_get_counters(w->b.st, &a);
  fuzz_deliver(&w->b, h->b, h->n);
  mptcp_stack_get_counters(w->b.st, &b);
  if (m->third_seen) m->third_maybe = 1;
#define TOOK(x) (b.v[MPTCP_CTR_##x] != a.v[MPTCP_CTR_##x])
  switch (h->tag) {
  case T_JSYN: w->n_jsyn_dl++; break;
  case T_JACK_OK:
    w->n_jack_ok_dl++;
    if (TOOK(MP_JOIN_ACK_RX) && !m->third_bad_first) m->third_ok = 1;
    break;
  case T_JACK_BAD:
    if (TOOK(MP_JOIN_ACK_BAD_HMAC) && !m->third_ok) m->third_bad_first = 1;
    break;
  case T_SYNACK_OK: w->n_synack_ok_dl++; break;
  case T_SYNACK_BAD: w->forged_synack_dl = 1; break;
  case T_ADD: /* only widens what the oracles allow: taken or not */
    w->n_add_dl++;
    w->known[h->id] = 1;
    w->kport[h->id] = h->port;
    w->kports[h->id] |= h->port ? 2 : 1;
    w->removed[h->id] = 0;
    break;
  case T_RM:
    for (int i = 0; i < w->n_sf; i++)
      if (w->sf[i].p_id == h->id) w->sf[i].doomed = 1;
    if (!TOOK(MP_RM_ADDR_RX)) break;
    w->removed[h->id] = 1;
    w->known[h->id] = 0;
    w->kports[h->id] = 0;
    break;
  case T_ADD_BAD:
    w->n_add_dl++;
    w->forged_add_dl = 1;
    break;
  case T_PRIO: w->n_prio_dl++; break;
  default: break;
  }
#undef TOOK
}

typedef struct pseg {
  msf *m;
  uint8_t flags;
  mptcp_subopt sub[3];
  int n_sub, syn_opts, tag;
  uint8_t id; /* see hpkt */
  uint16_t port;
  size_t len; /* payload in pay[] */
  int hold, lose;
} pseg;

/* Sends segment @p g of the peer's on its subflow, advancing its
 * sequence numbers. */
static void peer_send(world *w, pseg *g) {
  msf *m = g->m;
  uint8_t opt[MPTCP_TCP_OPT_MAX];
  size_t olen = 0;
  for (int drop = 0; drop < 3; drop++) {
    mptcp_tcpopts o;
    memset(&o, 0, sizeof o);
    if (g->syn_opts) {
      o.present |= MPTCP_HAS_MSS;
      o.mss = 1400;
    }
    int ns = drop ? 1 : g->n_sub;
    for (int i = 0; i < ns; i++) mptcp_tcpopts_add_mptcp(&o, &g->sub[i]);
    mptcp_ssize k = mptcp_tcpopts_write(&o, 0xff, opt, sizeof opt);
    if (k >= 0) {
      olen = (size_t)k;
      break;
    }
  }
  fuzz_seg s;
  memset(&s, 0, sizeof s);
  s.from = m->pa;
  s.to = m->sa;
  s.flags = g->flags;
  s.seq = m->p_nxt;
  s.ack = (g->flags & MPTCP_TH_ACK) ? m->s_rcv : 0;
  s.win = 65535;
  s.opt = opt;
  s.opt_len = olen;
  s.pay = pay;
  s.len = g->len;
  if (!g->n_sub && (g->flags & MPTCP_TH_ACK) &&
      !(g->flags & (MPTCP_TH_SYN | MPTCP_TH_RST))) {
    /* RFC 8684 §3.7: looks like a path that strips options */
    w->no_dss = w->hostile = w->rx_unsure = 1;
  }
  uint8_t buf[PKT_CAP];
  size_t n = fuzz_write_seg(&w->b, &s, buf, sizeof buf);
  m->p_nxt += (uint32_t)g->len + ((g->flags & MPTCP_TH_SYN) != 0);
  int sfi = (int)(m - w->sf);
  hpkt *h = &w->hist[w->hist_at];
  w->hist_at = (w->hist_at + 1) % HIST;
  if (w->hist_n < HIST) w->hist_n++;
  memcpy(h->b, buf, n);
  h->n = n;
  h->sf = sfi;
  h->tag = g->tag;
  h->id = g->id;
  h->port = g->port;
  if (w->b.trace)
    fprintf(stderr, "  t=%llu in  %u>%u fl=%02x seq=%u ack=%u len=%zu%s%s\n",
            (unsigned long long)w->b.now, m->pa.port, m->sa.port, g->flags,
            s.seq, s.ack, g->len, g->hold ? " held" : "",
            g->lose ? " lost" : "");
  if (g->hold || g->lose) return;
  /* Taken for sure only at the stack's RCV.NXT: the peer does not resend
   * what a full receive window dropped, so a later segment may be
   * dropped as out of window too. */
  int in_sync = s.seq == m->s_ack;
  if (in_sync && (g->flags & MPTCP_TH_ACK) && fuzz_seq_gt(s.ack, m->p_acked))
    m->p_acked = s.ack;
  if (in_sync && (g->flags & MPTCP_TH_ACK) && s.ack == m->s_max) m->rtx = 0;
  /* A fresh segment (not a replayed one, which may be dropped as old)
   * acknowledges the stack's third ACK. */
  if (in_sync && !(g->flags & (MPTCP_TH_SYN | MPTCP_TH_RST)) && m->third_seen &&
      !m->by_peer)
    m->third_acked = 1;
  deliver(w, h);
}

/* The DATA_ACK the peer owes: the stack's bytes it has in order. */
static uint64_t right_dack(const world *w) {
  return w->s_idsn + 1 + w->s_cum +
         (w->s_dfin_seen && w->s_cum == w->tx_written);
}

static void add_dss(pseg *g, uint64_t dack, int with_ack, int map, uint64_t dsn,
                    uint32_t ssn, uint16_t dll, int fin) {
  mptcp_subopt *so = &g->sub[g->n_sub++];
  memset(so, 0, sizeof *so);
  so->subtype = MPTCP_SUB_DSS;
  mptcp_dss *d = &so->u.dss;
  if (with_ack) {
    d->flags |= MPTCP_DSS_A | MPTCP_DSS_a;
    d->data_ack = dack;
  }
  if (map) {
    d->flags |= MPTCP_DSS_M | MPTCP_DSS_m;
    d->dsn = dsn;
    d->ssn = ssn;
    d->dll = dll;
  }
  if (fin) d->flags |= MPTCP_DSS_F;
  if (!d->flags) g->n_sub--;
}

static void ack_seg(world *w, pseg *g, msf *m) {
  memset(g, 0, sizeof *g);
  g->m = m;
  g->flags = MPTCP_TH_ACK;
  add_dss(g, right_dack(w), w->s_key_known, 0, 0, 0, 0, 0);
}

/* A SYN of the peer's opening @p m, with one suboption to fill in. */
static void peer_syn(pseg *g, msf *m, int tag) {
  m->by_peer = 1;
  m->st = S_PSYN;
  memset(g, 0, sizeof *g);
  g->m = m;
  g->flags = MPTCP_TH_SYN;
  g->syn_opts = 1;
  g->n_sub = 1;
  g->tag = tag;
}

/* The peer's initial subflow and MP_CAPABLE handshake. */
static void peer_connect(world *w) {
  mptcp_addr sa = {w->b.us, 80}, pa = {w->pa[0], PORT0};
  msf *m = sf_new(w, &sa, &pa);
  pseg g;
  peer_syn(&g, m, T_MPC_SYN);
  g.sub[0].subtype = MPTCP_SUB_CAPABLE;
  g.sub[0].u.mpc.version = 1;
  g.sub[0].u.mpc.flags = MPTCP_CAP_H;
  g.sub[0].u.mpc.form = MPTCP_MPC_SYN;
  peer_send(w, &g);
}

static void peer_mpc_ack(world *w, msf *m) {
  pseg g;
  memset(&g, 0, sizeof g);
  g.m = m;
  g.flags = MPTCP_TH_ACK;
  g.n_sub = 1;
  g.sub[0].subtype = MPTCP_SUB_CAPABLE;
  g.sub[0].u.mpc.version = 1;
  g.sub[0].u.mpc.flags = MPTCP_CAP_H;
  g.sub[0].u.mpc.form = MPTCP_MPC_ACK;
  g.sub[0].u.mpc.snd_key = w->K;
  g.sub[0].u.mpc.rcv_key = w->s_key;
  peer_send(w, &g);
  m->st = S_EST;
  m->ready = 1;
  m->third_ok = 1;
}

/* ---------------------------------------------------- the stack's output */

static void learn_key(world *w, uint64_t key) {
  if (w->s_key_known) {
    FUZZ_CHECK(w->s_key == key);
    return;
  }
  w->s_key = key;
  w->s_key_known = 1;
  FUZZ_CHECK(mptcp_crypto_key_derive(1, key, &w->s_token, &w->s_idsn) == 0);
}

static int join_mac(uint64_t ka, uint64_t kb, uint32_t na, uint32_t nb,
                    const uint8_t *got, size_t n) {
  uint8_t mac[MPTCP_JOIN_HMAC_LEN_V1];
  FUZZ_CHECK(mptcp_crypto_join_hmac(1, ka, kb, na, nb, mac) > 0);
  return memcmp(mac, got, n) == 0;
}

/* The stack's SND.UNA on @p m relative to its ISS (1: the first byte),
 * read back through the public API; 0 when the stack has no such
 * subflow (any more). It only picks which mapping the model forgets
 * (one whose bytes the stack will never send again), never what is
 * checked. */
static uint32_t smap_una(const world *w, const msf *m) {
  if (!w->c || w->c_gone) return 0;
  size_t n = mptcp_conn_subflow_slots(w->c);
  for (size_t i = 0; i < n; i++) {
    mptcp_subflow_info si;
    if (mptcp_conn_get_subflow(w->c, i, &si) != 0) continue;
    if (si.local.port == m->sa.port && si.remote.port == m->pa.port &&
        mptcp_ipaddr_equal(&si.local.ip, &m->sa.ip) &&
        mptcp_ipaddr_equal(&si.remote.ip, &m->pa.ip))
      return 1 + (uint32_t)si.bytes_acked;
  }
  return 0;
}

static void smap_add(const world *w, msf *m, uint32_t ssn, uint32_t len,
                     uint64_t drel) {
  for (int i = 0; i < m->nm; i++) { /* mappings of the same bytes agree */
    smap *x = &m->m[i];
    int ov = (int32_t)(ssn - (x->ssn + x->len)) < 0 &&
             (int32_t)(x->ssn - (ssn + len)) < 0;
    if (ov) FUZZ_CHECK(x->drel - x->ssn == drel - ssn);
  }
  /* Records of the same offset that overlap or touch it merge into one,
   * the newest: a resend of a mapping refreshes it, and a run of small
   * mappings (small writes) takes one record, so that they do not push
   * out a mapping whose later segments (which carry no DSS of their own)
   * may still come. */
  for (int i = m->nm - 1; i >= 0; i--) {
    smap *x = &m->m[i];
    if (x->drel - x->ssn != drel - ssn ||
        (int32_t)(ssn - (x->ssn + x->len)) > 0 ||
        (int32_t)(x->ssn - (ssn + len)) > 0)
      continue;
    uint32_t end = (int32_t)(x->ssn + x->len - (ssn + len)) > 0
                       ? x->ssn + x->len
                       : ssn + len;
    if ((int32_t)(x->ssn - ssn) < 0) {
      drel = x->drel;
      ssn = x->ssn;
    }
    len = end - ssn;
    memmove(m->m + i, m->m + i + 1, (size_t)(m->nm - i - 1) * sizeof m->m[0]);
    m->nm--;
  }
  if (m->nm == NMAP) { /* forget one the stack has all acknowledged */
    uint32_t una = smap_una(w, m);
    int v = 0;
    for (int i = 0; i < m->nm && una; i++) {
      if ((int32_t)(m->m[i].ssn + m->m[i].len - una) <= 0) {
        v = i;
        break;
      }
    }
    memmove(m->m + v, m->m + v + 1, (size_t)(NMAP - 1 - v) * sizeof m->m[0]);
    m->nm--;
  }
  smap *x = &m->m[m->nm++];
  x->ssn = ssn;
  x->len = len;
  x->drel = drel;
}

static uint32_t smap_lookup(const msf *m, uint32_t ssn, uint64_t *drel) {
  for (int i = m->nm - 1; i >= 0; i--) {
    uint32_t off = ssn - m->m[i].ssn;
    if (off < m->m[i].len) {
      *drel = m->m[i].drel + off;
      return m->m[i].len - off;
    }
  }
  if (m->inf) {
    *drel = m->inf_off + ssn;
    return UINT32_MAX;
  }
  return 0;
}

static void rx_mark(world *w, uint64_t drel, uint32_t n) {
  for (uint32_t j = 0; j < n; j++) {
    uint64_t o = drel - 1 + j;
    if (o < TX_MAX) rxmap[o >> 3] |= (uint8_t)(1u << (o & 7));
  }
  while (w->s_cum < TX_MAX && (rxmap[w->s_cum >> 3] >> (w->s_cum & 7) & 1))
    w->s_cum++;
}

/* The backup oracle for new bytes [drel, drel + n) on backup @p b. */
static void check_backup(world *w, const msf *b, uint64_t drel, uint32_t n) {
  if (w->b.n_refused || w->rx_unsure || !certainly_backup(b)) return;
  uint64_t end = drel + n;
  if (end <= w->s_dmax) return;
  uint64_t first_new = drel > w->s_dmax ? drel : w->s_dmax;
  for (int i = 0; i < w->n_sf; i++) {
    const msf *r = &w->sf[i];
    if (!r->usable || r == b) continue;
    w->bk_checked++;
    /* no new byte the app wrote (at offset drel - 1) after r became
     * usable */
    if (end - 1 > r->usable_from) {
      fprintf(stderr,
              "backup %u>%u sends new DSN rel %llu..%llu while "
              "%u>%u is usable since offset %llu\n",
              b->sa.port, b->pa.port, (unsigned long long)first_new,
              (unsigned long long)end, r->sa.port, r->pa.port,
              (unsigned long long)r->usable_from);
      FUZZ_CHECK(end - 1 <= r->usable_from);
    }
  }
}

static void check_data(world *w, msf *m, const mptcp_pkt *k) {
  uint32_t ssn = k->seq - m->s_iss;
  size_t n = k->payload_len, i = 0;
  refresh_usable(w);
  while (i < n) {
    uint64_t drel;
    uint32_t run = smap_lookup(m, ssn + (uint32_t)i, &drel);
    if (run == 0) { /* MPTCP data is mapped, unless the stack fell back */
      FUZZ_CHECK(w->no_dss && m == &w->sf[0]);
      return;
    }
    if (run > n - i) run = (uint32_t)(n - i);
    FUZZ_CHECK(drel >= 1 && drel - 1 + run <= w->tx_written);
    for (uint32_t j = 0; j < run; j++)
      FUZZ_CHECK(k->payload[i + j] == fuzz_tx_byte(drel - 1 + j));
    w->tx_checked += run;
    check_backup(w, m, drel, run);
    if (drel + run > w->s_dmax) w->s_dmax = drel + run;
    if (!m->blackout && !m->lose) {
      /* the peer receives it if in order at subflow level */
      uint32_t seq = k->seq + (uint32_t)i;
      if (!fuzz_seq_gt(seq, m->s_rcv)) rx_mark(w, drel, run);
    }
    i += run;
  }
}

static void check_dack(world *w, const mptcp_dss *d) {
  if (!w->s_key_known) return;
  uint64_t ref = w->dack_seen ? w->dack_last : w->p_idsn + 1;
  uint64_t a = (d->flags & MPTCP_DSS_a)
                   ? d->data_ack
                   : mptcp_expand_seq(ref, (uint32_t)d->data_ack);
  if (w->dack_seen) FUZZ_CHECK((int64_t)(a - w->dack_last) >= 0);
  w->dack_seen = 1;
  w->dack_last = a;
  if (!w->hostile) {
    uint64_t rel = a - w->p_idsn;
    FUZZ_CHECK(rel >= 1 && rel <= w->p_sent + (w->p_dfin ? 1 : 0));
  }
}

static void check_dss(world *w, msf *m, const mptcp_pkt *k,
                      const mptcp_dss *d) {
  if (d->flags & MPTCP_DSS_A) check_dack(w, d);
  if (!(d->flags & MPTCP_DSS_M)) return;
  FUZZ_CHECK(w->s_key_known);
  uint64_t ref = w->s_idsn + w->s_dmax;
  uint64_t dsn = (d->flags & MPTCP_DSS_m)
                     ? d->dsn
                     : mptcp_expand_seq(ref, (uint32_t)d->dsn);
  uint64_t drel = dsn - w->s_idsn;
  int fin = (d->flags & MPTCP_DSS_F) != 0;
  if (d->dll == 0) { /* infinite mapping: the receive side is unsure */
    w->rx_unsure = 1;
    m->inf = 1;
    m->inf_off = drel - d->ssn;
    return;
  }
  uint32_t len = (uint32_t)d->dll - (uint32_t)fin;
  if (fin) {
    FUZZ_CHECK(w->app_shut);
    FUZZ_CHECK(drel + len == w->tx_written + 1);
    if (!m->blackout && !m->lose) w->s_dfin_seen = 1;
  }
  if (len) {
    FUZZ_CHECK(drel >= 1 && drel - 1 + len <= w->tx_written);
    smap_add(w, m, d->ssn, len, drel);
  }
  (void)k;
}

static void check_add_addr(world *w, const mptcp_add_addr *a) {
  FUZZ_CHECK(!a->v0);
  if (a->echo) { /* echoes one of the peer's */
    int found = 0;
    for (int i = 0; i < NADDR; i++)
      found |= mptcp_ipaddr_equal(&a->addr, &w->pa[i]);
    FUZZ_CHECK(found);
    return;
  }
  FUZZ_CHECK(mptcp_ipaddr_equal(&a->addr, &w->b.alt) ||
             mptcp_ipaddr_equal(&a->addr, &w->b.us));
  uint64_t mac;
  FUZZ_CHECK(mptcp_crypto_add_addr_hmac(w->s_key, w->K, a->addr_id, &a->addr,
                                        a->has_port ? a->port : 0, &mac) == 0);
  FUZZ_CHECK(a->has_hmac && mac == a->hmac);
  w->s_add_have = 1;
  w->s_add.ip = a->addr;
  w->s_add.port = a->has_port ? a->port : 0;
  w->s_add_id = a->addr_id;
}

/* A SYN of the stack's: a join toward an address it may know. */
static msf *stack_syn(world *w, const mptcp_addr *sa, const mptcp_addr *pa,
                      const mptcp_tcpopts *o, const mptcp_pkt *k) {
  const mptcp_subopt *so = find_sub(o, MPTCP_SUB_JOIN);
  FUZZ_CHECK(so && so->u.join.form == MPTCP_JOIN_SYN);
  FUZZ_CHECK(!find_sub(o, MPTCP_SUB_CAPABLE));
  FUZZ_CHECK(so->u.join.token == w->p_token);
  msf *m = sf_by_tuple(w, sa, pa);
  if (m) { /* a retransmission */
    FUZZ_CHECK(!m->by_peer && m->s_iss == k->seq);
    return m;
  }
  int ok = 0; /* the app asked for it */
  for (int i = 0; i < w->n_app_dst; i++)
    ok |= mptcp_ipaddr_equal(&pa->ip, &w->app_dst[i].ip) &&
          pa->port == w->app_dst[i].port;
  for (int i = 0; i < NADDR && !ok; i++) {
    if (!mptcp_ipaddr_equal(&pa->ip, &w->pa[i])) continue;
    FUZZ_CHECK(!w->removed[i]); /* never a new one to a withdrawn address */
    if (i == 0) ok |= pa->port == PORT0;
    if (w->kports[i] & 1) ok |= pa->port == PORT0;
    if (w->kports[i] & 2) ok |= pa->port == 40100 + i;
  }
  if (!ok)
    fprintf(stderr, "join SYN to unknown address .%u port %u\n",
            pa->ip.a[w->b.v6 ? 15 : 3], pa->port);
  FUZZ_CHECK(ok);
  dbg.stack_joins++;
  m = sf_new(w, sa, pa);
  if (!m) return NULL;
  m->st = S_SSYN;
  m->s_iss = m->p_acked = k->seq;
  m->s_rcv = k->seq + 1;
  m->s_max = k->seq + 1;
  m->s_nonce = so->u.join.nonce;
  m->s_bk = so->u.join.backup;
  return m;
}

static void on_out(void *ud, const uint8_t *buf, size_t n,
                   const mptcp_pkt_info *pi) {
  world *w = ud;
  mptcp_pkt k;
  mptcp_tcpopts o;
  fuzz_check_pkt(&w->b, buf, n, pi, &k, &o);
  if (w->b.trace) {
    fuzz_trace_out(&w->b, &k);
    fprintf(stderr, "\n");
  }
  mptcp_addr sa = {k.src, k.sport}, pa = {k.dst, k.dport};
  uint8_t fl = k.tcp_flags;
  msf *m;
  if ((fl & MPTCP_TH_SYN) && !(fl & MPTCP_TH_ACK)) {
    m = stack_syn(w, &sa, &pa, &o, &k);
    if (!m) return;
  } else {
    m = sf_by_tuple(w, &sa, &pa);
    if (!m) {
      FUZZ_CHECK(w->overflow); /* only to 4-tuples that exist */
      return;
    }
  }
  if (fl & MPTCP_TH_RST) {
    m->dead = 1;
    return;
  }
  if (fl & MPTCP_TH_ACK) m->s_ack = k.ack;
  FUZZ_CHECK(!m->bogus); /* a refused join only gets an RST */
  const mptcp_subopt *so;
  if ((fl & MPTCP_TH_SYN) && (fl & MPTCP_TH_ACK)) {
    FUZZ_CHECK(m->by_peer);
    if (m == &w->sf[0]) {
      so = find_sub(&o, MPTCP_SUB_CAPABLE);
      FUZZ_CHECK(so && so->u.mpc.form == MPTCP_MPC_SYNACK &&
                 so->u.mpc.version == 1);
      learn_key(w, so->u.mpc.snd_key);
    } else {
      so = find_sub(&o, MPTCP_SUB_JOIN);
      FUZZ_CHECK(so && so->u.join.form == MPTCP_JOIN_SYNACK);
      FUZZ_CHECK(join_mac(w->s_key, w->K, so->u.join.nonce, m->p_nonce,
                          so->u.join.hmac, MPTCP_JOIN_TRUNC_SYNACK));
      m->s_nonce = so->u.join.nonce;
      m->s_bk = so->u.join.backup;
    }
    m->s_iss = m->p_acked = k.seq;
    m->s_rcv = k.seq + 1;
    m->s_max = k.seq + 1;
    if (m->st == S_PSYN) m->st = S_PACK;
    return;
  }
  if (fl & MPTCP_TH_SYN) return; /* the stack's join SYN: done above */
  /* A synchronized segment. */
  so = find_sub(&o, MPTCP_SUB_JOIN);
  if (so) {
    FUZZ_CHECK(!m->by_peer && so->u.join.form == MPTCP_JOIN_ACK);
    FUZZ_CHECK(!m->forged_synack); /* no third ACK after a forged SYN/ACK */
    FUZZ_CHECK(join_mac(w->s_key, w->K, m->s_nonce, m->p_nonce, so->u.join.hmac,
                        MPTCP_JOIN_TRUNC_ACK));
    if (!m->blackout && !m->lose) {
      m->third_seen = 1;
      if (m->st == S_SACK) {
        m->st = S_EST;
        m->ready = 1;
        dbg.joins_est++;
      }
    }
  }
  if (m->by_peer && m != &w->sf[0] && m->third_ok && !m->blackout)
    m->ready = 1; /* the stack acknowledged the third ACK */
  uint32_t end = k.seq + (uint32_t)k.payload_len + ((fl & MPTCP_TH_FIN) != 0);
  if (fuzz_seq_gt(end, m->s_max)) {
    m->s_max = end;
  } else if (k.payload_len || (fl & MPTCP_TH_FIN)) {
    m->rtx = 1; /* a retransmission: maybe an RTO (stalled) */
  }
  if (fl & MPTCP_TH_FIN) m->fin = 1;
  if (k.payload_len) {
    FUZZ_CHECK(!m->forged_synack);
    if (m->by_peer) {
      FUZZ_CHECK(m == &w->sf[0] || (m->third_ok && !m->third_bad_first));
    } else {
      FUZZ_CHECK(m->third_maybe);
    }
  }
  for (unsigned i = 0; i < o.n_mptcp; i++) {
    const mptcp_subopt *x = &o.mptcp[i];
    if (x->status != MPTCP_SUBOPT_OK) continue;
    switch (x->subtype) {
    case MPTCP_SUB_DSS: check_dss(w, m, &k, &x->u.dss); break;
    case MPTCP_SUB_ADD_ADDR: check_add_addr(w, &x->u.add_addr); break;
    case MPTCP_SUB_FASTCLOSE:
      FUZZ_CHECK(x->u.fastclose_key == w->K);
      FUZZ_CHECK(w->app_killed || w->hostile || w->peer_killed ||
                 w->b.n_refused || w->rx_unsure);
      break;
    case MPTCP_SUB_FAIL: w->rx_unsure = 1; break;
    case MPTCP_SUB_PRIO: break;
    default: break;
    }
  }
  if (k.payload_len) check_data(w, m, &k);
  if (!m->blackout) {
    if (m->lose) {
      m->lose--;
    } else if (!fuzz_seq_gt(k.seq, m->s_rcv) && fuzz_seq_gt(end, m->s_rcv)) {
      m->s_rcv = end;
    }
  }
}

/* ---------------------------------------------------------- the events */

static void drain(void *ud) {
  world *w = ud;
  fuzz_drain_pkts(&w->b, 0, on_out, w);
  /* A subflow that timed out (no event of its own) may end the
   * connection later. */
  mptcp_counters ctr;
  mptcp_stack_get_counters(w->b.st, &ctr);
  if (ctr.v[MPTCP_CTR_TCP_CONN_TIMEOUT]) w->timeout_ev = 1;
  mptcp_event ev;
  while (mptcp_stack_next_event(w->b.st, &ev)) {
    if (ev.events & MPTCP_EV_ACCEPT) {
      FUZZ_CHECK(!w->c && !w->c_gone);
      w->c = ev.conn;
    } else {
      FUZZ_CHECK(ev.conn == w->c && w->c);
    }
    if (ev.events & MPTCP_EV_TIMEOUT) w->timeout_ev = 1;
    if (ev.events & (MPTCP_EV_CLOSED | MPTCP_EV_RESET)) {
      FUZZ_CHECK(w->app_killed || w->app_shut || w->peer_killed || w->hostile ||
                 w->b.n_refused || w->timeout_ev || w->rx_unsure);
    }
    /* A refused join may be the last subflow once the others timed out:
     * then the peer's RST ends the connection. */
    if (ev.events & MPTCP_EV_RESET)
      FUZZ_CHECK(w->peer_killed || w->hostile || w->rx_unsure ||
                 w->b.n_refused || (w->join_rst && w->timeout_ev));
    if (ev.events & MPTCP_EV_CLOSED) {
      FUZZ_CHECK(!w->closed_ev);
      w->closed_ev = 1;
    }
  }
}

static void observe(void *ud) {
  world *w = ud;
  if (w->c && !w->c_gone) {
    mptcp_conn_info ci;
    fuzz_observe(&w->b, w->c, &ci);
    if (!ci.mptcp) w->rx_unsure = 1; /* fell back */
  }
  refresh_usable(w);
}

static void rx_check(void *ud, const uint8_t *d, size_t n, uint64_t off) {
  world *w = ud;
  FUZZ_CHECK(!w->rd_eof);
  if (w->rx_unsure) return;
  if (!w->hostile) FUZZ_CHECK(off + n <= w->p_sent - 1);
  for (size_t i = 0; i < n; i++)
    FUZZ_CHECK(d[i] == rx_byte(w->p_idsn + 1 + off + i));
  w->rx_checked += n;
}

/* -------------------------------------------------------- operations */

static size_t pay_len(uint8_t l) {
  size_t n = (size_t)(l & 63) << 2 * (l >> 6);
  return n > 1400 ? 1400 : n;
}

static void op_join(world *w, fuzz_reader *in) {
  uint8_t a = fuzz_u8(in) & 3, f = fuzz_u8(in);
  if (!w->s_key_known) return;
  mptcp_addr sa = {(f & 1) ? w->b.alt : w->b.us, 80};
  mptcp_addr pa = {w->pa[a], (uint16_t)(w->next_port++)};
  msf *m = sf_new(w, &sa, &pa);
  if (!m) return;
  pseg g;
  peer_syn(&g, m, T_JSYN);
  m->p_nonce = next_nonce(w);
  m->bogus = (f & 4) != 0;
  m->p_bk_join = (f & 2) != 0 && !m->bogus;
  g.sub[0].subtype = MPTCP_SUB_JOIN;
  g.sub[0].u.join.form = MPTCP_JOIN_SYN;
  g.sub[0].u.join.token = w->s_token ^ (m->bogus ? 0x5a5a5a5au : 0);
  g.sub[0].u.join.nonce = m->p_nonce;
  g.sub[0].u.join.addr_id = m->p_id;
  g.sub[0].u.join.backup = (f & 2) != 0;
  peer_send(w, &g);
}

static int steppable(const msf *m) {
  return m->used && !m->bogus && !m->dead && !m->blackout &&
         (m->st == S_PACK || m->st == S_SSYN || m->st == S_EST);
}

static void op_step(world *w, fuzz_reader *in) {
  uint8_t s = fuzz_u8(in), f = fuzz_u8(in);
  msf *m = pick(w, s, steppable);
  if (!m) return;
  pseg g;
  memset(&g, 0, sizeof g);
  g.m = m;
  if (m->st == S_PACK) { /* our third ACK */
    if (m == &w->sf[0]) {
      peer_mpc_ack(w, m);
      return;
    }
    uint8_t mac[MPTCP_JOIN_HMAC_LEN_V1];
    FUZZ_CHECK(mptcp_crypto_join_hmac(1, w->K, w->s_key, m->p_nonce, m->s_nonce,
                                      mac) > 0);
    if (f & 1) mac[f >> 4 & 15] ^= 0x40;
    g.flags = MPTCP_TH_ACK;
    g.n_sub = 1;
    g.tag = (f & 1) ? T_JACK_BAD : T_JACK_OK;
    g.sub[0].subtype = MPTCP_SUB_JOIN;
    g.sub[0].u.join.form = MPTCP_JOIN_ACK;
    memcpy(g.sub[0].u.join.hmac, mac, MPTCP_JOIN_TRUNC_ACK);
    m->st = S_EST;
    peer_send(w, &g);
    return;
  }
  if (m->st == S_SSYN) { /* answer the stack's join */
    if ((f & 3) == 3) {
      g.flags = MPTCP_TH_RST | MPTCP_TH_ACK;
      m->dead = 1;
      w->join_rst = 1;
      peer_send(w, &g);
      return;
    }
    m->p_nonce = next_nonce(w);
    uint8_t mac[MPTCP_JOIN_HMAC_LEN_V1];
    FUZZ_CHECK(mptcp_crypto_join_hmac(1, w->K, w->s_key, m->p_nonce, m->s_nonce,
                                      mac) > 0);
    int forged = (f & 3) == 2;
    if (forged) mac[f >> 5 & 7] ^= 0x01;
    m->forged_synack = m->forged_synack || forged;
    g.flags = MPTCP_TH_SYN | MPTCP_TH_ACK;
    g.syn_opts = 1;
    g.n_sub = 1;
    g.tag = forged ? T_SYNACK_BAD : T_SYNACK_OK;
    g.sub[0].subtype = MPTCP_SUB_JOIN;
    g.sub[0].u.join.form = MPTCP_JOIN_SYNACK;
    g.sub[0].u.join.nonce = m->p_nonce;
    g.sub[0].u.join.addr_id = m->p_id;
    g.sub[0].u.join.backup = (f & 4) != 0;
    memcpy(g.sub[0].u.join.hmac, mac, MPTCP_JOIN_TRUNC_SYNACK);
    m->p_bk_join = (f & 4) != 0;
    m->st = S_SACK;
    peer_send(w, &g);
    return;
  }
  ack_seg(w, &g, m);
  if (f & 8) g.sub[0].u.dss.data_ack -= f >> 4;
  peer_send(w, &g);
}

static void op_data(world *w, fuzz_reader *in) {
  uint8_t s = fuzz_u8(in), l = fuzz_u8(in), md = fuzz_u8(in);
  msf *m = pick(w, s, sendable);
  if (!m || !w->s_key_known) return;
  size_t n = pay_len(l);
  uint64_t drel;
  switch (md & 3) {
  case 2: {
    uint64_t d = w->dack_seen ? w->dack_last - w->p_idsn : 1;
    drel = d >= 1 && d <= w->p_sent ? d : 1;
    break;
  }
  case 3: drel = w->p_sent > n ? w->p_sent - n : 1; break;
  default: drel = w->p_sent; break;
  }
  if (w->p_dfin && drel + n > w->p_sent) {
    if (drel >= w->p_sent) return;
    n = (size_t)(w->p_sent - drel);
  }
  if (drel + n > w->p_sent) w->p_sent = drel + n;
  unsigned kind = md >> 2 & 7;
  uint64_t claim = drel;
  if (kind == 4) {
    claim = drel + 1 + (l & 15);
    w->hostile = 1;
  }
  for (size_t i = 0; i < n; i++)
    pay[i] = rx_byte(w->p_idsn + (kind == 7 ? drel + 3 : claim) + i);
  if (kind == 7 && n) w->rx_unsure = w->hostile = 1;
  if ((kind == 5 || kind == 6) && n) w->hostile = 1;
  pseg g;
  memset(&g, 0, sizeof g);
  g.m = m;
  g.flags = MPTCP_TH_ACK | MPTCP_TH_PSH;
  g.len = n;
  uint16_t dll = (uint16_t)(kind == 5 && n > 1 ? n / 2 : n);
  if (kind != 6)
    add_dss(&g, right_dack(w), !(md & 0x20), n > 0, w->p_idsn + claim,
            m->p_nxt - m->p_isn, dll, 0);
  g.hold = (md & 0x40) != 0;
  g.lose = (md & 0x80) != 0;
  peer_send(w, &g);
}

static void op_dfin(world *w, fuzz_reader *in) {
  uint8_t s = fuzz_u8(in), f = fuzz_u8(in);
  msf *m = pick(w, s, sendable);
  if (!m || !w->s_key_known) return;
  pseg g;
  memset(&g, 0, sizeof g);
  g.m = m;
  g.flags = MPTCP_TH_ACK;
  if (f & 1) {
    g.n_sub = 1;
    g.sub[0].subtype = MPTCP_SUB_FASTCLOSE;
    g.sub[0].u.fastclose_key = w->s_key ^ ((f & 2) ? 1 : 0);
    if (!(f & 2))
      w->peer_killed = 1;
    else
      w->hostile = 1;
    peer_send(w, &g);
    return;
  }
  w->p_dfin = 1;
  add_dss(&g, right_dack(w), 1, 1, w->p_idsn + w->p_sent, 0, 1, 1);
  peer_send(w, &g);
}

static int any_live(const msf *m) {
  return m->used && !m->dead && !m->bogus && m->st != 0;
}

static void op_rst(world *w, fuzz_reader *in) {
  uint8_t s = fuzz_u8(in), r = fuzz_u8(in);
  msf *m = pick(w, s, any_live);
  if (!m || m->blackout) return;
  pseg g;
  memset(&g, 0, sizeof g);
  g.m = m;
  g.flags = MPTCP_TH_RST | MPTCP_TH_ACK;
  if (r & 1) {
    g.n_sub = 1;
    g.sub[0].subtype = MPTCP_SUB_TCPRST;
    g.sub[0].u.tcprst.reason = r >> 1 & 7;
  }
  m->dead = 1;
  w->peer_killed = 1;
  peer_send(w, &g);
}

static void op_addr(world *w, fuzz_reader *in) {
  uint8_t k = fuzz_u8(in), x = fuzz_u8(in);
  msf *m = pick(w, x >> 5, sendable);
  if (!m || !w->s_key_known) return;
  pseg g;
  ack_seg(w, &g, m);
  mptcp_subopt *so = &g.sub[g.n_sub++];
  memset(so, 0, sizeof *so);
  switch (k & 3) {
  case 0: {
    uint8_t id = (x & 3) ? (x & 3) : 4;
    so->subtype = MPTCP_SUB_ADD_ADDR;
    mptcp_add_addr *a = &so->u.add_addr;
    a->addr_id = id;
    a->addr = w->pa[id];
    a->has_port = (x & 4) != 0;
    a->port = a->has_port ? (uint16_t)(40100 + id) : 0;
    a->has_hmac = 1;
    FUZZ_CHECK(mptcp_crypto_add_addr_hmac(w->K, w->s_key, id, &a->addr, a->port,
                                          &a->hmac) == 0);
    int forged = (x & 8) != 0;
    if (forged) a->hmac ^= 0x100;
    g.tag = forged ? T_ADD_BAD : T_ADD;
    g.id = id;
    g.port = a->port;
    dbg.adds++;
    break;
  }
  case 1:
    if (!w->s_add_have) return;
    so->subtype = MPTCP_SUB_ADD_ADDR;
    so->u.add_addr.echo = 1;
    so->u.add_addr.addr_id = w->s_add_id;
    so->u.add_addr.addr = w->s_add.ip;
    so->u.add_addr.has_port = w->s_add.port != 0;
    so->u.add_addr.port = w->s_add.port;
    break;
  case 2: {
    uint8_t id = x % NADDR;
    so->subtype = MPTCP_SUB_REMOVE_ADDR;
    so->u.rm_addr.n = 1;
    so->u.rm_addr.ids[0] = id;
    g.tag = T_RM;
    g.id = id;
    break;
  }
  default: {
    msf *t = pick(w, x & 15, sendable);
    if (!t) return;
    m = t;
    g.m = t;
    so->subtype = MPTCP_SUB_PRIO;
    so->u.prio.backup = x >> 4 & 1;
    t->p_prio = 1;
    t->p_prio1 |= so->u.prio.backup;
    g.tag = T_PRIO;
    break;
  }
  }
  peer_send(w, &g);
}

static void op_apppm(world *w, fuzz_reader *in) {
  uint8_t k = fuzz_u8(in), x = fuzz_u8(in);
  if (!w->c || w->c_gone) return;
  mptcp_conn *c = w->c;
  mptcp_tstamp now = w->b.now;
  switch (k & 7) {
  case 0: {
    mptcp_addr a = {w->b.alt, (uint16_t)((x & 1) ? 8080 : 0)};
    (void)mptcp_conn_announce(c, &a, now);
    break;
  }
  case 1: {
    mptcp_addr a = {w->b.alt, 0};
    (void)mptcp_conn_add_local_addr(c, &a, (x & 1) ? MPTCP_SUBFLOW_BACKUP : 0,
                                    now);
    break;
  }
  case 2:
    if (mptcp_conn_remove_addr(c, x & 7, now) == 0) {
      /* our subflows from that address go */
      for (int i = 0; i < w->n_sf; i++) {
        mptcp_subflow_info si;
        (void)si;
        w->sf[i].doomed |=
            (x & 7) != 0 && mptcp_ipaddr_equal(&w->sf[i].sa.ip, &w->b.alt);
        w->sf[i].doomed |= (x & 7) == 0;
      }
    }
    break;
  case 3: {
    mptcp_subflow_info si;
    size_t i = x & 7;
    if (mptcp_conn_get_subflow(c, i, &si) != 0) break;
    int bk = x >> 3 & 1;
    if (mptcp_conn_set_backup(c, i, bk, now) == 0) {
      msf *m = sf_by_tuple(w, &si.local, &si.remote);
      FUZZ_CHECK(m || w->overflow);
      if (m) m->s_bk = bk;
    }
    break;
  }
  case 4: {
    mptcp_addr l = {(x & 1) ? w->b.alt : w->b.us, 0};
    int id = x >> 1 & 3;
    if (id && !w->known[id]) break;
    mptcp_addr r = {w->pa[id],
                    id ? (w->kport[id] ? w->kport[id] : PORT0) : PORT0};
    if (w->n_app_dst < 8)
      w->app_dst[w->n_app_dst++] = r;
    else
      break;
    (void)mptcp_conn_add_subflow(c, &l, &r,
                                 (x & 0x40) ? MPTCP_SUBFLOW_BACKUP : 0, now);
    break;
  }
  case 5:
    if (mptcp_conn_shutdown(c, now) == 0) w->app_shut = 1;
    w->app_shut = 1;
    break;
  case 6:
    w->app_killed = 1;
    mptcp_conn_abort(c, now);
    break;
  default:
    w->app_killed = 1;
    mptcp_conn_release(c, now);
    w->c_gone = 1;
    break;
  }
}

static void op_replay(world *w, fuzz_reader *in) {
  uint8_t i = fuzz_u8(in);
  if (!w->hist_n) return;
  int at = (w->hist_at + HIST - 1 - i % w->hist_n) % HIST;
  hpkt *h = &w->hist[at];
  /* Not the initial SYN: a new connection on the tuple is another test. */
  if (h->tag == T_MPC_SYN) return;
  deliver(w, h);
}

static void op_path(world *w, fuzz_reader *in) {
  uint8_t s = fuzz_u8(in), b = fuzz_u8(in);
  msf *m = pick(w, s, any_live);
  if (!m) return;
  m->blackout = b & 1;
  m->lose = b >> 1 & 7;
}

static void op(void *ud, uint8_t opb, fuzz_reader *in) {
  world *w = ud;
  unsigned code = opb & 15;
  if (code == 3 || code == 4) {
    /* Time goes by: a subflow with unacknowledged bytes may take an RTO
     * and stall (ops.h) before any retransmission shows. */
    for (int i = 0; i < w->n_sf; i++)
      if (fuzz_seq_gt(w->sf[i].s_max, w->sf[i].p_acked)) w->sf[i].rtx = 1;
  }
  if (fuzz_world_op(&w->b, code, in)) return;
  switch (code) {
  case 0x0: op_join(w, in); break;
  case 0x1: op_data(w, in); break;
  case 0x2: op_step(w, in); break;
  case 0x5: {
    uint8_t b = fuzz_u8(in), l = fuzz_u8(in);
    if (!w->c || w->c_gone || w->app_shut || w->app_killed) break;
    if (w->tx_written + ((size_t)l << (b >> 4 & 7)) > TX_MAX) break;
    fuzz_app_write(&w->b, w->c, b, l, &w->tx_written);
    break;
  }
  case 0x6: {
    uint8_t b = fuzz_u8(in), l = fuzz_u8(in);
    if (!w->c || w->c_gone) break;
    mptcp_ssize r = fuzz_app_read(&w->b, w->c, b, l, &w->rd_off, rx_check, w);
    if (r == MPTCP_ERR_EOF) {
      FUZZ_CHECK(w->p_dfin || w->hostile || w->rx_unsure || w->peer_killed);
      w->rd_eof = 1;
    }
    break;
  }
  case 0x7: op_addr(w, in); break;
  case 0x8: op_apppm(w, in); break;
  case 0x9: op_dfin(w, in); break;
  case 0xa: op_replay(w, in); break;
  case 0xb: op_rst(w, in); break;
  case 0xe: op_path(w, in); break;
  default: break;
  }
}

/* ---------------------------------------------------------------- main */

static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ x >> 30) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ x >> 27) * 0x94d049bb133111ebull;
  return x ^ x >> 31;
}

static void dbg_print(void) {
  fprintf(stderr,
          "fuzz_multipath: %lu inputs; %lu joins of the peer's established, "
          "%lu SYNs of the stack's joins, %lu ADD_ADDRs; checked %llu sent "
          "and %llu received bytes, %lu backup comparisons\n",
          dbg.inputs, dbg.joins_est, dbg.stack_joins, dbg.adds,
          (unsigned long long)dbg.tx_checked,
          (unsigned long long)dbg.rx_checked, dbg.bk_checked);
  fuzz_print_summary("fuzz_multipath", dbg.states, &dbg.ctr);
}

static void dbg_init(void) {
  static int done;
  if (done) return;
  done = 1;
  const char *e = getenv("FUZZ_MP_DEBUG");
  dbg.on = e && *e && *e != '0';
  dbg.trace = e && *e == '2';
  if (dbg.on) atexit(dbg_print);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dbg_init();
  if (size < 4) return 0;
  world *w = &W;
  fuzz_reader in;
  fuzz_reader_init(&in, data, size);
  uint8_t h0 = fuzz_u8(&in), h1 = fuzz_u8(&in), h2 = fuzz_u8(&in),
          h3 = fuzz_u8(&in);
  /* the previous input's marks lie below its tx_written */
  size_t clr = (size_t)(w->tx_written / 8 + 1);
  memset(rxmap, 0, clr < sizeof rxmap ? clr : sizeof rxmap);
  memset(w, 0, sizeof *w);
  int v6 = h0 >> 7;
  fuzz_world_init(&w->b, v6);
  w->b.trace = dbg.trace;
  static const mptcp_sched_ops *const scheds[5] = {
      &mptcp_sched_minrtt, &mptcp_sched_rr, &mptcp_sched_redundant,
      &mptcp_sched_blest, &mptcp_sched_ecf};
  static const mptcp_cc_ops *const ccs[4] = {&mptcp_cc_reno, &mptcp_cc_lia,
                                             &mptcp_cc_olia, &mptcp_cc_balia};
  static const uint8_t pms[4] = {MPTCP_PM_NONE, MPTCP_PM_JOIN_ANNOUNCED,
                                 MPTCP_PM_FULLMESH, MPTCP_PM_FULLMESH};
  static const uint16_t msss[4] = {1460, 536, 1000, 200};
  mptcp_settings *s = &w->b.s;
  s->sched = scheds[(h0 & 7) % 5];
  s->cc = ccs[h0 >> 3 & 3];
  s->pm_policy = pms[h0 >> 5 & 3];
  s->sndbuf = (size_t)4096 << (h1 & 3);
  s->rcvbuf = (size_t)4096 << (h1 >> 2 & 3);
  s->mss = msss[h1 >> 4 & 3];
  s->sack = h1 >> 6 & 1;
  s->nagle = h1 >> 7 & 1;
  s->timestamps = 0;
  s->mptcp = 1;
  s->checksum = 0;
  if (dbg.trace) {
    s->log = w_log;
    s->log_level = MPTCP_LOG_DEBUG;
  }
  w->K = mix(h2) | 1;
  w->nonce_rng = h3 * 2654435761u + 1;
  FUZZ_CHECK(mptcp_crypto_key_derive(1, w->K, &w->p_token, &w->p_idsn) == 0);
  for (uint8_t i = 0; i < 4; i++) fuzz_mkaddr(v6, &w->pa[i], (uint8_t)(2 + i));
  fuzz_mkaddr(!v6, &w->pa[4], 6);
  for (int i = 0; i < 3; i++) w->b.peer_more[i] = w->pa[i + 1];
  w->b.n_peer_more = 3;
  w->next_port = PORT0 + 1000;
  w->p_sent = 1;
  w->s_dmax = 1;
  if (fuzz_world_start(&w->b) != 0) return 0;
  dbg.inputs++;
  mptcp_addr any;
  memset(&any, 0, sizeof any);
  any.port = 80;
  FUZZ_CHECK(mptcp_stack_listen(w->b.st, &any, 0) == 0);

  /* The MP_CAPABLE handshake. */
  peer_connect(w);
  drain(w);
  FUZZ_CHECK(w->s_key_known && w->sf[0].st == S_PACK);
  peer_mpc_ack(w, &w->sf[0]);
  drain(w);
  FUZZ_CHECK(w->c != NULL);

  fuzz_driver d = {op, drain, observe, MAX_OPS};
  mptcp_counters ctr;
  fuzz_world_run(&w->b, &in, &d, w, &ctr);

  /* Counters against what the peer delivered. */
  const uint64_t *v = ctr.v;
  FUZZ_CHECK(v[MPTCP_CTR_MP_JOIN_SYN_RX] <= w->n_jsyn_dl);
  FUZZ_CHECK(v[MPTCP_CTR_MP_JOIN_ACK_RX] <= w->n_jack_ok_dl);
  FUZZ_CHECK(v[MPTCP_CTR_MP_JOIN_SYNACK_RX] <= w->n_synack_ok_dl);
  if (!w->forged_synack_dl)
    FUZZ_CHECK(v[MPTCP_CTR_MP_JOIN_SYNACK_BAD_HMAC] == 0);
  if (!w->forged_add_dl) FUZZ_CHECK(v[MPTCP_CTR_MP_ADD_ADDR_BAD_HMAC] == 0);
  FUZZ_CHECK(v[MPTCP_CTR_MP_ADD_ADDR_RX] + v[MPTCP_CTR_MP_ADD_ADDR_BAD_HMAC] <=
             w->n_add_dl);
  FUZZ_CHECK(v[MPTCP_CTR_MP_PRIO_RX] <= w->n_prio_dl);

  if (dbg.on) {
    for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) dbg.ctr.v[i] += ctr.v[i];
    dbg.states |= w->b.states;
    dbg.tx_checked += w->tx_checked;
    dbg.rx_checked += w->rx_checked;
    dbg.bk_checked += w->bk_checked;
  }
  if (w->c && !w->c_gone) mptcp_conn_release(w->c, w->b.now);
  fuzz_world_end(&w->b);
  return 0;
}
