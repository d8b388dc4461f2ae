#!/usr/bin/env python3
"""Runs nameward-bench-epp several times per engine, interleaved, and prints the medians and
the EPP/raw ratios as markdown.

Each run is one process doing every phase on a fresh database (raw write, EPP create, raw
read, EPP info, EPP check), so each ratio compares figures measured in the same run; the table
gives the median of each figure over the runs and the median of the per-run ratios.

    cargo build --release -p nameward-bench-epp -j 2
    NAMEWARD_BENCH_POSTGRES=postgres://nameward:nameward@127.0.0.1:5432/postgres \\
        python3 bench/epp/run.py --runs 3 --seconds 10 --json bench/out/epp-results.json
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# (EPP phase, raw phase it is compared with)
PAIRS = [("epp create", "raw write"), ("epp info", "raw read"), ("epp check", "raw read")]


def run_once(binary, engine, args):
    command = [
        binary, "--engine", engine, "--sessions", str(args.sessions),
        "--seconds", str(args.seconds), "--warmup", str(args.warmup), "--json",
    ] + args.extra
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        sys.exit(f"no JSON report from {engine} run")
    return json.loads(lines[-1])


def phase(report, name):
    for p in report["phases"]:
        if p["name"] == name:
            return p
    raise KeyError(name)


def med(values):
    return statistics.median(values) if values else float("nan")


def fmt_int(x):
    return f"{x:,.0f}".replace(",", " ")


def tables(reports, engines):
    out = []
    out.append("| engine | command | ops/s | p50 ms | p99 ms | raw ops/s (same run) | raw p50 ms "
               "| raw p99 ms | EPP / raw | server CPU µs/op | errors |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for engine in engines:
        runs = [r for r in reports if r["engine"] == engine]
        for epp, raw in PAIRS:
            e = [phase(r, epp) for r in runs]
            w = [phase(r, raw) for r in runs]
            ratios = [a["ops_per_s"] / b["ops_per_s"] for a, b in zip(e, w) if b["ops_per_s"] > 0]
            out.append(
                f"| {engine} | {epp.split()[1]} | {fmt_int(med([p['ops_per_s'] for p in e]))} "
                f"| {med([p['p50_ms'] for p in e]):.2f} | {med([p['p99_ms'] for p in e]):.2f} "
                f"| {fmt_int(med([p['ops_per_s'] for p in w]))} ({raw.split()[1]}) "
                f"| {med([p['p50_ms'] for p in w]):.2f} | {med([p['p99_ms'] for p in w]):.2f} "
                f"| {med(ratios):.2f} "
                f"| {fmt_int(med([p['server_cpu_us_per_op'] for p in e]))} "
                f"| {sum(p['errors'] for p in e)} |")
    out.append("")
    out.append("Every run, in the order run (ops/s; EPP/raw in parentheses):")
    out.append("")
    for i, r in enumerate(reports, 1):
        parts = []
        for name in ["raw write", "epp create", "raw read", "epp info", "epp check"]:
            parts.append(f"{name} {fmt_int(phase(r, name)['ops_per_s'])}")
        ratios = ", ".join(f"{x['epp'].split()[1]} {x['ratio']:.2f}" for x in r["ratios"])
        out.append(f"- run {i}, {r['engine']} (load {r['load_before']} → {r['load_after']}): "
                   + ", ".join(parts) + f" ({ratios})")
    out.append("")
    out.append("CPU seconds per phase, medians (server side = this process less the load "
               "generator; PostgreSQL = every `postgres` process):")
    out.append("")
    out.append("| engine | phase | server s | load generator s | PostgreSQL s |")
    out.append("|---|---|---|---|---|")
    for engine in engines:
        runs = [r for r in reports if r["engine"] == engine]
        for name in ["raw write", "epp create", "raw read", "epp info", "epp check"]:
            ps = [phase(r, name) for r in runs]
            out.append(f"| {engine} | {name} | {med([p['cpu']['server_s'] for p in ps]):.2f} "
                       f"| {med([p['cpu']['client_s'] for p in ps]):.2f} "
                       f"| {med([p['cpu']['postgres_s'] for p in ps]):.2f} |")
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/release/nameward-bench-epp"))
    parser.add_argument("--json", help="write every run's report here")
    parser.add_argument("extra", nargs="*", help="passed on to the binary (after --)")
    args = parser.parse_args()
    engines = args.engines.split(",")
    if "postgres" in engines and not os.environ.get("NAMEWARD_BENCH_POSTGRES"):
        sys.exit("set NAMEWARD_BENCH_POSTGRES to a PostgreSQL URL that may create databases")
    reports = []
    for _ in range(args.runs):
        for engine in engines:
            reports.append(run_once(args.binary, engine, args))
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(reports, f, indent=1)
    print(tables(reports, engines))


if __name__ == "__main__":
    main()
