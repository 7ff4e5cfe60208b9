#!/usr/bin/env python3
"""fim_aide_compare.py SEAWALL_EVE AIDE_JSON KNOWN_TSV - compare seawall's fim events with
aide --check's JSON report: the same paths added, removed and changed, with the same changed
attributes, after the accepted differences of KNOWN_TSV (tests/fim-aide-known-differences.tsv).
Prints one "ok -" / "not ok -" line per check and each accepted difference it applied;
exit 0 when everything agrees, 1 otherwise."""
import json
import sys

# AIDE's detail names (report_json.c) for the attributes seawall's fim.changed names.
AIDE_NAMES = {"size": "size", "perm": "mode", "uid": "uid", "gid": "gid",
              "modify_time": "mtime", "sha256": "sha256", "file_type": "type"}


def load_known(path):
    known = {"moved": False, "attr": {}, "type-change": set()}
    for line in open(path, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        kind, aide, sw, _reason = line.rstrip("\n").split("\t", 3)
        if kind == "moved":
            known["moved"] = True
        elif kind == "attr":
            known["attr"][aide] = sw
        elif kind == "type-change":
            known["type-change"].add(sw)
        else:
            raise SystemExit("%s: unknown kind %r" % (path, kind))
    return known


def main():
    sw_path, aide_path, known_path = sys.argv[1:4]
    known = load_known(known_path)
    sw = {"added": set(), "removed": set(), "changed": {}}
    moved = []
    for line in open(sw_path, encoding="utf-8"):
        ev = json.loads(line)
        if ev.get("event_type") != "fim":
            continue
        f = ev["fim"]
        a = f["action"]
        if a == "added":
            sw["added"].add(f["path"])
        elif a == "deleted":
            sw["removed"].add(f["path"])
        elif a == "moved":
            moved.append((f["old_path"], f["path"]))
        elif a in ("modified", "attributes"):
            sw["changed"][f["path"]] = set(f.get("changed", []))
    for old, new in moved:
        if not known["moved"]:
            sw["changed"].setdefault(new, set()).add("moved-from:" + old)
            continue
        print("# accepted: moved %s -> %s counted as removed + added" % (old, new))
        sw["removed"].add(old)
        sw["added"].add(new)
    rep = json.load(open(aide_path, encoding="utf-8"))
    aide = {"added": set(rep.get("added", {})), "removed": set(rep.get("removed", {})),
            "changed": {}}
    names = dict(AIDE_NAMES)
    names.update(known["attr"])
    for path, det in rep.get("details", {}).items():
        got = set()
        for k in det:
            if k not in names:
                print("not ok - aide reported attribute %r of %s that the test does not know"
                      % (k, path))
                return 1
            if k in known["attr"]:
                print("# accepted: %s: aide %s is seawall %s" % (path, k, known["attr"][k]))
            got.add(names[k])
        aide["changed"][path] = got
    for p in rep.get("changed", {}):
        aide["changed"].setdefault(p, set())
    notes = set()
    for side in (sw, aide):
        for path, attrs in side["changed"].items():
            if "type" in attrs:
                for a in known["type-change"] & attrs:
                    notes.add("# accepted: %s: type changed, %s not compared" % (path, a))
                attrs -= known["type-change"]
    for n in sorted(notes):
        print(n)
    bad = 0
    for what in ("added", "removed"):
        if sw[what] == aide[what]:
            print("ok - %s: the same %d paths" % (what, len(sw[what])))
        else:
            bad += 1
            print("not ok - %s: seawall only %s, aide only %s" % (
                what, sorted(sw[what] - aide[what]), sorted(aide[what] - sw[what])))
    for path in sorted(set(sw["changed"]) | set(aide["changed"])):
        s, a = sw["changed"].get(path), aide["changed"].get(path)
        if s == a:
            print("ok - changed %s: %s" % (path, ",".join(sorted(s))))
        else:
            bad += 1
            print("not ok - changed %s: seawall %s, aide %s" % (
                path, sorted(s) if s is not None else "-", sorted(a) if a is not None else "-"))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
