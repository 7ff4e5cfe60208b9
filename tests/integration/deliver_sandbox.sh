#!/bin/sh
# deliver_sandbox.sh SEAWALL - `seawall run` with its seccomp allow-list enforced (agent.seccomp
# on, a call outside the list kills the daemon) delivering to a kafka sink (librdkafka's
# threads), an elasticsearch and a splunk http sink (libcurl), all by host name
# ("localhost", so both libraries resolve names on threads of their own). Everything runs in
# a private network namespace: seawall captures on its lo (stats events every second are the
# traffic), tests/tools/kafkamock and tests/tools/httpsink.py listen on its 127.0.0.1.
# Checks: every sink acknowledges at least 5 stats events; the elasticsearch sink starts with a
# wrong password in its password_file (HTTP 401: an error, nothing dropped) and delivers once
# the file is fixed and seawall gets SIGHUP; SIGTERM exits 0 (not killed by SIGSYS). Removed
# at the end, also on failure.
SW=$(realpath "${1:?usage: deliver_sandbox.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
TOOLS=$(dirname "$SW")/tools
. tests/integration/netns.inc
if [ ! -x "$TOOLS/kafkamock" ] || ! command -v python3 >/dev/null || ! ns_available; then
    echo "skipped: needs root, network namespaces, python3 and $TOOLS/kafkamock (make tools-bins)"
    exit 77
fi
T=$(mktemp -d /tmp/seawall-sandbox.XXXXXX)
PIDS=
SW_PID=
cleanup() {
    exec 3>&- 2>/dev/null
    [ -n "$SW_PID" ] && kill -9 "$SW_PID" 2>/dev/null
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ns_teardown
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
wait_for() { # SECONDS CMD...: a bound in wall-clock seconds, never a timing assertion
    end=$(($(date +%s) + $1))
    shift
    while [ "$(date +%s)" -le $end ]; do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

NS=seawall-sandbox-$$
ip netns add "$NS" || { echo "not ok - cannot make the namespace"; exit 1; }
ip netns exec "$NS" ip link set lo up
mkdir -p "$T/run" "$T/state" "$T/spool" "$T/rules"
mkfifo "$T/ctl"
ip netns exec "$NS" "$TOOLS/kafkamock" 3 <"$T/ctl" >"$T/mock.out" 2>"$T/mock.err" &
PIDS="$PIDS $!"
exec 3>"$T/ctl"
echo "topic seawall-stats 2" >&3
ip netns exec "$NS" python3 tests/tools/httpsink.py --mode es --basic elastic:right-pw \
    --log "$T/es.log" --port-file "$T/es.port" 2>"$T/es.err" &
PIDS="$PIDS $!"
ip netns exec "$NS" python3 tests/tools/httpsink.py --mode hec --token tok --log "$T/hec.log" \
    --port-file "$T/hec.port" 2>"$T/hec.err" &
PIDS="$PIDS $!"
printf 'wrong-pw\n' >"$T/es.pw"
chmod 0600 "$T/es.pw"
wait_for 10 test -f "$T/es.port" && wait_for 10 test -f "$T/hec.port" &&
    wait_for 10 grep -q '^bootstrap' "$T/mock.out" || { echo "not ok - receivers did not start"; exit 1; }
BS=$(sed -n 's/^bootstrap //p' "$T/mock.out" | sed 's/127\.0\.0\.1/localhost/g; s/,/, /g')
cat >"$T/seawall.yaml" <<EOF
agent: {id: agent-7, user: root, group: root, run_dir: $T/run, state_dir: $T/state,
        log_level: info, seccomp: true}
network: {interfaces: [{name: lo}], workers: 1}
rules: {dir: $T/rules}
outputs:
  - {name: k, type: kafka, brokers: [$BS], topic: "seawall-%{event_type}", types: [stats]}
  - {name: es, type: http, url: "http://localhost:$(cat "$T/es.port")", username: elastic,
     password_file: $T/es.pw, gzip: true, types: [stats], retry: {initial: 100ms, max: 1s}}
  - {name: hec, type: http, url: "http://localhost:$(cat "$T/hec.port")", format: splunk,
     token: tok, ack_interval: 200ms, types: [stats]}
spool: {dir: $T/spool}
stats: {interval: 1s}
EOF
ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml" >"$T/seawall.log" 2>&1 &
SW_PID=$!
# sink NAME FIELD (NAME "min": the least acked of all sinks)
sink() {
    "$SW" status --socket "$T/run/seawall.sock" --json 2>/dev/null |
        python3 -c 'import json, sys
d = json.load(sys.stdin)
if not d.get("seccomp"):
    print(-1)
elif sys.argv[1] == "min":
    print(min(s["acked"] for s in d["sinks"]))
else:
    print([s for s in d["sinks"] if s["name"] == sys.argv[1]][0][sys.argv[2]])' "$1" "$2" 2>/dev/null
}
alive() { kill -0 "$SW_PID" 2>/dev/null; }
at_least() { # NAME N: stop waiting when seawall died
    alive || return 0
    v=$(sink "$1" acked)
    [ -n "$v" ] && [ "$v" -ge "$2" ]
}
has_401() { alive || return 0; sink es last_error | grep -q 'HTTP 401'; }
# The password is wrong at start: the elasticsearch sink reports 401 and keeps its events.
if wait_for 60 has_401 && alive && [ "$(sink es acked)" -eq 0 ] && [ "$(sink es failed)" -eq 0 ]; then
    ok "a wrong password: HTTP 401 reported, nothing acknowledged or dropped"
else
    bad "wrong password: es acked $(sink es acked), last_error $(sink es last_error)"
fi
for s in k hec; do
    wait_for 60 at_least $s 5 && alive && ok "seccomp on: sink $s acknowledged $(sink $s acked) stats events" ||
        bad "sink $s acknowledged $(sink $s acked) (alive: $(alive && echo yes || echo no)): $(tail -n 3 "$T/seawall.log")"
done
# SIGHUP re-reads password_file: what waited is delivered.
printf 'right-pw\n' >"$T/es.pw"
kill -HUP "$SW_PID"
wait_for 60 at_least es 5 && alive &&
    ok "SIGHUP re-read password_file: elasticsearch acknowledged $(sink es acked) events, failed $(sink es failed)" ||
    bad "after SIGHUP: es acked $(sink es acked), last_error $(sink es last_error)"
kill "$SW_PID" 2>/dev/null
wait "$SW_PID"
rc=$?
SW_PID=
[ $rc -eq 0 ] && ok "SIGTERM: exit 0" || bad "seawall exited $rc (159: killed by seccomp)"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
