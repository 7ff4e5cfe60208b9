#!/bin/sh
# run_profile.sh SEAWALL - rules.profiling in a running `seawall run` (issue 14): the key is
# reloadable. In a private network namespace, one daemon with a YARA and a Suricata rule:
#   - phase 1, profiling off: the capture is replayed (its alerts come, nothing is profiled);
#   - SIGHUP with rules.profiling true and rules.profiling_limit 5; phase 2 replays it again;
#   - SIGTERM: one rule_profile event, just before the final stats, with the Suricata rule's
#     checks, matches and time and the YARA rules' scans and matches of phase 2 only (each
#     match counted once: phase 1's traffic, before the reload, is not in it), limit 5; and
#     the same table in rules.profile_file (set by the reload), written as the daemon's user.
# Everything (namespace, processes, files) is removed at the end, also on failure.
SW=$(realpath "${1:?usage: run_profile.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/netns.inc
. tests/integration/daemon.inc
if ! ns_available || ! command -v tcpreplay >/dev/null 2>&1; then
    echo "skipped: needs root, network namespaces and tcpreplay"
    exit 77
fi
dm_workdir profile ns_teardown
count() { grep -c "$1" "$T/out/eve.json" 2>/dev/null || true; }

ns_setup "seawall-profile-$$" || { echo "not ok - cannot set up the namespace"; exit 1; }
dm_dirs
cp tests/data/rules-tests/pass/yara-capture/rules.yar "$T/rules/"
printf 'alert tcp any any -> any any (msg:"profile marker"; flow:to_server; content:"SEAWALL-RTEST-UPLOAD"; sid:1000001; rev:2;)\n' \
    >"$T/rules/t.rules"
CAP=tests/data/rules-tests/capture.pcap
conf() { # conf PROFILING [PROFILE_FILE]
    cat >"$T/seawall.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state, log_level: info}
network:
  interfaces: [{name: veth1}]
  workers: 1
  timeouts: {tcp_new: 1s, tcp_established: 1s, tcp_closed: 1s}
ndpi:
  risk_exceptions: {cidrs: [0.0.0.0/0]}
rules: {dir: $T/rules, profiling: $1, profiling_limit: 5, profile_file: "${2:-}"}
outputs:
  - {type: file, path: $T/out/eve.json}
stats: {interval: 1h}
EOF
}
conf false
dm_start "$T/log" ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml"
dm_running "$T/log" && ok "daemon running, rules.profiling false" ||
    bad "daemon did not start: $(tail -n 3 "$T/log")"

ns_replay 0 "$CAP" >/dev/null
# phase 1's alerts: the Suricata rule and two YARA rules, each once
wait_for 30 sh -c "[ \$(grep -c '\"event_type\":\"alert\"' '$T/out/eve.json') -ge 3 ]" &&
    ok "phase 1: the rules alert" || bad "phase 1: $(count '"event_type":"alert"') alerts"
sleep 2 # the flow ends (tcp_closed 1s): phase 2's replay is a flow of its own

conf true "$T/out/rule_perf.log"
kill -HUP "$DPID"
wait_for 30 sh -c "[ \$(grep -c '\"event_type\":\"engine\"' '$T/out/eve.json') -ge 1 ]" &&
    ok "SIGHUP with rules.profiling true: reloaded" || bad "no engine event: $(tail -n 3 "$T/log")"
ns_replay 0 "$CAP" >/dev/null
wait_for 30 sh -c "[ \$(grep -c '\"event_type\":\"alert\"' '$T/out/eve.json') -ge 6 ]" &&
    ok "phase 2: the rules alert again" || bad "phase 2: $(count '"event_type":"alert"') alerts"
sleep 2
[ "$(count '"event_type":"rule_profile"')" -eq 0 ] && ok "no rule_profile event while running" ||
    bad "a rule_profile event before the stop"

dm_stop "$DPID" "$T/log"
PIDS=
python3 - "$T/out/eve.json" >"$T/p" 2>&1 <<'EOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
prof = [i for i, e in enumerate(ev) if e["event_type"] == "rule_profile"]
assert len(prof) == 1, "rule_profile events: %d" % len(prof)
assert ev[-1]["event_type"] == "stats" and prof[0] == len(ev) - 2, "not just before the stats"
p = ev[prof[0]]["seawall"]["rule_profile"]
assert p["limit"] == 5 and p["threads"] == 1, p
rows = {r.get("rule") or r["signature_id"]: r for r in p["rules"]}
s = rows[1000001]
assert s["language"] == "suricata" and s["rev"] == 2 and s["signature"] == "profile marker", s
assert s["matches"] == 1 and s["checks"] >= 1 and "time_ns" in s, s
y = rows["rules.yar:rtest_stream_upload"]
assert y["matches"] == 1 and y["checks"] == 4 and "time_ns" not in y, y
t = p["totals"]
assert t["yara"]["scans"] == 4 and t["yara"]["per_rule_time"] is False, t
assert t["suricata"]["matches"] == 1, t
print("ok")
EOF
[ "$(cat "$T/p")" = ok ] &&
    ok "at the stop: one rule_profile event before the stats, phase 2's checks and matches only" ||
    bad "rule_profile: $(cat "$T/p")"

# rules.profile_file (set by the reload): the same table, written by the daemon as its user
[ "$(grep -c '^# seawall rule profile, ' "$T/out/rule_perf.log" 2>/dev/null)" = 1 ] &&
    grep -Eq "^ +[0-9]+  suricata +1:1000001 .* profile marker$" "$T/out/rule_perf.log" &&
    grep -q "^  yara: 4 scans" "$T/out/rule_perf.log" &&
    [ "$(stat -c %U "$T/out/rule_perf.log")" = nobody ] &&
    ok "rules.profile_file: the table appended at the stop, by the daemon's user" ||
    bad "rules.profile_file: $(cat "$T/out/rule_perf.log" 2>&1; tail -n 3 "$T/log")"

echo "run_profile: $pass passed, $fail failed"
[ $fail -eq 0 ]
