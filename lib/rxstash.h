/* Subflow bytes that arrived ahead of their mapping (RFC 8684 §3.3.1: a
 * mapping may cover many segments and go on the first only). When that
 * first segment is lost or late, the ones after it cannot be placed at
 * their DSN yet; rather than drop them (the sender would send them all
 * again), they wait here, unacknowledged, until a mapping covers them,
 * and are then taken as if they had just arrived. A cache: what does not
 * fit is dropped and comes again.
 *
 * Bytes are kept at their relative SSN modulo MPTCP_RXSTASH_CAP, within
 * that distance of the subflow's next expected byte; the buffer exists
 * only while something is held. SSNs compare mod 2^32.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_RXSTASH_H
#define MPTCP_RXSTASH_H

#include <stdint.h>

#include "mem.h"

#define MPTCP_RXSTASH_CAP 65536u /* a mapping's most (16-bit length) */
#define MPTCP_RXSTASH_PIECES 16

typedef struct mptcp_rxstash {
  uint8_t *buf; /* MPTCP_RXSTASH_CAP bytes, NULL when empty */
  struct {
    uint32_t ssn, len;
  } p[MPTCP_RXSTASH_PIECES]; /* held pieces, sorted, disjoint */
  uint8_t n;
} mptcp_rxstash;

/* Holds [ssn, ssn + len) (@p next: the subflow's next expected byte).
 * Returns 0, or -1 when it does not fit (nothing changed). */
int mptcp_rxstash_put(mptcp_rxstash *s, mptcp_alloc *a, uint32_t next,
                      uint32_t ssn, const uint8_t *d, uint32_t len);
/* Forgets the bytes before @p next (received since); frees the buffer
 * when nothing is left. */
void mptcp_rxstash_sync(mptcp_rxstash *s, mptcp_alloc *a, uint32_t next);
/* Does it hold any byte at or after @p ssn? */
int mptcp_rxstash_holds_from(const mptcp_rxstash *s, uint32_t ssn);
/* Takes out up to @p max held bytes of [lo, hi) from the lowest on: their
 * SSN in *ssn, the bytes in @p out; returns how many (0: none held). */
uint32_t mptcp_rxstash_take(mptcp_rxstash *s, uint32_t lo, uint32_t hi,
                            uint8_t *out, uint32_t max, uint32_t *ssn);
void mptcp_rxstash_free(mptcp_rxstash *s, mptcp_alloc *a);

#endif
