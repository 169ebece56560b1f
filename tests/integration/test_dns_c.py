"""The C DNS path (pktd.dns_emit, pktd.dns_emit_udp: parsers/dns.c,
daemon/dnsrec.c) against the Python one (dnswire.py + the dict + pktd.emit)
inside the real daemon: for hand-made messages of every rendered type and
thousands of damaged copies of them, both paths must accept the same ones
and write the same bytes; and dns.py on captures writes the same lines
through either path."""

import json
import os

from harness import REPO, TempDir, check_ok, pcap, pcaps_dir, plugin, run_pktd, write_plugin

# A plugin that, in setup(), sends every message through dns.py's _decode
# twice: with _emit = None (dnswire + emit) and with _emit = pktd.dns_emit.
DIFF_PLUGIN = r'''
import random, struct, sys
sys.path.insert(0, %(plugins)r)
import pktd
import dns as d

def name(text):
    out = b""
    for label in text.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("latin-1")
    return out + b"\x00"

def rr(owner, rtype, rdata, ttl=300):
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata

def message(rng):
    ptr = b"\xc0\x0c"
    answers = [
        rr(ptr, 1, bytes([192, 0, 2, 1])),
        rr(ptr, 28, bytes.fromhex("20010db8000000000000000000000001")),
        rr(ptr, 28, bytes(12) + bytes([10, 1, 2, 3])),
        rr(ptr, 28, bytes(10) + b"\xff\xff" + bytes([10, 1, 2, 3])),
        rr(b"\x03www" + ptr, 5, ptr),
        rr(ptr, 2, b"\x02ns" + ptr),
        rr(name("1.2.0.192.in-addr.arpa"), 12, ptr),
        rr(ptr, 15, struct.pack("!H", 10) + b"\x02mx" + ptr),
        rr(ptr, 16, b"\x05hello\x06 world"),
        rr(ptr, 16, b"\x0b\xc3\xa9\xff\x00\n\t\r\"\\\x7f" + b"\x04\xf0\x9f\x98\x80" + b"\x03\xed\xa0\x80"),
        rr(ptr, 16, b""),
        rr(ptr, 6, b"\x02ns" + ptr + b"\x05admin" + ptr + struct.pack("!IIIII", 1, 2, 3, 4, 4294967295)),
        rr(ptr, 33, struct.pack("!HHH", 0, 5, 443) + ptr),
        rr(ptr, 65534, b""),
        rr(b"\x03a.b\x02\x00\\" + ptr, 1, bytes(4)),
        rr(b"\x04q\"x " + ptr, 5, b"\x01." + ptr),
    ]
    rng.shuffle(answers)
    answers = answers[:rng.randrange(0, len(answers) + 1)]
    extra = [rr(b"\x00", 41, b"", ttl=rng.choice((0, 0x01000000, 0xff000000)))] if rng.random() < 0.5 else []
    flags = rng.randrange(0, 65536)
    qname = name(rng.choice(("example.com", "", "x.y.z", "a\\b.c")))
    return (struct.pack("!HHHHHH", rng.randrange(65536), flags, 1, len(answers), 0, len(extra))
            + qname + struct.pack("!HH", rng.choice((1, 28, 255, 99, 65000)), rng.choice((1, 3, 255, 7)))
            + b"".join(answers) + b"".join(extra))

def damage(rng, m):
    m = bytearray(m)
    kind = rng.randrange(4)
    if kind == 0 and m:
        del m[rng.randrange(len(m)):]
    elif kind == 1:
        for _ in range(rng.randrange(1, 4)):
            m[rng.randrange(len(m))] = rng.randrange(256)
    elif kind == 2:
        i = rng.randrange(12, len(m)) if len(m) > 12 else 0
        m[i:i] = bytes([0xc0, rng.randrange(256)])
    else:
        m[rng.randrange(len(m))] = rng.choice((0x3f, 0x40, 0x80, 0xbf, 0xc0, 0xff, 0))
    return bytes(m)

def setup(ctx):
    rng = random.Random(5)
    for i in range(%(count)d):
        m = message(rng)
        if i %% 3:
            m = damage(rng, m)
        ts = rng.choice((rng.uniform(1e9, 2e9), rng.randrange(10**18, 2 * 10**18) / 1e9, 1700000000.0,
                         float(rng.randrange(1, 10**6)) / 7, 0.5, 1e17))
        src = rng.choice(("192.0.2.1", "2001:db8::1", "we\"ird\\\n"))
        for emit in (None, pktd.dns_emit):
            d._emit = emit
            before = d.stats["malformed"]
            d._decode(ts, src, "198.51.100.7", 53, 40000 + i %% 1000, m, "udp" if i %% 2 else "tcp")
            if d.stats["malformed"] != before:
                pktd.emit({"malformed": i})
'''


def test_c_and_python_paths_write_the_same_bytes():
    count = 6000
    src = DIFF_PLUGIN
    with TempDir() as tmp:
        p = write_plugin(tmp, "dnsdiff.py", src % {"plugins": os.path.join(REPO, "plugins"), "count": count})
        res = check_ok(run_pktd(["-q", "-r", pcap("dns-udp.pcap") if pcaps_dir(required=False)
                                 else os.path.join(REPO, "pcaps", "local-dns.pcap"), "-p", p],
                                output=True, tmpdir=tmp))
        with open(res.output_path, "rb") as f:
            lines = f.read().split(b"\n")[:-1]
    assert len(lines) == 2 * count, len(lines)
    malformed = 0
    for i in range(0, len(lines), 2):
        py, c = lines[i], lines[i + 1]
        assert py == c, "message %d:\n  python %s\n  C      %s" % (i // 2, py[:600], c[:600])
        json.loads(c)
        malformed += c.startswith(b'{"malformed"')
    # Both kinds are well represented: damaged copies are mostly refused.
    assert 1000 < malformed < count - 1000, malformed


def test_dns_py_captures_same_lines_through_either_path():
    # dns.py as shipped (C) against a copy that does not use the C
    # functions (pktd.dns_emit, pktd.DnsUdpHook hidden): every capture with
    # DNS in it, records and teardown counts.
    names = ["local-dns.pcap"]
    shared = pcaps_dir(required=False)
    if shared:
        names += ["dns-udp.pcap", "dns-tcp.pcap", "ipv4-frag-dns.pcap", "ipv6-frag-dns.pcap",
                  "http11-dns-browse.pcap", "mixed-traffic-large.pcap", "null-loopback-dns.pcap",
                  "rawip-ipv6-dns.pcap"]
    with TempDir() as tmp:
        with open(plugin("dns.py"), encoding="utf-8") as f:
            source = f.read()
        hidden = source.replace('getattr(pktd, "dns_emit", None)', "None").replace(
            'hasattr(pktd, "DnsUdpHook")', "False")
        assert 'getattr(pktd, "dns_emit", None)' in source and 'hasattr(pktd, "DnsUdpHook")' in source
        py = write_plugin(tmp, "dns.py", "import sys\nsys.path.insert(0, %r)\n" % os.path.join(REPO, "plugins")
                          + hidden)
        # --frag-memory 0: fragments reach on_packet (the hook's fallback counts them).
        runs = [(n, []) for n in names] + [(n, ["--frag-memory", "0"]) for n in names if "frag" in n]
        for name, extra in runs:
            path = os.path.join(REPO, "pcaps", name) if name.startswith("local") else pcap(name)
            outs = []
            for p in (plugin("dns.py"), py):
                res = check_ok(run_pktd(["-q", "-r", path, "-p", p] + extra, output=True, tmpdir=tmp))
                with open(res.output_path, "rb") as f:
                    outs.append(f.read())
                outs.append(res.stderr)
            assert outs[0] == outs[2], (name, extra)
            assert outs[1] == outs[3], (name, extra, outs[1], outs[3])
            if extra:
                assert "fragments skipped: 0," not in outs[1], outs[1]


def test_message_incomplete_at_flow_end_is_counted():
    # dns.py counts it when the flow's state is released (no on_flow_end hook).
    import test_stream_plugins_unit as su
    q, _ = su._dns_stream(pcap("dns-tcp.pcap"))
    records, mod, _ = su.run_chunks("dns", [(True, q + q[:7])])
    assert len(records) == 1 and mod.stats["incomplete"] == 1, mod.stats
    assert not hasattr(mod, "on_flow_end")
