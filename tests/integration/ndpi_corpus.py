#!/usr/bin/env python3
"""ndpi_corpus.py - seawall pcap against nDPI 4.2's expected per-flow results.

For every capture of ../shared/corpus/ndpi-4.2/pcap that has a result file, run
`seawall pcap --ndpi-dir example/` and compare each expected flow's nDPI protocol and set of
risks with seawall's `flow` event for the same unordered 5-tuple (VLAN id too where a tuple
appears on two VLANs); each expected flow takes one seawall flow, and the seawall flows left
over ("extra": a tuple nDPI's reader does not have, or has fewer times) are differences too.
Prints agreement overall and per capture, checks the EVE lines (valid JSON, required fields,
alerts share their flow's flow_id), and fails when:
  - agreement is below --min (99.5 %),
  - a difference is not listed in the known-differences table (--known) or a listed one is
    gone (fixed: remove it), or either value of a listed one (nDPI's, seawall's) is not the
    one recorded;
  - for a capture of the overrides table (Debian's ndpiReader is the expectation, not the
    result file), Debian's ndpiReader and the result file differ in other flows or values
    than those listed;
  - with --compare-workers N, the events of --workers 1 and N differ (flow by flow, field by
    field) other than as listed in --workers-known, with the values listed.
Tables in an older format stop the test with the command that converts them
(tests/tools/known_convert.py). --write-known prints the current differences in the tables'
format, keeping the reasons of listed entries ("REASON" for new ones).
Exit 0 pass, 1 fail, 77 skipped (corpus not found).
"""
import argparse
import collections
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

L4_NAMES = {"TCP": "TCP", "UDP": "UDP", "ICMP": "ICMP", "IPv6-ICMP": "ICMPV6",
            "IGMP": "IGMP", "VRRP": "VRRP"}
PROTO_NUMS = {"GRE": 47, "ESP": 50, "AH": 51, "SCTP": 132, "OSPF": 89, "PIM": 103,
              "RSVP": 46}


def patch_ipv6(s):
    """nDPI 4.2's ndpi_patchIPv6Address: every ':0:' printed as '::'."""
    out, i = [], 0
    while i < len(s):
        if s[i] == ":" and s[i + 1:i + 3] == "0:":
            out.append("::")
            i += 3
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def l4_name(proto):
    if proto in L4_NAMES:
        return L4_NAMES[proto]
    if proto in PROTO_NUMS:
        return str(PROTO_NUMS[proto])
    return proto


def key_of(l4, a, ap, b, bp):
    e = sorted([(a, int(ap)), (b, int(bp))])
    return (l4, e[0][0], e[0][1], e[1][0], e[1][1])


def key_str(k):
    return "%s %s:%d %s:%d" % k


def reference_out(base, name, tmpdir):
    """Debian's ndpiReader 4.2 output for a capture, with the corpus README's options."""
    ex = os.path.join(base, "example")
    out = os.path.join(tmpdir, name + ".out")
    cmd = ["ndpiReader", "-p", os.path.join(ex, "protos.txt"), "-c", os.path.join(ex, "categories.txt"),
           "-r", os.path.join(ex, "risky_domains.txt"), "-j", os.path.join(ex, "ja3_fingerprints.csv"),
           "-S", os.path.join(ex, "sha1_fingerprints.csv"), "-q", "-t", "-i",
           os.path.join(base, "pcap", name), "-w", out, "-v", "2"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if res.returncode != 0 or not os.path.exists(out):
        raise RuntimeError("ndpiReader on %s failed: %s" % (name, res.stderr.strip()[:200]))
    return out


def expected_flows(flows_sh, out_file):
    res = subprocess.run(["sh", flows_sh, "-V", out_file], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError("%s: %s" % (out_file, res.stderr.strip()))
    flows = []
    for line in res.stdout.splitlines():
        c = line.split("\t")
        l4, sip, sp, dip, dp, proto, _cat, risks, vlan = c[:9]
        rset = "" if risks == "-" else ",".join(sorted(risks.split(","), key=lambda x: x.encode()))
        flows.append((key_of(l4, sip, sp, dip, dp), int(vlan), proto, rset))
    return flows


def run_seawall(seawall, ndpi_dir, pcap, workers, extra):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    try:
        cmd = [seawall, "pcap", "--ndpi-dir", ndpi_dir, "-w", str(workers), "-o", out, pcap]
        cmd += extra
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        with open(out, "rb") as f:
            data = f.read()
    finally:
        os.unlink(out)
    return res.returncode, res.stderr, data


def check_events(name, data, problems):
    """Every line valid JSON with the common fields; alerts carry their flow's flow_id."""
    flows, alerts = {}, []
    for n, raw in enumerate(data.splitlines(), 1):
        try:
            ev = json.loads(raw)
        except ValueError as e:
            problems.append("%s: line %d: invalid JSON: %s" % (name, n, e))
            continue
        for f in ("timestamp", "event_type", "host"):
            if f not in ev:
                problems.append("%s: line %d: no %s" % (name, n, f))
        t = ev.get("event_type")
        if t in ("flow", "alert"):
            for f in ("flow_id", "src_ip", "dest_ip", "proto", "community_id", "app_proto",
                      "ndpi", "flow"):
                if f not in ev:
                    problems.append("%s: line %d: %s event without %s" % (name, n, t, f))
        if t == "flow":
            flows[ev.get("flow_id")] = ev
        elif t == "alert":
            alerts.append((n, ev))
            a = ev.get("alert", {})
            for f in ("action", "gid", "signature_id", "rev", "signature", "category",
                      "severity", "metadata"):
                if f not in a:
                    problems.append("%s: line %d: alert without alert.%s" % (name, n, f))
            if ev.get("seawall", {}).get("detector") != "ndpi_risk":
                problems.append("%s: line %d: alert without seawall.detector" % (name, n))
    for n, ev in alerts:
        if ev.get("flow_id") not in flows:
            problems.append("%s: line %d: alert flow_id %s has no flow event" %
                            (name, n, ev.get("flow_id")))
    return [ev for ev in flows.values()]


def check_order(name, data, problems):
    """Each flow's events stay in order: no alert after its flow's flow event."""
    ended = set()
    for raw in data.splitlines():
        ev = json.loads(raw)
        if ev.get("event_type") == "flow":
            ended.add(ev.get("flow_id"))
        elif ev.get("event_type") == "alert" and ev.get("flow_id") in ended:
            problems.append("%s: alert after its flow event (flow_id %s)" % (name, ev.get("flow_id")))
            return


def our_flows(events):
    by_key = collections.defaultdict(list)
    for ev in events:
        l4 = l4_name(ev["proto"])
        sp = ev.get("src_port", 0) if l4 in ("TCP", "UDP") else 0
        dp = ev.get("dest_port", 0) if l4 in ("TCP", "UDP") else 0
        k = key_of(l4, patch_ipv6(ev["src_ip"]), sp, patch_ipv6(ev["dest_ip"]), dp)
        vlan = ev.get("vlan", [0])[-1]
        nd = ev.get("ndpi", {})
        risks = sorted((r["name"] for r in nd.get("risks", [])), key=lambda x: x.encode())
        by_key[k].append((ev["flow"]["start"], vlan, nd.get("protocol", ""), ",".join(risks)))
    for k in by_key:
        by_key[k].sort()
    return by_key


def flow_value(proto, risks):
    return "%s [%s]" % (proto, risks or "-")


def compare(expected, ours):
    """Returns (matched, total, [(key, what, expected, ours)]). Each expected flow takes the
    first seawall flow of its tuple (of its VLAN where the tuple is on two) not taken yet; the
    seawall flows left over have no expected counterpart: one "extra" entry per tuple, its value
    the left-over flows in start order."""
    diffs = []
    matched = 0
    dup = collections.Counter(k for k, _, _, _ in expected)
    taken = set()
    for k, vlan, proto, risks in expected:
        cands = [i for i, c in enumerate(ours.get(k, [])) if (k, i) not in taken and
                 (dup[k] == 1 or c[1] == vlan)]
        if not cands:
            diffs.append((k, "missing", flow_value(proto, risks), "-"))
            continue
        taken.add((k, cands[0]))
        _, _, oproto, orisks = ours[k][cands[0]]
        ok = True
        if oproto != proto:
            diffs.append((k, "protocol", proto, oproto))
            ok = False
        if orisks != risks:
            diffs.append((k, "risks", risks or "-", orisks or "-"))
            ok = False
        matched += ok
    for k in sorted(ours):
        left = [c for i, c in enumerate(ours[k]) if (k, i) not in taken]
        if left:
            diffs.append((k, "extra", "-", "; ".join(flow_value(c[2], c[3]) for c in left)))
    return matched, len(expected), diffs


def reference_diffs(result_flows, reader_flows):
    """Where Debian's ndpiReader output differs from nDPI's result file, flow by flow:
    [(key, what, result file value, ndpiReader value)]."""
    def by_key(flows):
        d = collections.defaultdict(list)
        for k, vlan, proto, risks in flows:
            d[(k, vlan)].append((proto, risks))
        return d
    a, b = by_key(result_flows), by_key(reader_flows)
    out = []
    for kv in sorted(set(a) | set(b)):
        va, vb = a.get(kv, []), b.get(kv, [])
        if len(va) != len(vb):
            out.append((kv[0], "flows", "; ".join(flow_value(*v) for v in va) or "-",
                        "; ".join(flow_value(*v) for v in vb) or "-"))
            continue
        for (pa, ra), (pb, rb) in zip(va, vb):
            if pa != pb:
                out.append((kv[0], "protocol", pa, pb))
            if ra != rb:
                out.append((kv[0], "risks", ra or "-", rb or "-"))
    return out


def event_flow_key(ev):
    """The unordered 5-tuple (and VLAN ids) an event is about, "-" for events of no flow."""
    if "proto" not in ev:
        return "-"
    ends = sorted(["%s:%s" % (ev.get("src_ip"), ev.get("src_port", 0)),
                   "%s:%s" % (ev.get("dest_ip"), ev.get("dest_port", 0))])
    k = "%s %s %s" % (ev["proto"], ends[0], ends[1])
    if ev.get("vlan"):
        k += " vlan " + ",".join(str(v) for v in ev["vlan"])
    return k


def flatten(v, path, out):
    if isinstance(v, dict):
        for k in v:
            flatten(v[k], path + "." + k if path else k, out)
    else:
        out[path] = json.dumps(v, sort_keys=True)
    return out


def worker_diffs(data_a, data_b):
    """The events of two runs (stats left out), compared flow by flow and event type by event
    type: [(flow, field, value in a, value in b)]. Events that are equal in both runs cancel;
    the others are paired in sorted order and compared field by field ("alert:timestamp"),
    or counted when their numbers differ ("alert events")."""
    def groups(data):
        g = collections.defaultdict(collections.Counter)
        for raw in data.splitlines():
            ev = json.loads(raw)
            if ev.get("event_type") == "stats":
                continue
            g[(event_flow_key(ev), ev.get("event_type"))][json.dumps(ev, sort_keys=True)] += 1
        return g
    ga, gb = groups(data_a), groups(data_b)
    out = []
    for kt in sorted(set(ga) | set(gb)):
        ca, cb = ga.get(kt, collections.Counter()), gb.get(kt, collections.Counter())
        if ca == cb:
            continue
        if sum(ca.values()) != sum(cb.values()):
            out.append((kt[0], "%s events" % kt[1], str(sum(ca.values())), str(sum(cb.values()))))
            continue
        ra, rb = sorted((ca - cb).elements()), sorted((cb - ca).elements())
        for ea, eb in zip(ra, rb):
            fa, fb = flatten(json.loads(ea), "", {}), flatten(json.loads(eb), "", {})
            for path in sorted(set(fa) | set(fb)):
                if fa.get(path) != fb.get(path):
                    out.append((kt[0], "%s:%s" % (kt[1], path), fa.get(path, "-"),
                                fb.get(path, "-")))
    # One entry per flow and field: where several events differ in it, their values joined.
    joined = collections.defaultdict(lambda: ([], []))
    for flow, field, va, vb in out:
        joined[(flow, field)][0].append(va)
        joined[(flow, field)][1].append(vb)
    return [k + (" | ".join(v[0]), " | ".join(v[1])) for k, v in sorted(joined.items())]


def load_table(path, width, fmt, convert_hint):
    """A TSV of `width` columns, the last a reason: {tuple of the other columns[:3]: (values,
    reason)}. A line in an older, shorter format stops the test with the command that
    converts it."""
    table = {}
    if not path or not os.path.exists(path):
        return table
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            c = line.split("\t")
            if len(c) < width:
                sys.exit("%s:%d: %d columns, an old format: convert the file with `%s` "
                         "(want %s)" % (path, n, len(c), convert_hint, fmt))
            if len(c) != width or not c[-1].strip():
                sys.exit("%s:%d: want %s" % (path, n, fmt))
            if tuple(c[:3]) in table:
                sys.exit("%s:%d: %s listed twice" % (path, n, " ".join(c[:3])))
            table[tuple(c[:3])] = (tuple(c[3:width - 1]), c[-1])
    return table


KNOWN_FMT = "capture<TAB>flow<TAB>missing|protocol|risks|extra<TAB>nDPI<TAB>seawall<TAB>reason"
OVERRIDE_FMT = ("capture<TAB>flow<TAB>flows|protocol|risks<TAB>nDPI's result file<TAB>"
                "Debian's ndpiReader<TAB>reason")
WORKERS_FMT = "capture<TAB>flow<TAB>field<TAB>--workers 1<TAB>--workers N<TAB>reason"
CONVERT = "python3 tests/tools/known_convert.py --seawall build/release/seawall"


def check_table(label, path, table, found, ran, names):
    """found: {(capture, flow, what): (value, value)}. Every entry must be found with the values
    it records, every found difference listed. Prints what is wrong; returns the count."""
    bad = 0
    for kk in sorted(found):
        if kk not in table:
            print("ndpi corpus: NEW %s %s %s %s: %s %s, %s %s" %
                  (label, kk[0], kk[1], kk[2], names[0], found[kk][0], names[1], found[kk][1]))
            bad += 1
        elif table[kk][0] != found[kk]:
            print("ndpi corpus: CHANGED %s %s %s %s: %s listed %s, now %s; %s listed %s, now %s" %
                  (label, kk[0], kk[1], kk[2], names[0], table[kk][0][0], found[kk][0],
                   names[1], table[kk][0][1], found[kk][1]))
            bad += 1
    for kk in sorted(table):
        if kk not in found and kk[0] in ran:
            print("ndpi corpus: FIXED %s (remove it from %s): %s" % (label, path, " ".join(kk)))
            bad += 1
    return bad


class Run:
    """What one capture gives: seawall against its expectation, and the other comparisons."""

    def __init__(self, name):
        self.name = name
        self.matched = self.total = 0
        self.diffs = []       # [(key, what, expected, seawall)]
        self.ref_diffs = []   # override captures: [(key, what, result file, ndpiReader)]
        self.worker = None    # --compare-workers: [(flow, field, value 1, value N)]
        self.problems = []


def run_capture(args, base, tmpdir, override, name):
    """Runs seawall (and ndpiReader for a capture whose expectation is Debian's ndpiReader's)
    on one capture and compares. Called from threads: touches nothing shared."""
    r = Run(name)
    flows_sh = os.path.join(args.corpus, "ndpi-flows.sh")
    ndpi_dir = os.path.join(base, "example")
    pcap = os.path.join(base, "pcap", name)
    exp = expected_flows(flows_sh, os.path.join(base, "result", name + ".out"))
    if override:
        reader = expected_flows(flows_sh, reference_out(base, name, tmpdir))
        r.ref_diffs = reference_diffs(exp, reader)
        exp = reader
    rc, err, data = run_seawall(args.seawall, ndpi_dir, pcap, args.workers, [])
    if rc != 0:
        r.problems.append("%s: seawall exited %d: %s" % (name, rc, err.strip()[:300]))
    events = check_events(name, data, r.problems)
    r.matched, r.total, r.diffs = compare(exp, our_flows(events))
    if args.compare_workers:
        rc2, _, data2 = run_seawall(args.seawall, ndpi_dir, pcap, args.compare_workers, [])
        if rc2 != rc:
            r.problems.append("%s: exit %d with %d workers, %d with %d" %
                              (name, rc, args.workers, rc2, args.compare_workers))
        r.worker = worker_diffs(data, data2)
        check_order(name, data2, r.problems)
    return r


def run_all(args, names, overrides):
    """Runs every capture of names (args.jobs at a time); yields Run objects in order."""
    base = os.path.join(args.corpus, "ndpi-4.2")
    tmpdir = tempfile.mkdtemp(prefix="sw-ndpi-")
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            for r in ex.map(lambda n: run_capture(args, base, tmpdir, n in overrides, n), names):
                yield r
    finally:
        subprocess.run(["rm", "-rf", tmpdir])


def table_lines(runs, known, wknown, overrides):
    """The three tables for these runs, in the current format, reasons kept from the tables
    given ("REASON" where there is none): what --write-known prints."""
    out = {"known": [], "workers": [], "overrides": []}
    for r in runs:
        for k, what, e, o in r.diffs:
            kk = (r.name, key_str(k), what)
            out["known"].append("\t".join(kk + (e, o, known.get(kk, ((), "REASON"))[1])))
        for k, what, e, o in r.ref_diffs:
            kk = (r.name, key_str(k), what)
            out["overrides"].append("\t".join(kk + (e, o, overrides.get(kk, ((), "REASON"))[1])))
        for flow, field, a, b in r.worker or []:
            kk = (r.name, flow, field)
            out["workers"].append("\t".join(kk + (a, b, wknown.get(kk, ((), "REASON"))[1])))
    return out


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seawall", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--known", required=True, help=KNOWN_FMT)
    ap.add_argument("--overrides", default="",
                    help="flows where Debian's ndpiReader, the expectation for the captures "
                         "named, differs from nDPI's result file: " + OVERRIDE_FMT)
    ap.add_argument("--min", type=float, default=99.5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", default="")
    ap.add_argument("--compare-workers", type=int, default=0,
                    help="also run with this many workers: the events must be the same")
    ap.add_argument("--workers-known", default="",
                    help="flows whose events differ with more workers: " + WORKERS_FMT)
    ap.add_argument("--write-known", action="store_true",
                    help="print the current differences in the tables' format, reasons kept")
    return ap.parse_args(argv)


def main():
    args = parse_args()
    base = os.path.join(args.corpus, "ndpi-4.2")
    if not os.path.isdir(base):
        print("ndpi corpus: skipped: corpus not found")
        return 77
    results = sorted(f[:-4] for f in os.listdir(os.path.join(base, "result")) if f.endswith(".out"))
    if args.only:
        results = [r for r in results if r in args.only.split(",")]
    known = load_table(args.known, 6, KNOWN_FMT, CONVERT)
    overrides = load_table(args.overrides, 6, OVERRIDE_FMT, CONVERT)
    wknown = load_table(args.workers_known, 6, WORKERS_FMT, CONVERT)
    over_caps = {kk[0] for kk in overrides}

    runs = []
    total_m = total_t = 0
    for r in run_all(args, results, over_caps):
        runs.append(r)
        total_m += r.matched
        total_t += r.total
        pct = 100.0 * r.matched / r.total if r.total else 100.0
        extra = sum(len(d[3].split("; ")) for d in r.diffs if d[1] == "extra")
        flag = "" if r.matched == r.total else "  <- %d differ" % (r.total - r.matched)
        if extra:
            flag += "  (+%d seawall flow(s) without an expected one)" % extra
        print("ndpi corpus: %-45s %5d/%-5d %6.2f%%%s" % (r.name, r.matched, r.total, pct, flag))
    for name in sorted(over_caps):
        if name in results:
            n = sum(1 for kk in overrides if kk[0] == name)
            print("ndpi corpus: %s: expected flows from Debian's ndpiReader, which differs from "
                  "nDPI's result file in the %d listed flow(s)" % (name, n))
    pct = 100.0 * total_m / total_t if total_t else 0.0
    print("ndpi corpus: agreement %d/%d flows = %.3f%% over %d captures (minimum %.1f%%)" %
          (total_m, total_t, pct, len(results), args.min))
    if args.write_known:
        for kind, lines in table_lines(runs, known, wknown, overrides).items():
            print("# %s" % kind)
            for line in lines:
                print(line)
        return 0

    ran = set(results)
    found = {}
    for r in runs:
        for k, what, e, o in r.diffs:
            found[(r.name, key_str(k), what)] = (e, o)
    nextra = sum(len(v[1].split("; ")) for kk, v in found.items() if kk[2] == "extra")
    failed = check_table("difference", args.known, known, found, ran, ("nDPI", "seawall")) > 0
    print("ndpi corpus: %d seawall flows have no expected counterpart, on %d tuples: each is "
          "listed as extra with its reason" % (nextra, sum(1 for kk in found if kk[2] == "extra")))
    ref = {}
    for r in runs:
        for k, what, e, o in r.ref_diffs:
            ref[(r.name, key_str(k), what)] = (e, o)
    failed |= check_table("reference difference", args.overrides, overrides, ref,
                          ran & over_caps, ("result file", "ndpiReader")) > 0
    if args.compare_workers:
        wd = {}
        for r in runs:
            for flow, field, a, b in r.worker:
                wd[(r.name, flow, field)] = (a, b)
        differ = {kk[0] for kk in wd}
        print("ndpi corpus: --workers %d and %d give the same events on %d of %d captures; "
              "%d field(s) of %d flow(s) differ" %
              (args.workers, args.compare_workers, len(runs) - len(differ), len(runs), len(wd),
               len({kk[:2] for kk in wd})))
        failed |= check_table("worker-count difference", args.workers_known, wknown, wd, ran,
                              ("--workers %d" % args.workers,
                               "--workers %d" % args.compare_workers)) > 0
    for r in runs:
        for p in r.problems:
            print("ndpi corpus: EVE problem: %s" % p)
            failed = True
    if pct < args.min:
        print("ndpi corpus: agreement below %.1f%%" % args.min)
        failed = True
    print("ndpi corpus: %s" % ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
