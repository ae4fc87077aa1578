/*
 * libmptcp fuzz harnesses: shared declarations.
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_FUZZ_H
#define MPTCP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <mptcp/mptcp.h>

/* libFuzzer entry point, implemented by every fuzz_*.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An oracle violation: say what and where, then abort() so that libFuzzer
 * (and the replay runner, through the signal) records a crash. */
#define FUZZ_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: oracle violated: %s\n", __FILE__, __LINE__,      \
              #cond);                                                          \
      abort();                                                                 \
    }                                                                          \
  } while (0)

/* Header of a fuzz_opts input; see fuzz_opts.c. */
#define FUZZ_OPTS_CTX_LEN 5

/* Decodes the FUZZ_OPTS_CTX_LEN context bytes at @p in into @p ctx and
 * returns the MP_PREFER_PROXY subtype to write with. */
uint8_t fuzz_opts_ctx(const uint8_t *in, mptcp_parse_ctx *ctx);

/* The option-area oracle (fuzz_opts.c's, shared with fuzz_pkt.c): parses
 * @p len (<= 40) bytes with @p ctx and checks that what parsed re-encodes
 * and re-parses to the same value. Aborts on a violation. */
void fuzz_check_opt_area(const uint8_t *opt, size_t len,
                         const mptcp_parse_ctx *ctx);

#endif
