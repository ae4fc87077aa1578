#!/usr/bin/python3
"""Plots the CSV files of test/bench/bench_mp_sim into PNG files.

Usage: /usr/bin/python3 scripts/plot_mp_sim.py CSV_DIR [OUT_DIR]

CSV_DIR is what `bench_mp_sim --csv CSV_DIR` wrote (`meson test --benchmark`
writes them into BUILD/test/bench). OUT_DIR defaults to doc/img of this
repository. Needs matplotlib (Debian: python3-matplotlib). A missing CSV
file skips its plot.
"""
import csv
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402

SCHEDS = ["minrtt", "rr", "redundant", "blest", "ecf"]
CCS = ["reno", "lia", "olia", "balia"]
COLORS = {"reno": "tab:gray", "lia": "tab:blue", "olia": "tab:orange",
          "balia": "tab:green", "minrtt": "tab:blue", "blest": "tab:orange",
          "ecf": "tab:green", "tcp-path0": "tab:gray", "rr": "tab:purple",
          "redundant": "tab:red"}


def rows(csv_dir, name):
    path = os.path.join(csv_dir, name)
    if not os.path.exists(path):
        print(f"{path}: missing, plot skipped")
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def rates(ts, key, t_key="t_s"):
    """Mbit/s between consecutive samples of a cumulative byte counter."""
    out_t, out_r = [], []
    for a, b in zip(ts, ts[1:]):
        dt = float(b[t_key]) - float(a[t_key])
        if dt <= 0:
            continue
        out_t.append(float(b[t_key]))
        out_r.append((int(b[key]) - int(a[key])) * 8 / dt / 1e6)
    return out_t, out_r


def save(fig, out_dir, name):
    path = os.path.join(out_dir, name)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"wrote {path}")


def plot_agg(csv_dir, out_dir):
    data = rows(csv_dir, "agg.csv")
    if not data:
        return
    titles = ["10+10 Mbit/s, RTT 20/20 ms", "10+2 Mbit/s, RTT 20/80 ms"]
    queues = sorted({r.get("queue_bdp", "1") for r in data}, key=float)
    fig, axes = plt.subplots(len(queues), 2, figsize=(11, 4 * len(queues)),
                             sharey=True, squeeze=False)
    width = 0.8 / len(CCS)
    for qi, q in enumerate(queues):
        for topo, ax in enumerate(axes[qi]):
            sel = [r for r in data if int(r["topo"]) == topo
                   and r.get("queue_bdp", "1") == q]
            for k, cc in enumerate(CCS):
                ys = []
                for s in SCHEDS:
                    v = [float(r["fraction"]) for r in sel
                         if r["sched"] == s and r["cc"] == cc]
                    ys.append(100 * v[0] if v else 0)
                xs = [i + (k - 1.5) * width for i in range(len(SCHEDS))]
                ax.bar(xs, ys, width, label=cc, color=COLORS[cc])
            tcp = [float(r["fraction"]) for r in sel
                   if r["sched"].startswith("tcp-path")]
            if tcp:
                ax.axhline(100 * min(tcp), color="black", linestyle="--",
                           linewidth=1, label="one TCP alone")
            ax.axhline(95, color="red", linestyle=":", linewidth=1,
                       label="target 95%")
            ax.set_xticks(range(len(SCHEDS)))
            ax.set_xticklabels(SCHEDS)
            ax.set_ylim(80, 100)
            ax.set_title("%s, queues of %s BDP" % (titles[topo], q))
            ax.grid(axis="y", alpha=0.3)
        axes[qi][0].set_ylabel("goodput, % of the sum of path rates")
    # in the gap of redundant (below the axis: it gives one path's rate)
    axes[0][1].legend(loc="lower center", fontsize=8)
    fig.suptitle("Aggregation: bulk transfer, goodput from 5 s to 40 s")
    fig.tight_layout()
    save(fig, out_dir, "mp-sim-agg.png")


def plot_fair(csv_dir, out_dir):
    data = rows(csv_dir, "fair.csv")
    if not data:
        return
    groups = defaultdict(list)
    for r in data:
        label = r["cc"] if r["subflows"] == "2" else "reno, 1 subflow"
        groups[label].append(r)
    labels = [c for c in CCS if c in groups] + \
        [g for g in groups if g not in CCS]
    means, lo, hi = [], [], []
    for g in labels:
        m = sum(float(r["mptcp_mbps"]) for r in groups[g])
        t = sum(float(r["tcp_mbps"]) for r in groups[g])
        q = [float(r["ratio"]) for r in groups[g]]
        means.append(m / t if t else 0)
        lo.append(means[-1] - min(q))
        hi.append(max(q) - means[-1])
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.bar(range(len(labels)), means, yerr=[lo, hi], capsize=4,
           color=[COLORS.get(g, "tab:gray") for g in labels])
    ax.axhline(1.0, color="black", linewidth=1)
    ax.axhline(1.2, color="red", linestyle=":", linewidth=1,
               label="1.2 (coupled CC expectation)")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    ax.set_ylabel("MPTCP goodput / TCP goodput")
    ax.set_title("One shared 10 Mbit/s bottleneck: MPTCP (2 subflows) vs TCP\n"
                 "bars: over all runs; whiskers: min..max of the runs")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    save(fig, out_dir, "mp-sim-fair.png")


def plot_pool(csv_dir, out_dir):
    data = rows(csv_dir, "pool_ts.csv")
    if not data:
        return
    ccs = [c for c in CCS if any(r["cc"] == c for r in data)]
    fig, axes = plt.subplots(len(ccs), 1, figsize=(9, 2.2 * len(ccs)),
                             sharex=True, sharey=True)
    if len(ccs) == 1:
        axes = [axes]
    for ax, cc in zip(axes, ccs):
        ts = [r for r in data if r["cc"] == cc]
        for key, label, color in (("mptcp_path0", "MPTCP on path 0", "tab:blue"),
                                  ("mptcp_path1", "MPTCP on path 1",
                                   "tab:orange"),
                                  ("cross", "2 TCP flows on path 1",
                                   "tab:gray")):
            t, r = rates(ts, key)
            ax.plot(t, r, label=label, color=color)
        ax.set_title(cc, fontsize=10, loc="left")
        ax.set_ylabel("Mbit/s")
        ax.set_ylim(0, 11)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower left", ncol=3)
    axes[-1].set_xlabel("time (s); cross traffic from 20 s")
    fig.suptitle("Resource pooling: two 10 Mbit/s paths, path 1 becomes "
                 "congested")
    fig.tight_layout()
    save(fig, out_dir, "mp-sim-pool.png")


def plot_failover(csv_dir, out_dir):
    data = rows(csv_dir, "failover_ts.csv")
    if not data:
        return
    t_bo = 5.0  # the blackout's start in bench_mp_sim's exp_failover
    fig, ax = plt.subplots(figsize=(9, 4))
    for sched, second in (("minrtt", "backup"), ("minrtt", "regular"),
                          ("rr", "regular"), ("redundant", "regular")):
        ts = [r for r in data if r["sched"] == sched and r["second"] == second]
        if not ts:
            continue
        ts = [r for r in ts if t_bo - 0.3 <= float(r["t_s"]) <= t_bo + 0.6]
        base = int(ts[0]["read"])
        ax.step([float(r["t_s"]) for r in ts],
                [(int(r["read"]) - base) / 1000 for r in ts], where="post",
                label=f"{sched}, path 1 {second}",
                color=COLORS.get(sched, "black"),
                # wide and pale underneath: lines that coincide still show
                linewidth=4 if (sched, second) == ("minrtt", "regular") else 1.5,
                alpha=0.4 if (sched, second) == ("minrtt", "regular") else 1,
                linestyle="--" if second == "backup" else "-")
    ax.axvline(t_bo, color="black", linewidth=1, linestyle=":")
    ax.text(t_bo, ax.get_ylim()[1] * 0.95, " path 0 blacks out", fontsize=8,
            va="top")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("kB the receiving app has read")
    ax.set_title("Failover: a 2 Mbit/s stream, the primary path dies")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    save(fig, out_dir, "mp-sim-failover.png")


def plot_hol(csv_dir, out_dir):
    data = rows(csv_dir, "hol_delays.csv")
    if not data:
        return
    bufs = sorted({r["buf_kib"] for r in data}, key=lambda b: -int(b))
    loads = []
    for r in data:
        if r["load"] not in loads:
            loads.append(r["load"])
    fig, axes = plt.subplots(len(bufs), len(loads),
                             figsize=(4 * len(loads), 3.2 * len(bufs)),
                             squeeze=False)
    for i, buf in enumerate(bufs):
        for j, load in enumerate(loads):
            ax = axes[i][j]
            for sched in ("minrtt", "blest", "ecf", "tcp-path0"):
                d = sorted(float(r["delay_ms"]) for r in data
                           if r["buf_kib"] == buf and r["load"] == load and
                           r["sched"] == sched)
                if not d:
                    continue
                y = [(k + 1) / len(d) for k in range(len(d))]
                # BLEST often equals minRTT: dashed, so both show
                ax.step(d, y, where="post", label=sched, color=COLORS[sched],
                        linestyle="--" if sched == "blest" else "-")
            ax.set_xscale("log")
            ax.set_title(f"{load}, buffers {buf} KiB", fontsize=10)
            ax.grid(alpha=0.3)
            if j == 0:
                ax.set_ylabel("fraction of chunks")
            if i == len(bufs) - 1:
                ax.set_xlabel("delivery delay (ms, log)")
    axes[0][0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Head-of-line blocking: 10 Mbit/s 20 ms + 2 Mbit/s 100 ms, "
                 "per-chunk delay CDF")
    fig.tight_layout()
    save(fig, out_dir, "mp-sim-hol.png")


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 2
    csv_dir = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    out_dir = sys.argv[2] if len(sys.argv) > 2 else \
        os.path.normpath(os.path.join(here, "..", "doc", "img"))
    os.makedirs(out_dir, exist_ok=True)
    for plot in (plot_agg, plot_fair, plot_pool, plot_failover, plot_hol):
        plot(csv_dir, out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
