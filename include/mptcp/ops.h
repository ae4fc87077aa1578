/*
 * libmptcp - pluggable policy as const ops tables that see plain snapshot
 * structs, never a connection. This milestone has congestion control;
 * the coupled algorithms (LIA, OLIA, BALIA) and the schedulers plug in here
 * later without touching the TCP engine.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_OPS_H
#define MPTCP_OPS_H

#include <mptcp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of per-subflow state a CC may use (kept inline, no allocation). */
#define MPTCP_CC_STATE_MAX 64

/** What an ACK did, outside loss recovery. */
typedef struct mptcp_cc_ack {
  uint32_t acked;       /**< bytes newly acknowledged */
  uint32_t mss;         /**< current sender MSS */
  uint32_t inflight;    /**< bytes in flight before this ACK */
  uint32_t srtt_us;     /**< smoothed RTT (0 before the first sample) */
  uint8_t cwnd_limited; /**< the sender was limited by cwnd */
} mptcp_cc_ack;

/** A congestion signal. */
typedef struct mptcp_cc_loss {
  uint32_t inflight; /**< bytes in flight when the loss was detected */
  uint32_t mss;
  uint8_t timeout; /**< 1 = retransmission timeout, 0 = fast retransmit */
} mptcp_cc_loss;

/**
 * One subflow as a coupled algorithm sees it: an entry of the read-only
 * snapshot array the connection builds (see mptcp_cc_group). The
 * connection fills srtt_us and mss from the subflow's TCP engine and the
 * rest with mptcp_cc_ops.snapshot (or cwnd = mptcp_cc_ops.cwnd() and
 * l1 = l2 = 0 when that is NULL). A zeroed entry is valid: entries with
 * cwnd == 0 or srtt_us == 0 do not count as paths.
 */
typedef struct mptcp_cc_sf {
  uint32_t cwnd;    /**< congestion window, bytes. The connection may
                         lower it to the flight size for an
                         application-limited subflow (RFC 6356) */
  uint32_t srtt_us; /**< smoothed RTT, µs; 0 = no sample yet */
  uint32_t mss;     /**< sender MSS, bytes */
  uint64_t l1;      /**< OLIA: bytes acknowledged on this subflow between
                         its last two losses (draft-khalili-mptcp-
                         congestion-control-05 §2); 0 for other CCs */
  uint64_t l2;      /**< OLIA: bytes acknowledged since its last loss */
} mptcp_cc_sf;

/**
 * The coupled aggregate over a connection's subflows, as seen by the
 * callback of one of them. NULL, n == 0, or one usable entry: the
 * algorithm behaves exactly as NewReno (mptcp_cc_reno).
 *
 * The connection builds one array per event over the subflows that carry
 * data (established, not idle backups, not PRE_ESTABLISHED joins:
 * coupled-cc.md §8) and passes it to every callback with @c self set to
 * the calling subflow's index. The algorithm uses its own live state in
 * place of sf[self], so that entry may be stale. self >= n means sf[]
 * holds only the other subflows.
 */
typedef struct mptcp_cc_group {
  size_t n;
  const mptcp_cc_sf *sf; /**< n entries, read only during the call */
  size_t self;           /**< index of the calling subflow in sf[] */
} mptcp_cc_group;

/** Congestion-control algorithm. All callbacks are pure: they only touch
 *  their own state blob. Fixed-point arithmetic only (CPE CPUs may have
 *  no FPU). */
typedef struct mptcp_cc_ops {
  const char *name;
  size_t state_size; /**< <= MPTCP_CC_STATE_MAX */
  void (*init)(void *st, uint32_t mss, mptcp_tstamp now);
  void (*on_ack)(void *st, const mptcp_cc_ack *a, const mptcp_cc_group *g,
                 mptcp_tstamp now);
  /** Loss: set ssthresh; cwnd becomes ssthresh (fast retransmit) or one
   *  segment (timeout). */
  void (*on_loss)(void *st, const mptcp_cc_loss *l, const mptcp_cc_group *g,
                  mptcp_tstamp now);
  /** Loss recovery ended (RFC 6582 §3.2 step 3, RFC 6675 §5). */
  void (*on_recovery_end)(void *st, mptcp_tstamp now);
  uint32_t (*cwnd)(const void *st);     /**< bytes */
  uint32_t (*ssthresh)(const void *st); /**< bytes */
  /** Optional (NULL: use cwnd()). Fills the fields of @p out that the CC
   *  owns: cwnd, l1 and l2. Leaves srtt_us and mss alone. */
  void (*snapshot)(const void *st, mptcp_cc_sf *out);
} mptcp_cc_ops;

/** NewReno (RFC 5681 slow start / congestion avoidance with appropriate
 *  byte counting, RFC 6582 recovery exit). */
MPTCP_API extern const mptcp_cc_ops mptcp_cc_reno;
/** LIA, the Linked Increases Algorithm (RFC 6356): couples the
 *  congestion-avoidance increase; everything else is NewReno. */
MPTCP_API extern const mptcp_cc_ops mptcp_cc_lia;
/** OLIA (Khalili et al., draft-khalili-mptcp-congestion-control-05):
 *  coupled increase that moves window to the best paths; NewReno losses
 *  with a 1 MSS ssthresh floor when several paths are in use. */
MPTCP_API extern const mptcp_cc_ops mptcp_cc_olia;
/** BALIA (Peng et al., draft-walid-mptcp-congestion-control-04): coupled
 *  increase and decrease; NewReno slow start and recovery. */
MPTCP_API extern const mptcp_cc_ops mptcp_cc_balia;

/**
 * Finds a congestion controller by name: "reno" (the default), "lia",
 * "olia" or "balia" (exact, lower case).
 * @return the ops table, or NULL if @p name is NULL or unknown.
 */
MPTCP_API const mptcp_cc_ops *mptcp_cc_find(const char *name);

/**
 * The @p i-th built-in congestion controller, in the order of
 * mptcp_cc_find's list (index 0 is the default), for listing them.
 * @return the ops table, or NULL when @p i is past the end.
 */
MPTCP_API const mptcp_cc_ops *mptcp_cc_get(size_t i);

/* ------------------------------------------------------------------------
 * Subflow schedulers.
 *
 * Before each send opportunity the connection builds a read-only array of
 * subflow snapshots (mptcp_sched_view) and asks the scheduler which
 * subflow(s) carry the next chunk of new data (get_send), and, when a
 * subflow stalls or dies, what of its unacknowledged data is reinjected
 * where (on_stall). A scheduler sees numbers, never the connection, so it
 * is unit-testable from tables. Integer arithmetic only.
 *
 * Backup rule, common to every scheduler: a subflow is usable when it is
 * ACTIVE and not STALLED. Subflows flagged BACKUP are used only when no
 * regular subflow is usable. A regular subflow that is merely full (no
 * congestion-window room right now) is still usable: the scheduler then
 * waits for it rather than fall back to a backup.
 * ---------------------------------------------------------------------- */

/** Largest view a scheduler handles: pick masks are 32 bits wide. */
#define MPTCP_SCHED_MAX_SF 32
/** Bytes of per-connection state a scheduler may use (inline, no
 *  allocation). */
#define MPTCP_SCHED_STATE_MAX 32

/** mptcp_sched_sf.flags: established and allowed to carry data. */
#define MPTCP_SCHED_SF_ACTIVE 0x01u
/** mptcp_sched_sf.flags: backup priority (MP_JOIN B bit or MP_PRIO,
 *  RFC 8684 §3.3.8), ours or the peer's. */
#define MPTCP_SCHED_SF_BACKUP 0x02u
/** mptcp_sched_sf.flags: in retransmission-timeout backoff, no ACK progress
 *  since its last RTO. Not usable for new data until it recovers. */
#define MPTCP_SCHED_SF_STALLED 0x04u
/** mptcp_sched_sf.flags: in fast recovery (RFC 6675); still usable, but
 *  avoided as a reinjection target when another subflow is not. */
#define MPTCP_SCHED_SF_RECOVERY 0x08u

/** One subflow, as a scheduler sees it. All byte counts are payload
 *  bytes. */
typedef struct mptcp_sched_sf {
  uint32_t id;        /**< stable subflow number (array order may change) */
  uint32_t flags;     /**< MPTCP_SCHED_SF_* */
  uint32_t srtt_us;   /**< smoothed RTT; 0 = no sample yet */
  uint32_t rttvar_us; /**< RTT variation (RFC 6298) */
  uint32_t cwnd;      /**< congestion window, bytes */
  uint32_t inflight;  /**< sent, not yet acknowledged (the pipe in
                           recovery) */
  uint32_t queued;    /**< mapped to this subflow, not yet sent */
  uint32_t wnd_room;  /**< bytes this subflow's own receive window still
                           allows (RFC 8684 §3.3.5: respected besides the
                           connection-level one) */
  uint32_t mss;       /**< payload bytes per segment */
} mptcp_sched_sf;

/** The connection at one send opportunity. */
typedef struct mptcp_sched_view {
  const mptcp_sched_sf *sf; /**< n snapshots; bit i of a mask is sf[i] */
  size_t n;                 /**< <= MPTCP_SCHED_MAX_SF (extra are ignored) */
  uint32_t pending;         /**< bytes written by the app, not yet mapped to any
                                 subflow */
  uint32_t wnd;             /**< the peer's connection-level receive window,
                                 bytes (RFC 8684 §3.3.4, §3.3.5) */
  uint32_t wnd_room;        /**< bytes of that window past the highest data
                                 sequence number sent */
  mptcp_tstamp now;
} mptcp_sched_view;

/** Why get_send picked nothing (mptcp_sched_pick.wait). */
typedef enum mptcp_sched_wait {
  MPTCP_SCHED_WAIT_NONE = 0,   /**< a subflow was picked */
  MPTCP_SCHED_WAIT_NODATA = 1, /**< nothing pending */
  MPTCP_SCHED_WAIT_WINDOW = 2, /**< the connection-level window is full */
  MPTCP_SCHED_WAIT_NOPATH = 3, /**< no usable subflow, backups included */
  MPTCP_SCHED_WAIT_CWND = 4,   /**< every usable subflow is full */
  MPTCP_SCHED_WAIT_POLICY = 5  /**< room exists, but the algorithm waits
                                    for a faster subflow (BLEST, ECF) */
} mptcp_sched_wait;

/** What get_send decided. */
typedef struct mptcp_sched_pick {
  uint32_t mask;  /**< the subflow that maps the next chunk of new data
                       now: one bit (if several, the lowest carries it and
                       the others count as @c copy); 0 = wait */
  uint32_t copy;  /**< subflows that also send the same bytes (redundant
                       schedulers), 0 for most. Each gets a copy queued,
                       sent as its own windows allow, before its new data;
                       bytes the peer has DATA_ACKed by then are skipped.
                       Never includes a bit of @c mask */
  uint32_t bytes; /**< length of the chunk: map at most this many bytes,
                       starting at the next unsent data sequence number,
                       before asking again. Never more than the mask
                       subflow's room, view.pending or view.wnd_room; > 0
                       when mask != 0 */
  uint8_t wait;   /**< mptcp_sched_wait */
} mptcp_sched_pick;

/** Why on_stall is called (mptcp_sched_stall.reason). */
#define MPTCP_SCHED_STALL_RTO 1  /**< retransmission timeout fired */
#define MPTCP_SCHED_STALL_DEAD 2 /**< subflow closed or reset */
/** The peer's DATA_ACK stood still for a timeout at bytes the subflows
 *  delivered (the peer dropped them above TCP): they go again; @c sf is
 *  MPTCP_SCHED_MAX_SF (any subflow may take them, the one that carried
 *  them too). */
#define MPTCP_SCHED_STALL_DATA_ACK 3

/** A subflow that stopped making progress. */
typedef struct mptcp_sched_stall {
  uint32_t sf;      /**< its index in the view; MPTCP_SCHED_MAX_SF for data
                         of a subflow that is gone (offered again) */
  uint32_t reason;  /**< MPTCP_SCHED_STALL_* */
  uint32_t unacked; /**< bytes mapped to it and not yet DATA_ACKed */
} mptcp_sched_stall;

/** What on_stall decided: resend the oldest @c bytes of the stalled
 *  subflow's not-yet-DATA_ACKed data on every subflow in @c mask. */
typedef struct mptcp_sched_reinject {
  uint32_t mask;  /**< target subflows; 0 = reinject nothing */
  uint32_t bytes; /**< <= mptcp_sched_stall.unacked; 0 when mask == 0 */
} mptcp_sched_reinject;

/**
 * Subflow scheduler. Callbacks touch only their own state blob, never
 * allocate, and read the view only during the call.
 *
 * Contract with the connection:
 * - get_send: on a pick, map min(bytes, what the subflow takes now) of new
 *   data to the subflow in mask, queue the same data sequence numbers on
 *   each subflow in copy, then ask again; on wait, stop until an ACK, a
 *   window update, new data or a subflow change alters the view. The
 *   connection keeps one copy of the data: subflows' records and queues
 *   refer to DSN ranges of its send buffer.
 * - on_stall: called when a subflow's RTO fires (the view already shows it
 *   STALLED) or when it dies (the view shows it not ACTIVE). The
 *   connection queues the oldest @c bytes of what the subflow carried and
 *   the peer has not DATA_ACKed on each target, skipping bytes a target
 *   already carries; queued data goes before new data and is not
 *   scheduled again (mptcp_sched_sf.queued counts it). A dead subflow's
 *   data that found no target (mask 0) stays owed: it is offered again
 *   (stall.sf = MPTCP_SCHED_MAX_SF, reason DEAD) when the view changes,
 *   until some target takes it. After an RTO with no target the subflow's
 *   own retransmission carries on.
 */
typedef struct mptcp_sched_ops {
  const char *name;
  size_t state_size; /**< <= MPTCP_SCHED_STATE_MAX */
  void (*init)(void *st, mptcp_tstamp now);
  /** Fills *out; returns the number of subflows in mask | copy (0 =
   *  wait). */
  int (*get_send)(void *st, const mptcp_sched_view *v, mptcp_sched_pick *out);
  /** Fills *out; returns the number of target subflows (0 = none). */
  int (*on_stall)(void *st, const mptcp_sched_view *v,
                  const mptcp_sched_stall *s, mptcp_sched_reinject *out);
} mptcp_sched_ops;

/** Lowest smoothed RTT among subflows with room (the default; the Linux
 *  kernel's default policy). */
MPTCP_API extern const mptcp_sched_ops mptcp_sched_minrtt;
/** Round-robin, one segment at a time, among subflows with room. */
MPTCP_API extern const mptcp_sched_ops mptcp_sched_rr;
/** Every chunk on every usable subflow: the fastest with room carries it
 *  first, every other usable one gets a copy (ReMP TCP, Frommgen et al.,
 *  ICC 2016). */
MPTCP_API extern const mptcp_sched_ops mptcp_sched_redundant;
/** BLEST (Ferlin et al., IFIP Networking 2016): skips a slow subflow when
 *  using it would block the fast one on the connection window. */
MPTCP_API extern const mptcp_sched_ops mptcp_sched_blest;
/** ECF (Lim et al., CoNEXT 2017): waits for the fast subflow when that
 *  completes the pending data sooner than the slow one. */
MPTCP_API extern const mptcp_sched_ops mptcp_sched_ecf;

/**
 * Finds a scheduler by name: "minrtt" (the default), "rr", "redundant",
 * "blest" or "ecf".
 * @return the ops table, or NULL if @p name is NULL or unknown.
 */
MPTCP_API const mptcp_sched_ops *mptcp_sched_find(const char *name);

/**
 * The @p i-th built-in scheduler, in the order of mptcp_sched_find's list
 * (index 0 is the default), for listing them.
 * @return the ops table, or NULL when @p i is past the end.
 */
MPTCP_API const mptcp_sched_ops *mptcp_sched_get(size_t i);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_OPS_H */
