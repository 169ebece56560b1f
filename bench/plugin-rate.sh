#!/bin/sh
# plugin-rate.sh CAPTURE [COPIES [RUNS]]: packets/s of each shipped plugin
# replaying CAPTURE COPIES times (default 8) in one run, RUNS runs each
# (default 5); prints every run and the median, from --stats-json.
set -e
cd "$(dirname "$0")/.."
cap=${1:?usage: bench/plugin-rate.sh CAPTURE [COPIES [RUNS]]}
copies=${2:-8}
runs=${3:-5}
args=""
i=0
while [ $i -lt "$copies" ]; do args="$args -r $cap"; i=$((i + 1)); done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for plugin in none count dns; do
	p=""
	[ "$plugin" != none ] && p="-p plugins/$plugin.py"
	rates=""
	i=0
	while [ $i -lt "$runs" ]; do
		# shellcheck disable=SC2086
		build/pktd -q $args $p --stats-json "$tmp/s.json" >/dev/null 2>&1
		rates="$rates $(/usr/bin/python3 -c "import json;print(int(json.load(open('$tmp/s.json'))['packets_per_second']))")"
		i=$((i + 1))
	done
	/usr/bin/python3 -c "
import statistics, sys
r = [int(x) for x in sys.argv[2:]]
print('%-6s median %10.0f packets/s  (runs: %s)' % (sys.argv[1], statistics.median(r), ' '.join(str(x) for x in r)))
" "$plugin" $rates
done
