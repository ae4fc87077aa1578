/* The application's side of a connection: connect, read, write, peek,
 * shutdown, abort, release, info. SPDX-License-Identifier: MIT */
#include <string.h>

#include "conn.h"
#include "join.h"
#include "pm.h"
#include "stack_impl.h"
#include "subflow.h"
#include "tcp.h"

static void done(struct mptcp_conn *c) { mptcp_conn_update_timer(c); }

/* The app read: the window may open on every subflow. That sets flags and
 * queues output but moves no timer, so reads need no done(). */
static void consumed(struct mptcp_conn *c) {
  for (unsigned i = 0; i < c->n_sf; i++)
    if (c->sf[i]) mptcp_tcp_rcv_consumed(c->sf[i]);
}

MPTCP_API int mptcp_conn_connect(mptcp_stack *st, mptcp_conn **pc,
                                 const mptcp_addr *local,
                                 const mptcp_addr *remote,
                                 const mptcp_conn_opts *o, mptcp_tstamp now) {
  if (!st || !pc || !local || !remote || remote->port == 0 ||
      local->ip.family != remote->ip.family || !mptcp_ipaddr_len(&local->ip))
    return MPTCP_ERR_INVALID_ARG;
  mptcp_addr l = *local;
  int rv = mptcp_stack_free_tuple(st, &l, remote);
  if (rv < 0) return rv;
  struct mptcp_conn *c = mptcp_stack_conn_new(st, &l, remote);
  if (!c) return MPTCP_ERR_NOMEM;
  c->visible = 1;
  mptcp_subflow *sf = &c->first;
  mptcp_sf_connect(sf, o && o->no_mptcp);
  mptcp_tcp_init_active(sf, now);
  if (o && o->nodelay) sf->tcp.flags |= TCPF_NODELAY;
  if (o && o->keepalive) sf->tcp.flags |= TCPF_KEEPALIVE_ON;
  done(c);
  *pc = c;
  return 0;
}

mptcp_subflow *mptcp_conn_primary(const struct mptcp_conn *c) {
  if (c->sf[0]) return c->sf[0];
  for (unsigned i = 1; i < c->n_sf; i++)
    if (c->sf[i] && c->sf[i]->tcp.state != MPTCP_TCP_CLOSED) return c->sf[i];
  /* Every subflow is gone: the first one still holds the final state. */
  return (mptcp_subflow *)&c->first;
}

static int can_send(const struct mptcp_conn *c) {
  const mptcp_tcp *t = &mptcp_conn_primary(c)->tcp;
  uint8_t s = t->state;
  return !(t->flags & TCPF_FIN_QUEUED) && !c->err &&
         (s == MPTCP_TCP_ESTABLISHED || s == MPTCP_TCP_CLOSE_WAIT ||
          s == MPTCP_TCP_SYN_SENT || s == MPTCP_TCP_SYN_RECEIVED);
}

MPTCP_API mptcp_ssize mptcp_conn_write(mptcp_conn *c, const uint8_t *data,
                                       size_t n, mptcp_tstamp now) {
  (void)now;
  if (!can_send(c)) return MPTCP_ERR_CLOSED;
  if (n == 0) return 0;
  size_t k = mptcp_ring_push(&c->snd, data, n);
  if (k < n) c->want_writable = 1;
  if (k == 0) return MPTCP_ERR_WOULDBLOCK;
  /* No timer moves until the data goes out (write_pkt re-arms then). */
  mptcp_conn_want_output(c);
  return (mptcp_ssize)k;
}

static mptcp_ssize nothing_to_read(const struct mptcp_conn *c) {
  const mptcp_tcp *t = &mptcp_conn_primary(c)->tcp;
  if ((t->flags & TCPF_FIN_RCVD) || c->mp.peer_fin_done) return MPTCP_ERR_EOF;
  if (c->err || t->state == MPTCP_TCP_CLOSED) return MPTCP_ERR_CLOSED;
  return 0;
}

MPTCP_API mptcp_ssize mptcp_conn_read(mptcp_conn *c, uint8_t *buf, size_t n,
                                      mptcp_tstamp now) {
  (void)now; /* reads move no timer */
  size_t k = c->rcv.len < n ? c->rcv.len : n;
  if (k == 0) return n == 0 ? 0 : nothing_to_read(c);
  mptcp_ring_read_at(&c->rcv, 0, buf, k);
  mptcp_ring_drop(&c->rcv, k);
  consumed(c);
  return (mptcp_ssize)k;
}

MPTCP_API size_t mptcp_conn_peek(mptcp_conn *c, const uint8_t **pdata) {
  return mptcp_ring_peek(&c->rcv, pdata);
}

MPTCP_API void mptcp_conn_consume(mptcp_conn *c, size_t n, mptcp_tstamp now) {
  (void)now;
  mptcp_ring_drop(&c->rcv, n);
  consumed(c);
}

/* RFC 9293 §3.10.4; before the handshake completes the FIN waits for
 * ESTABLISHED (tcp_in.c moves on to FIN-WAIT-1 then). */
static void queue_fin(mptcp_tcp *t) {
  if (t->state == MPTCP_TCP_CLOSED || (t->flags & TCPF_FIN_DONE)) return;
  t->flags |= TCPF_FIN_QUEUED;
  if (t->state == MPTCP_TCP_ESTABLISHED)
    t->state = MPTCP_TCP_FIN_WAIT_1;
  else if (t->state == MPTCP_TCP_CLOSE_WAIT)
    t->state = MPTCP_TCP_LAST_ACK;
}

MPTCP_API int mptcp_conn_shutdown(mptcp_conn *c, mptcp_tstamp now) {
  mptcp_tcp *t = &mptcp_conn_primary(c)->tcp;
  (void)now;
  if (c->err || t->state == MPTCP_TCP_CLOSED) return MPTCP_ERR_CLOSED;
  if (t->flags & (TCPF_FIN_QUEUED | TCPF_FIN_DONE)) return 0;
  if (c->mp.state != MPTCP_MP_OFF) { /* the DATA_FIN follows the data */
    c->mp.fin_queued = 1;
    c->mp.fin_dsn = c->snd_dsn + c->snd.len;
  }
  /* Every subflow ends with a FIN that carries the DATA_FIN, once the
   * connection's data is all mapped (tcp_out.c). */
  for (unsigned i = 0; i < c->n_sf; i++)
    if (c->sf[i]) queue_fin(&c->sf[i]->tcp);
  mptcp_conn_want_output(c);
  done(c);
  return 0;
}

MPTCP_API void mptcp_conn_abort(mptcp_conn *c, mptcp_tstamp now) {
  (void)now;
  if (mptcp_conn_primary(c)->tcp.state == MPTCP_TCP_CLOSED) return;
  MPTCP_LOG(c->st, MPTCP_LOG_INFO, "tcp %u>%u: aborted by the application",
            MPTCP_LOG_CONN(c));
  mptcp_conn_closed(c, 0); /* resets every subflow */
  done(c);
}

MPTCP_API void mptcp_conn_release(mptcp_conn *c, mptcp_tstamp now) {
  for (unsigned i = 0; i < c->n_sf; i++) {
    mptcp_subflow *sf = c->sf[i];
    if (sf && sf->tcp.state != MPTCP_TCP_CLOSED &&
        sf->tcp.state != MPTCP_TCP_TIME_WAIT)
      mptcp_tcp_abort(sf, now);
  }
  c->released = 1;
  c->events = 0;
  done(c);
  mptcp_stack_reap(c);
}

MPTCP_API int mptcp_conn_get_info(const mptcp_conn *c, mptcp_conn_info *ci) {
  const mptcp_subflow *sf = mptcp_conn_primary(c);
  const mptcp_tcp *t = &sf->tcp;
  memset(ci, 0, sizeof *ci);
  ci->state = t->state;
  ci->mptcp = c->mp.state == MPTCP_MP_ON;
  ci->mptcp_version = ci->mptcp ? c->mp.version : 0;
  ci->fallback = c->mp_offered && !ci->mptcp;
  ci->checksum = ci->mptcp && c->mp.checksum;
  ci->local = c->local;
  ci->remote = c->remote;
  ci->srtt_us = t->srtt;
  ci->rttvar_us = t->rttvar;
  ci->rto_us = t->rto;
  ci->cwnd = t->cc->cwnd(t->cc_state);
  ci->ssthresh = t->cc->ssthresh(t->cc_state);
  ci->mss = t->mss;
  ci->snd_wnd = t->snd_wnd;
  ci->rcv_wnd = mptcp_tcp_rcv_space(sf);
  /* Byte counts of the whole connection: every subflow's, and those of
   * subflows that are gone (mptcp_stack_sf_free). */
  ci->bytes_sent = c->gone_bytes_sent;
  ci->bytes_acked = c->gone_bytes_acked;
  ci->retransmits = c->gone_retransmits;
  for (unsigned i = 0; i < c->n_sf; i++) {
    const mptcp_tcp *x = c->sf[i] ? &c->sf[i]->tcp : NULL;
    if (!x) continue;
    ci->bytes_sent += x->bytes_sent;
    ci->bytes_acked += x->bytes_acked;
    ci->retransmits += x->retransmits;
  }
  /* Each byte once: a reinjected or copied one counts on its first
   * subflow. */
  ci->bytes_sent -= c->bytes_resent;
  ci->bytes_resent = c->bytes_resent;
  ci->bytes_dup_received = c->bytes_dup_rcvd;
  ci->bytes_received = c->bytes_delivered;
  return 0;
}

MPTCP_API int mptcp_conn_add_subflow(mptcp_conn *c, const mptcp_addr *local,
                                     const mptcp_addr *remote, uint32_t flags,
                                     mptcp_tstamp now) {
  if (!c || !local || !remote) return MPTCP_ERR_INVALID_ARG;
  mptcp_subflow *sf;
  int rv = mptcp_join_open(c, local, remote,
                           (flags & MPTCP_SUBFLOW_BACKUP) != 0, now, &sf);
  if (rv < 0) return rv;
  mptcp_conn_want_output(c);
  done(c);
  return sf->idx;
}

MPTCP_API int mptcp_conn_announce(mptcp_conn *c, const mptcp_addr *addr,
                                  mptcp_tstamp now) {
  if (!c || !addr) return MPTCP_ERR_INVALID_ARG;
  int rv = mptcp_pm_announce(c, &addr->ip, addr->port, now);
  done(c);
  return rv;
}

MPTCP_API int mptcp_conn_add_local_addr(mptcp_conn *c, const mptcp_addr *addr,
                                        uint32_t flags, mptcp_tstamp now) {
  if (!c || !addr) return MPTCP_ERR_INVALID_ARG;
  int rv = mptcp_pm_add_local(c, &addr->ip, flags, now);
  done(c);
  return rv;
}

MPTCP_API int mptcp_conn_remove_addr(mptcp_conn *c, uint8_t id,
                                     mptcp_tstamp now) {
  int rv = mptcp_pm_remove(c, id, now);
  done(c);
  return rv;
}

MPTCP_API int mptcp_conn_set_backup(mptcp_conn *c, size_t i, int backup,
                                    mptcp_tstamp now) {
  (void)now;
  if (i >= c->n_sf || !c->sf[i]) return MPTCP_ERR_INVALID_ARG;
  int rv = mptcp_pm_set_backup(c->sf[i], backup);
  done(c);
  return rv;
}

MPTCP_API int mptcp_conn_get_peer_addr(const mptcp_conn *c, size_t i,
                                       mptcp_addr *addr, uint8_t *id) {
  for (unsigned k = 0; k < MPTCP_PM_ADDRS; k++) {
    const mptcp_pm_remote *r = &c->pm.remote[k];
    if (!r->used || i-- > 0) continue;
    addr->ip = r->ip;
    addr->port = r->port ? r->port : c->remote.port;
    if (id) *id = r->id;
    return 0;
  }
  return MPTCP_ERR_INVALID_ARG;
}

MPTCP_API size_t mptcp_conn_subflow_slots(const mptcp_conn *c) {
  return c->n_sf;
}

MPTCP_API int mptcp_conn_get_subflow(const mptcp_conn *c, size_t i,
                                     mptcp_subflow_info *si) {
  if (i >= c->n_sf || !c->sf[i]) return MPTCP_ERR_INVALID_ARG;
  const mptcp_subflow *sf = c->sf[i];
  const mptcp_tcp *t = &sf->tcp;
  memset(si, 0, sizeof *si);
  si->state = t->state;
  si->joined = c->mp.state == MPTCP_MP_ON && mptcp_sf_joined(sf);
  si->backup = sf->backup;
  si->peer_backup = sf->peer_backup;
  si->local_id = sf->local_id;
  si->remote_id = sf->remote_id;
  si->local = sf->local;
  si->remote = sf->remote;
  si->srtt_us = t->srtt;
  si->cwnd = t->cc->cwnd(t->cc_state);
  si->mss = t->mss;
  si->bytes_sent = t->bytes_sent;
  si->bytes_acked = t->bytes_acked;
  si->bytes_received = t->bytes_received;
  si->retransmits = t->retransmits;
  return 0;
}

MPTCP_API void mptcp_conn_set_user_data(mptcp_conn *c, void *p) {
  c->user_data = p;
}
MPTCP_API void *mptcp_conn_get_user_data(const mptcp_conn *c) {
  return c->user_data;
}
