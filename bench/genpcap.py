#!/usr/bin/python3
"""genpcap.py: write a deterministic synthetic capture for benchmarks.

usage: genpcap.py OUT.pcap --packets N [--mix realistic|dns|web] [--seed S]

realistic: Ethernet, about 8% 802.1Q-tagged; IPv4 (90%) and IPv6 (10%);
  TCP 62% (bulk 1514-byte segments, small ACKs, mid-size requests),
  UDP 30% (DNS, NTP, syslog, QUIC-like 1200-byte datagrams), ICMP 4%,
  ARP 4%; a few thousand hosts and ports; mean frame size about 440 bytes.
dns: DNS over UDP/53, queries and responses (A, AAAA, CNAME, MX, TXT
  answers with name compression), as a resolver's link carries.
web: whole TCP connections, about 2,000 open at once and interleaved
  packet by packet, from 2,000 clients to 50 servers: 55% HTTP/1.1 on port
  80 (1-3 GET requests with Host and User-Agent, responses with
  Content-Length bodies of 0.3-30 KB in 1448-byte segments), 45% TLS on
  port 443 (a 517-byte TLS 1.3 ClientHello with SNI, ALPN, supported
  versions, groups, signature algorithms and a key share; ServerHello,
  ChangeCipherSpec and encrypted records of 1-40 KB); handshakes, ACKs and
  FIN exchanges included (about 20 packets a connection). Flow-heavy, and
  real payloads for http.py / tls.py and tshark's http / tls dissectors.

The same seed and arguments always give the same bytes.
"""
import argparse
import random
import struct

PCAP_HDR = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)


def mac(n):
    return bytes((0x02, 0x00, (n >> 24) & 255, (n >> 16) & 255, (n >> 8) & 255, n & 255))


def ipv4_header(src, dst, proto, payload_len, ident):
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + payload_len, ident & 0xffff, 0x4000, 64, proto, 0,
                       src, dst)


def ipv6_header(src, dst, nxt, payload_len):
    return struct.pack('!IHBB16s16s', 0x60000000, payload_len, nxt, 64, src, dst)


def tcp_header(sport, dport, seq, ack, flags):
    return struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff, 5 << 4, flags, 65535, 0,
                       0)


def udp_header(sport, dport, payload_len):
    return struct.pack('!HHHH', sport, dport, 8 + payload_len, 0)


def dns_name(name):
    out = b''
    for label in name.split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\x00'


def dns_message(rng, ident, response):
    ident &= 0xffff
    name = '%s.%s.%s' % (rng.choice(('www', 'api', 'cdn', 'mail', 'img', 'static', 'login')),
                         'site%d' % rng.randrange(5000), rng.choice(('com', 'net', 'org', 'example')))
    qtype = rng.choice((1, 1, 1, 28, 28, 5, 15, 16))
    q = dns_name(name) + struct.pack('!HH', qtype, 1)
    if not response:
        return struct.pack('!HHHHHH', ident, 0x0100, 1, 0, 0, 0) + q
    answers = b''
    count = rng.choice((1, 1, 2, 3))
    for _ in range(count):
        ptr = b'\xc0\x0c'
        if qtype == 1:
            rdata = bytes(rng.randrange(256) for _ in range(4))
        elif qtype == 28:
            rdata = b'\x20\x01\x0d\xb8' + bytes(rng.randrange(256) for _ in range(12))
        elif qtype == 5:
            rdata = dns_name('edge%d.cdn.example' % rng.randrange(100))
        elif qtype == 15:
            rdata = struct.pack('!H', 10) + dns_name('mx%d.example' % rng.randrange(10))
        else:
            text = b'v=spf1 include:_spf.example ~all'
            rdata = bytes([len(text)]) + text
        answers += ptr + struct.pack('!HHIH', qtype, 1, rng.randrange(60, 86400), len(rdata)) + rdata
    return struct.pack('!HHHHHH', ident, 0x8180, 1, count, 0, 0) + q + answers


def tls_ext(etype, body):
    return struct.pack('!HH', etype, len(body)) + body


def client_hello(rng, sni):
    """A TLS 1.3 ClientHello record like a browser's (517 bytes with padding)."""
    name = sni.encode()
    ciphers = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
               0x009c, 0x009d, 0x002f, 0x0035]
    exts = tls_ext(0, struct.pack('!HBH', len(name) + 3, 0, len(name)) + name)
    exts += tls_ext(23, b'') + tls_ext(0xff01, b'\x00')
    exts += tls_ext(10, struct.pack('!HHHHH', 8, 0x001d, 0x0017, 0x0018, 0x0019))
    exts += tls_ext(11, b'\x01\x00')
    exts += tls_ext(35, b'')
    alpn = b'\x02h2\x08http/1.1'
    exts += tls_ext(16, struct.pack('!H', len(alpn)) + alpn)
    exts += tls_ext(5, b'\x01\x00\x00\x00\x00')
    sigs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    exts += tls_ext(13, struct.pack('!H%dH' % len(sigs), 2 * len(sigs), *sigs))
    exts += tls_ext(51, struct.pack('!HHH', 38, 0x001d, 32) + bytes(rng.randrange(256) for _ in range(32)))
    exts += tls_ext(45, b'\x01\x01')
    exts += tls_ext(43, b'\x04\x03\x04\x03\x03')
    body = b'\x03\x03' + bytes(rng.randrange(256) for _ in range(32)) + b'\x20' + \
        bytes(rng.randrange(256) for _ in range(32))
    body += struct.pack('!H%dH' % len(ciphers), 2 * len(ciphers), *ciphers) + b'\x01\x00'
    pad = 508 - (len(body) + 2 + len(exts) + 4) - 4
    if pad > 0:
        exts += tls_ext(21, b'\x00' * pad)
    body += struct.pack('!H', len(exts)) + exts
    hs = b'\x01' + struct.pack('!I', len(body))[1:] + body
    return b'\x16\x03\x01' + struct.pack('!H', len(hs)) + hs


def server_hello(rng):
    exts = tls_ext(43, b'\x03\x04') + tls_ext(51, struct.pack('!HH', 0x001d, 32) +
                                                bytes(rng.randrange(256) for _ in range(32)))
    body = b'\x03\x03' + bytes(rng.randrange(256) for _ in range(32)) + b'\x20' + \
        bytes(rng.randrange(256) for _ in range(32)) + b'\x13\x01\x00' + struct.pack('!H', len(exts)) + exts
    hs = b'\x02' + struct.pack('!I', len(body))[1:] + body
    return b'\x16\x03\x03' + struct.pack('!H', len(hs)) + hs + b'\x14\x03\x03\x00\x01\x01'


class Conn:
    """One TCP connection of the web mix: its packets, made on demand."""

    def __init__(self, gen):
        r = gen.rng
        self.client = r.choice(gen.hosts4)
        self.server = r.choice(gen.servers4)
        self.cport = r.randrange(1024, 65535)
        self.tls = r.random() < 0.45
        self.sport = 443 if self.tls else 80
        self.seq = [r.randrange(1 << 32), r.randrange(1 << 32)]       # client, server
        self.site = 'www.site%d.example' % r.randrange(3000)
        self.script = self.plan(gen)

    def seg(self, d, flags, data=b''):
        """A segment from the client (d = 0) or the server (1)."""
        out = (d, flags, self.seq[d], self.seq[1 - d], data)
        self.seq[d] = (self.seq[d] + len(data) + (1 if flags & 0x03 else 0)) & 0xffffffff
        return out

    def send(self, d, data, out):
        """data in 1448-byte segments, an ACK back every second one."""
        for i in range(0, len(data), 1448):
            out.append(self.seg(d, 0x18, data[i:i + 1448]))
            if (i // 1448) % 2 == 1 or i + 1448 >= len(data):
                out.append(self.seg(1 - d, 0x10))

    def plan(self, gen):
        r = gen.rng
        out = [self.seg(0, 0x02), self.seg(1, 0x12), self.seg(0, 0x10)]
        if self.tls:
            self.send(0, client_hello(r, self.site), out)
            self.send(1, server_hello(r) + b'\x17\x03\x03\x0b\xb8' + gen.payload(1000) * 3, out)
            self.send(0, b'\x17\x03\x03\x00\x35' + gen.payload(53), out)
            for _ in range(r.choice((1, 1, 2, 3))):
                n = r.randrange(200, 500)
                self.send(0, b'\x17\x03\x03' + struct.pack('!H', n) + gen.payload(n), out)
                n = r.randrange(1000, 40000)
                body = b''.join(b'\x17\x03\x03' + struct.pack('!H', min(1400, n - k)) +
                                gen.payload(min(1400, n - k)) for k in range(0, n, 1400))
                self.send(1, body, out)
        else:
            for _ in range(r.choice((1, 1, 1, 2, 3))):
                path = '/%s/%d.%s' % (r.choice(('img', 'static', 'api', 'news', 'js')), r.randrange(100000),
                                      r.choice(('html', 'png', 'js', 'json')))
                req = ('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) '
                       'bench/1.0\r\nAccept: */*\r\nAccept-Encoding: gzip\r\n\r\n' % (path, self.site))
                self.send(0, req.encode(), out)
                n = r.randrange(300, 30000)
                head = ('HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: text/html\r\n'
                        'Content-Length: %d\r\n\r\n' % n).encode()
                body = (gen.payload(1400) * (n // 1400 + 1))[:n]
                self.send(1, head + body, out)
        out += [self.seg(0, 0x11), self.seg(1, 0x11), self.seg(0, 0x10)]
        out.reverse()
        return out

    def frame(self, gen):
        d, flags, seq, ack, data = self.script.pop()
        src, dst, sp, dp = (self.client, self.server, self.cport, self.sport) if d == 0 else \
            (self.server, self.client, self.sport, self.cport)
        l4 = tcp_header(sp, dp, seq, ack, flags) + data
        gen.ident += 1
        return gen.l2(0x0800, False) + ipv4_header(src, dst, 6, len(l4), gen.ident) + l4


class Gen:
    def __init__(self, seed, mix):
        self.rng = random.Random(seed)
        self.mix = mix
        self.hosts4 = [bytes((10, self.rng.randrange(256), self.rng.randrange(256), self.rng.randrange(1, 255)))
                       for _ in range(2000)]
        self.hosts6 = [b'\xfd\x00' + bytes(self.rng.randrange(256) for _ in range(14)) for _ in range(300)]
        self.servers4 = self.hosts4[:50]
        self.ts = 1700000000.0
        self.ident = 0
        self.fill = bytes(self.rng.randrange(256) for _ in range(4096))
        self.conns = []
        self.connections = 0

    def payload(self, n):
        start = self.rng.randrange(0, 4096 - 1500)
        return self.fill[start:start + n]

    def l2(self, ethertype, tagged):
        r = self.rng
        head = mac(r.randrange(1 << 20)) + mac(r.randrange(1 << 20))
        if tagged:
            return head + struct.pack('!HHH', 0x8100, r.randrange(1, 4095), ethertype)
        return head + struct.pack('!H', ethertype)

    def ip(self, proto, l4, v6):
        r = self.rng
        self.ident += 1
        if v6:
            src, dst = r.choice(self.hosts6), r.choice(self.hosts6)
            return self.l2(0x86dd, r.random() < 0.08) + ipv6_header(src, dst, proto, len(l4)) + l4
        src, dst = r.choice(self.hosts4), r.choice(self.servers4 if r.random() < 0.6 else self.hosts4)
        if r.random() < 0.5:
            src, dst = dst, src
        return self.l2(0x0800, r.random() < 0.08) + ipv4_header(src, dst, proto, len(l4), self.ident) + l4

    def frame_realistic(self):
        r = self.rng
        v6 = r.random() < 0.10
        x = r.random()
        if x < 0.62:
            sport = r.choice((443, 443, 443, 80, 22, 3306, 8080)) if r.random() < 0.5 else r.randrange(1024, 65535)
            dport = r.randrange(1024, 65535) if sport < 1024 else r.choice((443, 443, 443, 80, 22, 3306, 8080))
            kind = r.random()
            if kind < 0.27:
                body, flags = self.payload(1460 - (20 if v6 else 0)), 0x18
            elif kind < 0.80:
                body, flags = b'', 0x10
            else:
                body, flags = self.payload(r.randrange(40, 700)), 0x18
            if r.random() < 0.03:
                flags = r.choice((0x02, 0x12, 0x11, 0x04))
            l4 = tcp_header(sport, dport, r.randrange(1 << 32), r.randrange(1 << 32), flags) + body
            return self.ip(6, l4, v6)
        if x < 0.92:
            y = r.random()
            if y < 0.40:
                self.ident += 1
                body, sport, dport = dns_message(r, self.ident, r.random() < 0.5), r.randrange(1024, 65535), 53
            elif y < 0.60:
                body, sport, dport = self.payload(48), 123, 123
            elif y < 0.80:
                body, sport, dport = self.payload(r.randrange(60, 300)), r.randrange(1024, 65535), 514
            else:
                body, sport, dport = self.payload(1200), r.randrange(1024, 65535), 443
            if r.random() < 0.5:
                sport, dport = dport, sport
            return self.ip(17, udp_header(sport, dport, len(body)) + body, v6)
        if x < 0.96:
            body = struct.pack('!BBHHH', 8 if r.random() < 0.5 else 0, 0, 0, r.randrange(65536), r.randrange(65536))
            body += self.payload(56)
            return self.ip(1, body, False)
        arp = struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 1, mac(r.randrange(1 << 20)), r.choice(self.hosts4),
                          b'\x00' * 6, r.choice(self.hosts4))
        return self.l2(0x0806, False) + arp + b'\x00' * 18

    def frame_web(self):
        conns = self.conns
        while len(conns) < 2000:
            conns.append(Conn(self))
            self.connections += 1
        i = self.rng.randrange(len(conns))
        c = conns[i]
        data = c.frame(self)
        if not c.script:
            conns[i] = conns[-1]
            conns.pop()
        return data

    def frame_dns(self):
        r = self.rng
        self.ident += 1
        response = r.random() < 0.5
        body = dns_message(r, self.ident, response)
        client, server = r.choice(self.hosts4), r.choice(self.servers4[:4])
        sport, dport = r.randrange(1024, 65535), 53
        src, dst = client, server
        if response:
            sport, dport, src, dst = dport, sport, dst, src
        l4 = udp_header(sport, dport, len(body)) + body
        return self.l2(0x0800, False) + ipv4_header(src, dst, 17, len(l4), self.ident) + l4

    def write(self, path, n):
        frame = {'dns': self.frame_dns, 'web': self.frame_web}.get(self.mix, self.frame_realistic)
        total = 0
        with open(path, 'wb') as f:
            f.write(PCAP_HDR)
            buf = bytearray()
            for i in range(n):
                data = frame()
                if len(data) < 60:
                    data += b'\x00' * (60 - len(data))
                self.ts += self.rng.expovariate(20000.0)
                sec = int(self.ts)
                buf += struct.pack('<IIII', sec, int((self.ts - sec) * 1e6), len(data), len(data))
                buf += data
                total += len(data)
                if len(buf) > (1 << 22):
                    f.write(buf)
                    buf.clear()
            f.write(buf)
        return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('out')
    ap.add_argument('--packets', type=int, default=2000000)
    ap.add_argument('--mix', choices=('realistic', 'dns', 'web'), default='realistic')
    ap.add_argument('--seed', type=int, default=42)
    a = ap.parse_args()
    total = Gen(a.seed, a.mix).write(a.out, a.packets)
    print('genpcap: %s: %d packets, mean frame %.0f bytes (%s mix, seed %d)' % (a.out, a.packets, total / a.packets,
                                                                              a.mix, a.seed))


if __name__ == '__main__':
    main()
