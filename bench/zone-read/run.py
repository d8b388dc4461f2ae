#!/usr/bin/env python3
"""Zone-reading benchmark: read and check the same generated zone with nameward and the peers.

Usage: python3 bench/zone-read/run.py [--records N] [--runs 3] [--nameward target/release/nameward]

Prints wall time and peak memory (max RSS, from /usr/bin/time) of each tool, the median of the
runs, and each peer's figures as a ratio to nameward's. The machine is shared: only the ratios
measured in the same run mean anything.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def measure(cmd):
    with tempfile.NamedTemporaryFile("r") as stats:
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%e %M", "-o", stats.name] + cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wall, rss_kib = stats.read().split()[-2:]
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return float(wall), int(rss_kib) * 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nameward", default="target/release/nameward")
    parser.add_argument("--keep", help="directory to keep the generated zone in")
    args = parser.parse_args()

    for tool in ["/usr/bin/time", "named-checkzone", "kzonecheck", "ldns-read-zone"]:
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: apt-get install time bind9-utils knot-dnssecutils ldnsutils")
    work = args.keep or tempfile.mkdtemp(prefix="nameward-bench-")
    zone = os.path.join(work, "bench.zone")
    if not os.path.exists(zone):
        with open(zone, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_zone.py"), str(args.records)], stdout=f, check=True)
    size = os.path.getsize(zone)

    tools = {
        "nameward": [args.nameward, "zone", "check", "--origin", "bench.", zone],
        "kzonecheck": ["kzonecheck", "-o", "bench.", zone],
        "named-checkzone": ["named-checkzone", "-i", "local", "bench.", zone],
        "ldns-read-zone": ["ldns-read-zone", zone],
    }
    results = {name: [] for name in tools}
    for _ in range(args.runs):
        # Interleave the tools so that drift in the machine's load hits all of them alike.
        for name, cmd in tools.items():
            results[name].append(measure(cmd))

    print(f"zone: {args.records} records, {size / 1e6:.1f} MB; median of {args.runs} runs")
    print()
    print("| tool | wall s | peak RSS MB | RSS / file size | wall vs nameward | RSS vs nameward |")
    print("|---|---|---|---|---|---|")
    base_wall = statistics.median(w for w, _ in results["nameward"])
    base_rss = statistics.median(r for _, r in results["nameward"])
    for name, runs in results.items():
        wall = statistics.median(w for w, _ in runs)
        rss = statistics.median(r for _, r in runs)
        print(
            f"| {name} | {wall:.2f} | {rss / 1e6:.0f} | {rss / size:.2f} | "
            f"{wall / base_wall:.2f}x | {rss / base_rss:.2f}x |"
        )


if __name__ == "__main__":
    main()
