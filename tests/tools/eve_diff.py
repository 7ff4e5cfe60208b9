#!/usr/bin/env python3
"""eve_diff.py OLD_DIR NEW_DIR: EVE outputs of two seawall binaries over the corpus
(tests/tools/corpus_diff.sh makes them: OLD_DIR/{a,b,c}/CAPTURE.json).

Per mode (a: -w 1, b: -w 1 --rules, c: -w 3 --rules) and capture:
 - worker events (all but decode anomalies and stats) must be equal in order for -w 1 and
   as a multiset for -w 3 (three workers interleave);
 - decode anomalies (the capture side's producer) equal in order;
 - the stats event equal once the intended additions (seawall.app) are removed.
The interleaving of the capture side's and the workers' events is not deterministic in
either binary (two producers into one router), so it is not compared."""
import json, os, sys

if len(sys.argv) != 3:
    sys.exit("usage: eve_diff.py OLD_DIR NEW_DIR")
main_dir, new_dir = sys.argv[1], sys.argv[2]
INTENDED = [("seawall", "app")]

def load(path):
    worker, decode, stats, bad = [], [], [], 0
    with open(path, "rb") as f:
        for line in f:
            try:
                d = json.loads(line)
            except Exception:
                bad += 1
                continue
            et = d.get("event_type")
            if et == "stats":
                stats.append(d)
            elif et == "anomaly" and d.get("anomaly", {}).get("type") == "decode":
                decode.append(line)
            else:
                worker.append(line)
    return worker, decode, stats, bad

def strip(d):
    for a, b in INTENDED:
        if a in d and isinstance(d[a], dict):
            d[a].pop(b, None)
    return d

total = 0
identical = 0
diffs = {}
for mode in ("a", "b", "c"):
    md, nd = os.path.join(main_dir, mode), os.path.join(new_dir, mode)
    for name in sorted(os.listdir(md)):
        mp, np_ = os.path.join(md, name), os.path.join(nd, name)
        if not os.path.exists(np_):
            diffs.setdefault(mode, []).append((name, "missing"))
            continue
        total += 1
        with open(mp, "rb") as a, open(np_, "rb") as b:
            identical += a.read() == b.read()
        mw, mdc, ms, mb = load(mp)
        nw, ndc, ns, nb = load(np_)
        why = []
        if mode == "c":
            if sorted(mw) != sorted(nw):
                why.append("worker events (as multiset): %d vs %d lines" % (len(mw), len(nw)))
        elif mw != nw:
            why.append("worker events in order: %d vs %d lines" % (len(mw), len(nw)))
        if mdc != ndc:
            why.append("decode anomalies")
        if [strip(s) for s in ms] != [strip(s) for s in ns]:
            why.append("stats")
        if mb or nb:
            why.append("unparsable lines %d/%d" % (mb, nb))
        if why:
            diffs.setdefault(mode, []).append((name, "; ".join(why)))
print("compared %d outputs, %d byte-identical" % (total, identical))
for mode, l in diffs.items():
    for name, why in l:
        print("%s %s: %s" % (mode, name, why))
n = sum(len(l) for l in diffs.values())
print("differing: %d" % n)
sys.exit(1 if n else 0)
