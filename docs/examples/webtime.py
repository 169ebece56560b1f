"""webtime: per HTTP/1.x connection, the request line, the status line,
the time to the first response byte and the response size. The plugin
docs/plugins.md builds step by step on pcaps/local-http.pcapng."""

import pktd

FILTER = "tcp port 18080"
METHODS = (b"GET ", b"HEAD", b"POST", b"PUT ", b"DELE", b"OPTI", b"PATC")


class Conn:
    """Per-flow state: one object per connection, no dict."""
    __slots__ = ("request", "status", "t_request", "t_response", "response_bytes")

    def __init__(self):
        self.request = self.status = None
        self.t_request = self.t_response = None
        self.response_bytes = 0


def first_line(data):
    """The first line of a view, as text (a copy: views die with the callback)."""
    return bytes(data[:200]).split(b"\r\n", 1)[0].decode("latin-1")


def on_stream(flow, from_originator, data):
    c = flow.state
    if c is None:
        if not from_originator or bytes(data[:4]) not in METHODS:
            flow.ignore()               # not HTTP from the client: no more bytes of it
            return
        c = flow.state = Conn()
    if from_originator:
        if c.request is None:
            c.request = first_line(data)
            c.t_request = flow.ts
    else:
        if c.status is None:
            c.status = first_line(data)
            c.t_response = flow.ts
        c.response_bytes += len(data)


def on_flow_end(flow, reason):
    c = flow.state
    if c is None:
        return
    pktd.emit({
        "flow": flow.id, "client": "%s:%d" % (flow.orig_addr, flow.orig_port),
        "request": c.request, "status": c.status,
        "ttfb_ms": None if c.t_response is None else round((c.t_response - c.t_request) * 1000, 3),
        "response_bytes": c.response_bytes, "end": reason,
    })
