#!/usr/bin/env python3
"""Times `nameward continuity declare-failed`, `nameward notices queue` and `nameward continuity
transfer` over a registrar of N names, on SQLite and PostgreSQL, and reports wall seconds and
peak RSS.

Usage: run.py [--names 70000 2000000] [--engines sqlite postgres]
              [--postgres postgres://nameward:nameward@127.0.0.1:5432/postgres]
              [--batch 1000] [--kill-after SECONDS] [--workdir /tmp/nameward-continuity-bench]

The store is filled by the `continuity_fill` example (release build): TLD `example`,
registrars `failing` and `heir`, N names of `failing` with expiries spread over a year, every
50th held through a reseller, each with a registrant (portfolio holders of about 3,000 names,
a privacy service whose names the escrow attributes to customers, small holders, one name in
500 without a registrant); the filler prints how many names have an address and how many
distinct addresses there are. Then, timed with /usr/bin/time:

  nameward continuity declare-failed failing --reason bench --now NOW
  nameward notices queue --now NOW          (with --kill-after: first killed with SIGKILL
                                             after that many seconds, then run again)
  nameward notices queue --now NOW          (again: nothing new to queue)
  nameward continuity transfer failing --to heir --include-resellers --now NOW

and checked: every name with an address noticed once (one failure item each), one notice per
distinct address listing all its names, no empty notice, the work list empty; every name is
heir's afterwards, one bulk_transfer history entry and one poll message per name. Build first:

  cargo build --release -p nameward --bin nameward && cargo build --release -p nameward-registry --example continuity_fill
"""
import argparse
import os
import re
import shutil
import signal
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


def killed(argv, seconds):
    """Runs argv and kills it with SIGKILL after `seconds`; whether it was still running."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


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
    fill_wall, fill_rss, filled = timed([FILL, url, str(names), NOW])
    expect = dict(re.findall(r"(\w+)=(\d+)", filled))
    reachable, addresses = int(expect["reachable"]), int(expect["addresses"])
    declare_wall, declare_rss, _ = timed(
        [NAMEWARD, "continuity", "declare-failed", "failing", "--reason", "bench", "--now", NOW]
        + store_args)
    queue = [NAMEWARD, "notices", "queue", "--now", NOW] + store_args
    cut = ""
    if args.kill_after is not None:
        if killed(queue, args.kill_after):
            items = count(engine, check_target, "SELECT COUNT(*) FROM notice_items")
            notices = count(engine, check_target, "SELECT COUNT(*) FROM notices")
            cut = f" (killed after {args.kill_after:g} s with {items:,} names in {notices:,} notices)"
        else:
            cut = f" (finished within {args.kill_after:g} s: not killed)"
    queue_wall, queue_rss, queued = timed(queue)
    again_wall, again_rss, again = timed(queue)
    if not again.startswith("queued 0 notice(s)"):
        sys.exit(f"{engine} {names}: queueing again queued more: {again}")
    checks = {
        "items": "SELECT COUNT(*) FROM notice_items",
        "failure items": "SELECT COUNT(*) FROM notice_items WHERE kind = 'failure'",
        "noticed names": "SELECT COUNT(DISTINCT domain) FROM notice_items",
        "notices": "SELECT COUNT(*) FROM notices",
        "addresses": "SELECT COUNT(DISTINCT address) FROM notices",
        "empty notices": "SELECT COUNT(*) FROM notices n WHERE NOT EXISTS "
                         "(SELECT 1 FROM notice_items i WHERE i.notice = n.id)",
        "work list": "SELECT COUNT(*) FROM notice_plan",
    }
    found = {what: count(engine, check_target, sql) for what, sql in checks.items()}
    wanted = {"items": reachable, "failure items": reachable, "noticed names": reachable,
              "notices": addresses, "addresses": addresses, "empty notices": 0, "work list": 0}
    if found != wanted:
        sys.exit(f"{engine} {names}: found {found}, wanted {wanted}\n{queued}")
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
          f"{queue_wall:.1f} / {queue_rss:.0f} | {again_wall:.1f} / {again_rss:.0f} | "
          f"{addresses:,} / {reachable:,} | {transfer_wall:.1f} / {transfer_rss:.0f} | "
          f"{rate:,.0f} |{cut}", flush=True)
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
    parser.add_argument("--kill-after", type=float, default=None,
                        help="kill the first notices queue run after this many seconds")
    parser.add_argument("--workdir", default="/tmp/nameward-continuity-bench")
    parser.add_argument("--keep", action="store_true", help="keep the filled stores")
    args = parser.parse_args()
    for tool in (NAMEWARD, FILL):
        if not os.path.exists(tool):
            sys.exit(f"{tool} is missing: cargo build --release -p nameward --bin nameward && "
                     "cargo build --release -p nameward-registry --example continuity_fill")
    os.makedirs(args.workdir, exist_ok=True)
    print("| engine | names | fill s | declare-failed s / peak MiB | notices queue s / peak MiB | "
          "queue again s / peak MiB | notices / names noticed | transfer s / peak MiB | "
          "names/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for names in args.names:
        for engine in args.engines:
            one(engine, names, args)


if __name__ == "__main__":
    main()
