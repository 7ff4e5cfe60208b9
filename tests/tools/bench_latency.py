#!/usr/bin/env python3
"""bench_latency.py TREE N EVE - how long a written file takes to reach the EVE output.

A `seawall run` is watching TREE live and writing file events (fim, fileinfo, alert) to the
file sink EVE. Writes N small files one at a time (a 50 ms pause between) and measures from
each close to its fim and fileinfo lines in EVE (read every millisecond); then N/5 web shells
padded to 1 MiB, from the close to the alert line. Prints the median, the 95th percentile
and the maximum in milliseconds; asserts nothing (a benchmark: the machine may be busy)."""
import json
import random
import sys
import time

WEBSHELL = b'<?php if (isset($_POST["c"])) { system($_POST["c"]); } ?>'


class Eve:
    def __init__(self, path):
        self.path, self.off, self.buf = path, 0, b""

    def lines(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except FileNotFoundError:
            return []
        self.off += len(data)
        self.buf += data
        out = []
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            out.append(json.loads(line))
        return out


def wait_for(eve, path, kinds, t_close):
    """Seconds from t_close until each event type of kinds for path was read."""
    got = {}
    end = t_close + 30
    while len(got) < len(kinds) and time.monotonic() < end:
        now = time.monotonic()
        for e in eve.lines():
            t = e["event_type"]
            p = e.get("fim", {}).get("path") if t == "fim" else e.get("fileinfo", {}).get(
                "filename")
            if p == path and t in kinds and t not in got:
                got[t] = now - t_close
        time.sleep(0.001)
    return got


def row(name, xs, want):
    xs = sorted(xs)
    if not xs:
        print(f"  {name:26s} none of {want} seen")
        return

    def pct(q):
        return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000
    print(f"  {name:26s} {len(xs):3d}/{want:<3d} {pct(0.5):8.1f} {pct(0.95):8.1f} "
          f"{xs[-1] * 1000:8.1f}")


def main():
    root, n, eve = sys.argv[1], int(sys.argv[2]), Eve(sys.argv[3])
    rnd = random.Random(7)
    fims, infos, alerts = [], [], []
    for i in range(n):
        path = f"{root}/lat{i}.txt"
        with open(path, "wb") as f:
            f.write(b"latency %d\n" % i)
        got = wait_for(eve, path, ("fim", "fileinfo"), time.monotonic())
        fims += [got["fim"]] if "fim" in got else []
        infos += [got["fileinfo"]] if "fileinfo" in got else []
        time.sleep(0.05)
    shells = max(n // 5, 1)
    for i in range(shells):
        path = f"{root}/shell{i}.php"
        pad = bytes(rnd.choice(b"abcdefghij \n") for _ in range(512 * 1024))
        with open(path, "wb") as f:
            f.write(pad + WEBSHELL + pad)
        got = wait_for(eve, path, ("alert",), time.monotonic())
        alerts += [got["alert"]] if "alert" in got else []
        time.sleep(0.05)
    print("bench_files: latency from the close to the EVE line (file sink), ms")
    print(f"  {'event':26s} {'seen':>7s} {'median':>8s} {'p95':>8s} {'max':>8s}")
    row("fim (small file)", fims, n)
    row("fileinfo (small file)", infos, n)
    row("alert (1 MiB web shell)", alerts, shells)


if __name__ == "__main__":
    main()
