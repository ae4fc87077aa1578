/*
 * libmptcp - proxy-extension codecs carried in SYN payloads:
 * the MP_CONVERT Information Element (draft-boucadair-mptcp-plain-mode-10
 * §5.1) and the RFC 8803 Convert message (fixed header + TLVs).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_CONVERT_H
#define MPTCP_CONVERT_H

#include <mptcp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------- MP_CONVERT (plain mode) ---------------- */

#define MPTCP_MPCONVERT_MAGIC 0xFAA8FAA8u
#define MPTCP_MPCONVERT_TYPE_ADDR 0
#define MPTCP_MPCONVERT_FLAG_D 0x0002u /**< address is the flow's source */
#define MPTCP_MPCONVERT_FLAG_M 0x0001u /**< last IE (inverted "more") */
/* Legal Length values of a type-0 IE (bytes, magic and padding excluded). */
#define MPTCP_MPCONVERT_LEN_MIN 4
#define MPTCP_MPCONVERT_LEN_V4 8
#define MPTCP_MPCONVERT_LEN_V4_PORT 10
#define MPTCP_MPCONVERT_LEN_V6 20
#define MPTCP_MPCONVERT_LEN_V6_PORT 22
#define MPTCP_MPCONVERT_IE_MAX 2      /**< type-0 IEs per SYN */
#define MPTCP_MPCONVERT_SKIPPED_MAX 8 /**< unknown-type IEs tolerated */

typedef struct mptcp_mpconvert_ie {
  uint8_t type;   /**< MPTCP_MPCONVERT_TYPE_ADDR */
  uint16_t flags; /**< D and M bits; reserved bits as received */
  mptcp_ipaddr addr;
  uint8_t has_port;
  uint16_t port;
} mptcp_mpconvert_ie;

/** Every IE at the start of a SYN payload. */
typedef struct mptcp_mpconvert {
  uint8_t n; /**< type-0 IEs found */
  mptcp_mpconvert_ie ie[MPTCP_MPCONVERT_IE_MAX];
  uint8_t n_skipped; /**< IEs of unknown type skipped by their Length */
  size_t consumed;   /**< bytes of IEs incl. padding; app data follows */
} mptcp_mpconvert;

/**
 * Parses the IEs at the start of @p p. Every IE must start with the magic;
 * the chain ends at the IE with M=1. A chain of only unknown-type IEs parses
 * with n = 0: callers must look for the type-0 destination IE themselves.
 * Forbidden addresses (mptcp_ipaddr_is_forbidden) are not rejected here.
 * @return 0; MPTCP_ERR_NOT_PRESENT (no magic at offset 0, or fewer than 4
 * bytes: plain payload); MPTCP_ERR_INVALID_ARG (NULL out, or NULL p with a
 * non-zero len);
 * MPTCP_ERR_TRUNCATED (an IE or its padding runs past @p len, or no IE has
 * M=1); MPTCP_ERR_MALFORMED (Length < 4, type-0 Length not 8/10/20/22,
 * more than two type-0 IEs, two with the same D bit, a later IE without
 * magic, too many unknown IEs).
 */
MPTCP_API int mptcp_mpconvert_parse(const uint8_t *p, size_t len,
                                    mptcp_mpconvert *out);

/** Bytes mptcp_mpconvert_write() will produce for @p c. */
MPTCP_API mptcp_ssize mptcp_mpconvert_size(const mptcp_mpconvert *c);

/**
 * Writes c->ie[0..n) with magic and padding; sets M on the last IE and
 * clears it on the others (D and reserved bits as given). Nothing is written
 * on error.
 * @return bytes written, MPTCP_ERR_NOBUF, MPTCP_ERR_INVALID_ARG (n is 0 or
 * over 2, bad family, type not 0, two IEs with the same D bit).
 */
MPTCP_API mptcp_ssize mptcp_mpconvert_write(const mptcp_mpconvert *c,
                                            uint8_t *buf, size_t cap);

/* ---------------- RFC 8803 Convert ---------------- */

#define MPTCP_CONVERT_VERSION 1
#define MPTCP_CONVERT_MAGIC 0x2263u
#define MPTCP_CONVERT_HDR_LEN 4
#define MPTCP_CONVERT_MAX_LEN 1020 /**< 255 words */

/* TLV types (RFC 8803 §6.2). */
#define MPTCP_CONVERT_TLV_INFO 0x01
#define MPTCP_CONVERT_TLV_CONNECT 0x0A
#define MPTCP_CONVERT_TLV_EXT_TCP_HDR 0x14
#define MPTCP_CONVERT_TLV_SUPPORTED_EXT 0x15
#define MPTCP_CONVERT_TLV_COOKIE 0x16
#define MPTCP_CONVERT_TLV_ERROR 0x1E

/* Error codes (RFC 8803 §6.2.8). */
#define MPTCP_CONVERT_E_UNSUPPORTED_VERSION 0
#define MPTCP_CONVERT_E_MALFORMED 1
#define MPTCP_CONVERT_E_UNSUPPORTED_MSG 2
#define MPTCP_CONVERT_E_MISSING_COOKIE 3
#define MPTCP_CONVERT_E_NOT_AUTHORIZED 32
#define MPTCP_CONVERT_E_UNSUPPORTED_TCPOPT 33
#define MPTCP_CONVERT_E_RESOURCE_EXCEEDED 64
#define MPTCP_CONVERT_E_NETWORK_FAILURE 65
#define MPTCP_CONVERT_E_CONNECTION_RESET 96
#define MPTCP_CONVERT_E_DEST_UNREACHABLE 97

/* mptcp_convert_msg.present bits. */
#define MPTCP_CONVERT_HAS_INFO 0x01u
#define MPTCP_CONVERT_HAS_CONNECT 0x02u
#define MPTCP_CONVERT_HAS_EXT_TCP_HDR 0x04u
#define MPTCP_CONVERT_HAS_SUPPORTED_EXT 0x08u
#define MPTCP_CONVERT_HAS_COOKIE 0x10u
#define MPTCP_CONVERT_HAS_ERROR 0x20u

/** Borrowed byte string (points into the parsed buffer, or to the caller's
 *  data for writing). */
typedef struct mptcp_bytes {
  const uint8_t *p;
  size_t len;
} mptcp_bytes;

/** A decoded Convert message. Variable parts borrow the parsed buffer; on
 *  write, they are padded with zeros to 32 bits. */
typedef struct mptcp_convert_msg {
  uint8_t version;  /**< parse: as received; write: always 1 */
  uint32_t present; /**< MPTCP_CONVERT_HAS_* */
  struct {
    uint16_t port;
    mptcp_ipaddr addr;    /**< IPv4-mapped addresses decode as AF_INET */
    mptcp_bytes tcp_opts; /**< extended Connect: {kind,len,value} list,
                               without trailing zero padding */
  } connect;
  mptcp_bytes ext_tcp_hdr; /**< server SYN/ACK options (padding kept) */
  mptcp_bytes supported;   /**< option kinds, one byte each (trailing
                                zero padding removed) */
  mptcp_bytes cookie;      /**< opaque cookie (padding kept) */
  struct {
    uint8_t code;
    uint8_t value;
    mptcp_bytes extra; /**< bytes after Value (padding kept) */
  } error;
  size_t consumed;    /**< Total Length * 4 */
  size_t bad_tlv_off; /**< on error: offset of the offending TLV */
} mptcp_convert_msg;

/**
 * Parses a Convert message at the start of a byte stream. On error only
 * version, consumed and bad_tlv_off are meaningful.
 * @return 0; MPTCP_ERR_NOT_PRESENT (magic absent: not Convert);
 * MPTCP_ERR_TRUNCATED (fewer than 4 bytes, or fewer than Total Length * 4
 * bytes yet; consumed then says how many to wait for);
 * MPTCP_ERR_INVALID_ARG (NULL out, or NULL p with a non-zero len);
 * MPTCP_ERR_VERSION (version != 1; the rest is not parsed);
 * MPTCP_ERR_MALFORMED (Total Length 0, a TLV of length 0 or past Total
 * Length, a duplicate TLV, a Connect shorter than 5 words, an extended
 * Connect option list that is badly framed or contains EOL/NOP, an Error TLV
 * shorter than one word) with bad_tlv_off set;
 * MPTCP_ERR_UNSUPPORTED (TLV type 0 or an unknown type) with bad_tlv_off set.
 */
MPTCP_API int mptcp_convert_parse(const uint8_t *p, size_t len,
                                  mptcp_convert_msg *out);

/** Bytes mptcp_convert_write() will produce, or MPTCP_ERR_INVALID_ARG
 *  (over 1020 bytes, bad family, unknown present bits, NULL data with a
 *  non-zero length, a Connect option list that does not parse, a Supported
 *  list ending in 0). */
MPTCP_API mptcp_ssize mptcp_convert_size(const mptcp_convert_msg *m);

/**
 * Writes the header and the present TLVs in the order Info, Connect, Extended
 * TCP Header, Supported Extensions, Cookie, Error.
 * @return bytes written, MPTCP_ERR_NOBUF, MPTCP_ERR_INVALID_ARG.
 */
MPTCP_API mptcp_ssize mptcp_convert_write(const mptcp_convert_msg *m,
                                          uint8_t *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_CONVERT_H */
