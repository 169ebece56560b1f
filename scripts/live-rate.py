#!/usr/bin/python3
"""live-rate: the highest UDP rate pktd captures live over a veth pair without losing a packet.

    scripts/live-rate.py [--pktd build/pktd] [--seconds 5] [--plugin count|none|PATH]
                         [--rates 50000,100000,...] [-- extra pktd options]

As root: builds the pktd-a <-> pktd-b namespaces of the live tests
(tests/integration/netns.py, 10.99.0.0/24 only), compiles scripts/udp-blast.c,
and for each rate runs `ip netns exec pktd-a pktd -i veth-a -f 'udp port 9000'`
with the plugin while udp-blast in pktd-b sends 18-byte datagrams at that rate
for --seconds. A socket bound in pktd-a swallows them (no ICMP replies). After
each run it reads --stats-json and prints one row: offered rate, packets sent,
captured, kernel drops, ring drops, undelivered. A rate passes when the kernel
and the ring dropped nothing and pktd captured every datagram sent. The last
line names the highest passing rate."""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

from netns import A4, Pair, wait_for_line  # noqa: E402

COUNT = '''
import pktd
n = 0
def on_packet(pkt):
    global n
    if pkt.dport == 9000:
        n += 1
def teardown():
    pktd.emit({"count": n})
'''

SINK = '''
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.99.0.1", 9000))
print("ready", flush=True)
time.sleep(3600)
'''


def one_rate(net, tmp, pktd, plugin, rate, seconds, extra):
    stats = os.path.join(tmp, "stats-%d.json" % rate)
    out = os.path.join(tmp, "out-%d.jsonl" % rate)
    err = os.path.join(tmp, "err-%d" % rate)
    args = [pktd, "-i", "veth-a", "-f", "udp port 9000", "--stats-json", stats, "-o", out] + extra
    if plugin:
        args += ["-p", plugin]
    with open(err, "w") as ef:
        proc = net.popen("a", args, stdout=subprocess.DEVNULL, stderr=ef)
    wait_for_line(err, "capturing on", 60, proc)
    r = net.run("b", [os.path.join(tmp, "udp-blast"), A4, "9000", str(rate), str(seconds)],
                timeout=seconds + 60)
    sent, achieved = r.stdout.split()
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    with open(stats) as f:
        st = json.load(f)
    a = st["accounting"]
    return int(sent), float(achieved), a


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pktd", default=os.path.join(REPO, "build", "pktd"))
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--plugin", default="count")
    ap.add_argument("--rates", default="50000,100000,150000,200000,250000,300000,400000,600000")
    ap.add_argument("extra", nargs="*")
    o = ap.parse_args()
    rates = [int(x) for x in o.rates.split(",")]
    with tempfile.TemporaryDirectory(prefix="pktd-rate-") as tmp, Pair() as net:
        subprocess.run(["gcc", "-O2", "-o", os.path.join(tmp, "udp-blast"), os.path.join(HERE, "udp-blast.c")],
                       check=True)
        plugin = None
        if o.plugin == "count":
            plugin = os.path.join(tmp, "count.py")
            with open(plugin, "w") as f:
                f.write(COUNT)
        elif o.plugin != "none":
            plugin = o.plugin
        sink = net.popen("a", [sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)
        assert sink.stdout.readline().strip() == "ready"
        print("%10s %10s %10s %10s %8s %8s %8s  %s" % ("offered/s", "achieved/s", "sent", "captured", "kdrop",
                                                       "ringdrop", "undeliv", "result"))
        best = None
        for rate in rates:
            sent, achieved, a = one_rate(net, tmp, os.path.abspath(o.pktd), plugin, rate, o.seconds, o.extra)
            ok = a["kernel_dropped"] == 0 and a["ring_dropped"] == 0 and a["captured"] == sent
            print("%10d %10.0f %10d %10d %8d %8d %8d  %s" % (rate, achieved, sent, a["captured"],
                                                           a["kernel_dropped"], a["ring_dropped"],
                                                           a["undelivered"], "ok" if ok else "LOSS"), flush=True)
            if ok:
                best = max(best or 0, achieved)
        print("highest rate with no kernel or ring drops and every datagram captured: %s packets/s" %
              ("%.0f" % best if best else "none"))


if __name__ == "__main__":
    main()
