#!/usr/bin/python3
"""Peer: count packets per destination port with Scapy's PcapReader."""
import sys

from scapy.layers.inet import TCP, UDP
from scapy.utils import PcapReader


def main(path):
    counts = {}
    n = 0
    for pkt in PcapReader(path):
        n += 1
        d = None
        if TCP in pkt:
            d = pkt[TCP].dport
        elif UDP in pkt:
            d = pkt[UDP].dport
        counts[d] = counts.get(d, 0) + 1
    print('ports %d, packets %d' % (len(counts), n), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1])
