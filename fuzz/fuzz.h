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

/* A FuzzedDataProvider-style reader for stateful targets: takes bytes off
 * the front of the input. Past the end every read yields zeros, so a
 * truncated input is still a valid (shorter) program. */
typedef struct fuzz_reader {
  const uint8_t *p;
  size_t n;
} fuzz_reader;

static inline void fuzz_reader_init(fuzz_reader *r, const uint8_t *data,
                                    size_t size) {
  r->p = data;
  r->n = size;
}

/* 1 while unread bytes remain. */
static inline int fuzz_more(const fuzz_reader *r) { return r->n > 0; }

static inline uint8_t fuzz_u8(fuzz_reader *r) {
  if (r->n == 0) return 0;
  r->n--;
  return *r->p++;
}

/* Big-endian, like the wire. */
static inline uint16_t fuzz_u16(fuzz_reader *r) {
  uint16_t hi = fuzz_u8(r);
  return (uint16_t)(hi << 8 | fuzz_u8(r));
}

static inline uint32_t fuzz_u32(fuzz_reader *r) {
  uint32_t hi = fuzz_u16(r);
  return hi << 16 | fuzz_u16(r);
}

/* Copies @p n bytes into @p dst, zero-filling what the input lacks. */
static inline void fuzz_bytes(fuzz_reader *r, uint8_t *dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = fuzz_u8(r);
}

#endif
