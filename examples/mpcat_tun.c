/* mpcat's Linux glue: TUN devices and local-address checks.
 * SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* struct ifreq, IFNAMSIZ, getifaddrs under -std=c11 */
#endif

#include "mpcat_tun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <mptcp/stack.h>

void mpcat_format_ip(const mptcp_ipaddr *a, char *buf, size_t cap) {
  char txt[INET6_ADDRSTRLEN] = "?";
  if (a->family == MPTCP_AF_INET6)
    inet_ntop(AF_INET6, a->a, txt, sizeof txt);
  else if (a->family == MPTCP_AF_INET)
    inet_ntop(AF_INET, a->a, txt, sizeof txt);
  snprintf(buf, cap, "%s", txt);
}

int mpcat_parse_ip(const char *s, mptcp_ipaddr *out) {
  char tmp[INET6_ADDRSTRLEN + 2];
  size_t n = strlen(s);
  memset(out, 0, sizeof *out);
  if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
    if (n - 2 >= sizeof tmp) return -1;
    memcpy(tmp, s + 1, n - 2);
    tmp[n - 2] = '\0';
    if (inet_pton(AF_INET6, tmp, out->a) != 1) return -1;
    out->family = MPTCP_AF_INET6;
    return 0;
  }
  if (inet_pton(AF_INET, s, out->a) == 1) {
    out->family = MPTCP_AF_INET;
    return 0;
  }
  if (inet_pton(AF_INET6, s, out->a) == 1) {
    out->family = MPTCP_AF_INET6;
    return 0;
  }
  memset(out, 0, sizeof *out);
  return -1;
}

/* An address next to @p a for the kernel's side of the example: the same
 * /24 or /64 with the last byte 1 (or 2 if @p a already ends in 1). */
static void neighbour_example(const mptcp_ipaddr *a, char *buf, size_t cap) {
  mptcp_ipaddr k = *a;
  size_t last = a->family == MPTCP_AF_INET6 ? 15 : 3;
  char txt[INET6_ADDRSTRLEN];
  k.a[last] = a->a[last] == 1 ? 2 : 1;
  mpcat_format_ip(&k, txt, sizeof txt);
  if (a->family == MPTCP_AF_INET6)
    snprintf(buf, cap, "-6 addr add %s/64 nodad", txt);
  else
    snprintf(buf, cap, "addr add %s/24", txt);
}

static void missing_msg(const char *ifname, const mptcp_ipaddr *addr, char *err,
                        size_t errlen) {
  char ex[INET6_ADDRSTRLEN + 32], txt[INET6_ADDRSTRLEN];
  neighbour_example(addr, ex, sizeof ex);
  mpcat_format_ip(addr, txt, sizeof txt);
  snprintf(err, errlen,
           "TUN device \"%s\" does not exist (mpcat attaches to an existing "
           "device, it never creates one).\n"
           "Create and configure it first, as root (in the same network "
           "namespace):\n"
           "  ip tuntap add dev %s mode tun\n"
           "  ip %s dev %s    # the kernel's own address\n"
           "  ip link set %s up\n"
           "then run mpcat with -t %s=%s (an address the kernel routes via "
           "%s, not its own).",
           ifname, ifname, ex, ifname, ifname, ifname, txt, ifname);
}

/* The offloads of a device opened with IFF_VNET_HDR. */
static int set_offload(int fd, char *err, size_t errlen) {
  int sz = (int)sizeof(struct virtio_net_hdr);
  if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0 ||
      ioctl(fd, TUNSETOFFLOAD,
            (unsigned long)(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) < 0) {
    snprintf(err, errlen, "cannot set the TUN offloads: %s", strerror(errno));
    return -1;
  }
  return 0;
}

int mpcat_tun_open(const char *ifname, const mptcp_ipaddr *addr, int offload,
                   char *err, size_t errlen) {
  struct ifreq ifr;
  int fd, s, e;

  if (strlen(ifname) == 0 || strlen(ifname) >= IFNAMSIZ) {
    snprintf(err, errlen, "bad interface name \"%s\" (1 to %d characters)",
             ifname, IFNAMSIZ - 1);
    return -1;
  }
  /* TUNSETIFF would create a missing device: look first. */
  if (if_nametoindex(ifname) == 0) {
    missing_msg(ifname, addr, err, errlen);
    return -1;
  }
  fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    e = errno;
    snprintf(err, errlen, "cannot open /dev/net/tun: %s%s", strerror(e),
             e == ENOENT   ? " (load the tun module: modprobe tun)"
             : e == EACCES ? " (run as root)"
                           : "");
    return -1;
  }
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0);
  memcpy(ifr.ifr_name, ifname, strlen(ifname));
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    e = errno;
    close(fd);
    if (e == ENODEV || e == ENOENT) {
      missing_msg(ifname, addr, err, errlen);
    } else {
      snprintf(err, errlen, "cannot attach to TUN device \"%s\": %s%s", ifname,
               strerror(e),
               e == EINVAL
                   ? " (is it a TUN device, created with `ip tuntap add "
                     "dev NAME mode tun` and without multi_queue?)"
               : e == EBUSY ? " (another process has it open)"
               : e == EPERM ? " (run as root or as the device's owner)"
                            : "");
    }
    return -1;
  }
  if (offload && set_offload(fd, err, errlen) < 0) {
    close(fd);
    return -1;
  }
  /* The device must be up, or the kernel neither sends into it nor accepts
   * what we write. */
  s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s >= 0) {
    struct ifreq q;
    memset(&q, 0, sizeof q);
    memcpy(q.ifr_name, ifname, strlen(ifname));
    if (ioctl(s, SIOCGIFFLAGS, &q) == 0 && !(q.ifr_flags & IFF_UP)) {
      close(s);
      close(fd);
      snprintf(err, errlen,
               "TUN device \"%s\" is down: bring it up with `ip link set %s "
               "up`",
               ifname, ifname);
      return -1;
    }
    close(s);
  }
  return fd;
}

ssize_t mpcat_tun_read(int fd, uint8_t *buf, size_t cap,
                       struct mptcp_pkt_info *pi) {
  struct virtio_net_hdr vh;
  struct iovec iov[2] = {{&vh, sizeof vh}, {buf, cap}};
  for (;;) {
    ssize_t n = pi ? readv(fd, iov, 2) : read(fd, buf, cap);
    if (pi && n >= (ssize_t)sizeof vh) {
      /* The kernel's word on the checksum (its own packets: NEEDS_CSUM);
       * a coalesced packet's gso fields need nothing: the stack takes
       * segments of any length. */
      memset(pi, 0, sizeof *pi);
      if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        pi->flags |= MPTCP_PKT_NEEDS_CSUM;
      if (vh.flags & VIRTIO_NET_HDR_F_DATA_VALID)
        pi->flags |= MPTCP_PKT_DATA_VALID;
      n -= (ssize_t)sizeof vh;
      if (n == 0) continue;
    }
    if (n > 0) return n;
    if (n == 0) {
      errno = EIO;
      return -1;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return -1;
  }
}

int mpcat_tun_write(int fd, const uint8_t *pkt, size_t len,
                    const struct mptcp_pkt_info *pi) {
  struct virtio_net_hdr vh;
  struct iovec iov[2] = {{&vh, sizeof vh}, {(void *)(uintptr_t)pkt, len}};
  size_t want = len;
  if (pi) {
    memset(&vh, 0, sizeof vh);
    if (pi->flags & MPTCP_PKT_NEEDS_CSUM) {
      vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
      vh.csum_start = pi->csum_start;
      vh.csum_offset = pi->csum_offset;
    }
    vh.gso_type = pi->gso_type == MPTCP_GSO_TCPV4   ? VIRTIO_NET_HDR_GSO_TCPV4
                  : pi->gso_type == MPTCP_GSO_TCPV6 ? VIRTIO_NET_HDR_GSO_TCPV6
                                                    : VIRTIO_NET_HDR_GSO_NONE;
    vh.gso_size = pi->gso_size;
    vh.hdr_len = pi->hdr_len;
    want += sizeof vh;
  }
  for (;;) {
    ssize_t n = pi ? writev(fd, iov, 2) : write(fd, pkt, len);
    if (n == (ssize_t)want) return 0;
    if (n >= 0) {
      errno = EIO;
      return -1;
    }
    if (errno == EINTR) continue;
    return -1;
  }
}

int mpcat_addr_is_local(const mptcp_ipaddr *a) {
  struct ifaddrs *list, *i;
  int found = 0;
  if (getifaddrs(&list) != 0) return 0;
  for (i = list; i && !found; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    if (i->ifa_addr->sa_family == AF_INET && a->family == MPTCP_AF_INET) {
      const struct sockaddr_in *s =
          (const struct sockaddr_in *)(void *)i->ifa_addr;
      found = memcmp(&s->sin_addr, a->a, 4) == 0;
    } else if (i->ifa_addr->sa_family == AF_INET6 &&
               a->family == MPTCP_AF_INET6) {
      const struct sockaddr_in6 *s =
          (const struct sockaddr_in6 *)(void *)i->ifa_addr;
      found = memcmp(&s->sin6_addr, a->a, 16) == 0;
    }
  }
  freeifaddrs(list);
  return found;
}
