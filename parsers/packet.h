/* packet.h: one decoded packet, as offsets into its frame bytes.
 *
 * The struct lives in a ring slot and is reused for every packet that slot
 * carries: decoding fills it in place, nothing is allocated, and the
 * payload is an offset and a length into the frame, never a copy. Fields of
 * a layer are meaningful only when that layer's bit is set in `layers`.
 *
 * Tunnels and the header list (the rules every decoder keeps):
 * - hdrs[0..nhdrs) lists every header decoded, in wire order (outermost
 *   first): link headers (one entry per VLAN tag and per MPLS label), IP,
 *   L4, tunnel headers and what they carry. A header is appended as soon as
 *   its fixed part was read (when its layer bit, if it has one, is set); its
 *   len then grows to cover options / extension headers once those were
 *   read, so off + len never passes caplen. A packet whose list would pass
 *   PKT_MAX_HDRS stops with EV_TOO_DEEP ("decode.too_deep").
 * - The single-valued fields describe the INNERMOST occurrence: an inner
 *   header overwrites what the outer one of its kind set. They come in
 *   groups: link (eth_off, ethertype, sll_proto, ppp_proto, pppoe_*, llc_*,
 *   snap_oui), tunnel (tunnels, tunnel_id), L3 (l3_off .. arp_tpa_off) and
 *   L4 (l4_off .. igmp_group). A new IP or ARP header clears the L3 and L4
 *   groups and the L3/L4 layer bits first, so L4 always belongs to the L3
 *   header before it: a VXLAN packet carrying Ethernet/IPv4/TCP has the
 *   layers ETH|IPV4|TCP of the inner flow, eth_off at the inner Ethernet,
 *   and the outer Ethernet/IPv4/UDP/VXLAN only in hdrs. A tunnel whose
 *   inner packet stops before an IP header (inner ARP aside) keeps the
 *   outer L3/L4 groups.
 * - Exceptions: vlan_count/vlan_tpid/vlan_id and LAYER_VLAN are the tags
 *   right after the frame's first header (Ethernet, SLL, SLL2) only: tags
 *   of an inner Ethernet frame (tunnel, 0x6558 bridging) or after a C-HDLC
 *   protocol field are in hdrs only. `flags` is packet-wide (FRAGMENT: some
 *   IP header of the packet is a fragment; TRUNCATED: some declared length
 *   passes caplen; LLC: an 802.3 length field).
 * - New protocols have no layer bit (Python caches a tuple per layer-bit
 *   set): SCTP (proto 132) and IGMP (proto 2) were decoded when the last
 *   unquoted hdrs entry is HDR_SCTP / HDR_IGMP, and l4_off is then set;
 *   tunnels, MPLS, PPP, LLC ... are only in hdrs and their fields.
 * - ICMP/ICMPv6 errors (ICMP types 3, 4, 5, 11, 12; ICMPv6 1-4): the
 *   quoted IP header and what follows it are decoded (a scratch struct pkt,
 *   icmp.c) and appended with HDR_QUOTED, but they do NOT overwrite the
 *   packet's fields: the packet stays an ICMP packet, its payload stays the
 *   bytes after the ICMP header. What the quote says is in quote_off (the
 *   quoted IP header), quote_proto, quote_sport / quote_dport (of its
 *   innermost TCP/UDP/SCTP header). A quote that ends early once its IP
 *   header is complete is normal (RFC 792 keeps only 8 bytes of the L4
 *   header): a TCP/UDP/SCTP header cut after its ports is listed with the
 *   bytes present as len, and its ports are recorded. A quote too short for
 *   its IP header, or holding an invalid value, is counted as
 *   EV_ICMP_BAD_QUOTE / EV_ICMPV6_BAD_QUOTE (never p->error: the ICMP
 *   packet itself is fine) and its own first event is kept in quote_error.
 *   An ICMP error inside a quote is listed, its own quote is not decoded.
 * - Tunnel nesting is capped: the (DECODE_TUNNEL_MAX_DEPTH + 1)-th
 *   encapsulation (GRE, VXLAN, Geneve, GTP-U, L2TP, IP-in-IP) is listed in
 *   hdrs, but what it carries is not decoded: EV_TUNNEL_TOO_DEEP. */
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

/* Header types of hdrs[] (see the rules at the top). len of each:
 *   ETH 14; VLAN 4 (the tag after the TPID); LLC 3 or 4 (DSAP, SSAP,
 *   control); SNAP 5 (OUI, PID); MPLS 4 (one label); PPPOE 6; PPP 1-4
 *   (optional FF 03, protocol); CHDLC 4; SLL 16; SLL2 20; NULL 4;
 *   ARP 8 + 2 * (hlen + plen); IPV4 IHL * 4; IPV6 40 + extension headers;
 *   TCP data offset * 4; UDP 8; ICMP / ICMPV6 8 (4 when cut); GRE 4-16
 *   (with checksum, key, sequence, PPTP ack); ERSPAN 8 (type II) or 12/20
 *   (type III, platform subheader); VXLAN 8; GENEVE 8 + options; GTPU 8,
 *   12 + extension headers; L2TP 6-16 + offset padding; SCTP 12 (common
 *   header; chunks are the payload); IGMP 8 or 12 (v3 query); CMD 8 (Cisco
 *   MetaData in GRE).
 * A quoted header (HDR_QUOTED) may be shorter: the quote ends inside it. */
enum pkt_hdr_type {
	HDR_ETH, HDR_VLAN, HDR_LLC, HDR_SNAP, HDR_MPLS, HDR_PPPOE, HDR_PPP, HDR_CHDLC,
	HDR_SLL, HDR_SLL2, HDR_NULL, HDR_ARP, HDR_IPV4, HDR_IPV6, HDR_TCP, HDR_UDP,
	HDR_ICMP, HDR_ICMPV6, HDR_GRE, HDR_ERSPAN, HDR_VXLAN, HDR_GENEVE, HDR_GTPU, HDR_L2TP,
	HDR_SCTP, HDR_IGMP, HDR_CMD,
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
	LINKTYPE_PPP = 9,
	LINKTYPE_PPP_HDLC = 50, /* pcap name PPP_SERIAL */
	LINKTYPE_RAW = 101,
	LINKTYPE_C_HDLC = 104,  /* Cisco HDLC */
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

	/* Link group: the innermost link headers. */
	uint32_t eth_off;   /* dst MAC at eth_off, src MAC at eth_off + 6 */
	uint16_t ethertype; /* last EtherType dispatched on (after VLAN tags, SNAP, C-HDLC,
			     * a GRE/Geneve protocol type); 0 when not known */
	uint16_t sll_proto; /* SLL/SLL2 protocol field */
	uint8_t vlan_count; /* outermost Ethernet's tags seen (may exceed PKT_MAX_VLANS) */
	uint16_t vlan_tpid[PKT_MAX_VLANS];
	uint16_t vlan_id[PKT_MAX_VLANS]; /* 12-bit VID, outermost first */
	uint16_t ppp_proto;     /* PPP protocol field (0x0021 IPv4, 0xc021 LCP, ...) */
	uint16_t pppoe_session; /* PPPoE session id */
	uint8_t pppoe_code;     /* PPPoE code (0 = session data, 0x09 PADI, ...) */
	uint8_t llc_dsap, llc_ssap;
	uint16_t llc_ctrl;      /* 1 byte (U format) or 2 bytes (I/S format) */
	uint32_t snap_oui;      /* SNAP OUI (0 = EtherType follows, 0x00000c Cisco) */

	/* Tunnel group. */
	uint8_t tunnels;    /* encapsulations entered (GRE, VXLAN, Geneve, GTP-U, L2TP,
			     * IP-in-IP) */
	uint32_t tunnel_id; /* innermost tunnel's id: VXLAN/Geneve VNI, GTP-U TEID, GRE key
			     * (PPTP: call id), L2TP tunnel id << 16 | session id; 0 = none */

	/* L3 group: the innermost IP or ARP header. */
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
	uint16_t arp_htype;   /* ARP hardware type (1 = Ethernet) */
	uint16_t arp_ptype;   /* ARP protocol type (0x0800 = IPv4) */
	uint8_t arp_hlen, arp_plen; /* address sizes (6 and 4 for Ethernet/IPv4) */
	uint32_t arp_sha_off, arp_spa_off; /* sender hardware / protocol address */
	uint32_t arp_tha_off, arp_tpa_off; /* target hardware / protocol address */

	/* L4 group: the header after the innermost L3 header. */
	uint32_t l4_off;       /* TCP/UDP/ICMP/ICMPv6, and SCTP/IGMP (no layer bit) */
	uint16_t sport, dport; /* TCP/UDP/SCTP */
	uint16_t tcp_flags;    /* low 12 bits of the offset/flags word */
	uint16_t tcp_window;
	uint32_t seq, ack;
	uint8_t icmp_type, icmp_code; /* ICMP or ICMPv6 */
	uint8_t quote_proto;   /* ICMP error: the quoted packet's protocol (innermost) */
	uint16_t quote_error;  /* ICMP error: enum decode_event of the quote, 0 = decoded */
	uint32_t quote_off;    /* ICMP error: quoted IP header; 0 = no quote decoded */
	uint16_t quote_sport, quote_dport; /* ICMP error: quoted TCP/UDP/SCTP ports */
	uint16_t sctp_nchunks;    /* complete chunks walked */
	uint8_t sctp_chunk_type;  /* type of the first chunk */
	uint32_t sctp_vtag;       /* verification tag */
	uint8_t igmp_type;        /* 0x11 query, 0x12/0x16/0x22 v1/v2/v3 report, 0x17 leave */
	uint8_t igmp_max_resp;    /* max response time/code (raw) */
	uint16_t igmp_nrecords;   /* v3 report: number of group records */
	uint32_t igmp_group;      /* group address (host order); 0 in a v3 report */

	/* Bytes after the innermost decoded header, clipped to the declared
	 * lengths (Ethernet padding is never payload). */
	uint32_t payload_off;
	uint32_t payload_len;

	/* Header list (rules at the top); only nhdrs is reset per packet. */
	uint8_t nhdrs;
	struct pkt_hdr hdrs[PKT_MAX_HDRS];
};

#endif
