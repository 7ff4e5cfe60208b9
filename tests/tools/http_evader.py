#!/usr/bin/env python3
"""http_evader.py SV_DIR - count EICAR hits of seawall on suricata-verify's HTTP Evader captures.

HTTP Evader (https://noxxi.de/research/http-evader.html) serves the EICAR test file with
malformed HTTP framing of the kinds browsers accept; suricata-verify keeps one capture per
case (tests/http-evader/http-evader-*/input.pcap, older checkouts tests/http-evader-*/) and
its test.yaml says whether Suricata must see the file (an alert filter with count >= 1).

For every such capture this runs

    seawall pcap --rules rules/default --no-cache input.pcap

and counts the captures where the EICAR rule (rules/default/eicar.yar, rule
seawall_eicar_test_file) matched an HTTP body (an alert that carries a fileinfo object; a match
on the raw stream cannot happen: the rule wants the file at offset 0). It prints one line per
capture that misses (expected but no hit) or hits unexpectedly, then the totals:

    captures 502 expected 502 hit 501 missed 1 unexpected 0 multi 0 anomalies 364 errors 0

multi: captures whose EICAR reached YARA in more than one reading (alerts on several bodies);
anomalies: captures with at least one applayer anomaly event; errors: seawall failed (or an
EVE line did not parse). --list prints every capture. Takes about 4 minutes with --jobs 2.

The data of suricata-verify is never copied into seawall's tree; this tool only reads it.
Exit 0 when every expected capture hits, 1 otherwise, 2 on a usage error.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import re
import subprocess
import sys

EICAR_RULE = "seawall_eicar_test_file"


def expected(test_yaml):
    """True when test.yaml has an alert filter with count >= 1 (the file must be seen)."""
    try:
        text = open(test_yaml, encoding="utf-8", errors="replace").read()
    except OSError:
        return True  # no expectation file: HTTP Evader serves the file in every case
    for block in re.split(r"^\s*-\s*filter:\s*$", text, flags=re.M)[1:]:
        m = re.search(r"^\s*count:\s*(\d+)", block, flags=re.M)
        if m and int(m.group(1)) >= 1 and re.search(r"event_type:\s*alert", block):
            return True
    return False


def run_one(seawall, rules, pcap):
    """(hits, anomaly events, fileinfo events, error text) of one capture."""
    cmd = [seawall, "pcap", "--rules", rules, "--no-cache", pcap]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    except subprocess.TimeoutExpired:
        return 0, 0, 0, "timeout"
    hits = anomalies = files = 0
    for line in p.stdout.splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            return 0, 0, 0, "invalid EVE line"
        t = ev.get("event_type")
        if t == "alert" and ev.get("yara", {}).get("rule") == EICAR_RULE and "fileinfo" in ev:
            hits += 1
        elif t == "anomaly" and ev.get("anomaly", {}).get("type") == "applayer":
            anomalies += 1
        elif t == "fileinfo":
            files += 1
    err = "" if p.returncode == 0 else "exit %d: %s" % (p.returncode,
                                                        p.stderr.decode(errors="replace")[:200])
    return hits, anomalies, files, err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sv_dir", help="a suricata-verify checkout")
    ap.add_argument("--seawall", default="build/release/seawall")
    ap.add_argument("--rules", default="rules/default")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--list", action="store_true", help="print every capture")
    a = ap.parse_args()
    dirs = sorted(set(os.path.dirname(p) for p in
                      glob.glob(os.path.join(a.sv_dir, "tests", "http-evader*", "input.pcap")) +
                      glob.glob(os.path.join(a.sv_dir, "tests", "http-evader", "*",
                                             "input.pcap"))))
    if not dirs:
        print("http_evader: no tests/http-evader*/input.pcap under %s" % a.sv_dir)
        return 2
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        res = list(ex.map(lambda d: run_one(a.seawall, a.rules, os.path.join(d, "input.pcap")),
                          dirs))
    n_exp = n_hit = missed = unexpected = multi = with_anom = errors = 0
    for d, (hits, anom, files, err) in zip(dirs, res):
        exp = expected(os.path.join(d, "test.yaml"))
        name = os.path.basename(d)
        n_exp += exp
        n_hit += hits > 0 and exp
        multi += hits > 1
        with_anom += anom > 0
        verdict = "ok"
        if err:
            errors += 1
            verdict = "error " + err
        elif exp and hits == 0:
            missed += 1
            verdict = "MISSED"
        elif not exp and hits > 0:
            unexpected += 1
            verdict = "UNEXPECTED"
        if a.list or verdict != "ok":
            print("%s: expected %d hits %d fileinfo %d anomalies %d %s" %
                  (name, exp, hits, files, anom, verdict))
    print("captures %d expected %d hit %d missed %d unexpected %d multi %d anomalies %d"
          " errors %d" % (len(dirs), n_exp, n_hit, missed, unexpected, multi, with_anom, errors))
    return 0 if missed == 0 and unexpected == 0 and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
