"""netns: two network namespaces joined by a veth pair, for live-capture tests.

    with Pair() as net:
        pktd = net.popen("a", [pktd_binary(), "-i", "veth-a", ...])
        net.run("b", ["ping", "-c", "3", net.A4])

pktd-a holds veth-a (10.99.0.1/24, fd00:99::1/64), pktd-b holds veth-b
(10.99.0.2/24, fd00:99::2/64): nothing leaves this machine. The pair is
created on entry and removed on exit, also when the test fails; every
process started through popen() is killed (by its own pid) first.
A lock file serialises users across processes (two `make test` runs
share the namespace names); a pair left behind by a killed run is removed
before a new one is made. Entering raises harness.Skip, with the reason,
when the machine cannot create namespaces (not root, no CAP_SYS_ADMIN,
no veth)."""

import fcntl
import os
import shutil
import signal
import subprocess
import time

from harness import Skip

NS_A, NS_B = "pktd-a", "pktd-b"
IF_A, IF_B = "veth-a", "veth-b"
A4, B4 = "10.99.0.1", "10.99.0.2"
A6, B6 = "fd00:99::1", "fd00:99::2"
LOCK = "/run/lock/pktd-netns.lock" if os.path.isdir("/run/lock") else "/tmp/pktd-netns.lock"


def _ip(*args, check=True):
    r = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if check and r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.decode().strip()))
    return r


def _remove():
    for ns in (NS_A, NS_B):
        _ip("netns", "del", ns, check=False)


class Pair:
    def __init__(self):
        self.procs = []
        self._lock = None

    def __enter__(self):
        if os.geteuid() != 0:
            raise Skip("live capture tests need root (network namespaces, packet sockets)")
        if not shutil.which("ip"):
            raise Skip("iproute2's ip is not installed")
        self._lock = open(LOCK, "w")
        deadline = time.monotonic() + 300
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    self._lock.close()
                    raise AssertionError("another test run has held %s for 300 s" % LOCK)
                time.sleep(0.2)
        _remove()
        try:
            _ip("netns", "add", NS_A)
            _ip("netns", "add", NS_B)
        except RuntimeError as e:
            self._release()
            raise Skip("cannot create network namespaces here (%s)" % e)
        try:
            _ip("link", "add", IF_A, "netns", NS_A, "type", "veth", "peer", "name", IF_B, "netns", NS_B)
            for ns, dev, a4, a6 in ((NS_A, IF_A, A4, A6), (NS_B, IF_B, B4, B6)):
                _ip("-n", ns, "addr", "add", a4 + "/24", "dev", dev)
                _ip("-n", ns, "-6", "addr", "add", a6 + "/64", "dev", dev, "nodad")
                _ip("-n", ns, "link", "set", "lo", "up")
                _ip("-n", ns, "link", "set", dev, "up")
        except RuntimeError as e:
            self.__exit__(None, None, None)
            raise Skip("cannot create the veth pair here (%s)" % e)
        return self

    def _release(self):
        if self._lock:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []
        _remove()
        self._release()
        return False

    @staticmethod
    def _ns(side):
        return {"a": NS_A, "b": NS_B}[side]

    def popen(self, side, cmd, **kw):
        """Start cmd inside namespace `side` ("a" or "b"); killed on exit."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(["ip", "netns", "exec", self._ns(side)] + list(cmd), **kw)
        self.procs.append(p)
        return p

    def run(self, side, cmd, timeout=60, check=True):
        """Run cmd inside namespace `side`; returns the CompletedProcess."""
        r = subprocess.run(["ip", "netns", "exec", self._ns(side)] + list(cmd), stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError("%s in %s: exit %d\n%s" % (" ".join(cmd), side, r.returncode,
                                                          r.stderr.decode("utf-8", "replace")[-2000:]))
        return r


def wait_for_line(path, needle, timeout, proc=None):
    """Poll file `path` until a line containing needle appears; returns the text."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except FileNotFoundError:
            text = ""
        if needle in text:
            return text
        if proc is not None and proc.poll() is not None:
            raise AssertionError("process exited %d before printing %r:\n%s" % (proc.returncode, needle,
                                                                                 text[-3000:]))
        time.sleep(0.05)
    raise AssertionError("no %r in %s after %.0f s:\n%s" % (needle, path, timeout, text[-3000:]))
