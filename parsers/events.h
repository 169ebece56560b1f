/* events.h: decode events, each with a stable name and one counter.
 *
 * A decoder that stops early records why (Suricata's decode-events idea).
 * Names appear verbatim in stats JSON and /metrics; never renumber or
 * rename one, only append. */
#ifndef PKTD_EVENTS_H
#define PKTD_EVENTS_H

#define DECODE_EVENTS(X)                                                   \
	X(EV_NONE, "none")                                                 \
	X(EV_LINK_UNSUPPORTED, "link.unsupported")                         \
	X(EV_ETH_TOO_SMALL, "eth.too_small")                               \
	X(EV_VLAN_TOO_SMALL, "vlan.too_small")                             \
	X(EV_VLAN_TOO_DEEP, "vlan.too_deep")                               \
	X(EV_ARP_TOO_SMALL, "arp.too_small")                               \
	X(EV_SLL_TOO_SMALL, "sll.too_small")                               \
	X(EV_SLL2_TOO_SMALL, "sll2.too_small")                             \
	X(EV_NULL_TOO_SMALL, "null.too_small")                             \
	X(EV_NULL_UNKNOWN_FAMILY, "null.unknown_family")                   \
	X(EV_RAW_BAD_VERSION, "raw.bad_version")                           \
	X(EV_IPV4_TOO_SMALL, "ipv4.too_small")                             \
	X(EV_IPV4_BAD_VERSION, "ipv4.bad_version")                         \
	X(EV_IPV4_BAD_IHL, "ipv4.bad_ihl")                                 \
	X(EV_IPV4_BAD_TOTAL_LEN, "ipv4.bad_total_len")                     \
	X(EV_IPV4_OPTIONS_TRUNCATED, "ipv4.options_truncated")             \
	X(EV_IPV6_TOO_SMALL, "ipv6.too_small")                             \
	X(EV_IPV6_BAD_VERSION, "ipv6.bad_version")                         \
	X(EV_IPV6_EXT_TRUNCATED, "ipv6.ext_truncated")                     \
	X(EV_IPV6_EXT_TOO_MANY, "ipv6.ext_too_many")                       \
	X(EV_TCP_TOO_SMALL, "tcp.too_small")                               \
	X(EV_TCP_BAD_OFFSET, "tcp.bad_offset")                             \
	X(EV_TCP_OPTIONS_TRUNCATED, "tcp.options_truncated")               \
	X(EV_UDP_TOO_SMALL, "udp.too_small")                               \
	X(EV_UDP_BAD_LEN, "udp.bad_len")                                   \
	X(EV_ICMP_TOO_SMALL, "icmp.too_small")                             \
	X(EV_ICMPV6_TOO_SMALL, "icmpv6.too_small")                         \
	X(EV_RAW_TOO_SMALL, "raw.too_small")                               \
	X(EV_TOO_DEEP, "decode.too_deep")                                  \
	X(EV_TUNNEL_TOO_DEEP, "tunnel.too_deep")                           \
	X(EV_PPP_TOO_SMALL, "ppp.too_small")                               \
	X(EV_CHDLC_TOO_SMALL, "chdlc.too_small")                           \
	X(EV_LLC_TOO_SMALL, "llc.too_small")                               \
	X(EV_SNAP_TOO_SMALL, "snap.too_small")                             \
	X(EV_MPLS_TOO_SMALL, "mpls.too_small")                             \
	X(EV_MPLS_TOO_DEEP, "mpls.too_deep")                               \
	X(EV_PPPOE_TOO_SMALL, "pppoe.too_small")                           \
	X(EV_PPPOE_BAD_VERSION, "pppoe.bad_version")                       \
	X(EV_PPPOE_BAD_CODE, "pppoe.bad_code")                             \
	X(EV_L2TP_TOO_SMALL, "l2tp.too_small")                             \
	X(EV_L2TP_BAD_VERSION, "l2tp.bad_version")                         \
	X(EV_L2TP_BAD_LEN, "l2tp.bad_len")                                 \
	X(EV_GRE_TOO_SMALL, "gre.too_small")                               \
	X(EV_GRE_BAD_VERSION, "gre.bad_version")                           \
	X(EV_GRE_ROUTING, "gre.routing_unsupported")                       \
	X(EV_ERSPAN_TOO_SMALL, "erspan.too_small")                         \
	X(EV_ERSPAN_BAD_VERSION, "erspan.bad_version")                     \
	X(EV_VXLAN_TOO_SMALL, "vxlan.too_small")                           \
	X(EV_VXLAN_BAD_FLAGS, "vxlan.bad_flags")                           \
	X(EV_GENEVE_TOO_SMALL, "geneve.too_small")                         \
	X(EV_GENEVE_BAD_VERSION, "geneve.bad_version")                     \
	X(EV_GENEVE_OPTIONS_TRUNCATED, "geneve.options_truncated")         \
	X(EV_GTPU_TOO_SMALL, "gtpu.too_small")                             \
	X(EV_GTPU_BAD_VERSION, "gtpu.bad_version")                         \
	X(EV_GTPU_EXT_TRUNCATED, "gtpu.ext_truncated")                     \
	X(EV_GTPU_BAD_EXT_LEN, "gtpu.bad_ext_len")                         \
	X(EV_SCTP_TOO_SMALL, "sctp.too_small")                             \
	X(EV_SCTP_BAD_CHUNK_LEN, "sctp.bad_chunk_len")                     \
	X(EV_SCTP_CHUNK_TRUNCATED, "sctp.chunk_truncated")                 \
	X(EV_IGMP_TOO_SMALL, "igmp.too_small")                             \
	X(EV_ICMP_BAD_QUOTE, "icmp.bad_quote")                             \
	X(EV_ICMPV6_BAD_QUOTE, "icmpv6.bad_quote")                         \
	X(EV_CMD_TOO_SMALL, "cmd.too_small")

#define DECODE_EVENT_ENUM(sym, name) sym,
enum decode_event { DECODE_EVENTS(DECODE_EVENT_ENUM) EV_COUNT };
#undef DECODE_EVENT_ENUM

/* "ipv4.too_small" for EV_IPV4_TOO_SMALL; "unknown" when out of range. */
const char *decode_event_name(unsigned ev);

#endif
