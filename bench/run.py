#!/usr/bin/python3
"""bench/run.py: pktd against its peers, every configuration in one run.

Generates its inputs with bench/genpcap.py (deterministic), runs each
configuration RUNS times (default 3), and prints a table of packets/s
(median, min-max), the ratio to each peer, ns/packet, and what pktd's
--stats-json says about GC pauses, dispatch latency and allocations. The
same goes to build/bench/results.json. Flow rows (genpcap.py --mix web:
whole HTTP and TLS connections): pktd with --flows /dev/null against pktd
alone (what flow tracking adds per packet), http.py and tls.py against
tshark extracting the same field (http.host, the SNI).

usage: bench/run.py [--packets N] [--dns-packets N] [--scapy-packets N] [--web-packets N] [--runs R]
                    [--only NAME,...]
"""
import argparse
import json
import os
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
    # Read it once so every configuration starts from the page cache.
    with open(path, 'rb') as f:
        while f.read(1 << 24):
            pass
    return path


class Config:
    def __init__(self, name, cmd, packets, group, peer=False, stats=False, unit='packets'):
        self.name, self.cmd, self.packets, self.group = name, cmd, packets, group
        self.peer, self.stats, self.unit = peer, stats, unit
        self.walls, self.rates, self.last_stats = [], [], None
        self.loop_seconds = []  # --stats-json wall_seconds: the replay loop only (no start-up, no teardown)

    def run_once(self):
        cmd = list(self.cmd)
        stats_path = os.path.join(OUT, 'stats-%s.json' % self.name)
        if self.stats:
            cmd += ['--stats-json', stats_path]
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

    def summary(self):
        s = {
            'name': self.name, 'group': self.group, 'peer': self.peer, 'unit': self.unit,
            'items': self.packets, 'runs': len(self.rates),
            'rate_median': statistics.median(self.rates), 'rate_min': min(self.rates), 'rate_max': max(self.rates),
            'ns_per_item': 1e9 / statistics.median(self.rates), 'command': ' '.join(self.cmd),
        }
        st = self.last_stats
        if st:
            gc = st.get('gc', {}).get('pauses', {})
            s['gc_max_us'] = max((g.get('max_us', 0) for g in gc.values()), default=0)
            s['gc_pauses'] = sum(g.get('count', 0) for g in gc.values())
            py = st.get('python', {})
            s['py_blocks_growth'] = py.get('allocated_blocks_end', 0) - py.get('allocated_blocks_start', 0)
            lat = st.get('dispatch_latency')
            if lat:
                s['latency'] = {k: lat.get(k) for k in ('p50_us', 'p99_us', 'p999_us', 'max_us')}
            s['pktd_internal_rate'] = st.get('packets_per_second')
        return s


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
        Config('pktd-noplugin', [PKTD, '-q', '-r', mix], a.packets, 'count', stats=True),
        Config('pktd-count', [PKTD, '-q', '-r', mix, '-p', plug('bench/plugins/count_dport.py')], a.packets, 'count',
               stats=True),
        Config('dpkt-count', [PY, plug('bench/peers/dpkt_count.py'), mix], a.packets, 'count', peer=True),
        Config('scapy-count', [PY, plug('bench/peers/scapy_count.py'), small], a.scapy_packets, 'count', peer=True),
        Config('tshark-fields', ['tshark', '-n', '-r', mix, '-T', 'fields', '-e', 'tcp.dstport', '-e', 'udp.dstport'],
               a.packets, 'count', peer=True),
        Config('tcpdump-n', ['tcpdump', '-n', '-r', mix], a.packets, 'count', peer=True),
        Config('pktd-gc-default', [PKTD, '-q', '-r', gcin, '-p', plug('bench/plugins/flowtable.py'), '--gc=default',
                                   '--pps', str(a.gc_pps), '--batch', '16'], a.gc_packets, 'gc', stats=True),
        Config('pktd-gc-scheduled', [PKTD, '-q', '-r', gcin, '-p', plug('bench/plugins/flowtable.py'),
                                     '--gc=scheduled', '--pps', str(a.gc_pps), '--batch', '16'], a.gc_packets, 'gc',
               stats=True),
        Config('pktd-dns', [PKTD, '-q', '-r', dns, '-p', plug('plugins/dns.py'), '-o', '/dev/null'], a.dns_packets,
               'dns', stats=True, unit='messages'),
        Config('dpkt-dns', [PY, plug('bench/peers/dpkt_dns.py'), dns], a.dns_packets, 'dns', peer=True,
               unit='messages'),
        Config('pktd-noplugin-web', [PKTD, '-q', '-r', web], a.web_packets, 'flows', stats=True),
        Config('pktd-flows', [PKTD, '-q', '-r', web, '--flows', '/dev/null'], a.web_packets, 'flows', stats=True),
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
            print('bench: run %d/%d %s' % (r + 1, a.runs, c.name), file=sys.stderr, flush=True)
            c.run_once()

    rows = [c.summary() for c in configs]
    peers = {r['group']: [p for p in rows if p['peer'] and p['group'] == r['group']] for r in rows}
    print()
    print('| configuration | items | rate median | min-max | ns/item | vs peers | GC pauses (max) | latency p50/p99/p99.9/max us | py blocks growth |')
    print('|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        ratios = ''
        if not r['peer']:
            ratios = ', '.join('%.1fx %s' % (r['rate_median'] / p['rate_median'], p['name'])
                               for p in peers[r['group']])
        gc = '%d (%.0f us)' % (r['gc_pauses'], r['gc_max_us']) if 'gc_pauses' in r else ''
        lat = r.get('latency') or {}
        lat_s = '/'.join('%.0f' % (lat.get(k) or 0) for k in ('p50_us', 'p99_us', 'p999_us', 'max_us')) if lat else ''
        print('| %s | %d %s | %s/s | %s-%s | %.0f | %s | %s | %s | %s |' % (
            r['name'], r['items'], r['unit'], fmt_rate(r['rate_median']), fmt_rate(r['rate_min']),
            fmt_rate(r['rate_max']), r['ns_per_item'], ratios, gc, lat_s, r.get('py_blocks_growth', '')))
    extra = {}
    byname = {c.name: c for c in configs}
    base, flows = byname.get('pktd-noplugin-web'), byname.get('pktd-flows')
    if base and flows:
        # The replay loop's own time (--stats-json), so start-up, the
        # table's pre-faulting and teardown are left out.
        med = (statistics.median(flows.loop_seconds) - statistics.median(base.loop_seconds)) / a.web_packets * 1e9
        low = (min(flows.loop_seconds) - min(base.loop_seconds)) / a.web_packets * 1e9
        created = (flows.last_stats.get('flows') or {}).get('created', 0)
        print('\nbench: flow tracking (--flows /dev/null, %d flows) adds %.1f ns/packet over the no-plugin path '
              '(medians; %.1f between the fastest runs) on %d packets of the web mix; target: at most 50' % (
                  created, med, low, a.web_packets))
        extra['flow_tracking_ns_per_packet'] = {'median': med, 'fastest': low, 'flows': created}
    with open(os.path.join(OUT, 'results.json'), 'w') as f:
        json.dump(dict({'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'runs': a.runs, 'rows': rows},
                       **extra), f, indent=1)
    print('\nbench: wrote %s' % os.path.join(OUT, 'results.json'))


if __name__ == '__main__':
    main()
