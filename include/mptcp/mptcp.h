/*
 * libmptcp - a portable, sans-IO Multipath TCP stack.
 * Umbrella header: include this one.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_MPTCP_H
#define MPTCP_MPTCP_H

#include <mptcp/common.h>
#include <mptcp/codec.h>
#include <mptcp/convert.h>
#include <mptcp/counters.h>
#include <mptcp/crypto.h>
#include <mptcp/ops.h>
#include <mptcp/stack.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MPTCP_LIB_VERSION_MAJOR 0
#define MPTCP_LIB_VERSION_MINOR 1
#define MPTCP_LIB_VERSION_PATCH 0

/** "major.minor.patch" of the library actually linked. */
MPTCP_API const char *mptcp_version_string(void);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_MPTCP_H */
