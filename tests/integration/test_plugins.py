"""Plugins and the plugin API, through the real daemon.

First the pure-Python DNS wire parser (plugins/dnswire.py) on hand-made
messages; then every test runs build/pktd ($PKTD): dns.py against tshark's
view of the same captures, count.py, plugin errors and
--max-plugin-errors, plugins that fail to load, views and packets kept past
their callback, FILTER against tcpdump, on_batch, on_tick, several -r
inputs, -r - from a pipe, bad and truncated inputs, SIGTERM mid-replay.
"""

import json
import os
import random
import re
import signal
import struct
import subprocess
import sys
import time

from harness import (PLUGINS, REPO, Skip, TempDir, check_ok, have_tool, pcap, pktd_binary,
                     plugin, read_jsonl, run_pktd, write_plugin)

sys.path.insert(0, PLUGINS)
import dnswire  # noqa: E402


# --- dnswire on hand-made messages -----------------------------------------

def _name(text):
    """Wire form of a dotted name ("" or "." = root)."""
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def _rr(name_wire, rtype, rdata, ttl=300, rclass=1):
    return name_wire + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def _sample_response():
    """A response to example.com/A with one record of each parsed type, plus
    an SRV (not parsed: kept as type number + rdata length). Names after the
    question use a compression pointer to offset 12 (example.com.)."""
    ptr = b"\xc0\x0c"
    answers = [
        _rr(ptr, 1, bytes([192, 0, 2, 1])),
        _rr(ptr, 28, bytes.fromhex("20010db8000000000000000000000001")),
        _rr(b"\x03www" + ptr, 5, ptr),                       # www.example.com. CNAME example.com.
        _rr(ptr, 2, b"\x02ns" + ptr),
        _rr(_name("1.2.0.192.in-addr.arpa"), 12, ptr),
        _rr(ptr, 15, struct.pack("!H", 10) + b"\x02mx" + ptr),
        _rr(ptr, 16, b"\x05hello\x06 world"),
        _rr(ptr, 6, b"\x02ns" + ptr + b"\x05admin" + ptr + struct.pack("!IIIII", 1, 2, 3, 4, 5)),
        _rr(ptr, 33, struct.pack("!HHH", 0, 5, 443) + ptr),
    ]
    header = struct.pack("!HHHHHH", 0x1234, 0x8580, 1, len(answers), 0, 0)
    return header + _name("example.com") + struct.pack("!HH", 1, 1) + b"".join(answers)


def test_dnswire_parses_every_record_type():
    m = dnswire.parse(_sample_response())
    assert (m.id, m.qr, m.opcode, m.aa, m.tc, m.rd, m.ra, m.rcode) == \
        (0x1234, 1, 0, True, False, True, True, 0), m
    assert [(q.name, q.qtype, q.qclass) for q in m.questions] == [("example.com.", 1, 1)]
    got = [(rr.name, dnswire.type_name(rr.rtype), rr.ttl, rr.data) for rr in m.answers]
    assert got == [
        ("example.com.", "A", 300, "192.0.2.1"),
        ("example.com.", "AAAA", 300, "2001:db8::1"),
        ("www.example.com.", "CNAME", 300, "example.com."),
        ("example.com.", "NS", 300, "ns.example.com."),
        ("1.2.0.192.in-addr.arpa.", "PTR", 300, "example.com."),
        ("example.com.", "MX", 300, "10 mx.example.com."),
        ("example.com.", "TXT", 300, "hello world"),
        ("example.com.", "SOA", 300, "ns.example.com. admin.example.com. 1 2 3 4 5"),
        ("example.com.", "SRV", 300, None),
    ], got
    srv = m.answers[-1]
    assert srv.rdlength == 8 and srv.rtype == 33
    assert dnswire.rcode_name(3) == "NXDOMAIN" and dnswire.type_name(65534) == "TYPE65534"
    assert dnswire.first_question(_sample_response()) == ("example.com.", 1, 1)


def test_dnswire_names_root_escapes_and_buffers():
    header = struct.pack("!HHHHHH", 7, 0x0100, 1, 0, 0, 0)
    root = header + b"\x00" + struct.pack("!HH", 6, 1)
    assert dnswire.first_question(root) == (".", 6, 1)
    odd = header + b"\x03a.b\x02\x00\\\x00" + struct.pack("!HH", 1, 1)
    assert dnswire.first_question(odd)[0] == "a\\.b.\\000\\\\.", dnswire.first_question(odd)
    # Any buffer: bytes, bytearray, memoryview, a slice of a bigger buffer.
    msg = _sample_response()
    for buf in (msg, bytearray(msg), memoryview(msg), memoryview(b"xx" + msg)[2:]):
        assert dnswire.parse(buf).answers[0].data == "192.0.2.1"
    assert dnswire.first_question(struct.pack("!HHHHHH", 1, 0, 0, 0, 0, 0)) is None


def test_dnswire_rejects_malformed_input():
    hdr = struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0)
    tail = struct.pack("!HH", 1, 1)
    cases = {
        "short header": b"\x00\x01\x00",
        "pointer to itself": hdr + b"\xc0\x0c" + tail,
        "pointer loop of two": hdr + b"\xc0\x0e\xc0\x0c" + tail,
        "pointer past the end": hdr + b"\xc0\xff" + tail,
        "pointer cut": hdr + b"\xc0",
        "label past the end": hdr + b"\x3fabc",
        "no terminating label": hdr + b"\x03abc",
        "name over 255 bytes": hdr + b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 + b"\x3f" +
                               b"c" * 63 + b"\x3f" + b"d" * 63 + b"\x00" + tail,
        "label type 0x40": hdr + b"\x41x\x00" + tail,
        "question cut": hdr + b"\x00\x00",
        "more records than bytes": struct.pack("!HHHHHH", 1, 0, 0, 3, 0, 0) + b"\x00",
    }
    for name, buf in cases.items():
        try:
            dnswire.parse(buf)
        except dnswire.DNSError:
            continue
        raise AssertionError("%s: no DNSError" % name)
    # An A record with a 5-byte rdata, and rdata running past the message.
    base = struct.pack("!HHHHHH", 1, 0x8000, 0, 1, 0, 0)
    for buf in (base + _rr(b"\x00", 1, b"\x01\x02\x03\x04\x05"),
                base + b"\x00" + struct.pack("!HHIH", 1, 1, 0, 40) + b"\x01\x02"):
        try:
            dnswire.parse(buf)
        except dnswire.DNSError:
            pass
        else:
            raise AssertionError("bad rdata accepted: %r" % buf)


def test_dnswire_random_damage_raises_only_dnserror():
    rng = random.Random(1234)
    msgs = [_sample_response()]
    for n in range(len(msgs[0])):
        msgs.append(msgs[0][:n])
    for _ in range(4000):
        b = bytearray(msgs[0])
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(len(b))] = rng.choice((0, 0xC0, 0xC0 | rng.randrange(64), rng.randrange(256)))
        msgs.append(bytes(b))
    for buf in msgs:
        try:
            dnswire.parse(buf)
            dnswire.first_question(buf)
        except dnswire.DNSError:
            pass


# --- dns.py against tshark ---------------------------------------------------

def _tshark_dns(path):
    """tshark's DNS messages on port 53 of path, in frame order."""
    if not have_tool("tshark"):
        raise Skip("tshark is not installed")
    fields = ["frame.number", "dns.id", "dns.flags.response", "dns.qry.name", "dns.qry.type",
              "dns.count.answers", "dns.resp.name", "dns.resp.type", "dns.resp.ttl",
              "dns.a", "dns.aaaa", "dns.cname", "dns.txt"]
    cmd = ["tshark", "-n", "-r", path, "-Y", "dns && (udp.port == 53 || tcp.port == 53) && !icmp && !icmpv6",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True,
                         timeout=300).stdout.decode()
    msgs = []
    for line in out.splitlines():
        row = dict(zip(fields, line.split("\t")))
        vals = {k: (v.split("|") if v else []) for k, v in row.items()}
        if len(vals["dns.id"]) != 1:
            raise AssertionError("frame %s carries %d DNS messages; the comparison handles one"
                                 % (row["frame.number"], len(vals["dns.id"])))
        msgs.append(vals)
    return msgs


def _bare(name):
    """dns.py name -> tshark's spelling."""
    return "<Root>" if name == "." else name[:-1]


def _compare_dns_with_tshark(path):
    theirs = _tshark_dns(path)
    with TempDir() as tmp:
        res = check_ok(run_pktd(["-r", path, "-p", plugin("dns.py")], output=True, tmpdir=tmp))
        ours = res.records()
    assert len(ours) == len(theirs), "dns.py emitted %d messages, tshark shows %d\n%s" % (
        len(ours), len(theirs), res.describe())
    m = re.search(r"decoded: (\d+), malformed: (\d+)", res.stderr)
    assert m and int(m.group(1)) == len(ours) and m.group(2) == "0", \
        "teardown counts missing or wrong:\n" + res.stderr
    for i, (a, t) in enumerate(zip(ours, theirs)):
        where = "%s message %d (frame %s)" % (os.path.basename(path), i + 1, t["frame.number"][0])
        assert a["id"] == int(t["dns.id"][0], 16), where
        assert a["qr"] == ("response" if t["dns.flags.response"][0] in ("1", "True") else "query"), where
        assert [_bare(q["name"]) for q in a["questions"]] == t["dns.qry.name"], where
        assert [q["type"] for q in a["questions"]] == \
            [dnswire.type_name(int(x)) for x in t["dns.qry.type"]], where
        n = int(t["dns.count.answers"][0])
        assert len(a["answers"]) == n, where
        assert [x["type"] for x in a["answers"]] == \
            [dnswire.type_name(int(x)) for x in t["dns.resp.type"][:n]], where
        # tshark 4.0 files an SRV record's owner and TTL under dns.srv.*, not
        # dns.resp.name / dns.resp.ttl: those lists skip SRV answers.
        plain = [x for x in a["answers"] if x["type"] != "SRV"]
        k = len(plain)
        assert [_bare(x["name"]) for x in plain] == t["dns.resp.name"][:k], where
        assert [x["ttl"] for x in plain] == [int(x) for x in t["dns.resp.ttl"][:k]], where
        # Answers come first in the message, so the first k dns.a values
        # are the k A answers (same for AAAA and CNAME).
        for rtype, field, conv in (("A", "dns.a", str), ("AAAA", "dns.aaaa", str),
                                   ("CNAME", "dns.cname", _bare)):
            mine = [conv(x["data"]) for x in a["answers"] if x["type"] == rtype]
            assert mine == t[field][:len(mine)], "%s: %s %r vs tshark %r" % (
                where, rtype, mine, t[field])
        txt = [x["data"] for x in a["answers"] if x["type"] == "TXT"]
        if len(txt) == 1:       # one TXT record: its strings, joined
            assert txt[0] == "".join(t["dns.txt"]), "%s: TXT %r vs tshark %r" % (
                where, txt[0], t["dns.txt"])
        for key in ("ts", "src", "dst", "sport", "dport", "transport", "opcode", "rcode", "flags"):
            assert key in a, "%s: no %s" % (where, key)
    return ours


def test_dns_plugin_udp_matches_tshark():
    ours = _compare_dns_with_tshark(pcap("dns-udp.pcap"))
    assert [r["transport"] for r in ours] == ["udp", "udp"]
    assert ours[1]["answers"][0]["data"] == "192.139.46.66"
    assert ours[1]["flags"] == {"aa": True, "tc": False, "rd": True, "ra": False}


def test_dns_plugin_tcp_matches_tshark():
    ours = _compare_dns_with_tshark(pcap("dns-tcp.pcap"))
    assert [r["transport"] for r in ours] == ["tcp", "tcp"]


def test_dns_plugin_local_capture_matches_tshark():
    path = os.path.join(REPO, "pcaps", "local-dns.pcap")
    if not os.path.exists(path):
        raise Skip("pcaps/local-dns.pcap not recorded yet")
    _compare_dns_with_tshark(path)


def _write_pcap(path, frames, linktype=1):
    """A little-endian microsecond pcap of raw frames."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for i, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(data), len(data)))
            f.write(data)


def _udp_frame(payload, sport=5000, dport=53):
    """Ethernet/IPv4/UDP frame (checksums left 0)."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip + udp


def test_dns_plugin_counts_malformed_without_raising():
    good = _sample_response()
    loop = struct.pack("!HHHHHH", 1, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01"
    frames = [_udp_frame(good), _udp_frame(loop), _udp_frame(b"\x00\x01"), _udp_frame(good[:40])]
    with TempDir() as tmp:
        path = os.path.join(tmp, "dns-bad.pcap")
        _write_pcap(path, frames)
        res = check_ok(run_pktd(["-r", path, "-p", plugin("dns.py")], output=True, stats=True,
                                tmpdir=tmp))
        recs = res.records()
        st = res.stats()
    assert len(recs) == 1 and recs[0]["answers"][5]["data"] == "10 mx.example.com.", recs
    assert "decoded: 1, malformed: 3" in res.stderr, res.stderr
    assert st["plugins"]["dns"]["errors"] == 0, st["plugins"]
    assert "Traceback" not in res.stderr, res.stderr


# --- count.py ------------------------------------------------------------------

def _count_rows(stdout):
    rows = {}
    for line in stdout.splitlines():
        m = re.match(r"^\s+(tcp|udp|icmp|icmpv6|arp|other-ip|non-ip|total)\s+(\d+)\s+(\d+)\s*$", line)
        if m:
            rows[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    return rows


def test_count_plugin_totals_match_packet_count():
    path = pcap("http11-dns-browse.pcap")
    with TempDir() as tmp:
        res = check_ok(run_pktd(["-r", path, "-p", plugin("count.py")], stats=True, tmpdir=tmp))
        st = res.stats()
    rows = _count_rows(res.stdout)
    assert "total" in rows and len(rows) == 8, "no protocol table:\n" + res.stdout
    assert rows["total"][0] == st["packets_read"] == 136, (rows, st["packets_read"])
    assert sum(v[0] for k, v in rows.items() if k != "total") == rows["total"][0]
    assert sum(v[1] for k, v in rows.items() if k != "total") == rows["total"][1]
    assert rows["total"][1] == st.get("wire_bytes", rows["total"][1])
    if have_tool("tcpdump"):
        for proto in ("tcp", "udp", "arp"):
            n = len(subprocess.run(["tcpdump", "-n", "-r", path, proto], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL).stdout.splitlines())
            assert rows[proto][0] == n, "%s: count.py %d, tcpdump %d" % (proto, rows[proto][0], n)
    assert "Top destination ports" in res.stdout and "tcp/80" in res.stdout, res.stdout
    assert "Top talkers" in res.stdout and "141.142.220.118" in res.stdout, res.stdout


# --- the packet object and views ----------------------------------------------------

PROBE = '''
import struct, pktd
info = {}
def setup(ctx):
    info["ctx"] = [ctx.name, ctx.path, ctx.output]
def on_packet(pkt):
    v, raw = pkt.payload, pkt.raw
    b = bytes(v)
    rec = {"frame": pkt.frame, "layers": list(pkt.layers), "tags": [list(t) for t in pkt.vlan_tags],
           "caplen": pkt.caplen, "raw": len(raw), "plen": pkt.payload_len, "len": len(v),
           "sport": pkt.sport, "dport": pkt.dport, "src": pkt.src, "eth_src": pkt.eth_src,
           "ts_ok": abs(pkt.ts - pkt.ts_ns / 1e9) < 1e-6, "error": pkt.error,
           "same": [v.tobytes() == b, v.hex() == b.hex(), bytes(memoryview(v)) == b,
                    bytes(v[2:]) == b[2:], [v[i] for i in range(min(4, len(v)))] == list(b[:4]),
                    bytes(raw[len(raw) - len(v):]) == b or pkt.caplen != len(raw)]}
    if len(v) >= 2:
        rec["prefix"] = [struct.unpack_from("!H", v, 0)[0], int.from_bytes(v[0:2], "big")]
    info.setdefault("pkts", []).append(rec)
def teardown():
    pktd.emit(info)
'''


def test_packet_attributes_and_views():
    path = pcap("dns-tcp.pcap")
    with TempDir() as tmp:
        p = write_plugin(tmp, "probe.py", PROBE)
        res = check_ok(run_pktd(["-r", path, "-p", p], output=True, tmpdir=tmp))
        (info,) = res.records()
        assert info["ctx"] == ["probe", p, os.path.join(tmp, "out.jsonl")], info["ctx"]
    pkts = info["pkts"]
    assert [r["frame"] for r in pkts] == list(range(1, 12))
    for r in pkts:
        assert r["layers"] == ["eth", "ipv4", "tcp"] and r["tags"] == [], r
        assert r["raw"] == r["caplen"] and r["plen"] == r["len"] and r["ts_ok"], r
        assert all(r["same"]), r
        assert 53 in (r["sport"], r["dport"]) and r["error"] is None, r
    # Frame 4 is the query: a whole length-prefixed DNS message.
    q = pkts[3]
    assert q["prefix"][0] == q["prefix"][1] == q["len"] - 2, q
    assert q["src"] == "192.168.1.11" and q["eth_src"] == "00:11:22:33:44:55", q


# --- plugin errors ---------------------------------------------------------------

RAISER = '''
import pktd
def on_packet(pkt):
    raise ValueError("boom in frame %d" % pkt.frame)
'''


def test_plugin_exception_is_counted_and_daemon_goes_on():
    path = pcap("icmp-echo.pcap")
    with TempDir() as tmp:
        p = write_plugin(tmp, "raiser.py", RAISER)
        res = check_ok(run_pktd(["-r", path, "-p", p, "-p", plugin("fields.py")],
                                output=True, stats=True, tmpdir=tmp))
        st = res.stats()
        recs = res.records()
    assert len(recs) == 10, "the other plugin must still see every packet: %d" % len(recs)
    raiser = st["plugins"]["raiser"]
    assert raiser["errors"] == 10 and raiser["calls"] == 10, raiser
    assert "Traceback" in res.stderr and "ValueError: boom in frame 1" in res.stderr, res.stderr


def test_max_plugin_errors_disables_after_consecutive_errors():
    path = pcap("tcp-retransmissions.pcap")      # 117 packets
    alternating = ('import pktd\n'
                   'def on_packet(pkt):\n'
                   '    if pkt.frame % 2:\n'
                   '        raise RuntimeError("odd frame")\n')
    with TempDir() as tmp:
        p = write_plugin(tmp, "raiser.py", RAISER)
        q = write_plugin(tmp, "alternating.py", alternating)
        res = check_ok(run_pktd(["--max-plugin-errors", "3", "-r", path, "-p", p, "-p", q,
                                 "-p", plugin("fields.py")], output=True, stats=True, tmpdir=tmp))
        st = res.stats()
        recs = res.records()
    r = st["plugins"]["raiser"]
    assert r["errors"] == 3 and r.get("disabled") is True, r
    assert re.search(r"raiser.*disabled|disabled.*raiser", res.stderr), res.stderr
    a = st["plugins"]["alternating"]
    assert a["errors"] == 59 and not a.get("disabled"), \
        "errors that are not consecutive must not disable: %r" % a
    assert len(recs) == 117


def test_plugin_syntax_error_exits_2_with_traceback():
    with TempDir() as tmp:
        p = write_plugin(tmp, "broken.py", "def on_packet(pkt)\n    pass\n")
        res = run_pktd(["-r", pcap("dns-udp.pcap"), "-p", p])
    assert res.rc == 2, res.describe()
    assert "SyntaxError" in res.stderr and "broken.py" in res.stderr, res.stderr


def test_plugin_import_error_exits_2_with_traceback():
    with TempDir() as tmp:
        p = write_plugin(tmp, "needs.py", "import pktd_no_such_module_xyz\n")
        res = run_pktd(["-r", pcap("dns-udp.pcap"), "-p", p])
    assert res.rc == 2, res.describe()
    assert "Traceback" in res.stderr and "pktd_no_such_module_xyz" in res.stderr and \
        ("ModuleNotFoundError" in res.stderr or "ImportError" in res.stderr), res.stderr


# --- views and packets kept past their callback --------------------------------------

KEEPER = '''
import pktd

EVERY = 997
kept = []          # (frame, bytes copy, view, memoryview of the view, packet)
res = {"kept": 0, "view_raised": 0, "pkt_raised": 0, "mv_same": 0, "mv_released": 0,
       "bad": []}


def check(current):
    """Use everything kept from earlier callbacks."""
    for frame, snap, view, mv, pkt in kept:
        for what, use in (("view[0]", lambda: view[0]), ("bytes(view)", lambda: bytes(view)),
                          ("len(view)", lambda: len(view))):
            try:
                use()
            except pktd.ViewError:
                res["view_raised"] += 1
            except Exception as e:
                res["bad"].append("frame %d %s raised %s" % (frame, what, type(e).__name__))
            else:
                res["bad"].append("frame %d: %s still usable" % (frame, what))
        if not any(pkt is c for c in current):   # a reused object is a live packet again
            try:
                f = pkt.frame
            except pktd.ViewError:
                res["pkt_raised"] += 1
            except Exception as e:
                res["bad"].append("frame %d pkt.frame raised %s" % (frame, type(e).__name__))
            else:
                res["bad"].append("frame %d: kept packet readable (frame %r)" % (frame, f))
        try:
            b = bytes(mv)
        except ValueError:
            res["mv_released"] += 1
        else:
            if b == snap:
                res["mv_same"] += 1
            else:
                res["bad"].append("frame %d: kept memoryview shows other bytes" % frame)


want = [False]


def keep(pkt):
    """Keep the first packet with a payload after every EVERY frames."""
    if pkt.frame % EVERY == 1:
        want[0] = True
    if want[0] and pkt.payload_len > 0 and len(kept) < 100:
        want[0] = False
        view = pkt.payload
        kept.append((pkt.frame, bytes(view), view, memoryview(view), pkt))
        res["kept"] += 1


def teardown():
    check(())
    res["bad"] = res["bad"][:20]
    pktd.emit(res)
'''

KEEPER_PACKET = KEEPER + '''

def on_packet(pkt):
    if pkt.frame % EVERY == 500:
        check((pkt,))
    keep(pkt)
'''

KEEPER_BATCH = KEEPER + '''

def on_batch(pkts):
    current = list(pkts)
    check(current)
    for pkt in pkts:
        keep(pkt)
'''


def test_kept_views_and_packets_raise_viewerror_never_other_bytes():
    path = pcap("mixed-traffic-large.pcap")          # more packets than ring slots
    with TempDir() as tmp:
        p = write_plugin(tmp, "keeper.py", KEEPER_PACKET)
        b = write_plugin(tmp, "keeperbatch.py", KEEPER_BATCH)
        res = check_ok(run_pktd(["-r", path, "-p", p], output=True, stats=True, tmpdir=tmp,
                                timeout=600))
        (r,) = res.records()
        res2 = check_ok(run_pktd(["-r", path, "-p", b], output=True, tmpdir=tmp, timeout=600))
        (r2,) = res2.records()
    for name, rec in (("on_packet", r), ("on_batch", r2)):
        assert not rec["bad"], "%s: %s" % (name, rec["bad"])
        assert rec["kept"] >= 50 and rec["view_raised"] > 0 and rec["pkt_raised"] > 0, (name, rec)
        assert rec["mv_same"] + rec["mv_released"] > 0, (name, rec)


# --- FILTER, on_batch, on_tick ----------------------------------------------------

FILTERED = '''
import pktd
FILTER = %r
n = 0
outside = 0
def on_packet(pkt):
    global n, outside
    n += 1
    if pkt.sport != %d and pkt.dport != %d:
        outside += 1
def teardown():
    pktd.emit({"n": n, "outside": outside})
'''


def test_filter_delivers_only_matching_packets():
    if not have_tool("tcpdump"):
        raise Skip("tcpdump is not installed")
    path = pcap("http11-dns-browse.pcap")
    for flt, port in (("udp port 53", 53), ("tcp port 80", 80)):
        want = len(subprocess.run(["tcpdump", "-n", "-r", path, flt], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, check=True).stdout.splitlines())
        with TempDir() as tmp:
            p = write_plugin(tmp, "filtered.py", FILTERED % (flt, port, port))
            res = check_ok(run_pktd(["-r", path, "-p", p], output=True, stats=True, tmpdir=tmp))
            (rec,) = res.records()
            st = res.stats()["plugins"]["filtered"]
        assert want > 0
        assert rec == {"n": want, "outside": 0}, "%s: plugin saw %r, tcpdump %d" % (flt, rec, want)
        assert st["dispatched"] == want, st


BATCHER = '''
import pktd
seen = {}
calls = 0
def on_batch(pkts):
    global calls
    calls += 1
    for pkt in pkts:
        seen[pkt.frame] = seen.get(pkt.frame, 0) + 1
def on_packet(pkt):
    pktd.emit({"on_packet_called": pkt.frame})
def teardown():
    pktd.emit({"frames": len(seen), "min": min(seen), "max": max(seen),
               "twice": sorted(f for f, n in seen.items() if n != 1)[:10], "calls": calls})
'''


def test_on_batch_receives_every_packet_once():
    a, b = pcap("mixed-services-small.pcap"), pcap("truncated-snaplen96.pcap")
    with TempDir() as tmp:
        p = write_plugin(tmp, "batcher.py", BATCHER)
        res = check_ok(run_pktd(["-r", a, "-r", b, "-p", p], output=True, tmpdir=tmp))
        recs = res.records()
    assert len(recs) == 1, "on_packet must not be called when on_batch exists: %r" % recs[:3]
    rec = recs[0]
    assert rec["frames"] == 263 + 878 and rec["min"] == 1 and rec["max"] == 1141, rec
    assert rec["twice"] == [], rec
    assert rec["calls"] >= 1


TICKER = '''
import time, pktd
ticks = []
def on_packet(pkt):
    time.sleep(0.003)
def on_tick(now):
    ticks.append(now)
def teardown():
    pktd.emit({"ticks": ticks[:50], "wall": time.time()})
'''


def test_on_tick_is_called_about_once_a_second():
    with TempDir() as tmp:
        p = write_plugin(tmp, "ticker.py", TICKER)
        t0 = time.time()
        res = check_ok(run_pktd(["-r", pcap("truncated-snaplen96.pcap"), "-p", p],
                                output=True, tmpdir=tmp))    # 878 packets x 3 ms
        (rec,) = res.records()
    ticks = rec["ticks"]
    assert len(ticks) >= 1, "on_tick never called in a %.1f s run" % (rec["wall"] - t0)
    assert all(isinstance(t, float) and t0 - 5 <= t <= rec["wall"] + 1 for t in ticks), ticks


# --- inputs --------------------------------------------------------------------

def _frames(res):
    return [(r["frame.number"], r["frame.cap_len"]) for r in res.records()]


def _caplens(path):
    """Captured lengths of the records of a pcap file."""
    with open(path, "rb") as f:
        data = f.read()
    e = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    off, out = 24, []
    while off + 16 <= len(data):
        cl = struct.unpack_from(e + "I", data, off + 8)[0]
        out.append((off, cl))
        off += 16 + cl
    return out


def test_frame_numbers_continue_across_inputs():
    a, b = pcap("dns-udp.pcap"), pcap("dns-tcp.pcap")
    with TempDir() as tmp:
        res = check_ok(run_pktd(["-r", a, "-r", b, "-p", plugin("fields.py")], output=True,
                                tmpdir=tmp))
        got = _frames(res)
    want = [(i + 1, cl) for i, (_, cl) in enumerate(_caplens(a) + _caplens(b))]
    assert got == want, (got, want)


def test_stdin_pipe_gives_the_same_records():
    path = pcap("http11-dns-browse.pcap")
    with TempDir() as tmp:
        ref = check_ok(run_pktd(["-r", path, "-p", plugin("fields.py")], output=True,
                                tmpdir=tmp)).records()
        out = os.path.join(tmp, "pipe.jsonl")
        cat = subprocess.Popen(["cat", path], stdout=subprocess.PIPE)
        p = subprocess.run([pktd_binary(), "-r", "-", "-p", plugin("fields.py"), "-o", out],
                           stdin=cat.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           cwd=REPO, timeout=120)
        cat.stdout.close()
        cat.wait()
        assert p.returncode == 0, p.stderr.decode()
        with open(out) as f:
            got = read_jsonl(f.read())
    assert got == ref, "records from -r - differ from -r FILE (%d vs %d)" % (len(got), len(ref))


def test_missing_file_is_a_clear_input_error():
    with TempDir() as tmp:
        missing = os.path.join(tmp, "no-such-capture.pcap")
        res = run_pktd(["-r", missing, "-p", plugin("fields.py")])
    assert res.rc == 1, res.describe()
    assert missing in res.stderr, res.stderr


def test_bad_version_file_is_a_clear_input_error():
    path = pcap("file-pcap-bad-version.pcap")
    res = run_pktd(["-r", path, "-p", plugin("fields.py")])
    assert res.rc == 1, res.describe()
    assert "file-pcap-bad-version.pcap" in res.stderr, res.stderr
    assert res.stdout == "", "no records expected: %r" % res.stdout[:200]


def test_truncated_capture_processes_records_before_the_cut():
    src = pcap("dns-tcp.pcap")
    recs = _caplens(src)
    with open(src, "rb") as f:
        data = f.read()
    rec_off, rec_len = recs[5]                 # cut inside the 6th record's data
    cut = rec_off + 16 + rec_len // 2
    with TempDir() as tmp:
        path = os.path.join(tmp, "cut.pcap")
        with open(path, "wb") as f:
            f.write(data[:cut])
        res = run_pktd(["-r", path, "-p", plugin("fields.py")], output=True, tmpdir=tmp)
        got = _frames(res)
    assert res.rc == 1, res.describe()
    assert got == [(i + 1, cl) for i, (_, cl) in enumerate(recs[:5])], got
    lines = [l for l in res.stderr.splitlines() if "cut.pcap" in l]
    assert lines, "no message names the file:\n" + res.stderr
    assert any(str(rec_off) in l or str(cut) in l for l in lines), \
        "message does not give the offset (record at %d, file cut at %d):\n%s" % (
            rec_off, cut, "\n".join(lines))


# --- SIGTERM mid-replay ------------------------------------------------------------

SLOW = '''
import time, pktd
n = 0
def on_packet(pkt):
    global n
    n += 1
    pktd.emit({"frame": pkt.frame, "n": n, "pad": "x" * 200})
    if n % 50 == 0:
        time.sleep(0.01)
def teardown():
    pktd.emit({"final": n})
'''


def test_sigterm_during_replay_exits_cleanly():
    path = pcap("mixed-traffic-large.pcap")
    with TempDir() as tmp:
        p = write_plugin(tmp, "slow.py", SLOW)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        cmd = [pktd_binary()] + ["-r", path] * 5 + ["-p", p, "-o", out, "--stats-json", stats]
        proc = subprocess.Popen(cmd, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        time.sleep(2.0)
        assert proc.poll() is None, "replay finished before the signal: make the plugin slower"
        proc.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise AssertionError("pktd still running 60 s after SIGTERM")
        stderr = stderr.decode("utf-8", "replace")
        assert proc.returncode == 0, "exit %d after SIGTERM\n%s" % (proc.returncode, stderr[-3000:])
        with open(out, encoding="utf-8") as f:
            text = f.read()
        assert text.endswith("\n"), "output ends in a partial line: %r" % text[-200:]
        recs = read_jsonl(text)
        with open(stats, encoding="utf-8") as f:
            st = json.load(f)
    final = recs[-1].get("final")
    assert final is not None, "teardown did not run (last record %r)" % recs[-1]
    assert 0 < final < 5 * 62781, final
    assert len(recs) == final + 1, "%d packet records, plugin counted %d" % (len(recs) - 1, final)
    assert st["plugins"]["slow"]["dispatched"] == final, (st["plugins"]["slow"], final)
    assert [r["n"] for r in recs[:-1]] == list(range(1, final + 1))
    # Nothing accepted into the ring was lost (docs/design.md, "Where every
    # packet went"): file replay blocks, so everything read was queued,
    # and everything queued was dispatched before the exit.
    a = st["accounting"]
    assert a["dispatched"] == st["dispatched"] == final, (a, final)
    assert a["captured"] == a["queued"] - a["reassembled"] == a["dispatched"] - a["reassembled"], a
    assert a["ring_dropped"] == 0 and a["in_ring"] == 0 and a["pending"] == 0, a
