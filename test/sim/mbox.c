/* Simulator: a middlebox for one path (mbox.h). SPDX-License-Identifier: MIT
 */
#include "mbox.h"

#include "net.h"

#include <string.h>

/* Subtype of the MPTCP option at @p o (kind, length, subtype ...). */
static int subtype(const uint8_t *o) { return o[2] >> 4; }

/* Calls @p fn on each MPTCP option of the segment; stops when it returns
 * nonzero, and returns that. */
static int each_mptcp(uint8_t *opts, size_t n,
                      int (*fn)(uint8_t *o, size_t len, void *arg), void *arg) {
  for (size_t i = 0; i < n;) {
    if (opts[i] == MPTCP_OPT_EOL) break;
    if (opts[i] == MPTCP_OPT_NOP) {
      i++;
      continue;
    }
    if (i + 1 >= n || opts[i + 1] < 2 || opts[i + 1] > n - i) break;
    size_t l = opts[i + 1];
    if (opts[i] == MPTCP_TCPOPT_KIND && l >= 3) {
      int r = fn(opts + i, l, arg);
      if (r) return r;
    }
    i += l;
  }
  return 0;
}

static int has_join(uint8_t *o, size_t len, void *arg) {
  (void)len;
  (void)arg;
  return subtype(o) == MPTCP_SUB_JOIN;
}

static int nop_out(uint8_t *o, size_t len, void *arg) {
  memset(o, MPTCP_OPT_NOP, len);
  ++*(unsigned *)arg;
  return 0;
}

/* 1: an ADD_ADDR, 2: its echo (the E flag; v0 has none), 3: MP_FAIL. */
static int pm_kind(uint8_t *o, size_t len, void *arg) {
  (void)len;
  (void)arg;
  if (subtype(o) == MPTCP_SUB_ADD_ADDR) return (o[2] & 0x01) ? 2 : 1;
  return subtype(o) == MPTCP_SUB_FAIL ? 3 : 0;
}

static void fix_csum(uint8_t *pkt, const mptcp_pkt *pk) {
  uint8_t *t = pkt + pk->ip_hdr_len;
  t[16] = t[17] = 0;
  uint16_t cs = mptcp_tcp_csum(&pk->src, &pk->dst, t, pk->tcp_len);
  t[16] = (uint8_t)(cs >> 8);
  t[17] = (uint8_t)cs;
}

int sim_mbox_filter(void *ud, int dir, uint8_t *pkt, size_t len,
                    mptcp_tstamp now) {
  sim_mbox *m = ud;
  (void)now;
  mptcp_pkt pk;
  if (mptcp_pkt_parse(pkt, len, 0, &pk) != 0) return 1;
  uint8_t *opts = pkt + (pk.opts - pkt);
  uint8_t fl = pk.tcp_flags & (MPTCP_TH_SYN | MPTCP_TH_ACK | MPTCP_TH_RST);
  unsigned what = 0;
  if (fl == MPTCP_TH_SYN)
    what = each_mptcp(opts, pk.opts_len, has_join, NULL) ? SIM_MBOX_JOIN_SYN
                                                         : SIM_MBOX_SYN;
  else if (fl == (MPTCP_TH_SYN | MPTCP_TH_ACK))
    what = SIM_MBOX_SYNACK;
  int changed = 0;
  if (what & m->strip) {
    unsigned before = m->stripped;
    each_mptcp(opts, pk.opts_len, nop_out, &m->stripped);
    changed = m->stripped != before;
  }
  switch (each_mptcp(opts, pk.opts_len, pm_kind, NULL)) {
  case 1:
    m->add_addrs++;
    if (m->dropped < m->drop_add_addr) {
      m->dropped++;
      return 0;
    }
    break;
  case 2: m->echoes++; break;
  case 3: m->fail_rsts += (pk.tcp_flags & MPTCP_TH_RST) != 0; break;
  default: break;
  }
  if (pk.payload_len > 100) {
    unsigned done =
        m->rewrite_each_way ? m->rewritten_way[dir != SIM_AB] : m->rewritten;
    if (m->payload_seen >= m->rewrite_after && done < m->rewrite) {
      pkt[(size_t)(pk.payload - pkt) + pk.payload_len / 2] ^= 0x5a;
      m->rewritten++;
      m->rewritten_way[dir != SIM_AB]++;
      changed = 1;
    }
    m->payload_seen += pk.payload_len;
  }
  if (changed) fix_csum(pkt, &pk);
  return 1;
}
