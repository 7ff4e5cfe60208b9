#!/usr/bin/env python3
"""ndpi_corpus.py - seawall pcap against nDPI 4.2's expected per-flow results.

For every capture of ../shared/corpus/ndpi-4.2/pcap that has a result file, run
`seawall pcap --ndpi-dir example/` and compare each expected flow's nDPI protocol and set of
risk names with seawall's `flow` event for the same unordered 5-tuple (VLAN id too where a
tuple appears on two VLANs). Prints agreement overall and per capture, checks the EVE lines
(valid JSON, required fields, alerts share their flow's flow_id), and fails when:
  - agreement is below --min (99.5 %),
  - a difference is not listed in the known-differences file (a new difference), or
  - a listed difference no longer happens (a fixed one: remove it from the file).
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


def load_overrides(path):
    """capture<TAB>reason: captures whose expected flows come from Debian's ndpiReader."""
    over = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                name, reason = line.split("\t", 1)
                over[name] = reason
    return over


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


def compare(name, expected, ours):
    """Returns (matched, total, [(key, what, expected, ours)])."""
    diffs = []
    matched = 0
    dup = collections.Counter(k for k, _, _, _ in expected)
    for k, vlan, proto, risks in expected:
        cands = ours.get(k, [])
        if dup[k] > 1:
            cands = [c for c in cands if c[1] == vlan]
        if not cands:
            diffs.append((k, "missing", "%s [%s]" % (proto, risks), "-"))
            continue
        _, _, oproto, orisks = cands[0]
        ok = True
        if oproto != proto:
            diffs.append((k, "protocol", proto, oproto))
            ok = False
        if orisks != risks:
            diffs.append((k, "risks", risks or "-", orisks or "-"))
            ok = False
        matched += ok
    return matched, len(expected), diffs


def load_known(path):
    known = {}
    if not os.path.exists(path):
        return known
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            c = line.split("\t")
            if len(c) < 4 or not c[3].strip():
                sys.exit("%s:%d: want capture<TAB>flow<TAB>what<TAB>reason" % (path, n))
            known[(c[0], c[1], c[2])] = c[3]
    return known


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seawall", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--known", required=True)
    ap.add_argument("--overrides", default="",
                    help="captures whose expectation comes from Debian's ndpiReader")
    ap.add_argument("--min", type=float, default=99.5)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--only", default="")
    ap.add_argument("--compare-workers", type=int, default=0,
                    help="also run with this many workers: the events must be the same")
    ap.add_argument("--workers-known", default="",
                    help="captures whose events may differ with more workers (capture<TAB>reason)")
    ap.add_argument("--write-known", action="store_true",
                    help="print the current differences in the known-differences format")
    args = ap.parse_args()

    base = os.path.join(args.corpus, "ndpi-4.2")
    if not os.path.isdir(base):
        print("ndpi corpus: skipped: corpus not found")
        return 77
    flows_sh = os.path.join(args.corpus, "ndpi-flows.sh")
    ndpi_dir = os.path.join(base, "example")
    results = sorted(f[:-4] for f in os.listdir(os.path.join(base, "result")) if f.endswith(".out"))
    if args.only:
        results = [r for r in results if r in args.only.split(",")]
    known = load_known(args.known)
    overrides = load_overrides(args.overrides) if args.overrides else {}
    tmpdir = tempfile.mkdtemp(prefix="sw-ndpi-")

    def one(name):
        out_file = os.path.join(base, "result", name + ".out")
        if name in overrides:
            out_file = reference_out(base, name, tmpdir)
        exp = expected_flows(flows_sh, out_file)
        rc, err, data = run_seawall(args.seawall, ndpi_dir, os.path.join(base, "pcap", name),
                                    args.workers, [])
        problems = []
        if rc != 0:
            problems.append("%s: seawall exited %d: %s" % (name, rc, err.strip()[:300]))
        events = check_events(name, data, problems)
        m, t, diffs = compare(name, exp, our_flows(events))
        wdiff = None
        if args.compare_workers:
            rc2, err2, data2 = run_seawall(args.seawall, ndpi_dir, os.path.join(base, "pcap", name),
                                           args.compare_workers, [])
            if rc2 != rc:
                problems.append("%s: exit %d with %d workers, %d with %d" %
                                (name, rc, args.workers, rc2, args.compare_workers))
            a = sorted(l for l in data.splitlines() if b'"event_type":"stats"' not in l)
            b = sorted(l for l in data2.splitlines() if b'"event_type":"stats"' not in l)
            wdiff = a != b
            check_order(name, data2, problems)
        return name, m, t, diffs, problems, wdiff

    total_m = total_t = 0
    worker_diffs = {}
    wknown = load_overrides(args.workers_known) if args.workers_known else {}
    all_diffs, all_problems = [], []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for name, m, t, diffs, problems, wdiff in ex.map(one, results):
            if wdiff is not None:
                worker_diffs[name] = wdiff
            total_m += m
            total_t += t
            pct = 100.0 * m / t if t else 100.0
            flag = "" if m == t else "  <- %d differ" % (t - m)
            print("ndpi corpus: %-45s %5d/%-5d %6.2f%%%s" % (name, m, t, pct, flag))
            all_diffs += [(name,) + d for d in diffs]
            all_problems += problems

    for name in results:
        if name in overrides:
            print("ndpi corpus: %s: expected flows from Debian's ndpiReader (%s)" %
                  (name, overrides[name]))
    subprocess.run(["rm", "-rf", tmpdir])
    pct = 100.0 * total_m / total_t if total_t else 0.0
    print("ndpi corpus: agreement %d/%d flows = %.3f%% over %d captures (minimum %.1f%%)" %
          (total_m, total_t, pct, len(results), args.min))
    if args.write_known:
        for name, k, what, e, o in all_diffs:
            print("%s\t%s\t%s\texpected %s, seawall %s: REASON" % (name, key_str(k), what, e, o))
        return 0

    failed = False
    seen = set()
    for name, k, what, e, o in all_diffs:
        kk = (name, key_str(k), what)
        seen.add(kk)
        if kk not in known:
            print("ndpi corpus: NEW difference %s %s %s: expected %s, seawall %s" %
                  (name, key_str(k), what, e, o))
            failed = True
    for kk in known:
        if kk not in seen and kk[0] in results:
            print("ndpi corpus: FIXED difference (remove it from %s): %s" % (args.known,
                                                                              " ".join(kk)))
            failed = True
    if args.compare_workers:
        same = sum(1 for d in worker_diffs.values() if not d)
        print("ndpi corpus: --workers %d and %d give the same events on %d of %d captures" %
              (args.workers, args.compare_workers, same, len(worker_diffs)))
        for name, d in sorted(worker_diffs.items()):
            if d and name not in wknown:
                print("ndpi corpus: NEW worker-count difference: %s" % name)
                failed = True
            elif d:
                print("ndpi corpus: %s differs with more workers, as documented: %s" %
                      (name, wknown[name][:100]))
            elif name in wknown:
                print("ndpi corpus: FIXED worker-count difference (remove it from %s): %s" %
                      (args.workers_known, name))
                failed = True
    for p in all_problems:
        print("ndpi corpus: EVE problem: %s" % p)
        failed = True
    if pct < args.min:
        print("ndpi corpus: agreement below %.1f%%" % args.min)
        failed = True
    print("ndpi corpus: %s" % ("FAIL" if failed else "ok"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
