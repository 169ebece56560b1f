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
echo "== DNS records (plugins/dns.py), also in out/dns.jsonl"
build/pktd "$@" -p plugins/dns.py -p plugins/count.py -o out/dns.jsonl --stats-json out/stats.json
cat out/dns.jsonl
echo "== statistics in out/stats.json"
