#!/bin/sh
# record-pcaps.sh: record the repository's own captures in pcaps/ from real
# traffic on this machine's loopback interface (nothing leaves the machine).
#
#   pcaps/local-dns.pcap      DNS over UDP and TCP between dig and a dnsmasq
#                             serving a few local records on 127.0.0.1:53,
#                             recorded with tcpdump (classic pcap).
#   pcaps/local-http.pcapng   HTTP/1.0 fetches by curl from python3's
#                             http.server on 127.0.0.1:18080, recorded with
#                             dumpcap (pcapng; tcpdump 4.99 writes only pcap).
#
# Usage: scripts/record-pcaps.sh            (as root: port 53 and capturing on lo)
#
# The script starts every server it needs, records, then stops exactly the
# processes it started (by pid, also on error or Ctrl-C). Running it again
# simply records fresh files over the old ones. It refuses to run when
# 127.0.0.1:53 or :18080 is already taken, instead of touching someone
# else's server. Needs: dnsmasq, dig (dnsutils), tcpdump, dumpcap (tshark's
# wireshark-common), curl, python3; tshark, if present, checks the results.
set -eu

cd "$(dirname "$0")/.."
OUT=pcaps
DNS_PORT=53
HTTP_PORT=18080
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pktd-record.XXXXXX")
PIDS=""

log() { echo "record-pcaps: $*" >&2; }
die() { log "$*"; exit 1; }

# Stop what we started, newest first, by pid only.
cleanup() {
	for pid in $PIDS; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			i=0
			while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
			kill -KILL "$pid" 2>/dev/null || true
		fi
		wait "$pid" 2>/dev/null || true
	done
	PIDS=""
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started() { PIDS="$1 $PIDS"; }

# Stop one started process (the capture) and take it off the list.
stop() {
	kill -INT "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	rest=""
	for pid in $PIDS; do [ "$pid" = "$1" ] || rest="$rest $pid"; done
	PIDS=$rest
}

# Wait until `file` contains `text` (a capture tool saying it listens).
wait_for_text() {
	i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		[ $i -lt 100 ] || { cat "$1" >&2; die "timed out waiting for '$2' in $1"; }
		sleep 0.1
		i=$((i + 1))
	done
}

port_busy() { # proto port
	ss -Hln"$1" "sport = :$2" 2>/dev/null | grep -q .
}

[ "$(id -u)" = 0 ] || die "run as root (binds port 53 and captures on lo)"
for tool in dnsmasq dig tcpdump dumpcap curl python3 ss; do
	command -v "$tool" >/dev/null || die "missing $tool (scripts/deps.sh installs it)"
done
port_busy u $DNS_PORT && die "127.0.0.1:$DNS_PORT (udp) is in use; stop that server first"
port_busy t $DNS_PORT && die "127.0.0.1:$DNS_PORT (tcp) is in use; stop that server first"
port_busy t $HTTP_PORT && die "127.0.0.1:$HTTP_PORT is in use; stop that server first"
mkdir -p "$OUT"

# ---- DNS: dnsmasq on 127.0.0.1:53 with local records only ----
log "starting dnsmasq on 127.0.0.1:$DNS_PORT"
dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
	--listen-address=127.0.0.1 --bind-interfaces --port=$DNS_PORT \
	--no-resolv --no-hosts --no-poll --log-facility=- --log-queries \
	--local=/pktd.test/ --local=/2.0.192.in-addr.arpa/ \
	--address=/wild.pktd.test/127.0.0.20 \
	--host-record=www.pktd.test,192.0.2.10,2001:db8::10 \
	--host-record=mail.pktd.test,192.0.2.25,2001:db8::25 \
	--mx-host=pktd.test,mail.pktd.test,10 \
	'--txt-record=txt.pktd.test,"v=spf1 ip4:192.0.2.0/24 -all","recorded by pktd"' \
	--cname=alias.pktd.test,www.pktd.test \
	--ptr-record=53.2.0.192.in-addr.arpa,ns.pktd.test \
	--srv-host=_http._tcp.pktd.test,www.pktd.test,80,0,5 \
	>"$WORK/dnsmasq.log" 2>&1 &
started $!
i=0
until dig @127.0.0.1 -p $DNS_PORT +short +time=1 +tries=1 www.pktd.test A >/dev/null 2>&1; do
	[ $i -lt 50 ] || { cat "$WORK/dnsmasq.log" >&2; die "dnsmasq did not answer"; }
	sleep 0.1
	i=$((i + 1))
done

log "recording $OUT/local-dns.pcap"
tcpdump -i lo -n -U --immediate-mode -Z root -s 262144 -w "$WORK/local-dns.pcap" \
	"host 127.0.0.1 and port $DNS_PORT" >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP=$!
started $TCPDUMP
wait_for_text "$WORK/tcpdump.log" "listening on"

q() { dig @127.0.0.1 -p $DNS_PORT +time=2 +tries=1 "$@" >>"$WORK/dig.log" 2>&1 || true; }
q www.pktd.test A
q www.pktd.test AAAA
q mail.pktd.test A
q mail.pktd.test AAAA
q pktd.test MX
q txt.pktd.test TXT
q alias.pktd.test CNAME
q alias.pktd.test A
q alias.pktd.test AAAA
q _http._tcp.pktd.test SRV
q -x 192.0.2.10
q -x 192.0.2.25
q -x 192.0.2.53
q -x 2001:db8::10
q host1.wild.pktd.test A
q a.b.wild.pktd.test A
q wild.pktd.test A
q wild.pktd.test AAAA
q nope.pktd.test A
q missing.pktd.test AAAA
q nothing-here.pktd.test MX
q -x 192.0.2.99
q www.pktd.test A +noedns
q WwW.PkTd.TeSt A
q www.pktd.test TXT
q txt.pktd.test A
q pktd.test SOA
q www.pktd.test A +tcp
q pktd.test MX +tcp
q txt.pktd.test TXT +tcp
q www.pktd.test AAAA +tcp
q nope.pktd.test A +tcp
sleep 1 # let the capture drain its ring before stopping it
stop $TCPDUMP
chmod 644 "$WORK/local-dns.pcap"
mv "$WORK/local-dns.pcap" "$OUT/local-dns.pcap"

# ---- HTTP: python3 http.server on 127.0.0.1:18080, fetched with curl ----
mkdir -p "$WORK/www"
cat >"$WORK/www/index.html" <<'EOF'
<!doctype html>
<html><head><title>pktd test page</title></head>
<body><p>Served by python3 -m http.server on the loopback for pktd's captures.</p></body></html>
EOF
printf '{"name": "pktd", "kind": "test", "values": [1, 2, 3]}\n' >"$WORK/www/data.json"
i=0
while [ $i -lt 400 ]; do
	echo "line $i of a text file large enough to span several TCP segments"
	i=$((i + 1))
done >"$WORK/www/big.txt"

log "starting http.server on 127.0.0.1:$HTTP_PORT"
python3 -m http.server $HTTP_PORT --bind 127.0.0.1 --directory "$WORK/www" \
	>"$WORK/http.log" 2>&1 &
started $!
i=0
until curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/data.json"; do
	[ $i -lt 100 ] || { cat "$WORK/http.log" >&2; die "http.server did not answer"; }
	sleep 0.1
	i=$((i + 1))
done

log "recording $OUT/local-http.pcapng"
dumpcap -i lo -q -s 262144 -f "host 127.0.0.1 and tcp port $HTTP_PORT" \
	-w "$WORK/local-http.pcapng" >"$WORK/dumpcap.log" 2>&1 &
DUMPCAP=$!
started $DUMPCAP
wait_for_text "$WORK/dumpcap.log" "Capturing on"
sleep 0.2

base="http://127.0.0.1:$HTTP_PORT"
c() { curl -s -A "curl (pktd record-pcaps)" "$@" >/dev/null || true; }
c "$base/"
c "$base/index.html"
c "$base/data.json" -H "Accept: application/json"
c "$base/big.txt"
c -I "$base/big.txt"
c "$base/missing-page"
c -X POST -d "a=1" "$base/"
c "$base/index.html" "$base/data.json"
c -H "Range: bytes=0-99" "$base/big.txt"
sleep 1
stop $DUMPCAP
chmod 644 "$WORK/local-http.pcapng"
mv "$WORK/local-http.pcapng" "$OUT/local-http.pcapng"

# ---- checks ----
for f in "$OUT/local-dns.pcap" "$OUT/local-http.pcapng"; do
	size=$(wc -c <"$f")
	[ "$size" -lt 204800 ] || die "$f is $size bytes, over the 200 KB budget"
	if command -v tshark >/dev/null; then
		frames=$(tshark -n -r "$f" 2>/dev/null | wc -l)
		[ "$frames" -gt 0 ] || die "tshark decodes no frames in $f"
		log "$f: $size bytes, $frames frames"
	else
		log "$f: $size bytes"
	fi
done
