#!/bin/sh
# `make run`: replay the bundled captures in pcaps/ through the bundled
# plugins: DNS records (dns.py) as JSON lines, then the traffic table
# (count.py), then pktd's own summary.
set -e
cd "$(dirname "$0")/.."
set --
for f in pcaps/*.pcap pcaps/*.pcapng; do
	[ -e "$f" ] && set -- "$@" -r "$f"
done
if [ $# -eq 0 ]; then
	echo "run: no captures in pcaps/" >&2
	exit 1
fi
mkdir -p out
echo "== pktd $* -p plugins/dns.py -p plugins/count.py"
echo "== DNS records (one JSON line per message), then count.py's table, then pktd's summary"
build/pktd "$@" -p plugins/dns.py -p plugins/count.py --stats-json out/stats.json
echo "== statistics also written to out/stats.json"
