"""Live capture (-i) through the real daemon, between two network namespaces.

Each test builds pktd-a <-> pktd-b joined by a veth pair (netns.py: only
10.99.0.0/24 and fd00:99::/64, nothing leaves the machine), runs
`ip netns exec pktd-a pktd -i veth-a ...`, sends known traffic from the
other side (UDP bursts from a small Python sender, a TCP transfer, DNS
queries with dig to a dnsmasq in pktd-b, ping and ping -6), stops pktd
with SIGTERM and checks what it saw against what was sent, and that the
accounting identity of docs/design.md holds. Skipped, with the reason,
where namespaces cannot be created.
"""

import json
import os
import signal
import subprocess
import time

from harness import PYTHON, REPO, Skip, TempDir, have_tool, pktd_binary, plugin, read_jsonl, write_plugin
import promtext
from netns import A4, B4, B6, Pair, wait_for_line

# Counts what the tests send, by kind; TCP bytes as the span of sequence
# numbers the client covered (robust to retransmissions).
COUNTER = '''
import os, pktd
A4, B4, A6, B6 = "10.99.0.1", "10.99.0.2", "fd00:99::1", "fd00:99::2"
c = {"udp": 0, "udp_bytes": 0, "echo_req": 0, "echo_rep": 0, "echo6_req": 0, "echo6_rep": 0,
     "dns_q": 0, "dns_r": 0, "tcp_syn": 0, "tcp_fin": 0, "packets": 0}
isn = None
top = None
def setup(ctx):
    pktd.emit({"setup_uid": os.getuid(), "setup_gid": os.getgid()})
def on_packet(pkt):
    global isn, top
    c["packets"] += 1
    p = pkt.proto
    if p == 17:
        if pkt.dport == 9000 and pkt.src == B4:
            c["udp"] += 1
            c["udp_bytes"] += pkt.payload_len
        elif pkt.dport == 53:
            c["dns_q"] += 1
        elif pkt.sport == 53:
            c["dns_r"] += 1
    elif p == 6 and pkt.dport == 9001 and pkt.src == A4:
        f = pkt.tcp_flags
        if f & 0x02:
            c["tcp_syn"] += 1
            isn = pkt.seq
        if f & 0x01:
            c["tcp_fin"] += 1
        if isn is not None and pkt.payload_len:
            end = (pkt.seq - isn - 1) % (1 << 32) + pkt.payload_len
            top = end if top is None or end > top else top
    elif p == 1 and pkt.icmp_type == 8 and pkt.src == B4:
        c["echo_req"] += 1
    elif p == 1 and pkt.icmp_type == 0 and pkt.src == A4:
        c["echo_rep"] += 1
    elif p == 58 and pkt.icmp_type == 128 and pkt.src == A6:
        c["echo6_req"] += 1
    elif p == 58 and pkt.icmp_type == 129 and pkt.src == B6:
        c["echo6_rep"] += 1
def teardown():
    c["tcp_bytes"] = top or 0
    pktd.emit({"counts": c})
'''

SLOW = '''
import time, pktd
n = 0
def on_packet(pkt):
    global n
    n += 1
    time.sleep(0.002)
def teardown():
    pktd.emit({"slow_count": n})
'''

# Sends N UDP datagrams of SIZE bytes in bursts of BURST, PAUSE seconds apart.
SENDER = '''
import socket, sys, time
host, port, n, burst, pause, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \\
    float(sys.argv[5]), int(sys.argv[6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
data = b"u" * size
sent = 0
while sent < n:
    for _ in range(min(burst, n - sent)):
        s.sendto(data, (host, port))
        sent += 1
    time.sleep(pause)
print(sent)
'''

# Counts datagrams on ADDR:PORT until IDLE seconds pass without one.
RECEIVER = '''
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind((sys.argv[1], int(sys.argv[2])))
print("ready", flush=True)
n = 0
s.settimeout(float(sys.argv[3]) * 10)
try:
    while True:
        s.recv(65536)
        n += 1
        s.settimeout(float(sys.argv[3]))
except socket.timeout:
    pass
print(n, flush=True)
'''

TCP_SERVER = '''
import socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((sys.argv[1], int(sys.argv[2])))
srv.listen(1)
print("ready", flush=True)
conn, _ = srv.accept()
total = 0
while True:
    b = conn.recv(1 << 16)
    if not b:
        break
    total += len(b)
print(total, flush=True)
'''

TCP_CLIENT = '''
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=20)
c.sendall(b"t" * int(sys.argv[3]))
c.shutdown(socket.SHUT_WR)
c.recv(1)
c.close()
'''

TCP_BYTES = 1 << 20
UDP_COUNT = 1000
DNS_NAMES = ["q%d.pktd.test" % i for i in range(1, 6)]


def _start_pktd(net, tmp, args, name="pktd"):
    """Start pktd in pktd-a with stderr to a file; wait until it captures."""
    err_path = os.path.join(tmp, name + ".err")
    errf = open(err_path, "w")
    proc = net.popen("a", [pktd_binary()] + args, cwd=REPO, stdout=subprocess.DEVNULL, stderr=errf)
    errf.close()
    wait_for_line(err_path, "capturing on", 60, proc)
    return proc, err_path


def _stop_pktd(proc, err_path, timeout=60):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("pktd still running %d s after SIGTERM" % timeout)
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err = f.read()
    if proc.returncode != 0:
        raise AssertionError("pktd exited %d\n%s" % (proc.returncode, err[-4000:]))
    return err


def _stats(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def check_identity(st):
    """The accounting identity of docs/design.md on a final --stats-json."""
    a = st["accounting"]
    assert a["received"] == a["kernel_dropped"] + a["interface_dropped"] + a["undelivered"] + a["captured"], a
    assert a["captured"] == a["ring_dropped"] + (a["queued"] - a["reassembled"]) + a["pending"], a
    assert a["pending"] == 0 and a["in_ring"] == 0, a
    assert a["queued"] == a["dispatched"] + a["in_ring"], a
    assert a["dispatched"] == a["delivered"] + a["filtered_out"], a
    assert a["captured"] == st["packets_read"], (a, st["packets_read"])
    assert a["dispatched"] == st["dispatched"], a
    for name, p in st["plugins"].items():
        assert p["matched"] == p["dispatched"] + p["skipped_disabled"], (name, p)
        assert p["matched"] + p["filter_unsupported"] <= a["dispatched"], (name, p)
    return a


def _pcap_count(path):
    r = subprocess.run(["tcpdump", "-n", "-r", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert r.returncode == 0, "tcpdump -r %s: %s" % (path, r.stderr.decode()[-500:])
    return len(r.stdout.splitlines())


def test_live_capture_counts_match_what_was_sent():
    for tool in ("dnsmasq", "dig", "ping", "tcpdump"):
        if not have_tool(tool):
            raise Skip("%s is not installed (scripts/deps.sh installs it)" % tool)
    with TempDir() as tmp, Pair() as net:
        counter = write_plugin(tmp, "counter.py", COUNTER)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        cap = os.path.join(tmp, "cap.pcap")
        slog = os.path.join(tmp, "stats.log")
        dns = net.popen("b", ["dnsmasq", "-k", "--conf-file=/dev/null", "--no-resolv", "--no-hosts",
                              "--bind-interfaces", "--listen-address=" + B4, "--port=53",
                              "--address=/pktd.test/10.99.0.77", "--pid-file=" + os.path.join(tmp, "dnsmasq.pid")],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        proc, err_path = _start_pktd(net, tmp, ["-i", "veth-a", "-p", counter, "-p", plugin("dns.py"), "-o", out,
                                                "--stats-json", stats, "-w", cap, "--stats-interval", "0.5",
                                                "--stats-log", slog])
        rx = net.popen("a", [PYTHON, "-c", RECEIVER, A4, "9000", "1.0"], stdout=subprocess.PIPE, text=True)
        assert rx.stdout.readline().strip() == "ready"
        srv = net.popen("b", [PYTHON, "-c", TCP_SERVER, B4, "9001"], stdout=subprocess.PIPE, text=True)
        assert srv.stdout.readline().strip() == "ready"

        sent = net.run("b", [PYTHON, "-c", SENDER, A4, "9000", str(UDP_COUNT), "50", "0.002", "100"])
        assert int(sent.stdout) == UDP_COUNT
        net.run("a", [PYTHON, "-c", TCP_CLIENT, B4, "9001", str(TCP_BYTES)])
        got_tcp = int(srv.stdout.readline())
        for _ in range(50):
            if dns.poll() is not None:
                raise AssertionError("dnsmasq exited %d" % dns.returncode)
            if net.run("a", ["dig", "+short", "+tries=1", "+time=1", "@" + B4, DNS_NAMES[0]],
                       check=False).stdout.strip() == b"10.99.0.77":
                break
            time.sleep(0.1)
        else:
            raise AssertionError("dnsmasq in pktd-b does not answer")
        for name in DNS_NAMES[1:]:
            r = net.run("a", ["dig", "+short", "+tries=1", "+time=2", "@" + B4, name])
            assert r.stdout.strip() == b"10.99.0.77", (name, r.stdout)
        net.run("b", ["ping", "-c", "5", "-i", "0.2", "-W", "2", A4])
        net.run("a", ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", B6])
        got_udp = int(rx.stdout.readline())
        time.sleep(0.5)  # past the kernel's 10 ms block timeout: everything is read
        err = _stop_pktd(proc, err_path)
        recs = read_jsonl(open(out, encoding="utf-8").read())
        st = _stats(stats)
        with open(slog, encoding="utf-8") as f:
            lines = [json.loads(l) for l in f if l.strip()]
        pcap_packets = _pcap_count(cap)

    counts = [r["counts"] for r in recs if "counts" in r][0]
    assert got_udp == UDP_COUNT, "the receiver got %d of %d datagrams" % (got_udp, UDP_COUNT)
    assert counts["udp"] == UDP_COUNT and counts["udp_bytes"] == 100 * UDP_COUNT, counts
    assert got_tcp == TCP_BYTES and counts["tcp_bytes"] == TCP_BYTES, (got_tcp, counts)
    assert counts["tcp_syn"] == 1 and counts["tcp_fin"] == 1, counts
    assert counts["echo_req"] == 5 and counts["echo_rep"] == 5, counts
    assert counts["echo6_req"] == 3 and counts["echo6_rep"] == 3, counts
    # One query and one response per name (the first name may have been
    # asked again while dnsmasq started).
    queries = [r for r in recs if r.get("qr") == "query"]
    answers = [r for r in recs if r.get("qr") == "response"]
    for name in DNS_NAMES:
        assert any(q["questions"][0]["name"] == name + "." for q in queries), (name, queries)
        rs = [r for r in answers if r["questions"][0]["name"] == name + "."]
        assert rs and rs[0]["answers"][0]["data"] == "10.99.0.77", (name, rs)
    assert counts["dns_q"] == len(queries) and counts["dns_r"] == len(answers), (counts, len(queries))

    a = check_identity(st)
    assert st["mode"] == "live" and st["live"]["interface"] == "veth-a", st["live"]
    assert a["kernel_dropped"] == 0 and a["ring_dropped"] == 0 and a["undelivered"] == 0, a
    assert a["captured"] == counts["packets"] == st["plugins"]["counter"]["dispatched"], (a, counts)
    assert pcap_packets == a["captured"] == st["write"]["packets"], (pcap_packets, a)
    assert err.count("plugins will run with root's rights") == 1, err
    assert lines and all("drops" in l and "ring" in l and "rates" in l for l in lines), lines[:2]
    assert lines[-1]["captured"] <= a["captured"]
    print("  live veth: captured %d packets (%d UDP datagrams, TCP %d bytes, %d DNS queries + %d responses, "
          "%d+%d echo, %d+%d echo6); written to -w %d; kernel drops %d, ring drops %d" % (
              a["captured"], counts["udp"], counts["tcp_bytes"], len(queries), len(answers), counts["echo_req"],
              counts["echo_rep"], counts["echo6_req"], counts["echo6_rep"], pcap_packets, a["kernel_dropped"],
              a["ring_dropped"]))


def _scrape(net, port, path="/metrics"):
    code = ("import urllib.request, sys; "
            "sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:%d%s', timeout=10).read().decode())"
            % (port, path))
    return net.run("a", [PYTHON, "-c", code]).stdout.decode()


def test_overload_drops_at_the_ring_and_every_packet_is_accounted_for():
    promtext.families("")  # Skip early without the parser
    n = 3000
    with TempDir() as tmp, Pair() as net:
        slow = write_plugin(tmp, "slow.py", SLOW)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        proc, err_path = _start_pktd(net, tmp, ["-i", "veth-a", "-f", "udp port 9000", "--ring-packets", "16",
                                                "-p", slow, "-o", out, "--stats-json", stats,
                                                "--metrics", "9464"])
        sent = net.run("b", [PYTHON, "-c", SENDER, A4, "9000", str(n), "100", "0.001", "64"])
        assert int(sent.stdout) == n
        time.sleep(1.0)  # the ring (16 packets) drains in well under a second
        fams = promtext.families(_scrape(net, 9464))
        _stop_pktd(proc, err_path)
        recs = read_jsonl(open(out, encoding="utf-8").read())
        st = _stats(stats)
    a = check_identity(st)
    slow_count = [r["slow_count"] for r in recs if "slow_count" in r][0]
    assert a["ring_dropped"] > 0, "no ring-full drops under overload: %r" % a
    assert slow_count == a["dispatched"] == a["delivered"] == st["plugins"]["slow"]["dispatched"], (slow_count, a)
    # Every datagram sent is somewhere: captured, or dropped by the kernel.
    assert a["captured"] + a["kernel_dropped"] + a["undelivered"] == n, (n, a)
    assert a["captured"] == a["ring_dropped"] + a["dispatched"], a
    ring_full = promtext.sample(fams, "pktd_dropped_packets", "pktd_dropped_packets_total", cause="ring_full")
    assert ring_full > 0, "no ring_full drops in /metrics"
    assert ring_full <= a["ring_dropped"]
    scraped = {k: promtext.sample(fams, "pktd_" + k, "pktd_" + k + "_total")
               for k in ("received_packets", "captured_packets", "dispatched_packets")}
    kernel = promtext.sample(fams, "pktd_dropped_packets", "pktd_dropped_packets_total", cause="kernel")
    iface = promtext.sample(fams, "pktd_dropped_packets", "pktd_dropped_packets_total", cause="interface")
    undelivered = promtext.sample(fams, "pktd_undelivered_packets", "pktd_undelivered_packets")
    assert scraped["received_packets"] == scraped["captured_packets"] + kernel + iface + undelivered, scraped
    assert scraped["captured_packets"] == ring_full + scraped["dispatched_packets"] + promtext.sample(
        fams, "pktd_ring_used_slots", "pktd_ring_used_slots"), scraped
    print("  overload: %d sent, %d captured, %d dropped at the ring, %d dispatched, %d kernel drops" % (
        n, a["captured"], a["ring_dropped"], a["dispatched"], a["kernel_dropped"]))


def _wait_drained(slog, proc, timeout=60):
    """Wait until a --stats-log line shows nothing left in the kernel buffer
    or the ring, twice in a row with the same captured count."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        time.sleep(0.25)
        if proc.poll() is not None:
            raise AssertionError("pktd exited %d" % proc.returncode)
        with open(slog, encoding="utf-8") as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        if not lines:
            continue
        cur = json.loads(lines[-1])
        if cur["drops"]["undelivered"] == 0 and cur["ring"]["used"] == 0:
            if last is not None and last["captured"] == cur["captured"]:
                return cur
            last = cur
    raise AssertionError("pktd did not catch up within %d s: %r" % (timeout, last))


SLOWISH = SLOW.replace("time.sleep(0.002)", "time.sleep(0.0003)")


def test_overflow_block_stalls_reading_and_the_kernel_drops_are_counted():
    n = 20000
    with TempDir() as tmp, Pair() as net:
        slow = write_plugin(tmp, "slow.py", SLOWISH)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        slog = os.path.join(tmp, "stats.log")
        proc, err_path = _start_pktd(net, tmp, ["-i", "veth-a", "-f", "udp port 9000", "--ring-packets", "16",
                                                "--overflow", "block", "--buffer-size", "1", "-p", slow,
                                                "-o", out, "--stats-json", stats, "--stats-interval", "0.2",
                                                "--stats-log", slog])
        net.run("b", [PYTHON, "-c", SENDER, A4, "9000", str(n), "100", "0.001", "64"])
        _wait_drained(slog, proc)
        _stop_pktd(proc, err_path)
        recs = read_jsonl(open(out, encoding="utf-8").read())
        st = _stats(stats)
    a = check_identity(st)
    slow_count = [r["slow_count"] for r in recs if "slow_count" in r][0]
    assert st["overflow"] == "block" and a["ring_dropped"] == 0, a
    assert slow_count == a["dispatched"] == a["captured"], (slow_count, a)
    assert a["captured"] + a["kernel_dropped"] + a["undelivered"] == n, (n, a)
    assert a["kernel_dropped"] > 0, "a 1 MB kernel buffer held all %d packets: %r" % (n, a)
    print("  block: %d sent, %d captured and dispatched, %d dropped by the kernel, %d left unread" % (
        n, a["captured"], a["kernel_dropped"], a["undelivered"]))


def test_live_capture_drops_privileges_with_Z():
    with TempDir() as tmp, Pair() as net:
        os.chmod(tmp, 0o755)
        counter = write_plugin(tmp, "counter.py", COUNTER)
        os.chmod(counter, 0o644)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        proc, err_path = _start_pktd(net, tmp, ["-i", "veth-a", "-Z", "nobody", "-p", counter, "-o", out,
                                                "--stats-json", stats])
        with open("/proc/%d/status" % proc.pid) as f:
            status = dict(l.split(":", 1) for l in f if ":" in l)
        net.run("b", ["ping", "-c", "3", "-i", "0.2", "-W", "2", A4])
        time.sleep(0.3)
        err = _stop_pktd(proc, err_path)
        recs = read_jsonl(open(out, encoding="utf-8").read())
        st = _stats(stats)
    uids = status["Uid"].split()
    assert uids == ["65534"] * 4, "Uid line %r" % status["Uid"]
    assert status["Groups"].split() in ([], ["65534"]), status["Groups"]
    setup = [r for r in recs if "setup_uid" in r][0]
    assert setup["setup_uid"] == 65534, setup
    counts = [r["counts"] for r in recs if "counts" in r][0]
    assert counts["echo_req"] == 3 and counts["echo_rep"] == 3, counts
    check_identity(st)
    assert "root's rights" not in err, err


def test_live_capture_on_any_interface():
    with TempDir() as tmp, Pair() as net:
        counter = write_plugin(tmp, "counter.py", COUNTER)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        proc, err_path = _start_pktd(net, tmp, ["-i", "any", "-f", "icmp", "-p", counter, "-o", out,
                                                "--stats-json", stats])
        net.run("b", ["ping", "-c", "4", "-i", "0.2", "-W", "2", A4])
        time.sleep(0.3)
        err = _stop_pktd(proc, err_path)
        recs = read_jsonl(open(out, encoding="utf-8").read())
        st = _stats(stats)
    counts = [r["counts"] for r in recs if "counts" in r][0]
    # Linux cooked capture (SLL) on "any": each echo seen once on veth-a.
    assert st["live"]["linktype"] in (113, 276), st["live"]
    assert "LINUX_SLL" in err, err
    assert counts["echo_req"] == 4 and counts["echo_rep"] == 4, counts
    a = check_identity(st)
    assert a["captured"] == 8 and a["kernel_dropped"] == 0, a
