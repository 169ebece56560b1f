/* proto.h: protocol numbers the decoders dispatch on.
 *
 * Prefixed ETH_TYPE_ / IP_PROTO_ / ARPHRD_NUM_ / NULL_AF_ so they never clash
 * with the ETHERTYPE_ / IPPROTO_ / AF_ macros of system headers. */
#ifndef PKTD_PROTO_H
#define PKTD_PROTO_H

/* IEEE 802 EtherTypes (IANA ieee-802-numbers). */
enum {
	ETH_TYPE_MIN = 0x0600, /* below: an 802.3 length field */
	ETH_TYPE_IPV4 = 0x0800,
	ETH_TYPE_ARP = 0x0806,
	ETH_TYPE_RARP = 0x8035,
	ETH_TYPE_VLAN = 0x8100,      /* 802.1Q C-tag */
	ETH_TYPE_QINQ = 0x88a8,      /* 802.1ad S-tag */
	ETH_TYPE_QINQ_9100 = 0x9100, /* pre-standard QinQ */
	ETH_TYPE_IPV6 = 0x86dd,
	ETH_TYPE_TEB = 0x6558,         /* transparent Ethernet bridging (GRE, Geneve) */
	ETH_TYPE_MPLS = 0x8847,        /* MPLS unicast */
	ETH_TYPE_MPLS_MCAST = 0x8848,  /* MPLS multicast */
	ETH_TYPE_PPPOE_DISC = 0x8863,  /* PPPoE discovery stage */
	ETH_TYPE_PPPOE_SESS = 0x8864,  /* PPPoE session stage */
	ETH_TYPE_PPP = 0x880b,         /* PPP (enhanced GRE, PPTP) */
	ETH_TYPE_ERSPAN_II = 0x88be,   /* ERSPAN type II (type I without GRE sequence) */
	ETH_TYPE_ERSPAN_III = 0x22eb,  /* ERSPAN type III */
	ETH_TYPE_CMD = 0x8909,         /* Cisco MetaData */
	ETH_TYPE_SLARP = 0x8035,       /* in Cisco HDLC: SLARP, not RARP */
};

/* IP protocol / IPv6 next-header numbers (IANA protocol-numbers). */
enum {
	IP_PROTO_HOPOPTS = 0,
	IP_PROTO_ICMP = 1,
	IP_PROTO_IGMP = 2,
	IP_PROTO_IPIP = 4, /* IPv4 in IP (RFC 2003) */
	IP_PROTO_TCP = 6,
	IP_PROTO_UDP = 17,
	IP_PROTO_IPV6 = 41, /* IPv6 in IP (RFC 4213) */
	IP_PROTO_ROUTING = 43,
	IP_PROTO_FRAGMENT = 44,
	IP_PROTO_AH = 51,
	IP_PROTO_ICMPV6 = 58,
	IP_PROTO_NONE = 59,
	IP_PROTO_DSTOPTS = 60,
	IP_PROTO_GRE = 47,
	IP_PROTO_SCTP = 132,
};

/* PPP protocol field values (IANA ppp-numbers). */
enum {
	PPP_PROTO_IPV4 = 0x0021,
	PPP_PROTO_IPV6 = 0x0057,
	PPP_PROTO_MPLS = 0x0281,
	PPP_PROTO_MPLS_MCAST = 0x0283,
};

/* UDP ports of the tunnels decoded by port (IANA service names). */
enum {
	UDP_PORT_L2TP = 1701,
	UDP_PORT_GTPU = 2152,
	UDP_PORT_VXLAN = 4789,
	UDP_PORT_GENEVE = 6081,
};

/* Linux ARPHRD_ values seen in SLL/SLL2 headers. */
enum {
	ARPHRD_NUM_ETHER = 1,
	ARPHRD_NUM_NETLINK = 824, /* protocol is a netlink family, not an EtherType */
};

/* Linux SLL protocol values below 0x0600 (not EtherTypes). */
enum {
	SLL_PROTO_802_3 = 0x0001, /* Novell 802.3 frames without 802.2 LLC */
	SLL_PROTO_802_2 = 0x0004, /* 802.2 LLC follows */
};

/* Address families of the NULL/LOOP header (LINKTYPE_NULL in linktypes.html). */
enum {
	NULL_AF_INET = 2,
	NULL_AF_INET6_LINUX = 10,
	NULL_AF_INET6_BSD = 24, /* NetBSD, OpenBSD, BSD/OS */
	NULL_AF_INET6_FREEBSD = 28,
	NULL_AF_INET6_DARWIN = 30,
};

/* Nesting caps: deeper stacks are reported, never walked without bound. */
#define DECODE_VLAN_MAX_DEPTH 8 /* tags walked; the 9th is EV_VLAN_TOO_DEEP */
#define DECODE_IPV6_MAX_EXT 8   /* extension headers; the 9th is EV_IPV6_EXT_TOO_MANY */
#define DECODE_MPLS_MAX_DEPTH 8 /* labels walked; the 9th is EV_MPLS_TOO_DEEP */
#define DECODE_TUNNEL_MAX_DEPTH 4 /* encapsulations; the 5th is EV_TUNNEL_TOO_DEEP */

#endif
