#!/usr/bin/env python3
"""Plots a bench/run results directory: latency percentiles per topology at each fixed rate, and saturation
throughput per topology. Each value is the median over repeats. Writes PNG files next to the results.

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

ORDER = ["direct", "nginx", "haproxy", "skiff"]


def topology_key(name):
    return (ORDER.index(name) if name in ORDER else len(ORDER), name)


def load(results):
    latency = defaultdict(list)  # (rate, topology) -> runs
    throughput = defaultdict(list)  # topology -> requests/s per repeat
    for path in sorted(results.glob("*.json")):
        run = json.loads(path.read_text())
        if run.get("kind") == "latency":
            latency[(run["rate"], run["topology"])].append(run)
        elif run.get("kind") == "throughput":
            throughput[run["topology"]].append(run["requestsPerSecond"])
    return latency, throughput


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
    bars = ax.bar(topologies, medians, color="#4878a8")
    for bar, value in zip(bars, medians):
        ax.annotate(f"{value:,.0f}", (bar.get_x() + bar.get_width() / 2, value), ha="center", va="bottom")
    ax.set_ylabel("requests/s (median of repeats)")
    ax.set_title("Saturation throughput (wrk), HTTP/1.1, 1 KB body, loopback")
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    out = results / "throughput.png"
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return [out]


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    results = Path(sys.argv[1])
    if not results.is_dir():
        print(f"plot.py: {results} is not a directory (expected a bench/run results directory)", file=sys.stderr)
        sys.exit(2)
    latency, throughput = load(results)
    if not latency and not throughput:
        print(f"plot.py: no results in {results}", file=sys.stderr)
        sys.exit(1)
    for out in plot_latency(results, latency) + plot_throughput(results, throughput):
        print(f"plot.py: wrote {out}")


if __name__ == "__main__":
    main()
