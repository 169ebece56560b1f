"""IP fragment reassembly through the real daemon (daemon/reasm.c).

dns.py on the fragmented DNS captures must decode the large responses that
arrive in fragments, message for message as tshark (which reassembles by
default) shows them; plugins see reassembled datagrams instead of fragments
unless they set FRAGMENTS = True; a full ring delays a reassembled packet
but never drops it; --frag-memory 0 turns reassembly off."""

import json
import os
import struct

from harness import Skip, TempDir, check_ok, have_tool, pcap, plugin, run_pktd, write_plugin
from test_plugins import _compare_dns_with_tshark

V4 = "ipv4-frag-dns.pcap"
V6 = "ipv6-frag-dns.pcap"

# Per capture: datagrams tshark reassembles (frames with a fragment that
# completes one) and fragments overall, from `tshark -Y "ip.flags.mf==1 ||
# ip.frag_offset>0 || ipv6.fragment"`.
EXPECT = {V4: {"built": 4, "fragments": 8, "in_flight": 0},
          V6: {"built": 1, "fragments": 4, "in_flight": 1}}   # frame 4: its first fragments are not in the capture


def _stats(path, extra=(), plugins=("dns.py",)):
    with TempDir() as tmp:
        args = ["-r", path] + [a for p in plugins for a in ("-p", plugin(p))] + list(extra)
        res = check_ok(run_pktd(args, output=True, stats=True, tmpdir=tmp))
        return res, res.records(), res.stats()


def test_dns_plugin_decodes_reassembled_ipv4_responses_as_tshark():
    path = pcap(V4)
    ours = _compare_dns_with_tshark(path)
    res, _, st = _stats(path)
    r = st["reassembly"]
    for k, v in EXPECT[V4].items():
        assert r[k] == v, "reassembly.%s = %s, expected %s\n%s" % (k, r[k], v, json.dumps(r))
    assert st["reassembled"] == EXPECT[V4]["built"]
    assert r["overlaps"] == 0 and r["invalid"] == 0 and r["truncated"] == 0
    assert sum(r["evicted"].values()) == 0, r
    assert "fragments skipped: 0" in res.stderr, res.stderr
    # The reassembled responses are the large DNSKEY/A answers.
    big = [m for m in ours if m["qr"] == "response" and len(m["answers"]) >= 4
           and m["questions"][0]["name"].endswith("weberlab.de.")]
    assert len(big) >= 4, [m["questions"] for m in ours]


def test_dns_plugin_decodes_reassembled_ipv6_response_as_tshark():
    path = pcap(V6)
    ours = _compare_dns_with_tshark(path)
    _, _, st = _stats(path)
    r = st["reassembly"]
    for k, v in EXPECT[V6].items():
        assert r[k] == v, "reassembly.%s = %s, expected %s\n%s" % (k, r[k], v, json.dumps(r))
    txt = [m for m in ours if m["questions"][0]["name"].startswith("txtpadding_3230")
           and m["qr"] == "response"]
    assert len(txt) == 1 and txt[0]["answers"], txt


_WATCH = """
import pktd
FRAGMENTS = %s
seen = []
def on_packet(pkt):
    frag = bool(pkt.is_fragment and (pkt.more_fragments or pkt.frag_offset))
    seen.append((pkt.frame, frag, pkt.reassembled, pkt.payload_len, pkt.wirelen, pkt.caplen,
                 "udp" in pkt.layers))
def teardown():
    for s in seen:
        pktd.emit({"frame": s[0], "fragment": s[1], "reassembled": s[2], "payload_len": s[3],
                   "wirelen": s[4], "caplen": s[5], "udp": s[6]})
"""


def _watch(path, fragments, extra=()):
    with TempDir() as tmp:
        p = write_plugin(tmp, "watch.py", _WATCH % fragments)
        res = check_ok(run_pktd(["-r", path, "-p", p] + list(extra), output=True, stats=True, tmpdir=tmp))
        return res.records(), res.stats()


def test_plugins_get_datagrams_not_fragments_unless_they_ask():
    path = pcap(V4)
    plain, st = _watch(path, "False")
    both, _ = _watch(path, "True")
    frames = st["packets_read"]
    assert not any(r["fragment"] for r in plain), "a plugin without FRAGMENTS got a fragment"
    rs = [r for r in plain if r["reassembled"]]
    assert len(rs) == EXPECT[V4]["built"]
    assert len(plain) == frames - EXPECT[V4]["fragments"] + EXPECT[V4]["built"]
    for r in rs:
        # The payload view spans the whole reassembled UDP payload.
        assert r["udp"] and r["payload_len"] > 1472, r
        assert r["wirelen"] == r["caplen"], r
    assert len(both) == frames + EXPECT[V4]["built"]
    assert sum(1 for r in both if r["fragment"]) == EXPECT[V4]["fragments"]
    # Each reassembled packet comes right after the fragment that
    # completed it, with that frame's number.
    for i, r in enumerate(both):
        if r["reassembled"]:
            assert i > 0 and both[i - 1]["frame"] == r["frame"] and both[i - 1]["fragment"], both[i - 1:i + 1]
    frame_order = [r["frame"] for r in both]
    assert frame_order == sorted(frame_order)


def _ipv4(src, dst, ident, proto, payload, frag_field=0):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag_field, 64, proto, 0,
                      bytes(src), bytes(dst))
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + hdr + payload


def _big_datagram_pcap(path, size):
    """10 single 1000-byte UDP packets, one `size`-byte UDP datagram in
    1480-byte fragments, 5 more single packets."""
    src, dst = (10, 0, 0, 1), (10, 0, 0, 2)
    frames = []
    for i in range(10):
        frames.append(_ipv4(src, dst, i, 17, struct.pack("!HHHH", 4000, 4001, 1000, 0) + bytes(992)))
    data = struct.pack("!HHHH", 5000, 5001, size, 0) + (bytes(range(256)) * 256)[:size - 8]
    for off in range(0, len(data), 1480):
        part = data[off:off + 1480]
        mf = 0x2000 if off + 1480 < len(data) else 0
        frames.append(_ipv4(src, dst, 0x4242, 17, part, mf | (off // 8)))
    for i in range(5):
        frames.append(_ipv4(src, dst, 100 + i, 17, struct.pack("!HHHH", 4000, 4001, 1000, 0) + bytes(992)))
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i, 0, len(fr), len(fr)) + fr)
    return len(frames)


def test_full_ring_delays_reassembled_packets_without_loss():
    with TempDir() as tmp:
        path = os.path.join(tmp, "big.pcap")
        nframes = _big_datagram_pcap(path, 30000)
        ref, st = _watch(path, "True")
        assert st["reassembled"] == 1 and len(ref) == nframes + 1, st["reassembly"]
        big = [r for r in ref if r["reassembled"]][0]
        assert big["payload_len"] == 30000 - 8 and big["wirelen"] == 14 + 20 + 30000, big
        # A 64 KiB arena: the 30 KB datagram does not fit after the 42 KB
        # of frames read in the same round, so it waits for the dispatcher.
        # (--no-mmap: read in place, the frames would take no arena bytes.)
        small, st = _watch(path, "True", ["--ring-bytes", "64k", "--snaplen", "1600", "--no-mmap"])
        assert st["ring"]["full_stalls"] > 0, st["ring"]
        assert st["reassembly"]["built"] == 1 and st["reassembly"]["unbuilt"] == 0, st["reassembly"]
        assert small == ref, "records differ with a small ring"
        # A datagram larger than half the arena can never be placed:
        # counted as unbuilt, and the replay goes on.
        nframes = _big_datagram_pcap(path, 40000)
        tiny, st = _watch(path, "True", ["--ring-bytes", "64k", "--snaplen", "1600", "--no-mmap"])
        assert st["reassembly"]["unbuilt"] == 1 and st["reassembled"] == 0, st["reassembly"]
        assert len(tiny) == nframes


def test_reassembly_off_passes_fragments_to_everyone():
    path = pcap(V4)
    plain, st = _watch(path, "False", ["--frag-memory", "0"])
    assert st["reassembly"]["enabled"] is False
    assert st["reassembled"] == 0
    assert not any(r["reassembled"] for r in plain)
    assert sum(1 for r in plain if r["fragment"]) == EXPECT[V4]["fragments"]
    res, _, _ = _stats(path, ["--frag-memory", "0"])
    assert "fragments skipped: 4" in res.stderr, res.stderr


def test_reassembly_counters_in_stats_json():
    _, _, st = _stats(pcap(V6), ["--frag-timeout", "1", "--frag-datagrams", "8", "--frag-memory", "64k"])
    r = st["reassembly"]
    for k in ("fragments", "datagrams", "completed", "built", "unbuilt", "overlaps", "duplicates", "invalid",
              "truncated", "in_flight", "in_flight_max", "chunks_used_max", "memory_bytes", "max_datagrams"):
        assert k in r, "no %s in %s" % (k, r)
    assert set(r["evicted"]) == {"timeout", "memory", "datagrams", "too_big", "holes"}
    assert r["memory_bytes"] == 65536 and r["max_datagrams"] == 8 and r["timeout_s"] == 1
    # Frame 4 (a lone last fragment at 15.2 s) times out in packet time by
    # frame 5 (20.2 s); datagram 2 (frames 6-8) still completes.
    assert r["evicted"]["timeout"] == 1, r
    assert r["built"] == 1 and r["in_flight"] == 0, r


def test_fields_plugin_one_record_per_frame_with_reassembled_fields():
    path = pcap(V4)
    if not have_tool("tshark"):
        raise Skip("tshark is not installed")
    _, recs, _ = _stats(path, plugins=("fields.py",))
    frames = [r["frame.number"] for r in recs]
    assert frames == list(range(1, len(frames) + 1)), "not one record per frame"
    by = {r["frame.number"]: r for r in recs}
    # Frames 53/54: first fragment (IP only) and the completing one (UDP
    # and the DNS name of the reassembled message), as tshark reports.
    assert "udp.srcport" not in by[53] and "dns.qry.name" not in by[53], by[53]
    assert by[54]["udp.srcport"] == 53 and by[54]["dns.qry.name"] == "weberlab.de", by[54]
    assert by[54]["frame.len"] == 264, by[54]
