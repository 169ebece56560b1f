"""Conformance: pktd + plugins/fields.py against tshark's reference decodes.

Every capture in ../shared/pcaps/ is run through the daemon with
plugins/fields.py and compared with refs/<file>.tshark.tsv, field by field,
after normalising formatting only (hex vs decimal, address notation, case).
Agreement is counted over the (frame, field) cells where either side has a
value. The test checks:
  - overall agreement >= 99.9% over the whole corpus (every link type);
  - per field, for http.host, tls.handshake.extensions_server_name and
    dns.qry.name (values that come from TCP streams or QUIC Initials):
    agreement >= 97% of that field's own cells;
  - every disagreement is listed, with a reason written by a person, in
    tests/integration/conformance-expected.tsv; listed ones that now agree
    are reported as stale (printed, not a failure);
  - files tshark refused (empty TSV) give a clear error naming the file and
    a non-zero exit.

Regenerate the list after a decoder change (reasons of rows that remain are
kept; new rows get "UNEXPLAINED", which fails until a person writes one):
    PKTD_UPDATE_EXPECTED=1 /usr/bin/python3 tests/integration/run.py conformance
"""

import ipaddress
import os

from harness import REPO, Skip, TempDir, pcaps_dir, plugin, read_jsonl, run_pktd

FIELDS = [
    "frame.number", "frame.len", "frame.cap_len", "eth.src", "eth.dst", "vlan.id",
    "ip.src", "ip.dst", "ip.proto", "ipv6.src", "ipv6.dst", "ipv6.nxt",
    "tcp.srcport", "tcp.dstport", "tcp.flags", "udp.srcport", "udp.dstport",
    "icmp.type", "icmpv6.type", "dns.qry.name",
    "tls.handshake.extensions_server_name", "http.host",
]
INT_FIELDS = {"frame.number", "frame.len", "frame.cap_len", "vlan.id", "ip.proto",
              "ipv6.nxt", "tcp.srcport", "tcp.dstport", "tcp.flags", "udp.srcport",
              "udp.dstport", "icmp.type", "icmpv6.type"}
ADDR_FIELDS = {"ip.src", "ip.dst", "ipv6.src", "ipv6.dst"}
MAC_FIELDS = {"eth.src", "eth.dst"}

THRESHOLD = 99.9   # percent of all cells, whole corpus
# Fields that need TCP streams (or QUIC decryption) for some of their
# values: each must agree on at least this many percent of its own cells.
STREAM_FIELDS = ("http.host", "tls.handshake.extensions_server_name", "dns.qry.name")
STREAM_THRESHOLD = 97.0

EXPECTED = os.path.join(REPO, "tests", "integration", "conformance-expected.tsv")
EXPECTED_HEADER = ["file", "frame", "field", "pktd", "tshark", "reason"]
ABSENT = "-"           # how a missing value is written in the expectations
UNEXPLAINED = "UNEXPLAINED"


def norm(field, value):
    """Canonical text of a field value, None when absent. Formatting only:
    integers in decimal whatever their base (tcp.flags as 0x%04x), IPs compressed, MACs and names
    lower-case."""
    if value is None:
        return None
    s = str(value).strip()
    if s == "":
        return None
    if field in INT_FIELDS:
        try:
            n = int(s, 16) if s.lower().startswith("0x") else int(s)
            return "0x%04x" % n if field == "tcp.flags" else str(n)
        except ValueError:
            return s
    if field in ADDR_FIELDS:
        try:
            return ipaddress.ip_address(s).compressed
        except ValueError:
            return s.lower()
    if field in MAC_FIELDS:
        return s.lower().replace("-", ":")
    return s.lower()


def read_tshark(path):
    """{frame: {field: normalised value}} from a reference TSV (None if empty)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if not text.strip():
        return None
    lines = text.split("\n")
    header = lines[0].split("\t")
    rows = {}
    for line in lines[1:]:
        if not line:
            continue
        cols = line.split("\t")
        rec = {}
        for name, val in zip(header, cols):
            if name in FIELDS:
                v = norm(name, val)
                if v is not None:
                    rec[name] = v
        rows[int(rec["frame.number"])] = rec
    return rows


def read_pktd(records):
    """{frame: {field: normalised value}} from fields.py records; frames
    emitted twice are reported through the second return value."""
    rows, dups = {}, []
    for r in records:
        rec = {}
        for name in FIELDS:
            v = norm(name, r.get(name))
            if v is not None:
                rec[name] = v
        frame = int(rec.get("frame.number", 0))
        if frame in rows:
            dups.append(frame)
        rows[frame] = rec
    return rows, dups


def compare(fname, ours, theirs, per_field=None):
    """(cells, agreeing, [(file, frame, field, pktd, tshark), ...]);
    per_field, if given, {field: [agreeing, cells]} is added to."""
    cells = agree = 0
    diffs = []
    for frame in sorted(set(ours) | set(theirs)):
        a = ours.get(frame, {})
        b = theirs.get(frame, {})
        for field in FIELDS:
            va, vb = a.get(field), b.get(field)
            if va is None and vb is None:
                continue
            cells += 1
            same = va == vb
            if same:
                agree += 1
            else:
                diffs.append((fname, str(frame), field, va or ABSENT, vb or ABSENT))
            if per_field is not None:
                pf = per_field.setdefault(field, [0, 0])
                pf[0] += same
                pf[1] += 1
    return cells, agree, diffs


def read_expected():
    """{(file, frame, field, pktd, tshark): reason}."""
    exp = {}
    if not os.path.exists(EXPECTED):
        return exp
    with open(EXPECTED, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols == EXPECTED_HEADER:
                continue
            if len(cols) != 6:
                raise AssertionError("%s:%d: expected 6 tab-separated columns" % (EXPECTED, i))
            exp[tuple(cols[:5])] = cols[5]
    return exp


def write_expected(diffs, old):
    with open(EXPECTED, "w", encoding="utf-8") as f:
        f.write("# Disagreements between pktd (plugins/fields.py) and tshark 4.0 on\n"
                "# ../shared/pcaps, each with the reason a person found for it.\n"
                "# Checked by tests/integration/test_conformance.py; regenerate with\n"
                "# PKTD_UPDATE_EXPECTED=1, then write the reason of every UNEXPLAINED row.\n")
        f.write("\t".join(EXPECTED_HEADER) + "\n")
        for d in diffs:
            f.write("\t".join(d) + "\t" + old.get(d, UNEXPLAINED) + "\n")


def test_conformance_with_tshark():
    pdir = pcaps_dir()
    refs = os.path.join(pdir, "refs")
    if not os.path.isdir(refs):
        raise Skip("reference decodes %s are absent" % refs)
    captures = sorted(f for f in os.listdir(pdir) if f.endswith((".pcap", ".pcapng")))
    problems = []
    all_diffs = []
    tot_cells = tot_agree = 0
    per_field = {}
    print("conformance: pktd + fields.py vs tshark, per file (cells where either side has a value)")
    with TempDir() as tmp:
        for fname in captures:
            ref = os.path.join(refs, fname + ".tshark.tsv")
            if not os.path.exists(ref):
                problems.append("%s: no reference decode %s" % (fname, ref))
                continue
            theirs = read_tshark(ref)
            out = os.path.join(tmp, fname + ".jsonl")
            if os.path.exists(out):
                os.unlink(out)
            res = run_pktd(["-r", os.path.join(pdir, fname), "-p", plugin("fields.py"),
                            "-o", out], timeout=900)
            if theirs is None:
                # tshark refused the file: the daemon must refuse it clearly.
                if res.rc == 0 or fname not in res.stderr:
                    problems.append("%s: tshark refused it; expected a non-zero exit and an "
                                    "error naming the file\n%s" % (fname, res.describe()))
                else:
                    msg = [l for l in res.stderr.splitlines() if fname in l][0]
                    print("  %-40s refused as by tshark (exit %d): %s" % (fname, res.rc, msg[:160]))
                continue
            if res.rc != 0:
                problems.append("%s: exit %d\n%s" % (fname, res.rc, res.describe()))
            try:
                with open(out, encoding="utf-8") as f:
                    ours, dups = read_pktd(read_jsonl(f.read()))
            except (OSError, AssertionError) as e:
                problems.append("%s: cannot read the plugin output: %s" % (fname, e))
                ours, dups = {}, []
            if dups:
                problems.append("%s: frames emitted more than once: %s" % (fname, dups[:10]))
            cells, agree, diffs = compare(fname, ours, theirs, per_field)
            tot_cells += cells
            tot_agree += agree
            all_diffs.extend(diffs)
            print("  %-40s %6d/%-6d %7.3f%%  frames %d/%d" % (
                fname, agree, cells, 100.0 * agree / max(cells, 1), len(ours), len(theirs)))
    overall = 100.0 * tot_agree / max(tot_cells, 1)
    print("conformance: overall %d/%d cells agree = %.3f%% (threshold %.1f%%)" % (
        tot_agree, tot_cells, overall, THRESHOLD))
    field_pct = {}
    for field in STREAM_FIELDS:
        a, c = per_field.get(field, (0, 0))
        field_pct[field] = 100.0 * a / c if c else 100.0
        print("conformance: %s %d/%d cells agree = %.2f%% (threshold %.0f%%)" % (
            field, a, c, field_pct[field], STREAM_THRESHOLD))

    expected = read_expected()
    if os.environ.get("PKTD_UPDATE_EXPECTED") == "1":
        write_expected(all_diffs, expected)
        print("conformance: wrote %d rows to %s" % (len(all_diffs), EXPECTED))
        expected = read_expected()
    current = set(all_diffs)
    unlisted = [d for d in all_diffs if d not in expected]
    unexplained = [k for k, r in expected.items() if k in current and
                   (not r.strip() or r == UNEXPLAINED)]
    stale = [k for k in expected if k not in current]
    reasons = {}
    for d in all_diffs:
        if d in expected:
            reasons[expected[d]] = reasons.get(expected[d], 0) + 1
    print("conformance: %d disagreements, %d listed, %d unlisted, %d stale" % (
        len(all_diffs), len(all_diffs) - len(unlisted), len(unlisted), len(stale)))
    for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
        print("  %6d  %s" % (n, reason))
    for k in stale[:50]:
        print("  STALE (now agrees or changed): %s" % "\t".join(k))
    if len(stale) > 50:
        print("  ... and %d more stale rows" % (len(stale) - 50))

    if unlisted:
        lines = ["\t".join(d) for d in unlisted[:40]]
        problems.append("%d disagreements not in %s (file, frame, field, pktd, tshark):\n  %s%s" % (
            len(unlisted), os.path.relpath(EXPECTED, REPO), "\n  ".join(lines),
            "\n  ..." if len(unlisted) > 40 else ""))
    if unexplained:
        problems.append("%d rows of %s have no reason written (first: %s)" % (
            len(unexplained), os.path.relpath(EXPECTED, REPO), "\t".join(unexplained[0])))
    if overall < THRESHOLD:
        problems.append("overall agreement %.3f%% is below %.1f%%" % (overall, THRESHOLD))
    for field, pct in field_pct.items():
        if pct < STREAM_THRESHOLD:
            problems.append("%s agreement %.2f%% is below %.0f%%" % (field, pct, STREAM_THRESHOLD))
    if problems:
        raise AssertionError("%d problem(s):\n%s" % (len(problems), "\n".join(problems)))
