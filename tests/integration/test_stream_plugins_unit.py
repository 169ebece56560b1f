"""Stream decoders (plugins/http.py, tls.py, dns.py's on_stream) without the daemon.

The daemon's flow table and TCP reassembly are not wired to Python yet, so
these tests drive the hooks through a small stand-in:

  - a fake `pktd` module (emit checks the record is JSON and keeps it, log
    keeps the line, STREAMS = True), put in sys.modules only while the
    plugin is imported by path, so the real plugins are tested unchanged;
  - FakeFlow, the flow handle of docs/plugins.md (id, addresses, ports,
    is_originator, ts, state, ignore());
  - deliver(): each chunk is handed over as a memoryview of a bytearray
    that is released and emptied right after the callback, so a plugin that
    keeps a view past its callback fails here as it would under pktd;
  - tcp_events(): segments of a capture, extracted with tshark (-e
    tcp.payload), put in order per direction by a few lines of sequence
    arithmetic (retransmissions dropped, out-of-order held, holes reported
    as gaps), interleaved in frame order.

Then: every message cut at every position (and byte by byte) gives the
same records as the whole; gaps and malformed input; and the values over
the shared captures compared with tshark's (SNI, JA3, JA3S, HTTP method,
host, URI, user agent, status, DNS names). tshark 4.0 has no JA4 field, so
JA4 is checked against the FoxIO example and against a second computation
from tshark's own dissection (PDML). A real-daemon test comes with the
stream hooks. Run alone (`/usr/bin/python3 tests/integration/
test_stream_plugins_unit.py`) it prints the tshark comparison table.
"""

import hashlib
import importlib.util
import json
import os
import random
import struct
import subprocess
import sys
import types
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from harness import PLUGINS, Skip, have_tool, pcap  # noqa: E402

if PLUGINS not in sys.path:
    sys.path.insert(0, PLUGINS)        # dns.py imports dnswire


# --- the stand-in for the daemon ---------------------------------------------

_loaded = [0]


def load(name, streams=True):
    """Import plugins/<name>.py afresh against a fake pktd module."""
    fake = types.ModuleType("pktd")
    fake.records = []
    fake.logs = []

    def emit(record):
        fake.records.append(json.loads(json.dumps(record)))

    fake.emit = emit
    fake.log = fake.logs.append
    if streams:
        fake.STREAMS = True
    _loaded[0] += 1
    spec = importlib.util.spec_from_file_location(
        "stream_unit_%s_%d" % (name, _loaded[0]), os.path.join(PLUGINS, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    saved = sys.modules.get("pktd")
    sys.modules["pktd"] = fake
    try:
        spec.loader.exec_module(mod)
    finally:
        if saved is None:
            del sys.modules["pktd"]
        else:
            sys.modules["pktd"] = saved
    mod.fake = fake
    return mod


class FakeFlow:
    """The reused flow handle of the stream API."""

    def __init__(self, fid=1, orig=("192.0.2.1", 40000), resp=("192.0.2.2", 80), proto=6):
        self.id = fid
        self.orig_addr, self.orig_port = orig
        self.resp_addr, self.resp_port = resp
        self.proto = proto
        self.is_originator = True
        self.packets = self.bytes = 0
        self.start = self.ts = 1000.0
        self.state = None
        self.ignored = False
        self.ended = False

    def ignore(self):
        self.ignored = True


def deliver(mod, flow, from_orig, chunk, ts=None):
    """on_stream with a view that dies when the callback returns."""
    if flow.ignored or flow.ended or not chunk:
        return
    flow.is_originator = from_orig
    flow.packets += 1
    flow.bytes += len(chunk)
    if ts is not None:
        flow.ts = ts
    buf = bytearray(chunk)
    view = memoryview(buf)
    try:
        mod.on_stream(flow, from_orig, view)
    finally:
        try:
            view.release()
            buf.clear()             # BufferError while any view of it is alive
        except BufferError:
            raise AssertionError("%s kept a view of the stream past on_stream" % mod.__name__)


def gap(mod, flow, from_orig, nbytes):
    if not flow.ignored and not flow.ended:
        mod.on_gap(flow, from_orig, nbytes)


def end(mod, flow, reason="fin"):
    if not flow.ended:
        flow.ended = True
        if hasattr(mod, "on_flow_end"):
            mod.on_flow_end(flow, reason)
        flow.state = None


def check_clean(mod):
    """No internal error was logged (the plugins log and swallow them)."""
    bad = [line for line in mod.fake.logs if "internal error" in line]
    assert not bad, bad


_shared = {}


def run_chunks(name, chunks, orig=("192.0.2.1", 40000), resp=("192.0.2.2", 80), fresh=True):
    """Feed [(from_orig, bytes) | ("gap", from_orig, n)] to a plugin on a new
    flow; return (records, module, flow). fresh=False reuses one module per
    plugin (for the many runs of the cut tests; its stats accumulate)."""
    if fresh:
        mod = load(name)
    else:
        mod = _shared.get(name) or _shared.setdefault(name, load(name))
        del mod.fake.records[:]
    flow = FakeFlow(orig=orig, resp=resp)
    for c in chunks:
        if c[0] == "gap":
            gap(mod, flow, c[1], c[2])
        else:
            deliver(mod, flow, c[0], c[1])
    end(mod, flow)
    check_clean(mod)
    return mod.fake.records, mod, flow


def _strip(records, keys=("ts",)):
    return [{k: v for k, v in r.items() if k not in keys} for r in records]


def cuts(data, step=1):
    """Every two-piece split of data."""
    for k in range(1, len(data), step):
        yield [data[:k], data[k:]]


def random_pieces(data, rng, max_piece=64):
    out = []
    pos = 0
    while pos < len(data):
        k = rng.randint(1, max_piece)
        out.append(data[pos:pos + k])
        pos += k
    return out


# --- captures through tshark ---------------------------------------------------

def _tshark(path, args):
    if not have_tool("tshark"):
        raise Skip("tshark is not installed")
    p = subprocess.run(["tshark", "-n", "-r", path] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=300)
    if p.returncode != 0:
        raise AssertionError("tshark failed on %s" % path)
    return p.stdout.decode("utf-8", "replace")


def tshark_rows(path, fields, dfilter, occurrence="a"):
    args = ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=" + occurrence,
            "-E", "aggregator=,"]
    if dfilter:
        args += ["-Y", dfilter]
    for f in fields:
        args += ["-e", f]
    out = []
    for line in _tshark(path, args).splitlines():
        cols = line.split("\t")
        cols += [""] * (len(fields) - len(cols))
        out.append(dict(zip(fields, cols)))
    return out


_SEG_FIELDS = ["frame.time_epoch", "tcp.stream", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
               "tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.flags", "tcp.payload"]


_events_cache = {}


def tcp_events(path):
    """[(kind, stream, from_orig, value, ts)] in frame order: kind "start"
    (value = (orig, resp)), "data" (bytes), "gap" (nbytes), "end" (reason)."""
    if path not in _events_cache:
        _events_cache[path] = _tcp_events(path)
    return _events_cache[path]


def _tcp_events(path):
    events = []
    flows = {}
    for r in tshark_rows(path, _SEG_FIELDS, "tcp", occurrence="l"):
        if not r["tcp.stream"]:
            continue
        stream = int(r["tcp.stream"])
        src = (r["ip.src"] or r["ipv6.src"], int(r["tcp.srcport"]))
        dst = (r["ip.dst"] or r["ipv6.dst"], int(r["tcp.dstport"]))
        flags = int(r["tcp.flags"], 16)
        seq = int(r["tcp.seq"] or 0)
        ts = float(r["frame.time_epoch"])
        payload = bytes.fromhex(r["tcp.payload"].replace(":", ""))
        st = flows.get(stream)
        if st is None:
            orig = dst if flags & 0x12 == 0x12 else src      # a SYN-ACK first: its receiver
            st = flows[stream] = {"orig": orig, "next": {}, "held": {True: {}, False: {}},
                                  "reason": "shutdown"}
            events.append(("start", stream, True, (orig, src if orig == dst else dst), ts))
        d = src == st["orig"]
        if flags & 0x02:
            seq += 1                                # data on a SYN (TFO) follows it
            st["next"].setdefault(d, seq)
        st["next"].setdefault(d, seq)
        if flags & 0x04:
            st["reason"] = "rst"
        elif flags & 0x01 and st["reason"] != "rst":
            st["reason"] = "fin"
        if payload:
            _reassemble(events, st, stream, d, seq, payload, ts)
    for stream, st in flows.items():
        for d in (True, False):
            held = st["held"][d]
            while held:
                seq = min(held)
                events.append(("gap", stream, d, seq - st["next"][d], None))
                st["next"][d] = seq
                _drain(events, st, stream, d, None)
        events.append(("end", stream, True, st["reason"], None))
    return events


def _reassemble(events, st, stream, d, seq, payload, ts):
    nxt = st["next"][d]
    end_seq = seq + len(payload)
    if end_seq <= nxt:
        return                                      # retransmission
    if seq > nxt:
        st["held"][d].setdefault(seq, payload)      # out of order: first wins
        return
    events.append(("data", stream, d, payload[nxt - seq:], ts))
    st["next"][d] = end_seq
    _drain(events, st, stream, d, ts)


def _drain(events, st, stream, d, ts):
    held = st["held"][d]
    while True:
        nxt = st["next"][d]
        ready = [s for s in held if s <= nxt]
        if not ready:
            return
        for s in sorted(ready):
            payload = held.pop(s)
            if s + len(payload) > st["next"][d]:
                events.append(("data", stream, d, payload[st["next"][d] - s:], ts))
                st["next"][d] = s + len(payload)


def run_capture(name, path, events=None):
    """Replay a capture's TCP streams through a fresh plugin: (records, module)."""
    mod = load(name)
    flows = {}
    for kind, stream, d, value, ts in (events if events is not None else tcp_events(path)):
        if kind == "start":
            flows[stream] = FakeFlow(stream, value[0], value[1])
            if ts is not None:
                flows[stream].start = flows[stream].ts = ts
            continue
        flow = flows[stream]
        if ts is not None:
            flow.ts = ts
        if kind == "data":
            deliver(mod, flow, d, value, ts)
        elif kind == "gap":
            gap(mod, flow, d, value)
        else:
            end(mod, flow, value)
    check_clean(mod)
    return mod.fake.records, mod


def stream_bytes(path, stream, from_orig):
    """The in-order bytes of one direction of one TCP stream."""
    return b"".join(v for k, s, d, v, _ in tcp_events(path)
                    if k == "data" and s == stream and d == from_orig)


# --- HTTP -----------------------------------------------------------------------

_REQS = (
    b"GET /a?x=1 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t/1.0\r\n\r\n"
    b"POST /form HTTP/1.1\r\nHost: example.com:8080\r\nContent-Length: 11\r\n"
    b"Content-Type: text/plain\r\n\r\nhello world"
    b"HEAD /h HTTP/1.1\r\nHost: example.com\r\n\r\n"
    b"PUT /up HTTP/1.1\r\nhost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"5\r\nabcde\r\n3;ext=1\r\nfgh\r\n0\r\nX-Trailer: 1\r\n\r\n"
)
_RESPS = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"a\r\n0123456789\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
    b"HTTP/1.1 100 Continue\r\n\r\n"
    b"HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc"
    b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: image/png\r\n\r\n"
    b"HTTP/1.1 204 No Content\r\n\r\n"
)
_EXPECTED = [
    ("GET", "example.com", "/a?x=1", "t/1.0", 0, 200, "OK", "text/html", 26),
    ("POST", "example.com:8080", "/form", None, 11, 201, "Created", None, 3),
    ("HEAD", "example.com", "/h", None, 0, 200, "OK", "image/png", 0),
    ("PUT", "example.com", "/up", None, 8, 204, "No Content", None, 0),
]


def _http_summary(records):
    return [(r["method"], r["host"], r["uri"], r["user_agent"], r["request_body_len"],
             r["status"], r["status_msg"], r["content_type"], r["response_body_len"])
            for r in records]


def test_http_pipelined_bodies_and_codings():
    # Four pipelined requests (plain, Content-Length body, HEAD, chunked with
    # an extension and a trailer), then the responses in order (chunked, an
    # interim 100 before the 201, a HEAD answer with a length but no body, 204).
    records, _, _ = run_chunks("http", [(True, _REQS), (False, _RESPS)])
    assert _http_summary(records) == _EXPECTED, _http_summary(records)
    assert all(r["flags"] == [] for r in records), records
    assert records[0]["version"] == "1.1" and records[0]["dport"] == 80


def test_http_every_cut_gives_the_same_records():
    # The request stream, then the response stream, cut at every byte; and
    # both fed a byte at a time, interleaved.
    whole, _, _ = run_chunks("http", [(True, _REQS), (False, _RESPS)])
    for pieces in cuts(_REQS):
        got, _, _ = run_chunks("http", [(True, p) for p in pieces] + [(False, _RESPS)], fresh=False)
        assert _strip(got) == _strip(whole), (pieces, got)
    for pieces in cuts(_RESPS):
        got, _, _ = run_chunks("http", [(True, _REQS)] + [(False, p) for p in pieces], fresh=False)
        assert _strip(got) == _strip(whole), (pieces, got)
    chunks = [(True, _REQS[i:i + 1]) for i in range(len(_REQS))] + \
             [(False, _RESPS[i:i + 1]) for i in range(len(_RESPS))]
    got, _, _ = run_chunks("http", chunks)
    assert _strip(got) == _strip(whole)


def test_http_real_exchange_every_cut():
    # http11-dns-browse.pcap stream 0: a Firefox GET answered 304.
    path = pcap("http11-dns-browse.pcap")
    req = stream_bytes(path, 0, True)
    resp = stream_bytes(path, 0, False)
    assert req.startswith(b"GET / HTTP/1.1") and resp.startswith(b"HTTP/1.0 304"), \
        (req[:20], resp[:20])
    whole, _, _ = run_chunks("http", [(True, req), (False, resp)])
    assert len(whole) == 1 and whole[0]["host"] == "www.wikipedia.org" and whole[0]["status"] == 304
    for pieces in cuts(req):
        got, _, _ = run_chunks("http", [(True, p) for p in pieces] + [(False, resp)], fresh=False)
        assert _strip(got) == _strip(whole), pieces
    for pieces in cuts(resp):
        got, _, _ = run_chunks("http", [(True, req)] + [(False, p) for p in pieces], fresh=False)
        assert _strip(got) == _strip(whole), pieces


def test_http_response_until_close_and_head_304():
    reqs = b"GET /old HTTP/1.0\r\nHost: h\r\n\r\n"
    resp = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"x" * 5000
    records, _, _ = run_chunks("http", [(True, reqs), (False, resp[:100]), (False, resp[100:])])
    assert _http_summary(records) == [("GET", "h", "/old", None, 0, 200, "OK", "text/plain", 5000)]
    assert records[0]["flags"] == ["until_close"], records
    # A 304 with a Content-Length has no body: the next response follows at once.
    reqs = b"GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
    resp = (b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    records, _, _ = run_chunks("http", [(True, reqs), (False, resp)])
    assert [(r["uri"], r["status"], r["response_body_len"]) for r in records] == \
        [("/1", 304, 0), ("/2", 200, 2)], records


def test_http_connect_then_tunnel_is_ignored():
    # null-loopback-ipv6-http-tls.pcap: CONNECT answered 200, then TLS.
    records, mod = run_capture("http", pcap("null-loopback-ipv6-http-tls.pcap"))
    assert len(records) == 1, records
    r = records[0]
    assert (r["method"], r["uri"], r["host"], r["status"], r["status_msg"]) == \
        ("CONNECT", "secure.newegg.com:443", "secure.newegg.com:443", 200,
         "Connection Established"), r
    assert r["flags"] == ["tunnel"] and r["src"] == "::1" and r["dport"] == 80, r
    assert mod.stats["tunnels"] == 1 and mod.stats["malformed"] == 0, mod.stats


def test_http_gap_inside_a_body_stays_in_step():
    body = b"B" * 3000
    resp = (b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n" + body +
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    reqs = b"GET /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n"
    hdr = resp.index(b"\r\n\r\n") + 4
    chunks = [(True, reqs), (False, resp[:hdr + 100]), ("gap", False, 1000),
              (False, resp[hdr + 1100:])]
    records, mod, _ = run_chunks("http", chunks)
    assert [(r["uri"], r["status"], r["response_body_len"], r["flags"]) for r in records] == \
        [("/x", 200, 3000, ["gap"]), ("/y", 404, 0, [])], records
    assert mod.stats["gaps"] == 1 and mod.stats["resyncs"] == 0, mod.stats


def test_http_gap_in_headers_resyncs_on_the_next_message():
    reqs = (b"GET /1 HTTP/1.1\r\nHost: h\r\nUser-Agent: lost\r\n\r\n"
            b"GET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
    cut = reqs.index(b"User-Agent")
    resumed = reqs.index(b"\r\n\r\n") - 3           # a few bytes before the next request
    resp = (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    chunks = [(True, reqs[:cut]), ("gap", True, resumed - cut), (True, reqs[resumed:]),
              (False, resp)]
    records, mod, _ = run_chunks("http", chunks)
    assert [r["uri"] for r in records] == [None, "/2"], records
    assert records[0]["flags"] == ["gap"] and mod.stats["resyncs"] == 1, (records, mod.stats)
    # A gap inside a chunk-size line: the response is closed with "gap" and
    # the next status line is found again.
    reqs = b"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
    resp = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + b"z" * 4096 +
            b"\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!")
    pos = resp.index(b"1000\r\n") + 2
    chunks = [(True, reqs), (False, resp[:pos]), ("gap", False, 4000), (False, resp[pos + 4000:])]
    records, mod, _ = run_chunks("http", chunks)
    assert [(r["uri"], r["status"], r["flags"]) for r in records] == \
        [("/a", 200, ["gap"]), ("/b", 200, [])], records


def test_http_not_http_is_ignored_at_once():
    records, mod, flow = run_chunks("http", [(True, b"SSH-2.0-OpenSSH_8.9\r\n"), (True, b"more")])
    assert records == [] and flow.ignored and mod.stats["not_http"] == 1
    records, mod, flow = run_chunks("http", [(False, b"220 ftp.example.com FTP ready\r\n")])
    assert records == [] and flow.ignored
    records, mod, flow = run_chunks("http", [(True, b"\x16\x03\x01\x02\x00\x01")])
    assert records == [] and flow.ignored


def test_http_malformed_input_never_raises():
    # Bad lengths, bad chunk sizes, an endless header, random bytes: counted.
    cases = [
        b"GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: h\r\n\r\nNOT A REQUEST AT ALL\r\n\r\n",
        b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 40000,
    ]
    for case in cases:
        records, mod, _ = run_chunks("http", [(True, case),
                                              (False, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: "
                                                      b"chunked\r\n\r\nzz\r\n")])
        assert mod.stats["malformed"] + mod.stats["not_http"] >= 1, (case[:40], mod.stats)
    rng = random.Random(6)
    base = _REQS + _RESPS
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        half = rng.randrange(len(data))
        run_chunks("http", [(True, bytes(data[:half])), (False, bytes(data[half:])),
                            ("gap", rng.random() < 0.5, rng.randint(1, 500)),
                            (True, bytes(rng.randrange(256) for _ in range(50)))], fresh=False)


def test_http_pipeline_queue_is_bounded():
    n = 40
    reqs = b"".join(b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % i for i in range(n))
    records, mod, _ = run_chunks("http", [(True, reqs)])
    assert len(records) == n and mod.stats["pipeline_overflow"] == n - mod.MAX_PENDING
    assert all(r["flags"] == ["no_response"] for r in records)


_HTTP_CAPTURES = ["http11-dns-browse.pcap", "mixed-services-small.pcap",
                  "null-loopback-ipv6-http-tls.pcap", "tcp-options-tfo.pcap", "vxlan.pcap",
                  "bad-checksums.pcap", "vlan-qinqinq.pcap", "mpls-stack-in-vlan.pcap",
                  "tcp-retransmissions.pcap"]


def _http_compare(name):
    """(matching, total, differences) of request and response fields vs tshark."""
    path = pcap(name)
    records, _ = run_capture("http", path)
    reqs = tshark_rows(path, ["tcp.stream", "http.request.method", "http.host",
                              "http.request.uri", "http.user_agent"], "http.request")
    resps = tshark_rows(path, ["tcp.stream", "http.response.code", "http.response.phrase",
                               "http.content_type"], "http.response")
    mine_req = {}
    mine_resp = {}
    for r in records:
        if r["method"] is not None:
            mine_req.setdefault(r["flow_id"], []).append(
                (r["method"], r["host"] or "", r["uri"], r["user_agent"] or ""))
        if r["status"] is not None:
            mine_resp.setdefault(r["flow_id"], []).append(
                (str(r["status"]), r["status_msg"], r["content_type"] or ""))
    theirs_req = {}
    theirs_resp = {}
    for t in reqs:
        theirs_req.setdefault(int(t["tcp.stream"]), []).append(
            (t["http.request.method"], t["http.host"], t["http.request.uri"], t["http.user_agent"]))
    for t in resps:
        theirs_resp.setdefault(int(t["tcp.stream"]), []).append(
            (t["http.response.code"], t["http.response.phrase"], t["http.content_type"]))
    match = total = 0
    diffs = []
    for mine, theirs in ((mine_req, theirs_req), (mine_resp, theirs_resp)):
        for stream, want in theirs.items():
            got = mine.get(stream, [])
            for i, w in enumerate(want):
                total += 1
                if i < len(got) and got[i] == w:
                    match += 1
                else:
                    diffs.append((name, stream, w, got[i] if i < len(got) else None))
            for extra in got[len(want):]:
                diffs.append((name, stream, None, extra))
        for stream in set(mine) - set(theirs):
            diffs.extend((name, stream, None, g) for g in mine[stream])
    return match, total, diffs


def test_http_corpus_matches_tshark():
    # Method, host, URI, user agent of every request and code, phrase and
    # content type of every response, per TCP stream in order.
    total = match = 0
    diffs = []
    for name in _HTTP_CAPTURES:
        m, t, d = _http_compare(name)
        match += m
        total += t
        diffs += d
    assert total >= 50, total
    assert not diffs, diffs[:5]


# --- TLS --------------------------------------------------------------------------

def _tls_pcap_streams(name):
    path = pcap(name)
    events = tcp_events(path)
    return path, events


def _tls_client_server(path, stream=0):
    return stream_bytes(path, stream, True), stream_bytes(path, stream, False)


def _first_record_end(data):
    """Offset just past the hello: the records holding the first handshake message."""
    pos = 0
    need = None
    got = 0
    while pos + 5 <= len(data):
        length = struct.unpack_from(">H", data, pos + 3)[0]
        body = data[pos + 5:pos + 5 + length]
        if need is None:
            need = 4 + int.from_bytes(body[1:4], "big")
        got += len(body)
        pos += 5 + length
        if got >= need:
            return pos
    return len(data)


def test_tls_large_clienthello_every_cut():
    # tls13-large-clienthello.pcap: Chrome's ClientHello (x25519 + Kyber key
    # share), 1756 bytes with its record header, in one record; then the
    # ServerHello.
    path = pcap("tls13-large-clienthello.pcap")
    client, server = _tls_client_server(path)
    client = client[:_first_record_end(client)]
    server = server[:_first_record_end(server)]
    assert len(client) == 1756 and client[5] == 1, len(client)     # record of a 1747-byte body
    whole, _, _ = run_chunks("tls", [(True, client), (False, server)], resp=("192.0.2.2", 443))
    assert len(whole) == 1 and whole[0]["sni"] == "lh3.google.com", whole
    assert whole[0]["server_version"] == "TLS 1.3" and whole[0]["cipher"] == 0x1301, whole
    for pieces in cuts(client):
        got, _, _ = run_chunks("tls", [(True, p) for p in pieces] + [(False, server)],
                               resp=("192.0.2.2", 443), fresh=False)
        assert _strip(got) == _strip(whole), [len(p) for p in pieces]
    for pieces in cuts(server):
        got, _, _ = run_chunks("tls", [(True, client)] + [(False, p) for p in pieces],
                               resp=("192.0.2.2", 443), fresh=False)
        assert _strip(got) == _strip(whole), [len(p) for p in pieces]
    got, _, _ = run_chunks("tls", [(True, client[i:i + 1]) for i in range(len(client))] +
                           [(False, server)], resp=("192.0.2.2", 443))
    assert _strip(got) == _strip(whole)


def _refragment(stream_head, sizes):
    """The first handshake message re-sent in records of the given sizes."""
    ctype, version, length = struct.unpack_from(">BHH", stream_head, 0)
    msg = stream_head[5:5 + length]
    out = b""
    pos = 0
    i = 0
    while pos < len(msg):
        k = sizes[i % len(sizes)]
        out += struct.pack(">BHH", 22, version, len(msg[pos:pos + k])) + msg[pos:pos + k]
        pos += k
        i += 1
    return out


def test_tls_clienthello_over_several_records():
    # The same ClientHello split into records of 1, 7, 300 ... bytes
    # (RFC 8446 5.1 allows it), each cut in random segments.
    path = pcap("tls13-large-clienthello.pcap")
    client, server = _tls_client_server(path)
    server = server[:_first_record_end(server)]
    whole, _, _ = run_chunks("tls", [(True, client[:_first_record_end(client)]), (False, server)])
    rng = random.Random(3)
    for sizes in ([1], [7], [300], [1000, 1], [4, 2000]):
        data = _refragment(client, sizes)
        for _ in range(5):
            got, _, _ = run_chunks("tls", [(True, p) for p in random_pieces(data, rng, 700)] +
                                   [(False, server)], fresh=False)
            assert _strip(got) == _strip(whole), sizes


def test_tls_connect_prelude_and_not_tls():
    # CONNECT, 200, then TLS in the same stream: the prelude is skipped.
    records, mod = run_capture("tls", pcap("null-loopback-ipv6-http-tls.pcap"))
    assert len(records) == 1 and records[0]["sni"] == "secure.newegg.com", records
    assert records[0]["cipher"] == 10 and mod.stats["connect_prelude"] == 1, (records, mod.stats)
    # Plain HTTP, SSH, a server that speaks first: ignored without a record.
    for chunks in ([(True, b"GET / HTTP/1.1\r\n\r\n")], [(True, b"SSH-2.0-x\r\n")],
                   [(False, b"220 smtp ESMTP\r\n")], [(True, b"CONNECT x:443 HTTP/1.1\r\n\r\n"),
                                                      (False, b"HTTP/1.1 403 No\r\n\r\n")]):
        records, mod, flow = run_chunks("tls", chunks)
        assert records == [] and flow.ignored, (chunks, records)


def test_tls_gap_and_malformed_never_raise():
    path = pcap("tls-sni.pcap")
    client, server = _tls_client_server(path)
    client = client[:_first_record_end(client)]
    records, mod, _ = run_chunks("tls", [(True, client[:100]), ("gap", True, 50),
                                         (True, client[150:]), (False, server)])
    assert mod.stats["gaps"] == 1 and len(records) == 1 and records[0]["sni"] is None, records
    assert records[0]["flags"] == ["gap"] and records[0]["cipher"] == 0xc011, records
    rng = random.Random(9)
    for _ in range(500):
        data = bytearray(client)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        run_chunks("tls", [(True, p) for p in random_pieces(bytes(data), rng, 300)] +
                   [(False, server[:rng.randrange(len(server))])], fresh=False)


_TLS_CAPTURES = ["tls-sni.pcap", "tls13-large-clienthello.pcap", "sll2-tls-sni.pcap",
                 "null-loopback-ipv6-http-tls.pcap", "pppoe-over-qinq.pcap",
                 "rawip-ipv4-tls.pcap", "mixed-services-small.pcap", "http11-dns-browse.pcap"]


def _ja4_from_pdml(hello):
    """JA4 recomputed from tshark's dissection of one ClientHello (PDML
    <proto name="tls"> element): a second implementation of the spec."""
    exts = []
    sigs = []
    versions = []
    alpn = None
    ciphers = [int(f.get("show"), 0) for f in hello.iter("field")
               if f.get("name") == "tls.handshake.ciphersuite"]
    legacy = None
    for f in hello.iter("field"):
        if f.get("name") == "tls.handshake.version" and legacy is None:
            legacy = int(f.get("show"), 0)
    for ext in hello.iter("field"):
        # An extension is an unnamed field whose first child is its type.
        kids = list(ext)
        if not kids or kids[0].get("name") != "tls.handshake.extension.type":
            continue
        etype = int(kids[0].get("show"))
        exts.append(etype)
        for f in ext.iter("field"):
            name = f.get("name")
            if etype == 13 and name == "tls.handshake.sig_hash_alg":
                sigs.append(int(f.get("show"), 0))
            elif etype == 43 and name == "tls.handshake.extensions.supported_version":
                versions.append(int(f.get("show"), 0))
            elif etype == 16 and name == "tls.handshake.extensions_alpn_str" and alpn is None:
                alpn = f.get("show")

    def grease(v):
        return (v & 0x0f0f) == 0x0a0a and (v >> 8) == (v & 0xff)

    ciphers = [c for c in ciphers if not grease(c)]
    exts = [e for e in exts if not grease(e)]
    versions = [v for v in versions if not grease(v)]
    version = max(versions) if versions else legacy
    vtext = {0x304: "13", 0x303: "12", 0x302: "11", 0x301: "10", 0x300: "s3"}.get(version, "00")
    a = "t%s%s%02d%02d%s" % (vtext, "d" if 0 in exts else "i", min(99, len(ciphers)),
                             min(99, len(exts)), (alpn[0] + alpn[-1]) if alpn else "00")

    def h12(s):
        return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "0" * 12

    b = ",".join(sorted("%04x" % c for c in ciphers))
    c = ",".join(sorted("%04x" % e for e in exts if e not in (0, 16)))
    s = ",".join("%04x" % x for x in sigs if not grease(x))
    return "%s_%s_%s" % (a, h12(b), h12(c + "_" + s if s else c))


def _tshark_hellos(path):
    """{tcp.stream: {"sni", "ja3", "ja3_full", "ja4", "ja3s"}} from tshark."""
    out = {}
    xml = _tshark(path, ["-Y", "tls.handshake.type == 1 or tls.handshake.type == 2",
                         "-T", "pdml"])
    root = ET.fromstring(xml)
    for packet in root.iter("packet"):
        stream = None
        for f in packet.iter("field"):
            if f.get("name") == "tcp.stream":
                stream = int(f.get("show"))
        for proto in packet.iter("proto"):
            if proto.get("name") != "tls":
                continue
            for hs in proto.iter("field"):
                if hs.get("name") != "tls.handshake":
                    continue
                fields = {f.get("name"): f.get("show") for f in hs.iter("field")}
                kind = fields.get("tls.handshake.type")
                entry = out.setdefault(stream, {})
                if kind == "1" and "ja3" not in entry:
                    entry["sni"] = fields.get("tls.handshake.extensions_server_name")
                    entry["ja3"] = fields.get("tls.handshake.ja3")
                    entry["ja3_full"] = fields.get("tls.handshake.ja3_full")
                    entry["ja4"] = _ja4_from_pdml(hs)
                elif kind == "2" and "ja3s" not in entry:
                    entry["ja3s"] = fields.get("tls.handshake.ja3s")
    return out


def _tls_compare(name):
    """{field: [match, total]} and differences, per TLS stream, vs tshark."""
    path = pcap(name)
    records, _ = run_capture("tls", path)
    theirs = _tshark_hellos(path)
    mine = {r["flow_id"]: r for r in records}
    counts = {k: [0, 0] for k in ("sni", "ja3", "ja3_full", "ja4", "ja3s")}
    diffs = []
    for stream, want in theirs.items():
        got = mine.get(stream, {})
        for k, v in want.items():
            counts[k][1] += 1
            if got.get(k) == v:
                counts[k][0] += 1
            else:
                diffs.append((name, stream, k, v, got.get(k)))
    for stream in set(mine) - set(theirs):
        diffs.append((name, stream, "extra record", None, mine[stream].get("sni")))
    return counts, diffs


def test_tls_corpus_matches_tshark():
    # SNI, JA3 (and its full string) and JA3S equal tshark's on every
    # handshake of the captures; JA4 equals the recomputation from tshark's
    # dissection.
    totals = {}
    diffs = []
    for name in _TLS_CAPTURES:
        counts, d = _tls_compare(name)
        diffs += d
        for k, (m, t) in counts.items():
            totals.setdefault(k, [0, 0])
            totals[k][0] += m
            totals[k][1] += t
    assert totals["sni"][1] >= 6 and totals["ja3s"][1] >= 6, totals
    assert not diffs, diffs


def test_ja4_spec_example_and_alpn_rules():
    tls = load("tls")
    h = {"version": 0x0303, "supported_versions": [0x0a0a, 0x0304, 0x0303], "sni": "x",
         "ciphers": [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                     0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
         "extensions": [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005,
                        0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015],
         "sig_algs": [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
         "alpn": [b"h2", b"http/1.1"], "groups": [], "ec_point_formats": []}
    # technical_details/JA4.md: t13d1516h2_8daaf6152771_e5627efa2ab1, and
    # GREASE (here 0x0a0a) anywhere changes nothing.
    assert tls.ja4(h) == "t13d1516h2_8daaf6152771_e5627efa2ab1", tls.ja4(h)
    h["ciphers"] = [0x2a2a] + h["ciphers"]
    h["extensions"] = [0xfafa] + h["extensions"]
    assert tls.ja4(h) == "t13d1516h2_8daaf6152771_e5627efa2ab1"
    assert tls.ja4(h, quic=True).startswith("q13d1516h2_")
    # ALPN: the spec's cases, no ALPN, and a one-character value.
    for alpn, want in (([b"http/1.1"], "h1"), ([], "00"), ([b""], "00"), ([b"\xab"], "ab"),
                       ([b"\xab\xcd"], "ad"), ([b"0\xab"], "3b"), ([b"01\xab\xcd"], "3d"),
                       ([b"0\xab\xcd1"], "01"), ([b"z"], "zz")):
        assert tls.ja4_alpn(alpn) == want, (alpn, tls.ja4_alpn(alpn))
    # No signature algorithms: no underscore; no ciphers: zeros.
    h2 = dict(h, sig_algs=[], ciphers=[])
    c = ",".join(sorted("%04x" % e for e in h["extensions"] if e not in (0, 16, 0xfafa)))
    assert tls.ja4(h2).split("_")[1:] == ["000000000000",
                                          hashlib.sha256(c.encode()).hexdigest()[:12]]


# --- QUIC ---------------------------------------------------------------------------

class FakePacket:
    def __init__(self, row, payload):
        self.proto = 17
        self.src = row["ip.src"] or row["ipv6.src"]
        self.dst = row["ip.dst"] or row["ipv6.dst"]
        self.sport = int(row["udp.srcport"])
        self.dport = int(row["udp.dstport"])
        self.ts = float(row["frame.time_epoch"])
        self.payload = payload


def _run_quic(path, tls):
    rows = tshark_rows(path, ["frame.time_epoch", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
                              "udp.srcport", "udp.dstport", "udp.payload"], "udp",
                       occurrence="l")
    for row in rows:
        buf = bytearray(bytes.fromhex(row["udp.payload"].replace(":", "")))
        view = memoryview(buf)
        tls.on_packet(FakePacket(row, view))
        view.release()
        buf.clear()
    return tls.fake.records


def test_quic_initial_keys_rfc9001_a1():
    tls = load("tls")
    key, iv, hp = tls.quic_client_keys(bytes.fromhex("8394c8f03e515708"))
    assert (key.hex(), iv.hex(), hp.hex()) == ("1f369613dd76d5467730efcbe3b1a22d",
                                               "fa044b2f42a3fd3b46fb255c",
                                               "9f50449e04a0e810283a1e9933adedd2")


def test_quic_clienthello_sni_matches_tshark():
    tls = load("tls")
    if not tls.HAVE_AES:
        raise Skip("python3-cryptography is not installed (scripts/deps.sh installs it)")
    path = pcap("quic-null-loopback.pcap")
    records = _run_quic(path, tls)
    want = tshark_rows(path, ["tls.handshake.extensions_server_name", "tls.handshake.ja3",
                              "tls.handshake.ja3_full"], "tls.handshake.type == 1")
    assert len(records) == 1 == len(want), (records, want)
    r = records[0]
    assert (r["sni"], r["ja3"], r["ja3_full"]) == (
        want[0]["tls.handshake.extensions_server_name"], want[0]["tls.handshake.ja3"],
        want[0]["tls.handshake.ja3_full"]), (r, want)
    assert r["transport"] == "quic" and r["ja4"].startswith("q13d") and r["alpn"], r
    assert tls.stats["quic_decrypt_failed"] == 0 and tls.stats["quic_malformed"] == 0, tls.stats


def test_quic_without_cryptography_is_counted():
    saved = {k: sys.modules.get(k) for k in list(sys.modules) if k.startswith("cryptography")}
    for k in saved:
        sys.modules[k] = None           # import fails as if the module were missing
    sys.modules["cryptography"] = None
    try:
        tls = load("tls")
    finally:
        for k in list(sys.modules):
            if k.startswith("cryptography"):
                del sys.modules[k]
        sys.modules.update({k: v for k, v in saved.items() if v is not None})
    assert not tls.HAVE_AES
    records = _run_quic(pcap("quic-null-loopback.pcap"), tls)
    assert records == [] and tls.stats["quic_no_crypto"] >= 1, tls.stats


# --- DNS over TCP -------------------------------------------------------------------

def _dns_summary(records):
    return [(r["src"], r["sport"], r["id"], r["qr"], [q["name"] for q in r["questions"]],
             [a["data"] for a in r["answers"]]) for r in records]


def _dns_stream(path):
    q = stream_bytes(path, 0, True)
    a = stream_bytes(path, 0, False)
    return q, a


def test_dns_tcp_every_cut_and_several_per_segment():
    # dns-tcp.pcap: one query and its response; here the query is repeated
    # three times in the stream and cut everywhere, and so is the response.
    path = pcap("dns-tcp.pcap")
    q, a = _dns_stream(path)
    qs, as_ = q * 3, a * 2
    whole, _, _ = run_chunks("dns", [(True, qs), (False, as_)],
                             orig=("192.168.1.11", 33779), resp=("209.87.249.18", 53))
    assert len(whole) == 5 and whole[0]["questions"][0]["name"] == "www.tcpdump.org.", whole
    assert whole[3]["src"] == "209.87.249.18" and whole[3]["qr"] == "response", whole
    for data, d in ((qs, True), (as_, False)):
        for pieces in cuts(data):
            other = as_ if d else qs
            chunks = [(d, p) for p in pieces]
            chunks = chunks + [(not d, other)] if d else [(True, qs)] + chunks
            got, mod, _ = run_chunks("dns", chunks, orig=("192.168.1.11", 33779),
                                     resp=("209.87.249.18", 53), fresh=False)
            assert _strip(got) == _strip(whole), [len(p) for p in pieces]
            assert mod.stats["incomplete"] == 0


def test_dns_tcp_gap_drops_the_partial_message_and_resyncs():
    path = pcap("dns-tcp.pcap")
    q, a = _dns_stream(path)
    chunks = [(True, q[:20]), ("gap", True, 10), (True, q[30:]),     # rest of a lost message
              (True, q), (False, a)]
    records, mod, _ = run_chunks("dns", chunks)
    assert [r["qr"] for r in records] == ["query", "response"], records
    assert mod.stats["gap_dropped"] == 1 and mod.stats["resync_skipped"] == 1, mod.stats


def test_dns_tcp_corpus_matches_tshark():
    # Every DNS-over-TCP message tshark decodes in dns-tcp.pcap and
    # ipv4-frag-dns.pcap: same sender, id and question names, in order.
    for name in ("dns-tcp.pcap", "ipv4-frag-dns.pcap"):
        path = pcap(name)
        records, mod = run_capture("dns", path)
        want = tshark_rows(path, ["ip.src", "ipv6.src", "dns.id", "dns.qry.name"], "dns && tcp",
                           occurrence="a")
        mine = [(r["src"], r["id"], ",".join(q["name"][:-1] or "<Root>" for q in r["questions"]))
                for r in records]
        theirs = [(w["ip.src"] or w["ipv6.src"], int(w["dns.id"], 0), w["dns.qry.name"])
                  for w in want]
        assert mine == theirs, (name, mine, theirs)
        assert mod.stats["malformed"] == 0 and mod.stats["incomplete"] == 0, mod.stats


class _Pkt:
    def __init__(self, proto, payload, sport=53, dport=40000):
        self.proto, self.payload = proto, payload
        self.sport, self.dport = sport, dport
        self.src, self.dst, self.ts = "192.0.2.53", "192.0.2.1", 1.0
        self.more_fragments, self.frag_offset = False, 0


def test_dns_on_packet_leaves_tcp_to_streams():
    path = pcap("dns-tcp.pcap")
    q, _ = _dns_stream(path)
    with_streams = load("dns", streams=True)
    without = load("dns", streams=False)
    for mod in (with_streams, without):
        mod.on_packet(_Pkt(17, memoryview(q[2:])))          # UDP: always decoded
        mod.on_packet(_Pkt(6, memoryview(q)))               # TCP: only without streams
    assert len(with_streams.fake.records) == 1 and with_streams.STREAMS
    assert len(without.fake.records) == 2 and not without.STREAMS
    assert [r["transport"] for r in without.fake.records] == ["udp", "tcp"]


# --- the comparison table -------------------------------------------------------------

def main():
    print("HTTP vs tshark (request + response fields per transaction):")
    for name in _HTTP_CAPTURES:
        m, t, d = _http_compare(name)
        print("  %-36s %3d/%-3d %s" % (name, m, t, "" if not d else d[:2]))
    print("TLS vs tshark (JA4 vs a recomputation from tshark's dissection):")
    for name in _TLS_CAPTURES:
        counts, d = _tls_compare(name)
        print("  %-36s %s %s" % (name, " ".join("%s %d/%d" % (k, m, t) for k, (m, t)
                                                   in counts.items()), d or ""))


if __name__ == "__main__":
    main()
