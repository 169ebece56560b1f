"""Golden records: every tests/golden/<plugin>/<capture>.jsonl through
scripts/plugin-golden.sh (the one-command check docs/plugins.md describes),
with the daemon under test ($PKTD). <plugin> is plugins/<plugin>.py, or
docs/examples/<plugin>.py (the tutorial's). Corpus captures are skipped
when ../shared/pcaps is absent; the local ones always run."""

import os
import subprocess

from harness import REPO, Skip, pcaps_dir, pktd_binary

GOLDEN = os.path.join(REPO, "tests", "golden")
SCRIPT = os.path.join(REPO, "scripts", "plugin-golden.sh")


def _cases():
    shared = pcaps_dir(required=False)
    for plug in sorted(os.listdir(GOLDEN)):
        d = os.path.join(GOLDEN, plug)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith(".jsonl"):
                continue
            capture = name[:-len(".jsonl")]
            local = os.path.join(REPO, "pcaps", capture)
            path = local if os.path.exists(local) else (os.path.join(shared, capture) if shared else None)
            yield plug, capture, path, os.path.join(d, name)


def test_shipped_plugins_match_their_golden_records():
    env = dict(os.environ, PKTD=pktd_binary())
    ran = skipped = 0
    failures = []
    for plug, capture, path, golden in _cases():
        if path is None or not os.path.exists(path):
            skipped += 1
            continue
        script = os.path.join(REPO, "plugins", plug + ".py")
        if not os.path.exists(script):
            script = os.path.join(REPO, "docs", "examples", plug + ".py")
        p = subprocess.run([SCRIPT, script, path, golden], cwd=REPO,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        out = p.stdout.decode("utf-8", "replace")
        ran += 1
        if p.returncode != 0:
            failures.append(out)
        else:
            print("  " + out.strip().replace("plugin-golden: ", ""))
    if ran == 0:
        raise Skip("no golden capture available")
    if skipped:
        print("  %d corpus goldens skipped (../shared/pcaps absent)" % skipped)
    assert not failures, "\n".join(failures)
    assert ran >= 3, ran


def test_golden_script_reports_a_difference_and_usage():
    golden = os.path.join(GOLDEN, "dns", "local-dns.pcap.jsonl")
    with open(golden, encoding="utf-8") as f:
        lines = f.read().splitlines()
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.jsonl")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("\n".join(lines[:5] + [lines[6], lines[5]] + lines[7:]) + "\n")   # two swapped
        env = dict(os.environ, PKTD=pktd_binary())
        p = subprocess.run([SCRIPT, os.path.join(REPO, "plugins", "dns.py"),
                            os.path.join(REPO, "pcaps", "local-dns.pcap"), bad], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode()
        assert p.returncode == 1 and "differs" in out and "@@" in out, out
        p = subprocess.run([SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        assert p.returncode == 2 and b"GOLDEN" in p.stderr, p.stderr
