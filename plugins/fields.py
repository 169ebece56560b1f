"""fields: one record per frame keyed by tshark field names, for conformance.

Emits, for EVERY frame (no FILTER, also frames that failed to decode), the
fields of the reference decodes in ../shared/pcaps/refs/*.tshark.tsv, made
with `tshark -T fields -E occurrence=f -e frame.number -e ...`:

    frame.number frame.len frame.cap_len eth.src eth.dst vlan.id
    ip.src ip.dst ip.proto ipv6.src ipv6.dst ipv6.nxt
    tcp.srcport tcp.dstport tcp.flags udp.srcport udp.dstport
    icmp.type icmpv6.type dns.qry.name

A field the packet does not have is left out of the record. Values follow
tshark's conventions: tcp.flags as "0x0012", the root name as "<Root>",
DNS names without the trailing dot; vlan.id is the first 802.1Q (TPID
0x8100) tag only, since tshark files an 802.1ad S-tag under
ieee8021ad.id. dns.qry.name is the first question of a message on UDP or
TCP port 53, mDNS (UDP/TCP 5353) or LLMNR (UDP 5355), the ports tshark
4.0 registers; over TCP only when the whole length-prefixed message is in
the segment.

IP fragments: tshark reassembles them, and reports the reassembled
datagram's upper layers (tcp.*, udp.*, icmp*, dns.qry.name) on the frame
that completed it, while the other fragments show only their link and IP
fields. This plugin sets FRAGMENTS = True, so pktd hands it every fragment
and, right after the completing one, the reassembled packet (same frame
number, pkt.reassembled): a fragment's record leaves out its upper layers,
and the completing frame's record takes the fields it lacks from the
reassembled packet. One record per frame, emitted once the next packet
shows whether a reassembled datagram follows.

ICMP and ICMPv6 error messages (destination unreachable, time exceeded,
...) quote the start of the offending datagram, and tshark decodes that
quote: with first-occurrence fields, the quoted TCP/UDP ports, TCP flags
and DNS name are the frame's tcp.* / udp.* / dns.qry.name (ip.* and
ipv6.* stay the outer header, which comes first). The daemon stops at the
ICMP header and hands the quote over as pkt.payload, so _quoted() reads
those few fields from it, as tshark shows them.
"""

import struct

import pktd
import dnswire

FRAGMENTS = True

_TPID_8021Q = 0x8100
_DNS_UDP_PORTS = (53, 5353, 5355)
_DNS_TCP_PORTS = (53, 5353)           # tshark 4.0: DNS/TCP on 53, mDNS/TCP on 5353


def _tshark_name(name):
    """dnswire presentation form -> tshark's dns.qry.name text."""
    if name == ".":
        return "<Root>"
    return name[:-1]


def _qry_name(msg):
    """First question name of the DNS message in msg, None if none."""
    try:
        q = dnswire.first_question(msg)
    except dnswire.DNSError:
        return None
    if q is None:
        return None
    return _tshark_name(q[0])


_ICMP_ERRORS = frozenset((3, 4, 5, 11, 12))   # RFC 792 / 1812 types quoting a datagram
_ICMPV6_ERRORS = frozenset((1, 2, 3, 4))      # RFC 4443 error types
_IPV6_EXT = frozenset((0, 43, 60))            # hop-by-hop, routing, destination options


def _quoted(rec, q, version):
    """Add the transport fields of the datagram quoted in an ICMP error.
    q is the quote (pkt.payload); version the IP version it must carry."""
    n = len(q)
    if version == 4:
        if n < 20 or q[0] >> 4 != 4:
            return
        ihl = (q[0] & 0x0F) * 4
        if ihl < 20 or n < ihl:
            return
        if struct.unpack_from("!H", q, 6)[0] & 0x1FFF:
            return                      # not the first fragment: no ports
        proto = q[9]
        off = ihl
    else:
        if n < 40 or q[0] >> 4 != 6:
            return
        proto = q[6]
        off = 40
        while proto in _IPV6_EXT or proto == 44:
            if n < off + 8:
                return
            if proto == 44:
                if struct.unpack_from("!H", q, off + 2)[0] & 0xFFF8:
                    return
                proto = q[off]
                off += 8
            else:
                proto, off = q[off], off + (q[off + 1] + 1) * 8
    if n < off + 4:
        return
    sport, dport = struct.unpack_from("!HH", q, off)
    if proto == 6:
        rec["tcp.srcport"] = sport
        rec["tcp.dstport"] = dport
        if n >= off + 14:
            rec["tcp.flags"] = "0x%04x" % (struct.unpack_from("!H", q, off + 12)[0] & 0x0FFF)
    elif proto == 17:
        rec["udp.srcport"] = sport
        rec["udp.dstport"] = dport
        if (sport in _DNS_UDP_PORTS or dport in _DNS_UDP_PORTS) and n > off + 8:
            name = _qry_name(q[off + 8:])
            if name is not None:
                rec["dns.qry.name"] = name


def _record(pkt):
    rec = {
        "frame.number": pkt.frame,
        "frame.len": pkt.wirelen,
        "frame.cap_len": pkt.caplen,
    }
    v = pkt.eth_src
    if v is not None:
        rec["eth.src"] = v
        rec["eth.dst"] = pkt.eth_dst
    for tpid, vid in pkt.vlan_tags:
        if tpid == _TPID_8021Q:
            rec["vlan.id"] = vid
            break
    ipv = pkt.ip_version
    if ipv == 4:
        rec["ip.src"] = pkt.src
        rec["ip.dst"] = pkt.dst
        rec["ip.proto"] = pkt.proto
    elif ipv == 6:
        rec["ipv6.src"] = pkt.src
        rec["ipv6.dst"] = pkt.dst
        rec["ipv6.nxt"] = pkt.ip6_nxt
    if pkt.is_fragment and (pkt.more_fragments or pkt.frag_offset):
        return rec                      # upper layers come with the reassembled packet
    layers = pkt.layers
    if "tcp" in layers:
        sport, dport = pkt.sport, pkt.dport
        rec["tcp.srcport"] = sport
        rec["tcp.dstport"] = dport
        rec["tcp.flags"] = "0x%04x" % pkt.tcp_flags
        if sport in _DNS_TCP_PORTS or dport in _DNS_TCP_PORTS:
            payload = pkt.payload
            n = len(payload)
            if n >= 2 and n >= 2 + ((payload[0] << 8) | payload[1]):
                name = _qry_name(payload[2:2 + ((payload[0] << 8) | payload[1])])
                if name is not None:
                    rec["dns.qry.name"] = name
    elif "udp" in layers:
        sport, dport = pkt.sport, pkt.dport
        rec["udp.srcport"] = sport
        rec["udp.dstport"] = dport
        if sport in _DNS_UDP_PORTS or dport in _DNS_UDP_PORTS:
            name = _qry_name(pkt.payload)
            if name is not None:
                rec["dns.qry.name"] = name
    elif "icmp" in layers:
        t = pkt.icmp_type
        rec["icmp.type"] = t
        if t in _ICMP_ERRORS:
            _quoted(rec, pkt.payload, 4)
    elif "icmpv6" in layers:
        t = pkt.icmp_type
        rec["icmpv6.type"] = t
        if t in _ICMPV6_ERRORS:
            _quoted(rec, pkt.payload, 6)
    return rec


_held = None    # the last frame's record: a reassembled datagram may follow


def on_packet(pkt):
    global _held
    if pkt.reassembled:
        rec = _record(pkt)
        if _held is not None and _held["frame.number"] == rec["frame.number"]:
            for k, v in rec.items():
                if k not in _held:
                    _held[k] = v
            pktd.emit(_held)
            _held = None
        return
    if _held is not None:
        pktd.emit(_held)
    _held = _record(pkt)


def teardown():
    global _held
    if _held is not None:
        pktd.emit(_held)
        _held = None
