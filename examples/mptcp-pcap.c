/* mptcp-pcap: prints every TCP segment of a pcap file with its decoded
 * MPTCP options, one line each; with --check, also verifies what the capture
 * can prove (see mptcp_check.h) and exits 1 if anything checked is invalid.
 *
 *   mptcp-pcap [--check] [-q] [-v] FILE.pcap
 *
 * Exit status: 0 = read to the end (and, with --check, nothing invalid),
 * 1 = --check found invalid items, 2 = usage, unreadable file or
 * unsupported link type.
 *
 * SPDX-License-Identifier: MIT */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* u_int etc. for <pcap/pcap.h> under -std=c11 */
#endif
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mptcp/codec.h>

#include "mptcp_check.h"
#include "pcap_ip.h"

#define IP_MAX 65535

static const char *status_name(uint8_t st) {
  switch (st) {
  case MPTCP_SUBOPT_OK: return "ok";
  case MPTCP_SUBOPT_BAD_LEN: return "bad length";
  case MPTCP_SUBOPT_BAD_FLAGS: return "bad flags";
  case MPTCP_SUBOPT_BAD_CONTEXT: return "not allowed on this segment";
  case MPTCP_SUBOPT_UNKNOWN: return "unknown subtype";
  default: return "?";
  }
}

static void format_endpoint(const mptcp_ipaddr *a, uint16_t port, char *buf,
                            size_t cap) {
  char txt[INET6_ADDRSTRLEN];
  if (a->family == MPTCP_AF_INET6) {
    inet_ntop(AF_INET6, a->a, txt, sizeof txt);
    snprintf(buf, cap, "[%s]:%u", txt, port);
  } else {
    inet_ntop(AF_INET, a->a, txt, sizeof txt);
    snprintf(buf, cap, "%s:%u", txt, port);
  }
}

static void format_flags(uint8_t f, char *buf) {
  static const struct {
    uint8_t bit;
    char c;
  } names[] = {{MPTCP_TH_SYN, 'S'}, {MPTCP_TH_FIN, 'F'}, {MPTCP_TH_RST, 'R'},
               {MPTCP_TH_PSH, 'P'}, {MPTCP_TH_URG, 'U'}, {MPTCP_TH_ECE, 'E'},
               {MPTCP_TH_CWR, 'W'}, {MPTCP_TH_ACK, '.'}};
  size_t n = 0;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (f & names[i].bit) buf[n++] = names[i].c;
  if (n == 0) buf[n++] = '-';
  buf[n] = '\0';
}

static void print_segment(unsigned long frame, const char *when,
                          const mptcp_pkt *p, size_t wire_payload,
                          const mptcp_tcpopts *o) {
  char src[64], dst[64], fl[10];
  format_endpoint(&p->src, p->sport, src, sizeof src);
  format_endpoint(&p->dst, p->dport, dst, sizeof dst);
  format_flags(p->tcp_flags, fl);
  printf("%lu %s %s > %s [%s] seq %u", frame, when, src, dst, fl, p->seq);
  if (p->tcp_flags & MPTCP_TH_ACK) printf(" ack %u", p->ack);
  printf(" win %u len %zu", p->window, wire_payload);
  if (wire_payload != p->payload_len) printf(" (%zu captured)", p->payload_len);
  for (unsigned i = 0; i < o->n_mptcp; i++) {
    const mptcp_subopt *so = &o->mptcp[i];
    char txt[256];
    mptcp_subopt_format(so, txt, sizeof txt);
    printf("%s mptcp %s", i ? "," : " |", txt);
    if (so->status != MPTCP_SUBOPT_OK)
      printf(" <%s, len %u>", status_name(so->status), so->len);
  }
  if (o->n_malformed) printf(" <%u malformed TCP option(s)>", o->n_malformed);
  putchar('\n');
}

/* Parses an IP packet whose tail may be missing because of the snap length:
 * a private copy with the IP length field lowered to what was captured lets
 * the codec decode the headers that are there. */
static int parse_cut(const uint8_t *ip, size_t caplen, uint8_t *copy,
                     mptcp_pkt *pkt) {
  if (caplen > IP_MAX) return MPTCP_ERR_TRUNCATED;
  memcpy(copy, ip, caplen);
  if (caplen >= 20 && copy[0] >> 4 == 4) {
    copy[2] = (uint8_t)(caplen >> 8);
    copy[3] = (uint8_t)caplen;
  } else if (caplen >= 40 && copy[0] >> 4 == 6) {
    copy[4] = (uint8_t)((caplen - 40) >> 8);
    copy[5] = (uint8_t)(caplen - 40);
  } else {
    return MPTCP_ERR_TRUNCATED;
  }
  return mptcp_pkt_parse(copy, caplen, 0, pkt);
}

/* Length the IP header announces, or 0 if it cannot be read. */
static size_t ip_announced_len(const uint8_t *ip, size_t caplen) {
  if (caplen >= 4 && ip[0] >> 4 == 4) return (size_t)ip[2] << 8 | ip[3];
  if (caplen >= 6 && ip[0] >> 4 == 6) return 40 + ((size_t)ip[4] << 8 | ip[5]);
  return 0;
}

static void usage(FILE *f) {
  fputs("usage: mptcp-pcap [--check] [-q] [-v] FILE.pcap\n"
        "  prints every TCP segment with its MPTCP options, one per line\n"
        "  --check  verify tokens, IDSNs, MP_JOIN/ADD_ADDR HMACs, DSS and\n"
        "           TCP checksums; exit 1 if anything checked is invalid\n"
        "  -q       with --check: print only verdicts and the summary\n"
        "  -v       with --check: also list what could not be checked\n",
        f);
}

int main(int argc, char **argv) {
  int check = 0, quiet = 0, verbose = 0;
  const char *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--check") == 0) {
      check = 1;
    } else if (strcmp(argv[i], "-q") == 0) {
      quiet = 1;
    } else if (strcmp(argv[i], "-v") == 0) {
      verbose = 1;
    } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "mptcp-pcap: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    } else if (!file) {
      file = argv[i];
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (!file) {
    usage(stderr);
    return 2;
  }
  if (quiet && !check) quiet = 0;

  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_t *pc = pcap_open_offline(file, errbuf);
  if (!pc) {
    fprintf(stderr, "mptcp-pcap: %s: %s\n", file, errbuf);
    return 2;
  }
  int dlt = pcap_datalink(pc);
  size_t off;
  uint8_t probe[1] = {0};
  if (pcap_ip_offset(dlt, probe, 0, &off) < 0) {
    const char *name = pcap_datalink_val_to_name(dlt);
    fprintf(stderr,
            "mptcp-pcap: %s: link type %d (%s) is not supported (Ethernet, "
            "raw IP, Linux cooked v1/v2, BSD loopback are)\n",
            file, dlt, name ? name : "unknown");
    pcap_close(pc);
    return 2;
  }
  int nano = pcap_get_tstamp_precision(pc) == PCAP_TSTAMP_PRECISION_NANO;

  mchk *ck = NULL;
  if (check && !(ck = mchk_new(stdout, verbose))) {
    fprintf(stderr, "mptcp-pcap: out of memory\n");
    pcap_close(pc);
    return 2;
  }
  uint8_t *copy = malloc(IP_MAX);
  if (!copy) {
    fprintf(stderr, "mptcp-pcap: out of memory\n");
    mchk_free(ck);
    pcap_close(pc);
    return 2;
  }

  int rc = 0;
  unsigned long frame = 0;
  struct pcap_pkthdr *h;
  const u_char *data;
  int r;
  while ((r = pcap_next_ex(pc, &h, &data)) == 1) {
    frame++;
    if (pcap_ip_offset(dlt, data, h->caplen, &off) != 1) continue;
    const uint8_t *ip = data + off;
    size_t iplen = h->caplen - off;
    size_t wirelen = h->len > off ? h->len - off : 0;
    int snapped = h->caplen < h->len;
    char when[40];
    snprintf(when, sizeof when, nano ? "%lld.%09ld" : "%lld.%06ld",
             (long long)h->ts.tv_sec, (long)h->ts.tv_usec);

    if (ck) mchk_frame(ck, frame, ip, iplen, wirelen);
    mptcp_pkt pkt;
    int complete = 1;
    size_t wire_payload;
    int e = mptcp_pkt_parse(ip, iplen, 0, &pkt);
    if (e == MPTCP_ERR_TRUNCATED && snapped) {
      e = parse_cut(ip, iplen, copy, &pkt);
      complete = 0;
    }
    if (e == MPTCP_ERR_NOT_TCP || e == MPTCP_ERR_FRAGMENT) continue;
    if (e < 0) {
      if (!quiet)
        printf("%lu %s undecodable IP/TCP packet: %s\n", frame, when,
               mptcp_strerror(e));
      if (ck) mchk_bad_packet(ck, frame, e, snapped);
      continue;
    }
    wire_payload = pkt.payload_len;
    if (!complete) {
      size_t ann = ip_announced_len(ip, iplen);
      if (ann > iplen) wire_payload += ann - iplen;
    }

    mptcp_parse_ctx ctx;
    mptcp_parse_ctx_init(&ctx, pkt.tcp_flags, wire_payload);
    mptcp_tcpopts opts;
    mptcp_tcpopts_parse(pkt.opts, pkt.opts_len, &ctx, &opts);
    if (!quiet) print_segment(frame, when, &pkt, wire_payload, &opts);
    if (ck) mchk_segment(ck, frame, &pkt, &opts, complete);
  }
  if (r == PCAP_ERROR) {
    fflush(stdout);
    fprintf(stderr, "mptcp-pcap: %s: after frame %lu: %s\n", file, frame,
            pcap_geterr(pc));
    rc = 2;
  }
  if (ck) {
    unsigned long bad = mchk_finish(ck);
    if (bad && rc == 0) rc = 1;
  }
  mchk_free(ck);
  free(copy);
  pcap_close(pc);
  return rc;
}
