/*
 * Simulator middlebox cases (RFC 8684 §3.7 and the fallback rules of §3.1,
 * §3.2, §3.4.1): a middlebox (mbox.h) on one path of two MPTCP stacks,
 * each case over a few seeds (link delays and rates, transfer sizes). In
 * every one the transfer completes with every byte checked (run_xfer),
 * and the counters show the reaction the RFC asks for:
 *   syn      MPTCP options stripped from the SYN: plain TCP on both ends
 *   synack   stripped from the SYN/ACK only: the client falls back, its
 *            third ACK has no MP_CAPABLE, so the server falls back too
 *   join     stripped from path 2's MP_JOIN SYNs: the listener sees a plain
 *            SYN, the client gets a SYN/ACK without MP_JOIN and resets the
 *            subflow; the connection carries on over path 1
 *   rewrite  path 2 rewrites a payload byte, DSS checksums on: the
 *            receiver resets that subflow with MP_FAIL, the sender sends
 *            the bytes again on path 1
 *   rewrite2 one path rewrites a payload byte each way at once: both
 *            ends' MP_FAILs cross, both fall back to TCP, no reset
 *   addaddr  the first 1..3 ADD_ADDRs are lost: repeated with backoff
 *            until echoed, then the client joins the address
 * SPDX-License-Identifier: MIT
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbox.h"
#include "xfer.h"

#define MBOX_SEEDS 3

/* A counter of a result's side (0: A, 1: B) by name. */
static uint64_t ctr(const xfer_result *r, int side, const char *name) {
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
    if (strcmp(mptcp_counter_name(i), name) == 0) return r->ctr[side].v[i];
  ck_abort_msg("no counter %s", name);
  return 0;
}

/* MPTCP on both ends over @p npaths clean paths whose delay and rate the
 * seed picks (@p rate_bps: this rate instead), the middlebox on path
 * @p on, @p bytes each way. */
static void mbox_params(xfer_params *p, char *name, size_t cap,
                        const char *what, uint64_t seed, unsigned npaths,
                        sim_mbox *m, unsigned on, uint64_t bytes,
                        uint64_t rate_bps) {
  snprintf(name, cap, "mbox-%s-%" PRIu64, what, seed);
  base_params(p, name, seed);
  uint64_t rs = seed * UINT64_C(0x9E3779B97F4A7C15) + 77;
  p->net.npaths = npaths;
  for (unsigned i = 0; i < npaths; i++) {
    addr4(&p->net.path[i].a, 10, (uint8_t)i, 1, 1);
    addr4(&p->net.path[i].b, 10, (uint8_t)i, 2, 1);
    sim_link_cfg c;
    memset(&c, 0, sizeof c);
    c.delay_us = sim_rand_range(&rs, 2000, 40000);
    c.rate_bps = rate_bps ? rate_bps : sim_rand_range(&rs, 5000000, 50000000);
    c.queue_bytes = 256 * 1024;
    p->net.path[i].ab = p->net.path[i].ba = c;
  }
  p->net.path[on].mbox = sim_mbox_filter;
  p->net.path[on].mbox_ud = m;
  p->join = 0;
  for (int i = 0; i < 2; i++) p->s[i].mptcp = 1;
  p->bytes[0] = bytes + sim_rand_range(&rs, 0, bytes / 4);
  p->bytes[1] = bytes / 2;
}

static xfer_result run(const xfer_params *p) {
  sim_net *net = new_net();
  xfer_result r = run_xfer(p, net);
  free(net);
  ck_assert_msg(r.ok, "%s failed (details above)", p->name);
  return r;
}

/* A transfer with MPTCP options stripped from the segments @p strip
 * names: both ends run TCP, each knowing it was a fallback, and the client
 * fell back on a SYN/ACK without MP_CAPABLE. */
static xfer_result fallback_run(unsigned strip, const char *what, int seed) {
  sim_mbox m = {.strip = strip};
  xfer_params p;
  char name[64];
  mbox_params(&p, name, sizeof name, what, (uint64_t)seed, 1, &m, 0, 300000, 0);
  xfer_result r = run(&p);
  ck_assert_uint_ge(m.stripped, 1);
  ck_assert_uint_eq(ctr(&r, SIM_A, "MPCapableFallbackSYNACK"), 1);
  for (int i = 0; i < 2; i++) {
    ck_assert_uint_eq(r.info[i].mptcp, 0);
    ck_assert_uint_eq(r.info[i].fallback, 1);
  }
  return r;
}

/* Stripped from the client's SYN: the listener sees a TCP SYN and answers
 * as TCP. */
START_TEST(test_mbox_syn) {
  xfer_result r = fallback_run(SIM_MBOX_SYN, "syn", _i);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPCapableSYNRX"), 0);
}
END_TEST

/* Stripped from the SYN/ACK only: the server offered MPTCP, the client
 * never saw it and falls back (§3.1); its third ACK and data carry no
 * MP_CAPABLE, so the server falls back as well. */
START_TEST(test_mbox_synack) {
  xfer_result r = fallback_run(SIM_MBOX_SYNACK, "synack", _i);
  ck_assert_uint_ge(ctr(&r, SIM_B, "MPCapableSYNRX"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPCapableFallbackACK"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPCapableACKRX"), 0);
}
END_TEST

/* Stripped from path 2's MP_JOIN SYNs: the join fails, reset by the
 * client (MPJoinRefused), and nothing of the data goes over path 2. */
START_TEST(test_mbox_join) {
  sim_mbox m = {.strip = SIM_MBOX_JOIN_SYN};
  xfer_params p;
  char name[64];
  mbox_params(&p, name, sizeof name, "join", (uint64_t)_i, 2, &m, 1, 500000, 0);
  p.join = 1;
  p.listen_any = 1; /* the plain SYN finds a listener */
  xfer_result r = run(&p);
  ck_assert_uint_eq(m.stripped, 1);
  ck_assert_uint_eq(ctr(&r, SIM_A, "MPJoinSynTx"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_A, "MPJoinRefused"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPJoinSynRx"), 0);
  ck_assert_uint_eq(ctr(&r, SIM_A, "MPSubflowReopen"), 0);
  for (int i = 0; i < 2; i++) ck_assert_uint_eq(r.info[i].mptcp, 1);
  /* Path 2 saw the handshake and the reset, no data. */
  ck_assert_uint_lt(r.path_bytes[1], 1000);
  ck_assert_uint_gt(r.path_bytes[0], p.bytes[0] + p.bytes[1]);
}
END_TEST

/* Path 2 rewrites a payload byte once 20 kB went over it: DSS checksums
 * catch it (DataCsumErr), B resets that subflow with MP_FAIL (seen on the
 * wire), A sends the bytes again on path 1; every byte arrives as
 * written, and the connection stays MPTCP. */
START_TEST(test_mbox_rewrite) {
  sim_mbox m = {.rewrite = 1, .rewrite_after = 20000};
  xfer_params p;
  char name[64];
  mbox_params(&p, name, sizeof name, "rewrite", (uint64_t)_i, 2, &m, 1, 1000000,
              20000000);
  p.join = 1;
  p.bytes[1] = 0; /* only A's data goes over path 2 before the rewrite */
  for (int i = 0; i < 2; i++) p.s[i].checksum = 1;
  xfer_result r = run(&p);
  ck_assert_uint_eq(m.rewritten, 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "DataCsumErr"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPFailTx"), 1);
  ck_assert_uint_eq(m.fail_rsts, 1);
  ck_assert_uint_ge(ctr(&r, SIM_A, "MPReinjectDead"), 1);
  for (int i = 0; i < 2; i++) {
    ck_assert_uint_eq(r.info[i].mptcp, 1);
    ck_assert_uint_eq(r.info[i].checksum, 1);
  }
}
END_TEST

/* One path, DSS checksums on, 1 MB both ways: the middlebox rewrites one
 * payload byte each way once 200 kB went by, while both streams flow, so
 * both ends find a bad checksum before either hears the other's MP_FAIL
 * (§3.7 both ways). No reset: each takes the other's repeated MP_FAIL
 * for a crossing report, takes what it holds and falls back at once;
 * each stream arrives complete, equal to what was sent but for its one
 * rewritten byte. */
START_TEST(test_mbox_rewrite_both) {
  sim_mbox m = {.rewrite = 1, .rewrite_after = 200000, .rewrite_each_way = 1};
  xfer_params p;
  char name[64];
  mbox_params(&p, name, sizeof name, "rewrite2", (uint64_t)_i, 1, &m, 0,
              1000000, 20000000);
  p.bytes[1] = p.bytes[0];
  for (int i = 0; i < 2; i++) {
    p.s[i].checksum = 1;
    p.differ_ok[i] = 1;
  }
  xfer_result r = run(&p);
  ck_assert_uint_eq(m.rewritten_way[SIM_AB], 1);
  ck_assert_uint_eq(m.rewritten_way[SIM_BA], 1);
  ck_assert_uint_eq(m.fail_rsts, 0);
  for (int i = 0; i < 2; i++) {
    ck_assert_uint_eq(r.differ[i], 1);
    ck_assert_uint_eq(ctr(&r, i, "DataCsumErr"), 1);
    ck_assert_uint_ge(ctr(&r, i, "MPFailTx"), 2);
    ck_assert_uint_eq(ctr(&r, i, "MPFailCrossed"), 1);
    ck_assert_uint_eq(ctr(&r, i, "MPFailTimeout"), 0);
    ck_assert_uint_eq(ctr(&r, i, "InfiniteMapBadDsn"), 0);
    ck_assert_uint_eq(r.info[i].mptcp, 0);
    ck_assert_uint_eq(r.info[i].fallback, 1);
  }
}
END_TEST

/* B announces its address on path 2 (which runs from A's first address,
 * so A's default policy can join it); the first 1..3 ADD_ADDRs are lost.
 * It goes again after 1 s, 2 s, 4 s until A echoes it (once), then A
 * joins it and path 2 carries data. 2 Mbit/s paths keep the transfer
 * going that long, both ways (B refuses joins once it has sent all). */
START_TEST(test_mbox_add_addr) {
  unsigned lost = 1 + (unsigned)_i % 3;
  sim_mbox m = {.drop_add_addr = lost};
  xfer_params p;
  char name[64];
  mbox_params(&p, name, sizeof name, "addaddr", (uint64_t)_i, 2, &m, 0, 3000000,
              2000000);
  p.net.path[1].a = p.net.path[0].a;
  /* The echo goes on whichever subflow sends next: path 2's too, once A
   * joined (the join starts as the ADD_ADDR arrives). */
  p.net.path[1].mbox = sim_mbox_filter;
  p.net.path[1].mbox_ud = &m;
  p.announce = 1;
  /* B takes no join once its DATA_FIN is queued: it keeps sending too. */
  p.bytes[1] = p.bytes[0];
  xfer_result r = run(&p);
  ck_assert_uint_eq(m.dropped, lost);
  ck_assert_uint_eq(m.add_addrs, lost + 1);
  ck_assert_uint_eq(m.echoes, 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPAddAddrTx"), lost + 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPAddAddrEchoRx"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_A, "MPAddAddrRx"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_A, "MPJoinSynTx"), 1);
  ck_assert_uint_eq(ctr(&r, SIM_B, "MPJoinAckRx"), 1);
  ck_assert_uint_gt(r.path_bytes[1], 100000);
}
END_TEST

TCase *sim_mbox_tcase(void) {
  TCase *tc = tcase_create("middlebox");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, test_mbox_syn, 1, 1 + MBOX_SEEDS);
  tcase_add_loop_test(tc, test_mbox_synack, 1, 1 + MBOX_SEEDS);
  tcase_add_loop_test(tc, test_mbox_join, 1, 1 + MBOX_SEEDS);
  tcase_add_loop_test(tc, test_mbox_rewrite, 1, 1 + MBOX_SEEDS);
  tcase_add_loop_test(tc, test_mbox_rewrite_both, 1, 1 + MBOX_SEEDS);
  tcase_add_loop_test(tc, test_mbox_add_addr, 1, 1 + MBOX_SEEDS);
  return tc;
}
