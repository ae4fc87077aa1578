/* Two stacks back to back (mpair.h). SPDX-License-Identifier: MIT */
#include "mpair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcheck.h"

const mptcp_addr pair_addr_a = {{MPTCP_AF_INET, {10, 0, 0, 1}}, 40000};
const mptcp_addr pair_addr_b = {{MPTCP_AF_INET, {10, 0, 0, 2}}, 80};
const mptcp_addr pair_addr_a2 = {{MPTCP_AF_INET, {10, 0, 1, 1}}, 0};

static void prng_fill(uint8_t *d, size_t n, void *ud) {
  uint64_t *s = ud;
  for (size_t i = 0; i < n; i++) d[i] = (uint8_t)tcheck_prng(s);
}

void pair_init(pair *p, const mptcp_settings *sa, const mptcp_settings *sb) {
  memset(p, 0, sizeof *p);
  p->seed = 99;
  p->now = 1000;
  ck_assert_int_eq(mptcp_stack_new(&p->a, sa, NULL, &p->seed), 0);
  ck_assert_int_eq(mptcp_stack_new(&p->b, sb, NULL, &p->seed), 0);
  ck_assert_int_eq(mptcp_stack_listen(p->b, &pair_addr_b, 0), 0);
  ck_assert_int_eq(mptcp_conn_connect(p->a, &p->ca, &pair_addr_a, &pair_addr_b,
                                      NULL, p->now),
                   0);
}

void pair_init_pm(pair *p, uint8_t pm_a, uint8_t pm_b) {
  mptcp_settings sa, sb;
  pair_settings(&sa);
  pair_settings(&sb);
  sa.pm_policy = pm_a;
  sb.pm_policy = pm_b;
  pair_init(p, &sa, &sb);
}

static void log_hook(void *ud, int level, const char *msg, size_t len) {
  (void)ud;
  (void)level;
  fprintf(stderr, "%.*s\n", (int)len, msg);
}

void pair_settings(mptcp_settings *s) {
  mptcp_settings_default(s);
  if (getenv("MPTCP_TEST_LOG")) { /* debugging aid */
    s->log = log_hook;
    s->log_level = MPTCP_LOG_DEBUG;
  }
  s->rand = prng_fill;
  s->sndbuf = s->rcvbuf = 64 * 1024;
}

void pair_corrupt(uint8_t *b, size_t n) {
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  ck_assert_uint_gt(pk.payload_len, 10);
  uint8_t *t = b + pk.ip_hdr_len;
  (void)t;
  b[(size_t)(pk.payload - b) + 10] ^= 0x55;
  pair_fix_csum(b, n);
}

void pair_fix_csum(uint8_t *b, size_t n) {
  mptcp_pkt pk;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, 0, &pk), 0);
  uint8_t *t = b + pk.ip_hdr_len;
  t[16] = t[17] = 0;
  uint16_t cs = mptcp_tcp_csum(&pk.src, &pk.dst, t, pk.tcp_len);
  t[16] = (uint8_t)(cs >> 8);
  t[17] = (uint8_t)cs;
  ck_assert_int_eq(mptcp_pkt_parse(b, n, MPTCP_PKT_VERIFY_CSUM, &pk), 0);
}

size_t pair_find_mptcp(const uint8_t *b, size_t n, int subtype, size_t *len) {
  mptcp_pkt pk;
  if (mptcp_pkt_parse(b, n, 0, &pk) != 0) return 0;
  size_t at = (size_t)(pk.opts - b);
  for (size_t i = 0; i < pk.opts_len;) {
    uint8_t kind = pk.opts[i];
    if (kind == MPTCP_OPT_EOL) break;
    if (kind == MPTCP_OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= pk.opts_len || pk.opts[i + 1] < 2) break;
    uint8_t l = pk.opts[i + 1];
    if (kind == MPTCP_TCPOPT_KIND && l >= 3 &&
        (pk.opts[i + 2] >> 4) == subtype) {
      *len = l;
      return at + i;
    }
    i += l;
  }
  return 0;
}

/* Hands packet @p b to B (@p to_b) or A now, or puts it on the wire. */
static void deliver(pair *p, int to_b, const uint8_t *b, size_t n) {
  mptcp_tstamp d = p->delay ? p->delay(p, !to_b, b, n) : 0;
  if (d == 0) {
    mptcp_stack_read_pkt(to_b ? p->b : p->a, NULL, b, n, p->now);
    return;
  }
  if (p->n_wire == p->cap_wire) {
    p->cap_wire = p->cap_wire ? 2 * p->cap_wire : 64;
    p->wire = realloc(p->wire, p->cap_wire * sizeof *p->wire);
    ck_assert_ptr_nonnull(p->wire);
  }
  ck_assert_uint_le(n, sizeof p->wire[0].b);
  pair_pkt *k = &p->wire[p->n_wire++];
  k->at = p->now + d;
  k->to_b = to_b;
  k->n = n;
  memcpy(k->b, b, n);
}

/* The wire's earliest arrival time, MPTCP_TSTAMP_NONE if it is empty. */
static mptcp_tstamp next_arrival(const pair *p) {
  mptcp_tstamp t = MPTCP_TSTAMP_NONE;
  for (size_t i = 0; i < p->n_wire; i++)
    if (p->wire[i].at < t) t = p->wire[i].at;
  return t;
}

/* Hands over every packet that has arrived by now, earliest first (ties:
 * the order sent). Returns 1 if any. */
static int arrive(pair *p) {
  int any = 0;
  while (next_arrival(p) <= p->now) {
    size_t j = 0;
    for (size_t i = 1; i < p->n_wire; i++)
      if (p->wire[i].at < p->wire[j].at) j = i;
    pair_pkt k = p->wire[j];
    memmove(&p->wire[j], &p->wire[j + 1], (p->n_wire - j - 1) * sizeof k);
    p->n_wire--;
    mptcp_stack_read_pkt(k.to_b ? p->b : p->a, NULL, k.b, k.n, p->now);
    any = 1;
  }
  return any;
}

int pair_pump(pair *p) {
  uint8_t buf[2048];
  int moved = 0;
  for (int again = 1; again;) {
    again = arrive(p);
    moved |= again;
    mptcp_ssize n;
    while ((n = mptcp_stack_write_pkt(p->a, NULL, buf, sizeof buf, p->now)) >
           0) {
      again = moved = 1;
      /* MSS 1460 means 1500-byte packets, MPTCP options included. */
      ck_assert_int_le(n, 1500);
      if (n > 200 && p->corrupt_nth && ++p->data_pkts == p->corrupt_nth)
        pair_corrupt(buf, (size_t)n);
      if (++p->a_pkts <= p->drop_first_a) continue;
      if (p->filter && !p->filter(p, 1, buf, (size_t)n)) continue;
      if (p->drop_every && ++p->pkts % (unsigned long)p->drop_every == 0)
        continue;
      deliver(p, 1, buf, (size_t)n);
    }
    while ((n = mptcp_stack_write_pkt(p->b, NULL, buf, sizeof buf, p->now)) >
           0) {
      again = moved = 1;
      ck_assert_int_le(n, 1500);
      if (p->drop_every && ++p->pkts % (unsigned long)p->drop_every == 0)
        continue;
      if (p->filter && !p->filter(p, 0, buf, (size_t)n)) continue;
      deliver(p, 0, buf, (size_t)n);
    }
    mptcp_event ev;
    while (mptcp_stack_next_event(p->b, &ev)) {
      if ((ev.events & MPTCP_EV_ACCEPT) && !p->cb) p->cb = ev.conn;
      if (ev.conn == p->cb) p->ev_b |= ev.events;
    }
    while (mptcp_stack_next_event(p->a, &ev))
      if (ev.conn == p->ca) p->ev_a |= ev.events;
  }
  return moved;
}

/* Runs timers when nothing moves. */
void pair_step(pair *p) {
  if (pair_pump(p)) return;
  mptcp_tstamp e = mptcp_stack_get_expiry(p->a),
               eb = mptcp_stack_get_expiry(p->b), w = next_arrival(p);
  if (eb < e) e = eb;
  if (w < e) e = w;
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

void pair_run_until(pair *p, mptcp_tstamp t) {
  while (pair_tick(p, t)) {
  }
}

int pair_on_path2(const uint8_t *b, size_t n) {
  mptcp_pkt pk;
  if (mptcp_pkt_parse(b, n, 0, &pk) != 0) return 0;
  return memcmp(pk.src.a, pair_addr_a2.ip.a, 4) == 0 ||
         memcmp(pk.dst.a, pair_addr_a2.ip.a, 4) == 0;
}

void pair_two_paths(pair *p, uint32_t flags) {
  for (int r = 0; r < 100 && !p->cb; r++) pair_step(p);
  ck_assert_ptr_nonnull(p->cb);
  mptcp_conn_info ia;
  mptcp_conn_get_info(p->ca, &ia);
  ck_assert_uint_eq(ia.mptcp, 1);
  int idx =
      mptcp_conn_add_subflow(p->ca, &pair_addr_a2, &pair_addr_b, flags, p->now);
  ck_assert_int_eq(idx, 1);
}

void pair_transfer(pair *p, size_t n) {
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
    while (!eof_a &&
           (k = mptcp_conn_read(p->ca, in_a + ra, n - ra + 1, p->now)) != 0) {
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
    pair_step(p);
  }
  ck_assert_uint_eq(ra, n);
  ck_assert_uint_eq(rb, n);
  size_t dab = 0, dba = 0;
  for (size_t i = 0; i < n; i++) {
    dab += in_b[i] != out_a[i];
    dba += in_a[i] != out_b[i];
  }
  ck_assert_msg(dab == p->diff_ab, "A->B: %zu bytes differ", dab);
  ck_assert_msg(dba == p->diff_ba, "B->A: %zu bytes differ", dba);
  free(out_a);
  free(out_b);
  free(in_a);
  free(in_b);
}

void pair_fini(pair *p) {
  mptcp_conn_release(p->ca, p->now);
  if (p->cb) mptcp_conn_release(p->cb, p->now);
  mptcp_stack_del(p->a);
  mptcp_stack_del(p->b);
  free(p->wire);
}

uint64_t pair_counter(mptcp_stack *st, const char *name) {
  mptcp_counters c;
  mptcp_stack_get_counters(st, &c);
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
    if (strcmp(mptcp_counter_name(i), name) == 0) return c.v[i];
  ck_abort_msg("no counter %s", name);
  return 0;
}

int pair_tick(pair *p, mptcp_tstamp until) {
  if (pair_pump(p)) return 1;
  mptcp_tstamp e = mptcp_stack_get_expiry(p->a),
               eb = mptcp_stack_get_expiry(p->b), w = next_arrival(p);
  if (eb < e) e = eb;
  if (w < e) e = w;
  if (e == MPTCP_TSTAMP_NONE || e > until) {
    if (p->now < until) p->now = until;
    return 0;
  }
  if (e > p->now) p->now = e;
  mptcp_stack_handle_expiry(p->a, p->now);
  mptcp_stack_handle_expiry(p->b, p->now);
  return 1;
}

void pair_connected(pair *p) {
  for (int r = 0; r < 100 && !p->cb; r++) pair_step(p);
  ck_assert_ptr_nonnull(p->cb);
  uint8_t one = 1, got = 0;
  ck_assert_int_eq(mptcp_conn_write(p->ca, &one, 1, p->now), 1);
  PAIR_RUN_UNTIL(p, mptcp_conn_read(p->cb, &got, 1, p->now) == 1, 5000000);
  ck_assert_uint_eq(got, 1);
  pair_pump(p);
}

mptcp_subflow_info pair_sfi(mptcp_conn *c, size_t i) {
  mptcp_subflow_info si;
  ck_assert_int_eq(mptcp_conn_get_subflow(c, i, &si), 0);
  return si;
}

void pair_push(pair *p, int from_a, size_t n) {
  mptcp_conn *tx = from_a ? p->ca : p->cb, *rx = from_a ? p->cb : p->ca;
  uint8_t *data = malloc(n), buf[65536];
  for (size_t i = 0; i < n; i++) data[i] = (uint8_t)(i * 31 + 7);
  size_t sent = 0, got = 0;
  for (long r = 0; got < n; r++) {
    ck_assert_msg(r < 200000, "no progress: sent %zu got %zu", sent, got);
    if (sent < n) {
      mptcp_ssize k = mptcp_conn_write(tx, data + sent, n - sent, p->now);
      if (k > 0) sent += (size_t)k;
    }
    mptcp_ssize k;
    while ((k = mptcp_conn_read(rx, buf, sizeof buf, p->now)) > 0) {
      ck_assert_uint_le(got + (size_t)k, n);
      ck_assert_msg(memcmp(buf, data + got, (size_t)k) == 0, "data differs");
      got += (size_t)k;
    }
    if (got == n) break; /* done: both ends may be idle, with no timer */
    pair_step(p);
  }
  free(data);
}
