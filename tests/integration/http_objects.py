#!/usr/bin/env python3
"""http_objects.py - seawall's HTTP fileinfo events against tshark's HTTP object export.

For every capture of CORPUS/ndpi-4.2/pcap whose bytes contain "HTTP/1." (a capture without
that string has no HTTP/1.x message tshark could export; see below), run

    tshark -r FILE -q -o tcp.desegment_tcp_streams:TRUE -o tcp.reassemble_out_of_order:TRUE \
        -o http.desegment_headers:TRUE -o http.desegment_body:TRUE \
        -o http.dechunk_body:TRUE -o http.decompress_body:TRUE --export-objects http,DIR

(tshark 4.0's defaults but for tcp.reassemble_out_of_order, which is off by default; seawall
reassembles out-of-order segments, so tshark is asked to do the same; the others are spelled
out so that a user's preferences file cannot change them), take the sha256 of every exported
object, run `seawall pcap --ndpi-dir CORPUS/ndpi-4.2/example` on the same capture (HTTP
fileinfo events are on by default: network.http.bodies) and compare tshark's objects with
seawall's fileinfo sha256 values as multisets: a body that tshark exports N times must be in N
fileinfo events (many captures fetch the same body more than once).

Known differences (--known, a TSV: capture, sha256, kind, tshark count, seawall count, reason)
are objects that seawall is right not to report, each with its cause checked in both
programs' sources; each records how many objects with that sha256 tshark exports and how many
fileinfo events seawall writes for it (fewer):
  kind "not-http": tshark exports bytes that are not an HTTP/1.x body (non-HTTP data on port
      80, continuation data of a connection picked up mid-stream): not counted as objects;
  kind "differs": a real body where seawall's bytes differ for a stated reason: counted as a
      miss in the figure.
The test prints objects, matched and the share, and fails when the share (over objects that
are not "not-http") is below --min (99 %), when a miss is not listed, when a listed entry's
counts are not the current ones, or when a listed entry is no longer a miss (stale: remove
it). Captures without "HTTP/1." are listed by name. Old-format tables (no counts) stop the test
with the command that converts them (tests/tools/known_convert.py).
--variant LABEL:ARGS runs seawall a second time per capture with other arguments (the test
runs `--set network.stream.depth=4KiB --rules rules/default`: bodies larger than the depth,
with stream YARA on): its share is asserted too, its misses are printed but the known
differences are those of the default run.
Exit 0 pass, 1 fail, 77 skipped (tshark missing).
"""
import argparse
import collections
import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

TSHARK_OPTS = ["-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tcp.reassemble_out_of_order:TRUE",
               "-o", "http.desegment_headers:TRUE", "-o", "http.desegment_body:TRUE",
               "-o", "http.dechunk_body:TRUE", "-o", "http.decompress_body:TRUE"]


def has_http(path):
    with open(path, "rb") as f:
        return b"HTTP/1." in f.read()


def tshark_objects(path, tmp):
    """[(object name, sha256, size)] of tshark's HTTP export of path."""
    d = tempfile.mkdtemp(dir=tmp)
    cmd = ["tshark", "-n", "-r", path, "-q"] + TSHARK_OPTS + ["--export-objects", "http," + d]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    out = []
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        out.append((name, hashlib.sha256(data).hexdigest(), len(data)))
    shutil.rmtree(d, ignore_errors=True)
    return out


def seawall_sha256s(sw, path, ndpi_dir, tmp, extra):
    """The multiset (Counter) of fileinfo sha256 values of `seawall pcap` on path, the number
    of fileinfo events, seawall's exit status and the end of its stderr."""
    out = tempfile.mktemp(dir=tmp, suffix=".json")
    cmd = [sw, "pcap", "-w", "1", "-o", out] + extra
    if ndpi_dir:
        cmd += ["--ndpi-dir", ndpi_dir]
    res = subprocess.run(cmd + [path], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, timeout=600)
    got, n = collections.Counter(), 0
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            for line in f:
                e = json.loads(line)
                if e.get("event_type") == "fileinfo":
                    got[e["fileinfo"]["sha256"]] += 1
                    n += 1
        os.unlink(out)
    return got, n, res.returncode, res.stderr.strip()[-300:]


KNOWN_FMT = ("capture<TAB>sha256<TAB>not-http|differs<TAB>tshark objects<TAB>seawall fileinfo"
             "<TAB>reason")
CONVERT = "python3 tests/tools/known_convert.py --seawall build/release/seawall"


def load_known(path):
    """{(capture, sha256): (kind, tshark count, seawall count, reason)}: each entry is a miss,
    fewer seawall fileinfo events than tshark objects with that sha256. A line of the older
    format (no counts) stops the test with the command that converts it."""
    known = {}
    with open(path, encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            p = line.split("\t")
            if len(p) == 4:
                sys.exit("%s:%d: the old format without counts: convert the file with `%s`"
                         % (path, ln, CONVERT))
            if (len(p) != 6 or p[2] not in ("not-http", "differs") or not p[3].isdigit()
                    or not p[4].isdigit() or int(p[4]) >= int(p[3]) or not p[5].strip()):
                sys.exit("%s:%d: want %s (seawall < tshark)" % (path, ln, KNOWN_FMT))
            if (p[0], p[1]) in known:
                sys.exit("%s:%d: %s %s listed twice" % (path, ln, p[0], p[1]))
            known[(p[0], p[1])] = (p[2], int(p[3]), int(p[4]), p[5])
    return known


def one(args, tmp, path):
    """tshark's objects of path and, per variant, seawall's fileinfo sha256 values."""
    name = os.path.basename(path)
    objs = tshark_objects(path, tmp)
    runs = []
    if objs:
        for label, extra in args.variants:
            runs.append(seawall_sha256s(args.seawall, path, args.ndpi_dir, tmp, extra))
    return name, objs, runs


def misses(objs, got):
    """{sha256: (tshark count, seawall count, [object names], size)} where seawall reports
    fewer copies of a body than tshark exports: the objects compared as multisets."""
    by_sha = collections.defaultdict(list)
    for oname, sha, size in objs:
        by_sha[sha].append((oname, size))
    out = {}
    for sha, lst in by_sha.items():
        if got[sha] < len(lst):
            out[sha] = (len(lst), got[sha], [o for o, _ in lst], lst[0][1])
    return out


def compare(label, results, known, ran, args):
    """Print one variant's figure and misses; returns the list of failures."""
    fails = []
    total = matched = excluded = shared = 0
    seen_known = set()
    per = []
    for name, objs, runs in results:
        if not objs:
            continue
        got, nfi, rc, err = runs[label]
        if rc != 0:
            fails.append("%s: seawall pcap exit %d: %s" % (name, rc, err))
        counts = collections.Counter(sha for _, sha, _ in objs)
        miss = misses(objs, got)
        n = m = 0
        for sha, t in counts.items():
            k = known.get((name, sha))
            if k is not None:
                seen_known.add((name, sha))
            now = miss.get(sha)
            if k is not None and label == 0 and (now is None or (now[0], now[1]) != k[1:3]):
                fails.append("%s: %s listed with tshark %d, seawall %d; now tshark %d, seawall "
                             "%d: update or remove the entry" %
                             (name, sha, k[1], k[2], t, min(got[sha], t)))
            if k is not None and k[0] == "not-http":
                excluded += t
                continue
            n += t
            m += min(got[sha], t)
            shared += t if t > 1 else 0
            if now is not None and k is None:
                text = ("%s: %d of %d object(s) %s (%d bytes, sha256 %s) not among seawall's %d "
                        "fileinfo events (%d with that sha256)" %
                        (name, now[0] - now[1], now[0], ",".join(now[2]), now[3], sha, nfi,
                         now[1]))
                if label == 0:
                    fails.append(text)
                else:  # other variants: only their share is asserted
                    print("# [%s] miss: %s" % (args.variants[label][0], text))
        total += n
        matched += m
        per.append((name, n, m, nfi))
    for k in sorted(set(known) - seen_known):
        if label == 0 and k[0] in ran:  # a capture not run here (corpus subset) proves nothing
            fails.append("%s: %s listed in %s but tshark exports no such object: stale"
                         % (k[0], k[1], args.known))
    for name, n, m, nfi in per:
        if args.verbose or m < n:
            print("  [%s] %-45s objects %4d matched %4d (seawall fileinfo %d)"
                  % (args.variants[label][0], name, n, m, nfi))
    share = 100.0 * matched / total if total else 0.0
    vname, vargs = args.variants[label]
    print("[%s] seawall pcap %s" % (vname, " ".join(vargs)))
    print("[%s] tshark HTTP objects: %d, matched by seawall fileinfo sha256 (as multisets: "
          "each copy counts): %d, %.2f%% (not counted: %d listed as not-http; %d objects share "
          "their sha256 with another of the same capture)" %
          (vname, total, matched, share, excluded, shared))
    if total == 0:
        fails.append("tshark exported no HTTP object")
    elif share < args.min:
        fails.append("%.2f%% of tshark's HTTP objects matched, below %.2f%%" % (share, args.min))
    else:
        print("ok - [%s] %.2f%% of tshark's HTTP objects matched (>= %.2f%%)"
              % (vname, share, args.min))
    for f in fails:
        print("not ok - [%s] %s" % (vname, f))
    if not fails and label == 0:
        print("ok - [%s] every miss is a listed known difference with its counts, no stale entry"
              % vname)
    return fails


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--seawall", required=True)
    ap.add_argument("--pcaps", required=True, help="directory of captures")
    ap.add_argument("--ndpi-dir", default="", help="nDPI configuration for --ndpi-dir")
    ap.add_argument("--known", required=True)
    ap.add_argument("--min", type=float, default=99.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--variant", action="append", default=[],
                    help="LABEL:ARG,ARG... another seawall pcap run with these arguments")
    ap.add_argument("--only", default="", help="comma-separated capture names")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    args.variants = [("default", [])]
    for v in args.variant:
        label, _, rest = v.partition(":")
        args.variants.append((label, [x for x in rest.split(",") if x]))
    return args


def main():
    args = parse_args()
    if shutil.which("tshark") is None:
        print("skipped: tshark not installed")
        return 77
    known = load_known(args.known)
    caps = sorted(os.path.join(args.pcaps, n) for n in os.listdir(args.pcaps))
    caps = [c for c in caps if os.path.isfile(c)]
    if args.only:
        caps = [c for c in caps if os.path.basename(c) in args.only.split(",")]
    http = [c for c in caps if has_http(c)]
    print("%d captures, %d contain \"HTTP/1.\" (tshark runs on those)" % (len(caps), len(http)))
    with tempfile.TemporaryDirectory(prefix="http_objects.") as tmp:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            results = list(ex.map(lambda c: one(args, tmp, c), http))
    ran = {os.path.basename(c) for c in http}
    fails = []
    for i in range(len(args.variants)):
        fails += compare(i, results, known, ran, args)
    return 0 if not fails else 1


if __name__ == "__main__":
    sys.exit(main())
