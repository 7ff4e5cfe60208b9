#!/usr/bin/env python3
"""files_live.py - one `seawall run` watching one tree: file actions and their events.

Usage: files_live.py --seawall BIN --tree DIR --mode MODE --work DIR [--expect-source NAME]
                     [--scan-interval 1s]

Starts the daemon as nobody with files.paths [TREE], files.mode MODE, the default rules and
one scan thread, waits for READY (the log line), checks that the first start reported no fim
event and that the scan thread runs at files.nice 10 and best-effort I/O priority 7, then
performs each action and compares the events it raised with the expected ones (and, with
fanotify, that the writer named in file.process and fim.process is this script):

  live modes: after each action a sentinel file is written under TREE/.s/; its fileinfo (from
    the scan thread's ring) and its fim event (from the fim thread's ring) mark the point by
    which every event of the action has been written, since each ring is first in, first out.
  scan mode: the action's events are those of the next two complete walks (log lines).

Events are compared as (type, action, path, old_path, changed) with sentinel events left out;
no check depends on how long anything takes (waits only give up after a generous bound).
Prints "ok - ..." / "not ok - ..." / "skip - ..." lines; exits 1 on any failure. Started at a
niceness above files.nice (10: `nice -n 19 sh files_live.sh`), the scan threads cannot lower
theirs to 10 once the daemon has dropped its privileges: that one check is skipped, saying
so, never passed.
"""
import argparse
import json
import os
import pwd
import signal
import stat
import subprocess
import sys
import time

WEBSHELL = b'<?php if (isset($_POST["c"])) { system($_POST["c"]); } ?>'
RULE = "seawall_webshell_php_exec_input"
WAIT = 120  # seconds before an awaited event counts as never coming

passed = failed = skipped = 0


def ok(msg):
    global passed
    passed += 1
    print("ok - " + msg, flush=True)


def bad(msg):
    global failed
    failed += 1
    print("not ok - " + msg, flush=True)


def skip(msg):
    global skipped
    skipped += 1
    print("skip - " + msg, flush=True)


class Eve:
    """Reads the EVE file as it grows."""

    def __init__(self, path):
        self.path, self.off, self.buf, self.events = path, 0, b"", []

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.off)
                data = f.read()
        except FileNotFoundError:
            return
        self.off += len(data)
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.events.append(json.loads(line))


def key(e):
    """(type, action, path, old_path, changed) of a file event; None for others."""
    t = e.get("event_type")
    if t == "fileinfo":
        return ("fileinfo", None, e["fileinfo"]["filename"], None, None)
    if t == "alert" and "yara" in e:
        return ("alert", e["yara"]["rule"], e["fileinfo"]["filename"], None, None)
    if t == "alert" and e.get("seawall", {}).get("detector") == "ioc":
        return ("ioc", e["alert"]["signature"], e["fileinfo"]["filename"], None, None)
    if t == "fim":
        f = e["fim"]
        return ("fim", f["action"], f["path"], f.get("old_path"),
                tuple(sorted(f.get("changed", []))))
    return None


def wait_until(cond, what):
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    bad("gave up waiting for " + what)
    return False


class Run:
    def __init__(self, a):
        self.a = a
        self.tree = a.tree
        self.live = a.mode != "scan"
        self.eve = Eve(os.path.join(a.work, "eve.json"))
        self.log = os.path.join(a.work, "log")
        self.seen = 0
        self.n_sync = 0
        self.proc = None

    def start(self, wait_ready=True):
        """Start the daemon; unless wait_ready is false, wait for READY (the log line)."""
        w = self.a.work
        cfg = os.path.join(w, "seawall.yaml")
        with open(cfg, "w") as f:
            f.write(f"""agent: {{user: nobody, group: nogroup, run_dir: {w}/run, state_dir: {w}/state,
        log_level: info}}
network: {{interfaces: []}}
rules: {{dir: {w}/rules}}
files:
  paths: [{self.tree}]
  mode: {self.a.mode}
  scan_interval: {self.a.scan_interval}
  scan_threads: 1
{getattr(self.a, "extra", "")}outputs: [{{type: file, path: {w}/out/eve.json, types: [alert, fileinfo, fim]}}]
stats: {{interval: 1h}}
""")
        self.eve.path = os.path.join(w, "out", "eve.json")
        self.proc = subprocess.Popen([self.a.seawall, "run", "-c", cfg],
                                     stderr=open(self.log, "w"), stdout=subprocess.DEVNULL)
        if not wait_ready:
            return True
        if not wait_until(lambda: "start-up walk done" in self.logtext() or
                          self.proc.poll() is not None, "READY"):
            return False
        if self.proc.poll() is not None:
            bad(f"seawall exited {self.proc.returncode} at start-up: {self.logtext()[-400:]}")
            return False
        ok(f"{self.a.mode}: READY after the start-up walk")
        if self.a.expect_source:
            want = f"files: {self.tree}: {self.a.expect_source}"
            if want in self.logtext():
                ok(f"the log names the source: '{want}'")
            else:
                bad(f"the log does not say '{want}': {self.logtext()[-600:]}")
        return True

    def logtext(self):
        try:
            return open(self.log, errors="replace").read()
        except FileNotFoundError:
            return ""

    def fresh(self):
        """Events since the last call, sentinels left out."""
        self.eve.poll()
        out = [e for e in self.eve.events[self.seen:]]
        self.seen = len(self.eve.events)
        return [e for e in out if key(e) is not None and "/.s/" not in key(e)[2]]

    def sync(self):
        """Return the events raised since the last sync (see the module comment)."""
        if self.live:
            self.n_sync += 1
            p = os.path.join(self.tree, ".s", str(self.n_sync))
            with open(p, "w") as f:
                f.write(str(self.n_sync))

            def arrived():
                self.eve.poll()
                ks = [key(e) for e in self.eve.events[self.seen:]]
                return (("fileinfo", None, p, None, None) in ks and
                        any(k and k[0] == "fim" and k[2] == p for k in ks))
            wait_until(arrived, "the events of sentinel " + p)
            return self.fresh()
        walks = self.logtext().count("walk (files.scan_interval)")
        wait_until(lambda: self.logtext().count("walk (files.scan_interval)") >= walks + 2,
                   "two scheduled walks")
        return self.fresh()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            bad("SIGTERM: seawall did not exit")
            return
        if rc == 0:
            ok(f"{self.a.mode}: SIGTERM: exit 0")
        else:
            bad(f"SIGTERM: exit {rc}: {self.logtext()[-400:]}")


def check(name, got, want, either=None):
    gk = sorted(key(e) for e in got)
    wk = sorted(want)
    if gk == wk or (either is not None and gk == sorted(either)):
        ok(f"{name}: {len(gk)} events as expected")
    else:
        bad(f"{name}: got {gk}, expected {wk}" + (f" or {sorted(either)}" if either else ""))


def fim(action, path, old=None, changed=()):
    return ("fim", action, path, old, tuple(sorted(changed)))


def fileinfo(path):
    return ("fileinfo", None, path, None, None)


def alert(path):
    return ("alert", RULE, path, None, None)


def write(path, data, mode="wb"):
    with open(path, mode) as f:
        f.write(data)


def actions(r):
    t = r.tree
    live, scan = r.live, not r.live
    a, b, sub = f"{t}/a.txt", f"{t}/b.txt", f"{t}/sub"
    nobody = pwd.getpwnam("nobody").pw_uid

    # In scan mode nothing is seen as it happens: the walk diff reports what differs.
    def fi(path):
        return [fileinfo(path)] if live else []

    fan = r.a.mode in ("fanotify", "fanotify-dirs") or r.a.expect_source in ("fanotify",
                                                                          "fanotify-dirs")
    write(a, b"one")
    got = r.sync()
    check("create a.txt", got, fi(a) + [fim("added", a)])
    # fanotify names the writer: this process. (inotify and walks do not know it.)
    me = {"pid": os.getpid(), "comm": open("/proc/self/comm").read().strip()}
    procs = [(e.get("file") or {}).get("process") if e["event_type"] == "fileinfo" else
             e.get("fim", {}).get("process") for e in got]
    if fan and procs and all(p == me for p in procs):
        ok(f"create a.txt: the writer in file.process and fim.process: {me}")
    elif fan:
        bad(f"create a.txt: writer {procs}, want {me} in each")
    elif any(procs):
        bad(f"create a.txt: a writer without fanotify: {procs}")
    write(a, b"two")
    check("overwrite a.txt (same size)", r.sync(), fi(a) + [fim("modified", a, None,
                                                                 ["mtime", "sha256"])])
    write(a, b"three", "ab")
    check("append to a.txt", r.sync(), fi(a) + [fim("modified", a, None,
                                                     ["mtime", "sha256", "size"])])
    os.truncate(a, 0)  # truncate(2) by path: no close, so no live event of its own
    os.chmod(a, 0o600)
    check("truncate(2) then chmod a.txt", r.sync(),
          [fim("modified", a, None, ["mode", "mtime", "sha256", "size"])])
    os.chown(a, nobody, -1)
    check("chown a.txt", r.sync(), [fim("attributes", a, None, ["uid"])])
    os.mkdir(sub)
    check("mkdir sub", r.sync(), [])
    os.rename(a, b)
    check("rename a.txt -> b.txt", r.sync(), [fim("moved", b, a)])
    os.rename(b, f"{sub}/b.txt")
    check("rename b.txt -> sub/b.txt", r.sync(), [fim("moved", f"{sub}/b.txt", b)])
    os.link(f"{sub}/b.txt", f"{t}/c.txt")
    check("hard link c.txt", r.sync(), [fim("added", f"{t}/c.txt")])
    os.symlink("sub/b.txt", f"{t}/d.lnk")
    check("symlink d.lnk", r.sync(), [fim("added", f"{t}/d.lnk")])
    os.unlink(f"{t}/c.txt")
    check("delete c.txt", r.sync(), [fim("deleted", f"{t}/c.txt")])
    write(f"{t}/tmp.txt", b"new content")
    check("replace by rename, 1: write tmp.txt", r.sync(),
          fi(f"{t}/tmp.txt") + [fim("added", f"{t}/tmp.txt")])
    os.rename(f"{t}/tmp.txt", f"{sub}/b.txt")
    got = r.sync()
    # Live: one rename over an existing file: modified, with the name it came from. A walk
    # cannot see a rename: the file it replaced changed, and tmp.txt went.
    want = ([("fim", "modified", f"{sub}/b.txt", f"{t}/tmp.txt")] if live else
            [("fim", "modified", f"{sub}/b.txt", None), ("fim", "deleted", f"{t}/tmp.txt", None)])
    gk = sorted(k[:4] for k in map(key, got))
    if gk == sorted(want):
        ok(f"replace by rename, 2: rename tmp.txt over sub/b.txt: {gk}")
    else:
        bad(f"replace by rename, 2: got {gk}, expected {want}")
    # Written and unlinked before any scan: fanotify scans the descriptor it handed over.
    x = f"{t}/x.php"
    write(x, WEBSHELL)
    os.unlink(x)
    full = [alert(x), fileinfo(x), fim("added", x), fim("deleted", x)]
    if fan:
        check("write then unlink x.php (scanned through the descriptor)", r.sync(), full)
    elif live:  # inotify reopens the name: scanned only when it was faster than the unlink
        check("write then unlink x.php (inotify: all or nothing)", r.sync(), [], full)
    else:
        check("write then unlink x.php (never seen by a walk)", r.sync(), [])
    # The web shell: its alert comes before its fileinfo (one thread, one ring, in order).
    s = f"{t}/shell.php"
    write(s, WEBSHELL)
    got = r.sync()
    check("web shell shell.php", got, ([alert(s), fileinfo(s)] if live else [alert(s)]) +
          [fim("added", s)])
    kinds = [key(e)[0] for e in got if key(e)[0] in ("alert", "fileinfo")]
    if live and kinds == ["alert", "fileinfo"]:
        al = [e for e in got if e["event_type"] == "alert"][0]
        ok(f"web shell: alert then fileinfo; detector {al['seawall']['detector']}, "
           f"sha256 {al['fileinfo']['sha256'][:12]}...")
    elif live:
        bad(f"web shell: events in the order {kinds}")
    # Special files are recorded, never opened.
    os.mkfifo(f"{t}/p.fifo")
    os.mknod(f"{t}/null.dev", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    check("FIFO and device node", r.sync(),
          [fim("added", f"{t}/p.fifo"), fim("added", f"{t}/null.dev")])
    os.symlink("loop2", f"{t}/loop1")
    os.symlink("loop1", f"{t}/loop2")
    check("symlink loop", r.sync(), [fim("added", f"{t}/loop1"), fim("added", f"{t}/loop2")])
    # A hostile name: a newline and a byte that is not UTF-8.
    evil = os.fsencode(t) + b"/evil\nname\xff.txt"
    write(evil, b"x")
    got = r.sync()
    names = [key(e)[2] for e in got]
    # Not UTF-8: EVE keeps the name with every byte outside printable ASCII as \xNN.
    esc = f"{t}/evil\\x0aname\\xff.txt"
    if len(got) == (2 if live else 1) and all(n == esc for n in names):
        ok(f"hostile name: {len(got)} events, the name escaped as {esc[len(t):]!r}")
    else:
        bad(f"hostile name: {[key(e) for e in got]}")


def retro_hunt(r):
    """A rule added after a file was written finds it at the reload (files.retro_hunt)."""
    t = r.tree
    p = f"{t}/retro.txt"
    write(p, b"nothing to see: seawall-retro-marker-7q")
    check("retro.txt written before its rule exists", r.sync(),
          [fileinfo(p), fim("added", p)])
    with open(os.path.join(r.a.work, "rules", "retro.yar"), "w") as f:
        f.write('rule seawall_test_retro { strings: $a = "seawall-retro-marker-7q" '
                'condition: $a }\n')
    r.proc.send_signal(signal.SIGHUP)

    def found():
        r.eve.poll()
        return any(key(e) == ("alert", "seawall_test_retro", p, None, None)
                   for e in r.eve.events[r.seen:])
    if wait_until(found, "the retro-hunt alert for retro.txt"):
        ok("after the reload, the retro-hunt scanned retro.txt with the new rule: alert")
    if "retro-hunt: rescanning" in r.logtext():
        ok("the log says how many files the retro-hunt rescans")
    else:
        bad(f"no retro-hunt log line: {r.logtext()[-300:]}")
    r.fresh()
    # An IOC list loaded by the same reload: a file with a listed hash raises an ioc alert.
    data = b"a sample the city's CERT shared: seawall-ioc-sample-3f"
    import hashlib
    with open(os.path.join(r.a.work, "rules", "cert.sha256"), "w") as f:
        f.write("# shared by the CERT\n" + hashlib.sha256(data).hexdigest() + "\n")
    r.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: r.logtext().count("reload: ") >= 2 and
               r.logtext().count("reloaded:") >= 2, "the second reload")
    s = f"{t}/sample.bin"
    write(s, data)
    got = r.sync()
    iocs = [key(e) for e in got if key(e)[0] == "ioc"]
    if len(iocs) == 1 and iocs[0][2] == s:
        ok(f"IOC list: sample.bin raises one ioc alert ({iocs[0][1]})")
    else:
        bad(f"IOC list: {[key(e) for e in got]}")


def scan_priorities(r):
    """The scan threads run at files.nice (10) and the lowest best-effort I/O priority."""
    seen = []
    for tid in os.listdir(f"/proc/{r.proc.pid}/task"):
        try:
            comm = open(f"/proc/{r.proc.pid}/task/{tid}/comm").read().strip()
            stat_ = open(f"/proc/{r.proc.pid}/task/{tid}/stat").read()
        except OSError:
            continue
        if not comm.startswith("sw-scan"):
            continue
        nice = int(stat_[stat_.rindex(")") + 2:].split()[16])
        io = subprocess.run(["ionice", "-p", tid], capture_output=True, text=True).stdout.strip()
        seen.append((comm, nice, io))
    # The daemon starts at this script's niceness. An unprivileged thread may raise its
    # niceness but never lower it, and the scan threads set theirs after the privilege drop:
    # from above 10 they cannot reach 10, which says nothing about seawall.
    start = os.getpriority(os.PRIO_PROCESS, 0)
    if start > 10:
        if seen and all(io == "best-effort: prio 7" for _, _, io in seen):
            ok(f"scan threads: I/O best-effort prio 7 ({len(seen)} thread(s))")
        else:
            bad(f"scan threads' I/O priorities: {seen}")
        skip(f"scan threads' nice 10: the test started at nice {start}, above files.nice 10, "
             "and a thread without CAP_SYS_NICE cannot lower its niceness: run without nice "
             f"(threads: {seen})")
    elif seen and all(n == 10 and io == "best-effort: prio 7" for _, n, io in seen):
        ok(f"scan threads: nice 10, I/O best-effort prio 7 ({len(seen)} thread(s))")
    else:
        bad(f"scan threads' priorities: {seen} (the test started at nice {start})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seawall", required=True)
    ap.add_argument("--tree", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--expect-source", default="")
    ap.add_argument("--scan-interval", default="12h")
    ap.add_argument("--retro", action="store_true", help="also test the retro-hunt")
    a = ap.parse_args()
    r = Run(a)
    if not r.start():
        if r.proc and r.proc.poll() is None:
            r.proc.kill()
        return 1
    first = [key(e) for e in r.fresh() if key(e)[0] == "fim"]
    if not first:
        ok("first start: the baseline is built without fim events")
    else:
        bad(f"first start reported {first}")
    scan_priorities(r)
    try:
        actions(r)
        if a.retro:
            retro_hunt(r)
    except Exception as ex:  # a failed file operation is a failed test, not a crash
        bad(f"actions stopped: {ex!r}")
    r.stop()
    print(f"files_live {a.mode}: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
