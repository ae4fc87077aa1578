/* The MPTCP side of a connection's initial subflow: the MP_CAPABLE
 * handshake and its fallbacks (RFC 8684 §3.1), the DSS of every segment
 * in and out (§3.3), and placing subflow bytes at their data sequence
 * numbers. The TCP engine calls these only when the connection does or
 * may do MPTCP (c->mp.state != MPTCP_MP_OFF).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_SUBFLOW_H
#define MPTCP_SUBFLOW_H

#include <mptcp/codec.h>

struct mptcp_subflow;
struct mptcp_conn;

/* The largest DSS we send: 4 + 8 (DATA_ACK) + 8 + 4 + 2 (mapping) + 2
 * (checksum) = 28, a multiple of 4. */
#define MPTCP_DSS_TX_MAX 28

/* Client: choose a key with an unused token and offer MPTCP on the SYN
 * (plain TCP when the settings say so or no key can be found). */
void mptcp_sf_connect(struct mptcp_subflow *sf, int no_mptcp);
/* Listener: the SYN's MP_CAPABLE decides whether the SYN/ACK has one. */
void mptcp_sf_syn_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o);
/* The MP_CAPABLE for our SYN or SYN/ACK; 0 when there is none. */
int mptcp_sf_syn_option(const struct mptcp_subflow *sf, int synack,
                        mptcp_subopt *out);
/* Client: a SYN without ACK crossed ours (simultaneous open, RFC 9293
 * §3.10.7.3). RFC 8684 defines no MPTCP simultaneous open: the initial
 * subflow falls back to plain TCP before its SYN/ACK goes out. */
void mptcp_sf_simopen(struct mptcp_subflow *sf);
/* Client, before each SYN: after settings.mptcp_syn_retries unanswered
 * MP_CAPABLE SYNs the next ones go without it (RFC 8684 §3.1: a path that
 * drops them is better served by TCP). */
void mptcp_sf_syn_retry(struct mptcp_subflow *sf);
/* 0 while a join's SYN must wait: the peer has not yet shown it has our
 * key (a listener creates the token only with the handshake's last ACK,
 * so an earlier MP_JOIN would name an unknown token). */
int mptcp_sf_syn_may_go(const struct mptcp_subflow *sf);
/* Client: the SYN/ACK decides MPTCP or plain TCP; on a join it must carry
 * the peer's MP_JOIN with the right HMAC. Returns -1 when the subflow
 * must be reset (a join that failed, counted), else 0. */
int mptcp_sf_synack_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o);
/* Listener: the segment that completes the handshake decides; on a join
 * it must carry our peer's HMAC. Returns -1 when the subflow must be
 * reset (counted), else 0. */
int mptcp_sf_ack_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                    const mptcp_tcpopts *o);
/* Established: the MPTCP options of an acceptable segment (DATA_ACK,
 * mappings, DATA_FIN), before its ACK field and payload are processed. */
void mptcp_sf_opts_rx(struct mptcp_subflow *sf, const mptcp_pkt *p,
                      const mptcp_tcpopts *o, mptcp_tstamp now);
/* Payload [seq, seq + len) of an acceptable segment: each byte goes to
 * the receive ring at its DSN; bytes without a known mapping are refused
 * (not acknowledged). Returns 1 if in-order subflow data arrived. */
int mptcp_sf_take_data(struct mptcp_subflow *sf, uint32_t seq, const uint8_t *d,
                       uint32_t len, int fin, mptcp_tstamp now);
/* Frees the send ring up to what the DATA_ACK and every subflow's own
 * ACKs cover (after a DATA_ACK, a subflow ACK, or a subflow gone). */
void mptcp_conn_free_acked(struct mptcp_conn *c);
/* The subflow goes (or falls back to TCP): its send records and the
 * bytes it held for unknown mappings are freed. */
void mptcp_sf_free_maps(struct mptcp_subflow *sf);
/* The subflow's SND.UNA moved: forget acknowledged mappings and free what
 * both levels have acknowledged. */
void mptcp_sf_acked(struct mptcp_subflow *sf);

/* The client still owes the pure third ACK with both keys: sent before
 * any data, so the segment that completes a Linux listener's handshake
 * always has the MP_CAPABLE (a Linux listener falls back otherwise). */
int mptcp_sf_third_ack_due(const struct mptcp_subflow *sf);
void mptcp_sf_third_ack_sent(struct mptcp_subflow *sf, mptcp_tstamp now);
/* Client of a join: the peer acknowledged our third ACK, the subflow may
 * carry data (MPTCP_EV_SUBFLOW). */
void mptcp_sf_join_acked(struct mptcp_subflow *sf);
/* The retransmission timer of a join waiting for that: 1 if it took the
 * timeout (the third ACK goes again), 0 if it is not such a join. */
int mptcp_sf_join_rto(struct mptcp_subflow *sf);

/* May the FIN go on @p len bytes of data at @p seq? Not where that
 * segment would carry a mapping without our DATA_FIN (a resend of one that
 * went without it): the FIN then goes alone, with the DATA_FIN. */
int mptcp_sf_fin_with(const struct mptcp_subflow *sf, uint32_t seq,
                      uint32_t len);

/* Bytes of the subflow's stream from SND.UNA: in flight plus what the
 * connection has not yet given to any subflow (FIN excluded). */
uint32_t mptcp_sf_stream_len(const struct mptcp_subflow *sf);
/* Bytes of the subflow's last mapping not yet sent (0: none): they go
 * out as the windows allow, the last of them with no wait for Nagle
 * (nothing can join them: a segment never spans two mappings). */
uint32_t mptcp_sf_mapped_rest(const struct mptcp_subflow *sf);
/* Longest run of new data the next segment may take in one piece: the
 * rest of the last mapping not yet sent, else the reinjection still owed,
 * else unlimited. */
uint32_t mptcp_sf_new_run(const struct mptcp_subflow *sf);
/* 1 if the subflow may send its FIN (with the DATA_FIN) now: plain TCP,
 * or all data mapped and, with several subflows, acknowledged. */
int mptcp_sf_fin_ok(const struct mptcp_subflow *sf);
/* Bytes the connection-level window still allows beyond SND.NXT(DSN). */
uint32_t mptcp_conn_tx_room(const struct mptcp_conn *c);
/* Bytes no subflow carries yet: written and not mapped, plus the
 * reinjection still owed. */
uint32_t mptcp_conn_unmapped(const struct mptcp_conn *c);
/* Options of a synchronized segment (timestamps, SACK, and the DSS or
 * MP_CAPABLE), and the payload's offset in the send ring. @p seq/@p len/
 * @p flags describe the segment. Returns the option length (<= 40).
 * Changes no state: the segment may yet not fit the caller's buffer. */
size_t mptcp_sf_data_options(struct mptcp_subflow *sf, uint8_t *o, uint32_t seq,
                             uint32_t len, uint8_t flags, mptcp_tstamp now,
                             uint64_t *sum, size_t *ring_off);

/* The segment [seq, seq + len) with @p flags went out: new bytes get
 * their mapping (the DSNs data_options announced), a FIN its place.
 * Returns 0 or MPTCP_ERR_NOMEM (no record: nothing changed). */
int mptcp_sf_data_sent(struct mptcp_subflow *sf, uint32_t seq, uint32_t len,
                       uint8_t flags);
/* Option bytes the DSS of a data segment starting at @p seq takes: 0
 * inside a mapping when the DATA_ACK has no news, up to MPTCP_DSS_TX_MAX
 * (the payload of a segment is t->mss less this and its SACK blocks). */
uint32_t mptcp_sf_dss_room(const struct mptcp_subflow *sf, uint32_t seq);
/* Does new data at @p seq, without a FIN, go without a DSS (inside a
 * mapping sent already, no DATA_ACK news)? Whatever its length: TSO. */
int mptcp_sf_no_dss(const struct mptcp_subflow *sf, uint32_t seq);
/* Most bytes a segment starting at @p seq may carry under one mapping:
 * to the end of the send record holding it (a retransmission), else
 * mptcp_sf_new_run(). */
uint32_t mptcp_sf_tx_run(const struct mptcp_subflow *sf, uint32_t seq);

/* Options of a segment after our fallback that carries the infinite
 * mapping (mpfail.c): timestamps, SACK and the DSS with DLL 0. */
size_t mptcp_sf_infmap_options(struct mptcp_subflow *sf, uint8_t *o,
                               mptcp_tstamp now, uint64_t *sum);
/* MPTCP falls back to plain TCP on this subflow for good (§3.7): other
 * subflows are reset, the send ring starts at DSN @p dsn (what the
 * subflow's SND.UNA carries from now on), the token is freed, and the
 * app is told (MPTCP_EV_FALLBACK). -1 when plain TCP cannot go on (resent
 * copies in flight): nothing changes but the subflow is broken (reset). */
int mptcp_sf_fall_back(struct mptcp_subflow *sf, uint64_t dsn);
/* The DSN of the subflow's SND.UNA (the next new DSN if all is acked). */
uint64_t mptcp_sf_una_dsn(const struct mptcp_subflow *sf);
/* Receive-ring bytes [off, off + n) from the connection's RCV.NXT are
 * valid: count them present and deliver what became in order. Returns -1
 * when the range set is full (nothing changed). */
int mptcp_sf_mark_present(struct mptcp_subflow *sf, uint32_t off, uint32_t n);

/* Options of an RST of an MPTCP connection: MP_FASTCLOSE with the peer's
 * key and MP_TCPRST with c->rst_reason. */
size_t mptcp_sf_rst_options(struct mptcp_subflow *sf, uint8_t *o,
                            uint64_t *sum);
/* A reset with MP_FAIL (§3.7): the peer could not trust our data from its
 * DSN on, sent on this subflow; it goes again on another one (counted). */
void mptcp_sf_fail_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o);
/* 1 if the segment carries an MP_FASTCLOSE with our key: the connection
 * is over (counted; a wrong key is counted and ignored). */
int mptcp_sf_fastclose_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o);

#endif
