/* A small set of connection-level byte ranges [lo, hi) in data sequence
 * numbers (64-bit, never wrapping), kept sorted and merged: what one
 * subflow still owes of data another subflow already sent (reinjections,
 * redundant copies). The bytes stay in the connection's send ring; the set
 * only says which of them to send. Bounded: when full, a new range is
 * merged with its nearest neighbour, so the gap between them is sent too
 * (a duplicate the receiver absorbs; nothing is ever forgotten).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_DSNQ_H
#define MPTCP_DSNQ_H

#include <stdint.h>

#define MPTCP_DSNQ_MAX 8

typedef struct mptcp_dsn_range {
  uint64_t lo, hi;
} mptcp_dsn_range;

typedef struct mptcp_dsnq {
  mptcp_dsn_range r[MPTCP_DSNQ_MAX];
  uint8_t n;
} mptcp_dsnq;

/* Adds [lo, hi) (nothing if empty), merging what overlaps or touches. */
void mptcp_dsnq_add(mptcp_dsnq *q, uint64_t lo, uint64_t hi);
/* Removes [lo, hi). A hole in the middle of a range of a full set is not
 * made (the set never grows past its bound): returns the bytes left in
 * that way, usually 0. */
uint64_t mptcp_dsnq_remove(mptcp_dsnq *q, uint64_t lo, uint64_t hi);
/* Forgets everything below @p dsn (acknowledged at data level). */
void mptcp_dsnq_trim(mptcp_dsnq *q, uint64_t dsn);
/* Bytes in the set (saturating at UINT32_MAX). */
uint32_t mptcp_dsnq_bytes(const mptcp_dsnq *q);
/* End of the highest range, 0 when empty. */
uint64_t mptcp_dsnq_max(const mptcp_dsnq *q);
/* Keeps only the lowest @p n bytes. */
void mptcp_dsnq_limit(mptcp_dsnq *q, uint32_t n);

#endif
