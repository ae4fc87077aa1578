/* Counter names and the codec verdict -> counter mapping.
 * SPDX-License-Identifier: MIT */
#include <mptcp/codec.h>
#include <mptcp/counters.h>

#include <string.h>

static const char *const counter_names[MPTCP_CTR_COUNT] = {
#define MPTCP_COUNTER_NAME_(name, text) text,
    MPTCP_COUNTER_LIST(MPTCP_COUNTER_NAME_)
#undef MPTCP_COUNTER_NAME_
};

MPTCP_API const char *mptcp_counter_name(size_t i) {
  return i < MPTCP_CTR_COUNT ? counter_names[i] : NULL;
}

MPTCP_API int mptcp_counter_find(const char *name) {
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++)
    if (strcmp(counter_names[i], name) == 0) return (int)i;
  return -1;
}

MPTCP_API enum mptcp_counter mptcp_counter_for_pkt_err(int err) {
  switch (err) {
  case MPTCP_ERR_TRUNCATED: return MPTCP_CTR_PKT_TRUNCATED;
  case MPTCP_ERR_NOT_TCP: return MPTCP_CTR_PKT_NOT_TCP;
  case MPTCP_ERR_FRAGMENT: return MPTCP_CTR_PKT_FRAGMENT;
  case MPTCP_ERR_CHECKSUM: return MPTCP_CTR_PKT_CSUM_ERR;
  default: return MPTCP_CTR_PKT_MALFORMED;
  }
}

static enum mptcp_counter counter_for_subtype(uint8_t subtype) {
  switch (subtype) {
  case MPTCP_SUB_CAPABLE: return MPTCP_CTR_MPC_MALFORMED;
  case MPTCP_SUB_JOIN: return MPTCP_CTR_JOIN_MALFORMED;
  case MPTCP_SUB_DSS: return MPTCP_CTR_DSS_MALFORMED;
  case MPTCP_SUB_ADD_ADDR: return MPTCP_CTR_ADD_ADDR_MALFORMED;
  case MPTCP_SUB_REMOVE_ADDR: return MPTCP_CTR_RM_ADDR_MALFORMED;
  case MPTCP_SUB_PRIO: return MPTCP_CTR_PRIO_MALFORMED;
  case MPTCP_SUB_FAIL: return MPTCP_CTR_FAIL_MALFORMED;
  case MPTCP_SUB_FASTCLOSE: return MPTCP_CTR_FASTCLOSE_MALFORMED;
  case MPTCP_SUB_TCPRST: return MPTCP_CTR_TCPRST_MALFORMED;
  case MPTCP_SUB_PREFER_PROXY: return MPTCP_CTR_PREFER_PROXY_MALFORMED;
  case 0xff: return MPTCP_CTR_TCPOPT_MALFORMED; /* too short for a subtype */
  default: return MPTCP_CTR_MPTCP_OPT_UNKNOWN;
  }
}

MPTCP_API void mptcp_counters_add_opts(mptcp_counters *c,
                                       const struct mptcp_tcpopts *o) {
  c->v[MPTCP_CTR_TCPOPT_MALFORMED] += o->n_malformed;
  for (unsigned i = 0; i < o->n_mptcp && i < MPTCP_SUBOPTS_MAX; i++) {
    const mptcp_subopt *so = &o->mptcp[i];
    if (so->status == MPTCP_SUBOPT_UNKNOWN)
      c->v[MPTCP_CTR_MPTCP_OPT_UNKNOWN]++;
    else if (so->status != MPTCP_SUBOPT_OK)
      c->v[counter_for_subtype(so->subtype)]++;
  }
}
