/* packet.h: one decoded packet, as offsets into its frame bytes.
 *
 * The struct lives in a ring slot and is reused for every packet that slot
 * carries: decoding fills it in place, nothing is allocated, and the
 * payload is an offset and a length into the frame, never a copy. Fields of
 * a layer are meaningful only when that layer's bit is set in `layers`.
 *
 * With tunnels (a later decoder) the fields describe the innermost flow;
 * the first (outermost) IPv4/IPv6 header is always at first_ip4_off /
 * first_ip6_off, as tshark's "first occurrence" reports. */
#ifndef PKTD_PACKET_H
#define PKTD_PACKET_H

#include <stdint.h>

enum pkt_layer {
	LAYER_ETH,    /* Ethernet II or 802.3 header at eth_off */
	LAYER_VLAN,   /* at least one 802.1Q / 802.1ad tag */
	LAYER_ARP,    /* ARP header at l3_off */
	LAYER_SLL,    /* Linux cooked v1 */
	LAYER_SLL2,   /* Linux cooked v2 */
	LAYER_NULL,   /* BSD NULL / LOOP family header */
	LAYER_IPV4,   /* IPv4 header at l3_off */
	LAYER_IPV6,   /* IPv6 header at l3_off */
	LAYER_TCP,    /* TCP header at l4_off */
	LAYER_UDP,    /* UDP header at l4_off */
	LAYER_ICMP,   /* ICMP header at l4_off */
	LAYER_ICMPV6, /* ICMPv6 header at l4_off */
	LAYER_COUNT
};

#define PKT_HAS(p, layer) (((p)->layers >> (layer)) & 1u)

/* Packet flags beyond the layer set. */
enum pkt_flag {
	PKT_FLAG_FRAGMENT = 1u << 0,  /* IPv4 MF/offset or IPv6 fragment header */
	PKT_FLAG_TRUNCATED = 1u << 1, /* caplen < what the headers declared */
	PKT_FLAG_LLC = 1u << 2,       /* 802.3 length field, LLC follows */
	PKT_FLAG_REASSEMBLED = 1u << 3, /* built by daemon/reasm.c from fragments (set after decoding) */
};

#define PKT_MAX_VLANS 4 /* tags recorded; deeper stacks are still walked */

/* Every header decoded, in wire order (outermost first): the per-layer
 * fields above describe the innermost occurrence (the flow a tunnel
 * carries); this list keeps every occurrence, so the outer tunnel
 * endpoints and tshark's "first occurrence" stay reachable. */
enum pkt_hdr_type {
	HDR_ETH, HDR_VLAN, HDR_LLC, HDR_SNAP, HDR_MPLS, HDR_PPPOE, HDR_PPP, HDR_CHDLC,
	HDR_SLL, HDR_SLL2, HDR_NULL, HDR_ARP, HDR_IPV4, HDR_IPV6, HDR_TCP, HDR_UDP,
	HDR_ICMP, HDR_ICMPV6, HDR_GRE, HDR_ERSPAN, HDR_VXLAN, HDR_GENEVE, HDR_GTPU, HDR_L2TP,
	HDR_SCTP, HDR_IGMP,
	HDR_TYPE_COUNT
};

enum pkt_hdr_flag {
	HDR_QUOTED = 1u << 0, /* inside an ICMP/ICMPv6 error: describes the quoted packet */
};

struct pkt_hdr {
	uint8_t type;  /* enum pkt_hdr_type */
	uint8_t flags; /* enum pkt_hdr_flag */
	uint16_t len;  /* header length in bytes (fixed part + options) */
	uint32_t off;  /* offset of the header in the frame */
};

#define PKT_MAX_HDRS 24 /* a deeper packet stops decoding with an event */

/* Well-known link types (LINKTYPE_ values as in pcap files). */
enum pkt_linktype {
	LINKTYPE_NULL = 0,
	LINKTYPE_ETHERNET = 1,
	LINKTYPE_RAW = 101,
	LINKTYPE_LOOP = 108,
	LINKTYPE_LINUX_SLL = 113,
	LINKTYPE_IPV4 = 228,
	LINKTYPE_IPV6 = 229,
	LINKTYPE_LINUX_SLL2 = 276,
};

struct pkt {
	/* Set by the capture stage before decoding. */
	const uint8_t *data; /* caplen bytes of frame */
	uint64_t ts_ns;      /* capture time, ns since the epoch */
	uint64_t frame_no;   /* 1-based across all inputs */
	uint32_t caplen;
	uint32_t wirelen;
	uint32_t linktype;
	uint32_t ifindex; /* pcapng interface, 0 for pcap */

	/* Filled by decode_packet(); everything below is reset by it. */
	uint32_t layers; /* bit per enum pkt_layer */
	uint16_t flags;  /* enum pkt_flag */
	uint16_t error;  /* enum decode_event of the first problem, 0 = none */

	/* L2 */
	uint32_t eth_off;   /* dst MAC at eth_off, src MAC at eth_off + 6 */
	uint16_t ethertype; /* after all VLAN tags; 0 when not known */
	uint16_t sll_proto; /* SLL/SLL2 protocol field */
	uint8_t vlan_count; /* tags seen (may exceed PKT_MAX_VLANS) */
	uint16_t vlan_tpid[PKT_MAX_VLANS];
	uint16_t vlan_id[PKT_MAX_VLANS]; /* 12-bit VID, outermost first */

	/* L3 */
	uint32_t l3_off;     /* IPv4/IPv6/ARP header */
	uint32_t l3_len;     /* declared L3 length, clipped to caplen */
	uint8_t ip_version;  /* 4, 6, or 0 */
	uint8_t proto;       /* upper-layer protocol after IPv6 ext headers */
	uint8_t ip6_nxt;     /* next-header field of the fixed IPv6 header */
	uint8_t ttl;         /* TTL or hop limit */
	uint16_t frag_offset; /* fragment offset in bytes */
	uint8_t frag_mf;      /* more-fragments flag */
	uint8_t ip_df;        /* IPv4 don't-fragment flag */
	uint32_t frag_id;     /* IPv4 id or IPv6 fragment identification */
	uint16_t arp_op;      /* ARP opcode */

	/* L4 */
	uint32_t l4_off;
	uint16_t sport, dport; /* TCP/UDP */
	uint16_t tcp_flags;    /* low 12 bits of the offset/flags word */
	uint16_t tcp_window;
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code; /* ICMP or ICMPv6 */

	/* Bytes after the innermost decoded header, clipped to the declared
	 * lengths (Ethernet padding is never payload). */
	uint32_t payload_off;
	uint32_t payload_len;

	/* Header list; only nhdrs is reset per packet. */
	uint8_t nhdrs;
	struct pkt_hdr hdrs[PKT_MAX_HDRS];
};

#endif
