#!/usr/bin/env python3
"""Plots a bench/cp-run results directory: convergence time (config write to the last sidecar's ACK) against the
number of connected sidecars N, for route and endpoint changes, one colour per control plane and protocol (p50
dashed, p99 solid), one PNG per service count M.
Percentiles are nearest rank over the measured changes, as in report.md.

Usage: bench/plot-cp.py RESULTS_DIR    (needs python3-matplotlib)
"""
import json
import math
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def nearest_rank(values, percentile):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percentile / 100 * len(ordered)) - 1)]


def load(results):
    """(services) -> (control plane, protocol, change kind) -> {proxies: [convergence ms]}"""
    runs = defaultdict(lambda: defaultdict(dict))
    for path in sorted(results.glob("xds-*.json")):
        run = json.loads(path.read_text())
        for kind in ("route", "endpoint"):
            millis = [c["convergenceMillis"] for c in run["changes"]
                      if c["kind"] == kind and c["convergedProxies"] == run["proxies"]]
            if millis:
                runs[run["services"]][(run["controlPlane"], run["protocol"], kind)][run["proxies"]] = millis
    return runs


def plot(results, services, series):
    fig, axes = plt.subplots(1, 2, figsize=(12, 5), sharey=True)
    lines = sorted({(control_plane, protocol) for control_plane, protocol, _ in series})
    colours = {line: f"C{i}" for i, line in enumerate(lines)}
    for ax, kind in zip(axes, ("route", "endpoint")):
        for (control_plane, protocol) in lines:
            by_proxies = series.get((control_plane, protocol, kind))
            if not by_proxies:
                continue
            proxies = sorted(by_proxies)
            for percentile, style in ((50, "--"), (99, "-")):
                ax.plot(proxies, [nearest_rank(by_proxies[n], percentile) / 1000 for n in proxies], style,
                        marker="o", color=colours[(control_plane, protocol)],
                        label=f"{control_plane} {protocol} p{percentile}")
        ax.axhline(1.0, color="grey", linewidth=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("connected sidecars N (log scale)")
        ax.set_title(f"{kind} change, {services} services")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("convergence, config write to last ACK (s)")
    fig.tight_layout()
    out = results / f"convergence-m{services}.png"
    fig.savefig(out, dpi=100)
    plt.close(fig)
    print(f"plot-cp.py: wrote {out}")


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    results = Path(sys.argv[1])
    runs = load(results)
    if not runs:
        sys.exit(f"plot-cp.py: no xds-*.json results with converged changes in {results}")
    for services, series in sorted(runs.items()):
        plot(results, services, series)


if __name__ == "__main__":
    main()
