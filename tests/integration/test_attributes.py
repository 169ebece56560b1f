"""Packet attributes of the decoder-coverage layers (ARP, ICMP error quotes,
SCTP, IGMP) through the real daemon, against tshark's decode."""

import os
import subprocess

from harness import TempDir, check_ok, pcap, run_pktd

PLUGIN = """
import pktd
def on_packet(pkt):
    pktd.emit({"frame": pkt.frame, "arp": [pkt.arp_sender_ip, pkt.arp_target_ip, pkt.arp_sender_mac],
               "quoted": [pkt.quoted_src, pkt.quoted_dst, pkt.quoted_proto, pkt.quoted_sport, pkt.quoted_dport],
               "sctp": [pkt.sctp_vtag, pkt.sctp_chunk_type], "igmp": [pkt.igmp_type, pkt.igmp_group]})
"""


def _records(path):
    with TempDir() as tmp:
        plugin = os.path.join(tmp, "attrs.py")
        with open(plugin, "w") as f:
            f.write(PLUGIN)
        res = check_ok(run_pktd(["-q", "-r", path, "-p", plugin], output=True, tmpdir=tmp))
        return {r["frame"]: r for r in res.records()}


def _tshark(path, fields, filt):
    cmd = ["tshark", "-n", "-r", path, "-Y", filt, "-T", "fields", "-E", "occurrence=f", "-e", "frame.number"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def test_arp_addresses_match_tshark():
    path = pcap("arp.pcap")
    recs = _records(path)
    rows = _tshark(path, ["arp.src.proto_ipv4", "arp.dst.proto_ipv4", "arp.src.hw_mac"], "arp")
    assert rows
    for num, spa, tpa, sha in rows:
        assert recs[int(num)]["arp"] == [spa, tpa, sha], (num, recs[int(num)]["arp"], spa, tpa, sha)


def test_icmp_error_quote_matches_tshark():
    path = pcap("icmp-dest-unreach.pcap")
    recs = _records(path)
    rows = _tshark(path, ["ip.src", "ip.dst", "ip.proto", "udp.srcport", "udp.dstport"], "icmp")
    assert rows
    for num, _src, _dst, _proto, sport, dport in rows:
        q = recs[int(num)]["quoted"]
        # The first occurrence of udp.* in tshark is the quoted header.
        assert q[2] == 17 and [q[3], q[4]] == [int(sport), int(dport)], (q, sport, dport)
        assert q[0] is not None and q[1] is not None


def test_sctp_fields_match_tshark():
    path = pcap("sctp.pcap")
    recs = _records(path)
    rows = _tshark(path, ["sctp.verification_tag", "sctp.chunk_type"], "sctp")
    assert len(rows) > 10
    for num, vtag, ctype in rows:
        assert recs[int(num)]["sctp"] == [int(vtag, 16), int(ctype)], (num, recs[int(num)]["sctp"], vtag, ctype)


def test_igmp_fields_match_tshark():
    path = pcap("ipv4-options.pcap")
    recs = _records(path)
    rows = _tshark(path, ["igmp.type", "igmp.maddr"], "igmp")
    assert rows
    for num, itype, group in rows:
        assert recs[int(num)]["igmp"] == [int(itype, 0), group], (num, recs[int(num)]["igmp"], itype, group)
