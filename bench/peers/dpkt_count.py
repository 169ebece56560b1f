#!/usr/bin/python3
"""Peer: count packets per destination port with dpkt (a pure-Python loop)."""
import sys

import dpkt


def main(path):
    counts = {}
    n = 0
    with open(path, 'rb') as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            n += 1
            d = None
            try:
                eth = dpkt.ethernet.Ethernet(buf)
                ip = eth.data
                if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)):
                    l4 = ip.data
                    if isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP)):
                        d = l4.dport
            except (dpkt.dpkt.UnpackError, dpkt.dpkt.NeedData):
                pass
            counts[d] = counts.get(d, 0) + 1
    print('ports %d, packets %d' % (len(counts), n), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1])
