"""http: HTTP/1.0 and 1.1 transactions from reassembled TCP streams (RFC 9112).

One JSON record per transaction (request + its response), from the
on_stream / on_gap / on_flow_end hooks (docs/plugins.md). The decoder is
driven by content, not ports: a flow whose first bytes from the originator
are not a request line (or from the responder not a status line) is
dropped with flow.ignore(), so FILTER is every TCP flow (HTTP on any port,
as tshark's heuristics find it: proxies, development servers); another
flow costs one or two on_stream calls before it is ignored and its
reassembly stops. Narrow FILTER ("tcp port 80 or tcp port 8080") to skip
even those.

What it follows, per direction, without keeping bodies:
  - request and status line and header fields, across segment boundaries
    (only the incomplete header block is buffered, at most MAX_HEADER bytes);
  - pipelining: requests queue up and responses are matched in order;
  - bodies skipped by counting: Content-Length, chunked transfer coding
    (chunk sizes and trailers across segments), responses without a length
    until the connection closes; no body for HEAD, 1xx, 204 and 304;
    interim 1xx responses (100 Continue) do not end the transaction;
  - CONNECT answered 2xx and 101 Switching Protocols end the HTTP part:
    the transaction is written and the flow ignored (the bytes that follow
    are a tunnel or another protocol);
  - on_gap: inside a body of known size the decoder stays in step (the
    missing bytes are body bytes); elsewhere it drops the partial message
    and resynchronises on the next request line / status line seen at a
    line start. The transactions touched carry "gap" in their flags.

Record (pktd.emit):
    {"ts", "flow_id", "src", "sport", "dst", "dport",    originator -> responder
     "method", "host", "uri", "version", "user_agent", "request_body_len",
     "status", "status_msg", "content_type", "response_body_len",
     "flags": []}
ts is the time of the packet that completed the request header (the
response header's when there was no request). Text fields are decoded as UTF-8 with backslash
escapes for other bytes; a field absent from the message is null. Body
lengths are decoded lengths (chunk framing not counted; bytes lost in a
gap inside a body are counted). flags, all optional:
    "gap"           bytes of this transaction were missing
    "no_request"    a response whose request was not seen
    "no_response"   the flow ended (or the queue overflowed) before a response
    "incomplete"    the flow ended inside the request or the response
    "until_close"   the response body was delimited by the connection close
    "tunnel"        CONNECT 2xx or 101: what followed was not HTTP
Nothing raises on bad input: problems are counted in `stats` and logged at
teardown.
"""

import re

import pktd

FILTER = "tcp"

MAX_HEADER = 32768      # bytes of one header block (request/status line + fields)
MAX_LINE = 4096         # one chunk-size or trailer line
MAX_PENDING = 32        # requests waiting for their response (pipelining)

# Optional: called as request_hook(flow, txn) as soon as a request header
# block is parsed (txn.method, .host, .uri, ... are set), inside on_stream.
# plugins/fields.py uses it to report http.host on the frame that completed
# the request, as tshark does.
request_hook = None
_STEP = 4096            # header bytes copied per search step

stats = {
    "requests": 0, "responses": 0, "transactions": 0, "interim": 0,
    "not_http": 0, "malformed": 0, "header_too_long": 0,
    "gaps": 0, "gap_bytes": 0, "resyncs": 0, "discarded_bytes": 0,
    "tunnels": 0, "pipeline_overflow": 0, "orphan_responses": 0, "lost_in_gap": 0,
}

# Parser states, one per direction.
_HDR, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILER, _CLOSE, _RESYNC, _OFF = range(9)

_TOKEN = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"     # method characters (translate deletes them)
_SNIFF = 24             # a method token and its space fit in this many bytes

_REQ_START = re.compile(
    rb"(?:^|\n)((?:GET|POST|HEAD|PUT|DELETE|OPTIONS|PATCH|TRACE|CONNECT|PROPFIND|"
    rb"PROPPATCH|MKCOL|COPY|MOVE|LOCK|UNLOCK|REPORT|SEARCH) [^ \r\n]+ HTTP/1\.[019]\r?\n)")
_RESP_START = re.compile(rb"(?:^|\n)(HTTP/1\.[019] [0-9]{3}[ \r\n])")

# Header fields kept, by lower-case name.
_F_HOST, _F_UA, _F_CL, _F_TE, _F_CT = range(5)
_WANTED = {b"host": _F_HOST, b"user-agent": _F_UA, b"content-length": _F_CL,
           b"transfer-encoding": _F_TE, b"content-type": _F_CT}


def _text(b):
    return b.decode("utf-8", "backslashreplace")


class _Txn:
    """One request and its response."""
    __slots__ = ("ts", "method", "uri", "version", "host", "user_agent", "req_body",
                 "req_done", "status", "status_msg", "content_type", "resp_body",
                 "resp_done", "flags")

    def __init__(self, ts):
        self.ts = ts
        self.method = self.uri = self.version = self.host = self.user_agent = None
        self.status = self.status_msg = self.content_type = None
        self.req_body = self.resp_body = 0
        self.req_done = self.resp_done = False
        self.flags = None

    def flag(self, name):
        if self.flags is None:
            self.flags = [name]
        elif name not in self.flags:
            self.flags.append(name)


class _Dir:
    """Parser state of one direction."""
    __slots__ = ("state", "buf", "remaining", "txn", "messages", "request")

    def __init__(self, request):
        self.state = _HDR
        self.buf = bytearray()      # incomplete header block or line only
        self.remaining = 0          # body / chunk bytes still to skip
        self.txn = None             # transaction the current message belongs to
        self.messages = 0           # complete header blocks parsed
        self.request = request


class _Http:
    __slots__ = ("dirs", "pending", "off")

    def __init__(self):
        self.dirs = (_Dir(False), _Dir(True))   # index: from_originator
        self.pending = []           # transactions in request order, not yet written
        self.off = False            # not HTTP (or a tunnel): nothing more to do


# --- output ------------------------------------------------------------------

def _emit(flow, t):
    if t.method is None and t.status is None:
        stats["lost_in_gap"] += 1   # a request cut by a gap that no response claimed
        return
    stats["transactions"] += 1
    pktd.emit({
        "ts": t.ts, "flow_id": flow.id,
        "src": flow.orig_addr, "sport": flow.orig_port,
        "dst": flow.resp_addr, "dport": flow.resp_port,
        "method": t.method, "host": t.host, "uri": t.uri, "version": t.version,
        "user_agent": t.user_agent, "request_body_len": t.req_body,
        "status": t.status, "status_msg": t.status_msg, "content_type": t.content_type,
        "response_body_len": t.resp_body, "flags": t.flags or [],
    })


def _flush_done(h, flow):
    """Write the completed transactions at the head of the queue, in order."""
    p = h.pending
    while p and p[0].req_done and p[0].resp_done:
        _emit(flow, p.pop(0))


# --- header blocks ------------------------------------------------------------

def _fields(lines):
    """{field index: value bytes} of the wanted fields; None if two
    Content-Length fields disagree. Folded lines continue the previous field."""
    out = {}
    last = None
    for line in lines:
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            continue
        if line[0] in (32, 9):          # obs-fold (RFC 9112 5.2)
            if last is not None:
                out[last] = out[last] + b" " + line.strip()
            continue
        c = line.find(b":")
        if c <= 0:
            last = None
            continue
        f = _WANTED.get(line[:c].strip().lower())
        last = f
        if f is None:
            continue
        value = line[c + 1:].strip()
        if f in out:
            if f == _F_CL:
                if out[f] != value:
                    return None
                continue
            if f == _F_TE:
                value = out[f] + b", " + value
            else:
                continue                 # first occurrence wins, as tshark shows it
        out[f] = value
    return out


def _body_kind(fields, response):
    """("len", n), ("chunked", 0), ("close", 0), or None when malformed."""
    te = fields.get(_F_TE)
    if te is not None:
        codings = [c.strip().lower() for c in te.split(b",") if c.strip()]
        if codings and codings[-1] == b"chunked":
            return ("chunked", 0)
        return ("close", 0) if response else None   # RFC 9112 6.3 (3)
    cl = fields.get(_F_CL)
    if cl is not None:
        if not cl.isdigit() or len(cl) > 15:
            return None
        return ("len", int(cl))
    return ("close", 0) if response else ("len", 0)


def _start_body(d, kind, n):
    if kind == "chunked":
        d.state = _CHUNK_SIZE
    elif kind == "close":
        d.state = _CLOSE
        d.txn.flag("until_close")
    elif n:
        d.state = _BODY
        d.remaining = n
    else:
        d.state = _HDR


def _request_header(h, d, flow, block):
    """Parse a request header block; False when it is not a request."""
    lines = block.split(b"\n")
    first = lines[0].rstrip(b"\r")
    sp1 = first.find(b" ")
    sp2 = first.rfind(b" ")
    if sp1 <= 0 or sp2 <= sp1 or not first[sp2 + 1:].startswith(b"HTTP/"):
        return False
    method = first[:sp1]
    if not method.isupper() or method.translate(None, _TOKEN):
        return False
    fields = _fields(lines[1:])
    kind = None if fields is None else _body_kind(fields, False)
    if kind is None:
        return False
    stats["requests"] += 1
    t = _Txn(flow.ts)
    t.method = method.decode("ascii")
    t.uri = _text(first[sp1 + 1:sp2].strip())
    t.version = _text(first[sp2 + 6:])
    host = fields.get(_F_HOST)
    t.host = None if host is None else _text(host)
    ua = fields.get(_F_UA)
    t.user_agent = None if ua is None else _text(ua)
    p = h.pending
    if len(p) >= MAX_PENDING:
        stats["pipeline_overflow"] += 1
        old = p.pop(0)
        old.flag("no_response")
        _emit(flow, old)
    p.append(t)
    d.txn = t
    if request_hook is not None:
        request_hook(flow, t)
    _start_body(d, kind[0], kind[1])
    if d.state == _HDR:
        _request_done(h, d, flow)
    return True


def _request_done(h, d, flow):
    t = d.txn
    d.txn = None
    d.state = _HDR
    if t is not None:
        t.req_done = True
        _flush_done(h, flow)


def _response_header(h, d, flow, block):
    """Parse a status line and fields; False when it is not a response."""
    lines = block.split(b"\n")
    first = lines[0].rstrip(b"\r")
    if not first.startswith(b"HTTP/") or len(first) < 12 or first[8] != 32:
        return False
    code = first[9:12]
    if not code.isdigit() or (len(first) > 12 and first[12] != 32):
        return False
    status = int(code)
    fields = _fields(lines[1:])
    if fields is None:
        return False
    if 100 <= status < 200 and status != 101:
        stats["interim"] += 1       # 100 Continue, 103 Early Hints: the final one follows
        d.state = _HDR
        return True
    kind = _body_kind(fields, True)
    if kind is None:
        return False
    stats["responses"] += 1
    t = None
    for cand in h.pending:
        if cand.status is None:
            t = cand
            break
    if t is None:               # mid-stream pickup, or the request was lost
        stats["orphan_responses"] += 1
        t = _Txn(flow.ts)
        t.req_done = True
        t.flag("no_request")
        h.pending.append(t)
    t.status = status
    t.status_msg = _text(first[13:])
    ct = fields.get(_F_CT)
    t.content_type = None if ct is None else _text(ct)
    d.txn = t
    method = t.method
    if (method == "CONNECT" and 200 <= status < 300) or status == 101:
        stats["tunnels"] += 1
        t.flag("tunnel")
        t.req_done = True       # what follows the request is not HTTP either
        t.resp_done = True
        d.txn = None
        _off(h, flow)               # writes it, and any request queued behind it
        return True
    if method == "HEAD" or status == 204 or status == 304:
        _start_body(d, "len", 0)
    else:
        _start_body(d, kind[0], kind[1])
    if d.state == _HDR:
        _response_done(h, d, flow)
    return True


def _response_done(h, d, flow):
    t = d.txn
    d.txn = None
    d.state = _HDR
    if t is not None:
        t.resp_done = True
        _flush_done(h, flow)


def _message_done(h, d, flow):
    if d.request:
        _request_done(h, d, flow)
    else:
        _response_done(h, d, flow)


def _off(h, flow):
    """Stop decoding this flow (not HTTP, a tunnel, or an internal error);
    transactions still queued are written first."""
    for t in h.pending:
        if t.status is None:
            t.flag("no_response")
        _emit(flow, t)
    h.pending = []
    h.off = True
    for d in h.dirs:
        d.state = _OFF
        d.buf = bytearray()
    flow.ignore()


def _sniff(d, buf):
    """False if buf cannot be the start of this direction's first message."""
    if d.request:
        head = bytes(buf[:_SNIFF])
        sp = head.find(b" ")
        token = head if sp < 0 else head[:sp]
        if sp == 0 or token.translate(None, _TOKEN):
            return False
        return sp > 0 or len(head) < _SNIFF
    n = min(len(buf), 5)
    return bytes(buf[:n]) == b"HTTP/"[:n]


def _header_end(buf, start):
    """Offset just past the empty line ending the header block, or -1."""
    i = buf.find(b"\n\r\n", start)
    j = buf.find(b"\n\n", start)
    if i >= 0 and (j < 0 or i < j):
        return i + 3
    if j >= 0:
        return j + 2
    return -1


def _read_header(h, d, flow, data, pos, n):
    """Accumulate header bytes; parse the block when its end is seen."""
    buf = d.buf
    if not buf:
        while pos < n and (data[pos] == 13 or data[pos] == 10):
            pos += 1            # empty lines before a message (RFC 9112 2.2)
        if pos == n:
            return n
    while pos < n:
        old = len(buf)
        room = MAX_HEADER - old
        if room <= 0:
            stats["header_too_long"] += 1
            return _lose_sync(h, d, flow, pos, "malformed")
        step = min(n - pos, _STEP, room)
        buf += data[pos:pos + step]
        if d.messages == 0 and old < _SNIFF and not _sniff(d, buf):
            stats["not_http"] += 1
            _off(h, flow)
            return n
        end = _header_end(buf, old - 3 if old > 3 else 0)
        if end < 0:
            pos += step
            continue
        pos += end - old
        block = bytes(buf[:end])
        del buf[:]
        ok = (_request_header if d.request else _response_header)(h, d, flow, block)
        if h.off:
            return n
        if not ok:
            if d.messages == 0:
                stats["not_http"] += 1
                _off(h, flow)
                return n
            return _lose_sync(h, d, flow, pos, "malformed")
        d.messages += 1
        return pos
    return pos


def _read_line(d, data, pos, n):
    """(line without CRLF, new pos), or (None, new pos) when the line is not
    complete yet (its start is buffered) or too long (pos == -1)."""
    buf = d.buf
    room = MAX_LINE - len(buf)
    take = min(n - pos, room)
    piece = bytes(data[pos:pos + take])
    i = piece.find(b"\n")
    if i < 0:
        if take >= room:
            return None, -1
        buf += piece
        return None, pos + take
    if buf:
        line = bytes(buf) + piece[:i]
        del buf[:]
    else:
        line = piece[:i]
    if line.endswith(b"\r"):
        line = line[:-1]
    return line, pos + i + 1


def _chunk_size(line):
    """Size of a chunk-size line (extensions ignored), or -1."""
    semi = line.find(b";")
    if semi >= 0:
        line = line[:semi]
    line = line.strip()
    if not line or len(line) > 15:
        return -1
    try:
        return int(line, 16)
    except ValueError:
        return -1


def _lose_sync(h, d, flow, pos, reason):
    """Drop the message in progress and look for the next one."""
    if reason == "malformed":
        stats["malformed"] += 1
    t = d.txn
    if t is not None:
        t.flag("gap" if reason == "gap" else "malformed")
        d.txn = None
        if d.request:
            t.req_done = True
        else:
            t.resp_done = True
        _flush_done(h, flow)
    del d.buf[:]
    d.state = _RESYNC
    return pos


def _resync(h, d, flow, data, pos, n):
    """Skip to the next request line / status line at a line start."""
    piece = bytes(data[pos:n])
    m = (_REQ_START if d.request else _RESP_START).search(piece)
    if m is None:
        stats["discarded_bytes"] += n - pos
        return n
    start = m.start(1)
    stats["discarded_bytes"] += start
    stats["resyncs"] += 1
    d.state = _HDR
    return pos + start


def _feed(h, d, flow, data):
    pos = 0
    n = len(data)
    while pos < n:
        s = d.state
        if s == _BODY or s == _CHUNK_DATA:
            take = d.remaining
            if take > n - pos:
                take = n - pos
            d.remaining -= take
            pos += take
            t = d.txn
            if d.request:
                t.req_body += take
            else:
                t.resp_body += take
            if d.remaining == 0:
                if s == _BODY:
                    _message_done(h, d, flow)
                else:
                    d.state = _CHUNK_END
        elif s == _HDR:
            pos = _read_header(h, d, flow, data, pos, n)
        elif s == _CLOSE:
            d.txn.resp_body += n - pos
            return
        elif s == _RESYNC:
            pos = _resync(h, d, flow, data, pos, n)
        elif s == _OFF:
            return
        else:                           # line states of the chunked coding
            line, pos = _read_line(d, data, pos, n)
            if line is None:
                if pos < 0:             # a line longer than MAX_LINE
                    pos = _lose_sync(h, d, flow, n, "malformed")
                continue
            if s == _CHUNK_SIZE:
                size = _chunk_size(line)
                if size < 0:
                    _lose_sync(h, d, flow, pos, "malformed")
                elif size == 0:
                    d.state = _TRAILER
                else:
                    d.state = _CHUNK_DATA
                    d.remaining = size
            elif s == _CHUNK_END:
                if line:
                    _lose_sync(h, d, flow, pos, "malformed")
                else:
                    d.state = _CHUNK_SIZE
            elif not line:                  # _TRAILER: the empty line ends it
                _message_done(h, d, flow)


# --- hooks --------------------------------------------------------------------

def on_stream(flow, from_originator, data):
    h = flow.state
    if h is None:
        h = flow.state = _Http()
    elif h.off:
        return
    try:
        _feed(h, h.dirs[from_originator], flow, data)
    except Exception as e:      # a decoder bug must not take the flow's others down
        stats["malformed"] += 1
        pktd.log("http: internal error on flow %s: %r" % (flow.id, e))
        _off(h, flow)


def on_gap(flow, from_originator, nbytes):
    h = flow.state
    if h is None:
        h = flow.state = _Http()
    if h.off:
        return
    stats["gaps"] += 1
    stats["gap_bytes"] += nbytes
    d = h.dirs[from_originator]
    s = d.state
    t = d.txn
    if (s == _BODY or s == _CHUNK_DATA) and nbytes <= d.remaining:
        # The missing bytes are body bytes: still in step.
        t.flag("gap")
        d.remaining -= nbytes
        if d.request:
            t.req_body += nbytes
        else:
            t.resp_body += nbytes
        if d.remaining == 0:
            if s == _BODY:
                _message_done(h, d, flow)
            else:
                d.state = _CHUNK_END
    elif s == _CLOSE:
        t.flag("gap")
        t.resp_body += nbytes
    elif s == _HDR and not d.buf and d.messages == 0 and not h.pending:
        d.state = _RESYNC           # nothing seen yet: pick up mid-stream
    else:
        if s == _HDR and d.request and d.buf:
            # A request was cut by the gap: keep its place in the queue so
            # the responses still meet their requests.
            lost = _Txn(flow.ts)
            lost.req_done = True
            lost.flag("gap")
            h.pending.append(lost)
        elif s == _HDR and not d.request and h.pending:
            # The response being awaited may be the one that was lost.
            for cand in h.pending:
                if cand.status is None:
                    cand.flag("gap")
                    break
        _lose_sync(h, d, flow, 0, "gap")


def on_flow_end(flow, reason):
    h = flow.state
    if h is None:
        return
    for d in h.dirs:
        t = d.txn
        if t is None:
            continue
        if d.state == _CLOSE:
            t.resp_done = True
        elif not (t.req_done if d.request else t.resp_done):
            t.flag("incomplete")
    for t in h.pending:
        if t.status is None:
            t.flag("no_response")
        elif not t.resp_done or not t.req_done:
            t.flag("incomplete")
        _emit(flow, t)
    h.pending = []
    h.off = True


def teardown():
    pktd.log("HTTP " + ", ".join("%s: %d" % kv for kv in stats.items()))
