"""An SMTP sink for nameward-desk's tests: aiosmtpd on a free loopback port, each accepted
message written as JSON (envelope sender, recipients, raw data) to a file in OUTDIR, and 550
for the recipients named on the command line.

Usage: smtp_sink.py OUTDIR [REJECTED_ADDRESS ...]; prints "READY <port>" once listening.
"""

import json
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, outdir, rejected):
        self.outdir = outdir
        self.rejected = {address.lower() for address in rejected}
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        path = os.path.join(self.outdir, "%06d.json" % number)
        with open(path + ".tmp", "w") as out:
            json.dump(record, out)
        os.rename(path + ".tmp", path)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    outdir, rejected = sys.argv[1], sys.argv[2:]
    for _ in range(20):
        port = free_port()
        controller = Controller(Sink(outdir, rejected), hostname="127.0.0.1", port=port)
        try:
            controller.start()
            break
        except Exception:
            continue
    else:
        sys.exit("no free port")
    print("READY %d" % port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    # Exit with the test: its end closes our stdin.
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
