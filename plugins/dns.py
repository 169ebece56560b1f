"""dns: decode DNS messages (RFC 1035) on port 53, one JSON record each.

UDP/53: the datagram payload is one message. IP fragments are reassembled
by pktd, which hands this plugin the whole datagram (pkt.reassembled)
instead of the fragments; a fragment that still arrives (reassembly off:
--frag-memory 0) is counted and skipped.

TCP/53 (RFC 7766): messages carry a 2-byte length prefix. Two paths:
  - on_stream (reassembled streams, when the daemon provides them): several
    messages per segment, messages split across segments (the incomplete
    one, prefix included, is buffered per direction in flow.state; at most
    65537 bytes, only while incomplete), and gaps: on_gap drops the partial
    message (counted "gap_dropped") and the direction resynchronises on the
    next segment whose start looks like a length-prefixed DNS header
    (segments that do not are counted "resync_skipped").
  - on_packet, while the daemon has no streams: every message whose prefix
    and body are wholly inside one segment is decoded (several per segment
    too); messages split across segments are counted as incomplete.
The daemon sets pktd.STREAMS = True when it calls on_stream for TCP flows;
on_packet then leaves TCP to on_stream (read once, at import).

Record (pktd.emit), the same for both transports and both TCP paths:
    {"ts", "src", "dst", "sport", "dport", "transport": "udp"|"tcp",
     "id", "qr": "query"|"response", "opcode": "QUERY", "rcode": "NOERROR",
     "flags": {"aa", "tc", "rd", "ra"},
     "questions": [{"name", "type", "class"}],
     "answers": [{"name", "type", "ttl", "data"}]}
src/dst are the sender and receiver of the message; over streams ts is the
time of the packet that completed it. Names are fully qualified with the
trailing dot ("www.example.com."); data is the rdata as text: an address,
a name, "10 mx.example.", TXT strings joined, SOA fields; rdata of other
types in RFC 3597 form ("\\# 4 0a000001"). A malformed message is counted,
never raised; the counts are logged at teardown.

Under pktd each message is decoded and its record written in C
(parsers/dns.c, daemon/dnsrec.c), the same bytes as the dict built here
with dnswire and pktd.emit, which remain the path when the pktd module
lacks them (tests drive the hooks with a stand-in): on_packet is then a
pktd.DnsUdpHook, which handles a UDP/53 datagram without a Python frame
and passes any other packet to _on_packet_py, and a message cut from a
TCP stream goes to pktd.dns_emit. The hook's counts join `stats` at
teardown.
"""

import pktd
import dnswire

FILTER = "port 53"
# TCP/53 comes through on_stream under pktd; on_packet only needs UDP.
PACKET_FILTER = "udp port 53"

_PORT = 53
STREAMS = bool(getattr(pktd, "STREAMS", False))

# The C decoder and record writer, or None (a pktd module without them).
# Used only while the module's `pktd` is still the one they came from: a
# user that swaps it (fields.py imports this file as a library and keeps
# the records) gets the Python path and its own emit.
_emit = getattr(pktd, "dns_emit", None)
_pktd_c = pktd

stats = {"decoded": 0, "malformed": 0, "incomplete": 0, "fragments": 0,
         "gaps": 0, "gap_dropped": 0, "resync_skipped": 0}


def _answer(mv, rr):
    data = rr.data
    if data is None:
        data = "\\# %d %s" % (rr.rdlength, bytes(mv[rr.rdata_off:rr.rdata_off + rr.rdlength]).hex())
    return {"name": rr.name, "type": dnswire.type_name(rr.rtype), "ttl": rr.ttl, "data": data}


def _decode(ts, src, dst, sport, dport, msg, transport):
    """Parse one message (buffer without length prefix) and emit it."""
    if _emit is not None and pktd is _pktd_c:
        _emit(msg, ts, src, dst, sport, dport, transport, stats)     # counts in stats
        return
    # The memoryview is released on the way out, so nothing outlives the
    # callback's view of the packet.
    with memoryview(msg) as mv:
        try:
            m = dnswire.parse(mv)
            record = {
                "ts": ts,
                "src": src,
                "dst": dst,
                "sport": sport,
                "dport": dport,
                "transport": transport,
                "id": m.id,
                "qr": "response" if m.qr else "query",
                "opcode": dnswire.opcode_name(m.opcode),
                "rcode": dnswire.rcode_name(m.rcode),
                "flags": {"aa": m.aa, "tc": m.tc, "rd": m.rd, "ra": m.ra},
                "questions": [{"name": q.name, "type": dnswire.type_name(q.qtype),
                               "class": dnswire.class_name(q.qclass)} for q in m.questions],
                "answers": [_answer(mv, rr) for rr in m.answers],
            }
        except dnswire.DNSError:
            stats["malformed"] += 1
            return
    stats["decoded"] += 1
    pktd.emit(record)


def _on_packet_py(pkt):
    sport, dport = pkt.sport, pkt.dport
    if sport != _PORT and dport != _PORT:
        return                  # a fragment matched by the filter, or not TCP/UDP
    proto = pkt.proto
    if proto == 6 and STREAMS:
        return                  # on_stream has it
    if pkt.more_fragments or pkt.frag_offset:
        stats["fragments"] += 1
        return
    payload = pkt.payload
    n = len(payload)
    if n == 0:
        return                  # TCP handshake, ACKs
    if proto == 17:
        _decode(pkt.ts, pkt.src, pkt.dst, sport, dport, payload, "udp")
    elif proto == 6:
        off = 0
        while off < n:
            if n - off < 2:
                stats["incomplete"] += 1
                return
            size = (payload[off] << 8) | payload[off + 1]
            if n - off - 2 < size:
                stats["incomplete"] += 1
                return
            _decode(pkt.ts, pkt.src, pkt.dst, sport, dport,
                    payload[off + 2:off + 2 + size], "tcp")
            off += 2 + size


if hasattr(pktd, "DnsUdpHook"):
    on_packet = _udp = pktd.DnsUdpHook(_PORT, _on_packet_py)
else:
    on_packet, _udp = _on_packet_py, None


# --- DNS over TCP from reassembled streams ------------------------------------

class _TcpDns:
    """Per-flow state: per direction (index: from_originator) the bytes of
    an incomplete message, length prefix included, and whether a gap left
    the direction out of step.

    A message still incomplete when the flow ends is counted when pktd
    releases flow.state, by __del__: an on_flow_end hook would be called
    for every flow FILTER lets in, each UDP exchange included, while this
    state exists only for TCP flows that carried bytes."""
    __slots__ = ("partial", "lost")

    def __init__(self):
        self.partial = [bytearray(), bytearray()]
        self.lost = [False, False]

    def __del__(self):
        for buf in self.partial:
            if buf:
                stats["incomplete"] += 1


def _plausible(data, n):
    """Whether a segment starts with a length prefix and a DNS header that
    fits it: the resync test after a gap."""
    if n < 14:
        return False
    size = (data[0] << 8) | data[1]
    if size < 12:
        return False
    flags = (data[4] << 8) | data[5]
    qd = (data[6] << 8) | data[7]
    rr = ((data[8] << 8) | data[9]) + ((data[10] << 8) | data[11]) + ((data[12] << 8) | data[13])
    return qd <= 1 and dnswire.OPCODE_NAMES.get((flags >> 11) & 0xF) is not None \
        and rr * 11 <= size


def on_stream(flow, from_originator, data):
    st = flow.state
    if st is None:
        st = flow.state = _TcpDns()
    i = 1 if from_originator else 0
    n = len(data)
    if st.lost[i]:
        if not _plausible(data, n):
            stats["resync_skipped"] += 1
            return
        st.lost[i] = False
    if from_originator:
        src, sport, dst, dport = flow.orig_addr, flow.orig_port, flow.resp_addr, flow.resp_port
    else:
        src, sport, dst, dport = flow.resp_addr, flow.resp_port, flow.orig_addr, flow.orig_port
    ts = flow.ts
    buf = st.partial[i]
    pos = 0
    if buf:
        # Complete the message begun in an earlier segment.
        if len(buf) < 2:
            pos = 2 - len(buf)
            buf += data[0:pos]
            if len(buf) < 2:
                return
        need = ((buf[0] << 8) | buf[1]) + 2 - len(buf)
        take = min(need, n - pos)
        buf += data[pos:pos + take]
        pos += take
        if take < need:
            return
        msg = bytes(buf[2:])
        del buf[:]
        _decode(ts, src, dst, sport, dport, msg, "tcp")
    while pos < n:
        if n - pos >= 2:
            size = (data[pos] << 8) | data[pos + 1]
            if n - pos - 2 >= size:
                _decode(ts, src, dst, sport, dport, data[pos + 2:pos + 2 + size], "tcp")
                pos += 2 + size
                continue
        buf += data[pos:n]          # the start of a message: keep it for the next segment
        return


def on_gap(flow, from_originator, nbytes):
    st = flow.state
    if st is None:
        st = flow.state = _TcpDns()
    i = 1 if from_originator else 0
    stats["gaps"] += 1
    if st.partial[i]:
        stats["gap_dropped"] += 1
        del st.partial[i][:]
    st.lost[i] = True


def teardown():
    if _udp is not None:
        stats["decoded"] += _udp.decoded
        stats["malformed"] += _udp.malformed
    pktd.log("DNS messages decoded: %d, malformed: %d, incomplete TCP: %d, fragments skipped: %d"
             % (stats["decoded"], stats["malformed"], stats["incomplete"], stats["fragments"])
             + (", TCP gaps: %d (partial messages dropped: %d, segments skipped to resync: %d)"
                % (stats["gaps"], stats["gap_dropped"], stats["resync_skipped"])
                if stats["gaps"] else ""))
