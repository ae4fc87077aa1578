/* Subflow bytes waiting for their mapping (rxstash.h).
 * SPDX-License-Identifier: MIT */
#include "rxstash.h"

#include <string.h>

#include "seq.h"

static void del_at(mptcp_rxstash *s, unsigned i) {
  memmove(&s->p[i], &s->p[i + 1], (s->n - i - 1) * sizeof s->p[0]);
  s->n--;
}

/* Where SSN @p ssn lies in the ring, and how many of @p len bytes fit
 * before its end. */
static uint32_t ring_at(uint32_t ssn, uint32_t len, uint32_t *first) {
  uint32_t at = ssn & (MPTCP_RXSTASH_CAP - 1);
  *first = len < MPTCP_RXSTASH_CAP - at ? len : MPTCP_RXSTASH_CAP - at;
  return at;
}

int mptcp_rxstash_put(mptcp_rxstash *s, mptcp_alloc *a, uint32_t next,
                      uint32_t ssn, const uint8_t *d, uint32_t len) {
  if (!len || mptcp_seq_lt(ssn, next) || ssn - next > MPTCP_RXSTASH_CAP - len ||
      len > MPTCP_RXSTASH_CAP)
    return -1;
  /* Where it goes; it merges with what it overlaps or touches. */
  unsigned i = 0;
  while (i < s->n && mptcp_seq_lt(s->p[i].ssn + s->p[i].len, ssn)) i++;
  unsigned j = i;
  while (j < s->n && mptcp_seq_leq(s->p[j].ssn, ssn + len)) j++;
  if (i == j && s->n == MPTCP_RXSTASH_PIECES) return -1;
  if (!s->buf && !(s->buf = mptcp_alloc_get_raw(a, MPTCP_RXSTASH_CAP)))
    return -1;
  uint32_t first, at = ring_at(ssn, len, &first);
  memcpy(s->buf + at, d, first);
  memcpy(s->buf, d + first, len - first);
  uint32_t lo = ssn, hi = ssn + len;
  if (i < j) {
    if (mptcp_seq_lt(s->p[i].ssn, lo)) lo = s->p[i].ssn;
    uint32_t e = s->p[j - 1].ssn + s->p[j - 1].len;
    if (mptcp_seq_gt(e, hi)) hi = e;
    while (j > i + 1) del_at(s, --j);
  } else {
    memmove(&s->p[i + 1], &s->p[i], (s->n - i) * sizeof s->p[0]);
    s->n++;
  }
  s->p[i].ssn = lo;
  s->p[i].len = hi - lo;
  return 0;
}

void mptcp_rxstash_sync(mptcp_rxstash *s, mptcp_alloc *a, uint32_t next) {
  while (s->n && mptcp_seq_lt(s->p[0].ssn, next)) {
    uint32_t end = s->p[0].ssn + s->p[0].len;
    if (mptcp_seq_leq(end, next)) {
      del_at(s, 0);
    } else {
      s->p[0].len = end - next;
      s->p[0].ssn = next;
    }
  }
  if (!s->n) mptcp_rxstash_free(s, a);
}

int mptcp_rxstash_holds_from(const mptcp_rxstash *s, uint32_t ssn) {
  return s->n && mptcp_seq_gt(s->p[s->n - 1].ssn + s->p[s->n - 1].len, ssn);
}

uint32_t mptcp_rxstash_take(mptcp_rxstash *s, uint32_t lo, uint32_t hi,
                            uint8_t *out, uint32_t max, uint32_t *ssn) {
  for (unsigned i = 0; i < s->n; i++) {
    uint32_t a = s->p[i].ssn, b = a + s->p[i].len;
    if (mptcp_seq_lt(a, lo)) a = lo;
    if (mptcp_seq_gt(b, hi)) b = hi;
    if (!mptcp_seq_lt(a, b)) continue;
    uint32_t n = b - a < max ? b - a : max;
    uint32_t first, at = ring_at(a, n, &first);
    memcpy(out, s->buf + at, first);
    memcpy(out + first, s->buf, n - first);
    *ssn = a;
    /* Cut [a, a + n) out of the piece. */
    uint32_t ps = s->p[i].ssn, pe = ps + s->p[i].len;
    if (a == ps) {
      s->p[i].ssn += n;
      s->p[i].len -= n;
      if (!s->p[i].len) del_at(s, i);
    } else if (a + n == pe) {
      s->p[i].len -= n;
    } else if (s->n < MPTCP_RXSTASH_PIECES) {
      memmove(&s->p[i + 1], &s->p[i], (s->n - i) * sizeof s->p[0]);
      s->n++;
      s->p[i].len = a - ps;
      s->p[i + 1].ssn = a + n;
      s->p[i + 1].len = pe - (a + n);
    } else {
      s->p[i].len = a - ps; /* full: the tail is given up (comes again) */
    }
    return n;
  }
  return 0;
}

void mptcp_rxstash_free(mptcp_rxstash *s, mptcp_alloc *a) {
  mptcp_alloc_put(a, s->buf);
  s->buf = NULL;
  s->n = 0;
}
