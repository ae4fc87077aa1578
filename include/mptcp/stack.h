/*
 * libmptcp - the sans-IO stack: one endpoint that owns listeners,
 * connections, timers and counters. The caller hands in IP packets with the
 * current time, pulls packets out into its own buffers, asks for the next
 * deadline and drains events. Nothing here reads a clock, touches a socket
 * or calls back into the application (the hooks below are pure services).
 *
 * Threads: one thread per stack at a time; stacks share nothing.
 * Time: mptcp_tstamp microseconds on the caller's monotonic clock; every
 * call that can change state takes `now` as its last argument and times
 * must not go backwards.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_STACK_H
#define MPTCP_STACK_H

#include <mptcp/common.h>
#include <mptcp/counters.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mptcp_stack mptcp_stack;
typedef struct mptcp_conn mptcp_conn;

/** Allocator hook. NULL (the whole struct) means libc. Every byte the
 *  library holds goes through it, so a counting allocator sees leaks. */
typedef struct mptcp_mem {
  void *user_data;
  void *(*malloc)(size_t size, void *user_data);
  void (*free)(void *ptr, void *user_data);
  void *(*calloc)(size_t nmemb, size_t size, void *user_data);
  void *(*realloc)(void *ptr, size_t size, void *user_data);
} mptcp_mem;

/** An address and port (host order). */
typedef struct mptcp_addr {
  mptcp_ipaddr ip;
  uint16_t port;
} mptcp_addr;

/* Log levels for the log hook. */
#define MPTCP_LOG_ERROR 1
#define MPTCP_LOG_WARN 2
#define MPTCP_LOG_INFO 3
#define MPTCP_LOG_DEBUG 4

/* Packet-trace directions. */
#define MPTCP_TRACE_IN 0
#define MPTCP_TRACE_OUT 1

struct mptcp_cc_ops;
struct mptcp_sched_ops;

/** Built-in path-manager policies (mptcp_settings.pm_policy). Whatever
 *  the policy, the application may open subflows itself
 *  (mptcp_conn_add_subflow) and announce addresses (mptcp_conn_announce). */
enum mptcp_pm_policy {
  /** Opens no subflow by itself: joining is the application's business. */
  MPTCP_PM_NONE = 0,
  /** Joins every address the peer announces (ADD_ADDR) of the initial
   *  subflow's family, from the initial subflow's address. */
  MPTCP_PM_JOIN_ANNOUNCED = 1,
  /** Opens a subflow from every address of ours (the initial subflow's,
   *  those registered with mptcp_conn_add_local_addr and those announced
   *  with mptcp_conn_announce) to every address of the peer of the same
   *  family (the one connected to, on the side that opened the
   *  connection, and every one it announces), once per address pair and
   *  within the limit of 8 subflows; a subflow that fails by timing out is
   *  opened again with backoff, one to or from a withdrawn address is
   *  closed and not opened again. Subflows from an address registered as
   *  a backup ask the peer to use them as backups. Meant for one side of
   *  a connection (normally the client; the server announces). */
  MPTCP_PM_FULLMESH = 2
};

/** Stack settings. Fill with mptcp_settings_default(), then override.
 *  Copied by mptcp_stack_new(). Durations are microseconds. */
typedef struct mptcp_settings {
  /* Hooks (all optional). user_data is the stack's. */
  mptcp_rand_fn rand; /**< NULL: libcrypto RAND_bytes */
  void (*log)(void *user_data, int level, const char *msg, size_t len);
  int log_level; /**< messages above this level are not formatted */
  void (*trace_pkt)(void *user_data, int dir, const uint8_t *pkt, size_t len,
                    mptcp_tstamp now);

  /* Limits. */
  uint32_t max_conns; /**< connections alive at once (incl. TIME_WAIT) */
  size_t mem_cap;     /**< stack-wide buffer bytes; 0 = unlimited */
  size_t sndbuf;      /**< per-connection send buffer cap (bytes) */
  size_t rcvbuf;      /**< per-connection receive buffer cap (bytes) */
  uint32_t backlog;   /**< connections not yet taken by the app */

  /* TCP. */
  uint16_t mss;        /**< our MSS announcement (IPv4; IPv6 gets -20) */
  uint8_t wscale;      /**< our window-scale shift (0..14) */
  uint8_t sack;        /**< offer SACK (RFC 2018) */
  uint8_t timestamps;  /**< offer timestamps (RFC 7323) */
  uint8_t nagle;       /**< default Nagle for new connections (on) */
  uint8_t keepalive;   /**< default keep-alive for new connections (off) */
  uint8_t syn_retries; /**< SYN retransmissions before giving up */
  uint8_t max_retries; /**< data retransmissions before reset */
  mptcp_tstamp rto_initial, rto_min, rto_max;
  mptcp_tstamp delack; /**< delayed-ACK timeout */
  /** TIME_WAIT duration (2 MSL); with MPTCP longer while our DATA_FIN
   *  is resent (until DATA_ACKed or max_retries). */
  mptcp_tstamp time_wait;
  mptcp_tstamp keepalive_idle, keepalive_intvl;
  uint8_t keepalive_probes;
  mptcp_tstamp persist_max;      /**< zero-window probe backoff cap */
  const struct mptcp_cc_ops *cc; /**< NULL: NewReno */
  /** Built-in path manager, enum mptcp_pm_policy (default
   *  MPTCP_PM_JOIN_ANNOUNCED). */
  uint8_t pm_policy;
  /** MPTCP subflow scheduler; NULL: minRTT (mptcp_sched_minrtt). */
  const struct mptcp_sched_ops *sched;

  /* MPTCP. */
  uint8_t mptcp;         /**< offer MPTCP on connect, accept it on listen */
  uint8_t mptcp_version; /**< the version a client offers: 1 (default) or 0 */
  uint8_t mptcp_v0;      /**< a listener also accepts v0 (RFC 6824) SYNs */
  uint8_t checksum;      /**< ask for DSS checksums (RFC 8684 §3.3.1) */
  uint8_t mptcp_syn_retries; /**< SYN retransmissions that keep MP_CAPABLE;
                                  later ones go without (default 2) */
  /** Most bytes one DSS mapping covers (at most 65535, default 65535):
   *  a mapping goes on its first segment and on retransmissions only, the
   *  segments after it carry no DSS unless a DATA_ACK has news. A value
   *  below a segment maps every segment on its own (the mapping is a
   *  segment long also while DSS checksums are on). */
  uint32_t dss_map_max_bytes;
  /** Put the full 64-bit DSN in every DSS mapping (default 0: the low 32
   *  bits only while the connection's rate, estimated as its subflows'
   *  windows over the smallest SRTT, times twice the 2-minute MSL stays
   *  below 2^31 bytes, about 71 Mbit/s; RFC 8684 §3.3.1). For peers that
   *  mishandle 32-bit DSNs and for experiments. */
  uint8_t dsn64;

  /* Offloads (virtio-net / Linux GSO semantics), for a caller whose packet
   * I/O computes checksums and splits or coalesces segments, such as a TUN
   * device opened with IFF_VNET_HDR and TUNSETOFFLOAD. All off by default.
   */
  /** MPTCP_OFFLOAD_* bits. */
  uint32_t offload;
  /** Largest super-segment MPTCP_OFFLOAD_TSO may emit, whole IP packet
   *  (headers included), 0 or up to 65535; it also never exceeds the
   *  write_pkt buffer. A super-segment carries at least two segments;
   *  when fewer fit, segments go one by one. */
  uint32_t tso_max;
} mptcp_settings;

/* mptcp_settings.offload bits. */
/** The TCP checksum of packets from write_pkt is left partial: the
 *  pseudo-header sum only, with MPTCP_PKT_NEEDS_CSUM, csum_start and
 *  csum_offset in mptcp_pkt_info telling the caller where to complete it
 *  (VIRTIO_NET_HDR_F_NEEDS_CSUM); the payload is copied without summing.
 *  Packets that do not say so (stateless resets) are complete. The IPv4
 *  header checksum is always complete. */
#define MPTCP_OFFLOAD_TX_CSUM 0x1u
/** read_pkt honours MPTCP_PKT_DATA_VALID and MPTCP_PKT_NEEDS_CSUM in the
 *  packet info: such a packet's TCP checksum is not verified. Without
 *  this bit those flags are ignored. (A DSS checksum is always
 *  verified: it covers the path, not the last hop.) */
#define MPTCP_OFFLOAD_RX_CSUM 0x2u
/** write_pkt may emit a super-segment of new data: one IP and TCP header
 *  and up to tso_max bytes of packet, carrying two or more full segments
 *  of gso_size payload bytes each (mptcp_pkt_info), that split (header
 *  copied, sequence number advanced, IP length, ID and checksums
 *  recomputed, PSH and FIN kept on the last segment only) into the
 *  segments a stack without TSO would send one by one at that moment,
 *  under the same congestion, receive and connection-level windows and
 *  Nagle rules. With MPTCP every segment carries the super-segment's DSS
 *  (its mapping covers all of it); with DSS checksums (each segment its
 *  own mapping) and for retransmissions, segments go one by one. */
#define MPTCP_OFFLOAD_TSO 0x4u

/** Fills @p s with the defaults (documented per field in doc/guide.md). */
MPTCP_API void mptcp_settings_default(mptcp_settings *s);

/**
 * Creates a stack. @p s is copied; @p mem may be NULL (libc) and is copied;
 * @p user_data is passed to the hooks.
 * @return 0, MPTCP_ERR_INVALID_ARG (bad setting), MPTCP_ERR_NOMEM.
 */
MPTCP_API int mptcp_stack_new(mptcp_stack **pst, const mptcp_settings *s,
                              const mptcp_mem *mem, void *user_data);

/** Frees the stack and every connection, buffer and timer it holds. Sends
 *  nothing. Connection handles die with it. */
MPTCP_API void mptcp_stack_del(mptcp_stack *st);

/* mptcp_stack_listen() flags. */
/** Accept SYNs to any address and port (the port/address in @p local are
 *  then ignored): transparent capture for a CPE proxy. */
#define MPTCP_LISTEN_TRANSPARENT 0x1u

/**
 * Accepts connections to @p local (address may be unspecified:
 * AF_NONE or all zero = any local address).
 * @return 0, MPTCP_ERR_INVALID_ARG (port 0 without TRANSPARENT, listener
 * exists), MPTCP_ERR_NOMEM.
 */
MPTCP_API int mptcp_stack_listen(mptcp_stack *st, const mptcp_addr *local,
                                 uint32_t flags);

/** What the caller needs to route an outgoing packet (filled by
 *  mptcp_stack_write_pkt) or knows about an incoming one (may be NULL). */
typedef struct mptcp_pkt_info {
  mptcp_ipaddr src, dst;
  mptcp_conn *conn; /**< out: connection it belongs to, or NULL (RST) */
  uint32_t subflow; /**< out: subflow index within the connection */
  /* Offloads (mptcp_settings.offload). write_pkt sets every field below
   * (0 when unused); read_pkt reads flags, only with
   * MPTCP_OFFLOAD_RX_CSUM, and gso_type and gso_size: a coalesced (GRO)
   * packet with a gso_type other than MPTCP_GSO_NONE counts as segments
   * of gso_size payload bytes (without them, from the MSS). */
  /** MPTCP_PKT_NEEDS_CSUM, MPTCP_PKT_DATA_VALID. */
  uint8_t flags;
  /** out: MPTCP_GSO_NONE, or MPTCP_GSO_TCPV4 / MPTCP_GSO_TCPV6 for a
   *  super-segment. */
  uint8_t gso_type;
  /** out: bytes of IP and TCP header (options included), which every
   *  segment of a super-segment repeats; 0 when no offload is on. */
  uint16_t hdr_len;
  /** out: payload bytes per segment of a super-segment (all of them
   *  full: the payload is a multiple of it); 0 for a plain packet. */
  uint16_t gso_size;
  /** out, with MPTCP_PKT_NEEDS_CSUM: the checksum covers the bytes from
   *  offset csum_start of the packet to its end and goes at csum_start +
   *  csum_offset, where the pseudo-header sum is (not inverted). */
  uint16_t csum_start, csum_offset;
} mptcp_pkt_info;

/* mptcp_pkt_info.flags. */
/** The TCP checksum is partial (VIRTIO_NET_HDR_F_NEEDS_CSUM): out, the
 *  caller completes it (MPTCP_OFFLOAD_TX_CSUM); in, the packet was made
 *  on this host and never crossed a link, it is not verified. */
#define MPTCP_PKT_NEEDS_CSUM 0x1u
/** in: the TCP checksum was verified already (VIRTIO_NET_HDR_F_DATA_VALID).
 */
#define MPTCP_PKT_DATA_VALID 0x2u

/* mptcp_pkt_info.gso_type. */
#define MPTCP_GSO_NONE 0
#define MPTCP_GSO_TCPV4 1
#define MPTCP_GSO_TCPV6 4

/** mptcp_stack_read_pkt(): the packet belongs to nobody here. */
#define MPTCP_RX_NOT_MINE 1

/**
 * Hands one IP packet (IPv4/IPv6 + TCP) to the stack. The buffer is only
 * borrowed for the call. Bad packets are counted and dropped (return 0).
 * A segment may be longer than the MSS (several coalesced by GRO): its
 * data counts as that many segments for the ACKs, the way Linux counts a
 * GRO packet (one of two or more segments is acknowledged at once), and
 * in TcpInSegs; @p pi's gso_size, when given, says how long they were.
 * @return 0 (consumed), MPTCP_RX_NOT_MINE (no listener/connection; the stack
 * did not answer), or a fatal MPTCP_ERR_NOMEM.
 */
MPTCP_API int mptcp_stack_read_pkt(mptcp_stack *st, const mptcp_pkt_info *pi,
                                   const uint8_t *pkt, size_t len,
                                   mptcp_tstamp now);

/**
 * Writes the next packet to send into @p dest (caller-owned).
 * Call until it returns 0, then re-arm the timer from get_expiry().
 * @return the packet length, 0 if nothing is due, MPTCP_ERR_NOBUF if
 * @p destlen is too small for the next packet (nothing is lost: call again
 * with a larger buffer).
 */
MPTCP_API mptcp_ssize mptcp_stack_write_pkt(mptcp_stack *st, mptcp_pkt_info *pi,
                                            uint8_t *dest, size_t destlen,
                                            mptcp_tstamp now);

/** Earliest timer deadline, or MPTCP_TSTAMP_NONE. Not const: the packet
 * paths defer their timer updates, and this brings them up to date first,
 * so ask after a batch of packets rather than after each one. */
MPTCP_API mptcp_tstamp mptcp_stack_get_expiry(mptcp_stack *st);

/** Runs every timer due at @p now (retransmissions, delayed ACKs, probes,
 *  TIME_WAIT expiry); the packets they cause come from write_pkt().
 *  @return 0 or MPTCP_ERR_NOMEM. */
MPTCP_API int mptcp_stack_handle_expiry(mptcp_stack *st, mptcp_tstamp now);

/* Event bits. */
#define MPTCP_EV_ACCEPT 0x0001u      /**< new passive connection established */
#define MPTCP_EV_CONNECTED 0x0002u   /**< active open completed */
#define MPTCP_EV_READABLE 0x0004u    /**< data (or EOF) to read */
#define MPTCP_EV_WRITABLE 0x0008u    /**< send buffer has room again */
#define MPTCP_EV_PEER_CLOSED 0x0010u /**< peer finished sending (FIN) */
/** Fully closed; release the handle. Without RESET/TIMEOUT/REFUSED: a
 *  complete close (MPTCP: both DATA_FINs DATA_ACKed, RFC 8684 §3.3.3). */
#define MPTCP_EV_CLOSED 0x0020u
#define MPTCP_EV_RESET 0x0040u /**< reset by the peer */
/** Gave up retransmitting (data, FIN or DATA_FIN), or the subflows
 *  closed without the peer's DATA_FIN. */
#define MPTCP_EV_TIMEOUT 0x0080u
#define MPTCP_EV_REFUSED 0x0100u /**< active open answered by RST */
/** A subflow joined or closed (mptcp_conn_get_subflow tells which). */
#define MPTCP_EV_SUBFLOW 0x0200u
/** The peer announced or withdrew an address (mptcp_conn_get_peer_addr). */
#define MPTCP_EV_ADDR 0x0400u
/** MPTCP fell back to plain TCP after the connection was established
 *  (RFC 8684 §3.7: options lost, or an infinite mapping sent or received
 *  after MP_FAIL); mptcp_conn_get_info() then says fallback. */
#define MPTCP_EV_FALLBACK 0x0800u

/** One drained event: a connection and the bits set since the last drain. */
typedef struct mptcp_event {
  mptcp_conn *conn;
  uint32_t events;
} mptcp_event;

/** @return 1 with @p ev filled, or 0 when no connection has events. */
MPTCP_API int mptcp_stack_next_event(mptcp_stack *st, mptcp_event *ev);

/** Copies the stack-wide counters. */
MPTCP_API void mptcp_stack_get_counters(const mptcp_stack *st,
                                        mptcp_counters *out);

/** Options for an active open. NULL = defaults. */
typedef struct mptcp_conn_opts {
  uint8_t no_mptcp; /**< plain TCP for this connection */
  uint8_t nodelay;  /**< disable Nagle */
  uint8_t keepalive;
} mptcp_conn_opts;

/**
 * Starts an active open from @p local (port 0 = pick an ephemeral port)
 * to @p remote. The SYN comes out of write_pkt().
 * @return 0, MPTCP_ERR_INVALID_ARG (families differ, port 0, tuple in use),
 * MPTCP_ERR_NOMEM (allocator or stack caps).
 */
MPTCP_API int mptcp_conn_connect(mptcp_stack *st, mptcp_conn **pc,
                                 const mptcp_addr *local,
                                 const mptcp_addr *remote,
                                 const mptcp_conn_opts *o, mptcp_tstamp now);

/**
 * Queues up to @p n bytes for sending (copied).
 * @return bytes accepted (> 0), MPTCP_ERR_WOULDBLOCK when the send buffer is
 * full (MPTCP_EV_WRITABLE follows), MPTCP_ERR_CLOSED after shutdown/reset.
 */
MPTCP_API mptcp_ssize mptcp_conn_write(mptcp_conn *c, const uint8_t *data,
                                       size_t n, mptcp_tstamp now);

/**
 * Copies up to @p n in-order received bytes into @p buf.
 * @return bytes copied (> 0), 0 when nothing is there yet, MPTCP_ERR_EOF
 * after the peer's FIN and all data, MPTCP_ERR_CLOSED after a reset.
 */
MPTCP_API mptcp_ssize mptcp_conn_read(mptcp_conn *c, uint8_t *buf, size_t n,
                                      mptcp_tstamp now);

/** Zero-copy view of the next contiguous received bytes; valid until the
 *  next call into the stack. @return its length (0 = none). */
MPTCP_API size_t mptcp_conn_peek(mptcp_conn *c, const uint8_t **pdata);

/** Releases @p n peeked bytes (opens the receive window). */
MPTCP_API void mptcp_conn_consume(mptcp_conn *c, size_t n, mptcp_tstamp now);

/** Sends FIN after the queued data. @return 0 or MPTCP_ERR_CLOSED. */
MPTCP_API int mptcp_conn_shutdown(mptcp_conn *c, mptcp_tstamp now);

/** Resets the connection (RST now); MPTCP_EV_CLOSED follows. */
MPTCP_API void mptcp_conn_abort(mptcp_conn *c, mptcp_tstamp now);

/** The handle stays valid until this call, which the app makes after
 *  MPTCP_EV_CLOSED (or any time: the connection is aborted first). */
MPTCP_API void mptcp_conn_release(mptcp_conn *c, mptcp_tstamp now);

/** TCP states (RFC 9293 §3.3.2). */
enum mptcp_tcp_state {
  MPTCP_TCP_CLOSED = 0,
  MPTCP_TCP_LISTEN,
  MPTCP_TCP_SYN_SENT,
  MPTCP_TCP_SYN_RECEIVED,
  MPTCP_TCP_ESTABLISHED,
  MPTCP_TCP_FIN_WAIT_1,
  MPTCP_TCP_FIN_WAIT_2,
  MPTCP_TCP_CLOSE_WAIT,
  MPTCP_TCP_CLOSING,
  MPTCP_TCP_LAST_ACK,
  MPTCP_TCP_TIME_WAIT
};

/** Per-connection information. */
typedef struct mptcp_conn_info {
  uint8_t state;         /**< enum mptcp_tcp_state of the (first) subflow */
  uint8_t mptcp;         /**< MPTCP in use */
  uint8_t mptcp_version; /**< 0 or 1 when mptcp is set */
  uint8_t fallback;      /**< MPTCP was offered (a client's SYN) or could
                              be accepted (an MPTCP listener), TCP is in use */
  uint8_t checksum;      /**< DSS checksums in use */
  mptcp_addr local, remote;
  uint32_t srtt_us, rttvar_us, rto_us;
  uint32_t cwnd, ssthresh, mss; /**< bytes */
  uint32_t snd_wnd, rcv_wnd;    /**< bytes */
  uint64_t bytes_sent;          /**< payload bytes first transmitted */
  uint64_t bytes_acked;
  uint64_t
      bytes_received;    /**< in-order payload bytes delivered to the buffer */
  uint64_t retransmits;  /**< segments retransmitted */
  uint64_t bytes_resent; /**< MPTCP: payload bytes sent again on another
                              subflow (reinjections, redundant copies) */
  uint64_t bytes_dup_received; /**< MPTCP: payload bytes that arrived when
                                    the connection had them already */
} mptcp_conn_info;

/** Fills @p ci. @return 0. */
MPTCP_API int mptcp_conn_get_info(const mptcp_conn *c, mptcp_conn_info *ci);

/** mptcp_conn_add_subflow flags: ask the peer to use the subflow only when
 *  no other can carry data (the MP_JOIN B flag, RFC 8684 §3.2). */
#define MPTCP_SUBFLOW_BACKUP 0x1u

/**
 * Opens a further subflow of an established MPTCP connection with MP_JOIN
 * (RFC 8684 §3.2), from @p local (port 0: an ephemeral port) to @p remote.
 * MPTCP_EV_SUBFLOW follows once it carries data, or when it fails.
 * @return the subflow's index (>= 0, see mptcp_conn_get_subflow), or
 *   MPTCP_ERR_INVALID_ARG (not an MPTCP connection, or closing; addresses
 *   of different families, or a 4-tuple in use), MPTCP_ERR_NOMEM (already
 *   8 subflows, @p local would be our ninth address (no address ID left),
 *   or out of memory).
 */
MPTCP_API int mptcp_conn_add_subflow(mptcp_conn *c, const mptcp_addr *local,
                                     const mptcp_addr *remote, uint32_t flags,
                                     mptcp_tstamp now);

/**
 * Announces one of our addresses to the peer (ADD_ADDR, RFC 8684 §3.4.1),
 * with @p addr->port in the option unless it is 0; repeated with backoff
 * until the peer echoes it. Several may be under way at once.
 * @return the address ID (>= 1), MPTCP_ERR_INVALID_ARG (not an MPTCP
 *   connection, announced already, or the initial subflow's address, whose
 *   ID 0 the peer knows), MPTCP_ERR_NOMEM (8 announced, or no address ID
 *   left: 8 addresses of ours in use).
 */
MPTCP_API int mptcp_conn_announce(mptcp_conn *c, const mptcp_addr *addr,
                                  mptcp_tstamp now);

/**
 * Registers one of our addresses for the path manager without announcing
 * it: with MPTCP_PM_FULLMESH the connection opens subflows from it to
 * every address of the peer (other policies only remember it).
 * MPTCP_SUBFLOW_BACKUP in @p flags: those subflows are backups. The port
 * of @p addr is ignored (each subflow takes an ephemeral one).
 * @return the address ID (>= 1) its subflows carry, MPTCP_ERR_INVALID_ARG
 *   (not an MPTCP connection, registered already, or the initial
 *   subflow's address), MPTCP_ERR_NOMEM (8 registered, or no address ID
 *   left).
 */
MPTCP_API int mptcp_conn_add_local_addr(mptcp_conn *c, const mptcp_addr *addr,
                                        uint32_t flags, mptcp_tstamp now);

/**
 * Withdraws our address @p id (REMOVE_ADDR, §3.4.2); our subflows from it
 * are reset (except the connection's last open one).
 * @return 0, or MPTCP_ERR_INVALID_ARG (not an MPTCP connection).
 */
MPTCP_API int mptcp_conn_remove_addr(mptcp_conn *c, uint8_t id,
                                     mptcp_tstamp now);

/**
 * Asks the peer to use subflow @p i only as a backup (@p backup 1) or as a
 * regular subflow (0) with MP_PRIO (§3.3.8); our scheduler follows the
 * same flag at once.
 * @return 0, or MPTCP_ERR_INVALID_ARG (no such subflow, not MPTCP, or the
 *   subflow is not established: a join still in its handshake).
 */
MPTCP_API int mptcp_conn_set_backup(mptcp_conn *c, size_t i, int backup,
                                    mptcp_tstamp now);

/**
 * The @p i-th address the peer announced and has not withdrawn
 * (MPTCP_EV_ADDR tells when the list changes), with its address ID.
 * @return 0, or MPTCP_ERR_INVALID_ARG when there is no @p i-th one.
 */
MPTCP_API int mptcp_conn_get_peer_addr(const mptcp_conn *c, size_t i,
                                       mptcp_addr *addr, uint8_t *id);

/** One subflow of a connection. */
typedef struct mptcp_subflow_info {
  uint8_t state;       /**< enum mptcp_tcp_state */
  uint8_t joined;      /**< carries MPTCP data (MP_CAPABLE or MP_JOIN done) */
  uint8_t backup;      /**< we asked the peer to use it only as a backup */
  uint8_t peer_backup; /**< the peer asked us the same */
  uint8_t local_id, remote_id; /**< address IDs (RFC 8684 §3.2) */
  mptcp_addr local, remote;
  uint32_t srtt_us, cwnd, mss;
  uint64_t bytes_sent;     /**< payload bytes first transmitted */
  uint64_t bytes_acked;    /**< payload bytes acknowledged at subflow level */
  uint64_t bytes_received; /**< payload bytes it brought that were new to the
                                connection (MPTCP), or in order (TCP) */
  uint64_t retransmits;    /**< segments retransmitted */
} mptcp_subflow_info;

/** Number of subflow slots: indexes 0 .. n-1 (some may be empty). */
MPTCP_API size_t mptcp_conn_subflow_slots(const mptcp_conn *c);

/** Fills @p si for subflow @p i (0: the initial one).
 *  @return 0, or MPTCP_ERR_INVALID_ARG when there is no subflow there
 *  (never was, or closed and gone). */
MPTCP_API int mptcp_conn_get_subflow(const mptcp_conn *c, size_t i,
                                     mptcp_subflow_info *si);

MPTCP_API void mptcp_conn_set_user_data(mptcp_conn *c, void *p);
MPTCP_API void *mptcp_conn_get_user_data(const mptcp_conn *c);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_STACK_H */
