/* Data sequence mappings of one subflow (RFC 8684 §3.3.1): which subflow
 * bytes carry which connection-level bytes.
 *
 * Send side: one record per mapping announced on the wire (relative SSN ->
 * DSN, up to 64 KiB), kept until the subflow acknowledged all of it, so a
 * retransmission reads the same connection bytes and repeats the same
 * mapping. A mapping may cover bytes not sent yet (the rest of a run that
 * goes out in later segments, which carry no DSS of their own).
 *
 * Receive side: the mappings announced by the peer for subflow bytes not
 * yet received in order, sorted by SSN, so that out-of-order segments and
 * segments without a DSS of their own can be placed at their DSN. A new
 * mapping must agree with every known one it overlaps (same SSN -> DSN
 * offset); an identical or consistent repeat is accepted.
 *
 * SSNs are relative (first payload byte = 1) and compared mod 2^32.
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_DSS_H
#define MPTCP_DSS_H

#include <stdint.h>

#include "mem.h"

/* ---- send side ---- */

typedef struct mptcp_txmap {
  uint32_t ssn, len; /* not yet acknowledged at subflow level */
  uint64_t dsn;
  uint64_t m_dsn; /* the mapping as announced (never trimmed) */
  uint32_t m_ssn, m_len;
  uint8_t m_fin; /* announced with the DATA_FIN after it */
} mptcp_txmap;

typedef struct mptcp_txmaps {
  mptcp_txmap *r; /* ring of records in SSN order */
  uint32_t cap, head, n;
  mptcp_alloc *alloc;
} mptcp_txmaps;

void mptcp_txmaps_init(mptcp_txmaps *t, mptcp_alloc *alloc);
void mptcp_txmaps_free(mptcp_txmaps *t);
/* Records the mapping of subflow bytes [ssn, ssn + len) to [dsn, dsn +
 * len), with the DATA_FIN after it if @p fin. Must continue the last
 * record's SSN range. Returns 0 or MPTCP_ERR_NOMEM. */
int mptcp_txmaps_push(mptcp_txmaps *t, uint32_t ssn, uint64_t dsn, uint32_t len,
                      int fin);
/* The record holding @p ssn, or NULL. */
const mptcp_txmap *mptcp_txmaps_find(const mptcp_txmaps *t, uint32_t ssn);
/* Subflow bytes before @p ssn_una are acknowledged: forget them. */
void mptcp_txmaps_ack(mptcp_txmaps *t, uint32_t ssn_una);
/* Lowest DSN a record still refers to (the subflow may have to resend it),
 * or UINT64_MAX when there is none. */
uint64_t mptcp_txmaps_min_dsn(const mptcp_txmaps *t);
/* The @p i-th record in SSN order (i < n), or NULL. */
const mptcp_txmap *mptcp_txmaps_at(const mptcp_txmaps *t, uint32_t i);
/* End (last DSN + 1) of the highest range a record refers to, 0 when there
 * is none. */
uint64_t mptcp_txmaps_max_dsn(const mptcp_txmaps *t);

/* ---- receive side ---- */

/* Pending mappings kept per subflow; a segment whose mapping does not fit
 * is dropped unacknowledged (the peer resends it). Behind a hole a subflow
 * brings a window of segments whose mappings rarely merge (schedulers hand
 * each subflow a few segments at a time). A hole lasts about three RTTs
 * when its fast retransmission is lost too (one to see the loss, one for
 * the resend, one to see the resend lost); on a 10 Mbit/s path with 40 ms
 * RTT and a BDP of queue that is more than 64 pieces (sim-mptcp-recovery
 * at 40 ms dropped 65 segments with 64; 16 were too few at 20 ms).
 * 24 bytes each. */
#define MPTCP_RXMAPS_MAX 128

typedef struct mptcp_rxmap {
  uint32_t ssn;
  uint32_t len : 25; /* payload bytes covered (DATA_FIN octet excluded) */
  uint32_t fin : 1;  /* DATA_FIN at dsn + len */
  uint32_t has_csum : 1;
  uint32_t ok : 1;   /* checksum held once all bytes were in (before the
                        subflow got there in order): marked present already */
  uint32_t bad : 1;  /* checksum failed once all bytes were in, ahead */
  uint32_t late : 1; /* added when some of its bytes were in already (its
                        sum is then taken over the ring) */
  uint64_t dsn;
  uint16_t csum; /* the DSS checksum field, if has_csum (its DLL on the
                    wire is len + fin: checksummed mappings never merge) */
  /* With checksums: the folded sum of the payload bytes received so far,
   * as they came on this subflow (each once; not read back from the ring,
   * where another subflow's copy may sit), and the hull [div_lo, div_hi)
   * of its bytes that differed from a copy placed first (not written). */
  uint16_t sum, div_lo, div_hi;
} mptcp_rxmap;

typedef struct mptcp_rxmaps {
  mptcp_rxmap m[MPTCP_RXMAPS_MAX];
  uint8_t n;
} mptcp_rxmaps;

enum mptcp_rxmap_verdict {
  MPTCP_RXMAP_NEW = 0,  /* added */
  MPTCP_RXMAP_KNOWN,    /* identical to / consistent with known mappings */
  MPTCP_RXMAP_CONFLICT, /* overlaps a known mapping with another offset */
  MPTCP_RXMAP_FULL      /* no room: drop the segment */
};

/* May mapping @p k go (all its bytes received and placed at their DSN, or
 * given up)? */
typedef int (*mptcp_rxmap_placed_fn)(const mptcp_rxmap *k, void *ud);

/* Adds a mapping announced by the peer. When the table is full, the
 * furthest mapping beyond it that @p placed (may be NULL: none) says may
 * go makes room (placed is asked from the furthest on, and the first it
 * says yes to goes); else MPTCP_RXMAP_FULL. */
int mptcp_rxmaps_add(mptcp_rxmaps *m, const mptcp_rxmap *add,
                     mptcp_rxmap_placed_fn placed, void *ud);
/* For subflow byte @p ssn: its DSN and how many bytes from there are
 * covered by the same mapping (0 = unmapped). */
uint32_t mptcp_rxmaps_lookup(const mptcp_rxmaps *m, uint32_t ssn, uint64_t *dsn,
                             const mptcp_rxmap **map);
/* Subflow bytes before @p ssn_nxt were received in order: mappings that
 * end at or before it are complete. Calls @p done for each (in SSN order)
 * and removes it. */
void mptcp_rxmaps_advance(mptcp_rxmaps *m, uint32_t ssn_nxt,
                          void (*done)(const mptcp_rxmap *, void *), void *ud);

#endif
