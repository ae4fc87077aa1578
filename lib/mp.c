/* Connection-level MPTCP state: data sequence space, DATA_ACK, DATA_FIN
 * (RFC 8684 §3.1, §3.3). SPDX-License-Identifier: MIT */
#include "mp.h"

#include <mptcp/crypto.h>
#include <string.h>

int mptcp_mp_start(mptcp_mp *m, uint8_t version, uint64_t local_key,
                   uint64_t remote_key) {
  m->version = version;
  m->local_key = local_key;
  m->remote_key = remote_key;
  if (mptcp_crypto_key_derive(version, local_key, &m->local_token,
                              &m->local_idsn) ||
      mptcp_crypto_key_derive(version, remote_key, &m->remote_token,
                              &m->remote_idsn))
    return MPTCP_ERR_CRYPTO;
  /* The SYN takes DSN = IDSN in each direction (§3.1 end). */
  m->snd_una = m->snd_nxt = m->snd_edge = m->local_idsn + 1;
  m->rcv_nxt = m->remote_idsn + 1;
  m->ooo.n = 0;
  m->state = MPTCP_MP_ON;
  return 0;
}

void mptcp_mp_dss(const mptcp_mp *m, int map, uint64_t dsn, uint32_t ssn,
                  uint16_t len, int fin, uint16_t csum, mptcp_subopt *out) {
  memset(out, 0, sizeof *out);
  out->subtype = MPTCP_SUB_DSS;
  mptcp_dss *d = &out->u.dss;
  d->flags = MPTCP_DSS_A;
  if (m->ack64) d->flags |= MPTCP_DSS_a;
  d->data_ack = m->rcv_nxt;
  if (!map) return;
  /* 32-bit DSNs only where the caller found the rate low enough
   * (mptcp_mp_dsn32_ok); 4 bytes less option per mapping. */
  d->flags |= MPTCP_DSS_M;
  if (map != MPTCP_MP_MAP32) d->flags |= MPTCP_DSS_m;
  if (fin) d->flags |= MPTCP_DSS_F;
  d->dsn = dsn;
  d->ssn = len ? ssn : 0; /* a DATA_FIN alone has SSN 0 (§3.3.3) */
  d->dll = (uint16_t)(len + (fin ? 1 : 0));
  d->has_csum = m->checksum;
  d->csum = m->checksum ? csum : 0;
}

/* The receiver expands a 32-bit DSN to the 64-bit value nearest its
 * RCV.NXT (mptcp_expand_seq), which is right while the two lie less than
 * 2^31 apart. A segment delayed by up to the MSL lags RCV.NXT by at most
 * what was sent after it meanwhile (ahead of RCV.NXT lies at most the
 * window, < 2^30), so rate x MSL must stay below 2^31: the expansion's
 * half-range, not 2^32. The factor 2 is margin for the rate being an
 * estimate of now: a window may double within an RTT (slow start), and
 * the rule, checked on every mapping, turns to 64 bits only once the
 * estimate is past the bound, while 32-bit segments sent before are
 * still in flight. So: bytes / rtt x 2 x MSL < 2^31, in µs, without a
 * division. */
int mptcp_mp_dsn32_ok(uint64_t bytes, uint32_t rtt_us) {
  if (rtt_us == 0 || bytes >= (UINT64_C(1) << 31)) return 0;
  /* bytes < 2^31 and 2 x MSL < 2^28: the product stays below 2^59; the
   * right side below 2^63. */
  return bytes * 2u * MPTCP_MP_MSL_US < (UINT64_C(1) << 31) * rtt_us;
}

uint64_t mptcp_mp_data_ack(const mptcp_mp *m, const mptcp_dss *d) {
  return d->flags & MPTCP_DSS_a
             ? d->data_ack
             : mptcp_expand_seq(m->snd_una, (uint32_t)d->data_ack);
}

uint64_t mptcp_mp_on_data_ack(mptcp_mp *m, const mptcp_dss *d,
                              uint32_t window) {
  if (!(d->flags & MPTCP_DSS_A)) return 0;
  uint64_t ack = mptcp_mp_data_ack(m, d);
  /* Only [SND.UNA, SND.NXT] means anything; like Linux, ignore a DATA_ACK
   * beyond what was sent (and its window with it). */
  if (ack - m->snd_una > m->snd_nxt - m->snd_una) return 0;
  uint64_t edge = ack + window;
  if (edge - m->snd_una > m->snd_edge - m->snd_una) m->snd_edge = edge;
  uint64_t freed = ack - m->snd_una;
  if (m->fin_queued && ack == m->fin_dsn + 1) {
    m->fin_acked = 1;
    freed--; /* the DATA_FIN octet is not in the ring */
  }
  m->snd_una = ack;
  return freed;
}

uint32_t mptcp_mp_rx_after_fin(const mptcp_mp *m, uint64_t dsn, uint32_t len) {
  if (!m->peer_fin_seen) return 0;
  uint64_t fin = m->peer_fin_dsn;
  if ((int64_t)(dsn + len - fin) <= 0) return 0;
  if ((int64_t)(dsn - fin) >= 0) return len;
  return (uint32_t)(dsn + len - fin);
}

uint32_t mptcp_mp_rx_slot(const mptcp_mp *m, uint64_t *dsn, uint32_t len,
                          uint32_t room, uint32_t *off) {
  uint64_t d = *dsn;
  if (len == 0) return 0;
  if (d - m->rcv_nxt > (uint64_t)1 << 62) { /* starts before rcv_nxt */
    uint64_t skip = m->rcv_nxt - d;
    if (skip >= len) return 0;
    d += skip;
    len -= (uint32_t)skip;
  }
  /* Nothing lies at or beyond the peer's DATA_FIN (§3.3.3). */
  len -= mptcp_mp_rx_after_fin(m, d, len);
  if (len == 0) return 0;
  uint64_t o = d - m->rcv_nxt;
  if (o >= room) return 0; /* beyond the window (§3.8: drop) */
  if (len > room - o) len = room - (uint32_t)o;
  *dsn = d;
  *off = (uint32_t)o;
  return len;
}

static void fin_due(mptcp_mp *m) {
  if (m->peer_fin_seen && !m->peer_fin_done && m->rcv_nxt == m->peer_fin_dsn) {
    m->rcv_nxt++;
    m->peer_fin_done = 1;
    m->ooo.n = 0; /* nothing lies beyond a DATA_FIN */
  }
}

int64_t mptcp_mp_rx_mark(mptcp_mp *m, uint32_t off, uint32_t len) {
  /* Bytes past a known DATA_FIN never count, whichever way they got in
   * (a checksummed mapping, or an out-of-order piece that came before
   * the DATA_FIN): rcv_nxt must stop at the DATA_FIN to consume it. */
  uint32_t lim = UINT32_MAX;
  if (m->peer_fin_seen) {
    int64_t left = (int64_t)(m->peer_fin_dsn - m->rcv_nxt);
    lim = left <= 0 ? 0 : left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
  }
  if (off >= lim) return 0;
  if (len > lim - off) len = lim - off;
  if (off != 0) {
    if (mptcp_ranges_add(&m->ooo, off, off + len)) return -1;
    return 0;
  }
  mptcp_ranges_advance(&m->ooo, len);
  uint32_t more = mptcp_ranges_head(&m->ooo);
  if (more > lim - len) more = lim - len;
  mptcp_ranges_advance(&m->ooo, more);
  m->rcv_nxt += (uint64_t)len + more;
  fin_due(m);
  return (int64_t)len + more;
}

int mptcp_mp_rx_fin(mptcp_mp *m, uint64_t dsn) {
  if (m->peer_fin_done) return 0;
  m->peer_fin_seen = 1;
  m->peer_fin_dsn = dsn;
  fin_due(m);
  return m->peer_fin_done;
}

uint64_t mptcp_mp_expand_dsn(const mptcp_mp *m, const mptcp_dss *d) {
  return d->flags & MPTCP_DSS_m
             ? d->dsn
             : mptcp_expand_seq(m->rcv_nxt, (uint32_t)d->dsn);
}
