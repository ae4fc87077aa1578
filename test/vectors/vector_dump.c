/*
 * vector_dump: decodes every TCP packet of a pcap file with libmptcp and
 * prints one normalised line per packet, for compare_tshark.py.
 *
 *   vector_dump FILE.pcap
 *
 * Output, one line per TCP packet (frame numbers count every record of the
 * file from 1, as tshark does):
 *
 *   frame=N nopt=K
 *   frame=N nopt=K clamped=CAPLEN/LEN  (see clamped_opts())
 *   frame=N error=CODE              (mptcp_pkt_parse failed)
 *
 * followed, for each MPTCP option of that packet in wire order, by a line
 *
 *   opt frame=N idx=I subtype=S len=L status=ST name=value ...
 *
 * Field names are the tshark field names without the "tcp.options.mptcp."
 * prefix (version, flags, sendkey, recvkey, datalvllen, checksum, backup,
 * addrid, recvtok, sendrand, sendtrunchmac, sendhmac, rawdataack,
 * rawdataseqno, subflowseqno, echo, ipver, ipv4, ipv6, port,
 * addaddrtrunchmac, count, rst_reason, tflags), plus expected_token and
 * expected_idsn (tshark's mptcp.expected_*), which libmptcp's
 * mptcp_crypto_key_derive() computes from an MP_CAPABLE sender's key.
 * Integers are decimal; byte strings and addresses are lower-case hex
 * without separators.
 * Options are decoded with MPTCP_VERSION_ANY: a capture does not say which
 * version a signalling option belongs to.
 *
 * Exit status: 0, or 2 on a usage / file error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>

#include <mptcp/codec.h>
#include <mptcp/crypto.h>

#include "pcap_ip.h"

static void hex(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static uint64_t be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

static void print_addr(const mptcp_ipaddr *a) {
  if (a->family == MPTCP_AF_INET) {
    printf(" ipv4=");
    hex(a->a, 4);
  } else if (a->family == MPTCP_AF_INET6) {
    printf(" ipv6=");
    hex(a->a, 16);
  } else {
    printf(" addrfamily=%u", a->family);
  }
}

static void print_subopt(unsigned long frame, unsigned idx,
                         const mptcp_subopt *so, const mptcp_parse_ctx *ctx) {
  /* MP_PREFER_PROXY is reported by libmptcp with a pseudo subtype; print
   * the subtype that was on the wire (the configured one). */
  unsigned wire_subtype = so->subtype;
  if (so->subtype == MPTCP_SUB_PREFER_PROXY)
    wire_subtype = ctx->prefer_proxy_subtype;
  printf("opt frame=%lu idx=%u subtype=%u len=%u status=%u", frame, idx,
         wire_subtype, so->len, so->status);
  if (so->status != MPTCP_SUBOPT_OK) {
    printf(" raw=");
    hex(so->raw, so->raw_len);
    printf("\n");
    return;
  }
  switch (so->subtype) {
  case MPTCP_SUB_CAPABLE: {
    const mptcp_mpc *m = &so->u.mpc;
    printf(" form=%u version=%u flags=%u", m->form, m->version, m->flags);
    if (m->form != MPTCP_MPC_SYN || m->version == 0) {
      printf(" sendkey=%" PRIu64, m->snd_key);
      /* What tshark derives from the sender's key (mptcp.expected_*). */
      uint32_t token;
      uint64_t idsn;
      if (mptcp_crypto_key_derive(m->version == 0 ? 0 : 1, m->snd_key, &token,
                                  &idsn) == 0)
        printf(" expected_token=%" PRIu32 " expected_idsn=%" PRIu64, token,
               idsn);
      else
        printf(" expected_token=error");
    }
    if (m->form == MPTCP_MPC_ACK || m->form == MPTCP_MPC_DATA)
      printf(" recvkey=%" PRIu64, m->rcv_key);
    if (m->form == MPTCP_MPC_DATA) {
      printf(" datalvllen=%u", m->dll);
      if (m->has_csum) printf(" checksum=%u", m->csum);
    }
    break;
  }
  case MPTCP_SUB_JOIN: {
    const mptcp_join *j = &so->u.join;
    printf(" form=%u", j->form);
    if (j->form == MPTCP_JOIN_SYN) {
      printf(" backup=%u addrid=%u recvtok=%" PRIu32 " sendrand=%" PRIu32,
             j->backup, j->addr_id, j->token, j->nonce);
    } else if (j->form == MPTCP_JOIN_SYNACK) {
      printf(" backup=%u addrid=%u sendtrunchmac=%" PRIu64
             " sendrand=%" PRIu32,
             j->backup, j->addr_id, be64(j->hmac), j->nonce);
    } else {
      printf(" sendhmac=");
      hex(j->hmac, 20);
    }
    break;
  }
  case MPTCP_SUB_DSS: {
    const mptcp_dss *d = &so->u.dss;
    printf(" flags=%u", d->flags);
    if (d->flags & MPTCP_DSS_A) printf(" rawdataack=%" PRIu64, d->data_ack);
    if (d->flags & MPTCP_DSS_M) {
      printf(" rawdataseqno=%" PRIu64 " subflowseqno=%" PRIu32
             " datalvllen=%u",
             d->dsn, d->ssn, d->dll);
      if (d->has_csum) printf(" checksum=%u", d->csum);
    }
    break;
  }
  case MPTCP_SUB_ADD_ADDR: {
    const mptcp_add_addr *a = &so->u.add_addr;
    if (a->v0)
      printf(" ipver=%u", a->addr.family == MPTCP_AF_INET6 ? 6u : 4u);
    else
      printf(" echo=%u", a->echo);
    printf(" addrid=%u", a->addr_id);
    print_addr(&a->addr);
    if (a->has_port) printf(" port=%u", a->port);
    if (a->has_hmac) printf(" addaddrtrunchmac=%" PRIu64, a->hmac);
    break;
  }
  case MPTCP_SUB_REMOVE_ADDR: {
    const mptcp_remove_addr *r = &so->u.rm_addr;
    printf(" count=%u addrid=", r->n);
    for (unsigned i = 0; i < r->n; i++)
      printf("%s%u", i ? "," : "", r->ids[i]);
    break;
  }
  case MPTCP_SUB_PRIO:
    printf(" backup=%u", so->u.prio.backup);
    if (so->u.prio.has_addr_id) printf(" addrid=%u", so->u.prio.addr_id);
    break;
  case MPTCP_SUB_FAIL:
    printf(" rawdataseqno=%" PRIu64, so->u.fail_dsn);
    break;
  case MPTCP_SUB_FASTCLOSE:
    printf(" recvkey=%" PRIu64, so->u.fastclose_key);
    break;
  case MPTCP_SUB_TCPRST:
    printf(" tflags=%u rst_reason=%u", so->u.tcprst.flags,
           so->u.tcprst.reason);
    break;
  case MPTCP_SUB_PREFER_PROXY:
    printf(" prefer_proxy=1");
    break;
  default:
    printf(" raw=");
    hex(so->raw, so->raw_len);
    break;
  }
  printf("\n");
}

/*
 * libpcap clamps a record's caplen to the snapshot length in the file
 * header, even when the record holds more bytes (tcpdump's
 * mptcp-dss-oobr.pcap: snaplen 73, one 74-byte record), so the packet
 * handed to us ends before the length its IP header announces and
 * mptcp_pkt_parse() rightly says MPTCP_ERR_TRUNCATED. For such a record
 * (caplen < len) the TCP option area is located here by hand (IPv4 with
 * IHL, IPv6 without extension headers) and whatever of it was captured is
 * given to mptcp_tcpopts_parse(). Returns 1 if that worked.
 */
static int clamped_opts(const uint8_t *ip, size_t len, const uint8_t **opts,
                        size_t *opts_len, uint8_t *tcp_flags,
                        size_t *payload_len) {
  size_t ihl, total;
  if (len < 1) return 0;
  if (ip[0] >> 4 == 4) {
    if (len < 20 || ip[9] != 6) return 0;
    ihl = (size_t)(ip[0] & 0x0F) * 4;
    total = (size_t)ip[2] << 8 | ip[3];
  } else if (ip[0] >> 4 == 6) {
    if (len < 40 || ip[6] != 6) return 0;
    ihl = 40;
    total = 40 + ((size_t)ip[4] << 8 | ip[5]);
  } else {
    return 0;
  }
  if (len < ihl + 20 || total < ihl + 20) return 0;
  const uint8_t *tcp = ip + ihl;
  size_t doff = (size_t)(tcp[12] >> 4) * 4;
  if (doff < 20 || total < ihl + doff) return 0;
  size_t have = len - ihl - 20;
  *opts = tcp + 20;
  *opts_len = doff - 20 < have ? doff - 20 : have;
  *tcp_flags = tcp[13];
  *payload_len = total - ihl - doff;
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE.pcap\n", argv[0]);
    return 2;
  }
  char errbuf[PCAP_ERRBUF_SIZE];
  pcap_t *pc = pcap_open_offline(argv[1], errbuf);
  if (!pc) {
    fprintf(stderr, "%s: %s\n", argv[1], errbuf);
    return 2;
  }
  int dlt = pcap_datalink(pc);
  struct pcap_pkthdr *h;
  const u_char *frame;
  unsigned long n = 0;
  int rc;
  while ((rc = pcap_next_ex(pc, &h, &frame)) == 1) {
    n++;
    size_t off = 0;
    int ip = pcap_ip_offset(dlt, frame, h->caplen, &off);
    if (ip < 0) {
      fprintf(stderr, "%s: unsupported link type %d\n", argv[1], dlt);
      pcap_close(pc);
      return 2;
    }
    if (ip == 0) continue; /* ARP, ... */
    mptcp_pkt pkt;
    const uint8_t *opts;
    size_t opts_len, payload_len;
    uint8_t tcp_flags;
    int clamped = 0;
    int err = mptcp_pkt_parse(frame + off, h->caplen - off, 0, &pkt);
    if (err == MPTCP_ERR_NOT_TCP) continue; /* DNS over UDP, ... */
    if (err == 0) {
      opts = pkt.opts;
      opts_len = pkt.opts_len;
      tcp_flags = pkt.tcp_flags;
      payload_len = pkt.payload_len;
    } else if (err == MPTCP_ERR_TRUNCATED && h->caplen < h->len &&
               clamped_opts(frame + off, h->caplen - off, &opts, &opts_len,
                            &tcp_flags, &payload_len)) {
      clamped = 1;
    } else {
      printf("frame=%lu error=%d\n", n, err);
      continue;
    }
    mptcp_parse_ctx ctx;
    mptcp_parse_ctx_init(&ctx, tcp_flags, payload_len);
    ctx.version = MPTCP_VERSION_ANY;
    mptcp_tcpopts o;
    memset(&o, 0, sizeof o);
    mptcp_tcpopts_parse(opts, opts_len, &ctx, &o);
    if (clamped)
      printf("frame=%lu nopt=%u clamped=%u/%u\n", n, o.n_mptcp, h->caplen,
             h->len);
    else
      printf("frame=%lu nopt=%u\n", n, o.n_mptcp);
    for (unsigned i = 0; i < o.n_mptcp; i++) print_subopt(n, i, &o.mptcp[i], &ctx);
  }
  if (rc == PCAP_ERROR) {
    fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(pc));
    pcap_close(pc);
    return 2;
  }
  pcap_close(pc);
  return 0;
}
