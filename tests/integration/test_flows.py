"""Flows and TCP streams through the real daemon (daemon/flowstage.c).

The four flow hooks in order with tshark's byte counts; http.py, tls.py
and dns.py against tshark on the corpus and pcaps/local-*; --flows records
against tshark's conversation statistics; flow.state released at the end
and flow.ignore(); handles, stream views and their memoryviews after the
callback (held data is exported as a copy); PACKET_FILTER; pkt.flow; a
flood of flows larger than the table (evictions, one record per flow,
memory bounded); SIGHUP reopening --flows and the counters in /metrics.
Captures that need a shape no sample has are written by the small pcap
writer below.
"""

import collections
import json
import os
import signal
import struct
import subprocess
import time
import urllib.request

from harness import (PLUGINS, REPO, Skip, TempDir, check_ok, have_tool, pcap, pktd_binary, plugin, read_jsonl,
                     run_pktd, write_plugin)

LOCAL_HTTP = os.path.join(REPO, "pcaps", "local-http.pcapng")
LOCAL_DNS = os.path.join(REPO, "pcaps", "local-dns.pcap")


def tshark(path, args):
    if not have_tool("tshark"):
        raise Skip("tshark is not installed")
    p = subprocess.run(["tshark", "-n", "-r", path] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=300)
    if p.returncode != 0:
        raise AssertionError("tshark failed on %s" % path)
    return p.stdout.decode("utf-8", "replace")


def tshark_fields(path, fields, dfilter=None, occurrence="f"):
    args = ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=" + occurrence]
    if dfilter:
        args += ["-Y", dfilter]
    for f in fields:
        args += ["-e", f]
    rows = []
    for line in tshark(path, args).splitlines():
        cols = line.split("\t")
        rows.append(dict(zip(fields, cols + [""] * (len(fields) - len(cols)))))
    return rows


# --- a small pcap writer ------------------------------------------------------------

ETH = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"


def ip4(n):
    return bytes([10, (n >> 16) & 255, (n >> 8) & 255, n & 255])


def tcp_frame(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 65535, 0,
                      0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    return ETH + ip + tcp


def udp_frame(src, dst, sport, dport, payload=b""):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, src, dst)
    return ETH + ip + udp


def write_pcap(path, frames):
    """frames: iterable of (ts_ns, bytes); nanosecond pcap, Ethernet."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
        for ts, fr in frames:
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(fr), len(fr)) + fr)
    return path


T0 = 1700000000 * 10**9
SYN, ACK, FIN, RST, PSH = 0x02, 0x10, 0x01, 0x04, 0x08


def ooo_frames(nflows, seg=100):
    """nflows TCP connections one after the other, 10.0.x.y:(1024+i) ->
    10.1.0.1:80: handshake, the client's bytes in three segments sent
    2nd, 3rd, 1st (the first two are held by reassembly until the 1st
    fills the hole), FIN both ways. The client's stream of flow i is
    pattern(i)."""
    frames = []
    t = T0
    for i in range(nflows):
        c, s = ip4(i + 1), bytes([10, 1, 0, 1])
        cp = 1024 + i
        data = pattern(i, 3 * seg)
        a, b = 1000, 5000
        pkts = [
            (c, s, cp, 80, a, 0, SYN, b""),
            (s, c, 80, cp, b, a + 1, SYN | ACK, b""),
            (c, s, cp, 80, a + 1, b + 1, ACK, b""),
            (c, s, cp, 80, a + 1 + seg, b + 1, ACK | PSH, data[seg:2 * seg]),
            (c, s, cp, 80, a + 1 + 2 * seg, b + 1, ACK | PSH, data[2 * seg:]),
            (c, s, cp, 80, a + 1, b + 1, ACK | PSH, data[:seg]),
            (c, s, cp, 80, a + 1 + 3 * seg, b + 1, ACK | FIN, b""),
            (s, c, 80, cp, b + 1, a + 2 + 3 * seg, ACK | FIN, b""),
            (c, s, cp, 80, a + 2 + 3 * seg, b + 2, ACK, b""),
        ]
        for p in pkts:
            frames.append((t, tcp_frame(*p)))
            t += 1000000
    return frames


def pattern(i, n):
    unit = b"flow%06d|" % i
    return (unit * (n // len(unit) + 1))[:n]


# --- the four hooks, in order, with tshark's byte counts ---------------------------------

HOOKS = '''
import pktd
FILTER = "tcp"
def on_flow_start(flow):
    pktd.emit({"ev": "start", "id": flow.id, "orig": [flow.orig_addr, flow.orig_port],
               "resp": [flow.resp_addr, flow.resp_port], "frame": flow.frame,
               "is_orig": flow.is_originator, "proto": flow.proto})
def on_stream(flow, from_orig, data):
    pktd.emit({"ev": "stream", "id": flow.id, "from_orig": from_orig, "n": len(data),
               "frame": flow.frame, "is_orig": flow.is_originator})
def on_gap(flow, from_orig, nbytes):
    pktd.emit({"ev": "gap", "id": flow.id, "from_orig": from_orig, "n": nbytes})
def on_flow_end(flow, reason):
    pktd.emit({"ev": "end", "id": flow.id, "reason": reason, "packets": flow.packets,
               "frame": flow.frame, "is_orig": flow.is_originator})
'''


def _events(path, tmp, extra=()):
    res = check_ok(run_pktd(["-q", "-r", path, "-p", write_plugin(tmp, "hooks.py", HOOKS)] + list(extra),
                            output=True, stats=True, tmpdir=tmp))
    return res.records(), res.stats()


def test_four_hooks_in_order_with_tsharks_byte_counts():
    # pcaps/local-http.pcapng: 10 connections to 127.0.0.1:18080. Per
    # connection: on_flow_start first (on its SYN), then on_stream, then
    # on_flow_end last; the bytes per direction equal tshark's tcp.len sums.
    with TempDir() as tmp:
        events, st = _events(LOCAL_HTTP, tmp)
    rows = tshark_fields(LOCAL_HTTP, ["frame.number", "tcp.stream", "tcp.srcport", "tcp.len", "tcp.flags"])
    want = collections.defaultdict(lambda: [0, 0])
    syn_frame = {}
    client = {}
    for r in rows:
        s = int(r["tcp.stream"])
        flags = int(r["tcp.flags"], 16)
        if flags & 0x12 == 0x02:
            syn_frame[s] = int(r["frame.number"])
            client[s] = int(r["tcp.srcport"])
        want[s][0 if int(r["tcp.srcport"]) == client.get(s) else 1] += int(r["tcp.len"])
    by_flow = collections.defaultdict(list)
    for e in events:
        by_flow[e["id"]].append(e)
    assert len(by_flow) == len(want) == 10, (len(by_flow), len(want))
    port_to_stream = {p: s for s, p in client.items()}
    for fid, evs in by_flow.items():
        assert evs[0]["ev"] == "start" and evs[-1]["ev"] == "end", evs
        assert [e["ev"] for e in evs[1:-1]] == ["stream"] * (len(evs) - 2), evs
        start = evs[0]
        assert start["resp"] == ["127.0.0.1", 18080] and start["proto"] == 6 and start["is_orig"], start
        s = port_to_stream[start["orig"][1]]
        assert start["frame"] == syn_frame[s], (start, syn_frame[s])
        got = [sum(e["n"] for e in evs if e["ev"] == "stream" and e["from_orig"] == d) for d in (True, False)]
        assert got == want[s], (fid, got, want[s])
        assert all(e["is_orig"] == e["from_orig"] and e["frame"] for e in evs if e["ev"] == "stream")
        assert evs[-1]["is_orig"] is None and evs[-1]["frame"] is None and evs[-1]["packets"] >= 10, evs[-1]
    frames = [e["frame"] for e in events if e["ev"] != "end"]
    assert frames == sorted(frames), "hook calls out of packet order"
    assert st["flow_hooks"]["starts"] == 10 and st["flow_hooks"]["ends"] == 10, st["flow_hooks"]
    assert st["tcp_reassembly"]["bytes_delivered"] == sum(sum(v) for v in want.values())
    assert st["plugins"]["hooks"]["stream_calls"] == st["flow_hooks"]["streams"]


# --- the shipped decoders vs tshark ---------------------------------------------------

def _http_vs_tshark(path, plugin_path, tmp):
    res = check_ok(run_pktd(["-q", "-r", path, "-p", plugin_path], output=True, tmpdir=tmp))
    mine = collections.defaultdict(list)
    mine_resp = collections.defaultdict(list)
    for r in res.records():
        key = (r["src"], r["sport"], r["dst"], r["dport"])
        if r["method"] is not None:
            mine[key].append((r["host"] or "", r["uri"]))
        if r["status"] is not None:
            mine_resp[key].append(str(r["status"]))
    theirs = collections.defaultdict(list)
    theirs_resp = collections.defaultdict(list)
    for t in tshark_fields(path, ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
                                  "http.host", "http.request.uri", "http.response.code"], "http && tcp"):
        if t["http.request.uri"]:
            key = (t["ip.src"] or t["ipv6.src"], int(t["tcp.srcport"]), t["ip.dst"] or t["ipv6.dst"],
                   int(t["tcp.dstport"]))
            theirs[key].append((t["http.host"], t["http.request.uri"]))
        if t["http.response.code"]:
            key = (t["ip.dst"] or t["ipv6.dst"], int(t["tcp.dstport"]), t["ip.src"] or t["ipv6.src"],
                   int(t["tcp.srcport"]))
            theirs_resp[key].append(t["http.response.code"])
    return dict(mine), dict(theirs), dict(mine_resp), dict(theirs_resp)


def test_http_py_matches_tshark_host_uri_and_code():
    # Per connection and in order: Host and URI of every request, the code
    # of every response, as tshark shows them (local-http.pcapng's server
    # is on port 18080: tshark finds it by heuristics, http.py by content).
    total = 0
    with TempDir() as tmp:
        cases = [(LOCAL_HTTP, plugin("http.py"))]
        for name in ("http11-dns-browse.pcap", "mixed-services-small.pcap"):
            try:
                cases.append((pcap(name), plugin("http.py")))
            except Skip:
                print("  %s absent: skipped" % name)
        for path, plug in cases:
            mine, theirs, mine_resp, theirs_resp = _http_vs_tshark(path, plug, tmp)
            assert mine == theirs, (os.path.basename(path), mine, theirs)
            assert mine_resp == theirs_resp, (os.path.basename(path), mine_resp, theirs_resp)
            n = sum(len(v) for v in theirs.values())
            print("  %-28s %d requests, %d responses agree with tshark" % (
                os.path.basename(path), n, sum(len(v) for v in theirs_resp.values())))
            total += n
    assert total >= 10, total


def test_tls_py_matches_tshark_sni_and_ja3():
    names = ["tls-sni.pcap", "tls13-large-clienthello.pcap", "sll2-tls-sni.pcap",
             "null-loopback-ipv6-http-tls.pcap"]
    with TempDir() as tmp:
        for name in names:
            path = pcap(name)
            res = check_ok(run_pktd(["-q", "-r", path, "-p", plugin("tls.py")], output=True, stats=True,
                                    tmpdir=tmp))
            mine = sorted((r["src"], r["sport"], r["sni"], r["ja3"], r["ja3s"]) for r in res.records()
                          if r["transport"] == "tcp")
            hello = {}
            for t in tshark_fields(path, ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
                                          "tcp.dstport", "tls.handshake.type",
                                          "tls.handshake.extensions_server_name", "tls.handshake.ja3",
                                          "tls.handshake.ja3s"], "tls.handshake.type == 1 || "
                                   "tls.handshake.type == 2"):
                src, dst = t["ip.src"] or t["ipv6.src"], t["ip.dst"] or t["ipv6.dst"]
                if t["tls.handshake.type"] == "1":
                    hello.setdefault((src, int(t["tcp.srcport"])), [None, None])[0] = (
                        t["tls.handshake.extensions_server_name"], t["tls.handshake.ja3"])
                else:
                    hello.setdefault((dst, int(t["tcp.dstport"])), [None, None])[1] = t["tls.handshake.ja3s"]
            theirs = sorted((k[0], k[1], v[0][0], v[0][1], v[1]) for k, v in hello.items())
            assert mine == theirs, (name, mine, theirs)
            st = res.stats()["plugins"]["tls"]
            # PACKET_FILTER "udp port 443": TCP packets never reach on_packet.
            assert st["dispatched"] == 0 and st["packet_filtered"] == st["matched"] > 0, st
            assert st["stream_calls"] > 0, st
            print("  %-34s %s" % (name, [m[2] for m in mine]))


def test_dns_py_over_tcp_streams():
    # dns-tcp.pcap and local-dns.pcap: every DNS-over-TCP message tshark
    # decodes, from on_stream (sender, id, first question), and the UDP
    # ones still through on_packet.
    cases = [LOCAL_DNS]
    try:
        cases.append(pcap("dns-tcp.pcap"))
    except Skip:
        pass
    with TempDir() as tmp:
        for path in cases:
            res = check_ok(run_pktd(["-q", "-r", path, "-p", plugin("dns.py")], output=True, stats=True,
                                    tmpdir=tmp))
            recs = res.records()
            for transport in ("tcp", "udp"):
                mine = [(r["src"], r["id"], r["questions"][0]["name"].rstrip(".") if r["questions"] else "")
                        for r in recs if r["transport"] == transport]
                theirs = [(t["ip.src"] or t["ipv6.src"], int(t["dns.id"], 0), t["dns.qry.name"])
                          for t in tshark_fields(path, ["ip.src", "ipv6.src", "dns.id", "dns.qry.name"],
                                                 "dns && " + transport)]
                assert mine == theirs, (path, transport, mine, theirs)
            st = res.stats()
            assert st["plugins"]["dns"]["stream_calls"] > 0 or "local" in path, st["plugins"]
            print("  %-24s %d messages (%d over TCP)" % (os.path.basename(path), len(recs),
                                                         sum(r["transport"] == "tcp" for r in recs)))


# --- --flows against tshark's conversations -----------------------------------------------

def _conv_tcp(path):
    """{(a, b): (frames a->b, frames b->a, bytes a->b or None, bytes b->a or None)} from
    `tshark -q -z conv,tcp` (bytes only where it prints them exactly)."""
    out = {}
    for line in tshark(path, ["-q", "-z", "conv,tcp"]).splitlines():
        parts = line.split()
        if len(parts) < 10 or parts[1] != "<->":
            continue
        a, b = parts[0], parts[2]
        rest = parts[3:]
        # <- frames, bytes unit, -> frames, bytes unit, total ...
        back_frames, back_bytes, back_unit = int(rest[0]), rest[1], rest[2]
        fwd_frames, fwd_bytes, fwd_unit = int(rest[3]), rest[4], rest[5]
        out[(a, b)] = (fwd_frames, back_frames, int(fwd_bytes) if fwd_unit == "bytes" else None,
                       int(back_bytes) if back_unit == "bytes" else None)
    return out


def test_flow_records_match_tshark_conversations():
    cases = [LOCAL_HTTP, LOCAL_DNS]
    for name in ("http11-dns-browse.pcap", "tcp-retransmissions.pcap"):
        try:
            cases.append(pcap(name))
        except Skip:
            pass
    with TempDir() as tmp:
        for path in cases:
            flows = os.path.join(tmp, "flows.jsonl")
            res = check_ok(run_pktd(["-q", "-r", path, "--flows", flows], stats=True, tmpdir=tmp))
            with open(flows, encoding="utf-8") as f:
                recs = read_jsonl(f.read())
            st = res.stats()
            assert len(recs) == st["flows"]["created"] == st["flow_hooks"]["records"], (len(recs), st["flows"])
            conv = _conv_tcp(path)
            # Exact byte sums per direction (what conv,tcp adds up), by stream.
            exact = collections.defaultdict(lambda: [0, 0])
            for t in tshark_fields(path, ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
                                          "frame.len"], "tcp"):
                src = "%s:%s" % (t["ip.src"] or t["ipv6.src"], t["tcp.srcport"])
                dst = "%s:%s" % (t["ip.dst"] or t["ipv6.dst"], t["tcp.dstport"])
                exact[(src, dst)][0] += int(t["frame.len"])
            mine = {}
            for r in recs:
                if r["proto"] != "tcp":
                    continue
                fmt = "[%s]:%d" if r["ip_version"] == 6 else "%s:%d"
                o, s = fmt % (r["orig_h"], r["orig_p"]), fmt % (r["resp_h"], r["resp_p"])
                mine[(o, s)] = r
            assert len(mine) == len(conv), (path, sorted(mine), sorted(conv))
            for (a, b), (fa, fb, ba, bb) in conv.items():
                r = mine.get((a, b))
                flip = False
                if r is None:
                    r, flip = mine[(b, a)], True
                got = (r["resp_pkts"], r["orig_pkts"]) if flip else (r["orig_pkts"], r["resp_pkts"])
                assert got == (fa, fb), (path, a, b, got, (fa, fb))
                gb = (r["resp_bytes"], r["orig_bytes"]) if flip else (r["orig_bytes"], r["resp_bytes"])
                assert gb == (exact[(a, b)][0], exact[(b, a)][0]), (path, a, b, gb)
                assert ba is None or gb[0] == ba, (a, b, gb, ba)
                assert bb is None or gb[1] == bb, (a, b, gb, bb)
            print("  %-28s %d TCP conversations: packets and bytes per direction agree" % (
                os.path.basename(path), len(conv)))


# --- flow.state, ignore(), lifetimes ------------------------------------------------------

STATE = '''
import pktd
FILTER = "tcp"
released = 0
streams = {}

class S:
    __slots__ = ("fid",)
    def __init__(self, fid):
        self.fid = fid
    def __del__(self):
        global released
        released += 1

def on_flow_start(flow):
    assert flow.state is None
    flow.state = S(flow.id)

def on_stream(flow, from_orig, data):
    assert flow.state.fid == flow.id
    streams[flow.id] = streams.get(flow.id, 0) + 1
    if flow.id % 2:
        flow.ignore()           # odd flows: nothing after the first chunk
        assert flow.ignored

def on_flow_end(flow, reason):
    assert flow.state.fid == flow.id      # still there in on_flow_end
    pktd.emit({"end": flow.id, "released_before": released})

def teardown():
    pktd.emit({"released": released, "streams": streams})
'''


def test_state_released_after_on_flow_end_and_ignore_stops_the_stream():
    with TempDir() as tmp:
        res = check_ok(run_pktd(["-q", "-r", LOCAL_HTTP, "-p", write_plugin(tmp, "st.py", STATE)],
                                output=True, stats=True, tmpdir=tmp))
        recs = res.records()
        st = res.stats()
    ends = [r for r in recs if "end" in r]
    last = [r for r in recs if "released" in r][0]
    assert len(ends) == 10 and last["released"] == 10, recs
    # The state of a flow is released after its own on_flow_end.
    for i, e in enumerate(ends):
        assert e["released_before"] == i, ends
    streams = {int(k): v for k, v in last["streams"].items()}
    assert all(n == 1 for fid, n in streams.items() if fid % 2), streams
    assert all(n >= 2 for fid, n in streams.items() if not fid % 2), streams
    assert st["flow_hooks"]["states_released"] == 10 and st["flow_hooks"]["ignores"] == 5
    # One stream plugin: its ignore() stops reassembly of the flow.
    assert st["flow_hooks"]["flows_ignored"] == 5 and st["tcp_reassembly"]["ignored"] > 0, st


KEEP = '''
import pktd
FILTER = "tcp"
kept = {}
copies = []
kinds = set()
errors = []

def on_stream(flow, from_orig, data):
    if "view" in kept:
        for what, use in (("view", lambda v: len(v)), ("slice", lambda v: v[0]),
                          ("flow", lambda f: f.id), ("state", lambda f: f.state)):
            try:
                use(kept[what])
                errors.append(what + " used after its callback")
            except pktd.ViewError:
                pass
    kept["view"] = data
    kept["slice"] = data[1:5]
    kept["flow"] = flow
    kept["state"] = flow
    if from_orig:
        mv = memoryview(data)
        kinds.add(type(mv.obj).__name__)
        if type(mv.obj) is bytes:
            copies.append((flow.id, mv))    # held data: kept past the callback
        else:
            copies.append((flow.id, memoryview(mv.tobytes())))
            mv.release()                    # packet bytes: a kept export would pin the input

def teardown():
    got = {}
    for fid, mv in copies:
        got[fid] = got.get(fid, b"") + mv.tobytes()
        mv.release()
    del copies[:]
    pktd.emit({"errors": errors, "kinds": sorted(kinds),
               "streams": {str(k): v.decode() for k, v in got.items()}})
'''


def test_retained_views_and_handles_raise_and_held_data_is_exported_as_a_copy():
    # Out-of-order segments are held in the reassembly pool and delivered
    # from it: a memoryview of such data must be a copy (the pool chunk is
    # reused by the next flows); kept views, slices and flow handles raise
    # pktd.ViewError.
    n = 60
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "ooo.pcap"), ooo_frames(n))
        res = check_ok(run_pktd(["-q", "-r", cap, "-p", write_plugin(tmp, "keep.py", KEEP),
                                 "--flow-memory", "64k"], output=True, stats=True, tmpdir=tmp))
        rec = res.records()[-1]
        st = res.stats()
    assert rec["errors"] == [], rec["errors"]
    assert rec["kinds"] == ["View", "bytes"], rec["kinds"]     # in-order: the packet; held: a copy
    for i in range(n):
        assert rec["streams"][str(i + 1)] == pattern(i, 300).decode(), (i, rec["streams"][str(i + 1)][:40])
    assert st["tcp_reassembly"]["out_of_order"] == 2 * n, st["tcp_reassembly"]
    assert st["flow_hooks"]["stream_held"] >= n and st["python"]["export_copies"] >= n, st
    assert st["flow_hooks"]["handles_retained"] > 0 and st["python"]["stale_uses"] > 0, st


FLOWPKT = '''
import pktd
FLOWS = True
seen = {}
batch_flows = []

def on_packet(pkt):
    f = pkt.flow
    if f is None:
        return
    e = seen.setdefault(f.id, [0, 0, f.orig_port])
    e[0 if f.is_originator else 1] += 1
    assert f.packets == e[0] + e[1], (f.packets, e)

def teardown():
    pktd.emit({"seen": seen})
'''

BATCH = '''
import pktd
FLOWS = True
flows = []
def on_batch(pkts):
    for p in pkts:
        flows.append(p.flow)
def teardown():
    pktd.emit({"batch_flows": sorted(set(map(str, flows)))})
'''

NOFLOWS = '''
import pktd
none = True
def on_packet(pkt):
    global none
    none = none and pkt.flow is None
def teardown():
    pktd.emit({"none": none})
'''


def test_pkt_flow_with_FLOWS_true_counts_as_the_records_do():
    with TempDir() as tmp:
        flows = os.path.join(tmp, "flows.jsonl")
        res = check_ok(run_pktd(["-q", "-r", LOCAL_DNS, "-p", write_plugin(tmp, "fp.py", FLOWPKT),
                                 "-p", write_plugin(tmp, "b.py", BATCH), "--flows", flows],
                                output=True, tmpdir=tmp))
        recs = {r["flow_id"]: r for r in read_jsonl(open(flows).read())}
        out = res.records()
        seen = [r for r in out if "seen" in r][0]["seen"]
        assert [r for r in out if "batch_flows" in r][0]["batch_flows"] == ["None"]
        for fid, (o, r, oport) in seen.items():
            rec = recs[int(fid)]
            assert (o, r, oport) == (rec["orig_pkts"], rec["resp_pkts"], rec["orig_p"]), (fid, rec)
        assert len(seen) == len(recs) > 30, (len(seen), len(recs))
        # Without FLOWS or a flow hook: pkt.flow is None, and no tracking runs.
        res = check_ok(run_pktd(["-q", "-r", LOCAL_DNS, "-p", write_plugin(tmp, "n.py", NOFLOWS)],
                                output=True, stats=True, tmpdir=tmp))
        assert res.records() == [{"none": True}] and res.stats()["flows"] is None


STREAMONLY = '''
import pktd
FLOWS = %s
udp = tcp = udp_with_flow = tcp_with_flow = 0
def on_packet(pkt):
    global udp, tcp, udp_with_flow, tcp_with_flow
    if pkt.proto == 17:
        udp += 1
        udp_with_flow += pkt.flow is not None
    elif pkt.proto == 6:
        tcp += 1
        tcp_with_flow += pkt.flow is not None
def on_stream(flow, from_orig, data):
    pass
def on_gap(flow, from_orig, nbytes):
    pktd.emit({"gap": nbytes, "udp_before": udp})
def teardown():
    pktd.emit({"udp": udp, "tcp": tcp, "udp_with_flow": udp_with_flow, "tcp_with_flow": tcp_with_flow})
'''


def test_stream_hooks_alone_track_only_tcp():
    # local-dns.pcap: 54 DNS messages over UDP, 5 TCP conversations. A
    # plugin with only stream hooks needs no UDP flow; FLOWS = True asks
    # for pkt.flow on every packet, so every flow is tracked again.
    with TempDir() as tmp:
        res = check_ok(run_pktd(["-q", "-r", LOCAL_DNS, "-p", write_plugin(tmp, "s.py", STREAMONLY % "False")],
                                output=True, stats=True, tmpdir=tmp))
        out = res.records()[-1]
        st = res.stats()["flows"]
        assert out["udp"] > 50 and out["udp_with_flow"] == 0, out
        assert out["tcp"] > 0 and out["tcp_with_flow"] == out["tcp"], out
        assert st["created"] == 5, st
        res = check_ok(run_pktd(["-q", "-r", LOCAL_DNS, "-p", write_plugin(tmp, "f.py", STREAMONLY % "True")],
                                output=True, stats=True, tmpdir=tmp))
        out = res.records()[-1]
        assert out["udp_with_flow"] == out["udp"] and out["tcp_with_flow"] == out["tcp"], out
        assert res.stats()["flows"]["created"] > 30, res.stats()["flows"]

        # Time still passes on the untracked packets: a TCP flow with a
        # hole times out (--flow-tcp-timeout 5) during 30 s of UDP after
        # it, and its gap comes then, not at exit.
        c, s = ip4(1), ip4(2)
        frames = [(T0, tcp_frame(c, s, 1024, 80, 1000, 0, SYN)),
                  (T0 + 10**6, tcp_frame(s, c, 80, 1024, 5000, 1001, SYN | ACK)),
                  (T0 + 2 * 10**6, tcp_frame(c, s, 1024, 80, 1001, 5001, ACK)),
                  (T0 + 3 * 10**6, tcp_frame(c, s, 1024, 80, 1101, 5001, ACK | PSH, b"x" * 50))]
        frames += [(T0 + (i + 1) * 10**9, udp_frame(ip4(3), ip4(4), 5000, 53, b"q")) for i in range(30)]
        path = write_pcap(os.path.join(tmp, "hole.pcap"), frames)
        res = check_ok(run_pktd(["-q", "-r", path, "--batch", "1", "--flow-tcp-timeout", "5",
                                 "-p", write_plugin(tmp, "h.py", STREAMONLY % "False")],
                                output=True, stats=True, tmpdir=tmp))
        gaps = [r for r in res.records() if "gap" in r]
        st = res.stats()["flows"]
        assert len(gaps) == 1 and gaps[0]["gap"] == 100 and 5 <= gaps[0]["udp_before"] < 30, res.records()
        assert st["created"] == 1 and st["ended"]["idle_timeout"] == 1, st


def test_packet_filter_narrows_on_packet_only():
    src = '''
import pktd
FILTER = "tcp"
PACKET_FILTER = "tcp[tcpflags] & tcp-syn != 0"
n = 0
def on_packet(pkt):
    global n
    n += 1
    assert pkt.tcp_flags & 2
def on_stream(flow, from_orig, data):
    pass
def teardown():
    pktd.emit({"n": n})
'''
    with TempDir() as tmp:
        res = check_ok(run_pktd(["-q", "-r", LOCAL_HTTP, "-p", write_plugin(tmp, "pf.py", src)],
                                output=True, stats=True, tmpdir=tmp))
        st = res.stats()["plugins"]["pf"]
        assert res.records() == [{"n": 20}], res.records()          # SYN and SYN-ACK of 10 connections
        assert st["dispatched"] == 20 and st["matched"] == 122 and st["packet_filtered"] == 102, st
        assert st["packet_filter"] == "tcp[tcpflags] & tcp-syn != 0" and st["stream_bytes"] > 0, st
        bad = write_plugin(tmp, "bad.py", 'PACKET_FILTER = "tcp port"\ndef on_packet(p):\n    pass\n')
        res = run_pktd(["-q", "-r", LOCAL_HTTP, "-p", bad])
        assert res.rc == 2 and "bad PACKET_FILTER" in res.stderr, res.describe()


# --- a flood of flows ----------------------------------------------------------------------

def flood_frames(nflows):
    """nflows TCP flows, 1 ms apart, each a SYN and one 200-byte segment
    ahead of the stream (held by reassembly until the flow ends)."""
    t = T0
    for i in range(nflows):
        c, s = ip4(i + 1), bytes([10, 200, 0, 1])
        yield t, tcp_frame(c, s, 1024 + (i & 0x3fff), 80, 7000, 0, SYN)
        yield t + 100000, tcp_frame(c, s, 1024 + (i & 0x3fff), 80, 7001 + 500, 0, ACK | PSH, b"x" * 200)
        t += 1000000


HWM = '''
import pktd
n = 0
def on_stream(flow, from_orig, data):
    global n
    n += len(data)
def teardown():
    with open("/proc/self/status") as f:
        st = dict(l.split(":", 1) for l in f)
    pktd.emit({"hwm_kb": int(st["VmHWM"].split()[0]), "rss_kb": int(st["VmRSS"].split()[0]), "bytes": n})
'''

NOHWM = '''
import pktd
def teardown():
    with open("/proc/self/status") as f:
        st = dict(l.split(":", 1) for l in f)
    pktd.emit({"hwm_kb": int(st["VmHWM"].split()[0]), "rss_kb": int(st["VmRSS"].split()[0])})
'''


def test_flood_of_flows_evicts_writes_every_record_and_stays_in_memory():
    table, memory = 1024, 1 << 20
    sizes = (10000, 60000)
    runs = {}
    with TempDir() as tmp:
        for n in sizes:
            cap = write_pcap(os.path.join(tmp, "flood-%d.pcap" % n), flood_frames(n))
            flows = os.path.join(tmp, "flows-%d.jsonl" % n)
            # Read from a pipe: a mapped input file would count in VmHWM.
            args = ["-q", "-r", "-", "--flows", flows, "--flow-table-size", str(table), "--flow-memory",
                    str(memory), "--ring-bytes", "4m", "--frag-memory", "0"]
            with open(cap, "rb") as stdin:
                res = check_ok(run_pktd(args + ["-p", write_plugin(tmp, "hwm.py", HWM)], output=True,
                                        stats=True, tmpdir=tmp, timeout=600, stdin=stdin))
            with open(flows, encoding="utf-8") as f:
                nrec = sum(1 for line in f if line.strip())
            st = res.stats()
            mine = res.records()[-1]
            fl, tr = st["flows"], st["tcp_reassembly"]
            assert fl["created"] == n and nrec == n, (n, fl["created"], nrec)
            assert fl["ended"]["evicted"] >= n - table - 64 and fl["in_use_max"] <= table, fl
            assert sum(fl["ended"].values()) == n and fl["no_slot"] == 0, fl
            assert tr["chunks_used_max"] <= tr["chunks"] == memory // 2048, tr
            assert tr["out_of_order"] + tr["pool_full"] >= n - table, tr
            with open(cap, "rb") as stdin:
                base = check_ok(run_pktd(["-q", "-r", "-", "--ring-bytes", "4m", "--frag-memory", "0", "-p",
                                          write_plugin(tmp, "nohwm.py", NOHWM)], output=True, tmpdir=tmp,
                                         timeout=600, stdin=stdin))
            other = base.records()[-1]
            runs[n] = (mine["hwm_kb"], other["hwm_kb"], mine["rss_kb"], other["rss_kb"], fl, tr)
    (h1, b1, r1, rb1, f1, t1), (h2, b2, r2, rb2, f2, t2) = runs[sizes[0]], runs[sizes[1]]
    # Table: slots of 384 bytes, a 2x index, per-slot masks and state.
    configured_kb = (table * (384 + 16 + 24) + memory) // 1024
    print("  flood: %d flows: VmHWM %d kB, VmRSS at the end %d kB (without tracking: %d, %d); "
          "%d flows: %d kB, %d kB (%d, %d); evicted %d / %d, pool full %d / %d; configured table + pool %d kB" % (
              sizes[0], h1, r1, b1, rb1, sizes[1], h2, r2, b2, rb2, f1["ended"]["evicted"],
              f2["ended"]["evicted"], t1["pool_full"], t2["pool_full"], configured_kb))
    # Six times the flows: memory does not follow them.
    assert h2 <= h1 + 8192 and r2 <= r1 + 8192, runs
    # What tracking adds stays near what was configured (generous: code,
    # the reassembly descriptors, allocator slack, sanitizers).
    assert h2 - b2 <= configured_kb + 32768 and r2 - rb2 <= configured_kb + 32768, (runs, configured_kb)


# --- SIGHUP and /metrics -------------------------------------------------------------------

def _udp_flows(path, n):
    return write_pcap(path, ((T0 + i * 1000000, udp_frame(ip4(i + 1), bytes([10, 9, 9, 9]), 2000 + i, 53, b"q"))
                             for i in range(n)))


def test_sighup_reopens_flows_and_metrics_show_the_counters():
    with TempDir() as tmp:
        cap = _udp_flows(os.path.join(tmp, "u.pcap"), 50)
        flows = os.path.join(tmp, "flows.jsonl")
        moved = flows + ".1"
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        err_path = os.path.join(tmp, "err")
        with open(err_path, "w") as errf:
            proc = subprocess.Popen([pktd_binary(), "-r", cap, "--loop", "0", "--pps", "400", "--flows", flows,
                                     "--flow-udp-timeout", "0.01", "--metrics", "127.0.0.1:%d" % port],
                                    cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errf)
        try:
            def lines(p):
                try:
                    with open(p) as f:
                        return f.read().count("\n")
                except FileNotFoundError:
                    return 0
            deadline = time.monotonic() + 60
            while lines(flows) < 20:
                assert proc.poll() is None and time.monotonic() < deadline, "no flow records"
                time.sleep(0.05)
            os.rename(flows, moved)
            proc.send_signal(signal.SIGHUP)
            while lines(flows) < 20:
                assert proc.poll() is None and time.monotonic() < deadline, "no records after SIGHUP"
                time.sleep(0.05)
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
                text = r.read().decode()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        assert proc.returncode == 0, open(err_path).read()
        first = read_jsonl(open(moved).read())
        second = read_jsonl(open(flows).read())
    assert len(first) >= 20 and len(second) >= 20
    assert {r["end_reason"] for r in first + second} <= {"idle_timeout", "shutdown"}
    for name in ("pktd_flows_created_total", "pktd_flows_ended_total{reason=\"idle_timeout\"}",
                 "pktd_flows_active", "pktd_flow_records_total", "pktd_flow_table_size"):
        assert any(l.startswith(name) for l in text.splitlines()), name
