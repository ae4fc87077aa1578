/*
 * MP_JOIN (RFC 8684 §3.2) between two stacks of ours: a second subflow
 * from another client address, data over both, HMACs checked both ways
 * (forged ones refused and counted), unknown tokens, a path that dies
 * mid-transfer (reinjection), backup subflows, and a middlebox that
 * strips options only on the join.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/mptcp.h>
#include <stdlib.h>
#include <string.h>

#include "mpair.h"
#include "tcheck.h"

/* Subflow i's info; fails the test if there is none. */
static mptcp_subflow_info sfi(mptcp_conn *c, size_t i) {
  mptcp_subflow_info si;
  ck_assert_int_eq(mptcp_conn_get_subflow(c, i, &si), 0);
  return si;
}

/* Subflows besides the first that carry data (joined). */
static unsigned joined_extra(mptcp_conn *c) {
  unsigned n = 0;
  for (size_t i = 1; i < mptcp_conn_subflow_slots(c); i++) {
    mptcp_subflow_info si;
    if (mptcp_conn_get_subflow(c, i, &si) == 0 && si.joined) n++;
  }
  return n;
}

START_TEST(test_join_two_paths) {
  mptcp_settings s;
  pair_settings(&s);
  s.sndbuf = s.rcvbuf = 256 * 1024;
  pair p;
  pair_init(&p, &s, &s);
  pair_two_paths(&p, 0);
  pair_pump(&p);
  /* The join's SYN waits until the peer has shown it has our key (a
   * DATA_ACK): a Linux listener knows the token only from then on. */
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynRx"), 0);
  uint8_t one = 1;
  ck_assert_int_eq(mptcp_conn_write(p.ca, &one, 1, p.now), 1);
  for (int r = 0; r < 20 && !(p.ev_b & MPTCP_EV_SUBFLOW); r++) pair_step(&p);
  uint8_t got;
  ck_assert_int_eq(mptcp_conn_read(p.cb, &got, 1, p.now), 1);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_SUBFLOW, MPTCP_EV_SUBFLOW);
  ck_assert_uint_eq(p.ev_b & MPTCP_EV_SUBFLOW, MPTCP_EV_SUBFLOW);
  ck_assert_uint_eq(mptcp_conn_subflow_slots(p.cb), 2);
  mptcp_subflow_info a1 = sfi(p.ca, 1), b1 = sfi(p.cb, 1);
  ck_assert_uint_eq(a1.joined, 1);
  ck_assert_uint_eq(b1.joined, 1);
  ck_assert_uint_eq(a1.local_id, 1);
  ck_assert_uint_eq(b1.remote_id, 1);
  ck_assert_uint_eq(b1.local_id, 0);
  ck_assert(mptcp_ipaddr_equal(&b1.remote.ip, &pair_addr_a2.ip));
  pair_transfer(&p, 2000000);
  /* Both subflows carried data in both directions. */
  for (size_t i = 0; i < 2; i++) {
    mptcp_subflow_info a = sfi(p.ca, i), b = sfi(p.cb, i);
    ck_assert_uint_gt(a.bytes_sent, 100000);
    ck_assert_uint_gt(b.bytes_sent, 100000);
    ck_assert_uint_gt(a.bytes_received, 100000);
  }
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinAckRx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynAckRx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPDSSNotMatching"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNotMatching"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPDSSNoMapping"), 0);
  pair_fini(&p);
}
END_TEST

/* Forgeries: _i = 0 flips a bit of the SYN/ACK's HMAC (B -> A), 1 of the
 * third ACK's (A -> B), 2 of the SYN's token. Each is refused, counted,
 * and the connection goes on over its first subflow. */
static int forge(pair *p, int from_a, uint8_t *b, size_t n) {
  int what = *(int *)p->ud;
  size_t len, at = pair_find_mptcp(b, n, MPTCP_SUB_JOIN, &len);
  if (!at) return 1;
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  uint8_t fl = pk.tcp_flags & (MPTCP_TH_SYN | MPTCP_TH_ACK);
  if (what == 0 && !from_a && fl == (MPTCP_TH_SYN | MPTCP_TH_ACK))
    b[at + 4] ^= 0x01; /* first HMAC byte (after kind, len, sub, id) */
  else if (what == 1 && from_a && fl == MPTCP_TH_ACK && len == 24)
    b[at + 23] ^= 0x80; /* last HMAC byte */
  else if (what == 2 && from_a && fl == MPTCP_TH_SYN)
    b[at + 4] ^= 0x10; /* token */
  else
    return 1;
  pair_fix_csum(b, n);
  return 1;
}

START_TEST(test_join_forged) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  int what = _i;
  p.ud = &what;
  p.filter = forge;
  pair_two_paths(&p, 0);
  pair_transfer(&p, 200000);
  static const char *const ctr[] = {
      "MPJoinSynAckHMacFailure", "MPJoinAckHMacFailure", "MPJoinNoTokenFound"};
  mptcp_stack *who = _i == 0 ? p.a : p.b;
  ck_assert_uint_eq(pair_counter(who, ctr[_i]), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinAckRx"), 0);
  /* Nothing went over the refused subflow; B never took it as joined. */
  mptcp_subflow_info b1;
  if (mptcp_conn_get_subflow(p.cb, 1, &b1) == 0) {
    ck_assert_uint_eq(b1.joined, 0);
  }
  ck_assert_uint_eq(joined_extra(p.cb), 0);
  ck_assert_uint_eq(joined_extra(p.ca), 0);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  pair_fini(&p);
}
END_TEST

/* The second path goes dark mid-transfer (both directions): the data it
 * carried is reinjected on the first one and every byte arrives. */
static int blackout(pair *p, int from_a, uint8_t *b, size_t n) {
  (void)from_a;
  int *dark = p->ud;
  return !(*dark && pair_on_path2(b, n));
}

START_TEST(test_join_path_blackout) {
  mptcp_settings s;
  pair_settings(&s);
  s.sndbuf = s.rcvbuf = 128 * 1024;
  pair p;
  pair_init(&p, &s, &s);
  int dark = 0;
  p.ud = &dark;
  p.filter = blackout;
  pair_two_paths(&p, 0);
  pair_pump(&p);
  /* Both ways: A's data on path 2 is stuck, and B's. */
  uint8_t *data = malloc(600000);
  for (size_t i = 0; i < 600000; i++) data[i] = (uint8_t)(i * 31 + 7);
  size_t sent = 0, got = 0;
  uint8_t buf[65536];
  for (int r = 0; r < 200000 && got < 600000; r++) {
    if (sent < 600000) {
      mptcp_ssize k = mptcp_conn_write(p.ca, data + sent, 600000 - sent, p.now);
      if (k > 0) sent += (size_t)k;
    }
    if (sent > 200000) dark = 1;
    mptcp_ssize k;
    while ((k = mptcp_conn_read(p.cb, buf, sizeof buf, p.now)) > 0) {
      ck_assert_msg(memcmp(buf, data + got, (size_t)k) == 0, "data differs");
      got += (size_t)k;
    }
    pair_step(&p);
  }
  ck_assert_uint_eq(got, 600000);
  ck_assert_uint_gt(pair_counter(p.a, "MPReinjectRTO") +
                        pair_counter(p.a, "MPReinjectDead"),
                    0);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  free(data);
  pair_fini(&p);
}
END_TEST

/* §3.7 with several subflows: a middlebox on the second path rewrites
 * payload (TCP checksum fixed up); with DSS checksums B resets that
 * subflow with MP_FAIL, A sends the bytes again on the first one, and
 * every byte arrives as written. */
typedef struct rewrite {
  int left;     /* rewrites still to do */
  int fail_rst; /* RSTs from B with MP_FAIL seen on the wire */
} rewrite;

static int rewrite_path2(pair *p, int from_a, uint8_t *b, size_t n) {
  rewrite *rw = p->ud;
  if (from_a && rw->left > 0 && n > 600 && pair_on_path2(b, n)) {
    rw->left--;
    pair_corrupt(b, n);
  }
  size_t len;
  if (!from_a && pair_find_mptcp(b, n, MPTCP_SUB_FAIL, &len)) {
    mptcp_pkt pk;
    ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
    ck_assert_uint_eq(pk.tcp_flags & MPTCP_TH_RST, MPTCP_TH_RST);
    ck_assert(pair_on_path2(b, n));
    rw->fail_rst++;
  }
  return 1;
}

START_TEST(test_join_checksum_fail) {
  mptcp_settings s;
  pair_settings(&s);
  s.checksum = 1;
  pair p;
  pair_init(&p, &s, &s);
  rewrite rw = {1, 0};
  p.ud = &rw;
  p.filter = rewrite_path2;
  pair_two_paths(&p, 0);
  pair_transfer(&p, 600000);
  ck_assert_int_eq(rw.left, 0); /* the rewrite happened */
  ck_assert_uint_eq(pair_counter(p.b, "DataCsumErr"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPFailTx"), 1);
  ck_assert_int_eq(rw.fail_rst, 1);
  /* A takes the reset (MPFailRx) unless RFC 5961 made B's RST wait for a
   * challenge ACK; either way the data comes again on subflow 0. */
  ck_assert_uint_le(pair_counter(p.a, "MPFailRx"), 1);
  ck_assert_uint_ge(pair_counter(p.a, "MPReinjectDead"), 1);
  mptcp_conn_info ia;
  mptcp_conn_get_info(p.ca, &ia);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  pair_fini(&p);
}
END_TEST

/* §3.7: an infinite mapping is only for a connection on one subflow. A
 * middlebox turns the mapping of A's first data packet on the second
 * path into one (DLL 0): B resets that subflow (MP_TCPRST, counted) and
 * does not fall back; A sends the bytes again on the first subflow and
 * every byte arrives as written. */
typedef struct infrw {
  int left; /* rewrites still to do */
  int rst;  /* B's RSTs on path 2 */
} infrw;

static int infmap_path2(pair *p, int from_a, uint8_t *b, size_t n) {
  infrw *rw = p->ud;
  size_t len, at = pair_find_mptcp(b, n, MPTCP_SUB_DSS, &len);
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  if (!from_a && pair_on_path2(b, n) && (pk.tcp_flags & MPTCP_TH_RST)) rw->rst++;
  if (!from_a || !at || rw->left == 0 || !pair_on_path2(b, n) || !pk.payload_len)
    return 1;
  uint8_t fl = b[at + 3];
  if (!(fl & MPTCP_DSS_M)) return 1;
  size_t dll = at + 4 +
               ((fl & MPTCP_DSS_A) ? ((fl & MPTCP_DSS_a) ? 8 : 4) : 0) +
               ((fl & MPTCP_DSS_m) ? 8 : 4) + 4;
  ck_assert_uint_le(dll + 2, at + len);
  b[dll] = b[dll + 1] = 0;
  pair_fix_csum(b, n);
  rw->left--;
  return 1;
}

START_TEST(test_join_infinite_map_rejected) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  infrw rw = {1, 0};
  p.ud = &rw;
  p.filter = infmap_path2;
  pair_two_paths(&p, 0);
  pair_transfer(&p, 400000);
  ck_assert_int_eq(rw.left, 0);
  ck_assert_uint_eq(pair_counter(p.b, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "InfiniteMapRejected"), 1);
  ck_assert_int_ge(rw.rst, 1);
  ck_assert_uint_ge(pair_counter(p.a, "MPReinjectDead"), 1);
  mptcp_conn_info ia, ib;
  mptcp_conn_get_info(p.ca, &ia);
  mptcp_conn_get_info(p.cb, &ib);
  ck_assert_uint_eq(ia.mptcp, 1);
  ck_assert_uint_eq(ib.mptcp, 1);
  ck_assert_uint_eq((p.ev_a | p.ev_b) & MPTCP_EV_FALLBACK, 0);
  pair_fini(&p);
}
END_TEST

/* A backup subflow (B flag on the join) carries nothing while the first
 * one works. */
START_TEST(test_join_backup) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  pair_two_paths(&p, MPTCP_SUBFLOW_BACKUP);
  pair_transfer(&p, 300000);
  mptcp_subflow_info a1 = sfi(p.ca, 1), b1 = sfi(p.cb, 1);
  ck_assert_uint_eq(a1.backup, 1);
  ck_assert_uint_eq(b1.peer_backup, 1);
  ck_assert_uint_eq(a1.bytes_sent, 0);
  ck_assert_uint_eq(b1.bytes_sent, 0);
  ck_assert_uint_gt(sfi(p.ca, 0).bytes_sent, 300000 - 1);
  pair_fini(&p);
}
END_TEST

/* A middlebox strips the MPTCP options of the join's SYN: B sees a plain
 * SYN (a new TCP connection for its listener), A gets a SYN/ACK without
 * MP_JOIN and resets that subflow; the MPTCP connection is unharmed. */
static int strip_join(pair *p, int from_a, uint8_t *b, size_t n) {
  (void)p;
  size_t len, at = pair_find_mptcp(b, n, MPTCP_SUB_JOIN, &len);
  if (!at || !from_a) return 1;
  memset(b + at, MPTCP_OPT_NOP, len);
  pair_fix_csum(b, n);
  return 1;
}

START_TEST(test_join_stripped) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  p.filter = strip_join;
  pair_two_paths(&p, 0);
  pair_transfer(&p, 200000);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinRefused"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynRx"), 0);
  ck_assert_uint_eq(joined_extra(p.ca), 0);
  mptcp_conn_info ia;
  mptcp_conn_get_info(p.ca, &ia);
  ck_assert_uint_eq(ia.mptcp, 1);
  pair_fini(&p);
}
END_TEST

/* A's first subflow is reset without MP_FASTCLOSE (a filter strips it)
 * while its join is still in SYN-SENT; the join is then refused: the
 * connection ends as reset, not "refused" (that is for active opens). */
static int last_join(pair *p, int from_a, uint8_t *b, size_t n) {
  int *phase = p->ud;
  size_t len, at;
  if (from_a && *phase == 0 && pair_find_mptcp(b, n, MPTCP_SUB_JOIN, &len))
    return 0; /* the join's SYN waits until B's side is gone */
  if (!from_a && (at = pair_find_mptcp(b, n, MPTCP_SUB_FASTCLOSE, &len))) {
    memset(b + at, MPTCP_OPT_NOP, len);
    pair_fix_csum(b, n);
  }
  return 1;
}

START_TEST(test_join_refused_last) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  int phase = 0;
  p.ud = &phase;
  p.filter = last_join;
  for (int r = 0; r < 100 && !p.cb; r++) pair_step(&p);
  uint8_t one = 1, got;
  ck_assert_int_eq(mptcp_conn_write(p.ca, &one, 1, p.now), 1);
  pair_pump(&p);
  for (int r = 0; r < 20 && mptcp_conn_read(p.cb, &got, 1, p.now) != 1; r++)
    pair_step(&p);
  /* B's delayed ACK carries the DATA_ACK that confirms A's key. */
  for (int r = 0; r < 5 && (mptcp_stack_get_expiry(p.b) != MPTCP_TSTAMP_NONE ||
                            mptcp_stack_get_expiry(p.a) != MPTCP_TSTAMP_NONE);
       r++)
    pair_step(&p);
  pair_pump(&p);
  ck_assert_int_eq(
      mptcp_conn_add_subflow(p.ca, &pair_addr_a2, &pair_addr_b, 0, p.now), 1);
  pair_pump(&p);
  mptcp_conn_abort(p.cb, p.now);
  pair_pump(&p);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_CLOSED), 0);
  phase = 1; /* the join's SYN gets through now, and is refused */
  for (int r = 0; r < 20 && !(p.ev_a & MPTCP_EV_CLOSED); r++) pair_step(&p);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_CLOSED, MPTCP_EV_CLOSED);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_RESET, MPTCP_EV_RESET);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_REFUSED, 0);
  pair_fini(&p);
}
END_TEST

/* The API refuses what it cannot do. */
START_TEST(test_join_api_errors) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  /* Not yet MPTCP (handshake under way). */
  ck_assert_int_eq(
      mptcp_conn_add_subflow(p.ca, &pair_addr_a2, &pair_addr_b, 0, p.now),
      MPTCP_ERR_INVALID_ARG);
  for (int r = 0; r < 100 && !p.cb; r++) pair_step(&p);
  mptcp_addr v6 = {{MPTCP_AF_INET6, {0x20, 1, 0xd, 0xb8, [15] = 1}}, 0};
  ck_assert_int_eq(mptcp_conn_add_subflow(p.ca, &v6, &pair_addr_b, 0, p.now),
                   MPTCP_ERR_INVALID_ARG);
  /* The initial address has ID 0: announcing it is refused. */
  ck_assert_int_eq(mptcp_conn_announce(p.cb, &pair_addr_b, p.now),
                   MPTCP_ERR_INVALID_ARG);
  /* MP_PRIO only on a subflow that carries data: not on a join still in
   * its handshake (its SYN waits for the key to be confirmed here). */
  ck_assert_int_eq(
      mptcp_conn_add_subflow(p.ca, &pair_addr_a2, &pair_addr_b, 0, p.now), 1);
  ck_assert_int_eq(mptcp_conn_set_backup(p.ca, 1, 1, p.now),
                   MPTCP_ERR_INVALID_ARG);
  ck_assert_int_eq(mptcp_conn_set_backup(p.ca, 0, 1, p.now), 0);
  ck_assert_int_eq(mptcp_conn_set_backup(p.ca, 0, 0, p.now), 0);
  /* Up to 8 subflows, then NOMEM. */
  for (int i = 2; i < 8; i++) {
    mptcp_addr l = pair_addr_a2;
    l.ip.a[3] = (uint8_t)(10 + i);
    ck_assert_int_eq(mptcp_conn_add_subflow(p.ca, &l, &pair_addr_b, 0, p.now),
                     i);
  }
  mptcp_addr l = pair_addr_a2;
  l.ip.a[3] = 99;
  ck_assert_int_eq(mptcp_conn_add_subflow(p.ca, &l, &pair_addr_b, 0, p.now),
                   MPTCP_ERR_NOMEM);
  pair_transfer(&p, 100000);
  pair_fini(&p);
}
END_TEST

Suite *suite_join(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_join_two_paths),
      TCHECK_LOOP(test_join_forged, 3),
      TCHECK_TEST(test_join_path_blackout),
      TCHECK_TEST(test_join_checksum_fail),
      TCHECK_TEST(test_join_infinite_map_rejected),
      TCHECK_TEST(test_join_backup),
      TCHECK_TEST(test_join_stripped),
      TCHECK_TEST(test_join_refused_last),
      TCHECK_TEST(test_join_api_errors),
  };
  return tcheck_suite("join", tests, sizeof tests / sizeof tests[0]);
}
