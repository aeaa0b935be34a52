#!/usr/bin/env python3
"""Plots a bench/run results directory: latency percentiles per topology at each fixed rate, saturation throughput
per topology, HTTP/2 and gRPC throughput per topology, and the proxies' RSS idle and at 1000 requests/s. Each value
is the median over repeats. Writes PNG files next to the results.

Usage: bench/plot.py RESULTS_DIR
"""
import json
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter
except ImportError:
    print("plot.py: matplotlib is not installed (apt-get install python3-matplotlib); no plots written")
    sys.exit(0)

ORDER = ["direct", "nginx", "haproxy", "skiff", "skiff-mtls", "skiff-scope"]
MEMORY_RATE = 1000


def topology_key(name):
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def load(results):
    latency = defaultdict(list)  # (rate, topology) -> runs
    throughput = defaultdict(list)  # topology -> requests/s per repeat
    protocols = defaultdict(list)  # (protocol, topology) -> requests/s per repeat
    idle = defaultdict(list)  # topology -> idle runs
    for path in sorted(results.glob("*.json")):
        run = json.loads(path.read_text())
        kind = run.get("kind")
        if kind == "latency":
            latency[(run["rate"], run["topology"])].append(run)
        elif kind == "throughput":
            throughput[run["topology"]].append(run["requestsPerSecond"])
        elif kind in ("h2", "grpc"):
            protocols[("HTTP/2" if kind == "h2" else "gRPC", run["topology"])].append(run["requestsPerSecond"])
        elif kind == "idle":
            idle[run["topology"]].append(run)
    return latency, throughput, protocols, idle


def nines(percentile):
    """Maps a percentile to the 'number of nines' axis: 90 -> 1, 99 -> 2, 99.9 -> 3."""
    return -math.log10(max(1e-6, 1 - percentile / 100))


def plot_latency(results, latency):
    written = []
    for rate in sorted({rate for rate, _ in latency}):
        fig, ax = plt.subplots(figsize=(8, 5))
        ticks = []
        for topology in sorted({t for r, t in latency if r == rate}, key=topology_key):
            runs = latency[(rate, topology)]
            curve = defaultdict(list)
            for run in runs:
                for point in run["percentiles"]:
                    if point["percentile"] < 100:
                        curve[point["percentile"]].append(point["millis"])
            percentiles = sorted(curve)
            ticks = percentiles
            medians = [statistics.median(curve[p]) for p in percentiles]
            ax.plot([nines(p) for p in percentiles], medians, marker="o", label=f"{topology} ({len(runs)} run{'' if len(runs) == 1 else 's'})")
        ax.xaxis.set_major_locator(FixedLocator([nines(p) for p in ticks]))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"p{100 - 100 * 10 ** -x:g}"))
        plt.setp(ax.get_xticklabels(), rotation=45)
        ax.set_yscale("log")
        ax.set_xlabel("percentile")
        ax.set_ylabel("latency from intended send time (ms, log scale)")
        ax.set_title(f"Latency at {rate} requests/s, HTTP/1.1, 1 KB body, loopback")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
        fig.tight_layout()
        out = results / f"latency-{rate}rps.png"
        fig.savefig(out, dpi=110)
        plt.close(fig)
        written.append(out)
    return written


def plot_throughput(results, throughput):
    if not throughput:
        return []
    topologies = sorted(throughput, key=topology_key)
    medians = [statistics.median(throughput[t]) for t in topologies]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    requests_bars(ax, topologies, medians, "#4878a8", "Saturation throughput (wrk), HTTP/1.1, 1 KB body, loopback")
    fig.tight_layout()
    out = results / "throughput.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return [out]


def requests_bars(ax, topologies, medians, color, title):
    """One bar of requests/s per topology, each labelled with its value."""
    bars = ax.bar(topologies, medians, color=color)
    for bar, value in zip(bars, medians):
        ax.annotate(f"{value:,.0f}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom")
    ax.set_ylabel("requests/s (median of repeats)")
    ax.set_title(title)
    ax.grid(True, axis="y", alpha=0.3)


def plot_protocols(results, protocols):
    if not protocols:
        return []
    names = sorted({p for p, _ in protocols})
    fig, axes = plt.subplots(1, len(names), figsize=(6 * len(names), 4.5), squeeze=False)
    for ax, protocol in zip(axes[0], names):
        topologies = sorted({t for p, t in protocols if p == protocol}, key=topology_key)
        medians = [statistics.median(protocols[(protocol, t)]) for t in topologies]
        requests_bars(ax, topologies, medians, "#6a9a58", f"{protocol} throughput, 1 KB, loopback")
    fig.tight_layout()
    out = results / "protocols.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return [out]


def plot_memory(results, idle, latency):
    if not idle:
        return []
    bars = []  # (label, idle MB, loaded MB or None)
    for topology in sorted(idle, key=topology_key):
        runs = idle[topology]
        loaded = latency.get((MEMORY_RATE, topology), [])
        services = runs[0].get("servicesInScope", 1)
        for process in [p["name"] for p in runs[0]["processes"]]:
            idle_mb = statistics.median(rss_mb(r, process) for r in runs)
            loaded_mb = statistics.median(rss_mb(r, process) for r in loaded) if loaded else None
            bars.append((f"{topology}\n{process}\n{services} svc", idle_mb, loaded_mb))
    fig, ax = plt.subplots(figsize=(max(7, 1.1 * len(bars)), 4.8))
    xs = range(len(bars))
    width = 0.4
    ax.bar([x - width / 2 for x in xs], [b[1] for b in bars], width, label="idle", color="#9bb7d4")
    ax.bar([x + width / 2 for x in xs], [b[2] or 0 for b in bars], width, label=f"at {MEMORY_RATE} requests/s",
           color="#4878a8")
    ax.set_xticks(list(xs))
    ax.set_xticklabels([b[0] for b in bars], fontsize=8)
    ax.set_ylabel("peak RSS (MB, median of runs)")
    ax.set_title("Proxy memory, idle and under load")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    out = results / "memory.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return [out]


def rss_mb(run, process):
    return sum(p["maxRssBytes"] for p in run["processes"] if p["name"] == process) / 1e6


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    results = Path(sys.argv[1])
    if not results.is_dir():
        print(f"plot.py: {results} is not a directory (expected a bench/run results directory)", file=sys.stderr)
        sys.exit(2)
    latency, throughput, protocols, idle = load(results)
    if not latency and not throughput and not protocols and not idle:
        print(f"plot.py: no results in {results}", file=sys.stderr)
        sys.exit(1)
    written = plot_latency(results, latency) + plot_throughput(results, throughput)
    written += plot_protocols(results, protocols) + plot_memory(results, idle, latency)
    for out in written:
        print(f"plot.py: wrote {out}")


if __name__ == "__main__":
    main()
