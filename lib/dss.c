/* Data sequence mappings of a subflow (RFC 8684 §3.3.1).
 * SPDX-License-Identifier: MIT */
#include "dss.h"

#include <string.h>

#include "seq.h"

#define TXMAPS_MIN_CAP 8
#define TXMAPS_MAX_CAP (1u << 24) /* far beyond any send window */

/* ---------------- send side ---------------- */

void mptcp_txmaps_init(mptcp_txmaps *t, mptcp_alloc *alloc) {
  memset(t, 0, sizeof *t);
  t->alloc = alloc;
}

void mptcp_txmaps_free(mptcp_txmaps *t) {
  mptcp_alloc_put(t->alloc, t->r);
  t->r = NULL;
  t->cap = t->head = t->n = 0;
}

static mptcp_txmap *at(const mptcp_txmaps *t, uint32_t i) {
  return &t->r[(t->head + i) & (t->cap - 1)];
}

static int grow(mptcp_txmaps *t) {
  uint32_t cap = t->cap ? t->cap * 2 : TXMAPS_MIN_CAP;
  if (cap > TXMAPS_MAX_CAP) return MPTCP_ERR_NOMEM;
  mptcp_txmap *r = mptcp_alloc_get(t->alloc, cap * sizeof *r);
  if (!r) return MPTCP_ERR_NOMEM;
  for (uint32_t i = 0; i < t->n; i++) r[i] = *at(t, i);
  mptcp_alloc_put(t->alloc, t->r);
  t->r = r;
  t->cap = cap;
  t->head = 0;
  return 0;
}

int mptcp_txmaps_push(mptcp_txmaps *t, uint32_t ssn, uint64_t dsn, uint32_t len,
                      int fin) {
  if (len == 0) return 0;
  if (t->n == t->cap) {
    int rv = grow(t);
    if (rv) return rv;
  }
  mptcp_txmap *r = at(t, t->n++);
  r->ssn = r->m_ssn = ssn;
  r->dsn = r->m_dsn = dsn;
  r->len = r->m_len = len;
  r->m_fin = fin != 0;
  return 0;
}

const mptcp_txmap *mptcp_txmaps_find(const mptcp_txmaps *t, uint32_t ssn) {
  if (t->n == 0) return NULL;
  /* Records are contiguous in SSN from the first one: binary search on
   * offsets from its start (no wrap issue within the window). */
  uint32_t base = at(t, 0)->ssn, off = ssn - base;
  uint32_t lo = 0, hi = t->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const mptcp_txmap *r = at(t, mid);
    uint32_t s = r->ssn - base;
    if (off < s)
      hi = mid;
    else if (off - s >= r->len)
      lo = mid + 1;
    else
      return r;
  }
  return NULL;
}

void mptcp_txmaps_ack(mptcp_txmaps *t, uint32_t ssn_una) {
  while (t->n) {
    mptcp_txmap *r = at(t, 0);
    if (mptcp_seq_leq(r->ssn + r->len, ssn_una)) {
      t->head = (t->head + 1) & (t->cap - 1);
      t->n--;
    } else {
      if (mptcp_seq_gt(ssn_una, r->ssn)) { /* partly acknowledged */
        uint32_t k = ssn_una - r->ssn;
        r->ssn += k;
        r->dsn += k;
        r->len -= k;
      }
      break;
    }
  }
}

uint64_t mptcp_txmaps_min_dsn(const mptcp_txmaps *t) {
  uint64_t m = UINT64_MAX;
  for (uint32_t i = 0; i < t->n; i++)
    if (at(t, i)->dsn < m) m = at(t, i)->dsn;
  return m;
}

const mptcp_txmap *mptcp_txmaps_at(const mptcp_txmaps *t, uint32_t i) {
  return i < t->n ? at(t, i) : NULL;
}

uint64_t mptcp_txmaps_max_dsn(const mptcp_txmaps *t) {
  uint64_t m = 0;
  for (uint32_t i = 0; i < t->n; i++)
    if (at(t, i)->dsn + at(t, i)->len > m) m = at(t, i)->dsn + at(t, i)->len;
  return m;
}

/* ---------------- receive side ---------------- */

/* Do [a, a + alen) and [b, b + blen) intersect (mod 2^32)? */
static int overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen) {
  return mptcp_seq_lt(a, b + blen) && mptcp_seq_lt(b, a + alen);
}

int mptcp_rxmaps_add(mptcp_rxmaps *m, const mptcp_rxmap *add,
                     mptcp_rxmap_placed_fn placed, void *ud) {
  int known = 0;
  for (unsigned i = 0; i < m->n; i++) {
    const mptcp_rxmap *k = &m->m[i];
    if (k->ssn == add->ssn && k->len == add->len && k->dsn == add->dsn &&
        k->fin == add->fin)
      return MPTCP_RXMAP_KNOWN;
    if (!overlap(k->ssn, k->len, add->ssn, add->len)) continue;
    /* The same subflow byte must map to the same DSN. */
    if (k->dsn - k->ssn != add->dsn - add->ssn) return MPTCP_RXMAP_CONFLICT;
    /* A consistent mapping inside a known one adds nothing. */
    if (mptcp_seq_geq(add->ssn, k->ssn) &&
        mptcp_seq_leq(add->ssn + add->len, k->ssn + k->len) && !add->fin)
      known = 1;
  }
  if (known) return MPTCP_RXMAP_KNOWN;
  if (m->n == MPTCP_RXMAPS_MAX) {
    /* Full: a mapping nearer the subflow's next byte is worth more than
     * one further ahead whose bytes are all placed (a later copy of them
     * brings its mapping again). Never one with bytes still to come: they
     * may come without a DSS (the peer saw its first segment SACKed) and
     * could then never be placed. With none to give up, the segment waits:
     * the missing bytes of those further ahead can still come, and then
     * they can go. */
    unsigned v = m->n;
    while (v > 0 && mptcp_seq_lt(add->ssn, m->m[v - 1].ssn) &&
           !(placed && placed(&m->m[v - 1], ud)))
      v--;
    if (v == 0 || !mptcp_seq_lt(add->ssn, m->m[v - 1].ssn))
      return MPTCP_RXMAP_FULL;
    for (unsigned j = v - 1; j + 1 < m->n; j++) m->m[j] = m->m[j + 1];
    m->n--;
  }
  unsigned pos = m->n;
  while (pos > 0 && mptcp_seq_gt(m->m[pos - 1].ssn, add->ssn)) {
    m->m[pos] = m->m[pos - 1];
    pos--;
  }
  m->m[pos] = *add;
  m->n++;
  /* Consecutive mappings that continue each other in both spaces (one per
   * segment, as senders without TSO send them) become one entry; not with
   * checksums, which cover each mapping as sent. */
  for (unsigned i = pos > 0 ? pos - 1 : 0; i + 1 < m->n && i <= pos;) {
    mptcp_rxmap *a = &m->m[i], *b = &m->m[i + 1];
    if (!a->has_csum && !b->has_csum && !a->fin && a->ssn + a->len == b->ssn &&
        a->dsn + a->len == b->dsn &&
        (uint32_t)a->len + b->len <= UINT16_MAX * 64u) { /* < 2^25 */
      a->len += b->len;
      a->fin = b->fin;
      for (unsigned j = i + 1; j + 1 < m->n; j++) m->m[j] = m->m[j + 1];
      m->n--;
      if (pos > i) pos--;
    } else {
      i++;
    }
  }
  return MPTCP_RXMAP_NEW;
}

uint32_t mptcp_rxmaps_lookup(const mptcp_rxmaps *m, uint32_t ssn, uint64_t *dsn,
                             const mptcp_rxmap **map) {
  for (unsigned i = 0; i < m->n; i++) {
    const mptcp_rxmap *k = &m->m[i];
    uint32_t off = ssn - k->ssn;
    if (off < k->len) {
      *dsn = k->dsn + off;
      if (map) *map = k;
      return k->len - off;
    }
  }
  return 0;
}

void mptcp_rxmaps_advance(mptcp_rxmaps *m, uint32_t ssn_nxt,
                          void (*done)(const mptcp_rxmap *, void *), void *ud) {
  unsigned keep = 0;
  for (unsigned i = 0; i < m->n; i++) {
    const mptcp_rxmap *k = &m->m[i];
    if (mptcp_seq_leq(k->ssn + k->len, ssn_nxt)) {
      if (done) done(k, ud);
    } else {
      m->m[keep++] = *k;
    }
  }
  m->n = (uint8_t)keep;
}
