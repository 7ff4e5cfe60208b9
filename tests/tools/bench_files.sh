#!/bin/sh
# bench_files.sh SEAWALL - speed of the host side (seawall run with files.paths), as root in a
# mount namespace of its own, on a tmpfs it mounts (the disk is left out: this measures
# seawall, not the storage). Prints figures; asserts nothing.
#   1. Scanning: a tree of BENCH_FILES files (web pages and scripts of 1-8 KiB, one in twenty
#      a 64-512 KiB binary), scanned with the default rules by seawall's start-up walk
#      (files.mode scan, files.fim off: walk, read, SHA-256 and YARA of every file, with
#      files.scan_threads N) and by `yara -r -p N` (rules compiled beforehand with yarac),
#      N = BENCH_THREADS (2); best of 3 each: files/s and MB/s.
#   2. Events: with files.mode fanotify and the baseline on, BENCH_EVENTS new files written as
#      fast as Python can; the time from the first write until the last file's fim event is
#      written (end to end: the kernel, the watcher, the scan pool, SQLite, the output), the
#      kernel events the watcher read (seawall status) and how many a second, and the peak
#      RSS.
#   3. Latency (tests/tools/bench_latency.py): BENCH_LAT small files written one at a time,
#      from each close to its fim and fileinfo lines in the EVE file; then BENCH_LAT/5 web
#      shells padded to 1 MiB, from the close to the alert line.
SW=$(realpath "${1:?usage: bench_files.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
    ! command -v yara >/dev/null 2>&1 || ! command -v yarac >/dev/null 2>&1; then
    echo "bench_files: skipped: needs root, unshare, yara and yarac"
    exit 0
fi
if [ -z "$SEAWALL_FILES_NS" ]; then
    SEAWALL_FILES_NS=1 exec unshare -m --propagation private sh "$0" "$SW"
fi
FILES=${BENCH_FILES:-20000}
EVENTS=${BENCH_EVENTS:-50000}
LAT=${BENCH_LAT:-50}
THREADS=${BENCH_THREADS:-2}
T=$(mktemp -d /tmp/seawall-bench-files.XXXXXX)
chmod 0755 "$T"
DPID=""
cleanup() {
    [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
    umount "$T/fs" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$T/fs" "$T/run" "$T/state" "$T/out" "$T/rules"
mount -t tmpfs -o size=3g tmpfs "$T/fs" || exit 1
cp rules/default/*.yar "$T/rules/"
chown nobody:nogroup "$T/run" "$T/state" "$T/out"

python3 - "$T/fs/tree" "$FILES" <<'EOF'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
words = [b"<html>", b"<?php", b"echo", b"$_GET", b"function", b"return", b"<div>", b"SELECT",
         b"var", b"include", b"</html>", b"require_once"]
total = 0
for i in range(n):
    d = f"{root}/{i % 50}/{i % 7}"
    os.makedirs(d, exist_ok=True)
    if i % 20 == 19:
        data = rnd.randbytes(rnd.randint(64, 512) * 1024)
    else:
        data = b" ".join(rnd.choice(words) for _ in range(rnd.randint(150, 1200)))
    with open(f"{d}/f{i}.{['php', 'html', 'js', 'bin'][i % 4]}", "wb") as f:
        f.write(data)
    total += len(data)
print(f"bench_files: tree of {n} files, {total / 1e6:.1f} MB")
EOF
MB=$(du -sm "$T/fs/tree" | cut -f1)

yarac "$T"/rules/*.yar "$T/compiled.yarc" || exit 1
best_yara=""
for i in 1 2 3; do
    /usr/bin/time -f "%e %M" -o "$T/time" yara -C -r -p "$THREADS" "$T/compiled.yarc" \
        "$T/fs/tree" >/dev/null 2>&1
    set -- $(cat "$T/time")
    case $best_yara in "") best_yara=$1 yrss=$2 ;; *) awk -v a="$1" -v b="$best_yara" 'BEGIN { exit !(a < b) }' && best_yara=$1 ;; esac
done

best_sw=""
for i in 1 2 3; do
    rm -rf "$T/state"/* "$T/out"/*
    cat >"$T/scan.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state, log_level: info}
network: {interfaces: []}
rules: {dir: $T/rules}
files: {paths: [$T/fs/tree], mode: scan, fim: false, scan_threads: $THREADS, nice: 0,
        ionice: none}
outputs: [{type: file, path: $T/out/eve.json}]
EOF
    : >"$T/log" # before the start: the wait below must not read the last run's log
    "$SW" run -c "$T/scan.yaml" 2>"$T/log" &
    DPID=$!
    n=0
    while ! grep -q 'walk at start-up' "$T/log" && [ $n -lt 6000 ]; do sleep 0.1; n=$((n + 1)); done
    ms=$(sed -n 's/.*walk at start-up: .* \([0-9]*\) ms.*/\1/p' "$T/log")
    rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$DPID/status")
    kill -TERM "$DPID"
    wait "$DPID"
    DPID=""
    s=$(awk -v ms="$ms" 'BEGIN { printf "%.2f", ms / 1000 }')
    case $best_sw in "") best_sw=$s swrss=$rss ;; *) awk -v a="$s" -v b="$best_sw" 'BEGIN { exit !(a < b) }' && best_sw=$s ;; esac
done

echo "bench_files: scanning $FILES files, $MB MB, $THREADS threads, default rules (best of 3)"
printf '  %-34s %8s %10s %8s %9s\n' tool seconds files/s MB/s "rss MB"
printf '  %-34s %8s %10.0f %8.1f %9.1f\n' "yara -r -p $THREADS" "$best_yara" \
    "$(echo "$FILES / $best_yara" | bc -l)" "$(echo "$MB / $best_yara" | bc -l)" \
    "$(echo "$yrss / 1024" | bc -l)"
printf '  %-34s %8s %10.0f %8.1f %9.1f\n' "seawall start-up walk (scan, no fim)" "$best_sw" \
    "$(echo "$FILES / $best_sw" | bc -l)" "$(echo "$MB / $best_sw" | bc -l)" \
    "$(echo "$swrss / 1024" | bc -l)"
echo "  seawall / yara time: $(echo "$best_sw / $best_yara" | bc -l | cut -c1-4)"

# --- 2. events ---------------------------------------------------------------------------------
rm -rf "$T/state"/* "$T/out"/*
mkdir -p "$T/fs/live"
cat >"$T/live.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state, log_level: info}
network: {interfaces: []}
rules: {dir: $T/rules}
files: {paths: [$T/fs/live], mode: fanotify, scan_threads: $THREADS}
outputs: [{type: file, path: $T/out/eve.json, types: [fim]}]
EOF
: >"$T/log"
"$SW" run -c "$T/live.yaml" 2>"$T/log" &
DPID=$!
n=0
while ! grep -q 'start-up walk done' "$T/log" && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
python3 - "$T/fs/live" "$EVENTS" "$T/out/eve.json" <<'EOF'
import os, sys, time
root, n, eve = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for d in range(50):
    os.makedirs(f"{root}/{d}", exist_ok=True)
t0 = time.monotonic()
for i in range(n):
    with open(f"{root}/{i % 50}/e{i}", "w") as f:
        f.write(f"event {i}\n")
t1 = time.monotonic()
last = f"{root}/{(n - 1) % 50}/e{n - 1}"
seen, off = 0, 0
while time.monotonic() - t0 < 900:
    with open(eve, "rb") as f:
        f.seek(off)
        data = f.read()
    cut = data.rfind(b"\n") + 1
    off += cut
    seen += data[:cut].count(b'"action":"added"')
    if seen >= n:
        break
    time.sleep(0.05)
t2 = time.monotonic()
print(f"bench_files: {n} files written in {t1 - t0:.1f} s ({n / (t1 - t0):.0f}/s); "
      f"{seen} fim added events, the last {t2 - t1:.1f} s after the last write: "
      f"{seen / (t2 - t0):.0f} files/s end to end")
with open(eve + ".elapsed", "w") as f:
    f.write(f"{t2 - t0:.3f}")
EOF
"$SW" status -c "$T/live.yaml" --json | python3 -c "
import json, sys
f = json.load(sys.stdin)['files']
s = float(open(sys.argv[1]).read())
print(f\"bench_files: watcher read {f['events']} kernel events ({f['events'] / s:.0f}/s over \"
      f\"those {s:.1f} s); overflows {f['overflows']}, \"
      f\"skipped.overflow {f['skipped']['overflow']}, rescans {f['rescans']}\")" \
    "$T/out/eve.json.elapsed"
echo "bench_files: peak RSS $(($(awk '/^VmHWM:/ { print $2 }' "/proc/$DPID/status") / 1024)) MiB"
kill -TERM "$DPID"
wait "$DPID"
DPID=""

# --- 3. latency --------------------------------------------------------------------------------
rm -rf "$T/state"/* "$T/out"/* "$T/fs/live"
mkdir -p "$T/fs/live"
cat >"$T/lat.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state}
network: {interfaces: []}
rules: {dir: $T/rules}
files: {paths: [$T/fs/live], mode: fanotify, scan_threads: $THREADS}
outputs: [{type: file, path: $T/out/eve.json, types: [alert, fileinfo, fim]}]
EOF
: >"$T/log"
"$SW" run -c "$T/lat.yaml" 2>"$T/log" &
DPID=$!
n=0
while ! grep -q 'start-up walk done' "$T/log" && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done
python3 tests/tools/bench_latency.py "$T/fs/live" "$LAT" "$T/out/eve.json"
kill -TERM "$DPID"
wait "$DPID"
DPID=""
