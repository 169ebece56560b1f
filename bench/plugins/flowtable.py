"""GC benchmark plugin: a Python flow table that grows to hundreds of
thousands of entries (a dict of 5-tuples to small mutable records), plus a
little cyclic garbage made all the time (a parent/child pair per 100
packets), as a stateful decoder would. Under Python's default GC the table
makes full collections long; pktd's scheduled GC must keep pauses short
while still reclaiming the garbage."""

import pktd


class Flow:
    __slots__ = ("pkts", "bytes", "first", "last", "peer")

    def __init__(self, ts):
        self.pkts = 0
        self.bytes = 0
        self.first = ts
        self.last = ts
        self.peer = None


class Pair:
    __slots__ = ("other", "data")


table = {}
n = 0


def on_packet(pkt):
    global n
    n += 1
    key = (pkt.src, pkt.dst, pkt.sport, pkt.dport, pkt.proto)
    f = table.get(key)
    if f is None:
        f = table[key] = Flow(pkt.ts)
    f.pkts += 1
    f.bytes += pkt.wirelen
    if n % 100 == 0:
        a = Pair()
        b = Pair()
        a.other, b.other = b, a  # a cycle that dies at once: only the GC frees it
        a.data = b.data = [n]


def teardown():
    pktd.log("flows %d after %d packets" % (len(table), n))
