#!/usr/bin/env python3
"""Runs the server benchmark: nameward, NSD, Knot and BIND serving the same zones on loopback,
measured with dnsperf (method: ../shared/specs/bench-recipe.md; results: docs/benchmarks.md).

Usage: run.py [--data DIR] [--runs 3] [--seconds 12] [--servers nameward,nsd,knot,bind]
              [--configs udp,tcp,do] [--json FILE] [--baseline BINARY]

--baseline BINARY adds a server `nameward-base`: another nameward binary (an earlier commit's
release build), timed in the same rounds as the others, so that a change is measured before and
after under the same load.

Steps:
1. Generates the data (gen.py) into DIR unless it is there already.
2. Checks answers: starts every server on its own port with the plain zones, asks each the same
   queries with kdig over UDP and over TCP, and compares rcode, AA and the answer and authority
   sections; does the same with the signed zones and DO set (there RRSIG, NSEC and NSEC3 records
   are compared apart, so that a server that does not sign its answers is reported rather than
   refused). A server whose answer or authority differs from the majority is reported; --strict
   refuses to time then.
3. Times: for each round, for the plain and then the signed zones, for each server (the order
   rotates per round, so that a change in the machine's load does not always hit the same
   server): starts it pinned to CPU 0, measures its load time (start to the SOA of both zones
   answered with AA), runs dnsperf pinned to CPU 1 for each configuration (udp and tcp on the
   plain zones, do on the signed ones), reads the server's CPU time (utime + stime of all its
   processes, /proc/PID/stat) before and after each run and its memory after the runs, and stops
   it.
4. Prints, per configuration, the median over rounds of each figure and its ratio to each peer.

Every server started is stopped (SIGTERM, then SIGKILL) before the next one starts, also on error.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
ZONES = ["host.bench.", "tld."]
PORTS = {"nameward": 53531, "nsd": 53532, "knot": 53533, "bind": 53534, "nameward-base": 53535}
# The nameward binary of each nameward server (--baseline sets the second).
BINARIES = {"nameward": os.path.join(REPO, "target", "release", "nameward")}
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------
# Server configurations


def zone_files(data, signed):
    base = os.path.join(data, "signed") if signed else data
    return {z: os.path.join(base, ("host.bench" if z == "host.bench." else "tld") + ".zone")
            for z in ZONES}


def cmd_nameward(work, port, files, binary="nameward"):
    args = [BINARIES[binary], "serve", "--workers", "1", "--listen", f"127.0.0.1:{port}"]
    for origin, path in files.items():
        args += ["--zone", f"{origin}={path}"]
    return args


def cmd_nsd(work, port, files):
    conf = os.path.join(work, "nsd.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
  server-count: 1
  ip-address: 127.0.0.1@{port}
  port: {port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{work}"
  pidfile: "{work}/nsd.pid"
  database: ""
  zonelistfile: "{work}/zone.list"
  xfrdfile: "{work}/xfrd.state"
  xfrdir: "{work}"
  logfile: "{work}/nsd.log"
  verbosity: 0
  hide-version: yes
  minimal-responses: yes
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
""")
        for origin, path in files.items():
            f.write(f"zone:\n  name: {origin}\n  zonefile: \"{path}\"\n")
    return ["nsd", "-d", "-c", conf]


def cmd_knot(work, port, files):
    conf = os.path.join(work, "knot.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
  rundir: "{work}"
  listen: 127.0.0.1@{port}
  udp-workers: 1
  tcp-workers: 1
  background-workers: 1
control:
  listen: "{work}/knot.sock"
log:
  - target: stderr
    any: warning
database:
  storage: "{work}"
template:
  - id: default
    storage: "{work}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
""")
        for origin, path in files.items():
            f.write(f"  - domain: {origin}\n    file: \"{path}\"\n")
    return ["knotd", "-c", conf]


def cmd_bind(work, port, files):
    conf = os.path.join(work, "named.conf")
    with open(conf, "w") as f:
        f.write(f"""options {{
  directory "{work}";
  pid-file "{work}/named.pid";
  session-keyfile "{work}/session.key";
  listen-on port {port} {{ 127.0.0.1; }};
  listen-on-v6 {{ none; }};
  recursion no;
  minimal-responses yes;
  dnssec-validation no;
  notify no;
  check-integrity no;
}};
controls {{ }};
""")
        for origin, path in files.items():
            f.write(f'zone "{origin}" {{ type primary; file "{path}"; }};\n')
    return ["named", "-g", "-c", conf, "-n", "1", "-U", "1"]


COMMANDS = {
    "nameward": cmd_nameward,
    "nsd": cmd_nsd,
    "knot": cmd_knot,
    "bind": cmd_bind,
    "nameward-base": lambda work, port, files: cmd_nameward(work, port, files, "nameward-base"),
}


# ---------------------------------------------------------------------------------------------
# Processes


def descendants(root):
    """root and every process below it (NSD forks its server and xfrd processes)."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            # Fields 14 and 15 of stat (utime, stime); fields[0] here is field 3.
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def memory(pids):
    """(sum of PSS over the processes, largest VmHWM) in MB: PSS counts pages a forked child
    shares with its parent once."""
    pss, hwm = 0, 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1])
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]))
        except (OSError, ValueError):
            pass
    return pss / 1024, hwm / 1024


def soa_query(origin, qid):
    qname = b"".join(bytes([len(x)]) + x.encode() for x in origin.rstrip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + qname + struct.pack(">HH", 6, 1)


def answers_soa(port, origin):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.05)
        try:
            s.sendto(soa_query(origin, 4242), ("127.0.0.1", port))
            reply = s.recv(4096)
        except OSError:
            return False
    if len(reply) < 12:
        return False
    _, flags, _, ancount, _, _ = struct.unpack(">HHHHHH", reply[:12])
    return flags & 0x000F == 0 and flags & 0x0400 and ancount >= 1


class Server:
    """One server process, started pinned to CPU 0 and stopped on exit from the with-block."""

    def __init__(self, name, data, signed, pin=True):
        self.name = name
        self.port = PORTS[name]
        self.work = tempfile.mkdtemp(prefix=f"serve-{name}-", dir=data)
        args = COMMANDS[name](self.work, self.port, zone_files(data, signed))
        if pin:
            args = ["taskset", "-c", "0"] + args
        self.log = open(os.path.join(self.work, "stderr.log"), "w")
        start = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            self.wait_ready(start)
        except BaseException:
            self.stop()
            raise

    def wait_ready(self, start):
        pending = list(ZONES)
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.proc.returncode}); see {self.log.name}")
            if time.monotonic() - start > 300:
                raise RuntimeError(f"{self.name} not answering after 300 s; see {self.log.name}")
            if answers_soa(self.port, pending[0]):
                pending.pop(0)
            else:
                time.sleep(0.01)
        self.load_seconds = time.monotonic() - start

    def pids(self):
        return descendants(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            pids = self.pids()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pass
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait()
        self.log.close()
        if self.proc.returncode in (0, -signal.SIGTERM):
            shutil.rmtree(self.work, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------------------------------------
# Answer check


CHECKS = [
    "h1.host.bench. A", "h2.host.bench. AAAA", "h10.host.bench. MX", "h105.host.bench. HIP",
    "h1.host.bench. TXT", "h11.host.bench. MX", "nx1.host.bench. A", "c1.host.bench. A",
    "c2.host.bench. AAAA", "x1.w.host.bench. A", "x1.w.host.bench. MX", "host.bench. SOA",
    "host.bench. NS", "www.d2.tld. A", "d2.tld. NS", "d3.tld. A", "d10.tld. DS", "d11.tld. DS",
    "d12.tld. DS", "nx1.tld. A", "tld. NS", "ns1.d2.tld. A", "H1.Host.Bench. A", "other. A",
]
DNSSEC_TYPES = {"RRSIG", "NSEC", "NSEC3", "NSEC3PARAM"}


def kdig(port, query, do, tcp=False):
    name, qtype = query.split()
    out = subprocess.run(["kdig", "@127.0.0.1", "-p", str(port), "+norec", "+time=2",
                          "+retry=1", *(["+dnssec"] if do else []), *(["+tcp"] if tcp else []),
                          name, qtype],
                         capture_output=True, text=True).stdout
    status = re.search(r"status: (\w+)", out)
    flags = re.search(r";; Flags: ([^;]*);", out)
    sections, current = {}, None
    for line in out.splitlines():
        m = re.match(r";; (\w+) SECTION:", line)
        if m:
            current = m.group(1)
            sections[current] = []
        elif current and line.strip() and not line.startswith(";"):
            fields = line.split()
            fields[0] = fields[0].lower()
            sections[current].append(" ".join(fields))
        elif not line.strip():
            current = None
    return {
        "rcode": status.group(1) if status else "NO ANSWER",
        "aa": bool(flags and "aa" in flags.group(1).split()),
        "sections": {k: sorted(v) for k, v in sections.items()},
    }


def view(answer, do):
    """What must agree: rcode, AA, answer and authority, DNSSEC records set apart."""
    def part(sec, dnssec):
        return sorted(r for r in answer["sections"].get(sec, [])
                      if (r.split()[3] in DNSSEC_TYPES) == dnssec)
    main = (answer["rcode"], answer["aa"], tuple(part("ANSWER", False)),
            tuple(part("AUTHORITY", False)))
    sigs = len(part("ANSWER", True)) + len(part("AUTHORITY", True))
    return main, sigs


def check(data, servers, signed, sample):
    queries = list(CHECKS)
    with open(os.path.join(data, "queries.txt")) as f:
        lines = f.read().splitlines()
    queries += lines[:: max(1, len(lines) // sample)][:sample]
    started = []
    problems = []
    sig_counts = {}
    try:
        for name in servers:
            started.append(Server(name, data, signed, pin=False))
        # The plain zones are asked over UDP and TCP, the signed ones over UDP.
        for q, tcp in [(q, tcp) for q in queries for tcp in ([False] if signed else [False, True])]:
            views = {s.name: view(kdig(s.port, q, signed, tcp), signed) for s in started}
            mains = [v[0] for v in views.values()]
            majority = max(mains, key=mains.count)
            for name, (main, sigs) in views.items():
                if main != majority:
                    problems.append(f"{'signed' if signed else 'plain'} {'TCP' if tcp else 'UDP'} "
                                    f"{q}: {name} differs: {main} vs majority {majority}")
            if signed:
                for n, v in views.items():
                    sig_counts.setdefault(n, []).append(v[1])
    finally:
        for s in started:
            s.stop()
    if sig_counts:
        # One line per server that signs differently from the majority, not one per query.
        per_query = list(zip(*sig_counts.values()))
        majority = [max(c, key=c.count) for c in per_query]
        for n, counts in sig_counts.items():
            off = sum(1 for c, m in zip(counts, majority) if c != m)
            if off:
                problems.append(f"signed: {n} has {sum(counts)} RRSIG/NSEC/NSEC3 records in the "
                                f"answer and authority sections of {len(queries)} answers, the "
                                f"majority {sum(majority)}; {off} answers differ")
    return len(queries), problems


# ---------------------------------------------------------------------------------------------
# Timing


def dnsperf(port, queries, seconds, mode):
    args = ["taskset", "-c", "1", "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
            "-l", str(seconds), "-c", "10", "-q", "500", "-T", "1"]
    if mode == "tcp":
        args += ["-m", "tcp"]
    if mode == "do":
        args += ["-D"]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout

    def num(label):
        m = re.search(label + r":\s+([\d.]+)", out)
        if not m:
            raise RuntimeError(f"dnsperf output lacks {label}:\n{out}")
        return float(m.group(1))

    codes = re.search(r"Response codes:(.*)", out)
    rcodes = {k: int(v) for k, v in re.findall(r"(\w+) (\d+) \([\d.]+%\)",
                                               codes.group(1) if codes else "")}
    sizes = re.search(r"Average packet size:\s+request (\d+), response (\d+)", out)
    return {
        "sent": num("Queries sent"), "completed": num("Queries completed"),
        "lost": num("Queries lost"), "qps": num("Queries per second"),
        "response_size": int(sizes.group(2)) if sizes else 0, "rcodes": rcodes,
    }


def udp_rcvbuf_errors():
    """The kernel's count of datagrams dropped because a socket's receive buffer was full (for the
    whole machine: other users' traffic counts too)."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    return int(rows[1][rows[0].index("RcvbufErrors")])


def measure(server, queries, seconds, mode):
    pids = server.pids()
    drops = udp_rcvbuf_errors()
    before = cpu_ticks(pids)
    result = dnsperf(server.port, queries, seconds, mode)
    after = cpu_ticks(server.pids())
    result["rcvbuf_drops"] = udp_rcvbuf_errors() - drops
    result["cpu_us_per_query"] = (after - before) / CLK_TCK * 1e6 / max(1, result["completed"])
    result["lost_pct"] = 100 * result["lost"] / max(1, result["sent"])
    return result


def time_all(data, servers, configs, runs, seconds, log):
    queries = os.path.join(data, "queries.txt")
    results = {}  # (server, config) -> list of runs
    loads = {}  # (server, zones) -> list of seconds
    for round_ in range(runs):
        order = servers[round_ % len(servers):] + servers[: round_ % len(servers)]
        for signed in (False, True):
            modes = [c for c in configs if (c == "do") == signed]
            if not modes:
                continue
            for name in order:
                with Server(name, data, signed) as server:
                    loads.setdefault((name, "signed" if signed else "plain"), []).append(
                        server.load_seconds)
                    for mode in modes:
                        r = measure(server, queries, seconds, mode)
                        r["pss_mb"], r["hwm_mb"] = memory(server.pids())
                        r["load_s"] = server.load_seconds
                        results.setdefault((name, mode), []).append(r)
                        log(f"round {round_ + 1} {name} {mode}: {r['qps']:.0f} qps, "
                            f"{r['cpu_us_per_query']:.2f} µs/q, lost {r['lost_pct']:.3f}%, "
                            f"{r['response_size']} B, {r['rcvbuf_drops']} rcvbuf drops, "
                            f"PSS {r['pss_mb']:.0f} MB, "
                            f"load {server.load_seconds:.2f} s")
    return results, loads


def median_run(runs):
    """The run with the median qps (its other figures reported beside it), plus the medians."""
    ordered = sorted(runs, key=lambda r: r["qps"])
    mid = ordered[len(ordered) // 2]
    med = {k: statistics.median(r[k] for r in runs)
           for k in ("qps", "cpu_us_per_query", "lost_pct", "pss_mb", "hwm_mb", "load_s",
                     "response_size")}
    med["rcodes"] = mid["rcodes"]
    return med


def report(results, servers, configs):
    lines = []
    for mode in configs:
        rows = {s: median_run(results[(s, mode)]) for s in servers if (s, mode) in results}
        if not rows:
            continue
        lines.append(f"\n{mode}:\n")
        lines.append("| server | qps | lost % | CPU µs/query | PSS MB | peak RSS MB | load s | "
                     "avg response B | rcodes (median-qps run) |")
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for s, m in rows.items():
            total = sum(m["rcodes"].values()) or 1
            rc = ", ".join(f"{k} {100 * v / total:.1f}%" for k, v in m["rcodes"].items())
            lines.append(f"| {s} | {m['qps']:.0f} | {m['lost_pct']:.3f} | "
                         f"{m['cpu_us_per_query']:.2f} | {m['pss_mb']:.0f} | {m['hwm_mb']:.0f} | "
                         f"{m['load_s']:.2f} | {m['response_size']:.0f} | {rc} |")
        if "nameward" in rows:
            nw = rows["nameward"]
            lines.append("\n| nameward vs | qps | CPU/query | PSS | load time |")
            lines.append("|---|---|---|---|---|")
            for s, m in rows.items():
                if s == "nameward":
                    continue
                lines.append(f"| {s} | {nw['qps'] / m['qps']:.2f}x | "
                             f"{nw['cpu_us_per_query'] / m['cpu_us_per_query']:.2f}x | "
                             f"{nw['pss_mb'] / m['pss_mb']:.2f}x | "
                             f"{nw['load_s'] / m['load_s']:.2f}x |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=os.path.join(REPO, "bench", "out", "serve"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--servers", default="nameward,nsd,knot,bind")
    parser.add_argument("--configs", default="udp,tcp,do")
    parser.add_argument("--check-sample", type=int, default=40)
    parser.add_argument("--strict", action="store_true",
                        help="refuse to time when an answer differs")
    parser.add_argument("--skip-check", action="store_true")
    parser.add_argument("--json", help="write every run's figures here")
    parser.add_argument("--baseline", help="another nameward binary, timed as nameward-base")
    args = parser.parse_args()
    # A SIGTERM (from timeout(1), say) unwinds like an exception, so every server is stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    servers = args.servers.split(",")
    if args.baseline:
        BINARIES["nameward-base"] = os.path.abspath(args.baseline)
        servers.append("nameward-base")
    configs = args.configs.split(",")
    args.data = os.path.abspath(args.data)
    if not os.path.exists(os.path.join(args.data, "params.json")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen.py"), args.data], check=True)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if not args.skip_check:
        for signed in (False, True):
            if signed and "do" not in configs:
                continue
            n, problems = check(args.data, servers, signed, args.check_sample)
            log(f"checked {n} queries on the {'signed' if signed else 'plain'} zones: "
                f"{len(problems)} differences")
            for p in problems:
                log("  " + p)
            if problems and args.strict:
                sys.exit(1)
    log(f"load average before timing: {open('/proc/loadavg').read().strip()}")
    results, loads = time_all(args.data, servers, configs, args.runs, args.seconds, log)
    log(f"load average after timing: {open('/proc/loadavg').read().strip()}")
    print(report(results, servers, configs))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({f"{s} {m}": runs for (s, m), runs in results.items()}, f, indent=1)


if __name__ == "__main__":
    main()
