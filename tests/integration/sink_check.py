#!/usr/bin/env python3
"""sink_check.py - compare what a receiver got with what tests/tools/sinkdrive sent.

Usage: sink_check.py SENT RECEIVED --kind kafka|bulk|hec [--dups N] [--absent SIDS]
       [--no-order] [--label TEXT]

SENT: sinkdrive -o, one EVE line per event in emission order (alert i has signature_id i,
flow_id its key). RECEIVED, by kind:
  kafka  kafkamock's dump: "partition TAB offset TAB key TAB value" lines; the value must be
         the EVE line byte for byte and the key its community_id;
  bulk   tests/tools/httpsink.py's Elasticsearch log: one JSON object per indexed document,
         {"_index", "_id", "doc"}; doc must be the EVE object plus "@timestamp" (the event's
         time in UTC) and _index the index pattern applied to that time (--index);
  hec    httpsink.py's Splunk log: {"event", "time", "host", "sourcetype"}: event must be
         the EVE object, time its timestamp.
Checks, each printed as "ok - ..." or "not ok - ...":
  - every received event is one that was sent, unchanged;
  - every sent event arrived, except the signature ids in --absent (comma-separated ranges
    "a-b"), which must not arrive (rejected);
  - repeats are at most --dups (the sink's duplicates_possible);
  - unless --no-order: per key, first arrivals in the order sent (kafka: per partition).
Exit status 0 when every check passed."""
import argparse
import datetime
import json
import sys


def parse_ranges(text):
    out = set()
    for part in filter(None, (text or "").split(",")):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out


def eve_time(ev):
    # 2025-12-01T00:00:00.000002+0000
    return datetime.datetime.strptime(ev["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sent")
    ap.add_argument("received")
    ap.add_argument("--kind", required=True, choices=["kafka", "bulk", "hec"])
    ap.add_argument("--dups", type=int, default=0)
    ap.add_argument("--absent", default="")
    ap.add_argument("--no-order", action="store_true")
    ap.add_argument("--index", default="seawall-%Y.%m.%d")
    ap.add_argument("--host", default="agent-7")
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    lab = a.label + ": " if a.label else ""
    fails = 0

    def ok(cond, msg):
        nonlocal fails
        print(("ok - " if cond else "not ok - ") + lab + msg)
        if not cond:
            fails += 1

    sent = {}
    with open(a.sent) as f:
        for line in f:
            line = line.rstrip("\n")
            ev = json.loads(line)
            sent[ev["alert"]["signature_id"]] = (line, ev)
    got = []  # (sid, order key)
    bad = []
    with open(a.received) as f:
        for n, line in enumerate(f):
            line = line.rstrip("\n")
            if not line:
                continue
            if a.kind == "kafka":
                part, off, key, value = line.split("\t", 3)
                ev = json.loads(value)
                sid = ev["alert"]["signature_id"]
                if sid not in sent or sent[sid][0] != value or key != ev.get("community_id"):
                    bad.append("partition %s offset %s" % (part, off))
                got.append((sid, (int(part), int(off)), part))
            elif a.kind == "bulk":
                rec = json.loads(line)
                doc = dict(rec["doc"])
                ts = doc.pop("@timestamp", None)
                sid = doc.get("alert", {}).get("signature_id")
                if sid not in sent or sent[sid][1] != doc:
                    bad.append("document %d (%s)" % (n + 1, rec.get("_id")))
                else:
                    t = eve_time(doc).astimezone(datetime.timezone.utc)
                    want_ts = t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                    if ts != want_ts or rec["_index"] != t.strftime(a.index):
                        bad.append("document %d: @timestamp %s, _index %s" %
                                   (n + 1, ts, rec["_index"]))
                got.append((sid, n, ""))
            else:
                rec = json.loads(line)
                ev = rec.get("event")
                sid = ev.get("alert", {}).get("signature_id") if isinstance(ev, dict) else None
                if sid not in sent or sent[sid][1] != ev:
                    bad.append("event %d" % (n + 1))
                else:
                    t = eve_time(ev).timestamp()
                    if abs(float(rec.get("time", 0)) - t) > 1e-5 or rec.get("host") != a.host:
                        bad.append("event %d: time %s host %s" %
                                   (n + 1, rec.get("time"), rec.get("host")))
                got.append((sid, n, ""))
    ok(not bad, "%d events received, each one that was sent, unchanged%s" %
       (len(got), "" if not bad else " (first bad: %s)" % bad[0]))
    absent = parse_ranges(a.absent)
    seen = {}
    for sid, _, _ in got:
        seen[sid] = seen.get(sid, 0) + 1
    missing = [s for s in sent if s not in seen and s not in absent]
    ok(not missing, "every sent event arrived (%d sent, %d expected absent)%s" %
       (len(sent), len(absent), "" if not missing else
        ", %d missing, first %s" % (len(missing), sorted(missing)[:5])))
    if absent:
        there = sorted(s for s in absent if s in seen)
        ok(not there, "none of the %d rejected events arrived%s" %
           (len(absent), "" if not there else ", but %s did" % there[:5]))
    dups = sum(c - 1 for c in seen.values())
    ok(dups <= a.dups, "%d duplicates, at most the %d counted as possible" % (dups, a.dups))
    if not a.no_order:
        last = {}
        disorder = []
        first = set()
        for sid, pos, part in sorted(got, key=lambda g: g[1]):
            if sid in first:
                continue
            first.add(sid)
            key = (part, sent[sid][1].get("flow_id")) if sid in sent else None
            if key in last and last[key] > sid:
                disorder.append((last[key], sid))
            last[key] = sid
        ok(not disorder, "in order per key%s" %
           ("" if not disorder else " (first out of order: %s)" % (disorder[0],)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
