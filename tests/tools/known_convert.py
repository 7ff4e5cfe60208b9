#!/usr/bin/env python3
"""known_convert.py - bring the known-difference tables of the corpus tests to the format that
records both values of each difference, by running the tests' own comparisons.

usage: python3 tests/tools/known_convert.py --seawall build/release/seawall [--corpus DIR]
           [--check] [TABLE...]

Tables (default: all four, in tests/):
  ndpi-known-differences.tsv         old: capture flow what reason
                                     new: capture flow what nDPI seawall reason
  ndpi-reference-overrides.tsv       old: capture reason
                                     new: capture flow what result-file ndpiReader reason
  workers-known-differences.tsv      old: capture reason
                                     new: capture flow field workers-1 workers-3 reason
  http-objects-known-differences.tsv old: capture sha256 kind reason
                                     new: capture sha256 kind tshark seawall reason

Lines already in the new format and comments stay as they are, in place. Each old line is
replaced by what the comparison finds now for it, keeping its reason: an ndpi line by its flow's
two values; an override or workers line (a whole capture) by one line per flow (and field) that
differs in that capture; an http-objects line by tshark's and seawall's counts for that sha256.
An old line that matches no current difference is dropped and named on stderr (the test would
call it fixed or stale). Only the captures named in old lines are run, so a merge that adds a
few old lines converts in seconds. --check only says which files hold old lines (exit 1 if any).
Exit 0 done, 1 old lines found (--check), 2 usage or a failed run.
"""
import argparse
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import http_objects  # noqa: E402  (the test's own code)
import ndpi_corpus  # noqa: E402

TESTS = os.path.normpath(os.path.join(HERE, ".."))
TABLES = {  # file: (old width, new width)
    "ndpi-known-differences.tsv": (4, 6),
    "ndpi-reference-overrides.tsv": (2, 6),
    "workers-known-differences.tsv": (2, 6),
    "http-objects-known-differences.tsv": (4, 6),
}
WORKERS = 3  # as tests/run-all.sh: --compare-workers 3


def read(path):
    """[(line, columns or None for a comment/blank)]"""
    with open(path, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]
    return [(l, None if not l or l.startswith("#") else l.split("\t")) for l in lines]


def old_lines(path, old_w, new_w):
    out = []
    for line, c in read(path):
        if c is None:
            continue
        if len(c) == old_w:
            out.append(c)
        elif len(c) != new_w:
            sys.exit("%s: neither format (%d columns): %s" % (path, len(c), line[:120]))
    return out


def ndpi_runs(args, names, override_caps, workers):
    a = ndpi_corpus.parse_args(["--seawall", args.seawall, "--corpus", args.corpus,
                                "--known", os.devnull, "--jobs", str(args.jobs),
                                "--compare-workers", str(WORKERS if workers else 0)])
    return {r.name: r for r in ndpi_corpus.run_all(a, sorted(names), override_caps)}


def convert_ndpi(args, paths):
    """Old lines of the three nDPI tables -> new lines; returns {path: {old line: [new]}}."""
    olds = {p: old_lines(p, *TABLES[os.path.basename(p)]) for p in paths}
    caps = set()
    workers = False
    override_caps = set()
    for p, lines in olds.items():
        caps |= {c[0] for c in lines}
        if os.path.basename(p) == "workers-known-differences.tsv" and lines:
            workers = True
    ov = os.path.join(TESTS, "ndpi-reference-overrides.tsv")
    if os.path.exists(ov):  # a capture is an override when named in old or new lines
        override_caps = {c[0] for _, c in read(ov) if c is not None}
    if not caps:
        return {}
    runs = ndpi_runs(args, caps, override_caps, workers)
    out = {}
    for p, lines in olds.items():
        kind = os.path.basename(p)
        repl = {}
        for c in lines:
            r = runs.get(c[0])
            new = []
            if r is None:
                print("%s: %s: no such capture with a result file: dropped" % (kind, c[0]),
                      file=sys.stderr)
            elif kind == "ndpi-known-differences.tsv":
                new = [(c[0], ndpi_corpus.key_str(k), w, e, o, c[3]) for k, w, e, o in r.diffs
                       if ndpi_corpus.key_str(k) == c[1] and w == c[2]]
            elif kind == "ndpi-reference-overrides.tsv":
                new = [(c[0], ndpi_corpus.key_str(k), w, e, o, c[1]) for k, w, e, o in r.ref_diffs]
            else:
                new = [(c[0], flow, field, a, b, c[1]) for flow, field, a, b in r.worker or []]
            if not new:
                print("%s: %s: no current difference: dropped" % (kind, " ".join(c[:-1])),
                      file=sys.stderr)
            repl["\t".join(c)] = ["\t".join(n) for n in new]
        out[p] = repl
    return out


def convert_http(args, path):
    lines = old_lines(path, *TABLES["http-objects-known-differences.tsv"])
    if not lines:
        return {}
    pcaps = os.path.join(args.corpus, "ndpi-4.2", "pcap")
    a = http_objects.parse_args(["--seawall", args.seawall, "--pcaps", pcaps,
                                 "--ndpi-dir", os.path.join(args.corpus, "ndpi-4.2", "example"),
                                 "--known", os.devnull])
    res = {}
    with tempfile.TemporaryDirectory(prefix="known_convert.") as tmp:
        for name in sorted({c[0] for c in lines}):
            _, objs, runs = http_objects.one(a, tmp, os.path.join(pcaps, name))
            res[name] = http_objects.misses(objs, runs[0][0] if runs else {})
    repl = {}
    for c in lines:
        m = res[c[0]].get(c[1])
        if m is None:
            print("http-objects-known-differences.tsv: %s %s: not a miss now: dropped" %
                  (c[0], c[1]), file=sys.stderr)
            repl["\t".join(c)] = []
        else:
            repl["\t".join(c)] = ["\t".join((c[0], c[1], c[2], str(m[0]), str(m[1]), c[3]))]
    return {path: repl}


def rewrite(path, repl):
    seen = set()
    out = []
    for line, c in read(path):
        if line in repl:
            for n in repl[line]:
                if n not in seen:  # an old capture-wide line may repeat a new one
                    out.append(n)
                    seen.add(n)
        else:
            if c is not None and line in seen:
                continue
            out.append(line)
            if c is not None:
                seen.add(line)
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    n_old = len(repl)
    n_new = sum(len(v) for v in repl.values())
    print("%s: %d old line(s) -> %d new line(s)" % (os.path.relpath(path), n_old, n_new))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seawall", default="build/release/seawall")
    ap.add_argument("--corpus", default=os.environ.get("SEAWALL_CORPUS", "../shared/corpus"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("tables", nargs="*")
    args = ap.parse_args()
    paths = args.tables or [os.path.join(TESTS, t) for t in TABLES]
    for p in paths:
        if os.path.basename(p) not in TABLES:
            sys.exit("known_convert.py: %s: not one of %s" % (p, ", ".join(TABLES)))
    if args.check:
        found = [p for p in paths if old_lines(p, *TABLES[os.path.basename(p)])]
        for p in found:
            print("%s: holds lines in the old format" % os.path.relpath(p))
        return 1 if found else 0
    if not os.path.isdir(os.path.join(args.corpus, "ndpi-4.2")):
        sys.exit("known_convert.py: corpus not found: %s" % args.corpus)
    if not os.access(args.seawall, os.X_OK):
        sys.exit("known_convert.py: %s: not built (make all)" % args.seawall)
    ndpi_paths = [p for p in paths if not p.endswith("http-objects-known-differences.tsv")]
    http_paths = [p for p in paths if p.endswith("http-objects-known-differences.tsv")]
    todo = convert_ndpi(args, ndpi_paths)
    for p in http_paths:
        todo.update(convert_http(args, p))
    for p in paths:
        if todo.get(p):
            rewrite(p, todo[p])
        else:
            print("%s: nothing to convert" % os.path.relpath(p))
    return 0


if __name__ == "__main__":
    sys.exit(main())
