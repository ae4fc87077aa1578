/*
 * fuzz_mptcp: a stateful, structure-aware target for the MPTCP layer on the
 * initial subflow (lib/subflow.c, lib/mp.c, lib/dss.c, lib/handshake.c and
 * their hooks in the TCP engine), in the style of fuzz_stack.
 *
 * One stack with MPTCP on (deterministic rand hook, counting allocator that
 * fails on demand, small buffers, millisecond timers) holds one connection
 * with a scripted MPTCP peer: either the peer connects to the listener
 * us:80 (passive open) or the stack connects from us:5000 (active open); the
 * peer is 10.0.0.2:40000 (2001:db8::2 with IPv6). The peer speaks correct
 * MPTCP when asked to (MP_CAPABLE in both roles with real keys; IDSNs from
 * mptcp_crypto_key_derive; DSS mappings covering its payload with 32- or
 * 64-bit DSNs and, when negotiated, correct DSS checksums; DATA_ACKs of what
 * the stack sent; DATA_FIN; MP_FASTCLOSE), and misbehaves when the input
 * says so (wrong, overlapping, conflicting, ahead/behind and infinite
 * mappings, unmapped data, data without any DSS, DATA_ACKs stale or beyond
 * what was sent, checksum fields that were not negotiated or are wrong, a
 * third ACK without MP_CAPABLE or with wrong keys or versions, MP_CAPABLE
 * repeated, duplicated / reordered / truncated segments, raw option bytes).
 *
 * The peer's payload is a pattern keyed by its DATA sequence number: the
 * byte at relative subflow sequence number s (first payload byte s = 1,
 * signed: bytes before the ISN are negative) is rx_byte(IDSN + s), where
 * IDSN comes from the peer's key. A peer that maps correctly always uses
 * DSN = IDSN + SSN, so whatever the stack does (MPTCP, fallback at
 * handshake time or later, plain TCP) the app's stream byte at offset o
 * must be rx_byte(IDSN + 1 + o).
 *
 * Input: 4 header bytes, then operations until the input runs out (reads
 * past the end yield zeros, see fuzz_reader in fuzz.h).
 *
 *   h0  bit0 active open (the stack connects) instead of passive,
 *       bit1 the stack offers v0 (settings.mptcp_version = 0),
 *       bit2 the listener also takes v0 (settings.mptcp_v0),
 *       bit3 the stack asks for DSS checksums (settings.checksum),
 *       bit4 SACK, bit5 timestamps, bit6 Nagle, bit7 IPv6
 *   h1  sndbuf = 2 KiB << (h1 & 3), rcvbuf = 2 KiB << (h1 >> 2 & 3),
 *       our MSS = {1460, 536, 1000, 100}[h1 >> 4 & 3],
 *       window scale = {0, 2, 7, 14}[h1 >> 6]
 *   h2  the peer's MP_CAPABLE version = {1, 0, 1, 5}[h2 & 3]; bit2 it sets
 *       A (asks for checksums), bit3 C; bit4 its mappings default to 64-bit
 *       DSNs, bit5 its DATA_ACKs to 64 bits; the peer's MSS =
 *       {1460, 536, 1000, 64}[h2 >> 6]
 *   h3  the peer's key = mix(h3 & 15); settings.mptcp_syn_retries =
 *       {2, 1, 0, 3}[h3 >> 4 & 3]; bit6 the peer offers no window
 *       scaling, bit7 no timestamps
 *
 *   Each operation: one byte, low nibble the opcode, bit 0x80 "do not drain
 *   afterwards" (batching). [d] is an optional delta byte, present when the
 *   operation's "delta" bit is set.
 *     0     HS      [b]: handshake step. b & 3: 0 the next one (passive:
 *                   SYN, then the third ACK; active: SYN/ACK), 1 SYN
 *                   (passive) / SYN/ACK (active), 2 an ACK with the
 *                   MP_CAPABLE ACK form (b & 0x80: and a DSS DATA_ACK),
 *                   3 MP_FASTCLOSE with the stack's key on an ACK (b & 4:
 *                   on an RST with MP_TCPRST, reason b >> 5; b & 0x10: a
 *                   wrong key). For 1 and 2: b & 4 no MP_CAPABLE at all,
 *                   b & 8 the other version, b & 0x10 a bad echo of the
 *                   stack's key (ACK form), B flag (SYN), no crypto bit
 *                   (SYN/ACK); b & 0x20 a key other than the peer's;
 *                   b & 0x40 the ACK form becomes the data form, [p]
 *                   payload length follows; b & 0x80 (1) no MSS/WS/
 *                   SACK-permitted on the SYN
 *     1,2,F DATA    [c1][c2][p]([d]): payload. c1 & 3 seq: peer's next,
 *                   the stack's ACK (retransmission), next + d*8 (gap),
 *                   stack's ACK + d*8; c1 >> 2 & 7 mapping: 0 exact, 1 none,
 *                   2 extended ahead by 1+|d|, 3 starting 1+|d| earlier,
 *                   4 wrong DSN (+d or +1), 5 infinite (DLL 0),
 *                   6 MP_CAPABLE data form, 7 other bytes (ahead by
 *                   1+|d|, consistent); c1 & 0x20 64-bit DSN (else as h2),
 *                   c1 & 0x40 checksum misbehaviour (a field although not
 *                   negotiated; when negotiated: none for odd d, a wrong
 *                   value for even d), c1 & 0x80 hold (kept for REPLAY,
 *                   not delivered now). c2 & 7 DATA_ACK mode (0 none,
 *                   1 right/32, 2 right/64, 3 stale, 4 beyond, 5 scrambled,
 *                   6 right minus |d|, 7 right, width from h2), c2 & 8
 *                   DATA_FIN on the mapping, c2 & 0x10 TCP FIN, c2 & 0x20
 *                   bad TCP checksum, c2 & 0x40 [d] follows, c2 & 0x80 TCP
 *                   ACK field not advanced. [p]: length =
 *                   (p & 63) << 2 * (p >> 6), at most 4000
 *     3     TIME    [m][v]: now += v us / ms / 100 ms / 10 s, handle_expiry
 *     4     EXPIRY  now = get_expiry() (+1 s if none), handle_expiry
 *     5     WRITE   [s][l]: l << (s >> 4 & 7) bytes of the send pattern
 *     6     READ    [s][l]
 *     7     PEEK    [s][l]: peek, then consume l << ... (0: what peeked)
 *     8     ACK     [c]([d]): pure ACK. c & 7 DATA_ACK mode as DATA,
 *                   c >> 3 & 3 TCP ACK: the stack's highest, the peer's
 *                   last (duplicate), end of the stack's last segment,
 *                   highest - |d|; c & 0x20 zero window, c & 0x40 [d]
 *                   follows, c & 0x80 no DSS at all
 *     9     DFIN    [c]([d]): DATA_FIN alone (SSN 0, DLL 1) at the end of
 *                   the peer's data. c & 1 with the TCP FIN, c & 2 64-bit,
 *                   c & 4 wrong DSN (+d or +1), c & 8 [d] follows, c & 0x10
 *                   checksum field not as negotiated, c & 0x20 no DATA_ACK,
 *                   c & 0x40 hold, c & 0x80 bad TCP checksum
 *     A     REPLAY  [i][t]: resend the (i % n)th newest of the last 8 peer
 *                   segments (held ones included). t & 3: 0 as it was but
 *                   with a fresh timestamp, 1 exactly as it was, 2 payload
 *                   cut to (t >> 2) * 16 bytes (the mapping stays), 3 the
 *                   IP packet cut short by (t >> 2) + 1 bytes (malformed)
 *     B     CLOSE   [b]: b & 3: shutdown, abort, release, shutdown
 *     C     FAIL    [b]: skip (b >> 4 & 7) allocations, fail the next b & 7
 *     D     OUTBUF  [b]: write_pkt's buffer size (small ones: NOBUF path)
 *     E     RAWOPT  [f][n][n % 41 bytes][p]: a segment whose option area
 *                   is raw bytes (dictionary food). f & 3 seq: peer's next,
 *                   stack's ACK, peer's ISN, next - 1; f & 4 FIN, f & 8
 *                   SYN, f & 0x10 no ACK flag, f & 0x20 RST, f & 0x40
 *                   NOP NOP TS first, f & 0x80 bad TCP checksum
 *
 * Oracle (any violation aborts):
 *   - every packet write_pkt emits fits the buffer (after NOBUF, a large
 *     one gets a packet: nothing is lost), parses with checksums verified,
 *     goes to the peer from us on the connection's ports, has sane flags;
 *     its option area parses (mptcp_tcpopts_parse, with the segment's
 *     context) without a malformed or unknown option and every MPTCP
 *     suboption with status OK: MP_CAPABLE and DSS, and MP_FASTCLOSE /
 *     MP_TCPRST on RSTs only; SACK blocks within the receive buffer while
 *     the peer behaved (see below); its payload fits the MSS (min of both
 *     announcements, at least 64) and the whole packet stays <= MSS + 40 +
 *     IP header; nothing but the SYN goes out at ISS;
 *   - MP_CAPABLE only where its form belongs: on our SYNs (version and A as
 *     configured) until mptcp_syn_retries SYN timeouts, then never again;
 *     on our SYN/ACK only in answer to an MP_CAPABLE SYN, in its version
 *     (v0 only when accepted), A when either side asked for checksums; the
 *     ACK and data forms only from a client, at ISS + 1, echoing the peer's
 *     key, with the negotiated A; not on a simultaneous open's SYN/ACK; the
 *     stack's key never changes within a connection;
 *   - DSS only after an MP_CAPABLE exchange, never again after the stack
 *     fell back to TCP; the checksum field exactly when negotiated and then
 *     right (recomputed over the segment); every mapping maps the app's
 *     bytes at the right DSN (the byte at DSN d is the byte the app wrote
 *     at offset d - IDSN - 1, and not past what it wrote); mappings of the
 *     same subflow bytes agree; a payload in MPTCP mode is always mapped;
 *     the stack's DATA_FIN sits right after the last byte written, and
 *     only after shutdown; a TCP FIN after shutdown sits after the last
 *     byte; MP_FASTCLOSE carries the peer's key;
 *   - the stack's DATA_ACKs never go backwards and, while the peer behaved
 *     (see below), never exceed what the peer mapped and sent, + 1 for a
 *     DATA_FIN;
 *   - while the peer behaved: every byte the app reads or peeks is the
 *     peer's byte at that DATA sequence offset; always: nothing is read
 *     after a read returned EOF;
 *   - events only name the app's handle (or an ACCEPT of a new one),
 *     ACCEPT only for passive opens, CONNECTED only for active ones,
 *     CLOSED once; conn_info agrees with what was seen on the wire
 *     (never "mptcp" after a fallback, the version in use, checksums only
 *     with MPTCP);
 *   - after handle_expiry(now), get_expiry() is later than now or NONE;
 *   - the PktIn, TcpOutSegs and TcpRstSent counters and the trace hook
 *     agree with the packets; the MP_CAPABLE / DATA_FIN / fallback
 *     counters are bounded by the opens; a DSS checksum failure only after
 *     the peer sent a checksum it knew to be wrong (or misbehaved);
 *   - after mptcp_stack_del every allocated byte came back.
 * "Behaved": the peer judges every segment it sends by parsing its own
 * option area; a mapping (DSS or the data form) whose DSN is not
 * IDSN + SSN, an MP_CAPABLE with a key other than its own, a SYN with
 * another ISN, a change of MPTCP version after the first data, data or a
 * mapping at or past its own DATA_FIN, or two DATA_FINs at different DSNs
 * make it a misbehaving peer for the rest of the input (the receive checks
 * are then off; the send checks stay).
 *
 * Environment: FUZZ_MPTCP_DEBUG=1 prints, at exit, what was reached summed
 * over all inputs (MPTCP on, fallbacks, bytes and DATA_ACKs checked, TCP
 * states, counters); =2 also traces every operation and segment and the
 * library's log. FUZZ_MPTCP_STRICT_MSS=1 also enforces RFC 9293 §3.7.1
 * strictly (TCP options + payload <= MSS); by default violations of it
 * are only counted in the debug summary.
 * Known library bugs (see the comments at their checks) each have a switch
 * that lets fuzzing go on past them: FUZZ_MPTCP_LAX_SIMOPEN=1 (MP_CAPABLE
 * SYN/ACK on a simultaneous open), FUZZ_MPTCP_LAX_NOBUF=1 (NOBUF loses
 * MPTCP data; the small output buffers are then not used),
 * FUZZ_MPTCP_LAX_SYNRTO=1 (third ACK at ISS after a SYN timeout),
 * FUZZ_MPTCP_LAX_NOMEM=1 (a failed send-mapping allocation; no allocation
 * failures once MPTCP is under way), FUZZ_MPTCP_LAX_EOF=1 (data read after
 * EOF), FUZZ_MPTCP_LAX_SACK=1 (SACK blocks on top of a full-sized plain
 * TCP segment), FUZZ_MPTCP_LAX_RTX=1 (a retransmission of the first data
 * takes in new bytes: they get mapped twice, then bytes never written go
 * out; the connection's send side is then no longer checked).
 *
 * The stack, its hooks, the generic packet checks and the app calls are
 * shared with fuzz_stack (fuzz_world.c).
 *
 * Coverage (llvm-cov line / branch, clang 14, 2026-11): the 18 seeds reach
 * lib/subflow.c 90.6 / 68.2 %, lib/mp.c 93.6 / 73.1 %, lib/dss.c
 * 91.5 / 66.4 %; the corpus after about 15 minutes of fuzzing with every
 * FUZZ_MPTCP_LAX_* switch on (2680 inputs) reaches 99.6 / 83.0 %,
 * 98.9 / 90.4 % and 98.0 / 85.5 % (lib/handshake.c 64.9 / 80.4 %: no
 * MP_JOIN yet). Measured with replay_mptcp built with
 *   -Dc_args='-fprofile-instr-generate -fcoverage-mapping' (and c_link_args)
 *   LLVM_PROFILE_FILE=x.profraw replay_mptcp CORPUS; llvm-profdata merge
 *   -o x.profdata x.profraw; llvm-cov report replay_mptcp
 *   -instr-profile=x.profdata lib/subflow.c lib/mp.c lib/dss.c
 *
 * SPDX-License-Identifier: MIT
 */
#include "fuzz_world.h"

#include <string.h>

#define IN_CAP 8192
#define MAX_OPS 3000
#define MAX_PAY 4000
#define HIST 8
#define SMAPS 32
/* Close below 2^32: the peer's sequence numbers wrap early. */
#define PEER_ISN 0xfffffc00u

/* A segment of the peer, kept so that it can be sent again. */
typedef struct pseg {
  uint8_t flags, corrupt, use_ts, syn_opts, n_sub, raw_opts;
  uint32_t seq, ack, tsval, tsecr;
  uint16_t win;
  size_t len;
  size_t raw_len;
  uint8_t raw[MPTCP_TCP_OPT_MAX];
  mptcp_subopt sub[2];
} pseg;

/* A mapping the stack sent: subflow bytes [ssn, ssn + len) carry the
 * connection's bytes from relative DSN drel (1 = the first byte). */
typedef struct smap {
  uint32_t ssn, len;
  uint64_t drel;
} smap;

typedef struct world {
  fuzz_world b; /* first: the hooks get it as their user data */
  int active;
  mptcp_addr loc, rem; /* the connection's tuple: loc is the stack's side */

  /* The app's side. */
  mptcp_conn *c;
  int c_closed;
  uint64_t rd_off, tx_written;
  int tx_shut;
  unsigned n_handles;

  /* The peer's configuration. */
  uint8_t p_ver, p_flags, p_map64, p_ack64, p_ts, p_ws;
  uint16_t p_mss;
  uint64_t K;

  /* What the peer saw of the stack (current incarnation). */
  fuzz_seen out;
  int iss_known, s_dead; /* s_dead: an RST or CLOSED since its SYN */
  uint32_t iss;
  int s_syn_mpc;     /* the stack's SYN or SYN/ACK carried MP_CAPABLE */
  unsigned s_syn_n;  /* SYNs the stack sent (active open) */
  int s_syn_dropped; /* ... then one without MP_CAPABLE */
  uint8_t s_ver, s_syn_a;
  int s_csum; /* DSS checksums in use as the stack showed: -1 not yet */
  int s_key_known;
  uint64_t s_key, s_idsn;
  int s_mode; /* 0 no MPTCP option yet, 1 MPTCP, 2 fell back after 1 */
  int s_ever_mptcp, s_ever_fallback;
  int tx_broken;      /* FUZZ_MPTCP_LAX_RTX: the stack mapped unwritten bytes */
  uint32_t s_snd_end; /* relative SSN after the stack's highest byte sent */
  smap sm[SMAPS];
  int n_sm;
  int tx_off_known;
  uint64_t tx_off; /* drel - ssn of the stack's last mapping */
  int s_infmap;    /* the stack sent an infinite mapping: at SSN s_inf_ssn */
  uint32_t s_inf_ssn;
  uint64_t s_inf_drel;
  uint64_t s_dend; /* relative DSN after the stack's last mapped byte */
  int s_dfin;
  int dack_seen, dack_exact; /* exact: not a guess from 32 bits */
  uint64_t dack_last;

  /* The peer's own stream. */
  int p_syn_sent, p_fin_sent;
  uint8_t p_syn_vmask;    /* MP_CAPABLE SYNs sent: bit0 v0, bit1 v1 or later */
  uint8_t p_syn_amask;    /* ... bit0 one without A, bit1 one with A */
  uint8_t p_synack_amask; /* MP_CAPABLE SYN/ACKs sent: bit0 without A... */
  int p_csum;             /* the peer's view: checksums negotiated */
  int p_csum_lied;        /* it sent a checksum it knew to be wrong */
  int p_infmap;           /* it sent an infinite mapping (DSS, DLL 0) */
  int p_raw_sent;         /* it sent raw option bytes (maybe an MP_FAIL) */
  int p_dack_unkeyed; /* a DATA_ACK went out before the stack's key was known */
  uint32_t peer_isn, peer_nxt, peer_ack;
  uint16_t p_mss_max; /* largest MSS the peer announced (536 if none) */
  int p_ver_known, p_frozen;
  uint8_t p_ver_eff, p_frozen_ver;
  uint64_t p_idsn;
  int bad;
  uint64_t p_mapped_end, p_sent_end; /* relative to p_idsn */
  int p_dfin_sent;
  uint64_t p_dfin_rel; /* the DSN of its DATA_FIN, relative to p_idsn */
  int rd_eof;          /* a read returned EOF */
  int p_dack_set;
  uint64_t p_dack_last;

  pseg hist[HIST];
  int hist_n;

  uint64_t rx_checked, tx_checked, dack_checked, maps_checked;
  uint64_t strict_mss_over;
  int simopen;  /* a simultaneous open happened (FUZZ_MPTCP_LAX_SIMOPEN) */
  int s_synced; /* the stack sent a synchronized segment (left SYN-SENT) */
} world;

static world W;
static uint8_t in_buf[IN_CAP];  /* the peer's packet */
static uint8_t pay_buf[IN_CAP]; /* its payload */

/* ---------------------------------------------------------------- stats */

static struct {
  int on, trace, strict_mss, lax_simopen, lax_nobuf, lax_synrto, lax_nomem,
      lax_eof, lax_sack, lax_rtx;
  unsigned long inputs, mptcp_on, fell_back, bad_peer, passive, active;
  mptcp_counters ctr;
  uint32_t states;
  uint64_t rx_checked, tx_checked, dack_checked, maps_checked;
  uint64_t strict_mss_over;
} dbg;

static void dbg_print(void) {
  fprintf(stderr,
          "fuzz_mptcp: %lu inputs (%lu passive, %lu active); MPTCP on in "
          "%lu, fell back after it in %lu, misbehaving peer in %lu\n",
          dbg.inputs, dbg.passive, dbg.active, dbg.mptcp_on, dbg.fell_back,
          dbg.bad_peer);
  fprintf(stderr,
          "fuzz_mptcp: checked %llu received and %llu sent bytes, %llu "
          "stack mappings, %llu DATA_ACKs; %llu packets over the strict "
          "RFC 9293 MSS\n",
          (unsigned long long)dbg.rx_checked,
          (unsigned long long)dbg.tx_checked,
          (unsigned long long)dbg.maps_checked,
          (unsigned long long)dbg.dack_checked,
          (unsigned long long)dbg.strict_mss_over);
  fuzz_print_summary("fuzz_mptcp", dbg.states, &dbg.ctr);
}

/* The library's log, in the trace (FUZZ_MPTCP_DEBUG=2). */
static void w_log(void *ud, int level, const char *msg, size_t len) {
  (void)ud, (void)level;
  fprintf(stderr, "  lib: %.*s\n", (int)len, msg);
}

/* ------------------------------------------------------------- patterns */

/* The peer's payload: byte at DATA sequence number dsn. */
static uint8_t rx_byte(uint64_t dsn) {
  uint32_t x =
      ((uint32_t)dsn ^ (uint32_t)(dsn >> 32) ^ 0x5bd1e995u) * 2246822519u;
  return (uint8_t)(x >> 24 ^ x >> 13);
}

/* A relative subflow sequence number as a signed offset: bytes "before"
 * the ISN wrap to below 0, not to 2^32 (DSN = IDSN + rel(ssn)). */
static uint64_t rel(uint32_t ssn) { return (uint64_t)(int64_t)(int32_t)ssn; }
static uint64_t end_of(uint32_t ssn, uint64_t len) {
  int64_t e = (int64_t)(int32_t)ssn + (int64_t)len;
  return e > 0 ? (uint64_t)e : 0;
}
static uint64_t u64_max(uint64_t a, uint64_t b) { return a > b ? a : b; }
static uint64_t u64_min(uint64_t a, uint64_t b) { return a < b ? a : b; }

static const mptcp_subopt *find_sub(const mptcp_tcpopts *o, uint8_t st) {
  for (unsigned i = 0; i < o->n_mptcp; i++)
    if (o->mptcp[i].subtype == st && o->mptcp[i].status == MPTCP_SUBOPT_OK)
      return &o->mptcp[i];
  return NULL;
}

/* ---------------------------------------------------- the peer's IDSN */

/* The peer's IDSN: fixed by its first use (a payload byte or a DSN), from
 * its key and the version it believes is in use. */
static uint64_t peer_idsn(world *w) {
  if (!w->p_frozen) {
    uint8_t v = w->p_ver_known ? w->p_ver_eff : (w->p_ver ? 1 : 0);
    uint64_t idsn = 0;
    FUZZ_CHECK(mptcp_crypto_key_derive(v, w->K, NULL, &idsn) == 0);
    w->p_idsn = idsn;
    w->p_frozen = 1;
    w->p_frozen_ver = v;
  }
  return w->p_idsn;
}

/* The peer learns (or decides) the version in use. */
static void peer_version(world *w, uint8_t v) {
  v = v ? 1 : 0;
  if (w->p_frozen && w->p_frozen_ver != v) w->bad = 1;
  w->p_ver_known = 1;
  w->p_ver_eff = v;
}

/* What the peer would DATA_ACK: everything the stack mapped, and its
 * DATA_FIN. 0 while the stack's key is unknown. */
static uint64_t right_dack(const world *w) {
  if (!w->s_key_known) return 0;
  return w->s_idsn + w->s_dend + (w->s_dfin ? 1 : 0);
}

/* ------------------------------------------------- the stack's output */

/* Forgets the stack's side: a new incarnation on the tuple. */
static void stack_reset(world *w) {
  w->out.have = 0;
  w->iss_known = 0;
  w->s_dead = 0;
  w->tx_broken = 0;
  w->s_snd_end = 1;
  w->s_syn_mpc = 0;
  w->s_syn_n = 0;
  w->s_csum = -1;
  w->s_key_known = 0;
  w->s_mode = 0;
  w->n_sm = 0;
  w->tx_off_known = 0;
  w->tx_off = 0;
  w->s_infmap = 0;
  w->s_dend = 1;
  w->s_dfin = 0;
  w->dack_seen = 0;
}

static void learn_key(world *w, uint64_t key) {
  if (w->s_key_known) {
    FUZZ_CHECK(w->s_key == key); /* one key per connection */
    return;
  }
  w->s_key = key;
  w->s_key_known = 1;
  FUZZ_CHECK(mptcp_crypto_key_derive(w->s_ver, key, NULL, &w->s_idsn) == 0);
}

/* Records a stack mapping [ssn, ssn + len) -> drel; mappings of the same
 * subflow bytes must agree (RFC 8684 §3.3.1). */
static void smap_add(world *w, uint32_t ssn, uint32_t len, uint64_t drel) {
  for (int i = 0; i < w->n_sm; i++) {
    smap *m = &w->sm[i];
    int ov = (int32_t)(ssn - (m->ssn + m->len)) < 0 &&
             (int32_t)(m->ssn - (ssn + len)) < 0;
    if (ov && m->drel - m->ssn != drel - ssn) {
      /* Finding: the retransmission that takes in new bytes (see
       * check_out_mptcp) maps them again at other DSNs (under
       * FUZZ_MPTCP_LAX_RTX=1 the send side is then no longer checked). */
      FUZZ_CHECK(dbg.lax_rtx);
      w->tx_broken = 1;
      return;
    }
  }
  w->maps_checked++;
  w->tx_off = drel - ssn;
  w->tx_off_known = 1;
  if (w->n_sm) { /* extends the newest one? */
    smap *m = &w->sm[w->n_sm - 1];
    if (m->ssn + m->len == ssn && m->drel + m->len == drel &&
        m->len < 0x40000000u) {
      m->len += len;
      return;
    }
  }
  if (w->n_sm == SMAPS) {
    memmove(w->sm, w->sm + 1, (SMAPS - 1) * sizeof w->sm[0]);
    w->n_sm--;
  }
  smap *m = &w->sm[w->n_sm++];
  m->ssn = ssn;
  m->len = len;
  m->drel = drel;
}

/* The relative DSN of subflow byte ssn and how many bytes from there are
 * known to follow it contiguously; 0 if no mapping covers it. */
static uint32_t smap_lookup(const world *w, uint32_t ssn, uint64_t *drel) {
  for (int i = w->n_sm - 1; i >= 0; i--) {
    const smap *m = &w->sm[i];
    uint32_t off = ssn - m->ssn;
    if (off < m->len) {
      *drel = m->drel + off;
      return m->len - off;
    }
  }
  return 0;
}

/* The stack's payload [ssn, ssn + n): each byte is the app's byte at its
 * DSN. @p mapped: MPTCP mode, every byte must be mapped. */
static void check_tx_bytes(world *w, uint32_t ssn, const uint8_t *p, size_t n,
                           int mapped) {
  size_t i = 0;
  while (i < n) {
    uint64_t drel;
    uint32_t run = smap_lookup(w, ssn + (uint32_t)i, &drel);
    if (run == 0) {
      FUZZ_CHECK(!mapped); /* MPTCP data must be mapped */
      /* After a fallback the implied mapping continues (§3.7); plain TCP
       * is the identity. */
      drel = (w->tx_off_known ? w->tx_off : 0) + (ssn + (uint32_t)i);
      run = (uint32_t)(n - i);
    }
    if (run > n - i) run = (uint32_t)(n - i);
    FUZZ_CHECK(drel >= 1 && drel - 1 + run <= w->tx_written);
    for (uint32_t j = 0; j < run; j++)
      FUZZ_CHECK(p[i + j] == fuzz_tx_byte(drel - 1 + j));
    w->tx_checked += run;
    i += run;
  }
}

static void check_dack(world *w, const mptcp_dss *d) {
  uint64_t ref = w->dack_seen ? w->dack_last : peer_idsn(w) + 1;
  int wide = (d->flags & MPTCP_DSS_a) != 0;
  uint64_t a =
      wide ? d->data_ack : mptcp_expand_seq(ref, (uint32_t)d->data_ack);
  /* A 32-bit DATA_ACK expands right from the peer's IDSN unless the peer
   * gave the stack another key: then compare modulo 2^32. */
  int exact = wide || (w->dack_seen ? w->dack_exact : !w->bad);
  if (w->dack_seen) {
    if (exact && w->dack_exact)
      FUZZ_CHECK((int64_t)(a - w->dack_last) >= 0);
    else
      FUZZ_CHECK((int32_t)((uint32_t)a - (uint32_t)w->dack_last) >= 0);
  }
  w->dack_seen = 1;
  w->dack_exact = exact;
  w->dack_last = a;
  if (!w->bad) {
    uint64_t rel = a - peer_idsn(w);
    uint64_t bound =
        u64_min(w->p_mapped_end, w->p_sent_end) + (w->p_dfin_sent ? 1 : 0);
    FUZZ_CHECK(rel >= 1 && rel <= bound);
    w->dack_checked++;
  }
}

/* The stack's DSS checksums use in-order ring bytes: for a mapping that is
 * exactly this segment's payload (or a DATA_FIN alone), recompute it. */
static void check_csum(const mptcp_pkt *k, uint64_t dsn, uint32_t ssn,
                       uint32_t seg_ssn, uint16_t dll, int fin, uint16_t csum) {
  uint32_t mlen = dll > fin ? (uint32_t)dll - (uint32_t)fin : 0;
  if (mlen == 0) {
    FUZZ_CHECK(ssn == 0 && dll == 1 && fin);
    FUZZ_CHECK(mptcp_dss_csum(dsn, 0, 1, NULL, 0) == csum);
    return;
  }
  /* The stack maps exactly what it sends (checksums cover each mapping). */
  FUZZ_CHECK(ssn == seg_ssn && mlen == k->payload_len);
  FUZZ_CHECK(mptcp_dss_csum(dsn, ssn, dll, k->payload, k->payload_len) == csum);
}

/* The app's connection has ended (its events may not be drained yet). */
static int conn_over(const world *w) {
  mptcp_conn_info ci;
  if (!w->c || mptcp_conn_get_info(w->c, &ci) != 0) return 0;
  return ci.state == MPTCP_TCP_CLOSED || ci.state == MPTCP_TCP_TIME_WAIT;
}

/* The SYN or SYN/ACK of the stack. */
static void check_out_syn(world *w, const mptcp_pkt *k,
                          const mptcp_subopt *mpc) {
  /* A new incarnation (its ISS may be the old one: same clock). The old
   * one may have ended with its CLOSED event not drained yet. */
  if (w->iss_known &&
      (k->seq != w->iss || (!w->active && (w->s_dead || conn_over(w)))))
    stack_reset(w);
  if (!w->iss_known) {
    w->iss = k->seq;
    w->iss_known = 1;
  }
  if (!(k->tcp_flags & MPTCP_TH_ACK)) {
    /* Active open: MP_CAPABLE until mptcp_syn_retries SYN timeouts, then
     * plain SYNs for good (an MP_CAPABLE blackhole, RFC 8684 §3.1). The
     * only connection's timeouts are the stack's. */
    FUZZ_CHECK(w->active);
    mptcp_counters ctr;
    mptcp_stack_get_counters(w->b.st, &ctr);
    int want = w->b.s.mptcp &&
               ctr.v[MPTCP_CTR_TCP_RTO] < w->b.s.mptcp_syn_retries &&
               !w->s_syn_dropped;
    FUZZ_CHECK(!mpc == !want);
    if (w->s_syn_n++ && w->s_syn_mpc && !mpc) w->s_syn_dropped = 1;
    w->s_syn_mpc = mpc != NULL;
    if (!mpc) return;
    if (dbg.lax_nomem) w->b.fail_count = 0;
    const mptcp_mpc *m = &mpc->u.mpc;
    FUZZ_CHECK(m->form == MPTCP_MPC_SYN);
    FUZZ_CHECK(m->version == w->b.s.mptcp_version);
    FUZZ_CHECK(m->flags == (MPTCP_CAP_H | (w->b.s.checksum ? MPTCP_CAP_A : 0)));
    w->s_ver = m->version;
    w->s_syn_a = (m->flags & MPTCP_CAP_A) != 0;
    if (m->version == 0) learn_key(w, m->snd_key);
    return;
  }
  if (w->active) {
    /* A simultaneous open: our SYN crossed the peer's. MPTCP defines none
     * (RFC 8684 §3.1 has the client's SYN answered by a SYN/ACK), so the
     * SYN/ACK must not claim an MP_CAPABLE exchange that never happened.
     * Finding: the stack answers with an MP_CAPABLE SYN/ACK of version 0
     * built from an empty negotiation; FUZZ_MPTCP_LAX_SIMOPEN=1 lets
     * fuzzing go on past it (the connection's MPTCP is then unchecked). */
    if (mpc) FUZZ_CHECK(dbg.lax_simopen);
    w->simopen = 1;
    return;
  }
  if (!mpc) {
    FUZZ_CHECK(!w->s_syn_mpc); /* a retransmission keeps its options */
    return;
  }
  const mptcp_mpc *m = &mpc->u.mpc;
  /* Only in answer to an MP_CAPABLE SYN, in its version (capped at 1),
   * v0 only when accepted, A when either side asked for checksums. */
  FUZZ_CHECK(m->form == MPTCP_MPC_SYNACK && w->b.s.mptcp);
  FUZZ_CHECK(m->version <= 1 && (w->p_syn_vmask >> m->version & 1));
  if (m->version == 0) FUZZ_CHECK(w->b.s.mptcp_v0);
  FUZZ_CHECK((m->flags & ~MPTCP_CAP_A) == MPTCP_CAP_H);
  if (m->flags & MPTCP_CAP_A)
    FUZZ_CHECK(w->b.s.checksum || (w->p_syn_amask & 2));
  else
    FUZZ_CHECK(!w->b.s.checksum && (w->p_syn_amask & 1));
  if (w->s_syn_mpc) FUZZ_CHECK(m->version == w->s_ver);
  w->s_syn_mpc = 1;
  if (dbg.lax_nomem) w->b.fail_count = 0;
  w->s_ver = m->version;
  w->s_csum = (m->flags & MPTCP_CAP_A) != 0;
  w->p_csum = w->s_csum;
  learn_key(w, m->snd_key);
  peer_version(w, m->version);
}

/* An RST of the stack: MP_FASTCLOSE (the peer's key) and MP_TCPRST (v1)
 * only for a connection that does MPTCP. */
static void check_out_rst(world *w, const mptcp_tcpopts *o) {
  const mptcp_subopt *fc = find_sub(o, MPTCP_SUB_FASTCLOSE);
  const mptcp_subopt *tr = find_sub(o, MPTCP_SUB_TCPRST);
  if (!fc && !tr) return;
  FUZZ_CHECK(fc != NULL); /* MP_TCPRST comes with it */
  FUZZ_CHECK(w->s_syn_mpc && w->s_mode != 2);
  if (!w->bad) FUZZ_CHECK(fc->u.fastclose_key == w->K);
  if (tr) FUZZ_CHECK(w->s_ver >= 1);
}

/* DSS checksums in use as far as the model knows (it does not when the
 * stack never sent its key: then either side's A flag may have set it). */
static int csum_maybe_on(const world *w) {
  return w->s_csum == 1 ||
         (w->s_csum < 0 && (w->s_syn_a || (w->p_synack_amask & 2)));
}

/* MP_FAIL on a segment that is not a RST (§3.7, one subflow): only with
 * checksums, after the peer sent a wrong one (or an MP_FAIL, in raw
 * bytes), on a pure ACK next to a DSS whose DATA_ACK is where the stack
 * stopped trusting the data (+1 if the peer's DATA_FIN came after). While
 * the stack still repeats its MP_CAPABLE third ACK there is no DSS: then
 * the DSN lies within what the peer sent. */
static void check_out_fail(world *w, const mptcp_pkt *k, const mptcp_tcpopts *o,
                           const mptcp_subopt *f) {
  const mptcp_subopt *dss = find_sub(o, MPTCP_SUB_DSS);
  FUZZ_CHECK(csum_maybe_on(w));
  FUZZ_CHECK(w->p_csum_lied || w->p_raw_sent || w->bad);
  FUZZ_CHECK(k->payload_len == 0 && !(k->tcp_flags & MPTCP_TH_FIN));
  if (!dss) {
    FUZZ_CHECK(find_sub(o, MPTCP_SUB_CAPABLE) != NULL);
    if (w->bad) return;
    uint64_t rel = f->u.fail_dsn - peer_idsn(w);
    FUZZ_CHECK(rel >= 1 && rel <= w->p_sent_end);
    return;
  }
  FUZZ_CHECK(dss->u.dss.flags & MPTCP_DSS_A);
  if (w->bad) return;
  uint64_t a = dss->u.dss.data_ack;
  uint64_t d = f->u.fail_dsn;
  if (!(dss->u.dss.flags & MPTCP_DSS_a)) { /* compare the low 32 bits */
    a = (uint32_t)a;
    d = (uint32_t)d;
  }
  FUZZ_CHECK(d == a || (w->p_dfin_sent && (uint32_t)(a - d) == 1));
}

/* The stack's infinite mapping (DSS, DLL 0): only in answer to an MP_FAIL
 * (raw bytes from the peer) or after the peer's own infinite mapping
 * (when its DATA_ACK is past the DSN our mappings put at its RCV.NXT,
 * e.g. after a data-level resend), with checksum 0 when checksums are on and no
 * DATA_FIN, on data or a FIN, always the same one; from it the stack runs plain
 * TCP whose bytes continue the data at its DSN (check_tx_bytes, tx_off). */
static void check_out_infmap(world *w, const mptcp_pkt *k, const mptcp_dss *d) {
  FUZZ_CHECK(w->s_syn_mpc && w->s_key_known && (w->s_csum == 1 || w->p_infmap));
  FUZZ_CHECK(w->p_raw_sent || w->bad || w->p_infmap);
  FUZZ_CHECK(!(d->flags & (MPTCP_DSS_F | MPTCP_DSS_A)));
  FUZZ_CHECK(d->has_csum == (w->s_csum == 1) && d->csum == 0);
  FUZZ_CHECK(k->payload_len || (k->tcp_flags & MPTCP_TH_FIN));
  uint64_t dsn =
      (d->flags & MPTCP_DSS_m)
          ? d->dsn
          : mptcp_expand_seq(w->s_idsn + w->s_dend, (uint32_t)d->dsn);
  uint64_t drel = dsn - w->s_idsn;
  uint32_t ssn = k->seq - w->iss;
  FUZZ_CHECK((int32_t)(ssn - d->ssn) >= 0); /* it covers the segment */
  if (w->s_infmap) {
    FUZZ_CHECK(d->ssn == w->s_inf_ssn && drel == w->s_inf_drel);
    return;
  }
  /* Also after segments without a DSS showed the fallback: when the peer's
   * infinite mapping came after a data-level resend that the peer has
   * DATA_ACKed since, the stack names where its stream goes on. */
  FUZZ_CHECK(w->s_mode == 1 || w->s_mode == 2);
  FUZZ_CHECK(drel >= 1 && drel - 1 <= w->tx_written);
  /* From its SSN on it replaces the mappings sent before: copies of a
   * data-level resend that the peer had not acknowledged go again as the
   * stream after its DATA_ACK (mptcp_sf_fall_back), and the FIN follows
   * the bytes sent from there. */
  for (int i = 0; i < w->n_sm; i++) {
    smap *m = &w->sm[i];
    if ((int32_t)(m->ssn + m->len - d->ssn) > 0)
      m->len = (int32_t)(d->ssn - m->ssn) > 0 ? d->ssn - m->ssn : 0;
  }
  if ((int32_t)(w->s_snd_end - d->ssn) > 0) w->s_snd_end = d->ssn;
  w->s_infmap = 1;
  w->s_inf_ssn = d->ssn;
  w->s_inf_drel = drel;
  w->s_mode = 2;
  w->s_ever_fallback = 1;
  w->tx_off = drel - d->ssn;
  w->tx_off_known = 1;
}

/* The MPTCP side of a stack segment. */
static void check_out_mptcp(world *w, const mptcp_pkt *k,
                            const mptcp_tcpopts *o) {
  uint8_t fl = k->tcp_flags;
  const mptcp_subopt *mpc = find_sub(o, MPTCP_SUB_CAPABLE);
  const mptcp_subopt *dss = find_sub(o, MPTCP_SUB_DSS);
  int csum_may = csum_maybe_on(w);
  for (unsigned i = 0; i < o->n_mptcp; i++) {
    uint8_t st = o->mptcp[i].subtype;
    if (fl & MPTCP_TH_RST) /* MP_FAIL: a DSS checksum failed (§3.7) */
      FUZZ_CHECK(st == MPTCP_SUB_FASTCLOSE || st == MPTCP_SUB_TCPRST ||
                 (st == MPTCP_SUB_FAIL && csum_may));
    else if (st == MPTCP_SUB_ADD_ADDR) /* only ever an echo here */
      FUZZ_CHECK(o->mptcp[i].u.add_addr.echo && w->s_ver >= 1);
    else if (st == MPTCP_SUB_FAIL)
      check_out_fail(w, k, o, &o->mptcp[i]);
    else
      FUZZ_CHECK(st == MPTCP_SUB_CAPABLE || st == MPTCP_SUB_DSS);
  }
  if (fl & MPTCP_TH_SYN) {
    FUZZ_CHECK(!dss);
    check_out_syn(w, k, mpc);
    return;
  }
  if (!(fl & MPTCP_TH_RST)) w->s_synced = 1;
  if (w->simopen) return; /* its MPTCP state is not worth checking */
  if (fl & MPTCP_TH_RST) {
    check_out_rst(w, o);
    w->s_dead = 1;
    return;
  }

  if (!mpc && !dss) {
    /* Data inside a mapping sent before and duplicate ACKs with SACK
     * blocks carry no DSS (RFC 8684 §3.3.1, §3.3.2); anything else
     * without one shows a fallback. */
    uint64_t drel;
    uint32_t ssn = k->seq - w->iss;
    int inside = k->payload_len &&
                 smap_lookup(w, ssn, &drel) >= (uint32_t)k->payload_len;
    int dupack = !k->payload_len && !(fl & MPTCP_TH_FIN) && o->n_sack;
    /* (Without the stack's key its mappings are not followed.) */
    if (w->s_mode == 1 && w->s_key_known && !inside && !dupack) {
      w->s_mode = 2; /* fell back: for good */
      w->s_ever_fallback = 1;
    }
    return;
  }
  if (dss && (dss->u.dss.flags & MPTCP_DSS_M) && dss->u.dss.dll == 0) {
    check_out_infmap(w, k, &dss->u.dss);
    return;
  }
  FUZZ_CHECK(w->s_syn_mpc && w->s_mode != 2);
  FUZZ_CHECK(w->iss_known);
  w->s_mode = 1;
  w->s_ever_mptcp = 1;
  uint32_t ssn = k->seq - w->iss;
  if (mpc) {
    const mptcp_mpc *m = &mpc->u.mpc;
    /* Only the client sends the ACK and data forms: the third ACK and
     * the first data until the peer has shown it has the key. */
    FUZZ_CHECK(w->active);
    FUZZ_CHECK(m->form == MPTCP_MPC_ACK || m->form == MPTCP_MPC_DATA);
    FUZZ_CHECK(m->version == w->s_ver);
    /* A: checksums, asked for by either side. */
    int a = (m->flags & MPTCP_CAP_A) != 0;
    FUZZ_CHECK((m->flags & ~MPTCP_CAP_A) == MPTCP_CAP_H);
    if (a)
      FUZZ_CHECK(w->s_syn_a || (w->p_synack_amask & 2));
    else
      FUZZ_CHECK(!w->s_syn_a && (w->p_synack_amask & 1));
    if (w->s_csum >= 0) FUZZ_CHECK(w->s_csum == a);
    w->s_csum = a;
    w->p_csum = a;
    peer_version(w, m->version); /* what the stack settled on */
    /* The third ACK is at the first byte; the first data's implied
     * mapping may ride on a resend of any part of it (a probe, or the
     * rest after a partial ACK). */
    if (m->form == MPTCP_MPC_ACK)
      FUZZ_CHECK(ssn == 1);
    else
      FUZZ_CHECK(ssn >= 1 && ssn - 1 + k->payload_len <= m->dll);
    learn_key(w, m->snd_key);
    if (!w->bad) FUZZ_CHECK(m->rcv_key == w->K);
    if (m->form == MPTCP_MPC_DATA) {
      FUZZ_CHECK(m->version >= 1 && m->has_csum == a);
      FUZZ_CHECK(k->payload_len > 0 && m->dll >= k->payload_len);
      if (m->dll > w->tx_written) { /* see the same check for DSS */
        FUZZ_CHECK(dbg.lax_rtx);
        w->tx_broken = 1;
      }
      if (w->tx_broken) return;
      smap_add(w, 1, m->dll, 1);
      w->s_dend = u64_max(w->s_dend, 1 + (uint64_t)m->dll);
      if (m->has_csum) check_csum(k, w->s_idsn + 1, 1, ssn, m->dll, 0, m->csum);
    } else {
      FUZZ_CHECK(k->payload_len == 0);
    }
  }
  if (dss) {
    const mptcp_dss *d = &dss->u.dss;
    /* A v1 client's key goes out on its third ACK, unless a DATA_ACK from
     * the peer came first (the peer then claimed a key it cannot have). */
    FUZZ_CHECK(w->s_key_known || w->p_dack_unkeyed || dbg.lax_synrto);
    if (!w->s_key_known) return;
    if (d->flags & MPTCP_DSS_A) check_dack(w, d);
    if (d->flags & MPTCP_DSS_M) {
      if (w->s_csum < 0) { /* the key was never confirmed by a 3rd ACK */
        FUZZ_CHECK(d->has_csum ? w->s_syn_a || (w->p_synack_amask & 2)
                               : !w->s_syn_a && (w->p_synack_amask & 1));
        w->s_csum = d->has_csum;
      }
      /* The checksum field exactly when negotiated (§3.3). */
      FUZZ_CHECK(d->has_csum == w->s_csum);
      int fin = (d->flags & MPTCP_DSS_F) != 0;
      FUZZ_CHECK(d->dll >= (fin ? 1 : 0));
      uint32_t mlen = d->dll ? (uint32_t)d->dll - (uint32_t)fin : 0;
      uint64_t dsn =
          (d->flags & MPTCP_DSS_m)
              ? d->dsn
              : mptcp_expand_seq(w->s_idsn + w->s_dend, (uint32_t)d->dsn);
      uint64_t drel = dsn - w->s_idsn;
      if (mlen && !(drel >= 1 && drel - 1 + mlen <= w->tx_written)) {
        /* Finding: a retransmission that takes in new bytes maps them
         * without assigning them, and the next one maps bytes never
         * written (FUZZ_MPTCP_LAX_RTX=1: the connection's send side is
         * then no longer checked). */
        FUZZ_CHECK(dbg.lax_rtx);
        w->tx_broken = 1;
      }
      if (w->tx_broken) return;
      if (mlen) {
        smap_add(w, d->ssn, mlen, drel);
        w->s_dend = u64_max(w->s_dend, drel + mlen);
        /* A mapping on a data segment covers it. */
        if (k->payload_len) {
          uint32_t off = ssn - d->ssn;
          FUZZ_CHECK(off < mlen && k->payload_len <= mlen - off);
        }
      }
      if (d->has_csum) check_csum(k, dsn, d->ssn, ssn, d->dll, fin, d->csum);
      if (fin) {
        /* The DATA_FIN sits right after the last byte written. */
        FUZZ_CHECK(w->tx_shut);
        FUZZ_CHECK(drel + mlen == 1 + w->tx_written);
        w->s_dfin = 1;
      }
    }
  }
}

static void check_out(void *ud, const uint8_t *buf, size_t n,
                      const mptcp_pkt_info *pi) {
  world *w = ud;
  mptcp_pkt k;
  mptcp_tcpopts o;
  fuzz_check_pkt(&w->b, buf, n, pi, &k, &o);
  uint8_t fl = k.tcp_flags;
  FUZZ_CHECK(mptcp_ipaddr_equal(&k.src, &w->b.us));
  FUZZ_CHECK(o.n_mptcp_bad == 0);
  for (unsigned i = 0; i < o.n_mptcp; i++)
    FUZZ_CHECK(o.mptcp[i].status == MPTCP_SUBOPT_OK);
  /* SACK blocks stay within the receive buffer while subflow and DATA
   * sequence numbers move together; a peer that maps its bytes elsewhere
   * may have them queued further out in subflow space (the window is the
   * connection's, RFC 8684 §3.3.5). */
  if (!w->bad) fuzz_check_sack_room(&w->b, &k, &o);

  /* Size: the payload fits the MSS (both announcements, and the stack's
   * floor of 64), the packet fits MSS + 40 + IP header. */
  size_t ours = w->b.s.mss - (w->b.v6 ? 20u : 0u);
  size_t mss = ours < w->p_mss_max ? ours : w->p_mss_max;
  if (mss < 64) mss = 64;
  size_t iph = w->b.v6 ? MPTCP_IPV6_HDR_LEN : MPTCP_IPV4_HDR_LEN;
  FUZZ_CHECK(k.payload_len <= mss);
  /* Finding: SACK blocks ride on full-sized segments of plain TCP on top
   * of the payload (FUZZ_MPTCP_LAX_SACK=1 allows their bytes). */
  size_t sack_bytes = (o.present & MPTCP_HAS_SACK) ? 4u + 8u * o.n_sack : 0;
  FUZZ_CHECK(n <= mss + 40 + iph + (dbg.lax_sack ? sack_bytes : 0));
  if (k.opts_len + k.payload_len > mss && k.payload_len) {
    w->strict_mss_over++;
    FUZZ_CHECK(!dbg.strict_mss); /* RFC 9293 §3.7.1, on request */
  }

  if (dbg.trace) {
    fuzz_trace_out(&w->b, &k);
    for (unsigned i = 0; i < o.n_mptcp; i++) {
      char s[160];
      mptcp_subopt_format(&o.mptcp[i], s, sizeof s);
      fprintf(stderr, " [%s]", s);
    }
    fprintf(stderr, "\n");
  }
  /* Only our connection's tuple (and RSTs to it). */
  FUZZ_CHECK(k.sport == w->loc.port && k.dport == w->rem.port);

  /* Nothing of ours is sent before ISS + 1 once the SYN is done (there
   * are no keep-alives here). Finding: the third ACK after a SYN
   * retransmission timeout goes out at ISS (FUZZ_MPTCP_LAX_SYNRTO=1). */
  if (!(fl & (MPTCP_TH_SYN | MPTCP_TH_RST)) && w->iss_known && !w->simopen)
    FUZZ_CHECK(k.seq != w->iss || dbg.lax_synrto);

  check_out_mptcp(w, &k, &o);
  if (fl & MPTCP_TH_RST) return;
  if (w->iss_known && !(fl & MPTCP_TH_SYN)) {
    uint32_t ssn = k.seq - w->iss;
    /* Without the stack's key (a peer that DATA_ACKed before the third
     * ACK) its DSNs cannot be resolved. */
    /* A simultaneous open's MPTCP state is not followed (check_out_mptcp):
     * its mappings are unknown, and a data-level resend breaks the
     * identity the plain TCP check assumes. */
    int known =
        !(w->s_mode == 1 && !w->s_key_known) && !w->tx_broken && !w->simopen;
    if (k.payload_len && known)
      check_tx_bytes(w, ssn, k.payload, k.payload_len, w->s_mode == 1);
    uint32_t end = ssn + (uint32_t)k.payload_len;
    if (k.payload_len && (int32_t)(end - w->s_snd_end) > 0) w->s_snd_end = end;
    if ((fl & MPTCP_TH_FIN) && w->tx_shut && known) {
      /* The FIN follows every byte sent. With MPTCP every byte written
       * is mapped by then (the subflow may have sent bytes again at other
       * SSNs: a data-level resend); plain TCP, and after a fallback the
       * implied mapping, put the last byte written right before it. */
      FUZZ_CHECK(end == w->s_snd_end);
      if (w->s_mode == 1)
        FUZZ_CHECK(w->s_dend == 1 + w->tx_written);
      else
        FUZZ_CHECK(ssn - 1 + (uint32_t)k.payload_len ==
                   (uint32_t)w->tx_written - (uint32_t)w->tx_off);
    }
  }
  fuzz_seen_update(&w->out, &k, &o);
}

/* ------------------------------------------------------------- events */

static void adopt(world *w, mptcp_conn *c) {
  w->c = c;
  w->c_closed = 0;
  w->rd_eof = 0;
  w->rd_off = 0;
  w->tx_written = 0;
  w->tx_shut = 0;
  w->n_handles++;
}

static void drain(void *ud) {
  world *w = ud;
  fuzz_drain_pkts(&w->b, 0, check_out, w);
  int guard;
  mptcp_event ev;
  for (guard = 0; mptcp_stack_next_event(w->b.st, &ev); guard++) {
    FUZZ_CHECK(guard < 1000);
    FUZZ_CHECK(ev.conn != NULL && ev.events != 0 &&
               ev.events < 0x1000u); /* up to MPTCP_EV_FALLBACK */
    if (ev.conn != w->c) {
      /* Only a new passive connection may appear unannounced. */
      FUZZ_CHECK((ev.events & MPTCP_EV_ACCEPT) && !w->active);
      if (w->c && !w->c_closed) {
        mptcp_conn_release(ev.conn, w->b.now); /* not ours to watch */
        continue;
      }
      if (w->c) mptcp_conn_release(w->c, w->b.now);
      adopt(w, ev.conn);
    } else {
      FUZZ_CHECK(!(ev.events & MPTCP_EV_ACCEPT));
    }
    if (ev.events & (MPTCP_EV_CONNECTED | MPTCP_EV_REFUSED))
      FUZZ_CHECK(w->active);
    if (ev.events & MPTCP_EV_CLOSED) {
      FUZZ_CHECK(!w->c_closed);
      w->c_closed = 1;
      w->s_dead = 1;
    }
  }
}

/* ------------------------------------------------------- the peer side */

static int deliver(world *w, const uint8_t *pkt, size_t len) {
  return fuzz_deliver(&w->b, pkt, len);
}

static uint32_t peer_tsval(const world *w) {
  return (uint32_t)(w->b.now / 1000) + 77777u;
}

static void seg_init(world *w, pseg *g, uint8_t flags) {
  memset(g, 0, sizeof *g);
  g->flags = flags;
  g->seq = w->peer_nxt;
  g->ack = w->out.have ? w->out.max : 0;
  g->win = 65535;
  g->use_ts = w->out.ts;
  g->tsval = peer_tsval(w);
  g->tsecr = w->out.tsval;
}

/* The option area of @p g into @p buf; returns its length. */
static size_t build_opts(const world *w, const pseg *g, uint8_t *buf) {
  if (g->raw_opts) {
    memcpy(buf, g->raw, g->raw_len);
    return g->raw_len;
  }
  for (int drop = 0; drop < 3; drop++) {
    mptcp_tcpopts o;
    memset(&o, 0, sizeof o);
    if (g->syn_opts) {
      o.present |= MPTCP_HAS_MSS | MPTCP_HAS_SACK_PERM;
      o.mss = w->p_mss;
      if (w->p_ws) {
        o.present |= MPTCP_HAS_WSCALE;
        o.wscale = 7;
      }
    }
    if (g->use_ts && drop < 1) {
      o.present |= MPTCP_HAS_TS;
      o.ts_val = g->tsval;
      o.ts_ecr = g->tsecr;
    }
    unsigned nsub = g->n_sub;
    if (drop >= 2 && nsub > 1) nsub = 1;
    for (unsigned i = 0; i < nsub; i++) mptcp_tcpopts_add_mptcp(&o, &g->sub[i]);
    mptcp_ssize n = mptcp_tcpopts_write(&o, 0xff, buf, MPTCP_TCP_OPT_MAX);
    if (n >= 0) return (size_t)n;
  }
  return 0;
}

/* The peer's payload bytes at sequence seq. */
static void fill_payload(world *w, uint32_t seq, uint8_t *p, size_t len) {
  uint64_t base = peer_idsn(w);
  uint32_t ssn = seq - w->peer_isn;
  for (size_t i = 0; i < len; i++)
    p[i] = rx_byte(base + rel(ssn + (uint32_t)i));
}

/* The DSS checksum of the peer's mapping [ssn, ssn + dll - fin) at @p dsn:
 * its bytes are the pattern at their true DSNs (whatever @p dsn says). */
static uint16_t peer_csum(world *w, uint64_t dsn, uint32_t ssn, uint16_t dll,
                          int fin) {
  mptcp_dss_csum_state cs;
  mptcp_dss_csum_init(&cs, dsn, ssn, dll);
  uint32_t len = dll > fin ? (uint32_t)dll - (uint32_t)fin : 0;
  uint8_t buf[256];
  for (uint32_t at = 0; at < len;) {
    uint32_t n = len - at < sizeof buf ? len - at : (uint32_t)sizeof buf;
    fill_payload(w, w->peer_isn + ssn + at, buf, n);
    mptcp_dss_csum_add(&cs, buf, n);
    at += n;
  }
  return mptcp_dss_csum_final(&cs);
}

/* Writes segment @p g into in_buf; returns the packet length. */
static size_t build_pkt(world *w, const pseg *g) {
  uint8_t opt[MPTCP_TCP_OPT_MAX];
  size_t olen = build_opts(w, g, opt);
  size_t len = g->len;
  if (len) fill_payload(w, g->seq, pay_buf, len);
  fuzz_seg k = {.from = w->rem,
                .to = w->loc,
                .flags = g->flags,
                .corrupt = g->corrupt,
                .seq = g->seq,
                .ack = g->ack,
                .win = g->win,
                .opt = opt,
                .opt_len = olen,
                .pay = pay_buf,
                .len = len};
  size_t n = fuzz_write_seg(&w->b, &k, in_buf, sizeof in_buf);
  if (dbg.trace) {
    mptcp_parse_ctx ctx;
    mptcp_parse_ctx_init(&ctx, g->flags, len);
    mptcp_tcpopts o;
    mptcp_tcpopts_parse(opt, olen, &ctx, &o);
    fprintf(stderr,
            "  t=%llu in  flags=%02x seq=%u (ssn %u) ack=%u win=%u len=%zu "
            "opts=%zu%s",
            (unsigned long long)w->b.now, g->flags, g->seq,
            g->seq - w->peer_isn, g->ack, g->win, len, olen,
            g->corrupt ? " (bad csum)" : "");
    for (unsigned i = 0; i < o.n_mptcp; i++) {
      char s[160];
      mptcp_subopt_format(&o.mptcp[i], s, sizeof s);
      fprintf(stderr, " [%s%s]", s, o.mptcp[i].status ? " BAD" : "");
    }
    fprintf(stderr, "\n");
  }
  return (size_t)n;
}

/* What the peer knows it did with @p g (judged on its own option area):
 * where its data and mappings end, whether it still behaves. */
static void account(world *w, const pseg *g) {
  uint8_t opt[MPTCP_TCP_OPT_MAX];
  size_t olen = build_opts(w, g, opt);
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, g->flags, g->len);
  mptcp_tcpopts o;
  mptcp_tcpopts_parse(opt, olen, &ctx, &o);
  uint32_t ssn = g->seq - w->peer_isn;
  if (g->corrupt) return; /* the stack drops it */
  if (g->flags & MPTCP_TH_RST) return;
  if (g->flags & MPTCP_TH_SYN) {
    if (g->seq != w->peer_isn) w->bad = 1;
    uint16_t m = (o.present & MPTCP_HAS_MSS) ? o.mss : 536;
    if (m > w->p_mss_max) w->p_mss_max = m;
  }
  if (g->len) {
    peer_idsn(w);
    w->p_sent_end = u64_max(w->p_sent_end, end_of(ssn, g->len));
    /* Data at or past its own DATA_FIN. */
    if (w->p_dfin_sent && w->p_sent_end > w->p_dfin_rel) w->bad = 1;
  }
  for (unsigned i = 0; i < o.n_mptcp; i++) {
    const mptcp_subopt *so = &o.mptcp[i];
    if (so->status != MPTCP_SUBOPT_OK) continue;
    if (so->subtype == MPTCP_SUB_CAPABLE) {
      const mptcp_mpc *m = &so->u.mpc;
      int has_key = !(m->form == MPTCP_MPC_SYN && m->version != 0);
      uint8_t abit = (uint8_t)((m->flags & MPTCP_CAP_A) ? 2 : 1);
      if (m->form == MPTCP_MPC_SYN) {
        w->p_syn_vmask |= (uint8_t)(1u << (m->version ? 1 : 0));
        w->p_syn_amask |= abit;
      }
      if (m->form == MPTCP_MPC_SYNACK) {
        /* The stack takes the first SYN/ACK (later ones are old). */
        if (!w->p_synack_amask) {
          if (!w->p_ver_known) peer_version(w, m->version);
          w->p_csum = w->s_syn_a || (m->flags & MPTCP_CAP_A);
        }
        w->p_synack_amask |= abit;
      }
      if (m->form == MPTCP_MPC_DATA && m->has_csum && g->raw_opts)
        w->p_csum_lied = 1;
      if (has_key && m->snd_key != w->K) w->bad = 1;
      if (m->form == MPTCP_MPC_DATA && g->len)
        w->p_mapped_end = u64_max(w->p_mapped_end, 1 + (uint64_t)m->dll);
    } else if (so->subtype == MPTCP_SUB_DSS) {
      const mptcp_dss *d = &so->u.dss;
      if ((d->flags & MPTCP_DSS_A) && !w->s_key_known) w->p_dack_unkeyed = 1;
      if (!(d->flags & MPTCP_DSS_M)) continue;
      if (d->dll == 0) w->p_infmap = 1;
      if (d->has_csum && g->raw_opts) w->p_csum_lied = 1; /* unchecked */
      int fin = (d->flags & MPTCP_DSS_F) != 0;
      uint32_t mlen = d->dll > fin ? (uint32_t)d->dll - (uint32_t)fin : 0;
      uint64_t want = peer_idsn(w) + rel(d->ssn);
      int ok = (d->flags & MPTCP_DSS_m) ? d->dsn == want
                                        : (uint32_t)d->dsn == (uint32_t)want;
      if (fin && d->dll) {
        /* Where the DATA_FIN sits; one only, after all data. */
        uint64_t at =
            (d->flags & MPTCP_DSS_m)
                ? d->dsn - peer_idsn(w)
                : (uint32_t)((uint32_t)d->dsn - (uint32_t)peer_idsn(w));
        at += mlen;
        if ((w->p_dfin_sent && at != w->p_dfin_rel) || at < w->p_sent_end ||
            at < w->p_mapped_end)
          w->bad = 1;
        w->p_dfin_sent = 1;
        w->p_dfin_rel = at;
      }
      if (mlen == 0 && d->dll != 0) continue; /* a DATA_FIN alone */
      if (!ok) {
        w->bad = 1;
        continue;
      }
      if (mlen) {
        w->p_mapped_end = u64_max(w->p_mapped_end, end_of(d->ssn, mlen));
        if (w->p_dfin_sent && w->p_mapped_end > w->p_dfin_rel) w->bad = 1;
      }
    }
  }
  if (!(g->flags & MPTCP_TH_RST)) {
    uint32_t end = g->seq + (uint32_t)g->len +
                   ((g->flags & MPTCP_TH_SYN) != 0) +
                   ((g->flags & MPTCP_TH_FIN) != 0);
    if (g->flags & MPTCP_TH_SYN)
      w->peer_nxt = fuzz_seq_max(w->peer_nxt, end);
    else if (fuzz_seq_gt(end, w->peer_nxt) &&
             (int32_t)(end - w->peer_nxt) < 65536)
      w->peer_nxt = end;
    if (g->flags & MPTCP_TH_FIN) w->p_fin_sent = 1;
  }
  if (g->flags & MPTCP_TH_ACK) w->peer_ack = g->ack;
  (void)ssn;
}

/* What delivering @p g (new or again) may do to the stack's side. */
static void delivered(world *w, const pseg *g) {
  if (g->corrupt) return;
  /* An RST may end the connection: the next SYN/ACK may then start a new
   * incarnation. */
  if (g->flags & MPTCP_TH_RST) w->s_dead = 1;
  /* A SYN crossing ours: a simultaneous open (see check_out_syn). */
  if ((g->flags & (MPTCP_TH_SYN | MPTCP_TH_ACK | MPTCP_TH_RST)) ==
          MPTCP_TH_SYN &&
      w->active && !w->s_synced)
    w->simopen = 1;
}

/* Sends (or only records, @p hold) a new peer segment. */
static void send_seg(world *w, const pseg *g, int hold) {
  account(w, g);
  w->hist[w->hist_n % HIST] = *g;
  w->hist_n++;
  if (hold) return;
  delivered(w, g);
  size_t n = build_pkt(w, g);
  deliver(w, in_buf, n);
}

/* A DSS DATA_ACK by mode (0: none). @p d the operation's delta. */
static int dack_for(world *w, unsigned mode, int8_t d, mptcp_dss *out) {
  uint64_t right = right_dack(w), a;
  int wide = w->p_ack64;
  switch (mode & 7) {
  case 0: return 0;
  case 1: a = right, wide = 0; break;
  case 2: a = right, wide = 1; break;
  case 3: a = (w->p_dack_set ? w->p_dack_last : right) - 1 - (uint8_t)d; break;
  case 4: a = right + 1 + (uint8_t)d; break;
  case 5: a = right ^ ((uint64_t)(uint8_t)d << 24 | 0x5a5a00u); break;
  case 6: a = right - (uint8_t)d; break;
  default: a = right; break;
  }
  out->flags |= MPTCP_DSS_A | (wide ? MPTCP_DSS_a : 0);
  out->data_ack = wide ? a : (uint32_t)a;
  if (!w->p_dack_set || (int64_t)(a - w->p_dack_last) > 0) {
    w->p_dack_last = a;
    w->p_dack_set = 1;
  }
  return 1;
}

static void sub_dss(mptcp_subopt *so) {
  memset(so, 0, sizeof *so);
  so->subtype = MPTCP_SUB_DSS;
}

/* The mapping [ssn, ssn + len) at dsn, DATA_FIN after it if @p fin. */
static void dss_map(mptcp_dss *d, int wide, uint64_t dsn, uint32_t ssn,
                    uint32_t len, int fin) {
  d->flags |= MPTCP_DSS_M | (wide ? MPTCP_DSS_m : 0) | (fin ? MPTCP_DSS_F : 0);
  d->dsn = wide ? dsn : (uint32_t)dsn;
  d->ssn = ssn;
  uint32_t dll = len + (fin ? 1u : 0u);
  d->dll = (uint16_t)(dll > 65535 ? 65535 : dll);
}

static size_t pay_len(uint8_t p) {
  size_t n = (size_t)(p & 63) << ((p >> 6) * 2);
  return n > MAX_PAY ? MAX_PAY : n;
}

/* Fills the MP_CAPABLE ACK or data form of the peer. */
static void mpc_ack(world *w, mptcp_subopt *so, uint8_t b, size_t len) {
  memset(so, 0, sizeof *so);
  so->subtype = MPTCP_SUB_CAPABLE;
  mptcp_mpc *m = &so->u.mpc;
  uint8_t v = w->p_ver_known ? w->p_ver_eff : (w->p_ver ? 1 : 0);
  if (b & 8) v ^= 1;
  m->version = v;
  m->flags = w->p_flags;
  m->form = len ? MPTCP_MPC_DATA : MPTCP_MPC_ACK;
  m->snd_key = (b & 0x20) ? w->K ^ 0x00ff00ff00ff00ffull : w->K;
  m->rcv_key = w->s_key ^ ((b & 0x10) ? 1u : 0u);
  m->dll = (uint16_t)len;
  if (len && w->p_csum) { /* the implied mapping: DSN IDSN + 1, SSN 1 */
    m->has_csum = 1;
    m->csum = peer_csum(w, peer_idsn(w) + 1, 1, m->dll, 0);
  }
}

static void hs_op(world *w, fuzz_reader *in) {
  uint8_t b = fuzz_u8(in);
  unsigned step = b & 3;
  pseg g;
  if (step == 0) step = (w->active || !w->p_syn_sent) ? 1 : 2;
  if (step == 1) {
    int synack = w->active;
    seg_init(w, &g, synack ? (MPTCP_TH_SYN | MPTCP_TH_ACK) : MPTCP_TH_SYN);
    g.seq = w->peer_isn;
    g.ack = synack ? (w->iss_known ? w->iss + 1 : 0) : 0;
    g.syn_opts = !(b & 0x80);
    g.use_ts = w->p_ts;
    g.tsecr = synack ? w->out.tsval : 0;
    if (!(b & 4)) {
      mptcp_subopt *so = &g.sub[g.n_sub++];
      memset(so, 0, sizeof *so);
      so->subtype = MPTCP_SUB_CAPABLE;
      mptcp_mpc *m = &so->u.mpc;
      uint8_t v = w->p_ver;
      if (b & 8) v = v ? 0 : 1;
      m->version = v;
      m->flags = w->p_flags;
      m->snd_key = (b & 0x20) ? w->K ^ 0x00ff00ff00ff00ffull : w->K;
      if (synack) {
        m->form = MPTCP_MPC_SYNACK;
        if (b & 0x10) m->flags &= (uint8_t)~MPTCP_CAP_H;

      } else {
        m->form = MPTCP_MPC_SYN;
        if (b & 0x10) m->flags |= MPTCP_CAP_B;
      }
    }
    w->p_syn_sent = 1;
    send_seg(w, &g, 0);
    return;
  }
  if (step == 3) { /* MP_FASTCLOSE on an ACK, or on an RST + MP_TCPRST */
    int rst = (b & 4) != 0;
    seg_init(w, &g, rst ? (MPTCP_TH_RST | MPTCP_TH_ACK) : MPTCP_TH_ACK);
    mptcp_subopt *so = &g.sub[g.n_sub++];
    memset(so, 0, sizeof *so);
    so->subtype = MPTCP_SUB_FASTCLOSE;
    so->u.fastclose_key = w->s_key ^ ((b & 0x10) ? 1u : 0u);
    if (rst) {
      so = &g.sub[g.n_sub++];
      memset(so, 0, sizeof *so);
      so->subtype = MPTCP_SUB_TCPRST;
      so->u.tcprst.reason = (uint8_t)(b >> 5);
    }
    send_seg(w, &g, 0);
    return;
  }
  /* An ACK with MP_CAPABLE (the third ACK, or a repeat of it). */
  size_t len = (b & 0x40) ? pay_len(fuzz_u8(in)) : 0;
  seg_init(w, &g, MPTCP_TH_ACK | (len ? MPTCP_TH_PSH : 0));
  g.len = len;
  if (!(b & 4)) mpc_ack(w, &g.sub[g.n_sub++], b, len);
  if (b & 0x80) {
    mptcp_subopt *so = &g.sub[g.n_sub++];
    sub_dss(so);
    dack_for(w, 7, 0, &so->u.dss);
  }
  send_seg(w, &g, 0);
}

static void data_op(world *w, fuzz_reader *in) {
  uint8_t c1 = fuzz_u8(in), c2 = fuzz_u8(in), p = fuzz_u8(in);
  int8_t d = (c2 & 0x40) ? (int8_t)fuzz_u8(in) : 0;
  size_t len = pay_len(p);
  uint32_t ext = 1u + (uint8_t)(d < 0 ? -d : d);
  pseg g;
  seg_init(w, &g, MPTCP_TH_ACK | (len ? MPTCP_TH_PSH : 0));
  uint32_t back = w->out.have ? w->out.ack : w->peer_nxt;
  switch (c1 & 3) {
  case 0: g.seq = w->peer_nxt; break;
  case 1: g.seq = back; break;
  case 2: g.seq = w->peer_nxt + (uint32_t)((int32_t)d * 8); break;
  default: g.seq = back + (uint32_t)((int32_t)d * 8); break;
  }
  g.len = len;
  if (c2 & 0x10) g.flags |= MPTCP_TH_FIN;
  if (c2 & 0x80) g.ack = w->peer_ack;
  g.corrupt = (c2 & 0x20) != 0;
  int wide = (c1 & 0x20) || w->p_map64;
  int fin = (c2 & 8) != 0;
  uint32_t ssn = g.seq - w->peer_isn;
  uint64_t base = peer_idsn(w);
  unsigned mode = c1 >> 2 & 7;
  mptcp_subopt *so = &g.sub[0];
  sub_dss(so);
  mptcp_dss *x = &so->u.dss;
  int have_dss = dack_for(w, c2 & 7, d, x);
  uint64_t dsn = base + rel(ssn);
  switch (mode) {
  case 0: dss_map(x, wide, dsn, ssn, (uint32_t)len, fin); break;
  case 1: break;
  case 2: dss_map(x, wide, dsn, ssn, (uint32_t)len + ext, fin); break;
  case 3:
    dsn -= ext;
    dss_map(x, wide, dsn, ssn - ext, (uint32_t)len + ext, fin);
    break;
  case 4:
    dsn += (uint64_t)(int64_t)(d ? d : 1);
    dss_map(x, wide, dsn, ssn, (uint32_t)len, fin);
    break;
  case 5:
    dss_map(x, wide, dsn, ssn, 0, 0);
    x->dll = 0; /* infinite */
    break;
  case 6: break; /* the MP_CAPABLE data form below */
  default:
    dsn += ext;
    dss_map(x, wide, dsn, ssn + ext, (uint32_t)len, fin);
    break;
  }
  if (x->flags & MPTCP_DSS_M) {
    have_dss = 1;
    /* The checksum field when negotiated; c1 & 0x40: when not, or (if it
     * was) no field (odd d) or a wrong value (even d). */
    int with = w->p_csum;
    if (c1 & 0x40) with = w->p_csum ? (d & 1) == 0 : 1;
    if (with) {
      x->has_csum = 1;
      x->csum =
          peer_csum(w, dsn, x->ssn, x->dll, (x->flags & MPTCP_DSS_F) != 0);
      if ((c1 & 0x40) && w->p_csum) {
        x->csum ^= 0x5555;
        w->p_csum_lied = 1;
      }
    }
  }
  if (have_dss) g.n_sub = 1;
  if (mode == 6) {
    if (g.n_sub) g.sub[1] = g.sub[0];
    mpc_ack(w, &g.sub[0], 0, len);
    g.n_sub++;
  }
  send_seg(w, &g, (c1 & 0x80) != 0);
}

static void ack_op(world *w, fuzz_reader *in) {
  uint8_t c = fuzz_u8(in);
  int8_t d = (c & 0x40) ? (int8_t)fuzz_u8(in) : 0;
  pseg g;
  seg_init(w, &g, MPTCP_TH_ACK);
  switch (c >> 3 & 3) {
  case 0: break;
  case 1: g.ack = w->peer_ack; break;
  case 2: g.ack = w->out.end; break;
  default: g.ack = w->out.max - (uint8_t)(d < 0 ? -d : d); break;
  }
  if (c & 0x20) g.win = 0;
  if (!(c & 0x80)) {
    sub_dss(&g.sub[0]);
    if (dack_for(w, c & 7, d, &g.sub[0].u.dss)) g.n_sub = 1;
  }
  send_seg(w, &g, 0);
}

static void dfin_op(world *w, fuzz_reader *in) {
  uint8_t c = fuzz_u8(in);
  int8_t d = (c & 8) ? (int8_t)fuzz_u8(in) : 0;
  pseg g;
  seg_init(w, &g, MPTCP_TH_ACK);
  /* The end of the peer's data (a TCP FIN takes no DSN). */
  uint32_t data_end = w->peer_nxt - (w->p_fin_sent ? 1u : 0u);
  if (c & 1) {
    g.flags |= MPTCP_TH_FIN;
    g.seq = data_end;
  }
  g.corrupt = (c & 0x80) != 0;
  mptcp_subopt *so = &g.sub[0];
  sub_dss(so);
  if (!(c & 0x20)) dack_for(w, 7, 0, &so->u.dss);
  uint64_t dsn = peer_idsn(w) + (data_end - w->peer_isn);
  if (c & 4) dsn += (uint64_t)(int64_t)(d ? d : 1);
  dss_map(&so->u.dss, (c & 2) || w->p_map64, dsn, 0, 0, 1);
  if (w->p_csum ^ ((c & 0x10) != 0)) { /* c & 0x10: not as negotiated */
    so->u.dss.has_csum = 1;
    so->u.dss.csum = peer_csum(w, dsn, 0, 1, 1);
  }
  g.n_sub = 1;
  send_seg(w, &g, (c & 0x40) != 0);
}

static void replay_op(world *w, fuzz_reader *in) {
  uint8_t i = fuzz_u8(in), t = fuzz_u8(in);
  int n = w->hist_n < HIST ? w->hist_n : HIST;
  if (n == 0) return;
  pseg g = w->hist[(w->hist_n - 1 - i % n) % HIST];
  switch (t & 3) {
  case 0: g.tsval = peer_tsval(w); break;
  case 1: break;
  case 2: {
    size_t cut = (size_t)(t >> 2) * 16;
    if (cut < g.len) g.len = cut;
    break;
  }
  default: {
    size_t pl = build_pkt(w, &g), cut = (size_t)(t >> 2) + 1;
    deliver(w, in_buf, pl > cut ? pl - cut : 0);
    return;
  }
  }
  delivered(w, &g);
  deliver(w, in_buf, build_pkt(w, &g));
}

static void rawopt_op(world *w, fuzz_reader *in) {
  uint8_t f = fuzz_u8(in);
  size_t n = fuzz_u8(in) % (MPTCP_TCP_OPT_MAX + 1);
  pseg g;
  seg_init(w, &g, 0);
  g.raw_opts = 1;
  w->p_raw_sent = 1;
  size_t at = 0;
  if (f & 0x40) {
    uint8_t *q = g.raw;
    q[0] = MPTCP_OPT_NOP;
    q[1] = MPTCP_OPT_NOP;
    q[2] = MPTCP_OPT_TS;
    q[3] = 10;
    uint32_t v = g.tsval, e = g.tsecr;
    for (int k = 0; k < 4; k++) {
      q[4 + k] = (uint8_t)(v >> (24 - 8 * k));
      q[8 + k] = (uint8_t)(e >> (24 - 8 * k));
    }
    at = 12;
  }
  if (n > MPTCP_TCP_OPT_MAX - at) n = MPTCP_TCP_OPT_MAX - at;
  fuzz_bytes(in, g.raw + at, n);
  n += at;
  while (n % 4) g.raw[n++] = MPTCP_OPT_EOL;
  g.raw_len = n;
  switch (f & 3) {
  case 0: break;
  case 1: g.seq = w->out.have ? w->out.ack : w->peer_nxt; break;
  case 2: g.seq = w->peer_isn; break;
  default: g.seq = w->peer_nxt - 1; break;
  }
  if (f & 4) g.flags |= MPTCP_TH_FIN;
  if (f & 8) g.flags |= MPTCP_TH_SYN;
  if (!(f & 0x10)) g.flags |= MPTCP_TH_ACK;
  if (f & 0x20) g.flags |= MPTCP_TH_RST;
  g.corrupt = (f & 0x80) != 0;
  g.len = pay_len(fuzz_u8(in));
  if (g.len) g.flags |= MPTCP_TH_PSH;
  send_seg(w, &g, 0);
}

/* ---------------------------------------------------------- app side */

/* What the app read at stream offset @p off: while the peer behaved, its
 * bytes at that DATA sequence offset; nothing at all before it sent any. */
static void check_rx(void *ud, const uint8_t *d, size_t n, uint64_t off) {
  world *w = ud;
  if (n) FUZZ_CHECK(!w->rd_eof || dbg.lax_eof); /* nothing after EOF */
  if (!w->bad && w->p_frozen) {
    uint64_t dsn = w->p_idsn + 1 + off;
    for (size_t i = 0; i < n; i++) FUZZ_CHECK(d[i] == rx_byte(dsn + i));
    w->rx_checked += n;
  } else {
    FUZZ_CHECK(w->bad || n == 0); /* no data without a peer payload */
  }
}

/* WRITE, READ, PEEK [s][l] on the connection. EOF is final: nothing is
 * read or peeked after it. Finding: data past a consumed DATA_FIN is still
 * delivered (FUZZ_MPTCP_LAX_EOF=1). */
static void app_op(world *w, unsigned opcode, fuzz_reader *in) {
  uint8_t b = fuzz_u8(in), l = fuzz_u8(in);
  if (!w->c) return;
  if (opcode == 0x5) {
    fuzz_app_write(&w->b, w->c, b, l, &w->tx_written);
  } else if (opcode == 0x6) {
    mptcp_ssize k = fuzz_app_read(&w->b, w->c, b, l, &w->rd_off, check_rx, w);
    if (k == MPTCP_ERR_EOF) w->rd_eof = 1;
  } else {
    fuzz_app_peek(&w->b, w->c, b, l, &w->rd_off, check_rx, w);
  }
}

static void close_op(world *w, fuzz_reader *in) {
  uint8_t b = fuzz_u8(in);
  if (!w->c) return;
  switch (b & 3) {
  case 1: mptcp_conn_abort(w->c, w->b.now); break;
  case 2:
    mptcp_conn_release(w->c, w->b.now);
    w->c = NULL;
    w->s_dead = 1;
    break;
  default: {
    int rc = mptcp_conn_shutdown(w->c, w->b.now);
    FUZZ_CHECK(rc == 0 || rc == MPTCP_ERR_CLOSED);
    if (rc == 0) w->tx_shut = 1;
    break;
  }
  }
}

static void observe(void *ud) {
  world *w = ud;
  if (!w->c) return;
  mptcp_conn_info ci;
  fuzz_observe(&w->b, w->c, &ci);
  if (w->c_closed || w->simopen) return; /* see check_out_syn */
  if (ci.checksum) FUZZ_CHECK(ci.mptcp && w->s_csum != 0);
  if (ci.mptcp) {
    FUZZ_CHECK(w->s_syn_mpc && w->s_mode != 2);
    FUZZ_CHECK(ci.mptcp_version == w->s_ver && !ci.fallback);
  }
  if (w->s_mode == 2) FUZZ_CHECK(!ci.mptcp && ci.fallback);
}

/* ------------------------------------------------------------- driver */

static int setup(world *w, fuzz_reader *in) {
  uint8_t h0 = fuzz_u8(in), h1 = fuzz_u8(in), h2 = fuzz_u8(in),
          h3 = fuzz_u8(in);
  static const uint16_t mss[4] = {1460, 536, 1000, 100};
  static const uint8_t wsc[4] = {0, 2, 7, 14};
  static const uint8_t pver[4] = {1, 0, 1, 5};
  static const uint16_t pmss[4] = {1460, 536, 1000, 64};
  fuzz_world_init(&w->b, (h0 & 0x80) != 0);
  w->b.trace = dbg.trace;
  mptcp_settings *s = &w->b.s;
  s->mptcp = 1;
  s->mptcp_version = (h0 & 2) ? 0 : 1;
  s->mptcp_v0 = (h0 >> 2) & 1;
  s->checksum = (h0 >> 3) & 1;
  s->sack = (h0 >> 4) & 1;
  s->timestamps = (h0 >> 5) & 1;
  s->nagle = (h0 >> 6) & 1;
  if (dbg.trace) {
    s->log = w_log;
    s->log_level = MPTCP_LOG_DEBUG;
  }
  s->sndbuf = (size_t)2048 << (h1 & 3);
  s->rcvbuf = (size_t)2048 << (h1 >> 2 & 3);
  s->mss = mss[h1 >> 4 & 3];
  s->wscale = wsc[h1 >> 6];
  s->backlog = 1;
  s->max_conns = 2;
  static const uint8_t synr[4] = {2, 1, 0, 3};
  s->mptcp_syn_retries = synr[h3 >> 4 & 3];
  /* The model knows one peer address: no joins toward addresses that the
   * peer's random ADD_ADDRs (v0 ones carry no HMAC) name. */
  s->pm_policy = MPTCP_PM_NONE;

  w->active = h0 & 1;
  w->p_ver = pver[h2 & 3];
  w->p_flags =
      MPTCP_CAP_H | ((h2 & 4) ? MPTCP_CAP_A : 0) | ((h2 & 8) ? MPTCP_CAP_C : 0);
  w->p_map64 = (h2 >> 4) & 1;
  w->p_ack64 = (h2 >> 5) & 1;
  w->p_mss = pmss[h2 >> 6];
  w->p_ts = !(h3 & 0x80);
  w->p_ws = !(h3 & 0x40);
  w->K = 0x0123456789abcdefull ^
         ((uint64_t)(h3 & 0x0f) + 1) * 0x9e3779b97f4a7c15ull;
  w->peer_isn = PEER_ISN;
  w->peer_nxt = PEER_ISN;
  w->p_mss_max = 0;
  w->p_mapped_end = w->p_sent_end = 1; /* relative DSN 1: the first byte */
  stack_reset(w);

  w->loc.ip = w->b.us;
  w->loc.port = w->active ? 5000 : 80;
  w->rem.ip = w->b.peer;
  w->rem.port = 40000;
  FUZZ_CHECK(fuzz_world_start(&w->b) == 0);
  mptcp_addr l = {w->b.us, 80};
  FUZZ_CHECK(mptcp_stack_listen(w->b.st, &l, 0) == 0);
  if (w->active) {
    mptcp_conn *c = NULL;
    FUZZ_CHECK(
        mptcp_conn_connect(w->b.st, &c, &w->loc, &w->rem, NULL, w->b.now) == 0);
    adopt(w, c);
  }
  drain(w);
  return 0;
}

/* One operation (see the top of the file). */
static void run_op(void *ud, uint8_t op, fuzz_reader *in) {
  world *w = ud;
  if (dbg.trace && w->bad) fprintf(stderr, "  [peer misbehaved]\n");
  unsigned opcode = op & 0x0f;
  if (fuzz_world_op(&w->b, opcode, in)) {
    /* Findings: a failed send-mapping allocation remaps data and sends
     * bytes never written (FUZZ_MPTCP_LAX_NOMEM=1: no allocation failures
     * once MPTCP is under way); NOBUF loses MPTCP data
     * (FUZZ_MPTCP_LAX_NOBUF=1: the small buffers are not used). */
    if (dbg.lax_nomem && w->s_syn_mpc) w->b.fail_count = 0;
    if (dbg.lax_nobuf) w->b.out_cap = FUZZ_OUT_CAP;
    return;
  }
  switch (opcode) {
  case 0x0: hs_op(w, in); break;
  case 0x1:
  case 0x2:
  case 0xf: data_op(w, in); break;
  case 0x5:
  case 0x6:
  case 0x7: app_op(w, opcode, in); break;
  case 0x8: ack_op(w, in); break;
  case 0x9: dfin_op(w, in); break;
  case 0xa: replay_op(w, in); break;
  case 0xb: close_op(w, in); break;
  default: rawopt_op(w, in); break;
  }
}

static const fuzz_driver driver = {run_op, drain, observe, MAX_OPS};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  world *w = &W;
  fuzz_reader in;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_STRICT_MSS")) dbg.strict_mss = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_LAX_SIMOPEN")) dbg.lax_simopen = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_LAX_NOBUF")) dbg.lax_nobuf = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_LAX_SYNRTO")) dbg.lax_synrto = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_LAX_NOMEM")) dbg.lax_nomem = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_LAX_EOF")) dbg.lax_eof = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_LAX_SACK")) dbg.lax_sack = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_LAX_RTX")) dbg.lax_rtx = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_MPTCP_DEBUG")) {
    dbg.on = 1;
    dbg.trace = atoi(getenv("FUZZ_MPTCP_DEBUG")) >= 2;
    atexit(dbg_print);
  }
  memset(w, 0, sizeof *w);
  fuzz_reader_init(&in, data, size);
  setup(w, &in);
  mptcp_counters c;
  fuzz_world_run(&w->b, &in, &driver, w, &c);
  uint64_t act = c.v[MPTCP_CTR_TCP_ACTIVE_OPENS],
           pas = c.v[MPTCP_CTR_TCP_PASSIVE_OPENS];
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_CAPABLE_SYN_RX] <= pas);
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_CAPABLE_REFUSED] <=
             c.v[MPTCP_CTR_MP_CAPABLE_SYN_RX]);
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_CAPABLE_ACK_RX] +
                 c.v[MPTCP_CTR_MP_CAPABLE_FALLBACK_ACK] <=
             pas + (w->simopen ? act : 0));
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_CAPABLE_SYNACK_RX] +
                 c.v[MPTCP_CTR_MP_CAPABLE_FALLBACK_SYNACK] <=
             act);
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_DATA_FIN_RX] <= act + pas);
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_FALLBACK_DATA] <= act + pas);
  /* A checksum fails only when the peer lied (or mapped wrongly). */
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_DSS_CSUM_ERR] == 0 || w->p_csum_lied || w->bad);
  /* MP_FAIL and the infinite mapping (§3.7): MP_FAIL only after a wrong
   * checksum or the peer's MP_FAIL; one infinite mapping per connection,
   * sent only in answer to an MP_FAIL (which the peer has only in raw
   * bytes) or after the peer's own infinite mapping (check_out_infmap);
   * each one received is counted once. */
  FUZZ_CHECK(c.v[MPTCP_CTR_MP_FAIL_TX] == 0 || w->p_csum_lied ||
             w->p_raw_sent || w->bad);
  FUZZ_CHECK(c.v[MPTCP_CTR_INFINITE_MAP_TX] <= act + pas);
  FUZZ_CHECK(c.v[MPTCP_CTR_INFINITE_MAP_TX] == 0 || w->p_raw_sent || w->bad ||
             w->p_infmap);
  FUZZ_CHECK(c.v[MPTCP_CTR_INFINITE_MAP_RETRO] +
                 c.v[MPTCP_CTR_INFINITE_MAP_BAD_DSN] +
                 c.v[MPTCP_CTR_INFINITE_MAP_IGNORED] +
                 c.v[MPTCP_CTR_INFINITE_MAP_REJECTED] <=
             c.v[MPTCP_CTR_INFINITE_MAP_RX]);
  if (w->s_ever_mptcp)
    FUZZ_CHECK(c.v[MPTCP_CTR_MP_CAPABLE_ACK_RX] +
                   c.v[MPTCP_CTR_MP_CAPABLE_SYNACK_RX] >=
               1);
  if (dbg.on) {
    for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) dbg.ctr.v[i] += c.v[i];
    dbg.mptcp_on += w->s_ever_mptcp;
    dbg.fell_back += w->s_ever_fallback;
    dbg.bad_peer += w->bad != 0;
    dbg.active += w->active != 0;
    dbg.passive += w->active == 0;
  }
  fuzz_world_end(&w->b);
  dbg.inputs++;
  dbg.states |= w->b.states;
  dbg.rx_checked += w->rx_checked;
  dbg.tx_checked += w->tx_checked;
  dbg.dack_checked += w->dack_checked;
  dbg.maps_checked += w->maps_checked;
  dbg.strict_mss_over += w->strict_mss_over;
  return 0;
}
