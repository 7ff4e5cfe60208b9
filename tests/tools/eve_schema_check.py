#!/usr/bin/env python3
"""eve_schema_check.py SCHEMA EVE_FILE... - validate EVE lines against Suricata's schema.

Suricata 8's etc/schema.json, with only the extensions seawall documents: the top-level
`seawall` (and, for later event kinds, `yara` and `file`) objects, the `fim` and `engine`
event types (the `fim` object of a fim event), and `stats.threads`, which Suricata itself
writes when per-thread stats are on but its schema does not list. Those are removed before
validation; everything else must validate. Exit 0 valid, 1 invalid lines (first ones printed), 77 when jsonschema is missing.
"""
import collections
import json
import sys

EXTENSIONS = ("seawall", "yara", "file")
EVENT_EXTENSIONS = {"fim": "fim"}  # event_type: its own object


def main():
    try:
        import jsonschema
    except ImportError:
        print("eve schema: skipped: python3 jsonschema not installed")
        return 77
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    n = bad = 0
    kinds = collections.Counter()
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                ev = json.loads(line)
                n += 1
                kinds[ev.get("event_type")] += 1
                for k in EXTENSIONS:
                    ev.pop(k, None)
                own = EVENT_EXTENSIONS.get(ev.get("event_type"))
                if own is not None:
                    ev.pop(own, None)
                if ev.get("event_type") == "stats":
                    ev.get("stats", {}).pop("threads", None)
                errs = sorted(validator.iter_errors(ev), key=lambda e: list(e.path))
                if errs:
                    bad += 1
                    if bad <= 10:
                        e = errs[0]
                        print("eve schema: %s:%d: %s: %s" % (path, lineno,
                              "/".join(str(p) for p in e.absolute_path) or "(root)",
                              e.message[:200]))
    print("eve schema: %d lines checked (%s), %d invalid" %
          (n, ", ".join("%s %d" % kv for kv in sorted(kinds.items())), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
