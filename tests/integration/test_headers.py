"""pkt.headers, pkt.tunnel and pkt.layers on tunnelled and quoted packets.

The header list is the decoders' (parsers/packet.h); these tests check what
the Python side makes of it on captures of the shared corpus (skipped when
absent), with values read off tshark -V of the same frames."""

from harness import TempDir, check_ok, pcap, run_pktd, write_plugin

_DUMP = """
import pktd
FRAGMENTS = True
def on_packet(pkt):
    layers = pkt.layers
    again = pkt.layers
    pktd.emit({"frame": pkt.frame, "layers": list(layers), "same": layers is again,
               "headers": [list(h) for h in pkt.headers], "tunnel": pkt.tunnel,
               "reassembled": pkt.reassembled, "proto": pkt.proto, "src": pkt.src,
               "dport": pkt.dport})
"""


def _dump(name):
    with TempDir() as tmp:
        p = write_plugin(tmp, "dump.py", _DUMP)
        res = check_ok(run_pktd(["-r", pcap(name), "-p", p], output=True, tmpdir=tmp))
        return {(r["frame"], r["reassembled"]): r for r in res.records()}


def test_vxlan_headers_tunnel_and_inner_flow():
    r = _dump("vxlan.pcap")[(1, False)]
    assert r["layers"] == ["eth", "ipv4", "udp", "vxlan", "eth", "ipv4", "tcp"], r
    assert r["headers"] == [["eth", 0, 14, False], ["ipv4", 14, 20, False], ["udp", 34, 8, False],
                            ["vxlan", 42, 8, False], ["eth", 50, 14, False], ["ipv4", 64, 20, False],
                            ["tcp", 84, 40, False]], r
    assert r["tunnel"] == ["vxlan", "10.1.200.131", "10.1.1.172", 1], r
    assert r["proto"] == 6               # the flow fields are the inner ones
    # The layer tuple is cached: reading it twice gives the same object.
    assert r["same"] is True


def test_gre_gtpu_mpls_ipip_tunnels():
    gre = _dump("gre.pcap")[(1, False)]
    assert gre["tunnel"] == ["gre", "172.27.1.66", "66.59.109.137", None], gre   # no key bit
    assert gre["layers"] == ["eth", "ipv4", "gre", "ipv4", "icmp"]
    keyed = _dump("gre-variants.pcap")[(25, False)]
    assert keyed["tunnel"] == ["gre", "10.172.64.6", "10.172.64.7", 40], keyed
    assert keyed["layers"] == ["eth", "vlan", "ipv4", "gre", "cmd", "ipv4", "icmp"], keyed
    gtp = _dump("gtp-u-ipv6.pcap")[(1, False)]
    assert gtp["tunnel"] == ["gtpu", "118.92.124.41", "118.92.124.72", 2436252775], gtp
    assert gtp["layers"][-2:] == ["ipv6", "udp"]
    mpls = _dump("mpls-stack-in-vlan.pcap")[(2, False)]
    assert mpls["tunnel"][0] == "mpls" and mpls["tunnel"][1:3] == [None, None], mpls
    assert mpls["tunnel"][3] == [16106], mpls
    assert mpls["layers"] == ["eth", "vlan", "mpls", "ipv4", "tcp"]
    ipip = _dump("ipv6-in-ipv4.pcap")[(1, False)]
    assert ipip["tunnel"] == ["ipip", "10.0.0.1", "10.0.0.2", None], ipip
    pptp = _dump("pptp-gre-bigendian.pcap")[(16, False)]
    assert pptp["tunnel"] == ["gre", "10.1.1.11", "10.1.1.10", 0], pptp   # PPTP call id
    assert _dump("tcp-options-tfo.pcap")[(1, False)]["tunnel"] is None


def test_icmp_quote_is_marked_and_not_in_layers():
    r = _dump("icmp-dest-unreach.pcap")[(1, False)]
    assert r["layers"] == ["eth", "ipv4", "icmp"], r
    assert [h[0] for h in r["headers"]] == ["eth", "ipv4", "icmp", "ipv4", "udp"], r
    assert [h[3] for h in r["headers"]] == [False, False, False, True, True], r
    assert r["tunnel"] is None


def test_ppp_link_type_and_pppoe():
    r = _dump("mpls-ppp-traceroute.pcap")[(1, False)]
    assert r["layers"] == ["ppp", "mpls", "ipv4", "udp"], r
    assert r["tunnel"] == ["mpls", None, None, [100704]], r
    p = _dump("pppoe.pcap")[(22, False)]
    assert p["layers"] == ["eth", "pppoe", "ppp", "ipv6", "icmpv6"], p


def test_fragmented_tunnel_reassembled_inner_flow():
    # gtp-u-frag.pcap frames 4+5: an outer IPv4 fragmented, GTP-U inside.
    d = _dump("gtp-u-frag.pcap")
    first, last, built = d[(4, False)], d[(5, False)], d[(5, True)]
    assert first["layers"][:2] == ["eth", "ipv4"]
    assert built["layers"] == ["eth", "ipv4", "udp", "gtpu", "ipv4", "tcp"], built
    # The first fragment already reaches the GTP-U header (tshark shows
    # nothing past its IP header; fields.py cuts there); the datagram
    # built from both has the same tunnel and the whole inner flow.
    assert built["tunnel"] == first["tunnel"] and built["tunnel"][0] == "gtpu", (built, first)
    assert built["src"] == first["src"] and built["dport"] == 80, built
    assert [h[0] for h in last["headers"]] == ["eth", "ipv4"], last   # a later fragment: no L4


def test_unsupported_link_type_reported_once_and_counted():
    import os
    import struct
    with TempDir() as tmp:
        path = os.path.join(tmp, "radiotap.pcap")
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 127))
            for i in range(5):
                f.write(struct.pack("<IIII", 1, i, 12, 12) + bytes(12))
        p = write_plugin(tmp, "count.py", "import pktd\n"
                         "def on_packet(pkt):\n"
                         "    pktd.emit({'layers': list(pkt.layers), 'headers': list(pkt.headers),\n"
                         "               'error': pkt.error, 'len': len(pkt.payload)})\n")
        res = check_ok(run_pktd(["-r", path, "-r", path, "-p", p], output=True, stats=True, tmpdir=tmp))
        lines = [l for l in res.stderr.splitlines() if "is not decoded" in l]
        assert len(lines) == 1 and "link type 127 (IEEE802_11_RADIO)" in lines[0], res.stderr
        st = res.stats()
        assert st["packets_read"] == 10 and st["decode_errors"]["link.unsupported"] == 10, st
        recs = res.records()
        assert len(recs) == 10
        assert all(r == {"layers": [], "headers": [], "error": "link.unsupported", "len": 12} for r in recs), recs[0]
