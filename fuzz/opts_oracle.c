/*
 * The option-area oracle of fuzz_opts (also used by fuzz_pkt): see the
 * comment at the top of fuzz_opts.c.
 * SPDX-License-Identifier: MIT
 */
#include "fuzz.h"

#include <string.h>

uint8_t fuzz_opts_ctx(const uint8_t *in, mptcp_parse_ctx *ctx) {
  static const uint8_t versions[4] = {MPTCP_VERSION_0, MPTCP_VERSION_1,
                                      MPTCP_VERSION_ANY, MPTCP_VERSION_ANY};
  mptcp_parse_ctx_init(ctx, in[0], ((size_t)in[3] << 8) | in[4]);
  ctx->version = versions[in[1] & 3u];
  ctx->prefer_proxy_subtype = (in[2] & 0x80u) ? 0xFF : (uint8_t)(in[2] & 0x0Fu);
  return ctx->prefer_proxy_subtype;
}

static void check_format(const mptcp_subopt *so) {
  char big[512], small[8];
  int n = mptcp_subopt_format(so, big, sizeof big);
  FUZZ_CHECK(n >= 0 && (size_t)n < sizeof big);
  FUZZ_CHECK(strlen(big) == (size_t)n);
  memset(small, 'x', sizeof small);
  int m = mptcp_subopt_format(so, small, sizeof small);
  FUZZ_CHECK(m == n);
  FUZZ_CHECK(strlen(small) ==
             ((size_t)n < sizeof small ? (size_t)n : sizeof small - 1));
  FUZZ_CHECK(strncmp(small, big, sizeof small - 1) == 0);
  FUZZ_CHECK(mptcp_subopt_name(so->subtype) != NULL);
}

/* One OK suboption: write, size, re-parse, compare. */
static void check_subopt(const mptcp_subopt *so, const mptcp_parse_ctx *ctx) {
  uint8_t buf[64];
  mptcp_subopt back;
  uint8_t pps = ctx->prefer_proxy_subtype;

  mptcp_ssize sz = mptcp_subopt_size(so);
  FUZZ_CHECK(sz >= 3 && sz <= MPTCP_TCP_OPT_MAX);
  /* Too small a buffer is refused without writing past it. */
  FUZZ_CHECK(mptcp_subopt_write(so, pps, buf, (size_t)sz - 1) ==
             MPTCP_ERR_NOBUF);
  mptcp_ssize w = mptcp_subopt_write(so, pps, buf, sizeof buf);
  FUZZ_CHECK(w == sz);
  FUZZ_CHECK(buf[0] == MPTCP_TCPOPT_KIND && buf[1] == (uint8_t)w);
  /* A suboption that was valid on the wire keeps its length. */
  FUZZ_CHECK((size_t)w == so->len);

  mptcp_subopt_parse(buf, (size_t)w, ctx, &back);
  FUZZ_CHECK(back.status == MPTCP_SUBOPT_OK);
  FUZZ_CHECK(back.subtype == so->subtype);
  FUZZ_CHECK(mptcp_subopt_equal(so, &back));
  FUZZ_CHECK(mptcp_subopt_equal(&back, so));
}

static void check_same_area(const mptcp_tcpopts *a, const mptcp_tcpopts *b) {
  FUZZ_CHECK(b->n_malformed == 0 && b->n_mptcp_bad == 0);
  FUZZ_CHECK(a->present == b->present);
  if (a->present & MPTCP_HAS_MSS) FUZZ_CHECK(a->mss == b->mss);
  if (a->present & MPTCP_HAS_WSCALE) FUZZ_CHECK(a->wscale == b->wscale);
  if (a->present & MPTCP_HAS_TS)
    FUZZ_CHECK(a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr);
  if (a->present & MPTCP_HAS_SACK) {
    FUZZ_CHECK(a->n_sack == b->n_sack);
    for (unsigned i = 0; i < a->n_sack; i++)
      FUZZ_CHECK(a->sack[i].left == b->sack[i].left &&
                 a->sack[i].right == b->sack[i].right);
  }
  if (a->present & MPTCP_HAS_TFO) {
    FUZZ_CHECK(a->tfo_len == b->tfo_len);
    FUZZ_CHECK(memcmp(a->tfo_cookie, b->tfo_cookie, a->tfo_len) == 0);
  }
  FUZZ_CHECK(a->n_unknown == b->n_unknown);
  for (unsigned i = 0; i < a->n_unknown; i++) {
    FUZZ_CHECK(a->unknown[i].kind == b->unknown[i].kind);
    FUZZ_CHECK(a->unknown[i].len == b->unknown[i].len);
    FUZZ_CHECK(memcmp(a->unknown[i].data, b->unknown[i].data,
                      a->unknown[i].len - 2u) == 0);
  }
  /* The OK suboptions of a, in order, are exactly those of b. */
  unsigned j = 0;
  for (unsigned i = 0; i < a->n_mptcp; i++) {
    if (a->mptcp[i].status != MPTCP_SUBOPT_OK) continue;
    FUZZ_CHECK(j < b->n_mptcp);
    FUZZ_CHECK(mptcp_subopt_equal(&a->mptcp[i], &b->mptcp[j]));
    j++;
  }
  FUZZ_CHECK(j == b->n_mptcp);
}

void fuzz_check_opt_area(const uint8_t *opt, size_t len,
                         const mptcp_parse_ctx *ctx) {
  mptcp_tcpopts o, back, fitted;
  uint8_t buf[MPTCP_TCP_OPT_MAX + 8];
  uint8_t pps = ctx->prefer_proxy_subtype;

  if (len > MPTCP_TCP_OPT_MAX) len = MPTCP_TCP_OPT_MAX;
  mptcp_tcpopts_parse(opt, len, ctx, &o);
  FUZZ_CHECK(o.n_mptcp <= MPTCP_SUBOPTS_MAX);
  FUZZ_CHECK(o.n_unknown <= MPTCP_UNKNOWN_OPTS_MAX);
  FUZZ_CHECK(o.n_sack <= MPTCP_SACK_MAX);
  FUZZ_CHECK(o.n_mptcp_bad <= o.n_mptcp);

  unsigned bad = 0;
  for (unsigned i = 0; i < o.n_mptcp; i++) {
    const mptcp_subopt *so = &o.mptcp[i];
    check_format(so);
    FUZZ_CHECK(so->raw_len <= sizeof so->raw);
    if (so->status == MPTCP_SUBOPT_OK)
      check_subopt(so, ctx);
    else
      bad++;
  }
  FUZZ_CHECK(bad == o.n_mptcp_bad);

  mptcp_ssize sz = mptcp_tcpopts_size(&o, pps);
  FUZZ_CHECK(sz >= 0);
  mptcp_ssize w = mptcp_tcpopts_write(&o, pps, buf, sizeof buf);
  if (sz > MPTCP_TCP_OPT_MAX) {
    FUZZ_CHECK(w == MPTCP_ERR_NOSPACE);
  } else {
    FUZZ_CHECK(w == sz);
    FUZZ_CHECK(w % 4 == 0);
    if (w > 0)
      FUZZ_CHECK(mptcp_tcpopts_write(&o, pps, buf, (size_t)w - 1) ==
                 MPTCP_ERR_NOBUF);
    mptcp_tcpopts_parse(buf, (size_t)w, ctx, &back);
    check_same_area(&o, &back);
  }

  /* The planner: whatever it keeps must fit the budget; a struct that
   * already fits comes back untouched (mask 0). */
  memcpy(&fitted, &o, sizeof o);
  int mask = mptcp_tcpopts_fit(&fitted, MPTCP_TCP_OPT_MAX, pps);
  if (mask >= 0) {
    mptcp_ssize fsz = mptcp_tcpopts_size(&fitted, pps);
    FUZZ_CHECK(fsz >= 0 && fsz <= MPTCP_TCP_OPT_MAX);
    if (sz <= MPTCP_TCP_OPT_MAX)
      FUZZ_CHECK(mask == 0);
    else
      FUZZ_CHECK(mask != 0);
  } else {
    FUZZ_CHECK(mask == MPTCP_ERR_NOSPACE);
  }
}
