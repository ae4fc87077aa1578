/*
 * Packet traces of one MPTCP stack against a scripted peer (tpeer): MP_JOIN
 * in both roles (RFC 8684 §3.2) and what the path manager does with a
 * received ADD_ADDR, REMOVE_ADDR and MP_PRIO (§3.4.1, §3.4.2, §3.3.8).
 * Every HMAC the test expects or sends is computed here from the spec's
 * formulas with the library's crypto primitives:
 *   MP_JOIN: HMAC-SHA256(Key-A || Key-B, R-A || R-B) for A's, the
 *     SYN/ACK carrying its leftmost 64 bits, the third ACK 160 bits;
 *   ADD_ADDR: HMAC-SHA256(sender's key || receiver's key, ID || address
 *     || port), its rightmost 64 bits.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/mptcp.h>
#include <string.h>

#include "dss.h" /* MPTCP_RXMAPS_MAX */
#include "tcheck.h"
#include "tpeer.h"

#define PEER_KEY UINT64_C(0x0123456789abcdef)
#define IRS 7000u      /* the peer's ISN on the first subflow */
#define IRS_JOIN 9000u /* and on a join */
#define PEER_NONCE 0xa1b2c3d4u

/* An MPTCP v1 connection under test and what both ends know. */
typedef struct mpt {
  tpeer p;
  uint64_t key, peer_key; /* the stack's and the peer's */
  uint32_t token, peer_token;
  uint64_t idsn, peer_idsn;
  uint32_t nonce; /* the stack's in the join under way */
} mpt;

static mptcp_subopt mpc(uint8_t form, uint64_t snd_key, uint64_t rcv_key) {
  return tsub_mpc(form, 0, snd_key, rcv_key);
}

static mptcp_subopt data_ack(uint64_t dsn) {
  mptcp_subopt o;
  memset(&o, 0, sizeof o);
  o.subtype = MPTCP_SUB_DSS;
  o.u.dss.flags = MPTCP_DSS_A | MPTCP_DSS_a;
  o.u.dss.data_ack = dsn;
  return o;
}

static mptcp_subopt join(uint8_t form, uint8_t id, uint32_t token,
                         uint32_t nonce, const uint8_t *hmac, size_t n) {
  mptcp_subopt o;
  memset(&o, 0, sizeof o);
  o.subtype = MPTCP_SUB_JOIN;
  o.u.join.form = form;
  o.u.join.addr_id = id;
  o.u.join.token = token;
  o.u.join.nonce = nonce;
  if (n) memcpy(o.u.join.hmac, hmac, n);
  return o;
}

/* The MP_JOIN HMAC of the end holding @p key and @p nonce. */
static void join_mac(uint64_t key, uint64_t other_key, uint32_t nonce,
                     uint32_t other_nonce, uint8_t out[32]) {
  ck_assert_int_eq(
      mptcp_crypto_join_hmac(1, key, other_key, nonce, other_nonce, out),
      MPTCP_JOIN_HMAC_LEN_V1);
}

static void keys_known(mpt *m) {
  ck_assert_int_eq(mptcp_crypto_key_derive(1, m->key, &m->token, &m->idsn), 0);
  ck_assert_int_eq(
      mptcp_crypto_key_derive(1, m->peer_key, &m->peer_token, &m->peer_idsn),
      0);
}

/* Settings: MPTCP v1, no built-in path manager (the traces stay exact),
 * DSS checksums if @p csum. */
static void mpt_init_tw(mpt *m, int sack, int csum, mptcp_tstamp time_wait) {
  memset(m, 0, sizeof *m);
  mptcp_settings s;
  tpeer_default_settings(&s);
  if (time_wait) s.time_wait = time_wait;
  s.sack = (uint8_t)sack;
  s.checksum = (uint8_t)csum;
  s.mptcp = 1;
  s.pm_policy = MPTCP_PM_NONE;
  tpeer_init(&m->p, &s, 0);
  m->peer_key = PEER_KEY;
}

static void mpt_init_opts(mpt *m, int sack, int csum) {
  mpt_init_tw(m, sack, csum, 0);
}

static void mpt_init_sack(mpt *m, int sack) { mpt_init_opts(m, sack, 0); }

static void mpt_init(mpt *m) { mpt_init_sack(m, 0); }

/* Sends a segment of the first subflow (seq/ack after the handshake)
 * carrying @p o. */
static void send_opt(mpt *m, const mptcp_subopt *o) {
  tseg g = tseg_make(IRS + 1, m->p.iss + 1, MPTCP_TH_ACK);
  g.mptcp[0] = *o;
  g.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &g), 0);
}

/* The stack (set up by mpt_init*) connects; the peer answers as an MPTCP
 * v1 server and then acknowledges the key (a DATA_ACK): joins may start. */
static void open_client_on(mpt *m) {
  tseg syn = tpeer_connect(&m->p, NULL);
  const mptcp_subopt *c = tseg_mptcp(&syn, MPTCP_SUB_CAPABLE);
  ck_assert_uint_eq(c->u.mpc.form, MPTCP_MPC_SYN);
  ck_assert_uint_eq(c->u.mpc.version, 1);
  tseg sa = tseg_make(IRS, m->p.iss + 1, MPTCP_TH_SYN | MPTCP_TH_ACK);
  sa.mss = 1460;
  mptcp_subopt o = mpc(MPTCP_MPC_SYNACK, m->peer_key, 0);
  sa.mptcp[0] = o;
  sa.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &sa), 0);
  tseg ack;
  ck_assert(tpeer_recv(&m->p, &ack));
  ck_assert_uint_eq(ack.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(ack.seq, m->p.iss + 1);
  ck_assert_uint_eq(ack.ack, IRS + 1);
  c = tseg_mptcp(&ack, MPTCP_SUB_CAPABLE);
  ck_assert_uint_eq(c->u.mpc.form, MPTCP_MPC_ACK);
  ck_assert_uint_eq(c->u.mpc.rcv_key, m->peer_key);
  m->key = c->u.mpc.snd_key;
  tpeer_expect_none(&m->p);
  ck_assert_uint_eq(tpeer_events(&m->p) & MPTCP_EV_CONNECTED,
                    MPTCP_EV_CONNECTED);
  keys_known(m);
  mptcp_subopt d = data_ack(m->idsn + 1);
  send_opt(m, &d);
  tpeer_expect_none(&m->p);
}

static void open_client(mpt *m) {
  mpt_init(m);
  open_client_on(m);
}

/* The peer connects to the listening stack as an MPTCP v1 client (with
 * SACK if @p sack, asking for DSS checksums if @p csum). */
static void open_server_opts(mpt *m, int sack, int csum) {
  mpt_init_opts(m, sack, csum);
  ck_assert_int_eq(mptcp_stack_listen(m->p.st, &m->p.us, 0), 0);
  tseg syn = tseg_make(IRS, 0, MPTCP_TH_SYN);
  syn.mss = 1460;
  syn.sack_perm = (int8_t)sack;
  mptcp_subopt o = tsub_mpc(MPTCP_MPC_SYN, csum, 0, 0);
  syn.mptcp[0] = o;
  syn.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &syn), 0);
  tseg sa;
  ck_assert(tpeer_recv(&m->p, &sa));
  ck_assert_uint_eq(sa.flags, MPTCP_TH_SYN | MPTCP_TH_ACK);
  const mptcp_subopt *c = tseg_mptcp(&sa, MPTCP_SUB_CAPABLE);
  ck_assert_uint_eq(c->u.mpc.form, MPTCP_MPC_SYNACK);
  m->key = c->u.mpc.snd_key;
  m->p.iss = sa.seq;
  tpeer_expect_none(&m->p);
  ck_assert_uint_eq((c->u.mpc.flags & MPTCP_CAP_A) != 0, csum != 0);
  o = tsub_mpc(MPTCP_MPC_ACK, csum, m->peer_key, m->key);
  send_opt(m, &o);
  tpeer_expect_none(&m->p);
  ck_assert_uint_eq(tpeer_events(&m->p) & MPTCP_EV_ACCEPT, MPTCP_EV_ACCEPT);
  keys_known(m);
}

static void open_server_sack(mpt *m, int sack) { open_server_opts(m, sack, 0); }

static void open_server(mpt *m) { open_server_sack(m, 0); }

static const mptcp_addr client_a2 = {{MPTCP_AF_INET, {10, 0, 0, 3}}, 0};

/* An open connection (the stack the client) and the stack's join SYN from
 * 10.0.0.3 (ID 1, a new address): token of the peer's key, a nonce, no
 * backup flag. */
static tseg client_join_syn(mpt *m) {
  const mptcp_addr *from = &client_a2;
  open_client(m);
  ck_assert_int_eq(
      mptcp_conn_add_subflow(m->p.conn, from, &m->p.them, 0, m->p.now), 1);
  m->p.any_tuple = 1;
  tseg js;
  ck_assert(tpeer_recv(&m->p, &js));
  ck_assert_uint_eq(js.flags, MPTCP_TH_SYN);
  ck_assert(mptcp_ipaddr_equal(&js.src.ip, &from->ip));
  ck_assert(mptcp_ipaddr_equal(&js.dst.ip, &m->p.them.ip));
  ck_assert_uint_eq(js.dst.port, m->p.them.port);
  const mptcp_subopt *j = tseg_mptcp(&js, MPTCP_SUB_JOIN);
  ck_assert_uint_eq(j->u.join.form, MPTCP_JOIN_SYN);
  ck_assert_uint_eq(j->u.join.token, m->peer_token);
  ck_assert_uint_eq(j->u.join.addr_id, 1);
  ck_assert_uint_eq(j->u.join.backup, 0);
  m->nonce = j->u.join.nonce;
  ck_assert_uint_eq(tpeer_counter(&m->p, "MPJoinSynTx"), 1);
  tpeer_expect_none(&m->p);
  return js;
}

/* The peer's SYN/ACK to join SYN @p js, its HMAC right or (@p forge) not. */
static void peer_join_synack(mpt *m, const tseg *js, int forge) {
  uint8_t mac[32];
  join_mac(m->peer_key, m->key, PEER_NONCE, m->nonce, mac);
  if (forge) mac[3] ^= 0x10;
  tseg sa = tseg_make(IRS_JOIN, js->seq + 1, MPTCP_TH_SYN | MPTCP_TH_ACK);
  sa.mss = 1460;
  sa.from = &js->dst;
  sa.to = &js->src;
  mptcp_subopt o =
      join(MPTCP_JOIN_SYNACK, 0, 0, PEER_NONCE, mac, MPTCP_JOIN_TRUNC_SYNACK);
  sa.mptcp[0] = o;
  sa.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &sa), 0);
}

/* The stack's third ACK of join @p js: the leftmost 160 bits of its
 * HMAC, no data. */
static void expect_join_ack(mpt *m, const tseg *js) {
  uint8_t mac[32];
  join_mac(m->key, m->peer_key, m->nonce, PEER_NONCE, mac);
  tseg a;
  ck_assert(tpeer_recv(&m->p, &a));
  ck_assert_uint_eq(a.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(a.seq, js->seq + 1);
  ck_assert_uint_eq(a.ack, IRS_JOIN + 1);
  ck_assert_uint_eq(a.len, 0);
  const mptcp_subopt *j = tseg_mptcp(&a, MPTCP_SUB_JOIN);
  ck_assert_uint_eq(j->u.join.form, MPTCP_JOIN_ACK);
  ck_assert_mem_eq(j->u.join.hmac, mac, MPTCP_JOIN_TRUNC_ACK);
  tpeer_expect_none(&m->p);
}

/* The RST the stack sends for a join it gives up on: MP_TCPRST with
 * @p reason, on that join's 4-tuple. */
static void expect_join_rst(mpt *m, const mptcp_addr *local, uint8_t reason) {
  tseg r;
  ck_assert(tpeer_recv(&m->p, &r));
  ck_assert_uint_eq(r.flags & MPTCP_TH_RST, MPTCP_TH_RST);
  ck_assert(mptcp_ipaddr_equal(&r.src.ip, &local->ip));
  ck_assert_uint_eq(r.src.port, local->port);
  const mptcp_subopt *t = tseg_mptcp(&r, MPTCP_SUB_TCPRST);
  ck_assert_uint_eq(t->u.tcprst.reason, reason);
  tpeer_expect_none(&m->p);
}

/* The peer's ACK of the stack's third ACK on join @p js (a DATA_ACK). */
static void peer_ack_of_join_ack(mpt *m, const tseg *js) {
  tseg ack = tseg_make(IRS_JOIN + 1, js->seq + 1, MPTCP_TH_ACK);
  ack.from = &js->dst;
  ack.to = &js->src;
  ack.mptcp[0] = data_ack(m->idsn + 1);
  ack.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &ack), 0);
}

/* Nothing more is sent and subflow 1 is joined (an event said so). */
static mptcp_subflow_info joined(mpt *m) {
  tpeer_expect_none(&m->p);
  ck_assert_uint_eq(tpeer_events(&m->p) & MPTCP_EV_SUBFLOW, MPTCP_EV_SUBFLOW);
  mptcp_subflow_info si;
  ck_assert_int_eq(mptcp_conn_get_subflow(m->p.conn, 1, &si), 0);
  ck_assert_uint_eq(si.joined, 1);
  return si;
}

/* A failed join left the connection as it was. */
static void still_mptcp(mpt *m) {
  mptcp_conn_info ci;
  mptcp_conn_get_info(m->p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_ESTABLISHED);
  ck_assert_uint_eq(ci.mptcp, 1);
  tpeer_fini(&m->p);
}

/* 1. The stack joins: SYN with token and nonce, the peer's SYN/ACK HMAC
 * checked, the third ACK with 160 bits of HMAC, sent again at the
 * retransmission timeout until the peer acknowledges it; then the subflow
 * is joined. */
START_TEST(test_mptrace_join_client) {
  mpt m;
  tseg js = client_join_syn(&m);
  peer_join_synack(&m, &js, 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPJoinSynAckRx"), 1);
  expect_join_ack(&m, &js);
  /* Not acknowledged: it goes again at the timeout, the same. */
  mptcp_tstamp rto = tpeer_expiry(&m.p);
  ck_assert_uint_gt(rto, m.p.now);
  tpeer_time(&m.p, rto);
  expect_join_ack(&m, &js);
  mptcp_subflow_info si;
  ck_assert_int_eq(mptcp_conn_get_subflow(m.p.conn, 1, &si), 0);
  ck_assert_uint_eq(si.joined, 0); /* no data before the ACK of it */
  /* The peer acknowledges it: joined. */
  peer_ack_of_join_ack(&m, &js);
  si = joined(&m);
  ck_assert_uint_eq(si.local_id, 1);
  ck_assert_uint_eq(si.remote_id, 0);
  tpeer_fini(&m.p);
}
END_TEST

/* 1b. The peer's ACK of the third ACK arrives after the retransmission
 * timer fired but before the third ACK went again: it still counts (the
 * ACK answers the third ACK the peer got), nothing more is sent. */
START_TEST(test_mptrace_join_client_ack_after_rto) {
  mpt m;
  tseg js = client_join_syn(&m);
  peer_join_synack(&m, &js, 0);
  expect_join_ack(&m, &js);
  tpeer_time(&m.p, tpeer_expiry(&m.p)); /* the timer fires, no output yet */
  peer_ack_of_join_ack(&m, &js);
  mptcp_subflow_info si = joined(&m);
  ck_assert_uint_eq(si.local_id, 1);
  tpeer_fini(&m.p);
}
END_TEST

/* 2. The peer's SYN/ACK carries a wrong HMAC: the stack resets the join
 * with MP_TCPRST "MPTCP-specific error" and counts it; the connection
 * stays. */
START_TEST(test_mptrace_join_client_forged) {
  mpt m;
  tseg js = client_join_syn(&m);
  peer_join_synack(&m, &js, 1);
  expect_join_rst(&m, &js.src, MPTCP_RESET_REASON_MPTCP);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPJoinSynAckHMacFailure"), 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPJoinSynAckRx"), 0);
  still_mptcp(&m);
}
END_TEST

/* The peer's join SYN from @p from to the listening stack. */
static void peer_join_syn(mpt *m, const mptcp_addr *from, uint32_t token);
static tseg expect_join_synack(mpt *m, const mptcp_addr *to);

static const mptcp_addr server_b2 = {{MPTCP_AF_INET, {10, 0, 0, 4}}, 40001};

/* An open connection (the stack the server), the peer's join SYN from
 * 10.0.0.4 and the stack's SYN/ACK to it. */
static tseg server_join(mpt *m) {
  open_server(m);
  peer_join_syn(m, &server_b2, m->token);
  ck_assert_uint_eq(tpeer_counter(&m->p, "MPJoinSynRx"), 1);
  return expect_join_synack(m, &server_b2);
}

static void peer_join_syn(mpt *m, const mptcp_addr *from, uint32_t token) {
  tseg syn = tseg_make(IRS_JOIN, 0, MPTCP_TH_SYN);
  syn.mss = 1460;
  syn.from = from;
  mptcp_subopt o = join(MPTCP_JOIN_SYN, 1, token, PEER_NONCE, NULL, 0);
  syn.mptcp[0] = o;
  syn.n_mptcp = 1;
  m->p.any_tuple = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &syn), 0);
}

/* The stack's SYN/ACK to it: ID 0 (the address the connection began on),
 * a nonce, the leftmost 64 bits of its HMAC. Returns it. */
static tseg expect_join_synack(mpt *m, const mptcp_addr *to) {
  tseg sa;
  ck_assert(tpeer_recv(&m->p, &sa));
  ck_assert_uint_eq(sa.flags, MPTCP_TH_SYN | MPTCP_TH_ACK);
  ck_assert_uint_eq(sa.ack, IRS_JOIN + 1);
  ck_assert(mptcp_ipaddr_equal(&sa.dst.ip, &to->ip));
  ck_assert_uint_eq(sa.dst.port, to->port);
  const mptcp_subopt *j = tseg_mptcp(&sa, MPTCP_SUB_JOIN);
  ck_assert_uint_eq(j->u.join.form, MPTCP_JOIN_SYNACK);
  ck_assert_uint_eq(j->u.join.addr_id, 0);
  m->nonce = j->u.join.nonce;
  uint8_t mac[32];
  join_mac(m->key, m->peer_key, m->nonce, PEER_NONCE, mac);
  ck_assert_mem_eq(j->u.join.hmac, mac, MPTCP_JOIN_TRUNC_SYNACK);
  tpeer_expect_none(&m->p);
  return sa;
}

/* The peer's third ACK of the join, its HMAC right or (@p forge) not. */
static void peer_join_ack(mpt *m, const mptcp_addr *from, const tseg *sa,
                          int forge) {
  uint8_t mac[32];
  join_mac(m->peer_key, m->key, PEER_NONCE, m->nonce, mac);
  if (forge) mac[19] ^= 0x01; /* the last byte sent */
  tseg a = tseg_make(IRS_JOIN + 1, sa->seq + 1, MPTCP_TH_ACK);
  a.from = from;
  mptcp_subopt o = join(MPTCP_JOIN_ACK, 0, 0, 0, mac, MPTCP_JOIN_TRUNC_ACK);
  a.mptcp[0] = o;
  a.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &a), 0);
}

/* 3. The peer joins the listening stack: the SYN's token finds the
 * connection, the SYN/ACK's HMAC is right, the third ACK's HMAC is
 * checked and acknowledged at once (§3.2). */
START_TEST(test_mptrace_join_server) {
  mpt m;
  const mptcp_addr b2 = server_b2;
  tseg sa = server_join(&m);
  peer_join_ack(&m, &b2, &sa, 0);
  tseg a;
  ck_assert(tpeer_recv(&m.p, &a));
  ck_assert_uint_eq(a.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(a.seq, sa.seq + 1);
  ck_assert_uint_eq(a.ack, IRS_JOIN + 1);
  ck_assert_uint_eq(a.dst.port, b2.port);
  const mptcp_subopt *d = tseg_mptcp(&a, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_A, MPTCP_DSS_A);
  ck_assert_uint_eq(joined(&m).remote_id, 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPJoinAckRx"), 1);
  tpeer_fini(&m.p);
}
END_TEST

/* 4. A third ACK with a forged HMAC: RST with MP_TCPRST "MPTCP-specific
 * error", counted; a join SYN with an unknown token: RST, counted. The
 * connection stays. */
START_TEST(test_mptrace_join_server_forged) {
  mpt m;
  const mptcp_addr b2 = server_b2;
  tseg sa = server_join(&m);
  peer_join_ack(&m, &b2, &sa, 1);
  expect_join_rst(&m, &sa.src, MPTCP_RESET_REASON_MPTCP);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPJoinAckHMacFailure"), 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPJoinAckRx"), 0);
  const mptcp_addr b3 = {{MPTCP_AF_INET, {10, 0, 0, 5}}, 40002};
  peer_join_syn(&m, &b3, m.token ^ 1u);
  tseg r;
  ck_assert(tpeer_recv(&m.p, &r));
  ck_assert_uint_eq(r.flags & MPTCP_TH_RST, MPTCP_TH_RST);
  ck_assert_uint_eq(r.dst.port, b3.port);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPJoinNoTokenFound"), 1);
  still_mptcp(&m);
}
END_TEST

/* 5. Data without a DSS on the first subflow after a join was
 * established (the peer never sent a DSS there: its third ACK had
 * MP_CAPABLE only): §3.7's fallback is for the first subflow before any
 * other exists. The connection stays MPTCP on the join; the first
 * subflow, whose path lost the options, is reset with MP_TCPRST
 * "middlebox interference", counted. _i = 1: the same before the join:
 * the connection falls back and the join under way is reset. */
START_TEST(test_mptrace_no_dss_after_join) {
  mpt m;
  const mptcp_addr b2 = server_b2;
  tseg sa = server_join(&m);
  if (_i == 0) {
    peer_join_ack(&m, &b2, &sa, 0);
    tseg a;
    ck_assert(tpeer_recv(&m.p, &a)); /* the ACK of the third ACK */
    joined(&m);
  }
  uint8_t d[100];
  memset(d, 0x5a, sizeof d);
  tseg g = tseg_make(IRS + 1, m.p.iss + 1, MPTCP_TH_ACK | MPTCP_TH_PSH);
  g.data = d;
  g.len = sizeof d;
  ck_assert_int_eq(tpeer_send(&m.p, &g), 0);
  mptcp_conn_info ci;
  mptcp_conn_get_info(m.p.conn, &ci);
  if (_i == 0) {
    expect_join_rst(&m, &m.p.us, MPTCP_RESET_REASON_MIDDLEBOX);
    ck_assert_uint_eq(tpeer_counter(&m.p, "MPNoDSSReset"), 1);
    ck_assert_uint_eq(tpeer_counter(&m.p, "MPFallbackNoDSS"), 0);
    ck_assert_uint_eq(ci.mptcp, 1);
    ck_assert_uint_eq(ci.fallback, 0);
    mptcp_subflow_info si;
    ck_assert_int_eq(mptcp_conn_get_subflow(m.p.conn, 1, &si), 0);
    ck_assert_uint_eq(si.joined, 1);
    ck_assert_uint_eq(si.state, MPTCP_TCP_ESTABLISHED);
  } else {
    tseg r; /* the join under way: a plain reset */
    ck_assert(tpeer_recv(&m.p, &r));
    ck_assert_uint_eq(r.flags & MPTCP_TH_RST, MPTCP_TH_RST);
    ck_assert_uint_eq(r.src.port, sa.src.port);
    ck_assert_uint_eq(tpeer_counter(&m.p, "MPFallbackNoDSS"), 1);
    ck_assert_uint_eq(tpeer_counter(&m.p, "MPNoDSSReset"), 0);
    ck_assert_uint_eq(ci.mptcp, 0);
    ck_assert_uint_eq(ci.fallback, 1);
  }
  tpeer_fini(&m.p);
}
END_TEST

static const mptcp_ipaddr peer_ip2 = {MPTCP_AF_INET, {10, 0, 9, 9}};

static mptcp_subopt add_addr(const mpt *m, uint8_t id, int forge) {
  mptcp_subopt o;
  memset(&o, 0, sizeof o);
  o.subtype = MPTCP_SUB_ADD_ADDR;
  o.u.add_addr.addr_id = id;
  o.u.add_addr.addr = peer_ip2;
  o.u.add_addr.has_hmac = 1;
  ck_assert_int_eq(mptcp_crypto_add_addr_hmac(m->peer_key, m->key, id,
                                              &peer_ip2, 0, &o.u.add_addr.hmac),
                   0);
  if (forge) o.u.add_addr.hmac ^= 1;
  return o;
}

/* The stack's echo of ADD_ADDR @p id: E set, the address, no HMAC. */
static void expect_echo(mpt *m, uint8_t id) {
  tseg e;
  ck_assert(tpeer_recv(&m->p, &e));
  ck_assert_uint_eq(e.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(e.len, 0);
  const mptcp_subopt *a = tseg_mptcp(&e, MPTCP_SUB_ADD_ADDR);
  ck_assert_uint_eq(a->u.add_addr.echo, 1);
  ck_assert_uint_eq(a->u.add_addr.has_hmac, 0);
  ck_assert_uint_eq(a->u.add_addr.has_port, 0);
  ck_assert_uint_eq(a->u.add_addr.addr_id, id);
  ck_assert(mptcp_ipaddr_equal(&a->u.add_addr.addr, &peer_ip2));
  tpeer_expect_none(&m->p);
}

/* 5. ADD_ADDR: echoed and listed; a repeat (our echo lost) is echoed
 * again but listed once; one with a wrong HMAC is counted, neither echoed
 * nor listed. REMOVE_ADDR of it: unlisted, nothing sent. */
START_TEST(test_mptrace_add_remove) {
  mpt m;
  open_client(&m);
  mptcp_subopt o = add_addr(&m, 3, 0);
  send_opt(&m, &o);
  expect_echo(&m, 3);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPAddAddrRx"), 1);
  ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_ADDR, MPTCP_EV_ADDR);
  mptcp_addr got;
  uint8_t id;
  ck_assert_int_eq(mptcp_conn_get_peer_addr(m.p.conn, 0, &got, &id), 0);
  ck_assert(mptcp_ipaddr_equal(&got.ip, &peer_ip2));
  ck_assert_uint_eq(got.port, m.p.them.port);
  ck_assert_uint_eq(id, 3);
  send_opt(&m, &o); /* again */
  expect_echo(&m, 3);
  ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_ADDR, 0);
  ck_assert_int_eq(mptcp_conn_get_peer_addr(m.p.conn, 1, &got, &id),
                   MPTCP_ERR_INVALID_ARG);
  mptcp_subopt bad = add_addr(&m, 4, 1);
  send_opt(&m, &bad);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPAddAddrHMacFailure"), 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPAddAddrRx"), 2);
  ck_assert_int_eq(mptcp_conn_get_peer_addr(m.p.conn, 1, &got, &id),
                   MPTCP_ERR_INVALID_ARG);
  mptcp_subopt rm;
  memset(&rm, 0, sizeof rm);
  rm.subtype = MPTCP_SUB_REMOVE_ADDR;
  rm.u.rm_addr.n = 1;
  rm.u.rm_addr.ids[0] = 3;
  send_opt(&m, &rm);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPRmAddrRx"), 1);
  ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_ADDR, MPTCP_EV_ADDR);
  ck_assert_int_eq(mptcp_conn_get_peer_addr(m.p.conn, 0, &got, &id),
                   MPTCP_ERR_INVALID_ARG);
  tpeer_fini(&m.p);
}
END_TEST

/* 6. MP_PRIO: the peer makes the subflow a backup, then regular again;
 * each change is an event and shows in peer_backup; nothing is sent. */
START_TEST(test_mptrace_prio) {
  mpt m;
  open_client(&m);
  for (int b = 1; b >= 0; b--) {
    mptcp_subopt o;
    memset(&o, 0, sizeof o);
    o.subtype = MPTCP_SUB_PRIO;
    o.u.prio.backup = (uint8_t)b;
    send_opt(&m, &o);
    tpeer_expect_none(&m.p);
    ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_SUBFLOW, MPTCP_EV_SUBFLOW);
    mptcp_subflow_info si;
    ck_assert_int_eq(mptcp_conn_get_subflow(m.p.conn, 0, &si), 0);
    ck_assert_uint_eq(si.peer_backup, (unsigned)b);
    ck_assert_uint_eq(si.backup, 0);
  }
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPPrioRx"), 2);
  tpeer_fini(&m.p);
}
END_TEST

/* ---- DSS mappings over several segments (RFC 8684 §3.3.1) ---- */

static uint8_t dm_data[8000];

/* @p g carries a DSS with the mapping (dsn, ssn, dll), and a DATA_ACK
 * exactly when @p ack. */
static void dm_expect_map(const tseg *g, int ack, uint64_t dsn, uint32_t ssn,
                          uint32_t dll) {
  const mptcp_subopt *d = tseg_mptcp(g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & (MPTCP_DSS_A | MPTCP_DSS_M),
                    MPTCP_DSS_M | (ack ? MPTCP_DSS_A : 0));
  ck_assert_uint_eq(d->u.dss.dsn, dsn);
  ck_assert_uint_eq(d->u.dss.ssn, ssn);
  ck_assert_uint_eq(d->u.dss.dll, dll);
}

/* The stack (a server, no timestamps, MSS 1460) writes @p n bytes; the
 * first segment carries the mapping of all of them and the first DATA_ACK
 * (28 bytes of DSS: 1432 bytes of payload), the others no DSS at all.
 * Returns the stack's SSN base (its ISS + 1). */
static uint32_t dm_write(mpt *m, size_t n) {
  ck_assert_uint_eq(tpeer_events(&m->p) & MPTCP_EV_ACCEPT, 0);
  for (size_t i = 0; i < sizeof dm_data; i++) dm_data[i] = (uint8_t)(i * 13);
  ck_assert_int_eq(mptcp_conn_write(m->p.conn, dm_data, n, m->p.now),
                   (mptcp_ssize)n);
  uint32_t base = m->p.iss + 1, off = 0;
  for (int k = 0; off < n; k++) {
    tseg g;
    ck_assert(tpeer_recv(&m->p, &g));
    ck_assert_uint_eq(g.seq, base + off);
    if (k == 0) {
      dm_expect_map(&g, 1, m->idsn + 1, 1, (uint32_t)n);
      ck_assert_uint_eq(g.len, 1432);
    } else {
      ck_assert_uint_eq(g.n_mptcp, 0); /* inside the mapping: no DSS */
      ck_assert_uint_eq(g.len, n - off < 1460 ? n - off : 1460);
    }
    ck_assert(memcmp(g.data, dm_data + off, g.len) == 0);
    off += g.len;
  }
  tpeer_expect_none(&m->p);
  return base;
}

/* A connection accepted from the peer (SACK if @p sack) writes @p n
 * bytes (dm_write). */
static uint32_t dm_start(mpt *m, int sack, size_t n) {
  open_server_sack(m, sack);
  return dm_write(m, n);
}

/* The peer acknowledges subflow bytes up to @p ack (and the data up to
 * there, all of it being in one mapping from DSN idsn + 1). */
static void dm_ack(mpt *m, uint32_t base, uint32_t ack, const uint32_t *sack,
                   uint8_t nsack) {
  tseg a = tseg_make(IRS + 1, ack, MPTCP_TH_ACK);
  a.mptcp[0] = data_ack(m->idsn + 1 + (ack - base));
  a.n_mptcp = 1;
  a.nsack = nsack;
  for (uint8_t i = 0; i < nsack; i++) {
    a.sack[i][0] = sack[2 * i];
    a.sack[i][1] = sack[2 * i + 1];
  }
  ck_assert_int_eq(tpeer_send(&m->p, &a), 0);
}

START_TEST(test_mptrace_dss_map_run) {
  mpt m;
  uint32_t base = dm_start(&m, 0, 5000); /* 1432 + 1460 + 1460 + 648 */
  ck_assert_uint_eq(tpeer_counter(&m.p, "TcpOutSegs"), 5); /* SYN/ACK too */
  /* Everything acknowledged: the next write is a mapping of its own, and
   * the DATA_ACK (unchanged: no data from the peer) is not repeated. */
  dm_ack(&m, base, base + 5000, NULL, 0);
  tpeer_expect_none(&m.p);
  ck_assert_int_eq(mptcp_conn_write(m.p.conn, dm_data, 100, m.p.now), 100);
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  dm_expect_map(&g, 0, m.idsn + 1 + 5000, 5001, 100);
  tpeer_fini(&m.p);
}
END_TEST

/* A resend of a middle segment whose mapping the peer has (it
 * acknowledged the first segment): the segment as it was, no DSS. */
START_TEST(test_mptrace_dss_map_resend_middle) {
  mpt m;
  uint32_t base = dm_start(&m, 0, 5000);
  for (int k = 0; k < 4; k++) dm_ack(&m, base, base + 1432, NULL, 0);
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g)); /* fast retransmit (3 duplicates) */
  ck_assert_uint_eq(g.seq, base + 1432);
  ck_assert_uint_eq(g.len, 1460);
  ck_assert_uint_eq(g.n_mptcp, 0);
  ck_assert(memcmp(g.data, dm_data + 1432, 1460) == 0);
  tpeer_expect_none(&m.p);
  tpeer_fini(&m.p);
}
END_TEST

/* The first segment (with the mapping) and the second are lost; the
 * peer SACKs the other three. The resend from the first byte carries the
 * mapping as it was sent, the one after it none: the peer gets the
 * mapping with the first (or holds the bytes until it comes). */
START_TEST(test_mptrace_dss_map_resend_lost_first) {
  mpt m;
  uint32_t base = dm_start(&m, 1, 6000); /* 1432 + 3 x 1460 + 188 */
  for (uint32_t k = 1; k <= 3; k++) {
    uint32_t sack[2] = {base + 2892, base + 2892 + 1460 * k};
    if (k == 3) sack[1] = base + 6000;
    dm_ack(&m, base, base, sack, 1);
  }
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  ck_assert_uint_eq(g.seq, base);
  dm_expect_map(&g, 0, m.idsn + 1, 1, 6000); /* the mapping as first sent */
  /* Resegmented: MSS less the 20-byte mapping (no DATA_ACK news). */
  ck_assert_uint_eq(g.len, 1440);
  ck_assert(memcmp(g.data, dm_data, 1440) == 0);
  ck_assert(tpeer_recv(&m.p, &g));
  ck_assert_uint_eq(g.seq, base + 1440);
  ck_assert_uint_eq(g.len, 2892 - 1440);
  ck_assert_uint_eq(g.n_mptcp, 0);
  tpeer_expect_none(&m.p);
  tpeer_fini(&m.p);
}
END_TEST

/* A timeout after the first segment was acknowledged: the resend from
 * the middle of the mapping carries it (SACK information is forgotten),
 * so it takes 20 bytes less, and the rest of the segment follows. */
START_TEST(test_mptrace_dss_map_rto_middle) {
  mpt m;
  uint32_t base = dm_start(&m, 0, 5000);
  dm_ack(&m, base, base + 1432, NULL, 0);
  tpeer_expect_none(&m.p);
  tpeer_time(&m.p, tpeer_expiry(&m.p));
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  ck_assert_uint_eq(g.seq, base + 1432);
  /* The mapping as first sent; no DATA_ACK (no news). */
  dm_expect_map(&g, 0, m.idsn + 1, 1, 5000);
  ck_assert_uint_eq(g.len, 1440);
  ck_assert(memcmp(g.data, dm_data + 1432, 1440) == 0);
  ck_assert(tpeer_recv(&m.p, &g)); /* the rest of that segment */
  ck_assert_uint_eq(g.seq, base + 1432 + 1440);
  ck_assert_uint_eq(g.len, 20);
  ck_assert_uint_eq(g.n_mptcp, 0);
  tpeer_expect_none(&m.p);
  tpeer_fini(&m.p);
}
END_TEST

/* The peer acknowledges, with DATA_ACK @p dack (relative to our IDSN + 1),
 * every subflow byte the stack sent; returns how many were new. */
static uint32_t ack_all_dack(mpt *m, uint32_t *acked, uint64_t dack) {
  uint32_t got = 0;
  tseg g;
  while (tpeer_recv(&m->p, &g)) {
    if (g.seq + g.len - *acked < UINT32_MAX / 2 && g.seq + g.len != *acked) {
      got += g.seq + g.len - *acked;
      *acked = g.seq + g.len;
    }
  }
  tseg a = tseg_make(IRS + 1, *acked, MPTCP_TH_ACK);
  a.mptcp[0] = data_ack(m->idsn + 1 + dack);
  a.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &a), 0);
  return got;
}

/* The peer acknowledges the 5000 bytes at subflow level, but its DATA_ACK
 * stays where it was: it dropped them above TCP (Linux drops a segment it
 * takes for old and counts DuplicateData). No subflow timer would send
 * them again; after the connection's timeout they go again as a new
 * mapping of the same DSNs, and not before. Once DATA_ACKed, no more. */
START_TEST(test_mptrace_data_ack_stuck_resend) {
  mpt m;
  uint32_t base = dm_start(&m, 0, 5000), acked = base + 5000;
  ack_all_dack(&m, &acked, 0); /* (dm_start took every segment) */
  tpeer_expect_none(&m.p);
  mptcp_tstamp at = tpeer_expiry(&m.p);
  ck_assert(at != MPTCP_TSTAMP_NONE);
  tpeer_time(&m.p, at - 1);
  tpeer_expect_none(&m.p);
  tpeer_time(&m.p, at);
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  ck_assert_uint_eq(g.seq, base + 5000);
  const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_ptr_nonnull(d);
  ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_M, MPTCP_DSS_M);
  ck_assert_uint_eq(d->u.dss.dsn, m.idsn + 1);
  ck_assert_uint_eq(d->u.dss.ssn, 5001);
  ck_assert(memcmp(g.data, dm_data, g.len) == 0);
  uint32_t sent = g.len;
  acked = g.seq + g.len;
  sent += ack_all_dack(&m, &acked, 0);
  while (sent < 5000) sent += ack_all_dack(&m, &acked, 0);
  ck_assert_uint_eq(sent, 5000);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataRetrans"), 1);
  /* All DATA_ACKed now: nothing more, and no timer left for it. */
  ack_all_dack(&m, &acked, 5000);
  tpeer_expect_none(&m.p);
  for (int k = 0; k < 3 && tpeer_expiry(&m.p) != MPTCP_TSTAMP_NONE; k++)
    tpeer_time(&m.p, tpeer_expiry(&m.p));
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataRetrans"), 1);
  ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_TIMEOUT, 0);
  tpeer_fini(&m.p);
}
END_TEST

/* A peer that acknowledges every resend at subflow level and never
 * DATA_ACKs: after max_retries resends, each after twice the wait of the
 * one before (up to rto_max), the connection times out. */
START_TEST(test_mptrace_data_ack_stuck_give_up) {
  mpt m;
  uint32_t base = dm_start(&m, 0, 5000), acked = base + 5000;
  ack_all_dack(&m, &acked, 0); /* (dm_start took every segment) */
  mptcp_tstamp prev = m.p.now, wait = 0;
  unsigned resends = 0;
  while (!(tpeer_events(&m.p) & MPTCP_EV_TIMEOUT)) {
    mptcp_tstamp at = tpeer_expiry(&m.p);
    ck_assert(at != MPTCP_TSTAMP_NONE);
    uint64_t before = tpeer_counter(&m.p, "MPDataRetrans");
    tpeer_time(&m.p, at);
    uint32_t got = ack_all_dack(&m, &acked, 0);
    if (tpeer_counter(&m.p, "MPDataRetrans") == before) continue;
    ck_assert_uint_gt(got, 0);
    /* Each wait at least doubles the one before (or stays at the cap). */
    ck_assert_uint_ge(at - prev, wait);
    wait = at - prev;
    prev = at;
    resends++;
    ck_assert_uint_le(resends, 15);
  }
  ck_assert_uint_eq(resends, 15); /* the default max_retries */
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataRetransTimeout"), 1);
  tpeer_fini(&m.p);
}
END_TEST

/* The peer's data: one mapping of three 1000-byte segments, carried by
 * the first; the second and third arrive before it. They are held (not
 * acknowledged: their mapping is unknown) and taken when it comes. */
START_TEST(test_mptrace_dss_map_rx_before_mapping) {
  for (int order = 0; order < 2; order++) {
    mpt m;
    open_server(&m);
    ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_ACCEPT, 0);
    uint8_t d[3000], got[3000];
    for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i * 7 + 1);
    const int seq_in[2][3] = {{0, 1, 2}, {2, 1, 0}};
    for (int k = 0; k < 3; k++) {
      int i = seq_in[order][k];
      tseg g = tseg_make(IRS + 1 + 1000 * (uint32_t)i, m.p.iss + 1,
                         MPTCP_TH_ACK | MPTCP_TH_PSH);
      g.data = d + 1000 * i;
      g.len = 1000;
      if (i == 0) { /* the mapping, on the first segment only */
        mptcp_subopt o = data_ack(m.idsn + 1);
        o.u.dss.flags |= MPTCP_DSS_M | MPTCP_DSS_m;
        o.u.dss.dsn = m.peer_idsn + 1;
        o.u.dss.ssn = 1;
        o.u.dss.dll = 3000;
        g.mptcp[0] = o;
        g.n_mptcp = 1;
      }
      ck_assert_int_eq(tpeer_send(&m.p, &g), 0);
      tseg a;
      if (order == 1 && k < 2) {
        /* Held, not acknowledged: a duplicate ACK. */
        ck_assert(tpeer_recv(&m.p, &a));
        ck_assert_uint_eq(a.ack, IRS + 1);
        ck_assert_int_eq(mptcp_conn_read(m.p.conn, got, sizeof got, m.p.now),
                         0);
      }
    }
    /* In order: one delayed ACK is due; out of order: at once. */
    if (order == 0) tpeer_time(&m.p, tpeer_expiry(&m.p));
    tseg a;
    ck_assert(tpeer_recv(&m.p, &a));
    ck_assert_uint_eq(a.ack, IRS + 1 + 3000);
    const mptcp_subopt *o = tseg_mptcp(&a, MPTCP_SUB_DSS);
    ck_assert_uint_eq(o->u.dss.flags & MPTCP_DSS_A, MPTCP_DSS_A);
    ck_assert_uint_eq(o->u.dss.data_ack, m.peer_idsn + 1 + 3000);
    tpeer_expect_none(&m.p);
    ck_assert_int_eq(mptcp_conn_read(m.p.conn, got, sizeof got, m.p.now), 3000);
    ck_assert(memcmp(got, d, sizeof d) == 0);
    ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSNoMapping"), order ? 2 : 0);
    tpeer_fini(&m.p);
  }
}
END_TEST

/* A segment of @p len bytes at relative subflow byte @p ssn from the peer,
 * with its mapping of DSN @p dsn (relative to its IDSN + 1) at subflow
 * bytes [map_ssn, map_ssn + dll) if @p with_map; with checksums the
 * mapping's bytes are @p all (NULL: no checksum field), spoiled if @p bad. */
static void rx_seg(mpt *m, uint32_t ssn, const uint8_t *d, uint32_t len,
                   int with_map, uint32_t map_ssn, uint64_t dsn, uint32_t dll,
                   const uint8_t *all, int bad);

/* The subflow a segment goes on: the peer's address (NULL: the first
 * subflow's), its ISN and what it acknowledges. */
typedef struct on_sf {
  const mptcp_addr *from;
  uint32_t irs, ack;
} on_sf;

/* rx_seg() on subflow @p sf. */
static void rx_seg_on(mpt *m, const on_sf *sf, uint32_t ssn, const uint8_t *d,
                      uint32_t len, int with_map, uint32_t map_ssn,
                      uint64_t dsn, uint32_t dll, const uint8_t *all, int bad) {
  tseg g = tseg_make(sf->irs + ssn, sf->ack, MPTCP_TH_ACK | MPTCP_TH_PSH);
  g.from = sf->from;
  g.data = d;
  g.len = len;
  if (with_map) {
    mptcp_subopt o = data_ack(m->idsn + 1);
    o.u.dss.flags |= MPTCP_DSS_M | MPTCP_DSS_m;
    o.u.dss.dsn = m->peer_idsn + 1 + dsn;
    o.u.dss.ssn = map_ssn;
    o.u.dss.dll = (uint16_t)dll;
    if (all) {
      o.u.dss.has_csum = 1;
      o.u.dss.csum = (uint16_t)(mptcp_dss_csum(o.u.dss.dsn, map_ssn,
                                               (uint16_t)dll, all, dll) ^
                                (bad ? 0x0101 : 0));
    }
    g.mptcp[0] = o;
    g.n_mptcp = 1;
  }
  ck_assert_int_eq(tpeer_send(&m->p, &g), 0);
}

static void rx_seg(mpt *m, uint32_t ssn, const uint8_t *d, uint32_t len,
                   int with_map, uint32_t map_ssn, uint64_t dsn, uint32_t dll,
                   const uint8_t *all, int bad) {
  const on_sf first = {NULL, IRS, m->p.iss + 1};
  rx_seg_on(m, &first, ssn, d, len, with_map, map_ssn, dsn, dll, all, bad);
}

/* The peer's mapping of DSN @p dsn (relative to its IDSN + 1) at subflow
 * bytes [ssn, ssn + dll) (relative), on a segment of @p len bytes there. */
static void rx_map_seg(mpt *m, uint32_t ssn, uint32_t len, uint64_t dsn,
                       uint32_t dll, const uint8_t *d, int with_map) {
  rx_seg(m, ssn, d, len, with_map, ssn, dsn, dll, NULL, 0);
}

/* The peer's bytes [51, 151) come first, without their mapping (held);
 * then [1, 51) with the mapping of all 150 and a FIN at 51: a peer bug,
 * its FIN sits where it sent bytes. The bytes win, as in plain TCP: the
 * FIN is not taken (its sequence number would be a hole in the mapping,
 * delivered as whatever the ring held there, and the held bytes would be
 * taken past it), all 150 bytes are delivered, and the FIN counts when it
 * comes again after them. With and without checksums. */
START_TEST(test_mptrace_fin_inside_held_mapping) {
  for (int csum = 0; csum < 2; csum++) {
    mpt m;
    open_server_opts(&m, 0, csum);
    uint8_t d[150], got[200];
    for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i * 11 + 3);
    rx_seg(&m, 51, d + 50, 100, 0, 0, 0, 0, NULL, 0);
    tseg a;
    ck_assert(tpeer_recv(&m.p, &a)); /* held, not acknowledged */
    ck_assert_uint_eq(a.ack, IRS + 1);
    tseg g = tseg_make(IRS + 1, m.p.iss + 1,
                       MPTCP_TH_ACK | MPTCP_TH_PSH | MPTCP_TH_FIN);
    g.data = d;
    g.len = 50;
    mptcp_subopt o = data_ack(m.idsn + 1);
    o.u.dss.flags |= MPTCP_DSS_M | MPTCP_DSS_m;
    o.u.dss.dsn = m.peer_idsn + 1;
    o.u.dss.ssn = 1;
    o.u.dss.dll = sizeof d;
    if (csum) {
      o.u.dss.has_csum = 1;
      o.u.dss.csum = mptcp_dss_csum(o.u.dss.dsn, 1, sizeof d, d, sizeof d);
    }
    g.mptcp[0] = o;
    g.n_mptcp = 1;
    ck_assert_int_eq(tpeer_send(&m.p, &g), 0);
    ck_assert(tpeer_recv(&m.p, &a));
    ck_assert_uint_eq(a.ack, IRS + 1 + sizeof d); /* no FIN taken */
    const mptcp_subopt *k = tseg_mptcp(&a, MPTCP_SUB_DSS);
    ck_assert_uint_eq(k->u.dss.data_ack, m.peer_idsn + 1 + sizeof d);
    tpeer_expect_none(&m.p);
    ck_assert_int_eq(mptcp_conn_read(m.p.conn, got, sizeof got, m.p.now),
                     (mptcp_ssize)sizeof d);
    ck_assert(memcmp(got, d, sizeof d) == 0);
    ck_assert_uint_eq(tpeer_counter(&m.p, "DataCsumErr"), 0);
    /* The FIN again, after the bytes: taken. */
    g = tseg_make(IRS + 1 + sizeof d, m.p.iss + 1, MPTCP_TH_ACK | MPTCP_TH_FIN);
    ck_assert_int_eq(tpeer_send(&m.p, &g), 0);
    ck_assert(tpeer_recv(&m.p, &a));
    ck_assert_uint_eq(a.ack, IRS + 2 + sizeof d);
    tpeer_fini(&m.p);
  }
}
END_TEST

/* The receive-mapping table full behind a hole, its furthest mapping
 * covering two segments of which only the first (with the mapping) came:
 * the hole's own mapping must not push that one out (the second segment
 * comes without a DSS, and the peer, which saw the first acknowledged,
 * sends none with it again). A mapping whose bytes are all placed goes
 * instead, and every byte is delivered. */
START_TEST(test_mptrace_dss_map_rx_full_keeps_incomplete) {
  enum { SEG = 100, N = MPTCP_RXMAPS_MAX + 1 };
  mpt m;
  open_server(&m);
  ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_ACCEPT, 0);
  /* Mapping i (0..N-1) covers subflow bytes 1 + SEG * i on (the last one
   * 2 * SEG); the DSNs run the other way, so that no two mappings continue
   * each other in both spaces (they would merge into one entry). */
  const uint32_t total = SEG * (N + 1);
  static uint8_t d[SEG * (MPTCP_RXMAPS_MAX + 2)], got[sizeof d];
  for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i * 11 + 3);
  uint64_t dsn_of[N];
  uint64_t at = 0;
  for (int i = N - 1; i >= 0; i--) {
    dsn_of[i] = at;
    at += i == N - 1 ? 2 * SEG : SEG;
  }
  /* Subflow byte s of mapping i carries data byte dsn_of[i] + (s - ssn). */
  uint8_t seg[SEG];
#define RX_SEG(i, part, map)                                                   \
  do {                                                                         \
    for (int b = 0; b < SEG; b++)                                              \
      seg[b] = d[dsn_of[i] + (uint64_t)(part)*SEG + (uint64_t)b];              \
    rx_map_seg(&m, 1 + SEG * (uint32_t)(i) + SEG * (uint32_t)(part), SEG,      \
               dsn_of[i], (i) == N - 1 ? 2 * SEG : SEG, seg, map);             \
  } while (0)
  /* Mappings 1 .. N-1 (the last one's first segment only): the table is
   * full; mapping 0 (the subflow's next bytes) is the hole. */
  for (int i = 1; i < N; i++) RX_SEG(i, 0, 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSMappingsFull"), 0);
  tseg a;
  while (tpeer_recv(&m.p, &a)) ck_assert_uint_eq(a.ack, IRS + 1);
  RX_SEG(0, 0, 1); /* the hole fills */
  while (tpeer_recv(&m.p, &a)) ck_assert_uint_eq(a.ack, IRS + 1 + SEG * N);
  RX_SEG(N - 1, 1, 0); /* the rest of the last mapping, without DSS */
  tpeer_time(&m.p, tpeer_expiry(&m.p));
  ck_assert(tpeer_recv(&m.p, &a));
  ck_assert_uint_eq(a.ack, IRS + 1 + total);
  ck_assert_int_eq(mptcp_conn_read(m.p.conn, got, sizeof got, m.p.now),
                   (mptcp_ssize)total);
  ck_assert(memcmp(got, d, total) == 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSNoMapping"), 0);
#undef RX_SEG
  tpeer_fini(&m.p);
}
END_TEST

/* The last ACK the stack sends now (after its delayed ACK timer). */
static uint32_t last_ack(mpt *m) {
  tseg a;
  uint32_t ack = 0;
  mptcp_tstamp due = tpeer_expiry(&m->p); /* the delayed ACK, if any */
  if (due != MPTCP_TSTAMP_NONE) tpeer_time(&m->p, due);
  while (tpeer_recv(&m->p, &a)) ack = a.ack;
  return ack;
}

/* With DSS checksums, the table full of mappings over two segments ahead
 * of a hole: all but the furthest complete, the furthest waiting for its
 * second segment (without DSS). The hole's mapping must get in (a full
 * table that gives nothing up drops it for ever: checksummed bytes used
 * to count as placed only once their mapping completed in order), and not
 * at the cost of the incomplete mapping (its second segment could then
 * never be placed). Every byte is delivered. */
START_TEST(test_mptrace_dss_map_rx_full_csum) {
  enum { SEG = 100, MAP = 2 * SEG, N = MPTCP_RXMAPS_MAX + 1 };
  mpt m;
  open_server_opts(&m, 0, 1);
  /* Mapping i (0..N-1) covers subflow bytes 1 + MAP * i on; the DSNs run
   * the other way (as in test_mptrace_dss_map_rx_full_keeps_incomplete). */
  const uint32_t total = MAP * N;
  static uint8_t d[MAP * N], got[MAP * N + 1];
  for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i * 13 + 5);
#define DSN_OF(i) ((uint64_t)MAP * (uint64_t)(N - 1 - (i)))
#define RX_SEG(i, part)                                                        \
  rx_seg(&m, 1 + MAP * (uint32_t)(i) + SEG * (uint32_t)(part),                 \
         d + DSN_OF(i) + SEG * (uint32_t)(part), SEG, (part) == 0,             \
         1 + MAP * (uint32_t)(i), DSN_OF(i), MAP, d + DSN_OF(i), 0)
  for (int i = 1; i < N - 1; i++) {
    RX_SEG(i, 0);
    RX_SEG(i, 1);
  }
  RX_SEG(N - 1, 0); /* the table is full */
  ck_assert_uint_eq(last_ack(&m), IRS + 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSMappingsFull"), 0);
  RX_SEG(0, 0); /* the hole fills */
  ck_assert_uint_eq(last_ack(&m), IRS + 1 + SEG);
  RX_SEG(0, 1);
  ck_assert_uint_eq(last_ack(&m), IRS + 1 + MAP * (N - 1) + SEG);
  RX_SEG(N - 1, 1); /* the furthest mapping's second segment, no DSS */
  ck_assert_uint_eq(last_ack(&m), IRS + 1 + total);
  ck_assert_int_eq(mptcp_conn_read(m.p.conn, got, sizeof got, m.p.now),
                   (mptcp_ssize)total);
  ck_assert(memcmp(got, d, total) == 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSMappingsFull"), 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSNoMapping"), 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "DataCsumErr"), 0);
  /* Mappings 1 .. N-2 were checked ahead of the hole; one of them made
   * room for mapping 0. */
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSCsumAhead"), N - 2);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSMappingsEvicted"), 1);
#undef RX_SEG
#undef DSN_OF
  tpeer_fini(&m.p);
}
END_TEST

/* The MPTCP option of @p subtype on @p g, if any. */
static const mptcp_subopt *find_sub(const tseg *g, uint8_t subtype) {
  for (int i = 0; i < g->n_mptcp; i++)
    if (g->mptcp[i].subtype == subtype) return &g->mptcp[i];
  return NULL;
}

/* A checksum that fails ahead of a hole acts only once the subflow gets
 * there (§3.7): the hole's bytes are delivered, MP_FAIL names the failed
 * mapping's DSN (where delivery stops), and a good mapping beyond it,
 * checked ahead, is not delivered. */
START_TEST(test_mptrace_dss_csum_fail_ahead) {
  enum { SEG = 100 };
  mpt m;
  open_server_opts(&m, 0, 1);
  uint8_t d[3 * SEG], got[3 * SEG];
  for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i * 7 + 1);
  rx_seg(&m, 1 + SEG, d + SEG, SEG, 1, 1 + SEG, SEG, SEG, d + SEG, 1);
  rx_seg(&m, 1 + 2 * SEG, d + 2 * SEG, SEG, 1, 1 + 2 * SEG, 2 * SEG, SEG,
         d + 2 * SEG, 0);
  tseg a;
  tpeer_time(&m.p, tpeer_expiry(&m.p));
  while (tpeer_recv(&m.p, &a)) {
    ck_assert_uint_eq(a.ack, IRS + 1);
    ck_assert_ptr_null(find_sub(&a, MPTCP_SUB_FAIL));
  }
  ck_assert_uint_eq(tpeer_counter(&m.p, "DataCsumErr"), 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSCsumAhead"), 1);
  rx_seg(&m, 1, d, SEG, 1, 1, 0, SEG, d, 0); /* the hole */
  int fails = 0;
  while (tpeer_recv(&m.p, &a)) {
    const mptcp_subopt *f = find_sub(&a, MPTCP_SUB_FAIL);
    if (!f) continue;
    fails++;
    ck_assert_uint_eq(f->u.fail_dsn, m.peer_idsn + 1 + SEG);
  }
  ck_assert_int_eq(fails, 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "DataCsumErr"), 1);
  ck_assert_int_eq(mptcp_conn_read(m.p.conn, got, sizeof got, m.p.now), SEG);
  ck_assert(memcmp(got, d, SEG) == 0);
  tpeer_fini(&m.p);
}
END_TEST

/* The stack serves a connection (DSS checksums if @p csum) that the peer
 * joined from server_b2; *j is that join. */
static void dup_open(mpt *m, int csum, on_sf *j) {
  open_server_opts(m, 0, csum);
  peer_join_syn(m, &server_b2, m->token);
  tseg sa = expect_join_synack(m, &server_b2);
  peer_join_ack(m, &server_b2, &sa, 0);
  tseg a;
  ck_assert(tpeer_recv(&m->p, &a));
  ck_assert_uint_eq(a.dst.port, server_b2.port);
  ck_assert_uint_eq(tpeer_counter(&m->p, "MPJoinAckRx"), 1);
  j->from = &server_b2;
  j->irs = IRS_JOIN;
  j->ack = sa.seq + 1;
}

/* What the stack sends now (after its delayed ACK): how many RSTs with
 * MP_FAIL went to server_b2 (*dsn: the last one's DSN) and how many
 * MP_FAILs on other segments (*acks_fail). Returns the last ACK number on
 * the first subflow. */
static uint32_t drain(mpt *m, int *rst_fail, int *acks_fail, uint64_t *dsn) {
  tseg a;
  uint32_t ack = 0;
  int got = 0;
  for (int round = 0; round < 2 && !got; round++) {
    /* What is due now, else what the next timer (a delayed ACK) sends. */
    mptcp_tstamp due = tpeer_expiry(&m->p);
    if (round && due != MPTCP_TSTAMP_NONE) tpeer_time(&m->p, due);
    while (tpeer_recv(&m->p, &a)) {
      got = 1;
      const mptcp_subopt *f = find_sub(&a, MPTCP_SUB_FAIL);
      if (f) *dsn = f->u.fail_dsn;
      if (a.flags & MPTCP_TH_RST) {
        ck_assert_uint_eq(a.dst.port, server_b2.port);
        if (f) ++*rst_fail;
      } else {
        if (f) ++*acks_fail;
        if (a.dst.port != server_b2.port) ack = a.ack;
      }
    }
  }
  return ack;
}

/* Two copies of connection bytes [0, 2 DUP_SEG) (d), the second one on
 * the join, damaged (bad: a copy of d from bad_from with one byte
 * flipped). */
enum { DUP_SEG = 100 };
typedef struct dupt {
  mpt m;
  on_sf j;
  uint8_t d[2 * DUP_SEG], bad[DUP_SEG], got[2 * DUP_SEG + 1];
} dupt;

static void dup_start(dupt *t, int csum, size_t bad_from, size_t flip) {
  dup_open(&t->m, csum, &t->j);
  for (size_t i = 0; i < sizeof t->d; i++)
    t->d[i] = (uint8_t)(i * 11 + 3 + bad_from);
  memcpy(t->bad, t->d + bad_from, DUP_SEG);
  t->bad[flip] ^= 0x40;
}

/* The join was reset with MP_FAIL naming DSN @p dsn (relative): one bad
 * checksum, the first subflow untouched. */
static void dup_join_failed(dupt *t, uint64_t dsn) {
  int rst_fail = 0, acks_fail = 0;
  uint64_t fdsn = 0;
  drain(&t->m, &rst_fail, &acks_fail, &fdsn);
  ck_assert_int_eq(rst_fail, 1);
  ck_assert_int_eq(acks_fail, 0);
  ck_assert_uint_eq(fdsn, t->m.peer_idsn + 1 + dsn);
  ck_assert_uint_eq(tpeer_counter(&t->m.p, "DataCsumErr"), 1);
}

/* The app reads exactly the bytes sent, or (@p none) nothing yet. */
static void dup_read(dupt *t, int none) {
  mptcp_ssize n =
      mptcp_conn_read(t->m.p.conn, t->got, sizeof t->got, t->m.p.now);
  if (none) {
    ck_assert_int_lt(n, 1);
    return;
  }
  ck_assert_int_eq(n, 2 * DUP_SEG);
  ck_assert(memcmp(t->got, t->d, 2 * DUP_SEG) == 0);
}

/* Every byte read, @p errs bad checksums in all. */
static void dup_finish(dupt *t, uint64_t errs) {
  dup_read(t, 0);
  ck_assert_uint_eq(tpeer_counter(&t->m.p, "DataCsumErr"), errs);
  tpeer_fini(&t->m.p);
}

/* §3.3.1 with checksums: bytes whose mapping verified are never
 * overwritten. The first subflow brings DSNs [SEG, 2 SEG) ahead of a hole:
 * verified, present, not yet readable. The join brings the same DSNs,
 * damaged on its path (the checksum covers the bytes sent): its mapping
 * fails over its own bytes (RST with MP_FAIL at its DSN, §3.7), and the
 * app reads the first copy. */
START_TEST(test_mptrace_dup_csum_keeps_verified) {
  enum { SEG = DUP_SEG };
  static dupt t;
  dup_start(&t, 1, SEG, SEG / 2);
  const uint8_t *d = t.d;
  rx_seg(&t.m, 1, d + SEG, SEG, 1, 1, SEG, SEG, d + SEG, 0);
  rx_seg_on(&t.m, &t.j, 1, t.bad, SEG, 1, 1, SEG, SEG, d + SEG, 0);
  dup_join_failed(&t, SEG);
  ck_assert_uint_eq(tpeer_counter(&t.m.p, "MPDupDataDiffer"), 1);
  rx_seg(&t.m, 1 + SEG, d, SEG, 1, 1 + SEG, 0, SEG, d, 0); /* the hole */
  dup_finish(&t, 1);
}
END_TEST

/* Both copies unverified: the first subflow's mapping of DSNs [0, 2 SEG)
 * has its first segment in when the join's copy comes, whole, its first
 * segment damaged. The first copy's bytes stay; the join's mapping fails
 * over its own bytes (not the good subflow's: it is not blamed), and once
 * the first subflow's second segment comes its mapping verifies. */
START_TEST(test_mptrace_dup_csum_first_pending_wins) {
  enum { SEG = DUP_SEG };
  static dupt t;
  dup_start(&t, 1, 0, 7);
  const uint8_t *d = t.d;
  rx_seg(&t.m, 1, d, SEG, 1, 1, 0, 2 * SEG, d, 0);
  rx_seg_on(&t.m, &t.j, 1, t.bad, SEG, 1, 1, 0, 2 * SEG, d, 0);
  rx_seg_on(&t.m, &t.j, 1 + SEG, d + SEG, SEG, 0, 0, 0, 0, NULL, 0);
  dup_join_failed(&t, 0);
  ck_assert_uint_eq(tpeer_counter(&t.m.p, "MPDupDataDiffer"), 1);
  rx_seg(&t.m, 1 + SEG, d + SEG, SEG, 0, 0, 0, 0, NULL, 0);
  dup_read(&t, 0);
  ck_assert_uint_eq(tpeer_counter(&t.m.p, "DataCsumErr"), 1);
  int rst_fail = 0, acks_fail = 0;
  uint64_t fdsn = 0;
  drain(&t.m, &rst_fail, &acks_fail, &fdsn);
  ck_assert_int_eq(rst_fail + acks_fail, 0); /* the good path stays */
  tpeer_fini(&t.m.p);
}
END_TEST

/* The damaged copy comes first this time (its first segment), then the
 * first subflow's whole good copy: it verifies over its own bytes, but
 * where the ring holds the other copy it delivers nothing (first placed
 * wins); its own bytes after that count. The damaged mapping fails and
 * resets the join with MP_FAIL at its DSN; the peer's resend from there
 * on the first subflow fills the rest. */
START_TEST(test_mptrace_dup_csum_bad_first) {
  enum { SEG = DUP_SEG };
  static dupt t;
  dup_start(&t, 1, 0, SEG - 1);
  const uint8_t *d = t.d;
  rx_seg_on(&t.m, &t.j, 1, t.bad, SEG, 1, 1, 0, 2 * SEG, d, 0);
  rx_seg(&t.m, 1, d, 2 * SEG, 1, 1, 0, 2 * SEG, d, 0);
  dup_read(&t, 1);
  ck_assert_uint_eq(tpeer_counter(&t.m.p, "MPDupDataDiffer"), 1);
  ck_assert_uint_eq(tpeer_counter(&t.m.p, "DataCsumErr"), 0);
  rx_seg_on(&t.m, &t.j, 1 + SEG, d + SEG, SEG, 0, 0, 0, 0, NULL, 0);
  dup_join_failed(&t, 0);
  dup_read(&t, 1);
  rx_seg(&t.m, 1 + 2 * SEG, d, 2 * SEG, 1, 1 + 2 * SEG, 0, 2 * SEG, d, 0);
  dup_finish(&t, 1);
}
END_TEST

/* Without checksums a byte counts once placed; a later copy with other
 * bytes (a buggy or hostile peer: §3.3 says copies are equal) changes
 * nothing: the first one placed wins, the difference is counted. */
START_TEST(test_mptrace_dup_plain_first_wins) {
  enum { SEG = DUP_SEG };
  static dupt t;
  dup_start(&t, 0, SEG, 3);
  const uint8_t *d = t.d;
  rx_seg(&t.m, 1, d + SEG, SEG, 1, 1, SEG, SEG, NULL, 0);
  rx_seg_on(&t.m, &t.j, 1, t.bad, SEG, 1, 1, SEG, SEG, NULL, 0);
  ck_assert_uint_eq(tpeer_counter(&t.m.p, "MPDupDataDiffer"), 1);
  ck_assert_uint_eq(tpeer_counter(&t.m.p, "MPDupDataRxBytes"), SEG);
  rx_seg(&t.m, 1 + SEG, d, SEG, 1, 1 + SEG, 0, SEG, NULL, 0); /* the hole */
  dup_finish(&t, 0);
}
END_TEST

/* §3.7 on a single path with the mapping table full of mappings ahead of a
 * hole whose checksums all failed: none is ever valid, so the furthest
 * gives its slot and its bytes up (reneged: never DATA_ACKed nor present)
 * for the hole's mapping. The hole is delivered; the first failure in
 * order sends the one MP_FAIL (at its DSN); the given-up bytes, sent
 * again, are taken in as held after it (nothing waits for ever). */
START_TEST(test_mptrace_csum_fail_ahead_full) {
  enum { SEG = 100, N = MPTCP_RXMAPS_MAX };
  mpt m;
  open_server_opts(&m, 0, 1);
  static uint8_t d[SEG * (N + 1)], got[SEG * (N + 1)];
  for (size_t i = 0; i < sizeof d; i++) d[i] = (uint8_t)(i * 7 + 4);
  for (uint32_t i = 1; i <= N; i++)
    rx_seg(&m, 1 + SEG * i, d + SEG * i, SEG, 1, 1 + SEG * i, SEG * i, SEG,
           d + SEG * i, 1);
  int rst_fail = 0, acks_fail = 0;
  uint64_t fdsn = 0;
  ck_assert_uint_eq(drain(&m, &rst_fail, &acks_fail, &fdsn), IRS + 1);
  ck_assert_int_eq(acks_fail, 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "DataCsumErr"), 0);
  rx_seg(&m, 1, d, SEG, 1, 1, 0, SEG, d, 0); /* the hole */
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSMappingsFull"), 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSCsumReneged"), 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDSSMappingsEvicted"), 1);
  ck_assert_uint_eq(drain(&m, &rst_fail, &acks_fail, &fdsn), IRS + 1 + SEG * N);
  ck_assert_int_ge(acks_fail, 1); /* one MP_FAIL, repeated on pure ACKs */
  ck_assert_int_eq(rst_fail, 0);
  ck_assert_uint_eq(fdsn, m.peer_idsn + 1 + SEG);
  ck_assert_uint_eq(tpeer_counter(&m.p, "DataCsumErr"), 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPFailTx"), 1);
  ck_assert_int_eq(mptcp_conn_read(m.p.conn, got, sizeof got, m.p.now), SEG);
  ck_assert(memcmp(got, d, SEG) == 0);
  rx_seg(&m, 1 + SEG * N, d + SEG * N, SEG, 1, 1 + SEG * N, SEG * N, SEG,
         d + SEG * N, 1); /* the given-up mapping again */
  ck_assert_uint_eq(drain(&m, &rst_fail, &acks_fail, &fdsn),
                    IRS + 1 + SEG * (N + 1));
  ck_assert_uint_eq(tpeer_counter(&m.p, "DataCsumErr"), 1);
  tpeer_fini(&m.p);
}
END_TEST

/* RFC 8684 §3.3.3: our DATA_FIN stays outstanding until a DATA_ACK covers
 * it. A peer that acknowledges the subflow FIN but not the DATA_FIN (a
 * middlebox ate the DSS, or it was lost with a resend that could not
 * carry it) leaves nothing in flight on the subflow: the connection timer
 * sends the DATA_FIN again. The stack, client, closes without data; the
 * peer acknowledges the FIN with a DATA_ACK short of the DATA_FIN and
 * returns the time of that ACK and the subflow's RTO. */
static mptcp_tstamp dfin_unacked_tw(mpt *m, uint32_t *rto,
                                    mptcp_tstamp time_wait) {
  mpt_init_tw(m, 0, 0, time_wait);
  open_client_on(m);
  mptcp_conn_info ci;
  mptcp_conn_get_info(m->p.conn, &ci);
  *rto = ci.rto_us;
  ck_assert_uint_gt(*rto, 0);
  ck_assert_int_eq(mptcp_conn_shutdown(m->p.conn, m->p.now), 0);
  tseg fin;
  ck_assert(tpeer_recv(&m->p, &fin));
  ck_assert_uint_eq(fin.flags, MPTCP_TH_FIN | MPTCP_TH_ACK);
  ck_assert_uint_eq(fin.seq, m->p.iss + 1);
  const mptcp_subopt *d = tseg_mptcp(&fin, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_F, MPTCP_DSS_F);
  ck_assert_uint_eq(d->u.dss.dsn, m->idsn + 1);
  tpeer_expect_none(&m->p);
  mptcp_tstamp t0 = m->p.now;
  tpeer_time(&m->p, t0 + 10000); /* 10 ms later: the FIN's ACK */
  tseg a = tseg_make(IRS + 1, m->p.iss + 2, MPTCP_TH_ACK);
  a.mptcp[0] = data_ack(m->idsn + 1);
  a.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &a), 0);
  tpeer_expect_none(&m->p);
  mptcp_conn_get_info(m->p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_FIN_WAIT_2);
  return t0;
}

static mptcp_tstamp dfin_unacked(mpt *m, uint32_t *rto) {
  return dfin_unacked_tw(m, rto, 0);
}

/* @p g is our DATA_FIN alone (SSN 0, DLL 1, DSN idsn + 1) on a pure ACK
 * with @p seq, @p ack. */
static void is_dfin_ack(const mpt *m, const tseg *g, uint32_t seq,
                        uint32_t ack) {
  ck_assert_uint_eq(g->flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(g->seq, seq);
  ck_assert_uint_eq(g->ack, ack);
  ck_assert_uint_eq(g->len, 0);
  const mptcp_subopt *d = tseg_mptcp(g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_F, MPTCP_DSS_F);
  ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_M, MPTCP_DSS_M);
  ck_assert_uint_eq(d->u.dss.dsn, m->idsn + 1);
  ck_assert_uint_eq(d->u.dss.ssn, 0);
  ck_assert_uint_eq(d->u.dss.dll, 1);
}

/* The next segment is that DATA_FIN on the first subflow, with @p seq
 * and @p ack, and nothing follows. */
static void expect_dfin_ack_of(mpt *m, uint32_t seq, uint32_t ack) {
  tseg g;
  ck_assert(tpeer_recv(&m->p, &g));
  is_dfin_ack(m, &g, seq, ack);
  tpeer_expect_none(&m->p);
}

/* After the acknowledged FIN, before the peer's: a keep-alive probe (the
 * FIN's sequence number), which a peer must answer. */
static void expect_dfin_ack(mpt *m) {
  expect_dfin_ack_of(m, m->p.iss + 1, IRS + 1);
}

/* From TIME_WAIT: a plain pure ACK. */
static void expect_dfin_ack_tw(mpt *m) {
  expect_dfin_ack_of(m, m->p.iss + 2, IRS + 2);
}

/* Resent at RTO, then 2 and 4 RTOs later (backoff from the FIN), nothing
 * in between; once DATA_ACKed never again, and the peer's DATA_FIN and
 * FIN end the connection cleanly. */
START_TEST(test_mptrace_data_fin_resend) {
  mpt m;
  uint32_t rto;
  mptcp_tstamp t0 = dfin_unacked(&m, &rto), at = t0;
  for (unsigned k = 0; k < 3; k++) {
    at += (mptcp_tstamp)rto << k;
    ck_assert_uint_eq(tpeer_expiry(&m.p), at);
    tpeer_time(&m.p, at - 1);
    tpeer_expect_none(&m.p);
    tpeer_time(&m.p, at);
    expect_dfin_ack(&m);
    ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), k + 1);
  }
  /* The DATA_ACK of the DATA_FIN: the timer stops. */
  tseg a = tseg_make(IRS + 1, m.p.iss + 2, MPTCP_TH_ACK);
  a.mptcp[0] = data_ack(m.idsn + 2);
  a.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m.p, &a), 0);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_expiry(&m.p), MPTCP_TSTAMP_NONE);
  tpeer_time(&m.p, at + 100 * (mptcp_tstamp)rto);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), 3);
  /* The peer closes: its DATA_FIN with its FIN, DATA_ACKed and ACKed. */
  tseg f = tseg_make(IRS + 1, m.p.iss + 2, MPTCP_TH_FIN | MPTCP_TH_ACK);
  mptcp_subopt o;
  memset(&o, 0, sizeof o);
  o.subtype = MPTCP_SUB_DSS;
  o.u.dss.flags = MPTCP_DSS_A | MPTCP_DSS_a | MPTCP_DSS_M | MPTCP_DSS_F;
  o.u.dss.data_ack = m.idsn + 2;
  o.u.dss.dsn = (uint32_t)(m.peer_idsn + 1);
  o.u.dss.dll = 1;
  f.mptcp[0] = o;
  f.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m.p, &f), 0);
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  ck_assert_uint_eq(g.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(g.ack, IRS + 2);
  /* (32 bits: the peer maps in 32) */
  ck_assert_uint_eq(tseg_mptcp(&g, MPTCP_SUB_DSS)->u.dss.data_ack,
                    (uint32_t)(m.peer_idsn + 2));
  uint32_t ev = tpeer_events(&m.p);
  ck_assert_uint_eq(ev & MPTCP_EV_CLOSED, MPTCP_EV_CLOSED);
  ck_assert_uint_eq(ev & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinTimeout"), 0);
  mptcp_conn_info ci;
  mptcp_conn_get_info(m.p.conn, &ci);
  ck_assert_uint_eq(ci.state, MPTCP_TCP_TIME_WAIT);
  tpeer_fini(&m.p);
}
END_TEST

/* A peer that never DATA_ACKs it: max_retries resends with the timeout
 * doubling up to rto_max, then the connection times out (RST, TIMEOUT,
 * MPDataFinTimeout). */
START_TEST(test_mptrace_data_fin_give_up) {
  mpt m;
  uint32_t rto;
  mptcp_tstamp at = dfin_unacked(&m, &rto);
  uint64_t wait = rto;
  for (unsigned k = 0; k < m.p.s.max_retries; k++) {
    at += wait;
    ck_assert_uint_eq(tpeer_expiry(&m.p), at);
    tpeer_time(&m.p, at);
    expect_dfin_ack(&m);
    ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_CLOSED, 0);
    wait = wait * 2 > m.p.s.rto_max ? m.p.s.rto_max : wait * 2;
  }
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), m.p.s.max_retries);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinTimeout"), 0);
  at += wait;
  ck_assert_uint_eq(tpeer_expiry(&m.p), at);
  tpeer_time(&m.p, at);
  tseg r;
  ck_assert(tpeer_recv(&m.p, &r));
  ck_assert_uint_eq(r.flags & MPTCP_TH_RST, MPTCP_TH_RST);
  tpeer_expect_none(&m.p);
  uint32_t ev = tpeer_events(&m.p);
  ck_assert_uint_eq(ev & (MPTCP_EV_CLOSED | MPTCP_EV_TIMEOUT),
                    MPTCP_EV_CLOSED | MPTCP_EV_TIMEOUT);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinTimeout"), 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), m.p.s.max_retries);
  tpeer_fini(&m.p);
}
END_TEST

/* --- DATA_FIN resend in the other closing states, and the app's CLOSED
 * (RFC 8684 §3.3.3: the connection is closed only once both DATA_FINs
 * are DATA_ACKed). --- */

/* The peer's FIN with its DATA_FIN (DSN peer_idsn + 1, a 32-bit mapping
 * as Linux sends) and a DATA_ACK of @p dack, on the subflow from @p from
 * to @p to (NULL: the first one). */
static void peer_dfin(mpt *m, uint32_t seq, uint32_t ack, uint64_t dack,
                      const mptcp_addr *from, const mptcp_addr *to) {
  tseg f = tseg_make(seq, ack, MPTCP_TH_FIN | MPTCP_TH_ACK);
  f.from = from;
  f.to = to;
  mptcp_subopt o;
  memset(&o, 0, sizeof o);
  o.subtype = MPTCP_SUB_DSS;
  o.u.dss.flags = MPTCP_DSS_A | MPTCP_DSS_a | MPTCP_DSS_M | MPTCP_DSS_F;
  o.u.dss.data_ack = dack;
  o.u.dss.dsn = (uint32_t)(m->peer_idsn + 1);
  o.u.dss.dll = 1;
  f.mptcp[0] = o;
  f.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &f), 0);
}

/* A pure ACK of the peer with DATA_ACK @p dack on a subflow. */
static void peer_dack(mpt *m, uint32_t seq, uint32_t ack, uint64_t dack,
                      const mptcp_addr *from, const mptcp_addr *to) {
  tseg a = tseg_make(seq, ack, MPTCP_TH_ACK);
  a.from = from;
  a.to = to;
  a.mptcp[0] = data_ack(dack);
  a.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &a), 0);
}

/* Our ACK of the peer's FIN (@p ack) DATA_ACKs its DATA_FIN. */
static void expect_ack_of_peer_dfin(mpt *m, uint32_t ack) {
  tseg g;
  ck_assert(tpeer_recv(&m->p, &g));
  ck_assert_uint_eq(g.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(g.ack, ack);
  ck_assert_uint_eq(tseg_mptcp(&g, MPTCP_SUB_DSS)->u.dss.data_ack,
                    (uint32_t)(m->peer_idsn + 2));
  tpeer_expect_none(&m->p);
}

static uint8_t conn_state(mpt *m) {
  mptcp_conn_info ci;
  mptcp_conn_get_info(m->p.conn, &ci);
  return ci.state;
}

/* The app releases the connection; once TIME_WAIT is over the stack holds
 * nothing of it: no timer, no memory beyond a fresh stack's, and its
 * 4-tuple is unknown. */
static void released_and_gone(mpt *m) {
  mptcp_conn_release(m->p.conn, m->p.now);
  m->p.conn = NULL;
  tpeer_expect_none(&m->p);
  tpeer_time(&m->p, m->p.now + m->p.s.time_wait);
  tpeer_expect_none(&m->p);
  ck_assert_uint_eq(tpeer_expiry(&m->p), MPTCP_TSTAMP_NONE);
  /* (A stack that had a connection keeps its grown token table.) */
  tpeer fresh;
  tpeer_init(&fresh, &m->p.s, 0);
  tpeer_connect(&fresh, NULL);
  mptcp_conn_release(fresh.conn, fresh.now);
  fresh.conn = NULL;
  size_t blocks = fresh.live_blocks, bytes = fresh.live_bytes;
  tpeer_fini(&fresh);
  ck_assert_uint_eq(m->p.live_blocks, blocks);
  ck_assert_uint_eq(m->p.live_bytes, bytes);
  tseg a = tseg_make(IRS + 2, m->p.iss + 2, MPTCP_TH_ACK);
  ck_assert_int_eq(tpeer_send(&m->p, &a), MPTCP_RX_NOT_MINE);
  tpeer_expect_none(&m->p);
}

/* Both subflow FINs exchanged (TIME_WAIT), the DATA_ACK of our DATA_FIN
 * lost: the resend goes from TIME_WAIT, and the app hears CLOSED only once
 * it is DATA_ACKed. */
START_TEST(test_mptrace_data_fin_time_wait) {
  mpt m;
  uint32_t rto;
  mptcp_tstamp t0 = dfin_unacked(&m, &rto);
  tpeer_time(&m.p, t0 + 20000);
  peer_dfin(&m, IRS + 1, m.p.iss + 2, m.idsn + 1, NULL, NULL);
  /* Our ACK DATA_ACKs the peer's DATA_FIN and still carries ours. */
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  is_dfin_ack(&m, &g, m.p.iss + 2, IRS + 2);
  ck_assert_uint_eq(tseg_mptcp(&g, MPTCP_SUB_DSS)->u.dss.data_ack,
                    (uint32_t)(m.peer_idsn + 2));
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_TIME_WAIT);
  uint32_t ev = tpeer_events(&m.p);
  ck_assert_uint_eq(ev & MPTCP_EV_PEER_CLOSED, MPTCP_EV_PEER_CLOSED);
  ck_assert_uint_eq(ev & MPTCP_EV_CLOSED, 0); /* ours is not DATA_ACKed */
  /* The timer runs on in TIME_WAIT: resent at RTO and 2 RTOs later. */
  mptcp_tstamp at = t0;
  for (unsigned k = 0; k < 2; k++) {
    at += (mptcp_tstamp)rto << k;
    ck_assert_uint_eq(tpeer_expiry(&m.p), at);
    tpeer_time(&m.p, at);
    expect_dfin_ack_tw(&m);
    ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), k + 1);
    ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_CLOSED, 0);
  }
  peer_dack(&m, IRS + 2, m.p.iss + 2, m.idsn + 2, NULL, NULL);
  tpeer_expect_none(&m.p);
  ev = tpeer_events(&m.p);
  ck_assert_uint_eq(ev & (MPTCP_EV_CLOSED | MPTCP_EV_RESET | MPTCP_EV_TIMEOUT),
                    MPTCP_EV_CLOSED);
  ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_TIME_WAIT);
  uint8_t buf[4];
  ck_assert_int_eq(mptcp_conn_read(m.p.conn, buf, sizeof buf, m.p.now),
                   MPTCP_ERR_EOF);
  released_and_gone(&m);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), 2);
  tpeer_fini(&m.p);
}
END_TEST

/* TIME_WAIT (here 50 ms) ends long before the resends do: the subflow
 * lingers until they give up, then the connection times out (TIMEOUT, no
 * clean CLOSED before) and, released, is freed. */
START_TEST(test_mptrace_data_fin_time_wait_give_up) {
  mpt m;
  uint32_t rto;
  mptcp_tstamp t0 = dfin_unacked_tw(&m, &rto, 50000), at = t0;
  ck_assert_uint_gt(rto, 50000);
  tpeer_time(&m.p, t0 + 20000);
  peer_dfin(&m, IRS + 1, m.p.iss + 2, m.idsn + 1, NULL, NULL);
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  tpeer_expect_none(&m.p);
  uint64_t wait = rto;
  for (unsigned k = 0; k < m.p.s.max_retries; k++) {
    at += wait;
    tpeer_time(&m.p, at - 1);
    tpeer_expect_none(&m.p);
    ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_TIME_WAIT);
    tpeer_time(&m.p, at);
    expect_dfin_ack_tw(&m);
    ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_CLOSED, 0);
    wait = wait * 2 > m.p.s.rto_max ? m.p.s.rto_max : wait * 2;
  }
  tpeer_time(&m.p, at + wait);
  tpeer_expect_none(&m.p); /* TIME_WAIT sends no reset */
  uint32_t ev = tpeer_events(&m.p);
  ck_assert_uint_eq(ev & (MPTCP_EV_CLOSED | MPTCP_EV_TIMEOUT),
                    MPTCP_EV_CLOSED | MPTCP_EV_TIMEOUT);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinTimeout"), 1);
  uint8_t buf[4];
  ck_assert_int_eq(mptcp_conn_read(m.p.conn, buf, sizeof buf, m.p.now),
                   MPTCP_ERR_EOF); /* the peer's data did all come */
  released_and_gone(&m);
  tpeer_fini(&m.p);
}
END_TEST

/* The peer closed first (CLOSE_WAIT); our FIN and DATA_FIN (LAST_ACK)
 * have their FIN acknowledged but not the DATA_FIN: the subflow does not
 * close but lingers in TIME_WAIT to resend it, and CLOSED waits for the
 * DATA_ACK. */
START_TEST(test_mptrace_data_fin_last_ack) {
  mpt m;
  open_client(&m);
  mptcp_conn_info ci;
  mptcp_conn_get_info(m.p.conn, &ci);
  uint32_t rto = ci.rto_us;
  peer_dfin(&m, IRS + 1, m.p.iss + 1, m.idsn + 1, NULL, NULL);
  expect_ack_of_peer_dfin(&m, IRS + 2);
  ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_CLOSE_WAIT);
  ck_assert_uint_eq(tpeer_events(&m.p) &
                        (MPTCP_EV_PEER_CLOSED | MPTCP_EV_CLOSED),
                    MPTCP_EV_PEER_CLOSED);
  ck_assert_int_eq(mptcp_conn_shutdown(m.p.conn, m.p.now), 0);
  tseg fin;
  ck_assert(tpeer_recv(&m.p, &fin));
  ck_assert_uint_eq(fin.flags, MPTCP_TH_FIN | MPTCP_TH_ACK);
  ck_assert_uint_eq(tseg_mptcp(&fin, MPTCP_SUB_DSS)->u.dss.flags & MPTCP_DSS_F,
                    MPTCP_DSS_F);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_LAST_ACK);
  mptcp_tstamp t0 = m.p.now;
  tpeer_time(&m.p, t0 + 10000);
  peer_dack(&m, IRS + 2, m.p.iss + 2, m.idsn + 1, NULL, NULL);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_TIME_WAIT);
  ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_CLOSED, 0);
  ck_assert_uint_eq(tpeer_expiry(&m.p), t0 + rto);
  tpeer_time(&m.p, t0 + rto);
  expect_dfin_ack_tw(&m);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), 1);
  peer_dack(&m, IRS + 2, m.p.iss + 2, m.idsn + 2, NULL, NULL);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_events(&m.p) &
                        (MPTCP_EV_CLOSED | MPTCP_EV_RESET | MPTCP_EV_TIMEOUT),
                    MPTCP_EV_CLOSED);
  released_and_gone(&m);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), 1);
  tpeer_fini(&m.p);
}
END_TEST

/* Two subflows close; their FINs both carry the DATA_FIN. _i: 0 or 1,
 * the peer acknowledges both FINs (DATA_ACK short of the DATA_FIN) and
 * resets subflow _i: the resend goes on the other one. 2: subflow 0's
 * path is dead (its FIN never acknowledged), subflow 1's FIN is: the
 * resend goes on subflow 1 rather than wait for subflow 0. */
START_TEST(test_mptrace_data_fin_two_subflows) {
  mpt m;
  tseg js = client_join_syn(&m);
  peer_join_synack(&m, &js, 0);
  expect_join_ack(&m, &js);
  peer_ack_of_join_ack(&m, &js);
  joined(&m);
  ck_assert_int_eq(mptcp_conn_shutdown(m.p.conn, m.p.now), 0);
  mptcp_tstamp t0 = m.p.now;
  tseg f[2], g;
  int seen[2] = {0, 0};
  for (unsigned k = 0; k < 2; k++) {
    ck_assert(tpeer_recv(&m.p, &g));
    unsigned s = mptcp_ipaddr_equal(&g.src.ip, &client_a2.ip);
    ck_assert(!seen[s]);
    seen[s] = 1;
    f[s] = g;
    ck_assert_uint_eq(g.flags, MPTCP_TH_FIN | MPTCP_TH_ACK);
    ck_assert_uint_eq(g.seq, s ? js.seq + 1 : m.p.iss + 1);
    const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
    ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_F, MPTCP_DSS_F);
    ck_assert_uint_eq(d->u.dss.dsn, m.idsn + 1);
  }
  tpeer_expect_none(&m.p);
  tpeer_time(&m.p, t0 + 10000);
  if (_i != 2) peer_dack(&m, IRS + 1, m.p.iss + 2, m.idsn + 1, NULL, NULL);
  peer_dack(&m, IRS_JOIN + 1, js.seq + 2, m.idsn + 1, &f[1].dst, &f[1].src);
  tpeer_expect_none(&m.p);
  unsigned live = 1; /* the subflow that must take the resend */
  if (_i == 0 || _i == 1) {
    live = 1 - (unsigned)_i;
    tseg r = tseg_make(_i ? IRS_JOIN + 1 : IRS + 1, 0, MPTCP_TH_RST);
    r.from = &f[_i].dst;
    r.to = &f[_i].src;
    ck_assert_int_eq(tpeer_send(&m.p, &r), 0);
    tpeer_expect_none(&m.p);
    mptcp_subflow_info si;
    ck_assert_int_eq(mptcp_conn_get_subflow(m.p.conn, live, &si), 0);
    ck_assert_uint_eq(si.state, MPTCP_TCP_FIN_WAIT_2);
  }
  uint32_t ev = tpeer_events(&m.p);
  ck_assert_uint_eq(ev & MPTCP_EV_CLOSED, 0);
  /* The resend timer: a pure ACK with the DATA_FIN on the live subflow
   * (with _i 2, subflow 0 may resend its FIN at the same time). */
  mptcp_tstamp at = tpeer_expiry(&m.p);
  ck_assert_uint_le(at, t0 + 1000000);
  tpeer_time(&m.p, at);
  int found = 0;
  while (tpeer_recv(&m.p, &g)) {
    if (!mptcp_ipaddr_equal(&g.src.ip, &f[live].src.ip)) {
      ck_assert_uint_eq(_i, 2);
      ck_assert_uint_eq(g.flags & MPTCP_TH_FIN, MPTCP_TH_FIN);
      continue;
    }
    ck_assert_uint_eq(g.src.port, f[live].src.port);
    is_dfin_ack(&m, &g, f[live].seq, live ? IRS_JOIN + 1 : IRS + 1);
    found++;
  }
  ck_assert_int_eq(found, 1);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), 1);
  /* DATA_ACKed there: no more resends. */
  peer_dack(&m, live ? IRS_JOIN + 1 : IRS + 1, f[live].seq + 1, m.idsn + 2,
            &f[live].dst, &f[live].src);
  tpeer_expect_none(&m.p);
  if (_i == 2) {
    tpeer_fini(&m.p);
    return;
  }
  tpeer_time(&m.p, m.p.now + 100 * (mptcp_tstamp)1000000);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), 1);
  /* The peer closes on the live subflow: a clean close, the reset of the
   * other subflow notwithstanding. */
  peer_dfin(&m, live ? IRS_JOIN + 1 : IRS + 1, f[live].seq + 1, m.idsn + 2,
            &f[live].dst, &f[live].src);
  expect_ack_of_peer_dfin(&m, live ? IRS_JOIN + 2 : IRS + 2);
  ev = tpeer_events(&m.p);
  ck_assert_uint_eq(ev & (MPTCP_EV_CLOSED | MPTCP_EV_RESET | MPTCP_EV_TIMEOUT),
                    MPTCP_EV_CLOSED);
  tpeer_fini(&m.p);
}
END_TEST

/* The peer's DATA_FIN at @p dsn alone (SSN 0, DLL 1) on a pure ACK. */
static void peer_dfin_alone(mpt *m, uint32_t seq, uint64_t dsn) {
  tseg a = tseg_make(seq, m->p.iss + 1, MPTCP_TH_ACK);
  mptcp_subopt o;
  memset(&o, 0, sizeof o);
  o.subtype = MPTCP_SUB_DSS;
  o.u.dss.flags = MPTCP_DSS_A | MPTCP_DSS_a | MPTCP_DSS_M | MPTCP_DSS_F;
  o.u.dss.data_ack = m->idsn + 1;
  o.u.dss.dsn = (uint32_t)dsn;
  o.u.dss.dll = 1;
  a.mptcp[0] = o;
  a.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m->p, &a), 0);
}

/* The receiving side: a DATA_FIN that comes again after we had it (our
 * DATA_ACK was lost) is answered at once with the DATA_ACK, on a pure ACK
 * or a keep-alive probe (an old sequence number, as we resend); one at
 * another DSN is not. */
START_TEST(test_mptrace_data_fin_rx_again) {
  mpt m;
  open_client(&m);
  peer_dfin(&m, IRS + 1, m.p.iss + 1, m.idsn + 1, NULL, NULL);
  expect_ack_of_peer_dfin(&m, IRS + 2);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRx"), 1);
  const uint32_t seqs[2] = {IRS + 2, IRS + 1};
  for (unsigned k = 0; k < 2; k++) {
    tpeer_time(&m.p, m.p.now + 300000);
    peer_dfin_alone(&m, seqs[k], m.peer_idsn + 1);
    expect_ack_of_peer_dfin(&m, IRS + 2);
  }
  peer_dfin_alone(&m, IRS + 2, m.peer_idsn + 5);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRx"), 1);
  ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_CLOSE_WAIT);
  tpeer_fini(&m.p);
}
END_TEST

/* Our DATA_FIN DATA_ACKed, the peer's subflow FIN without a DATA_FIN: the
 * data-level close is not complete. No CLOSED in TIME_WAIT; _i 0: at its
 * end CLOSED with TIMEOUT; _i 1: a reset in it gives CLOSED with RESET. */
START_TEST(test_mptrace_data_fin_peer_missing) {
  mpt m;
  open_client(&m);
  ck_assert_int_eq(mptcp_conn_shutdown(m.p.conn, m.p.now), 0);
  tseg fin;
  ck_assert(tpeer_recv(&m.p, &fin));
  ck_assert_uint_eq(fin.flags, MPTCP_TH_FIN | MPTCP_TH_ACK);
  tpeer_expect_none(&m.p);
  peer_dack(&m, IRS + 1, m.p.iss + 2, m.idsn + 2, NULL, NULL);
  tpeer_expect_none(&m.p);
  tseg f = tseg_make(IRS + 1, m.p.iss + 2, MPTCP_TH_FIN | MPTCP_TH_ACK);
  f.mptcp[0] = data_ack(m.idsn + 2);
  f.n_mptcp = 1;
  ck_assert_int_eq(tpeer_send(&m.p, &f), 0);
  tseg g;
  ck_assert(tpeer_recv(&m.p, &g));
  ck_assert_uint_eq(g.ack, IRS + 2);
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(conn_state(&m), MPTCP_TCP_TIME_WAIT);
  ck_assert_uint_eq(tpeer_events(&m.p) & MPTCP_EV_CLOSED, 0);
  uint32_t want = MPTCP_EV_CLOSED | MPTCP_EV_TIMEOUT;
  if (_i == 0) {
    tpeer_time(&m.p, m.p.now + m.p.s.time_wait);
  } else {
    tseg r = tseg_make(IRS + 2, 0, MPTCP_TH_RST);
    ck_assert_int_eq(tpeer_send(&m.p, &r), 0);
    want = MPTCP_EV_CLOSED | MPTCP_EV_RESET;
  }
  tpeer_expect_none(&m.p);
  ck_assert_uint_eq(tpeer_events(&m.p) &
                        (MPTCP_EV_CLOSED | MPTCP_EV_RESET | MPTCP_EV_TIMEOUT),
                    want);
  ck_assert_uint_eq(tpeer_counter(&m.p, "MPDataFinRetrans"), 0);
  tpeer_fini(&m.p);
}
END_TEST

Suite *suite_mptrace(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mptrace_join_client),
      TCHECK_TEST(test_mptrace_join_client_ack_after_rto),
      TCHECK_TEST(test_mptrace_join_client_forged),
      TCHECK_TEST(test_mptrace_join_server),
      TCHECK_TEST(test_mptrace_join_server_forged),
      TCHECK_LOOP(test_mptrace_no_dss_after_join, 2),
      TCHECK_TEST(test_mptrace_add_remove),
      TCHECK_TEST(test_mptrace_prio),
      TCHECK_TEST(test_mptrace_dss_map_run),
      TCHECK_TEST(test_mptrace_dss_map_resend_middle),
      TCHECK_TEST(test_mptrace_dss_map_resend_lost_first),
      TCHECK_TEST(test_mptrace_dss_map_rto_middle),
      TCHECK_TEST(test_mptrace_dss_map_rx_before_mapping),
      TCHECK_TEST(test_mptrace_data_ack_stuck_resend),
      TCHECK_TEST(test_mptrace_data_ack_stuck_give_up),
      TCHECK_TEST(test_mptrace_fin_inside_held_mapping),
      TCHECK_TEST(test_mptrace_dss_map_rx_full_keeps_incomplete),
      TCHECK_TEST(test_mptrace_dss_map_rx_full_csum),
      TCHECK_TEST(test_mptrace_dss_csum_fail_ahead),
      TCHECK_TEST(test_mptrace_dup_csum_keeps_verified),
      TCHECK_TEST(test_mptrace_dup_csum_first_pending_wins),
      TCHECK_TEST(test_mptrace_dup_csum_bad_first),
      TCHECK_TEST(test_mptrace_dup_plain_first_wins),
      TCHECK_TEST(test_mptrace_csum_fail_ahead_full),
      TCHECK_TEST(test_mptrace_data_fin_resend),
      TCHECK_TEST(test_mptrace_data_fin_give_up),
      TCHECK_TEST(test_mptrace_data_fin_time_wait),
      TCHECK_TEST(test_mptrace_data_fin_time_wait_give_up),
      TCHECK_TEST(test_mptrace_data_fin_last_ack),
      TCHECK_LOOP(test_mptrace_data_fin_two_subflows, 3),
      TCHECK_TEST(test_mptrace_data_fin_rx_again),
      TCHECK_LOOP(test_mptrace_data_fin_peer_missing, 2),
  };
  return tcheck_suite("mptrace", tests, sizeof tests / sizeof tests[0]);
}
