/*
 * libmptcp - named counters. Every drop or rejection has one (the same idea
 * as the kernel's MPTcpExt MIB). The list is an X-macro so the enum and the
 * name table cannot drift apart.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef MPTCP_COUNTERS_H
#define MPTCP_COUNTERS_H

#include <mptcp/common.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mptcp_tcpopts;

/* X(ENUM_SUFFIX, "Name") */
#define MPTCP_COUNTER_LIST(X)                                                  \
  X(PKT_IN, "PktIn")                                                           \
  X(PKT_TRUNCATED, "PktTruncated")                                             \
  X(PKT_MALFORMED, "PktMalformed")                                             \
  X(PKT_NOT_TCP, "PktNotTcp")                                                  \
  X(PKT_FRAGMENT, "PktFragment")                                               \
  X(PKT_CSUM_ERR, "PktCsumErr")                                                \
  X(TCPOPT_MALFORMED, "TcpOptMalformed")                                       \
  X(MPTCP_OPT_UNKNOWN, "MptcpOptUnknownSubtype")                               \
  X(MPC_MALFORMED, "MPCapableMalformed")                                       \
  X(JOIN_MALFORMED, "MPJoinMalformed")                                         \
  X(DSS_MALFORMED, "DSSMalformed")                                             \
  X(ADD_ADDR_MALFORMED, "AddAddrMalformed")                                    \
  X(RM_ADDR_MALFORMED, "RmAddrMalformed")                                      \
  X(PRIO_MALFORMED, "MPPrioMalformed")                                         \
  X(FAIL_MALFORMED, "MPFailMalformed")                                         \
  X(FASTCLOSE_MALFORMED, "MPFastcloseMalformed")                               \
  X(TCPRST_MALFORMED, "MPRstMalformed")                                        \
  X(PREFER_PROXY_MALFORMED, "PreferProxyMalformed")                            \
  X(MPCONVERT_MALFORMED, "MPConvertMalformed")                                 \
  X(CONVERT_MALFORMED, "ConvertMalformed")                                     \
  X(PKT_NOT_MINE, "PktNotMine")                                                \
  X(TCP_IN_SEGS, "TcpInSegs")                                                  \
  X(TCP_OUT_SEGS, "TcpOutSegs")                                                \
  X(TCP_ACTIVE_OPENS, "TcpActiveOpens")                                        \
  X(TCP_PASSIVE_OPENS, "TcpPassiveOpens")                                      \
  X(TCP_REFUSED_LIMIT, "TcpRefusedLimit")                                      \
  X(TCP_REFUSED_MEM, "TcpRefusedMem")                                          \
  X(TCP_RST_SENT, "TcpRstSent")                                                \
  X(TCP_RST_RCVD, "TcpRstRcvd")                                                \
  X(TCP_RST_IGNORED, "TcpRstIgnored")                                          \
  X(TCP_CHALLENGE_ACK, "TcpChallengeAck")                                      \
  X(TCP_CHALLENGE_LIMITED, "TcpChallengeAckLimited")                           \
  X(TCP_PAWS_DROP, "TcpPawsDrop")                                              \
  X(TCP_SEQ_DROP, "TcpOutOfWindow")                                            \
  X(TCP_ACK_DROP, "TcpUnacceptableAck")                                        \
  X(TCP_OFO_QUEUED, "TcpOfoQueued")                                            \
  X(TCP_OFO_DROP, "TcpOfoDrop")                                                \
  X(TCP_DUP_ACKS, "TcpDupAcks")                                                \
  X(TCP_FAST_RETRANS, "TcpFastRetrans")                                        \
  X(TCP_LOST_RETRANS, "TcpLostRetransmit")                                     \
  X(TCP_RETRANS_SEGS, "TcpRetransSegs")                                        \
  X(TCP_RTO, "TcpTimeouts")                                                    \
  X(TCP_CONN_TIMEOUT, "TcpConnTimeout")                                        \
  X(TCP_ZERO_WINDOW_PROBES, "TcpZeroWindowProbes")                             \
  X(TCP_KEEPALIVE_PROBES, "TcpKeepaliveProbes")                                \
  X(TCP_SYN_DROP, "TcpSynDrop")                                                \
  X(MP_CAPABLE_SYN_RX, "MPCapableSYNRX")                                       \
  X(MP_CAPABLE_SYNACK_RX, "MPCapableSYNACKRX")                                 \
  X(MP_CAPABLE_ACK_RX, "MPCapableACKRX")                                       \
  X(MP_CAPABLE_FALLBACK_SYNACK, "MPCapableFallbackSYNACK")                     \
  X(MP_CAPABLE_FALLBACK_ACK, "MPCapableFallbackACK")                           \
  X(MP_CAPABLE_REFUSED, "MPCapableRefused")                                    \
  X(MP_CAPABLE_SYN_DROPPED, "MPCapableSYNWithout")                             \
  X(MP_FALLBACK_DATA, "MPFallbackNoDSS")                                       \
  X(MP_NO_DSS_RESET, "MPNoDSSReset")                                           \
  X(MP_TOKEN_COLLISION, "MPTokenCollision")                                    \
  X(MP_DSS_NO_MAPPING, "MPDSSNoMapping")                                       \
  X(MP_DSS_NOT_MATCHING, "MPDSSNotMatching")                                   \
  X(MP_DSS_MAPS_FULL, "MPDSSMappingsFull")                                     \
  X(MP_DSS_CSUM_ERR, "DataCsumErr")                                            \
  X(MP_DSS_CSUM_AHEAD, "MPDSSCsumAhead")                                       \
  X(MP_DSS_MAPS_EVICTED, "MPDSSMappingsEvicted")                               \
  X(MP_DSS_CSUM_RENEGED, "MPDSSCsumReneged")                                   \
  X(MP_DATA_ACK_IGNORED, "MPDataAckIgnored")                                   \
  X(MP_DATA_OUT_OF_WINDOW, "MPDataOutOfWindow")                                \
  X(MP_DATA_FIN_RX, "MPDataFinRx")                                             \
  X(MP_DATA_FIN_RTX, "MPDataFinRetrans")                                       \
  X(MP_DATA_FIN_TIMEOUT, "MPDataFinTimeout")                                   \
  X(MP_FASTCLOSE_TX, "MPFastcloseTx")                                          \
  X(MP_FASTCLOSE_RX, "MPFastcloseRx")                                          \
  X(MP_FASTCLOSE_BAD_KEY, "MPFastcloseBadKey")                                 \
  X(MP_RST_RX, "MPRstRx")                                                      \
  X(MP_JOIN_SYN_RX, "MPJoinSynRx")                                             \
  X(MP_JOIN_NO_TOKEN, "MPJoinNoTokenFound")                                    \
  X(MP_JOIN_REFUSED, "MPJoinRefused")                                          \
  X(MP_JOIN_SYNACK_RX, "MPJoinSynAckRx")                                       \
  X(MP_JOIN_SYNACK_BAD_HMAC, "MPJoinSynAckHMacFailure")                        \
  X(MP_JOIN_ACK_RX, "MPJoinAckRx")                                             \
  X(MP_JOIN_ACK_BAD_HMAC, "MPJoinAckHMacFailure")                              \
  X(MP_JOIN_SYN_TX, "MPJoinSynTx")                                             \
  X(MP_REINJECT_RTO, "MPReinjectRTO")                                          \
  X(MP_REINJECT_DEAD, "MPReinjectDead")                                        \
  X(MP_DATA_RETRANS, "MPDataRetrans")                                          \
  X(MP_DATA_RETRANS_TIMEOUT, "MPDataRetransTimeout")                           \
  X(MP_DUP_TX_BYTES, "MPDupDataTxBytes")                                       \
  X(MP_DUP_RX_BYTES, "MPDupDataRxBytes")                                       \
  X(MP_DUP_RX_DIFFER, "MPDupDataDiffer")                                       \
  X(MP_SUBFLOW_CLOSED, "MPSubflowClosed")                                      \
  X(MP_SEND_NOMEM, "MPSendNoMem")                                              \
  X(MP_ADD_ADDR_TX, "MPAddAddrTx")                                             \
  X(MP_ADD_ADDR_RX, "MPAddAddrRx")                                             \
  X(MP_ADD_ADDR_ECHO_RX, "MPAddAddrEchoRx")                                    \
  X(MP_ADD_ADDR_BAD_HMAC, "MPAddAddrHMacFailure")                              \
  X(MP_RM_ADDR_TX, "MPRmAddrTx")                                               \
  X(MP_RM_ADDR_RX, "MPRmAddrRx")                                               \
  X(MP_PRIO_RX, "MPPrioRx")                                                    \
  X(MP_SUBFLOW_REOPEN, "MPSubflowReopen")                                      \
  X(MP_DATA_AFTER_FIN, "MPDataAfterFin")                                       \
  X(MP_FAIL_TX, "MPFailTx")                                                    \
  X(MP_FAIL_RX, "MPFailRx")                                                    \
  X(MP_FAIL_IGNORED, "MPFailIgnored")                                          \
  X(MP_FAIL_BAD_DSN, "MPFailBadDsn")                                           \
  X(MP_FAIL_TIMEOUT, "MPFailTimeout")                                          \
  X(INFINITE_MAP_TX, "InfiniteMapTx")                                          \
  X(INFINITE_MAP_RX, "InfiniteMapRx")                                          \
  X(INFINITE_MAP_IGNORED, "InfiniteMapIgnored")                                \
  X(INFINITE_MAP_REJECTED, "InfiniteMapRejected")                              \
  X(INFINITE_MAP_BAD_DSN, "InfiniteMapBadDsn")                                 \
  X(INFINITE_MAP_RETRO, "InfiniteMapRetroactive")                              \
  X(INFINITE_MAP_IMPLICIT, "InfiniteMapImplicit")                              \
  X(MP_FAIL_CROSSED, "MPFailCrossed")                                          \
  X(MP_FALLBACK_UNSAFE, "MPFallbackUnsafe")

enum mptcp_counter {
#define MPTCP_COUNTER_ENUM_(name, text) MPTCP_CTR_##name,
  MPTCP_COUNTER_LIST(MPTCP_COUNTER_ENUM_)
#undef MPTCP_COUNTER_ENUM_
      MPTCP_CTR_COUNT
};

/** A set of counters, indexed by enum mptcp_counter. */
typedef struct mptcp_counters {
  uint64_t v[MPTCP_CTR_COUNT];
} mptcp_counters;

/** Name of counter @p i ("DSSMalformed"), or NULL past MPTCP_CTR_COUNT. */
MPTCP_API const char *mptcp_counter_name(size_t i);

/** Looks a counter up by name; @return its index or -1. */
MPTCP_API int mptcp_counter_find(const char *name);

/** Maps a negative mptcp_pkt_parse() result to the counter for it
 *  (MPTCP_CTR_PKT_MALFORMED for anything unexpected). */
MPTCP_API enum mptcp_counter mptcp_counter_for_pkt_err(int err);

/**
 * Adds one to the right counter for every malformed TCP option and every
 * MPTCP suboption whose status is not OK in @p o.
 */
MPTCP_API void mptcp_counters_add_opts(mptcp_counters *c,
                                       const struct mptcp_tcpopts *o);

#ifdef __cplusplus
}
#endif
#endif /* MPTCP_COUNTERS_H */
