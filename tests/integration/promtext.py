"""promtext: parse Prometheus text with a real parser (python3-prometheus-client).

prometheus_client imports the standard library's `http`; plugins/ has an
http.py that shadows it once a test puts plugins/ on sys.path, so the
parser is imported here with plugins/ out of the way."""

import os
import shutil
import subprocess
import sys

from harness import PLUGINS, Skip

_parse = None


def _parser():
    global _parse
    if _parse is None:
        saved = list(sys.path)
        shadow = sys.modules.get("http")
        if shadow is not None and os.path.dirname(getattr(shadow, "__file__", "") or "") == PLUGINS:
            del sys.modules["http"]
        sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != PLUGINS]
        try:
            from prometheus_client.parser import text_string_to_metric_families
        except ImportError:
            raise Skip("python3-prometheus-client is not installed (scripts/deps.sh installs it)")
        finally:
            sys.path[:] = saved
            if shadow is not None:
                sys.modules["http"] = shadow
        _parse = text_string_to_metric_families
    return _parse


def families(text):
    """{family name: Metric} from exposition text; raises on a syntax error."""
    return {f.name: f for f in _parser()(text)}


def sample(fams, family, name, **labels):
    """The value of the sample `name` with `labels` in `family`."""
    for s in fams[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    raise AssertionError("no sample %s%r in family %s" % (name, labels, family))


def promtool_check(text):
    """`promtool check metrics` when Prometheus is installed; None when not."""
    tool = shutil.which("promtool")
    if not tool:
        return None
    r = subprocess.run([tool, "check", "metrics"], input=text.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")
