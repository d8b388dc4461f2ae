#!/usr/bin/env python3
"""Measures what `nameward serve` costs to hold the benchmark zones: load time (start to both
SOAs answered with AA) and memory (Pss from /proc/PID/smaps_rollup, VmHWM from /proc/PID/status,
read one second after both zones answered), for the plain and the signed zones of gen.py.

Usage: mem.py [--data DIR] [--binary PATH] [--runs 3] [--peers knot,nsd]
              [--signed-only | --plain-only]

Each run starts the server alone, unpinned, measures and kills it; the medians over the runs
are printed. With --peers, the named peers are measured the same way, with run.py's settings
(Pss summed over all of a server's processes, VmHWM of the largest). No dnsperf: this is the
memory and load-time measurement of docs/benchmarks.md, not the query-rate one (run.py).
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from run import REPO, ZONES, Server, answers_soa, memory, zone_files  # noqa: E402

PORT = 53541


def measure(binary, data, signed):
    files = zone_files(data, signed)
    args = [binary, "serve", "--workers", "1", "--listen", f"127.0.0.1:{PORT}"]
    for zone, path in files.items():
        args += ["--zone", f"{zone}={path}"]
    with tempfile.TemporaryFile() as log:
        start = time.monotonic()
        proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        try:
            pending = list(ZONES)
            while pending:
                if proc.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(f"nameward exited: {log.read().decode()[-2000:]}")
                if answers_soa(PORT, pending[0]):
                    pending.pop(0)
                else:
                    time.sleep(0.01)
            load = time.monotonic() - start
            time.sleep(1)
            pss, hwm = memory([proc.pid])
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    return load, pss, hwm


def measure_peer(name, data, signed):
    with Server(name, data, signed, pin=False) as server:
        time.sleep(1)
        pss, hwm = memory(server.pids())
        return server.load_seconds, pss, hwm


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(REPO, "bench", "out", "serve"))
    parser.add_argument("--binary", default=os.path.join(REPO, "target", "release", "nameward"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peers", default="", help="also measure these (knot, nsd, bind)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--signed-only", action="store_true")
    group.add_argument("--plain-only", action="store_true")
    args = parser.parse_args()
    kinds = [False, True]
    if args.signed_only:
        kinds = [True]
    elif args.plain_only:
        kinds = [False]
    peers = [p for p in args.peers.split(",") if p]
    print("| server | zones | load s | Pss MB | VmHWM MB |")
    print("|---|---|---|---|---|")
    for signed in kinds:
        for name in ["nameward"] + peers:
            if name == "nameward":
                runs = [measure(args.binary, args.data, signed) for _ in range(args.runs)]
            else:
                runs = [measure_peer(name, args.data, signed) for _ in range(args.runs)]
            load, pss, hwm = (statistics.median(r[i] for r in runs) for i in range(3))
            zones = "signed" if signed else "plain"
            print(f"| {name} | {zones} | {load:.2f} | {pss:.0f} | {hwm:.0f} |", flush=True)


if __name__ == "__main__":
    main()
