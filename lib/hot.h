/* Inlining for the per-segment paths: MPTCP_HOT_INLINE functions are
 * inlined into each caller even where the compiler doubts it pays
 * (GCC/clang; other compilers decide themselves).
 * SPDX-License-Identifier: MIT */
#ifndef MPTCP_HOT_H
#define MPTCP_HOT_H

#if defined(__GNUC__)
#define MPTCP_HOT_INLINE __attribute__((always_inline)) inline
#else
#define MPTCP_HOT_INLINE inline
#endif

#endif
