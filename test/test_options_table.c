/*
 * Table-driven tests of malformed MPTCP suboptions: every length/flag/context
 * combination that mptcp-v1-wire.md (§2.2, §4.1, §5.2, §6.1, §16) and
 * mptcp-v0-diff.md reject, plus valid controls. Each row is decoded alone
 * (mptcp_subopt_parse), inside an option area (mptcp_tcpopts_parse, on an
 * exact-size heap copy), followed by valid options (which must still be
 * decoded), and counted (mptcp_counters_add_opts).
 * SPDX-License-Identifier: MIT
 */
#include "tcheck.h"

#include <mptcp/mptcp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TH_SYN MPTCP_TH_SYN
#define TH_SYNACK (MPTCP_TH_SYN | MPTCP_TH_ACK)
#define TH_ACK MPTCP_TH_ACK
#define TH_RST MPTCP_TH_RST
#define V0 MPTCP_VERSION_0
#define V1 MPTCP_VERSION_1
#define VANY MPTCP_VERSION_ANY

#define OK MPTCP_SUBOPT_OK
#define BLEN MPTCP_SUBOPT_BAD_LEN
#define BFLAGS MPTCP_SUBOPT_BAD_FLAGS
#define BCTX MPTCP_SUBOPT_BAD_CONTEXT
#define UNK MPTCP_SUBOPT_UNKNOWN
/* The spec only says "ignore": any status but OK is right. */
#define ANYBAD 100
/* TCP-level framing error (length byte < 2 or past the area): no
 * suboption at all, one n_malformed. */
#define TCPBAD 101

#define NOCTR (-1)
#define C_MPC MPTCP_CTR_MPC_MALFORMED
#define C_JOIN MPTCP_CTR_JOIN_MALFORMED
#define C_DSS MPTCP_CTR_DSS_MALFORMED
#define C_ADD MPTCP_CTR_ADD_ADDR_MALFORMED
#define C_RM MPTCP_CTR_RM_ADDR_MALFORMED
#define C_PRIO MPTCP_CTR_PRIO_MALFORMED
#define C_FAIL MPTCP_CTR_FAIL_MALFORMED
#define C_FC MPTCP_CTR_FASTCLOSE_MALFORMED
#define C_RST MPTCP_CTR_TCPRST_MALFORMED
#define C_PP MPTCP_CTR_PREFER_PROXY_MALFORMED
#define C_UNK MPTCP_CTR_MPTCP_OPT_UNKNOWN
#define C_TCP MPTCP_CTR_TCPOPT_MALFORMED

#define KA "01 02 03 04 05 06 07 08 "
#define KB "fe dc ba 98 76 54 32 10 "
#define HM20 "d9 17 6d 34 c5 8a ef 52 6a a4 9d 8d 6d 86 9a 81 95 19 96 8e "
#define V4A "c0 00 02 01 "
#define V6A "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 "
#define HM8 "40 c5 ba 64 bf a2 57 30 "

typedef struct row {
  const char *name;
  const char *hex;
  uint8_t tcp_flags;
  size_t payload;
  uint8_t version;
  int status;  /* MPTCP_SUBOPT_*, ANYBAD or TCPBAD */
  int counter; /* enum mptcp_counter, or NOCTR */
} row;

static const row rows[] = {
    /* ---------------- MP_CAPABLE v1 (§2.2) ---------------- */
    {"mpc v1 syn ok", "1e 04 01 01", TH_SYN, 0, V1, OK, NOCTR},
    {"mpc v1 syn A ok", "1e 04 01 81", TH_SYN, 0, VANY, OK, NOCTR},
    {"mpc v1 syn len3", "1e 03 01", TH_SYN, 0, V1, BLEN, C_MPC},
    {"mpc v1 syn len5", "1e 05 01 01 00", TH_SYN, 0, V1, BLEN, C_MPC},
    {"mpc v1 syn len8", "1e 08 01 01 00 00 00 00", TH_SYN, 0, V1, BLEN, C_MPC},
    {"mpc v1 syn len12", "1e 0c 01 01 " KA, TH_SYN, 0, V1, BLEN, C_MPC},
    {"mpc v1 syn len12 any", "1e 0c 01 01 " KA, TH_SYN, 0, VANY, BLEN, C_MPC},
    {"mpc v1 syn len20", "1e 14 01 01 " KA KB, TH_SYN, 0, V1, BLEN, C_MPC},
    {"mpc v1 synack ok", "1e 0c 01 01 " KB, TH_SYNACK, 0, V1, OK, NOCTR},
    {"mpc v1 synack len4", "1e 04 01 01", TH_SYNACK, 0, V1, BLEN, C_MPC},
    {"mpc v1 synack len20", "1e 14 01 01 " KA KB, TH_SYNACK, 0, V1, BLEN,
     C_MPC},
    {"mpc v1 synack len13", "1e 0d 01 01 " KB "00", TH_SYNACK, 0, V1, BLEN,
     C_MPC},
    {"mpc v1 ack ok", "1e 14 01 01 " KA KB, TH_ACK, 0, V1, OK, NOCTR},
    {"mpc v1 ack len4", "1e 04 01 01", TH_ACK, 0, V1, BLEN, C_MPC},
    {"mpc v1 ack len12", "1e 0c 01 01 " KA, TH_ACK, 0, V1, BLEN, C_MPC},
    {"mpc v1 ack len21", "1e 15 01 01 " KA KB "00", TH_ACK, 0, V1, BLEN, C_MPC},
    {"mpc v1 ack len22 no payload", "1e 16 01 01 " KA KB "00 0d", TH_ACK, 0, V1,
     BLEN, C_MPC},
    {"mpc v1 ack len24 no payload", "1e 18 01 81 " KA KB "00 0d 6d 1b", TH_ACK,
     0, V1, BLEN, C_MPC},
    {"mpc v1 data len22 ok", "1e 16 01 01 " KA KB "00 0d", TH_ACK, 13, V1, OK,
     NOCTR},
    {"mpc v1 data len24 ok", "1e 18 01 81 " KA KB "00 0d 6d 1b", TH_ACK, 13, V1,
     OK, NOCTR},
    {"mpc v1 len20 with payload", "1e 14 01 01 " KA KB, TH_ACK, 13, V1, BLEN,
     C_MPC},
    {"mpc v1 len23 with payload", "1e 17 01 01 " KA KB "00 0d 00", TH_ACK, 13,
     V1, BLEN, C_MPC},
    {"mpc v1 len12 with payload", "1e 0c 01 01 " KA, TH_ACK, 13, V1, BLEN,
     C_MPC},
    {"mpc v1 D..H zero", "1e 04 01 00", TH_SYN, 0, V1, BFLAGS, C_MPC},
    {"mpc v1 A only", "1e 04 01 80", TH_SYN, 0, V1, BFLAGS, C_MPC},
    {"mpc v1 C only", "1e 04 01 20", TH_SYN, 0, V1, BFLAGS, C_MPC},
    {"mpc v1 B=1", "1e 04 01 41", TH_SYN, 0, V1, BFLAGS, C_MPC},
    {"mpc v1 B=1 synack", "1e 0c 01 41 " KB, TH_SYNACK, 0, V1, BFLAGS, C_MPC},
    {"mpc v1 ack D..H zero", "1e 14 01 80 " KA KB, TH_ACK, 0, V1, BFLAGS,
     C_MPC},
    {"mpc v1 data B=1", "1e 16 01 41 " KA KB "00 0d", TH_ACK, 13, V1, BFLAGS,
     C_MPC},
    /* ---------------- MP_CAPABLE v0 ---------------- */
    {"mpc v0 syn ok", "1e 0c 00 81 " KA, TH_SYN, 0, V0, OK, NOCTR},
    {"mpc v0 syn ok any", "1e 0c 00 81 " KA, TH_SYN, 0, VANY, OK, NOCTR},
    {"mpc v0 syn len4", "1e 04 00 81", TH_SYN, 0, V0, BLEN, C_MPC},
    {"mpc v0 syn len4 any", "1e 04 00 81", TH_SYN, 0, VANY, BLEN, C_MPC},
    {"mpc v0 syn len20", "1e 14 00 81 " KA KB, TH_SYN, 0, V0, BLEN, C_MPC},
    {"mpc v0 synack len20", "1e 14 00 81 " KA KB, TH_SYNACK, 0, V0, BLEN,
     C_MPC},
    {"mpc v0 ack len12", "1e 0c 00 81 " KA, TH_ACK, 0, V0, BLEN, C_MPC},
    {"mpc v0 data len22", "1e 16 00 81 " KA KB "00 0d", TH_ACK, 13, V0, BLEN,
     C_MPC},
    {"mpc v0 data len24", "1e 18 00 81 " KA KB "00 0d 6d 1b", TH_ACK, 13, V0,
     BLEN, C_MPC},
    {"mpc v0 C..H zero", "1e 0c 00 80 " KA, TH_SYN, 0, V0, BFLAGS, C_MPC},
    {"mpc v0 C..H zero none", "1e 0c 00 00 " KA, TH_SYN, 0, V0, BFLAGS, C_MPC},
    {"mpc v0 ack C..H zero", "1e 14 00 00 " KA KB, TH_ACK, 0, V0, BFLAGS,
     C_MPC},
    {"mpc v0 B=1", "1e 0c 00 41 " KA, TH_SYN, 0, V0, BFLAGS, C_MPC},
    /* ---------------- MP_JOIN (§4.1) ---------------- */
    {"join syn ok", "1e 0c 10 02 18 f9 78 1b 11 22 33 44", TH_SYN, 0, V1, OK,
     NOCTR},
    {"join synack ok", "1e 10 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc dd",
     TH_SYNACK, 0, V1, OK, NOCTR},
    {"join ack ok", "1e 18 10 00 " HM20, TH_ACK, 0, V1, OK, NOCTR},
    {"join len3", "1e 03 10", TH_SYN, 0, V1, BLEN, C_JOIN},
    {"join syn len11", "1e 0b 10 02 18 f9 78 1b 11 22 33", TH_SYN, 0, V1, BLEN,
     C_JOIN},
    {"join syn len13", "1e 0d 10 02 18 f9 78 1b 11 22 33 44 00", TH_SYN, 0, V1,
     BLEN, C_JOIN},
    {"join syn len16", "1e 10 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc dd",
     TH_SYN, 0, V1, ANYBAD, C_JOIN},
    {"join syn len24", "1e 18 10 00 " HM20, TH_SYN, 0, V0, ANYBAD, C_JOIN},
    {"join synack len12", "1e 0c 10 02 18 f9 78 1b 11 22 33 44", TH_SYNACK, 0,
     V1, ANYBAD, C_JOIN},
    {"join synack len15", "1e 0f 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc",
     TH_SYNACK, 0, V1, BLEN, C_JOIN},
    {"join synack len17", "1e 11 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc dd 00",
     TH_SYNACK, 0, V0, BLEN, C_JOIN},
    {"join synack len24", "1e 18 10 00 " HM20, TH_SYNACK, 0, V1, ANYBAD,
     C_JOIN},
    {"join ack len12", "1e 0c 10 02 18 f9 78 1b 11 22 33 44", TH_ACK, 0, V1,
     ANYBAD, C_JOIN},
    {"join ack len16", "1e 10 10 03 61 29 c6 69 ea 48 a5 81 aa bb cc dd",
     TH_ACK, 0, V1, ANYBAD, C_JOIN},
    {"join ack len23",
     "1e 17 10 00 d9 17 6d 34 c5 8a ef 52 6a a4 9d 8d 6d 86 "
     "9a 81 95 19 96",
     TH_ACK, 0, V1, BLEN, C_JOIN},
    {"join ack len25", "1e 19 10 00 " HM20 "00", TH_ACK, 0, V1, BLEN, C_JOIN},
    /* ---------------- DSS (§5.2) ---------------- */
    {"dss empty ok", "1e 04 20 00", TH_ACK, 0, V1, OK, NOCTR},
    {"dss A ok", "1e 08 20 01 0f a7 e2 8f", TH_ACK, 0, V1, OK, NOCTR},
    {"dss a without A ok", "1e 04 20 02", TH_ACK, 0, V1, OK, NOCTR},
    {"dss A|a|m without M ok", "1e 0c 20 0b 28 08 18 bf 0f a7 e2 8f", TH_ACK, 0,
     V1, OK, NOCTR},
    {"dss A|M ok", "1e 12 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d",
     TH_ACK, 13, V1, OK, NOCTR},
    {"dss A|M csum ok",
     "1e 14 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d 6d 1b", TH_ACK, 13,
     V1, OK, NOCTR},
    {"dss all csum ok",
     "1e 1c 20 0f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d "
     "6f 73 00 00 00 01 00 0d 6d 1b",
     TH_ACK, 13, V1, OK, NOCTR},
    {"dss len3", "1e 03 20", TH_ACK, 0, V1, BLEN, C_DSS},
    {"dss none len5", "1e 05 20 00 00", TH_ACK, 0, V1, BLEN, C_DSS},
    {"dss none len6", "1e 06 20 00 00 00", TH_ACK, 0, V1, BLEN, C_DSS},
    {"dss A len6", "1e 06 20 01 0f a7", TH_ACK, 0, V1, BLEN, C_DSS},
    {"dss A len10", "1e 0a 20 01 0f a7 e2 8f 00 00", TH_ACK, 0, V1, BLEN,
     C_DSS},
    {"dss A|a len8", "1e 08 20 03 0f a7 e2 8f", TH_ACK, 0, V1, BLEN, C_DSS},
    {"dss A|a len14", "1e 0e 20 03 28 08 18 bf 0f a7 e2 8f 00 00", TH_ACK, 0,
     V1, BLEN, C_DSS},
    {"dss A|M len16", "1e 10 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01", TH_ACK,
     13, V1, BLEN, C_DSS},
    {"dss A|M len17", "1e 11 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00",
     TH_ACK, 13, V1, BLEN, C_DSS},
    {"dss A|M len19",
     "1e 13 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d "
     "6d",
     TH_ACK, 13, V1, BLEN, C_DSS},
    {"dss A|M len21",
     "1e 15 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d "
     "6d 1b 00",
     TH_ACK, 13, V1, BLEN, C_DSS},
    {"dss A|M len22",
     "1e 16 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d "
     "6d 1b 00 00",
     TH_ACK, 13, V1, BLEN, C_DSS},
    {"dss A|M len24",
     "1e 18 20 05 0f a7 e2 8f d2 9d 6f 73 00 00 00 01 00 0d "
     "6d 1b 00 00 00 00",
     TH_ACK, 13, V1, BLEN, C_DSS},
    {"dss M len12", "1e 0c 20 04 d2 9d 6f 73 00 00 00 01", TH_ACK, 13, V1, BLEN,
     C_DSS},
    {"dss M len15", "1e 0f 20 04 d2 9d 6f 73 00 00 00 01 00 0d 00", TH_ACK, 13,
     V1, BLEN, C_DSS},
    {"dss all len27",
     "1e 1b 20 0f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d 6f "
     "73 00 00 00 01 00 0d 6d",
     TH_ACK, 13, V1, BLEN, C_DSS},
    {"dss all len30 (over max 28)",
     "1e 1e 20 0f 28 08 18 bf 0f a7 e2 8f f5 a1 "
     "01 d3 d2 9d 6f 73 00 00 00 01 00 0d 6d 1b 00 00",
     TH_ACK, 13, V1, BLEN, C_DSS},
    {"dss all len40",
     "1e 28 20 1f 28 08 18 bf 0f a7 e2 8f f5 a1 01 d3 d2 9d 6f "
     "73 00 00 00 01 00 0d 6d 1b 00 00 00 00 00 00 00 00 00 00 00 00",
     TH_ACK, 13, V0, BLEN, C_DSS},
    /* ---------------- ADD_ADDR v1 (§6.1) ---------------- */
    {"add v1 v4 ok", "1e 10 30 05 " V4A HM8, TH_ACK, 0, V1, OK, NOCTR},
    {"add v1 v4 echo ok", "1e 08 31 05 " V4A, TH_ACK, 0, V1, OK, NOCTR},
    {"add v1 unassigned bits ok", "1e 08 3f 05 " V4A, TH_ACK, 0, V1, OK, NOCTR},
    {"add v1 v6 port ok", "1e 1e 30 06 " V6A "01 bb " HM8, TH_ACK, 0, V1, OK,
     NOCTR},
    {"add v1 len3", "1e 03 30", TH_ACK, 0, V1, BLEN, C_ADD},
    {"add v1 len4", "1e 04 30 05", TH_ACK, 0, V1, BLEN, C_ADD},
    {"add v1 len7", "1e 07 31 05 c0 00 02", TH_ACK, 0, V1, BLEN, C_ADD},
    {"add v1 len9", "1e 09 31 05 " V4A "1f", TH_ACK, 0, V1, BLEN, C_ADD},
    {"add v1 len12", "1e 0c 30 05 " V4A "1f 90 00 00", TH_ACK, 0, V1, BLEN,
     C_ADD},
    {"add v1 len14", "1e 0e 30 05 " V4A "1f 90 00 00 00 00", TH_ACK, 0, V1,
     BLEN, C_ADD},
    {"add v1 len17", "1e 11 30 05 " V4A HM8 "00", TH_ACK, 0, V1, BLEN, C_ADD},
    {"add v1 len19", "1e 13 30 05 " V4A "1f 90 " HM8 "00", TH_ACK, 0, V1, BLEN,
     C_ADD},
    {"add v1 len24",
     "1e 18 30 06 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 "
     "01 00 00 00 00",
     TH_ACK, 0, V1, BLEN, C_ADD},
    {"add v1 len26", "1e 1a 30 06 " V6A "00 00 00 00 00 00", TH_ACK, 0, V1,
     BLEN, C_ADD},
    {"add v1 len29", "1e 1d 30 06 " V6A HM8 "00", TH_ACK, 0, V1, BLEN, C_ADD},
    {"add v1 len31", "1e 1f 30 06 " V6A "01 bb " HM8 "00", TH_ACK, 0, V1, BLEN,
     C_ADD},
    {"add v1 len32", "1e 20 31 06 " V6A "01 bb " HM8 "00 00", TH_ACK, 0, V1,
     BLEN, C_ADD},
    {"add v1 E=0 len8 (no HMAC)", "1e 08 30 05 " V4A, TH_ACK, 0, V1, ANYBAD,
     C_ADD},
    {"add v1 E=0 len22 (no HMAC)", "1e 16 30 06 " V6A "01 bb", TH_ACK, 0, V1,
     ANYBAD, C_ADD},
    {"add v1 E=1 len16 (HMAC on echo)", "1e 10 31 05 " V4A HM8, TH_ACK, 0, V1,
     ANYBAD, C_ADD},
    {"add v1 E=1 len28", "1e 1c 31 06 " V6A HM8, TH_ACK, 0, V1, ANYBAD, C_ADD},
    /* ---------------- ADD_ADDR v0 ---------------- */
    {"add v0 v4 ok", "1e 08 34 05 " V4A, TH_ACK, 0, V0, OK, NOCTR},
    {"add v0 v4 port ok", "1e 0a 34 05 " V4A "1f 90", TH_ACK, 0, V0, OK, NOCTR},
    {"add v0 v6 ok", "1e 14 36 06 " V6A, TH_ACK, 0, V0, OK, NOCTR},
    {"add v0 v6 port ok", "1e 16 36 06 " V6A "01 bb", TH_ACK, 0, V0, OK, NOCTR},
    {"add v0 ipver0", "1e 08 30 05 " V4A, TH_ACK, 0, V0, ANYBAD, C_ADD},
    {"add v0 ipver5", "1e 08 35 05 " V4A, TH_ACK, 0, V0, ANYBAD, C_ADD},
    {"add v0 ipver7 len20", "1e 14 37 06 " V6A, TH_ACK, 0, V0, ANYBAD, C_ADD},
    {"add v0 ipverF len22", "1e 16 3f 06 " V6A "01 bb", TH_ACK, 0, V0, ANYBAD,
     C_ADD},
    {"add v0 v4 len20", "1e 14 34 06 " V6A, TH_ACK, 0, V0, ANYBAD, C_ADD},
    {"add v0 v6 len8", "1e 08 36 05 " V4A, TH_ACK, 0, V0, ANYBAD, C_ADD},
    {"add v0 v6 len10", "1e 0a 36 05 " V4A "1f 90", TH_ACK, 0, V0, ANYBAD,
     C_ADD},
    {"add v0 v4 len16", "1e 10 34 05 " V4A HM8, TH_ACK, 0, V0, BLEN, C_ADD},
    {"add v0 v4 len9", "1e 09 34 05 " V4A "1f", TH_ACK, 0, V0, BLEN, C_ADD},
    {"add v0 v6 len28", "1e 1c 36 06 " V6A HM8, TH_ACK, 0, V0, BLEN, C_ADD},
    /* ---------------- REMOVE_ADDR ---------------- */
    {"rm ok", "1e 04 40 05", TH_ACK, 0, V1, OK, NOCTR},
    {"rm zero ids", "1e 03 40", TH_ACK, 0, V1, BLEN, C_RM},
    {"rm zero ids v0", "1e 03 40", TH_ACK, 0, V0, BLEN, C_RM},
    /* ---------------- MP_PRIO ---------------- */
    {"prio v1 ok", "1e 03 51", TH_ACK, 0, V1, OK, NOCTR},
    {"prio v0 addr ok", "1e 04 51 05", TH_ACK, 0, V0, OK, NOCTR},
    {"prio v1 len4", "1e 04 51 05", TH_ACK, 0, V1, BLEN, C_PRIO},
    {"prio v1 len5", "1e 05 51 05 00", TH_ACK, 0, V1, BLEN, C_PRIO},
    {"prio v0 len5", "1e 05 51 05 00", TH_ACK, 0, V0, BLEN, C_PRIO},
    {"prio v0 len8", "1e 08 50 05 00 00 00 00", TH_ACK, 0, V0, BLEN, C_PRIO},
    /* ---------------- MP_FAIL / MP_FASTCLOSE ---------------- */
    {"fail ok", "1e 0c 60 00 f5 a1 01 d3 d2 9d 6f 73", TH_ACK, 0, V1, OK,
     NOCTR},
    {"fail len4", "1e 04 60 00", TH_ACK, 0, V1, BLEN, C_FAIL},
    {"fail len8", "1e 08 60 00 d2 9d 6f 73", TH_ACK, 0, V1, BLEN, C_FAIL},
    {"fail len11", "1e 0b 60 00 f5 a1 01 d3 d2 9d 6f", TH_ACK, 0, V1, BLEN,
     C_FAIL},
    {"fail len13", "1e 0d 60 00 f5 a1 01 d3 d2 9d 6f 73 00", TH_RST, 0, V1,
     BLEN, C_FAIL},
    {"fastclose ok", "1e 0c 70 00 " KB, TH_ACK, 0, V1, OK, NOCTR},
    {"fastclose len11", "1e 0b 70 00 fe dc ba 98 76 54 32", TH_ACK, 0, V1, BLEN,
     C_FC},
    {"fastclose len13", "1e 0d 70 00 " KB "00", TH_RST, 0, V1, BLEN, C_FC},
    {"fastclose len20", "1e 14 70 00 " KB KA, TH_ACK, 0, V0, BLEN, C_FC},
    /* ---------------- MP_TCPRST ---------------- */
    {"tcprst ok", "1e 04 81 01", TH_RST, 0, V1, OK, NOCTR},
    {"tcprst UVW ok", "1e 04 8f 02", TH_RST | TH_ACK, 0, V1, OK, NOCTR},
    {"tcprst len3", "1e 03 81", TH_RST, 0, V1, BLEN, C_RST},
    {"tcprst len5", "1e 05 81 01 00", TH_RST, 0, V1, BLEN, C_RST},
    {"tcprst len8", "1e 08 81 01 00 00 00 00", TH_RST, 0, V1, BLEN, C_RST},
    {"tcprst on ACK", "1e 04 81 01", TH_ACK, 0, V1, BCTX, C_RST},
    {"tcprst on SYN", "1e 04 80 06", TH_SYN, 0, V1, BCTX, C_RST},
    {"tcprst on FIN|ACK any", "1e 04 80 00", TH_ACK | MPTCP_TH_FIN, 0, VANY,
     BCTX, C_RST},
    {"tcprst in v0", "1e 04 81 01", TH_RST, 0, V0, UNK, C_UNK},
    /* ---------------- MP_PREFER_PROXY (subtype 0xF by default) ---------- */
    {"pp ok", "1e 04 f0 00", TH_SYN, 0, V1, OK, NOCTR},
    {"pp len3", "1e 03 f0", TH_SYN, 0, V1, BLEN, C_PP},
    {"pp len5", "1e 05 f0 00 00", TH_SYN, 0, V1, BLEN, C_PP},
    {"pp len8", "1e 08 f0 00 00 00 00 00", TH_SYN, 0, VANY, BLEN, C_PP},
    {"pp on ACK", "1e 04 f0 00", TH_ACK, 0, V1, BCTX, C_PP},
    {"pp on RST", "1e 04 f0 00", TH_RST, 0, V1, BCTX, C_PP},
    /* ---------------- unknown subtypes ---------------- */
    {"subtype 9", "1e 04 90 00", TH_ACK, 0, V1, UNK, C_UNK},
    {"subtype E", "1e 06 e0 00 01 02", TH_SYN, 0, V1, UNK, C_UNK},
    /* ---------------- TCP-level framing ---------------- */
    {"len byte 0", "1e 00 20 01", TH_ACK, 0, V1, TCPBAD, C_TCP},
    {"len byte 1", "1e 01 20 01", TH_ACK, 0, V1, TCPBAD, C_TCP},
    {"len past area", "1e 10 20 01 0f a7 e2 8f", TH_ACK, 0, V1, TCPBAD, C_TCP},
    {"len byte missing", "1e", TH_ACK, 0, V1, TCPBAD, C_TCP},
    {"len 41 in 40-byte area",
     "1e 29 20 00 00 00 00 00 00 00 00 00 00 00 00 00 "
     "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
     TH_ACK, 0, V1, TCPBAD, C_TCP},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

static int status_matches(int want, unsigned got) {
  if (want == ANYBAD) return got != MPTCP_SUBOPT_OK;
  return (unsigned)want == got;
}

static void check_counters(const row *r, const mptcp_tcpopts *o) {
  mptcp_counters c;
  memset(&c, 0, sizeof c);
  mptcp_counters_add_opts(&c, o);
  for (size_t i = 0; i < MPTCP_CTR_COUNT; i++) {
    uint64_t want = (r->counter >= 0 && (size_t)r->counter == i) ? 1 : 0;
    ck_assert_msg(c.v[i] == want, "%s: counter %s = %llu, want %llu", r->name,
                  mptcp_counter_name(i), (unsigned long long)c.v[i],
                  (unsigned long long)want);
  }
}

START_TEST(test_malformed_table) {
  const row *r = &rows[_i];
  uint8_t b[64];
  size_t n = tcheck_hex(r->hex, b, sizeof b);
  ck_assert_uint_le(n, MPTCP_TCP_OPT_MAX);
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, r->tcp_flags, r->payload);
  ctx.version = r->version;

  /* 1. Alone. */
  if (r->status != TCPBAD) {
    ck_assert_msg(b[1] == n, "%s: table row length byte mismatch", r->name);
    mptcp_subopt so;
    memset(&so, 0xEE, sizeof so);
    uint8_t *exact = malloc(n);
    ck_assert_ptr_nonnull(exact);
    memcpy(exact, b, n);
    mptcp_subopt_parse(exact, n, &ctx, &so);
    free(exact);
    ck_assert_msg(status_matches(r->status, so.status),
                  "%s: status %u, want %d", r->name, so.status, r->status);
    ck_assert_msg(so.len == n, "%s: len %u", r->name, so.len);
    if (so.status != MPTCP_SUBOPT_OK) {
      ck_assert_msg(so.raw_len == n, "%s: raw_len %u", r->name, so.raw_len);
      ck_assert_bytes(so.raw, so.raw_len, b, n);
    }
    if (so.status == MPTCP_SUBOPT_UNKNOWN)
      ck_assert_uint_eq(so.subtype, b[2] >> 4);
  }

  /* 2. As a whole option area, on an exact-size heap buffer. */
  uint8_t *area = malloc(n);
  ck_assert_ptr_nonnull(area);
  memcpy(area, b, n);
  mptcp_tcpopts o;
  memset(&o, 0xEE, sizeof o);
  mptcp_tcpopts_parse(area, n, &ctx, &o);
  free(area);
  if (r->status == TCPBAD) {
    ck_assert_msg(o.n_mptcp == 0, "%s: n_mptcp %u", r->name, o.n_mptcp);
    ck_assert_msg(o.n_malformed == 1, "%s: n_malformed %u", r->name,
                  o.n_malformed);
    ck_assert_uint_eq(o.n_mptcp_bad, 0);
  } else {
    ck_assert_msg(o.n_mptcp == 1, "%s: n_mptcp %u", r->name, o.n_mptcp);
    ck_assert_msg(status_matches(r->status, o.mptcp[0].status),
                  "%s: area status %u, want %d", r->name, o.mptcp[0].status,
                  r->status);
    ck_assert_uint_eq(o.n_mptcp_bad, o.mptcp[0].status != MPTCP_SUBOPT_OK);
    ck_assert_msg(o.n_malformed == 0, "%s: n_malformed %u", r->name,
                  o.n_malformed);
  }
  ck_assert_uint_eq(o.present, 0);
  ck_assert_uint_eq(o.n_unknown, 0);

  /* 3. Counters. */
  check_counters(r, &o);

  /* 4. A bad suboption does not stop the decoding of what follows. */
  if (r->status != TCPBAD) {
    static const char ts[] = "08 0a 00 00 30 39 00 00 d4 31"; /* 12345/54321 */
    static const char dss[] = "1e 08 20 01 0f a7 e2 8f";
    uint8_t big[80];
    memcpy(big, b, n);
    size_t m = n + tcheck_hex(ts, big + n, sizeof big - n);
    int want_dss = !(r->tcp_flags & TH_SYN) && m + 8 <= MPTCP_TCP_OPT_MAX;
    if (want_dss) m += tcheck_hex(dss, big + m, sizeof big - m);
    if (m <= MPTCP_TCP_OPT_MAX) {
      uint8_t *exact = malloc(m);
      ck_assert_ptr_nonnull(exact);
      memcpy(exact, big, m);
      mptcp_tcpopts_parse(exact, m, &ctx, &o);
      free(exact);
      ck_assert_msg(o.present & MPTCP_HAS_TS, "%s: TS after it not decoded",
                    r->name);
      ck_assert_uint_eq(o.ts_val, 12345);
      ck_assert_uint_eq(o.ts_ecr, 54321);
      ck_assert_uint_eq(o.n_malformed, 0);
      ck_assert_uint_eq(o.n_mptcp, want_dss ? 2 : 1);
      ck_assert(status_matches(r->status, o.mptcp[0].status));
      if (want_dss) {
        ck_assert_msg(o.mptcp[1].status == MPTCP_SUBOPT_OK,
                      "%s: following DSS status %u", r->name,
                      o.mptcp[1].status);
        ck_assert_uint_eq(o.mptcp[1].subtype, MPTCP_SUB_DSS);
        ck_assert_uint_eq(o.mptcp[1].u.dss.data_ack, 0x0fa7e28fu);
      }
      check_counters(r, &o);
    }
  }
}
END_TEST

/* An MPTCP option of length 2 has no subtype byte: never OK, nothing read
 * beyond the two bytes (exact heap buffer). */
START_TEST(test_len2_option) {
  static const uint8_t two[2] = {0x1e, 0x02};
  uint8_t *exact = malloc(2);
  ck_assert_ptr_nonnull(exact);
  memcpy(exact, two, 2);
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, TH_ACK, 0);
  mptcp_subopt so;
  mptcp_subopt_parse(exact, 2, &ctx, &so);
  ck_assert_uint_ne(so.status, MPTCP_SUBOPT_OK);
  ck_assert_uint_eq(so.raw_len, 2);
  ck_assert_bytes(so.raw, 2, two, 2);
  free(exact);
}
END_TEST

/* ---------------------------------------------------------------- */
/* Length sweeps: every length 3..40 for every subtype/form/flag set. */
/* ---------------------------------------------------------------- */

static void sweep_one(const char *what, uint8_t b2, uint8_t b3, size_t len,
                      uint8_t tcp_flags, size_t payload, uint8_t version,
                      int want) {
  uint8_t *opt = malloc(len);
  ck_assert_ptr_nonnull(opt);
  memset(opt, 0, len);
  opt[0] = MPTCP_TCPOPT_KIND;
  opt[1] = (uint8_t)len;
  opt[2] = b2;
  if (len > 3) opt[3] = b3;
  mptcp_parse_ctx ctx;
  mptcp_parse_ctx_init(&ctx, tcp_flags, payload);
  ctx.version = version;
  mptcp_subopt so;
  mptcp_subopt_parse(opt, len, &ctx, &so);
  free(opt);
  ck_assert_msg(status_matches(want, so.status),
                "%s (byte2 0x%02x byte3 0x%02x) len %zu, tcp 0x%02x payload "
                "%zu version %u: status %u, want %d",
                what, b2, b3, len, tcp_flags, payload, version, so.status,
                want);
  if (so.status != MPTCP_SUBOPT_OK) ck_assert_uint_eq(so.raw_len, len);
}

static int in(size_t v, const size_t *set, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (set[i] == v) return 1;
  return 0;
}

START_TEST(test_length_sweep) {
  size_t L = 3 + (size_t)_i; /* 3..40 */

  /* DSS: expected length, or expected+2 when a mapping is present. */
  for (unsigned f = 0; f < 32; f++) {
    size_t exp = 4;
    if (f & MPTCP_DSS_A) exp += (f & MPTCP_DSS_a) ? 8 : 4;
    if (f & MPTCP_DSS_M) exp += (f & MPTCP_DSS_m) ? 14 : 10;
    int ok = L == exp || ((f & MPTCP_DSS_M) && L == exp + 2);
    sweep_one("DSS", 0x20, (uint8_t)f, L, TH_ACK, 10, V1, ok ? OK : BLEN);
    sweep_one("DSS v0", 0x20, (uint8_t)f, L, TH_ACK, 0, V0, ok ? OK : BLEN);
  }

  /* ADD_ADDR v1: the E flag picks the column. */
  static const size_t hm[] = {16, 18, 28, 30}, echo[] = {8, 10, 20, 22};
  for (int e = 0; e <= 1; e++) {
    const size_t *mine = e ? echo : hm, *other = e ? hm : echo;
    int want = in(L, mine, 4) ? OK : in(L, other, 4) ? ANYBAD : BLEN;
    sweep_one("ADD_ADDR v1", (uint8_t)(0x30 | e), 7, L, TH_ACK, 0, V1, want);
  }
  /* ADD_ADDR v0: IPVer 4 -> 8/10, 6 -> 20/22, anything else invalid. */
  for (unsigned ipver = 0; ipver < 16; ipver++) {
    static const size_t v0all[] = {8, 10, 20, 22};
    int want;
    if ((ipver == 4 && (L == 8 || L == 10)) ||
        (ipver == 6 && (L == 20 || L == 22)))
      want = OK;
    else if (ipver != 4 && ipver != 6)
      want = ANYBAD;
    else
      want = in(L, v0all, 4) ? ANYBAD : BLEN;
    sweep_one("ADD_ADDR v0", (uint8_t)(0x30 | ipver), 7, L, TH_ACK, 0, V0,
              want);
  }

  /* MP_CAPABLE (§2.2 and v0 §2). */
  sweep_one("MPC v1 SYN", 0x01, 0x81, L, TH_SYN, 0, V1, L == 4 ? OK : BLEN);
  sweep_one("MPC v1 SYN/ACK", 0x01, 0x81, L, TH_SYNACK, 0, V1,
            L == 12 ? OK : BLEN);
  sweep_one("MPC v1 ACK", 0x01, 0x81, L, TH_ACK, 0, V1, L == 20 ? OK : BLEN);
  sweep_one("MPC v1 DATA", 0x01, 0x81, L, TH_ACK | MPTCP_TH_PSH, 100, V1,
            (L == 22 || L == 24) ? OK : BLEN);
  sweep_one("MPC v0 SYN", 0x00, 0x81, L, TH_SYN, 0, V0, L == 12 ? OK : BLEN);
  sweep_one("MPC v0 SYN/ACK", 0x00, 0x81, L, TH_SYNACK, 0, V0,
            L == 12 ? OK : BLEN);
  sweep_one("MPC v0 ACK", 0x00, 0x81, L, TH_ACK, 0, V0, L == 20 ? OK : BLEN);

  /* MP_JOIN: the segment type fixes the form. */
  static const size_t joins[] = {12, 16, 24};
  sweep_one("JOIN SYN", 0x10, 1, L, TH_SYN, 0, V1,
            L == 12           ? OK
            : in(L, joins, 3) ? ANYBAD
                              : BLEN);
  sweep_one("JOIN SYN/ACK", 0x11, 1, L, TH_SYNACK, 0, V1,
            L == 16           ? OK
            : in(L, joins, 3) ? ANYBAD
                              : BLEN);
  sweep_one("JOIN ACK", 0x10, 0, L, TH_ACK, 0, V0,
            L == 24           ? OK
            : in(L, joins, 3) ? ANYBAD
                              : BLEN);

  sweep_one("REMOVE_ADDR", 0x40, 1, L, TH_ACK, 0, V1, L >= 4 ? OK : BLEN);
  sweep_one("MP_PRIO v1", 0x51, 1, L, TH_ACK, 0, V1, L == 3 ? OK : BLEN);
  sweep_one("MP_PRIO v0", 0x51, 1, L, TH_ACK, 0, V0,
            (L == 3 || L == 4) ? OK : BLEN);
  sweep_one("MP_FAIL", 0x60, 0, L, TH_ACK, 0, V1, L == 12 ? OK : BLEN);
  sweep_one("MP_FASTCLOSE", 0x70, 0, L, TH_ACK, 0, V1, L == 12 ? OK : BLEN);
  sweep_one("MP_TCPRST", 0x81, 1, L, TH_RST, 0, V1, L == 4 ? OK : BLEN);
  sweep_one("MP_PREFER_PROXY", 0xF0, 0, L, TH_SYN, 0, V1, L == 4 ? OK : BLEN);
  for (unsigned s = 0x9; s <= 0xE; s++)
    sweep_one("unknown", (uint8_t)(s << 4), 0, L, TH_ACK, 0, V1, UNK);
}
END_TEST

Suite *suite_options_table(void) {
  const tcheck_test tests[] = {
      TCHECK_LOOP(test_malformed_table, N_ROWS),
      TCHECK_TEST(test_len2_option),
      TCHECK_LOOP(test_length_sweep, 38),
  };
  return tcheck_suite("options_table", tests, sizeof tests / sizeof tests[0]);
}
