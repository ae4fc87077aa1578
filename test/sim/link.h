/*
 * Simulator: one deterministic one-way link.
 *
 * A packet handed to sim_link_submit() at time `now` is copied into the link
 * and goes through, in this order:
 *   1. blackout: dropped if `now` falls in one of the configured [start, end)
 *      windows (dropped_blackout);
 *   2. queue: dropped if the bytes still waiting for or in serialisation plus
 *      this packet exceed queue_bytes (tail drop, dropped_queue);
 *   3. serialisation: it leaves the sender at
 *        depart = max(now, previous depart) + ceil(len * 8 * 1e6 / rate_bps)
 *      (packets queue behind each other; rate 0 = infinitely fast);
 *   4. on the wire (it has occupied the serialiser either way): dropped if
 *      depart + delay_us falls in a blackout window (dropped_blackout), else
 *      if the loss pattern bit for this packet is set or the PRNG says so
 *      (dropped_loss);
 *   5. propagation: it arrives at depart + delay_us; with probability
 *      reorder_ppm it is held reorder_us longer so later packets overtake it
 *      (reordered); with probability dup_ppm a copy arrives dup_us after the
 *      original (duplicated).
 * Packets with equal arrival times come out in submission order.
 *
 * Every submitted packet draws exactly three PRNG values (loss, reorder,
 * duplicate), whatever happens to it, so changing one probability never
 * shifts the random decisions of the others. The PRNG is splitmix64 seeded by
 * sim_link_init(); nothing here reads a clock or calls rand().
 *
 * Memory: at most queue_bytes wait in the queue; packets in flight are bounded
 * by rate * (delay + reorder_us). queue_bytes 0 means no limit (unit tests).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef SIM_LINK_H
#define SIM_LINK_H

#include <stddef.h>
#include <stdint.h>

#define SIM_TIME_NONE UINT64_MAX
#define SIM_LINK_MAX_BLACKOUTS 4
#define SIM_LINK_MAX_CHANGES 8
#define SIM_PPM 1000000u

/* sim_link_dequeue(): the destination buffer is too small (nothing lost). */
#define SIM_LINK_ERR_NOBUF (-1)
/* sim_link_submit() / sim_link_schedule(): allocation failed or table full. */
#define SIM_LINK_ERR_NOMEM (-2)

typedef struct sim_window {
  uint64_t start, end; /* [start, end) in µs */
} sim_window;

typedef struct sim_link_cfg {
  uint64_t delay_us;  /* propagation delay */
  uint64_t rate_bps;  /* bits per second; 0 = no serialisation delay */
  size_t queue_bytes; /* tail-drop limit; 0 = unlimited */
  /* Pattern loss: packet k (counted from when this config took effect) is
   * dropped if bit (k % loss_mask_len) of loss_mask is set (bit 0 = first
   * packet). loss_mask_len 0 turns the pattern off. */
  uint64_t loss_mask;
  uint8_t loss_mask_len; /* 0..64 */
  uint32_t loss_ppm;     /* random loss, parts per million */
  uint32_t reorder_ppm;  /* probability of extra delay */
  uint64_t reorder_us;   /* the extra delay */
  uint32_t dup_ppm;      /* probability of a duplicate */
  uint64_t dup_us;       /* the copy arrives this much after the original */
  unsigned n_blackouts;
  sim_window blackout[SIM_LINK_MAX_BLACKOUTS];
} sim_link_cfg;

typedef struct sim_link_counters {
  uint64_t submitted; /* packets handed to sim_link_submit() */
  uint64_t delivered; /* packets returned by sim_link_dequeue() (incl. dups) */
  uint64_t dropped_loss, dropped_queue, dropped_blackout;
  uint64_t duplicated, reordered;
  uint64_t bytes_submitted, bytes_delivered;
  size_t max_queued; /* high-water mark of the queue in bytes */
} sim_link_counters;

/* One packet in flight (internal). */
typedef struct sim_link_pkt {
  uint64_t arrival;
  uint64_t seq; /* tie-break: submission order */
  size_t len;
  uint8_t *data;
} sim_link_pkt;

/* One packet in the serialisation queue (internal). */
typedef struct sim_link_qent {
  uint64_t depart;
  size_t len;
} sim_link_qent;

typedef struct sim_link_change {
  uint64_t at;
  sim_link_cfg cfg;
} sim_link_change;

typedef struct sim_link {
  sim_link_cfg cfg;
  uint64_t rng;
  uint64_t pattern_idx; /* packets submitted since cfg took effect */
  uint64_t tx_free;     /* when the serialiser is next idle */
  uint64_t next_seq;
  /* in flight: binary min-heap on (arrival, seq) */
  sim_link_pkt *heap;
  size_t n_heap, cap_heap;
  /* serialisation queue: ring of (depart, len) in FIFO order */
  sim_link_qent *q;
  size_t q_head, q_n, q_cap;
  size_t queued_bytes;
  /* pending config changes, sorted by time */
  sim_link_change changes[SIM_LINK_MAX_CHANGES];
  unsigned n_changes;
  sim_link_counters ctr;
} sim_link;

/* splitmix64 step: advances *state and returns the next value. */
uint64_t sim_rand64(uint64_t *state);
/* 1 with probability ppm / 1e6 (draws one value). */
int sim_rand_ppm(uint64_t *state, uint32_t ppm);
/* Uniform in [lo, hi] (draws one value). */
uint64_t sim_rand_range(uint64_t *state, uint64_t lo, uint64_t hi);

/* Initialises @p l with a copy of @p cfg and a PRNG seeded by @p seed. */
void sim_link_init(sim_link *l, const sim_link_cfg *cfg, uint64_t seed);
/* Frees every packet still in flight. */
void sim_link_free(sim_link *l);

/* Replaces the configuration now (packets already in flight keep their
 * times; the pattern index restarts at 0). */
void sim_link_set_cfg(sim_link *l, const sim_link_cfg *cfg);
/* Makes @p cfg take effect for packets submitted at or after @p at.
 * @return 0 or SIM_LINK_ERR_NOMEM (more than SIM_LINK_MAX_CHANGES pending). */
int sim_link_schedule(sim_link *l, uint64_t at, const sim_link_cfg *cfg);

/* Copies @p pkt into the link at time @p now (times must not go backwards).
 * @return 1 if it (or at least its copy) is on its way, 0 if it was dropped,
 * SIM_LINK_ERR_NOMEM. */
int sim_link_submit(sim_link *l, const uint8_t *pkt, size_t len, uint64_t now);

/* Arrival time of the next packet, or SIM_TIME_NONE. */
uint64_t sim_link_next_arrival(const sim_link *l);

/* Removes the earliest packet that has arrived by @p now and copies it into
 * @p buf. @p arrival (may be NULL) gets its arrival time.
 * @return its length, 0 if none has arrived, SIM_LINK_ERR_NOBUF if @p cap is
 * too small (the packet stays). */
ptrdiff_t sim_link_dequeue(sim_link *l, uint64_t now, uint8_t *buf, size_t cap,
                           uint64_t *arrival);

/* Packets currently in flight (queued or propagating). */
size_t sim_link_in_flight(const sim_link *l);

/* Writes a one-line description of @p cfg into @p buf. */
void sim_link_cfg_format(const sim_link_cfg *cfg, char *buf, size_t cap);

#endif
