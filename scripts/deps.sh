#!/bin/sh
# Install the Debian packages pktd builds and tests with, only when missing.
set -e
need=""
for pkg in gcc clang libclang-rt-14-dev make pkg-config libpcap-dev libevent-dev libpython3-dev libcmocka-dev \
           python3 python3-cryptography tcpdump tshark iproute2 dnsmasq dnsutils curl iputils-ping \
           python3-prometheus-client $PKTD_DEPS_EXTRA; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need="$need $pkg"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$need (run as root, or install them)" >&2
	exit 1
fi
echo "deps: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends $need >/dev/null
