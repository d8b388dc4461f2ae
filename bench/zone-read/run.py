#!/usr/bin/env python3
"""Zone-reading benchmark: read and check the same generated zone with nameward and the peers.

Usage: python3 bench/zone-read/run.py [--records N] [--runs 3] [--terse | --a-only] [--keep DIR]
                                       [--nameward target/release/nameward]

Prints the tools' versions, then wall time, CPU time (user + system) and peak memory (max RSS)
of each tool, from /usr/bin/time, the median of the runs, each peer's figures as a ratio to
nameward's, and every run. The machine is shared: only the ratios measured in the same run mean
anything, and CPU time suffers less than wall time from other work on the machine.

Before timing anything, nameward must check the zone without a single diagnostic: the zone is
meant to be clean (every HIP HIT is its key's ORCHID), so any output means the generator or the
checker is wrong, and its cost would distort the figures.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def version(cmd):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "?"


def measure(cmd):
    with tempfile.NamedTemporaryFile("r") as stats:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", stats.name] + cmd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        # Measured here rather than by /usr/bin/time, whose wall time has 10 ms steps.
        wall = time.perf_counter() - start
        rss_kib, user, system = stats.read().split()[-3:]
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.decode()[-2000:]}")
    return wall, int(rss_kib) * 1024, float(user) + float(system)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--nameward", default="target/release/nameward")
    parser.add_argument("--keep", help="directory to keep the generated zone in (reused)")
    style = parser.add_mutually_exclusive_group()
    style.add_argument("--terse", action="store_true", help="no class on each line, short names")
    style.add_argument("--a-only", action="store_true", help="nothing but short A lines")
    args = parser.parse_args()
    style = "terse" if args.terse else "a-only" if args.a_only else "full"

    for tool in ["/usr/bin/time", "named-checkzone", "kzonecheck", "ldns-read-zone"]:
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: apt-get install time bind9-utils knot-dnssecutils ldnsutils")
    work = args.keep or tempfile.mkdtemp(prefix="nameward-bench-")
    suffix = "" if style == "full" else f"-{style}"
    zone = os.path.join(work, f"bench-{args.records}{suffix}.zone")
    if not os.path.exists(zone):
        gen = [sys.executable, os.path.join(HERE, "gen_zone.py"), str(args.records)]
        with open(zone + ".part", "w") as f:
            subprocess.run(gen + ([] if style == "full" else [f"--{style}"]), stdout=f, check=True)
        os.rename(zone + ".part", zone)
    size = os.path.getsize(zone)

    tools = {
        "nameward": [args.nameward, "zone", "check", "--origin", "bench.", zone],
        "kzonecheck": ["kzonecheck", "-o", "bench.", zone],
        "named-checkzone": ["named-checkzone", "-i", "local", "bench.", zone],
        "ldns-read-zone": ["ldns-read-zone", zone],
    }
    print("versions:")
    print(f"- nameward: {version([args.nameward, '--version'])}")
    print(f"- kzonecheck: {version(['kzonecheck', '-V'])}")
    print(f"- named-checkzone: {version(['named-checkzone', '-v'])}")
    print(f"- ldns-read-zone: {version(['ldns-read-zone', '-v'])}")
    print()
    clean = subprocess.run(tools["nameward"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if clean.returncode != 0 or clean.stderr:
        sys.exit(f"nameward does not find the zone clean:\n{clean.stderr.decode()[:2000]}")

    results = {name: [] for name in tools}
    for _ in range(args.runs):
        # Interleave the tools so that drift in the machine's load hits all of them alike.
        for name, cmd in tools.items():
            results[name].append(measure(cmd))

    print(f"zone: {args.records} records ({style} lines), {size} octets ({size / 1e6:.1f} MB); "
          f"median of {args.runs} runs")
    print()
    print(
        "| tool | wall s | CPU s | peak RSS MB | RSS / file size | wall vs nameward "
        "| CPU vs nameward | RSS vs nameward |"
    )
    print("|---|---|---|---|---|---|---|---|")

    def medians(runs):
        return [statistics.median(run[i] for run in runs) for i in range(3)]

    base_wall, base_rss, base_cpu = medians(results["nameward"])
    for name, runs in results.items():
        wall, rss, cpu = medians(runs)
        print(
            f"| {name} | {wall:.3f} | {cpu:.2f} | {rss / 1e6:.0f} | {rss / size:.2f} | "
            f"{wall / base_wall:.2f}x | {cpu / base_cpu:.2f}x | {rss / base_rss:.2f}x |"
        )
    print()
    print("every run, in the order run (wall s / CPU s / peak RSS MB):")
    for name, runs in results.items():
        print(f"- {name}: " + ", ".join(f"{w:.3f} / {c:.2f} / {r / 1e6:.0f}" for w, r, c in runs))


if __name__ == "__main__":
    main()
