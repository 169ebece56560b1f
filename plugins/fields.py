"""fields: one record per frame keyed by tshark field names, for conformance.

Emits, for EVERY frame (no FILTER, also frames that failed to decode), the
fields of the reference decodes in ../shared/pcaps/refs/*.tshark.tsv, made
with `tshark -T fields -E occurrence=f -e frame.number -e ...`:

    frame.number frame.len frame.cap_len eth.src eth.dst vlan.id
    ip.src ip.dst ip.proto ipv6.src ipv6.dst ipv6.nxt
    tcp.srcport tcp.dstport tcp.flags udp.srcport udp.dstport
    icmp.type icmpv6.type dns.qry.name
    tls.handshake.extensions_server_name http.host

A field the packet does not have is left out of the record. Values follow
tshark's conventions: tcp.flags as "0x0012", the root name as "<Root>",
DNS names without the trailing dot.

First occurrence: tshark -E occurrence=f reports a field from the first
header of its protocol in the frame, outermost first, including the headers
it decodes inside tunnels and inside the quote of an ICMP/ICMPv6 error.
The daemon lists every header it decoded in pkt.headers, in the same wire
order, with the quoted ones marked; each field is read from the first
header of its kind there: eth.* from the first Ethernet header, ip.* from
the first IPv4 header, ipv6.* from the first IPv6 header, tcp.* / udp.*
from the first TCP / UDP header (a quoted one too), icmp*.type from the
first ICMP / ICMPv6 header, vlan.id from the first 802.1Q tag (TPID 0x8100:
tshark files an 802.1ad S-tag under ieee8021ad.id). dns.qry.name is the
first question of the DNS message after the innermost TCP/UDP header, on
UDP port 53, mDNS (UDP/TCP 5353) or LLMNR (UDP 5355), the ports tshark 4.0
registers.

Stream fields, on the frame that completes the message, as tshark reports
them after its TCP reassembly: the plugin defines on_stream, so pktd
reassembles every TCP flow and hands it the bytes in order; the decoders
of plugins/http.py, plugins/tls.py and plugins/dns.py are imported as
libraries (their records dropped) and run on the flows of the ports tshark
4.0 registers for them:
  - http.host: the Host field of a request, on the frame whose bytes
    completed the request header (http.py's request_hook); and of an SSDP
    request (HTTP over UDP port 1900, one datagram each, as tshark
    dissects it), with http.py's header-field parser;
  - tls.handshake.extensions_server_name: the SNI of a ClientHello, on the
    frame that completed it (TLS over TCP, also after an HTTP CONNECT on an
    HTTP port), and of a QUIC Initial's ClientHello (tls.py's on_packet);
  - dns.qry.name over TCP: the first question of the first DNS message
    completed in the frame (dns.py's stream decoder).

IP fragments: tshark reassembles them, and reports the reassembled
datagram's upper layers on the frame that completed it, while every
fragment shows only the headers up to its fragmented IP header. This
plugin sets FRAGMENTS = True, so pktd hands it every fragment and, right
after the completing one, the reassembled packet (same frame number,
pkt.reassembled): a fragment's record stops at its fragmented IP header,
and the completing frame's record takes the fields it lacks from the
reassembled packet. One record per frame, emitted once the next packet
shows whether a reassembled datagram follows.
"""

import importlib.util
import os
import struct

import pktd
import dnswire

FRAGMENTS = True

_TPID_8021Q = 0x8100
_DNS_UDP_PORTS = (53, 5353, 5355)
_DNS_TCP_PORTS = (53, 5353)           # tshark 4.0: DNS/TCP on 53, mDNS/TCP on 5353
# tshark 4.0's TCP port registrations (tshark -G decodes) for HTTP and TLS.
_HTTP_TCP_PORTS = frozenset((80, 631, 1900, 2710, 2869, 3128, 3132, 3689, 5985, 8080, 8088, 11371))
_TLS_TCP_PORTS = frozenset((261, 271, 324, 443, 448, 465, 563, 585, 614, 636, 684, 695, 802, 853, 989,
                            990, 992, 993, 994, 995, 1300, 2221, 2252, 2376, 2443, 3249, 3250, 3251,
                            3252, 3269, 3496, 4433, 4443, 5061, 5349, 5671, 5684, 5868, 6514, 6619,
                            8443, 8883, 9089, 11207, 19999, 27017))
_IPV6_EXT = {0: 8, 43: 8, 60: 8, 51: 4}  # next header -> unit of its length field
_U16 = struct.Struct("!H")
_PORTS = struct.Struct("!HH")


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


def _ipv6_is_fragment(raw, off, length):
    """True when the IPv6 header at off (length: with its extension
    headers) has a fragment header that is not atomic."""
    nxt = raw[off + 6]
    cur, end = off + 40, off + length
    while cur + 8 <= end:
        if nxt == 44:
            return _U16.unpack_from(raw, cur + 2)[0] & 0xFFF9 != 0
        unit = _IPV6_EXT.get(nxt)
        if unit is None:
            return False
        nxt, cur = raw[cur], cur + (raw[cur + 1] + (1 if unit == 8 else 2)) * unit
    return False


def _is_fragment(raw, name, off, length):
    if name == "ipv4":
        return length >= 20 and _U16.unpack_from(raw, off + 6)[0] & 0x3FFF != 0
    return length >= 40 and _ipv6_is_fragment(raw, off, length)


def _ip4(raw, off):
    return "%d.%d.%d.%d" % (raw[off], raw[off + 1], raw[off + 2], raw[off + 3])


def _ip6(raw, off):
    words = struct.unpack_from("!8H", raw, off)
    return ":".join("%x" % w for w in words)   # the test compares compressed forms


def _mac(raw, off):
    return ":".join("%02x" % raw[off + i] for i in range(6))


def _record(pkt):
    rec = {
        "frame.number": pkt.frame,
        "frame.len": pkt.wirelen,
        "frame.cap_len": pkt.caplen,
    }
    headers = pkt.headers
    if not headers:
        return rec
    raw = pkt.raw
    if not pkt.reassembled and pkt.is_fragment:
        # A fragment: tshark shows nothing past its fragmented IP header.
        for i, (name, off, length, quoted) in enumerate(headers):
            if not quoted and name in ("ipv4", "ipv6") and _is_fragment(raw, name, off, length):
                headers = headers[:i + 1]
                break
    last_l4 = None
    for name, off, length, quoted in headers:
        if name == "eth":
            if "eth.src" not in rec:
                rec["eth.src"] = _mac(raw, off + 6)
                rec["eth.dst"] = _mac(raw, off)
        elif name == "vlan":
            if "vlan.id" not in rec and off >= 2 and _U16.unpack_from(raw, off - 2)[0] == _TPID_8021Q:
                rec["vlan.id"] = _U16.unpack_from(raw, off)[0] & 0x0FFF
        elif name == "ipv4":
            if "ip.src" not in rec and length >= 20:
                rec["ip.src"] = _ip4(raw, off + 12)
                rec["ip.dst"] = _ip4(raw, off + 16)
                rec["ip.proto"] = raw[off + 9]
        elif name == "ipv6":
            if "ipv6.src" not in rec and length >= 40:
                rec["ipv6.src"] = _ip6(raw, off + 8)
                rec["ipv6.dst"] = _ip6(raw, off + 24)
                rec["ipv6.nxt"] = raw[off + 6]
        elif name == "tcp":
            last_l4 = (name, off, length, quoted)
            if "tcp.srcport" not in rec and length >= 4:
                rec["tcp.srcport"], rec["tcp.dstport"] = _PORTS.unpack_from(raw, off)
                if length >= 14:
                    rec["tcp.flags"] = "0x%04x" % (_U16.unpack_from(raw, off + 12)[0] & 0x0FFF)
        elif name == "udp":
            last_l4 = (name, off, length, quoted)
            if "udp.srcport" not in rec and length >= 4:
                rec["udp.srcport"], rec["udp.dstport"] = _PORTS.unpack_from(raw, off)
        elif name == "icmp":
            if "icmp.type" not in rec:
                rec["icmp.type"] = raw[off]
        elif name == "icmpv6":
            if "icmpv6.type" not in rec:
                rec["icmpv6.type"] = raw[off]
    if last_l4 is not None:
        name = _dns_name(pkt, raw, *last_l4)
        if name is not None:
            rec["dns.qry.name"] = name
    return rec


def _dns_name(pkt, raw, name, off, length, quoted):
    """dns.qry.name of the message after the innermost TCP/UDP header."""
    if length < 4:
        return None
    sport, dport = _PORTS.unpack_from(raw, off)
    start = off + length
    end = _payload_end(pkt)
    if start > end:
        return None
    if name == "udp":
        if (sport in _DNS_UDP_PORTS or dport in _DNS_UDP_PORTS) and length >= 8:
            return _qry_name(raw[start:end])
        return None
    return None                 # DNS over TCP comes from the stream (on_stream)


def _payload_end(pkt):
    """Where the packet's decoded bytes end (never link padding): the
    payload starts right after the innermost decoded (not quoted) header."""
    last = None
    for h in pkt.headers:
        if not h[3]:
            last = h
    return last[1] + last[2] + pkt.payload_len


_held = None    # the last frame's record: a reassembled datagram may follow


# --- stream fields: the shipped decoders as libraries ---------------------------

class _Quiet:
    """The `pktd` a library decoder sees: its records are kept here, not
    written (fields.py writes one record per frame), its logs pass on."""

    def __init__(self):
        self.records = []
        self.log = pktd.log
        self.STREAMS = True

    def emit(self, record):
        self.records.append(record)


def _library(fname):
    """plugins/<fname> imported by path (plugins/http.py would otherwise
    lose to the standard http package) under its own name."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), fname)
    spec = importlib.util.spec_from_file_location("pktd_fields_" + fname[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    mod.pktd = _Quiet()
    return mod


_http = _library("http.py")
_tls = _library("tls.py")
_dns = _library("dns.py")


def _note(field, value, frame):
    """Put a stream field on the record of the frame that completed it."""
    if value is not None and _held is not None and frame == _held["frame.number"] \
            and field not in _held:
        _held[field] = value


def _on_request(flow, txn):
    _note("http.host", txn.host, flow.frame)


_http.request_hook = _on_request


class _Sub:
    """One decoder's view of a flow: the pktd.Flow of the current callback
    for everything but its own `state` slot and `ignore()`."""
    __slots__ = ("flow", "state", "ignored")

    def __init__(self):
        self.flow = None
        self.state = None
        self.ignored = False

    def ignore(self):
        self.ignored = True

    def __getattr__(self, name):
        return getattr(self.flow, name)


class _Subs:
    """Per TCP flow: the decoders that apply, by the ports tshark uses."""
    __slots__ = ("http", "tls", "dns")

    def __init__(self, flow):
        ports = (flow.orig_port, flow.resp_port)
        web = ports[0] in _HTTP_TCP_PORTS or ports[1] in _HTTP_TCP_PORTS
        self.http = _Sub() if web else None
        self.tls = _Sub() if web or ports[0] in _TLS_TCP_PORTS or ports[1] in _TLS_TCP_PORTS else None
        self.dns = _Sub() if ports[0] in _DNS_TCP_PORTS or ports[1] in _DNS_TCP_PORTS else None


def _subs(flow):
    st = flow.state
    if st is None:
        st = flow.state = _Subs(flow)
    return st


def _done(flow, st):
    if all(s is None or s.ignored for s in (st.http, st.tls, st.dns)):
        flow.ignore()


def on_stream(flow, from_originator, data):
    if flow.proto != 6:
        return
    st = _subs(flow)
    frame = flow.frame
    sub = st.http
    if sub is not None and not sub.ignored:
        sub.flow = flow
        _http.on_stream(sub, from_originator, data)
        sub.flow = None         # the handle is valid in this callback only
    sub = st.tls
    if sub is not None and not sub.ignored:
        sub.flow = flow
        before = sub.state is not None and sub.state.client is not None
        _tls.on_stream(sub, from_originator, data)
        sub.flow = None
        t = sub.state
        if not before and t is not None and t.client is not None:
            _note("tls.handshake.extensions_server_name", t.client["sni"], frame)
    sub = st.dns
    if sub is not None and not sub.ignored:
        sub.flow = flow
        out = _dns.pktd.records
        del out[:]
        _dns.on_stream(sub, from_originator, data)
        sub.flow = None
        for r in out:
            if r["questions"]:
                _note("dns.qry.name", _tshark_name(r["questions"][0]["name"]), frame)
                break
        del out[:]
    _done(flow, st)


def on_gap(flow, from_originator, nbytes):
    if flow.proto != 6:
        return
    st = _subs(flow)
    for mod, sub in ((_http, st.http), (_tls, st.tls), (_dns, st.dns)):
        if sub is not None and not sub.ignored:
            sub.flow = flow
            mod.on_gap(sub, from_originator, nbytes)
            sub.flow = None
    _done(flow, st)


_SSDP_PORT = 1900


def _ssdp_host(payload):
    """Host field of an HTTP request carried in one UDP datagram (SSDP)."""
    data = bytes(payload)
    end = _http._header_end(data, 0)
    if end < 0:
        return None
    lines = data[:end].split(b"\n")
    first = lines[0].rstrip(b"\r").split(b" ")
    if len(first) != 3 or not first[2].startswith(b"HTTP/") or first[0].startswith(b"HTTP/"):
        return None
    fields = _http._fields(lines[1:])
    host = fields.get(_http._F_HOST) if fields else None
    return None if host is None else _http._text(host)


def _quic_sni(pkt):
    """SNI of a QUIC Initial ClientHello completed by this datagram."""
    out = _tls.pktd.records
    del out[:]
    _tls.on_packet(pkt)
    sni = out[0]["sni"] if out else None
    del out[:]
    return sni


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
    if pkt.proto == 17 and not pkt.is_fragment:
        sport, dport = pkt.sport, pkt.dport
        if sport == 443 or dport == 443:
            _note("tls.handshake.extensions_server_name", _quic_sni(pkt), pkt.frame)
        elif sport == _SSDP_PORT or dport == _SSDP_PORT:
            _note("http.host", _ssdp_host(pkt.payload), pkt.frame)


def teardown():
    global _held
    if _held is not None:
        pktd.emit(_held)
        _held = None
