/*
 * fuzz_opts: the TCP option area codec (mptcp_tcpopts_parse/write) and every
 * MPTCP suboption codec (mptcp_subopt_parse/write/format).
 *
 * Input layout (fuzz/make_corpus.py writes seeds in it):
 *   byte 0     TCP flags of the segment (MPTCP_TH_*)
 *   byte 1     version: low two bits 0 -> v0, 1 -> v1, 2/3 -> ANY
 *   byte 2     MP_PREFER_PROXY subtype: bit 7 set -> 0xFF (not recognised),
 *              else the low nibble
 *   bytes 3-4  TCP payload length, big-endian
 *   the rest   the option area (only the first 40 bytes are used)
 *
 * Oracle (any violation aborts):
 *   - every MPTCP suboption parsed with status OK re-encodes with
 *     mptcp_subopt_write to exactly mptcp_subopt_size() bytes and re-parses
 *     (same context) with status OK to an equal value (mptcp_subopt_equal);
 *   - mptcp_tcpopts_write of the parsed struct either reports NOSPACE (our
 *     layout pads every option to 32 bits, so it can exceed 40 bytes) or
 *     writes mptcp_tcpopts_size() bytes, a multiple of 4, which re-parse to
 *     the same MSS/WS/SACK-permitted/SACK/TS/TFO/unknown options and the same
 *     OK suboptions in the same order, with nothing malformed;
 *   - mptcp_tcpopts_fit() leaves a struct that fits its budget;
 *   - mptcp_subopt_format is NUL-terminated and truncates consistently.
 *
 * SPDX-License-Identifier: MIT
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mptcp_parse_ctx ctx;
  if (size < FUZZ_OPTS_CTX_LEN) return 0;
  fuzz_opts_ctx(data, &ctx);
  fuzz_check_opt_area(data + FUZZ_OPTS_CTX_LEN, size - FUZZ_OPTS_CTX_LEN, &ctx);
  return 0;
}
