"""dnswire: DNS wire-format parsing (RFC 1035, 3596, 6891) shared by pktd plugins.

Works on any buffer that supports the buffer protocol: bytes, bytearray,
memoryview or a pktd view (valid only during its callback). The message is
never copied whole: the header and fixed fields are read with
struct.unpack_from, and only the label bytes and rdata that end up in the
result are copied.

Every problem with the input (short header, a name running past the end, a
compression loop, rdata of the wrong size, ...) raises DNSError, a
ValueError, with a short reason; nothing else escapes for malformed input.

    msg = dnswire.parse(buf)          # header + all sections
    msg.questions[0].name             # "www.example.com."
    dnswire.first_question(buf)       # cheap: (name, qtype, qclass) or None

Names are in presentation form with a trailing dot ("www.example.com.",
"." for the root); bytes outside printable ASCII, and "." or "\\" inside a
label, are escaped as RFC 4343 does ("\\046", "\\.", "\\\\").

Message layout (RFC 1035 4.1.1), 12-byte header then four sections:

     0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
    |QR|  Opcode   |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
    id, flags, QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (16 bits each)
"""

import socket
import struct

__all__ = ["DNSError", "Message", "Question", "RR", "parse", "parse_header",
           "first_question", "read_name", "type_name", "class_name",
           "rcode_name", "opcode_name"]


class DNSError(ValueError):
    """Malformed or truncated DNS message."""


HEADER = struct.Struct("!HHHHHH")
_QFIXED = struct.Struct("!HH")       # qtype, qclass
_RRFIXED = struct.Struct("!HHIH")    # type, class, ttl, rdlength
_U16 = struct.Struct("!H")
_U32 = struct.Struct("!I")
_SOA_NUMS = struct.Struct("!IIIII")

MAX_NAME_LEN = 255   # wire length of a name, length octets included
MAX_POINTERS = 32    # compression pointers followed in one name
MAX_RECORDS = 4096   # records read per message: a 64 KiB message holds fewer

TYPE_NAMES = {
    1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX",
    16: "TXT", 17: "RP", 18: "AFSDB", 24: "SIG", 25: "KEY", 28: "AAAA",
    29: "LOC", 33: "SRV", 35: "NAPTR", 37: "CERT", 39: "DNAME", 41: "OPT",
    43: "DS", 44: "SSHFP", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY",
    50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 59: "CDS", 60: "CDNSKEY",
    64: "SVCB", 65: "HTTPS", 99: "SPF", 249: "TKEY", 250: "TSIG",
    251: "IXFR", 252: "AXFR", 255: "ANY", 256: "URI", 257: "CAA",
}
CLASS_NAMES = {1: "IN", 3: "CH", 4: "HS", 254: "NONE", 255: "ANY"}
RCODE_NAMES = {
    0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
    5: "REFUSED", 6: "YXDOMAIN", 7: "YXRRSET", 8: "NXRRSET", 9: "NOTAUTH",
    10: "NOTZONE", 11: "DSOTYPENI", 16: "BADVERS", 17: "BADKEY", 18: "BADTIME",
    19: "BADMODE", 20: "BADNAME", 21: "BADALG", 22: "BADTRUNC", 23: "BADCOOKIE",
}
OPCODE_NAMES = {0: "QUERY", 1: "IQUERY", 2: "STATUS", 4: "NOTIFY", 5: "UPDATE",
                6: "DSO"}

T_A, T_NS, T_CNAME, T_SOA, T_PTR, T_MX, T_TXT, T_AAAA = 1, 2, 5, 6, 12, 15, 16, 28
T_OPT = 41


def type_name(t):
    """"A" for 1; RFC 3597 "TYPE65534" for a type without a mnemonic."""
    return TYPE_NAMES.get(t) or "TYPE%d" % t


def class_name(c):
    return CLASS_NAMES.get(c) or "CLASS%d" % c


def rcode_name(r):
    return RCODE_NAMES.get(r) or "RCODE%d" % r


def opcode_name(o):
    return OPCODE_NAMES.get(o) or "OPCODE%d" % o


# Label bytes printed as they are: printable ASCII except "." and "\".
_PLAIN = bytes(b for b in range(0x21, 0x7F) if b not in (0x2E, 0x5C))


def _label_text(label):
    """Presentation form of one label (bytes): escapes only when needed."""
    if not label.translate(None, _PLAIN):
        return label.decode("ascii")
    out = []
    for b in label:
        if b == 0x2E or b == 0x5C:
            out.append("\\" + chr(b))
        elif 0x21 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\%03d" % b)
    return "".join(out)


def _as_bytes_view(buf):
    """A memoryview of unsigned bytes over buf, without copying."""
    mv = buf if isinstance(buf, memoryview) else memoryview(buf)
    if mv.format != "B" or mv.ndim != 1:
        mv = mv.cast("B")
    return mv


def read_name(mv, off, end=None):
    """Read the (possibly compressed) name at mv[off:].

    mv is a memoryview of unsigned bytes (see _as_bytes_view); end bounds
    the uncompressed part (e.g. the end of an RR's rdata), pointers may
    reach anywhere before the end of mv. Returns (name, next_off): name in
    presentation form, next_off the offset just past the name as it appears
    at `off`. Loop-safe: at most MAX_POINTERS pointers and MAX_NAME_LEN
    bytes of labels."""
    size = len(mv)
    limit = size if end is None else min(end, size)
    labels = []
    wire_len = 1             # the terminating root label
    pointers = 0
    next_off = -1
    pos = off
    while True:
        if pos >= limit:
            raise DNSError("name runs past the end at offset %d" % pos)
        n = mv[pos]
        if n == 0:
            pos += 1
            break
        kind = n & 0xC0
        if kind == 0xC0:
            if pos + 1 >= limit:
                raise DNSError("compression pointer cut at offset %d" % pos)
            target = ((n & 0x3F) << 8) | mv[pos + 1]
            if next_off < 0:
                next_off = pos + 2
            pointers += 1
            if pointers > MAX_POINTERS:
                raise DNSError("compression loop at offset %d" % pos)
            if target >= size:
                raise DNSError("compression pointer %d past the message" % target)
            pos = target
            limit = size     # after a jump only the message bounds the name
            continue
        if kind:
            raise DNSError("unsupported label type 0x%02x at offset %d" % (n, pos))
        wire_len += n + 1
        if wire_len > MAX_NAME_LEN:
            raise DNSError("name longer than %d bytes" % MAX_NAME_LEN)
        if pos + 1 + n > limit:
            raise DNSError("label runs past the end at offset %d" % pos)
        labels.append(_label_text(bytes(mv[pos + 1:pos + 1 + n])))
        pos += 1 + n
    if next_off < 0:
        next_off = pos
    if not labels:
        return ".", next_off
    labels.append("")
    return ".".join(labels), next_off


def parse_header(buf):
    """(id, flags, qdcount, ancount, nscount, arcount) of a message."""
    try:
        return HEADER.unpack_from(buf, 0)
    except struct.error:
        raise DNSError("message shorter than the 12-byte header") from None


class Question:
    __slots__ = ("name", "qtype", "qclass")

    def __init__(self, name, qtype, qclass):
        self.name, self.qtype, self.qclass = name, qtype, qclass

    def __repr__(self):
        return "Question(%r, %s, %s)" % (self.name, type_name(self.qtype),
                                         class_name(self.qclass))


class RR:
    """One resource record. data is the presentation text of the rdata for
    A, AAAA, CNAME, NS, PTR, MX, TXT and SOA; None for other types, whose
    rdata stays at rdata_off / rdlength in the message (copy it while the
    buffer is valid)."""
    __slots__ = ("name", "rtype", "rclass", "ttl", "rdlength", "rdata_off", "data")

    def __init__(self, name, rtype, rclass, ttl, rdlength, rdata_off, data):
        self.name, self.rtype, self.rclass, self.ttl = name, rtype, rclass, ttl
        self.rdlength, self.rdata_off, self.data = rdlength, rdata_off, data

    def __repr__(self):
        return "RR(%r, %s, ttl=%d, %r)" % (self.name, type_name(self.rtype),
                                           self.ttl, self.data)


class Message:
    __slots__ = ("id", "flags", "qr", "opcode", "aa", "tc", "rd", "ra", "ad",
                 "cd", "rcode", "questions", "answers", "authorities",
                 "additionals", "length")

    def __repr__(self):
        return "Message(id=%d, %s, %s, q=%r, an=%r)" % (
            self.id, "response" if self.qr else "query", rcode_name(self.rcode),
            self.questions, self.answers)


def _character_strings(mv, off, end):
    """The <character-string>s of TXT rdata, each decoded as UTF-8."""
    out = []
    while off < end:
        n = mv[off]
        if off + 1 + n > end:
            raise DNSError("TXT string runs past its rdata")
        out.append(bytes(mv[off + 1:off + 1 + n]).decode("utf-8", "backslashreplace"))
        off += 1 + n
    return out


def _rdata_text(mv, rtype, off, end):
    """Presentation text of known rdata in mv[off:end], or None."""
    n = end - off
    if rtype == T_A:
        if n != 4:
            raise DNSError("A rdata of %d bytes" % n)
        return "%d.%d.%d.%d" % (mv[off], mv[off + 1], mv[off + 2], mv[off + 3])
    if rtype == T_AAAA:
        if n != 16:
            raise DNSError("AAAA rdata of %d bytes" % n)
        return socket.inet_ntop(socket.AF_INET6, bytes(mv[off:end]))
    if rtype == T_CNAME or rtype == T_NS or rtype == T_PTR:
        name, nxt = read_name(mv, off, end)
        if nxt != end:
            raise DNSError("%s rdata longer than its name" % type_name(rtype))
        return name
    if rtype == T_MX:
        if n < 3:
            raise DNSError("MX rdata of %d bytes" % n)
        pref = _U16.unpack_from(mv, off)[0]
        name, nxt = read_name(mv, off + 2, end)
        if nxt != end:
            raise DNSError("MX rdata longer than its name")
        return "%d %s" % (pref, name)
    if rtype == T_TXT:
        return "".join(_character_strings(mv, off, end))
    if rtype == T_SOA:
        mname, nxt = read_name(mv, off, end)
        rname, nxt = read_name(mv, nxt, end)
        if end - nxt != 20:
            raise DNSError("SOA rdata: %d bytes after the names, not 20" % (end - nxt))
        serial, refresh, retry, expire, minimum = _SOA_NUMS.unpack_from(mv, nxt)
        return "%s %s %d %d %d %d %d" % (mname, rname, serial, refresh, retry,
                                         expire, minimum)
    return None


def _read_rrs(mv, off, count, out):
    size = len(mv)
    for _ in range(count):
        name, off = read_name(mv, off)
        if off + 10 > size:
            raise DNSError("resource record header cut at offset %d" % off)
        rtype, rclass, ttl, rdlength = _RRFIXED.unpack_from(mv, off)
        off += 10
        end = off + rdlength
        if end > size:
            raise DNSError("rdata runs past the end at offset %d" % off)
        out.append(RR(name, rtype, rclass, ttl, rdlength, off,
                      _rdata_text(mv, rtype, off, end)))
        off = end
    return off


def parse(buf, sections=4):
    """Parse a whole DNS message (no TCP length prefix).

    sections: 1 = header and questions only, 2 = also answers, 4 = all.
    Raises DNSError on malformed input. Bytes after the last record are
    ignored (UDP padding)."""
    mv = _as_bytes_view(buf)
    ident, flags, qd, an, ns, ar = parse_header(mv)
    if qd + an + ns + ar > MAX_RECORDS:
        raise DNSError("%d records declared" % (qd + an + ns + ar))
    m = Message()
    m.id = ident
    m.flags = flags
    m.qr = flags >> 15
    m.opcode = (flags >> 11) & 0xF
    m.aa = bool(flags & 0x0400)
    m.tc = bool(flags & 0x0200)
    m.rd = bool(flags & 0x0100)
    m.ra = bool(flags & 0x0080)
    m.ad = bool(flags & 0x0020)
    m.cd = bool(flags & 0x0010)
    m.rcode = flags & 0xF
    m.questions = []
    m.answers = []
    m.authorities = []
    m.additionals = []
    size = len(mv)
    off = 12
    for _ in range(qd):
        name, off = read_name(mv, off)
        if off + 4 > size:
            raise DNSError("question cut at offset %d" % off)
        qtype, qclass = _QFIXED.unpack_from(mv, off)
        off += 4
        m.questions.append(Question(name, qtype, qclass))
    if sections >= 2:
        off = _read_rrs(mv, off, an, m.answers)
    if sections >= 4:
        off = _read_rrs(mv, off, ns, m.authorities)
        off = _read_rrs(mv, off, ar, m.additionals)
        # EDNS (RFC 6891): the OPT record carries the upper 8 bits of RCODE.
        for rr in m.additionals:
            if rr.rtype == T_OPT:
                m.rcode |= (rr.ttl >> 24) << 4
                break
    m.length = off
    return m


def first_question(buf):
    """(name, qtype, qclass) of the first question, None when QDCOUNT is 0.
    Reads only the header and that one name."""
    mv = _as_bytes_view(buf)
    qd = parse_header(mv)[2]
    if qd == 0:
        return None
    name, off = read_name(mv, 12)
    if off + 4 > len(mv):
        raise DNSError("question cut at offset %d" % off)
    qtype, qclass = _QFIXED.unpack_from(mv, off)
    return name, qtype, qclass
