#!/usr/bin/python3
"""Peer: decode every DNS message on UDP/53 with dpkt's DNS parser and
build the same record plugins/dns.py emits (header, questions, answers),
written as JSON lines to /dev/null-like output."""
import json
import socket
import sys

import dpkt

TYPES = {1: 'A', 28: 'AAAA', 5: 'CNAME', 15: 'MX', 16: 'TXT', 12: 'PTR', 2: 'NS', 6: 'SOA'}


def rdata_text(rr):
    if rr.type == 1:
        return socket.inet_ntop(socket.AF_INET, rr.rdata)
    if rr.type == 28:
        return socket.inet_ntop(socket.AF_INET6, rr.rdata)
    if rr.type in (5, 12, 2):
        return rr.cname if rr.type == 5 else (rr.ptrname if rr.type == 12 else rr.nsname)
    if rr.type == 15:
        pref = rr.preference[0] if isinstance(rr.preference, tuple) else rr.preference
        return '%d %s' % (pref, rr.mxname)
    if rr.type == 16:
        return ' '.join(t.decode('utf-8', 'replace') if isinstance(t, bytes) else t for t in rr.text)
    return rr.rdata.hex()


def main(path, out_path):
    n = bad = 0
    out = open(out_path, 'w')
    with open(path, 'rb') as f:
        for ts, buf in dpkt.pcap.Reader(f):
            try:
                eth = dpkt.ethernet.Ethernet(buf)
                ip = eth.data
                udp = ip.data
                if not isinstance(udp, dpkt.udp.UDP) or 53 not in (udp.sport, udp.dport):
                    continue
                msg = dpkt.dns.DNS(udp.data)
            except (dpkt.dpkt.UnpackError, dpkt.dpkt.NeedData, AttributeError):
                bad += 1
                continue
            rec = {
                'ts': ts, 'src': socket.inet_ntop(socket.AF_INET, ip.src), 'dst': socket.inet_ntop(socket.AF_INET, ip.dst),
                'sport': udp.sport, 'dport': udp.dport, 'transport': 'udp', 'id': msg.id,
                'qr': 'response' if msg.qr else 'query', 'opcode': msg.opcode, 'rcode': msg.rcode,
                'questions': [{'name': q.name + '.', 'type': TYPES.get(q.type, q.type), 'class': 'IN'} for q in msg.qd],
                'answers': [{'name': a.name + '.', 'type': TYPES.get(a.type, a.type), 'ttl': a.ttl, 'data': rdata_text(a)}
                            for a in msg.an],
            }
            out.write(json.dumps(rec) + '\n')
            n += 1
    out.close()
    print('messages %d, malformed %d' % (n, bad), file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else '/dev/null')
