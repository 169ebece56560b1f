#!/usr/bin/python3
"""run: the integration test runner (no pytest).

Discovers tests/integration/test_*.py, runs every function named test_* in
file order, and prints one line per test:

    PASS name
    FAIL name: message        (then the traceback)
    SKIP name: reason         (the test raised harness.Skip)

then exactly `integration: N passed, N failed, N skipped`; exits 1 if any
failed. Run from the repo root: /usr/bin/python3 tests/integration/run.py
Optional arguments select tests whose "file::name" contains any of them.
"""

import importlib.util
import os
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (after the path is set)


def discover():
    """[(module file, [(name, function), ...]), ...] in file order."""
    found = []
    for fname in sorted(os.listdir(HERE)):
        if not (fname.startswith("test_") and fname.endswith(".py")):
            continue
        path = os.path.join(HERE, fname)
        modname = fname[:-3]
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        try:
            spec.loader.exec_module(mod)
        except Exception:
            found.append((fname, [("<import>", _import_failure(traceback.format_exc()))]))
            continue
        tests = [(n, f) for n, f in vars(mod).items()
                 if n.startswith("test_") and callable(f)
                 and getattr(f, "__module__", None) == modname]
        tests.sort(key=lambda nf: nf[1].__code__.co_firstlineno)
        found.append((fname, tests))
    return found


def _import_failure(tb):
    def failed():
        raise AssertionError("cannot import the test file:\n" + tb)
    return failed


def main(argv):
    selectors = argv[1:]
    passed = failed = skipped = 0
    for fname, tests in discover():
        for name, func in tests:
            full = "%s::%s" % (fname[:-3], name)
            if selectors and not any(s in full for s in selectors):
                continue
            try:
                func()
            except harness.Skip as e:
                skipped += 1
                print("SKIP %s: %s" % (full, e), flush=True)
            except Exception as e:  # AssertionError and anything unexpected
                failed += 1
                msg = str(e).splitlines()[0] if str(e) else type(e).__name__
                print("FAIL %s: %s" % (full, msg), flush=True)
                print(traceback.format_exc().rstrip(), flush=True)
            else:
                passed += 1
                print("PASS %s" % full, flush=True)
    print("integration: %d passed, %d failed, %d skipped" % (passed, failed, skipped), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
