/* A small sorted set of disjoint byte ranges [start, end), as offsets from
 * a moving base (rcv_nxt for the receive assembler, snd_una for the SACK
 * scoreboard). Bounded: a full set refuses new ranges, which callers treat
 * as "drop this segment" (receiver) or "ignore this SACK block" (sender).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_RANGES_H
#define MPTCP_RANGES_H

#include <stdint.h>

/* 64: the connection-level assembler of MPTCP gets a range for every few
 * segments a subflow brings past another subflow's hole (the scheduler
 * interleaves them), a window's worth of them (16 were full at 10 Mbit/s
 * and 40 ms: sim-mptcp-recovery). 8 bytes each. */
#define MPTCP_RANGES_MAX 64

typedef struct mptcp_range {
  uint32_t start, end;
} mptcp_range;

typedef struct mptcp_ranges {
  uint32_t n;
  mptcp_range r[MPTCP_RANGES_MAX];
} mptcp_ranges;

/* Adds [start, end), merging overlaps. Returns 0, or -1 if the set is full
 * (nothing changed). */
int mptcp_ranges_add(mptcp_ranges *s, uint32_t start, uint32_t end);
/* Moves the base forward by n: ranges below n vanish or are cut. */
void mptcp_ranges_advance(mptcp_ranges *s, uint32_t n);
/* Length of the range starting at offset 0, or 0. */
uint32_t mptcp_ranges_head(const mptcp_ranges *s);
/* Bytes covered at or above offset `from`. */
uint32_t mptcp_ranges_bytes_above(const mptcp_ranges *s, uint32_t from);
/* 1 if offset x is inside a range. */
int mptcp_ranges_contains(const mptcp_ranges *s, uint32_t x);
/* Length of the stretch from offset `from` (at most max) that is all inside
 * a range (*in = 1) or all outside (*in = 0). */
uint32_t mptcp_ranges_span(const mptcp_ranges *s, uint32_t from, uint32_t max,
                           int *in);
/* 1 if mptcp_ranges_add(s, start, end) would succeed. */
int mptcp_ranges_can_add(const mptcp_ranges *s, uint32_t start, uint32_t end);
/* Removes [start, end). A range it would split in two while the set is
 * full loses its whole tail from start instead (never a new range). */
void mptcp_ranges_del(mptcp_ranges *s, uint32_t start, uint32_t end);

#endif
