/* Simulator: one deterministic one-way link. SPDX-License-Identifier: MIT */
#include "link.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t sim_rand64(uint64_t *state) {
  uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
  z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
  return z ^ (z >> 31);
}

int sim_rand_ppm(uint64_t *state, uint32_t ppm) {
  /* The top 32 bits scaled into [0, 1e6) without modulo bias worth noting. */
  uint64_t r = sim_rand64(state) >> 32;
  return (uint32_t)((r * SIM_PPM) >> 32) < ppm;
}

uint64_t sim_rand_range(uint64_t *state, uint64_t lo, uint64_t hi) {
  uint64_t r = sim_rand64(state);
  if (hi <= lo) return lo;
  uint64_t span = hi - lo + 1;
  return span == 0 ? r : lo + r % span;
}

void sim_link_init(sim_link *l, const sim_link_cfg *cfg, uint64_t seed) {
  memset(l, 0, sizeof *l);
  l->cfg = *cfg;
  l->rng = seed;
}

void sim_link_free(sim_link *l) {
  for (size_t i = 0; i < l->n_heap; i++) free(l->heap[i].data);
  free(l->heap);
  free(l->q);
  l->heap = NULL;
  l->q = NULL;
  l->n_heap = l->cap_heap = 0;
  l->q_n = l->q_cap = l->q_head = 0;
  l->queued_bytes = 0;
}

void sim_link_set_cfg(sim_link *l, const sim_link_cfg *cfg) {
  l->cfg = *cfg;
  l->pattern_idx = 0;
}

int sim_link_schedule(sim_link *l, uint64_t at, const sim_link_cfg *cfg) {
  if (l->n_changes >= SIM_LINK_MAX_CHANGES) return SIM_LINK_ERR_NOMEM;
  unsigned i = l->n_changes;
  /* keep sorted by time; equal times keep scheduling order */
  while (i > 0 && l->changes[i - 1].at > at) {
    l->changes[i] = l->changes[i - 1];
    i--;
  }
  l->changes[i].at = at;
  l->changes[i].cfg = *cfg;
  l->n_changes++;
  return 0;
}

static void apply_changes(sim_link *l, uint64_t now) {
  unsigned k = 0;
  while (k < l->n_changes && l->changes[k].at <= now) {
    sim_link_set_cfg(l, &l->changes[k].cfg);
    k++;
  }
  if (k == 0) return;
  memmove(l->changes, l->changes + k,
          (l->n_changes - k) * sizeof l->changes[0]);
  l->n_changes -= k;
}

static int in_blackout(const sim_link_cfg *c, uint64_t t) {
  unsigned n = c->n_blackouts;
  if (n > SIM_LINK_MAX_BLACKOUTS) n = SIM_LINK_MAX_BLACKOUTS;
  for (unsigned i = 0; i < n; i++)
    if (t >= c->blackout[i].start && t < c->blackout[i].end) return 1;
  return 0;
}

/* ---- serialisation queue (FIFO ring) ---- */

static void q_expire(sim_link *l, uint64_t now) {
  while (l->q_n > 0 && l->q[l->q_head].depart <= now) {
    l->queued_bytes -= l->q[l->q_head].len;
    l->q_head = (l->q_head + 1) % l->q_cap;
    l->q_n--;
  }
}

static int q_push(sim_link *l, uint64_t depart, size_t len) {
  if (l->q_n == l->q_cap) {
    size_t ncap = l->q_cap ? l->q_cap * 2 : 64;
    sim_link_qent *nq = malloc(ncap * sizeof *nq);
    if (!nq) return SIM_LINK_ERR_NOMEM;
    for (size_t i = 0; i < l->q_n; i++)
      nq[i] = l->q[(l->q_head + i) % l->q_cap];
    free(l->q);
    l->q = nq;
    l->q_cap = ncap;
    l->q_head = 0;
  }
  l->q[(l->q_head + l->q_n) % l->q_cap] = (sim_link_qent){depart, len};
  l->q_n++;
  l->queued_bytes += len;
  if (l->queued_bytes > l->ctr.max_queued) l->ctr.max_queued = l->queued_bytes;
  return 0;
}

/* ---- packets in flight (min-heap on arrival, then seq) ---- */

static int pkt_before(const sim_link_pkt *a, const sim_link_pkt *b) {
  return a->arrival < b->arrival ||
         (a->arrival == b->arrival && a->seq < b->seq);
}

static int heap_push(sim_link *l, uint64_t arrival, const uint8_t *pkt,
                     size_t len) {
  if (l->n_heap == l->cap_heap) {
    size_t ncap = l->cap_heap ? l->cap_heap * 2 : 64;
    sim_link_pkt *nh = realloc(l->heap, ncap * sizeof *nh);
    if (!nh) return SIM_LINK_ERR_NOMEM;
    l->heap = nh;
    l->cap_heap = ncap;
  }
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) return SIM_LINK_ERR_NOMEM;
  if (len) memcpy(copy, pkt, len);
  sim_link_pkt p = {arrival, l->next_seq++, len, copy};
  size_t i = l->n_heap++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!pkt_before(&p, &l->heap[parent])) break;
    l->heap[i] = l->heap[parent];
    i = parent;
  }
  l->heap[i] = p;
  return 0;
}

static void heap_pop(sim_link *l) {
  sim_link_pkt last = l->heap[--l->n_heap];
  size_t i = 0, n = l->n_heap;
  if (n == 0) return;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && pkt_before(&l->heap[c + 1], &l->heap[c])) c++;
    if (!pkt_before(&l->heap[c], &last)) break;
    l->heap[i] = l->heap[c];
    i = c;
  }
  l->heap[i] = last;
}

int sim_link_submit(sim_link *l, const uint8_t *pkt, size_t len, uint64_t now) {
  apply_changes(l, now);
  const sim_link_cfg *c = &l->cfg;
  uint64_t k = l->pattern_idx++;
  /* Always three draws per packet, so the decisions stay aligned. */
  int lose = sim_rand_ppm(&l->rng, c->loss_ppm);
  int reorder = sim_rand_ppm(&l->rng, c->reorder_ppm);
  int dup = sim_rand_ppm(&l->rng, c->dup_ppm);
  if (c->loss_mask_len > 0) {
    unsigned bit =
        (unsigned)(k % (c->loss_mask_len > 64 ? 64 : c->loss_mask_len));
    if (c->loss_mask >> bit & 1u) lose = 1;
  }

  l->ctr.submitted++;
  l->ctr.bytes_submitted += len;
  if (in_blackout(c, now)) {
    l->ctr.dropped_blackout++;
    return 0;
  }
  q_expire(l, now);
  if (c->queue_bytes != 0 && l->queued_bytes + len > c->queue_bytes) {
    l->ctr.dropped_queue++;
    return 0;
  }
  uint64_t start = l->tx_free > now ? l->tx_free : now;
  uint64_t ser = 0;
  if (c->rate_bps != 0)
    ser = ((uint64_t)len * 8u * SIM_PPM + c->rate_bps - 1) / c->rate_bps;
  uint64_t depart = start + ser;
  l->tx_free = depart;
  if (depart > now) {
    int r = q_push(l, depart, len);
    if (r < 0) return r;
  }
  uint64_t arrival = depart + c->delay_us;
  if (in_blackout(c, arrival)) {
    l->ctr.dropped_blackout++;
    return 0;
  }
  if (lose) {
    l->ctr.dropped_loss++;
    return 0;
  }
  uint64_t t = arrival;
  if (reorder && c->reorder_us > 0) {
    t += c->reorder_us;
    l->ctr.reordered++;
  }
  int r = heap_push(l, t, pkt, len);
  if (r < 0) return r;
  if (dup) {
    r = heap_push(l, t + c->dup_us, pkt, len);
    if (r < 0) return r;
    l->ctr.duplicated++;
  }
  return 1;
}

uint64_t sim_link_next_arrival(const sim_link *l) {
  return l->n_heap ? l->heap[0].arrival : SIM_TIME_NONE;
}

ptrdiff_t sim_link_dequeue(sim_link *l, uint64_t now, uint8_t *buf, size_t cap,
                           uint64_t *arrival) {
  if (l->n_heap == 0 || l->heap[0].arrival > now) return 0;
  sim_link_pkt *p = &l->heap[0];
  if (p->len > cap) return SIM_LINK_ERR_NOBUF;
  size_t len = p->len;
  memcpy(buf, p->data, len);
  if (arrival) *arrival = p->arrival;
  free(p->data);
  heap_pop(l);
  l->ctr.delivered++;
  l->ctr.bytes_delivered += len;
  return (ptrdiff_t)len;
}

size_t sim_link_in_flight(const sim_link *l) { return l->n_heap; }

void sim_link_cfg_format(const sim_link_cfg *c, char *buf, size_t cap) {
  int n = snprintf(buf, cap,
                   "delay=%" PRIu64 "us rate=%" PRIu64 "bps queue=%zuB "
                   "loss=%" PRIu32 "ppm reorder=%" PRIu32 "ppm/+%" PRIu64
                   "us dup=%" PRIu32 "ppm/+%" PRIu64 "us",
                   c->delay_us, c->rate_bps, c->queue_bytes, c->loss_ppm,
                   c->reorder_ppm, c->reorder_us, c->dup_ppm, c->dup_us);
  if (c->loss_mask_len && n >= 0 && (size_t)n < cap)
    n += snprintf(buf + n, cap - (size_t)n, " pattern=0x%" PRIx64 "/%u",
                  c->loss_mask, (unsigned)c->loss_mask_len);
  for (unsigned i = 0; i < c->n_blackouts && i < SIM_LINK_MAX_BLACKOUTS; i++)
    if (n >= 0 && (size_t)n < cap)
      n += snprintf(buf + n, cap - (size_t)n,
                    " blackout=[%" PRIu64 ",%" PRIu64 ")", c->blackout[i].start,
                    c->blackout[i].end);
}
