/*
 * MP_FAIL and the infinite mapping on a single subflow (RFC 8684 §3.7),
 * as packet traces against a scripted peer: the exact segments the stack
 * sends when a DSS checksum fails, when the peer's MP_FAIL arrives, and
 * when an infinite mapping arrives; and the hostile variants.
 * SPDX-License-Identifier: MIT
 */
#include "tpeer.h"

#include <mptcp/mptcp.h>
#include <string.h>

#define PEER_KEY 0x1122334455667788ull

/* A passive MPTCP v1 connection of the stack with the scripted peer:
 * the peer's ISN is irs, its DSNs start at them + 1, ours at us + 1. */
typedef struct mpt {
  tpeer p;
  uint32_t irs;
  int csum;
  uint64_t key;        /* the stack's */
  uint64_t us, them;   /* IDSNs */
  uint64_t data_ack;   /* what the peer's DSS acknowledges */
  uint32_t peer_acked; /* the peer's subflow ACK: stack bytes + 1 */
} mpt;

/* With @p rcvbuf bytes of receive buffer; the SYN/ACK's MSS is left in
 * @p syn_mss. */
static tpeer *mpt_open_buf(mpt *m, int csum, size_t rcvbuf, int32_t *syn_mss) {
  mptcp_settings s;
  tpeer_default_settings(&s);
  s.mptcp = 1;
  s.checksum = csum;
  s.rcvbuf = rcvbuf;
  tpeer_init(&m->p, &s, 0);
  m->irs = 7000;
  m->csum = csum;
  tpeer *p = &m->p;
  ck_assert_int_eq(mptcp_stack_listen(p->st, &p->us, 0), 0);
  tseg syn = tseg_make(m->irs, 0, MPTCP_TH_SYN);
  syn.mss = 1460;
  syn.n_mptcp = 1;
  syn.mptcp[0] = tsub_mpc(MPTCP_MPC_SYN, csum, 0, 0);
  tpeer_send(p, &syn);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.flags, MPTCP_TH_SYN | MPTCP_TH_ACK);
  const mptcp_subopt *sa = tseg_mptcp(&g, MPTCP_SUB_CAPABLE);
  ck_assert_uint_eq((sa->u.mpc.flags & MPTCP_CAP_A) != 0, csum);
  p->iss = g.seq;
  if (syn_mss) *syn_mss = g.mss;
  m->key = sa->u.mpc.snd_key;
  ck_assert_int_eq(mptcp_crypto_key_derive(1, m->key, NULL, &m->us), 0);
  ck_assert_int_eq(mptcp_crypto_key_derive(1, PEER_KEY, NULL, &m->them), 0);
  tseg ack = tseg_make(m->irs + 1, p->iss + 1, MPTCP_TH_ACK);
  ack.n_mptcp = 1;
  ack.mptcp[0] = tsub_mpc(MPTCP_MPC_ACK, csum, PEER_KEY, m->key);
  tpeer_send(p, &ack);
  tpeer_expect_none(p);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_ACCEPT, MPTCP_EV_ACCEPT);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p->conn, &ci);
  ck_assert_uint_eq(ci.mptcp, 1);
  ck_assert_uint_eq(ci.checksum, csum);
  m->data_ack = m->us + 1;
  m->peer_acked = p->iss + 1;
  return p;
}

static tpeer *mpt_open(mpt *m, int csum) {
  return mpt_open_buf(m, csum, 65536, NULL);
}

/* A DSS from the peer: DATA_ACK, and a mapping [dsn, +dll) at relative
 * SSN ssn when map (checksum over d, spoiled when bad). */
static mptcp_subopt dss(const mpt *m, int map, uint64_t dsn, uint32_t ssn,
                        uint16_t dll, const uint8_t *d, int bad) {
  mptcp_subopt so;
  memset(&so, 0, sizeof so);
  so.subtype = MPTCP_SUB_DSS;
  so.u.dss.flags = MPTCP_DSS_A | MPTCP_DSS_a;
  so.u.dss.data_ack = m->data_ack;
  if (map) {
    so.u.dss.flags |= MPTCP_DSS_M | MPTCP_DSS_m;
    so.u.dss.dsn = dsn;
    so.u.dss.ssn = ssn;
    so.u.dss.dll = dll;
    so.u.dss.has_csum = (uint8_t)m->csum;
    if (m->csum && dll)
      so.u.dss.csum = (uint16_t)(mptcp_dss_csum(dsn, ssn, dll, d, dll) ^
                                 (bad ? 0x0101 : 0));
  }
  return so;
}

/* Peer data at relative SSN ssn mapped 1:1 to DSN them + ssn. */
static tseg peer_data(const mpt *m, uint32_t ssn, const uint8_t *d,
                      uint32_t len, int bad) {
  tseg g = tseg_make(m->irs + ssn, m->peer_acked, MPTCP_TH_ACK | MPTCP_TH_PSH);
  g.data = d;
  g.len = len;
  g.n_mptcp = 1;
  g.mptcp[0] = dss(m, 1, m->them + ssn, ssn, (uint16_t)len, d, bad);
  return g;
}

/* Peer data at relative SSN ssn under an infinite mapping (DSS, DLL 0)
 * that puts it at DSN dsn. */
static tseg peer_infmap(const mpt *m, uint32_t ssn, uint64_t dsn,
                        const uint8_t *d, uint32_t len) {
  tseg g = tseg_make(m->irs + ssn, m->peer_acked, MPTCP_TH_ACK | MPTCP_TH_PSH);
  g.data = d;
  g.len = len;
  g.n_mptcp = 1;
  g.mptcp[0] = dss(m, 1, dsn, ssn, 0, NULL, 0);
  return g;
}

/* A join of the peer from another port: answered with a RST. */
static void join_refused(mpt *m) {
  tpeer *p = &m->p;
  uint32_t token;
  ck_assert_int_eq(mptcp_crypto_key_derive(1, m->key, &token, NULL), 0);
  uint16_t port = p->them.port;
  p->them.port = (uint16_t)(port + 1);
  tseg syn = tseg_make(9000, 0, MPTCP_TH_SYN);
  syn.mss = 1460;
  syn.n_mptcp = 1;
  syn.mptcp[0].subtype = MPTCP_SUB_JOIN;
  syn.mptcp[0].u.join.form = MPTCP_JOIN_SYN;
  syn.mptcp[0].u.join.token = token;
  syn.mptcp[0].u.join.nonce = 0x01020304;
  syn.mptcp[0].u.join.addr_id = 1;
  tpeer_send(p, &syn);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.flags & MPTCP_TH_RST, MPTCP_TH_RST);
  p->them.port = port;
}

static size_t drain(mpt *m, uint8_t *buf, size_t cap) {
  size_t n = 0;
  mptcp_ssize k;
  while ((k = mptcp_conn_read(m->p.conn, buf + n, cap - n, m->p.now)) > 0)
    n += (size_t)k;
  return n;
}

static void fill(uint8_t *d, size_t n, uint8_t seed) {
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)(seed + i * 7);
}

/* The connection with the peer's first 100 bytes (a) mapped and sent. */
static tpeer *mpt_first(mpt *m, const uint8_t *a) {
  tpeer *p = mpt_open(m, 1);
  tseg s1 = peer_data(m, 1, a, 100, 0);
  tpeer_send(p, &s1);
  return p;
}

/* The connection after a (delivered and read) and b, whose checksum
 * failed: the stack's MP_FAIL is out. */
static tpeer *mpt_failed(mpt *m, const uint8_t *a, const uint8_t *b) {
  uint8_t got[200];
  tpeer *p = mpt_first(m, a);
  tseg s2 = peer_data(m, 101, b, 100, 1); /* its checksum fails */
  tpeer_send(p, &s2);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  tseg_mptcp(&g, MPTCP_SUB_FAIL);
  tpeer_expect_none(p);
  ck_assert_uint_eq(drain(m, got, sizeof got), 100);
  return p;
}

/* The connection fell back: plain TCP from now on, the delayed ACK of
 * the peer's relative SSN @p ack has no MPTCP option, no DATA_ACK. */
static void expect_fallen_back(mpt *m, uint32_t ack) {
  tpeer *p = &m->p;
  mptcp_conn_info ci;
  mptcp_conn_get_info(p->conn, &ci);
  ck_assert_uint_eq(ci.mptcp, 0);
  ck_assert_uint_eq(ci.fallback, 1);
  tpeer_time(p, p->now + 300000);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.ack, m->irs + ack);
  ck_assert_uint_eq(g.n_mptcp, 0);
}

/* Three different 100-byte payloads. */
static void fill3(uint8_t *a, uint8_t *b, uint8_t *c, uint8_t seed) {
  fill(a, 100, seed);
  fill(b, 100, (uint8_t)(seed + 49));
  fill(c, 100, (uint8_t)(seed + 98));
}

/* Our 300 bytes sent under one mapping (DSN us + 1, SSN 1). */
static void send_ours(mpt *m, const uint8_t *w) {
  tpeer *p = &m->p;
  ck_assert_int_eq(mptcp_conn_write(p->conn, w, 300, p->now), 300);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.seq, p->iss + 1);
  ck_assert_uint_eq(g.len, 300);
  const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.dsn, m->us + 1);
  ck_assert_uint_eq(d->u.dss.dll, 300);
  tpeer_expect_none(p);
}

/* A pure ACK of ours with MP_FAIL naming the peer's DSN @p dsn. */
static void expect_fail(mpt *m, uint64_t dsn) {
  tseg g;
  ck_assert(tpeer_recv(&m->p, &g));
  ck_assert_uint_eq(g.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(g.len, 0);
  const mptcp_subopt *f = tseg_mptcp(&g, MPTCP_SUB_FAIL);
  ck_assert_uint_eq(f->u.fail_dsn, dsn);
}

/* A segment of ours at SSN @p ssn with @p len bytes of @p want: under an
 * infinite mapping at DSN @p dsn, or (dsn 0) without any MPTCP option. */
static void expect_seg(mpt *m, uint32_t ssn, const uint8_t *want, uint32_t len,
                       uint64_t dsn) {
  tseg g;
  ck_assert(tpeer_recv(&m->p, &g));
  ck_assert_uint_eq(g.seq, m->p.iss + ssn);
  ck_assert_uint_eq(g.len, len);
  ck_assert_mem_eq(g.data, want, len);
  if (!dsn) {
    ck_assert_uint_eq(g.n_mptcp, 0);
    return;
  }
  const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & (MPTCP_DSS_M | MPTCP_DSS_A), MPTCP_DSS_M);
  ck_assert_uint_eq(d->u.dss.dll, 0);
  ck_assert_uint_eq(d->u.dss.dsn, dsn);
  ck_assert_uint_eq(d->u.dss.ssn, ssn);
}

/* Receiver side: a mapping whose checksum fails on the only subflow gets
 * MP_FAIL on a pure ACK (not a RST) naming the last in-order DSN; its
 * bytes and everything the peer sends under old mappings after it are
 * acknowledged at subflow level, never delivered, and every pure ACK
 * repeats MP_FAIL. The infinite mapping that resends from the MP_FAIL
 * DSN (at the peer's next subflow byte) makes the stack plain TCP: the
 * app reads the stream without a gap, duplicate or rewritten byte. */
START_TEST(test_mpfail_ack_after_bad_csum) {
  mpt m;
  uint8_t a[100], b[100], c[100], got[400];
  fill3(a, b, c, 1);
  tpeer *p = mpt_first(&m, a);
  tpeer_time(p, p->now + 300000); /* the delayed ACK */
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.ack, m.irs + 101);
  const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.data_ack, m.them + 101);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);

  /* Mapping 2 arrives rewritten (its checksum no longer matches). */
  tseg s2 = peer_data(&m, 101, b, 100, 1);
  tpeer_send(p, &s2);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.flags, MPTCP_TH_ACK);
  ck_assert_uint_eq(g.len, 0);
  ck_assert_uint_eq(g.ack, m.irs + 201); /* received at subflow level */
  d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.data_ack, m.them + 101); /* not DATA_ACKed */
  const mptcp_subopt *f = tseg_mptcp(&g, MPTCP_SUB_FAIL);
  ck_assert_uint_eq(f->u.fail_dsn, m.them + 101);
  tpeer_expect_none(p);
  ck_assert_uint_eq(tpeer_counter(p, "DataCsumErr"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTx"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "TcpRstSent"), 0);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 0);

  /* The peer's next mapping, sent before it saw MP_FAIL: acknowledged,
   * not delivered; the ACK says MP_FAIL again. */
  tseg s3 = peer_data(&m, 201, c, 100, 0);
  tpeer_send(p, &s3);
  tpeer_send(p, &s3); /* a duplicate: ACK at once */
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.ack, m.irs + 301);
  f = tseg_mptcp(&g, MPTCP_SUB_FAIL);
  ck_assert_uint_eq(f->u.fail_dsn, m.them + 101);
  tpeer_expect_none(p);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTx"), 2);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p->conn, &ci);
  ck_assert_uint_eq(ci.mptcp, 1);
  /* No join while the MP_FAIL exchange is under way. */
  join_refused(&m);
  ck_assert_uint_eq(tpeer_counter(p, "MPJoinRefused"), 1);

  /* The infinite mapping: the peer's next subflow byte (SSN 301) is DSN
   * them + 101 again, b and c resent as plain TCP. */
  uint8_t bc[200];
  memcpy(bc, b, 100);
  memcpy(bc + 100, c, 100);
  tseg s4 = peer_infmap(&m, 301, m.them + 101, bc, 200);
  tpeer_send(p, &s4);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 200);
  ck_assert_mem_eq(got, bc, 200);
  expect_fallen_back(&m, 501);
  tseg s5 = tseg_make(m.irs + 501, m.peer_acked, MPTCP_TH_ACK | MPTCP_TH_PSH);
  s5.data = a;
  s5.len = 100;
  tpeer_send(p, &s5);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  ck_assert_mem_eq(got, a, 100);
  ck_assert_uint_eq(tpeer_counter(p, "MPDSSNoMapping"), 0);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), 0);
  /* Nor after the fallback: the token is gone. */
  join_refused(&m);
  ck_assert_uint_eq(tpeer_counter(p, "MPJoinNoTokenFound"), 1);
  mptcp_addr l2 = p->us;
  l2.port = 0;
  ck_assert_int_eq(mptcp_conn_add_subflow(p->conn, &l2, &p->them, 0, p->now),
                   MPTCP_ERR_INVALID_ARG);
  tpeer_fini(p);
}
END_TEST

/* A sender that does not resend (Linux) puts its infinite mapping on its
 * next new data: retroactive over the bytes we threw away (§3.7). If it
 * continues the failed mapping exactly, those bytes are taken as the
 * middlebox left them (counted); _i = 1: a DSN off by one is refused with
 * a reset. */
START_TEST(test_mpfail_infmap_retroactive) {
  mpt m;
  uint8_t a[100], b[100], c[100], got[300];
  fill3(a, b, c, 11);
  tpeer *p = mpt_failed(&m, a, b);
  tseg g;
  tseg s3 = peer_infmap(&m, 201, m.them + 201 + (uint64_t)_i, c, 100);
  tpeer_send(p, &s3);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  if (_i == 0) {
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRetroactive"), 1);
    ck_assert_uint_eq(drain(&m, got, sizeof got), 200);
    ck_assert_mem_eq(got, b, 100);
    ck_assert_mem_eq(got + 100, c, 100);
    ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  } else {
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapBadDsn"), 1);
    ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
    ck_assert(tpeer_recv(p, &g));
    ck_assert_uint_eq(g.flags & MPTCP_TH_RST, MPTCP_TH_RST);
  }
  tpeer_fini(p);
}
END_TEST

/* A peer that never sends the infinite mapping (Linux with its window
 * full of data we threw away, KQ4): after the wait the connection is
 * reset with MP_FAIL and MP_TCPRST "middlebox interference"; nothing of
 * the failed mapping was ever delivered. */
START_TEST(test_mpfail_timeout) {
  mpt m;
  tpeer *p = mpt_open(&m, 1);
  uint8_t a[100], got[200];
  fill(a, 100, 2);
  tseg s1 = peer_data(&m, 1, a, 100, 1);
  tpeer_send(p, &s1);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  tseg_mptcp(&g, MPTCP_SUB_FAIL);
  tpeer_expect_none(p);
  mptcp_tstamp t0 = p->now, at = tpeer_expiry(p);
  ck_assert_uint_ge(at, t0 + 2000000); /* at least 2 s */
  tpeer_time(p, at - 1);
  tpeer_expect_none(p);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTimeout"), 0);
  tpeer_time(p, at);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.flags & MPTCP_TH_RST, MPTCP_TH_RST);
  const mptcp_subopt *f = tseg_mptcp(&g, MPTCP_SUB_FAIL);
  ck_assert_uint_eq(f->u.fail_dsn, m.them + 1);
  const mptcp_subopt *r = tseg_mptcp(&g, MPTCP_SUB_TCPRST);
  ck_assert_uint_eq(r->u.tcprst.reason, MPTCP_RESET_REASON_MIDDLEBOX);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTimeout"), 1);
  uint32_t ev = tpeer_events(p);
  ck_assert_uint_eq(ev & (MPTCP_EV_CLOSED | MPTCP_EV_TIMEOUT),
                    MPTCP_EV_CLOSED | MPTCP_EV_TIMEOUT);
  ck_assert_int_le(mptcp_conn_read(p->conn, got, sizeof got, p->now), 0);
  tpeer_fini(p);
}
END_TEST

/* Sender side: the peer's MP_FAIL arrives on an ACK of everything we
 * sent. The stack answers with one MP_FAIL of its own on a pure ACK
 * (§3.7: both directions revert), then sends the bytes from the peer's
 * DATA_ACK again at its next subflow byte under an infinite mapping (DSS
 * with DLL 0 and checksum 0, no DATA_ACK), and plain TCP after that. */
START_TEST(test_mpfail_infmap_after_mp_fail) {
  mpt m;
  tpeer *p = mpt_open(&m, 1);
  uint8_t w[300], more[50];
  fill(w, 300, 3);
  fill(more, 50, 77);
  send_ours(&m, w);
  tseg g;
  const mptcp_subopt *d;

  /* The peer's own data: 60 bytes of a checksummed 100-byte mapping. */
  uint8_t in[100], got[100];
  fill(in, 100, 9);
  tseg part = peer_data(&m, 1, in, 100, 0);
  part.len = 60;
  tpeer_send(p, &part);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 0); /* not complete */

  /* All 300 bytes arrived at subflow level, the first 100 intact. */
  m.data_ack = m.us + 101;
  m.peer_acked = p->iss + 301;
  tseg f = tseg_make(m.irs + 61, m.peer_acked, MPTCP_TH_ACK);
  f.n_mptcp = 2;
  f.mptcp[0] = dss(&m, 0, 0, 0, 0, NULL, 0);
  memset(&f.mptcp[1], 0, sizeof f.mptcp[1]);
  f.mptcp[1].subtype = MPTCP_SUB_FAIL;
  f.mptcp[1].u.fail_dsn = m.us + 101;
  tpeer_send(p, &f);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailRx"), 1);

  /* 1: MP_FAIL back, on a pure ACK, naming our RCV.NXT. */
  expect_fail(&m, m.them + 1);
  /* 2: bytes 100..299 again, at SSN 301, under the infinite mapping. */
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.seq, p->iss + 301);
  ck_assert_uint_eq(g.len, 200);
  ck_assert_mem_eq(g.data, w + 100, 200);
  ck_assert_uint_eq(g.n_mptcp, 1);
  d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & (MPTCP_DSS_M | MPTCP_DSS_A), MPTCP_DSS_M);
  ck_assert_uint_eq(d->u.dss.dll, 0);
  ck_assert_uint_eq(d->u.dss.dsn, m.us + 101);
  ck_assert_uint_eq(d->u.dss.ssn, 301);
  ck_assert_uint_eq(d->u.dss.has_csum, 1);
  ck_assert_uint_eq(d->u.dss.csum, 0);
  tpeer_expect_none(p);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTx"), 1);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p->conn, &ci);
  ck_assert_uint_eq(ci.mptcp, 0);
  ck_assert_uint_eq(ci.fallback, 1);

  /* A retransmission (timeout) carries the infinite mapping again. */
  tpeer_time(p, tpeer_expiry(p));
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.seq, p->iss + 301);
  tseg_mptcp(&g, MPTCP_SUB_DSS);
  /* Acknowledged: what follows is plain TCP. */
  tseg ack = tseg_make(m.irs + 61, p->iss + 501, MPTCP_TH_ACK);
  tpeer_send(p, &ack);
  ck_assert_int_eq(mptcp_conn_write(p->conn, more, 50, p->now), 50);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.seq, p->iss + 501);
  ck_assert_uint_eq(g.len, 50);
  ck_assert_mem_eq(g.data, more, 50);
  ck_assert_uint_eq(g.n_mptcp, 0);
  tpeer_expect_none(p);
  /* The part of the peer's mapping that came before counts as received
   * (its checksum can no longer be checked); the rest comes plain. */
  tseg pd = tseg_make(m.irs + 61, p->iss + 551, MPTCP_TH_ACK | MPTCP_TH_PSH);
  pd.data = in + 60;
  pd.len = 40;
  tpeer_send(p, &pd);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  ck_assert_mem_eq(got, in, 100);
  tpeer_fini(p);
}
END_TEST

/* An infinite mapping without MP_FAIL before it (e.g. a peer whose
 * options got lost one way) that continues the data where it stands:
 * fallback, the data delivered, nothing sent but a plain ACK. */
START_TEST(test_mpfail_infmap_unsolicited) {
  mpt m;
  tpeer *p = mpt_open(&m, _i);
  uint8_t a[100], b[100], got[300];
  fill(a, 100, 5);
  fill(b, 100, 6);
  tseg s1 = peer_data(&m, 1, a, 100, 0);
  tpeer_send(p, &s1);
  tseg s2 = peer_infmap(&m, 101, m.them + 101, b, 100);
  tpeer_send(p, &s2);
  tseg g;
  ck_assert(tpeer_recv(p, &g)); /* two segments: ACK at once */
  ck_assert_uint_eq(g.ack, m.irs + 201);
  ck_assert_uint_eq(g.n_mptcp, 0);
  tpeer_expect_none(p);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 200);
  ck_assert_mem_eq(got, a, 100);
  ck_assert_mem_eq(got + 100, b, 100);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTx"), 0);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  /* Our data goes plain. */
  ck_assert_int_eq(mptcp_conn_write(p->conn, a, 30, p->now), 30);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.len, 30);
  ck_assert_uint_eq(g.n_mptcp, 0);
  tpeer_fini(p);
}
END_TEST

/* Hostile MP_FAILs on an ACK: without checksums (nothing could fail), or
 * naming a DSN never sent. Counted, ignored: MPTCP goes on, no MP_FAIL
 * back, the data stays mapped. */
START_TEST(test_mpfail_hostile_fail) {
  mpt m;
  tpeer *p = mpt_open(&m, _i != 0);
  uint8_t w[100];
  fill(w, 100, 8);
  ck_assert_int_eq(mptcp_conn_write(p->conn, w, 100, p->now), 100);
  tseg g;
  ck_assert(tpeer_recv(p, &g));
  m.peer_acked = p->iss + 101;
  tseg f = tseg_make(m.irs + 1, m.peer_acked, MPTCP_TH_ACK);
  f.n_mptcp = 2;
  f.mptcp[0] = dss(&m, 0, 0, 0, 0, NULL, 0);
  memset(&f.mptcp[1], 0, sizeof f.mptcp[1]);
  f.mptcp[1].subtype = MPTCP_SUB_FAIL;
  /* 0: no checksums; 1: beyond what was sent; 2: before the IDSN */
  f.mptcp[1].u.fail_dsn = _i == 0   ? m.us + 1
                          : _i == 1 ? m.us + 5000
                                    : m.us - 10;
  tpeer_send(p, &f);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailRx"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailIgnored"), _i == 0);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailBadDsn"), _i != 0);
  tpeer_expect_none(p);
  ck_assert_int_eq(mptcp_conn_write(p->conn, w, 50, p->now), 50);
  ck_assert(tpeer_recv(p, &g));
  ck_assert_uint_eq(g.len, 50);
  const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.dll, 50);
  ck_assert_ptr_null(tseg_mptcp_opt(&g, MPTCP_SUB_FAIL));
  mptcp_conn_info ci;
  mptcp_conn_get_info(p->conn, &ci);
  ck_assert_uint_eq(ci.mptcp, 1);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), 0);
  tpeer_fini(p);
}
END_TEST

/* Hostile infinite mappings. 0: a DSN that skips data we never had (no
 * failure of ours): the subflow, the only one, is reset with MP_TCPRST
 * (the connection with it), nothing of the segment is delivered. 1: on a
 * segment out of order: ignored (counted), its bytes unmapped, MPTCP goes
 * on. 2: on a pure ACK: ignored the same way. */
START_TEST(test_mpfail_hostile_infmap) {
  mpt m;
  tpeer *p = mpt_open(&m, 1);
  uint8_t a[100], got[200];
  fill(a, 100, 4);
  uint32_t ssn = _i == 1 ? 51 : 1;
  tseg s = peer_infmap(&m, ssn, m.them + ssn + (_i == 0 ? 1000 : 0), a,
                       _i == 2 ? 0 : 100);
  tpeer_send(p, &s);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
  tseg g;
  if (_i == 0) {
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapBadDsn"), 1);
    ck_assert(tpeer_recv(p, &g));
    ck_assert_uint_eq(g.flags & MPTCP_TH_RST, MPTCP_TH_RST);
    const mptcp_subopt *r = tseg_mptcp(&g, MPTCP_SUB_TCPRST);
    ck_assert_uint_eq(r->u.tcprst.reason, MPTCP_RESET_REASON_MPTCP);
    ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, 0);
  } else {
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapIgnored"), 1);
    ck_assert_uint_eq(tpeer_counter(p, "TcpRstSent"), 0);
    ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, 0);
    mptcp_conn_info ci;
    mptcp_conn_get_info(p->conn, &ci);
    ck_assert_uint_eq(ci.mptcp, 1);
    /* MPTCP goes on: a proper mapping is taken. */
    tseg s1 = peer_data(&m, 1, a, 100, 0);
    tpeer_send(p, &s1);
    ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  }
  tpeer_fini(p);
}
END_TEST

/* The peer's one infinite mapping was ignored: MPTCP goes on, and the
 * app, having read all there was, has its EOF. */
static void expect_ignored_at_eof(tpeer *p) {
  uint8_t got[16];
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapIgnored"), 1);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, 0);
  ck_assert_int_eq(mptcp_conn_read(p->conn, got, sizeof got, p->now),
                   MPTCP_ERR_EOF);
}

/* An infinite mapping after the peer's DATA_FIN was taken in order would
 * add bytes past the end of the stream: ignored, the app keeps its EOF. */
START_TEST(test_mpfail_infmap_after_data_fin) {
  mpt m;
  tpeer *p = mpt_open(&m, 1);
  uint8_t a[100], b[50], got[200];
  fill(a, 100, 4);
  fill(b, 50, 9);
  tseg s = peer_data(&m, 1, a, 100, 0);
  s.mptcp[0].u.dss.flags |= MPTCP_DSS_F;
  s.mptcp[0].u.dss.dll = 101; /* the DATA_FIN's octet */
  s.mptcp[0].u.dss.csum = mptcp_dss_csum(m.them + 1, 1, 101, a, 100);
  tpeer_send(p, &s);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  ck_assert_int_eq(mptcp_conn_read(p->conn, got, sizeof got, p->now),
                   MPTCP_ERR_EOF);
  tseg i = peer_infmap(&m, 101, m.them + 102, b, 50);
  tpeer_send(p, &i);
  expect_ignored_at_eof(p);
  tpeer_fini(p);
}
END_TEST

/* The peer's mapping of 150 bytes (a) of which 100 come (held: its
 * checksum waits for all of them), then its DATA_FIN alone at the 51st. */
static void peer_held_then_data_fin(mpt *m, const uint8_t *a) {
  uint8_t got[200];
  tseg s = peer_data(m, 1, a, 150, 0);
  s.len = 100; /* the mapping's other 50 bytes never come */
  tpeer_send(&m->p, &s);
  ck_assert_uint_eq(drain(m, got, sizeof got), 0); /* held */
  tseg f = tseg_make(m->irs + 101, m->peer_acked, MPTCP_TH_ACK);
  f.n_mptcp = 1;
  f.mptcp[0] = dss(m, 1, m->them + 51, 0, 0, NULL, 0);
  f.mptcp[0].u.dss.flags |= MPTCP_DSS_F;
  f.mptcp[0].u.dss.dll = 1; /* the DATA_FIN's octet alone */
  f.mptcp[0].u.dss.csum = mptcp_dss_csum(m->them + 51, 0, 1, NULL, 0);
  tpeer_send(&m->p, &f);
  ck_assert_uint_eq(drain(m, got, sizeof got), 0); /* still held */
}

/* The same when the bytes before the infinite mapping reach the DATA_FIN
 * only as it is taken: a mapping of 150 bytes (held: its checksum waits
 * for all of them) of which 100 came, a DATA_FIN alone at the 51st byte,
 * then the infinite mapping after the 100. Taking the held bytes consumes
 * the DATA_FIN; the mapping is ignored, and the app reads 50 bytes and
 * its EOF, nothing after it (found by fuzz_mptcp: the connection fell back
 * and the infinite mapping's bytes reached the app after its EOF). */
START_TEST(test_mpfail_infmap_reaches_data_fin) {
  mpt m;
  tpeer *p = mpt_open(&m, 1);
  uint8_t a[150], b[50], got[300];
  fill(a, 150, 4);
  fill(b, 50, 9);
  peer_held_then_data_fin(&m, a);
  tseg i = peer_infmap(&m, 101, m.them + 52, b, 50);
  tpeer_send(p, &i);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 50);
  ck_assert_mem_eq(got, a, 50);
  expect_ignored_at_eof(p);
  tpeer_fini(p);
}
END_TEST

static void peer_fail(mpt *m, uint32_t ssn, uint64_t dsn, int alone);

/* The same through the other fallback: the peer's MP_FAIL says our data
 * went bad, so we revert to TCP (our infinite mapping, resending from its
 * DATA_ACK) and take the peer's held bytes as they are, which consumes its
 * DATA_FIN. The plain TCP the peer sends after that is past the end of
 * its stream: received at TCP level (MPDataAfterFin), acknowledged, never
 * read; the app reads the 50 bytes and its EOF. */
START_TEST(test_mpfail_switch_reaches_data_fin) {
  mpt m;
  tpeer *p = mpt_open(&m, 1);
  uint8_t a[150], e[50], w[300], got[300];
  fill(a, 150, 4);
  fill(e, 50, 9);
  fill(w, 300, 13);
  send_ours(&m, w);
  peer_held_then_data_fin(&m, a);
  m.peer_acked = p->iss + 301; /* our bytes arrived, but bad */
  peer_fail(&m, 101, m.us + 1, 0);
  tseg g;
  int infmap = 0;
  for (int k = 0; k < 8 && !infmap; k++) {
    while (tpeer_recv(p, &g)) {
      const mptcp_subopt *d = tseg_mptcp_opt(&g, MPTCP_SUB_DSS);
      infmap |= g.len && d && (d->u.dss.flags & MPTCP_DSS_M) && !d->u.dss.dll;
    }
    if (!infmap && tpeer_expiry(p) != MPTCP_TSTAMP_NONE)
      tpeer_time(p, tpeer_expiry(p));
  }
  ck_assert_int_eq(infmap, 1);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  tseg s = tseg_make(m.irs + 101, m.peer_acked, MPTCP_TH_ACK | MPTCP_TH_PSH);
  s.data = e;
  s.len = 50;
  tpeer_send(p, &s);
  ck_assert_uint_eq(tpeer_counter(p, "MPDataAfterFin"), 1);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 50);
  ck_assert_mem_eq(got, a, 50);
  ck_assert_int_eq(mptcp_conn_read(p->conn, got, sizeof got, p->now),
                   MPTCP_ERR_EOF);
  tpeer_time(p, p->now + 300000); /* e is acknowledged all the same */
  int acked = 0;
  while (tpeer_recv(p, &g)) acked |= g.ack == m.irs + 151;
  ck_assert_int_eq(acked, 1);
  tpeer_fini(p);
}
END_TEST

/* The peer's infinite mapping fills a hole behind which bytes wait that
 * their own mapping put elsewhere in the stream (a DSN 200 further on):
 * plain TCP would count them as received where it reads the stream next,
 * yet they are not there. They are forgotten (SACKed or not, RFC 2018
 * §8), and the app reads b, then c when the peer sends it again (found by
 * fuzz_mptcp: the receive buffer counted more bytes than it holds). _i:
 * without and with checksums. */
START_TEST(test_mpfail_infmap_fills_hole) {
  mpt m;
  tpeer *p = mpt_open(&m, _i);
  uint8_t a[100], b[100], c[100], got[400];
  fill3(a, b, c, 61);
  tseg s1 = peer_data(&m, 1, a, 100, 0);
  tpeer_send(p, &s1);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  tseg s3 = peer_data(&m, 201, c, 100, 0);
  s3.mptcp[0] = dss(&m, 1, m.them + 401, 201, 100, c, 0);
  tpeer_send(p, &s3);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
  tseg i = peer_infmap(&m, 101, m.them + 101, b, 100);
  tpeer_send(p, &i);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  ck_assert_mem_eq(got, b, 100);
  s3.n_mptcp = 0; /* c again, as plain TCP */
  tpeer_send(p, &s3);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  ck_assert_mem_eq(got, c, 100);
  expect_fallen_back(&m, 301);
  tpeer_fini(p);
}
END_TEST

/* The same after the subflow's FIN: a segment past the FIN carries no
 * bytes the subflow takes, so its infinite mapping is ignored (taking it
 * counted the FIN's octet as a thrown-away data byte). */
START_TEST(test_mpfail_infmap_after_fin) {
  mpt m;
  tpeer *p = mpt_open(&m, 1);
  uint8_t a[100], b[50], got[200];
  fill(a, 100, 4);
  fill(b, 50, 9);
  tseg s = peer_data(&m, 1, a, 100, 1); /* bad checksum, and a FIN */
  s.flags |= MPTCP_TH_FIN;
  tpeer_send(p, &s);
  ck_assert_uint_eq(tpeer_counter(p, "DataCsumErr"), 1);
  tseg i = peer_infmap(&m, 102, m.them + 102, b, 50);
  tpeer_send(p, &i);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapIgnored"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRetroactive"), 0);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
  tpeer_fini(p);
}
END_TEST

/* The pure ACKs the stack has for the peer now (delayed ones included);
 * the last is left in @p last. */
static int last_ack(tpeer *p, tseg *last) {
  int n = 0;
  tpeer_time(p, p->now + 300000);
  while (tpeer_recv(p, last)) n++;
  return n;
}

/* The receiver waits for the infinite mapping of a sender that does not
 * resend (Linux, KQ4): it put its window's worth of data behind the bad
 * mapping, and its window ends at our DATA_ACK (frozen at the failure)
 * plus what we announce. So the announced window covers the held bytes
 * plus a segment: the sender has room for the new segment that carries
 * its mapping, at its next DSN (retroactive over the held bytes). The
 * held bytes fill the receive buffer: that segment's data comes again
 * once the application has read them. */
START_TEST(test_mpfail_window_for_infmap) {
  enum { BUF = 8192, SEG = 1024 };
  mpt m;
  tpeer *p = mpt_open_buf(&m, 1, BUF, NULL);
  uint8_t a[100], held[BUF], more[SEG], got[BUF + SEG];
  fill(a, sizeof a, 21);
  fill(held, sizeof held, 22);
  fill(more, sizeof more, 23);
  tseg s1 = peer_data(&m, 1, a, 100, 0);
  tpeer_send(p, &s1);
  tseg g;
  ck_assert_int_ge(last_ack(p, &g), 1);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  /* The bad mapping, then mappings up to the end of the buffer. */
  for (uint32_t off = 0; off < BUF; off += SEG) {
    tseg sk = peer_data(&m, 101 + off, held + off, SEG, off == 0);
    tpeer_send(p, &sk);
  }
  ck_assert_int_ge(last_ack(p, &g), 1);
  ck_assert_uint_eq(g.ack, m.irs + 101 + BUF);
  const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.data_ack, m.them + 101);
  tseg_mptcp(&g, MPTCP_SUB_FAIL);
  /* Room at connection level: DATA_ACK + window beyond what was sent. */
  uint64_t edge = d->u.dss.data_ack + (uint64_t)g.win;
  uint64_t snd_nxt = m.them + 101 + BUF;
  ck_assert_uint_gt(edge, snd_nxt);
  ck_assert_uint_ge(edge - snd_nxt, SEG);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 0);

  /* The sender's next new segment, with the infinite mapping at its next
   * DSN: the held bytes are taken as they came, the stream goes on. */
  tseg s3 = peer_infmap(&m, 101 + BUF, snd_nxt, more, SEG);
  tpeer_send(p, &s3);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRetroactive"), 1);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  ck_assert_uint_eq(drain(&m, got, sizeof got), BUF);
  ck_assert_mem_eq(got, held, BUF);
  ck_assert_int_ge(last_ack(p, &g), 1);
  ck_assert_uint_eq(g.n_mptcp, 0);
  if (g.ack != m.irs + 101 + BUF + SEG) { /* it did not fit: again */
    ck_assert_uint_eq(g.ack, m.irs + 101 + BUF);
    s3.n_mptcp = 0;
    tpeer_send(p, &s3);
    ck_assert_int_ge(last_ack(p, &g), 1);
    ck_assert_uint_eq(g.ack, m.irs + 101 + BUF + SEG);
  }
  ck_assert_uint_eq(drain(&m, got, sizeof got), SEG);
  ck_assert_mem_eq(got, more, SEG);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTimeout"), 0);
  tpeer_fini(p);
}
END_TEST

/* With DSS checksums (asked for by us or by the peer) the MSS we
 * announce leaves room for a 28-byte DSS: Linux's segment carrying its
 * infinite mapping is sized as if it had no MPTCP option (KQ4). _i: 0/1
 * listener without/with checksums, 2/3 client without/with. */
START_TEST(test_mpfail_syn_mss) {
  int csum = _i & 1;
  int32_t mss;
  if (_i < 2) {
    mpt m;
    tpeer *p = mpt_open_buf(&m, csum, 65536, &mss);
    tpeer_fini(p);
  } else {
    tpeer p;
    mptcp_settings s;
    tpeer_default_settings(&s);
    s.mptcp = 1;
    s.checksum = csum;
    tpeer_init(&p, &s, 0);
    tseg g = tpeer_connect(&p, NULL);
    mss = g.mss;
    tpeer_fini(&p);
  }
  ck_assert_int_eq(mss, csum ? 1460 - 28 : 1460);
}
END_TEST

/* The peer's own MP_FAIL (Linux's answer to ours) on a pure ACK at its
 * relative SSN @p ssn, with a DSS, or alone when @p alone. Its DSN names
 * our data (none sent: our first DSN). */
static void peer_fail(mpt *m, uint32_t ssn, uint64_t dsn, int alone) {
  tseg f = tseg_make(m->irs + ssn, m->peer_acked, MPTCP_TH_ACK);
  f.n_mptcp = alone ? 1 : 2;
  int i = 0;
  if (!alone) f.mptcp[i++] = dss(m, 0, 0, 0, 0, NULL, 0);
  memset(&f.mptcp[i], 0, sizeof f.mptcp[i]);
  f.mptcp[i].subtype = MPTCP_SUB_FAIL;
  f.mptcp[i].u.fail_dsn = dsn;
  tpeer_send(&m->p, &f);
}

/* A peer that reverts to TCP after our MP_FAIL without any DSS with DLL
 * 0 on the wire (Linux 6.18 with large buffers, KQ4): it answers with
 * its own MP_FAIL, sends one more segment under its old mapping, then
 * plain TCP continuing that mapping. Taken as its infinite mapping at
 * our DATA_ACK, retroactive over the held bytes (§3.7).
 * _i: 0 the case above; 1 the MP_FAIL comes alone, on the first plain
 * segment; 2 no MP_FAIL from the peer: nothing is taken (the peer may be
 * MPTCP still); 3 its MP_FAIL names a DSN we never sent: ignored, so
 * likewise; 4 a held mapping does not continue the failed one (its DSN
 * jumps): the held bytes are not the stream, the subflow is reset;
 * 5 the plain segment is out of order: it says nothing yet. */
START_TEST(test_mpfail_implicit_infmap) {
  mpt m;
  uint8_t a[100], b[100], c[100], e[100], got[400];
  fill3(a, b, c, 21);
  fill(e, 100, 99);
  tpeer *p = mpt_failed(&m, a, b);
  tseg g;
  tseg s3 = peer_data(&m, 201, c, 100, 0);
  if (_i == 4) {
    s3.mptcp[0] = dss(&m, 1, m.them + 205, 201, 100, c, 0);
  }
  tpeer_send(p, &s3);
  if (_i == 0 || _i == 4 || _i == 5) peer_fail(&m, 301, m.us + 1, 0);
  if (_i == 3) peer_fail(&m, 301, m.us + 2, 0); /* beyond our SND.NXT */
  ck_assert_uint_eq(tpeer_counter(p, "MPFailBadDsn"), _i == 3);
  while (tpeer_recv(p, &g)) /* MP_FAIL repeated on the ACKs */
    ck_assert_uint_eq(g.flags & MPTCP_TH_RST, 0);
  /* Plain TCP from the peer at its next subflow byte. */
  tseg s4 = tseg_make(m.irs + 301 + (_i == 5 ? 50u : 0u), m.peer_acked,
                      MPTCP_TH_ACK | MPTCP_TH_PSH);
  s4.data = e;
  s4.len = 100;
  if (_i == 1) {
    s4.n_mptcp = 1;
    memset(&s4.mptcp[0], 0, sizeof s4.mptcp[0]);
    s4.mptcp[0].subtype = MPTCP_SUB_FAIL;
    s4.mptcp[0].u.fail_dsn = m.us + 1;
  }
  tpeer_send(p, &s4);
  mptcp_conn_info ci;
  if (_i <= 1) {
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapImplicit"), 1);
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRetroactive"), 1);
    ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
    ck_assert_uint_eq(drain(&m, got, sizeof got), 300);
    ck_assert_mem_eq(got, b, 100);
    ck_assert_mem_eq(got + 100, c, 100);
    ck_assert_mem_eq(got + 200, e, 100);
    expect_fallen_back(&m, 401);
    ck_assert_uint_eq(tpeer_counter(p, "MPFailTimeout"), 0);
  } else if (_i == 4) {
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapBadDsn"), 1);
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapImplicit"), 0);
    ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
    ck_assert(tpeer_recv(p, &g));
    ck_assert_uint_eq(g.flags & MPTCP_TH_RST, MPTCP_TH_RST);
  } else {
    /* Not taken, not acknowledged, still waiting: the timeout decides. */
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapImplicit"), 0);
    ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
    while (tpeer_recv(p, &g)) {
      ck_assert_uint_eq(g.flags & MPTCP_TH_RST, 0);
      ck_assert_uint_eq(g.ack, m.irs + 301);
    }
    mptcp_conn_get_info(p->conn, &ci);
    ck_assert_uint_eq(ci.mptcp, 1);
    tpeer_time(p, tpeer_expiry(p));
    while (tpeer_recv(p, &g) && !(g.flags & MPTCP_TH_RST)) {
    }
    ck_assert_uint_eq(tpeer_counter(p, "MPFailTimeout"), 1);
  }
  tpeer_fini(p);
}
END_TEST

/* The peer's MP_FAIL that may be a report stays one: the wait for
 * evidence (an RTO) ends in one more MP_FAIL of ours, so that a reporter
 * with nothing to acknowledge repeats its own. */
static void expect_probe(mpt *m, uint64_t dsn) {
  tpeer *p = &m->p;
  mptcp_tstamp at = tpeer_expiry(p);
  ck_assert_uint_ne(at, MPTCP_TSTAMP_NONE);
  tpeer_time(p, at);
  expect_fail(m, dsn);
  tpeer_expect_none(p);
}

/* A middlebox rewrites data both ways (§3.7 in both directions): the
 * peer finds our bytes from DSN us + 101 on bad, we find its mapping b
 * bad. The order in which each end learns of the other's failure:
 * _i 0 ours first: our MP_FAIL is out when the peer's comes, naming its
 * frozen DATA_ACK (a report, or an answer whose DATA_ACK lags: KQ6); its
 * repeat at once proves nothing, so nothing changes until the wait ends
 * in one more MP_FAIL of ours; the peer repeats its report, DATA_ACK
 * still frozen: a crossing; a wait later both directions fall back,
 * each end takes the bytes it holds (b) retroactively, nothing is
 * resent, and our next new segment carries the infinite mapping
 * continuing our stream (DSN us + 301 at SSN 301);
 * _i 3 likewise, but the peer (having seen our one more) sends its
 * infinite mapping, retroactive over b, instead of a repeat: taken, and
 * our stream continues as plain TCP;
 * _i 1 theirs first: the peer's MP_FAIL comes before b; we answer, b's
 * checksum fails while we revert to TCP, so b is taken as TCP takes it
 * (no reset), and once our old mapping is acknowledged we resend from
 * the peer's DATA_ACK under the infinite mapping;
 * _i 2 at the same time: the peer's MP_FAIL rides on b itself; as _i 1. */
START_TEST(test_mpfail_crossed) {
  mpt m;
  uint8_t a[100], b[100], c[100], w[300], more[50], got[400];
  fill3(a, b, c, 31);
  fill(w, 300, 5);
  fill(more, 50, 123);
  int ours = _i == 0 || _i == 3;
  tpeer *p;
  if (ours) {
    p = mpt_failed(&m, a, b);
    send_ours(&m, w);
  } else {
    p = mpt_first(&m, a);
    tpeer_time(p, p->now + 300000); /* the delayed ACK */
    tseg g;
    ck_assert(tpeer_recv(p, &g));
    ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
    send_ours(&m, w);
  }
  /* The peer found our bytes from 101 on bad: DATA_ACK stays there. */
  m.data_ack = m.us + 101;
  m.peer_acked = p->iss + (ours ? 301 : 201);
  if (_i == 2) {
    tseg s2 = peer_data(&m, 101, b, 100, 1);
    s2.n_mptcp = 2;
    memset(&s2.mptcp[1], 0, sizeof s2.mptcp[1]);
    s2.mptcp[1].subtype = MPTCP_SUB_FAIL;
    s2.mptcp[1].u.fail_dsn = m.us + 101;
    tpeer_send(p, &s2);
  } else {
    peer_fail(&m, ours ? 201 : 101, m.us + 101, 0);
  }
  ck_assert_uint_eq(tpeer_counter(p, "MPFailRx"), 1);
  /* Theirs first: the answer, naming what we took from the peer. Ours
   * first: nothing yet, not even for the repeat that comes at once. */
  if (!ours) expect_fail(&m, m.them + (_i == 1 ? 101 : 201));
  tpeer_expect_none(p);
  if (ours) {
    peer_fail(&m, 201, m.us + 101, 0);
    tpeer_expect_none(p);
    ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
    expect_probe(&m, m.them + 101);
  }
  if (_i == 1) {
    tseg s2 = peer_data(&m, 101, b, 100, 1); /* sent before our answer */
    tpeer_send(p, &s2);
  }
  tseg g;
  if (ours) {
    ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, 0);
    if (_i == 0) {
      /* Its report again, after our probe: a crossing. It gets an answer,
       * and so does one more (a peer that probed later needs a report
       * after its probe), no third; both fall back a wait later. */
      for (int k = 0; k < 3; k++) {
        peer_fail(&m, 201, m.us + 101, 0);
        if (k < 2) expect_fail(&m, m.them + 101);
        tpeer_expect_none(p);
      }
      ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 1);
      ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, 0);
      ck_assert_uint_eq(drain(&m, got, sizeof got), 0);
      tpeer_time(p, tpeer_expiry(p));
      ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
      ck_assert_mem_eq(got, b, 100);
    } else {
      tseg s3 = peer_infmap(&m, 201, m.them + 201, c, 100);
      tpeer_send(p, &s3);
      ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
      ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
      ck_assert_uint_eq(drain(&m, got, sizeof got), 200);
      ck_assert_mem_eq(got, b, 100);
      ck_assert_mem_eq(got + 100, c, 100);
    }
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRetroactive"), 1);
    ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
    /* Nothing resent: new data continues the stream the peer holds. */
    while (tpeer_recv(p, &g)) ck_assert_uint_eq(g.len, 0);
    ck_assert_int_eq(mptcp_conn_write(p->conn, more, 50, p->now), 50);
    expect_seg(&m, 301, more, 50, _i == 0 ? m.us + 301 : 0);
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), _i == 0);
    /* report, probe (and the two answers of a crossing) */
    ck_assert_uint_eq(tpeer_counter(p, "MPFailTx"), _i == 0 ? 4 : 2);
  } else {
    /* b failed after the peer's MP_FAIL: taken, no reset. */
    ck_assert_uint_eq(tpeer_counter(p, "DataCsumErr"), 1);
    ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
    ck_assert_mem_eq(got, b, 100);
    tpeer_expect_none(p); /* our mapping is not all acknowledged yet */
    tseg ack = tseg_make(m.irs + 201, p->iss + 301, MPTCP_TH_ACK);
    tpeer_send(p, &ack);
    m.peer_acked = p->iss + 301;
    /* Resent from the peer's DATA_ACK under the infinite mapping. */
    expect_seg(&m, 301, w + 100, 200, m.us + 101);
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), 1);
    ck_assert_uint_eq(tpeer_counter(p, "MPFailTx"), 1); /* the answer */
    ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
    ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  }
  ck_assert_uint_eq(tpeer_counter(p, "TcpRstSent"), 0);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapBadDsn"), 0);
  tpeer_expect_none(p);
  /* Plain TCP from the peer continues its stream; it acknowledges all. */
  uint32_t nxt = _i == 3 ? 301 : 201;
  m.peer_acked = p->iss + (ours ? 351 : 501);
  tseg s4 = tseg_make(m.irs + nxt, m.peer_acked, MPTCP_TH_ACK | MPTCP_TH_PSH);
  s4.data = a;
  s4.len = 100;
  tpeer_send(p, &s4);
  ck_assert_uint_eq(drain(&m, got, sizeof got), 100);
  ck_assert_mem_eq(got, a, 100);
  expect_fallen_back(&m, nxt + 100);
  tpeer_fini(p);
}
END_TEST

/* The connection after mpt_failed (a, then b failed) and our 300 bytes,
 * all in the peer's subflow (its TCP ACK 301); b and c: the peer's
 * payloads after a. */
static tpeer *mpt_failed_sent(mpt *m, uint8_t *b, uint8_t *c, uint8_t seed) {
  uint8_t a[100], w[300];
  fill3(a, b, c, seed);
  fill(w, 300, (uint8_t)(seed + 7));
  tpeer *p = mpt_failed(m, a, b);
  send_ours(m, w);
  m->peer_acked = p->iss + 301;
  return p;
}

/* Plain TCP from the peer: @p d at its relative SSN 201, no option. */
static void peer_plain(mpt *m, const uint8_t *d) {
  tseg s3 = tseg_make(m->irs + 201, m->peer_acked, MPTCP_TH_ACK | MPTCP_TH_PSH);
  s3.data = d;
  s3.len = 100;
  tpeer_send(&m->p, &s3);
}

/* The peer's fallback after its answer was taken as such: the held b and
 * then c are read, nothing of ours was mapped anew, no crossing, no
 * timeout, plain TCP from now on. */
static void expect_answer_taken(mpt *m, const uint8_t *b, const uint8_t *c) {
  tpeer *p = &m->p;
  uint8_t got[300];
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRetroactive"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), 0);
  ck_assert_uint_eq(drain(m, got, sizeof got), 200);
  ck_assert_mem_eq(got, b, 100);
  ck_assert_mem_eq(got + 100, c, 100);
  expect_fallen_back(m, 301);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailTimeout"), 0);
}

/* Linux answers our MP_FAIL naming its last mapping's start, below its
 * DATA_ACK, and answers again when our repeat crosses its answer (KQ4,
 * kc-/pc-mpfail): neither is a report, so no crossing is assumed and no
 * one more MP_FAIL is sent; its plain TCP then is its infinite mapping.
 * _i 1: the answer names its DATA_ACK, as ours does, and comes once: it
 * may be a report until the plain TCP, which ends the wait. */
START_TEST(test_mpfail_answer_repeated) {
  mpt m;
  uint8_t b[100], c[100];
  tpeer *p = mpt_failed_sent(&m, b, c, 41);
  m.data_ack = m.us + 301; /* all of ours arrived intact */
  uint64_t named = _i ? m.us + 301 : m.us + 1;
  peer_fail(&m, 201, named, 0);
  tpeer_expect_none(p);
  if (!_i) peer_fail(&m, 201, named, 0);
  tseg g;
  while (tpeer_recv(p, &g)) ck_assert_uint_eq(g.flags & MPTCP_TH_RST, 0);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailRx"), 2 - (uint64_t)_i);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, 0);
  peer_plain(&m, c);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapImplicit"), 1);
  expect_answer_taken(&m, b, c);
  tpeer_fini(p);
}
END_TEST

/* KQ6: Linux answers each MP_FAIL of ours with one naming its current
 * receive mapping's start; while its connection has not taken that
 * mapping's data in, its DATA_ACK is that DSN too, and the answer looks
 * like a report. Here our 300 bytes (one mapping at us + 1) are in its
 * subflow (TCP ACK 301), not yet in its connection: it answers twice,
 * 12 us apart, MP_FAIL = DATA_ACK = us + 1. That is no crossing; what it
 * does next shows the answerer, and its fallback is taken as an answer:
 * _i 0 its DATA_ACK moves past us + 1, then plain TCP (taken as its
 * infinite mapping at our DATA_ACK, InfiniteMapImplicit);
 * _i 1 its infinite mapping (DSS, DLL 0) at its next DSN (InfiniteMapRx);
 * _i 2 nothing until the wait ends: our one more MP_FAIL is answered the
 * same way, its DATA_ACK past us + 1 by then; then plain TCP as in 0;
 * _i 3 as 2, but it has nothing to send: no more probes, no crossing,
 * no fallback; the MP_FAIL timeout resets the connection, as after any
 * answer of a peer that never sends its infinite mapping. */
START_TEST(test_mpfail_answer_names_ack) {
  mpt m;
  uint8_t b[100], c[100];
  tpeer *p = mpt_failed_sent(&m, b, c, 51);
  peer_fail(&m, 201, m.us + 1, 0);
  tpeer_time(p, p->now + 12);
  peer_fail(&m, 201, m.us + 1, 0);
  tseg g;
  while (tpeer_recv(p, &g)) ck_assert_uint_eq(g.len, 0);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailRx"), 2);
  ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, 0);
  m.data_ack = m.us + 301; /* taken in */
  if (_i == 0) {
    tseg ack = tseg_make(m.irs + 201, m.peer_acked, MPTCP_TH_ACK);
    ack.n_mptcp = 1;
    ack.mptcp[0] = dss(&m, 0, 0, 0, 0, NULL, 0);
    tpeer_send(p, &ack);
    tpeer_expect_none(p);
  } else if (_i >= 2) {
    expect_probe(&m, m.them + 101);
    peer_fail(&m, 201, m.us + 1, 0);
    tpeer_expect_none(p);
  }
  ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
  if (_i == 3) {
    int fails = 0, rst = 0;
    mptcp_tstamp at;
    while (!rst && (at = tpeer_expiry(p)) != MPTCP_TSTAMP_NONE) {
      tpeer_time(p, at);
      while (tpeer_recv(p, &g)) {
        rst |= (g.flags & MPTCP_TH_RST) != 0;
        fails += !(g.flags & MPTCP_TH_RST) &&
                 tseg_mptcp_opt(&g, MPTCP_SUB_FAIL) != NULL;
      }
    }
    ck_assert_int_eq(rst, 1);
    ck_assert_int_eq(fails, 0); /* answered: no more probes */
    ck_assert_uint_eq(tpeer_counter(p, "MPFailTimeout"), 1);
    ck_assert_uint_eq(tpeer_counter(p, "MPFailCrossed"), 0);
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), 0);
    tpeer_fini(p);
    return;
  }
  if (_i == 1) {
    tseg s3 = peer_infmap(&m, 201, m.them + 201, c, 100);
    tpeer_send(p, &s3);
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  } else {
    peer_plain(&m, c);
    ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapImplicit"), 1);
  }
  expect_answer_taken(&m, b, c);
  tpeer_fini(p);
}
END_TEST

/* A fallback that ends the wait frees the send buffer the peer's frozen
 * DATA_ACK held, though TCP acknowledged every byte: the application
 * hears that it can write again, since no later ACK may come to tell it.
 * Here the peer (its own report crossing ours) keeps its DATA_ACK at our
 * first byte and acknowledges our buffer's worth at TCP level; then its
 * infinite mapping comes. */
START_TEST(test_mpfail_fallback_writable) {
  enum { BUF = 65536 };
  mpt m;
  uint8_t a[100], b[100], c[100], more[100];
  static uint8_t w[BUF + 1000];
  fill3(a, b, c, 61);
  fill(w, sizeof w, 62);
  tpeer *p = mpt_failed(&m, a, b);
  mptcp_ssize k = mptcp_conn_write(p->conn, w, sizeof w, p->now);
  ck_assert_int_lt(k, (mptcp_ssize)sizeof w);
  tseg g;
  uint32_t sent = 0;
  for (int i = 0; i < 1000 && tpeer_recv(p, &g); i++) {
    if (!g.len) continue;
    m.peer_acked = g.seq + g.len;
    sent = m.peer_acked - (p->iss + 1);
    tseg ack = tseg_make(m.irs + 201, m.peer_acked, MPTCP_TH_ACK);
    ack.n_mptcp = 1;
    ack.mptcp[0] = dss(&m, 0, 0, 0, 0, NULL, 0); /* DATA_ACK us + 1 */
    tpeer_send(p, &ack);
  }
  ck_assert_uint_gt(sent, BUF / 2);
  ck_assert_int_eq(mptcp_conn_write(p->conn, more, sizeof more, p->now),
                   MPTCP_ERR_WOULDBLOCK);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_WRITABLE, 0);
  tseg s3 = peer_infmap(&m, 201, m.them + 201, c, 100);
  tpeer_send(p, &s3);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_WRITABLE, MPTCP_EV_WRITABLE);
  ck_assert_int_eq(mptcp_conn_write(p->conn, more, sizeof more, p->now),
                   (mptcp_ssize)sizeof more);
  tpeer_fini(p);
}
END_TEST

/* ---- Fallback after a data-level resend (dretx.c) ---- */

/* The peer's pure ACK of our relative SSN @p ssn, its DATA_ACK at our
 * relative DSN @p dack, window @p win. */
static void ack_ours(mpt *m, uint32_t ssn, uint64_t dack, int32_t win) {
  tseg a = tseg_make(m->irs + 1, m->p.iss + ssn, MPTCP_TH_ACK);
  a.win = win;
  a.n_mptcp = 1;
  m->data_ack = m->us + dack;
  a.mptcp[0] = dss(m, 0, 0, 0, 0, NULL, 0);
  tpeer_send(&m->p, &a);
}

/* The next segment of ours with data or a FIN; pure ACKs before it carry
 * no DSS once fallen back (@p plain). */
static int next_data(mpt *m, tseg *g, int plain) {
  while (tpeer_recv(&m->p, g)) {
    if (g->len || (g->flags & MPTCP_TH_FIN)) return 1;
    if (plain) ck_assert_uint_eq(g->n_mptcp, 0);
  }
  return 0;
}

enum { RS_LEN = 3000 };

/* Our RS_LEN bytes (w), the peer's first 100 (a), and what our app
 * writes after the fallback (n1, then n2). */
typedef struct rs_data {
  uint8_t w[RS_LEN], a[100], n1[200], n2[100];
} rs_data;

static void rs_fill(rs_data *d, uint8_t seed) {
  fill(d->w, sizeof d->w, seed);
  fill(d->a, sizeof d->a, (uint8_t)(seed + 1));
  fill(d->n1, sizeof d->n1, (uint8_t)(seed + 2));
  fill(d->n2, sizeof d->n2, (uint8_t)(seed + 3));
}

/* The peer acknowledges our bytes before relative SSN @p ssn as plain
 * TCP: the app's next bytes (@p d->n2) go there without any option. */
static void plain_after(mpt *m, uint32_t ssn, const rs_data *d) {
  tpeer *p = &m->p;
  tseg ack = tseg_make(m->irs + 101, p->iss + ssn, MPTCP_TH_ACK);
  tpeer_send(p, &ack);
  ck_assert_int_eq(mptcp_conn_write(p->conn, d->n2, sizeof d->n2, p->now),
                   (mptcp_ssize)sizeof d->n2);
  expect_seg(m, ssn, d->n2, sizeof d->n2, 0);
  tpeer_expect_none(p);
}

/* Our RS_LEN bytes of @p w go out; the peer acknowledges them at subflow
 * level in a window of @p win, its DATA_ACK staying at our first byte.
 * At the data-level timeout they go again as a new mapping from SSN
 * RS_LEN + 1, as far as the window lets. Returns the length of the first
 * resent segment, whose bytes and mapping are checked. */
static uint32_t resend_stuck(mpt *m, const uint8_t *w, int32_t win) {
  tpeer *p = &m->p;
  ck_assert_int_eq(mptcp_conn_write(p->conn, w, RS_LEN, p->now), RS_LEN);
  uint32_t end = 1;
  tseg g;
  for (int k = 0; k < 10 && next_data(m, &g, 0); k++) {
    ck_assert_mem_eq(g.data, w + (g.seq - p->iss - 1), g.len);
    end = g.seq - p->iss + g.len;
    ack_ours(m, end, 1, win);
  }
  ck_assert_uint_eq(end, RS_LEN + 1);
  tpeer_expect_none(p);
  tpeer_time(p, tpeer_expiry(p));
  ck_assert_uint_eq(tpeer_counter(p, "MPDataRetrans"), 1);
  ck_assert(next_data(m, &g, 0));
  ck_assert_uint_eq(g.seq, p->iss + RS_LEN + 1);
  const mptcp_subopt *d = tseg_mptcp(&g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & MPTCP_DSS_M, MPTCP_DSS_M);
  ck_assert_uint_eq(d->u.dss.dsn, m->us + 1);
  ck_assert_uint_eq(d->u.dss.ssn, RS_LEN + 1);
  ck_assert_uint_gt(g.len, 1000);
  ck_assert_mem_eq(g.data, w, g.len);
  return g.len;
}

/* The peer's infinite mapping on its first 100 bytes (@p a), which
 * acknowledge our relative SSN @p ack with a DATA_ACK at our relative
 * DSN @p dack: the connection falls back and the app reads them. */
static void peer_falls_back(mpt *m, const uint8_t *a, uint32_t ack,
                            uint64_t dack) {
  tpeer *p = &m->p;
  uint8_t got[200];
  m->peer_acked = p->iss + ack;
  m->data_ack = m->us + dack;
  tseg s = peer_infmap(m, 1, m->them + 1, a, 100);
  tpeer_send(p, &s);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(tpeer_events(p) & MPTCP_EV_FALLBACK, MPTCP_EV_FALLBACK);
  ck_assert_uint_eq(drain(m, got, sizeof got), 100);
  ck_assert_mem_eq(got, a, 100);
  mptcp_conn_info ci;
  mptcp_conn_get_info(p->conn, &ci);
  ck_assert_uint_eq(ci.fallback, 1);
}

/* Our segment @p g under our infinite mapping: DSS with only M, DLL 0,
 * at relative SSN @p ssn and DSN us + @p dsn, checksum field 0 when
 * checksums are on. */
static void expect_own_infmap(const mpt *m, const tseg *g, uint32_t ssn,
                              uint64_t dsn) {
  const mptcp_subopt *d = tseg_mptcp(g, MPTCP_SUB_DSS);
  ck_assert_uint_eq(d->u.dss.flags & (MPTCP_DSS_M | MPTCP_DSS_A | MPTCP_DSS_F),
                    MPTCP_DSS_M);
  ck_assert_uint_eq(d->u.dss.dll, 0);
  ck_assert_uint_eq(d->u.dss.ssn, ssn);
  ck_assert_uint_eq(d->u.dss.dsn, m->us + dsn);
  ck_assert_uint_eq(d->u.dss.has_csum, m->csum);
  ck_assert_uint_eq(d->u.dss.csum, 0);
}

/* The peer's infinite mapping after a resend of one segment (the window
 * let no more go) that it acknowledged, so all we sent is acknowledged
 * at subflow level. _i >> 1 = 1: its DATA_ACK covers all our data, past
 * the continuation of our latest mapping (the resend): our first new
 * segment carries our own infinite mapping at SND.UNA naming that
 * DATA_ACK, and goes on with the new bytes; 2: the same, the ACK and
 * DATA_ACK on a pure ACK before. 0: its DATA_ACK is that continuation:
 * our stream goes on there as plain TCP, the resend's rest first.
 * _i & 1: DSS checksums. */
START_TEST(test_mpfail_fallback_after_resend) {
  int past = (_i >> 1) != 0, ack_first = (_i >> 1) == 2;
  mpt m;
  static rs_data d;
  rs_fill(&d, 11);
  const uint8_t *w = d.w, *n1 = d.n1;
  tpeer *p = mpt_open(&m, _i & 1);
  uint32_t len = resend_stuck(&m, w, 2000);
  tpeer_expect_none(p); /* the window holds the rest */
  uint32_t una = RS_LEN + 1 + len;
  if (ack_first) {
    ack_ours(&m, una, RS_LEN + 1, 65535);
    tpeer_expect_none(p); /* all DATA_ACKed: nothing more to resend */
  }
  peer_falls_back(&m, d.a, una, past ? RS_LEN + 1 : len + 1);
  tseg g;
  uint32_t ssn = una;
  if (!past) { /* the resend's rest, as plain TCP */
    while (ssn < una + RS_LEN - len && next_data(&m, &g, 1)) {
      ck_assert_uint_eq(g.seq, p->iss + ssn);
      ck_assert_uint_eq(g.n_mptcp, 0);
      ck_assert_mem_eq(g.data, w + len + (ssn - una), g.len);
      ssn += g.len;
      tseg ack = tseg_make(m.irs + 101, p->iss + ssn, MPTCP_TH_ACK);
      tpeer_send(p, &ack);
    }
    ck_assert_uint_eq(ssn, una + RS_LEN - len);
  }
  ck_assert(!next_data(&m, &g, 1));
  ck_assert_int_eq(mptcp_conn_write(p->conn, n1, sizeof d.n1, p->now),
                   (mptcp_ssize)sizeof d.n1);
  ck_assert(next_data(&m, &g, 1));
  ck_assert_uint_eq(g.seq, p->iss + ssn);
  ck_assert_uint_eq(g.len, sizeof d.n1);
  ck_assert_mem_eq(g.data, n1, sizeof d.n1);
  if (past)
    expect_own_infmap(&m, &g, ssn, RS_LEN + 1);
  else
    ck_assert_uint_eq(g.n_mptcp, 0);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), past);
  plain_after(&m, ssn + sizeof d.n1, &d); /* acknowledged: plain TCP */
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), past);
  ck_assert_uint_eq(tpeer_counter(p, "TcpRstSent"), 0);
  tpeer_fini(p);
}
END_TEST

/* The resend went in two or more segments; the peer acknowledges the
 * first of them, DATA_ACKs all our data and sends its infinite mapping.
 * The resent copies past its RCV.NXT are in flight (or in its queue): a
 * peer that falls back would take them as the data after its DATA_ACK,
 * and nothing we send now can take their place. No fallback: the subflow,
 * the only one, is reset with MP_TCPRST "middlebox interference"
 * (MPFallbackUnsafe). _i: DSS checksums. */
START_TEST(test_mpfail_fallback_resend_in_flight) {
  mpt m;
  static rs_data d;
  rs_fill(&d, 21);
  const uint8_t *w = d.w;
  tpeer *p = mpt_open(&m, _i);
  uint32_t len = resend_stuck(&m, w, 65535);
  tseg g;
  uint32_t end = RS_LEN + 1 + len;
  while (next_data(&m, &g, 0)) { /* the resend's rest */
    ck_assert_uint_eq(g.seq, p->iss + end);
    ck_assert_mem_eq(g.data, w + (end - RS_LEN - 1), g.len);
    end += g.len;
  }
  /* (With checksums the last bytes wait: Nagle.) */
  ck_assert_uint_gt(end, RS_LEN + 1 + len + 1000);
  m.peer_acked = p->iss + RS_LEN + 1 + len;
  m.data_ack = m.us + RS_LEN + 1;
  tseg s = peer_infmap(&m, 1, m.them + 1, d.a, 100);
  tpeer_send(p, &s);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapRx"), 1);
  ck_assert_uint_eq(tpeer_counter(p, "MPFallbackUnsafe"), 1);
  uint32_t ev = tpeer_events(p);
  ck_assert_uint_eq(ev & (MPTCP_EV_FALLBACK | MPTCP_EV_RESET), MPTCP_EV_RESET);
  int rst = 0;
  while (tpeer_recv(p, &g)) {
    ck_assert_uint_eq(g.len, 0); /* nothing more of ours */
    if (!(g.flags & MPTCP_TH_RST)) continue;
    const mptcp_subopt *r = tseg_mptcp(&g, MPTCP_SUB_TCPRST);
    ck_assert_uint_eq(r->u.tcprst.reason, MPTCP_RESET_REASON_MIDDLEBOX);
    rst++;
  }
  ck_assert_int_eq(rst, 1);
  ck_assert_uint_eq(tpeer_counter(p, "InfiniteMapTx"), 0);
  tpeer_fini(p);
}
END_TEST

Suite *suite_mpfail(void) {
  const tcheck_test tests[] = {
      TCHECK_TEST(test_mpfail_ack_after_bad_csum),
      TCHECK_TEST(test_mpfail_timeout),
      TCHECK_LOOP(test_mpfail_infmap_retroactive, 2),
      TCHECK_TEST(test_mpfail_infmap_after_mp_fail),
      TCHECK_LOOP(test_mpfail_infmap_unsolicited, 2),
      TCHECK_LOOP(test_mpfail_hostile_fail, 3),
      TCHECK_LOOP(test_mpfail_hostile_infmap, 3),
      TCHECK_TEST(test_mpfail_infmap_after_data_fin),
      TCHECK_TEST(test_mpfail_infmap_reaches_data_fin),
      TCHECK_TEST(test_mpfail_switch_reaches_data_fin),
      TCHECK_LOOP(test_mpfail_infmap_fills_hole, 2),
      TCHECK_TEST(test_mpfail_infmap_after_fin),
      TCHECK_TEST(test_mpfail_window_for_infmap),
      TCHECK_LOOP(test_mpfail_syn_mss, 4),
      TCHECK_LOOP(test_mpfail_implicit_infmap, 6),
      TCHECK_LOOP(test_mpfail_crossed, 4),
      TCHECK_LOOP(test_mpfail_answer_repeated, 2),
      TCHECK_LOOP(test_mpfail_answer_names_ack, 4),
      TCHECK_TEST(test_mpfail_fallback_writable),
      TCHECK_LOOP(test_mpfail_fallback_after_resend, 6),
      TCHECK_LOOP(test_mpfail_fallback_resend_in_flight, 2),
  };
  return tcheck_suite("mpfail", tests, sizeof tests / sizeof tests[0]);
}
