/* test_flowstage.c: the tunnel context of a flow key (flowstage_tunnel_ctx):
 * 0 without a tunnel, the same in both directions, VNIs and GRE keys part
 * of it, GTP-U TEIDs (one per direction) not. Packets are built as bytes
 * and decoded by the real decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "flowstage.h"

static struct decode_counters counters;
static uint8_t buf[2][256];

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

/* IPv4 header at b: src, dst (last octets of 10.0.0.x), protocol, total length. */
static unsigned ipv4(uint8_t *b, uint8_t src, uint8_t dst, uint8_t proto, unsigned total)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put16(b + 2, (uint16_t)total);
	b[8] = 64;
	b[9] = proto;
	b[12] = 10, b[15] = src;
	b[16] = 10, b[19] = dst;
	return 20;
}

static unsigned eth(uint8_t *b, uint16_t type)
{
	memset(b, 0, 14);
	b[5] = 1;
	b[11] = 2;
	put16(b + 12, type);
	return 14;
}

/* Inner Ethernet/IPv4/TCP 10.0.0.50:1000 -> 10.0.0.60:80 (or reversed) at b. */
static unsigned inner_tcp(uint8_t *b, int reverse)
{
	unsigned n = eth(b, 0x0800);
	n += ipv4(b + n, reverse ? 60 : 50, reverse ? 50 : 60, 6, 40);
	memset(b + n, 0, 20);
	put16(b + n, reverse ? 80 : 1000);
	put16(b + n + 2, reverse ? 1000 : 80);
	b[n + 12] = 0x50;
	b[n + 13] = 0x10;
	return n + 20;
}

static struct pkt *decode(struct pkt *p, uint8_t *data, unsigned len)
{
	memset(p, 0, sizeof(*p));
	p->data = data;
	p->caplen = p->wirelen = len;
	p->linktype = LINKTYPE_ETHERNET;
	decode_packet(p, &counters);
	return p;
}

/* Eth / IPv4 outer_src > outer_dst / UDP / VXLAN vni / inner. */
static uint32_t vxlan_ctx(int which, uint8_t osrc, uint8_t odst, uint32_t vni, int reverse)
{
	uint8_t *b = buf[which];
	unsigned n = eth(b, 0x0800);
	unsigned ip = n;
	n += 20;
	unsigned udp = n;
	memset(b + udp, 0, 8);
	put16(b + udp, 50000);
	put16(b + udp + 2, 4789);
	n += 8;
	memset(b + n, 0, 8);
	b[n] = 0x08;
	put32(b + n + 4, vni << 8);
	n += 8;
	n += inner_tcp(b + n, reverse);
	ipv4(b + ip, osrc, odst, 17, n - ip);
	put16(b + udp + 4, (uint16_t)(n - udp));
	struct pkt p;
	decode(&p, b, n);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.sport, reverse ? 80 : 1000);
	return flowstage_tunnel_ctx(&p);
}

/* Eth / IPv4 / UDP / GTP-U teid / inner IPv4/TCP. */
static uint32_t gtpu_ctx(uint8_t osrc, uint8_t odst, uint32_t teid, int reverse)
{
	uint8_t *b = buf[0];
	unsigned n = eth(b, 0x0800);
	unsigned ip = n;
	n += 20;
	unsigned udp = n;
	memset(b + udp, 0, 8);
	put16(b + udp, 2152);
	put16(b + udp + 2, 2152);
	n += 8;
	unsigned g = n;
	b[g] = 0x30;
	b[g + 1] = 0xff;
	put32(b + g + 4, teid);
	n += 8;
	unsigned in = n;
	n += inner_tcp(b + n, reverse) - 14;
	memmove(b + in, b + in + 14, n - in); /* G-PDU carries IP, not Ethernet */
	put16(b + g + 2, (uint16_t)(n - g - 8));
	ipv4(b + ip, osrc, odst, 17, n - ip);
	put16(b + udp + 4, (uint16_t)(n - udp));
	struct pkt p;
	decode(&p, b, n);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.dport, reverse ? 1000 : 80);
	return flowstage_tunnel_ctx(&p);
}

/* No tunnel: 0, so plain flows keep the key they always had. */
static void test_no_tunnel_is_zero(void **state)
{
	(void)state;
	struct pkt p;
	unsigned n = inner_tcp(buf[0], 0);
	decode(&p, buf[0], n);
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(flowstage_tunnel_ctx(&p), 0);
}

/* VXLAN: both directions agree; another VNI or other endpoints differ. */
static void test_vxlan_symmetric_and_keyed_by_vni(void **state)
{
	(void)state;
	uint32_t a = vxlan_ctx(0, 1, 2, 5000, 0);
	assert_int_not_equal(a, 0);
	assert_int_equal(vxlan_ctx(1, 2, 1, 5000, 1), a);
	assert_int_not_equal(vxlan_ctx(1, 1, 2, 5001, 0), a);
	assert_int_not_equal(vxlan_ctx(1, 1, 3, 5000, 0), a);
}

/* GTP-U: each side picks the TEID it receives on, so the TEID is left out;
 * the outer endpoints still separate tunnels. */
static void test_gtpu_teids_per_direction_share_a_context(void **state)
{
	(void)state;
	uint32_t up = gtpu_ctx(1, 2, 0x1111, 0);
	uint32_t down = gtpu_ctx(2, 1, 0x2222, 1);
	assert_int_not_equal(up, 0);
	assert_int_equal(up, down);
	assert_int_not_equal(gtpu_ctx(1, 9, 0x1111, 0), up);
}

/* IP in IP: the outer header's endpoints, in either order. */
static void test_ip_in_ip(void **state)
{
	(void)state;
	uint32_t ctx[2];
	for (int r = 0; r < 2; r++) {
		uint8_t *b = buf[r];
		unsigned n = eth(b, 0x0800);
		unsigned outer = n;
		n += 20;
		n += inner_tcp(b + n, r) - 14;
		memmove(b + outer + 20, b + outer + 34, n - outer - 20);
		ipv4(b + outer, r ? 8 : 7, r ? 7 : 8, 4, n - outer);
		struct pkt p;
		decode(&p, b, n);
		assert_int_equal(p.tunnels, 1);
		ctx[r] = flowstage_tunnel_ctx(&p);
	}
	assert_int_not_equal(ctx[0], 0);
	assert_int_equal(ctx[0], ctx[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_tunnel_is_zero),
		cmocka_unit_test(test_vxlan_symmetric_and_keyed_by_vni),
		cmocka_unit_test(test_gtpu_teids_per_direction_share_a_context),
		cmocka_unit_test(test_ip_in_ip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
