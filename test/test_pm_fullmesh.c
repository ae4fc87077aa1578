/*
 * The fullmesh path-manager policy (MPTCP_PM_FULLMESH) between two stacks
 * of ours: A (fullmesh) opens a subflow from each of its addresses to each
 * of B's of the same family, once per pair, within the limit of 8
 * subflows, with the backup flag of its address; withdrawn addresses are
 * left alone afterwards.
 * SPDX-License-Identifier: MIT
 */
#include <mptcp/mptcp.h>
#include <string.h>

#include "mpair.h"
#include "tcheck.h"

#define SEC 1000000u

/* A's further addresses (the pair delivers every packet, whatever its
 * address) and B's announced ones. */
static const mptcp_addr a2 = {{MPTCP_AF_INET, {10, 0, 1, 1}}, 0};
static const mptcp_addr a3 = {{MPTCP_AF_INET, {10, 0, 3, 1}}, 0};
static const mptcp_addr a4 = {{MPTCP_AF_INET, {10, 0, 4, 1}}, 0};
static const mptcp_addr a6 = {
    {MPTCP_AF_INET6, {0x20, 0x01, 0x0d, 0xb8, [15] = 1}}, 0};
static const mptcp_addr b2 = {{MPTCP_AF_INET, {10, 0, 2, 2}}, 0};
static const mptcp_addr b3 = {{MPTCP_AF_INET, {10, 0, 5, 2}}, 0};
static const mptcp_addr b6 = {
    {MPTCP_AF_INET6, {0x20, 0x01, 0x0d, 0xb8, [15] = 2}}, 0};

/* A fullmesh, B the default policy (it has no announced address of A's
 * to join anyway), both connected with A's key confirmed. */
static void mesh_pair(pair *p) {
  pair_init_pm(p, MPTCP_PM_FULLMESH, MPTCP_PM_JOIN_ANNOUNCED);
  pair_connected(p);
}

/* Open subflows of @p c that carry data (the first included). Fails the
 * test on one whose addresses differ in family, or on two between the
 * same pair of addresses. */
static unsigned mesh_count(mptcp_conn *c) {
  mptcp_subflow_info s[8];
  unsigned n = 0;
  for (size_t i = 0; i < mptcp_conn_subflow_slots(c); i++) {
    mptcp_subflow_info si;
    if (mptcp_conn_get_subflow(c, i, &si) != 0 ||
        si.state == MPTCP_TCP_CLOSED || !si.joined)
      continue;
    ck_assert_uint_eq(si.local.ip.family, si.remote.ip.family);
    for (unsigned k = 0; k < n; k++)
      ck_assert_msg(!(mptcp_ipaddr_equal(&s[k].local.ip, &si.local.ip) &&
                      mptcp_ipaddr_equal(&s[k].remote.ip, &si.remote.ip)),
                    "two subflows between one address pair");
    ck_assert_uint_lt(n, 8);
    s[n++] = si;
  }
  return n;
}

/* The open joined subflow of @p c from local @p l to remote @p r, or -1. */
static int sf_between(mptcp_conn *c, const mptcp_ipaddr *l,
                      const mptcp_ipaddr *r) {
  for (size_t i = 0; i < mptcp_conn_subflow_slots(c); i++) {
    mptcp_subflow_info si;
    if (mptcp_conn_get_subflow(c, i, &si) == 0 && si.joined &&
        si.state != MPTCP_TCP_CLOSED && mptcp_ipaddr_equal(&si.local.ip, l) &&
        mptcp_ipaddr_equal(&si.remote.ip, r))
      return (int)i;
  }
  return -1;
}

/* Runs until both sides have @p n subflows, and 20 s more: still @p n,
 * and A sent @p syns join SYNs in all (nothing more was opened). */
static void settle(pair *p, unsigned n, uint64_t syns) {
  PAIR_RUN_UNTIL(p, mesh_count(p->ca) == n && mesh_count(p->cb) == n, 10 * SEC);
  PAIR_RUN_UNTIL(p, 0, 20 * SEC);
  ck_assert_uint_eq(mesh_count(p->ca), n);
  ck_assert_uint_eq(mesh_count(p->cb), n);
  ck_assert_uint_eq(pair_counter(p->a, "MPJoinSynTx"), syns);
}

/* 1. Two addresses on each side give four subflows, whichever comes
 * first: A's second address (_i = 0, 2) or B's announcement (_i = 1).
 * Each subflow carries the address IDs of its two ends; _i = 2 registers
 * A's second address as a backup, which its subflows (only those) say. */
START_TEST(test_pm_fullmesh_2x2) {
  int backup = _i == 2;
  pair p;
  mesh_pair(&p);
  int id_a2 = 0, id_b2 = 0;
  for (int step = 0; step < 2; step++) {
    if ((step == 0) == (_i == 1)) {
      id_b2 = mptcp_conn_announce(p.cb, &b2, p.now);
      ck_assert_int_ge(id_b2, 1);
    } else {
      id_a2 = mptcp_conn_add_local_addr(
          p.ca, &a2, backup ? MPTCP_SUBFLOW_BACKUP : 0, p.now);
      ck_assert_int_ge(id_a2, 1);
      /* Twice, or the initial address (ID 0): refused. */
      ck_assert_int_eq(mptcp_conn_add_local_addr(p.ca, &a2, 0, p.now),
                       MPTCP_ERR_INVALID_ARG);
      ck_assert_int_eq(mptcp_conn_add_local_addr(p.ca, &pair_addr_a, 0, p.now),
                       MPTCP_ERR_INVALID_ARG);
    }
    PAIR_RUN_UNTIL(&p, 0, SEC);
  }
  settle(&p, 4, 3);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinAckRx"), 3);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynTx"), 0);
  const mptcp_addr *la[2] = {&pair_addr_a, &a2}, *rb[2] = {&pair_addr_b, &b2};
  for (int l = 0; l < 2; l++)
    for (int r = 0; r < 2; r++) {
      int ia = sf_between(p.ca, &la[l]->ip, &rb[r]->ip),
          ib = sf_between(p.cb, &rb[r]->ip, &la[l]->ip);
      ck_assert_msg(ia >= 0 && ib >= 0, "no subflow %d -> %d", l, r);
      mptcp_subflow_info sa = pair_sfi(p.ca, (size_t)ia),
                         sb = pair_sfi(p.cb, (size_t)ib);
      int want_l = l ? id_a2 : 0, want_r = r ? id_b2 : 0;
      ck_assert_int_eq(sa.local_id, want_l);
      ck_assert_int_eq(sa.remote_id, want_r);
      ck_assert_int_eq(sb.local_id, want_r);
      ck_assert_int_eq(sb.remote_id, want_l);
      ck_assert_uint_eq(sa.remote.port, pair_addr_b.port);
      ck_assert_uint_eq(sa.backup, (unsigned)(backup && l));
      ck_assert_uint_eq(sb.peer_backup, (unsigned)(backup && l));
    }
  pair_transfer(&p, 500000);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 3);
  pair_fini(&p);
}
END_TEST

/* 2. Mixed families: A has 10.0.1.1 and 2001:db8::1 besides 10.0.0.1, B
 * announces 10.0.2.2 and 2001:db8::2: four IPv4 subflows and one IPv6
 * one, none across families. */
START_TEST(test_pm_fullmesh_families) {
  pair p;
  mesh_pair(&p);
  ck_assert_int_ge(mptcp_conn_add_local_addr(p.ca, &a6, 0, p.now), 1);
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &b6, p.now), 1);
  ck_assert_int_ge(mptcp_conn_add_local_addr(p.ca, &a2, 0, p.now), 1);
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &b2, p.now), 1);
  settle(&p, 5, 4); /* mesh_count() checks the families */
  ck_assert_int_ge(sf_between(p.ca, &a6.ip, &b6.ip), 0);
  pair_transfer(&p, 300000);
  pair_fini(&p);
}
END_TEST

/* 3. Four addresses of A's and three of B's would be twelve subflows: A
 * stops at the limit of eight, opens each once, and the data flows. */
START_TEST(test_pm_fullmesh_limit) {
  pair p;
  mesh_pair(&p);
  const mptcp_addr *mine[3] = {&a2, &a3, &a4};
  for (int k = 0; k < 3; k++)
    ck_assert_int_ge(mptcp_conn_add_local_addr(p.ca, mine[k], 0, p.now), 1);
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &b2, p.now), 1);
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &b3, p.now), 1);
  settle(&p, 8, 7);
  ck_assert_uint_eq(mptcp_conn_subflow_slots(p.ca), 8);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinRefused"), 0);
  pair_transfer(&p, 300000);
  pair_fini(&p);
}
END_TEST

/* 4. Withdrawn addresses: B withdraws 10.0.2.2, then A its 10.0.1.1. The
 * subflows to, then from, each close, none is opened again, and the data
 * goes on over what is left. */
START_TEST(test_pm_fullmesh_remove) {
  pair p;
  mesh_pair(&p);
  int id_a2 = mptcp_conn_add_local_addr(p.ca, &a2, 0, p.now);
  int id_b2 = mptcp_conn_announce(p.cb, &b2, p.now);
  ck_assert_int_ge(id_a2, 1);
  ck_assert_int_ge(id_b2, 1);
  settle(&p, 4, 3);
  ck_assert_int_eq(mptcp_conn_remove_addr(p.cb, (uint8_t)id_b2, p.now), 0);
  settle(&p, 2, 3);
  ck_assert_int_eq(sf_between(p.ca, &a2.ip, &b2.ip), -1);
  ck_assert_int_eq(sf_between(p.ca, &pair_addr_a.ip, &b2.ip), -1);
  ck_assert_int_ge(sf_between(p.ca, &a2.ip, &pair_addr_b.ip), 0);
  pair_push(&p, 1, 200000);
  ck_assert_int_eq(mptcp_conn_remove_addr(p.ca, (uint8_t)id_a2, p.now), 0);
  settle(&p, 1, 3);
  ck_assert_int_ge(sf_between(p.ca, &pair_addr_a.ip, &pair_addr_b.ip), 0);
  ck_assert_uint_eq(pair_counter(p.a, "MPSubflowReopen"), 0);
  pair_transfer(&p, 300000);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 3);
  ck_assert_uint_eq(p.ev_a & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT), 0);
  pair_fini(&p);
}
END_TEST

/* 5. Fullmesh on the listener's side: B announces 10.0.2.2, A (default
 * policy) announces 10.0.1.1 and joins B's address from its first one; B
 * joins A's announced address from both of its own, never A's first
 * address (that port is A's ephemeral one). Four address pairs, one
 * subflow each. */
START_TEST(test_pm_fullmesh_server) {
  pair p;
  pair_init_pm(&p, MPTCP_PM_JOIN_ANNOUNCED, MPTCP_PM_FULLMESH);
  pair_connected(&p);
  ck_assert_int_ge(mptcp_conn_announce(p.cb, &b2, p.now), 1);
  ck_assert_int_ge(mptcp_conn_announce(p.ca, &a2, p.now), 1);
  settle(&p, 4, 1);
  ck_assert_uint_eq(pair_counter(p.b, "MPJoinSynTx"), 2);
  ck_assert_int_ge(sf_between(p.cb, &pair_addr_b.ip, &a2.ip), 0);
  ck_assert_int_ge(sf_between(p.cb, &b2.ip, &a2.ip), 0);
  ck_assert_int_ge(sf_between(p.ca, &pair_addr_a.ip, &b2.ip), 0);
  pair_transfer(&p, 300000);
  pair_fini(&p);
}
END_TEST

/* 6. Other policies only remember a registered address: no subflow. */
START_TEST(test_pm_fullmesh_off) {
  pair p;
  pair_init_pm(&p, _i ? MPTCP_PM_NONE : MPTCP_PM_JOIN_ANNOUNCED,
               MPTCP_PM_JOIN_ANNOUNCED);
  /* Before MPTCP is on: refused. */
  ck_assert_int_eq(mptcp_conn_add_local_addr(p.ca, &a2, 0, p.now),
                   MPTCP_ERR_INVALID_ARG);
  pair_connected(&p);
  ck_assert_int_ge(mptcp_conn_add_local_addr(p.ca, &a2, 0, p.now), 1);
  PAIR_RUN_UNTIL(&p, 0, 10 * SEC);
  ck_assert_uint_eq(pair_counter(p.a, "MPJoinSynTx"), 0);
  ck_assert_uint_eq(mesh_count(p.ca), 1);
  pair_fini(&p);
}
END_TEST

/* 7. Address IDs (RFC 8684 §3.2): each address of A's gets its own, kept
 * for the connection; with 1..7 taken (0 is the first address) an eighth
 * address is refused by every API rather than given a used ID. */
START_TEST(test_pm_fullmesh_ids) {
  pair p; /* B would join what A announces: not here */
  pair_init_pm(&p, MPTCP_PM_NONE, MPTCP_PM_NONE);
  pair_connected(&p);
  mptcp_addr a = {{MPTCP_AF_INET, {10, 0, 7, 1}}, 0};
  for (uint8_t k = 1; k <= 7; k++) {
    a.ip.a[3] = k;
    ck_assert_int_eq(mptcp_conn_add_local_addr(p.ca, &a, 0, p.now), k);
  }
  a.ip.a[3] = 8;
  ck_assert_int_eq(mptcp_conn_add_local_addr(p.ca, &a, 0, p.now),
                   MPTCP_ERR_NOMEM);
  ck_assert_int_eq(mptcp_conn_announce(p.ca, &a, p.now), MPTCP_ERR_NOMEM);
  ck_assert_int_eq(mptcp_conn_add_subflow(p.ca, &a, &pair_addr_b, 0, p.now),
                   MPTCP_ERR_NOMEM);
  /* A known one keeps its ID, announced or joined from. */
  a.ip.a[3] = 3;
  ck_assert_int_eq(mptcp_conn_announce(p.ca, &a, p.now), 3);
  int i = mptcp_conn_add_subflow(p.ca, &a, &pair_addr_b, 0, p.now);
  ck_assert_int_eq(i, 1);
  PAIR_RUN_UNTIL(&p, mesh_count(p.ca) == 2, 5 * SEC);
  ck_assert_uint_eq(pair_sfi(p.ca, 1).local_id, 3);
  ck_assert_int_eq(sf_between(p.cb, &pair_addr_b.ip, &a.ip), 1);
  ck_assert_uint_eq(pair_sfi(p.cb, 1).remote_id, 3);
  pair_fini(&p);
}
END_TEST

/* 8. A setting outside the enum is refused. */
START_TEST(test_pm_fullmesh_setting) {
  mptcp_settings s;
  mptcp_settings_default(&s);
  ck_assert_uint_eq(s.pm_policy, MPTCP_PM_JOIN_ANNOUNCED);
  s.pm_policy = MPTCP_PM_FULLMESH + 1;
  mptcp_stack *st = NULL;
  ck_assert_int_eq(mptcp_stack_new(&st, &s, NULL, NULL), MPTCP_ERR_INVALID_ARG);
  ck_assert_ptr_null(st);
}
END_TEST

Suite *suite_pm_fullmesh(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_pm_fullmesh_2x2, 3),
      TCHECK_TEST(test_pm_fullmesh_families),
      TCHECK_TEST(test_pm_fullmesh_limit),
      TCHECK_TEST(test_pm_fullmesh_remove),
      TCHECK_TEST(test_pm_fullmesh_server),
      TCHECK_LOOP(test_pm_fullmesh_off, 2),
      TCHECK_TEST(test_pm_fullmesh_ids),
      TCHECK_TEST(test_pm_fullmesh_setting),
  };
  return tcheck_suite("pm_fullmesh", tests, sizeof tests / sizeof tests[0]);
}
