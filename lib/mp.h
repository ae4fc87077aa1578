/* Connection-level MPTCP state (RFC 8684 App. C): keys, tokens, the data
 * sequence space in both directions, DATA_ACK and DATA_FIN. A connection
 * embeds one; subflows map their bytes into its DSN space (dss.h).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_MP_H
#define MPTCP_MP_H

#include <mptcp/codec.h>
#include <stdint.h>

#include "ranges.h"

enum mptcp_mp_state {
  MPTCP_MP_OFF = 0, /* plain TCP from the start */
  MPTCP_MP_PENDING, /* MP_CAPABLE exchange under way */
  MPTCP_MP_ON,      /* MPTCP: DSS on every segment */
  MPTCP_MP_FALLBACK /* fell back to TCP after MPTCP was negotiated */
};

typedef struct mptcp_mp {
  uint8_t state;
  uint8_t version;         /* 0 or 1 */
  uint8_t checksum;        /* DSS checksums negotiated */
  uint8_t peer_deny_first; /* peer's C flag */
  uint8_t client;          /* we sent the MP_CAPABLE SYN */
  uint8_t key_confirmed;   /* client: the peer proved it has our key */
  uint8_t ack64;           /* peer maps with 64-bit DSNs: answer in 64 bits */
  uint8_t local_key_set;   /* local_token is in the stack's token table */
  uint64_t local_key, remote_key;
  uint32_t local_token, remote_token;
  uint64_t local_idsn, remote_idsn;

  /* Send side: snd_una is the DSN of the send ring's first byte. */
  uint64_t snd_una, snd_nxt;
  uint64_t snd_edge; /* right edge of the peer's window: DATA_ACK + wnd */

  /* Receive side: rcv_nxt is what we DATA_ACK; bytes present ahead of it
   * (already in the receive ring at their offset) are in `ooo`. */
  uint64_t rcv_nxt;
  mptcp_ranges ooo;

  /* DATA_FIN (§3.3.3): ours takes DSN fin_dsn once queued. */
  uint8_t fin_queued, fin_acked;
  uint8_t peer_fin_seen, peer_fin_done;
  uint64_t fin_dsn, peer_fin_dsn;
} mptcp_mp;

/* Keys known: tokens, IDSNs, and both data sequence spaces start after
 * the SYN's octet (IDSN + 1). Returns 0 or MPTCP_ERR_CRYPTO. */
int mptcp_mp_start(mptcp_mp *m, uint8_t version, uint64_t local_key,
                   uint64_t remote_key);

/* The mapping a DSS carries: none, or with its DSN in 64 or 32 bits. */
enum { MPTCP_MP_MAP_NONE = 0, MPTCP_MP_MAP64 = 1, MPTCP_MP_MAP32 = 2 };

/* A DSS for an outgoing segment: the DATA_ACK (32 or 64 bits as the peer
 * maps), and, when @p map is MPTCP_MP_MAP64 or MPTCP_MP_MAP32, the mapping
 * [dsn, dsn + len) at relative SSN @p ssn (DATA_FIN: the mapping's DLL
 * counts one more octet; a DATA_FIN alone uses SSN 0). @p csum is used
 * when checksums are on; it covers the 64-bit DSN whatever goes on the
 * wire (§3.3.1). */
void mptcp_mp_dss(const mptcp_mp *m, int map, uint64_t dsn, uint32_t ssn,
                  uint16_t len, int fin, uint16_t csum, mptcp_subopt *out);

/* A DATA_ACK from the peer (32 or 64 bits as received, see dss->flags):
 * returns how many bytes of the send ring it frees (0 for an old, a
 * duplicate or an impossible one: beyond snd_nxt (+1 with our DATA_FIN)).
 * Sets fin_acked when it covers our DATA_FIN. The window: snd_edge moves
 * only forward. */
uint64_t mptcp_mp_on_data_ack(mptcp_mp *m, const mptcp_dss *d, uint32_t window);
/* The 64-bit value of DATA_ACK @p d (a 32-bit one expanded near
 * snd_una); the DSS must carry one (MPTCP_DSS_A). */
uint64_t mptcp_mp_data_ack(const mptcp_mp *m, const mptcp_dss *d);

/* How many of connection bytes [dsn, dsn + len) lie at or beyond the
 * peer's DATA_FIN (0 while none was seen): those are never delivered. */
uint32_t mptcp_mp_rx_after_fin(const mptcp_mp *m, uint64_t dsn, uint32_t len);
/* Where do connection bytes [dsn, dsn + len) go in a receive ring whose
 * free space is @p room bytes from rcv_nxt? Trims what was already
 * received or lies beyond the window or the peer's DATA_FIN; returns the number
 * of bytes to write at offset *off from rcv_nxt (0: nothing new). */
uint32_t mptcp_mp_rx_slot(const mptcp_mp *m, uint64_t *dsn, uint32_t len,
                          uint32_t room, uint32_t *off);
/* Marks [off, off + len) (from rcv_nxt) present; returns how far rcv_nxt
 * advanced (the bytes now deliverable), or -1 if the range set is full. */
int64_t mptcp_mp_rx_mark(mptcp_mp *m, uint32_t off, uint32_t len);
/* The peer's DATA_FIN at @p dsn: consumed (rcv_nxt += 1) once every byte
 * before it is in. Returns 1 when that happens now. */
int mptcp_mp_rx_fin(mptcp_mp *m, uint64_t dsn);

/* The Maximum Segment Lifetime the DSN size rule assumes (RFC 8684
 * §3.3.1 refers to TCP's: 2 minutes, RFC 9293 §3.4.1), in µs. */
#define MPTCP_MP_MSL_US 120000000u

/* May our mappings carry the low 32 bits of their DSNs only (§3.3.1),
 * the connection sending at most @p bytes per @p rtt_us? No (0) when
 * @p rtt_us is 0 (no estimate). Integer arithmetic only. */
int mptcp_mp_dsn32_ok(uint64_t bytes, uint32_t rtt_us);

/* Expands the peer's 32-bit or 64-bit DSN of a mapping. */
uint64_t mptcp_mp_expand_dsn(const mptcp_mp *m, const mptcp_dss *d);

#endif
