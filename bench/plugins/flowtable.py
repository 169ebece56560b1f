"""GC benchmark plugin: a Python flow table that grows to hundreds of
thousands of entries (a dict of 5-tuples to small mutable records), plus a
little cyclic garbage made all the time (a parent/child pair holding a
512-byte buffer per 100 packets), as a stateful decoder would. Under
Python's default GC the table makes full collections long; pktd's scheduled
GC must keep pauses short while still reclaiming the garbage.

bench/run.py replays the input twice (--loop 2): the second pass brings no
new flow, so the table stops growing while garbage is still made, and the
anonymous resident memory must stay flat from then on. The teardown line
gives the table's size and the packet that added the last flow."""

import pktd


class Flow:
    __slots__ = ("pkts", "bytes", "first", "last", "peer")

    def __init__(self, ts):
        self.pkts = 0
        # A float, not an int: a byte count would otherwise move from
        # CPython's cached small ints to a heap int during the second pass
        # (one more object per flow), and the resident size would show the
        # counters' growth instead of whether garbage is reclaimed.
        self.bytes = 0.0
        self.first = ts
        self.last = ts
        self.peer = None


class Pair:
    __slots__ = ("other", "data")


table = {}
n = 0
last_new = 0  # packet that added the last flow: the table stopped growing after it


def on_packet(pkt):
    global n, last_new
    n += 1
    key = (pkt.src, pkt.dst, pkt.sport, pkt.dport, pkt.proto)
    f = table.get(key)
    if f is None:
        f = table[key] = Flow(pkt.ts)
        last_new = n
    f.pkts += 1
    f.bytes += pkt.wirelen
    if n % 100 == 0:
        a = Pair()
        b = Pair()
        a.other, b.other = b, a  # a cycle that dies at once: only the GC frees it
        # The buffer makes a leak of these cycles show in the resident size
        # (about 0.7 KiB a cycle, 4 MiB over a 600k-packet pass).
        a.data = b.data = [n, bytearray(512)]


def teardown():
    pktd.log("flows %d after %d packets, last new flow at packet %d" % (len(table), n, last_new))
