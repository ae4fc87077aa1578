/*
 * libmptcp - wire codecs: IPv4/IPv6 + TCP headers, TCP options, every MPTCP
 * suboption (v0 and v1) and MP_PREFER_PROXY.
 *
 * Conventions: parse functions never read past the given length and never
 * allocate; write functions compute the size first and return
 * MPTCP_ERR_NOBUF when the destination is too small. Multi-byte fields in
 * the structs are host-order integers; byte strings (addresses, HMACs) are
 * kept in wire order.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_CODEC_H
#define MPTCP_CODEC_H

#include <mptcp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* IP + TCP headers                                                   */
/* ------------------------------------------------------------------ */

/** TCP header flag bits (byte 13 of the TCP header). */
#define MPTCP_TH_FIN 0x01u
#define MPTCP_TH_SYN 0x02u
#define MPTCP_TH_RST 0x04u
#define MPTCP_TH_PSH 0x08u
#define MPTCP_TH_ACK 0x10u
#define MPTCP_TH_URG 0x20u
#define MPTCP_TH_ECE 0x40u
#define MPTCP_TH_CWR 0x80u

#define MPTCP_IPV4_HDR_LEN 20
#define MPTCP_IPV6_HDR_LEN 40
#define MPTCP_TCP_HDR_LEN 20
#define MPTCP_TCP_OPT_MAX 40

/** A decoded IP packet carrying TCP. Pointers borrow the parsed buffer. */
typedef struct mptcp_pkt {
  mptcp_ipaddr src, dst;
  uint8_t ip_version;  /**< 4 or 6 */
  uint8_t ttl;         /**< TTL / hop limit */
  uint8_t tos;         /**< IPv4 TOS / IPv6 traffic class */
  uint8_t ip_df;       /**< IPv4 don't-fragment bit */
  uint16_t ip_id;      /**< IPv4 identification */
  uint32_t flow_label; /**< IPv6 flow label (20 bits) */
  uint16_t ip_hdr_len; /**< IP header incl. IPv4 options / IPv6 ext hdrs */
  uint16_t sport, dport;
  uint32_t seq, ack;
  uint8_t tcp_flags; /**< MPTCP_TH_* */
  uint8_t tcp_res;   /**< the 4 reserved bits (incl. AE/NS) as a nibble */
  uint16_t window;   /**< raw, unscaled */
  uint16_t tcp_csum;
  uint16_t urg_ptr;
  const uint8_t *opts; /**< TCP option area */
  size_t opts_len;     /**< 0..40 */
  const uint8_t *payload;
  size_t payload_len;
  const uint8_t *tcp; /**< start of the TCP header */
  size_t tcp_len;     /**< TCP header + options + payload */
} mptcp_pkt;

/** mptcp_pkt_parse() flag: verify the IPv4 header and TCP checksums. */
#define MPTCP_PKT_VERIFY_CSUM 0x1u
/** mptcp_pkt_parse() flag: verify the IPv4 header checksum only (the
 *  caller verifies the TCP checksum, e.g. while it copies the payload). */
#define MPTCP_PKT_VERIFY_IP_CSUM 0x2u

/**
 * Decodes one raw IP packet (no link-layer header). Bytes past the IP total
 * length (link padding) are ignored. IPv6 extension headers (hop-by-hop,
 * routing, destination options, AH, fragment with offset 0 and MF clear) are
 * skipped.
 *
 * @return 0, or MPTCP_ERR_TRUNCATED (buffer shorter than a header or the
 * announced length), MPTCP_ERR_MALFORMED (bad version, IHL, data offset),
 * MPTCP_ERR_NOT_TCP, MPTCP_ERR_FRAGMENT, MPTCP_ERR_CHECKSUM (only with
 * MPTCP_PKT_VERIFY_CSUM or MPTCP_PKT_VERIFY_IP_CSUM).
 */
MPTCP_API int mptcp_pkt_parse(const uint8_t *buf, size_t len, unsigned flags,
                              mptcp_pkt *out);

/**
 * Decodes the TCP part of a packet: tlen bytes at tcp (header, options,
 * payload) into out's TCP fields, sport to tcp_len, as mptcp_pkt_parse()
 * sets them; the IP fields are left alone and no checksum is verified.
 * For a caller that has checked the IP header itself.
 *
 * @return 0, MPTCP_ERR_TRUNCATED or MPTCP_ERR_MALFORMED (data offset).
 */
MPTCP_API int mptcp_tcp_parse(const uint8_t *tcp, size_t tlen, mptcp_pkt *out);

/**
 * Writes an IP header (IPv4 without options, or IPv6 without extension
 * headers), the TCP header from @p p's fields, @p p->opts (its length must be
 * a multiple of 4, at most 40) and @p p->payload, and fills in the IPv4
 * header checksum and the TCP checksum. ip_hdr_len, tcp, tcp_len and
 * tcp_csum are ignored.
 *
 * @return the packet length, MPTCP_ERR_NOBUF, or MPTCP_ERR_INVALID_ARG
 * (families differ, bad option length, packet over 65535 bytes).
 */
MPTCP_API mptcp_ssize mptcp_pkt_write(const mptcp_pkt *p, uint8_t *buf,
                                      size_t cap);

/** One's-complement sum of @p len bytes added to @p sum (not folded). */
MPTCP_API uint32_t mptcp_csum_partial(const uint8_t *p, size_t len,
                                      uint32_t sum);
/**
 * Copies @p len bytes from @p src to @p dst (which must not overlap) and
 * returns their one's-complement sum added to @p sum: the same value as
 * mptcp_csum_partial(dst, len, sum) after the copy, in one pass over the
 * bytes. The bytes are summed as if they started at an even offset; a piece
 * that starts at an odd offset of the summed data must have its folded sum
 * byte-swapped (RFC 1071 §2(B)) before it is added to the rest.
 */
MPTCP_API uint32_t mptcp_csum_copy(uint8_t *dst, const uint8_t *src, size_t len,
                                   uint32_t sum);
/** Folds a 32-bit one's-complement sum to 16 bits and complements it. */
MPTCP_API uint16_t mptcp_csum_finish(uint32_t sum);

/**
 * TCP checksum of the segment @p tcp (@p len bytes, header included, with
 * its checksum field as it is) over the IPv4/IPv6 pseudo-header. A segment
 * whose checksum field is correct yields 0.
 */
MPTCP_API uint16_t mptcp_tcp_csum(const mptcp_ipaddr *src,
                                  const mptcp_ipaddr *dst, const uint8_t *tcp,
                                  size_t len);

/**
 * RFC 1624 incremental update: the new checksum after a 16-bit field that
 * held @p old_val now holds @p new_val.
 */
MPTCP_API uint16_t mptcp_csum_update16(uint16_t csum, uint16_t old_val,
                                       uint16_t new_val);
/** As mptcp_csum_update16() for a 32-bit field (e.g. a sequence number). */
MPTCP_API uint16_t mptcp_csum_update32(uint16_t csum, uint32_t old_val,
                                       uint32_t new_val);

/* ------------------------------------------------------------------ */
/* MPTCP suboptions                                                    */
/* ------------------------------------------------------------------ */

#define MPTCP_TCPOPT_KIND 30

/** Subtypes (RFC 8684 §7.2). */
#define MPTCP_SUB_CAPABLE 0x0
#define MPTCP_SUB_JOIN 0x1
#define MPTCP_SUB_DSS 0x2
#define MPTCP_SUB_ADD_ADDR 0x3
#define MPTCP_SUB_REMOVE_ADDR 0x4
#define MPTCP_SUB_PRIO 0x5
#define MPTCP_SUB_FAIL 0x6
#define MPTCP_SUB_FASTCLOSE 0x7
#define MPTCP_SUB_TCPRST 0x8
#define MPTCP_SUB_EXPERIMENTAL 0xF
/** Pseudo subtype for MP_PREFER_PROXY once recognised (its wire subtype is
 *  configurable, see mptcp_parse_ctx.prefer_proxy_subtype). */
#define MPTCP_SUB_PREFER_PROXY 0x10
/** Default wire subtype of MP_PREFER_PROXY (private use, never assigned). */
#define MPTCP_PREFER_PROXY_DEFAULT_SUBTYPE 0xF

/* Every legal length (bytes, Kind and Length included). */
#define MPTCP_LEN_MPC_SYN 4     /* v1 SYN */
#define MPTCP_LEN_MPC_SYN_V0 12 /* v0 SYN: sender's key */
#define MPTCP_LEN_MPC_SYNACK 12
#define MPTCP_LEN_MPC_ACK 20
#define MPTCP_LEN_MPC_DATA 22
#define MPTCP_LEN_MPC_DATA_CSUM 24
#define MPTCP_LEN_JOIN_SYN 12
#define MPTCP_LEN_JOIN_SYNACK 16
#define MPTCP_LEN_JOIN_ACK 24
#define MPTCP_LEN_DSS_BASE 4
#define MPTCP_LEN_DSS_ACK32 4  /* added by A=1,a=0 */
#define MPTCP_LEN_DSS_ACK64 8  /* added by A=1,a=1 */
#define MPTCP_LEN_DSS_MAP32 10 /* DSN4 + SSN4 + DLL2 */
#define MPTCP_LEN_DSS_MAP64 14 /* DSN8 + SSN4 + DLL2 */
#define MPTCP_LEN_DSS_CSUM 2
#define MPTCP_LEN_DSS_MAX 28
#define MPTCP_LEN_ADD_ADDR4 16 /* v1, with HMAC */
#define MPTCP_LEN_ADD_ADDR4_PORT 18
#define MPTCP_LEN_ADD_ADDR6 28
#define MPTCP_LEN_ADD_ADDR6_PORT 30
#define MPTCP_LEN_ADD_ADDR4_ECHO 8 /* v1 echo; also v0 IPv4 */
#define MPTCP_LEN_ADD_ADDR4_PORT_ECHO 10
#define MPTCP_LEN_ADD_ADDR6_ECHO 20
#define MPTCP_LEN_ADD_ADDR6_PORT_ECHO 22
#define MPTCP_LEN_REMOVE_ADDR_BASE 3 /* + one byte per address ID (>= 1) */
#define MPTCP_LEN_PRIO 3
#define MPTCP_LEN_PRIO_V0_ADDR 4 /* v0 only: with Address ID */
#define MPTCP_LEN_FAIL 12
#define MPTCP_LEN_FASTCLOSE 12
#define MPTCP_LEN_TCPRST 4
#define MPTCP_LEN_PREFER_PROXY 4

/* MP_CAPABLE flags (byte 3). */
#define MPTCP_CAP_A 0x80u /**< checksum required */
#define MPTCP_CAP_B 0x40u /**< extensibility, must be 0 */
#define MPTCP_CAP_C 0x20u /**< v1: no more subflows to my source addr/port */
#define MPTCP_CAP_H 0x01u /**< HMAC-SHA256 (v1) / HMAC-SHA1 (v0) */
#define MPTCP_CAP_CRYPTO_V1 0x1Fu /**< D..H */
#define MPTCP_CAP_CRYPTO_V0 0x3Fu /**< C..H */

/* DSS flags (byte 3, low 5 bits). */
#define MPTCP_DSS_A 0x01u /**< Data ACK present */
#define MPTCP_DSS_a 0x02u /**< Data ACK is 8 bytes */
#define MPTCP_DSS_M 0x04u /**< mapping present */
#define MPTCP_DSS_m 0x08u /**< DSN is 8 bytes */
#define MPTCP_DSS_F 0x10u /**< DATA_FIN */
#define MPTCP_DSS_FLAG_MASK 0x1Fu

/* MP_TCPRST flags (low nibble of byte 2) and reasons (RFC 8684 §3.6). */
#define MPTCP_TCPRST_T 0x01u
#define MPTCP_RESET_REASON_UNSPEC 0x00
#define MPTCP_RESET_REASON_MPTCP 0x01
#define MPTCP_RESET_REASON_RESOURCE 0x02
#define MPTCP_RESET_REASON_PROHIBITED 0x03
#define MPTCP_RESET_REASON_TOO_MUCH_DATA 0x04
#define MPTCP_RESET_REASON_PERFORMANCE 0x05
#define MPTCP_RESET_REASON_MIDDLEBOX 0x06

/** Which MP_CAPABLE layout a suboption has (decided by TCP flags, length,
 *  version and payload presence). */
enum mptcp_mpc_form {
  MPTCP_MPC_SYN = 0,    /**< v1: no key; v0: sender key */
  MPTCP_MPC_SYNACK = 1, /**< sender key */
  MPTCP_MPC_ACK = 2,    /**< both keys */
  MPTCP_MPC_DATA = 3    /**< both keys + DLL (+ checksum), v1 only */
};

/** Which MP_JOIN layout a suboption has. */
enum mptcp_join_form {
  MPTCP_JOIN_SYN = 0,
  MPTCP_JOIN_SYNACK = 1,
  MPTCP_JOIN_ACK = 2
};

/** Verdict of parsing one suboption. Anything but OK means the stack must
 *  act as if the suboption were absent (and count it). */
enum mptcp_subopt_status {
  MPTCP_SUBOPT_OK = 0,
  MPTCP_SUBOPT_BAD_LEN = 1,     /**< length illegal for subtype/form */
  MPTCP_SUBOPT_BAD_FLAGS = 2,   /**< illegal flag combination */
  MPTCP_SUBOPT_BAD_CONTEXT = 3, /**< not allowed on this segment type */
  MPTCP_SUBOPT_UNKNOWN = 4      /**< unknown subtype (kept raw) */
};

/** Maximum address IDs of one REMOVE_ADDR (40 - 3). */
#define MPTCP_RM_ADDR_MAX 37

typedef struct mptcp_mpc {
  uint8_t version;  /**< low nibble of byte 2 */
  uint8_t flags;    /**< MPTCP_CAP_* */
  uint8_t form;     /**< enum mptcp_mpc_form */
  uint8_t has_csum; /**< DATA form with checksum (length 24) */
  uint64_t snd_key; /**< sender's key (absent in the v1 SYN) */
  uint64_t rcv_key; /**< receiver's key (ACK and DATA forms) */
  uint16_t dll;     /**< Data-Level Length (DATA form) */
  uint16_t csum;    /**< DSS checksum (DATA form with has_csum) */
} mptcp_mpc;

typedef struct mptcp_join {
  uint8_t form;     /**< enum mptcp_join_form */
  uint8_t backup;   /**< B flag (SYN, SYN/ACK) */
  uint8_t addr_id;  /**< SYN, SYN/ACK */
  uint32_t token;   /**< SYN: receiver's token */
  uint32_t nonce;   /**< SYN, SYN/ACK: sender's random number */
  uint8_t hmac[20]; /**< SYN/ACK: 8 bytes (leftmost 64 bits); ACK: 20 */
} mptcp_join;

typedef struct mptcp_dss {
  uint8_t flags;     /**< MPTCP_DSS_* as on the wire (reserved bits dropped) */
  uint8_t has_csum;  /**< mapping carries a checksum field (from length) */
  uint64_t data_ack; /**< 32 or 64 bits as sent (see MPTCP_DSS_a) */
  uint64_t dsn;      /**< 32 or 64 bits as sent (see MPTCP_DSS_m) */
  uint32_t ssn;      /**< relative subflow sequence number */
  uint16_t dll;      /**< 0 = infinite mapping */
  uint16_t csum;
} mptcp_dss;

typedef struct mptcp_add_addr {
  uint8_t v0;    /**< 1 = RFC 6824 layout (IPVer nibble, no HMAC/echo) */
  uint8_t echo;  /**< v1 E flag */
  uint8_t flags; /**< v1: the 3 unassigned bits as received (ignored) */
  uint8_t addr_id;
  uint8_t has_port;
  uint8_t has_hmac; /**< v1 and not echo */
  uint16_t port;
  mptcp_ipaddr addr;
  uint64_t hmac; /**< rightmost 64 bits of HMAC-SHA256, wire order as u64 */
} mptcp_add_addr;

typedef struct mptcp_remove_addr {
  uint8_t n;
  uint8_t ids[MPTCP_RM_ADDR_MAX];
} mptcp_remove_addr;

typedef struct mptcp_prio {
  uint8_t backup;
  uint8_t has_addr_id; /**< v0 length-4 form */
  uint8_t addr_id;
} mptcp_prio;

typedef struct mptcp_tcprst {
  uint8_t flags; /**< U V W T, low nibble */
  uint8_t reason;
} mptcp_tcprst;

/** One MPTCP option (Kind 30) as parsed or to be written. */
typedef struct mptcp_subopt {
  uint8_t subtype; /**< MPTCP_SUB_*, or the raw value if UNKNOWN */
  uint8_t status;  /**< enum mptcp_subopt_status */
  uint8_t len;     /**< wire length (parse); ignored by write */
  uint8_t raw_len; /**< bytes kept in raw[] (malformed/unknown options) */
  uint8_t raw[MPTCP_TCP_OPT_MAX]; /**< copy of the option as received */
  union {
    mptcp_mpc mpc;
    mptcp_join join;
    mptcp_dss dss;
    mptcp_add_addr add_addr;
    mptcp_remove_addr rm_addr;
    mptcp_prio prio;
    uint64_t fail_dsn;      /**< MP_FAIL */
    uint64_t fastclose_key; /**< MP_FASTCLOSE: receiver's key */
    mptcp_tcprst tcprst;
    uint16_t prefer_proxy_reserved; /**< the 12 reserved bits */
  } u;
} mptcp_subopt;

/** Version context for parsing. */
#define MPTCP_VERSION_0 0
#define MPTCP_VERSION_1 1
/** Decide per option from its own bytes (for capture decoders). */
#define MPTCP_VERSION_ANY 0xFF

/** What a suboption's meaning depends on besides its own bytes. */
typedef struct mptcp_parse_ctx {
  uint8_t tcp_flags;            /**< MPTCP_TH_* of the segment */
  uint8_t version;              /**< MPTCP_VERSION_0/1/ANY */
  uint8_t prefer_proxy_subtype; /**< 0x0..0xF; 0xFF = do not recognise */
  size_t payload_len;           /**< TCP payload bytes of the segment */
} mptcp_parse_ctx;

/** Fills @p ctx for a segment: version ANY, prefer-proxy subtype default. */
MPTCP_API void mptcp_parse_ctx_init(mptcp_parse_ctx *ctx, uint8_t tcp_flags,
                                    size_t payload_len);

/**
 * Parses one MPTCP option whose bytes start at the Kind (@p len = its
 * Length byte, 2..40). Always fills @p out; the result is in out->status.
 * Nothing is read outside @p opt[0..len).
 */
MPTCP_API void mptcp_subopt_parse(const uint8_t *opt, size_t len,
                                  const mptcp_parse_ctx *ctx,
                                  mptcp_subopt *out);

/**
 * Wire size of @p so (Kind and Length included, no padding). For
 * MPTCP_SUB_PREFER_PROXY the subtype written is @p prefer_proxy_subtype.
 * @return 3..40, or MPTCP_ERR_INVALID_ARG for an unrepresentable value.
 */
MPTCP_API mptcp_ssize mptcp_subopt_size(const mptcp_subopt *so);

/**
 * Writes @p so (status must be OK). The form of MP_CAPABLE/MP_JOIN comes
 * from their 'form' field, the layout of DSS from its flags and has_csum,
 * 32-bit DSN/Data ACK fields write the low 32 bits.
 * @return bytes written, MPTCP_ERR_NOBUF or MPTCP_ERR_INVALID_ARG.
 */
MPTCP_API mptcp_ssize mptcp_subopt_write(const mptcp_subopt *so,
                                         uint8_t prefer_proxy_subtype,
                                         uint8_t *buf, size_t cap);

/** 1 if the meaningful fields of @p a and @p b are equal. */
MPTCP_API int mptcp_subopt_equal(const mptcp_subopt *a, const mptcp_subopt *b);

/** Name of a subtype ("MP_CAPABLE", "DSS", ...), "unknown" otherwise. */
MPTCP_API const char *mptcp_subopt_name(uint8_t subtype);

/**
 * Formats @p so in one line ("dss ack 12 seq 100 ssn 1 dll 10") into @p buf
 * (always NUL-terminated when @p cap > 0).
 * @return the length snprintf would have produced.
 */
MPTCP_API int mptcp_subopt_format(const mptcp_subopt *so, char *buf,
                                  size_t cap);

/* ------------------------------------------------------------------ */
/* The whole TCP option area                                           */
/* ------------------------------------------------------------------ */

#define MPTCP_OPT_EOL 0
#define MPTCP_OPT_NOP 1
#define MPTCP_OPT_MSS 2
#define MPTCP_OPT_WSCALE 3
#define MPTCP_OPT_SACK_PERM 4
#define MPTCP_OPT_SACK 5
#define MPTCP_OPT_TS 8
#define MPTCP_OPT_TFO 34

/* mptcp_tcpopts.present bits. */
#define MPTCP_HAS_MSS 0x01u
#define MPTCP_HAS_WSCALE 0x02u
#define MPTCP_HAS_SACK_PERM 0x04u
#define MPTCP_HAS_SACK 0x08u
#define MPTCP_HAS_TS 0x10u
#define MPTCP_HAS_TFO 0x20u

#define MPTCP_SACK_MAX 4 /* 2 + 8*4 = 34 bytes */
#define MPTCP_TFO_COOKIE_MAX 16
#define MPTCP_SUBOPTS_MAX                                                      \
  8 /* a 40-byte area holds at most 13 of 3 bytes,                             \
       more than eight is not a real segment */
#define MPTCP_UNKNOWN_OPTS_MAX 8

typedef struct mptcp_sack_block {
  uint32_t left, right;
} mptcp_sack_block;

typedef struct mptcp_unknown_opt {
  uint8_t kind;
  uint8_t len; /**< total length incl. kind/len */
  uint8_t data[MPTCP_TCP_OPT_MAX - 2];
} mptcp_unknown_opt;

/** Decoded TCP option area. */
typedef struct mptcp_tcpopts {
  uint32_t present; /**< MPTCP_HAS_* */
  uint16_t mss;
  uint8_t wscale;
  uint8_t n_sack;
  mptcp_sack_block sack[MPTCP_SACK_MAX];
  uint32_t ts_val, ts_ecr;
  uint8_t tfo_len; /**< cookie bytes (0 = cookie request) */
  uint8_t tfo_cookie[MPTCP_TFO_COOKIE_MAX];
  uint8_t n_mptcp;
  mptcp_subopt mptcp[MPTCP_SUBOPTS_MAX];
  uint8_t n_unknown;
  mptcp_unknown_opt unknown[MPTCP_UNKNOWN_OPTS_MAX];
  /** Options with an illegal length for their kind (MSS, WS, SACK, TS, ...),
   *  a length byte < 2 or past the end, or over the per-kind caps. */
  uint8_t n_malformed;
  /** MPTCP options whose status is not OK (subset of n_mptcp). */
  uint8_t n_mptcp_bad;
} mptcp_tcpopts;

/**
 * Parses a TCP option area of @p len bytes (0..40). Unknown kinds are kept;
 * a malformed option is counted and skipped when its length is usable,
 * otherwise parsing stops there. Parsing never fails as a whole.
 * If @p ctx is NULL, MPTCP options are parsed with version ANY and no
 * segment context.
 */
MPTCP_API void mptcp_tcpopts_parse(const uint8_t *opt, size_t len,
                                   const mptcp_parse_ctx *ctx,
                                   mptcp_tcpopts *out);

/**
 * Bytes @p o takes on the wire with our layout (every option padded with
 * NOPs to 32 bits; SACK-permitted shares a word pair with timestamps).
 */
MPTCP_API mptcp_ssize mptcp_tcpopts_size(const mptcp_tcpopts *o,
                                         uint8_t prefer_proxy_subtype);

/**
 * Writes @p o into @p buf (padded to a multiple of 4 with NOPs/EOL).
 * Malformed entries (status != OK) of o->mptcp are skipped.
 * @return bytes written, MPTCP_ERR_NOSPACE (over 40 bytes), MPTCP_ERR_NOBUF,
 * MPTCP_ERR_INVALID_ARG.
 */
MPTCP_API mptcp_ssize mptcp_tcpopts_write(const mptcp_tcpopts *o,
                                          uint8_t prefer_proxy_subtype,
                                          uint8_t *buf, size_t cap);

/* mptcp_tcpopts_fit() result bits: what had to be given up. */
#define MPTCP_FIT_SACK_TRIMMED 0x01u /**< fewer SACK blocks */
#define MPTCP_FIT_DROPPED_UNKNOWN 0x02u
#define MPTCP_FIT_DROPPED_TFO 0x04u
#define MPTCP_FIT_DROPPED_SACK 0x08u  /**< all SACK blocks */
#define MPTCP_FIT_DROPPED_MPTCP 0x10u /**< trailing MPTCP suboptions */
#define MPTCP_FIT_DROPPED_TS 0x20u

/**
 * Option-space planner: trims @p o until it fits in @p budget bytes
 * (normally 40), giving things up in this order: SACK blocks beyond the
 * first, unknown options, the TFO option, the remaining SACK block, MPTCP
 * suboptions from the last one backwards except the first, timestamps.
 * MSS, window scale, SACK-permitted and the first MPTCP suboption are never
 * dropped.
 * @return a mask of MPTCP_FIT_* (0 = it fitted untouched), or
 * MPTCP_ERR_NOSPACE if it cannot fit even after all of that.
 */
MPTCP_API int mptcp_tcpopts_fit(mptcp_tcpopts *o, size_t budget,
                                uint8_t prefer_proxy_subtype);

/**
 * Appends @p so to o->mptcp. @return 0, or MPTCP_ERR_NOSPACE when
 * MPTCP_SUBOPTS_MAX are already there.
 */
MPTCP_API int mptcp_tcpopts_add_mptcp(mptcp_tcpopts *o, const mptcp_subopt *so);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_CODEC_H */
