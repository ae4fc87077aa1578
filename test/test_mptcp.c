/*
 * MPTCP between two stacks of ours, wired back to back in memory: the
 * MP_CAPABLE handshake, data both ways under DSS mappings and DATA_ACKs,
 * DATA_FIN, and the fallbacks decided at handshake time (a peer without
 * MPTCP, a v0 offer to a v1-only listener).
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pair {
  mptcp_stack *a, *b;
  mptcp_conn *ca, *cb;
  mptcp_tstamp now;
  uint64_t seed;
  int drop_every; /* drop every Nth packet (0: none) */
  int corrupt_nth;  /* rewrite a payload byte of A's Nth data packet, TCP
                       checksum fixed up (a payload-modifying middlebox) */
  int data_pkts;
  int drop_first_a; /* drop A's first N packets (its SYNs) */
  int a_pkts;
  unsigned long pkts;
} pair;

static void prng_fill(uint8_t *d, size_t n, void *ud) {
  uint64_t *s = ud;
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)tcheck_prng(s);
}

static void pair_init(pair *p, const mptcp_settings *sa,
                      const mptcp_settings *sb) {
  memset(p, 0, sizeof *p);
  p->seed = 99;
  p->now = 1000;
  ck_assert_int_eq(mptcp_stack_new(&p->a, sa, NULL, &p->seed), 0);
  ck_assert_int_eq(mptcp_stack_new(&p->b, sb, NULL, &p->seed), 0);
  mptcp_addr la = {{MPTCP_AF_INET, {10, 0, 0, 1}}, 40000};
  mptcp_addr lb = {{MPTCP_AF_INET, {10, 0, 0, 2}}, 80};
  ck_assert_int_eq(mptcp_stack_listen(p->b, &lb, 0), 0);
  ck_assert_int_eq(mptcp_conn_connect(p->a, &p->ca, &la, &lb, NULL, p->now),
                   0);
}

static void log_hook(void *ud, int level, const char *msg, size_t len) {
  (void)ud;
  (void)level;
  fprintf(stderr, "%.*s\n", (int)len, msg);
}

static void settings(mptcp_settings *s, uint64_t *seed) {
  mptcp_settings_default(s);
  if (getenv("MPTCP_TEST_LOG")) { /* debugging aid */
    s->log = log_hook;
    s->log_level = MPTCP_LOG_DEBUG;
  }
  s->rand = prng_fill;
  (void)seed;
  s->sndbuf = s->rcvbuf = 64 * 1024;
}

/* Flips a payload byte and repairs the TCP checksum: only the DSS
 * checksum can tell. */
static void corrupt(uint8_t *b, size_t n) {
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  ck_assert_uint_gt(pk.payload_len, 10);
  uint8_t *t = b + pk.ip_hdr_len;
  b[(size_t)(pk.payload - b) + 10] ^= 0x55;
  t[16] = t[17] = 0;
  uint16_t cs = mptcp_tcp_csum(&pk.src, &pk.dst, t, pk.tcp_len);
  t[16] = (uint8_t)(cs >> 8);
  t[17] = (uint8_t)cs;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, MPTCP_PKT_VERIFY_CSUM, &pk), 0);
}

/* Moves packets both ways until neither stack has anything to send;
 * returns the number moved. */
static int pump(pair *p) {
  uint8_t buf[2048];
  int moved = 0;
  for (int again = 1; again;) {
    again = 0;
    mptcp_ssize n;
    while ((n = mptcp_stack_write_pkt(p->a, NULL, buf, sizeof buf, p->now)) >
           0) {
      again = moved = 1;
      /* MSS 1460 means 1500-byte packets, MPTCP options included. */
      ck_assert_int_le(n, 1500);
      if (n > 200 && p->corrupt_nth && ++p->data_pkts == p->corrupt_nth)
        corrupt(buf, (size_t)n);
      if (++p->a_pkts <= p->drop_first_a) continue;
      if (p->drop_every && ++p->pkts % (unsigned long)p->drop_every == 0)
        continue;
      mptcp_stack_read_pkt(p->b, NULL, buf, (size_t)n, p->now);
    }
    while ((n = mptcp_stack_write_pkt(p->b, NULL, buf, sizeof buf, p->now)) >
           0) {
      again = moved = 1;
      ck_assert_int_le(n, 1500);
      if (p->drop_every && ++p->pkts % (unsigned long)p->drop_every == 0)
        continue;
      mptcp_stack_read_pkt(p->a, NULL, buf, (size_t)n, p->now);
    }
    mptcp_event ev;
    while (mptcp_stack_next_event(p->b, &ev))
      if (ev.events & MPTCP_EV_ACCEPT) p->cb = ev.conn;
    while (mptcp_stack_next_event(p->a, &ev)) {
    }
  }
  return moved;
}

/* Runs timers when nothing moves. */
static void step(pair *p) {
  if (pump(p)) return;
  mptcp_tstamp e = mptcp_stack_get_expiry(p->a), eb = mptcp_stack_get_expiry(p->b);
  if (eb < e) e = eb;
  if (e == MPTCP_TSTAMP_NONE) { /* say where it stuck */
    mptcp_stack *sts[2] = {p->a, p->b};
    for (int k = 0; k < 2; k++) {
      mptcp_counters c;
      mptcp_stack_get_counters(sts[k], &c);
      for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
        if (c.v[i])
          fprintf(stderr, "%c %s %llu\n", 'A' + k, mptcp_counter_name(i),
                  (unsigned long long)c.v[i]);
    }
  }
  ck_assert_msg(e != MPTCP_TSTAMP_NONE, "stalled with no timer");
  if (e > p->now) p->now = e;
  mptcp_stack_handle_expiry(p->a, p->now);
  mptcp_stack_handle_expiry(p->b, p->now);
}

/* Sends n bytes each way at once, half-closes both sides, checks every
 * byte and the end of both streams. */
static void transfer(pair *p, size_t n) {
  uint8_t *out_a = malloc(n), *out_b = malloc(n), *in_a = malloc(n),
          *in_b = malloc(n);
  for (size_t i = 0; i < n; i++) {
    out_a[i] = (uint8_t)(i * 7 + 1);
    out_b[i] = (uint8_t)(i * 13 + 5);
  }
  size_t sa = 0, sb = 0, ra = 0, rb = 0;
  int eof_a = 0, eof_b = 0, shut_a = 0, shut_b = 0;
  for (int rounds = 0; !(eof_a && eof_b); rounds++) {
    ck_assert_msg(rounds < 200000, "no progress: sent %zu/%zu got %zu/%zu", sa,
                  sb, ra, rb);
    if (sa < n) {
      mptcp_ssize k = mptcp_conn_write(p->ca, out_a + sa, n - sa, p->now);
      if (k > 0) sa += (size_t)k;
    } else if (!shut_a) {
      ck_assert_int_eq(mptcp_conn_shutdown(p->ca, p->now), 0);
      shut_a = 1;
    }
    if (p->cb && sb < n) {
      mptcp_ssize k = mptcp_conn_write(p->cb, out_b + sb, n - sb, p->now);
      if (k > 0) sb += (size_t)k;
    } else if (p->cb && !shut_b) {
      ck_assert_int_eq(mptcp_conn_shutdown(p->cb, p->now), 0);
      shut_b = 1;
    }
    mptcp_ssize k;
    while (!eof_a && (k = mptcp_conn_read(p->ca, in_a + ra, n - ra + 1,
                                          p->now)) != 0) {
      if (k == MPTCP_ERR_EOF) {
        eof_a = 1;
        break;
      }
      ck_assert_int_gt(k, 0);
      ra += (size_t)k;
    }
    while (p->cb && !eof_b &&
           (k = mptcp_conn_read(p->cb, in_b + rb, n - rb + 1, p->now)) != 0) {
      if (k == MPTCP_ERR_EOF) {
        eof_b = 1;
        break;
      }
      ck_assert_int_gt(k, 0);
      rb += (size_t)k;
    }
    step(p);
  }
  ck_assert_uint_eq(ra, n);
  ck_assert_uint_eq(rb, n);
  ck_assert_msg(memcmp(in_b, out_a, n) == 0, "A->B data differs");
  ck_assert_msg(memcmp(in_a, out_b, n) == 0, "B->A data differs");
  free(out_a);
  free(out_b);
  free(in_a);
  free(in_b);
}

static void pair_fini(pair *p) {
  mptcp_conn_release(p->ca, p->now);
  if (p->cb) mptcp_conn_release(p->cb, p->now);
  mptcp_stack_del(p->a);
  mptcp_stack_del(p->b);
}

static uint64_t counter(mptcp_stack *st, const char *name) {
  mptcp_counters c;
  mptcp_stack_get_counters(st, &c);
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
    if (strcmp(mptcp_counter_name(i), name) == 0) return c.v[i];
  ck_abort_msg("no counter %s", name);
  return 0;
}

START_TEST(test_mptcp_v1_transfer) {
  mptcp_settings s;
  uint64_t seed = 1;
  settings(&s, &seed);
  pair p;
  pair_init(&p, &s, &s);
  transfer(&p, 300000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_eq(ib.mptcp, 1);
  ck_assert_uint_eq(ia.mptcp_version, 1);
  ck_assert_uint_eq(ia.fallback, 0);
  ck_assert_uint_eq(counter(p.b, "MPCapableSYNRX"), 1);
  ck_assert_uint_eq(counter(p.b, "MPCapableACKRX"), 1);
  ck_assert_uint_eq(counter(p.a, "MPCapableSYNACKRX"), 1);
  ck_assert_uint_eq(counter(p.a, "MPDataFinRx"), 1);
  ck_assert_uint_eq(counter(p.b, "MPDataFinRx"), 1);
  ck_assert_uint_eq(counter(p.a, "MPDSSNoMapping"), 0);
  ck_assert_uint_eq(counter(p.b, "MPDSSNoMapping"), 0);
  ck_assert_uint_eq(counter(p.b, "MPDSSNotMatching"), 0);
  pair_fini(&p);
}
END_TEST

/* Every 7th packet lost: retransmissions repeat their mappings. */
START_TEST(test_mptcp_v1_loss) {
  mptcp_settings s;
  uint64_t seed = 2;
  settings(&s, &seed);
  pair p;
  pair_init(&p, &s, &s);
  p.drop_every = 7 + _i;
  transfer(&p, 200000);
  mptcp_conn_info ia;
  mptcp_conn_get_info(p.ca, &ia);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_gt(ia.retransmits, 0);
  ck_assert_uint_eq(counter(p.b, "MPDSSNotMatching"), 0);
  pair_fini(&p);
}
END_TEST

/* §2.7 row 1: a listener without MPTCP answers a plain SYN/ACK; the
 * client runs TCP and says it fell back. */
START_TEST(test_mptcp_fallback_plain_listener) {
  mptcp_settings sa, sb;
  uint64_t seed = 3;
  settings(&sa, &seed);
  settings(&sb, &seed);
  sb.mptcp = 0;
  pair p;
  pair_init(&p, &sa, &sb);
  transfer(&p, 50000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, 0);
  ck_assert_uint_eq(ia.fallback, 1);
  ck_assert_uint_eq(ib.mptcp, 0);
  ck_assert_uint_eq(ib.fallback, 0);
  ck_assert_uint_eq(counter(p.a, "MPCapableFallbackSYNACK"), 1);
  pair_fini(&p);
}
END_TEST

/* A v0 client against a listener that takes v0: v0 end to end. Against a
 * v1-only listener: plain TCP. */
START_TEST(test_mptcp_v0) {
  mptcp_settings sa, sb;
  uint64_t seed = 4;
  settings(&sa, &seed);
  settings(&sb, &seed);
  sa.mptcp_version = 0;
  sb.mptcp_v0 = _i == 0;
  pair p;
  pair_init(&p, &sa, &sb);
  transfer(&p, 100000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, _i == 0);
  ck_assert_uint_eq(ib.mptcp, _i == 0);
  ck_assert_uint_eq(ia.mptcp_version, 0);
  ck_assert_uint_eq(ia.fallback, _i == 1);
  pair_fini(&p);
}
END_TEST

/* DSS checksums (§3.3.1): asked by either side, both use them; clean and
 * lossy transfers stay intact. */
START_TEST(test_mptcp_checksum) {
  mptcp_settings sa, sb;
  uint64_t seed = 5;
  settings(&sa, &seed);
  settings(&sb, &seed);
  sa.checksum = _i != 1; /* 0: both, 1: listener only, 2: client only */
  sb.checksum = _i != 2;
  pair p;
  pair_init(&p, &sa, &sb);
  p.drop_every = 9;
  transfer(&p, 150000);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_eq(ia.checksum, 1);
  ck_assert_uint_eq(ib.checksum, 1);
  ck_assert_uint_eq(counter(p.a, "DataCsumErr"), 0);
  ck_assert_uint_eq(counter(p.b, "DataCsumErr"), 0);
  pair_fini(&p);
}
END_TEST

/* A middlebox rewrites payload but keeps the TCP checksum valid: with DSS
 * checksums the receiver notices, counts it and resets; no wrong byte
 * reaches the application. */
START_TEST(test_mptcp_checksum_catches_rewrite) {
  mptcp_settings s;
  uint64_t seed = 6;
  settings(&s, &seed);
  s.checksum = 1;
  pair p;
  pair_init(&p, &s, &s);
  p.corrupt_nth = 5;
  uint8_t data[20000], got[20000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 3 + 1);
  size_t sent = 0, rcvd = 0;
  for (int r = 0; r < 2000 && sent < sizeof data; r++) {
    mptcp_ssize k = mptcp_conn_write(p.ca, data + sent, sizeof data - sent,
                                     p.now);
    if (k > 0) sent += (size_t)k;
    if (k < 0 && k != MPTCP_ERR_WOULDBLOCK) break;
    pump(&p);
    mptcp_ssize n;
    while (p.cb &&
           (n = mptcp_conn_read(p.cb, got + rcvd, sizeof got - rcvd, p.now)) >
               0)
      rcvd += (size_t)n;
  }
  ck_assert_uint_eq(counter(p.b, "DataCsumErr"), 1);
  ck_assert_msg(memcmp(got, data, rcvd) == 0, "a rewritten byte got through");
  ck_assert_uint_lt(rcvd, sizeof data);
  pair_fini(&p);
}
END_TEST

/* RFC 8684 §3.1: MP_CAPABLE SYNs that get no answer (a middlebox dropping
 * them) are followed by plain SYNs after settings.mptcp_syn_retries. */
START_TEST(test_mptcp_syn_blackhole) {
  mptcp_settings s;
  uint64_t seed = 7;
  settings(&s, &seed);
  pair p;
  pair_init(&p, &s, &s);
  p.drop_first_a = _i + 1; /* 1: the retry keeps MP_CAPABLE; 2: it does not */
  transfer(&p, 30000);
  mptcp_conn_info ia;
  mptcp_conn_get_info(p.ca, &ia);
  ck_assert_uint_eq(ia.mptcp, _i == 0);
  ck_assert_uint_eq(ia.fallback, _i == 1);
  ck_assert_uint_eq(counter(p.a, "MPCapableSYNWithout"), _i == 1);
  pair_fini(&p);
}
END_TEST

/* RFC 8684 §3.5: an abort resets the subflow with MP_FASTCLOSE (the peer's
 * key) and MP_TCPRST; the peer checks the key, counts it and reports a
 * reset. */
START_TEST(test_mptcp_fastclose) {
  mptcp_settings s;
  uint64_t seed = 8;
  settings(&s, &seed);
  pair p;
  pair_init(&p, &s, &s);
  uint8_t data[5000] = {1};
  for (int r = 0; r < 100 && !p.cb; r++) step(&p);
  ck_assert_ptr_nonnull(p.cb);
  ck_assert_int_gt(mptcp_conn_write(p.ca, data, sizeof data, p.now), 0);
  pump(&p);
  mptcp_conn_abort(p.ca, p.now);
  uint8_t buf[2048];
  mptcp_ssize n = mptcp_stack_write_pkt(p.a, NULL, buf, sizeof buf, p.now);
  ck_assert_int_gt(n, 0);
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(buf, (size_t)n, MPTCP_PKT_VERIFY_CSUM, &pk),
                   0);
  ck_assert_uint_eq(pk.tcp_flags & MPTCP_TH_RST, MPTCP_TH_RST);
  mptcp_tcpopts o;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, pk.tcp_flags, pk.payload_len);
  mptcp_tcpopts_parse(pk.opts, pk.opts_len, &ctx, &o);
  ck_assert_uint_eq(o.n_mptcp, 2);
  ck_assert_uint_eq(o.mptcp[0].subtype, MPTCP_SUB_FASTCLOSE);
  ck_assert_uint_eq(o.mptcp[1].subtype, MPTCP_SUB_TCPRST);
  mptcp_stack_read_pkt(p.b, NULL, buf, (size_t)n, p.now);
  mptcp_event ev;
  uint32_t evs = 0;
  while (mptcp_stack_next_event(p.b, &ev)) evs |= ev.events;
  ck_assert_uint_eq(evs & MPTCP_EV_RESET, MPTCP_EV_RESET);
  ck_assert_uint_eq(counter(p.b, "MPFastcloseRx"), 1);
  ck_assert_uint_eq(counter(p.b, "MPRstRx"), 1);
  ck_assert_uint_eq(counter(p.a, "MPFastcloseTx"), 1);
  pair_fini(&p);
}
END_TEST

Suite *suite_mptcp(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mptcp_v1_transfer),
      TCHECK_LOOP(test_mptcp_v1_loss, 4),
      TCHECK_TEST(test_mptcp_fallback_plain_listener),
      TCHECK_LOOP(test_mptcp_v0, 2),
      TCHECK_LOOP(test_mptcp_checksum, 3),
      TCHECK_TEST(test_mptcp_checksum_catches_rewrite),
      TCHECK_LOOP(test_mptcp_syn_blackhole, 2),
      TCHECK_TEST(test_mptcp_fastclose),
  };
  return tcheck_suite("mptcp", tests, sizeof tests / sizeof tests[0]);
}
