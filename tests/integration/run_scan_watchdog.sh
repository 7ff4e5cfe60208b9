#!/bin/sh
# run_scan_watchdog.sh SEAWALL - a pathological stream cannot get `seawall run` killed by
# systemd's watchdog (issue 9, item 7). In a private network namespace, under WATCHDOG_USEC=8s
# (the daemon checks progress every 4 s), a YARA rule whose condition runs for minutes meets
# three TCP streams ending together: each scan stops at the time limit the watchdog leaves
# (2 s), the worker shows progress after each one, WATCHDOG=1 keeps coming, no thread is
# reported stalled, and the cut scans are counted (seawall.stream.scan_timeouts).
SW=$(realpath "${1:?usage: run_scan_watchdog.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/netns.inc
. tests/integration/daemon.inc
if ! ns_available || ! command -v tcpreplay >/dev/null 2>&1; then
    echo "skipped: needs root, network namespaces and tcpreplay"
    exit 77
fi
dm_workdir scanwd ns_teardown

ns_setup "seawall-scanwd-$$" || { echo "not ok - cannot set up the namespace"; exit 1; }
dm_dirs
# About 10^9 condition steps on 32 KiB of 'a': minutes without a time limit.
cat >"$T/rules/slow.yar" <<'EOF'
rule slow_loop { strings: $a = "aa" condition: for all i in (1..#a) : (for all j in (1..#a) : (@a[j] >= 0)) }
EOF
python3 tests/tools/mkstreams.py 3 32768 "$T/streams.pcap" || exit 2
cat >"$T/seawall.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state}
network:
  interfaces: [{name: veth1}]
  workers: 1
  timeouts: {tcp_new: 1s, tcp_established: 1s, tcp_closed: 1s}
rules: {dir: $T/rules}
outputs: [{type: file, path: $T/out/eve.json}]
stats: {interval: 1s}
EOF
dm_notify_listen

dm_start "$T/log" env NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=8000000 \
    ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml"
dm_ready || bad "no READY=1: $(tail -n 3 "$T/log")"
ns_replay 0 "$T/streams.pcap" >/dev/null
before=$(grep -c '^WATCHDOG=1' "$T/notify.log")
timeouts() { # the last stats event's seawall.stream.scan_timeouts
    python3 -c "
import json, sys
v = 0
for l in open(sys.argv[1]):
    if '\"event_type\":\"stats\"' in l:
        v = json.loads(l)['seawall']['stream'].get('scan_timeouts', 0)
sys.exit(0 if v >= 3 else 1)" "$T/out/eve.json"
}
if wait_for 90 timeouts; then
    ok "three scans cut at the time limit, counted in seawall.stream.scan_timeouts"
else
    bad "scan_timeouts: $(grep '"event_type":"stats"' "$T/out/eve.json" | tail -n 1 | grep -o '"scan[a-z_]*":[0-9]*' | tr '\n' ' ')"
fi
sleep 5
after=$(grep -c '^WATCHDOG=1' "$T/notify.log")
grep -q 'makes no progress' "$T/log" && bad "a thread was reported stalled: $(grep 'makes no progress' "$T/log" | head -n 1)" ||
    ok "no thread reported stalled while the slow scans ran"
[ "$after" -gt "$before" ] && ok "WATCHDOG=1 kept coming ($before before the streams, $after after)" ||
    bad "WATCHDOG=1 stopped ($before, then $after)"
grep -q 'scan time limit 2 s' "$T/log" && ok "the log states the scan time limit (2 s)" ||
    bad "scan time limit not logged: $(grep running: "$T/log")"
dm_stop "$DPID" "$T/log"
grep -q 'Sanitizer' "$T/log" && bad "sanitizer report: $(grep -A3 Sanitizer "$T/log" | head -n 8)"
echo "run_scan_watchdog: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
