/* test_l2tp.c: unit tests for parsers/l2tp.c (L2TPv2 on UDP 1701: flags, optional fields, control vs data, PPP). */
#include "decode_fixtures.h"

/* Crafted (L2TPv2 data, no optional fields, PPP with FF 03):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 94: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto UDP (17), length 80) 10.0.0.1.1701 >
 * 10.0.0.2.1701:  l2tp:[](4660/1) {IP (0x0021), length 46: (tos 0x0, ttl 64, id 1, offset
 * 0, flags [none], proto TCP (6), length 42) 192.168.1.2.1234 > 192.168.1.3.80: Flags
 * [P.], cksum 0x0000 (incorrect -> 0xbae6), seq 1:3, ack 2, win 1024, length 2: HTTP}
 * tshark: eth:ethertype:ip:udp:l2tp:ppp:ip:tcp */
static const uint8_t l2tp_data[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x50, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0x9a, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x06, 0xa5,
	0x06, 0xa5, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x02, 0x12, 0x34, 0x00, 0x01,
	0xff, 0x03, 0x00, 0x21, 0x45, 0x00, 0x00, 0x2a, 0x00, 0x01, 0x00, 0x00,
	0x40, 0x06, 0xf7, 0x77, 0xc0, 0xa8, 0x01, 0x02, 0xc0, 0xa8, 0x01, 0x03,
	0x04, 0xd2, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x50, 0x18, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x68, 0x69,
};
/* Crafted (L2TPv2 data with length, Ns/Nr, offset size 2; PPP without FF 03; 4 bytes after the L2TP length):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 106: (tos 0x0,
 * ttl 64, id 1, offset 0, flags [none], proto UDP (17), length 92) 10.0.0.1.1701 >
 * 10.0.0.2.1701:  l2tp:[LSO](7/9)Ns=1,Nr=2 {IP (0x0021), length 44: (tos 0x0, ttl 64, id
 * 1, offset 0, flags [none], proto TCP (6), length 42) 192.168.1.2.1234 > 192.168.1.3.80:
 * Flags [P.], cksum 0x0000 (incorrect -> 0xbae6), seq 1:3, ack 2, win 1024, length 2:
 * HTTP}
 * tshark: eth:ethertype:ip:udp:l2tp:ppp:ip:tcp */
static const uint8_t l2tp_data_opts[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x5c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0x8e, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x06, 0xa5,
	0x06, 0xa5, 0x00, 0x48, 0x00, 0x00, 0x4a, 0x02, 0x00, 0x3c, 0x00, 0x07,
	0x00, 0x09, 0x00, 0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x21,
	0x45, 0x00, 0x00, 0x2a, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0xf7, 0x77,
	0xc0, 0xa8, 0x01, 0x02, 0xc0, 0xa8, 0x01, 0x03, 0x04, 0xd2, 0x00, 0x50,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x50, 0x18, 0x04, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x68, 0x69, 0x00, 0x00, 0x00, 0x00,
};
/* Crafted (L2TPv2 control message (SCCRQ)):
 * 00:66:77:88:99:aa > 00:11:22:33:44:55, ethertype IPv4 (0x0800), length 62: (tos 0x0, ttl
 * 64, id 1, offset 0, flags [none], proto UDP (17), length 48) 10.0.0.1.1701 >
 * 10.0.0.2.1701:  l2tp:[TLS](7/0)Ns=0,Nr=0 *MSGTYPE(SCCRQ)
 * tshark: eth:ethertype:ip:udp:l2tp */
static const uint8_t l2tp_control[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00, 0x45, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11,
	0x66, 0xba, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x06, 0xa5,
	0x06, 0xa5, 0x00, 0x1c, 0x00, 0x00, 0xc8, 0x02, 0x00, 0x14, 0x00, 0x07,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x08, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x01,
};

/* Data message with no optional field: tunnel/session id, PPP (FF 03), the inner IPv4/TCP. */
static void test_l2tp_data(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(l2tp_data)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	assert_int_equal(p.error, EV_NONE);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_L2TP, HDR_PPP, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 2, HDR_UDP, 34, 8, 0);
	fx_expect_hdr(&p, 3, HDR_L2TP, 42, 6, 0);
	fx_expect_hdr(&p, 4, HDR_PPP, 48, 4, 0);
	fx_expect_hdr(&p, 5, HDR_IPV4, 52, 20, 0);
	assert_int_equal(p.tunnels, 1);
	assert_int_equal(p.tunnel_id, 0x12340001);
	assert_int_equal(p.ppp_proto, 0x0021);
	/* the inner flow's fields */
	assert_int_equal(p.l3_off, 52);
	assert_memory_equal(p.data + p.l3_off + 12, "\xc0\xa8\x01\x02\xc0\xa8\x01\x03", 8);
	assert_int_equal(p.l4_off, 72);
	assert_int_equal(p.sport, 1234);
	assert_int_equal(p.dport, 80);
	assert_int_equal(p.payload_off, 92);
	assert_int_equal(p.payload_len, 2);
}

/* Length, Ns/Nr and an offset pad are skipped; the length ends the message before trailing bytes. */
static void test_l2tp_optional_fields(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(l2tp_data_opts)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_L2TP, HDR_PPP, HDR_IPV4, HDR_TCP);
	fx_expect_hdr(&p, 3, HDR_L2TP, 42, 16, 0);
	fx_expect_hdr(&p, 4, HDR_PPP, 58, 2, 0); /* no FF 03 */
	assert_int_equal(p.tunnel_id, 0x00070009);
	assert_int_equal(p.payload_off, 100);
	assert_int_equal(p.payload_len, 2); /* not the 4 bytes after the L2TP length */
}

/* A control message (T bit) ends decoding with its AVPs as the payload, no error. */
static void test_l2tp_control(void **state)
{
	(void)state;
	struct pkt p;

	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(l2tp_control)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_L2TP);
	fx_expect_hdr(&p, 3, HDR_L2TP, 42, 12, 0);
	assert_int_equal(p.tunnels, 0);
	assert_int_equal(p.tunnel_id, 0x00070000);
	assert_int_equal(p.sport, 1701);
	assert_int_equal(p.payload_off, 54);
	assert_int_equal(p.payload_len, 8);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(l2tp_control), EV_NONE);
}

/* Version 3 stops quietly, other versions are l2tp.bad_version; a length below the header is l2tp.bad_len. */
static void test_l2tp_malformed(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(l2tp_data_opts)];

	memcpy(f, l2tp_data, sizeof(l2tp_data));
	f[43] = 0x03;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, sizeof(l2tp_data)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP, HDR_L2TP);
	assert_int_equal(p.payload_off, 42); /* the v3 message, not decoded */
	for (unsigned v = 0; v < 16; v++) {
		if (v == 2 || v == 3)
			continue;
		f[43] = (uint8_t)v;
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, f, sizeof(l2tp_data)), DECODE_INVALID);
		assert_int_equal(p.error, EV_L2TP_BAD_VERSION);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
		assert_int_equal(p.payload_off, 42);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, f, sizeof(l2tp_data), EV_L2TP_BAD_VERSION);

	memcpy(f, l2tp_data_opts, sizeof(f));
	f[44] = 0x00, f[45] = 15; /* length 15 < the 16-byte header */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_INVALID);
	assert_int_equal(p.error, EV_L2TP_BAD_LEN);
	fx_expect_hdr(&p, 3, HDR_L2TP, 42, 16, 0);
	fx_expect_counted(LINKTYPE_ETHERNET, FX_FRAME(f), EV_L2TP_BAD_LEN);
	f[45] = 16; /* exactly the header: no PPP bytes */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_PPP_TOO_SMALL);
	f[44] = 0x01; /* longer than the UDP payload: truncated flag, decoded anyway */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.flags, PKT_FLAG_TRUNCATED);
	assert_int_equal(p.sport, 1234);
	/* an offset size past the end */
	memcpy(f, l2tp_data_opts, sizeof(f));
	f[54] = 0x01, f[55] = 0x00;
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_TRUNCATED);
	assert_int_equal(p.error, EV_L2TP_TOO_SMALL);
}

/* A header cut anywhere is l2tp.too_small; the outer UDP fields stay. */
static void test_l2tp_too_small(void **state)
{
	(void)state;
	struct pkt p;

	for (uint32_t n = 42; n < 48; n++) {
		assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, l2tp_data, n), DECODE_TRUNCATED);
		assert_int_equal(p.error, EV_L2TP_TOO_SMALL);
		assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_UDP));
		assert_int_equal(p.dport, 1701);
		assert_int_equal(p.payload_off, 42);
	}
	fx_expect_counted(LINKTYPE_ETHERNET, l2tp_data, 45, EV_L2TP_TOO_SMALL);
}

/* Port 1701 on either side selects L2TP, as tshark does; not when the lower port is a well-known one. */
static void test_l2tp_port_either_side(void **state)
{
	(void)state;
	struct pkt p;
	uint8_t f[sizeof(l2tp_data)];

	memcpy(f, l2tp_data, sizeof(f));
	f[34] = 0xc3, f[35] = 0x50; /* source 50000, destination 1701 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.layers, FX_BIT(LAYER_ETH) | FX_BIT(LAYER_IPV4) | FX_BIT(LAYER_TCP));
	f[36] = 0xc3, f[37] = 0x50, f[34] = 0x06, f[35] = 0xa5; /* 1701 -> 50000 */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	assert_int_equal(p.tunnels, 1);
	f[36] = 0x00, f[37] = 0x35; /* 1701 -> 53: DNS, the lower port, wins */
	assert_int_equal(fx_decode(&p, LINKTYPE_ETHERNET, FX_FRAME(f)), DECODE_OK);
	FX_HDRS(&p, HDR_ETH, HDR_IPV4, HDR_UDP);
	assert_int_equal(p.payload_off, 42);
}

/* Every cut of every fixture decodes safely; cuts inside a header report an error. */
static void test_l2tp_cut_every_length(void **state)
{
	(void)state;
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(l2tp_data), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(l2tp_data_opts), FX_AUTO);
	fx_cut_every_length(LINKTYPE_ETHERNET, FX_FRAME(l2tp_control), FX_AUTO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_l2tp_data),
		cmocka_unit_test(test_l2tp_optional_fields),
		cmocka_unit_test(test_l2tp_control),
		cmocka_unit_test(test_l2tp_malformed),
		cmocka_unit_test(test_l2tp_too_small),
		cmocka_unit_test(test_l2tp_port_either_side),
		cmocka_unit_test(test_l2tp_cut_every_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
