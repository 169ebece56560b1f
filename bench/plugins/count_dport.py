"""The counting job of the benchmark: packets per destination port (the
same job bench/peers/dpkt_count.py does with dpkt)."""
counts = {}


def on_packet(pkt):
    d = pkt.dport
    counts[d] = counts.get(d, 0) + 1


def teardown():
    import pktd
    pktd.log("ports %d, packets %d" % (len(counts), sum(counts.values())))
