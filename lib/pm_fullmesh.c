/* The fullmesh path-manager policy (MPTCP_PM_FULLMESH, pm.h): a subflow
 * from every address of ours to every address of the peer of the same
 * family, each address pair opened once; what fails later is the re-open
 * backoff's business (pm.c). SPDX-License-Identifier: MIT */
#include "conn.h"
#include "join.h"
#include "pm.h"
#include "stack_impl.h"

int mptcp_pm_is_initial(const struct mptcp_conn *c, const mptcp_ipaddr *ip) {
  return mptcp_ipaddr_equal(c->n_laddr ? &c->laddr[0] : &c->local.ip, ip);
}

int mptcp_pm_id_left(const struct mptcp_conn *c, const mptcp_ipaddr *ip) {
  /* Each address keeps its own ID for the whole connection (RFC 8684
   * §3.2): a new one needs a free ID. */
  for (unsigned i = 0; i < c->n_laddr; i++)
    if (mptcp_ipaddr_equal(&c->laddr[i], ip)) return 1;
  return c->n_laddr < MPTCP_SUBFLOWS_MAX;
}

int mptcp_pm_mesh_add(struct mptcp_conn *c, const mptcp_ipaddr *ip,
                      int backup) {
  mptcp_pm_mesh *free_slot = NULL;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_mesh *m = &c->pm.mesh[i];
    if (!m->used) {
      if (!free_slot) free_slot = m;
    } else if (mptcp_ipaddr_equal(&m->ip, ip)) {
      return MPTCP_ERR_INVALID_ARG;
    }
  }
  if (!free_slot) return MPTCP_ERR_NOMEM;
  free_slot->ip = *ip;
  free_slot->used = 1;
  free_slot->backup = backup != 0;
  free_slot->tried = 0;
  return 0;
}

int mptcp_pm_add_local(struct mptcp_conn *c, const mptcp_ipaddr *ip,
                       uint32_t flags, mptcp_tstamp now) {
  if (c->mp.state != MPTCP_MP_ON || !mptcp_ipaddr_len(ip) ||
      mptcp_pm_is_initial(c, ip))
    return MPTCP_ERR_INVALID_ARG;
  if (!mptcp_pm_id_left(c, ip)) return MPTCP_ERR_NOMEM;
  int rv = mptcp_pm_mesh_add(c, ip, (flags & MPTCP_SUBFLOW_BACKUP) != 0);
  if (rv < 0) return rv;
  uint8_t id = mptcp_join_local_id(c, ip);
  mptcp_pm_mesh_fill(c, now);
  return id;
}

void mptcp_pm_mesh_forget_local(struct mptcp_conn *c, const mptcp_ipaddr *ip) {
  if (mptcp_pm_is_initial(c, ip)) c->pm.local0_gone = 1;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++)
    if (c->pm.mesh[i].used && mptcp_ipaddr_equal(&c->pm.mesh[i].ip, ip))
      c->pm.mesh[i].used = 0;
}

void mptcp_pm_mesh_forget_remote(struct mptcp_conn *c, unsigned target) {
  uint16_t bit = (uint16_t)(1u << target);
  c->pm.mesh_tried0 &= (uint16_t)~bit;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++)
    c->pm.mesh[i].tried &= (uint16_t)~bit;
}

/* Peer address number @p t: 0 the one connected to (only on the side
 * that connected: a listener's peer sent from an ephemeral port), 1 + k
 * the announced remote[k]. Returns 0 when there is none. */
static int target(const struct mptcp_conn *c, unsigned t, mptcp_addr *to) {
  if (t == 0) {
    if (c->passive || c->pm.remote0_gone) return 0;
    *to = c->remote;
    return 1;
  }
  const mptcp_pm_remote *r = &c->pm.remote[t - 1];
  if (!r->used) return 0;
  to->ip = r->ip;
  to->port = r->port ? r->port : c->remote.port;
  return 1;
}

int mptcp_pm_pair_open(const struct mptcp_conn *c, const mptcp_ipaddr *l,
                       const mptcp_addr *to) {
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_subflow *sf = c->sf[i];
    if (sf && sf->tcp.state != MPTCP_TCP_CLOSED &&
        mptcp_ipaddr_equal(&sf->local.ip, l) &&
        mptcp_ipaddr_equal(&sf->remote.ip, &to->ip) &&
        (sf->passive || sf->remote.port == to->port))
      return 1;
  }
  return 0;
}

/* Opens what is missing from our address @p ip. Returns -1 when no more
 * subflows can be opened now (the limit of 8): the rest waits for the
 * next fill. */
static int fill_from(struct mptcp_conn *c, const mptcp_ipaddr *ip, int backup,
                     uint16_t *tried, mptcp_tstamp now) {
  for (unsigned t = 0; t <= MPTCP_PM_ADDRS; t++) {
    uint16_t bit = (uint16_t)(1u << t);
    mptcp_addr to;
    if ((*tried & bit) || !target(c, t, &to) || to.ip.family != ip->family)
      continue;
    if (!mptcp_pm_pair_open(c, ip, &to)) {
      mptcp_addr from = {*ip, 0};
      mptcp_subflow *sf;
      int rv = mptcp_join_open(c, &from, &to, backup, now, &sf);
      if (rv == MPTCP_ERR_NOMEM) return -1;
      if (rv == 0) mptcp_conn_want_output(c);
    }
    *tried |= bit;
  }
  return 0;
}

void mptcp_pm_mesh_fill(struct mptcp_conn *c, mptcp_tstamp now) {
  if (c->st->s.pm_policy != MPTCP_PM_FULLMESH || c->mp.state != MPTCP_MP_ON)
    return;
  if (!c->pm.local0_gone &&
      fill_from(c, &c->local.ip, 0, &c->pm.mesh_tried0, now) < 0)
    return;
  for (unsigned i = 0; i < MPTCP_PM_ADDRS; i++) {
    mptcp_pm_mesh *m = &c->pm.mesh[i];
    if (m->used && fill_from(c, &m->ip, m->backup, &m->tried, now) < 0) return;
  }
}
