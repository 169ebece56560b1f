"""dns: decode DNS messages (RFC 1035) on port 53, one JSON record each.

UDP/53: the datagram payload is one message. TCP/53 (RFC 7766): messages
carry a 2-byte length prefix; every message whose prefix and body are
wholly inside one segment is decoded (several per segment too). Messages
split across segments are counted as incomplete, not reassembled. IP
fragments are reassembled by pktd, which hands this plugin the whole
datagram (pkt.reassembled) instead of the fragments; a fragment that still
arrives (reassembly off: --frag-memory 0) is counted and skipped.

Record (pktd.emit):
    {"ts", "src", "dst", "sport", "dport", "transport": "udp"|"tcp",
     "id", "qr": "query"|"response", "opcode": "QUERY", "rcode": "NOERROR",
     "flags": {"aa", "tc", "rd", "ra"},
     "questions": [{"name", "type", "class"}],
     "answers": [{"name", "type", "ttl", "data"}]}
Names are fully qualified with the trailing dot ("www.example.com.");
data is the rdata as text: an address, a name, "10 mx.example.", TXT
strings joined, SOA fields; rdata of other types in RFC 3597 form
("\\# 4 0a000001"). A malformed message is counted, never raised; the
counts are logged at teardown.
"""

import pktd
import dnswire

FILTER = "port 53"

_PORT = 53

stats = {"decoded": 0, "malformed": 0, "incomplete": 0, "fragments": 0}


def _answer(mv, rr):
    data = rr.data
    if data is None:
        data = "\\# %d %s" % (rr.rdlength, bytes(mv[rr.rdata_off:rr.rdata_off + rr.rdlength]).hex())
    return {"name": rr.name, "type": dnswire.type_name(rr.rtype), "ttl": rr.ttl, "data": data}


def _decode(pkt, msg, transport):
    """Parse one message (buffer without length prefix) and emit it."""
    # The memoryview is released on the way out, so nothing outlives the
    # callback's view of the packet.
    with memoryview(msg) as mv:
        try:
            m = dnswire.parse(mv)
            record = {
                "ts": pkt.ts,
                "src": pkt.src,
                "dst": pkt.dst,
                "sport": pkt.sport,
                "dport": pkt.dport,
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


def on_packet(pkt):
    sport, dport = pkt.sport, pkt.dport
    if sport != _PORT and dport != _PORT:
        return                  # a fragment matched by the filter, or not TCP/UDP
    if pkt.more_fragments or pkt.frag_offset:
        stats["fragments"] += 1
        return
    payload = pkt.payload
    n = len(payload)
    if n == 0:
        return                  # TCP handshake, ACKs
    proto = pkt.proto
    if proto == 17:
        _decode(pkt, payload, "udp")
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
            _decode(pkt, payload[off + 2:off + 2 + size], "tcp")
            off += 2 + size


def teardown():
    pktd.log("DNS messages decoded: %d, malformed: %d, incomplete TCP: %d, fragments skipped: %d"
             % (stats["decoded"], stats["malformed"], stats["incomplete"], stats["fragments"]))
