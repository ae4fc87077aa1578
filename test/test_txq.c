/*
 * Tests for lib/txq.c (and the scheduler's decisions applied by
 * lib/conn_sched.c) between two stacks of ours over two paths: the
 * redundant scheduler sends every byte on both subflows from one send
 * buffer, the receiver absorbs and counts the duplicates and delivers
 * each byte once; when the faster path blacks out the data keeps coming
 * over the other one within its RTT, where minRTT waits for an RTO.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/mptcp.h>
#include <stdlib.h>
#include <string.h>

#include "mpair.h"
#include "tcheck.h"

static mptcp_subflow_info sfi(mptcp_conn *c, size_t i) {
  mptcp_subflow_info si;
  ck_assert_int_eq(mptcp_conn_get_subflow(c, i, &si), 0);
  return si;
}

/* Both stacks with scheduler @p sched and @p buf-byte buffers, connected
 * over two paths (the join with MPTCP_SUBFLOW_* @p flags), the join
 * carrying data. */
static void setup_flags(pair *p, const char *sched, size_t buf,
                        uint32_t flags) {
  mptcp_settings s;
  pair_settings(&s);
  s.sched = mptcp_sched_find(sched);
  ck_assert_ptr_nonnull(s.sched);
  s.sndbuf = s.rcvbuf = buf;
  pair_init(p, &s, &s);
  pair_two_paths(p, flags);
  uint8_t one = 1, got;
  ck_assert_int_eq(mptcp_conn_write(p->ca, &one, 1, p->now), 1);
  for (int r = 0; r < 100 && !(p->ev_b & MPTCP_EV_SUBFLOW); r++) pair_step(p);
  ck_assert_uint_eq(p->ev_a & MPTCP_EV_SUBFLOW, MPTCP_EV_SUBFLOW);
  ck_assert_int_eq(mptcp_conn_read(p->cb, &got, 1, p->now), 1);
  ck_assert_uint_eq(sfi(p->ca, 1).joined, 1);
}

static void setup(pair *p, const char *sched, size_t buf) {
  setup_flags(p, sched, buf, 0);
}

/* Redundant: 1 MB each way arrives intact (pair_transfer checks every
 * byte and the exact length), and each subflow carried (nearly) all of
 * it from one copy in the send buffer. */
START_TEST(test_txq_redundant_both_carry) {
  const size_t n = 1000000;
  pair p;
  setup(&p, "redundant", 256 * 1024);
  pair_transfer(&p, n);
  mptcp_stack *st[2] = {p.a, p.b};
  mptcp_conn *c[2] = {p.ca, p.cb};
  for (int k = 0; k < 2; k++) {
    uint64_t s0 = sfi(c[k], 0).bytes_sent, s1 = sfi(c[k], 1).bytes_sent;
    /* Every byte went on both paths (the one of the setup on one). */
    ck_assert_uint_ge(s0, n * 95 / 100);
    ck_assert_uint_ge(s1, n * 95 / 100);
    mptcp_conn_info ci;
    mptcp_conn_get_info(c[k], &ci);
    /* Counted once as sent, the rest as sent again. */
    ck_assert_uint_eq(ci.bytes_sent + ci.bytes_resent, s0 + s1);
    ck_assert_uint_le(ci.bytes_sent, n + 1 + s0 / 50);
    ck_assert_uint_ge(ci.bytes_resent, n * 90 / 100);
    ck_assert_uint_eq(pair_counter(st[k], "MPDupDataTxBytes"), ci.bytes_resent);
    /* The peer got the copies and delivered each byte once. */
    mptcp_conn_info peer;
    mptcp_conn_get_info(c[1 - k], &peer);
    ck_assert_uint_eq(peer.bytes_received, n + (k == 0 ? 1 : 0));
    ck_assert_uint_ge(peer.bytes_dup_received, n * 90 / 100);
    ck_assert_uint_eq(pair_counter(st[1 - k], "MPDupDataRxBytes"),
                      peer.bytes_dup_received);
    /* What arrived twice was sent twice. */
    ck_assert_uint_le(peer.bytes_dup_received, ci.bytes_resent + s0 / 50);
  }
  ck_assert_uint_eq(pair_counter(p.a, "MPDSSNotMatching"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNotMatching"), 0);
  pair_fini(&p);
}
END_TEST

/* minRTT over the same setup sends each byte once: no copies, nothing
 * counted as a duplicate. */
START_TEST(test_txq_minrtt_no_copies) {
  const size_t n = 300000;
  pair p;
  setup(&p, "minrtt", 256 * 1024);
  pair_transfer(&p, n);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.ca, &ci);
  ck_assert_uint_eq(ci.bytes_resent, 0);
  ck_assert_uint_eq(ci.bytes_sent, n + 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPDupDataRxBytes"), 0);
  pair_fini(&p);
}
END_TEST

/* Redundant with a backup subflow: copies go to regular subflows only, so
 * the backup stays idle while the first path works. */
START_TEST(test_txq_redundant_backup) {
  pair p;
  setup_flags(&p, "redundant", 256 * 1024, MPTCP_SUBFLOW_BACKUP);
  pair_transfer(&p, 300000);
  ck_assert_uint_eq(sfi(p.ca, 1).bytes_sent, 0);
  ck_assert_uint_eq(sfi(p.cb, 1).bytes_sent, 0);
  ck_assert_uint_ge(sfi(p.ca, 0).bytes_sent, 300000);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.ca, &ci);
  ck_assert_uint_eq(ci.bytes_resent, 0);
  pair_fini(&p);
}
END_TEST

/* One-way delays: path 1 2 ms, path 2 @p slow_us. */
static mptcp_tstamp slow_path2(pair *p, int from_a, const uint8_t *b,
                               size_t n) {
  (void)from_a;
  return pair_on_path2(b, n) ? *(const mptcp_tstamp *)p->ud : 2000;
}

/* Redundant over a fast and a much slower path, bulk: the slow subflow's
 * copies fall behind and it skips what path 1 got DATA_ACKed meanwhile;
 * every byte still arrives once. */
START_TEST(test_txq_redundant_slow_skips) {
  const size_t n = 1000000;
  mptcp_tstamp slow = 100000;
  pair p;
  setup(&p, "redundant", 128 * 1024);
  p.ud = &slow;
  p.delay = slow_path2;
  pair_transfer(&p, n);
  uint64_t s0 = sfi(p.ca, 0).bytes_sent, s1 = sfi(p.ca, 1).bytes_sent;
  /* Path 1 carried nearly everything, path 2 a part: it skipped. */
  ck_assert_uint_ge(s0, n * 9 / 10);
  ck_assert_uint_gt(s1, 0);
  ck_assert_uint_lt(s1, n / 2);
  mptcp_conn_info ca, cb;
  mptcp_conn_get_info(p.ca, &ca);
  mptcp_conn_get_info(p.cb, &cb);
  ck_assert_uint_eq(ca.bytes_sent + ca.bytes_resent, s0 + s1);
  ck_assert_uint_eq(cb.bytes_received, n + 1);
  ck_assert_uint_le(cb.bytes_dup_received, ca.bytes_resent);
  pair_fini(&p);
}
END_TEST

/* Path 1 (the initial subflow) 10 ms one way, path 2 30 ms; path 1 goes
 * dark both ways when blackout is set. */
#define MS 1000u
typedef struct bench {
  int dark;
} bench;

static mptcp_tstamp two_delays(pair *p, int from_a, const uint8_t *b,
                               size_t n) {
  (void)p, (void)from_a;
  return pair_on_path2(b, n) ? 30 * MS : 10 * MS;
}

static int dark_path1(pair *p, int from_a, uint8_t *b, size_t n) {
  (void)from_a;
  const bench *x = p->ud;
  return !x->dark || pair_on_path2(b, n);
}

/* An application writing three full segments every 10 ms for 2 s (whole
 * segments: Nagle never holds a tail back); path 1 blacks out at 1 s.
 * Returns the longest time B's application waited for new data from the
 * blackout until everything arrived, and checks every byte. */
static mptcp_tstamp blackout_gap(const char *sched) {
  enum { WRITES = 200 };
  pair p;
  bench x = {0};
  /* Path 1's records pin its unacknowledged bytes in the send buffer
   * while it is dark (they may have to be sent again on it): a buffer
   * for the whole transfer keeps the application's pace. */
  setup(&p, sched, 1024 * 1024);
  p.delay = two_delays;
  p.filter = dark_path1;
  p.ud = &x;
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.ca, &ci);
  const size_t chunk = 3 * (size_t)ci.mss, total = chunk * WRITES;
  uint8_t *data = malloc(total), buf[65536];
  for (size_t i = 0; i < total; i++) data[i] = (uint8_t)(i * 29 + 3);
  size_t sent = 0, got = 0;
  mptcp_tstamp t0 = p.now, dark_at = t0 + 1000 * MS, last = 0, gap = 0;
  for (mptcp_tstamp t = t0; got < total; t += MS) {
    ck_assert_msg(t < t0 + 30000 * MS, "%s: stuck at %zu of %zu", sched, got,
                  sent);
    if (sent < total && t >= t0 + (mptcp_tstamp)(sent / chunk) * 10 * MS) {
      ck_assert_int_eq(mptcp_conn_write(p.ca, data + sent, chunk, p.now),
                       (mptcp_ssize)chunk);
      sent += chunk;
    }
    x.dark = t >= dark_at;
    pair_run_until(&p, t);
    mptcp_ssize k;
    while ((k = mptcp_conn_read(p.cb, buf, sizeof buf, p.now)) > 0) {
      ck_assert_msg(memcmp(buf, data + got, (size_t)k) == 0, "data differs");
      got += (size_t)k;
      if (p.now >= dark_at && last && p.now - last > gap) gap = p.now - last;
      last = p.now;
    }
  }
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  mptcp_conn_get_info(p.ca, &ci);
  if (strcmp(sched, "minrtt") == 0) {
    /* Path 1's unacknowledged data went again on path 2 after its RTO. */
    ck_assert_uint_ge(pair_counter(p.a, "MPReinjectRTO"), 1);
    ck_assert_uint_gt(ci.bytes_resent, 0);
  } else {
    /* Path 2 carried (nearly) every byte: copies before the blackout (a
     * few skipped while its window opened), the new
     * data itself after it. */
    ck_assert_uint_ge(sfi(p.ca, 1).bytes_sent, total * 95 / 100);
  }
  free(data);
  pair_fini(&p);
  return gap;
}

START_TEST(test_txq_redundant_blackout) {
  mptcp_tstamp red = blackout_gap("redundant"), min = blackout_gap("minrtt");
  /* Redundant: path 2 had every byte already; B waits at most about path
   * 2's one-way delay more than path 1's plus a write interval, well
   * under path 2's 60 ms RTT. */
  ck_assert_msg(red < 60 * MS, "redundant stalled %llu us",
                (unsigned long long)red);
  /* minRTT: what path 1 carried comes again only after its RTO (200 ms at
   * least). */
  ck_assert_msg(min >= 200 * MS, "minrtt stalled only %llu us",
                (unsigned long long)min);
}
END_TEST

/* Drops every packet while *p->ud is set. */
static int dark_all(pair *p, int from_a, uint8_t *b, size_t n) {
  (void)from_a, (void)b, (void)n;
  return !*(const int *)p->ud;
}

/* B reads what A wrote (@p data, @p n bytes, checked byte by byte) in at
 * most @p rounds steps; returns how much. */
static size_t read_all(pair *p, const uint8_t *data, size_t n, int rounds) {
  uint8_t buf[65536];
  size_t got = 0;
  for (int r = 0; r < rounds && got < n; r++) {
    mptcp_ssize k;
    while ((k = mptcp_conn_read(p->cb, buf, sizeof buf, p->now)) > 0) {
      ck_assert_msg(memcmp(buf, data + got, (size_t)k) == 0, "data differs");
      got += (size_t)k;
    }
    if (got == n) break; /* done: both ends may be idle, with no timer */
    pair_step(p);
  }
  return got;
}

/* Reinjection with no target: both paths go dark and time out, then A
 * withdraws path 2's address (its subflow is reset). Its data, and what
 * path 1 had handed it, has nowhere to go (path 1 is stalled): the
 * connection keeps it owed and gives it to path 1 once that answers
 * again. Every byte arrives. */
START_TEST(test_txq_reinject_owed) {
  enum { N = 60000 };
  pair p;
  int dark = 0;
  setup(&p, "minrtt", 256 * 1024);
  p.ud = &dark;
  p.filter = dark_all;
  uint8_t *data = malloc(N);
  for (size_t i = 0; i < N; i++) data[i] = (uint8_t)(i * 7 + 11);
  dark = 1;
  ck_assert_int_eq(mptcp_conn_write(p.ca, data, N, p.now), N);
  pair_run_until(&p, p.now + 3000000); /* RTOs on both subflows */
  ck_assert_uint_gt(sfi(p.ca, 1).bytes_sent, 0);
  ck_assert_uint_ge(pair_counter(p.a, "TcpTimeouts"), 2);
  uint64_t dead = pair_counter(p.a, "MPReinjectDead");
  ck_assert_int_eq(mptcp_conn_remove_addr(p.ca, 1, p.now), 0);
  pair_pump(&p);
  ck_assert_int_ne(mptcp_conn_get_subflow(p.ca, 1, &(mptcp_subflow_info){0}),
                   0);
  dark = 0;
  ck_assert_uint_eq(read_all(&p, data, N, 2000), N);
  ck_assert_uint_gt(pair_counter(p.a, "MPReinjectDead"), dead);
  free(data);
  pair_fini(&p);
}
END_TEST

/* A too small buffer changes nothing (stack.h: "nothing is lost: call
 * again with a larger buffer"), the scheduler's turn included: with
 * round-robin, each NOBUF then retry yields the packet the turn was for,
 * so the data segments still alternate between the subflows (found by
 * fuzz_multipath: each NOBUF moved the turn on, so the retries always
 * landed on the same subflow, and a packet could wait). */
START_TEST(test_txq_nobuf_keeps_turn) {
  pair p;
  setup(&p, "rr", 256 * 1024);
  PAIR_RUN_UNTIL(&p, 0, 200000); /* quiet: nothing owed but new data */
  static uint8_t data[20000], buf[2000];
  ck_assert_int_eq(mptcp_conn_write(p.ca, data, sizeof data, p.now),
                   (mptcp_ssize)sizeof data);
  uint32_t last = UINT32_MAX;
  for (int k = 0; k < 6; k++) {
    mptcp_pkt_info pi;
    ck_assert_int_eq(mptcp_stack_write_pkt(p.a, &pi, buf, 40, p.now),
                     MPTCP_ERR_NOBUF);
    mptcp_ssize n = mptcp_stack_write_pkt(p.a, &pi, buf, sizeof buf, p.now);
    ck_assert_int_gt(n, 1000); /* a data segment */
    ck_assert_uint_ne(pi.subflow, last);
    last = pi.subflow;
  }
  pair_fini(&p);
}
END_TEST

/* Reinjection as DSS mappings: path 1 goes dark under bulk data (what it
 * sends is lost), its data goes again on path 2 after the RTO. There a
 * reinjected run is one mapping of several segments on its first segment, the
 * others carry no DSS, and the receiver never meets a segment whose mapping it
 * lacks. */
typedef struct rjw {
  int dark;
  uint64_t p1_end;     /* end of the highest DSN range path 1 mapped */
  uint32_t reinj_len;  /* longest mapping on path 2 of path 1's data */
  int in_reinj;        /* path 2's last mapping is such a one */
  uint32_t bare_after; /* path 2's data segments without DSS inside it */
} rjw;

static int rj_watch(pair *p, int from_a, uint8_t *b, size_t n) {
  rjw *x = p->ud;
  int p2 = pair_on_path2(b, n), pass = p2 || !x->dark;
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  if (!from_a || !pk.payload_len) return pass;
  mptcp_tcpopts o;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, pk.tcp_flags, pk.payload_len);
  mptcp_tcpopts_parse(pk.opts, pk.opts_len, &ctx, &o);
  const mptcp_dss *d = NULL;
  for (unsigned i = 0; i < o.n_mptcp; i++)
    if (o.mptcp[i].subtype == MPTCP_SUB_DSS &&
        (o.mptcp[i].u.dss.flags & MPTCP_DSS_M))
      d = &o.mptcp[i].u.dss;
  if (d) {
    if (!p2 && d->dsn + d->dll > x->p1_end) x->p1_end = d->dsn + d->dll;
    x->in_reinj = p2 && x->dark && d->dsn < x->p1_end;
    if (x->in_reinj && d->dll > x->reinj_len) x->reinj_len = d->dll;
  } else if (p2 && x->in_reinj) {
    x->bare_after++;
  }
  return pass;
}

START_TEST(test_txq_reinject_mappings) {
  enum { N = 600000 };
  pair p;
  rjw x = {0};
  setup(&p, "minrtt", 1024 * 1024);
  p.delay = two_delays;
  p.filter = rj_watch;
  p.ud = &x;
  uint8_t *data = malloc(N);
  for (size_t i = 0; i < N; i++) data[i] = (uint8_t)(i * 5 + 3);
  x.dark = 1; /* what path 1 sends from now on is lost */
  ck_assert_int_eq(mptcp_conn_write(p.ca, data, N, p.now), N);
  ck_assert_uint_eq(read_all(&p, data, N, 20000), N);
  ck_assert_uint_ge(pair_counter(p.a, "MPReinjectRTO"), 1);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.ca, &ci);
  ck_assert_uint_gt(x.reinj_len, ci.mss); /* several segments */
  ck_assert_uint_gt(x.bare_after, 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNoMapping"), 0);
  free(data);
  pair_fini(&p);
}
END_TEST

Suite *suite_txq(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_txq_redundant_both_carry),
      TCHECK_TEST(test_txq_minrtt_no_copies),
      TCHECK_TEST(test_txq_redundant_backup),
      TCHECK_TEST(test_txq_redundant_slow_skips),
      TCHECK_TEST(test_txq_redundant_blackout),
      TCHECK_TEST(test_txq_reinject_owed),
      TCHECK_TEST(test_txq_nobuf_keeps_turn),
      TCHECK_TEST(test_txq_reinject_mappings),
  };
  return tcheck_suite("txq", tests, sizeof tests / sizeof tests[0]);
}
