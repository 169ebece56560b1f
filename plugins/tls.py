"""tls: TLS ClientHello / ServerHello (RFC 8446, 5246) with JA3, JA3S and JA4;
QUIC v1 Initial ClientHellos (RFC 9000, 9001).

TCP: from reassembled streams (on_stream / on_gap / on_flow_end). A flow
is TLS when the originator's first byte starts a handshake record (0x16);
an HTTP proxy's "CONNECT host:port" exchange before it is skipped. Other
flows are dropped at once with flow.ignore(), so FILTER can be wide: every
TCP flow costs one call. The first handshake message of each direction is
gathered across records and segments (at most MAX_HELLO bytes, the rest of
the stream is never copied) and parsed; then the flow is ignored.

One record per connection, written when both hellos are parsed (or when
one direction turns out not to carry one, or when the flow ends): client
fields are null when no ClientHello was seen (a flow picked up mid-stream),
server fields null when no ServerHello was.

QUIC (on_packet, UDP 443): the client's Initial packets are decrypted
(initial secrets from the Destination Connection ID, RFC 9001 5.2; header
protection and AES-128-GCM, which need python3-cryptography, checked at
import; without it every Initial is counted as "quic_no_crypto"), their
CRYPTO frames put in order (across several Initials too) and the
ClientHello parsed: one record per QUIC connection, client fields only.

Record (pktd.emit):
    {"ts", "flow_id", "src", "sport", "dst", "dport",   originator -> responder
     "transport": "tcp"|"quic",
     "sni", "alpn": [str], "client_version", "supported_versions": [str],
     "ciphers": [int], "extensions": [int], "groups": [int],
     "ec_point_formats": [int], "sig_algs": [int],
     "ja3", "ja3_full", "ja4",
     "server_version", "cipher", "server_extensions": [int], "alpn_selected",
     "ja3s", "ja3s_full", "hello_retry",
     "flags": []}
QUIC records add "quic_version" and "dcid" (hex); flow_id is null there.
Versions are text ("TLS 1.2"); client_version is the ClientHello's legacy
version, server_version the negotiated one (supported_versions extension
when present). Lists keep the order and values on the wire, GREASE
included; the fingerprints leave GREASE out:
  - JA3 / JA3S (Salesforce): MD5 of "version,ciphers,extensions,groups,
    point formats" ("version,cipher,extensions" for JA3S), decimal values
    joined by "-"; the same strings as tshark's tls.handshake.ja3_full.
  - JA4 (FoxIO, technical_details/JA4.md): t|q, version (highest
    supported_versions entry, else the legacy version), d|i (SNI present),
    cipher count, extension count (both capped at 99), first and last
    character of the first ALPN value (its hex digits when either end is
    not alphanumeric, "00" when absent); sha256[:12] of the sorted cipher
    list; sha256[:12] of the sorted extensions without SNI and ALPN, "_",
    the signature algorithms in wire order ("000000000000" for an empty
    list).
flags: "gap" (bytes missing before a hello was complete),
"client_not_hello" / "server_not_hello" (that side sent something else,
e.g. an alert), "incomplete" (the flow ended inside a hello),
"hello_retry" (the ServerHello was a HelloRetryRequest). Malformed input
is counted in `stats`, never raised; the counts are logged at teardown.
"""

import hashlib
import hmac
import struct

import pktd

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    HAVE_AES = True
except ImportError:                     # Debian: apt-get install python3-cryptography
    HAVE_AES = False

FILTER = "tcp or udp port 443"
# on_packet is only for QUIC: the TCP flows FILTER lets in reach on_stream,
# and this keeps their packets from calling on_packet for nothing.
PACKET_FILTER = "udp port 443"

MAX_HELLO = 16384       # bytes of one hello message gathered (handshake header excluded)
MAX_PRELUDE = 16384     # bytes of a CONNECT request / response header
MAX_QUIC = 1024         # QUIC connections whose ClientHello is being gathered
QUIC_PORT = 443

stats = {
    "connections": 0, "client_hellos": 0, "server_hellos": 0, "not_tls": 0,
    "connect_prelude": 0, "malformed": 0, "hello_too_large": 0, "sslv2": 0,
    "gaps": 0,
    "quic_initials": 0, "quic_client_hellos": 0, "quic_decrypt_failed": 0,
    "quic_no_crypto": 0, "quic_other_version": 0, "quic_server_initials": 0,
    "quic_malformed": 0, "quic_evicted": 0,
}

_U16 = struct.Struct(">H")
_U32 = struct.Struct(">I")
_REC_HDR = struct.Struct(">BHH")        # content type, version, length
_EXT_HDR = struct.Struct(">HH")

_HANDSHAKE, _ALERT = 22, 21
_CLIENT_HELLO, _SERVER_HELLO = 1, 2
_MAX_RECORD = 16384 + 2048              # TLSCiphertext limit (RFC 8446 5.2)
_HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()

_EXT_SNI, _EXT_GROUPS, _EXT_POINT_FORMATS, _EXT_SIG_ALGS = 0, 10, 11, 13
_EXT_ALPN, _EXT_SUPPORTED_VERSIONS = 16, 43

_VERSION_NAMES = {0x0002: "SSL 2.0", 0x0300: "SSL 3.0", 0x0301: "TLS 1.0",
                  0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
_JA4_VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
                 0x0300: "s3", 0x0002: "s2", 0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3"}

# Direction states.
_START, _PRELUDE, _REC, _BODY, _DONE, _FAIL, _NOT_TLS = range(7)   # >= _DONE: finished


class Malformed(ValueError):
    """A hello that does not parse."""


def is_grease(v):
    """RFC 8701 GREASE values: 0x0a0a, 0x1a1a, ..., 0xfafa."""
    return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)


def version_name(v):
    if v is None:
        return None
    name = _VERSION_NAMES.get(v)
    if name:
        return name
    if v >> 8 == 0x7f:
        return "TLS 1.3 draft %d" % (v & 0xff)
    return "0x%04x" % v


# --- hello parsing (on a bytes copy of one handshake message body) -----------

def _u16_list(b, off, nbytes):
    if nbytes & 1:
        raise Malformed("odd length of a 16-bit list")
    return list(struct.unpack_from(">%dH" % (nbytes >> 1), b, off))


def _extensions(b, off, out):
    """Walk the extension block at b[off:]: [(type, body_off, body_len)]."""
    n = len(b)
    if off >= n:
        return                                  # no extensions at all (TLS 1.0 era)
    if off + 2 > n:
        raise Malformed("extensions length cut")
    end = off + 2 + _U16.unpack_from(b, off)[0]
    if end > n:
        raise Malformed("extensions run past the hello")
    off += 2
    while off < end:
        if off + 4 > end:
            raise Malformed("extension header cut")
        et, el = _EXT_HDR.unpack_from(b, off)
        off += 4
        if off + el > end:
            raise Malformed("extension %d runs past the block" % et)
        out.append((et, off, el))
        off += el


def _sni(b, off, el):
    """First host_name of a server_name extension (RFC 6066 3)."""
    if el < 2:
        return None
    end = off + 2 + _U16.unpack_from(b, off)[0]
    if end > off + el:
        raise Malformed("server_name list runs past the extension")
    off += 2
    while off + 3 <= end:
        kind = b[off]
        nl = _U16.unpack_from(b, off + 1)[0]
        off += 3
        if off + nl > end:
            raise Malformed("server name runs past the list")
        if kind == 0:
            return b[off:off + nl].decode("utf-8", "backslashreplace")
        off += nl
    return None


def _alpn(b, off, el):
    """ALPN protocol names (RFC 7301 3.1) as raw bytes."""
    if el < 2:
        raise Malformed("ALPN extension too short")
    end = off + 2 + _U16.unpack_from(b, off)[0]
    if end > off + el:
        raise Malformed("ALPN list runs past the extension")
    off += 2
    out = []
    while off < end:
        pl = b[off]
        if off + 1 + pl > end:
            raise Malformed("ALPN name runs past the list")
        out.append(b[off + 1:off + 1 + pl])
        off += 1 + pl
    return out


def parse_client_hello(b):
    """Fields of a ClientHello body (after the 4-byte handshake header)."""
    try:
        n = len(b)
        if n < 35:
            raise Malformed("ClientHello of %d bytes" % n)
        version = _U16.unpack_from(b, 0)[0]
        off = 34 + 1 + b[34]                     # random, session id
        cs_len = _U16.unpack_from(b, off)[0]
        off += 2
        if off + cs_len > n:
            raise Malformed("cipher suites run past the hello")
        ciphers = _u16_list(b, off, cs_len)
        off += cs_len
        off += 1 + b[off]                        # compression methods
        if off > n:
            raise Malformed("compression methods run past the hello")
        exts = []
        _extensions(b, off, exts)
        h = {"version": version, "ciphers": ciphers, "extensions": [e[0] for e in exts],
             "sni": None, "alpn": [], "supported_versions": [], "groups": [],
             "ec_point_formats": [], "sig_algs": []}
        for et, eo, el in exts:
            if et == _EXT_SNI:
                if h["sni"] is None:
                    h["sni"] = _sni(b, eo, el)
            elif et == _EXT_ALPN:
                h["alpn"] = _alpn(b, eo, el)
            elif et == _EXT_SUPPORTED_VERSIONS:
                vl = b[eo] if el else 0
                if 1 + vl > el:
                    raise Malformed("supported_versions runs past the extension")
                h["supported_versions"] = _u16_list(b, eo + 1, vl)
            elif et == _EXT_GROUPS:
                gl = _U16.unpack_from(b, eo)[0] if el >= 2 else 0
                if 2 + gl > el:
                    raise Malformed("supported_groups runs past the extension")
                h["groups"] = _u16_list(b, eo + 2, gl)
            elif et == _EXT_POINT_FORMATS:
                pl = b[eo] if el else 0
                if 1 + pl > el:
                    raise Malformed("ec_point_formats runs past the extension")
                h["ec_point_formats"] = list(b[eo + 1:eo + 1 + pl])
            elif et == _EXT_SIG_ALGS:
                sl = _U16.unpack_from(b, eo)[0] if el >= 2 else 0
                if 2 + sl > el:
                    raise Malformed("signature_algorithms runs past the extension")
                h["sig_algs"] = _u16_list(b, eo + 2, sl)
        return h
    except (IndexError, struct.error) as e:
        raise Malformed("ClientHello cut: %s" % e) from None


def parse_server_hello(b):
    """Fields of a ServerHello body (after the 4-byte handshake header)."""
    try:
        n = len(b)
        if n < 38:
            raise Malformed("ServerHello of %d bytes" % n)
        version = _U16.unpack_from(b, 0)[0]
        hrr = b[2:34] == _HRR_RANDOM
        off = 34 + 1 + b[34]
        cipher = _U16.unpack_from(b, off)[0]
        off += 3                                 # cipher, compression method
        if off > n:
            raise Malformed("ServerHello cut")
        exts = []
        _extensions(b, off, exts)
        selected = None
        alpn = None
        for et, eo, el in exts:
            if et == _EXT_SUPPORTED_VERSIONS and el >= 2:
                selected = _U16.unpack_from(b, eo)[0]
            elif et == _EXT_ALPN:
                names = _alpn(b, eo, el)
                if names:
                    alpn = names[0].decode("utf-8", "backslashreplace")
        return {"version": version, "selected_version": selected, "cipher": cipher,
                "extensions": [e[0] for e in exts], "alpn": alpn, "hrr": hrr}
    except (IndexError, struct.error) as e:
        raise Malformed("ServerHello cut: %s" % e) from None


# --- fingerprints --------------------------------------------------------------

def _dash(values):
    return "-".join([str(v) for v in values if not is_grease(v)])


def ja3_string(h):
    return "%d,%s,%s,%s,%s" % (h["version"], _dash(h["ciphers"]), _dash(h["extensions"]),
                               _dash(h["groups"]), "-".join(map(str, h["ec_point_formats"])))


def ja3s_string(s):
    return "%d,%d,%s" % (s["version"], s["cipher"], _dash(s["extensions"]))


def _md5(text):
    return hashlib.md5(text.encode("ascii")).hexdigest()


def _sha12(text):
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:12] if text else "000000000000"


def _alnum(c):
    return 0x30 <= c <= 0x39 or 0x41 <= c <= 0x5a or 0x61 <= c <= 0x7a


def ja4_alpn(alpn):
    """The two ALPN characters of JA4 from the first ALPN value (bytes)."""
    if not alpn or not alpn[0]:
        return "00"
    first = alpn[0]
    if _alnum(first[0]) and _alnum(first[-1]):
        return chr(first[0]) + chr(first[-1])
    x = first.hex()
    return x[0] + x[-1]


def ja4(h, quic=False):
    versions = [v for v in h["supported_versions"] if not is_grease(v)]
    version = max(versions) if versions else h["version"]
    ciphers = [c for c in h["ciphers"] if not is_grease(c)]
    exts = [e for e in h["extensions"] if not is_grease(e)]
    a = "%s%s%s%02d%02d%s" % ("q" if quic else "t", _JA4_VERSIONS.get(version, "00"),
                              "d" if _EXT_SNI in exts else "i", min(len(ciphers), 99),
                              min(len(exts), 99), ja4_alpn(h["alpn"]))
    b = ",".join(sorted("%04x" % c for c in ciphers))
    c = ",".join(sorted("%04x" % e for e in exts if e != _EXT_SNI and e != _EXT_ALPN))
    sigs = ",".join("%04x" % s for s in h["sig_algs"] if not is_grease(s))
    if c and sigs:
        c = c + "_" + sigs
    return "%s_%s_%s" % (a, _sha12(b), _sha12(c))


def _client_fields(rec, h, quic=False):
    j3 = ja3_string(h)
    rec.update({
        "sni": h["sni"],
        "alpn": [a.decode("utf-8", "backslashreplace") for a in h["alpn"]],
        "client_version": version_name(h["version"]),
        "supported_versions": [version_name(v) for v in h["supported_versions"]],
        "ciphers": h["ciphers"], "extensions": h["extensions"], "groups": h["groups"],
        "ec_point_formats": h["ec_point_formats"], "sig_algs": h["sig_algs"],
        "ja3": _md5(j3), "ja3_full": j3, "ja4": ja4(h, quic),
    })


_CLIENT_NONE = dict.fromkeys(("sni", "alpn", "client_version", "supported_versions", "ciphers",
                              "extensions", "groups", "ec_point_formats", "sig_algs", "ja3",
                              "ja3_full", "ja4"))
_SERVER_NONE = dict.fromkeys(("server_version", "cipher", "server_extensions", "alpn_selected",
                              "ja3s", "ja3s_full", "hello_retry"))


def _server_fields(rec, s):
    j3s = ja3s_string(s)
    v = s["selected_version"] or s["version"]
    rec.update({
        "server_version": version_name(v), "cipher": s["cipher"],
        "server_extensions": s["extensions"], "alpn_selected": s["alpn"],
        "ja3s": _md5(j3s), "ja3s_full": j3s, "hello_retry": s["hrr"],
    })


# --- TLS over TCP ------------------------------------------------------------------

class _Dir:
    __slots__ = ("state", "hdr", "rec_left", "hs", "client")

    def __init__(self, client):
        self.state = _START if client else _REC
        self.hdr = bytearray()      # partial record header / sniffed bytes / prelude
        self.rec_left = 0           # bytes left in the current record
        self.hs = bytearray()       # the first handshake message, being gathered
        self.client = client


class _Tls:
    __slots__ = ("dirs", "client", "server", "ts", "flags", "off")

    def __init__(self):
        self.dirs = (_Dir(False), _Dir(True))       # index: from_originator
        self.client = None          # parse_client_hello() result
        self.server = None
        self.ts = None
        self.flags = None
        self.off = False

    def flag(self, name):
        if self.flags is None:
            self.flags = [name]
        elif name not in self.flags:
            self.flags.append(name)


def _emit(t, flow):
    if t.client is None and t.server is None:
        return
    rec = {"ts": t.ts, "flow_id": flow.id, "src": flow.orig_addr, "sport": flow.orig_port,
           "dst": flow.resp_addr, "dport": flow.resp_port, "transport": "tcp"}
    if t.client is not None:
        _client_fields(rec, t.client)
    else:
        rec.update(_CLIENT_NONE)
    if t.server is not None:
        _server_fields(rec, t.server)
        if t.server["hrr"]:
            t.flag("hello_retry")
    else:
        rec.update(_SERVER_NONE)
    rec["flags"] = t.flags or []
    stats["connections"] += 1
    pktd.emit(rec)


def _finish(t, flow):
    """Write the record and stop receiving the flow."""
    if not t.off:
        t.off = True
        _emit(t, flow)
        flow.ignore()


def _check_done(t, flow):
    c, s = t.dirs[1].state, t.dirs[0].state
    if c == _NOT_TLS:
        t.off = True                # not TLS: nothing worth a record
        flow.ignore()
    elif c >= _DONE and s >= _DONE:
        _finish(t, flow)


def _fail(t, d, flag=None, not_tls=False):
    """Stop gathering in direction d (not_tls: the client is not TLS at all)."""
    d.state = _NOT_TLS if not_tls and d.client and t.client is None else _FAIL
    d.hdr = d.hs = None
    if flag:
        t.flag(flag)


def _hello(t, d, flow):
    """The first handshake message of d is complete in d.hs: parse it."""
    hs = bytes(d.hs)
    try:
        if d.client:
            t.client = parse_client_hello(hs[4:])
            stats["client_hellos"] += 1
            t.ts = flow.ts
        else:
            t.server = parse_server_hello(hs[4:])
            stats["server_hellos"] += 1
            if t.ts is None:
                t.ts = flow.ts
        d.state = _DONE
        d.hdr = d.hs = None
    except Malformed:
        stats["malformed"] += 1
        _fail(t, d, "client_malformed" if d.client else "server_malformed")


def _prelude(t, d, data, pos, n):
    """Skip an HTTP CONNECT request (client) or its response (server)."""
    buf = d.hdr
    old = len(buf)
    take = min(n - pos, MAX_PRELUDE - old)
    buf += data[pos:pos + take]
    end = buf.find(b"\r\n\r\n", old - 3 if old > 3 else 0)
    if end < 0:
        if len(buf) >= MAX_PRELUDE:
            _fail(t, d, None, not_tls=True)
            return n
        return pos + take
    end += 4
    if not d.client and not (buf.startswith(b"HTTP/1.") and buf[9:10] == b"2"):
        _fail(t, d, "connect_refused")          # no tunnel: no TLS follows
        return n
    del buf[:]
    d.state = _REC
    return pos + end - old


def _feed(t, d, flow, data):
    pos = 0
    n = len(data)
    while pos < n:
        s = d.state
        if s == _BODY:
            hs = d.hs
            have = len(hs)
            if have >= 4:
                want = 4 + ((hs[1] << 16) | (hs[2] << 8) | hs[3]) - have
            else:
                want = 4 - have
            take = min(d.rec_left, n - pos, want)
            hs += data[pos:pos + take]
            pos += take
            d.rec_left -= take
            if have < 4 <= len(hs):
                mtype = hs[0]
                mlen = (hs[1] << 16) | (hs[2] << 8) | hs[3]
                if mtype != (_CLIENT_HELLO if d.client else _SERVER_HELLO):
                    stats["not_tls" if d.client else "malformed"] += 1
                    _fail(t, d, None if d.client else "server_not_hello", not_tls=True)
                    return
                if mlen > MAX_HELLO:
                    stats["hello_too_large"] += 1
                    _fail(t, d, "hello_too_large")
                    return
            if len(hs) >= 4 and len(hs) == 4 + ((hs[1] << 16) | (hs[2] << 8) | hs[3]):
                _hello(t, d, flow)
                return
            if d.rec_left == 0:
                d.state = _REC
        elif s == _REC:
            hdr = d.hdr
            if hdr or n - pos < 5:
                take = min(5 - len(hdr), n - pos)
                hdr += data[pos:pos + take]
                pos += take
                if len(hdr) < 5:
                    return
                ctype, ver, length = _REC_HDR.unpack_from(hdr, 0)
                del hdr[:]
            else:
                ctype, ver, length = _REC_HDR.unpack_from(data, pos)
                pos += 5
            if ver >> 8 != 3 or (ver & 0xff) > 4 or length == 0 or length > _MAX_RECORD \
                    or not 20 <= ctype <= 24:
                first = d.client and not d.hs
                stats["not_tls" if first else "malformed"] += 1
                flag = None if first else ("client_malformed" if d.client else "server_not_tls")
                _fail(t, d, flag, not_tls=first)
                return
            if ctype != _HANDSHAKE:
                if d.client:
                    stats["not_tls"] += 1
                _fail(t, d, "client_not_hello" if d.client else
                      ("server_alert" if ctype == _ALERT else "server_not_hello"), not_tls=True)
                return
            d.rec_left = length
            d.state = _BODY
        elif s == _START:
            # First client bytes: a handshake record, or an HTTP CONNECT first.
            hdr = d.hdr
            if (hdr[0] if hdr else data[pos]) == _HANDSHAKE:
                d.state = _REC
                continue
            take = min(8 - len(hdr), n - pos)
            hdr += data[pos:pos + take]
            pos += take
            if b"CONNECT "[:len(hdr)] != hdr:
                if hdr[0] & 0x80 and len(hdr) >= 3 and hdr[2] == 1:
                    stats["sslv2"] += 1
                stats["not_tls"] += 1
                _fail(t, d, not_tls=True)
                return
            if len(hdr) == 8:
                stats["connect_prelude"] += 1
                d.state = _PRELUDE
                srv = t.dirs[0]
                if srv.state == _REC and not srv.hdr:
                    srv.state = _PRELUDE
        elif s == _PRELUDE:
            pos = _prelude(t, d, data, pos, n)
        else:
            return


def on_stream(flow, from_originator, data):
    t = flow.state
    if t is None:
        t = flow.state = _Tls()
    elif t.off:
        return
    d = t.dirs[from_originator]
    if not from_originator and t.dirs[1].state == _START:
        # The responder spoke first: a TLS server never does.
        stats["not_tls"] += 1
        t.off = True
        flow.ignore()
        return
    try:
        _feed(t, d, flow, data)
    except Exception as e:          # a decoder bug must not cost more than this flow
        stats["malformed"] += 1
        pktd.log("tls: internal error on flow %s: %r" % (flow.id, e))
        _fail(t, d, "internal_error")
    _check_done(t, flow)


def on_gap(flow, from_originator, nbytes):
    t = flow.state
    if t is None:
        t = flow.state = _Tls()
    if t.off:
        return
    stats["gaps"] += 1
    d = t.dirs[from_originator]
    if d.state < _DONE:
        _fail(t, d, "gap")
        _check_done(t, flow)


def on_flow_end(flow, reason):
    t = flow.state
    if t is None or t.off:
        return
    for d in t.dirs:
        if d.state < _DONE and (d.hs or d.hdr):
            t.flag("incomplete")
    _finish(t, flow)


# --- QUIC v1 Initial packets (on_packet) ------------------------------------------

_QUIC_V1 = 0x00000001
_QUIC_V1_SALT = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand_label(secret, label, length):
    """TLS 1.3 HKDF-Expand-Label (RFC 8446 7.1) with an empty context."""
    full = b"tls13 " + label
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out = b""
    block = b""
    i = 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes((i,)), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def quic_client_keys(dcid):
    """(key, iv, hp) protecting the client's Initial packets (RFC 9001 5.2)."""
    initial = hkdf_extract(_QUIC_V1_SALT, dcid)
    secret = hkdf_expand_label(initial, b"client in", 32)
    return (hkdf_expand_label(secret, b"quic key", 16), hkdf_expand_label(secret, b"quic iv", 12),
            hkdf_expand_label(secret, b"quic hp", 16))


def _varint(b, off):
    """(value, next offset) of a QUIC variable-length integer (RFC 9000 16)."""
    v = b[off]
    size = 1 << (v >> 6)
    if off + size > len(b):
        raise Malformed("varint cut")
    v &= 0x3f
    for i in range(1, size):
        v = (v << 8) | b[off + i]
    return v, off + size


class _QuicConn:
    __slots__ = ("dcid", "aead", "iv", "hp", "pieces", "done")

    def __init__(self, dcid):
        key, iv, hp = quic_client_keys(dcid)
        self.dcid = dcid
        self.aead = AESGCM(key)
        self.iv = iv
        self.hp = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
        self.pieces = {}            # CRYPTO offset -> bytes
        self.done = False


_quic = {}      # (src, sport, dst, dport) -> _QuicConn, oldest first


def _quic_done(conn):
    """Keep only the marker that makes later Initials return at once."""
    conn.done = True
    conn.pieces = conn.aead = conn.hp = None


def _quic_frames(pt, pieces):
    """Collect the CRYPTO frames of a decrypted Initial payload."""
    off = 0
    n = len(pt)
    while off < n:
        ft = pt[off]
        if ft == 0x00:                              # PADDING: skip the whole run
            off = n - len(pt[off:].lstrip(b"\x00"))
        elif ft == 0x01:                            # PING
            off += 1
        elif ft == 0x02 or ft == 0x03:              # ACK
            _, off = _varint(pt, off + 1)           # largest acknowledged
            _, off = _varint(pt, off)               # delay
            count, off = _varint(pt, off)
            _, off = _varint(pt, off)               # first range
            for _ in range(count * 2 + (3 if ft == 0x03 else 0)):
                _, off = _varint(pt, off)
        elif ft == 0x06:                            # CRYPTO
            coff, off = _varint(pt, off + 1)
            clen, off = _varint(pt, off)
            if off + clen > n:
                raise Malformed("CRYPTO frame runs past the packet")
            if coff < MAX_HELLO + 4:
                pieces[coff] = pt[off:off + clen]
            off += clen
        elif ft == 0x1c:                            # CONNECTION_CLOSE
            return
        else:
            raise Malformed("frame type 0x%x in an Initial" % ft)


def _crypto_stream(pieces):
    """The contiguous CRYPTO bytes from offset 0."""
    out = bytearray()
    grew = True
    while grew:
        grew = False
        for off, data in pieces.items():
            if off <= len(out) < off + len(data):
                out += data[len(out) - off:]
                grew = True
    return out


def _quic_initial(pkt, payload, n):
    """Decrypt a client Initial (the first packet of the datagram)."""
    b = bytearray(payload)          # one copy: the header bytes get unmasked in place
    dl = b[5]
    if dl > 20 or 6 + dl >= n:
        raise Malformed("bad DCID length")
    dcid = bytes(b[6:6 + dl])
    off = 6 + dl
    sl = b[off]
    off += 1 + sl
    tl, off = _varint(b, off)
    off += tl
    length, off = _varint(b, off)
    end = off + length
    if end > n or length < 20:
        raise Malformed("Initial length past the datagram")
    key = (pkt.src, pkt.sport, pkt.dst, pkt.dport)
    conn = _quic.get(key)
    if conn is not None and conn.done:
        return
    new = conn is None
    if new:
        conn = _QuicConn(dcid)      # later Initials may carry another DCID: keys stay
    mask = conn.hp.update(bytes(b[off + 4:off + 20]))
    b[0] ^= mask[0] & 0x0f
    pn_len = (b[0] & 3) + 1
    pn = 0
    for i in range(pn_len):
        b[off + i] ^= mask[1 + i]
        pn = (pn << 8) | b[off + i]
    nonce = bytes(a ^ c for a, c in zip(conn.iv, pn.to_bytes(12, "big")))
    try:
        pt = conn.aead.decrypt(nonce, bytes(b[off + pn_len:end]), bytes(b[:off + pn_len]))
    except InvalidTag:
        stats["quic_decrypt_failed"] += 1
        return
    if new:
        if len(_quic) >= MAX_QUIC:
            del _quic[next(iter(_quic))]
            stats["quic_evicted"] += 1
        _quic[key] = conn
    _quic_frames(pt, conn.pieces)
    hs = _crypto_stream(conn.pieces)
    if len(hs) < 4:
        return
    if hs[0] != _CLIENT_HELLO:
        raise Malformed("first CRYPTO message is not a ClientHello")
    mlen = (hs[1] << 16) | (hs[2] << 8) | hs[3]
    if mlen > MAX_HELLO:
        stats["hello_too_large"] += 1
        _quic_done(conn)
        return
    if len(hs) < 4 + mlen:
        return
    _quic_done(conn)
    h = parse_client_hello(bytes(hs[4:4 + mlen]))
    stats["quic_client_hellos"] += 1
    rec = {"ts": pkt.ts, "flow_id": None, "src": pkt.src, "sport": pkt.sport,
           "dst": pkt.dst, "dport": pkt.dport, "transport": "quic",
           "quic_version": 1, "dcid": conn.dcid.hex()}
    _client_fields(rec, h, quic=True)
    rec.update(_SERVER_NONE)
    rec["flags"] = []
    stats["connections"] += 1
    pktd.emit(rec)


def on_packet(pkt):
    if pkt.proto != 17:
        return                      # TCP comes through on_stream
    payload = pkt.payload
    n = len(payload)
    if n < 7 or (payload[0] & 0xc0) != 0xc0:
        return                      # short header (1-RTT) or not QUIC
    version = _U32.unpack_from(payload, 1)[0]
    if version != _QUIC_V1:
        if version:                 # 0 is a Version Negotiation packet
            stats["quic_other_version"] += 1
        return
    if (payload[0] >> 4) & 3 != 0:
        return                      # Handshake, 0-RTT, Retry
    if pkt.sport == QUIC_PORT and pkt.dport != QUIC_PORT:
        stats["quic_server_initials"] += 1
        return
    stats["quic_initials"] += 1
    if not HAVE_AES:
        stats["quic_no_crypto"] += 1
        return
    try:
        _quic_initial(pkt, payload, n)
    except (Malformed, IndexError, struct.error, ValueError):
        stats["quic_malformed"] += 1


def setup(ctx):
    if not HAVE_AES:
        pktd.log("python3-cryptography is missing: QUIC Initials are counted, not decrypted")


def teardown():
    pktd.log("TLS " + ", ".join("%s: %d" % kv for kv in stats.items() if kv[1]))
