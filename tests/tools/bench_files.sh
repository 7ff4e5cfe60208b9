#!/bin/sh
# bench_files.sh SEAWALL - speed of the host side (seawall run with files.paths), as root in a
# mount namespace of its own, on a tmpfs it mounts (the disk is left out: this measures
# seawall, not the storage). Prints figures; asserts nothing.
#   1. Scanning: a tree of BENCH_FILES files (web pages and scripts of 1-8 KiB, one in twenty
#      a 64-512 KiB binary), scanned with the default rules by seawall's start-up walk
#      (files.mode scan, files.fim off: walk, read and YARA of every file, SHA-256 of those
#      reported, with files.scan_threads N) and by `yara -r -p N` (rules compiled beforehand
#      with yarac), N = each of BENCH_SCAN_THREADS (default "1 2"); BENCH_ROUNDS (3) rounds,
#      yara and seawall in turn: median wall and CPU seconds, files/s and MB/s, and yara's
#      over seawall's round by round (above 1: seawall the faster).
#      BENCH_FILES_SCAN_ONLY=1 stops after this part.
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
THREADS=${BENCH_THREADS:-2} # the live parts (2. and 3.)
SCAN_THREADS=${BENCH_SCAN_THREADS:-1 2}
ROUNDS=${BENCH_ROUNDS:-3}
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

# yara_one N: one `yara -r -p N` run; its wall seconds, peak RSS (KiB) and CPU seconds
# appended to $T/yara-pN.
yara_one() {
    /usr/bin/time -q -f "%e %M %U %S" -o "$T/time" yara -C -r -p "$1" "$T/compiled.yarc" \
        "$T/fs/tree" >/dev/null 2>&1
    awk '{ print $1, $2, $3 + $4 }' "$T/time" >>"$T/yara-p$1"
}
# sw_one N: one start-up walk with files.scan_threads N (the walk's own time from the daemon's
# log: rules are compiled before it); seconds, VmHWM (KiB) and the daemon's CPU seconds so
# far (rule compilation included) appended to $T/sw-tN.
sw_one() {
    rm -rf "$T/state"/* "$T/out"/*
    cat >"$T/scan.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state, log_level: info}
network: {interfaces: []}
rules: {dir: $T/rules}
files: {paths: [$T/fs/tree], mode: scan, fim: false, scan_threads: $1, nice: 0,
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
    # CPU time of every thread so far, in ns (the first field of each schedstat)
    cpu=$(cat "/proc/$DPID/task"/*/schedstat | awk '{ ns += $1 } END { print ns / 1e9 }')
    kill -TERM "$DPID"
    wait "$DPID"
    DPID=""
    awk -v ms="$ms" -v rss="$rss" -v cpu="$cpu" \
        'BEGIN { printf "%.2f %d %.2f\n", ms / 1000, rss, cpu }' >>"$T/sw-t$1"
}
# Rounds interleaved (yara then seawall, each thread count in turn), so that a change in the
# machine's load falls on both; medians reported. On a shared machine the wall times depend
# on how the scheduler shares the CPUs out; the CPU seconds much less.
for n in $SCAN_THREADS; do : >"$T/yara-p$n"; : >"$T/sw-t$n"; done
r=0
while [ $r -lt "$ROUNDS" ]; do
    for n in $SCAN_THREADS; do
        yara_one "$n"
        sw_one "$n"
    done
    r=$((r + 1))
done
med() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "bench_files: scanning $FILES files, $MB MB, default rules, $ROUNDS interleaved rounds (median)"
printf '  %-40s %8s %8s %10s %8s %9s\n' tool seconds "cpu s" files/s MB/s "rss MB"
for n in $SCAN_THREADS; do
    for k in "yara-p$n:yara -r -p $n" "sw-t$n:seawall start-up walk, $n thread(s)"; do
        f=${k%%:*}
        s=$(cut -d' ' -f1 "$T/$f" | med)
        m=$(cut -d' ' -f2 "$T/$f" | sort -n | tail -n 1)
        c=$(cut -d' ' -f3 "$T/$f" | med)
        awk -v t="${k#*:}" -v s="$s" -v c="$c" -v n="$FILES" -v mb="$MB" -v m="$m" 'BEGIN {
            printf "  %-40s %8.2f %8.2f %10.0f %8.1f %9.1f\n", t, s, c, n / s, mb / s, m / 1024 }'
    done
    # yara's time over seawall's (above 1: seawall the faster), round by round, median
    awk 'NR == FNR { y[FNR] = $0; next } { split(y[FNR], a, " "); print a[1] / $1, a[3] / $3 }' \
        "$T/yara-p$n" "$T/sw-t$n" >"$T/ratio"
    printf '  %d thread(s): yara / seawall, median of the rounds: wall %.2f, cpu %.2f\n' "$n" \
        "$(cut -d' ' -f1 "$T/ratio" | med)" "$(cut -d' ' -f2 "$T/ratio" | med)"
done

[ "${BENCH_FILES_SCAN_ONLY:-0}" = 1 ] && exit 0

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
