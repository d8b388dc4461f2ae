#!/usr/bin/env python3
"""Times `nameward continuity declare-failed` and `nameward continuity transfer` over a
registrar of N names, on SQLite and PostgreSQL, and reports wall seconds and peak RSS.

Usage: run.py [--names 70000 2000000] [--engines sqlite postgres]
              [--postgres postgres://nameward:nameward@127.0.0.1:5432/postgres]
              [--batch 1000] [--workdir /tmp/nameward-continuity-bench]

The store is filled by the `continuity_fill` example (release build): TLD `example`,
registrars `failing` and `heir`, N names of `failing` with expiries spread over a year and
every 50th held through a reseller. Then, timed with /usr/bin/time:

  nameward continuity declare-failed failing --reason bench --now NOW
  nameward continuity transfer failing --to heir --include-resellers --now NOW

and checked: every name is heir's afterwards, one bulk_transfer history entry and one poll
message per name. Build first:

  cargo build --release -p nameward --bin nameward && cargo build --release -p nameward-registry --example continuity_fill
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NAMEWARD = os.path.join(ROOT, "target", "release", "nameward")
FILL = os.path.join(ROOT, "target", "release", "examples", "continuity_fill")
NOW = "2027-01-01T00:00:00Z"


def timed(argv):
    """Runs argv under /usr/bin/time -v; (wall seconds, peak RSS in MiB, stdout)."""
    start = time.monotonic()
    done = subprocess.run(["/usr/bin/time", "-v"] + argv, capture_output=True, text=True)
    wall = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stderr}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return wall, int(rss.group(1)) / 1024 if rss else float("nan"), done.stdout


def psql(admin, sql):
    subprocess.run(["psql", admin, "-q", "-c", sql], check=True, capture_output=True)


def count(engine, store, sql):
    if engine == "sqlite":
        out = subprocess.run(["sqlite3", store, sql], capture_output=True, text=True, check=True)
    else:
        out = subprocess.run(["psql", store, "-At", "-c", sql], capture_output=True, text=True,
                             check=True)
    return int(out.stdout.strip())


def one(engine, names, args):
    if engine == "sqlite":
        data = os.path.join(args.workdir, f"sqlite-{names}")
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        url = "sqlite:" + os.path.join(data, "registry.sqlite")
        store_args = ["--data", data]
        check_target = os.path.join(data, "registry.sqlite")
    else:
        db = f"nw_continuity_bench_{names}"
        psql(args.postgres, f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        psql(args.postgres, f"CREATE DATABASE {db}")
        url = args.postgres.rsplit("/", 1)[0] + "/" + db
        store_args = ["--db", url]
        check_target = url
    fill_wall, fill_rss, _ = timed([FILL, url, str(names), NOW])
    declare_wall, declare_rss, _ = timed(
        [NAMEWARD, "continuity", "declare-failed", "failing", "--reason", "bench", "--now", NOW]
        + store_args)
    transfer_wall, transfer_rss, out = timed(
        [NAMEWARD, "continuity", "transfer", "failing", "--to", "heir", "--include-resellers",
         "--batch", str(args.batch), "--now", NOW] + store_args)
    heir = count(engine, check_target, "SELECT COUNT(*) FROM domains WHERE sponsor = 'heir'")
    history = count(engine, check_target,
                    "SELECT COUNT(*) FROM history WHERE action = 'bulk_transfer' "
                    "AND object_kind = 'domain'")
    polls = count(engine, check_target,
                  "SELECT COUNT(*) FROM poll_messages WHERE registrar = 'heir'")
    if not heir == history == polls == names:
        sys.exit(f"{engine} {names}: heir {heir}, history {history}, poll {polls}\n{out}")
    rate = names / transfer_wall if transfer_wall else float("inf")
    print(f"| {engine} | {names:,} | {fill_wall:.1f} | {declare_wall:.2f} / {declare_rss:.0f} | "
          f"{transfer_wall:.1f} / {transfer_rss:.0f} | {rate:,.0f} |", flush=True)
    if engine == "postgres" and not args.keep:
        psql(args.postgres, f"DROP DATABASE IF EXISTS nw_continuity_bench_{names} WITH (FORCE)")
    elif engine == "sqlite" and not args.keep:
        shutil.rmtree(os.path.dirname(check_target), ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, nargs="+", default=[70000])
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--postgres", default="postgres://nameward:nameward@127.0.0.1:5432/postgres")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workdir", default="/tmp/nameward-continuity-bench")
    parser.add_argument("--keep", action="store_true", help="keep the filled stores")
    args = parser.parse_args()
    for tool in (NAMEWARD, FILL):
        if not os.path.exists(tool):
            sys.exit(f"{tool} is missing: cargo build --release -p nameward --bin nameward && "
                     "cargo build --release -p nameward-registry --example continuity_fill")
    os.makedirs(args.workdir, exist_ok=True)
    print("| engine | names | fill s | declare-failed s / peak MiB | transfer s / peak MiB | "
          "names/s |")
    print("|---|---:|---:|---:|---:|---:|")
    for names in args.names:
        for engine in args.engines:
            one(engine, names, args)


if __name__ == "__main__":
    main()
