/* mpcat: netcat over libmptcp on Linux TUN devices.
 *
 *   mpcat [OPTIONS] -l PORT      serve one connection on PORT
 *   mpcat [OPTIONS] HOST PORT    connect to HOST (IPv4/IPv6 literal)
 *
 * The caller creates and configures the TUN devices (ip tuntap add, ip addr,
 * ip link set up); mpcat only attaches to them and uses the address given
 * with -t as its own address behind the device. stdin goes to the peer, the
 * peer's data to stdout; EOF on stdin half-closes.
 *
 * Exit status: 0 after a clean close in both directions; 1 on reset,
 * timeout, refusal, I/O or setup errors; 2 on bad usage; 128+N when killed
 * by signal N (SIGINT, SIGTERM, SIGHUP: the connection is aborted first).
 *
 * This is the app loop of doc/architecture.md: poll() on the TUN fds and
 * stdin/stdout until the stack's next deadline, feed packets and time in,
 * drain events, move application data, send what the stack wrote.
 *
 * SPDX-License-Identifier: MIT */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll, getopt_long, IFNAMSIZ under -std=c11 */
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mptcp/mptcp.h>

#include "mpcat_tun.h"

#define MAX_SUBFLOWS_SEEN 32
#define MAX_TUNS 8
#define PKT_MAX 65536
#define IO_CHUNK 65536
#define RX_BUDGET 256 /* packets read per TUN per loop turn */
#define APP_BUDGET 64 /* stdin reads / stdout writes per loop turn */
/* Send and receive buffer: mpcat serves one connection, so it can afford
 * what Linux autotunes a bulk TCP connection up to (tcp_wmem's 4 MiB).
 * The connection-level window must cover the fast path's bandwidth times
 * the slow path's delay, tbf queueing included: the library's 256 KiB
 * default held 100 + 20 Mbit/s paths with 25 ms queues to 0.7 of Linux. */
#define DEFAULT_BUF ((size_t)4 << 20)

#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct tun_path {
  char ifname[IFNAMSIZ];
  mptcp_ipaddr addr;
  int backup;
  int fd;    /* shared by paths on the same device */
  int owner; /* this entry opened fd */
};

struct opts {
  struct tun_path tun[MAX_TUNS];
  int ntun;
  int listen;
  uint16_t port;
  mptcp_ipaddr host;
  int no_mptcp;
  int offload; /* --offload: virtio-net headers and TUN offloads */
  int version;
  int checksum;
  int dsn64;
  const char *sched, *cc, *pcap_file, *stats_file;
  int pm; /* enum mptcp_pm_policy, -1: the stack's default */
  size_t sndbuf, rcvbuf;
  int quiet, verbose;
};

struct app {
  struct opts o;
  mptcp_stack *st;
  mptcp_conn *conn;
  pcap_t *pcap;
  pcap_dumper_t *dumper;
  int64_t wall_off_us; /* realtime - monotonic, for pcap timestamps */

  int established;    /* CONNECTED / ACCEPT seen */
  int send_blocked;   /* WOULDBLOCK until WRITABLE */
  int stdin_ready;    /* may read stdin without polling */
  int stdin_eof;      /* read() returned 0 */
  int shut_sent;      /* mptcp_conn_shutdown() done */
  int stdout_blocked; /* EAGAIN until POLLOUT */
  int rx_eof;         /* conn_read() reported EOF, all data written */
  int closed_ev;      /* MPTCP_EV_CLOSED seen */
  int failed;         /* exit code once the loop must stop, 0 = running */
  const char *result; /* for --stats */
  int tun_write_errs;

  uint8_t inbuf[IO_CHUNK];
  size_t in_off, in_len;
  uint8_t outbuf[IO_CHUNK];
  size_t out_off, out_len;
  uint8_t pkt[PKT_MAX];

  int stdin_fl, stdout_fl; /* original file status flags, -1 = unchanged */

  /* Every subflow seen, as last reported (the library forgets the ones
   * that closed while others went on), for --stats. */
  mptcp_subflow_info sfs[MAX_SUBFLOWS_SEEN];
  int nsfs;
  int joins_opened; /* the extra -t paths are joined/announced */
};

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

static const char usage_text[] =
    "usage: mpcat [OPTIONS] -l PORT       serve one connection on PORT\n"
    "       mpcat [OPTIONS] HOST PORT     connect to HOST (IPv4/IPv6 "
    "literal)\n"
    "\n"
    "stdin goes to the peer, the peer's data to stdout; EOF on stdin "
    "half-closes.\n"
    "\n"
    "options:\n"
    "  -t, --tun IFNAME=ADDR[,backup]  attach to the existing TUN device "
    "IFNAME and\n"
    "                          use ADDR (IPv4 or IPv6) as our address behind "
    "it;\n"
    "                          repeatable, the first is the initial path "
    "(required)\n"
    "  -l, --listen PORT       serve one connection on PORT at the first -t "
    "address\n"
    "      --no-mptcp          plain TCP\n"
    "      --offload           let the kernel checksum, segment and coalesce\n"
    "                          (IFF_VNET_HDR, TUNSETOFFLOAD; super-segments\n"
    "                          of up to 64 KiB each way)\n"
    "      --mptcp-version 0|1 MPTCP version to offer (default 1)\n"
    "      --checksum          ask for DSS checksums\n"
    "      --dsn64             64-bit DSNs in every DSS mapping (default: 32\n"
    "                          bits while the sending rate allows)\n"
    "      --sched NAME        MPTCP packet scheduler: minrtt (default), rr,\n"
    "                          redundant, blest, ecf\n"
    "      --cc NAME           congestion control: reno (default), lia, olia,\n"
    "                          balia\n"
    "      --pm NAME           path manager: join-announced (default: join\n"
    "                          what the peer announces from the first -t),\n"
    "                          fullmesh (a subflow from every -t to every\n"
    "                          address of the peer), none\n"
    "      --sndbuf BYTES      send buffer (K/M suffix; default 4M)\n"
    "      --rcvbuf BYTES      receive buffer, the connection's window\n"
    "                          (K/M suffix; default 4M)\n"
    "      --pcap FILE         write every packet in and out to FILE (raw "
    "IP)\n"
    "      --stats FILE        write connection statistics as JSON to FILE at "
    "exit\n"
    "  -q, --quiet             no progress messages (errors are still "
    "printed)\n"
    "  -v, --verbose           library log messages (twice: debug)\n"
    "  -h, --help              this text\n"
    "\n"
    "The TUN device must exist and be up, e.g.:\n"
    "  ip tuntap add dev tun0 mode tun\n"
    "  ip addr add 10.0.0.1/24 dev tun0\n"
    "  ip link set tun0 up\n"
    "  mpcat -t tun0=10.0.0.2 10.0.0.1 5000\n"
    "\n"
    "exit status: 0 clean close in both directions, 1 reset/timeout/error,\n"
    "2 bad usage, 128+N killed by signal N\n";

/* "a, b, c": the names of the built-in schedulers or CC algorithms. */
enum { SCHED_NAMES, CC_NAMES };
static const char *names_of(int which) {
  static char buf[128];
  size_t n = 0;
  buf[0] = 0;
  for (size_t i = 0;; i++) {
    const char *name = NULL;
    if (which == SCHED_NAMES) {
      const mptcp_sched_ops *o = mptcp_sched_get(i);
      name = o ? o->name : NULL;
    } else {
      const mptcp_cc_ops *o = mptcp_cc_get(i);
      name = o ? o->name : NULL;
    }
    if (!name) break;
    int k = snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", name);
    if (k < 0 || (size_t)k >= sizeof buf - n) break;
    n += (size_t)k;
  }
  return buf;
}

NORETURN PRINTF_LIKE(1, 2) static void usage_error(const char *fmt, ...) {
  va_list ap;
  fputs("mpcat: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n\n", stderr);
  fputs(usage_text, stderr);
  exit(EXIT_USAGE);
}

PRINTF_LIKE(1, 2) static void errmsg(const char *fmt, ...) {
  va_list ap;
  fputs("mpcat: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

PRINTF_LIKE(2, 3)
static void info(const struct app *a, const char *fmt, ...) {
  va_list ap;
  if (a->o.quiet) return;
  fputs("mpcat: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

/* Stops the loop with @p code; the first failure wins. */
PRINTF_LIKE(4, 5)
static void fail(struct app *a, int code, const char *result, const char *fmt,
                 ...) {
  va_list ap;
  if (a->failed) return;
  a->failed = code;
  a->result = result;
  fputs("mpcat: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
}

static mptcp_tstamp now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (mptcp_tstamp)ts.tv_sec * 1000000u + (mptcp_tstamp)ts.tv_nsec / 1000u;
}

static void format_addr(const mptcp_addr *ad, char *buf, size_t cap) {
  char ip[64];
  mpcat_format_ip(&ad->ip, ip, sizeof ip);
  if (ad->ip.family == MPTCP_AF_INET6)
    snprintf(buf, cap, "[%s]:%u", ip, ad->port);
  else
    snprintf(buf, cap, "%s:%u", ip, ad->port);
}

/* ---- options ------------------------------------------------------------ */

static int parse_port(const char *s, uint16_t *out) {
  char *end;
  unsigned long v;
  if (!*s || *s < '0' || *s > '9') return -1;
  errno = 0;
  v = strtoul(s, &end, 10);
  if (errno || *end || v == 0 || v > 65535) return -1;
  *out = (uint16_t)v;
  return 0;
}

/* "4194304", "4096K", "4M": 4 KiB .. 1 GiB. */
static int parse_size(const char *s, size_t *out) {
  char *end;
  unsigned long long v;
  if (!*s || *s < '0' || *s > '9') return -1;
  errno = 0;
  v = strtoull(s, &end, 10);
  if (errno || v > (1ull << 30)) return -1; /* before a shift overflows */
  if (*end == 'K' || *end == 'k') {
    v <<= 10;
    end++;
  } else if (*end == 'M' || *end == 'm') {
    v <<= 20;
    end++;
  }
  if (*end || v < 4096 || v > (1ull << 30)) return -1;
  *out = (size_t)v;
  return 0;
}

static void parse_tun(struct opts *o, const char *arg) {
  struct tun_path *t;
  const char *eq = strchr(arg, '=');
  char addr[128];
  const char *flags;
  size_t n;
  int i;

  if (o->ntun == MAX_TUNS) usage_error("at most %d -t/--tun options", MAX_TUNS);
  if (!eq || eq == arg)
    usage_error("bad -t/--tun \"%s\": expected IFNAME=ADDR[,backup]", arg);
  t = &o->tun[o->ntun];
  memset(t, 0, sizeof *t);
  t->fd = -1;
  n = (size_t)(eq - arg);
  if (n >= IFNAMSIZ)
    usage_error("bad -t/--tun \"%s\": interface name longer than %d "
                "characters",
                arg, IFNAMSIZ - 1);
  memcpy(t->ifname, arg, n);
  flags = strchr(eq + 1, ',');
  n = flags ? (size_t)(flags - (eq + 1)) : strlen(eq + 1);
  if (n == 0 || n >= sizeof addr)
    usage_error("bad -t/--tun \"%s\": expected IFNAME=ADDR[,backup]", arg);
  memcpy(addr, eq + 1, n);
  addr[n] = '\0';
  if (mpcat_parse_ip(addr, &t->addr) != 0)
    usage_error("bad -t/--tun \"%s\": \"%s\" is not an IPv4 or IPv6 address",
                arg, addr);
  if (mptcp_ipaddr_is_forbidden(&t->addr))
    usage_error("bad -t/--tun \"%s\": %s cannot be our address", arg, addr);
  while (flags) {
    const char *f = flags + 1;
    const char *next = strchr(f, ',');
    size_t fl = next ? (size_t)(next - f) : strlen(f);
    if (fl == 6 && memcmp(f, "backup", 6) == 0)
      t->backup = 1;
    else
      usage_error("bad -t/--tun \"%s\": unknown flag \"%.*s\" (only "
                  "\"backup\")",
                  arg, (int)fl, f);
    flags = next;
  }
  for (i = 0; i < o->ntun; i++)
    if (mptcp_ipaddr_equal(&o->tun[i].addr, &t->addr))
      usage_error("address %s given twice with -t/--tun", addr);
  o->ntun++;
}

static void parse_args(struct opts *o, int argc, char **argv) {
  enum {
    OPT_NO_MPTCP = 256,
    OPT_OFFLOAD,
    OPT_VERSION,
    OPT_CHECKSUM,
    OPT_DSN64,
    OPT_SCHED,
    OPT_CC,
    OPT_PM,
    OPT_PCAP,
    OPT_STATS,
    OPT_SNDBUF,
    OPT_RCVBUF
  };
  static const struct option longopts[] = {
      {"tun", required_argument, NULL, 't'},
      {"listen", required_argument, NULL, 'l'},
      {"no-mptcp", no_argument, NULL, OPT_NO_MPTCP},
      {"offload", no_argument, NULL, OPT_OFFLOAD},
      {"mptcp-version", required_argument, NULL, OPT_VERSION},
      {"checksum", no_argument, NULL, OPT_CHECKSUM},
      {"dsn64", no_argument, NULL, OPT_DSN64},
      {"sched", required_argument, NULL, OPT_SCHED},
      {"cc", required_argument, NULL, OPT_CC},
      {"pm", required_argument, NULL, OPT_PM},
      {"pcap", required_argument, NULL, OPT_PCAP},
      {"stats", required_argument, NULL, OPT_STATS},
      {"sndbuf", required_argument, NULL, OPT_SNDBUF},
      {"rcvbuf", required_argument, NULL, OPT_RCVBUF},
      {"quiet", no_argument, NULL, 'q'},
      {"verbose", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;

  memset(o, 0, sizeof *o);
  o->version = 1;
  o->pm = -1;
  o->sndbuf = o->rcvbuf = DEFAULT_BUF;
  opterr = 0;
  while ((c = getopt_long(argc, argv, ":t:l:qvh", longopts, NULL)) != -1) {
    switch (c) {
    case 't': parse_tun(o, optarg); break;
    case 'l':
      if (o->listen) usage_error("-l/--listen given twice");
      if (parse_port(optarg, &o->port) != 0)
        usage_error("bad port \"%s\" for -l (1..65535)", optarg);
      o->listen = 1;
      break;
    case OPT_NO_MPTCP: o->no_mptcp = 1; break;
    case OPT_OFFLOAD: o->offload = 1; break;
    case OPT_VERSION:
      if (strcmp(optarg, "0") == 0)
        o->version = 0;
      else if (strcmp(optarg, "1") == 0)
        o->version = 1;
      else
        usage_error("bad --mptcp-version \"%s\" (0 or 1)", optarg);
      break;
    case OPT_CHECKSUM: o->checksum = 1; break;
    case OPT_DSN64: o->dsn64 = 1; break;
    case OPT_SCHED:
      if (!mptcp_sched_find(optarg))
        usage_error("unknown --sched \"%s\" (one of: %s)", optarg,
                    names_of(SCHED_NAMES));
      o->sched = optarg;
      break;
    case OPT_CC:
      if (!mptcp_cc_find(optarg))
        usage_error("unknown --cc \"%s\" (one of: %s)", optarg,
                    names_of(CC_NAMES));
      o->cc = optarg;
      break;
    case OPT_PM:
      if (strcmp(optarg, "none") == 0)
        o->pm = MPTCP_PM_NONE;
      else if (strcmp(optarg, "join-announced") == 0)
        o->pm = MPTCP_PM_JOIN_ANNOUNCED;
      else if (strcmp(optarg, "fullmesh") == 0)
        o->pm = MPTCP_PM_FULLMESH;
      else
        usage_error("unknown --pm \"%s\" (one of: none, join-announced, "
                    "fullmesh)",
                    optarg);
      break;
    case OPT_PCAP:
      if (!*optarg) usage_error("--pcap needs a file name");
      o->pcap_file = optarg;
      break;
    case OPT_STATS:
      if (!*optarg) usage_error("--stats needs a file name");
      o->stats_file = optarg;
      break;
    case OPT_SNDBUF:
    case OPT_RCVBUF:
      if (parse_size(optarg, c == OPT_SNDBUF ? &o->sndbuf : &o->rcvbuf) != 0)
        usage_error("bad --%s \"%s\" (bytes, K or M suffix; 4K..1G)",
                    c == OPT_SNDBUF ? "sndbuf" : "rcvbuf", optarg);
      break;
    case 'q': o->quiet = 1; break;
    case 'v': o->verbose++; break;
    case 'h': fputs(usage_text, stdout); exit(0);
    case ':': usage_error("option %s needs an argument", argv[optind - 1]);
    default:
      if (optopt > 0 && optopt < 256)
        usage_error("unknown option -%c", optopt);
      else
        usage_error("unknown option %s", argv[optind - 1]);
    }
  }
  if (o->ntun == 0)
    usage_error("no TUN device: give at least one -t/--tun IFNAME=ADDR");
  if (o->listen) {
    if (optind != argc)
      usage_error("-l PORT takes no HOST/PORT arguments (got \"%s\")",
                  argv[optind]);
  } else {
    if (argc - optind != 2)
      usage_error(argc - optind < 2 ? "missing HOST and PORT (or -l PORT)"
                                    : "too many arguments");
    if (mpcat_parse_ip(argv[optind], &o->host) != 0)
      usage_error("bad HOST \"%s\": give an IPv4 or IPv6 address literal",
                  argv[optind]);
    if (mptcp_ipaddr_is_forbidden(&o->host))
      usage_error("bad HOST \"%s\": not a connection target", argv[optind]);
    if (parse_port(argv[optind + 1], &o->port) != 0)
      usage_error("bad PORT \"%s\" (1..65535)", argv[optind + 1]);
    if (o->host.family != o->tun[0].addr.family)
      usage_error("HOST %s is IPv%d but the first -t address is IPv%d",
                  argv[optind], o->host.family, o->tun[0].addr.family);
  }
}

/* ---- hooks -------------------------------------------------------------- */

static void log_hook(void *ud, int level, const char *msg, size_t len) {
  static const char *names[] = {"?", "error", "warn", "info", "debug"};
  (void)ud;
  fprintf(stderr, "mpcat: [%s] %.*s\n",
          names[level >= 1 && level <= 4 ? level : 0], (int)len, msg);
}

static void trace_hook(void *ud, int dir, const uint8_t *pkt, size_t len,
                       mptcp_tstamp now) {
  struct app *a = ud;
  struct pcap_pkthdr h;
  int64_t t;
  (void)dir;
  if (!a->dumper) return;
  t = (int64_t)now + a->wall_off_us;
  memset(&h, 0, sizeof h);
  h.ts.tv_sec = (time_t)(t / 1000000);
  h.ts.tv_usec = (suseconds_t)(t % 1000000);
  h.caplen = h.len = (bpf_u_int32)len;
  pcap_dump((u_char *)a->dumper, &h, pkt);
}

/* ---- packets ------------------------------------------------------------ */

static const struct tun_path *route(const struct app *a,
                                    const mptcp_ipaddr *src) {
  int i;
  for (i = 0; i < a->o.ntun; i++)
    if (mptcp_ipaddr_equal(&a->o.tun[i].addr, src)) return &a->o.tun[i];
  /* Not one of ours (a RST answering a stray segment): the first device of
   * the same family. */
  for (i = 0; i < a->o.ntun; i++)
    if (a->o.tun[i].addr.family == src->family) return &a->o.tun[i];
  return NULL;
}

static void flush_pkts(struct app *a, mptcp_tstamp now) {
  for (;;) {
    mptcp_pkt_info pi;
    const struct tun_path *t;
    mptcp_ssize n;
    memset(&pi, 0, sizeof pi);
    n = mptcp_stack_write_pkt(a->st, &pi, a->pkt, sizeof a->pkt, now);
    if (n == 0) return;
    if (n < 0) {
      fail(a, EXIT_FAIL, "error", "stack cannot write a packet: %s",
           mptcp_strerror((int)n));
      return;
    }
    t = route(a, &pi.src);
    if (!t) {
      char ip[64];
      mpcat_format_ip(&pi.src, ip, sizeof ip);
      errmsg("dropping a packet from %s: no TUN device for it", ip);
      continue;
    }
    if (mpcat_tun_write(t->fd, a->pkt, (size_t)n, a->o.offload ? &pi : NULL) !=
        0) {
      /* Lost like on a wire; TCP retransmits. A vanished device is fatal. */
      int e = errno;
      if (e == EBADFD || e == ENODEV || e == ENXIO) {
        fail(a, EXIT_FAIL, "error", "TUN device %s: write: %s", t->ifname,
             strerror(e));
        return;
      }
      if (a->tun_write_errs++ == 0)
        errmsg("TUN device %s: write: %s (packet dropped)", t->ifname,
               strerror(e));
    }
  }
}

static void read_tun(struct app *a, const struct tun_path *t) {
  int i;
  for (i = 0; i < RX_BUDGET; i++) {
    mptcp_tstamp now;
    int rc;
    mptcp_pkt_info pi;
    ssize_t n =
        mpcat_tun_read(t->fd, a->pkt, sizeof a->pkt, a->o.offload ? &pi : NULL);
    if (n == 0) return;
    if (n < 0) {
      fail(a, EXIT_FAIL, "error", "TUN device %s: read: %s", t->ifname,
           strerror(errno));
      return;
    }
    now = now_us();
    rc = mptcp_stack_read_pkt(a->st, a->o.offload ? &pi : NULL, a->pkt,
                              (size_t)n, now);
    if (rc < 0) {
      fail(a, EXIT_FAIL, "error", "stack cannot take a packet: %s",
           mptcp_strerror(rc));
      return;
    }
  }
}

/* ---- application data --------------------------------------------------- */

/* stdin -> connection. @return 1 if it stopped for the budget. */
static int pump_stdin(struct app *a, mptcp_tstamp now) {
  int i;
  if (!a->conn || !a->established || a->shut_sent || a->failed) return 0;
  for (i = 0; i < APP_BUDGET; i++) {
    if (a->in_len > 0) {
      mptcp_ssize r;
      if (a->send_blocked) return 0;
      r = mptcp_conn_write(a->conn, a->inbuf + a->in_off, a->in_len, now);
      if (r == MPTCP_ERR_WOULDBLOCK) {
        a->send_blocked = 1;
        return 0;
      }
      if (r <= 0) {
        fail(a, EXIT_FAIL, "error", "cannot send: %s",
             r == 0 ? "no progress" : mptcp_strerror((int)r));
        return 0;
      }
      a->in_off += (size_t)r;
      a->in_len -= (size_t)r;
      continue;
    }
    if (a->stdin_eof) {
      int rc = mptcp_conn_shutdown(a->conn, now);
      a->shut_sent = 1;
      if (rc != 0)
        fail(a, EXIT_FAIL, "error", "cannot half-close: %s",
             mptcp_strerror(rc));
      return 0;
    }
    if (!a->stdin_ready) return 0;
    {
      ssize_t n = read(STDIN_FILENO, a->inbuf, sizeof a->inbuf);
      if (n > 0) {
        a->in_off = 0;
        a->in_len = (size_t)n;
      } else if (n == 0) {
        a->stdin_eof = 1;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        a->stdin_ready = 0;
        return 0;
      } else if (errno != EINTR) {
        fail(a, EXIT_FAIL, "error", "stdin: %s", strerror(errno));
        return 0;
      }
    }
  }
  return 1;
}

/* Writes what it can of @p p to stdout. @return bytes written, 0 if
 * blocked, -1 after a failure. */
static ssize_t write_stdout(struct app *a, const uint8_t *p, size_t n) {
  for (;;) {
    ssize_t w = write(STDOUT_FILENO, p, n);
    if (w > 0) return w;
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      a->stdout_blocked = 1;
      return 0;
    }
    fail(a, EXIT_FAIL, "error", "stdout: %s",
         w < 0 ? strerror(errno) : "write returned 0");
    return -1;
  }
}

/* connection -> stdout. @return 1 if it stopped for the budget. */
static int pump_stdout(struct app *a, mptcp_tstamp now) {
  int i;
  if (!a->conn || a->rx_eof || a->failed) return 0;
  for (i = 0; i < APP_BUDGET; i++) {
    const uint8_t *p;
    size_t n;
    mptcp_ssize r;
    ssize_t w;
    if (a->stdout_blocked) return 0;
    if (a->out_len > 0) {
      w = write_stdout(a, a->outbuf + a->out_off, a->out_len);
      if (w <= 0) return 0;
      a->out_off += (size_t)w;
      a->out_len -= (size_t)w;
      continue;
    }
    n = mptcp_conn_peek(a->conn, &p);
    if (n > 0) {
      w = write_stdout(a, p, n);
      if (w <= 0) return 0;
      mptcp_conn_consume(a->conn, (size_t)w, now);
      continue;
    }
    /* Nothing contiguous: read() tells EOF and reset apart from "not yet". */
    r = mptcp_conn_read(a->conn, a->outbuf, sizeof a->outbuf, now);
    if (r > 0) {
      a->out_off = 0;
      a->out_len = (size_t)r;
      continue;
    }
    if (r == MPTCP_ERR_EOF) {
      a->rx_eof = 1;
      info(a, "peer finished sending");
    }
    /* MPTCP_ERR_CLOSED comes with a RESET/TIMEOUT event that says why. */
    return 0;
  }
  return 1;
}

/* ---- events ------------------------------------------------------------- */

static void on_established(struct app *a, const char *what) {
  mptcp_conn_info ci;
  char l[80], r[80];
  a->established = 1;
  a->stdin_ready = 1;
  if (a->o.quiet) return;
  mptcp_conn_get_info(a->conn, &ci);
  format_addr(&ci.local, l, sizeof l);
  format_addr(&ci.remote, r, sizeof r);
  info(a, "%s %s (local %s, %s)", what, r, l, ci.mptcp ? "MPTCP" : "plain TCP");
}

static int same_sf(const mptcp_subflow_info *x, const mptcp_subflow_info *y) {
  return x->local.port == y->local.port && x->remote.port == y->remote.port &&
         mptcp_ipaddr_equal(&x->local.ip, &y->local.ip) &&
         mptcp_ipaddr_equal(&x->remote.ip, &y->remote.ip);
}

/* Records the current state of every subflow of the connection. */
static void track_subflows(struct app *a) {
  size_t i, n;
  if (!a->conn) return;
  n = mptcp_conn_subflow_slots(a->conn);
  for (i = 0; i < n; i++) {
    mptcp_subflow_info si;
    int k;
    if (mptcp_conn_get_subflow(a->conn, i, &si) != 0) continue;
    for (k = 0; k < a->nsfs && !same_sf(&a->sfs[k], &si); k++) {
    }
    if (k == a->nsfs) {
      if (a->nsfs == MAX_SUBFLOWS_SEEN) continue;
      a->nsfs++;
      if (si.joined && !a->o.quiet && i > 0) {
        char l[80], r[80];
        format_addr(&si.local, l, sizeof l);
        format_addr(&si.remote, r, sizeof r);
        info(a, "subflow %s -> %s%s", l, r, si.backup ? " (backup)" : "");
      }
    }
    a->sfs[k] = si;
  }
}

/* Once MPTCP is up, every further -t address of the peer's family is
 * used: the client opens an MP_JOIN from it (RFC 8684 §3.2), the server
 * announces it (ADD_ADDR, §3.4.1). With --pm fullmesh the client hands
 * its addresses to the path manager instead, which joins each to every
 * address of the peer. */
static void open_joins(struct app *a, mptcp_tstamp now) {
  mptcp_conn_info ci;
  int i;
  if (a->joins_opened || !a->conn) return;
  a->joins_opened = 1;
  mptcp_conn_get_info(a->conn, &ci);
  if (!ci.mptcp) return;
  if (a->o.listen) {
    for (i = 1; i < a->o.ntun; i++) {
      const struct tun_path *t = &a->o.tun[i];
      mptcp_addr ad = {t->addr, 0};
      int rv;
      if (t->addr.family != ci.remote.ip.family) continue;
      rv = mptcp_conn_announce(a->conn, &ad, now);
      if (rv < 0)
        errmsg("cannot announce %s: %s", t->ifname, mptcp_strerror(rv));
    }
    return;
  }
  for (i = 1; i < a->o.ntun; i++) {
    const struct tun_path *t = &a->o.tun[i];
    mptcp_addr l = {t->addr, 0}, r = {a->o.host, a->o.port};
    int rv;
    if (a->o.pm == MPTCP_PM_FULLMESH) {
      rv = mptcp_conn_add_local_addr(a->conn, &l,
                                     t->backup ? MPTCP_SUBFLOW_BACKUP : 0, now);
      if (rv < 0) errmsg("cannot use %s: %s", t->ifname, mptcp_strerror(rv));
      continue;
    }
    if (t->addr.family != a->o.host.family) continue;
    rv = mptcp_conn_add_subflow(a->conn, &l, &r,
                                t->backup ? MPTCP_SUBFLOW_BACKUP : 0, now);
    if (rv < 0)
      errmsg("cannot open a subflow from %s: %s", t->ifname,
             mptcp_strerror(rv));
  }
}

static void drain_events(struct app *a, mptcp_tstamp now) {
  mptcp_event ev;
  char peer[80];
  while (mptcp_stack_next_event(a->st, &ev)) {
    uint32_t e = ev.events;
    if (ev.conn != a->conn) {
      if ((e & MPTCP_EV_ACCEPT) && a->o.listen && !a->conn) {
        a->conn = ev.conn;
        on_established(a, "connection from");
        open_joins(a, now);
      } else {
        /* mpcat serves one connection: reset any other. */
        if (!a->o.quiet && (e & MPTCP_EV_ACCEPT)) {
          mptcp_conn_info ci;
          mptcp_conn_get_info(ev.conn, &ci);
          format_addr(&ci.remote, peer, sizeof peer);
          info(a, "refusing a second connection from %s", peer);
        }
        mptcp_conn_release(ev.conn, now);
        continue;
      }
    }
    if (e & MPTCP_EV_CONNECTED) {
      on_established(a, "connected to");
      open_joins(a, now);
    }
    if (e & (MPTCP_EV_SUBFLOW | MPTCP_EV_CONNECTED | MPTCP_EV_ACCEPT |
             MPTCP_EV_CLOSED))
      track_subflows(a);
    if (e & MPTCP_EV_WRITABLE) a->send_blocked = 0;
    if (e & MPTCP_EV_REFUSED) {
      format_addr(&(mptcp_addr){a->o.host, a->o.port}, peer, sizeof peer);
      fail(a, EXIT_FAIL, "refused", "connection to %s refused", peer);
    }
    if (e & MPTCP_EV_RESET)
      fail(a, EXIT_FAIL, "reset", "connection reset by peer");
    if (e & MPTCP_EV_TIMEOUT)
      fail(a, EXIT_FAIL, "timeout",
           a->established ? "connection timed out (peer stopped answering)"
                          : "connection timed out (no answer to SYN)");
    if (e & MPTCP_EV_CLOSED) a->closed_ev = 1;
  }
}

/* Both directions done and our FIN acknowledged; with MPTCP our DATA_FIN
 * DATA_ACKed too, which only CLOSED tells (a subflow in TIME_WAIT may
 * still have to resend it). */
static int finished(const struct app *a) {
  mptcp_conn_info ci;
  if (!a->conn || !a->shut_sent || a->in_len || !a->rx_eof || a->out_len)
    return 0;
  if (a->closed_ev) return 1;
  mptcp_conn_get_info(a->conn, &ci);
  if (ci.mptcp) return 0;
  return ci.state == MPTCP_TCP_TIME_WAIT || ci.state == MPTCP_TCP_CLOSED;
}

/* ---- main loop ---------------------------------------------------------- */

static int run(struct app *a, const sigset_t *waitmask) {
  struct pollfd pfd[MAX_TUNS + 2];
  int tun_of[MAX_TUNS + 2];
  for (;;) {
    mptcp_tstamp now = now_us(), exp;
    struct timespec ts, *tsp = NULL;
    int n = 0, i, spin, in_idx = -1, out_idx = -1;

    if (g_signal) {
      if (a->conn) mptcp_conn_abort(a->conn, now);
      flush_pkts(a, now);
      a->result = "interrupted";
      errmsg("%s: %s", strsignal(g_signal),
             a->conn ? "connection aborted" : "exiting");
      return 128 + g_signal;
    }
    exp = mptcp_stack_get_expiry(a->st);
    if (exp != MPTCP_TSTAMP_NONE && now >= exp) {
      int rc = mptcp_stack_handle_expiry(a->st, now);
      if (rc < 0) fail(a, EXIT_FAIL, "error", "timers: %s", mptcp_strerror(rc));
    }
    drain_events(a, now);
    spin = pump_stdout(a, now);
    spin |= pump_stdin(a, now);
    flush_pkts(a, now);
    drain_events(a, now);
    if (a->failed) {
      flush_pkts(a, now_us());
      return a->failed;
    }
    if (finished(a)) {
      info(a, "connection closed");
      a->result = "ok";
      return 0;
    }
    /* After CLOSED, received data may still wait for stdout: only a close
     * with nothing left to deliver is premature. */
    if (a->closed_ev && !spin && !a->stdout_blocked) {
      fail(a, EXIT_FAIL, "closed",
           "connection closed before both directions finished");
      return a->failed;
    }

    for (i = 0; i < a->o.ntun; i++) {
      if (!a->o.tun[i].owner) continue;
      pfd[n].fd = a->o.tun[i].fd;
      pfd[n].events = POLLIN;
      tun_of[n++] = i;
    }
    if (a->established && !a->stdin_eof && !a->stdin_ready && !a->in_len) {
      in_idx = n;
      pfd[n].fd = STDIN_FILENO;
      pfd[n++].events = POLLIN;
    }
    if (a->stdout_blocked) {
      out_idx = n;
      pfd[n].fd = STDOUT_FILENO;
      pfd[n++].events = POLLOUT;
    }
    exp = mptcp_stack_get_expiry(a->st);
    now = now_us();
    if (spin || (exp != MPTCP_TSTAMP_NONE && exp <= now)) {
      ts.tv_sec = 0;
      ts.tv_nsec = 0;
      tsp = &ts;
    } else if (exp != MPTCP_TSTAMP_NONE) {
      mptcp_tstamp d = exp - now;
      ts.tv_sec = (time_t)(d / 1000000u);
      ts.tv_nsec = (long)(d % 1000000u) * 1000;
      tsp = &ts;
    }
    if (ppoll(pfd, (nfds_t)n, tsp, waitmask) < 0) {
      if (errno == EINTR) continue;
      fail(a, EXIT_FAIL, "error", "poll: %s", strerror(errno));
      return a->failed;
    }
    for (i = 0; i < n; i++) {
      short re = pfd[i].revents;
      if (!re) continue;
      if (i == in_idx) {
        a->stdin_ready = 1; /* readable, EOF, or error: read() will tell */
      } else if (i == out_idx) {
        if (re & (POLLERR | POLLNVAL)) {
          fail(a, EXIT_FAIL, "error", "stdout closed");
          break;
        }
        a->stdout_blocked = 0;
      } else {
        const struct tun_path *t = &a->o.tun[tun_of[i]];
        if (re & (POLLERR | POLLNVAL | POLLHUP)) {
          fail(a, EXIT_FAIL, "error",
               "TUN device %s: poll error (device gone?)", t->ifname);
          break;
        }
        if (re & POLLIN) read_tun(a, t);
      }
    }
  }
}

/* ---- setup, stats, teardown --------------------------------------------- */

static int open_tuns(struct app *a) {
  int i, j;
  char err[1024], ip[64];
  for (i = 0; i < a->o.ntun; i++) {
    struct tun_path *t = &a->o.tun[i];
    if (mpcat_addr_is_local(&t->addr)) {
      mpcat_format_ip(&t->addr, ip, sizeof ip);
      errmsg("%s is an address of this host's own kernel; -t needs an "
             "address that the kernel routes via %s (e.g. the other end of "
             "its subnet)",
             ip, t->ifname);
      return -1;
    }
    for (j = 0; j < i; j++)
      if (strcmp(a->o.tun[j].ifname, t->ifname) == 0) break;
    if (j < i) {
      t->fd = a->o.tun[j].fd;
      continue;
    }
    t->fd = mpcat_tun_open(t->ifname, &t->addr, a->o.offload, err, sizeof err);
    if (t->fd < 0) {
      errmsg("%s", err);
      return -1;
    }
    t->owner = 1;
  }
  return 0;
}

static void set_nonblock(int fd, int *saved) {
  int fl = fcntl(fd, F_GETFL);
  *saved = -1;
  if (fl < 0 || (fl & O_NONBLOCK)) return;
  if (fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0) *saved = fl;
}

static void write_stats(struct app *a) {
  FILE *f = fopen(a->o.stats_file, "w");
  mptcp_conn_info ci;
  char l[80], r[80];
  int k;
  if (!f) {
    errmsg("cannot write --stats file %s: %s", a->o.stats_file,
           strerror(errno));
    return;
  }
  memset(&ci, 0, sizeof ci);
  track_subflows(a);
  if (a->conn) mptcp_conn_get_info(a->conn, &ci);
  fprintf(f, "{\n  \"result\": \"%s\",\n  \"mptcp\": %s,\n  \"version\": ",
          a->result ? a->result : "error", ci.mptcp ? "true" : "false");
  if (ci.mptcp)
    fprintf(f, "%d", ci.mptcp_version);
  else
    fputs("null", f);
  fprintf(f,
          ",\n  \"fallback\": %s,\n  \"checksum\": %s,\n"
          "  \"bytes_sent\": %" PRIu64 ",\n  \"bytes_received\": %" PRIu64
          ",\n  \"subflows\": [",
          ci.fallback ? "true" : "false", ci.checksum ? "true" : "false",
          ci.bytes_sent, ci.bytes_received);
  for (k = 0; k < a->nsfs; k++) {
    const mptcp_subflow_info *si = &a->sfs[k];
    format_addr(&si->local, l, sizeof l);
    format_addr(&si->remote, r, sizeof r);
    fprintf(f,
            "%s\n    {\"local\": \"%s\", \"remote\": \"%s\", \"backup\": %s, "
            "\"local_id\": %u, \"remote_id\": %u, "
            "\"bytes_sent\": %" PRIu64 ", \"bytes_received\": %" PRIu64
            ", \"retransmits\": %" PRIu64 ", \"bytes_acked\": %" PRIu64
            ", \"srtt_us\": %" PRIu32 ", \"cwnd\": %" PRIu32
            ", \"mss\": %" PRIu32 "}",
            k ? "," : "", l, r,
            si->backup || si->peer_backup ? "true" : "false", si->local_id,
            si->remote_id, si->bytes_sent, si->bytes_received, si->retransmits,
            si->bytes_acked, si->srtt_us, si->cwnd, si->mss);
  }
  if (a->nsfs) fputs("\n  ", f);
  /* The stack's counters that are not 0 (e.g. MPFailTx, InfiniteMapRx). */
  mptcp_counters cs;
  memset(&cs, 0, sizeof cs);
  if (a->st) mptcp_stack_get_counters(a->st, &cs);
  fputs("],\n  \"counters\": {", f);
  for (size_t i = 0, n = 0; i < MPTCP_CTR_COUNT; i++)
    if (cs.v[i])
      fprintf(f, "%s\n    \"%s\": %" PRIu64, n++ ? "," : "",
              mptcp_counter_name(i), cs.v[i]);
  fputs("\n  }\n}\n", f);
  if (fclose(f) != 0)
    errmsg("cannot write --stats file %s: %s", a->o.stats_file,
           strerror(errno));
}

int main(int argc, char **argv) {
  static struct app app; /* large buffers: not on the stack */
  struct app *a = &app;
  mptcp_settings s;
  struct sigaction sa;
  sigset_t block, waitmask;
  struct timespec rt, mono;
  int rc, i, code;

  parse_args(&a->o, argc, argv);
  a->stdin_fl = a->stdout_fl = -1;

  /* Signals are blocked except inside ppoll(), so none is lost between the
   * check and the wait. */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, &waitmask);
  sigdelset(&waitmask, SIGINT);
  sigdelset(&waitmask, SIGTERM);
  sigdelset(&waitmask, SIGHUP);

  if (open_tuns(a) != 0) {
    code = EXIT_FAIL;
    goto out;
  }

  if (a->o.pcap_file) {
    a->pcap = pcap_open_dead(DLT_RAW, PKT_MAX);
    a->dumper = a->pcap ? pcap_dump_open(a->pcap, a->o.pcap_file) : NULL;
    if (!a->dumper) {
      errmsg("cannot open --pcap file %s: %s", a->o.pcap_file,
             a->pcap ? pcap_geterr(a->pcap) : "pcap_open_dead failed");
      code = EXIT_FAIL;
      goto out;
    }
    clock_gettime(CLOCK_REALTIME, &rt);
    clock_gettime(CLOCK_MONOTONIC, &mono);
    a->wall_off_us = ((int64_t)rt.tv_sec - (int64_t)mono.tv_sec) * 1000000 +
                     ((int64_t)rt.tv_nsec - (int64_t)mono.tv_nsec) / 1000;
  }

  mptcp_settings_default(&s);
  s.rand = NULL; /* libcrypto */
  s.log = log_hook;
  s.log_level = a->o.verbose >= 2   ? MPTCP_LOG_DEBUG
                : a->o.verbose == 1 ? MPTCP_LOG_INFO
                : a->o.quiet        ? MPTCP_LOG_ERROR
                                    : MPTCP_LOG_WARN;
  s.trace_pkt = a->dumper ? trace_hook : NULL;
  if (a->o.cc) s.cc = mptcp_cc_find(a->o.cc);
  if (a->o.sched) s.sched = mptcp_sched_find(a->o.sched);
  if (a->o.pm >= 0) s.pm_policy = (uint8_t)a->o.pm;
  s.mptcp = !a->o.no_mptcp;
  s.mptcp_version = (uint8_t)a->o.version;
  s.checksum = (uint8_t)a->o.checksum;
  s.dsn64 = (uint8_t)a->o.dsn64;
  s.sndbuf = a->o.sndbuf;
  s.rcvbuf = a->o.rcvbuf;
  if (a->o.offload) { /* what the TUN device was told it may get */
    s.offload =
        MPTCP_OFFLOAD_TX_CSUM | MPTCP_OFFLOAD_RX_CSUM | MPTCP_OFFLOAD_TSO;
    s.tso_max = 65535;
  }
  rc = mptcp_stack_new(&a->st, &s, NULL, a);
  if (rc != 0) {
    errmsg("cannot create the stack: %s", mptcp_strerror(rc));
    code = EXIT_FAIL;
    goto out;
  }
  if (a->o.verbose && !a->o.no_mptcp)
    info(a, "MPTCP version %d%s%s%s%s%s", a->o.version,
         a->o.checksum ? ", checksum" : "", a->o.sched ? ", sched " : "",
         a->o.sched ? a->o.sched : "", a->o.cc ? ", cc " : "",
         a->o.cc ? a->o.cc : "");

  set_nonblock(STDIN_FILENO, &a->stdin_fl);
  set_nonblock(STDOUT_FILENO, &a->stdout_fl);

  {
    mptcp_addr local, remote;
    char txt[80];
    local.ip = a->o.tun[0].addr;
    local.port = a->o.listen ? a->o.port : 0;
    format_addr(&local, txt, sizeof txt);
    if (a->o.listen) {
      rc = mptcp_stack_listen(a->st, &local, 0);
      if (rc != 0) {
        errmsg("cannot listen on %s: %s", txt, mptcp_strerror(rc));
        code = EXIT_FAIL;
        goto out;
      }
      info(a, "listening on %s via %s", txt, a->o.tun[0].ifname);
    } else {
      mptcp_conn_opts co;
      memset(&co, 0, sizeof co);
      co.no_mptcp = (uint8_t)a->o.no_mptcp;
      remote.ip = a->o.host;
      remote.port = a->o.port;
      rc = mptcp_conn_connect(a->st, &a->conn, &local, &remote, &co, now_us());
      if (rc != 0) {
        format_addr(&remote, txt, sizeof txt);
        errmsg("cannot connect to %s: %s", txt, mptcp_strerror(rc));
        a->conn = NULL;
        code = EXIT_FAIL;
        goto out;
      }
    }
  }

  code = run(a, &waitmask);

out:
  if (a->o.stats_file) write_stats(a);
  if (a->conn) mptcp_conn_release(a->conn, now_us());
  if (a->st) mptcp_stack_del(a->st);
  if (a->dumper) pcap_dump_close(a->dumper);
  if (a->pcap) pcap_close(a->pcap);
  for (i = 0; i < a->o.ntun; i++)
    if (a->o.tun[i].owner) close(a->o.tun[i].fd);
  if (a->stdin_fl >= 0) fcntl(STDIN_FILENO, F_SETFL, a->stdin_fl);
  if (a->stdout_fl >= 0) fcntl(STDOUT_FILENO, F_SETFL, a->stdout_fl);
  return code;
}
