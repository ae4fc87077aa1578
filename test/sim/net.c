/* Simulator: two stacks, N paths, a virtual clock. SPDX-License-Identifier: MIT
 */
#include "net.h"

#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_STEPS UINT64_C(5000000)
#define DEFAULT_MAX_TIME (UINT64_C(3600) * 1000000u)
/* Steps in a row at one instant before we call it a spinning timer. */
#define MAX_SAME_TIME_STEPS 10000
/* Rounds of write_pkt/events at one step before we call it a livelock. */
#define MAX_ROUNDS 100000

int sim_ip_addrs(const uint8_t *p, size_t len, mptcp_ipaddr *src,
                 mptcp_ipaddr *dst) {
  memset(src, 0, sizeof *src);
  memset(dst, 0, sizeof *dst);
  if (len < 1) return -1;
  if (p[0] >> 4 == 4) {
    if (len < 20) return -1;
    src->family = dst->family = MPTCP_AF_INET;
    memcpy(src->a, p + 12, 4);
    memcpy(dst->a, p + 16, 4);
    return 0;
  }
  if (p[0] >> 4 == 6) {
    if (len < 40) return -1;
    src->family = dst->family = MPTCP_AF_INET6;
    memcpy(src->a, p + 8, 16);
    memcpy(dst->a, p + 24, 16);
    return 0;
  }
  return -1;
}

static int addr_eq(const mptcp_ipaddr *x, const mptcp_ipaddr *y) {
  return x->family == y->family && memcmp(x->a, y->a, sizeof x->a) == 0;
}

void sim_net_fail(sim_net *net, const char *fmt, ...) {
  if (net->failed) return; /* keep the first reason */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(net->err, sizeof net->err, fmt, ap);
  va_end(ap);
  net->failed = 1;
}

const char *sim_net_error(const sim_net *net) {
  return net->failed ? net->err : "";
}

mptcp_tstamp sim_net_now(const sim_net *net) { return net->now; }

sim_link *sim_net_link(sim_net *net, unsigned path, int dir) {
  if (path >= net->cfg.npaths || dir < 0 || dir > 1) return NULL;
  return &net->link[path][dir];
}

int sim_net_init(sim_net *net, const sim_net_cfg *cfg, mptcp_stack *a,
                 mptcp_stack *b) {
  memset(net, 0, offsetof(sim_net, buf));
  if (cfg->npaths == 0 || cfg->npaths > SIM_NET_MAX_PATHS) return -1;
  net->cfg = *cfg;
  if (net->cfg.max_steps == 0) net->cfg.max_steps = DEFAULT_MAX_STEPS;
  if (net->cfg.max_time == 0) net->cfg.max_time = DEFAULT_MAX_TIME;
  net->st[SIM_A] = a;
  net->st[SIM_B] = b;
  net->now = cfg->start_time;
  for (unsigned p = 0; p < cfg->npaths; p++) {
    unsigned v = cfg->path[p].via;
    if (v > cfg->npaths || (v && cfg->path[v - 1].via)) return -1;
  }
  uint64_t sm = cfg->seed ^ UINT64_C(0x5EED5EED5EED5EED);
  for (unsigned p = 0; p < cfg->npaths; p++) {
    sim_link_init(&net->link[p][SIM_AB], &cfg->path[p].ab, sim_rand64(&sm));
    sim_link_init(&net->link[p][SIM_BA], &cfg->path[p].ba, sim_rand64(&sm));
  }
  return 0;
}

void sim_net_free(sim_net *net) {
  for (unsigned p = 0; p < net->cfg.npaths; p++) {
    sim_link_free(&net->link[p][0]);
    sim_link_free(&net->link[p][1]);
  }
  free(net->rec);
  free(net->rec_data);
  net->rec = NULL;
  net->rec_data = NULL;
  net->n_rec = net->cap_rec = net->rec_len = net->rec_cap = 0;
}

static void record(sim_net *net, int dir, int side, unsigned path,
                   const uint8_t *pkt, size_t len) {
  if (!net->cfg.record) return;
  size_t caplen = len;
  if (net->cfg.snaplen && caplen > net->cfg.snaplen) caplen = net->cfg.snaplen;
  if (net->n_rec == net->cap_rec) {
    size_t ncap = net->cap_rec ? net->cap_rec * 2 : 1024;
    sim_rec *nr = realloc(net->rec, ncap * sizeof *nr);
    if (!nr) {
      sim_net_fail(net, "out of memory recording packets");
      return;
    }
    net->rec = nr;
    net->cap_rec = ncap;
  }
  if (net->rec_len + caplen > net->rec_cap) {
    size_t ncap = net->rec_cap ? net->rec_cap : 1u << 20;
    while (net->rec_len + caplen > ncap) ncap *= 2;
    uint8_t *nd = realloc(net->rec_data, ncap);
    if (!nd) {
      sim_net_fail(net, "out of memory recording packets");
      return;
    }
    net->rec_data = nd;
    net->rec_cap = ncap;
  }
  memcpy(net->rec_data + net->rec_len, pkt, caplen);
  net->rec[net->n_rec++] =
      (sim_rec){net->now, (uint8_t)dir, (uint8_t)side, (uint8_t)path,
                len,      caplen,       net->rec_len};
  net->rec_len += caplen;
}

/* Routes one packet written by @p side (the path's middlebox may rewrite
 * it in place). */
static void route(sim_net *net, int side, uint8_t *pkt, size_t len) {
  mptcp_ipaddr src, dst;
  if (sim_ip_addrs(pkt, len, &src, &dst) < 0) {
    sim_net_fail(net, "stack %c wrote a packet that is not IPv4/IPv6 (%zu B)",
                 side == SIM_A ? 'A' : 'B', len);
    return;
  }
  for (unsigned p = 0; p < net->cfg.npaths; p++) {
    const sim_path_cfg *pc = &net->cfg.path[p];
    const mptcp_ipaddr *mine = side == SIM_A ? &pc->a : &pc->b;
    const mptcp_ipaddr *peer = side == SIM_A ? &pc->b : &pc->a;
    if (addr_eq(mine, &src) && addr_eq(peer, &dst)) {
      record(net, SIM_REC_TX, side, p, pkt, len);
      unsigned l = pc->via ? pc->via - 1 : p;
      int dir = side == SIM_A ? SIM_AB : SIM_BA;
      if (pc->mbox && !pc->mbox(pc->mbox_ud, dir, pkt, len, net->now)) {
        net->stats.mbox_drop[side]++;
        return;
      }
      int r = sim_link_submit(&net->link[l][dir], pkt, len, net->now);
      if (r < 0) sim_net_fail(net, "out of memory in a link");
      return;
    }
  }
  record(net, SIM_REC_TX, side, SIM_NET_MAX_PATHS, pkt, len);
  net->stats.unroutable[side]++;
}

/* Delivers everything that has arrived by now. */
static void deliver(sim_net *net) {
  for (unsigned p = 0; p < net->cfg.npaths && !net->failed; p++) {
    for (int d = 0; d < 2 && !net->failed; d++) {
      int to = d == SIM_AB ? SIM_B : SIM_A;
      ptrdiff_t n;
      while (!net->failed &&
             (n = sim_link_dequeue(&net->link[p][d], net->now, net->buf,
                                   sizeof net->buf, NULL)) != 0) {
        if (n < 0) {
          sim_net_fail(net, "link packet larger than the buffer");
          return;
        }
        mptcp_pkt_info pi;
        memset(&pi, 0, sizeof pi);
        sim_ip_addrs(net->buf, (size_t)n, &pi.src, &pi.dst);
        record(net, SIM_REC_RX, to, p, net->buf, (size_t)n);
        net->stats.pkts_in[to]++;
        int r = mptcp_stack_read_pkt(net->st[to], &pi, net->buf, (size_t)n,
                                     net->now);
        if (r == MPTCP_RX_NOT_MINE)
          net->stats.not_mine[to]++;
        else if (r < 0)
          sim_net_fail(net, "stack %c: read_pkt: %s", to == SIM_A ? 'A' : 'B',
                       mptcp_strerror(r));
      }
    }
  }
}

/* One round of output and events. @return 1 if anything happened. */
static int drain(sim_net *net, sim_event_fn fn, void *user, int *done) {
  int progress = 0;
  for (int s = 0; s < 2 && !net->failed; s++) {
    for (unsigned k = 0;; k++) {
      mptcp_pkt_info pi;
      memset(&pi, 0, sizeof pi);
      mptcp_ssize n = mptcp_stack_write_pkt(net->st[s], &pi, net->buf,
                                            sizeof net->buf, net->now);
      if (n == 0) break;
      if (n < 0) {
        sim_net_fail(net, "stack %c: write_pkt: %s", s == SIM_A ? 'A' : 'B',
                     mptcp_strerror((int)n));
        return 0;
      }
      if (k >= MAX_ROUNDS) {
        sim_net_fail(net, "stack %c: write_pkt never returns 0 at t=%" PRIu64,
                     s == SIM_A ? 'A' : 'B', net->now);
        return 0;
      }
      progress = 1;
      net->stats.pkts_out[s]++;
      route(net, s, net->buf, (size_t)n);
      if (net->failed) return 0;
    }
  }
  for (int s = 0; s < 2 && !net->failed; s++) {
    mptcp_event ev;
    while (!net->failed && mptcp_stack_next_event(net->st[s], &ev)) {
      progress = 1;
      net->stats.events[s]++;
      int r = fn(net, s, &ev, user);
      if (r < 0) {
        sim_net_fail(net, "scenario callback failed (no reason given)");
        return 0;
      }
      if (r > 0) *done = 1;
    }
  }
  return progress;
}

int sim_net_run(sim_net *net, sim_event_fn fn, void *user) {
  return sim_net_run_until(net, fn, user, MPTCP_TSTAMP_NONE);
}

int sim_net_run_until(sim_net *net, sim_event_fn fn, void *user,
                      mptcp_tstamp until) {
  unsigned same_time = 0;
  mptcp_tstamp last = net->now;
  while (!net->failed) {
    if (++net->stats.steps > net->cfg.max_steps) {
      sim_net_fail(net, "step limit (%" PRIu64 ") reached at t=%" PRIu64 "us",
                   net->cfg.max_steps, net->now);
      break;
    }
    if (net->now == last && net->stats.steps > 1) {
      if (++same_time > MAX_SAME_TIME_STEPS) {
        sim_net_fail(net,
                     "clock stuck at t=%" PRIu64 "us: expiry A=%" PRIu64
                     " B=%" PRIu64 " does not move after handle_expiry",
                     net->now, mptcp_stack_get_expiry(net->st[SIM_A]),
                     mptcp_stack_get_expiry(net->st[SIM_B]));
        break;
      }
    } else {
      same_time = 0;
      last = net->now;
    }

    deliver(net);
    for (int s = 0; s < 2 && !net->failed; s++) {
      if (mptcp_stack_get_expiry(net->st[s]) <= net->now) {
        net->stats.expiries[s]++;
        int r = mptcp_stack_handle_expiry(net->st[s], net->now);
        if (r < 0)
          sim_net_fail(net, "stack %c: handle_expiry: %s",
                       s == SIM_A ? 'A' : 'B', mptcp_strerror(r));
      }
    }
    int done = 0;
    for (unsigned round = 0; !net->failed && drain(net, fn, user, &done);
         round++) {
      if (round >= MAX_ROUNDS) {
        sim_net_fail(net, "stacks and scenario keep producing at t=%" PRIu64,
                     net->now);
        break;
      }
    }
    if (net->failed) break;
    if (done) return 0;

    mptcp_tstamp next = MPTCP_TSTAMP_NONE;
    for (int s = 0; s < 2; s++) {
      mptcp_tstamp e = mptcp_stack_get_expiry(net->st[s]);
      if (e < next) next = e;
    }
    for (unsigned p = 0; p < net->cfg.npaths; p++)
      for (int d = 0; d < 2; d++) {
        uint64_t t = sim_link_next_arrival(&net->link[p][d]);
        if (t < next) next = t;
      }
    if (until != MPTCP_TSTAMP_NONE && next > until) {
      /* an idle network is no deadlock when the caller has plans */
      if (until > net->now) net->now = until;
      return 1;
    }
    if (next == MPTCP_TSTAMP_NONE) {
      sim_net_fail(net,
                   "deadlock at t=%" PRIu64
                   "us: no timer armed and no packet in flight",
                   net->now);
      break;
    }
    if (next > net->cfg.max_time) {
      sim_net_fail(net,
                   "virtual time limit (%" PRIu64 "us) passed: next event at "
                   "t=%" PRIu64 "us",
                   net->cfg.max_time, next);
      break;
    }
    if (next > net->now) net->now = next;
  }
  return -1;
}

int sim_net_write_pcap(const sim_net *net, const char *path, int which) {
  pcap_t *pd = pcap_open_dead(DLT_RAW, 65535);
  if (!pd) return -1;
  pcap_dumper_t *dp = pcap_dump_open(pd, path);
  if (!dp) {
    pcap_close(pd);
    return -1;
  }
  for (size_t i = 0; i < net->n_rec; i++) {
    const sim_rec *r = &net->rec[i];
    if (!(r->dir & which)) continue;
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.ts.tv_sec = (time_t)(r->t / 1000000u);
    h.ts.tv_usec = (suseconds_t)(r->t % 1000000u);
    h.caplen = (bpf_u_int32)r->caplen;
    h.len = (bpf_u_int32)r->len;
    pcap_dump((u_char *)dp, &h, net->rec_data + r->off);
  }
  pcap_dump_close(dp);
  pcap_close(pd);
  return 0;
}

void sim_net_format_stats(const sim_net *net, char *buf, size_t cap) {
  size_t o = 0;
#define APPEND(...)                                                            \
  do {                                                                         \
    if (o < cap) {                                                             \
      int n_ = snprintf(buf + o, cap - o, __VA_ARGS__);                        \
      if (n_ > 0) o += (size_t)n_;                                             \
    }                                                                          \
  } while (0)
  if (cap) buf[0] = 0;
  const sim_net_stats *s = &net->stats;
  APPEND("  t=%" PRIu64 "us steps=%" PRIu64 " pkts A->%" PRIu64 "/%" PRIu64
         "<-  B->%" PRIu64 "/%" PRIu64 "<-  not_mine=%" PRIu64 "/%" PRIu64
         " unroutable=%" PRIu64 "/%" PRIu64 " mbox_drop=%" PRIu64 "/%" PRIu64
         "\n",
         net->now, s->steps, s->pkts_out[0], s->pkts_in[0], s->pkts_out[1],
         s->pkts_in[1], s->not_mine[0], s->not_mine[1], s->unroutable[0],
         s->unroutable[1], s->mbox_drop[0], s->mbox_drop[1]);
  for (unsigned p = 0; p < net->cfg.npaths; p++)
    for (int d = 0; d < 2; d++) {
      const sim_link_counters *c = &net->link[p][d].ctr;
      APPEND("  path %u %s: submitted=%" PRIu64 " delivered=%" PRIu64
             " loss=%" PRIu64 " queue=%" PRIu64 " blackout=%" PRIu64
             " dup=%" PRIu64 " reordered=%" PRIu64 " maxq=%zuB\n",
             p, d == SIM_AB ? "A->B" : "B->A", c->submitted, c->delivered,
             c->dropped_loss, c->dropped_queue, c->dropped_blackout,
             c->duplicated, c->reordered, c->max_queued);
    }
#undef APPEND
}
