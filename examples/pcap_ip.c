/* SPDX-License-Identifier: MIT */
#include "pcap_ip.h"

#include <pcap/pcap.h>

static int ethertype_is_ip(unsigned et) { return et == 0x0800 || et == 0x86DD; }

static unsigned be16(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* Ethernet, skipping up to two 802.1Q/802.1ad tags. */
static int ether(const uint8_t *f, size_t len, size_t *off) {
  size_t o = 12;
  for (int tags = 0; tags < 3; tags++) {
    if (len < o + 2) return 0;
    unsigned et = be16(f + o);
    if (et == 0x8100 || et == 0x88A8) {
      o += 4;
      continue;
    }
    *off = o + 2;
    return ethertype_is_ip(et);
  }
  return 0;
}

int pcap_ip_offset(int dlt, const uint8_t *f, size_t len, size_t *off) {
  switch (dlt) {
  case DLT_EN10MB: return ether(f, len, off);
  case DLT_RAW:
#ifdef DLT_IPV4
  case DLT_IPV4:
  case DLT_IPV6:
#endif
  case 101: /* LINKTYPE_RAW as stored in files */
    *off = 0;
    return len > 0 && (f[0] >> 4 == 4 || f[0] >> 4 == 6);
  case DLT_LINUX_SLL: /* 16-byte cooked header, protocol at 14 */
    if (len < 16) return 0;
    *off = 16;
    return ethertype_is_ip(be16(f + 14));
#ifdef DLT_LINUX_SLL2
  case DLT_LINUX_SLL2: /* 20-byte cooked header, protocol at 0 */
    if (len < 20) return 0;
    *off = 20;
    return ethertype_is_ip(be16(f));
#endif
  case DLT_NULL:
  case DLT_LOOP: /* 4-byte address family, host or network order */
    if (len < 5) return 0;
    *off = 4;
    return f[4] >> 4 == 4 || f[4] >> 4 == 6;
  default: return -1;
  }
}
