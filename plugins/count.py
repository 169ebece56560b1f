"""count: packets and bytes per protocol, top destination ports, top talkers.

At teardown prints to stdout, as a readable table:
  - packets and bytes per protocol: tcp, udp, icmp, icmpv6, arp, other-ip,
    non-ip (bytes are wire lengths; the rows add up to the total);
  - the 10 busiest TCP/UDP destination ports by packets;
  - the 10 source addresses sending the most bytes.

on_packet stays cheap: it only updates dicts keyed by the ints the daemon
caches (protocol number, port) and by the source address; names are made
at teardown.
"""

import sys

import pktd  # noqa: F401  (the host module; nothing needed from it here)

# Keys of _proto besides IP protocol numbers (which are 0..255).
_ARP = 256
_NON_IP = 257
_ETHERTYPE_ARP = 0x0806

_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", _ARP: "arp", _NON_IP: "non-ip"}
_ORDER = ("tcp", "udp", "icmp", "icmpv6", "arp", "other-ip", "non-ip")

_proto_pkts = {}
_proto_bytes = {}
_tcp_ports = {}
_udp_ports = {}
_src_bytes = {}
_src_pkts = {}


def on_packet(pkt):
    wl = pkt.wirelen
    if pkt.ip_version:
        key = pkt.proto
        if key is None:
            key = 255            # IP header decoded, upper protocol unknown
        dport = pkt.dport
        if dport is not None:
            if key == 6:
                _tcp_ports[dport] = _tcp_ports.get(dport, 0) + 1
            elif key == 17:
                _udp_ports[dport] = _udp_ports.get(dport, 0) + 1
        src = pkt.src
        _src_bytes[src] = _src_bytes.get(src, 0) + wl
        _src_pkts[src] = _src_pkts.get(src, 0) + 1
    elif pkt.ethertype == _ETHERTYPE_ARP:
        key = _ARP
    else:
        key = _NON_IP
    _proto_pkts[key] = _proto_pkts.get(key, 0) + 1
    _proto_bytes[key] = _proto_bytes.get(key, 0) + wl


def _rows():
    """{name: [packets, bytes]} with every protocol name of _ORDER."""
    rows = {name: [0, 0] for name in _ORDER}
    for key, n in _proto_pkts.items():
        row = rows[_NAMES.get(key, "other-ip")]
        row[0] += n
        row[1] += _proto_bytes[key]
    return rows


def _table(title, header, rows):
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = [title]
    fmt = "  " + "  ".join("%-" + str(w) + "s" if i == 0 else "%" + str(w) + "s"
                           for i, w in enumerate(widths))
    out.append(fmt % tuple(header))
    out.append("  " + "  ".join("-" * w for w in widths))
    for r in rows:
        out.append(fmt % tuple(r))
    return out


def report():
    """The whole report as a list of lines."""
    rows = _rows()
    total_p = sum(r[0] for r in rows.values())
    total_b = sum(r[1] for r in rows.values())
    lines = _table("Protocols", ["protocol", "packets", "bytes"],
                   [[name, rows[name][0], rows[name][1]] for name in _ORDER]
                   + [["total", total_p, total_b]])
    ports = [("tcp/%d" % p, n) for p, n in _tcp_ports.items()] + \
            [("udp/%d" % p, n) for p, n in _udp_ports.items()]
    ports.sort(key=lambda pn: (-pn[1], pn[0]))
    lines.append("")
    lines += _table("Top destination ports", ["port", "packets"], [list(pn) for pn in ports[:10]])
    talkers = sorted(_src_bytes.items(), key=lambda sb: (-sb[1], sb[0]))[:10]
    lines.append("")
    lines += _table("Top talkers (source address by bytes)", ["source", "packets", "bytes"],
                    [[s, _src_pkts[s], b] for s, b in talkers])
    return lines


def teardown():
    sys.stdout.write("\n".join(report()) + "\n")
    sys.stdout.flush()
