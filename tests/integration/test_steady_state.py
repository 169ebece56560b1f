"""Steady state allocates nothing per packet: the same number of heap calls
(apart from a constant) and the same Python block count for 1x and 8x the
packets, through a plugin that reads every common attribute."""

import os

from harness import REPO, Skip, TempDir, pcap, pktd_binary, run_pktd, check_ok

READER = """
counts = {}
def on_packet(pkt):
    d = pkt.dport
    if d is not None:
        counts[d] = counts.get(d, 0) + 1
    pkt.sport; pkt.proto; pkt.caplen; pkt.wirelen; pkt.payload_len; len(pkt.payload)
    pkt.src; pkt.dst; pkt.layers; pkt.error; pkt.tcp_flags; pkt.ttl; pkt.raw[0]
"""


def _shim():
    shim = os.path.join(REPO, "build", "malloc_count.so")
    if not os.path.exists(shim):
        raise AssertionError("build/malloc_count.so missing (make all builds it)")
    if "asan" in pktd_binary():
        raise Skip("the heap-counting shim cannot be preloaded under ASan (ASan owns malloc)")
    return shim


def _run(tmp, plugin, copies, shim):
    big = pcap("mixed-traffic-large.pcap")
    args = []
    for _ in range(copies):
        args += ["-r", big]
    count_file = os.path.join(tmp, "heap-%d" % copies)
    res = run_pktd(["-q", "-p", plugin] + args, stats=True, tmpdir=tmp,
                   env={"LD_PRELOAD": shim, "PKTD_MALLOC_COUNT_FILE": count_file})
    check_ok(res)
    with open(count_file) as f:
        words = f.read().split()
    calls = dict(zip(words[::2], map(int, words[1::2])))
    return res.stats(), calls["malloc"] + calls["calloc"] + calls["realloc"]


def test_no_heap_calls_per_packet():
    shim = _shim()
    with TempDir() as tmp:
        plugin = os.path.join(tmp, "reader.py")
        with open(plugin, "w") as f:
            f.write(READER)
        s1, heap1 = _run(tmp, plugin, 1, shim)
        s8, heap8 = _run(tmp, plugin, 8, shim)
        extra_packets = s8["packets_read"] - s1["packets_read"]
        assert extra_packets > 400000, extra_packets
        print("  heap calls: %d for %d packets, %d for %d packets" % (
            heap1, s1["packets_read"], heap8, s8["packets_read"]))
        # A constant, not a count per packet: 440k more packets may not add
        # even one heap call per 1000 packets.
        assert abs(heap8 - heap1) < 440, (heap1, heap8)
        for s in (s1, s8):
            py = s["python"]
            grown = py["allocated_blocks_end"] - py["allocated_blocks_start"]
            print("  python blocks grew by %d over %d packets" % (grown, s["packets_read"]))
            assert grown < 200, py
