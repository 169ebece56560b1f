#!/bin/sh
# plugin-golden.sh: run a plugin on a capture and compare its records with a
# golden JSON-lines file, in one command.
#
#   scripts/plugin-golden.sh PLUGIN.py CAPTURE GOLDEN.jsonl [--update] [-- PKTD-OPTIONS...]
#
# Runs `pktd -q -r CAPTURE -p PLUGIN.py -o TMP` ($PKTD, default build/pktd
# next to this script), then compares record by record, in order: a replay
# is deterministic (packet time drives flows and timeouts), so the order of
# the records is part of what is checked. Each record is compared as JSON
# (key order and spacing do not matter; values do, floats included).
# --update writes the golden file instead (normalised: one record a line,
# keys sorted). Exit 0 when they match, 1 with a diff of the first
# differences when they do not, 2 on a usage error or when pktd fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PKTD=${PKTD:-$here/../build/pktd}
if [ $# -lt 3 ]; then
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
fi
plugin=$1 capture=$2 golden=$3
shift 3
update=0
if [ $# -gt 0 ] && [ "$1" = "--update" ]; then
	update=1
	shift
fi
if [ $# -gt 0 ] && [ "$1" = "--" ]; then
	shift
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! "$PKTD" -q -r "$capture" -p "$plugin" -o "$tmp/out.jsonl" "$@" 2>"$tmp/err"; then
	echo "plugin-golden: pktd failed on $capture:" >&2
	tail -n 20 "$tmp/err" >&2
	exit 2
fi
exec /usr/bin/python3 - "$tmp/out.jsonl" "$golden" "$update" "$plugin" "$capture" <<'EOF'
import difflib, json, os, sys

out, golden, update, plugin, capture = sys.argv[1:6]


def norm(path):
    lines = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    lines.append(json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False))
                except ValueError as e:
                    sys.exit("plugin-golden: %s:%d is not JSON: %s" % (path, n, e))
    return lines


got = norm(out)
if update == "1":
    os.makedirs(os.path.dirname(os.path.abspath(golden)), exist_ok=True)
    with open(golden, "w", encoding="utf-8") as f:
        f.write("".join(l + "\n" for l in got))
    print("plugin-golden: wrote %d records to %s" % (len(got), golden))
    sys.exit(0)
if not os.path.exists(golden):
    sys.exit("plugin-golden: %s does not exist (create it with --update)" % golden)
want = norm(golden)
if got == want:
    print("plugin-golden: %s on %s: %d records match %s" % (
        os.path.basename(plugin), os.path.basename(capture), len(got), golden))
    sys.exit(0)
diff = list(difflib.unified_diff(want, got, golden, "pktd output", lineterm="", n=1))
print("plugin-golden: %s on %s differs from %s (%d records expected, %d written):" % (
    os.path.basename(plugin), os.path.basename(capture), golden, len(want), len(got)))
for line in diff[:60]:
    print(line[:400])
if len(diff) > 60:
    print("... %d more diff lines" % (len(diff) - 60))
sys.exit(1)
EOF
