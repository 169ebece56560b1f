"""harness: helpers shared by the integration tests (run by run.py).

The tests run the real daemon: $PKTD names the binary (default build/pktd,
relative to the repo root; the suite also runs against build/asan/pktd).
Captures come from ../shared/pcaps next to the repo (override with
$PKTD_PCAPS)."""

import json
import os
import shutil
import subprocess
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGINS = os.path.join(REPO, "plugins")
PYTHON = "/usr/bin/python3"


class Skip(Exception):
    """Raised by a test that cannot run here; the message says why."""


def pktd_binary():
    """Absolute path of the daemon under test. A missing binary is a
    failure, not a skip: `make test` builds it before the suite runs."""
    path = os.environ.get("PKTD") or "build/pktd"
    if not os.path.isabs(path):
        path = os.path.join(REPO, path)
    if not os.access(path, os.X_OK):
        raise AssertionError("pktd binary %s not found or not executable "
                             "(build it: make %s)" % (path, os.path.relpath(path, REPO)))
    return path


def pcaps_dir(required=True):
    """../shared/pcaps relative to the repo root; Skip when absent."""
    d = os.environ.get("PKTD_PCAPS") or os.path.join(os.path.dirname(REPO), "shared", "pcaps")
    if not os.path.isdir(d):
        if required:
            raise Skip("capture folder %s is absent" % d)
        return None
    return d


def pcap(name):
    """Path of one shared capture; Skip when it is absent."""
    path = os.path.join(pcaps_dir(), name)
    if not os.path.exists(path):
        raise Skip("capture %s is absent" % path)
    return path


def plugin(name):
    return os.path.join(PLUGINS, name)


class Result:
    """What one daemon run left behind."""

    def __init__(self, args, rc, stdout, stderr, output=None, stats=None):
        self.args, self.rc, self.stdout, self.stderr = args, rc, stdout, stderr
        self.output_path, self.stats_path = output, stats

    def records(self):
        """The JSON lines the run wrote with -o (or to stdout without it)."""
        if self.output_path:
            with open(self.output_path, "r", encoding="utf-8") as f:
                return read_jsonl(f.read())
        return read_jsonl(self.stdout)

    def stats(self):
        if not self.stats_path:
            raise AssertionError("run had no --stats-json")
        with open(self.stats_path, "r", encoding="utf-8") as f:
            return json.load(f)

    def describe(self):
        return "pktd %s -> exit %s\n--- stderr ---\n%s" % (
            " ".join(self.args), self.rc, self.stderr[-4000:])


def read_jsonl(text):
    """Parse JSON lines; a line that is not complete JSON is an error."""
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError as e:
            raise AssertionError("line %d is not complete JSON (%s): %r" % (i, e, line[:200]))
    return out


class TempDir:
    """A temporary directory removed at exit of the with block."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="pktd-it-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
        return False


def run_pktd(args, output=False, stats=False, tmpdir=None, timeout=300, stdin=None,
             input_bytes=None, env=None):
    """Run the daemon with args (list). output/stats: add -o / --stats-json
    files in tmpdir. stdin: a file object; input_bytes: bytes fed to stdin.
    Returns a Result; a run past `timeout` seconds is killed and fails."""
    cmd = [pktd_binary()] + list(args)
    out_path = stats_path = None
    if output or stats:
        if tmpdir is None:
            raise ValueError("output/stats need tmpdir")
    if output:
        out_path = os.path.join(tmpdir, "out.jsonl")
        cmd += ["-o", out_path]
    if stats:
        stats_path = os.path.join(tmpdir, "stats.json")
        cmd += ["--stats-json", stats_path]
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    try:
        p = subprocess.run(cmd, cwd=REPO, stdin=stdin if stdin is not None else
                           (subprocess.PIPE if input_bytes is not None else subprocess.DEVNULL),
                           input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout, env=full_env)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("pktd %s: still running after %ds\n%s" % (
            " ".join(args), timeout, (e.stderr or b"")[-2000:].decode("utf-8", "replace")))
    return Result(cmd[1:], p.returncode, p.stdout.decode("utf-8", "replace"),
                  p.stderr.decode("utf-8", "replace"), out_path, stats_path)


def check_ok(res):
    """Fail unless the run exited 0."""
    if res.rc != 0:
        raise AssertionError("expected exit 0\n" + res.describe())
    return res


def have_tool(name):
    return shutil.which(name) is not None


def write_plugin(tmpdir, name, source):
    """Write a plugin file into tmpdir; returns its path."""
    path = os.path.join(tmpdir, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(source)
    return path
