#!/usr/bin/env python3
"""eve_schema_check.py SCHEMA EVE_FILE... - validate EVE lines against Suricata's schema.

Suricata 8's etc/schema.json, with only the extensions seawall documents: the top-level
`seawall` (and, for later event kinds, `yara` and `file`) objects, and the `fim` and `engine`
event types. Everything else must validate. `stats.threads`, which Suricata itself writes when
per-thread stats are on but its schema does not list, is not simply set aside: each thread's
object has the shape of the `stats` object (Suricata writes the same sections per thread), so
each is validated as the `stats` of a stats event of its own, and a key Suricata does not have
there (such as a `seawall` section) is an error. Exit 0 valid, 1 invalid lines or an unreadable
file (first ones printed), 77 when python3-jsonschema is missing.
"""
import collections
import json
import sys

EXTENSIONS = ("seawall", "yara", "file")


def main():
    try:
        import jsonschema
    except ImportError:
        print("eve schema: skipped: python3 jsonschema not installed")
        return 77
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    n = bad = threads = 0
    kinds = collections.Counter()

    def report(path, lineno, where, errs):
        nonlocal bad
        bad += 1
        if bad <= 10:
            e = errs[0]
            print("eve schema: %s:%d: %s%s: %s" % (path, lineno, where,
                  "/".join(str(p) for p in e.absolute_path) or "(root)", e.message[:200]))

    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                ev = json.loads(line)
                n += 1
                kinds[ev.get("event_type")] += 1
                for k in EXTENSIONS:
                    ev.pop(k, None)
                per_thread = {}
                if ev.get("event_type") == "stats":
                    per_thread = ev.get("stats", {}).pop("threads", None) or {}
                errs = sorted(validator.iter_errors(ev), key=lambda e: list(e.path))
                if errs:
                    report(path, lineno, "", errs)
                    continue
                for name, th in sorted(per_thread.items()):
                    threads += 1
                    one = {"timestamp": ev["timestamp"], "event_type": "stats", "stats": th}
                    errs = sorted(validator.iter_errors(one), key=lambda e: list(e.path))
                    if errs:
                        report(path, lineno, "stats/threads/%s: " % name, errs)
                        break
    print("eve schema: %d lines checked (%s; %d thread objects), %d invalid" %
          (n, ", ".join("%s %d" % kv for kv in sorted(kinds.items())), threads, bad))
    return 1 if bad or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
