/* mptcp-pcap --check: the verifier. See mptcp_check.h.
 *
 * Model. A *subflow* is one TCP connection (4-tuple); ep[0] is the host that
 * sent its first SYN (or, if the handshake is not in the capture, the sender
 * of the first segment seen), and "dir" 0 is ep[0] -> ep[1]. A *connection*
 * is the MPTCP connection a subflow belongs to; its side 0 is A (the
 * initiator of the first subflow), side 1 is B. A subflow whose connection
 * is unknown (handshake not captured, unknown token) gets an anonymous
 * connection of its own, so the data-level bookkeeping (32-bit DSN expansion)
 * lives in one place.
 *
 * DSS checksums are verified at the end: each subflow direction keeps the
 * payload it carried, indexed by relative subflow sequence number (first
 * copy wins; a retransmission whose bytes differ is itself reported), and
 * each distinct checksummed mapping is then summed over exactly the bytes it
 * covers, however many segments carried them and in whatever order they
 * were captured.
 *
 * SPDX-License-Identifier: MIT */
#include "mptcp_check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <mptcp/crypto.h>

/* Relative sequence numbers at or beyond this are not stored (256 MiB per
 * subflow direction); mappings there are reported as not checkable. */
#define STORE_MAX (1u << 28)
/* A first DSN/Data ACK this far above IDSN+1 cannot be explained by a few
 * segments missing from the capture: the IDSN (i.e. the key) is wrong. */
#define IDSN_SLACK (1u << 24)
#define SF_BUCKETS 4096u
#define MAP_BUCKETS 16384u

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static const char *const kind_names[MCHK_KIND_COUNT] = {
    [MCHK_IP_CSUM] = "ip-csum",
    [MCHK_TCP_CSUM] = "tcp-csum",
    [MCHK_PKT] = "packet",
    [MCHK_OPTS] = "options",
    [MCHK_KEY] = "mpc-key",
    [MCHK_TOKEN] = "token",
    [MCHK_IDSN] = "idsn",
    [MCHK_JOIN_HMAC] = "join-hmac",
    [MCHK_ADD_ADDR_HMAC] = "add-addr-hmac",
    [MCHK_FASTCLOSE_KEY] = "fastclose-key",
    [MCHK_DSS_CSUM] = "dss-csum",
    [MCHK_DSS_PRESENCE] = "dss-csum-presence",
    [MCHK_RETRANS] = "retransmission",
};

typedef struct endp {
  mptcp_ipaddr addr;
  uint16_t port;
} endp;

/* Evidence about one side's IDSN: every DSN it mapped and every Data ACK
 * its peer sent, expanded to 64 bits. */
typedef struct dirck {
  int have_dsn_ref, have_ack_ref;
  uint64_t dsn_ref, ack_ref; /* last expanded values, for 32-bit ones */
  int anchored;              /* some value was IDSN+1 (or followed MPC data) */
  int have_mpc;
  uint64_t mpc_end; /* IDSN+1+DLL of the MP_CAPABLE-with-data */
  int any;
  int64_t min_delta; /* smallest value - (IDSN+1) seen */
  unsigned long min_frame;
} dirck;

typedef struct conn {
  unsigned id;
  int anon;
  int version; /* 0, 1, -1 = unknown */
  int have_key[2];
  uint64_t key[2];
  unsigned long key_frame[2];
  int derived[2];
  uint32_t token[2];
  uint64_t idsn[2];
  int csum_known, csum; /* checksum negotiation seen / outcome */
  endp host[2];
  dirck d[2];
  struct conn *next;
} conn;

typedef struct bstore {
  uint8_t *data, *have; /* byte i = relative sequence i + 1 */
  size_t cap;
} bstore;

typedef struct subflow {
  endp ep[2];
  conn *cn;
  int side0; /* connection side of ep[0] */
  int is_join;
  int have_nonce[2];
  uint32_t nonce[2];
  int have_base[2];
  uint32_t base[2]; /* relative SSN = seq - base */
  bstore st[2];
  struct subflow *hnext; /* hash chain (NULL once superseded) */
  struct subflow *next;  /* list of all */
  int hashed;
} subflow;

typedef struct mapping {
  subflow *sf;
  int dir;
  uint64_t dsn;
  uint32_t ssn;
  uint16_t dll, csum;
  uint8_t fin, mpc;
  unsigned long frame;
  size_t hnext; /* index + 1 in the dedup chain, 0 = end */
} mapping;

struct mchk {
  FILE *out;
  int verbose;
  unsigned long n[MCHK_KIND_COUNT][3]; /* valid, invalid, unchecked */
  unsigned long offloaded;             /* TCP csum = pseudo-header sum */
  unsigned long oom;
  subflow *sf_hash[SF_BUCKETS];
  subflow *sf_list;
  conn *conns;
  unsigned n_conns;
  mapping *maps;
  size_t n_maps, cap_maps;
  size_t map_hash[MAP_BUCKETS];
};

/* ------------------------------------------------------------------ */
/* verdicts                                                            */

static void ok(mchk *c, enum mchk_kind k) { c->n[k][0]++; }

PRINTF_LIKE(4, 5)
static void fail(mchk *c, enum mchk_kind k, unsigned long frame,
                 const char *fmt, ...) {
  va_list ap;
  c->n[k][1]++;
  fprintf(c->out, "FAIL [%s] frame %lu: ", kind_names[k], frame);
  va_start(ap, fmt);
  vfprintf(c->out, fmt, ap);
  va_end(ap);
  fputc('\n', c->out);
}

PRINTF_LIKE(4, 5)
static void skip(mchk *c, enum mchk_kind k, unsigned long frame,
                 const char *fmt, ...) {
  va_list ap;
  c->n[k][2]++;
  if (!c->verbose) return;
  fprintf(c->out, "SKIP [%s] frame %lu: ", kind_names[k], frame);
  va_start(ap, fmt);
  vfprintf(c->out, fmt, ap);
  va_end(ap);
  fputc('\n', c->out);
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t fnv(uint32_t h, const void *p, size_t n) {
  const uint8_t *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 16777619u;
  return h;
}

static int endp_eq(const endp *a, const endp *b) {
  return a->port == b->port && mptcp_ipaddr_equal(&a->addr, &b->addr);
}

static int endp_cmp(const endp *a, const endp *b) {
  int r = memcmp(&a->addr, &b->addr, sizeof a->addr);
  if (r) return r;
  return (int)a->port - (int)b->port;
}

static uint32_t endp_hash(uint32_t h, const endp *e) {
  h = fnv(h, &e->addr.family, 1);
  h = fnv(h, e->addr.a, sizeof e->addr.a);
  uint8_t p[2] = {(uint8_t)(e->port >> 8), (uint8_t)e->port};
  return fnv(h, p, 2);
}

static uint32_t tuple_hash(const endp *a, const endp *b) {
  if (endp_cmp(a, b) > 0) {
    const endp *t = a;
    a = b;
    b = t;
  }
  return endp_hash(endp_hash(2166136261u, a), b) % SF_BUCKETS;
}

/* ------------------------------------------------------------------ */
/* connections                                                         */

static conn *conn_new(mchk *c, int anon) {
  conn *cn = calloc(1, sizeof *cn);
  if (!cn) {
    c->oom++;
    return NULL;
  }
  cn->id = ++c->n_conns;
  cn->anon = anon;
  cn->version = -1;
  cn->next = c->conns;
  c->conns = cn;
  return cn;
}

/* Token and IDSN of each side whose key and the version are known. */
static void conn_derive(conn *cn) {
  if (cn->version < 0) return;
  for (int s = 0; s < 2; s++) {
    if (!cn->have_key[s] || cn->derived[s]) continue;
    if (mptcp_crypto_key_derive(cn->version, cn->key[s], &cn->token[s],
                                &cn->idsn[s]) == 0)
      cn->derived[s] = 1;
  }
}

static void conn_set_version(conn *cn, int version) {
  if (cn->version == version) return;
  cn->version = version;
  cn->derived[0] = cn->derived[1] = 0; /* hash changes with the version */
  conn_derive(cn);
}

/* A copy of side @p s's key seen in @p frame. */
static void conn_key(mchk *c, conn *cn, int s, uint64_t key,
                     unsigned long frame, const char *where) {
  if (!cn->have_key[s]) {
    cn->have_key[s] = 1;
    cn->key[s] = key;
    cn->key_frame[s] = frame;
    conn_derive(cn);
    return;
  }
  if (cn->key[s] == key)
    ok(c, MCHK_KEY);
  else
    fail(c, MCHK_KEY, frame,
         "%s: key of host %c is 0x%016llx, frame %lu said 0x%016llx", where,
         s ? 'B' : 'A', (unsigned long long)key, cn->key_frame[s],
         (unsigned long long)cn->key[s]);
}

/* A DSN mapped by side @p s, or a Data ACK of side @p s's data. */
static void idsn_evidence(conn *cn, int s, uint64_t v, unsigned long frame) {
  if (!cn->derived[s]) return;
  dirck *d = &cn->d[s];
  uint64_t first = cn->idsn[s] + 1;
  if (v == first || (d->have_mpc && v == d->mpc_end)) {
    d->anchored = 1;
    return;
  }
  int64_t delta = (int64_t)(v - first);
  if (!d->any || delta < d->min_delta) {
    d->any = 1;
    d->min_delta = delta;
    d->min_frame = frame;
  }
}

/* Expands a DSN (@p is64 = sent as 64 bits) of side @p s's data space.
 * @return 0 if a 32-bit value has nothing to be expanded against. */
static int expand(conn *cn, int s, int is_ack, uint64_t v, int is64,
                  uint64_t *out) {
  dirck *d = &cn->d[s];
  int *have = is_ack ? &d->have_ack_ref : &d->have_dsn_ref;
  uint64_t *ref = is_ack ? &d->ack_ref : &d->dsn_ref;
  if (is64)
    *out = v;
  else if (*have)
    *out = mptcp_expand_seq(*ref, (uint32_t)v);
  else if (cn->derived[s])
    *out = mptcp_expand_seq(cn->idsn[s] + 1, (uint32_t)v);
  else
    return 0;
  *have = 1;
  *ref = *out;
  return 1;
}

/* ------------------------------------------------------------------ */
/* subflows and their payload                                          */

static subflow *sf_find(mchk *c, const endp *a, const endp *b) {
  for (subflow *s = c->sf_hash[tuple_hash(a, b)]; s; s = s->hnext)
    if ((endp_eq(&s->ep[0], a) && endp_eq(&s->ep[1], b)) ||
        (endp_eq(&s->ep[0], b) && endp_eq(&s->ep[1], a)))
      return s;
  return NULL;
}

static void sf_unhash(mchk *c, subflow *sf) {
  subflow **pp = &c->sf_hash[tuple_hash(&sf->ep[0], &sf->ep[1])];
  while (*pp && *pp != sf) pp = &(*pp)->hnext;
  if (*pp) *pp = sf->hnext;
  sf->hnext = NULL;
  sf->hashed = 0;
}

static subflow *sf_new(mchk *c, const endp *from, const endp *to) {
  subflow *sf = calloc(1, sizeof *sf);
  if (!sf) {
    c->oom++;
    return NULL;
  }
  sf->ep[0] = *from;
  sf->ep[1] = *to;
  uint32_t h = tuple_hash(from, to);
  sf->hnext = c->sf_hash[h];
  c->sf_hash[h] = sf;
  sf->hashed = 1;
  sf->next = c->sf_list;
  c->sf_list = sf;
  return sf;
}

/* The subflow's connection, creating an anonymous one on demand. */
static conn *sf_conn(mchk *c, subflow *sf) {
  if (!sf->cn) {
    sf->cn = conn_new(c, 1);
    sf->side0 = 0;
  }
  return sf->cn;
}

static int store_reserve(mchk *c, bstore *st, size_t need) {
  if (need <= st->cap) return 1;
  size_t cap = st->cap ? st->cap : 65536;
  while (cap < need) cap *= 2;
  uint8_t *d = realloc(st->data, cap);
  if (!d) {
    c->oom++;
    return 0;
  }
  st->data = d;
  uint8_t *h = realloc(st->have, cap / 8);
  if (!h) {
    c->oom++;
    return 0;
  }
  memset(h + st->cap / 8, 0, (cap - st->cap) / 8);
  st->have = h;
  st->cap = cap;
  return 1;
}

static int have_byte(const bstore *st, size_t i) {
  return i < st->cap && (st->have[i / 8] >> (i % 8) & 1);
}

/* Payload at relative sequence @p rel (first byte); keeps the first copy of
 * every byte and reports a retransmission that differs from it. */
static void store_payload(mchk *c, unsigned long frame, bstore *st,
                          uint32_t rel, const uint8_t *p, size_t len) {
  size_t skipn = 0;
  if (rel == 0) { /* the SYN's slot: nothing of the mapping space */
    skipn = 1;
  } else if (rel > UINT32_MAX / 2) { /* before the ISN */
    skipn = (size_t)(UINT32_MAX - rel) + 2;
  }
  if (skipn >= len) return;
  size_t idx = (size_t)(uint32_t)(rel + (uint32_t)skipn) - 1;
  p += skipn;
  len -= skipn;
  if (idx >= STORE_MAX) return;
  if (len > STORE_MAX - idx) len = STORE_MAX - idx;

  size_t overlap = 0, differ = 0, first_diff = 0;
  for (size_t i = 0; i < len; i++)
    if (have_byte(st, idx + i)) {
      if (st->data[idx + i] != p[i] && differ++ == 0) first_diff = i;
      overlap++;
    }
  /* A 1-byte segment over old data is a keepalive or zero-window probe
   * (some stacks put a garbage byte there), not a retransmission. */
  if (overlap == len && len == 1) return;
  if (overlap) {
    if (differ)
      fail(c, MCHK_RETRANS, frame,
           "retransmitted payload differs from the first copy in %zu of "
           "%zu bytes (first at relative seq %zu)",
           differ, overlap, idx + first_diff + 1);
    else
      ok(c, MCHK_RETRANS);
  }
  if (overlap == len) return;
  if (!store_reserve(c, st, idx + len)) return;
  for (size_t i = 0; i < len; i++)
    if (!have_byte(st, idx + i)) {
      st->data[idx + i] = p[i];
      st->have[(idx + i) / 8] |= (uint8_t)(1u << ((idx + i) % 8));
    }
}

/* ------------------------------------------------------------------ */
/* mappings                                                            */

static size_t map_bucket(const mapping *m) {
  uint32_t h = fnv(2166136261u, &m->sf, sizeof m->sf);
  uint8_t k[17];
  for (int i = 0; i < 8; i++) k[i] = (uint8_t)(m->dsn >> (8 * i));
  for (int i = 0; i < 4; i++) k[8 + i] = (uint8_t)(m->ssn >> (8 * i));
  k[12] = (uint8_t)m->dll;
  k[13] = (uint8_t)(m->dll >> 8);
  k[14] = (uint8_t)m->csum;
  k[15] = (uint8_t)(m->csum >> 8);
  k[16] = (uint8_t)(m->dir | m->fin << 1);
  return fnv(h, k, sizeof k) % MAP_BUCKETS;
}

/* Records a checksummed mapping unless the same one was seen already (a
 * mapping may ride on several segments: TSO copies, retransmissions). */
static void map_add(mchk *c, const mapping *m) {
  size_t b = map_bucket(m);
  for (size_t i = c->map_hash[b]; i; i = c->maps[i - 1].hnext) {
    const mapping *o = &c->maps[i - 1];
    if (o->sf == m->sf && o->dir == m->dir && o->dsn == m->dsn &&
        o->ssn == m->ssn && o->dll == m->dll && o->csum == m->csum &&
        o->fin == m->fin)
      return;
  }
  if (c->n_maps == c->cap_maps) {
    size_t cap = c->cap_maps ? c->cap_maps * 2 : 1024;
    mapping *n = realloc(c->maps, cap * sizeof *n);
    if (!n) {
      c->oom++;
      return;
    }
    c->maps = n;
    c->cap_maps = cap;
  }
  c->maps[c->n_maps] = *m;
  c->maps[c->n_maps].hnext = c->map_hash[b];
  c->map_hash[b] = ++c->n_maps;
}

static void map_verify(mchk *c, const mapping *m) {
  const char *what = m->mpc ? "MP_CAPABLE-with-data" : "DSS";
  size_t n = m->dll;
  if (m->fin) n--; /* the DATA_FIN octet is not in subflow space */
  mptcp_dss_csum_state acc;
  mptcp_dss_csum_init(&acc, m->dsn, m->ssn, m->dll);
  if (n > 0) {
    const bstore *st = &m->sf->st[m->dir];
    if (!m->sf->have_base[m->dir]) {
      skip(c, MCHK_DSS_CSUM, m->frame,
           "%s mapping ssn %u: subflow handshake not captured", what, m->ssn);
      return;
    }
    if (m->ssn == 0) {
      fail(c, MCHK_DSS_CSUM, m->frame,
           "%s mapping of %zu bytes at relative ssn 0", what, n);
      return;
    }
    size_t idx = (size_t)m->ssn - 1;
    for (size_t i = 0; i < n; i++)
      if (!have_byte(st, idx + i)) {
        skip(c, MCHK_DSS_CSUM, m->frame,
             "%s mapping ssn %u dll %u: byte at ssn %zu not captured", what,
             m->ssn, m->dll, idx + i + 1);
        return;
      }
    mptcp_dss_csum_add(&acc, st->data + idx, n);
  }
  if (mptcp_dss_csum_check(&acc, m->csum))
    ok(c, MCHK_DSS_CSUM);
  else
    fail(c, MCHK_DSS_CSUM, m->frame,
         "%s checksum 0x%04x, computed 0x%04x (dsn %llu ssn %u dll %u%s)", what,
         m->csum, mptcp_dss_csum_final(&acc), (unsigned long long)m->dsn,
         m->ssn, m->dll, m->fin ? " +FIN" : "");
}

/* A mapping (DSS, or the implied one of MP_CAPABLE-with-data) sent on
 * subflow direction @p dir. */
static void on_mapping(mchk *c, unsigned long frame, subflow *sf, int dir,
                       uint64_t dsn, uint32_t ssn, uint16_t dll, int has_csum,
                       uint16_t csum, int fin, int mpc) {
  conn *cn = sf->cn;
  /* Presence of the checksum field must match the negotiation (RFC 8684
   * 3.3; v0 receivers ignore a field that was not negotiated). */
  if (!cn->anon && cn->csum_known) {
    if (cn->csum && !has_csum)
      fail(c, MCHK_DSS_PRESENCE, frame,
           "%s mapping without checksum, but checksums were negotiated",
           mpc ? "MP_CAPABLE-with-data" : "DSS");
    else if (!cn->csum && has_csum && cn->version == 1)
      fail(c, MCHK_DSS_PRESENCE, frame,
           "%s mapping with a checksum, but checksums were not negotiated",
           mpc ? "MP_CAPABLE-with-data" : "DSS");
    else
      ok(c, MCHK_DSS_PRESENCE);
  }
  if (!has_csum) return;
  if (dll == 0) { /* infinite mapping: its checksum field is not a sum */
    skip(c, MCHK_DSS_CSUM, frame, "infinite mapping");
    return;
  }
  mapping m = {.sf = sf,
               .dir = dir,
               .dsn = dsn,
               .ssn = ssn,
               .dll = dll,
               .csum = csum,
               .fin = (uint8_t)(fin != 0),
               .mpc = (uint8_t)(mpc != 0),
               .frame = frame};
  map_add(c, &m);
}

/* ------------------------------------------------------------------ */
/* per-option handlers                                                 */

/* Turns the anonymous connection of @p sf into a real one whose side
 * @p sender_side sent the MP_CAPABLE just seen on direction @p dir. */
static void conn_promote(conn *cn, subflow *sf, int dir, int sender_side) {
  cn->anon = 0;
  sf->side0 = dir ? 1 - sender_side : sender_side;
  memset(cn->d, 0, sizeof cn->d);
  for (int i = 0; i < 2; i++) {
    int s = i ? 1 - sf->side0 : sf->side0;
    cn->host[s] = sf->ep[i];
  }
}

static void on_mpc(mchk *c, unsigned long frame, subflow *sf, int dir,
                   uint8_t flags, const mptcp_subopt *so) {
  const mptcp_mpc *m = &so->u.mpc;
  int syn = (flags & MPTCP_TH_SYN) != 0, ack = (flags & MPTCP_TH_ACK) != 0;
  conn *cn = sf->cn;
  if (syn && !ack) { /* the SYN made the subflow: a new connection */
    if (!cn || cn->anon) {
      cn = conn_new(c, 0);
      if (!cn) return;
      sf->cn = cn;
      sf->side0 = 0;
      cn->host[0] = sf->ep[0];
      cn->host[1] = sf->ep[1];
    }
    if (cn->version < 0) conn_set_version(cn, m->version);
    if (m->flags & MPTCP_CAP_A) cn->csum = 1;
  } else {
    if (!cn) cn = sf_conn(c, sf);
    if (!cn) return;
    if (cn->anon) /* the SYN is not in the capture: still learn the keys */
      conn_promote(cn, sf, dir, syn ? 1 : 0);
    if (syn) {
      conn_set_version(cn, m->version); /* the responder's choice decides */
      if (m->flags & MPTCP_CAP_A) cn->csum = 1;
      cn->csum_known = 1;
    } else if (cn->version < 0) {
      conn_set_version(cn, m->version);
    }
  }
  int s = dir ? 1 - sf->side0 : sf->side0; /* side of the sender */
  const char *where =
      syn ? (ack ? "MP_CAPABLE SYN/ACK" : "MP_CAPABLE SYN") : "MP_CAPABLE ACK";
  if (m->form != MPTCP_MPC_SYN || (syn && !ack && m->version == 0))
    conn_key(c, cn, s, m->snd_key, frame, where);
  if (m->form == MPTCP_MPC_ACK || m->form == MPTCP_MPC_DATA)
    conn_key(c, cn, 1 - s, m->rcv_key, frame, where);

  if (m->form == MPTCP_MPC_DATA) {
    if (!cn->derived[s]) {
      skip(c, MCHK_DSS_CSUM, frame, "MP_CAPABLE-with-data: unknown version");
      return;
    }
    uint64_t dsn = cn->idsn[s] + 1;
    dirck *d = &cn->d[s];
    d->have_mpc = 1;
    d->mpc_end = dsn + m->dll;
    if (!d->have_dsn_ref) {
      d->have_dsn_ref = 1;
      d->dsn_ref = dsn;
    }
    on_mapping(c, frame, sf, dir, dsn, 1, m->dll, m->has_csum, m->csum, 0, 1);
  }
}

/* Does connection @p cn involve host address @p a? */
static int conn_has_addr(const conn *cn, const mptcp_ipaddr *a) {
  return mptcp_ipaddr_equal(&cn->host[0].addr, a) ||
         mptcp_ipaddr_equal(&cn->host[1].addr, a);
}

static void on_join(mchk *c, unsigned long frame, subflow *sf, int dir,
                    uint8_t flags, const mptcp_subopt *so) {
  const mptcp_join *j = &so->u.join;
  if (j->form == MPTCP_JOIN_SYN) {
    if (!(flags & MPTCP_TH_SYN) || (flags & MPTCP_TH_ACK) || dir != 0) return;
    sf->is_join = 1;
    sf->have_nonce[0] = 1;
    sf->nonce[0] = j->nonce;
    if (sf->cn && !sf->cn->anon) return; /* SYN retransmission */
    int near = 0;
    for (conn *cn = c->conns; cn; cn = cn->next) {
      if (cn->anon) continue;
      for (int s = 0; s < 2; s++)
        if (cn->derived[s] && cn->token[s] == j->token) {
          sf->cn = cn;
          sf->side0 = 1 - s; /* the SYN goes to the token's owner */
          ok(c, MCHK_TOKEN);
          return;
        }
      if ((cn->derived[0] || cn->derived[1]) &&
          (conn_has_addr(cn, &sf->ep[0].addr) ||
           conn_has_addr(cn, &sf->ep[1].addr)))
        near = 1;
    }
    /* Unknown token: wrong if a connection between these hosts is known
     * (the key or token was corrupted); otherwise the connection's
     * handshake may simply precede the capture. */
    if (near)
      fail(c, MCHK_TOKEN, frame,
           "MP_JOIN SYN token 0x%08x matches no connection of these hosts",
           (unsigned)j->token);
    else
      skip(c, MCHK_TOKEN, frame,
           "MP_JOIN SYN token 0x%08x: connection not in capture",
           (unsigned)j->token);
    return;
  }

  conn *cn = sf->cn;
  int synack = j->form == MPTCP_JOIN_SYNACK;
  if (synack) {
    if (dir != 1) return;
    sf->have_nonce[1] = 1;
    sf->nonce[1] = j->nonce;
  } else if (dir != 0) {
    return;
  }
  const char *what = synack ? "MP_JOIN SYN/ACK" : "MP_JOIN third ACK";
  if (!cn || cn->anon || !cn->have_key[0] || !cn->have_key[1] ||
      cn->version < 0) {
    skip(c, MCHK_JOIN_HMAC, frame, "%s: connection keys unknown", what);
    return;
  }
  if (!sf->have_nonce[0] || !sf->have_nonce[1]) {
    skip(c, MCHK_JOIN_HMAC, frame, "%s: nonce not captured", what);
    return;
  }
  int init = sf->side0, resp = 1 - sf->side0;
  uint8_t h[MPTCP_JOIN_HMAC_LEN_V1];
  int r;
  size_t n;
  if (synack) {
    r = mptcp_crypto_join_hmac(cn->version, cn->key[resp], cn->key[init],
                               sf->nonce[1], sf->nonce[0], h);
    n = MPTCP_JOIN_TRUNC_SYNACK;
  } else {
    r = mptcp_crypto_join_hmac(cn->version, cn->key[init], cn->key[resp],
                               sf->nonce[0], sf->nonce[1], h);
    n = MPTCP_JOIN_TRUNC_ACK;
  }
  if (r < 0) {
    skip(c, MCHK_JOIN_HMAC, frame, "%s: %s", what, mptcp_strerror(r));
    return;
  }
  if (memcmp(h, j->hmac, n) == 0) {
    ok(c, MCHK_JOIN_HMAC);
    return;
  }
  char got[41], exp[41];
  for (size_t i = 0; i < n; i++) {
    snprintf(got + 2 * i, 3, "%02x", j->hmac[i]);
    snprintf(exp + 2 * i, 3, "%02x", h[i]);
  }
  fail(c, MCHK_JOIN_HMAC, frame, "%s HMAC %s, expected %s", what, got, exp);
}

static void on_add_addr(mchk *c, unsigned long frame, subflow *sf, int s,
                        const mptcp_subopt *so) {
  const mptcp_add_addr *a = &so->u.add_addr;
  if (a->v0 || a->echo || !a->has_hmac) return; /* nothing to verify */
  conn *cn = sf->cn;
  if (!cn || cn->anon || !cn->have_key[0] || !cn->have_key[1]) {
    skip(c, MCHK_ADD_ADDR_HMAC, frame, "ADD_ADDR: connection keys unknown");
    return;
  }
  if (cn->version != 1) {
    skip(c, MCHK_ADD_ADDR_HMAC, frame, "ADD_ADDR HMAC on a v%d connection",
         cn->version);
    return;
  }
  uint64_t h;
  int r = mptcp_crypto_add_addr_hmac(cn->key[s], cn->key[1 - s], a->addr_id,
                                     &a->addr, a->has_port ? a->port : 0, &h);
  if (r < 0) {
    skip(c, MCHK_ADD_ADDR_HMAC, frame, "ADD_ADDR: %s", mptcp_strerror(r));
    return;
  }
  if (h == a->hmac)
    ok(c, MCHK_ADD_ADDR_HMAC);
  else
    fail(c, MCHK_ADD_ADDR_HMAC, frame,
         "ADD_ADDR id %u HMAC 0x%016llx, expected 0x%016llx", a->addr_id,
         (unsigned long long)a->hmac, (unsigned long long)h);
}

static void on_fastclose(mchk *c, unsigned long frame, subflow *sf, int s,
                         const mptcp_subopt *so) {
  conn *cn = sf->cn;
  if (!cn || cn->anon || !cn->have_key[1 - s]) {
    skip(c, MCHK_FASTCLOSE_KEY, frame, "MP_FASTCLOSE: receiver's key unknown");
    return;
  }
  if (so->u.fastclose_key == cn->key[1 - s])
    ok(c, MCHK_FASTCLOSE_KEY);
  else
    fail(c, MCHK_FASTCLOSE_KEY, frame,
         "MP_FASTCLOSE key 0x%016llx, receiver's key is 0x%016llx",
         (unsigned long long)so->u.fastclose_key,
         (unsigned long long)cn->key[1 - s]);
}

static void on_dss(mchk *c, unsigned long frame, subflow *sf, int dir, int s,
                   const mptcp_subopt *so) {
  const mptcp_dss *d = &so->u.dss;
  conn *cn = sf_conn(c, sf);
  if (!cn) return;
  uint64_t v;
  if (d->flags & MPTCP_DSS_A) { /* acknowledges the other side's data */
    if (expand(cn, 1 - s, 1, d->data_ack, (d->flags & MPTCP_DSS_a) != 0, &v))
      idsn_evidence(cn, 1 - s, v, frame);
  }
  if (!(d->flags & MPTCP_DSS_M)) return;
  if (!expand(cn, s, 0, d->dsn, (d->flags & MPTCP_DSS_m) != 0, &v)) {
    if (d->has_csum)
      skip(c, MCHK_DSS_CSUM, frame,
           "32-bit DSN %llu: no reference to expand it (keys not captured)",
           (unsigned long long)d->dsn);
    return;
  }
  if (d->dll != 0) idsn_evidence(cn, s, v, frame);
  on_mapping(c, frame, sf, dir, v, d->ssn, d->dll, d->has_csum, d->csum,
             (d->flags & MPTCP_DSS_F) != 0, 0);
}

/* ------------------------------------------------------------------ */
/* entry points                                                        */

mchk *mchk_new(FILE *out, int verbose) {
  mchk *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->out = out;
  c->verbose = verbose;
  return c;
}

void mchk_free(mchk *c) {
  if (!c) return;
  for (subflow *sf = c->sf_list, *n; sf; sf = n) {
    n = sf->next;
    for (int i = 0; i < 2; i++) {
      free(sf->st[i].data);
      free(sf->st[i].have);
    }
    free(sf);
  }
  for (conn *cn = c->conns, *n; cn; cn = n) {
    n = cn->next;
    free(cn);
  }
  free(c->maps);
  free(c);
}

void mchk_frame(mchk *c, unsigned long frame, const uint8_t *ip, size_t caplen,
                size_t wirelen) {
  (void)wirelen;
  if (caplen < 20 || ip[0] >> 4 != 4) return;
  size_t ihl = (size_t)(ip[0] & 0x0F) * 4;
  if (ihl < 20 || ihl > caplen) return; /* the parser reports it */
  if (mptcp_csum_finish(mptcp_csum_partial(ip, ihl, 0)) == 0)
    ok(c, MCHK_IP_CSUM);
  else
    fail(c, MCHK_IP_CSUM, frame, "IPv4 header checksum 0x%04x is wrong",
         rd16(ip + 10));
}

void mchk_bad_packet(mchk *c, unsigned long frame, int err, int snapped) {
  if (snapped)
    skip(c, MCHK_PKT, frame, "headers cut by the snap length");
  else
    fail(c, MCHK_PKT, frame, "%s", mptcp_strerror(err));
}

/* One's-complement sum of the TCP pseudo-header. */
static uint32_t pseudo_sum(const mptcp_pkt *p) {
  uint8_t ph[40];
  size_t n;
  if (p->ip_version == 4) {
    memcpy(ph, p->src.a, 4);
    memcpy(ph + 4, p->dst.a, 4);
    ph[8] = 0;
    ph[9] = 6;
    ph[10] = (uint8_t)(p->tcp_len >> 8);
    ph[11] = (uint8_t)p->tcp_len;
    n = 12;
  } else {
    memcpy(ph, p->src.a, 16);
    memcpy(ph + 16, p->dst.a, 16);
    ph[32] = (uint8_t)(p->tcp_len >> 24);
    ph[33] = (uint8_t)(p->tcp_len >> 16);
    ph[34] = (uint8_t)(p->tcp_len >> 8);
    ph[35] = (uint8_t)p->tcp_len;
    ph[36] = ph[37] = ph[38] = 0;
    ph[39] = 6;
    n = 40;
  }
  return mptcp_csum_partial(ph, n, 0);
}

static void check_tcp_csum(mchk *c, unsigned long frame, const mptcp_pkt *p) {
  if (mptcp_tcp_csum(&p->src, &p->dst, p->tcp, p->tcp_len) == 0) {
    ok(c, MCHK_TCP_CSUM);
    return;
  }
  /* Captured before checksum offload: a sender using CHECKSUM_PARTIAL
   * (Linux tx offload, also veth) hands the packet to the capture point with
   * the checksum field holding only the folded pseudo-header sum, which the
   * NIC completes later. The field then equals exactly that sum (1 chance in
   * 65536 for random damage), so such a segment tells nothing about its
   * bytes either way: report it, do not fail. */
  uint16_t ph = (uint16_t)~mptcp_csum_finish(pseudo_sum(p));
  if (p->tcp_csum == ph || (ph == 0xFFFF && p->tcp_csum == 0)) {
    c->offloaded++;
    skip(c, MCHK_TCP_CSUM, frame,
         "checksum field holds the pseudo-header sum (captured before "
         "checksum offload)");
    return;
  }
  uint16_t field = p->tcp_csum;
  fail(c, MCHK_TCP_CSUM, frame, "TCP checksum 0x%04x is wrong", field);
}

void mchk_segment(mchk *c, unsigned long frame, const mptcp_pkt *pkt,
                  const mptcp_tcpopts *opts, int complete) {
  if (complete)
    check_tcp_csum(c, frame, pkt);
  else
    skip(c, MCHK_TCP_CSUM, frame, "payload cut by the snap length");

  int bad = opts->n_malformed;
  for (unsigned i = 0; i < opts->n_mptcp; i++) {
    uint8_t st = opts->mptcp[i].status;
    if (st != MPTCP_SUBOPT_OK && st != MPTCP_SUBOPT_UNKNOWN) bad++;
  }
  if (bad)
    fail(c, MCHK_OPTS, frame, "%d malformed option(s)", bad);
  else if (opts->n_mptcp)
    ok(c, MCHK_OPTS);

  endp src = {pkt->src, pkt->sport}, dst = {pkt->dst, pkt->dport};
  uint8_t fl = pkt->tcp_flags;
  int syn = (fl & MPTCP_TH_SYN) != 0, ack = (fl & MPTCP_TH_ACK) != 0;
  subflow *sf = sf_find(c, &src, &dst);
  if (syn && !ack) {
    if (sf && !(endp_eq(&sf->ep[0], &src) && sf->have_base[0] &&
                sf->base[0] == pkt->seq + pkt->payload_len))
      sf_unhash(c, sf); /* a new connection reusing the 4-tuple */
    if (!sf || !sf->hashed) sf = sf_new(c, &src, &dst);
  } else if (!sf) {
    sf = sf_new(c, &src, &dst);
  }
  if (!sf) return;
  int dir = endp_eq(&sf->ep[0], &src) ? 0 : 1;
  if (syn && !sf->have_base[dir]) {
    sf->have_base[dir] = 1;
    sf->base[dir] = pkt->seq + (uint32_t)pkt->payload_len;
  }

  for (unsigned i = 0; i < opts->n_mptcp; i++) {
    const mptcp_subopt *so = &opts->mptcp[i];
    if (so->status != MPTCP_SUBOPT_OK) continue;
    if (so->subtype == MPTCP_SUB_CAPABLE) {
      on_mpc(c, frame, sf, dir, fl, so);
    } else if (so->subtype == MPTCP_SUB_JOIN) {
      on_join(c, frame, sf, dir, fl, so);
    } else {
      if (!sf_conn(c, sf)) continue;
      int s = dir ? 1 - sf->side0 : sf->side0;
      if (so->subtype == MPTCP_SUB_DSS)
        on_dss(c, frame, sf, dir, s, so);
      else if (so->subtype == MPTCP_SUB_ADD_ADDR)
        on_add_addr(c, frame, sf, s, so);
      else if (so->subtype == MPTCP_SUB_FASTCLOSE)
        on_fastclose(c, frame, sf, s, so);
    }
  }

  if (pkt->payload_len && !syn && sf->have_base[dir])
    store_payload(c, frame, &sf->st[dir], pkt->seq - sf->base[dir],
                  pkt->payload, pkt->payload_len);
}

static void idsn_verdicts(mchk *c) {
  for (conn *cn = c->conns; cn; cn = cn->next) {
    if (cn->anon) continue;
    for (int s = 0; s < 2; s++) {
      const dirck *d = &cn->d[s];
      char host = s ? 'B' : 'A';
      if (!cn->derived[s]) {
        if (cn->have_key[s] || cn->version >= 0)
          skip(c, MCHK_IDSN, 0,
               "connection %u host %c: key or version "
               "unknown",
               cn->id, host);
        continue;
      }
      if (d->anchored) {
        ok(c, MCHK_IDSN);
      } else if (!d->any) {
        skip(c, MCHK_IDSN, 0,
             "connection %u host %c: no data sequence number seen", cn->id,
             host);
      } else if (d->min_delta < 0 || d->min_delta >= (int64_t)IDSN_SLACK) {
        fail(c, MCHK_IDSN, d->min_frame,
             "connection %u host %c: IDSN %llu (key 0x%016llx) does not "
             "match its data sequence numbers (lowest is IDSN+1%+lld)",
             cn->id, host, (unsigned long long)cn->idsn[s],
             (unsigned long long)cn->key[s], (long long)d->min_delta);
      } else {
        skip(c, MCHK_IDSN, d->min_frame,
             "connection %u host %c: first data sequence number not in "
             "capture",
             cn->id, host);
      }
    }
  }
}

unsigned long mchk_finish(mchk *c) {
  for (size_t i = 0; i < c->n_maps; i++) map_verify(c, &c->maps[i]);
  idsn_verdicts(c);

  unsigned long bad = 0;
  for (int k = 0; k < MCHK_KIND_COUNT; k++) {
    fprintf(c->out, "summary: %-18s %lu valid, %lu invalid, %lu unchecked",
            kind_names[k], c->n[k][0], c->n[k][1], c->n[k][2]);
    if (k == MCHK_TCP_CSUM)
      fprintf(c->out, " (%lu captured before checksum offload)", c->offloaded);
    fputc('\n', c->out);
    bad += c->n[k][1];
  }
  if (c->oom)
    fprintf(c->out,
            "warning: out of memory %lu time(s): some items were "
            "not checked\n",
            c->oom);
  if (bad)
    fprintf(c->out, "result: FAIL (%lu invalid)\n", bad);
  else
    fprintf(c->out, "result: OK (nothing invalid)\n");
  return bad;
}
