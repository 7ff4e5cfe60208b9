#!/bin/sh
# files_storm.sh SEAWALL - a storm of files in a watched tree (on a tmpfs this test mounts):
#   - READY=1 (on our own NOTIFY_SOCKET) comes only after the start-up walk: at that moment
#     `seawall status` already counts the walk and every file of the tree as read;
#   - 100000 files are then created in 100 directories as fast as Python can, with
#     files.queue_size at its minimum (16), so the scan queue overflows for sure (and the
#     kernel's fanotify queue may as well): the overflow is counted (skipped.overflow,
#     overflows) and logged once, and leads to a rescan;
#   - in the end every one of the files was scanned (a fileinfo event) or found by the rescan
#     (a fim added event): none is lost; and no rescan reports a change that did not happen
#     (no deleted or modified event, nothing of a second, untouched tree);
#   - the daemon's peak RSS (VmHWM) stays under 256 MiB (the figure is printed; the sanitizer
#     build, SEAWALL_SAN set, makes a storm of 20000 and does not judge its RSS);
#   - SIGTERM: exit 0.
# Skips (77) without root or unshare.
SW=$(realpath "${1:?usage: files_storm.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/daemon.inc
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1; then
    echo "skipped: needs root and unshare (util-linux)"
    exit 77
fi
if [ -z "$SEAWALL_FILES_NS" ]; then
    SEAWALL_FILES_NS=1 exec unshare -m --propagation private sh "$0" "$SW"
fi
N=${SEAWALL_STORM_FILES:-100000}
# The sanitizer build is several times slower and larger: a smaller storm, RSS not judged.
[ -n "$SEAWALL_SAN" ] && N=${SEAWALL_STORM_FILES:-20000}
PRE=20000
unmount_fs() {
    umount "$T/fs" 2>/dev/null || umount -l "$T/fs" 2>/dev/null
}
dm_workdir storm unmount_fs

mkdir -p "$T/fs" "$T/run" "$T/state" "$T/out" "$T/rules"
mount -t tmpfs -o size=2g tmpfs "$T/fs" || { bad "cannot mount a tmpfs"; exit 1; }
cp rules/default/*.yar "$T/rules/"
chown nobody:nogroup "$T/run" "$T/state" "$T/out"
# A tree that takes a moment to walk: READY must wait for it.
python3 - "$T/fs/www/pre" "$PRE" <<'EOF'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for d in range(20):
    os.makedirs(f"{root}/{d}", exist_ok=True)
for i in range(n):
    with open(f"{root}/{i % 20}/f{i}", "w") as f:
        f.write(f"pre {i}\n")
EOF
# A second tree nothing touches: a rescan must not report anything of it.
mkdir -p "$T/fs/keep"
for i in 1 2 3 4 5; do echo "kept $i" >"$T/fs/keep/k$i"; done
cat >"$T/seawall.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state, log_level: info}
network: {interfaces: []}
rules: {dir: $T/rules}
files: {paths: [$T/fs/www, $T/fs/keep], mode: fanotify, queue_size: 16, scan_threads: 2}
outputs: [{type: file, path: $T/out/eve.json, types: [fileinfo, fim, alert]}]
stats: {interval: 1h}
EOF
cat >"$T/notify.py" <<'EOF'
import os, socket, subprocess, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
while True:
    msg = s.recv(4096).decode(errors="replace")
    if "READY=1" in msg.split("\n"):
        # The moment READY arrives: what does the daemon say it has done?
        st = subprocess.run([sys.argv[2], "status", "-c", sys.argv[3], "--json"],
                            capture_output=True, text=True)
        with open(sys.argv[4], "w") as f:
            f.write(st.stdout)
        break
EOF
python3 "$T/notify.py" "$T/notify.sock" "$SW" "$T/seawall.yaml" "$T/ready.json" &
PIDS="$PIDS $!"
wait_for 10 test -S "$T/notify.sock" || bad "notify listener did not start"
dm_start "$T/log" env NOTIFY_SOCKET="$T/notify.sock" "$SW" run -c "$T/seawall.yaml"
if wait_for 300 test -s "$T/ready.json"; then
    python3 - "$T/ready.json" "$PRE" <<'EOF' && ok "READY=1 after the start-up walk: status then counts the walk and all $PRE files" || bad "status at READY: $(head -c 400 "$T/ready.json")"
import json, sys
d = json.load(open(sys.argv[1]))["files"]
assert d["ready"] is True and d["walks"] >= 1, d
assert d["files"] >= int(sys.argv[2]), d
EOF
else
    bad "no READY=1: $(tail -n 3 "$T/log")"
fi

python3 - "$T/fs/www/storm" "$N" <<'EOF'
import os, sys, time
root, n = sys.argv[1], int(sys.argv[2])
for d in range(100):
    os.makedirs(f"{root}/{d}", exist_ok=True)
t0 = time.monotonic()
for i in range(n):
    with open(f"{root}/{i % 100}/s{i}", "w") as f:
        f.write(f"storm {i}\n")
print(f"# created {n} files in {time.monotonic() - t0:.1f} s", flush=True)
EOF

# Every storm file is, in the end, either scanned live (fileinfo) or found by the rescan
# (fim added): wait for that, then look at the counters.
cat >"$T/count.py" <<'EOF'
import json, sys
want = int(sys.argv[2])
seen = set()
for line in open(sys.argv[1], "rb"):
    e = json.loads(line)
    t = e.get("event_type")
    if t == "fileinfo":
        p = e["fileinfo"]["filename"]
    elif t == "fim" and e["fim"]["action"] == "added":
        p = e["fim"]["path"]
    else:
        continue
    if "/www/storm/" in p:
        seen.add(p)
print(len(seen))
sys.exit(0 if len(seen) >= want else 1)
EOF
if wait_for 900 python3 "$T/count.py" "$T/out/eve.json" "$N" >/dev/null; then
    ok "all $N storm files were scanned or found by the rescan"
else
    bad "only $(python3 "$T/count.py" "$T/out/eve.json" "$N") of $N storm files reported"
fi
# Quiet: nothing queued, no walk running.
quiet() {
    "$SW" status -c "$T/seawall.yaml" --json >"$T/status.json" 2>/dev/null &&
        python3 -c "
import json,sys
d=json.load(open('$T/status.json'))['files']
sys.exit(0 if d['queued'] == 0 else 1)"
}
wait_for 300 quiet || bad "the scan queue did not drain"
python3 - "$T/status.json" <<'EOF' && ok "overflow counted and followed by a rescan" || bad "overflow: $(head -c 600 "$T/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))["files"]
print(f"# overflows {d['overflows']}, skipped.overflow {d['skipped']['overflow']}, "
      f"rescans {d['rescans']}, walks {d['walks']}, files read {d['files']}")
assert d["overflows"] >= 1 and d["skipped"]["overflow"] >= 1, d
assert d["rescans"] >= 1, d
EOF
python3 - "$T/out/eve.json" <<'EOF' && ok "the rescans reported no change that did not happen (only added files, none of the untouched tree)" || bad "rescans reported changes that did not happen"
import collections, json, sys
other = collections.Counter()
for line in open(sys.argv[1], "rb"):
    e = json.loads(line)
    if e.get("event_type") != "fim":
        continue
    f = e["fim"]
    if f["action"] != "added" or "/fs/keep/" in f["path"]:
        other[(f["action"], f["path"])] += 1
for k, n in list(other.items())[:5]:
    print(f"# unexpected: {k} x{n}")
sys.exit(1 if other else 0)
EOF
grep -o 'events were lost; .* walked again' "$T/log" | head -n 1 | sed 's/^/# /'
n_logged=$(grep -c 'events were lost' "$T/log")
[ "$n_logged" -ge 1 ] && [ "$n_logged" -le 3 ] &&
    ok "the overflow is logged once per episode ($n_logged line(s) for $(grep -o '"overflows":[0-9]*' "$T/status.json") overflows)" ||
    bad "overflow log lines: $n_logged"
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DPID/status")
echo "# peak RSS (VmHWM) $((hwm / 1024)) MiB with $((N + PRE)) files"
if [ -n "$SEAWALL_SAN" ]; then
    echo "# sanitizer build: RSS not judged"
elif [ -n "$hwm" ] && [ "$hwm" -lt $((256 * 1024)) ]; then
    ok "peak RSS $((hwm / 1024)) MiB < 256 MiB"
else
    bad "peak RSS ${hwm} KiB"
fi
dm_stop "$DPID" "$T/log"
echo "files_storm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
