/*
 * libmptcp - common types, export macro, error codes.
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_COMMON_H
#define MPTCP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol exported from the shared library (built with
 *  -fvisibility=hidden). */
#if defined(MPTCP_BUILDING_LIB) && defined(__GNUC__)
#define MPTCP_API __attribute__((visibility("default")))
#else
#define MPTCP_API
#endif

/** Microseconds on the caller's monotonic clock. */
typedef uint64_t mptcp_tstamp;
/** "No deadline". */
#define MPTCP_TSTAMP_NONE UINT64_MAX

/** A length, or a negative MPTCP_ERR_* code. */
typedef ptrdiff_t mptcp_ssize;

/* Error codes. -2xx are recoverable, -5xx fatal for the object involved. */
#define MPTCP_ERR_INVALID_ARG (-201) /**< a parameter is out of range */
#define MPTCP_ERR_NOBUF (-202)       /**< destination buffer too small */
#define MPTCP_ERR_TRUNCATED                                                    \
  (-203) /**< input ends before the data it announces */
#define MPTCP_ERR_MALFORMED (-204) /**< input violates the wire format */
#define MPTCP_ERR_UNSUPPORTED                                                  \
  (-205) /**< well-formed but of a kind we do not handle */
#define MPTCP_ERR_CHECKSUM (-206)    /**< IP or TCP checksum mismatch */
#define MPTCP_ERR_NOT_TCP (-207)     /**< IP packet does not carry TCP */
#define MPTCP_ERR_FRAGMENT (-208)    /**< IP fragment: no complete TCP header */
#define MPTCP_ERR_NOSPACE (-209)     /**< TCP options do not fit in 40 bytes */
#define MPTCP_ERR_NOT_PRESENT (-210) /**< the looked-for element is absent */
#define MPTCP_ERR_VERSION (-211)     /**< unsupported protocol version */
#define MPTCP_ERR_WOULDBLOCK (-212)  /**< buffer full: retry after an event */
#define MPTCP_ERR_EOF (-213)         /**< the peer closed its direction */
#define MPTCP_ERR_CLOSED (-214)      /**< connection shut down or reset */
#define MPTCP_ERR_EXISTS (-215)      /**< the key/token/address is in use */
#define MPTCP_ERR_NOMEM (-501)       /**< allocator hook failed */
#define MPTCP_ERR_CALLBACK_FAILURE (-502) /**< a hook reported failure */
#define MPTCP_ERR_CRYPTO (-503)           /**< libcrypto failed */

/**
 * Returns a static, human-readable description of @p err (any value;
 * unknown codes give "unknown error"). Never NULL.
 */
MPTCP_API const char *mptcp_strerror(int err);

/** Returns 1 if @p err is fatal (-5xx), 0 otherwise. */
MPTCP_API int mptcp_err_is_fatal(int err);

/** Address families of mptcp_ipaddr. */
#define MPTCP_AF_NONE 0
#define MPTCP_AF_INET 4
#define MPTCP_AF_INET6 6

/** An IPv4 or IPv6 address in network byte order. IPv4 uses a[0..3] and
 *  leaves a[4..15] zero, so two addresses compare equal with memcmp. */
typedef struct mptcp_ipaddr {
  uint8_t family; /**< MPTCP_AF_INET or MPTCP_AF_INET6 */
  uint8_t a[16];
} mptcp_ipaddr;

/** Length in bytes of @p addr's family (4, 16, or 0). */
MPTCP_API size_t mptcp_ipaddr_len(const mptcp_ipaddr *addr);

/** 1 if @p a and @p b hold the same family and address. */
MPTCP_API int mptcp_ipaddr_equal(const mptcp_ipaddr *a, const mptcp_ipaddr *b);

/**
 * 1 if @p addr must never be a connection target: unspecified, loopback,
 * multicast, IPv4 limited broadcast (RFC 6890), IPv6 multicast. Used for
 * MP_CONVERT and RFC 8803 Connect destinations.
 */
MPTCP_API int mptcp_ipaddr_is_forbidden(const mptcp_ipaddr *addr);

/**
 * Random-bytes hook: fill @p dst with @p n unpredictable bytes. NULL in any
 * setting means libcrypto's RAND_bytes.
 */
typedef void (*mptcp_rand_fn)(uint8_t *dst, size_t n, void *user_data);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_COMMON_H */
