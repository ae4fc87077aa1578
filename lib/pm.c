/* The path manager (pm.h). SPDX-License-Identifier: MIT */
#include "pm.h"

#include <mptcp/crypto.h>
#include <string.h>

#include "conn.h"
#include "join.h"
#include "stack_impl.h"
#include "tcp.h"

/* Unechoed ADD_ADDRs go again after 1 s, 2 s, 4 s ... (RFC 8684 §3.4.1
 * leaves the timing open), at most this many times in all. */
#define ADD_ADDR_TRIES 5
#define ADD_ADDR_RTO 1000000u
/* A subflow of ours that died is opened again after 1 s, 2 s, ... 32 s. */
#define RETRY_BASE 1000000u
#define RETRY_MAX_SHIFT 5

enum { PM_L_FREE = 0, PM_L_DUE, PM_L_WAIT, PM_L_ECHOED };

/* Recomputes c->pm_at, the earliest deadline (conn.h folds it into the
 * connection's timer). */
static void rearm(struct mptcp_conn *c) {
  mptcp_tstamp at = MPTCP_TSTAMP_NONE;
  /* A pure ACK carries one option: what is owed beyond it (several
   * announcements, or echoes, at once) fires the timer at once, whose
   * kick sends the next ACK, instead of waiting for unrelated traffic. */
  if (c->pm.n_rm) at = 0;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    const mptcp_pm_local *l = &c->pm.local[i];
    if (l->state == PM_L_DUE) at = 0;
    if (c->pm.remote[i].used && c->pm.remote[i].echo) at = 0;
    if (l->state == PM_L_WAIT && l->next < at) at = l->next;
    const mptcp_pm_retry *r = &c->pm.retry[i];
    if (r->used && r->at < at) at = r->at;
  }
  c->pm_at = at;
}

mptcp_tstamp mptcp_pm_next_timer(const struct mptcp_conn *c) {
  return c->pm_at;
}

/* A subflow that can carry a path-manager option on its next ACK. */
static mptcp_subflow *carrier(struct mptcp_conn *c) {
  mptcp_subflow *best = NULL;
  for (unsigned i = 0; i < c->n_sf; i++) {
    mptcp_subflow *sf = c->sf[i];
    if (!sf || !mptcp_sf_joined(sf)) continue;
    uint8_t s = sf->tcp.state;
    if (s != MPTCP_TCP_ESTABLISHED && s != MPTCP_TCP_CLOSE_WAIT &&
        s != MPTCP_TCP_FIN_WAIT_1 && s != MPTCP_TCP_FIN_WAIT_2)
      continue;
    if (!best || (best->backup && !sf->backup)) best = sf;
  }
  return best;
}

/* Something is owed: an ACK on a carrier subflow takes it. */
static void kick(struct mptcp_conn *c) {
  mptcp_subflow *sf = carrier(c);
  if (!sf) return;
  sf->tcp.flags |= TCPF_ACK_NOW;
  mptcp_conn_want_output(c);
}

int mptcp_pm_announce(struct mptcp_conn *c, const mptcp_ipaddr *ip,
                      uint16_t port, mptcp_tstamp now) {
  if (c->mp.state != MPTCP_MP_ON || !mptcp_ipaddr_len(ip))
    return MPTCP_ERR_INVALID_ARG;
  mptcp_pm_local *free_slot = NULL;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_local *l = &c->pm.local[i];
    if (l->state == PM_L_FREE) {
      if (!free_slot) free_slot = l;
    } else if (mptcp_ipaddr_equal(&l->ip, ip) && l->port == port) {
      return MPTCP_ERR_INVALID_ARG;
    }
  }
  if (!free_slot || !mptcp_pm_id_left(c, ip)) return MPTCP_ERR_NOMEM;
  /* ID 0 is the initial subflow's address, known to the peer already. */
  if (mptcp_pm_is_initial(c, ip)) return MPTCP_ERR_INVALID_ARG;
  free_slot->ip = *ip;
  free_slot->port = port;
  free_slot->id = mptcp_join_local_id(c, ip);
  free_slot->state = PM_L_DUE;
  free_slot->tries = 0;
  rearm(c); /* more at once: see rearm() */
  kick(c);
  /* Subflows may come from it too (fullmesh), if there is room. */
  (void)mptcp_pm_mesh_add(c, ip, 0);
  mptcp_pm_mesh_fill(c, now);
  return free_slot->id;
}

/* A subflow of a withdrawn address may go unless it is the connection's
 * last one that carries data: joins still in their handshake do not count
 * (with only those left the connection would die; found by
 * fuzz_multipath). */
static int may_close(const struct mptcp_conn *c, const mptcp_subflow *sf) {
  if (!mptcp_sf_joined(sf)) return mptcp_conn_open_subflows(c) > 1;
  unsigned n = 0;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *o = c->sf[i];
    if (o && mptcp_sf_joined(o) && o->tcp.state != MPTCP_TCP_CLOSED &&
        o->tcp.state != MPTCP_TCP_TIME_WAIT)
      n++;
  }
  return n > 1;
}

/* Does @p sf go to the peer's withdrawn address @p id (at @p gone, if
 * known)? A join of ours still in its handshake has no remote ID yet:
 * its address decides (left open, it would time out and be re-opened
 * towards the withdrawn address; found by fuzz_multipath). */
static int to_removed(const mptcp_subflow *sf, uint8_t id,
                      const mptcp_ipaddr *gone) {
  if (sf->join == SF_JOIN_SYN && !sf->passive)
    return gone && mptcp_ipaddr_equal(&sf->remote.ip, gone);
  return sf->remote_id == id;
}

int mptcp_pm_remove(struct mptcp_conn *c, uint8_t id, mptcp_tstamp now) {
  if (c->mp.state != MPTCP_MP_ON) return MPTCP_ERR_INVALID_ARG;
  /* No subflow from it is opened again, by any policy or backoff. */
  if (id < c->n_laddr || id == 0) {
    const mptcp_ipaddr *ip = c->n_laddr ? &c->laddr[id] : &c->local.ip;
    mptcp_pm_mesh_forget_local(c, ip);
    for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++)
      if (mptcp_ipaddr_equal(&c->pm.retry[i].local.ip, ip))
        c->pm.retry[i].used = 0;
  }
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++)
    if (c->pm.local[i].state != PM_L_FREE && c->pm.local[i].id == id)
      c->pm.local[i].state = PM_L_FREE;
  if (c->pm.n_rm < MPTCP_PM_ADDRS) c->pm.rm_ids[c->pm.n_rm++] = id;
  /* Our subflows from that address go (not the last one). */
  for (unsigned i = 0; i < c->n_sf; i++) {
    mptcp_subflow *sf = c->sf[i];
    if (sf && sf->local_id == id && sf->tcp.state != MPTCP_TCP_CLOSED &&
        may_close(c, sf)) {
      sf->rst_reason = MPTCP_RESET_REASON_UNSPEC;
      mptcp_tcp_abort(sf, now);
      mptcp_sf_closed(sf, 0);
    }
  }
  rearm(c);
  kick(c);
  return 0;
}

int mptcp_pm_set_backup(mptcp_subflow *sf, int backup) {
  /* Only a subflow that carries data: a join still in its handshake
   * must not get an ACK with MP_PRIO before its third ACK (found by
   * fuzz_mptcp). */
  uint8_t s = sf->tcp.state;
  if (sf->conn->mp.state != MPTCP_MP_ON || !mptcp_sf_joined(sf) ||
      s == MPTCP_TCP_SYN_SENT || s == MPTCP_TCP_SYN_RECEIVED ||
      s == MPTCP_TCP_CLOSED || s == MPTCP_TCP_TIME_WAIT)
    return MPTCP_ERR_INVALID_ARG;
  sf->backup = backup != 0;
  sf->prio_due = 1;
  sf->tcp.flags |= TCPF_ACK_NOW;
  mptcp_conn_want_output(sf->conn);
  return 0;
}

int mptcp_pm_due(const struct mptcp_conn *c, mptcp_tstamp now) {
  if (c->pm.n_rm) return 1;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    const mptcp_pm_local *l = &c->pm.local[i];
    if (l->state == PM_L_DUE || (l->state == PM_L_WAIT && l->next <= now))
      return 1;
    if (c->pm.remote[i].used && c->pm.remote[i].echo) return 1;
  }
  return 0;
}

static void add_addr(const struct mptcp_conn *c, const mptcp_ipaddr *ip,
                     uint16_t port, uint8_t id, int echo, mptcp_subopt *out) {
  memset(out, 0, sizeof *out);
  out->subtype = MPTCP_SUB_ADD_ADDR;
  mptcp_add_addr *a = &out->u.add_addr;
  a->v0 = c->mp.version == 0;
  a->echo = echo && !a->v0;
  a->addr_id = id;
  a->addr = *ip;
  a->port = port;
  a->has_port = port != 0;
  a->has_hmac = !a->v0 && !echo;
  if (a->has_hmac)
    mptcp_crypto_add_addr_hmac(c->mp.local_key, c->mp.remote_key, id, ip, port,
                               &a->hmac);
}

int mptcp_pm_option(mptcp_subflow *sf, mptcp_tstamp now, mptcp_subopt *out) {
  struct mptcp_conn *c = sf->conn;
  if (c->mp.state != MPTCP_MP_ON) return 0;
  if (sf->prio_due) { /* v1 form: this subflow (§3.3.8) */
    sf->prio_due = 0;
    memset(out, 0, sizeof *out);
    out->subtype = MPTCP_SUB_PRIO;
    out->u.prio.backup = sf->backup;
    return 1;
  }
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_remote *r = &c->pm.remote[i];
    if (r->used && r->echo) {
      r->echo = 0;
      add_addr(c, &r->ip, r->port, r->id, 1, out);
      rearm(c); /* the next owed one, if any */
      return 1;
    }
  }
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_local *l = &c->pm.local[i];
    if (l->state == PM_L_DUE || (l->state == PM_L_WAIT && l->next <= now)) {
      add_addr(c, &l->ip, l->port, l->id, 0, out);
      l->tries++;
      /* v0 has no echo: one announcement is all. */
      if (c->mp.version == 0 || l->tries >= ADD_ADDR_TRIES) {
        l->state = PM_L_ECHOED;
      } else {
        l->state = PM_L_WAIT;
        l->next = now + ((mptcp_tstamp)ADD_ADDR_RTO << (l->tries - 1));
      }
      mptcp_ctr_inc(c->st, MPTCP_CTR_MP_ADD_ADDR_TX);
      rearm(c);
      return 1;
    }
  }
  if (c->pm.n_rm) {
    memset(out, 0, sizeof *out);
    out->subtype = MPTCP_SUB_REMOVE_ADDR;
    out->u.rm_addr.n = c->pm.n_rm;
    memcpy(out->u.rm_addr.ids, c->pm.rm_ids, c->pm.n_rm);
    c->pm.n_rm = 0;
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_RM_ADDR_TX);
    rearm(c);
    return 1;
  }
  return 0;
}

/* Built-in policy: join an address the peer announced, from the address
 * of the initial subflow, unless a subflow to it exists (from that
 * address, or from the announced address to it: the peer may have joined
 * from there first). */
static void join_announced(struct mptcp_conn *c, const mptcp_pm_remote *r,
                           mptcp_tstamp now) {
  const mptcp_subflow *p = mptcp_conn_primary(c);
  if (p->local.ip.family != r->ip.family) return;
  mptcp_addr to = {r->ip, r->port ? r->port : c->remote.port};
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *sf = c->sf[i];
    if (sf && sf->tcp.state != MPTCP_TCP_CLOSED && !sf->passive &&
        mptcp_ipaddr_equal(&sf->remote.ip, &to.ip) &&
        sf->remote.port == to.port)
      return;
  }
  if (mptcp_pm_pair_open(c, &p->local.ip, &to)) return;
  mptcp_addr from = {p->local.ip, 0};
  mptcp_subflow *sf;
  if (mptcp_join_open(c, &from, &to, 0, now, &sf) == 0)
    mptcp_conn_want_output(c);
}

static void rx_add_addr(mptcp_subflow *sf, const mptcp_add_addr *a,
                        mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  mptcp_stack *st = c->st;
  if (a->echo) {
    for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
      mptcp_pm_local *l = &c->pm.local[i];
      if (l->state != PM_L_FREE && l->id == a->addr_id &&
          mptcp_ipaddr_equal(&l->ip, &a->addr))
        l->state = PM_L_ECHOED;
    }
    mptcp_ctr_inc(st, MPTCP_CTR_MP_ADD_ADDR_ECHO_RX);
    rearm(c);
    return;
  }
  if (!a->v0) { /* §3.4.1: the HMAC proves the sender has the keys */
    uint64_t mac;
    if (mptcp_crypto_add_addr_hmac(c->mp.remote_key, c->mp.local_key,
                                   a->addr_id, &a->addr, a->port, &mac) != 0 ||
        !mptcp_crypto_equal(&mac, &a->hmac, sizeof mac)) {
      mptcp_ctr_inc(st, MPTCP_CTR_MP_ADD_ADDR_BAD_HMAC);
      return;
    }
  }
  mptcp_ctr_inc(st, MPTCP_CTR_MP_ADD_ADDR_RX);
  mptcp_pm_remote *slot = NULL;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_remote *r = &c->pm.remote[i];
    if (r->used && r->id == a->addr_id) {
      slot = r; /* a repeat (our echo was lost) or a new address */
      break;
    }
    if (!r->used && !slot) slot = r;
  }
  if (!slot) return; /* full: ignored (counted as received) */
  int known = slot->used && mptcp_ipaddr_equal(&slot->ip, &a->addr) &&
              slot->port == a->port;
  slot->used = 1;
  slot->ip = a->addr;
  slot->port = a->port;
  slot->id = a->addr_id;
  slot->echo = !a->v0;
  rearm(c); /* several owed at once: see rearm() */
  kick(c);
  if (!known) {
    mptcp_conn_post(c, MPTCP_EV_ADDR);
    /* Announced again after a withdrawal: ours to it may be re-opened. */
    for (unsigned i = 0; i < c->n_sf; i++)
      if (c->sf[i] && mptcp_ipaddr_equal(&c->sf[i]->remote.ip, &a->addr))
        c->sf[i]->remote_gone = 0;
    mptcp_pm_mesh_forget_remote(c, 1 + (unsigned)(slot - c->pm.remote));
    if (st->s.pm_policy == MPTCP_PM_JOIN_ANNOUNCED)
      join_announced(c, slot, now);
    else
      mptcp_pm_mesh_fill(c, now);
  }
}

static void rx_remove_addr(mptcp_subflow *on, const mptcp_remove_addr *rm,
                           mptcp_tstamp now) {
  struct mptcp_conn *c = on->conn;
  mptcp_ctr_inc(c->st, MPTCP_CTR_MP_RM_ADDR_RX);
  int changed = 0; /* MPTCP_EV_ADDR only when the list changes */
  for (unsigned k = 0; k < rm->n; k++) {
    uint8_t id = rm->ids[k];
    const mptcp_ipaddr *gone = NULL;
    if (id == 0) { /* the address the connection began on */
      c->pm.remote0_gone = 1;
      gone = &c->remote.ip;
    }
    for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++)
      if (c->pm.remote[i].used && c->pm.remote[i].id == id) {
        c->pm.remote[i].used = 0;
        gone = &c->pm.remote[i].ip; /* the slot keeps it */
        changed = 1;
      }
    /* §3.4.2: subflows to that address close (the last one stays: the
     * connection needs a path, and the peer would reset it itself). */
    for (unsigned i = 0; i < c->n_sf; i++) {
      mptcp_subflow *sf = c->sf[i];
      if (!sf || !to_removed(sf, id, gone)) continue;
      sf->remote_gone = 1;
      if (sf->tcp.state != MPTCP_TCP_CLOSED && may_close(c, sf)) {
        mptcp_tcp_abort(sf, now);
        mptcp_sf_closed(sf, 0);
      }
    }
    /* No re-opening towards it (only towards it: this cleared every
     * pending re-open, whatever address it was for). */
    for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++)
      if (gone && mptcp_ipaddr_equal(&c->pm.retry[i].remote.ip, gone))
        c->pm.retry[i].used = 0;
  }
  rearm(c);
  if (changed) mptcp_conn_post(c, MPTCP_EV_ADDR);
}

void mptcp_pm_rx(mptcp_subflow *sf, const mptcp_tcpopts *o, mptcp_tstamp now) {
  for (unsigned i = 0; i < o->n_mptcp; i++) {
    const mptcp_subopt *so = &o->mptcp[i];
    if (so->status != MPTCP_SUBOPT_OK) continue;
    switch (so->subtype) {
    case MPTCP_SUB_ADD_ADDR: rx_add_addr(sf, &so->u.add_addr, now); break;
    case MPTCP_SUB_REMOVE_ADDR: rx_remove_addr(sf, &so->u.rm_addr, now); break;
    case MPTCP_SUB_PRIO:
      if (sf->peer_backup != so->u.prio.backup) {
        sf->peer_backup = so->u.prio.backup;
        mptcp_conn_post(sf->conn, MPTCP_EV_SUBFLOW);
      }
      mptcp_ctr_inc(sf->conn->st, MPTCP_CTR_MP_PRIO_RX);
      break;
    default: break;
    }
  }
}

void mptcp_pm_subflow_died(mptcp_subflow *sf, mptcp_tstamp now) {
  struct mptcp_conn *c = sf->conn;
  if (sf->passive || c->mp.state != MPTCP_MP_ON || c->mp.fin_queued || c->err)
    return;
  /* The last subflow to a withdrawn address stayed (rx_remove_addr); when
   * it dies, nothing goes there again (the address's slot may have gone
   * to another announcement since, so the subflow remembers). */
  if (sf->remote_gone) return;
  mptcp_pm_retry *slot = NULL;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_retry *r = &c->pm.retry[i];
    if (r->used && mptcp_ipaddr_equal(&r->local.ip, &sf->local.ip) &&
        mptcp_ipaddr_equal(&r->remote.ip, &sf->remote.ip) &&
        r->remote.port == sf->remote.port) {
      slot = r;
      break;
    }
    if (!r->used && !slot) slot = r;
  }
  if (!slot) return;
  if (!slot->used) slot->tries = 0;
  slot->used = 1;
  slot->local = sf->local;
  slot->local.port = 0; /* a fresh port: the old 4-tuple may linger */
  slot->remote = sf->remote;
  slot->backup = sf->backup;
  unsigned shift =
      slot->tries < RETRY_MAX_SHIFT ? slot->tries : RETRY_MAX_SHIFT;
  slot->at = now + ((mptcp_tstamp)RETRY_BASE << shift);
  if (slot->tries < 255) slot->tries++;
  rearm(c);
}

/* A join of ours succeeded: its address pair needs no more retries. */
void mptcp_pm_subflow_joined(mptcp_subflow *sf) {
  struct mptcp_conn *c = sf->conn;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_retry *r = &c->pm.retry[i];
    if (r->used && !r->at && mptcp_ipaddr_equal(&r->local.ip, &sf->local.ip) &&
        mptcp_ipaddr_equal(&r->remote.ip, &sf->remote.ip))
      r->used = 0;
  }
}

void mptcp_pm_timers(struct mptcp_conn *c, mptcp_tstamp now) {
  if (mptcp_pm_due(c, now)) kick(c);
  mptcp_pm_mesh_fill(c, now); /* what the subflow limit held back */
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_retry *r = &c->pm.retry[i];
    if (!r->used || !r->at || r->at > now) continue;
    mptcp_subflow *sf;
    r->at = 0; /* under way: a new death re-arms it, a join clears it */
    mptcp_ctr_inc(c->st, MPTCP_CTR_MP_SUBFLOW_REOPEN);
    if (mptcp_join_open(c, &r->local, &r->remote, r->backup, now, &sf) == 0)
      mptcp_conn_want_output(c);
  }
  /* Unechoed announcements whose time came are sent by mptcp_pm_option;
   * the deadline moves when they go. */
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++)
    if (c->pm.local[i].state == PM_L_WAIT && c->pm.local[i].next <= now)
      c->pm.local[i].next = now; /* due: stays until sent */
  rearm(c);
  /* rearm() would fire again at once for a due announcement that has no
   * carrier yet: wait a second for one. */
  if (c->pm_at <= now) c->pm_at = now + ADD_ADDR_RTO;
}
