/*
 * The path manager (RFC 8684 §3.4, §3.3.8) between two stacks of ours:
 * ADD_ADDR announced, HMAC-checked, echoed (and repeated when lost), listed
 * and joined; REMOVE_ADDR; MP_PRIO both ways; a dead subflow of ours
 * opened again with backoff.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/mptcp.h>
#include <stdlib.h>
#include <string.h>

#include "mpair.h"
#include "tcheck.h"

#define SEC 1000000u

/* Addresses B announces (the pair delivers every packet, whatever its
 * address). */
static const mptcp_addr addr_b2 = {{MPTCP_AF_INET, {10, 0, 2, 2}}, 0};
static const mptcp_addr addr_b3 = {{MPTCP_AF_INET, {10, 0, 3, 2}}, 0};
static const mptcp_addr addr_b4 = {{MPTCP_AF_INET, {10, 0, 4, 2}}, 0};
static const mptcp_addr addr_b6 = {
    {MPTCP_AF_INET6, {0x20, 0x01, 0x0d, 0xb8, [15] = 2}}, 0};
/* A second address of A (for MP_PRIO). */
static const mptcp_addr addr_a2 = {{MPTCP_AF_INET, {10, 0, 1, 1}}, 0};

/* What the filter saw, and what it does to packets. */
typedef struct watch {
  int drop_adds; /* drop the next N ADD_ADDRs (not echoes) */
  int forge;     /* flip a bit of every ADD_ADDR's HMAC */
  int dark;      /* drop everything from or to dark_ip */
  int hold;      /* keep B's ADD_ADDRs here (up to 4) */
  unsigned n_held;
  size_t held_len[4];
  uint8_t held[4][1500];
  mptcp_ipaddr dark_ip;
  unsigned adds, echoes; /* ADD_ADDRs from B, echoes from A */
  mptcp_tstamp add_at[32], echo_at[32];
  unsigned joins;  /* A's join attempts: SYNs with MP_JOIN, one per port */
  int join_ip_set; /* count only those to join_ip */
  mptcp_ipaddr join_ip;
  uint16_t join_port[32];
  mptcp_tstamp join_at[32];
} watch;

static int watch_filter(pair *p, int from_a, uint8_t *b, size_t n) {
  watch *w = p->ud;
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  size_t len;
  if (from_a &&
      (pk.tcp_flags & (MPTCP_TH_SYN | MPTCP_TH_ACK)) == MPTCP_TH_SYN &&
      pair_find_mptcp(b, n, MPTCP_SUB_JOIN, &len) &&
      (!w->join_ip_set || mptcp_ipaddr_equal(&pk.dst, &w->join_ip))) {
    unsigned k = 0;
    while (k < w->joins && w->join_port[k] != pk.sport) k++;
    if (k == w->joins && k < 32) {
      w->join_port[k] = pk.sport;
      w->join_at[w->joins++] = p->now;
    }
  }
  if (w->dark && (mptcp_ipaddr_equal(&pk.src, &w->dark_ip) ||
                  mptcp_ipaddr_equal(&pk.dst, &w->dark_ip)))
    return 0;
  size_t at = pair_find_mptcp(b, n, MPTCP_SUB_ADD_ADDR, &len);
  if (!at) return 1;
  if (b[at + 2] & 0x01) { /* E: an echo */
    ck_assert(from_a);
    if (w->echoes < 32) w->echo_at[w->echoes] = p->now;
    w->echoes++;
    return 1;
  }
  ck_assert(!from_a);
  if (w->adds < 32) w->add_at[w->adds] = p->now;
  w->adds++;
  if (w->hold && w->n_held < 4) {
    memcpy(w->held[w->n_held], b, n);
    w->held_len[w->n_held++] = n;
    return 0;
  }
  if (w->drop_adds > 0) {
    w->drop_adds--;
    return 0;
  }
  if (w->forge) {
    b[at + len - 1] ^= 0x01; /* the HMAC's last byte */
    pair_fix_csum(b, n);
  }
  return 1;
}

/* Index of a joined (carrying data), still open subflow of @p c to or from
 * @p ip (remote address), or -1 (a join may reuse the initial one's slot 0
 * once it is gone). */
static int joined_to(mptcp_conn *c, const mptcp_ipaddr *ip) {
  for (size_t i = 0; i < mptcp_conn_subflow_slots(c); i++) {
    mptcp_subflow_info si;
    if (mptcp_conn_get_subflow(c, i, &si) == 0 && si.joined &&
        si.state != MPTCP_TCP_CLOSED && mptcp_ipaddr_equal(&si.remote.ip, ip))
      return (int)i;
  }
  return -1;
}

/* Same on B's side: a joined subflow on B's local address @p ip. */
static int joined_at(mptcp_conn *c, const mptcp_ipaddr *ip) {
  for (size_t i = 1; i < mptcp_conn_subflow_slots(c); i++) {
    mptcp_subflow_info si;
    if (mptcp_conn_get_subflow(c, i, &si) == 0 && si.joined &&
        si.state != MPTCP_TCP_CLOSED && mptcp_ipaddr_equal(&si.local.ip, ip))
      return (int)i;
  }
  return -1;
}

/* Open subflows besides the first. */
static unsigned extra_subflows(mptcp_conn *c) {
  unsigned n = 0;
  for (size_t i = 1; i < mptcp_conn_subflow_slots(c); i++) {
    mptcp_subflow_info si;
    if (mptcp_conn_get_subflow(c, i, &si) == 0 && si.state != MPTCP_TCP_CLOSED)
      n++;
  }
  return n;
}

/* 1. B announces 10.0.2.2: A echoes it, lists it (MPTCP_EV_ADDR), joins
 * it from its first address and sends over both subflows; with
 * pm_policy MPTCP_PM_NONE (_i = 1) it only lists it. */
START_TEST(test_pm_announce) {
  int join = _i == 0;
  mptcp_settings sa, sb;
  pair_settings(&sa);
  pair_settings(&sb);
  sa.sndbuf = sa.rcvbuf = sb.sndbuf = sb.rcvbuf = 256 * 1024;
  ck_assert_uint_eq(sa.pm_policy, MPTCP_PM_JOIN_ANNOUNCED); /* the default */
  sa.pm_policy = join ? MPTCP_PM_JOIN_ANNOUNCED : MPTCP_PM_NONE;
  pair p;
  pair_init(&p, &sa, &sb);
  watch w = {0};
  p.ud = &w;
  p.filter = watch_filter;
  pair_connected(&p);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_ADDR, 0);
  mptcp_addr got;
  ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, 0, &got, NULL),
                   MPTCP_ERR_INVALID_ARG);
  int id = mptcp_conn_announce(p.cb, &addr_b2, p.now);
  ck_assert_int_ge(id, 1);
  /* The same address twice is refused. */
  ck_assert_int_eq(mptcp_conn_announce(p.cb, &addr_b2, p.now),
                   MPTCP_ERR_INVALID_ARG);
  PAIR_RUN_UNTIL(&p, pair_counter(p.b, "MPAddAddrEchoRx") == 1, 5 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrEchoRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrRx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrHMacFailure"), 0);
  ck_assert_uint_eq(w.adds, 1);
  ck_assert_uint_eq(w.echoes, 1);
  /* Listed, with the connection's port (none in the option). */
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_ADDR, MPTCP_EV_ADDR);
  uint8_t gid = 0;
  ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, 0, &got, &gid), 0);
  ck_assert(mptcp_ipaddr_equal(&got.ip, &addr_b2.ip));
  ck_assert_uint_eq(got.port, pair_addr_b.port);
  ck_assert_uint_eq(gid, (unsigned)id);
  ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, 1, &got, NULL),
                   MPTCP_ERR_INVALID_ARG);
  /* No more announcements once echoed. */
  PAIR_RUN_UNTIL(&p, 0, 20 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), 1);
  if (join) {
    int ia = joined_to(p.ca, &addr_b2.ip), ib = joined_at(p.cb, &addr_b2.ip);
    ck_assert_int_ge(ia, 1);
    ck_assert_int_ge(ib, 1);
    mptcp_subflow_info a = pair_sfi(p.ca, (size_t)ia),
                       b = pair_sfi(p.cb, (size_t)ib);
    /* From A's first address, to the announced one with its ID. */
    ck_assert(mptcp_ipaddr_equal(&a.local.ip, &pair_addr_a.ip));
    ck_assert_uint_eq(a.remote.port, pair_addr_b.port);
    ck_assert_uint_eq(a.remote_id, (unsigned)id);
    ck_assert_uint_eq(b.local_id, (unsigned)id);
    ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 1);
    ck_assert_uint_eq(pair_counter(p.b, "MPJoinAckRx"), 1);
    pair_transfer(&p, 1000000);
    for (size_t i = 0; i < 2; i++) {
      size_t k = i ? (size_t)ia : 0;
      ck_assert_uint_gt(pair_sfi(p.ca, k).bytes_sent, 100000);
      ck_assert_uint_gt(pair_sfi(p.cb, i ? (size_t)ib : 0).bytes_sent, 100000);
    }
  } else {
    pair_transfer(&p, 200000);
    ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 0);
    ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynRx"), 0);
    ck_assert_uint_eq(extra_subflows(p.ca), 0);
    ck_assert_uint_eq(w.joins, 0);
  }
  pair_fini(&p);
}
END_TEST

/* 2. The first _i + 1 ADD_ADDRs are lost: it goes again after 1 s, then
 * 2 s, is echoed, and A joins. */
START_TEST(test_pm_announce_lost) {
  int lost = _i + 1;
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  watch w = {.drop_adds = lost};
  p.ud = &w;
  p.filter = watch_filter;
  pair_connected(&p);
  mptcp_tstamp t0 = p.now;
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &addr_b2, p.now), 1);
  PAIR_RUN_UNTIL(&p, pair_counter(p.b, "MPAddAddrEchoRx") == 1, 30 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrEchoRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), (unsigned)lost + 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrRx"), 1);
  ck_assert_uint_eq(w.adds, (unsigned)lost + 1);
  /* The backoff: 1 s, then 2 s (a little slack for the carrying ACK). */
  ck_assert_uint_lt(w.add_at[0] - t0, SEC / 10);
  for (int k = 1; k <= lost; k++) {
    mptcp_tstamp gap = w.add_at[k] - w.add_at[k - 1],
                 want = (mptcp_tstamp)SEC << (k - 1);
    ck_assert_msg(gap >= want && gap < want + SEC / 2,
                  "try %d after %llu us, want %llu", k + 1,
                  (unsigned long long)gap, (unsigned long long)want);
  }
  PAIR_RUN_UNTIL(&p, joined_to(p.ca, &addr_b2.ip) >= 1, 10 * SEC);
  ck_assert_int_ge(joined_to(p.ca, &addr_b2.ip), 1);
  /* Echoed: no more tries. */
  PAIR_RUN_UNTIL(&p, 0, 20 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), (unsigned)lost + 1);
  pair_transfer(&p, 300000);
  pair_fini(&p);
}
END_TEST

/* 3. Three addresses announced at once, on an idle connection: all three
 * go out and are echoed within the first retransmission interval, none
 * waits for another's echo. With _i = 1 they reach A in one burst (held
 * back, then read in a row): A owes three echoes at once, and sends them
 * all at once too. */
START_TEST(test_pm_announce_several) {
  pair p;
  pair_init_pm(&p, MPTCP_PM_NONE, MPTCP_PM_JOIN_ANNOUNCED);
  watch w = {.hold = _i};
  p.ud = &w;
  p.filter = watch_filter;
  pair_connected(&p);
  const mptcp_addr *adds[3] = {&addr_b2, &addr_b3, &addr_b4};
  int ids[3];
  mptcp_tstamp t0 = p.now;
  for (int k = 0; k < 3; k++) {
    ids[k] = mptcp_conn_announce(p.cb, adds[k], p.now);
    ck_assert_int_ge(ids[k], 1);
    for (int j = 0; j < k; j++) ck_assert_int_ne(ids[k], ids[j]);
  }
  if (w.hold) {
    PAIR_RUN_UNTIL(&p, w.n_held == 3, SEC / 2);
    ck_assert_uint_eq(w.n_held, 3);
    w.hold = 0;
    for (unsigned k = 0; k < 3; k++)
      ck_assert_int_eq(
          mptcp_stack_read_pkt(p.a, NULL, w.held[k], w.held_len[k], p.now), 0);
    ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrRx"), 3);
  }
  PAIR_RUN_UNTIL(&p, pair_counter(p.b, "MPAddAddrEchoRx") == 3, 30 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrEchoRx"), 3);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), 3);
  ck_assert_uint_eq(w.echoes, 3);
  for (int k = 0; k < 3; k++)
    ck_assert_msg(w.echo_at[k] - t0 < SEC, "echo %d after %llu us", k,
                  (unsigned long long)(w.echo_at[k] - t0));
  /* A lists all three, each with its ID. */
  for (int k = 0; k < 3; k++) {
    mptcp_addr got;
    uint8_t id;
    ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, (size_t)k, &got, &id), 0);
    int j = 0;
    while (j < 3 && !mptcp_ipaddr_equal(&got.ip, &adds[j]->ip)) j++;
    ck_assert_int_lt(j, 3);
    ck_assert_int_eq(id, ids[j]);
  }
  /* None is announced again. */
  PAIR_RUN_UNTIL(&p, 0, 20 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), 3);
  pair_fini(&p);
}
END_TEST

/* 4. A forged ADD_ADDR (HMAC bit flipped, TCP checksum fixed): A counts
 * it, neither lists nor echoes nor joins it. */
START_TEST(test_pm_announce_forged) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  watch w = {.forge = 1};
  p.ud = &w;
  p.filter = watch_filter;
  pair_connected(&p);
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &addr_b2, p.now), 1);
  PAIR_RUN_UNTIL(&p, 0, 60 * SEC); /* every try */
  uint64_t tx = pair_counter(p.b, "MPAddAddrTx");
  ck_assert_uint_eq(tx, 5); /* never echoed: all tries */
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrHMacFailure"), tx);
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrRx"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrEchoRx"), 0);
  ck_assert_uint_eq(w.echoes, 0);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_ADDR, 0);
  mptcp_addr got;
  ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, 0, &got, NULL),
                   MPTCP_ERR_INVALID_ARG);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 0);
  ck_assert_uint_eq(extra_subflows(p.ca), 0);
  pair_transfer(&p, 100000);
  pair_fini(&p);
}
END_TEST

/* 5. REMOVE_ADDR: an unknown ID changes nothing; then B withdraws the
 * address A joined: A's subflow to it closes (and B's), A forgets the
 * address, the data goes on over the first subflow. */
START_TEST(test_pm_remove) {
  mptcp_settings s;
  pair_settings(&s);
  s.sndbuf = s.rcvbuf = 256 * 1024;
  pair p;
  pair_init(&p, &s, &s);
  watch w = {0};
  p.ud = &w;
  p.filter = watch_filter;
  pair_connected(&p);
  int id = mptcp_conn_announce(p.cb, &addr_b2, p.now);
  ck_assert_int_ge(id, 1);
  PAIR_RUN_UNTIL(&p, joined_to(p.ca, &addr_b2.ip) >= 1, 10 * SEC);
  int ia = joined_to(p.ca, &addr_b2.ip);
  ck_assert_int_ge(ia, 1);
  ck_assert_int_ge(joined_at(p.cb, &addr_b2.ip), 1);
  /* An ID never announced. */
  p.ev_a = 0;
  ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, (uint8_t)(id + 5), p.now), 0);
  PAIR_RUN_UNTIL(&p, pair_counter(p.a, "MPRmAddrRx") == 1, 5 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPRmAddrTx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPRmAddrRx"), 1);
  ck_assert_int_eq(joined_to(p.ca, &addr_b2.ip), ia);
  ck_assert_uint_eq(extra_subflows(p.ca), 1);
  ck_assert_uint_eq(extra_subflows(p.cb), 1);
  mptcp_addr got;
  uint8_t gid;
  ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, 0, &got, &gid), 0);
  ck_assert_uint_eq(gid, (unsigned)id);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_ADDR | MPTCP_EV_SUBFLOW), 0);
  uint64_t before = pair_sfi(p.ca, (size_t)ia).bytes_sent;
  pair_push(&p, 1, 500000);
  ck_assert_uint_gt(pair_sfi(p.ca, (size_t)ia).bytes_sent, before + 50000);
  /* Now the real one. */
  ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, (uint8_t)id, p.now), 0);
  PAIR_RUN_UNTIL(&p, pair_counter(p.a, "MPRmAddrRx") == 2, 5 * SEC);
  ck_assert_uint_eq(pair_counter(p.a, "MPRmAddrRx"), 2);
  PAIR_RUN_UNTIL(&p, extra_subflows(p.ca) == 0, 5 * SEC);
  ck_assert_uint_eq(extra_subflows(p.ca), 0);
  ck_assert_uint_eq(extra_subflows(p.cb), 0);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_ADDR, MPTCP_EV_ADDR);
  ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, 0, &got, NULL),
                   MPTCP_ERR_INVALID_ARG);
  /* Not joined again. */
  uint64_t syns = pair_counter(p.a, "MPJoinSynTx");
  uint64_t sent0 = pair_sfi(p.ca, 0).bytes_sent,
           sent0b = pair_sfi(p.cb, 0).bytes_sent;
  pair_transfer(&p, 300000);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), syns);
  ck_assert_uint_eq(extra_subflows(p.ca), 0);
  ck_assert_uint_ge(pair_sfi(p.ca, 0).bytes_sent - sent0, 300000);
  ck_assert_uint_ge(pair_sfi(p.cb, 0).bytes_sent - sent0b, 300000);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  pair_fini(&p);
}
END_TEST

/* 6. MP_PRIO: one side (_i = 0: A, 1: B) makes subflow 1 a backup; the
 * other side sees peer_backup and stops sending new data on it while
 * subflow 0 works; made regular again, it is used again. */
START_TEST(test_pm_prio) {
  mptcp_settings s;
  pair_settings(&s);
  s.sndbuf = s.rcvbuf = 256 * 1024;
  pair p;
  pair_init(&p, &s, &s);
  pair_connected(&p);
  ck_assert_int_eq(
      mptcp_conn_add_subflow(p.ca, &addr_a2, &pair_addr_b, 0, p.now), 1);
  PAIR_RUN_UNTIL(
      &p, mptcp_conn_subflow_slots(p.cb) == 2 && pair_sfi(p.cb, 1).joined,
      10 * SEC);
  ck_assert(pair_sfi(p.ca, 1).joined && pair_sfi(p.cb, 1).joined);
  mptcp_conn *me = _i ? p.cb : p.ca, *peer = _i ? p.ca : p.cb;
  mptcp_stack *peer_st = _i ? p.a : p.b;
  int from_peer = peer == p.ca; /* push() direction for the peer's data */
  /* Both used before. */
  pair_push(&p, from_peer, 1000000);
  ck_assert_uint_gt(pair_sfi(peer, 1).bytes_sent, 50000);
  ck_assert_int_eq(mptcp_conn_set_backup(me, 1, 1, p.now), 0);
  ck_assert_int_eq(mptcp_conn_set_backup(me, 7, 1, p.now),
                   MPTCP_ERR_INVALID_ARG);
  PAIR_RUN_UNTIL(&p, pair_sfi(peer, 1).peer_backup, 5 * SEC);
  ck_assert_uint_eq(pair_sfi(peer, 1).peer_backup, 1);
  ck_assert_uint_eq(pair_sfi(peer, 0).peer_backup, 0);
  ck_assert_uint_eq(pair_sfi(me, 1).backup, 1);
  ck_assert_uint_eq(pair_counter(peer_st, "MPPrioRx"), 1);
  pair_pump(&p);
  uint64_t b1 = pair_sfi(peer, 1).bytes_sent, b0 = pair_sfi(peer, 0).bytes_sent;
  uint64_t m1 = pair_sfi(me, 1).bytes_sent;
  pair_push(&p, from_peer, 1000000);
  ck_assert_uint_eq(pair_sfi(peer, 1).bytes_sent, b1);
  ck_assert_uint_ge(pair_sfi(peer, 0).bytes_sent - b0, 1000000);
  /* Our own scheduler follows our flag too. */
  pair_push(&p, !from_peer, 300000);
  ck_assert_uint_eq(pair_sfi(me, 1).bytes_sent, m1);
  /* Regular again. */
  ck_assert_int_eq(mptcp_conn_set_backup(me, 1, 0, p.now), 0);
  PAIR_RUN_UNTIL(&p, !pair_sfi(peer, 1).peer_backup, 5 * SEC);
  ck_assert_uint_eq(pair_sfi(peer, 1).peer_backup, 0);
  ck_assert_uint_eq(pair_counter(peer_st, "MPPrioRx"), 2);
  pair_push(&p, from_peer, 1000000);
  ck_assert_uint_gt(pair_sfi(peer, 1).bytes_sent - b1, 50000);
  pair_fini(&p);
}
END_TEST

/* 7. A's joined subflow to B's announced address goes dark long enough to
 * time out: A opens it again after 1 s, then (the re-opened join dying
 * too) after longer and longer delays; once the path is back, a new
 * subflow joins on it and carries data. With _i = 1, B also announced
 * 10.0.3.2 (joined too) and withdraws it once the dark subflow died: that
 * must not stop the re-opening towards 10.0.2.2. With _i = 2, A runs the
 * fullmesh policy: its subflows re-open the same way. */
START_TEST(test_pm_reopen) {
  mptcp_settings sa, sb;
  pair_settings(&sa);
  pair_settings(&sb);
  if (_i == 2) sa.pm_policy = MPTCP_PM_FULLMESH; /* same re-opening */
  sa.max_retries = 3;
  sa.syn_retries = 1; /* a join SYN gives up after 1 s + 2 s */
  sa.sndbuf = sa.rcvbuf = sb.sndbuf = sb.rcvbuf = 256 * 1024;
  pair p;
  pair_init(&p, &sa, &sb);
  watch w = {.dark_ip = addr_b2.ip};
  p.ud = &w;
  p.filter = watch_filter;
  pair_connected(&p);
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &addr_b2, p.now), 1);
  PAIR_RUN_UNTIL(&p, joined_to(p.ca, &addr_b2.ip) >= 1, 10 * SEC);
  int ia = joined_to(p.ca, &addr_b2.ip);
  ck_assert_int_ge(ia, 1);
  ck_assert_uint_eq(w.joins, 1);
  int id3 = 0, removed = 0;
  if (_i == 1) {
    id3 = mptcp_conn_announce(p.cb, &addr_b3, p.now);
    ck_assert_int_ge(id3, 1);
    PAIR_RUN_UNTIL(&p, joined_to(p.ca, &addr_b3.ip) >= 1, 10 * SEC);
    ck_assert_int_ge(joined_to(p.ca, &addr_b3.ip), 1);
    w.joins = 1; /* count only the joins to 10.0.2.2 (below) */
    w.join_ip = addr_b2.ip;
    w.join_ip_set = 1;
  }
  /* A streams to B; the path goes dark once it carries data, and stays
   * dark until three re-opening attempts were made. */
  enum { N = 1000000 };
  uint8_t *data = malloc(N), buf[65536];
  for (size_t i = 0; i < N; i++) data[i] = (uint8_t)(i * 13 + 1);
  size_t sent = 0, got = 0;
  mptcp_tstamp died = 0, back = 0, end = p.now + 300 * SEC;
  for (long r = 0; !back; r++) {
    ck_assert_msg(r < 2000000, "no progress: sent %zu got %zu", sent, got);
    if (sent < N) {
      mptcp_ssize k = mptcp_conn_write(p.ca, data + sent, N - sent, p.now);
      if (k > 0) sent += (size_t)k;
    }
    mptcp_ssize k;
    while ((k = mptcp_conn_read(p.cb, buf, sizeof buf, p.now)) > 0) {
      ck_assert_msg(memcmp(buf, data + got, (size_t)k) == 0, "data differs");
      got += (size_t)k;
    }
    if (!w.dark && !died && pair_sfi(p.ca, (size_t)ia).bytes_sent > 100000)
      w.dark = 1;
    /* The first timeout is the dark subflow's (a re-opened join that
     * gives up counts too, later). */
    if (w.dark && !died && pair_counter(p.a, "TcpConnTimeout") > 0)
      died = p.now;
    if (_i == 1 && died && !removed) {
      ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, (uint8_t)id3, p.now), 0);
      removed = 1;
    }
    if (w.dark && w.joins >= 4) {
      w.dark = 0;
      back = p.now;
    }
    if (!pair_tick(&p, end)) break;
  }
  ck_assert_msg(died, "the dark subflow never timed out");
  ck_assert_msg(back, "only %u join attempts", w.joins);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  /* The delays: the first re-open 1 s after the death, and re-opens
   * further and further apart. */
  mptcp_tstamp d1 = w.join_at[1] - died, d2 = w.join_at[2] - w.join_at[1],
               d3 = w.join_at[3] - w.join_at[2];
  ck_assert_msg(d1 >= SEC && d1 < SEC + SEC / 2, "first re-open after %llu us",
                (unsigned long long)d1);
  ck_assert_msg(d2 > d1 && d3 > d2, "re-opens after %llu, %llu, %llu us",
                (unsigned long long)d1, (unsigned long long)d2,
                (unsigned long long)d3);
  ck_assert_uint_ge(pair_counter(p.a, "MPSubflowReopen"), 3);
  if (_i == 1) { /* the withdrawn address is gone, and not re-opened */
    ck_assert_uint_eq(pair_counter(p.a, "MPRmAddrRx"), 1);
    ck_assert_int_eq(joined_to(p.ca, &addr_b3.ip), -1);
  }
  /* The path is back: the next attempt joins and carries data. */
  PAIR_RUN_UNTIL(&p, joined_to(p.ca, &addr_b2.ip) >= 1, 120 * SEC);
  int again = joined_to(p.ca, &addr_b2.ip);
  ck_assert_int_ge(again, 1);
  uint64_t before = pair_sfi(p.ca, (size_t)again).bytes_sent;
  for (long r = 0; got < N; r++) { /* the rest of the stream */
    ck_assert_msg(r < 2000000, "no progress: sent %zu got %zu", sent, got);
    if (sent < N) {
      mptcp_ssize k = mptcp_conn_write(p.ca, data + sent, N - sent, p.now);
      if (k > 0) sent += (size_t)k;
    }
    mptcp_ssize k;
    while ((k = mptcp_conn_read(p.cb, buf, sizeof buf, p.now)) > 0) {
      ck_assert_msg(memcmp(buf, data + got, (size_t)k) == 0, "data differs");
      got += (size_t)k;
    }
    pair_step(&p);
  }
  pair_push(&p, 1, 1000000);
  ck_assert_uint_gt(pair_sfi(p.ca, (size_t)again).bytes_sent - before, 50000);
  /* Joined: no more re-opening. */
  uint64_t reopen = pair_counter(p.a, "MPSubflowReopen");
  PAIR_RUN_UNTIL(&p, 0, 120 * SEC);
  ck_assert_uint_eq(pair_counter(p.a, "MPSubflowReopen"), reopen);
  free(data);
  pair_fini(&p);
}
END_TEST

/* 8. An IPv6 address announced on an IPv4 connection: echoed and listed,
 * not joined (the families differ). */
START_TEST(test_pm_announce_v6) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  watch w = {0};
  p.ud = &w;
  p.filter = watch_filter;
  pair_connected(&p);
  int id = mptcp_conn_announce(p.cb, &addr_b6, p.now);
  ck_assert_int_ge(id, 1);
  PAIR_RUN_UNTIL(&p, pair_counter(p.b, "MPAddAddrEchoRx") == 1, 5 * SEC);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrEchoRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrRx"), 1);
  ck_assert_uint_eq(pair_counter(p.a, "AddAddrMalformed"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "AddAddrMalformed"), 0);
  ck_assert_uint_eq(p.ev_a & MPTCP_EV_ADDR, MPTCP_EV_ADDR);
  mptcp_addr got;
  uint8_t gid;
  ck_assert_int_eq(mptcp_conn_get_peer_addr(p.ca, 0, &got, &gid), 0);
  ck_assert_uint_eq(got.ip.family, MPTCP_AF_INET6);
  ck_assert(mptcp_ipaddr_equal(&got.ip, &addr_b6.ip));
  ck_assert_uint_eq(got.port, pair_addr_b.port);
  ck_assert_uint_eq(gid, (unsigned)id);
  pair_transfer(&p, 200000);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynRx"), 0);
  ck_assert_uint_eq(extra_subflows(p.ca), 0);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrTx"), 1);
  pair_fini(&p);
}
END_TEST

/* 9. A joins B from its second address, then announces that address: B
 * echoes and lists it but opens no subflow to it, as one between the two
 * addresses exists already (A opened it). */
START_TEST(test_pm_announce_joined) {
  mptcp_settings s;
  pair_settings(&s);
  pair p;
  pair_init(&p, &s, &s);
  pair_connected(&p);
  ck_assert_int_eq(
      mptcp_conn_add_subflow(p.ca, &addr_a2, &pair_addr_b, 0, p.now), 1);
  PAIR_RUN_UNTIL(&p, joined_at(p.cb, &pair_addr_b.ip) >= 1, 5 * SEC);
  ck_assert_int_eq(joined_at(p.cb, &pair_addr_b.ip), 1);
  ck_assert_int_ge(mptcp_conn_announce(p.ca, &addr_a2, p.now), 1);
  PAIR_RUN_UNTIL(&p, 0, 10 * SEC);
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrEchoRx"), 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPAddAddrRx"), 1);
  ck_assert_uint_eq(p.ev_b & MPTCP_EV_ADDR, MPTCP_EV_ADDR);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynTx"), 0);
  ck_assert_uint_eq(extra_subflows(p.cb), 1);
  pair_transfer(&p, 100000);
  pair_fini(&p);
}
END_TEST

/* A connected pair with policy @p pm on both sides whose packets from or
 * to @p dark are lost. */
static void dark_pair(pair *p, watch *w, uint8_t pm, const mptcp_ipaddr *dark) {
  pair_init_pm(p, pm, pm);
  w->dark = 1;
  w->dark_ip = *dark;
  p->ud = w;
  p->filter = watch_filter;
  pair_connected(p);
}

/* 10. The app withdraws the initial address (ID 0) while a join from
 * another address is still in its handshake (its path is dark): the
 * initial subflow is the last one carrying data and stays, and the
 * connection goes on (found by fuzz_multipath: the half-open join counted
 * as an open subflow, the initial one was reset, the connection died). */
START_TEST(test_pm_remove_last_joined) {
  pair p;
  watch w = {0};
  dark_pair(&p, &w, MPTCP_PM_NONE, &pair_addr_a2.ip);
  int j = mptcp_conn_add_subflow(p.ca, &pair_addr_a2, &pair_addr_b, 0, p.now);
  ck_assert_int_ge(j, 1);
  pair_run_until(&p, p.now + 100000);
  ck_assert_uint_eq(pair_sfi(p.ca, (size_t)j).joined, 0);
  ck_assert_uint_ne(pair_sfi(p.ca, (size_t)j).state, MPTCP_TCP_CLOSED);
  ck_assert_int_eq(mptcp_conn_remove_addr(p.ca, 0, p.now), 0);
  pair_run_until(&p, p.now + 100000);
  ck_assert_uint_eq(pair_sfi(p.ca, 0).state, MPTCP_TCP_ESTABLISHED);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_CLOSED | MPTCP_EV_RESET), 0);
  pair_push(&p, 1, 100000);
  pair_push(&p, 0, 100000);
  pair_fini(&p);
}
END_TEST

/* 11. B withdraws an address while A's join to it is still in its
 * handshake (the path is dark): the join goes at once and is not opened
 * again (found by fuzz_multipath: it timed out later and the path manager
 * re-opened it towards the withdrawn address). */
START_TEST(test_pm_remove_during_join) {
  pair p;
  watch w = {0};
  w.join_ip_set = 1;
  w.join_ip = addr_b2.ip;
  dark_pair(&p, &w, MPTCP_PM_JOIN_ANNOUNCED, &addr_b2.ip);
  int id = mptcp_conn_announce(p.cb, &addr_b2, p.now);
  ck_assert_int_ge(id, 1);
  PAIR_RUN_UNTIL(&p, w.joins >= 1, 5 * SEC);
  ck_assert_uint_eq(w.joins, 1);
  ck_assert_uint_eq(extra_subflows(p.ca), 1);
  ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, (uint8_t)id, p.now), 0);
  PAIR_RUN_UNTIL(&p, pair_counter(p.a, "MPRmAddrRx") == 1, 5 * SEC);
  ck_assert_uint_eq(pair_counter(p.a, "MPRmAddrRx"), 1);
  ck_assert_uint_eq(extra_subflows(p.ca), 0);
  pair_run_until(&p, p.now + 120 * SEC);
  ck_assert_uint_eq(w.joins, 1);
  ck_assert_uint_eq(extra_subflows(p.ca), 0);
  pair_transfer(&p, 100000);
  pair_fini(&p);
}
END_TEST

/* Is subflow @p i of @p c closed or gone (its slot freed)? */
static int sf_gone(mptcp_conn *c, size_t i) {
  mptcp_subflow_info si;
  return mptcp_conn_get_subflow(c, i, &si) != 0 || si.state == MPTCP_TCP_CLOSED;
}

/* A connected pair, A with policy @p pm_a, B with none, that counts A's
 * joins to @p ip (whose path goes dark when the test says so). */
static void watched_pair(pair *p, watch *w, uint8_t pm_a,
                         const mptcp_ipaddr *ip) {
  w->join_ip_set = 1;
  w->join_ip = *ip;
  w->dark_ip = *ip; /* dark later */
  pair_init_pm(p, pm_a, MPTCP_PM_NONE);
  p->ud = w;
  p->filter = watch_filter;
  pair_connected(p);
}

/* The watched address goes dark: A's subflow @p sf_open(c) >= 0 to it
 * times out, and A opens nothing towards it again in two minutes; the
 * connection goes on over its other subflow. */
static void dark_dies_alone(pair *p, watch *w, int (*sf_open)(mptcp_conn *c)) {
  unsigned joins = w->joins;
  w->dark = 1;
  pair_push(p, 1, 200000);
  PAIR_RUN_UNTIL(p, sf_open(p->ca) < 0, 600 * SEC);
  ck_assert_int_lt(sf_open(p->ca), 0);
  ck_assert_uint_eq(pair_counter(p->a, "TcpConnTimeout"), 1);
  pair_run_until(p, p->now + 120 * SEC);
  ck_assert_uint_eq(w->joins, joins);
  ck_assert_uint_eq(pair_counter(p->a, "MPSubflowReopen"), 0);
  ck_assert_uint_eq(p->ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  pair_push(p, 1, 100000);
  pair_push(p, 0, 100000);
  pair_fini(p);
}

/* 12. B withdraws its initial address while A's subflow to it is A's
 * only one (it stays: the connection needs a path); then B joins A from
 * another address, and the withdrawn address goes dark: A's subflow to it
 * times out, and A opens nothing towards it again (found by
 * fuzz_multipath: the path manager re-opened the dead subflow towards the
 * withdrawn address). The connection goes on over B's join. */
static int initial_open(mptcp_conn *c) { return sf_gone(c, 0) ? -1 : 0; }

START_TEST(test_pm_remove_then_die) {
  pair p;
  watch w = {0};
  watched_pair(&p, &w, MPTCP_PM_NONE, &pair_addr_b.ip);
  ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, 0, p.now), 0);
  PAIR_RUN_UNTIL(&p, pair_counter(p.a, "MPRmAddrRx") == 1, 5 * SEC);
  ck_assert_uint_eq(pair_sfi(p.ca, 0).state, MPTCP_TCP_ESTABLISHED);
  int j = mptcp_conn_add_subflow(p.cb, &addr_b2, &pair_addr_a, 0, p.now);
  ck_assert_int_ge(j, 1);
  PAIR_RUN_UNTIL(&p, joined_at(p.cb, &addr_b2.ip) >= 1, 5 * SEC);
  ck_assert_int_ge(joined_at(p.cb, &addr_b2.ip), 1);
  ck_assert_uint_eq(w.joins, 0);
  dark_dies_alone(&p, &w, initial_open); /* B's initial address */
}
END_TEST

/* 13. As 12, with an announced address: B announces b2, A joins it, B
 * withdraws its initial address (A closes that subflow: the join is left)
 * and then b2 (A's subflow to it is the last and stays). B announces b3,
 * which takes b2's slot in A's table, and A joins it; then b2 goes dark and
 * A's subflow to it times out: A opens nothing towards b2 again (found by
 * fuzz_multipath: the slot had forgotten b2, the dead subflow was re-opened
 * towards the withdrawn address). _i 1: B announces b2 again before it
 * goes dark: then A does try to re-open its dead subflow there. */
static int b2_open(mptcp_conn *c) { return joined_to(c, &addr_b2.ip); }

START_TEST(test_pm_remove_reannounce_then_die) {
  pair p;
  watch w = {0};
  watched_pair(&p, &w, MPTCP_PM_JOIN_ANNOUNCED, &addr_b2.ip);
  int id2 = mptcp_conn_announce(p.cb, &addr_b2, p.now);
  ck_assert_int_ge(id2, 1);
  PAIR_RUN_UNTIL(&p, joined_to(p.ca, &addr_b2.ip) >= 1, 5 * SEC);
  ck_assert_int_ge(joined_to(p.ca, &addr_b2.ip), 1);
  ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, 0, p.now), 0);
  PAIR_RUN_UNTIL(&p, sf_gone(p.ca, 0), 5 * SEC);
  ck_assert(sf_gone(p.ca, 0));
  ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, (uint8_t)id2, p.now), 0);
  PAIR_RUN_UNTIL(&p, pair_counter(p.a, "MPRmAddrRx") == 2, 5 * SEC);
  ck_assert_int_ge(joined_to(p.ca, &addr_b2.ip), 0); /* the last one stays */
  int id3 = mptcp_conn_announce(p.cb, &addr_b3, p.now);
  ck_assert_int_ge(id3, 1);
  PAIR_RUN_UNTIL(&p, joined_to(p.ca, &addr_b3.ip) >= 0, 5 * SEC);
  ck_assert_int_ge(joined_to(p.ca, &addr_b3.ip), 0); /* maybe in slot 0 */
  if (!_i) {
    dark_dies_alone(&p, &w, b2_open);
    return;
  }
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &addr_b2, p.now), 1);
  PAIR_RUN_UNTIL(&p, pair_counter(p.a, "MPAddAddrRx") == 3, 5 * SEC);
  ck_assert_uint_eq(pair_counter(p.a, "MPAddAddrRx"), 3);
  unsigned joins = w.joins;
  w.dark = 1;
  pair_push(&p, 1, 200000);
  PAIR_RUN_UNTIL(&p, pair_counter(p.a, "MPSubflowReopen") >= 1, 600 * SEC);
  ck_assert_uint_ge(pair_counter(p.a, "MPSubflowReopen"), 1);
  pair_run_until(&p, p.now + SEC); /* its SYN goes out */
  ck_assert_uint_gt(w.joins, joins);
  pair_fini(&p);
}
END_TEST

Suite *suite_pm(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_pm_announce, 2),
      TCHECK_LOOP(test_pm_announce_lost, 2),
      TCHECK_LOOP(test_pm_announce_several, 2),
      TCHECK_TEST(test_pm_announce_forged),
      TCHECK_TEST(test_pm_remove),
      TCHECK_LOOP(test_pm_prio, 2),
      TCHECK_LOOP(test_pm_reopen, 3),
      TCHECK_TEST(test_pm_announce_v6),
      TCHECK_TEST(test_pm_announce_joined),
      TCHECK_TEST(test_pm_remove_last_joined),
      TCHECK_TEST(test_pm_remove_during_join),
      TCHECK_TEST(test_pm_remove_then_die),
      TCHECK_LOOP(test_pm_remove_reannounce_then_die, 2),
  };
  return tcheck_suite("pm", tests, sizeof tests / sizeof tests[0]);
}
