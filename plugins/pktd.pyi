"""Type stub of the `pktd` module the daemon builds into its embedded Python
(daemon/pymod.c, daemon/pyflow.c, daemon/pydns.c), for editors and type checkers. The
module exists only inside pktd; docs/plugins.md is the reference.

Lifetime: a Packet, a Flow, a View and the slices of a View are valid
during the callback that received them only; used afterwards they raise
ViewError. Copy what you keep (bytes(view), ints and strings are ordinary
objects)."""

from typing import Iterator, Optional, Sequence, Tuple, Union, overload

version: str
# True when pktd delivers TCP streams to on_stream (this pktd always does).
STREAMS: bool


class ViewError(ValueError):
    """A packet, flow, view or batch used after its callback returned."""


class View:
    """Zero-copy read-only bytes (a packet's, or a TCP stream's). Supports
    the buffer protocol: bytes(v), memoryview(v), struct.unpack_from(fmt, v),
    hashlib.sha1(v). A memoryview of packet bytes pins them in pktd's ring
    until released; of stream bytes pktd held for reassembly it is a copy."""

    def __len__(self) -> int: ...
    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, s: slice) -> Union["View", bytes]: ...   # bytes for a step other than 1
    def __eq__(self, other: object) -> bool: ...
    def tobytes(self) -> bytes: ...
    def hex(self) -> str: ...


class Flow:
    """A bidirectional flow (innermost 5-tuple, outermost VLAN, tunnel),
    reused between callbacks."""

    id: int                    # unique in this run; the --flows record's flow_id
    record: int                # record number (an active timeout splits long flows)
    orig_addr: str             # originator: the first SYN's sender, else the first packet's
    orig_port: int             # ICMP: the type
    resp_addr: str
    resp_port: int             # ICMP: the counterpart type, or the code
    proto: int                 # 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ...
    ip_version: int            # 4 or 6
    vlan: Optional[int]        # outermost VLAN id
    is_originator: Optional[bool]  # the current packet / stream direction; None in on_flow_end
    packets: int               # this record, both directions
    bytes: int                 # wire bytes of this record's frames, both directions
    orig_packets: int
    resp_packets: int
    orig_bytes: int
    resp_bytes: int
    start: float               # the record's first packet, seconds since the epoch
    ts: float                  # the current packet or event
    frame: Optional[int]       # frame number of the packet behind this callback; None at a flow's end
    ignored: bool              # this plugin called ignore()
    state: object              # this plugin's slot for this flow (None at first); released at the end

    def ignore(self) -> None:
        """No more on_stream/on_gap for this flow, both directions, for this plugin."""


class Packet:
    """A decoded packet, reused between callbacks. Attributes of a layer the
    packet does not have are None."""

    frame: int
    ts: float
    ts_ns: int
    caplen: int
    wirelen: int
    linktype: int
    ifindex: int
    eth_src: Optional[str]
    eth_dst: Optional[str]
    vlan: Optional[int]
    vlan_tags: Tuple[Tuple[int, int], ...]
    ethertype: Optional[int]
    ip_version: Optional[int]
    src: Optional[str]
    dst: Optional[str]
    proto: Optional[int]
    ip6_nxt: Optional[int]
    ttl: Optional[int]
    frag_offset: Optional[int]
    more_fragments: Optional[bool]
    is_fragment: bool
    reassembled: bool
    sport: Optional[int]
    dport: Optional[int]
    tcp_flags: Optional[int]
    seq: Optional[int]
    ack: Optional[int]
    tcp_window: Optional[int]
    icmp_type: Optional[int]
    icmp_code: Optional[int]
    arp_op: Optional[int]
    error: Optional[str]
    truncated: bool
    layers: Tuple[str, ...]
    headers: Tuple[Tuple[str, int, int, bool], ...]
    tunnel: Optional[Tuple[str, Optional[str], Optional[str], object]]
    payload: View
    payload_len: int
    raw: View
    arp_htype: Optional[int]
    arp_ptype: Optional[int]
    arp_sender_mac: Optional[str]
    arp_sender_ip: Optional[str]
    arp_target_mac: Optional[str]
    arp_target_ip: Optional[str]
    quoted_src: Optional[str]      # ICMP/ICMPv6 errors: the quoted packet
    quoted_dst: Optional[str]
    quoted_proto: Optional[int]
    quoted_sport: Optional[int]
    quoted_dport: Optional[int]
    sctp_vtag: Optional[int]
    sctp_chunk_type: Optional[int]
    sctp_chunks: Optional[int]
    igmp_type: Optional[int]
    igmp_max_resp: Optional[int]
    igmp_group: Optional[str]
    igmp_records: Optional[int]
    ppp_proto: Optional[int]
    pppoe_session: Optional[int]
    # The packet's flow: set when the plugin has FLOWS = True or a flow hook
    # and the packet has a flow (not ARP, not a fragment); None in on_batch.
    flow: Optional[Flow]


class Batch(Sequence[Packet]):
    """The reused sequence of packets on_batch receives."""

    def __len__(self) -> int: ...
    def __getitem__(self, i: int) -> Packet: ...  # type: ignore[override]
    def __iter__(self) -> Iterator[Packet]: ...


def emit(record: dict) -> None:
    """Write a dict as one JSON line to -o FILE (or stdout)."""


def log(msg: object) -> None:
    """One line on stderr, prefixed with the plugin's name."""


def dns_emit(msg: Union[View, bytes, bytearray, memoryview], ts: float, src: str, dst: str,
             sport: int, dport: int, transport: str, stats: Optional[dict] = None) -> bool:
    """Decode one DNS message (no TCP length prefix) in C and write
    plugins/dns.py's record for it. False (nothing written) when the
    message is malformed. stats: its "decoded" or "malformed" count is
    incremented."""


def dns_emit_udp(pkt: Packet, port: int, stats: Optional[dict] = None) -> Optional[bool]:
    """dns_emit() of a UDP packet's payload with its time, addresses and
    ports. None (nothing done, nothing counted) when pkt is not a whole UDP
    datagram with a payload to or from port (0: any)."""


class DnsUdpHook:
    """dns_emit_udp() as a callable for on_packet (no Python frame per
    message): a whole UDP datagram to or from port (0: any) is decoded and
    written and counted; any other packet goes to fallback(pkt)."""

    decoded: int               # messages decoded and written
    malformed: int             # malformed messages (nothing written)

    def __init__(self, port: int, fallback: Optional[object] = None) -> None: ...
    def __call__(self, pkt: Packet) -> Optional[bool]: ...


# What a plugin module may define (all optional):
#   FILTER: str           pcap filter, run in C; only matching packets (and their flows) reach the plugin
#   PACKET_FILTER: str    of those, the packets on_packet / on_batch get (flow hooks still see the flows)
#   FRAGMENTS: bool       also receive IP fragments of reassembled datagrams
#   FLOWS: bool           pkt.flow wanted (flow tracking runs)
#   def setup(ctx) -> None                        ctx.name, ctx.path, ctx.output
#   def on_packet(pkt: Packet) -> None
#   def on_batch(pkts: Batch) -> None
#   def on_flow_start(flow: Flow) -> None
#   def on_stream(flow: Flow, from_originator: bool, data: View) -> None
#   def on_gap(flow: Flow, from_originator: bool, nbytes: int) -> None
#   def on_flow_end(flow: Flow, reason: str) -> None  "fin", "rst", "idle_timeout", "evicted", "shutdown"
#   def on_tick(now: float) -> None
#   def teardown() -> None
