#!/usr/bin/env python3
"""deliver_check.py - compare what a receiver got with what seawall wrote to its EVE file.

Usage: deliver_check.py EVE RECEIVED --types alert[,flow] [--fields] [--host H --pid P
       --facility F] [--mode exact|atleastonce|subset] [--dups N] [--truncated N] [--crash]

EVE is seawall's own file sink (the reference: every line in it went through the same
router); RECEIVED a file written by rsyslog: with --fields, rsyslog's parsed RFC 5424 fields
(facility, severity, hostname, app-name, procid, msgid, structured-data, msg, tab-separated;
see tests/integration/deliver.inc), else one raw JSON line per event.

Checks, each printed as "ok - ..." or "not ok - ...":
  - with --fields: every message parses as RFC 5424 as seawall promises (facility,
    severity from the alert severity, HOSTNAME, APP-NAME seawall, PROCID, MSGID the
    event_type, STRUCTURED-DATA "-");
  - every MSG is one valid JSON object, identical to an EVE line (or, for a truncated one,
    its leading members and "truncated":true; --truncated N: exactly N of those);
  - mode exact: every EVE line of the types arrives once, in EVE order;
    atleastonce: every one arrives, in EVE order of first arrival, and the repeats are at
    most --dups (seawall's duplicates_possible);
    subset: what arrives comes from the EVE file, once each, in EVE order (prints the count:
    the policy drops are the rest).
  --crash (after a kill -9): messages that are in no EVE line are allowed when they are
    events of the types, and counted: the write-ahead spool takes a round's events before the
    file sink writes them, so the kill can leave in the spool (and the next run deliver)
    events the EVE file never got. The EVE file's events must all arrive all the same.
Exit status: 0 when every check passed, 1 otherwise."""
import argparse
import json
import sys


def severity_of(ev):
    if ev.get("event_type") != "alert":
        return 6
    s = ev.get("alert", {}).get("severity", 3)
    return {1: 2, 2: 3}.get(s, 4)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("eve")
    ap.add_argument("received")
    ap.add_argument("--types", required=True)
    ap.add_argument("--fields", action="store_true")
    ap.add_argument("--host")
    ap.add_argument("--pid")
    ap.add_argument("--facility", type=int)
    ap.add_argument("--mode", default="exact")
    ap.add_argument("--dups", type=int, default=0)
    ap.add_argument("--truncated", type=int)
    ap.add_argument("--label", default="")
    ap.add_argument("--crash", action="store_true")
    a = ap.parse_args()
    types = set(a.types.split(","))
    label = a.label + ": " if a.label else ""
    fails = 0

    def ok(cond, msg):
        nonlocal fails
        print(("ok - " if cond else "not ok - ") + label + msg)
        if not cond:
            fails += 1

    expected = []
    with open(a.eve, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            ev = json.loads(line)
            if ev.get("event_type") in types:
                expected.append(line)
    index = {}
    for i, line in enumerate(expected):
        index.setdefault(line, []).append(i)

    got = []
    bad_fields = bad_json = 0
    truncated = []
    try:
        f = open(a.received, encoding="utf-8", errors="replace")
    except OSError:
        f = []
    for raw in f:
        raw = raw.rstrip("\n")
        if not raw:
            continue
        msg = raw
        if a.fields:
            parts = raw.split("\t", 7)
            if len(parts) != 8:
                bad_fields += 1
                continue
            fac, sev, host, app, pid, msgid, sd, msg = parts
        try:
            ev = json.loads(msg)
        except ValueError:
            bad_json += 1
            continue
        if not isinstance(ev, dict):
            bad_json += 1
            continue
        if a.fields:
            want = [str(a.facility) if a.facility is not None else fac,
                    str(severity_of(ev)), a.host or host, "seawall", a.pid or pid,
                    ev.get("event_type", "?"), "-"]
            if [fac, sev, host, app, pid, msgid, sd] != want:
                if bad_fields < 3:
                    print("# fields %r, expected %r" % ([fac, sev, host, app, pid, msgid, sd], want))
                bad_fields += 1
        if ev.get("truncated") is True and msg not in index:
            truncated.append(msg)
        got.append(msg)
    if a.fields:
        ok(bad_fields == 0, "%d messages, every one RFC 5424 as promised (%d not)" %
           (len(got), bad_fields))
    ok(bad_json == 0, "every message is one JSON object (%d not)" % bad_json)

    # Truncated messages stand for the EVE line they start with.
    resolved = []
    unknown = beyond = 0
    for m in got:
        if m in index:
            resolved.append(m)
            continue
        if m in truncated:
            head = m[: -len('"truncated":true}')]
            match = [e for e in expected if e.startswith(head) and len(e) > len(m) - 20]
            if match:
                resolved.append(match[0])
                continue
        if a.crash and json.loads(m).get("event_type") in types:
            beyond += 1
        else:
            unknown += 1
        resolved.append(None)
    ok(unknown == 0, "every message is an event of the EVE file (%d not)" % unknown)
    if a.crash:
        print("# %d messages of the types beyond the EVE file: spooled before the kill, not "
              "yet written to the file" % beyond)
    if a.truncated is not None:
        ok(len(truncated) == a.truncated, "%d truncated, as counted (%d)" %
           (len(truncated), a.truncated))

    seen = {}
    order = []
    for m in resolved:
        if m is None:
            continue
        seen[m] = seen.get(m, 0) + 1
        if seen[m] == 1:
            order.append(m)
    repeats = sum(n - 1 for n in seen.values())
    # EVE lines can repeat (two identical events): compare as multisets.
    exp_count = {}
    for e in expected:
        exp_count[e] = exp_count.get(e, 0) + 1
    missing = sum(max(0, c - seen.get(e, 0)) for e, c in exp_count.items())
    extra = sum(max(0, seen.get(e, 0) - c) for e, c in exp_count.items())
    firsts = [e for e in order]
    pos = [index[e][0] for e in firsts]
    in_order = all(pos[i] < pos[i + 1] for i in range(len(pos) - 1))
    if a.mode == "exact":
        ok(missing == 0 and extra == 0,
           "%d events expected, %d received, %d missing, %d extra" %
           (len(expected), len(got), missing, extra))
        ok(in_order, "in the order seawall wrote them")
    elif a.mode == "atleastonce":
        ok(missing == 0, "%d events expected, all received (%d missing)" %
           (len(expected), missing))
        ok(extra <= a.dups, "%d repeats, within the %d counted as duplicates_possible" %
           (extra, a.dups))
        ok(in_order, "first arrivals in the order seawall wrote them")
    else:
        ok(extra == 0, "%d received of %d, none twice" % (len(set(order)), len(expected)))
        ok(in_order, "in the order seawall wrote them")
        print("received: %d" % len(order))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
