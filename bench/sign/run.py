#!/usr/bin/env python3
"""Signing benchmark: sign the same TLD zone (N delegations, 10% with DS) with the same two
ECDSA P-256 keys (a KSK and a ZSK made by dnssec-keygen) using nameward, kzonesign,
dnssec-signzone and ldns-signzone, with NSEC and with NSEC3 opt-out (no salt, no extra
iteration).

Usage: python3 bench/sign/run.py [--delegations N] [--runs 3] [--modes nsec,nsec3-optout]
                                 [--keep DIR] [--verify] [--nameward target/release/nameward]

Prints the tools' versions, then per mode the median wall time, CPU time (user + system) and
peak memory (max RSS) from /usr/bin/time, and each figure as a ratio to nameward's, and every
run. Tools run interleaved so that drift in the machine's load hits all of them alike. Every
tool signs on every core it can use: nameward and dnssec-signzone by default, kzonesign with
`signing-threads` set to the core count; ldns-signzone has one thread. With --verify, each
tool's output of the first run must pass `nameward dnssec verify` and `kzonecheck -d on` (slow
at a million names: use it on a small zone).
"""
import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("zone_read_run", os.path.join(HERE, "..", "zone-read", "run.py"))
_zone_read = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_zone_read)
measure, version = _zone_read.measure, _zone_read.version

ORIGIN = "tld."
INCEPTION = "20261201000000"
EXPIRATION = "20261231000000"


def knot_conf(work, zone, mode, threads):
    nsec3 = "on" if mode == "nsec3-optout" else "off"
    path = os.path.join(work, f"knot-{mode}.conf")
    with open(path, "w") as f:
        f.write(f"""database:
    storage: {work}/knot-{mode}
template:
  - id: default
    storage: {work}
policy:
  - id: bench
    manual: on
    algorithm: ecdsap256sha256
    rrsig-lifetime: 30d
    signing-threads: {threads}
    nsec3: {nsec3}
    nsec3-opt-out: {nsec3}
    nsec3-iterations: 0
    nsec3-salt-length: 0
zone:
  - domain: {ORIGIN}
    file: {zone}
    dnssec-signing: on
    dnssec-policy: bench
""")
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delegations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default="nsec,nsec3-optout")
    parser.add_argument("--nameward", default="target/release/nameward")
    parser.add_argument("--keep", help="directory to keep the zone and keys in (reused)")
    parser.add_argument("--verify", action="store_true")
    args = parser.parse_args()
    nameward = os.path.abspath(args.nameward)
    tools_needed = ["/usr/bin/time", "kzonesign", "keymgr", "dnssec-signzone", "dnssec-keygen",
                    "ldns-signzone", "kzonecheck"]
    for tool in tools_needed:
        if not shutil.which(tool):
            sys.exit(f"missing {tool}: apt-get install time bind9-utils knot-dnssecutils ldnsutils")
    work = os.path.abspath(args.keep or tempfile.mkdtemp(prefix="nameward-sign-bench-"))
    os.makedirs(work, exist_ok=True)
    zone = os.path.join(work, f"tld-{args.delegations}.zone")
    if not os.path.exists(zone):
        with open(zone + ".part", "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_zone.py"), str(args.delegations)],
                           stdout=f, check=True)
        os.rename(zone + ".part", zone)
    size = os.path.getsize(zone)
    keys = sorted(n[:-4] for n in os.listdir(work) if n.startswith("Ktld.+013+") and n.endswith(".key"))
    if not keys:
        for flags in (["-f", "KSK"], []):
            subprocess.run(["dnssec-keygen", "-q", "-a", "ECDSAP256SHA256"] + flags + [ORIGIN],
                           cwd=work, check=True, stdout=subprocess.DEVNULL)
        keys = sorted(n[:-4] for n in os.listdir(work) if n.startswith("Ktld.+013+") and n.endswith(".key"))
    keys = [os.path.join(work, k) for k in keys]
    # dnssec-signzone wants the DNSKEYs in the zone it signs.
    zone_with_keys = zone + ".with-keys"
    if not os.path.exists(zone_with_keys):
        with open(zone_with_keys, "w") as out:
            for path in [zone] + [k + ".key" for k in keys]:
                with open(path) as f:
                    shutil.copyfileobj(f, out)
    threads = os.cpu_count() or 1
    modes = args.modes.split(",")
    tools = {}
    for mode in modes:
        conf = knot_conf(work, zone, mode, threads)
        kasp = os.path.join(work, f"knot-{mode}")
        if not os.path.exists(os.path.join(kasp, "keys")):
            os.makedirs(kasp, exist_ok=True)
            for key in keys:
                subprocess.run(["keymgr", "-c", conf, ORIGIN, "import-bind", key + ".private"],
                               check=True, stdout=subprocess.DEVNULL)
        out = os.path.join(work, "out-" + mode)
        os.makedirs(os.path.join(out, "knot"), exist_ok=True)
        nsec3 = mode == "nsec3-optout"
        ours = [nameward, "zone", "sign", "--origin", ORIGIN, zone, "--out", f"{out}/nameward.zone",
                "--inception", INCEPTION, "--expiration", EXPIRATION]
        for key in keys:
            ours += ["--key", key]
        bind = ["dnssec-signzone", "-q", "-x", "-d", out, "-o", ORIGIN, "-f", f"{out}/bind.zone",
                "-s", INCEPTION, "-e", EXPIRATION]
        ldns = ["ldns-signzone", "-o", ORIGIN, "-f", f"{out}/ldns.zone", "-i", INCEPTION,
                "-e", EXPIRATION]
        if nsec3:
            ours += ["--nsec3", "--opt-out"]
            bind += ["-3", "-", "-H", "0", "-A"]
            ldns += ["-n", "-t", "0", "-p"]
        tools[(mode, "nameward")] = (ours, f"{out}/nameward.zone")
        tools[(mode, "kzonesign")] = (["kzonesign", "-c", conf, "-o", f"{out}/knot", ORIGIN],
                                      os.path.join(out, "knot", os.path.basename(zone)))
        tools[(mode, "dnssec-signzone")] = (bind + [zone_with_keys] + keys, f"{out}/bind.zone")
        tools[(mode, "ldns-signzone")] = (ldns + [zone] + keys, f"{out}/ldns.zone")

    print("versions:")
    print(f"- nameward: {version([nameward, '--version'])}")
    print(f"- kzonesign: {version(['kzonesign', '-V'])}")
    print(f"- dnssec-signzone: {version(['dnssec-signzone', '-V'])}")
    print(f"- ldns-signzone: {version(['ldns-signzone', '-v'])}")
    print(f"- cores: {threads}")
    print()
    results = {name: [] for name in tools}
    for run in range(args.runs):
        for name, (cmd, output) in tools.items():
            results[name].append(measure(cmd))
            if run == 0 and args.verify:
                check = [[nameward, "dnssec", "verify", "--origin", ORIGIN, "--now", "20261215000000", output],
                         ["kzonecheck", "-d", "on", "-t", "20261215000000", "-o", ORIGIN, output]]
                for cmd in check:
                    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                    if proc.returncode != 0:
                        sys.exit(f"{name}: {cmd[0]} rejects {output}:\n{proc.stdout[-3000:]}")

    print(f"zone: {args.delegations} delegations ({args.delegations // 10} with DS), {size} octets; "
          f"median of {args.runs} runs")

    def medians(runs):
        return [statistics.median(run[i] for run in runs) for i in range(3)]

    for mode in modes:
        print()
        print(f"{mode}:")
        print()
        print("| tool | wall s | CPU s | peak RSS MB | wall vs nameward | CPU vs nameward | RSS vs nameward |")
        print("|---|---|---|---|---|---|---|")
        base_wall, base_rss, base_cpu = medians(results[(mode, "nameward")])
        for (m, name), runs in results.items():
            if m != mode:
                continue
            wall, rss, cpu = medians(runs)
            print(f"| {name} | {wall:.2f} | {cpu:.2f} | {rss / 1e6:.0f} | {wall / base_wall:.2f}x | "
                  f"{cpu / base_cpu:.2f}x | {rss / base_rss:.2f}x |")
    print()
    print("every run, in the order run (wall s / CPU s / peak RSS MB):")
    for (mode, name), runs in results.items():
        print(f"- {mode} {name}: " + ", ".join(f"{w:.2f} / {c:.2f} / {r / 1e6:.0f}" for w, r, c in runs))


if __name__ == "__main__":
    main()
