#!/usr/bin/env python3
"""sv_run.py - run OISF's suricata-verify tests through `seawall pcap --rules`.

usage: sv_run.py SEAWALL SURICATA_VERIFY_DIR [--out DIR] [--failures FILE] [--only NAME]
                 [--known FILE]

A test is run when it can say something about seawall's rule matcher with Suricata's default
configuration:
  - it has a capture and a test.rules, and every rule of it loads in seawall
    (`seawall rules check` reports none left out and none failed);
  - its configuration is the default: no `args` but `-k none` (checksums, which seawall does
    not verify), no custom `command`, no suricata.yaml that sets anything but outputs and
    logging, no required features, and its version requirements admit Suricata 8.0;
  - it has at least one check on alerts this script can compare: a `filter` whose match is
    `event_type: alert` with at most `alert.signature_id` (or `alert.sid`) and fields seawall
    writes the same way (src_ip, dest_ip, src_port, dest_port, proto, alert.gid, alert.rev,
    alert.signature, app_proto); `count`, `lt` and `gt` are honoured.
Each test runs with one worker and no rule cache; only alerts of the test's own sids are
counted (seawall's nDPI risk alerts are not the test's). Every other test is "not covered"
with its reason. The closing line is "sv: T tests covered (C checks), P passed, F failed,
N not covered", followed by the reasons tests were not covered; --failures writes one line per
failed check (test, check, expected, got) to FILE, for the causes to be written beside it.
--known FILE: the accepted differences (tests/data/sv_known.tsv): one line per failed check,
"test<TAB>check N<TAB>sid S<TAB>count|lt|gt N<TAB>got N<TAB>reason", the reason being the
verified cause. Then a failed check is fine only when its line is there with the same expected
and got values, and every line there must still fail the same way (a fixed difference is
removed from the file); the closing line says how many failures were known.
Exit status: 0 when nothing failed (or, with --known, when the failures are exactly the known
ones), 1 otherwise, 2 on a usage error.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

VERSION = (8, 0, 6)  # the Suricata release whose defaults seawall follows
SAME_FIELDS = {"event_type", "alert.signature_id", "alert.sid", "alert.gid", "alert.rev",
               "alert.signature", "src_ip", "dest_ip", "src_port", "dest_port", "proto",
               "app_proto"}
OK_YAML_KEYS = {"outputs", "logging", "default-log-dir", "vars"}


def version(s):
    parts = [int(x) for x in re.findall(r"\d+", str(s))[:3]]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)


def version_ok(req):
    if "min-version" in req and VERSION < version(req["min-version"]):
        return False
    if "lt-version" in req and VERSION >= version(req["lt-version"]):
        return False
    if "version" in req and version(req["version"])[0] != VERSION[0]:
        return False
    return True


def not_covered_reason(tdir, test):
    req = test.get("requires") or {}
    if not isinstance(req, dict):
        req = {}
    if req.get("pcap") is False:
        return "no capture"
    if not version_ok(req):
        return "version requirement excludes 8.0"
    for key in ("features", "env", "script", "files", "lambda", "os"):
        if req.get(key):
            return "requires " + key
    if test.get("command"):
        return "custom command"
    args = test.get("args") or []
    if isinstance(args, str):
        args = [args]
    for a in args:
        if str(a).strip() not in ("-k none", "-k", "none"):
            return "non-default arguments"
    if test.get("pcap") is False:
        return "no capture"
    sy = os.path.join(tdir, "suricata.yaml")
    if os.path.exists(sy):
        try:
            with open(sy, encoding="utf-8", errors="replace") as f:
                text = re.sub(r"^%YAML.*$", "", f.read(), flags=re.M)
            doc = yaml.safe_load(text) or {}
        except Exception:
            return "suricata.yaml not readable"
        extra = [k for k in doc if k not in OK_YAML_KEYS]
        if extra:
            return "non-default suricata.yaml (" + sorted(extra)[0] + ")"
        # outputs that change the fields checked (X-Forwarded-For overwriting addresses)
        if "xff" in json.dumps(doc.get("outputs")):
            return "non-default suricata.yaml (outputs: xff)"
        if doc.get("vars"):
            return "non-default suricata.yaml (vars)"
    if not os.path.exists(os.path.join(tdir, "test.rules")):
        return "no test.rules"
    if not pcaps(tdir, test):
        return "no capture"
    return None


def pcaps(tdir, test):
    if test.get("pcap"):
        p = os.path.join(tdir, str(test["pcap"]))
        return [p] if os.path.exists(p) else []
    return sorted(os.path.join(tdir, f) for f in os.listdir(tdir)
                  if f.endswith((".pcap", ".pcapng")))


def alert_checks(test, sids):
    """The comparable alert checks: (index, match dict, expectation) with expectation
    ('count', n) / ('lt', n) / ('gt', n)."""
    out = []
    for i, c in enumerate(test.get("checks") or []):
        f = c.get("filter") if isinstance(c, dict) else None
        if not isinstance(f, dict):
            continue
        m = f.get("match") or {}
        if m.get("event_type") != "alert":
            continue
        if f.get("requires") or f.get("min-version") or f.get("lt-version"):
            r = f.get("requires") or {}
            r = dict(r) if isinstance(r, dict) else {}
            for k in ("min-version", "lt-version"):
                if k in f:
                    r[k] = f[k]
            if not version_ok(r) or any(r.get(k) for k in ("features", "env", "script")):
                continue
        if any(k not in SAME_FIELDS for k in m):
            continue
        sid = m.get("alert.signature_id", m.get("alert.sid"))
        if sid is not None and int(sid) not in sids:
            continue
        for k in ("count", "lt", "gt"):
            if k in f:
                out.append((i, m, (k, int(f[k]))))
                break
    return out


def get(ev, dotted):
    cur = ev
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return None
        cur = cur[part]
    return cur


def rule_sids(path):
    sids = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.lstrip().startswith("#"):
                continue
            m = re.search(r"[(;]\s*sid\s*:\s*(\d+)\s*;", line)
            if m:
                sids.add(int(m.group(1)))
    return sids


def rules_check(seawall, rules):
    r = subprocess.run([seawall, "rules", "check", rules], capture_output=True, text=True)
    m = re.search(r"suricata: (\d+) files, (\d+) rules loaded, (\d+) left out, (\d+) failed",
                  r.stdout)
    if not m:
        return "rules check gave no summary"
    loaded, left, failed = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if failed:
        return "a rule fails in seawall"
    if left:
        kw = re.search(r"unsupported keyword '([^']*)'", r.stdout)
        return "unsupported keyword " + (kw.group(1) if kw else "?")
    if loaded == 0:
        return "no rules"
    return None


def run_test(seawall, tdir, test, sids, outdir):
    eve = os.path.join(outdir, "eve.json")
    cmd = [seawall, "pcap", *pcaps(tdir, test), "--rules", os.path.join(tdir, "test.rules"),
           "--no-cache", "-w", "1", "-o", eve]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode not in (0, 1):
        return None, "seawall pcap exit %d: %s" % (r.returncode, r.stderr.strip()[-200:])
    events = []
    with open(eve, encoding="utf-8") as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            if ev.get("event_type") == "alert" and get(ev, "alert.signature_id") in sids:
                events.append(ev)
    return events, None


def matches(ev, m):
    for k, v in m.items():
        if k == "alert.sid":
            k = "alert.signature_id"
        got = get(ev, k)
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if got != v:
                return False
        elif str(got) != str(v):
            return False
    return True


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    seawall, sv = argv[1], argv[2]
    out, failures, only, known = None, None, None, None
    i = 3
    while i < len(argv):
        if argv[i] == "--out":
            out = argv[i + 1]
        elif argv[i] == "--failures":
            failures = argv[i + 1]
        elif argv[i] == "--only":
            only = argv[i + 1]
        elif argv[i] == "--known":
            known = argv[i + 1]
        else:
            print("sv_run: unknown option " + argv[i], file=sys.stderr)
            return 2
        i += 2
    root = os.path.join(sv, "tests")
    if not os.path.isdir(root):
        print("sv_run: %s has no tests/ folder" % sv, file=sys.stderr)
        return 2
    covered = checks = passed = failed = 0
    reasons = {}
    fails = []
    tmp = out or tempfile.mkdtemp(prefix="sv_run.")
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        if "test.yaml" not in filenames:
            continue
        name = os.path.relpath(dirpath, root)
        if only and only != name:
            continue
        try:
            with open(os.path.join(dirpath, "test.yaml"), encoding="utf-8") as f:
                test = yaml.safe_load(f) or {}
        except Exception:
            reasons["test.yaml not readable"] = reasons.get("test.yaml not readable", 0) + 1
            continue
        why = not_covered_reason(dirpath, test)
        if why is None:
            why = rules_check(seawall, os.path.join(dirpath, "test.rules"))
        sids = rule_sids(os.path.join(dirpath, "test.rules")) if why is None else set()
        ac = alert_checks(test, sids) if why is None else []
        if why is None and not ac:
            why = "no comparable alert check"
        if why is not None:
            reasons[why] = reasons.get(why, 0) + 1
            continue
        tout = os.path.join(tmp, name.replace("/", "_"))
        os.makedirs(tout, exist_ok=True)
        events, err = run_test(seawall, dirpath, test, sids, tout)
        covered += 1
        tfail = False
        for idx, m, (kind, n) in ac:
            checks += 1
            if events is None:
                ok, got = False, err
            else:
                got = sum(1 for e in events if matches(e, m))
                ok = (got == n if kind == "count" else got < n if kind == "lt" else got > n)
            if not ok:
                tfail = True
                sid = m.get("alert.signature_id", m.get("alert.sid", "*"))
                fails.append("%s\tcheck %d\tsid %s\t%s %d\tgot %s" % (name, idx, sid, kind, n, got))
        if tfail:
            failed += 1
        else:
            passed += 1
    if failures:
        with open(failures, "w", encoding="utf-8") as f:
            f.write("# test\tcheck\tsid\texpected\tgot\n")
            for line in fails:
                f.write(line + "\n")
    for line in fails:
        print("FAIL " + line)
    print("sv: not covered:")
    for why, n in sorted(reasons.items(), key=lambda x: -x[1]):
        print("  %5d  %s" % (n, why))
    print("sv: %d tests covered (%d checks), %d passed, %d failed, %d not covered"
          % (covered, checks, passed, failed, sum(reasons.values())))
    if known is None:
        return 1 if failed else 0
    return compare_known(known, fails, only)


def compare_known(path, fails, only):
    """Failures against the accepted differences: both values must agree."""
    want = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 6 or not cols[5].strip():
                print("sv: %s:%d: want 6 tab-separated columns, the last a reason" % (path, n))
                return 1
            if only is None or cols[0] == only:
                want["\t".join(cols[:5])] = cols[5]
    got = set(fails)
    bad = 0
    for k in sorted(got - set(want)):
        print("sv: not a known difference: " + k)
        bad += 1
    for k in sorted(set(want) - got):
        print("sv: known difference no longer seen (or with other values): %s (%s)" % (k, want[k]))
        bad += 1
    print("sv: %d failed checks, %d of them known differences with their reasons, %d unexplained"
          % (len(got), len(got & set(want)), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
