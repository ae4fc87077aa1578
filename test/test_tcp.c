/*
 * Scripted single-endpoint TCP tests: feed a segment at time t, assert the
 * exact segments the stack emits, then that nothing else goes out.
 * Settings: tpeer defaults (SACK and timestamps off unless a test turns
 * them on, 64 KiB buffers, RTO floor 200 ms, delayed ACK 40 ms).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "conn.h" /* white box: sequence-wrap setup only */
#include "tpeer.h"

#define A MPTCP_TH_ACK
#define S MPTCP_TH_SYN
#define F MPTCP_TH_FIN
#define R MPTCP_TH_RST
#define P MPTCP_TH_PSH
#define MS 1000ull /* µs per ms */

static uint8_t data[65536];

static void fill_data(void) {
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 3);
}

static tseg dseg(uint32_t seq, uint32_t ack, const uint8_t *d, uint32_t len) {
  tseg g = tseg_make(seq, ack, A | (len ? P : 0));
  g.data = d;
  g.len = len;
  return g;
}

/* ---------------- handshakes ---------------- */

START_TEST(test_active_open) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  mptcp_addr local = p.us;
  ck_assert_int_eq(
      mptcp_conn_connect(p.st, &p.conn, &local, &p.them, NULL, p.now), 0);
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  ck_assert_uint_eq(g.flags, S);
  ck_assert_int_eq(g.mss, 1460);
  ck_assert_int_eq(g.ws, 7);
  ck_assert_int_eq(g.sack_perm, 0); /* off in these settings */
  ck_assert_int_eq(g.ts, 0);
  ck_assert_uint_eq(g.len, 0);
  tpeer_expect_none(&p);
  uint32_t iss = g.seq;
  tseg sa = tseg_make(5000, iss + 1, S | A);
  sa.mss = 1000;
  tpeer_send(&p, &sa);
  tseg ack = tseg_make(iss + 1, 5001, A);
  ack.win = 65535; /* no window scaling: the peer did not offer it */
  tpeer_expect(&p, &ack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_CONNECTED);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_ESTABLISHED);
  ck_assert_uint_eq(ci.mss, 1000);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_passive_open) {
  tpeer p;
  tpeer_init(&p, NULL, _i);
  ck_assert_int_eq(mptcp_stack_listen(p.st, &p.us, 0), 0);
  tseg syn = tseg_make(7000, 0, S);
  syn.mss = 1200;
  syn.ws = 3;
  ck_assert_int_eq(tpeer_send(&p, &syn), 0);
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  ck_assert_uint_eq(g.flags, S | A);
  ck_assert_uint_eq(g.ack, 7001);
  ck_assert_int_eq(g.mss, _i ? 1440 : 1460);
  ck_assert_int_eq(g.ws, 7); /* the peer offered scaling: we answer */
  ck_assert_int_eq(g.win, 65535);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), 0); /* nothing before the ACK */
  tseg ack = tseg_make(7001, g.seq + 1, A);
  tpeer_send(&p, &ack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_ACCEPT);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_passive_syn_retransmitted) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  ck_assert_int_eq(mptcp_stack_listen(p.st, &p.us, 0), 0);
  tseg syn = tseg_make(7000, 0, S);
  tpeer_send(&p, &syn);
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  uint32_t iss = g.seq;
  /* Our SYN/ACK was lost: the peer repeats its SYN, we repeat ours. */
  tpeer_send(&p, &syn);
  tseg sa = tseg_make(iss, 7001, S | A);
  tpeer_expect(&p, &sa);
  tpeer_expect_none(&p);
  /* Or our timer does it: SYN/ACK again after the initial RTO (1 s). */
  ck_assert_uint_eq(tpeer_expiry(&p), p.now + 1000 * MS);
  tpeer_time(&p, p.now + 1000 * MS);
  tpeer_expect(&p, &sa);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_simultaneous_open) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  mptcp_addr local = p.us;
  ck_assert_int_eq(
      mptcp_conn_connect(p.st, &p.conn, &local, &p.them, NULL, p.now), 0);
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  uint32_t iss = g.seq;
  /* Both SYNs cross: the peer's arrives without an ACK. */
  tseg syn = tseg_make(9000, 0, S);
  syn.mss = 1000;
  tpeer_send(&p, &syn);
  tseg sa = tseg_make(iss, 9001, S | A);
  tpeer_expect(&p, &sa);
  tpeer_expect_none(&p);
  /* The peer's SYN/ACK repeats an octet we have: we ACK and drop it. */
  tseg psa = tseg_make(9000, iss + 1, S | A);
  tpeer_send(&p, &psa);
  tseg ack = tseg_make(iss + 1, 9001, A);
  tpeer_expect(&p, &ack);
  tpeer_expect_none(&p);
  /* The peer's ACK completes our side. */
  tseg pack = tseg_make(9001, iss + 1, A);
  tpeer_send(&p, &pack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_CONNECTED);
  tpeer_fini(&p);
}
END_TEST

/* The SYN times out (snd_nxt back to ISS) and the SYN/ACK arrives before
 * the retransmitted SYN was written: the ACK and the data start at
 * ISS + 1, as the SYN/ACK acknowledged the SYN. */
START_TEST(test_synack_after_syn_rto) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_connect(&p, NULL);
  uint32_t iss = p.iss;
  tpeer_time(&p, p.now + 1000 * MS); /* the initial RTO */
  tseg sa = tseg_make(5000, iss + 1, S | A);
  sa.mss = 1000;
  tpeer_send(&p, &sa);
  tseg ack = tseg_make(iss + 1, 5001, A);
  tpeer_expect(&p, &ack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_CONNECTED);
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 10, p.now), 10);
  tseg d = dseg(iss + 1, 5001, data, 10);
  tpeer_expect(&p, &d);
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

/* RFC 8684 §3.1 defines no MPTCP simultaneous open: a client whose
 * MP_CAPABLE SYN crosses a plain SYN answers without MP_CAPABLE and the
 * connection is plain TCP. */
START_TEST(test_simultaneous_open_mptcp_falls_back) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.mptcp = 1;
  tpeer p;
  tpeer_init(&p, &s, 0);
  tseg g = tpeer_connect(&p, NULL);
  ck_assert_uint_eq(g.n_mptcp, 1); /* MP_CAPABLE offered */
  uint32_t iss = p.iss;
  tseg syn = tseg_make(9000, 0, S);
  syn.mss = 1000;
  tpeer_send(&p, &syn);
  ck_assert(tpeer_recv(&p, &g));
  ck_assert_uint_eq(g.flags, S | A);
  ck_assert_uint_eq(g.seq, iss);
  ck_assert_uint_eq(g.ack, 9001);
  ck_assert_uint_eq(g.n_mptcp, 0);
  tpeer_expect_none(&p);
  tseg psa = tseg_make(9000, iss + 1, S | A);
  tpeer_send(&p, &psa);
  ck_assert(tpeer_recv(&p, &g));
  ck_assert_uint_eq(g.flags, A);
  ck_assert_uint_eq(g.seq, iss + 1);
  ck_assert_uint_eq(g.n_mptcp, 0);
  tseg pack = tseg_make(9001, iss + 1, A);
  tpeer_send(&p, &pack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_CONNECTED);
  /* Data goes as plain TCP: no DSS. */
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 10, p.now), 10);
  ck_assert(tpeer_recv(&p, &g));
  ck_assert_uint_eq(g.seq, iss + 1);
  ck_assert_uint_eq(g.len, 10);
  ck_assert_uint_eq(g.n_mptcp, 0);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.mptcp, 0);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- data, delayed ACK ---------------- */

START_TEST(test_data_and_delayed_ack) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 3000, p.now), 3000);
  for (uint32_t i = 0; i < 3; i++) {
    tseg d = dseg(s0 + 1000 * i, 5001, data + 1000 * i, 1000);
    tpeer_expect(&p, &d);
  }
  tpeer_expect_none(&p);
  tseg ack = tseg_make(5001, s0 + 3000, A);
  tpeer_send(&p, &ack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_expiry(&p), MPTCP_TSTAMP_NONE);

  /* One segment in: the ACK waits for the delayed-ACK timer (40 ms). */
  tseg in = dseg(5001, s0 + 3000, data, 500);
  tpeer_send(&p, &in);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_READABLE);
  ck_assert_uint_eq(tpeer_expiry(&p), p.now + 40 * MS);
  tpeer_time(&p, p.now + 40 * MS);
  tseg dack = tseg_make(s0 + 3000, 5501, A);
  tpeer_expect(&p, &dack);
  tpeer_expect_none(&p);
  uint8_t buf[600];
  ck_assert_int_eq(mptcp_conn_read(p.conn, buf, sizeof buf, p.now), 500);
  ck_assert_bytes(buf, 500, data, 500);

  /* Two full segments: the second is ACKed at once (RFC 5681 §4.2). */
  tseg in1 = dseg(5501, s0 + 3000, data, 1000);
  tseg in2 = dseg(6501, s0 + 3000, data + 1000, 1000);
  tpeer_send(&p, &in1);
  tpeer_expect_none(&p);
  tpeer_send(&p, &in2);
  tseg ack2 = tseg_make(s0 + 3000, 7501, A);
  tpeer_expect(&p, &ack2);
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_nagle) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  /* A small write goes out while nothing is in flight... */
  mptcp_conn_write(p.conn, data, 10, p.now);
  tseg d1 = dseg(s0, 5001, data, 10);
  tpeer_expect(&p, &d1);
  /* ...the next small ones wait for its ACK (RFC 896). */
  mptcp_conn_write(p.conn, data + 10, 10, p.now);
  mptcp_conn_write(p.conn, data + 20, 10, p.now);
  tpeer_expect_none(&p);
  tseg ack = tseg_make(5001, s0 + 10, A);
  tpeer_send(&p, &ack);
  tseg d2 = dseg(s0 + 10, 5001, data + 10, 20);
  tpeer_expect(&p, &d2);
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- closing ---------------- */

START_TEST(test_active_close) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  ck_assert_int_eq(mptcp_conn_shutdown(p.conn, p.now), 0);
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 1, p.now), MPTCP_ERR_CLOSED);
  tseg fin = tseg_make(s0, 5001, F | A);
  tpeer_expect(&p, &fin);
  tpeer_expect_none(&p);
  tseg ack = tseg_make(5001, s0 + 1, A); /* FIN-WAIT-2 */
  tpeer_send(&p, &ack);
  tpeer_expect_none(&p);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_FIN_WAIT_2);
  tseg pfin = tseg_make(5001, s0 + 1, F | A);
  tpeer_send(&p, &pfin);
  tseg lack = tseg_make(s0 + 1, 5002, A);
  tpeer_expect(&p, &lack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p),
                    MPTCP_EV_PEER_CLOSED | MPTCP_EV_READABLE | MPTCP_EV_CLOSED);
  uint8_t b[4];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, 4, p.now), MPTCP_ERR_EOF);
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_TIME_WAIT);
  /* TIME-WAIT: a retransmitted FIN is ACKed again and restarts 2 MSL. */
  ck_assert_uint_eq(tpeer_expiry(&p), p.now + p.s.time_wait);
  tpeer_time(&p, p.now + 1000 * MS);
  tpeer_send(&p, &pfin);
  tpeer_expect(&p, &lack);
  ck_assert_uint_eq(tpeer_expiry(&p), p.now + p.s.time_wait);
  tpeer_time(&p, p.now + p.s.time_wait);
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_CLOSED);
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_passive_close) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_passive(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  tseg pfin = tseg_make(5001, s0, F | A);
  tpeer_send(&p, &pfin);
  tseg ack = tseg_make(s0, 5002, A);
  tpeer_expect(&p, &ack); /* a FIN is ACKed at once */
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_PEER_CLOSED | MPTCP_EV_READABLE);
  /* CLOSE-WAIT: we may still send. */
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 100, p.now), 100);
  tseg d = dseg(s0, 5002, data, 100);
  tpeer_expect(&p, &d);
  /* The FIN follows the data at once (Nagle never holds a FIN). */
  mptcp_conn_shutdown(p.conn, p.now);
  tseg fin = tseg_make(s0 + 100, 5002, F | A);
  tpeer_expect(&p, &fin);
  tpeer_expect_none(&p);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_LAST_ACK);
  tseg last = tseg_make(5002, s0 + 101, A); /* LAST-ACK -> CLOSED */
  tpeer_send(&p, &last);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_CLOSED);
  ck_assert_uint_eq(tpeer_expiry(&p), MPTCP_TSTAMP_NONE);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_simultaneous_close) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  mptcp_conn_shutdown(p.conn, p.now);
  tseg fin = tseg_make(s0, 5001, F | A);
  tpeer_expect(&p, &fin);
  /* The peer's FIN crosses ours (it has not seen ours yet). */
  tseg pfin = tseg_make(5001, s0, F | A);
  tpeer_send(&p, &pfin);
  tseg ack = tseg_make(s0 + 1, 5002, A);
  tpeer_expect(&p, &ack);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_CLOSING);
  tseg pack = tseg_make(5002, s0 + 1, A);
  tpeer_send(&p, &pack);
  tpeer_expect_none(&p);
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_TIME_WAIT);
  ck_assert_uint_eq(tpeer_events(&p) & MPTCP_EV_CLOSED, MPTCP_EV_CLOSED);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_abort_sends_rst) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  mptcp_conn_abort(p.conn, p.now);
  tseg rst = tseg_make(p.iss + 1, 5001, R | A);
  tpeer_expect(&p, &rst);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_CLOSED);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- resets (RFC 5961) ---------------- */

START_TEST(test_rst_exact_seq) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  tseg rst = tseg_make(5001, 0, R);
  tpeer_send(&p, &rst);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_RESET | MPTCP_EV_CLOSED);
  uint8_t b[4];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, 4, p.now), MPTCP_ERR_CLOSED);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpRstRcvd"), 1);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_rst_in_window_challenge) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  tseg rst = tseg_make(5001 + 100, 0, R); /* in window, not RCV.NXT */
  tpeer_send(&p, &rst);
  tseg chal = tseg_make(p.iss + 1, 5001, A);
  tpeer_expect(&p, &chal);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 10, p.now), 10);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpChallengeAck"), 1);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_rst_out_of_window) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  tseg rst = tseg_make(5001 - 100000, 0, R);
  tpeer_send(&p, &rst);
  tpeer_expect_none(&p); /* silently dropped */
  ck_assert_uint_eq(tpeer_events(&p), 0);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpOutOfWindow"), 1);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_syn_in_established_challenge) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  tseg syn = tseg_make(5001 + 10, 0, S);
  tpeer_send(&p, &syn);
  tseg chal = tseg_make(p.iss + 1, 5001, A);
  tpeer_expect(&p, &chal);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_syn_sent_rst_and_bad_ack) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tseg g = tpeer_connect(&p, NULL);
  uint32_t iss = g.seq;
  /* A SYN/ACK acknowledging something we never sent: RST <SEQ=SEG.ACK>. */
  tseg bad = tseg_make(100, iss + 50, S | A);
  tpeer_send(&p, &bad);
  tseg rst = tseg_make(iss + 50, 0, R);
  tpeer_expect(&p, &rst);
  tpeer_expect_none(&p);
  /* A RST without ACK is ignored in SYN-SENT... */
  tseg r1 = tseg_make(0, 0, R);
  tpeer_send(&p, &r1);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  /* ...one acknowledging our SYN refuses the connection. */
  tseg r2 = tseg_make(0, iss + 1, R | A);
  tpeer_send(&p, &r2);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_REFUSED | MPTCP_EV_CLOSED);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_rst_for_unknown_port) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  ck_assert_int_eq(mptcp_stack_listen(p.st, &p.us, 0), 0);
  /* A SYN to a closed port of ours: <SEQ=0><ACK=SEG.SEQ+1><RST,ACK>. */
  p.us.port = 5001;
  tseg syn = tseg_make(7000, 0, S);
  ck_assert_int_eq(tpeer_send(&p, &syn), 0);
  tseg rst = tseg_make(0, 7001, R | A);
  tpeer_expect(&p, &rst);
  /* A segment for an address that is not ours is passed on. */
  tcheck_addr4(&p.us.ip, 192, 0, 2, 99);
  ck_assert_int_eq(tpeer_send(&p, &syn), MPTCP_RX_NOT_MINE);
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- retransmission timing ---------------- */

/* An active open whose SYN/ACK (peer ISN 5000, MSS 1000) comes after
 * 100 ms: SRTT 100, RTTVAR 50, RTO = 100 + 4*50 = 300 ms. */
static void connect_rtt100(tpeer *p, const mptcp_settings *s) {
  tpeer_init(p, s, 0);
  tseg g = tpeer_connect(p, NULL);
  p->now += 100 * MS;
  tseg sa = tseg_make(5000, p->iss + 1, S | A);
  sa.mss = 1000;
  tpeer_send(p, &sa);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(tpeer_events(p), MPTCP_EV_CONNECTED);
}

START_TEST(test_rto_backoff_and_give_up) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.max_retries = 4;
  tpeer p;
  connect_rtt100(&p, &s);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.srtt_us, 100000);
  ck_assert_uint_eq(ci.rto_us, 300000);

  mptcp_conn_write(p.conn, data, 1000, p.now);
  tseg d = dseg(p.iss + 1, 5001, data, 1000);
  tpeer_expect(&p, &d);
  mptcp_tstamp t0 = p.now, rto = 300 * MS, at = t0;
  for (int i = 0; i < 4; i++) { /* 300, 600, 1200, 2400 ms */
    at += rto;
    ck_assert_uint_eq(tpeer_expiry(&p), at);
    tpeer_time(&p, at - 1);
    tpeer_expect_none(&p);
    tpeer_time(&p, at);
    tpeer_expect(&p, &d);
    tpeer_expect_none(&p);
    rto *= 2;
  }
  ck_assert_uint_eq(tpeer_counter(&p, "TcpTimeouts"), 4);
  /* The fifth timeout exceeds max_retries: reset and report. */
  at += rto;
  tpeer_time(&p, at);
  tseg rst = tseg_make(p.iss + 1001, 5001, R | A);
  tpeer_expect(&p, &rst);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_TIMEOUT | MPTCP_EV_CLOSED);
  tpeer_fini(&p);
}
END_TEST

/* The peer acknowledges up to @p ack with timestamps (TSecr @p ecr); the
 * stack's SRTT after it. */
static uint32_t ts_ack_srtt(tpeer *p, uint32_t ack, uint32_t ecr) {
  static uint32_t tsval = 200;
  tseg a = tseg_make(5001, ack, A);
  a.ts = 1;
  a.tsval = tsval += 100;
  a.tsecr = ecr;
  tpeer_send(p, &a);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p->conn, &ci);
  return ci.srtt_us;
}

/* The stack sends 1000 bytes: the segment. */
static tseg ts_write(tpeer *p) {
  tseg g;
  mptcp_conn_write(p->conn, data, 1000, p->now);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.len, 1000);
  return g;
}

/* RFC 7323 §4 (RTTM): with timestamps the ACK of a retransmitted segment
 * is an RTT sample, its echo naming the retransmission; RFC 6298 timing
 * has none there (Karn), and a queue that grew the RTT meanwhile then
 * makes the next timeout fire early. Appendix G weights: one sample per
 * two segments in flight counts as one of RFC 6298's. */
START_TEST(test_rtt_from_timestamps_after_retransmission) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.timestamps = 1;
  tpeer p;
  tpeer_init(&p, &s, 0);
  tseg syn = tpeer_connect(&p, NULL);
  p.now += 100 * MS; /* SRTT 100 ms, RTTVAR 50 ms, RTO 300 ms */
  tseg sa = tseg_make(5000, p.iss + 1, S | A);
  sa.mss = 1012; /* 1000 bytes beside the timestamps */
  sa.ts = 1;
  sa.tsval = 100;
  sa.tsecr = syn.tsval;
  tpeer_send(&p, &sa);
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  ts_write(&p);
  tpeer_time(&p, p.now + 300 * MS); /* the timeout: the same bytes again */
  ck_assert(tpeer_recv(&p, &g));
  ck_assert_uint_eq(g.seq, p.iss + 1);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.rto_us, 600000); /* backed off */
  p.now += 40 * MS;
  /* A 40 ms sample: SRTT 100 - 60/8, RTTVAR 50 + (60 - 50)/4. */
  ck_assert_uint_eq(ts_ack_srtt(&p, p.iss + 1001, g.tsval), 92500);
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.rto_us, 92500 + 4 * 52500);
  /* Next, in order (the header-predicted path): 60 ms. */
  g = ts_write(&p);
  p.now += 60 * MS;
  ck_assert_uint_eq(ts_ack_srtt(&p, p.iss + 2001, g.tsval), 92500 - 32500 / 8);
  /* An echo that is not one of ours (ahead of the clock) is no sample. */
  g = ts_write(&p);
  p.now += 10 * MS;
  ck_assert_uint_eq(ts_ack_srtt(&p, p.iss + 3001, g.tsval + 5000),
                    92500 - 32500 / 8);
  tpeer_fini(&p);
}
END_TEST

/* A resend after a timeout that runs past SND.MAX (more was queued in
 * the meantime) carries new bytes too: bytes_sent counts them (found by
 * mptcp-kernel.sh fb-pc-peertcp under ASan: 336 bytes short). */
START_TEST(test_rto_resend_new_bytes_counted) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  tpeer p;
  connect_rtt100(&p, &s);
  mptcp_conn_write(p.conn, data, 500, p.now);
  tseg d = dseg(p.iss + 1, 5001, data, 500);
  tpeer_expect(&p, &d);
  mptcp_conn_write(p.conn, data + 500, 700, p.now); /* Nagle holds it */
  tpeer_expect_none(&p);
  tpeer_time(&p, p.now + 300 * MS); /* the RTO: go back to SND.UNA */
  d = dseg(p.iss + 1, 5001, data, 1000);
  tpeer_expect(&p, &d);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpRetransSegs"), 1);
  ck_assert_uint_eq(ci.bytes_sent, 1000); /* 500 of them new */
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_syn_retries) {
  mptcp_settings s;
  mptcp_settings_default(&s);
  s.mptcp = 0; /* the TCP engine alone */
  s.syn_retries = 2;
  tpeer p;
  tpeer_init(&p, &s, 0);
  tseg g = tpeer_connect(&p, NULL);
  tseg syn = tseg_make(g.seq, 0, S);
  mptcp_tstamp at = p.now;
  for (int i = 0; i < 2; i++) { /* 1 s, then 2 s (RFC 6298 §5.5) */
    at += (1000 * MS) << i;
    tpeer_time(&p, at);
    tpeer_expect(&p, &syn);
  }
  tpeer_time(&p, at + 4000 * MS);
  tpeer_expect_none(&p); /* no RST: the peer never synchronized */
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_TIMEOUT | MPTCP_EV_CLOSED);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- loss recovery ---------------- */

START_TEST(test_fast_retransmit_sack) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.sack = 1;
  tpeer p;
  tseg g = tpeer_open_with(&p, &s, 0, 1000, -1, 0);
  ck_assert_int_eq(g.sack_perm, 1);
  ck_assert(tpeer_recv(&p, &g));
  uint32_t s0 = p.iss + 1;
  /* Ten segments fill the initial window (10 MSS). */
  mptcp_conn_write(p.conn, data, 10000, p.now);
  for (uint32_t i = 0; i < 10; i++) {
    tseg d = dseg(s0 + 1000 * i, 5001, data + 1000 * i, 1000);
    tpeer_expect(&p, &d);
  }
  tpeer_expect_none(&p);
  /* Segment 2 is lost: the ACKs stop at it while SACK shows 3, 4, 5. */
  tseg a1 = tseg_make(5001, s0 + 1000, A);
  tpeer_send(&p, &a1);
  tpeer_expect_none(&p);
  for (uint32_t k = 1; k <= 3; k++) {
    tseg dup = tseg_make(5001, s0 + 1000, A);
    dup.nsack = 1;
    dup.sack[0][0] = s0 + 2000;
    dup.sack[0][1] = s0 + 2000 + 1000 * k;
    tpeer_send(&p, &dup);
    if (k < 3) tpeer_expect_none(&p);
  }
  /* Three duplicates with 3 MSS SACKed: retransmit the hole at once. */
  tseg rtx = dseg(s0 + 1000, 5001, data + 1000, 1000);
  tpeer_expect(&p, &rtx);
  tpeer_expect_none(&p); /* pipe (6 MSS) >= cwnd (4.5 MSS) */
  ck_assert_uint_eq(tpeer_counter(&p, "TcpFastRetrans"), 1);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpTimeouts"), 0);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.ssthresh, 4500); /* FlightSize 9000 / 2 */
  /* The cumulative ACK covers everything: recovery ends, no RTO left. */
  tseg all = tseg_make(5001, s0 + 10000, A);
  tpeer_send(&p, &all);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_expiry(&p), MPTCP_TSTAMP_NONE);
  tpeer_fini(&p);
}
END_TEST

/* An active open with SACK, the peer's MSS 1000 and window scale `ws`
 * (-1: none); `sndbuf` 0 keeps the default. Returns the first data
 * sequence number. */
static uint32_t open_sack(tpeer *p, size_t sndbuf, int32_t ws) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.sack = 1;
  if (sndbuf) s.sndbuf = sndbuf;
  tpeer_open_with(p, &s, 0, 1000, ws, 0);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  return p->iss + 1;
}

/* Segment 2 (at s0 + 1000) missing, s0 + 2000 .. @p to SACKed: sends that
 * duplicate ACK and reads what the stack answers. Returns how often the
 * hole went again; *hi: the highest byte sent so far. */
static uint32_t sack_past_hole(tpeer *p, uint32_t s0, uint32_t to,
                               uint32_t *hi) {
  tseg dup = tseg_make(5001, s0 + 1000, A), g;
  dup.nsack = 1;
  dup.sack[0][0] = s0 + 2000;
  dup.sack[0][1] = to;
  tpeer_send(p, &dup);
  uint32_t n = 0;
  while (tpeer_recv(p, &g)) {
    if (g.seq == s0 + 1000) n++;
    if (g.seq + g.len > *hi) *hi = g.seq + g.len;
  }
  return n;
}

/* A fast retransmission lost again: the hole stays while the segments
 * sent after the resend arrive and are SACKed. That shows the resend was
 * lost too (RFC 6675 alone never resends a hole twice in one recovery):
 * it goes again at once, not after the RTO, whose timer without an RTT
 * sample (nothing but resends) doubles at each further loss. */
START_TEST(test_lost_retransmission_resent) {
  tpeer p;
  uint32_t s0 = open_sack(&p, 0, -1);
  tseg g;
  mptcp_conn_write(p.conn, data, 30000, p.now);
  uint32_t hi = s0;
  while (tpeer_recv(&p, &g)) hi = g.seq + g.len;
  ck_assert_uint_eq(hi, s0 + 10000); /* the initial window */
  /* Segment 2 is lost; 3.. arrive and are SACKed. */
  uint32_t rtx = 0, to = s0 + 2000;
  for (uint32_t k = 3; k <= 10; k++)
    rtx += sack_past_hole(&p, s0, to = s0 + 1000 * k, &hi);
  ck_assert_uint_eq(rtx, 1);         /* the fast retransmission (lost) */
  ck_assert_uint_gt(hi, s0 + 10000); /* new data went after it */
  /* Everything after the resend arrives; the hole does not fill. */
  uint32_t again = 0;
  for (int round = 0; round < 10 && !again && to < hi; round++) {
    p.now += 1 * MS;
    to = to + 1000 < hi ? to + 1000 : hi;
    again += sack_past_hole(&p, s0, to, &hi);
  }
  ck_assert_uint_eq(again, 1);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpLostRetransmit"), 1);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpTimeouts"), 0);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpFastRetrans"), 1); /* one cut */
  tpeer_fini(&p);
}
END_TEST

/* A receiver that gets every other segment of a large flight and, like
 * Linux on an MPTCP subflow (no option room for more), reports one SACK
 * block per ACK: more holes than the scoreboard holds (64 ranges). The
 * blocks it could not record still tell that everything sent long
 * before them left the network, so recovery resends the holes above the
 * recorded ranges at once and the whole flight is repaired without the
 * RTO -- the receiver never repeats those blocks, so a sender that only
 * knows the recorded ranges has to wait for its timer. */
#define BURST_SEGS 610 /* slow start 10+20+40+80+160, then a flight of 300 */
START_TEST(test_sack_scoreboard_overflow) {
  tpeer p;
  uint32_t s0 = open_sack(&p, 1 << 20, 7);
  tseg g;
  for (uint32_t w = 0; w < BURST_SEGS * 1000u;) {
    mptcp_ssize n = mptcp_conn_write(
        p.conn, data,
        BURST_SEGS * 1000u - w < 60000 ? BURST_SEGS * 1000u - w : 60000, p.now);
    ck_assert_int_gt(n, 0);
    w += (uint32_t)n;
  }
  static uint8_t got[BURST_SEGS];
  memset(got, 0, sizeof got);
  /* Slow start, every segment ACKed as it would be on a wire (the stack
   * sends between the ACKs), until the last segment is out. */
  uint32_t first = 0, sent = 0;
  for (;;) {
    while (tpeer_recv(&p, &g)) {
      ck_assert_uint_eq(g.seq, s0 + sent * 1000);
      ck_assert_uint_eq(g.len, 1000);
      sent++;
    }
    if (sent == BURST_SEGS) break;
    ck_assert_uint_lt(first, sent);
    p.now += 10;
    tseg a = tseg_make(5001, s0 + (first + 1) * 1000, A);
    a.win = 65535;
    tpeer_send(&p, &a);
    got[first++] = 1;
  }
  uint32_t flight = sent - first;
  ck_assert_uint_ge(flight, 200); /* 100 holes, more than 64 ranges */
  /* Every other segment of it arrives (the odd ones, and the last four:
   * a hole at the very end needs a rescue retransmission or the RTO
   * (RFC 6675 NextSeg rule 4), not the subject here) and is SACKed, one
   * block per ACK; then whatever the stack sends arrives, and each ACK
   * SACKs the block of the segment it answers. Time never reaches the
   * RTO (200 ms at least). */
  uint32_t rcv_nxt = first, resent = 0, max_resent = 0;
  for (uint32_t i = first; i < BURST_SEGS; i++) {
    if ((i - first) % 2 == 0 && i < BURST_SEGS - 4) continue;
    got[i] = 1;
    tseg a = tseg_make(5001, s0 + rcv_nxt * 1000, A);
    a.win = 65535;
    a.nsack = 1;
    a.sack[0][0] = s0 + i * 1000;
    a.sack[0][1] = s0 + (i + 1) * 1000;
    tpeer_send(&p, &a);
  }
  for (int round = 0; round < 20 && rcv_nxt < BURST_SEGS; round++) {
    p.now += 1 * MS;
    uint32_t seen[BURST_SEGS], n = 0;
    while (tpeer_recv(&p, &g)) {
      uint32_t k = (g.seq - s0) / 1000;
      ck_assert_uint_eq(g.seq, s0 + k * 1000);
      ck_assert_uint_lt(k, BURST_SEGS);
      seen[n++] = k;
      resent++;
      if (k > max_resent) max_resent = k;
    }
    /* The first burst already goes beyond the 64 recorded ranges. */
    if (round == 0) ck_assert_uint_gt(max_resent, first + 2 * 64 + 10);
    for (uint32_t j = 0; j < n; j++) {
      uint32_t k = seen[j];
      got[k] = 1;
      while (rcv_nxt < BURST_SEGS && got[rcv_nxt]) rcv_nxt++;
      tseg a = tseg_make(5001, s0 + rcv_nxt * 1000, A);
      a.win = 65535;
      if (k > rcv_nxt) {
        uint32_t l = k, r = k + 1;
        while (l > rcv_nxt && got[l - 1]) l--;
        while (r < BURST_SEGS && got[r]) r++;
        a.nsack = 1;
        a.sack[0][0] = s0 + l * 1000;
        a.sack[0][1] = s0 + r * 1000;
      }
      tpeer_send(&p, &a);
    }
  }
  ck_assert_uint_eq(rcv_nxt, BURST_SEGS);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpTimeouts"), 0);
  ck_assert_uint_ge(resent, flight / 2); /* every hole, once at least */
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_expiry(&p), MPTCP_TSTAMP_NONE);
  tpeer_fini(&p);
}
END_TEST

/* RFC 9293 §3.7.1: payload plus options stay within the peer's MSS. Our
 * ACKs carry SACK blocks while the peer's data has holes: every data
 * segment then carries less payload (_i: with timestamps too). */
START_TEST(test_mss_leaves_room_for_sack) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.sack = 1;
  s.timestamps = _i;
  tpeer p;
  tpeer_init(&p, &s, 0);
  tseg g = tpeer_connect(&p, NULL);
  tseg sa = tseg_make(5000, p.iss + 1, S | A);
  sa.mss = 536;
  sa.sack_perm = 1;
  sa.ts = (int8_t)_i;
  sa.tsval = 100;
  tpeer_send(&p, &sa);
  ck_assert(tpeer_recv(&p, &g));
  uint32_t s0 = p.iss + 1;
  /* Two pieces out of order: our ACKs carry two SACK blocks (20 bytes). */
  for (uint32_t k = 0; k < 2; k++) {
    tseg d = dseg(5101 + 200 * k, s0, data, 100);
    d.ts = (int8_t)_i;
    d.tsval = 101;
    tpeer_send(&p, &d);
    ck_assert(tpeer_recv(&p, &g));
    ck_assert_uint_eq(g.nsack, k + 1);
  }
  tpeer_expect_none(&p);
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 3000, p.now), 3000);
  uint32_t want = 536 - (_i ? 12 : 0) - 20;
  for (uint32_t i = 0; i < 3; i++) {
    ck_assert(tpeer_recv(&p, &g));
    ck_assert_uint_eq(g.seq, s0 + want * i);
    ck_assert_uint_eq(g.nsack, 2);
    ck_assert_uint_eq(g.len, want);
  }
  tpeer_fini(&p);
}
END_TEST

/* RFC 2018 §4: the first SACK block holds the segment that triggered the
 * ACK. A sender that gets one block per ACK (beside an MPTCP DSS only one
 * fits) otherwise hears of the lowest block again and again and of no
 * later arrival, and waits for its RTO (seen with Linux: 200-300 ms
 * stalls on a lossy path). Pieces arrive at 5101, 5501, 5301: each ACK
 * reports the newest piece's block first, the others after it in order. */
START_TEST(test_sack_newest_block_first) {
  tpeer p;
  uint32_t s0 = open_sack(&p, 0, -1);
  tseg g;
  static const uint32_t at[3] = {5101, 5501, 5301};
  static const uint32_t want[3][3][2] = {
      {{5101, 5201}},
      {{5501, 5601}, {5101, 5201}},
      {{5301, 5401}, {5101, 5201}, {5501, 5601}},
  };
  for (uint32_t k = 0; k < 3; k++) {
    tseg d = dseg(at[k], s0, data, 100);
    tpeer_send(&p, &d);
    ck_assert(tpeer_recv(&p, &g));
    ck_assert_uint_eq(g.ack, 5001);
    ck_assert_uint_eq(g.nsack, k + 1);
    for (uint32_t b = 0; b <= k; b++) {
      ck_assert_uint_eq(g.sack[b][0], want[k][b][0]);
      ck_assert_uint_eq(g.sack[b][1], want[k][b][1]);
    }
  }
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_fast_retransmit_newreno) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  mptcp_conn_write(p.conn, data, 6000, p.now);
  for (uint32_t i = 0; i < 6; i++) {
    tseg d = dseg(s0 + 1000 * i, 5001, data + 1000 * i, 1000);
    tpeer_expect(&p, &d);
  }
  tseg dup = tseg_make(5001, s0, A);
  tpeer_send(&p, &dup);
  tpeer_send(&p, &dup);
  tpeer_expect_none(&p);
  tpeer_send(&p, &dup);
  tseg rtx = dseg(s0, 5001, data, 1000);
  tpeer_expect(&p, &rtx);
  /* A partial ACK (up to segment 3) retransmits segment 3 at once
   * (RFC 6582 §3.2 step 5). */
  tseg partial = tseg_make(5001, s0 + 2000, A);
  tpeer_send(&p, &partial);
  tseg rtx2 = dseg(s0 + 2000, 5001, data + 2000, 1000);
  tpeer_expect(&p, &rtx2);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- windows ---------------- */

START_TEST(test_zero_window_probe) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  mptcp_conn_write(p.conn, data, 1000, p.now);
  tseg d = dseg(s0, 5001, data, 1000);
  tpeer_expect(&p, &d);
  tseg zw = tseg_make(5001, s0 + 1000, A);
  zw.win = 0;
  tpeer_send(&p, &zw);
  mptcp_conn_write(p.conn, data + 1000, 500, p.now);
  tpeer_expect_none(&p); /* the window is closed */
  /* Persist timer: first probe after the RTO (200 ms), then doubling. */
  mptcp_tstamp at = p.now + 200 * MS;
  ck_assert_uint_eq(tpeer_expiry(&p), at);
  tpeer_time(&p, at);
  tseg probe = dseg(s0 + 1000, 5001, data + 1000, 1);
  probe.flags = A; /* no PSH on a probe */
  tpeer_expect(&p, &probe);
  tpeer_expect_none(&p);
  tseg still = tseg_make(5001, s0 + 1000, A);
  still.win = 0;
  tpeer_send(&p, &still);
  at += 400 * MS;
  ck_assert_uint_eq(tpeer_expiry(&p), at);
  tpeer_time(&p, at);
  tpeer_expect(&p, &probe); /* the same byte again */
  ck_assert_uint_eq(tpeer_counter(&p, "TcpZeroWindowProbes"), 2);
  /* The window opens (and the probe byte is taken): the rest flows. */
  tseg open = tseg_make(5001, s0 + 1001, A);
  open.win = 65535;
  tpeer_send(&p, &open);
  tseg rest = dseg(s0 + 1001, 5001, data + 1001, 499);
  tpeer_expect(&p, &rest);
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_window_scaling) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_connect(&p, NULL);
  uint32_t s0 = p.iss + 1;
  tseg sa = tseg_make(5000, s0, S | A);
  sa.mss = 1000;
  sa.ws = 2;
  sa.win = 1000; /* SYN windows are never scaled: 1000 bytes */
  tpeer_send(&p, &sa);
  tseg ack = tseg_make(s0, 5001, A);
  ack.win = 65536 >> 7; /* our 64 KiB buffer, scaled by our shift 7 */
  tpeer_expect(&p, &ack);
  mptcp_conn_write(p.conn, data, 8000, p.now);
  tseg d0 = dseg(s0, 5001, data, 1000);
  tpeer_expect(&p, &d0);
  tpeer_expect_none(&p);
  /* Now 1000 << 2 = 4000 bytes of window: four more segments. */
  tseg wa = tseg_make(5001, s0 + 1000, A);
  wa.win = 1000;
  tpeer_send(&p, &wa);
  for (uint32_t i = 1; i < 5; i++) {
    tseg d = dseg(s0 + 1000 * i, 5001, data + 1000 * i, 1000);
    tpeer_expect(&p, &d);
  }
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- PAWS ---------------- */

START_TEST(test_paws) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.timestamps = 1;
  tpeer p;
  tseg g = tpeer_open_with(&p, &s, 0, 1012, -1, 1000);
  ck_assert_int_eq(g.ts, 1);
  uint32_t s0 = p.iss + 1;
  tseg ack = tseg_make(s0, 5001, A);
  ack.ts = 1;
  ack.tsecr = 1000;
  ack.check_tsecr = 1;
  tpeer_expect(&p, &ack);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_CONNECTED);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.mss, 1000); /* 1012 - 12 bytes of timestamps */

  tseg in = dseg(5001, s0, data, 100);
  in.ts = 1;
  in.tsval = 2000;
  tpeer_send(&p, &in);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_READABLE);
  /* An older timestamp: dropped by PAWS, answered with an ACK. */
  tseg old = dseg(5101, s0, data + 100, 100);
  old.ts = 1;
  old.tsval = 1500;
  tpeer_send(&p, &old);
  tseg dup = tseg_make(s0, 5101, A);
  dup.tsecr = 2000;
  dup.check_tsecr = 1;
  tpeer_expect(&p, &dup);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpPawsDrop"), 1);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  uint8_t b[300];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 100);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- sequence wrap-around at 2^32 ---------------- */

START_TEST(test_seq_wrap_receive) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  uint32_t irs = 0xFFFFFE00u; /* the peer's data crosses 2^32 */
  tpeer_open_passive(&p, irs, 1000);
  uint32_t s0 = p.iss + 1, r = irs + 1;
  for (uint32_t i = 0; i < 4; i++) {
    tseg in = dseg(r + 1000 * i, s0, data + 1000 * i, 1000);
    tpeer_send(&p, &in);
  }
  ck_assert_uint_lt(r + 4000, r); /* the stream crossed 2^32 */
  /* One ACK covers all four (every second segment asks for one; both
   * requests are met by the same ACK at output time). */
  tseg ack4 = tseg_make(s0, r + 4000, A);
  tpeer_expect(&p, &ack4);
  tpeer_expect_none(&p);
  uint8_t b[5000];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 4000);
  ck_assert_bytes(b, 4000, data, 4000);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_seq_wrap_send) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  mptcp_addr local = p.us;
  mptcp_conn_connect(p.st, &p.conn, &local, &p.them, NULL, p.now);
  /* Put our ISS just below 2^32 before the SYN leaves. */
  mptcp_tcp *t = &p.conn->first.tcp;
  t->iss = t->snd_una = t->snd_nxt = t->snd_max = 0xFFFFF000u;
  t->recover = t->high_rxt = t->iss;
  tseg syn = tseg_make(0xFFFFF000u, 0, S);
  tpeer_expect(&p, &syn);
  p.iss = 0xFFFFF000u;
  tseg sa = tseg_make(5000, p.iss + 1, S | A);
  sa.mss = 1000;
  tpeer_send(&p, &sa);
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  uint32_t s0 = p.iss + 1;
  mptcp_conn_write(p.conn, data, 8000, p.now);
  for (uint32_t i = 0; i < 8; i++) {
    tseg d = dseg(s0 + 1000 * i, 5001, data + 1000 * i, 1000);
    tpeer_expect(&p, &d);
  }
  /* ACKs on both sides of the wrap are taken as progress. */
  tseg a1 = tseg_make(5001, s0 + 3000, A);
  tpeer_send(&p, &a1);
  tseg a2 = tseg_make(5001, s0 + 8000, A);
  ck_assert_uint_lt(s0 + 8000, 0x2000u);
  tpeer_send(&p, &a2);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_expiry(&p), MPTCP_TSTAMP_NONE);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.bytes_acked, 8000);
  ck_assert_uint_eq(ci.retransmits, 0);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- limits, transparent listen, keep-alive ---------------- */

START_TEST(test_mem_cap_refuses_new_keeps_old) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.mem_cap = 3 * 65536; /* room for one connection's buffers, not two */
  tpeer p;
  tpeer_init(&p, &s, 0);
  tpeer_open_passive(&p, 5000, 1000);
  /* A second client: its SYN is refused and counted, no answer. */
  p.them.port = 40001;
  tseg syn = tseg_make(8000, 0, S);
  ck_assert_int_eq(tpeer_send(&p, &syn), 0);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpRefusedMem"), 1);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpSynDrop"), 1);
  /* The first connection keeps working. */
  p.them.port = 40000;
  tseg in = dseg(5001, p.iss + 1, data, 100);
  tpeer_send(&p, &in);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_READABLE);
  uint8_t b[200];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 100);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_conn_limit) {
  mptcp_settings s;
  mptcp_settings_default(&s);
  s.mptcp = 0; /* the TCP engine alone */
  s.max_conns = 1;
  tpeer p;
  tpeer_init(&p, &s, 0);
  tpeer_open_passive(&p, 5000, 1000);
  p.them.port = 40001;
  tseg syn = tseg_make(8000, 0, S);
  tpeer_send(&p, &syn);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpRefusedLimit"), 1);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_transparent_listen) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  mptcp_addr any;
  memset(&any, 0, sizeof any);
  ck_assert_int_eq(mptcp_stack_listen(p.st, &any, MPTCP_LISTEN_TRANSPARENT), 0);
  /* A SYN to any address and port is ours; the accepted connection shows
   * the original destination as its local address. */
  tcheck_addr4(&p.us.ip, 198, 51, 100, 7);
  p.us.port = 443;
  tseg syn = tseg_make(3000, 0, S);
  ck_assert_int_eq(tpeer_send(&p, &syn), 0);
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  ck_assert_uint_eq(g.flags, S | A);
  tseg ack = tseg_make(3001, g.seq + 1, A);
  tpeer_send(&p, &ack);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_ACCEPT);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert(mptcp_ipaddr_equal(&ci.local.ip, &p.us.ip));
  ck_assert_uint_eq(ci.local.port, 443);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_keepalive) {
  mptcp_settings s;
  mptcp_settings_default(&s);
  s.mptcp = 0; /* the TCP engine alone */
  s.timestamps = s.sack = 0;
  s.keepalive = 1;
  s.keepalive_idle = 10000 * MS;
  s.keepalive_intvl = 1000 * MS;
  s.keepalive_probes = 2;
  tpeer p;
  tpeer_init(&p, &s, 0);
  tpeer_open_passive(&p, 5000, 1000);
  /* Idle: a probe with SEQ = SND.UNA - 1 after keepalive_idle. */
  mptcp_tstamp at = p.now + 10000 * MS;
  ck_assert_uint_eq(tpeer_expiry(&p), at);
  tpeer_time(&p, at);
  tseg probe = tseg_make(p.iss, 5001, A);
  tpeer_expect(&p, &probe);
  /* An answer resets the idle clock. */
  tseg ans = tseg_make(5001, p.iss + 1, A);
  tpeer_send(&p, &ans);
  at = p.now + 10000 * MS;
  ck_assert_uint_eq(tpeer_expiry(&p), at);
  /* No answers: two more probes one interval apart, then give up. */
  tpeer_time(&p, at);
  tpeer_expect(&p, &probe);
  tpeer_time(&p, at + 1000 * MS);
  tpeer_expect(&p, &probe);
  tpeer_time(&p, at + 2000 * MS);
  tseg rst = tseg_make(p.iss + 1, 5001, R | A);
  tpeer_expect(&p, &rst);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_TIMEOUT | MPTCP_EV_CLOSED);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpKeepaliveProbes"), 3);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_nodelay) {
  tpeer p;
  tpeer_init(&p, NULL, 0);
  mptcp_conn_opts o = {0, 1, 0}; /* nodelay */
  tseg g = tpeer_connect(&p, &o);
  tseg sa = tseg_make(5000, p.iss + 1, S | A);
  sa.mss = 1000;
  tpeer_send(&p, &sa);
  ck_assert(tpeer_recv(&p, &g));
  uint32_t s0 = p.iss + 1;
  /* Without Nagle every small write leaves at once. */
  for (uint32_t i = 0; i < 3; i++) {
    mptcp_conn_write(p.conn, data + 10 * i, 10, p.now);
    tseg d = dseg(s0 + 10 * i, 5001, data + 10 * i, 10);
    tpeer_expect(&p, &d);
  }
  tpeer_fini(&p);
}
END_TEST

/* ---------------- regressions found by the simulator ---------------- */

START_TEST(test_old_segment_ack_is_used) {
  /* A peer that rewound SND.NXT after a timeout sends pure ACKs with an old
   * sequence number: their ACK field must still count, and they must not
   * be answered (two rewound peers would otherwise trade ACKs forever). */
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  tseg in = dseg(5001, s0, data, 1000);
  tpeer_send(&p, &in); /* RCV.NXT = 6001 */
  mptcp_conn_write(p.conn, data, 2000, p.now);
  for (uint32_t i = 0; i < 2; i++) {
    tseg d = dseg(s0 + 1000 * i, 6001, data + 1000 * i, 1000);
    tpeer_expect(&p, &d);
  }
  tseg oldack = tseg_make(5001, s0 + 2000, A); /* SEQ behind RCV.NXT */
  tpeer_send(&p, &oldack);
  tpeer_expect_none(&p);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.bytes_acked, 2000);
  ck_assert_uint_eq(tpeer_expiry(&p), MPTCP_TSTAMP_NONE); /* nothing left */
  /* A duplicate that carries data is answered. */
  tpeer_send(&p, &in);
  tseg ack = tseg_make(s0 + 2000, 6001, A);
  tpeer_expect(&p, &ack);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_time_wait_answers_retransmitted_data) {
  /* Our last ACK was lost: the peer, in LAST-ACK, retransmits data that we
   * already have. TIME-WAIT must ACK it, or the peer times out. */
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  mptcp_conn_shutdown(p.conn, p.now);
  tseg fin = tseg_make(s0, 5001, F | A);
  tpeer_expect(&p, &fin);
  tseg pdata = dseg(5001, s0 + 1, data, 100);
  pdata.flags |= F; /* data + FIN, acking our FIN */
  tpeer_send(&p, &pdata);
  tseg ack = tseg_make(s0 + 1, 5102, A);
  tpeer_expect(&p, &ack);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_TIME_WAIT);
  tseg rtx = dseg(5001, s0 + 1, data, 100); /* without the FIN */
  tpeer_send(&p, &rtx);
  tpeer_expect(&p, &ack);
  tpeer_expect_none(&p);
  tpeer_fini(&p);
}
END_TEST

START_TEST(test_out_of_order_fin) {
  /* The FIN arrives before the data in front of it: it is remembered and
   * takes effect when the hole is filled, without a retransmission. */
  tpeer p;
  tpeer_init(&p, NULL, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  tseg tail = dseg(5101, s0, data + 100, 100);
  tail.flags |= F;
  tpeer_send(&p, &tail);
  tseg dup = tseg_make(s0, 5001, A); /* out of order: ACK at once */
  tpeer_expect(&p, &dup);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  tseg head = dseg(5001, s0, data, 100);
  tpeer_send(&p, &head);
  tseg ack = tseg_make(s0, 5202, A); /* 200 bytes and the FIN */
  tpeer_expect(&p, &ack);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_READABLE | MPTCP_EV_PEER_CLOSED);
  uint8_t b[300];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 200);
  ck_assert_bytes(b, 200, data, 200);
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), MPTCP_ERR_EOF);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_CLOSE_WAIT);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- header prediction (fast path) ---------------- */

/* Timestamps and SACK on, as in the benchmark and most real traffic. */
static void ts_settings(mptcp_settings *s) {
  tpeer_default_settings(s);
  s->timestamps = 1;
  s->sack = 1;
}

/* The SYN/ACK of a peer with timestamps, SACK and window scaling. */
static tseg open_ts_with(tpeer *p, const mptcp_settings *s, int v6) {
  return tpeer_open_with(p, s, v6, 1460, 7, 100);
}

/* Active open with timestamps, SACK and window scaling negotiated; the
 * stack's TSval is returned. */
static uint32_t open_ts(tpeer *p, const mptcp_settings *s, int v6) {
  tseg syn = open_ts_with(p, s, v6);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.flags, A);
  tpeer_expect_none(p);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_CONNECTED, MPTCP_EV_CONNECTED);
  return syn.tsval;
}

static tseg ts_seg(tseg g, uint32_t tsval) {
  g.ts = 1;
  g.tsval = tsval;
  g.tsecr = 7;
  return g;
}

/* The next packet the stack emits, as raw bytes: the first `cmp` bytes
 * must be `hex` (the whole packet when cmp is 0), and a payload behind
 * them must be `payload`. */
static void expect_bytes(tpeer *p, const char *hex, size_t cmp,
                         const uint8_t *payload) {
  static uint8_t b[4096], want[256];
  mptcp_ssize n = mptcp_stack_write_pkt(p->st, NULL, b, sizeof b, p->now);
  ck_assert_int_gt(n, 0);
  size_t wl = tcheck_hex(hex, want, sizeof want);
  size_t k = cmp ? cmp : (size_t)n;
  ck_assert_uint_eq(wl, k);
  ck_assert_bytes(b, k, want, wl);
  if (cmp) ck_assert_bytes(b + cmp, (size_t)n - cmp, payload, (size_t)n - cmp);
}

/* The segments of a bulk exchange, byte for byte as the engine built
 * them before it had a fast path (IPv4 and IPv6): the handshake ACK, the
 * ACK of two in-order data segments (the second one predicted), data
 * segments, the segment sent once two predicted pure ACKs free the window
 * (Nagle), and a delayed ACK of predicted data. */
static const char *const golden[2][6] = {
    {
        "4500003400004000400626c20a0000010a00000213889c40104ec59300001389"
        "80100200063300000101080a4f1971d700000064",
        "4500003400004000400626c20a0000010a00000213889c40104ec59300001b59"
        "801001f0fe6f00000101080a4f1971d800000066",
        "450005dc000040004006211a0a0000010a00000213889c40104ec59300001b59"
        "801801f0f1e900000101080a4f1971d900000066",
        "450005dc000040004006211a0a0000010a00000213889c40104ecb3b00001b59"
        "801801f00a5e00000101080a4f1971d900000066",
        "4500009c000040004006265a0a0000010a00000213889c40104ed0e300001b59"
        "801801f0f74400000101080a4f1971da00000068",
        "4500003400004000400626c20a0000010a00000213889c40104ed14b00001d4d"
        "801001ecf09900000101080a4f19720300000069",
    },
    {
        "600000000020064020010db800000000000000000000000120010db800000000"
        "000000000000000213889c4098789b020000138980100200612700000101080a"
        "4f1971d700000064",
        "600000000020064020010db800000000000000000000000120010db800000000"
        "000000000000000213889c4098789b0200001b59801001f0596400000101080a"
        "4f1971d800000066",
        "6000000005b4064020010db800000000000000000000000120010db800000000"
        "000000000000000213889c4098789b0200001b59801801f05c4700000101080a"
        "4f1971d900000066",
        "6000000005b4064020010db800000000000000000000000120010db800000000"
        "000000000000000213889c409878a09600001b59801801f0df3a00000101080a"
        "4f1971d900000066",
        "6000000000b0064020010db800000000000000000000000120010db800000000"
        "000000000000000213889c409878a62a00001b59801801f0c92300000101080a"
        "4f1971da00000068",
        "600000000020064020010db800000000000000000000000120010db800000000"
        "000000000000000213889c409878a6ba00001d4d801001ec4b8e00000101080a"
        "4f19720300000069",
    },
};

START_TEST(test_fast_path_same_bytes) {
  tpeer p;
  mptcp_settings s;
  ts_settings(&s);
  size_t hl = _i ? 72 : 52;
  uint32_t mss = _i ? 1428 : 1448;
  open_ts_with(&p, &s, _i);
  expect_bytes(&p, golden[_i][0], 0, NULL);
  tpeer_expect_none(&p);
  uint32_t s0 = p.iss + 1;
  p.now += 1 * MS;
  tseg d1 = ts_seg(dseg(5001, s0, data, 1000), 101);
  tpeer_send(&p, &d1); /* the window changes: the long way */
  tpeer_expect_none(&p);
  tseg d2 = ts_seg(dseg(6001, s0, data + 1000, 1000), 102);
  tpeer_send(&p, &d2);
  expect_bytes(&p, golden[_i][1], 0, NULL);
  tpeer_expect_none(&p);
  p.now += 1 * MS;
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 3000, p.now), 3000);
  expect_bytes(&p, golden[_i][2], hl, data);
  expect_bytes(&p, golden[_i][3], hl, data + mss);
  tpeer_expect_none(&p);
  p.now += 1 * MS;
  tseg a1 = ts_seg(tseg_make(7001, s0 + mss, A), 103);
  a1.tsecr = 9;
  tpeer_send(&p, &a1);
  tpeer_expect_none(&p);
  tseg a2 = ts_seg(tseg_make(7001, s0 + 2 * mss, A | P), 104);
  a2.tsecr = 9;
  tpeer_send(&p, &a2);
  expect_bytes(&p, golden[_i][4], hl, data + 2 * mss);
  tpeer_expect_none(&p);
  p.now += 1 * MS;
  tseg d3 = ts_seg(dseg(7001, s0 + 2 * mss, data + 2000, 500), 105);
  d3.tsecr = 9;
  tpeer_send(&p, &d3);
  tpeer_expect_none(&p);
  tpeer_time(&p, p.now + 40 * MS);
  expect_bytes(&p, golden[_i][5], 0, NULL);
  tpeer_expect_none(&p);
  uint8_t b[3000];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 2500);
  ck_assert_bytes(b, 2500, data, 2500);
  ck_assert_uint_eq(tpeer_counter(&p, "PktCsumErr"), 0);
  tpeer_fini(&p);
}
END_TEST

/* Feeds `g` with byte `at` of the packet xored with `mask` straight to the
 * fast path (white box) and returns its verdict. */
static int fast_verdict(tpeer *p, const tseg *g, size_t at, uint8_t mask) {
  uint8_t pkt[2048];
  size_t n = tpeer_build(p, g, pkt, sizeof pkt);
  if (mask) pkt[at] ^= mask;
  mptcp_pkt k;
  ck_assert_int_eq(mptcp_pkt_parse(pkt, n, MPTCP_PKT_VERIFY_IP_CSUM, &k), 0);
  return mptcp_tcp_input_fast(&p->conn->first, &k, 0, p->now);
}

/* A segment the fast path takes but whose checksum is wrong is counted and
 * dropped, and changes nothing: not the receive buffer, not the send
 * side, not the timers. The same segment intact is then taken. */
START_TEST(test_fast_path_bad_checksum) {
  tpeer p;
  mptcp_settings s;
  ts_settings(&s);
  size_t ipl = _i ? 40 : 20, hl = ipl + 32;
  open_ts(&p, &s, _i);
  uint32_t s0 = p.iss + 1;
  /* Settle the window (the first segment after the SYN changes it). */
  tseg w = ts_seg(tseg_make(5001, s0, A), 100);
  tpeer_send(&p, &w);
  tpeer_expect_none(&p);

  /* Data: a flipped payload bit. */
  tseg d = ts_seg(dseg(5001, s0, data, 1000), 101);
  mptcp_conn_info before, after;
  mptcp_conn_get_info(p.conn, &before);
  uint64_t in0 = tpeer_counter(&p, "TcpInSegs");
  mptcp_tstamp exp0 = tpeer_expiry(&p);
  ck_assert_int_eq(fast_verdict(&p, &d, hl + 500, 0x10), -1);
  ck_assert_int_eq(tpeer_send_corrupt(&p, &d, hl + 999, 0x01), 0);
  ck_assert_uint_eq(tpeer_counter(&p, "PktCsumErr"), 2);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpInSegs"), in0);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  ck_assert_uint_eq(tpeer_expiry(&p), exp0);
  mptcp_conn_get_info(p.conn, &after);
  ck_assert_uint_eq(after.bytes_received, before.bytes_received);
  ck_assert_uint_eq(after.rcv_wnd, before.rcv_wnd);
  uint8_t b[2000];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 0);
  const uint8_t *pk;
  ck_assert_uint_eq(mptcp_conn_peek(p.conn, &pk), 0);
  /* Intact, it is taken (and predicted). */
  ck_assert_int_eq(fast_verdict(&p, &d, 0, 0), 1);
  ck_assert_uint_eq(tpeer_counter(&p, "TcpInSegs"), in0 + 1);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_READABLE);
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 1000);
  ck_assert_bytes(b, 1000, data, 1000);

  /* A pure ACK: a flipped bit in the checksum field. */
  uint32_t mss = _i ? 1428 : 1448;
  ck_assert_int_eq(mptcp_conn_write(p.conn, data, 2 * mss, p.now),
                   (int)(2 * mss));
  tseg g;
  ck_assert(tpeer_recv(&p, &g));
  ck_assert(tpeer_recv(&p, &g));
  tpeer_expect_none(&p);
  mptcp_conn_get_info(p.conn, &before);
  exp0 = tpeer_expiry(&p);
  tseg a = ts_seg(tseg_make(6001, s0 + mss, A), 102);
  ck_assert_int_eq(fast_verdict(&p, &a, ipl + 16, 0x80), -1);
  ck_assert_int_eq(tpeer_send_corrupt(&p, &a, ipl + 17, 0x01), 0);
  ck_assert_uint_eq(tpeer_counter(&p, "PktCsumErr"), 4);
  mptcp_conn_get_info(p.conn, &after);
  ck_assert_uint_eq(after.bytes_acked, before.bytes_acked);
  ck_assert_uint_eq(after.cwnd, before.cwnd);
  ck_assert_uint_eq(tpeer_expiry(&p), exp0);
  tpeer_expect_none(&p);
  ck_assert_int_eq(fast_verdict(&p, &a, 0, 0), 1);
  mptcp_conn_get_info(p.conn, &after);
  ck_assert_uint_eq(after.bytes_acked, before.bytes_acked + mss);

  /* Not for the fast path (a FIN): verified before anything else, the
   * same way. */
  tseg f = ts_seg(dseg(6001, s0 + 2 * mss, data, 10), 103);
  f.flags |= F;
  ck_assert_int_eq(fast_verdict(&p, &f, hl + 3, 0x04), 0);
  ck_assert_int_eq(tpeer_send_corrupt(&p, &f, hl + 3, 0x04), 0);
  ck_assert_uint_eq(tpeer_counter(&p, "PktCsumErr"), 5);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  mptcp_conn_get_info(p.conn, &after);
  ck_assert_uint_eq(after.state, MPTCP_TCP_ESTABLISHED);
  tpeer_send(&p, &f);
  ck_assert_uint_eq(tpeer_events(&p), MPTCP_EV_READABLE | MPTCP_EV_PEER_CLOSED);
  mptcp_conn_get_info(p.conn, &after);
  ck_assert_uint_eq(after.state, MPTCP_TCP_CLOSE_WAIT);
  tpeer_fini(&p);
}
END_TEST

/* Which segments header prediction takes, and that declining changes
 * nothing (the long path then runs as before). */
START_TEST(test_fast_path_eligibility) {
  tpeer p;
  mptcp_settings s;
  ts_settings(&s);
  open_ts(&p, &s, 0);
  uint32_t s0 = p.iss + 1;
  tseg w = ts_seg(tseg_make(5001, s0, A), 100);
  /* The first segment after the SYN changes the window: declined. */
  ck_assert_int_eq(fast_verdict(&p, &w, 0, 0), 0);
  tpeer_send(&p, &w);
  tseg d = ts_seg(dseg(5001, s0, data, 100), 101);
  tseg x = d;
  x.flags |= F; /* FIN */
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  x = d;
  x.seq += 100; /* out of order */
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  x = d;
  x.tsval = 99; /* older than TS.Recent */
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  x = d;
  x.ts = 0; /* no timestamps though negotiated */
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  x = d;
  x.win = 1000; /* window update */
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  x = d;
  x.ack = s0 + 1; /* acknowledges what was never sent */
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  x = tseg_make(5001, s0, A);
  x = ts_seg(x, 101); /* duplicate ACK */
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  x = d;
  x.nsack = 1; /* a SACK block */
  x.sack[0][0] = s0;
  x.sack[0][1] = s0;
  ck_assert_int_eq(fast_verdict(&p, &x, 0, 0), 0);
  tpeer_expect_none(&p);
  ck_assert_uint_eq(tpeer_events(&p), 0);
  ck_assert_uint_eq(tpeer_counter(&p, "PktCsumErr"), 0);
  ck_assert_int_eq(fast_verdict(&p, &d, 0, 0), 1);
  /* An out-of-order segment leaves a hole: declined until it is filled. */
  tseg o = ts_seg(dseg(5201, s0, data + 200, 100), 102);
  tpeer_send(&p, &o);
  tseg dup = tseg_make(s0, 5101, A);
  tpeer_expect(&p, &dup);
  tseg fill = ts_seg(dseg(5101, s0, data + 100, 100), 103);
  ck_assert_int_eq(fast_verdict(&p, &fill, 0, 0), 0);
  tpeer_send(&p, &fill);
  tseg ack = tseg_make(s0, 5301, A);
  tpeer_expect(&p, &ack);
  uint8_t b[400];
  ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), 300);
  ck_assert_bytes(b, 300, data, 300);
  tseg next = ts_seg(dseg(5301, s0, data + 300, 100), 104);
  ck_assert_int_eq(fast_verdict(&p, &next, 0, 0), 1);
  tpeer_fini(&p);
}
END_TEST

/* Bulk both ways through buffers of odd sizes: the rings wrap at odd and
 * even offsets, where the copy-and-sum swaps the sum of the second piece.
 * Every segment the stack sends parses with its checksum verified
 * (tpeer_recv), every payload and every byte read is the right one, and no
 * checksum error is counted. */
START_TEST(test_fast_path_ring_wrap) {
  tpeer p;
  mptcp_settings s;
  ts_settings(&s);
  s.sndbuf = 3001;
  s.rcvbuf = 2999;
  open_ts(&p, &s, _i);
  uint32_t s0 = p.iss + 1, r = 5001, tsv = 100;
  tseg w = ts_seg(tseg_make(r, s0, A), tsv);
  tpeer_send(&p, &w);
  size_t off_in = 0, off_out = 0;
  uint8_t b[2000];
  static const uint32_t sizes[] = {777, 1001, 13, 1448, 500, 999};
  for (int round = 0; round < 40; round++) {
    /* In: an odd-sized segment, read at once. */
    uint32_t n = sizes[round % 6];
    p.now += MS;
    tseg d = ts_seg(dseg(r, s0 + (uint32_t)off_out, data + off_in % 60000, n),
                    ++tsv);
    tpeer_send(&p, &d);
    r += n;
    ck_assert_int_eq(mptcp_conn_read(p.conn, b, sizeof b, p.now), (int)n);
    ck_assert_bytes(b, n, data + off_in % 60000, n);
    off_in += n;
    /* Out: a write, sent and ACKed segment by segment. */
    uint32_t m = sizes[(round + 3) % 6];
    ck_assert_int_eq(mptcp_conn_write(p.conn, data + off_out % 60000, m, p.now),
                     (int)m);
    tseg g;
    uint32_t got = 0;
    while (tpeer_recv(&p, &g)) {
      if (!g.len) continue; /* the ACK of our data */
      ck_assert_uint_eq(g.seq, s0 + off_out + got);
      ck_assert_bytes(g.data, g.len, data + (off_out + got) % 60000, g.len);
      got += g.len;
      tseg a = ts_seg(tseg_make(r, g.seq + g.len, A), ++tsv);
      tpeer_send(&p, &a);
    }
    ck_assert_uint_eq(got, m);
    off_out += m;
  }
  mptcp_conn_info ci;
  mptcp_conn_get_info(p.conn, &ci);
  ck_assert_uint_eq(ci.bytes_received, off_in);
  ck_assert_uint_eq(ci.bytes_acked, off_out);
  ck_assert_uint_eq(tpeer_counter(&p, "PktCsumErr"), 0);
  tpeer_fini(&p);
}
END_TEST

/* ---------------- the log hook ---------------- */

static struct {
  int n[MPTCP_LOG_DEBUG + 1];
  char last[256];
  int saw_csum, saw_window, saw_reset, saw_timeout, saw_abort;
} logs;

static void count_log(void *ud, int level, const char *msg, size_t len) {
  (void)ud;
  ck_assert_int_ge(level, MPTCP_LOG_ERROR);
  ck_assert_int_le(level, MPTCP_LOG_DEBUG);
  ck_assert_uint_eq(strlen(msg), len);
  logs.n[level]++;
  snprintf(logs.last, sizeof logs.last, "%s", msg);
  if (strstr(msg, "bad checksum")) logs.saw_csum++;
  if (strstr(msg, "outside the window")) logs.saw_window++;
  if (strstr(msg, "reset by the peer")) logs.saw_reset++;
  if (strstr(msg, "timed out")) logs.saw_timeout++;
  if (strstr(msg, "aborted")) logs.saw_abort++;
}

/* The engine reports drops (debug) and the end of connections (info)
 * through the hook, and only up to the configured level. */
START_TEST(test_log_hook) {
  memset(&logs, 0, sizeof logs);
  tpeer p;
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.log = count_log;
  s.log_level = _i ? MPTCP_LOG_INFO : MPTCP_LOG_DEBUG;
  tpeer_init(&p, &s, 0);
  tpeer_open_active(&p, 5000, 1000);
  uint32_t s0 = p.iss + 1;
  /* A bad checksum, on the fast path and off it. */
  tseg d = dseg(5001, s0, data, 100);
  tpeer_send_corrupt(&p, &d, 45, 0x01);
  d.flags |= F;
  tpeer_send_corrupt(&p, &d, 45, 0x01);
  /* A segment far outside the window. */
  tseg far = dseg(5001 + 10000000, s0, data, 100);
  tpeer_send(&p, &far);
  ck_assert_int_eq(logs.saw_csum, _i ? 0 : 2);
  ck_assert_int_eq(logs.saw_window, _i ? 0 : 1);
  ck_assert_int_eq(logs.n[MPTCP_LOG_DEBUG], _i ? 0 : 3);
  ck_assert_int_eq(logs.n[MPTCP_LOG_INFO], 0);
  while (tpeer_recv(&p, &(tseg){0})) {
  }
  /* A reset from the peer ends the connection: info. */
  tseg rst = tseg_make(5001, 0, R);
  tpeer_send(&p, &rst);
  ck_assert_int_eq(logs.saw_reset, 1);
  ck_assert_int_eq(logs.n[MPTCP_LOG_INFO], 1);
  ck_assert_ptr_nonnull(strstr(logs.last, "tcp 5000>40000"));
  mptcp_conn_release(p.conn, p.now);
  p.conn = NULL;
  /* Retransmissions that are never answered: a timeout. */
  tpeer_connect(&p, NULL);
  for (int i = 0; i < 20 && tpeer_expiry(&p) != MPTCP_TSTAMP_NONE; i++) {
    tpeer_time(&p, tpeer_expiry(&p));
    while (tpeer_recv(&p, &(tseg){0})) {
    }
  }
  ck_assert_int_eq(logs.saw_timeout, 1);
  mptcp_conn_release(p.conn, p.now);
  p.conn = NULL;
  /* The application aborts. */
  tpeer_open_passive(&p, 9000, 1000);
  mptcp_conn_abort(p.conn, p.now);
  ck_assert_int_eq(logs.saw_abort, 1);
  ck_assert_int_eq(logs.n[MPTCP_LOG_INFO], 3);
  ck_assert_int_eq(logs.n[MPTCP_LOG_ERROR] + logs.n[MPTCP_LOG_WARN], 0);
  tpeer_fini(&p);
}
END_TEST

Suite *suite_tcp(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_active_open),
      TCHECK_LOOP(test_passive_open, 2), /* IPv4, IPv6 */
      TCHECK_TEST(test_passive_syn_retransmitted),
      TCHECK_TEST(test_simultaneous_open),
      TCHECK_TEST(test_simultaneous_open_mptcp_falls_back),
      TCHECK_TEST(test_synack_after_syn_rto),
      TCHECK_LOOP(test_mss_leaves_room_for_sack, 2),
      TCHECK_TEST(test_data_and_delayed_ack),
      TCHECK_TEST(test_nagle),
      TCHECK_TEST(test_active_close),
      TCHECK_TEST(test_passive_close),
      TCHECK_TEST(test_simultaneous_close),
      TCHECK_TEST(test_abort_sends_rst),
      TCHECK_TEST(test_rst_exact_seq),
      TCHECK_TEST(test_rst_in_window_challenge),
      TCHECK_TEST(test_rst_out_of_window),
      TCHECK_TEST(test_syn_in_established_challenge),
      TCHECK_TEST(test_syn_sent_rst_and_bad_ack),
      TCHECK_TEST(test_rst_for_unknown_port),
      TCHECK_TEST(test_rto_backoff_and_give_up),
      TCHECK_TEST(test_rtt_from_timestamps_after_retransmission),
      TCHECK_TEST(test_rto_resend_new_bytes_counted),
      TCHECK_TEST(test_syn_retries),
      TCHECK_TEST(test_fast_retransmit_sack),
      TCHECK_TEST(test_lost_retransmission_resent),
      TCHECK_TEST(test_sack_scoreboard_overflow),
      TCHECK_TEST(test_sack_newest_block_first),
      TCHECK_TEST(test_fast_retransmit_newreno),
      TCHECK_TEST(test_zero_window_probe),
      TCHECK_TEST(test_window_scaling),
      TCHECK_TEST(test_paws),
      TCHECK_TEST(test_seq_wrap_receive),
      TCHECK_TEST(test_seq_wrap_send),
      TCHECK_TEST(test_mem_cap_refuses_new_keeps_old),
      TCHECK_TEST(test_conn_limit),
      TCHECK_TEST(test_transparent_listen),
      TCHECK_TEST(test_keepalive),
      TCHECK_TEST(test_nodelay),
      TCHECK_TEST(test_old_segment_ack_is_used),
      TCHECK_TEST(test_time_wait_answers_retransmitted_data),
      TCHECK_TEST(test_out_of_order_fin),
      TCHECK_LOOP(test_fast_path_same_bytes, 2), /* IPv4, IPv6 */
      TCHECK_LOOP(test_fast_path_bad_checksum, 2),
      TCHECK_TEST(test_fast_path_eligibility),
      TCHECK_LOOP(test_fast_path_ring_wrap, 2),
      TCHECK_LOOP(test_log_hook, 2), /* debug, info */
  };
  fill_data();
  return tcheck_suite("tcp", tests, sizeof tests / sizeof tests[0]);
}
