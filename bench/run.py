#!/usr/bin/python3
"""bench/run.py: pktd against its peers, every configuration in one run.

Generates its inputs with bench/genpcap.py (deterministic), runs each
configuration RUNS times (default 3; pktd's sub-second rows three times
as often), and prints a table of packets/s
(median, min-max), the ratio to each peer, ns/packet, and what pktd's
--stats-json says about GC pauses, dispatch latency and allocations. Rate
columns are end to end (the whole process, start-up included); "loop rate"
is the replay loop alone. Rows named -1thread run with --threads 1 (no
capture thread), for comparison with the default. The same goes to
build/bench/results.json. Flow rows (genpcap.py --mix web:
whole HTTP and TLS connections): pktd with --flows /dev/null against pktd
alone (what flow tracking adds per packet), http.py and tls.py against
tshark extracting the same field (http.host, the SNI).

GC rows: bench/plugins/flowtable.py grows a Python flow table past 500k
flows during a first pass over the input at --pps, then a second pass
(--loop 2) brings no new flow while cyclic garbage is still made. From the
--stats-interval lines a second table gives anonymous RSS when the table
stopped growing and at the end (flat: at most FLAT_KIB more) and the
dispatch latency of the growth phase alone. Pause and latency columns are
medians over the runs.

usage: bench/run.py [--packets N] [--dns-packets N] [--scapy-packets N] [--web-packets N] [--runs R]
                    [--only NAME,...]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(REPO, 'build', 'bench')
PY = '/usr/bin/python3'
PKTD = os.environ.get('PKTD', os.path.join(REPO, 'build', 'pktd'))  # another build: PKTD=build/x/pktd


def gen(name, packets, mix):
    path = os.path.join(OUT, '%s-%d.pcap' % (name, packets))
    if not os.path.exists(path):
        subprocess.run([PY, os.path.join(REPO, 'bench', 'genpcap.py'), path + '.tmp', '--packets', str(packets),
                        '--mix', mix], check=True)
        os.rename(path + '.tmp', path)
    warm(path)
    return path


def warm(path):
    """Read a file so the run starts from the page cache. Done before every
    run, not once: this VM reclaims cold page-cache pages on its own
    (DAMON), and a run that reads part of its input from disk was 2-10x
    slower."""
    with open(path, 'rb') as f:
        while f.readinto(WARM_BUF):
            pass


WARM_BUF = bytearray(1 << 24)


class Config:
    def __init__(self, name, cmd, packets, group, peer=False, stats=False, unit='packets', memory=False, repeat=1):
        self.name, self.cmd, self.packets, self.group = name, cmd, packets, group
        # Runs per round: rows of a fraction of a second, whose medians (and
        # the flow-tracking difference of two of them) are otherwise at
        # the mercy of one slow run on a shared machine.
        self.repeat = repeat
        self.peer, self.stats, self.unit = peer, stats, unit
        self.walls, self.rates, self.last_stats = [], [], None
        self.loop_seconds = []  # --stats-json wall_seconds: the replay loop only (no start-up, no teardown)
        self.per_run = []  # latency and GC figures of each run, for medians
        # memory: sample the stats lines (--stats-interval) for anonymous RSS
        # and latency at the moment the flow table stopped growing.
        self.memory, self.mem_runs = memory, []

    def run_once(self):
        cmd = list(self.cmd)
        for arg in cmd:
            if arg.endswith('.pcap') and os.path.isfile(arg):
                warm(arg)
        stats_path = os.path.join(OUT, 'stats-%s.json' % self.name)
        if self.stats:
            cmd += ['--stats-json', stats_path]
        log_path = os.path.join(OUT, 'statslog-%s.jsonl' % self.name)
        if self.memory:
            if os.path.exists(log_path):
                os.unlink(log_path)
            cmd += ['--stats-interval', '0.1', '--stats-log', log_path]
        t0 = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit('bench: %s failed (exit %d):\n%s' % (self.name, p.returncode,
                                                                 p.stderr.decode(errors='replace')[-2000:]))
        self.walls.append(wall)
        self.rates.append(self.packets / wall)
        if self.stats:
            with open(stats_path) as f:
                self.last_stats = json.load(f)
            self.loop_seconds.append(self.last_stats.get('wall_seconds', 0))
            self.per_run.append(run_figures(self.last_stats))
        if self.memory:
            self.mem_runs.append(memory_figures(log_path, p.stderr.decode(errors='replace')))

    def summary(self):
        s = {
            'name': self.name, 'group': self.group, 'peer': self.peer, 'unit': self.unit,
            'items': self.packets, 'runs': len(self.rates),
            'rate_median': statistics.median(self.rates), 'rate_min': min(self.rates), 'rate_max': max(self.rates),
            'ns_per_item': 1e9 / statistics.median(self.rates), 'command': ' '.join(self.cmd),
        }
        st = self.last_stats
        if st:
            # Pauses and latency: medians over the runs (one run's tail is noise
            # on a shared machine); every run's figures are kept in 'per_run'.
            med = lambda k: statistics.median(r[k] for r in self.per_run)  # noqa: E731
            s['gc_max_us'] = med('gc_max_us')
            s['gc_pauses'] = med('gc_pauses')
            py = st.get('python', {})
            s['py_blocks_growth'] = py.get('allocated_blocks_end', 0) - py.get('allocated_blocks_start', 0)
            for key in ('latency', 'pace_lag', 'paced_delay'):
                if all(r.get(key) for r in self.per_run):
                    s[key] = {k: statistics.median(r[key][k] or 0 for r in self.per_run) for k in LAT_KEYS}
            s['per_run'] = self.per_run
            s['pktd_internal_rate'] = st.get('packets_per_second')
            # The replay loop alone (--stats-json wall_seconds): no start-up
            # (interpreter, plugin imports, pre-faulted memory), no teardown.
            s['loop_rate_median'] = self.packets / statistics.median(self.loop_seconds)
        if self.mem_runs:
            s['memory_runs'] = self.mem_runs
        return s


LAT_KEYS = ('p50_us', 'p99_us', 'p999_us', 'max_us')
# RSS flat: anonymous resident memory may grow by at most this much from the
# moment the flow table stops growing to the end of the run. A leak of the
# plugin's cyclic garbage would be about 4 MiB a 600k-packet pass.
FLAT_KIB = 1024


def run_figures(st):
    gc = st.get('gc', {}).get('pauses', {})
    lat = st.get('dispatch_latency')
    lag, delay = st.get('pace_lag'), st.get('paced_delay')
    return {'gc_max_us': max((g.get('max_us', 0) for g in gc.values()), default=0),
            'gc_pauses': sum(g.get('count', 0) for g in gc.values()),
            'latency': {k: lat.get(k) for k in LAT_KEYS} if lat else None,
            'pace_lag': {k: lag.get(k) for k in LAT_KEYS} if lag and lag.get('count') else None,
            'paced_delay': {k: delay.get(k) for k in LAT_KEYS} if delay and delay.get('count') else None}


def memory_figures(log_path, stderr):
    """The flow table's size and when it stopped growing (the plugin's
    teardown line), then from the --stats-interval lines (every 0.1 s):
    latency since start at the last line before that packet (the growth
    phase alone), anonymous RSS at the first line after it and at the last
    line (the end of the run)."""
    m = re.search(r'flows (\d+) after (\d+) packets, last new flow at packet (\d+)', stderr)
    if not m:
        raise SystemExit('bench: no flow-table line from the plugin:\n' + stderr[-2000:])
    flows, packets, stop = (int(x) for x in m.groups())
    with open(log_path) as f:
        lines = [json.loads(x) for x in f if x.startswith('{')]
    before = [x for x in lines if x['dispatched'] <= stop]
    after = [x for x in lines if x['dispatched'] >= stop]
    if not before or len(after) < 2:
        raise SystemExit('bench: %s: too few stats lines around packet %d' % (log_path, stop))
    grown, at, end = before[-1], after[0], lines[-1]
    return {'flows': flows, 'packets': packets, 'growth_stopped_at_packet': stop,
            'growth_line_packets': grown['dispatched'], 'stop_line_packets': at['dispatched'],
            'end_line_packets': end['dispatched'],
            'rss_anon_kb_at_stop': at['memory']['rss_anon_kb'], 'rss_anon_kb_at_end': end['memory']['rss_anon_kb'],
            'rss_anon_kb_max_after_stop': max(x['memory']['rss_anon_kb'] for x in after),
            'seconds_after_stop': end['uptime'] - at['uptime'],
            'latency_growth_phase': {k: grown['dispatch_latency'][k] for k in LAT_KEYS}}


def fmt_rate(r):
    return '%.2fM' % (r / 1e6) if r >= 1e6 else '%.0fk' % (r / 1e3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--packets', type=int, default=2000000)
    ap.add_argument('--dns-packets', type=int, default=1000000)
    ap.add_argument('--scapy-packets', type=int, default=50000)
    ap.add_argument('--gc-packets', type=int, default=600000)
    ap.add_argument('--gc-pps', type=int, default=200000)
    ap.add_argument('--web-packets', type=int, default=1000000)
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--only', default='')
    a = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    mix = gen('realistic', a.packets, 'realistic')
    small = gen('realistic', a.scapy_packets, 'realistic')
    dns = gen('dns', a.dns_packets, 'dns')
    # GC pauses: a flow table growing past 500k entries, replayed at a fixed
    # rate (as live traffic comes), so latency is GC and dispatch, not queueing.
    gcin = gen('realistic', a.gc_packets, 'realistic')
    # Flows: whole HTTP and TLS connections (genpcap.py --mix web), for the
    # cost of flow tracking and for http.py / tls.py beside tshark.
    web = gen('web', a.web_packets, 'web')
    plug = lambda name: os.path.join(REPO, name)  # noqa: E731

    configs = [
        Config('pktd-noplugin', [PKTD, '-q', '-r', mix], a.packets, 'count', stats=True, repeat=3),
        Config('pktd-count', [PKTD, '-q', '-r', mix, '-p', plug('bench/plugins/count_dport.py')], a.packets, 'count',
               stats=True, repeat=3),
        Config('pktd-count-1thread', [PKTD, '-q', '--threads', '1', '-r', mix, '-p',
                                      plug('bench/plugins/count_dport.py')], a.packets, 'count', stats=True, repeat=3),
        Config('dpkt-count', [PY, plug('bench/peers/dpkt_count.py'), mix], a.packets, 'count', peer=True),
        Config('scapy-count', [PY, plug('bench/peers/scapy_count.py'), small], a.scapy_packets, 'count', peer=True),
        Config('tshark-fields', ['tshark', '-n', '-r', mix, '-T', 'fields', '-e', 'tcp.dstport', '-e', 'udp.dstport'],
               a.packets, 'count', peer=True),
        Config('tcpdump-n', ['tcpdump', '-n', '-r', mix], a.packets, 'count', peer=True),
        Config('pktd-gc-default', [PKTD, '-q', '-r', gcin, '-p', plug('bench/plugins/flowtable.py'), '--gc=default',
                                   '--pps', str(a.gc_pps), '--batch', '16', '--loop', '2'], 2 * a.gc_packets, 'gc',
               stats=True, memory=True),
        Config('pktd-gc-scheduled', [PKTD, '-q', '-r', gcin, '-p', plug('bench/plugins/flowtable.py'),
                                     '--gc=scheduled', '--pps', str(a.gc_pps), '--batch', '16', '--loop', '2'],
               2 * a.gc_packets, 'gc', stats=True, memory=True),
        Config('pktd-gc-scheduled-1thread', [PKTD, '-q', '--threads', '1', '-r', gcin, '-p',
                                             plug('bench/plugins/flowtable.py'), '--gc=scheduled', '--pps',
                                             str(a.gc_pps), '--batch', '16', '--loop', '2'],
               2 * a.gc_packets, 'gc', stats=True, memory=True),
        Config('pktd-dns', [PKTD, '-q', '-r', dns, '-p', plug('plugins/dns.py'), '-o', '/dev/null'], a.dns_packets,
               'dns', stats=True, unit='messages'),
        Config('dpkt-dns', [PY, plug('bench/peers/dpkt_dns.py'), dns], a.dns_packets, 'dns', peer=True,
               unit='messages'),
        Config('pktd-noplugin-web', [PKTD, '-q', '-r', web], a.web_packets, 'flows', stats=True, repeat=3),
        # The cost of flow tracking: both rows on one thread (with --flows
        # the capture thread is the default, and would hide it).
        Config('pktd-flows', [PKTD, '-q', '--threads', '1', '-r', web, '--flows', '/dev/null'], a.web_packets,
               'flows', stats=True, repeat=3),
        Config('pktd-flows-2threads', [PKTD, '-q', '--threads', '2', '-r', web, '--flows', '/dev/null'],
               a.web_packets, 'flows', stats=True, repeat=3),
        Config('pktd-http', [PKTD, '-q', '-r', web, '-p', plug('plugins/http.py'), '-o', '/dev/null'], a.web_packets,
               'http', stats=True),
        Config('tshark-http-host', ['tshark', '-n', '-r', web, '-T', 'fields', '-e', 'http.host'], a.web_packets,
               'http', peer=True),
        Config('pktd-tls', [PKTD, '-q', '-r', web, '-p', plug('plugins/tls.py'), '-o', '/dev/null'], a.web_packets,
               'tls', stats=True),
        Config('tshark-tls-sni', ['tshark', '-n', '-r', web, '-T', 'fields', '-e',
                                  'tls.handshake.extensions_server_name'], a.web_packets, 'tls', peer=True),
    ]
    if a.only:
        keep = set(a.only.split(','))
        configs = [c for c in configs if c.name in keep]
    # Interleave the repetitions so machine noise spreads over every row.
    for r in range(a.runs):
        for c in configs:
            for k in range(c.repeat):
                print('bench: run %d/%d %s' % (r * c.repeat + k + 1, a.runs * c.repeat, c.name), file=sys.stderr,
                      flush=True)
                c.run_once()

    rows = [c.summary() for c in configs]
    peers = {r['group']: [p for p in rows if p['peer'] and p['group'] == r['group']] for r in rows}
    print()
    print('| configuration | items | rate median | min-max | ns/item | vs peers | loop rate | GC pauses (max) | latency p50/p99/p99.9/max us | py blocks growth |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        ratios = ''
        if not r['peer']:
            ratios = ', '.join('%.1fx %s' % (r['rate_median'] / p['rate_median'], p['name'])
                               for p in peers[r['group']])
        gc = '%.0f (%.0f us)' % (r['gc_pauses'], r['gc_max_us']) if 'gc_pauses' in r else ''
        lat = r.get('latency') or {}
        lat_s = '/'.join('%.0f' % (lat.get(k) or 0) for k in ('p50_us', 'p99_us', 'p999_us', 'max_us')) if lat else ''
        loop = fmt_rate(r['loop_rate_median']) + '/s' if r.get('loop_rate_median') else ''
        print('| %s | %d %s | %s/s | %s-%s | %.0f | %s | %s | %s | %s | %s |' % (
            r['name'], r['items'], r['unit'], fmt_rate(r['rate_median']), fmt_rate(r['rate_min']),
            fmt_rate(r['rate_max']), r['ns_per_item'], ratios, loop, gc, lat_s, r.get('py_blocks_growth', '')))
    mem_rows = [r for r in rows if r.get('memory_runs')]
    if mem_rows:
        # The flow table stops growing after the first pass (--loop 2): anonymous
        # RSS from then to the end (medians over the runs; flat = at most
        # FLAT_KIB more), and the latency of the growth phase alone (the stats
        # line just after the last new flow: the second pass is lookups only).
        # Pace lag: how late paced packets entered the ring (a stall on the
        # reading thread delays packets there, before the latency starts);
        # due to return: from each packet's due time to its plugin's return.
        print('\n| configuration | flows in the table | table stopped growing at packet | RssAnon then MiB '
              '| RssAnon at end MiB | change KiB (per run) | RSS flat | latency while growing p50/p99/p99.9/max us '
              '| pace lag p50/p99/p99.9/max us | due to return p50/p99/p99.9/max us |')
        print('|---|---|---|---|---|---|---|---|---|---|')
        for r in mem_rows:
            mr = r['memory_runs']
            med = lambda k: statistics.median(x[k] for x in mr)  # noqa: E731
            changes = [x['rss_anon_kb_at_end'] - x['rss_anon_kb_at_stop'] for x in mr]
            flat = all(c <= FLAT_KIB for c in changes)
            lat = '/'.join('%.0f' % statistics.median(x['latency_growth_phase'][k] for x in mr) for k in LAT_KEYS)
            pct = lambda h: '/'.join('%.0f' % h[k] for k in LAT_KEYS) if h else ''  # noqa: E731
            print('| %s | %d | %d | %.1f | %.1f | %+.0f (%s) | %s | %s | %s | %s |' % (
                r['name'], min(x['flows'] for x in mr), med('growth_stopped_at_packet'),
                med('rss_anon_kb_at_stop') / 1024, med('rss_anon_kb_at_end') / 1024, statistics.median(changes),
                ', '.join('%+d' % c for c in changes), 'met' if flat else 'NOT met (> %d KiB)' % FLAT_KIB, lat,
                pct(r.get('pace_lag')), pct(r.get('paced_delay'))))
            r['rss_flat'] = flat
    extra = {}
    byname = {c.name: c for c in configs}
    base, flows = byname.get('pktd-noplugin-web'), byname.get('pktd-flows')
    if base and flows:
        # The replay loop's own time (--stats-json), so start-up, the
        # table's pre-faulting and teardown are left out.
        med = (statistics.median(flows.loop_seconds) - statistics.median(base.loop_seconds)) / a.web_packets * 1e9
        low = (min(flows.loop_seconds) - min(base.loop_seconds)) / a.web_packets * 1e9
        created = (flows.last_stats.get('flows') or {}).get('created', 0)
        print('\nbench: flow tracking (--flows /dev/null, one thread, %d flows) adds %.1f ns/packet over the no-plugin path '
              '(medians; %.1f between the fastest runs) on %d packets of the web mix; target: at most 50' % (
                  created, med, low, a.web_packets))
        extra['flow_tracking_ns_per_packet'] = {'median': med, 'fastest': low, 'flows': created}
        two = byname.get('pktd-flows-2threads')
        if two:
            med2 = (statistics.median(two.loop_seconds) - statistics.median(base.loop_seconds)) / a.web_packets * 1e9
            print('bench: with the capture thread (the default with --flows) the replay loop takes %.1f ns/packet '
                  'more than the no-plugin path (medians)' % med2)
            extra['flow_tracking_ns_per_packet']['two_threads_median'] = med2
    with open(os.path.join(OUT, 'results.json'), 'w') as f:
        json.dump(dict({'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'runs': a.runs, 'rows': rows},
                       **extra), f, indent=1)
    print('\nbench: wrote %s' % os.path.join(OUT, 'results.json'))


if __name__ == '__main__':
    main()
