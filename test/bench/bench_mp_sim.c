/*
 * MPTCP experiments on the deterministic simulator (test/sim): two stacks,
 * several paths, a virtual clock. Each experiment prints a table and, with
 * --csv DIR, writes CSV files that scripts/plot_mp_sim.py turns into the
 * plots of doc/performance.md.
 *
 *   agg       aggregation: 10+10 Mbit/s (RTT 20/20 ms) and 10+2 Mbit/s
 *             (RTT 20/80 ms), bulk, every scheduler x congestion control
 *   fair      one MPTCP connection (two subflows) and one TCP connection
 *             through one shared bottleneck: MPTCP/TCP goodput per CC
 *   pool      two paths, TCP cross traffic starts on one of them mid-run:
 *             per-path throughput over time, coupled vs uncoupled CC
 *   failover  primary + second path, the primary blacks out: time until
 *             data flows on the other path, longest app-level stall
 *   hol       10 Mbit/s 20 ms + 2 Mbit/s 100 ms: per-chunk delivery delay
 *             of app-limited and bulk traffic for minRTT, BLEST, ECF
 *
 * Every run ends with the senders shutting down and the receivers reading
 * to EOF; every byte read is checked against what was written, and a run
 * that loses or corrupts data fails the program (exit 1), so the figures
 * always come from correct transfers. --smoke runs each experiment briefly
 * (the `sim-experiments-smoke` test); it checks the same things and no
 * performance figure.
 *
 * Usage: bench_mp_sim [--exp NAME]... [--csv DIR] [--smoke] [--pcap RUN FILE]
 *                     [--trace RUN FILE] [--counters]   (--help says more)
 *
 * SPDX-License-Identifier: MIT
 */
#include "net.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MBIT 1000000u
#define MS 1000u
#define SEC 1000000u
#define MAX_FLOWS 6
#define PAT_PERIOD 65521u /* prime: an offset error shows up in the data */
#define IO_CHUNK 65536u
#define BULK_CHUNK 65536u /* bulk delivery delay is measured per this */
#define LISTEN_PORT 8080
#define DRAIN_LIMIT (120u * SEC)

static uint8_t pattern[PAT_PERIOD + IO_CHUNK];
static uint8_t rbuf[IO_CHUNK];
static int smoke;
static const char *csv_dir;
static const char *pcap_run, *pcap_file;
static const char *trace_run, *trace_file;
static int show_counters;
static int sanity_failures;

/* ---- configuration of one run ---- */

typedef struct flow_cfg {
  int tcp;               /* plain TCP instead of MPTCP */
  unsigned path;         /* the initial subflow's path */
  uint32_t join;         /* paths joined once connected (bit per path) */
  uint32_t backup;       /* of those, joined as backup */
  mptcp_tstamp start;    /* connect at */
  mptcp_tstamp stop;     /* no new data from here (0: the run's end) */
  size_t chunk;          /* app-limited: bytes per chunk; 0 = bulk */
  mptcp_tstamp interval; /* one chunk every interval */
} flow_cfg;

typedef struct run_cfg {
  char name[96];
  sim_net_cfg net;
  const mptcp_sched_ops *sched;
  const mptcp_cc_ops *cc;
  size_t sndbuf, rcvbuf;
  unsigned nflows;
  flow_cfg f[MAX_FLOWS];
  mptcp_tstamp duration; /* data stops, drain follows */
  mptcp_tstamp warm;     /* the measurement window is [warm, duration) */
  mptcp_tstamp sample;   /* time-series period (0: window ends only) */
  mptcp_tstamp gap_from; /* app-level gaps count from here */
} run_cfg;

/* ---- state ---- */

typedef struct chunk_rec {
  uint64_t end;   /* stream offset just past the chunk */
  mptcp_tstamp t; /* when the app produced it */
} chunk_rec;

typedef struct delay_rec {
  mptcp_tstamp t; /* when the chunk was produced */
  uint32_t us;    /* until the receiving app had all of it */
} delay_rec;

typedef struct flow {
  flow_cfg c;
  unsigned idx;
  mptcp_conn *ca, *cb;
  int started, shut, eof;
  uint64_t released, written, read;
  mptcp_tstamp next_chunk;
  uint64_t next_boundary; /* bulk: next BULK_CHUNK boundary */
  chunk_rec *chunks;
  size_t n_chunks, cap_chunks, chunk_k;
  delay_rec *delays;
  size_t n_delays, cap_delays;
  mptcp_tstamp last_read, max_gap, max_gap_at;
  mptcp_tstamp eof_at;                   /* when the receiving app saw EOF */
  uint64_t sf_last[8];                   /* per subflow slot at B */
  uint64_t path_rx[SIM_NET_MAX_PATHS];   /* new data per path, at B */
  uint64_t path_retx[SIM_NET_MAX_PATHS]; /* retransmitted segs, at A */
  uint64_t sfa_last[8];
} flow;

typedef struct sample {
  mptcp_tstamp t;
  uint64_t read[MAX_FLOWS];
  uint64_t path_rx[MAX_FLOWS][SIM_NET_MAX_PATHS];
  uint64_t link_bytes[SIM_NET_MAX_PATHS]; /* delivered A->B, per link */
} sample;

typedef struct run {
  const run_cfg *cfg;
  sim_net *net;
  mptcp_stack *st[2];
  uint64_t rng[2];
  flow f[MAX_FLOWS];
  sample *s;
  size_t n_s, cap_s;
  sample at_warm, at_end;
  char err[256];
  int failed;
  FILE *trace; /* --trace: one line per millisecond */
  mptcp_tstamp trace_next;
} run;

static void *grow(void *p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return p;
  size_t nc = *cap ? *cap * 2 : 256;
  void *q = realloc(p, nc * size);
  if (!q) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  *cap = nc;
  return q;
}

static void run_fail(run *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void run_fail(run *r, const char *fmt, ...) {
  if (r->failed) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->err, sizeof r->err, fmt, ap);
  va_end(ap);
  r->failed = 1;
}

static void rand_hook(uint8_t *d, size_t n, void *ud) {
  uint64_t *s = ud;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t v = sim_rand64(s);
    for (size_t j = 0; j < 8 && i + j < n; j++)
      d[i + j] = (uint8_t)(v >> 8 * j);
  }
}

static mptcp_tstamp flow_stop(const run *r, const flow *f) {
  return f->c.stop ? f->c.stop : r->cfg->duration;
}

/* ---- the apps ---- */

static void maybe_shutdown(run *r, flow *f, mptcp_tstamp now) {
  if (f->shut || !f->ca || now < flow_stop(r, f)) return;
  if (f->c.chunk && f->written < f->released) return;
  if (mptcp_conn_shutdown(f->ca, now) < 0)
    run_fail(r, "flow %u: shutdown failed", f->idx);
  f->shut = 1;
}

static void pump_write(run *r, flow *f, mptcp_tstamp now) {
  if (!f->ca || f->shut) return;
  int bulk = f->c.chunk == 0;
  for (;;) {
    if (bulk && now >= flow_stop(r, f)) break;
    uint64_t want = bulk ? IO_CHUNK : f->released - f->written;
    if (want == 0) break;
    size_t n = want < IO_CHUNK ? (size_t)want : IO_CHUNK;
    mptcp_ssize w =
        mptcp_conn_write(f->ca, pattern + f->written % PAT_PERIOD, n, now);
    if (w == MPTCP_ERR_WOULDBLOCK) break;
    if (w <= 0) {
      run_fail(r, "flow %u: write returned %td", f->idx, w);
      return;
    }
    f->written += (uint64_t)w;
    while (bulk && f->written >= f->next_boundary) {
      f->chunks =
          grow(f->chunks, &f->cap_chunks, f->n_chunks, sizeof *f->chunks);
      f->chunks[f->n_chunks++] = (chunk_rec){f->next_boundary, now};
      f->next_boundary += BULK_CHUNK;
    }
  }
  maybe_shutdown(r, f, now);
}

static void pump_read(run *r, flow *f, mptcp_tstamp now) {
  while (f->cb && !f->eof) {
    mptcp_ssize n = mptcp_conn_read(f->cb, rbuf, sizeof rbuf, now);
    if (n == 0) return;
    if (n == MPTCP_ERR_EOF) {
      f->eof = 1;
      f->eof_at = now;
      return;
    }
    if (n < 0) {
      run_fail(r, "flow %u: read returned %td", f->idx, n);
      return;
    }
    if (memcmp(rbuf, pattern + f->read % PAT_PERIOD, (size_t)n) != 0) {
      run_fail(r, "flow %u: wrong bytes at offset %" PRIu64, f->idx, f->read);
      return;
    }
    f->read += (uint64_t)n;
    if (f->last_read && now >= r->cfg->gap_from &&
        now - f->last_read > f->max_gap) {
      f->max_gap = now - f->last_read;
      f->max_gap_at = now;
    }
    f->last_read = now;
    while (f->chunk_k < f->n_chunks && f->read >= f->chunks[f->chunk_k].end) {
      const chunk_rec *c = &f->chunks[f->chunk_k++];
      f->delays =
          grow(f->delays, &f->cap_delays, f->n_delays, sizeof *f->delays);
      f->delays[f->n_delays++] = (delay_rec){c->t, (uint32_t)(now - c->t)};
    }
  }
}

static flow *flow_of_conn(run *r, mptcp_conn *c) {
  for (unsigned i = 0; i < r->cfg->nflows; i++)
    if (r->f[i].ca == c || r->f[i].cb == c) return &r->f[i];
  return NULL;
}

static int on_event(sim_net *net, int side, const mptcp_event *ev, void *user) {
  run *r = user;
  mptcp_tstamp now = sim_net_now(net);
  uint32_t e = ev->events;
  flow *f = flow_of_conn(r, ev->conn);
  if ((e & MPTCP_EV_ACCEPT) && side == SIM_B) {
    mptcp_conn_info ci;
    mptcp_conn_get_info(ev->conn, &ci);
    unsigned i = ci.remote.port - 20000u;
    if (i >= r->cfg->nflows || r->f[i].cb) {
      run_fail(r, "B accepted an unknown connection (port %u)", ci.remote.port);
      return -1;
    }
    f = &r->f[i];
    f->cb = ev->conn;
  }
  if (!f) return 0;
  if (e & (MPTCP_EV_RESET | MPTCP_EV_TIMEOUT | MPTCP_EV_REFUSED)) {
    run_fail(r, "flow %u: connection failed (events 0x%x at %c)", f->idx,
             (unsigned)e, side == SIM_A ? 'A' : 'B');
    return -1;
  }
  if (side == SIM_A) {
    if (e & MPTCP_EV_CONNECTED) {
      for (unsigned p = 0; p < r->cfg->net.npaths; p++) {
        if (!(f->c.join >> p & 1)) continue;
        mptcp_addr l = {r->cfg->net.path[p].a, 0};
        mptcp_addr rm = {r->cfg->net.path[p].b, LISTEN_PORT};
        uint32_t fl = (f->c.backup >> p & 1) ? MPTCP_SUBFLOW_BACKUP : 0;
        if (mptcp_conn_add_subflow(f->ca, &l, &rm, fl, now) < 0) {
          run_fail(r, "flow %u: join on path %u failed", f->idx, p);
          return -1;
        }
      }
    }
    if (e & (MPTCP_EV_CONNECTED | MPTCP_EV_WRITABLE)) pump_write(r, f, now);
  } else if (e & (MPTCP_EV_ACCEPT | MPTCP_EV_READABLE | MPTCP_EV_PEER_CLOSED)) {
    pump_read(r, f, now);
  }
  if (r->failed) return -1;
  if (now < r->cfg->duration) return 0;
  for (unsigned i = 0; i < r->cfg->nflows; i++)
    if (!r->f[i].eof) return 0;
  return 1;
}

/* ---- sampling ---- */

static unsigned path_of(const run *r, const mptcp_addr *a_side,
                        const mptcp_addr *b_side) {
  for (unsigned p = 0; p < r->cfg->net.npaths; p++) {
    const sim_path_cfg *pc = &r->cfg->net.path[p];
    if (pc->a.family == a_side->ip.family &&
        memcmp(pc->a.a, a_side->ip.a, sizeof pc->a.a) == 0 &&
        memcmp(pc->b.a, b_side->ip.a, sizeof pc->b.a) == 0)
      return p;
  }
  return 0;
}

/* How much a per-subflow counter grew since the last look (a slot that a
 * new subflow took over starts again from 0). */
static uint64_t grew(uint64_t v, uint64_t *last) {
  uint64_t d = v >= *last ? v - *last : v;
  *last = v;
  return d;
}

/* Adds what each subflow brought (at B) and retransmitted (at A) since the
 * last look to its path (slots of closed subflows vanish, so totals are
 * kept here). */
static void account_paths(run *r, flow *f) {
  for (int side = SIM_A; side <= SIM_B; side++) {
    mptcp_conn *c = side == SIM_B ? f->cb : f->ca;
    for (size_t i = 0; c && i < mptcp_conn_subflow_slots(c) && i < 8; i++) {
      mptcp_subflow_info si;
      if (mptcp_conn_get_subflow(c, i, &si) < 0) continue;
      if (side == SIM_B)
        f->path_rx[path_of(r, &si.remote, &si.local)] +=
            grew(si.bytes_received, &f->sf_last[i]);
      else
        f->path_retx[path_of(r, &si.local, &si.remote)] +=
            grew(si.retransmits, &f->sfa_last[i]);
    }
  }
}

static void take_sample(run *r, sample *s, mptcp_tstamp now) {
  memset(s, 0, sizeof *s);
  s->t = now;
  for (unsigned i = 0; i < r->cfg->nflows; i++) {
    account_paths(r, &r->f[i]);
    s->read[i] = r->f[i].read;
    memcpy(s->path_rx[i], r->f[i].path_rx, sizeof s->path_rx[i]);
  }
  for (unsigned p = 0; p < r->cfg->net.npaths; p++)
    s->link_bytes[p] = r->net->link[p][SIM_AB].ctr.bytes_delivered;
}

/* ---- one run ---- */

static void start_flow(run *r, flow *f, mptcp_tstamp now) {
  const sim_path_cfg *pc = &r->cfg->net.path[f->c.path];
  mptcp_addr la = {pc->a, (uint16_t)(20000u + f->idx)};
  mptcp_addr lb = {pc->b, LISTEN_PORT};
  mptcp_conn_opts o = {0};
  o.no_mptcp = (uint8_t)f->c.tcp;
  o.nodelay = 1;
  if (mptcp_conn_connect(r->st[SIM_A], &f->ca, &la, &lb, &o, now) < 0)
    run_fail(r, "flow %u: connect failed", f->idx);
  f->started = 1;
  f->next_chunk = now;
  f->next_boundary = BULK_CHUNK;
}

/* App-limited flows produce their chunks on schedule. */
static void release_chunks(run *r, flow *f, mptcp_tstamp now) {
  while (f->c.chunk && f->started && f->next_chunk <= now &&
         f->next_chunk < flow_stop(r, f)) {
    f->released += f->c.chunk;
    f->chunks = grow(f->chunks, &f->cap_chunks, f->n_chunks, sizeof *f->chunks);
    f->chunks[f->n_chunks++] = (chunk_rec){f->released, f->next_chunk};
    f->next_chunk += f->c.interval;
  }
}

static mptcp_tstamp next_stop(const run *r, mptcp_tstamp now) {
  const run_cfg *c = r->cfg;
  mptcp_tstamp t = now + DRAIN_LIMIT;
  if (now < c->duration) t = c->duration;
  if (now < c->warm && c->warm < t) t = c->warm;
  if (c->sample && now < c->duration) {
    mptcp_tstamp s = (now / c->sample + 1) * c->sample;
    if (s < t) t = s;
  }
  if (r->trace && r->trace_next < t) t = r->trace_next;
  for (unsigned i = 0; i < c->nflows; i++) {
    const flow *f = &r->f[i];
    if (!f->started && f->c.start > now && f->c.start < t) t = f->c.start;
    if (f->started && f->c.chunk && f->next_chunk < flow_stop(r, f) &&
        f->next_chunk < t)
      t = f->next_chunk;
    mptcp_tstamp st = flow_stop(r, f);
    if (st > now && st < t) t = st;
  }
  return t;
}

#define TRACE_STEP MS

/* --trace: per path, the bytes the A->B link delivered so far and its
 * backlog (bytes queued or in serialisation); per subflow of flow 0 at A,
 * cwnd, bytes sent, retransmissions and smoothed RTT. */
static void trace_line(run *r, mptcp_tstamp now) {
  fprintf(r->trace, "%.3f", (double)now / SEC);
  for (unsigned p = 0; p < r->cfg->net.npaths; p++) {
    const sim_link *l = &r->net->link[p][SIM_AB];
    /* the backlog: until when the serialiser is busy */
    uint64_t busy = l->tx_free > now ? l->tx_free - now : 0;
    fprintf(r->trace, ",%" PRIu64 ",%" PRIu64, l->ctr.bytes_delivered,
            busy * l->cfg.rate_bps / 8 / SEC);
  }
  mptcp_conn *c = r->f[0].ca;
  for (size_t i = 0; i < 2; i++) {
    mptcp_subflow_info si;
    if (!c || mptcp_conn_get_subflow(c, i, &si) < 0) memset(&si, 0, sizeof si);
    fprintf(r->trace, ",%u,%" PRIu64 ",%" PRIu64 ",%u", si.cwnd, si.bytes_sent,
            si.retransmits, si.srtt_us);
  }
  fprintf(r->trace, ",%" PRIu64 "\n", r->f[0].read);
}

/* Acts at a stop of the clock: flows start, chunks appear, data stops,
 * samples are taken. */
static void act(run *r, mptcp_tstamp now) {
  const run_cfg *c = r->cfg;
  for (unsigned i = 0; i < c->nflows && !r->failed; i++) {
    flow *f = &r->f[i];
    if (!f->started && now >= f->c.start) start_flow(r, f, now);
    release_chunks(r, f, now);
    pump_write(r, f, now);
  }
  if (c->sample && now % c->sample == 0 && now <= c->duration) {
    r->s = grow(r->s, &r->cap_s, r->n_s, sizeof *r->s);
    take_sample(r, &r->s[r->n_s++], now);
  }
  if (r->trace && now >= r->trace_next) {
    trace_line(r, now);
    r->trace_next = (now / TRACE_STEP + 1) * TRACE_STEP;
  }
  if (now == c->warm) take_sample(r, &r->at_warm, now);
  if (now == c->duration) take_sample(r, &r->at_end, now);
}

static void run_free(run *r) {
  for (unsigned i = 0; i < MAX_FLOWS; i++) {
    free(r->f[i].chunks);
    free(r->f[i].delays);
  }
  free(r->s);
  memset(r, 0, sizeof *r);
}

/* Runs @p c into @p r (free with run_free). A data-integrity failure is
 * reported and counted; the figures of such a run are not to be trusted. */
static void run_one(const run_cfg *c, run *r) {
  memset(r, 0, sizeof *r);
  r->cfg = c;
  r->net = malloc(sizeof *r->net);
  if (!r->net) exit(2);
  int pcap = pcap_run && strcmp(pcap_run, c->name) == 0;
  for (int s = 0; s < 2; s++) {
    mptcp_settings st;
    mptcp_settings_default(&st);
    st.rand = rand_hook;
    st.sched = c->sched;
    st.cc = c->cc;
    st.sndbuf = c->sndbuf;
    st.rcvbuf = c->rcvbuf;
    r->rng[s] = c->net.seed * 2 + (uint64_t)s + 1;
    if (mptcp_stack_new(&r->st[s], &st, NULL, &r->rng[s]) < 0) exit(2);
  }
  mptcp_addr any = {{MPTCP_AF_NONE, {0}}, LISTEN_PORT};
  mptcp_stack_listen(r->st[SIM_B], &any, 0);
  sim_net_cfg nc = c->net;
  if (pcap) { /* headers are enough to follow the sequence numbers */
    nc.record = 1;
    nc.snaplen = 128;
  }
  if (sim_net_init(r->net, &nc, r->st[SIM_A], r->st[SIM_B]) < 0) {
    fprintf(stderr, "%s: bad network configuration\n", c->name);
    exit(2);
  }
  for (unsigned i = 0; i < c->nflows; i++) {
    r->f[i].c = c->f[i];
    r->f[i].idx = i;
  }
  if (trace_run && strcmp(trace_run, c->name) == 0) {
    r->trace = fopen(trace_file, "w");
    if (!r->trace) {
      fprintf(stderr, "cannot write %s\n", trace_file);
      exit(2);
    }
    fprintf(r->trace, "t_s");
    for (unsigned p = 0; p < c->net.npaths; p++)
      fprintf(r->trace, ",link%u_bytes,queue%u_bytes", p, p);
    fprintf(r->trace,
            ",cwnd0,sent0,retx0,srtt0,cwnd1,sent1,retx1,srtt1,read\n");
  }
  mptcp_tstamp now = 0;
  act(r, now);
  for (;;) {
    if (r->failed) break;
    mptcp_tstamp t = next_stop(r, now);
    int rv = sim_net_run_until(r->net, on_event, r, t);
    now = sim_net_now(r->net);
    if (rv < 0) {
      if (!r->failed) run_fail(r, "%s", sim_net_error(r->net));
      break;
    }
    if (rv == 0) break;
    if (now >= c->duration + DRAIN_LIMIT) {
      run_fail(r, "not drained %u s after the end", DRAIN_LIMIT / SEC);
      break;
    }
    act(r, now);
  }
  for (unsigned i = 0; i < c->nflows && !r->failed; i++) {
    flow *f = &r->f[i];
    if (!f->eof || f->read != f->written)
      run_fail(r, "flow %u: %" PRIu64 " of %" PRIu64 " bytes read, eof=%d", i,
               f->read, f->written, f->eof);
    else if (f->written == 0)
      run_fail(r, "flow %u: nothing was sent", i);
  }
  if (r->failed) {
    fprintf(stderr, "SANITY FAILURE in %s: %s\n", c->name, r->err);
    sanity_failures++;
  }
  if (show_counters)
    for (int s = 0; s < 2; s++) {
      mptcp_counters ctr;
      mptcp_stack_get_counters(r->st[s], &ctr);
      for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
        if (ctr.v[i])
          fprintf(stderr, "%s %c %s=%" PRIu64 "\n", c->name, s ? 'B' : 'A',
                  mptcp_counter_name(i), ctr.v[i]);
    }
  if (r->trace) fclose(r->trace);
  if (pcap &&
      sim_net_write_pcap(r->net, pcap_file, SIM_REC_TX | SIM_REC_RX) < 0)
    fprintf(stderr, "cannot write %s\n", pcap_file);
  for (unsigned i = 0; i < c->nflows; i++) {
    if (r->f[i].ca) mptcp_conn_release(r->f[i].ca, now);
    if (r->f[i].cb) mptcp_conn_release(r->f[i].cb, now);
  }
  mptcp_stack_del(r->st[SIM_A]);
  mptcp_stack_del(r->st[SIM_B]);
  sim_net_free(r->net);
  free(r->net);
  r->net = NULL;
}

/* ---- helpers for the experiments ---- */

static void set_path(run_cfg *c, unsigned p, uint64_t rate, mptcp_tstamp rtt,
                     double queue_bdp) {
  sim_path_cfg *pc = &c->net.path[p];
  memset(pc, 0, sizeof *pc);
  pc->a.family = pc->b.family = MPTCP_AF_INET;
  pc->a.a[0] = pc->b.a[0] = 10;
  pc->a.a[1] = pc->b.a[1] = (uint8_t)p;
  pc->a.a[2] = 1;
  pc->b.a[2] = 2;
  pc->a.a[3] = pc->b.a[3] = 1;
  uint64_t bdp = rate / 8 * rtt / SEC;
  size_t q = (size_t)((double)bdp * queue_bdp);
  if (q < 16 * 1514) q = 16 * 1514; /* never shorter than 16 packets */
  pc->ab.delay_us = pc->ba.delay_us = rtt / 2;
  pc->ab.rate_bps = pc->ba.rate_bps = rate;
  pc->ab.queue_bytes = pc->ba.queue_bytes = q;
  if (c->net.npaths <= p) c->net.npaths = p + 1;
}

static void base_cfg(run_cfg *c, const char *name, const char *sched,
                     const char *cc) {
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%s", name);
  c->sched = mptcp_sched_find(sched);
  c->cc = mptcp_cc_find(cc);
  if (!c->sched || !c->cc) {
    fprintf(stderr, "unknown scheduler %s or CC %s\n", sched, cc);
    exit(2);
  }
  /* Large enough for the whole connection's BDP over the slowest path
   * (the receiver must buffer what the fast path sends meanwhile). */
  c->sndbuf = c->rcvbuf = 4u << 20;
  c->net.seed = 1;
  c->net.max_steps = UINT64_MAX;
  c->net.max_time = UINT64_MAX - 1;
}

static double mbps(uint64_t bytes, mptcp_tstamp us) {
  return us ? (double)bytes * 8.0 / (double)us : 0.0;
}

/* Goodput of flow @p i over the measurement window [warm, duration). */
static double window_mbps(const run *r, unsigned i) {
  return mbps(r->at_end.read[i] - r->at_warm.read[i],
              r->cfg->duration - r->cfg->warm);
}

static FILE *csv_files[16];
static size_t n_csv;

/* NULL without --csv; main() closes them all. */
static FILE *csv_open(const char *file, const char *header) {
  if (!csv_dir || n_csv == sizeof csv_files / sizeof csv_files[0]) return NULL;
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", csv_dir, file);
  FILE *fp = fopen(path, "w");
  if (!fp) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(2);
  }
  fprintf(fp, "%s\n", header);
  csv_files[n_csv++] = fp;
  return fp;
}

static mptcp_tstamp dur(mptcp_tstamp full, mptcp_tstamp quick) {
  return smoke ? quick : full;
}

static const char *const scheds[] = {"minrtt", "rr", "redundant", "blest",
                                     "ecf"};
static const char *const ccs[] = {"reno", "lia", "olia", "balia"};
#define N_SCHEDS (sizeof scheds / sizeof scheds[0])
#define N_CCS (sizeof ccs / sizeof ccs[0])

/* ---- aggregation ---- */

/* One aggregation run on paths of @p rate and @p rtt with queues of
 * @p queue_bdp bandwidth-delay products: MPTCP over both, or (@p tcp_path
 * >= 0) one plain TCP connection on that path alone. */
static void agg_run(run_cfg *c, run *r, const uint64_t rate[2],
                    const mptcp_tstamp rtt[2], double queue_bdp,
                    const char *sched, const char *cc, int tcp_path) {
  base_cfg(c, "agg", sched, cc);
  char q[16] = "";
  if (queue_bdp != 1.0) snprintf(q, sizeof q, " q%g", queue_bdp);
  if (tcp_path >= 0)
    snprintf(c->name, sizeof c->name, "agg %u+%u%s tcp path %d",
             (unsigned)(rate[0] / MBIT), (unsigned)(rate[1] / MBIT), q,
             tcp_path);
  else
    snprintf(c->name, sizeof c->name, "agg %u+%u%s %s %s",
             (unsigned)(rate[0] / MBIT), (unsigned)(rate[1] / MBIT), q, sched,
             cc);
  for (unsigned p = 0; p < 2; p++) set_path(c, p, rate[p], rtt[p], queue_bdp);
  c->nflows = 1;
  c->f[0].tcp = tcp_path >= 0;
  c->f[0].path = tcp_path >= 0 ? (unsigned)tcp_path : 0;
  c->f[0].join = tcp_path >= 0 ? 0 : 2;
  c->warm = dur(5 * SEC, 1 * SEC);
  c->duration = dur(40 * SEC, 3 * SEC);
  run_one(c, r);
}

/* One row of agg.csv. @p link: the path whose link counts (-1: both);
 * @p rate: what the goodput is a fraction of (Mbit/s). The whole-transfer
 * fraction runs from the connect (t = 0) to the receiver's EOF: slow start
 * and the last window's drain included. */
static void agg_csv(FILE *fp, size_t t, double qb, const char *sched,
                    const char *cc, const run *r, int link, double rate) {
  const run_cfg *c = r->cfg;
  mptcp_tstamp w = c->duration - c->warm;
  double g = window_mbps(r, 0), wire = 0;
  for (unsigned p = 0; p < 2; p++)
    if (link < 0 || (unsigned)link == p)
      wire += mbps(r->at_end.link_bytes[p] - r->at_warm.link_bytes[p], w);
  double a = mbps(r->at_end.path_rx[0][0] - r->at_warm.path_rx[0][0], w);
  double b = mbps(r->at_end.path_rx[0][1] - r->at_warm.path_rx[0][1], w);
  double whole = mbps(r->f[0].read, r->f[0].eof_at);
  if (fp)
    fprintf(fp,
            "%zu,%s,%s,%.3f,%.4f,%.4f,%.3f,%.3f,%" PRIu64 ",%" PRIu64
            ",%g,%.4f,%.4f\n",
            t, sched, cc, g, g / rate, wire / rate, a, b, r->f[0].path_retx[0],
            r->f[0].path_retx[1], qb, whole / rate, wire > 0 ? g / wire : 0.0);
}

static void exp_agg(void) {
  static const struct {
    const char *name;
    uint64_t rate[2];
    mptcp_tstamp rtt[2];
  } topo[] = {
      {"10+10 Mbit/s, RTT 20/20 ms",
       {10 * MBIT, 10 * MBIT},
       {20 * MS, 20 * MS}},
      {"10+2 Mbit/s, RTT 20/80 ms", {10 * MBIT, 2 * MBIT}, {20 * MS, 80 * MS}}};
  /* 1 BDP: the classic drop-tail size, where NewReno's halving leaves the
   * link idle for a while after each loss (one TCP alone reaches 94.9% of
   * a 10 Mbit/s link); 2 BDP: enough that it never does (TCP alone at the
   * ceiling the headers leave), so what remains is MPTCP's own cost. */
  static const double queues[] = {1.0, 2.0};
  FILE *fp = csv_open("agg.csv", "topo,sched,cc,goodput_mbps,fraction,"
                                 "wire_util,path0_mbps,path1_mbps,retx0,retx1,"
                                 "queue_bdp,whole_fraction,payload_per_wire");
  for (size_t qi = 0; qi < sizeof queues / sizeof queues[0]; qi++)
    for (size_t t = 0; t < sizeof topo / sizeof topo[0]; t++) {
      double qb = queues[qi];
      if (smoke && qi > 0) continue;
      double sum = (double)(topo[t].rate[0] + topo[t].rate[1]) / MBIT;
      printf("\n== Aggregation, %s, queues of %g BDP: goodput / sum of path "
             "rates (%.0f Mbit/s), bulk, measured %s ==\n",
             topo[t].name, qb, sum, smoke ? "(smoke)" : "from 5 s to 40 s");
      printf("%-10s", "sched");
      for (size_t k = 0; k < N_CCS; k++) printf(" %13s", ccs[k]);
      printf("   (path 0 / path 1 Mbit/s of the reno run)\n");
      for (size_t s = 0; s < N_SCHEDS; s++) {
        printf("%-10s", scheds[s]);
        double p0 = 0, p1 = 0;
        for (size_t k = 0; k < N_CCS; k++) {
          if (smoke && k > 1) continue;
          run_cfg c;
          run r;
          agg_run(&c, &r, topo[t].rate, topo[t].rtt, qb, scheds[s], ccs[k], -1);
          mptcp_tstamp w = c.duration - c.warm;
          double g = window_mbps(&r, 0);
          if (k == 0) {
            p0 = mbps(r.at_end.path_rx[0][0] - r.at_warm.path_rx[0][0], w);
            p1 = mbps(r.at_end.path_rx[0][1] - r.at_warm.path_rx[0][1], w);
          }
          printf(" %5.1f (%5.1f%%)", g, 100.0 * g / sum);
          agg_csv(fp, t, qb, scheds[s], ccs[k], &r, -1, sum);
          run_free(&r);
        }
        printf("   %.1f / %.1f\n", p0, p1);
      }
      /* Reference: one plain TCP connection on each path alone. */
      printf("%-10s", "TCP alone");
      for (unsigned p = 0; p < 2; p++) {
        run_cfg c;
        run r;
        agg_run(&c, &r, topo[t].rate, topo[t].rtt, qb, "minrtt", "reno",
                (int)p);
        double g = window_mbps(&r, 0);
        double rate = (double)topo[t].rate[p] / MBIT;
        printf(" path %u: %4.2f (%5.1f%%)", p, g, 100.0 * g / rate);
        char name[16];
        snprintf(name, sizeof name, "tcp-path%u", p);
        agg_csv(fp, t, qb, name, "reno", &r, (int)p, rate);
        run_free(&r);
      }
      printf("\n");
    }
}

/* ---- fairness at a shared bottleneck ---- */

static void exp_fair(void) {
  /* Drop-tail queues and equal RTTs make the outcome depend on the flows'
   * phase: every CC runs with the TCP flow starting at several offsets,
   * and the table gives the mean and the range of the ratio. */
  static const mptcp_tstamp offs[] = {0, 250 * MS, 500 * MS, 750 * MS,
                                      1000 * MS};
  size_t n_offs = smoke ? 1 : sizeof offs / sizeof offs[0];
  FILE *fp =
      csv_open("fair.csv", "cc,subflows,offset_ms,mptcp_mbps,tcp_mbps,ratio");
  printf("\n== Fairness: MPTCP (2 subflows) and TCP through one 10 Mbit/s "
         "bottleneck, RTT 40 ms, queue 1 BDP, measured %s; %zu runs each "
         "(TCP starting 0..1 s after MPTCP) ==\n",
         smoke ? "(smoke)" : "from 10 s to 60 s", n_offs);
  printf("%-8s %9s %12s %12s %14s %16s\n", "cc", "subflows", "MPTCP Mbit/s",
         "TCP Mbit/s", "MPTCP / TCP", "(min .. max)");
  for (size_t k = 0; k < N_CCS + 1; k++) {
    /* the last row: one subflow (reno), as a control */
    int single = k == N_CCS;
    if (smoke && k > 1 && !single) continue;
    const char *ccn = single ? "reno" : ccs[k];
    double sm = 0, st = 0, lo = 1e9, hi = 0;
    for (size_t o = 0; o < n_offs; o++) {
      run_cfg c;
      base_cfg(&c, "fair", "minrtt", ccn);
      snprintf(c.name, sizeof c.name, "fair %s%s +%ums", ccn,
               single ? " 1sf" : "", (unsigned)(offs[o] / MS));
      for (unsigned p = 0; p < 3; p++) set_path(&c, p, 10 * MBIT, 40 * MS, 1.0);
      c.net.path[1].via = c.net.path[2].via = 1; /* all through path 0 */
      c.nflows = 2;
      c.f[0].join = single ? 0 : 2; /* MPTCP on paths 0 and 1 */
      c.f[1].tcp = 1;
      c.f[1].path = 2;
      c.f[1].start = offs[o];
      c.warm = dur(10 * SEC, 1 * SEC);
      c.duration = dur(60 * SEC, 3 * SEC);
      run r;
      run_one(&c, &r);
      double m = window_mbps(&r, 0);
      double t = window_mbps(&r, 1);
      double q = t > 0 ? m / t : 0.0;
      sm += m, st += t;
      if (q < lo) lo = q;
      if (q > hi) hi = q;
      if (fp)
        fprintf(fp, "%s,%d,%u,%.3f,%.3f,%.4f\n", ccn, single ? 1 : 2,
                (unsigned)(offs[o] / MS), m, t, q);
      run_free(&r);
    }
    printf("%-8s %9d %12.2f %12.2f %14.2f %9.2f .. %.2f\n", ccn, single ? 1 : 2,
           sm / (double)n_offs, st / (double)n_offs, st > 0 ? sm / st : 0.0, lo,
           hi);
  }
}

/* ---- resource pooling ---- */

static void exp_pool(void) {
  FILE *fp = csv_open("pool.csv", "cc,phase,path0_mbps,path1_mbps,cross_mbps");
  FILE *ts = csv_open("pool_ts.csv", "cc,t_s,mptcp_path0,mptcp_path1,cross");
  mptcp_tstamp t_on = dur(20 * SEC, 2 * SEC), end = dur(60 * SEC, 4 * SEC);
  printf("\n== Resource pooling: two 10 Mbit/s paths (RTT 40 ms); from "
         "t=%us two TCP flows share path 1 ==\n",
         (unsigned)(t_on / SEC));
  printf("%-8s | %-23s | %-36s\n", "", "before (Mbit/s)",
         "with cross traffic (Mbit/s)");
  printf("%-8s | %7s %7s %7s | %7s %7s %7s %12s\n", "cc", "path 0", "path 1",
         "total", "path 0", "path 1", "total", "cross (2)");
  for (size_t k = 0; k < N_CCS; k++) {
    if (smoke && k > 1) continue;
    run_cfg c;
    base_cfg(&c, "pool", "minrtt", ccs[k]);
    snprintf(c.name, sizeof c.name, "pool %s", ccs[k]);
    for (unsigned p = 0; p < 4; p++) set_path(&c, p, 10 * MBIT, 40 * MS, 1.0);
    c.net.path[2].via = c.net.path[3].via = 2; /* cross traffic on path 1 */
    c.nflows = 3;
    c.f[0].join = 2;
    for (unsigned i = 1; i < 3; i++) {
      c.f[i].tcp = 1;
      c.f[i].path = 1 + i;
      c.f[i].start = t_on;
    }
    c.sample = dur(500 * MS, 100 * MS);
    c.duration = end;
    run r;
    run_one(&c, &r);
    /* phases: [t_on/2, t_on) and [t_on + 10 s, end) */
    mptcp_tstamp ph[2][2] = {{t_on / 2, t_on},
                             {t_on + dur(10 * SEC, 1 * SEC), end}};
    printf("%-8s", ccs[k]);
    for (int h = 0; h < 2; h++) {
      const sample *a = NULL, *b = NULL;
      for (size_t i = 0; i < r.n_s; i++) {
        if (r.s[i].t == ph[h][0]) a = &r.s[i];
        if (r.s[i].t == ph[h][1]) b = &r.s[i];
      }
      if (!a || !b) continue;
      mptcp_tstamp w = ph[h][1] - ph[h][0];
      double p0 = mbps(b->path_rx[0][0] - a->path_rx[0][0], w);
      double p1 = mbps(b->path_rx[0][1] - a->path_rx[0][1], w);
      double x = mbps(b->read[1] + b->read[2] - a->read[1] - a->read[2], w);
      printf(" | %7.2f %7.2f %7.2f", p0, p1, p0 + p1);
      if (h == 1) printf(" %12.2f", x);
      if (fp)
        fprintf(fp, "%s,%s,%.3f,%.3f,%.3f\n", ccs[k], h ? "cross" : "before",
                p0, p1, x);
    }
    printf("\n");
    for (size_t i = 0; ts && i < r.n_s; i++)
      fprintf(ts, "%s,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", ccs[k],
              (double)r.s[i].t / SEC, r.s[i].path_rx[0][0],
              r.s[i].path_rx[0][1], r.s[i].read[1] + r.s[i].read[2]);
    run_free(&r);
  }
}

/* ---- failover ---- */

static void exp_failover(void) {
  FILE *fp = csv_open("failover.csv", "sched,second,to_path1_ms,max_gap_ms");
  FILE *ts = csv_open("failover_ts.csv", "sched,second,t_s,path0,path1,read");
  mptcp_tstamp t_bo = dur(5 * SEC, 2 * SEC), end = dur(15 * SEC, 4 * SEC);
  printf("\n== Failover: path 0 (10 Mbit/s, RTT 20 ms) blacks out both ways "
         "at t=%us for good; path 1 (10 Mbit/s, RTT 40 ms); the app sends "
         "2 Mbit/s (2500 B every 10 ms) ==\n",
         (unsigned)(t_bo / SEC));
  printf("%-10s %-8s %22s %24s\n", "sched", "path 1", "blackout -> data on 1",
         "longest app stall (ms)");
  for (int bk = 1; bk >= 0; bk--)
    for (size_t s = 0; s < N_SCHEDS; s++) {
      run_cfg c;
      base_cfg(&c, "failover", scheds[s], "reno");
      snprintf(c.name, sizeof c.name, "failover %s %s", scheds[s],
               bk ? "backup" : "regular");
      set_path(&c, 0, 10 * MBIT, 20 * MS, 1.0);
      set_path(&c, 1, 10 * MBIT, 40 * MS, 1.0);
      for (int d = 0; d < 2; d++) {
        sim_link_cfg *l = d ? &c.net.path[0].ba : &c.net.path[0].ab;
        l->n_blackouts = 1;
        l->blackout[0].start = t_bo;
        l->blackout[0].end = UINT64_MAX;
      }
      c.nflows = 1;
      c.f[0].join = 2;
      c.f[0].backup = bk ? 2 : 0;
      c.f[0].chunk = 2500;
      c.f[0].interval = 10 * MS;
      c.duration = end;
      c.sample = 1 * MS;
      c.gap_from = t_bo - 1 * SEC;
      run r;
      run_one(&c, &r);
      /* the first sample after the blackout with new data from path 1 */
      uint64_t base = 0;
      double to1 = -1;
      for (size_t i = 0; i < r.n_s; i++) {
        if (r.s[i].t == t_bo) base = r.s[i].path_rx[0][1];
        if (r.s[i].t > t_bo && r.s[i].path_rx[0][1] > base) {
          to1 = (double)(r.s[i].t - t_bo) / MS;
          break;
        }
      }
      double gap = (double)r.f[0].max_gap / MS;
      printf("%-10s %-8s %19.0f ms %24.0f\n", scheds[s],
             bk ? "backup" : "regular", to1, gap);
      if (fp)
        fprintf(fp, "%s,%s,%.1f,%.1f\n", scheds[s], bk ? "backup" : "regular",
                to1, gap);
      for (size_t i = 0; ts && i < r.n_s; i += 10)
        fprintf(ts, "%s,%s,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
                scheds[s], bk ? "backup" : "regular", (double)r.s[i].t / SEC,
                r.s[i].path_rx[0][0], r.s[i].path_rx[0][1], r.s[i].read[0]);
      run_free(&r);
    }
}

/* ---- head-of-line blocking ---- */

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double p) {
  if (n == 0) return 0;
  size_t i = (size_t)(p / 100.0 * (double)n + 0.999999);
  if (i < 1) i = 1;
  if (i > n) i = n;
  return (double)v[i - 1] / MS;
}

static void exp_hol(void) {
  FILE *fp = csv_open("hol.csv", "buf_kib,load,sched,goodput_mbps,path1_share,"
                                 "chunks,p50_ms,p95_ms,p99_ms,max_ms");
  FILE *dl = csv_open("hol_delays.csv", "buf_kib,load,sched,t_s,delay_ms");
  static const struct {
    const char *name;
    size_t chunk;
    mptcp_tstamp interval;
  } loads[] = {{"64KB/100ms", 65536, 100 * MS},
               {"128KB/100ms", 131072, 100 * MS},
               {"bulk", 0, 0}};
  /* the default buffers, and small ones (where the connection window
   * blocks the fast path: what BLEST is about) */
  static const size_t bufs[] = {256 * 1024, 64 * 1024};
  static const char *const hs[] = {"minrtt", "blest", "ecf", "tcp-path0"};
  printf("\n== Head-of-line blocking: path 0 10 Mbit/s RTT 20 ms, path 1 "
         "2 Mbit/s RTT 100 ms, reno; per-chunk delay from the app's write "
         "to the peer app's read (bulk: 64 KB pieces from when write "
         "accepted them), measured %s ==\n",
         smoke ? "(smoke)" : "from 5 s to 30 s");
  printf("%-4s %-12s %-10s %8s %8s %7s %8s %8s %8s %8s\n", "buf", "traffic",
         "sched", "Mbit/s", "path 1", "chunks", "p50 ms", "p95 ms", "p99 ms",
         "max ms");
  for (size_t bi = 0; bi < sizeof bufs / sizeof bufs[0]; bi++)
    for (size_t l = 0; l < sizeof loads / sizeof loads[0]; l++)
      for (size_t s = 0; s < sizeof hs / sizeof hs[0]; s++) {
        if (smoke && bi > 0) continue;
        int tcp = strcmp(hs[s], "tcp-path0") == 0;
        unsigned kib = (unsigned)(bufs[bi] / 1024);
        run_cfg c;
        base_cfg(&c, "hol", tcp ? "minrtt" : hs[s], "reno");
        snprintf(c.name, sizeof c.name, "hol %uK %s %s", kib, loads[l].name,
                 hs[s]);
        set_path(&c, 0, 10 * MBIT, 20 * MS, 1.0);
        set_path(&c, 1, 2 * MBIT, 100 * MS, 1.0);
        c.sndbuf = c.rcvbuf = bufs[bi];
        c.nflows = 1;
        c.f[0].tcp = tcp;
        c.f[0].join = tcp ? 0 : 2;
        c.f[0].chunk = loads[l].chunk;
        c.f[0].interval = loads[l].interval;
        c.warm = dur(5 * SEC, 1 * SEC);
        c.duration = dur(30 * SEC, 3 * SEC);
        run r;
        run_one(&c, &r);
        double g = window_mbps(&r, 0);
        uint64_t p1 = r.at_end.path_rx[0][1] - r.at_warm.path_rx[0][1];
        uint64_t tot = r.at_end.path_rx[0][0] - r.at_warm.path_rx[0][0] + p1;
        double share = tot ? (double)p1 / (double)tot : 0;
        const flow *f = &r.f[0];
        uint32_t *v = malloc((f->n_delays + 1) * sizeof *v);
        if (!v) exit(2);
        size_t n = 0;
        for (size_t i = 0; i < f->n_delays; i++) {
          if (f->delays[i].t < c.warm || f->delays[i].t >= c.duration) continue;
          v[n++] = f->delays[i].us;
          if (dl)
            fprintf(dl, "%u,%s,%s,%.4f,%.3f\n", kib, loads[l].name, hs[s],
                    (double)f->delays[i].t / SEC, (double)f->delays[i].us / MS);
        }
        qsort(v, n, sizeof *v, cmp_u32);
        printf("%-4u %-12s %-10s %8.2f %7.1f%% %7zu %8.1f %8.1f %8.1f %8.1f"
               "\n",
               kib, loads[l].name, hs[s], g, 100 * share, n, pct(v, n, 50),
               pct(v, n, 95), pct(v, n, 99), pct(v, n, 100));
        if (fp)
          fprintf(fp, "%u,%s,%s,%.3f,%.4f,%zu,%.3f,%.3f,%.3f,%.3f\n", kib,
                  loads[l].name, hs[s], g, share, n, pct(v, n, 50),
                  pct(v, n, 95), pct(v, n, 99), pct(v, n, 100));
        free(v);
        run_free(&r);
      }
}

static const struct {
  const char *name;
  void (*fn)(void);
} exps[] = {{"agg", exp_agg},
            {"fair", exp_fair},
            {"pool", exp_pool},
            {"failover", exp_failover},
            {"hol", exp_hol}};
#define N_EXPS (sizeof exps / sizeof exps[0])

static void usage(void) {
  fprintf(
      stderr,
      "usage: bench_mp_sim [--exp NAME]... [--csv DIR] [--smoke]"
      " [--pcap RUN FILE] [--trace RUN FILE] [--counters]\n"
      "  NAME: agg fair pool failover hol (default: all)\n"
      "  --csv: write the tables and time series as CSV files into DIR\n"
      "  --smoke: short runs (a test: every byte is still checked)\n"
      "  --pcap: record the run named RUN (as in a SANITY FAILURE line,\n"
      "    e.g. \"agg 10+10 minrtt reno\") into FILE: every packet as a\n"
      "    stack wrote it and again as it was delivered, 128 bytes each\n"
      "  --counters: print each run's non-zero stack counters\n"
      "  --trace: for the run named RUN, one CSV line per millisecond\n"
      "    into FILE: per path the bytes its A->B link delivered and\n"
      "    its queue; per subflow cwnd, bytes sent, retransmissions, srtt\n");
  exit(2);
}

int main(int argc, char **argv) {
  int want[N_EXPS] = {0}, any = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--smoke") == 0) {
      smoke = 1;
    } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
      csv_dir = argv[++i];
    } else if (strcmp(argv[i], "--counters") == 0) {
      show_counters = 1;
    } else if (strcmp(argv[i], "--trace") == 0 && i + 2 < argc) {
      trace_run = argv[++i];
      trace_file = argv[++i];
    } else if (strcmp(argv[i], "--pcap") == 0 && i + 2 < argc) {
      pcap_run = argv[++i];
      pcap_file = argv[++i];
    } else if (strcmp(argv[i], "--exp") == 0 && i + 1 < argc) {
      const char *n = argv[++i];
      size_t k = 0;
      while (k < N_EXPS && strcmp(exps[k].name, n) != 0) k++;
      if (k == N_EXPS) usage();
      want[k] = any = 1;
    } else {
      usage();
    }
  }
  for (size_t i = 0; i < sizeof pattern; i++)
    pattern[i] = (uint8_t)((i % PAT_PERIOD) * 7 + ((i % PAT_PERIOD) >> 9));
  for (size_t k = 0; k < N_EXPS; k++)
    if (!any || want[k]) {
      exps[k].fn();
      fflush(stdout);
    }
  for (size_t i = 0; i < n_csv; i++) fclose(csv_files[i]);
  if (sanity_failures) {
    fprintf(stderr, "%d run(s) lost, corrupted or stalled data\n",
            sanity_failures);
    return 1;
  }
  return 0;
}
