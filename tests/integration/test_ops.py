"""Running pktd as a daemon, on file replay: timing (--speed, --pps, --loop),
/metrics and /stats, SIGHUP, SIGUSR1, -Z, --config, -w with rotation,
--stats-interval, the progress line, and usage errors. (SIGTERM mid-replay
of a large capture, with the accounting identity, is in test_plugins.py.)

Captures with known timing are written by a small pcap writer below; each
run is bounded in time and its temporary files removed even on failure.
"""

import json
import os
import pty
import signal
import socket
import struct
import subprocess
import time
import urllib.request

from harness import REPO, Skip, TempDir, check_ok, have_tool, pcap, pktd_binary, read_jsonl, run_pktd, write_plugin
import promtext

EMIT = '''
import os, pktd
def setup(ctx):
    pktd.emit({"setup_uid": os.getuid(), "setup_gid": os.getgid()})
def on_packet(pkt):
    pktd.emit({"frame": pkt.frame, "ts": pkt.ts})
'''

COUNT = '''
import pktd
n = 0
def on_packet(pkt):
    global n
    n += 1
def teardown():
    pktd.emit({"count": n})
'''


def write_pcap(path, n, gap_s, size=60):
    """n UDP packets (Ethernet/IPv4, 10.99.0.2 -> 10.99.0.1:9000), gap_s apart,
    nanosecond pcap."""
    t0 = 1700000000 * 10**9
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
        for i in range(n):
            payload = struct.pack("!I", i) + b"p" * (size - 4)
            udp = struct.pack("!HHHH", 40000, 9000, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                             bytes([10, 99, 0, 2]), bytes([10, 99, 0, 1])) + udp
            frame = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00" + ip
            ts = t0 + int(round(i * gap_s * 1e9))
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(frame), len(frame)) + frame)
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(args, tmp, name="pktd"):
    """Start pktd in the background, stderr to a file; returns (proc, err_path)."""
    err_path = os.path.join(tmp, name + ".err")
    with open(err_path, "w") as errf:
        proc = subprocess.Popen([pktd_binary()] + args, cwd=REPO, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=errf)
    return proc, err_path


def finish(proc, err_path, sig=signal.SIGTERM, timeout=60):
    """Signal (if still running) and wait; returns stderr. Kills on timeout."""
    if proc.poll() is None and sig is not None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError("pktd still running %d s after signal %s" % (timeout, sig))
    with open(err_path, encoding="utf-8", errors="replace") as f:
        err = f.read()
    if proc.returncode != 0:
        raise AssertionError("pktd exited %d\n%s" % (proc.returncode, err[-4000:]))
    return err


def wait_until(cond, timeout, what, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        if proc is not None and proc.poll() is not None:
            raise AssertionError("pktd exited %d while waiting for %s" % (proc.returncode, what))
        time.sleep(0.05)
    raise AssertionError("timed out after %d s waiting for %s" % (timeout, what))


def lines_of(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return []
    return [l for l in text.splitlines() if l.strip()] if text.endswith("\n") else \
        [l for l in text.splitlines()[:-1] if l.strip()]


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode("utf-8")


# --- replay timing --------------------------------------------------------------------

def _timed_run(tmp, extra):
    cap = write_pcap(os.path.join(tmp, "two-seconds.pcap"), 21, 0.1)  # spans 2.0 s
    res = check_ok(run_pktd(["-q", "-r", cap, "-p", write_plugin(tmp, "emit.py", EMIT)] + extra,
                            output=True, stats=True, tmpdir=tmp, timeout=60))
    recs = [r for r in res.records() if "frame" in r]
    return res.stats()["wall_seconds"], recs


def test_speed_1_replays_in_real_time_and_speed_10_ten_times_faster():
    with TempDir() as tmp:
        top, recs0 = _timed_run(tmp, [])
        s1, recs1 = _timed_run(tmp, ["--speed", "1"])
        s10, recs10 = _timed_run(tmp, ["--speed", "10"])
    assert len(recs0) == len(recs1) == len(recs10) == 21
    assert top < 0.5, "top speed took %.3f s" % top
    assert 1.8 <= s1 <= 2.8, "--speed 1 took %.3f s for a 2.0 s capture" % s1
    assert 0.15 <= s10 <= 0.6, "--speed 10 took %.3f s for a 2.0 s capture" % s10
    print("  2.0 s capture: top speed %.3f s, --speed 1 %.3f s, --speed 10 %.3f s" % (top, s1, s10))


def test_pps_replays_at_a_fixed_rate():
    with TempDir() as tmp:
        s, recs = _timed_run(tmp, ["--pps", "20"])
    # 21 packets at 20/s: the last is due 1.0 s after the first.
    assert len(recs) == 21
    assert 0.9 <= s <= 1.7, "--pps 20 took %.3f s for 21 packets" % s


def test_thread_choice_and_no_interpreter_without_plugins():
    """A capture thread by default for replay with a plugin (2+ CPUs), paced
    or not, unless --threads 1 asks; one thread and no interpreter at all
    without a plugin."""
    two_cpus = len(os.sched_getaffinity(0)) >= 2
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        plug = write_plugin(tmp, "emit.py", EMIT)
        def threads(extra, with_plugin=True):
            res = check_ok(run_pktd(["-q", "-r", cap] + (["-p", plug] if with_plugin else []) + extra,
                                    output=True, stats=True, tmpdir=tmp, timeout=60))
            st = res.stats()
            assert st["packets_read"] == 5
            return st["threads"], st["python"]["started"]
        assert threads([]) == ((2 if two_cpus else 1), True)
        assert threads(["--pps", "1000"]) == ((2 if two_cpus else 1), True)
        assert threads(["--pps", "1000", "--threads", "1"]) == (1, True)
        assert threads([], with_plugin=False) == (1, False)


def test_paced_replay_reports_lag_and_due_to_return_delay():
    """Paced packets: how late each entered the ring (pace_lag) and its due
    time to its plugin's return (paced_delay), on one thread and two;
    unpaced replay has neither."""
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "many.pcap"), 200, 0.001)
        plug = write_plugin(tmp, "emit.py", EMIT)
        for threads in ("1", "2"):
            st = check_ok(run_pktd(["-q", "-r", cap, "-p", plug, "--pps", "2000", "--threads", threads],
                                   output=True, stats=True, tmpdir=tmp, timeout=60)).stats()
            assert st["pace_lag"]["count"] == 200 and st["paced_delay"]["count"] == 200, st
            # Due to return covers what happens in the ring too, so its mean is
            # at least the lag's; both stay far below a second on any machine.
            assert st["paced_delay"]["mean_us"] + 1 >= st["pace_lag"]["mean_us"], st
            assert st["paced_delay"]["p50_us"] < 100000, st["paced_delay"]
        st = check_ok(run_pktd(["-q", "-r", cap, "-p", plug], output=True, stats=True, tmpdir=tmp,
                               timeout=60)).stats()
        assert st["pace_lag"]["count"] == 0 and st["paced_delay"]["count"] == 0


GROWING = """
import pktd
table = {}
items = []

def on_packet(pkt):
    # A growing state: a dict resized up to 300k entries and a list
    # (both past bigheap's smallest block).
    base = len(table)
    for i in range(base, base + 1500):
        table[i] = i * 3
        items.append(i)

def teardown():
    ok = all(table[i] == i * 3 for i in range(len(table))) and items == list(range(len(items)))
    pktd.log("grown %d ok %s" % (len(table), ok))
"""


def test_big_blocks_come_faulted_in_ahead_under_scheduled_gc():
    """--gc=scheduled serves Python's big blocks (a growing dict's tables)
    from memory faulted in ahead; the state reads back intact, and
    --gc=default or --gc-heap-reserve 0 leaves Python's allocator alone."""
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "many.pcap"), 200, 0.001)
        plug = write_plugin(tmp, "grow.py", GROWING)
        for mode in (["--gc=scheduled"], ["--gc=default"], ["--gc=scheduled", "--gc-heap-reserve", "0"]):
            res = check_ok(run_pktd(["-q", "-r", cap, "-p", plug] + mode, stats=True, tmpdir=tmp, timeout=120))
            assert "grown 300000 ok True" in res.stderr, res.stderr
            big = res.stats()["gc"]["big_blocks"]
            if len(mode) > 1 or mode == ["--gc=default"]:
                assert not big["installed"] and big["blocks"] == 0, (mode, big)
                continue
            assert big["installed"] and big["fallbacks"] == 0, big
            # The dict's tables from 16k entries up and the list's arrays;
            # some found their pages ready (how many depends on how far
            # ahead the helper got: this machine may be busy).
            assert big["blocks"] >= 5 and big["ready"] >= 1, big
            assert big["live_bytes"] >= 10 << 20, big


def test_loop_repeats_the_inputs_and_frame_numbers_continue():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        res = check_ok(run_pktd(["-q", "-r", cap, "--loop", "3", "-p", write_plugin(tmp, "emit.py", EMIT)],
                                output=True, stats=True, tmpdir=tmp, timeout=60))
        frames = [r["frame"] for r in res.records() if "frame" in r]
        st = res.stats()
    assert frames == list(range(1, 16)), frames
    assert st["packets_read"] == 15 and st["inputs"]["read"] == 3, (st["packets_read"], st["inputs"])


def test_loop_0_runs_until_stopped_and_paced_replay_answers_signals():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        proc, err_path = start(["-r", cap, "--loop", "0", "--pps", "200", "-p", write_plugin(tmp, "e.py", EMIT),
                                "-o", out, "--stats-json", stats], tmp)
        wait_until(lambda: len(lines_of(out)) > 60, 30, "records", proc)
        t0 = time.monotonic()
        finish(proc, err_path)
        stop_s = time.monotonic() - t0
        recs = read_jsonl(open(out).read())
        st = json.load(open(stats))
    frames = [r["frame"] for r in recs if "frame" in r]
    assert frames == list(range(1, len(frames) + 1)), frames[:20]
    assert st["accounting"]["dispatched"] == len(frames) == st["packets_read"], st["accounting"]
    assert stop_s < 5, "SIGTERM took %.1f s during paced replay" % stop_s


# --- /metrics and /stats --------------------------------------------------------------

def test_metrics_endpoint_serves_prometheus_text_and_stats_json():
    promtext.families("")  # Skip early without the parser
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        port = free_port()
        proc, err_path = start(["-r", cap, "--loop", "0", "--pps", "500", "-p", write_plugin(tmp, "c.py", COUNT),
                                "-p", write_plugin(tmp, "bad.py", "def on_packet(pkt):\n    1/0\n"),
                                "--max-plugin-errors", "1000000", "--metrics", "127.0.0.1:%d" % port], tmp)
        try:
            url = "http://127.0.0.1:%d" % port
            wait_until(lambda: _try_get(url + "/metrics"), 30, "the metrics endpoint", proc)
            time.sleep(0.5)
            status, ctype, text = get(url + "/metrics")
            s_status, s_ctype, s_text = get(url + "/stats")
            t0 = time.monotonic()
            for _ in range(20):
                get(url + "/metrics")
            scrape_ms = (time.monotonic() - t0) / 20 * 1000
            try:
                urllib.request.urlopen(url + "/nope", timeout=10)
                nf = 200
            except urllib.error.HTTPError as e:
                nf = e.code
        finally:
            err = finish(proc, err_path)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4"), (status, ctype)
    assert s_status == 200 and s_ctype == "application/json" and nf == 404, (s_status, s_ctype, nf)
    fams = promtext.families(text)
    for name in ("pktd_received_packets", "pktd_captured_packets", "pktd_dropped_packets",
                 "pktd_dispatched_packets", "pktd_filtered_out_packets", "pktd_decode_errors",
                 "pktd_ring_used_slots", "pktd_plugin_calls", "pktd_plugin_errors", "pktd_plugin_seconds",
                 "pktd_gc_pause_seconds", "pktd_uptime_seconds"):
        assert name in fams, "no %s family in /metrics" % name
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert line.startswith("pktd_"), line
    assert fams["pktd_gc_pause_seconds"].type == "histogram"
    gen0 = [s for s in fams["pktd_gc_pause_seconds"].samples if s.labels.get("generation") == "0"]
    buckets = [s for s in gen0 if s.name.endswith("_bucket")]
    assert buckets[-1].labels["le"] == "+Inf" and len(buckets) > 10, buckets[-3:]
    values = [b.value for b in buckets]
    assert values == sorted(values), "histogram buckets are not cumulative"
    count = [s.value for s in gen0 if s.name.endswith("_count")][0]
    assert values[-1] == count
    assert promtext.sample(fams, "pktd_plugin_errors", "pktd_plugin_errors_total", plugin="bad") > 0
    assert promtext.sample(fams, "pktd_plugin_calls", "pktd_plugin_calls_total", plugin="c") > 0
    assert "ring_full" in {s.labels.get("cause") for s in fams["pktd_dropped_packets"].samples}
    assert "ipv4.too_small" in {s.labels.get("reason") for s in fams["pktd_decode_errors"].samples}
    for line in text.splitlines():
        if line.startswith("# TYPE"):
            name, typ = line.split()[2:4]
            assert typ != "counter" or name.endswith("_total"), line
    st = json.loads(s_text)
    assert st["accounting"]["captured"] > 0 and "plugins" in st and st["mode"] == "file", st["accounting"]
    checked = promtext.promtool_check(text)
    if checked is not None:
        assert checked[0] == 0, "promtool check metrics:\n" + checked[1]
    print("  /metrics: %d families, %d bytes, %.2f ms a scrape%s" % (
        len(fams), len(text), scrape_ms, "; promtool check metrics passed" if checked else
        " (promtool not installed)"))
    assert "metrics on http://127.0.0.1:%d" % port in err


def _try_get(url):
    try:
        return get(url)[0] == 200
    except OSError:
        return False


# --- signals ---------------------------------------------------------------------------

def test_sighup_reopens_the_output_and_sigusr1_prints_stats():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        out = os.path.join(tmp, "out.jsonl")
        moved = os.path.join(tmp, "out.jsonl.1")
        proc, err_path = start(["-r", cap, "--loop", "0", "--pps", "300", "-p", write_plugin(tmp, "e.py", EMIT),
                                "-o", out], tmp)
        try:
            wait_until(lambda: len(lines_of(out)) > 20, 30, "records", proc)
            os.rename(out, moved)
            proc.send_signal(signal.SIGHUP)
            wait_until(lambda: len(lines_of(out)) > 20, 30, "records in the reopened file", proc)
            proc.send_signal(signal.SIGUSR1)
            wait_until(lambda: "dispatched" in open(err_path).read(), 30, "stats after SIGUSR1", proc)
            assert proc.poll() is None, "SIGUSR1 stopped pktd"
        finally:
            err = finish(proc, err_path)
        first = read_jsonl(open(moved).read())
        second = read_jsonl(open(out).read())
    frames = [r["frame"] for r in first + second if "frame" in r]
    assert frames == list(range(1, len(frames) + 1)), "records lost or repeated across the reopen"
    assert any("frame" in r for r in second) and any("frame" in r for r in first)
    assert "SIGHUP: output files reopened" in err, err
    usr1 = err.split("SIGHUP")[1]
    assert "packets" in usr1 and "plugin e" in usr1, usr1[:2000]


# --- -Z -------------------------------------------------------------------------------

def test_Z_drops_privileges_before_plugins_run():
    if os.geteuid() != 0:
        raise Skip("-Z needs root")
    with TempDir() as tmp:
        os.chmod(tmp, 0o755)
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        plug = write_plugin(tmp, "e.py", EMIT)
        os.chmod(plug, 0o644)
        out = os.path.join(tmp, "out.jsonl")
        stats = os.path.join(tmp, "stats.json")
        proc, err_path = start(["-r", cap, "--loop", "0", "--pps", "200", "-Z", "nobody", "-p", plug, "-o", out,
                                "--stats-json", stats], tmp)
        try:
            wait_until(lambda: len(lines_of(out)) > 3, 30, "records", proc)
            with open("/proc/%d/status" % proc.pid) as f:
                status = dict(l.split(":", 1) for l in f if ":" in l)
        finally:
            finish(proc, err_path)
        recs = read_jsonl(open(out).read())
        st = json.load(open(stats))
    assert status["Uid"].split() == ["65534"] * 4, status["Uid"]
    assert status["Gid"].split()[0] != "0" and "0" not in status["Groups"].split(), (status["Gid"], status["Groups"])
    assert recs[0]["setup_uid"] == 65534, recs[0]
    assert st["packets_read"] > 0


def test_Z_unknown_user_is_a_setup_error():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        res = run_pktd(["-r", cap, "-Z", "no-such-user-pktd"], timeout=60)
    assert res.rc == 2 and "no-such-user-pktd" in res.stderr, res.describe()


# --- --config ---------------------------------------------------------------------------

def test_config_file_and_command_line_override():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        plug = write_plugin(tmp, "e.py", EMIT)
        a, b = os.path.join(tmp, "a.jsonl"), os.path.join(tmp, "b.jsonl")
        s1, s2 = os.path.join(tmp, "s1.json"), os.path.join(tmp, "s2.json")
        conf = os.path.join(tmp, "pktd.conf")
        with open(conf, "w") as f:
            f.write("# pktd test config\n\nread = %s\nread = %s   # twice\nplugin=%s\noutput = %s\n"
                    "ring-packets = 32\nquiet\nstats-json = %s\n" % (cap, cap, plug, a, s1))
        check_ok(run_pktd(["--config", conf], timeout=60))
        check_ok(run_pktd(["--config", conf, "--ring-packets", "64", "-o", b, "--stats-json", s2, "-r", cap],
                          timeout=60))
        rec_a = read_jsonl(open(a).read())
        rec_b = read_jsonl(open(b).read())
        st1, st2 = json.load(open(s1)), json.load(open(s2))
        with open(conf, "a") as f:
            f.write("no-such-option = 1\n")
        bad = run_pktd(["--config", conf], timeout=60)
    assert st1["ring"]["slots"] == 32 and st2["ring"]["slots"] == 64, (st1["ring"], st2["ring"])
    assert len([r for r in rec_a if "frame" in r]) == 10, "config: two read lines"
    assert len([r for r in rec_b if "frame" in r]) == 5, "-r on the command line replaces the config's list"
    assert bad.rc == 2 and "pktd.conf:10" in bad.stderr and "no-such-option" in bad.stderr, bad.describe()


# --- -w and rotation ----------------------------------------------------------------------

def _pcap_count(path):
    r = subprocess.run(["tcpdump", "-n", "-r", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert r.returncode == 0, "tcpdump -r %s: %s" % (path, r.stderr.decode()[-500:])
    return len(r.stdout.splitlines())


def test_write_with_size_rotation_gives_readable_pcaps_with_every_packet():
    if not have_tool("tcpdump"):
        raise Skip("tcpdump is not installed")
    big = pcap("mixed-traffic-large.pcap")
    with TempDir() as tmp:
        w = os.path.join(tmp, "cap.pcap")
        res = check_ok(run_pktd(["-q", "-r", big, "-w", w, "--rotate-size", "2m"], stats=True, tmpdir=tmp,
                                timeout=120))
        files = sorted((f for f in os.listdir(tmp) if f.startswith("cap.pcap")),
                       key=lambda f: int(f[len("cap.pcap"):] or 0))
        counts = [_pcap_count(os.path.join(tmp, f)) for f in files]
        sizes = [os.path.getsize(os.path.join(tmp, f)) for f in files]
        st = res.stats()
    assert files[0] == "cap.pcap" and files[1:] == ["cap.pcap%d" % i for i in range(1, len(files))], files
    assert len(files) >= 2 and st["write"]["files"] == len(files), (files, st["write"])
    assert sum(counts) == st["packets_read"] == st["write"]["packets"], (counts, st["packets_read"])
    assert all(s < 2 * 1024 * 1024 + 300000 for s in sizes), sizes
    print("  -w rotation: %d files, %s packets" % (len(files), counts))


def test_write_with_time_rotation():
    if not have_tool("tcpdump"):
        raise Skip("tcpdump is not installed")
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "two-seconds.pcap"), 31, 0.1)  # 3.0 s
        w = os.path.join(tmp, "t-%H%M%S.pcap")
        check_ok(run_pktd(["-q", "-r", cap, "--speed", "1", "-w", w, "--rotate-seconds", "1"], timeout=60))
        files = sorted(f for f in os.listdir(tmp) if f.startswith("t-"))
        total = sum(_pcap_count(os.path.join(tmp, f)) for f in files)
    assert len(files) >= 2, files
    assert total == 31, (files, total)


# --- --stats-interval and the progress line --------------------------------------------------

def test_stats_interval_lines():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "two-seconds.pcap"), 21, 0.05)
        log = os.path.join(tmp, "stats.log")
        check_ok(run_pktd(["-q", "-r", cap, "--speed", "1", "--stats-interval", "0.2", "--stats-log", log,
                           "-p", write_plugin(tmp, "c.py", COUNT)], timeout=60))
        lines = [json.loads(l) for l in open(log)]
    assert len(lines) >= 3, lines
    for l in lines:
        for key in ("time", "interval", "rates", "drops", "drops_interval", "ring", "plugins", "gc",
                    "dispatch_latency", "memory"):
            assert key in l, (key, l)
        assert set(l["gc"]) == {"gen0", "gen1", "gen2"} and "occupancy" in l["ring"]
        # Resident memory from /proc/self/status: the heap part is within the whole.
        assert 0 < l["memory"]["rss_anon_kb"] <= l["memory"]["rss_kb"], l["memory"]
        assert l["dispatch_latency"]["count"] <= l["dispatched"]
    assert lines[-1]["captured"] >= lines[0]["captured"]
    assert lines[-1]["dispatch_latency"]["count"] > 0 and lines[-1]["dispatch_latency"]["p50_us"] > 0
    assert any(l["rates"]["captured_pps"] > 0 for l in lines)


def test_stats_lines_keep_the_accounting_while_a_capture_thread_reads():
    """Unpaced replay on a capture thread: every statistics line is one
    consistent cut (nothing dispatched that was not captured and queued),
    though the thread's counters reach the loop as a copy."""
    if len(os.sched_getaffinity(0)) < 2:
        raise Skip("one CPU: no capture thread")
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "many.pcap"), 50000, 0.00001)
        log = os.path.join(tmp, "stats.log")
        res = check_ok(run_pktd(["-q", "-r", cap, "--loop", "200", "--threads", "2", "--stats-interval", "0.05",
                                 "--stats-log", log, "-p", write_plugin(tmp, "c.py", COUNT)],
                                stats=True, tmpdir=tmp, timeout=300))
        threads = res.stats()["threads"]
        lines = [json.loads(l) for l in open(log)]
    assert threads == 2 and len(lines) >= 3, (threads, len(lines))
    for l in lines:
        assert l["dispatched"] <= l["captured"] <= 50000 * 200, l
        assert l["ring"]["used"] == 0 or l["dispatched"] + l["ring"]["used"] <= l["captured"], l


def test_progress_line_on_a_terminal_only():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "two-seconds.pcap"), 21, 0.05)  # 1 s
        master, slave = pty.openpty()
        proc = subprocess.Popen([pktd_binary(), "-r", cap, "--speed", "1"], cwd=REPO, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        chunks = []
        try:
            while True:
                try:
                    b = os.read(master, 4096)
                except OSError:
                    break
                if not b:
                    break
                chunks.append(b)
        finally:
            proc.wait(timeout=60)
            os.close(master)
        tty = b"".join(chunks).decode("utf-8", "replace")
        piped = run_pktd(["-r", cap, "--speed", "5"], timeout=60)
    assert proc.returncode == 0, tty
    assert "\rpktd: " in tty and "packets/s" in tty and "%" in tty and "ETA" in tty, repr(tty[:500])
    assert "\r\x1b[K" in tty, "the progress line is not erased at the end"
    assert "\r" not in piped.stderr and "ETA" not in piped.stderr, piped.stderr


# --- usage -----------------------------------------------------------------------------

def test_live_and_file_inputs_cannot_be_mixed():
    with TempDir() as tmp:
        cap = write_pcap(os.path.join(tmp, "five.pcap"), 5, 0.001)
        mixed = run_pktd(["-r", cap, "-i", "lo"], timeout=30)
        speed = run_pktd(["-i", "lo", "--speed", "2"], timeout=30)
        stdin_loop = run_pktd(["-r", "-", "--loop", "2"], timeout=30)
        both = run_pktd(["-r", cap, "--speed", "2", "--pps", "5"], timeout=30)
    assert mixed.rc == 2 and "cannot be mixed" in mixed.stderr, mixed.describe()
    assert speed.rc == 2 and "file replay" in speed.stderr, speed.describe()
    assert stdin_loop.rc == 2 and "stdin" in stdin_loop.stderr, stdin_loop.describe()
    assert both.rc == 2 and "not both" in both.stderr, both.describe()


def test_list_interfaces():
    res = run_pktd(["--list-interfaces"], timeout=30)
    assert res.rc == 0 and "lo" in res.stdout, res.describe()


def test_example_config_in_docs_is_valid():
    res = run_pktd(["--config", os.path.join(REPO, "docs", "pktd.conf"), "--list-interfaces"], timeout=30)
    assert res.rc == 0, res.describe()
