/*
 * fuzz_stack (design doc: fuzz_conn): a stateful, structure-aware target for
 * the TCP engine behind <mptcp/stack.h>.
 *
 * One stack (deterministic rand hook, counting allocator that fails on
 * demand, small buffers, at most 2..5 connections, millisecond timers)
 * listens on 10.0.0.1:80 (optionally on the unspecified address, and
 * optionally transparently), talks to a scripted peer 10.0.0.2:4000x, and
 * the input is a program of operations on it.
 *
 * Input: 4 header bytes, then operations until the input runs out (reads
 * past the end yield zeros, see fuzz_reader in fuzz.h).
 *
 *   h0  bit0 SACK, bit1 timestamps, bit2 Nagle, bit3 keep-alive,
 *       bit4 also a transparent listener, bit5 IPv6 (2001:db8::1/::2),
 *       bit6 mem_cap (room for about one connection), bit7 listen on the
 *       unspecified address instead of 10.0.0.1
 *   h1  window scale = h1 % 15; with h0 bit7, bit7 makes the unspecified
 *       address the all-zero one of our family instead of AF_NONE
 *   h2  sndbuf = 2 KiB << (h2 & 3), rcvbuf = 2 KiB << (h2 >> 2 & 3),
 *       MSS = {536, 1460, 100, 1000}[h2 >> 4 & 3], backlog = 1 + (h2 >> 6)
 *   h3  max_conns = 2 + (h3 >> 2 & 3); bit4 an active open at start;
 *       bit5 offloads (TX checksum, RX checksum, TSO up to the output
 *       buffer), bit6 every packet in marked checksum-verified (taken
 *       unverified with bit5); bit7 the (h3 & 3)th allocation of
 *       mptcp_stack_new fails
 *
 *   Each operation: one byte, low nibble the opcode, bit 0x80 "do not drain
 *   afterwards" (batching, as an event loop would).
 *     0, F  SEG      full segment: [t][flags][ctl][sd][ad]([seq32][ack32])
 *                    [win]([win16])[opt...][pay...]
 *     1, 2  SIMPLE   in-sync segment: [t][flags][pay]
 *     3     TIME     [m][v]: now += v us / ms / 100 ms / 10 s, handle_expiry
 *     4     EXPIRY   now = get_expiry() (+1 s if none), handle_expiry
 *     5     WRITE    [s][l]: l << (s >> 4 & 7) bytes of the send pattern
 *     6     READ     [s][l]
 *     7     PEEK     [s][l]: peek, then consume l << ... (0: what peeked)
 *     8/9/A SHUTDOWN / ABORT / RELEASE [s]
 *     B     CONNECT  [b]: to port 40000 + (b & 3) from port
 *                    {ephemeral, 5000, 5001, 5002}[b >> 2 & 3]; b & 0x10
 *                    nodelay, b & 0x20 keep-alive, b & 0x40 port 0
 *                    (must be refused)
 *     C     FAIL     [b]: skip (b >> 4 & 7) allocations, fail the next b & 7
 *     D     OUTBUF   [b]: write_pkt's buffer size (small ones: NOBUF path)
 *     E     RAW      [n][n % 80 bytes]: a raw packet
 *   [s] picks a live handle: s % (number of live handles).
 *   [t] picks a tuple: bit7 set: one seen before, (t & 63) % count;
 *       otherwise local endpoint (t >> 2 & 7) of {us:80, us:80, us:5000,
 *       us:5001, us:5002, 10.0.0.9:443, us:81, us:80} and remote port
 *       40000 + (t & 3); in SEG bit6 corrupts the TCP checksum and bit5
 *       sets the reserved header bits, in SIMPLE bit6 sends at the peer's
 *       own next sequence number instead of the stack's last ACK.
 *   Sequence and acknowledgment numbers are mostly relative to what the
 *   stack last sent on the tuple (its ACK field, the end of its last
 *   segment, the highest sequence number it used) or to the peer's own
 *   state (next sequence number, ISN, last ACK sent); see seg_op().
 *
 * Oracle (any violation aborts):
 *   - every packet write_pkt emits fits the buffer, parses with checksums
 *     verified, goes to the peer's address from one of ours, has only
 *     FIN/SYN/RST/PSH/ACK, sane flag combinations, well-formed plain TCP
 *     options, SACK blocks above the ACK and within the receive buffer,
 *     a payload no larger than our MSS; after NOBUF a large enough buffer
 *     gets a packet (nothing is lost);
 *   - every payload byte the stack sends is the byte the app wrote at that
 *     stream offset (and not past what it wrote); a FIN after shutdown sits
 *     right after the last byte written;
 *   - every byte the app reads or peeks is the peer's byte at that stream
 *     offset (the peer's payloads follow a pattern keyed by sequence
 *     number; tuples that saw two different peer ISNs or raw payloads are
 *     not checked);
 *   - events only name handles the app holds (or an ACCEPT of a new one),
 *     ACCEPT and CLOSED come once, CONNECTED only for active opens, the app
 *     never holds more than max_conns handles;
 *   - after handle_expiry(now), get_expiry() is later than now or NONE;
 *   - the PktIn, TcpOutSegs and TcpRstSent counters and the trace hook
 *     agree with the packets that went in and came out;
 *   - after mptcp_stack_del every allocated byte came back.
 *
 * Environment: FUZZ_STACK_DEBUG=1 prints, at exit, the counters and TCP
 * states reached summed over all inputs run (a coverage summary); =2 also
 * traces every operation and segment. FUZZ_STACK_LAX_NOBUF=1 tolerates the
 * NOBUF bugs found so far (to fuzz on past them): a write_pkt that, after
 * NOBUF, has nothing to send with a larger buffer (a keep-alive or
 * zero-window probe was dropped), and a trace hook called with the NOBUF
 * error as the length of an outgoing packet (a pending RST).
 *
 * SPDX-License-Identifier: MIT
 */
#include "fuzz_world.h"

#include <string.h>

#define MAX_TUPLES 24
#define MAX_SLOTS 16
#define IN_CAP 8192
#define MAX_OPS 4000
#define PEER_ISN_BASE 1000000u

typedef struct tuple {
  mptcp_addr local, remote; /* local: the stack's side */
  /* What the stack last sent here (RSTs excluded). */
  fuzz_seen out;
  /* The current incarnation's send side. */
  int iss_known;
  uint32_t iss;
  uint64_t tx_written; /* bytes the app wrote on it */
  int tx_shut;
  /* The peer's side. */
  int peer_isn_set, rx_bad;
  uint32_t peer_isn, peer_nxt, peer_ack;
} tuple;

typedef struct slot {
  mptcp_conn *c;
  int tup;         /* -1: unknown */
  uint64_t rd_off; /* bytes read or consumed */
  int rd_bad;
  int active, closed;
} slot;

typedef struct world {
  fuzz_world b; /* first: the hooks get it as their user data */
  int rx_off;
  /* The stack takes incoming packets' checksums as verified (RX_CSUM
   * offload and DATA_VALID): a corrupted one is a valid segment to it. */
  int rx_trusted;
  tuple tup[MAX_TUPLES + 1]; /* the last one is scratch */
  int n_tup;
  slot sl[MAX_SLOTS];
  int n_sl;
  uint64_t rx_checked, tx_checked;
} world;

static world W;
static uint8_t in_buf[IN_CAP]; /* the peer's packet */

/* ---------------------------------------------------------------- stats */

static struct {
  int on, trace, lax_nobuf;
  unsigned long inputs;
  mptcp_counters ctr;
  uint32_t states;
  uint64_t rx_checked, tx_checked;
} dbg;

static void dbg_print(void) {
  fprintf(stderr,
          "fuzz_stack: %lu inputs; %llu received and %llu sent "
          "payload bytes checked against the patterns\n",
          dbg.inputs, (unsigned long long)dbg.rx_checked,
          (unsigned long long)dbg.tx_checked);
  fuzz_print_summary("fuzz_stack", dbg.states, &dbg.ctr);
}

/* ------------------------------------------------------------- patterns */

/* The peer's payload: byte at sequence number seq. */
static uint8_t rx_byte(uint32_t seq) {
  uint32_t x = (seq ^ 0x5bd1e995u) * 2246822519u;
  return (uint8_t)(x >> 24 ^ x >> 13);
}

/* --------------------------------------------------------------- tuples */

static int addr_eq(const mptcp_addr *a, const mptcp_addr *b) {
  return a->port == b->port && mptcp_ipaddr_equal(&a->ip, &b->ip);
}

/* The tuple's index, created if new (the scratch entry when full). */
static int tuple_get(world *w, const mptcp_addr *local,
                     const mptcp_addr *remote) {
  for (int i = 0; i < w->n_tup; i++)
    if (addr_eq(&w->tup[i].local, local) && addr_eq(&w->tup[i].remote, remote))
      return i;
  int i = w->n_tup < MAX_TUPLES ? w->n_tup++ : MAX_TUPLES;
  tuple *t = &w->tup[i];
  memset(t, 0, sizeof *t);
  t->local = *local;
  t->remote = *remote;
  t->peer_nxt = PEER_ISN_BASE + 100000u * (uint32_t)i;
  t->rx_bad = i == MAX_TUPLES;
  return i;
}

/* A new incarnation on the tuple is about to take writes. */
static void tuple_new_conn(tuple *t) {
  t->tx_written = 0;
  t->tx_shut = 0;
}

/* ---------------------------------------------------------------- slots */

static int slot_find(const world *w, const mptcp_conn *c) {
  for (int i = 0; i < w->n_sl; i++)
    if (w->sl[i].c == c) return i;
  return -1;
}

static int slot_add(world *w, mptcp_conn *c, int active) {
  FUZZ_CHECK(w->n_sl < (int)w->b.s.max_conns); /* the cap holds */
  slot *s = &w->sl[w->n_sl++];
  memset(s, 0, sizeof *s);
  s->c = c;
  s->active = active;
  mptcp_conn_info ci;
  FUZZ_CHECK(mptcp_conn_get_info(c, &ci) == 0);
  s->tup = tuple_get(w, &ci.local, &ci.remote);
  tuple_new_conn(&w->tup[s->tup]);
  return w->n_sl - 1;
}

static void slot_del(world *w, int i) { w->sl[i] = w->sl[--w->n_sl]; }

/* -------------------------------------------------------------- output */

static void check_out(void *ud, const uint8_t *buf, size_t n,
                      const mptcp_pkt_info *pi) {
  world *w = ud;
  mptcp_pkt k;
  mptcp_tcpopts o;
  fuzz_check_pkt(&w->b, buf, n, pi, &k, &o);
  uint8_t fl = k.tcp_flags;
  FUZZ_CHECK(o.n_mptcp == 0);
  fuzz_check_sack_room(&w->b, &k, &o);
  size_t mss = w->b.s.mss - (w->b.v6 ? 20u : 0u);
  if (pi->gso_size) { /* a super-segment: two or more whole segments */
    FUZZ_CHECK(pi->gso_size <= (mss < 64 ? 64 : mss));
    FUZZ_CHECK(k.payload_len >= 2u * pi->gso_size &&
               k.payload_len % pi->gso_size == 0);
    FUZZ_CHECK(pi->hdr_len == n - k.payload_len);
    FUZZ_CHECK(!(fl & (MPTCP_TH_SYN | MPTCP_TH_FIN | MPTCP_TH_RST)));
  } else {
    FUZZ_CHECK(k.payload_len <= (mss < 64 ? 64 : mss));
  }
  if (dbg.trace) {
    fuzz_trace_out(&w->b, &k);
    fprintf(stderr, "\n");
  }
  mptcp_addr l = {k.src, k.sport}, r = {k.dst, k.dport};
  tuple *t = &w->tup[tuple_get(w, &l, &r)];
  if (fl & MPTCP_TH_RST) return;
  if (fl & MPTCP_TH_SYN) {
    t->iss = k.seq;
    t->iss_known = 1;
    t->out.max = k.seq + 1;
  }
  if (k.payload_len && t->iss_known) {
    uint32_t off = k.seq - (t->iss + 1);
    FUZZ_CHECK((uint64_t)off + k.payload_len <= t->tx_written);
    for (size_t i = 0; i < k.payload_len; i++)
      FUZZ_CHECK(k.payload[i] == fuzz_tx_byte((uint64_t)off + i));
    w->tx_checked += k.payload_len;
  }
  if ((fl & MPTCP_TH_FIN) && t->tx_shut && t->iss_known)
    FUZZ_CHECK(k.seq + (uint32_t)k.payload_len ==
               t->iss + 1 + (uint32_t)t->tx_written);
  fuzz_seen_update(&t->out, &k, &o);
}

static void drain(void *ud) {
  world *w = ud;
  fuzz_drain_pkts(&w->b, dbg.lax_nobuf, check_out, w);
  int guard;
  mptcp_event ev;
  for (guard = 0; mptcp_stack_next_event(w->b.st, &ev); guard++) {
    FUZZ_CHECK(guard < 1000);
    FUZZ_CHECK(ev.conn != NULL && ev.events != 0 &&
               ev.events < 0x200u); /* plain TCP: no MPTCP events */
    int i = slot_find(w, ev.conn);
    if (i < 0) {
      /* Only a new passive connection may appear unannounced. */
      FUZZ_CHECK(ev.events & MPTCP_EV_ACCEPT);
      i = slot_add(w, ev.conn, 0);
    } else {
      FUZZ_CHECK(!(ev.events & MPTCP_EV_ACCEPT));
    }
    slot *s = &w->sl[i];
    if (ev.events & MPTCP_EV_CONNECTED) FUZZ_CHECK(s->active);
    if (ev.events & MPTCP_EV_REFUSED) FUZZ_CHECK(s->active);
    if (ev.events & MPTCP_EV_CLOSED) {
      FUZZ_CHECK(!s->closed);
      s->closed = 1;
    }
  }
}

/* ------------------------------------------------------------ delivery */

static int deliver_raw(world *w, const uint8_t *pkt, size_t len) {
  return fuzz_deliver(&w->b, pkt, len);
}

typedef struct seg {
  int tup;
  uint8_t flags, res, corrupt;
  uint32_t seq, ack;
  uint16_t win;
  uint8_t opt[MPTCP_TCP_OPT_MAX];
  size_t opt_len;
  size_t len;
  const uint8_t *raw; /* payload bytes, or NULL for the pattern */
} seg;

static void send_seg(world *w, const seg *g) {
  tuple *t = &w->tup[g->tup];
  static uint8_t pay[IN_CAP];
  size_t len = g->len;
  if (len > 4096) len = 4096;
  if (g->raw)
    memcpy(pay, g->raw, len);
  else
    for (size_t i = 0; i < len; i++) pay[i] = rx_byte(g->seq + (uint32_t)i);
  fuzz_seg k = {.from = t->remote,
                .to = t->local,
                .flags = g->flags,
                .res = g->res,
                .corrupt = g->corrupt,
                .seq = g->seq,
                .ack = g->ack,
                .win = g->win,
                .opt = g->opt,
                .opt_len = g->opt_len,
                .pay = pay,
                .len = len};
  size_t n = fuzz_write_seg(&w->b, &k, in_buf, sizeof in_buf);
  if (dbg.trace)
    fprintf(stderr,
            "  t=%llu in  %u>%u flags=%02x seq=%u ack=%u win=%u "
            "len=%zu opts=%zu%s\n",
            (unsigned long long)w->b.now, k.from.port, k.to.port, g->flags,
            g->seq, g->ack, g->win, len, g->opt_len,
            g->corrupt ? " (bad csum)" : "");
  if (g->corrupt) {
    if (w->rx_trusted) w->rx_off = 1; /* taken with whatever it carries */
    deliver_raw(w, in_buf, n);
    return;
  }
  /* What the peer model learns from its own segment. */
  if (g->flags & MPTCP_TH_SYN) {
    if (!t->peer_isn_set) {
      t->peer_isn_set = 1;
      t->peer_isn = g->seq;
    } else if (t->peer_isn != g->seq) {
      t->rx_bad = 1; /* two ISNs: we cannot tell which stream is read */
    }
  }
  if (g->raw && len) t->rx_bad = 1;
  if (!(g->flags & MPTCP_TH_RST)) {
    uint32_t end = g->seq + (uint32_t)len + ((g->flags & MPTCP_TH_SYN) != 0) +
                   ((g->flags & MPTCP_TH_FIN) != 0);
    t->peer_nxt =
        (g->flags & MPTCP_TH_SYN) ? end : fuzz_seq_max(t->peer_nxt, end);
  }
  if (g->flags & MPTCP_TH_ACK) t->peer_ack = g->ack;
  deliver_raw(w, in_buf, n);
}

static uint32_t peer_tsval(const world *w, const tuple *t, int32_t delta) {
  return (uint32_t)(w->b.now / 1000) + 77777u * (uint32_t)(t - w->tup) +
         (uint32_t)delta;
}

/* Options of a SIMPLE segment: everything on a SYN, else TS when the
 * stack uses them. */
static size_t simple_opts(const world *w, const tuple *t, uint8_t fl,
                          uint8_t *buf) {
  mptcp_tcpopts o;
  memset(&o, 0, sizeof o);
  if (fl & MPTCP_TH_SYN) {
    o.present =
        MPTCP_HAS_MSS | MPTCP_HAS_WSCALE | MPTCP_HAS_SACK_PERM | MPTCP_HAS_TS;
    o.mss = 1460;
    o.wscale = 7;
    o.ts_val = peer_tsval(w, t, 0);
    o.ts_ecr = (fl & MPTCP_TH_ACK) ? t->out.tsval : 0;
  } else if (t->out.ts) {
    o.present = MPTCP_HAS_TS;
    o.ts_val = peer_tsval(w, t, 0);
    o.ts_ecr = t->out.tsval;
  }
  mptcp_ssize n = mptcp_tcpopts_write(&o, 0xff, buf, MPTCP_TCP_OPT_MAX);
  return n > 0 ? (size_t)n : 0;
}

static const uint8_t ep_port_last[8][2] = {
    /* {address last byte, port index}; port: 80, 5000, 5001, 5002, 443, 81 */
    {1, 0}, {1, 0}, {1, 1}, {1, 2}, {1, 3}, {9, 4}, {1, 5}, {1, 0}};
static const uint16_t ep_ports[6] = {80, 5000, 5001, 5002, 443, 81};

static int pick_tuple(world *w, uint8_t t) {
  if ((t & 0x80) && w->n_tup) return (t & 0x3f) % w->n_tup;
  mptcp_addr l, r;
  const uint8_t *e = ep_port_last[t >> 2 & 7];
  fuzz_mkaddr(w->b.v6, &l.ip, e[0]);
  l.port = ep_ports[e[1]];
  r.ip = w->b.peer;
  r.port = (uint16_t)(40000 + (t & 3));
  return tuple_get(w, &l, &r);
}

static size_t payload_len(fuzz_reader *in, const uint8_t **raw) {
  uint8_t p = fuzz_u8(in);
  size_t n = p & 63;
  *raw = NULL;
  switch (p >> 6) {
  case 0: return n;
  case 1: return n * 32;
  case 2: return n * 64;
  default:
    if (n > in->n) n = in->n;
    *raw = in->p;
    in->p += n;
    in->n -= n;
    return n;
  }
}

static void simple_op(world *w, fuzz_reader *in) {
  uint8_t tb = fuzz_u8(in);
  seg g;
  memset(&g, 0, sizeof g);
  g.tup = pick_tuple(w, tb);
  tuple *t = &w->tup[g.tup];
  g.flags = fuzz_u8(in);
  uint8_t p = fuzz_u8(in);
  g.len = (size_t)(p & 63) << ((p >> 6) * 2);
  if (g.flags & MPTCP_TH_SYN)
    g.seq = t->peer_isn_set ? t->peer_isn : t->peer_nxt;
  else if ((tb & 0x40) || !t->out.have)
    g.seq = t->peer_nxt;
  else
    g.seq = t->out.ack;
  g.ack = t->out.max;
  g.win = 65535;
  g.opt_len = simple_opts(w, t, g.flags, g.opt);
  send_seg(w, &g);
}

static uint32_t rel(int8_t d, unsigned scale) {
  static const unsigned shift[4] = {0, 4, 8, 14};
  return (uint32_t)((int32_t)d * (1 << shift[scale & 3]));
}

static void seg_op(world *w, fuzz_reader *in) {
  uint8_t tb = fuzz_u8(in);
  seg g;
  memset(&g, 0, sizeof g);
  g.tup = pick_tuple(w, tb);
  tuple *t = &w->tup[g.tup];
  if (!(tb & 0x80)) {
    g.corrupt = (tb & 0x40) != 0;
    g.res = (tb & 0x20) ? 0x0f : 0;
  }
  g.flags = fuzz_u8(in);
  uint8_t ctl = fuzz_u8(in);
  int8_t sd = (int8_t)fuzz_u8(in), ad = (int8_t)fuzz_u8(in);

  uint32_t base;
  switch (ctl & 3) {
  case 0: base = t->out.have ? t->out.ack : t->peer_nxt; break;
  case 1: base = t->peer_nxt; break;
  case 2: base = fuzz_u32(in); break;
  default: base = t->peer_isn_set ? t->peer_isn : t->peer_nxt; break;
  }
  g.seq = base + rel(sd, ctl >> 2);
  switch (ctl >> 4 & 3) {
  case 0: base = t->out.max; break;
  case 1: base = t->peer_ack; break;
  case 2: base = fuzz_u32(in); break;
  default: base = t->out.end; break;
  }
  g.ack = base + rel(ad, ctl >> 6);

  uint8_t wb = fuzz_u8(in);
  switch (wb >> 6) {
  case 0: g.win = 65535; break;
  case 1: g.win = 0; break;
  case 2: g.win = (uint16_t)((wb & 63) << 4); break;
  default: g.win = fuzz_u16(in); break;
  }

  uint8_t ob = fuzz_u8(in);
  mptcp_tcpopts o;
  memset(&o, 0, sizeof o);
  switch (ob & 3) {
  case 0: break;
  case 1:
    o.present = MPTCP_HAS_TS;
    o.ts_val = peer_tsval(w, t, (int8_t)ob >> 2);
    o.ts_ecr = t->out.tsval;
    break;
  case 2: {
    uint8_t pr = fuzz_u8(in);
    if (pr & 1) {
      o.present |= MPTCP_HAS_MSS;
      o.mss = fuzz_u16(in);
    }
    if (pr & 2) {
      o.present |= MPTCP_HAS_WSCALE;
      o.wscale = fuzz_u8(in);
    }
    if (pr & 4) o.present |= MPTCP_HAS_SACK_PERM;
    if (pr & 8) {
      o.present |= MPTCP_HAS_TS;
      o.ts_val = peer_tsval(w, t, (int8_t)fuzz_u8(in));
      o.ts_ecr = (pr & 0x20) ? fuzz_u32(in) : t->out.tsval;
    }
    if (pr & 0x10) {
      uint8_t sb = fuzz_u8(in);
      o.present |= MPTCP_HAS_SACK;
      o.n_sack = (uint8_t)((sb & 3) + 1);
      unsigned shift = (sb >> 2 & 3) * 4;
      for (unsigned i = 0; i < o.n_sack; i++) {
        uint8_t lo = fuzz_u8(in), ln = fuzz_u8(in);
        o.sack[i].left = g.ack + ((uint32_t)lo << shift);
        o.sack[i].right =
            o.sack[i].left + (uint32_t)((int32_t)(int8_t)ln * (1 << shift));
      }
    }
    break;
  }
  default: {
    size_t n = fuzz_u8(in) % (MPTCP_TCP_OPT_MAX + 1);
    fuzz_bytes(in, g.opt, n);
    while (n % 4) g.opt[n++] = MPTCP_OPT_EOL;
    g.opt_len = n;
    break;
  }
  }
  if ((ob & 3) == 1 || (ob & 3) == 2) {
    mptcp_ssize n = mptcp_tcpopts_write(&o, 0xff, g.opt, sizeof g.opt);
    g.opt_len = n > 0 ? (size_t)n : 0;
  }
  g.len = payload_len(in, &g.raw);
  send_seg(w, &g);
}

/* ---------------------------------------------------------- app side */

static slot *pick_slot(world *w, uint8_t b) {
  return w->n_sl ? &w->sl[b % w->n_sl] : NULL;
}

/* What the app read of slot @p ud at stream offset @p off: the peer's
 * bytes, while the tuple saw one ISN and only pattern payloads. */
static void check_rx(void *ud, const uint8_t *d, size_t n, uint64_t off) {
  const slot *s = ud;
  const tuple *t = s->tup >= 0 ? &W.tup[s->tup] : NULL;
  if (t && t->peer_isn_set && !t->rx_bad && !s->rd_bad && !W.rx_off) {
    uint32_t seq = t->peer_isn + 1 + (uint32_t)off;
    for (size_t i = 0; i < n; i++)
      FUZZ_CHECK(d[i] == rx_byte(seq + (uint32_t)i));
    W.rx_checked += n;
  }
}

/* WRITE, READ, PEEK [s][l] on the slot s picks. */
static void app_op(world *w, unsigned opcode, fuzz_reader *in) {
  uint8_t b = fuzz_u8(in), l = fuzz_u8(in);
  slot *s = pick_slot(w, b);
  if (!s) return;
  if (opcode == 0x5)
    fuzz_app_write(&w->b, s->c, b, l, &w->tup[s->tup].tx_written);
  else if (opcode == 0x6)
    fuzz_app_read(&w->b, s->c, b, l, &s->rd_off, check_rx, s);
  else
    fuzz_app_peek(&w->b, s->c, b, l, &s->rd_off, check_rx, s);
}

static void connect_op(world *w, fuzz_reader *in) {
  uint8_t b = fuzz_u8(in);
  static const uint16_t lports[4] = {0, 5000, 5001, 5002};
  mptcp_addr l = {w->b.us, lports[b >> 2 & 3]}, r = {w->b.peer, 0};
  r.port = (uint16_t)(40000 + (b & 3));
  if (b & 0x40) r.port = 0; /* refused: INVALID_ARG */
  mptcp_conn_opts o;
  memset(&o, 0, sizeof o);
  o.no_mptcp = 1;
  o.nodelay = (b & 0x10) != 0;
  o.keepalive = (b & 0x20) != 0;
  mptcp_conn *c = NULL;
  int rc = mptcp_conn_connect(w->b.st, &c, &l, &r, &o, w->b.now);
  FUZZ_CHECK(rc == 0 || rc == MPTCP_ERR_NOMEM || rc == MPTCP_ERR_INVALID_ARG);
  FUZZ_CHECK(!(b & 0x40) || rc == MPTCP_ERR_INVALID_ARG);
  if (rc != 0) return;
  FUZZ_CHECK(c != NULL && slot_find(w, c) < 0);
  slot_add(w, c, 1);
}

static void observe(void *ud) {
  world *w = ud;
  for (int i = 0; i < w->n_sl; i++) {
    mptcp_conn_info ci;
    fuzz_observe(&w->b, w->sl[i].c, &ci);
  }
}

/* ------------------------------------------------------------- driver */

static int setup(world *w, fuzz_reader *in) {
  uint8_t h0 = fuzz_u8(in), h1 = fuzz_u8(in), h2 = fuzz_u8(in),
          h3 = fuzz_u8(in);
  static const uint16_t mss[4] = {536, 1460, 100, 1000};
  fuzz_world_init(&w->b, (h0 & 0x20) != 0);
  w->b.trace = dbg.trace;
  w->b.lax_trace_nobuf = dbg.lax_nobuf;
  mptcp_settings *s = &w->b.s;
  s->mptcp = 0; /* the TCP engine; MPTCP input is fuzz_mptcp's job */
  s->sack = h0 & 1;
  s->timestamps = h0 >> 1 & 1;
  s->nagle = h0 >> 2 & 1;
  s->keepalive = h0 >> 3 & 1;
  s->wscale = (uint8_t)(h1 % 15);
  s->sndbuf = (size_t)2048 << (h2 & 3);
  s->rcvbuf = (size_t)2048 << (h2 >> 2 & 3);
  s->mss = mss[h2 >> 4 & 3];
  s->backlog = 1u + (h2 >> 6);
  s->max_conns = 2u + (h3 >> 2 & 3);
  if (h3 & 0x20) {
    s->offload =
        MPTCP_OFFLOAD_TX_CSUM | MPTCP_OFFLOAD_RX_CSUM | MPTCP_OFFLOAD_TSO;
    s->tso_max = FUZZ_OUT_CAP;
  }
  w->b.rx_valid = (h3 & 0x40) != 0;
  w->rx_trusted = w->b.rx_valid && (s->offload & MPTCP_OFFLOAD_RX_CSUM);
  /* Room for one connection (buffers plus its struct, which is some
   * 7 KiB with the subflow, its 128 receive mappings and the path-manager
   * state), not for two. */
  if (h0 & 0x40) s->mem_cap = (s->sndbuf + s->rcvbuf) * 3 / 2 + 6144;
  if (h3 & 0x80) {
    w->b.fail_skip = h3 & 3;
    w->b.fail_count = 1;
  }
  int rc = fuzz_world_start(&w->b);
  if (rc != 0) {
    FUZZ_CHECK(rc == MPTCP_ERR_NOMEM && (h3 & 0x80));
    return -1;
  }
  w->b.fail_skip = w->b.fail_count = 0;

  mptcp_addr l;
  memset(&l, 0, sizeof l);
  if (!(h0 & 0x80)) {
    l.ip = w->b.us;
  } else if (h1 & 0x80) { /* all-zero address of our family */
    l.ip.family = w->b.us.family;
  }
  l.port = 80;
  FUZZ_CHECK(mptcp_stack_listen(w->b.st, &l, 0) == 0);
  FUZZ_CHECK(mptcp_stack_listen(w->b.st, &l, 0) == MPTCP_ERR_INVALID_ARG);
  if (h0 & 0x10) {
    memset(&l, 0, sizeof l);
    FUZZ_CHECK(mptcp_stack_listen(w->b.st, &l, MPTCP_LISTEN_TRANSPARENT) == 0);
  }
  if (h3 & 0x10) {
    mptcp_addr r = {w->b.peer, 40000};
    l.ip = w->b.us;
    l.port = 5000;
    mptcp_conn *c = NULL;
    FUZZ_CHECK(mptcp_conn_connect(w->b.st, &c, &l, &r, NULL, w->b.now) == 0);
    slot_add(w, c, 1);
  }
  drain(w);
  return 0;
}

/* One operation (see the top of the file). */
static void run_op(void *ud, uint8_t op, fuzz_reader *in) {
  world *w = ud;
  unsigned opcode = op & 0x0f;
  if (fuzz_world_op(&w->b, opcode, in)) return;
  switch (opcode) {
  case 0x0:
  case 0xf: seg_op(w, in); break;
  case 0x1:
  case 0x2: simple_op(w, in); break;
  case 0x5:
  case 0x6:
  case 0x7: app_op(w, opcode, in); break;
  case 0x8: {
    slot *s = pick_slot(w, fuzz_u8(in));
    if (!s) break;
    int rc = mptcp_conn_shutdown(s->c, w->b.now);
    FUZZ_CHECK(rc == 0 || rc == MPTCP_ERR_CLOSED);
    if (rc == 0) w->tup[s->tup].tx_shut = 1;
    break;
  }
  case 0x9: {
    slot *s = pick_slot(w, fuzz_u8(in));
    if (s) mptcp_conn_abort(s->c, w->b.now);
    break;
  }
  case 0xa: {
    slot *s = pick_slot(w, fuzz_u8(in));
    if (!s) break;
    mptcp_conn_release(s->c, w->b.now);
    slot_del(w, (int)(s - w->sl));
    break;
  }
  case 0xb: connect_op(w, in); break;
  default: {
    uint8_t pkt[80];
    size_t n = fuzz_u8(in) % sizeof pkt;
    fuzz_bytes(in, pkt, n);
    w->rx_off = 1; /* it might be a valid segment with any payload */
    deliver_raw(w, pkt, n);
    break;
  }
  }
}

static const fuzz_driver driver = {run_op, drain, observe, MAX_OPS};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  world *w = &W;
  fuzz_reader in;
  if (dbg.inputs == 0 && getenv("FUZZ_STACK_LAX_NOBUF")) dbg.lax_nobuf = 1;
  if (dbg.inputs == 0 && getenv("FUZZ_STACK_DEBUG")) {
    dbg.on = 1;
    dbg.trace = atoi(getenv("FUZZ_STACK_DEBUG")) >= 2;
    atexit(dbg_print);
  }
  memset(w, 0, sizeof *w);
  fuzz_reader_init(&in, data, size);
  if (setup(w, &in) == 0) {
    /* The counters agree with what went through the API and the hook. */
    mptcp_counters c;
    fuzz_world_run(&w->b, &in, &driver, w, &c);
    if (dbg.on) {
      for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) dbg.ctr.v[i] += c.v[i];
    }
    fuzz_world_end(&w->b);
  }
  dbg.inputs++;
  dbg.states |= w->b.states;
  dbg.rx_checked += w->rx_checked;
  dbg.tx_checked += w->tx_checked;
  return 0;
}
