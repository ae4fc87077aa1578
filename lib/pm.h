/* The path manager of a connection (RFC 8684 §3.4, §3.3.8): addresses we
 * announce (ADD_ADDR, repeated until echoed; REMOVE_ADDR), addresses the
 * peer announces (HMAC checked, echoed, joined by the built-in policy or
 * left to the application), priority changes (MP_PRIO), and re-opening a
 * subflow of ours that died, with backoff. The built-in policies
 * (settings.pm_policy): none, join what the peer announces from the
 * initial address (pm.c), fullmesh (pm_fullmesh.c).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_PM_H
#define MPTCP_PM_H

#include <mptcp/codec.h>
#include <mptcp/stack.h>

#define MPTCP_PM_ADDRS 8

struct mptcp_conn;
struct mptcp_subflow;

/* An address we announce. */
typedef struct mptcp_pm_local {
  mptcp_ipaddr ip;
  uint16_t port; /* 0: none in the option */
  uint8_t id;
  uint8_t state; /* PM_L_* */
  uint8_t tries;
  mptcp_tstamp next; /* when to send it again (PM_L_WAIT) */
} mptcp_pm_local;

/* An address the peer announced. */
typedef struct mptcp_pm_remote {
  mptcp_ipaddr ip;
  uint16_t port; /* 0: the connection's */
  uint8_t id;
  uint8_t used; /* slot in use */
  uint8_t echo; /* our echo is owed */
} mptcp_pm_remote;

/* One of our addresses the fullmesh policy opens subflows from (those
 * the application registered or announced; the initial subflow's is
 * implicit). tried: the peer addresses a subflow from it was opened to
 * (or found) once, bit 0 the peer's initial address, bit 1 + k
 * remote[k]; after that only the re-open backoff opens it again. */
typedef struct mptcp_pm_mesh {
  mptcp_ipaddr ip;
  uint8_t used, backup;
  uint16_t tried;
} mptcp_pm_mesh;

/* A subflow of ours to open again after a backoff. */
typedef struct mptcp_pm_retry {
  mptcp_addr local, remote;
  uint8_t backup, used, tries;
  mptcp_tstamp at;
} mptcp_pm_retry;

typedef struct mptcp_pm {
  mptcp_pm_local local[MPTCP_PM_ADDRS];
  mptcp_pm_remote remote[MPTCP_PM_ADDRS];
  mptcp_pm_retry retry[MPTCP_PM_ADDRS];
  mptcp_pm_mesh mesh[MPTCP_PM_ADDRS];
  uint16_t mesh_tried0;           /* `tried` of the initial subflow's address */
  uint8_t local0_gone;            /* we withdrew address ID 0 */
  uint8_t remote0_gone;           /* the peer withdrew its address ID 0 */
  uint8_t rm_ids[MPTCP_PM_ADDRS]; /* REMOVE_ADDR owed for these IDs */
  uint8_t n_rm;
  uint8_t prio_due; /* an MP_PRIO is owed on some subflow */
} mptcp_pm;

/* Announces @p ip (and @p port, 0 for none) with a new address ID; sent
 * on the next ACK, again with backoff until the peer echoes it. Returns
 * the ID, or MPTCP_ERR_INVALID_ARG (not MPTCP, announced already),
 * MPTCP_ERR_NOMEM (MPTCP_PM_ADDRS announced). */
int mptcp_pm_announce(struct mptcp_conn *c, const mptcp_ipaddr *ip,
                      uint16_t port, mptcp_tstamp now);
/* Registers @p ip as an address subflows may come from (the fullmesh
 * policy opens them; MPTCP_SUBFLOW_BACKUP in @p flags: as backups).
 * Returns its address ID, or MPTCP_ERR_INVALID_ARG (not MPTCP, the
 * initial subflow's address, registered already), MPTCP_ERR_NOMEM
 * (MPTCP_PM_ADDRS registered, or no address ID left). */
int mptcp_pm_add_local(struct mptcp_conn *c, const mptcp_ipaddr *ip,
                       uint32_t flags, mptcp_tstamp now);
/* Withdraws address @p id: REMOVE_ADDR, and our subflows on it reset. */
int mptcp_pm_remove(struct mptcp_conn *c, uint8_t id, mptcp_tstamp now);
/* Asks the peer (MP_PRIO on that subflow) to use subflow @p sf only as a
 * backup, or as a regular one again. */
int mptcp_pm_set_backup(struct mptcp_subflow *sf, int backup);

/* The fullmesh policy (pm_fullmesh.c). */
/* Opens the subflows the fullmesh policy still owes (nothing under other
 * policies, or before MPTCP is on). */
void mptcp_pm_mesh_fill(struct mptcp_conn *c, mptcp_tstamp now);
/* Adds @p ip to the addresses subflows come from; 0, or
 * MPTCP_ERR_INVALID_ARG (there already), MPTCP_ERR_NOMEM (full). */
int mptcp_pm_mesh_add(struct mptcp_conn *c, const mptcp_ipaddr *ip, int backup);
/* Our address @p ip was withdrawn: no more subflows from it. */
void mptcp_pm_mesh_forget_local(struct mptcp_conn *c, const mptcp_ipaddr *ip);
/* Peer address @p target (0: its initial one, 1 + k: remote[k]) changed
 * or went: a new one there is joined afresh. */
void mptcp_pm_mesh_forget_remote(struct mptcp_conn *c, unsigned target);
/* A subflow between our @p l and @p to is open already, whichever side
 * opened it (one the peer opened came from an ephemeral port). */
int mptcp_pm_pair_open(const struct mptcp_conn *c, const mptcp_ipaddr *l,
                       const mptcp_addr *to);
/* @p ip is the initial subflow's address (ID 0). */
int mptcp_pm_is_initial(const struct mptcp_conn *c, const mptcp_ipaddr *ip);
/* @p ip has an address ID, or one is left for it. */
int mptcp_pm_id_left(const struct mptcp_conn *c, const mptcp_ipaddr *ip);

/* The path-manager suboption a pure ACK on @p sf should carry now (an
 * ADD_ADDR, its echo, a REMOVE_ADDR, an MP_PRIO), or 0 for none. Marks it
 * sent. */
int mptcp_pm_option(struct mptcp_subflow *sf, mptcp_tstamp now,
                    mptcp_subopt *out);
/* 1 if a path-manager option is waiting to go out (an ACK is due). */
int mptcp_pm_due(const struct mptcp_conn *c, mptcp_tstamp now);

/* The peer's path-manager suboptions on an acceptable segment. */
void mptcp_pm_rx(struct mptcp_subflow *sf, const mptcp_tcpopts *o,
                 mptcp_tstamp now);

/* One of our subflows died while the connection goes on: open it again
 * later (backoff), if it was one we opened. */
void mptcp_pm_subflow_died(struct mptcp_subflow *sf, mptcp_tstamp now);
/* A join of ours succeeded: no more re-opening for its address pair. */
void mptcp_pm_subflow_joined(struct mptcp_subflow *sf);
/* Earliest path-manager deadline (MPTCP_TSTAMP_NONE: none). */
mptcp_tstamp mptcp_pm_next_timer(const struct mptcp_conn *c);
/* Runs what is due: repeats unechoed ADD_ADDRs, re-opens subflows. */
void mptcp_pm_timers(struct mptcp_conn *c, mptcp_tstamp now);

#endif
