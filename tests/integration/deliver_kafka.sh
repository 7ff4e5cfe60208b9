#!/bin/sh
# deliver_kafka.sh SEAWALL - the kafka sink against librdkafka's mock cluster (three brokers on
# 127.0.0.1, hosted by tests/tools/kafkamock, steered through a pipe), driven through the real
# router and spool by tests/tools/sinkdrive (both built next to SEAWALL by make tools-bins).
# Read back with kafkamock's consumer and checked by sink_check.py: every event arrives, the
# value is the EVE line unchanged and the key its community_id, in order per key, duplicates
# at most what the sink counted as duplicates_possible. Cases:
#   1. steady state, a topic per event type: no retry, no duplicate;
#   2. injected retriable Produce errors (NOT_LEADER_OR_FOLLOWER, REQUEST_TIMED_OUT) and a
#      leader broker down then up mid-stream;
#   3. every broker down for longer than message.timeout.ms: messages come back (retried),
#      are spooled, and are delivered when the brokers return;
#   4a. events longer than message.max.bytes: rejected (failed) with the reason, the others
#      delivered;
#   4. authorization failure (every Produce answered TOPIC_AUTHORIZATION_FAILED): every event
#      rejected (failed), none retried forever, the reason in last_error (last: the injected
#      errors outlive the case);
#   5. a bad outputs[].kafka property: `seawall config check` and `seawall run` refuse it
#      with the same message naming the property.
# Everything is removed at the end, also on failure (trap).
SW=$(realpath "${1:?usage: deliver_kafka.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
TOOLS=$(dirname "$SW")/tools
if [ ! -x "$TOOLS/kafkamock" ] || [ ! -x "$TOOLS/sinkdrive" ] || ! command -v python3 >/dev/null; then
    echo "skipped: needs $TOOLS/kafkamock and sinkdrive (make tools-bins) and python3"
    exit 77
fi
T=$(mktemp -d /tmp/seawall-kafka.XXXXXX)
MOCK_PID=
cleanup() {
    exec 3>&- 2>/dev/null
    [ -n "$MOCK_PID" ] && kill "$MOCK_PID" 2>/dev/null
    [ -n "$DRIVE_PID" ] && kill "$DRIVE_PID" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
check() {
    out=$(python3 tests/integration/sink_check.py "$@")
    echo "$out"
    pass=$((pass + $(echo "$out" | grep -c '^ok - ')))
    fail=$((fail + $(echo "$out" | grep -c '^not ok - ')))
}
# field JSON SINK_FIELD: a counter of the first sink in sinkdrive's output
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sinks"][0][sys.argv[2]])' "$1" "$2"; }

mkfifo "$T/ctl"
"$TOOLS/kafkamock" 3 <"$T/ctl" >"$T/mock.out" 2>"$T/mock.err" &
MOCK_PID=$!
exec 3>"$T/ctl"
n=0
while ! grep -q '^bootstrap ' "$T/mock.out" 2>/dev/null && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
BS=$(sed -n 's/^bootstrap //p' "$T/mock.out")
[ -n "$BS" ] || { echo "not ok - kafkamock did not start: $(cat "$T/mock.err")"; exit 1; }
ok "mock cluster of 3 brokers at $BS"
BROKERS=$(echo "$BS" | sed 's/,/, /g')

# mock CMD: send a command and wait for its answer (the answer lines are counted; counted
# in the file, not in a variable: a call inside $(...) runs in a subshell, whose count the
# next call would not see, and the next command would then not wait for its answer).
mock() {
    answers=$(($(grep -c '^ok\|^error' "$T/mock.out") + 1))
    echo "$*" >&3
    n=0
    # a bound, not a timing check: a dump of 20,000 messages can take long on a busy machine
    while [ "$(grep -c '^ok\|^error' "$T/mock.out")" -lt $answers ] && [ $n -lt 1800 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    [ $n -lt 1800 ] || echo "kafkamock did not answer '$*'" >&2
    tail -n 1 "$T/mock.out"
}

# config NAME TOPIC [KAFKA_PROPS]
config() {
    mkdir -p "$T/$1/state" "$T/$1/spool"
    cat >"$T/$1/seawall.yaml" <<EOF
agent: {id: agent-7, state_dir: $T/$1/state}
outputs:
  - {name: k, type: kafka, brokers: [$BROKERS], topic: "$2", kafka: {${3:-}},
     retry: {initial: 200ms, max: 2s}}
spool: {dir: $T/$1/spool, fsync: never}
EOF
}

# 1. steady state
mock topic c1-alert 4 >/dev/null
config c1 'c1-%{event_type}'
out=$("$TOOLS/sinkdrive" -c "$T/c1/seawall.yaml" -n 20000 -o "$T/c1/sent" -w 60)
rc=$?
[ $rc -eq 0 ] && [ "$(field "$out" acked)" -eq 20000 ] && [ "$(field "$out" retried)" -eq 0 ] &&
    ok "steady: 20000 acked, none retried" || bad "steady: rc $rc, $out"
[ "$(mock dump c1-alert "$T/c1/got")" = "ok 20000" ] || bad "steady: dump"
check "$T/c1/sent" "$T/c1/got" --kind kafka --dups 0 --label steady

# 2. retriable errors and a leader down and up
mock topic c2-alert 4 >/dev/null
mock err 0 20 6 >/dev/null
mock err 0 10 7 >/dev/null
# librdkafka 2.0's mock broker does not check the idempotent producer's sequence numbers as
# a broker does: a request pipelined behind one that got an injected error is appended, and
# the retried one is then taken for a duplicate (acknowledged, not appended). A real broker
# answers OUT_OF_ORDER_SEQUENCE_NUMBER instead. One request in flight keeps the mock honest.
config c2 'c2-%{event_type}' 'max.in.flight.requests.per.connection: 1'
"$TOOLS/sinkdrive" -c "$T/c2/seawall.yaml" -n 20000 -o "$T/c2/sent" -w 90 -p 5000:4 \
    >"$T/c2/out" &
DRIVE_PID=$!
sleep 1
mock down 1 >/dev/null
sleep 2
mock up 1 >/dev/null
wait $DRIVE_PID
rc=$?
DRIVE_PID=
out=$(cat "$T/c2/out")
[ $rc -eq 0 ] && [ "$(field "$out" acked)" -eq 20000 ] &&
    ok "errors and leader down/up: 20000 acked ($(field "$out" retried) retried)" ||
    bad "errors and leader down/up: rc $rc, $out"
[ "$(mock dump c2-alert "$T/c2/got")" = "ok 20000" ] || echo "# dump: $(tail -n 1 "$T/mock.out")"
check "$T/c2/sent" "$T/c2/got" --kind kafka --dups "$(field "$out" duplicates_possible)" \
    --label "errors and leader down/up"

# 3. every broker down for longer than message.timeout.ms
mock topic c3-alert 4 >/dev/null
config c3 'c3-%{event_type}' 'message.timeout.ms: 2000'
mock down 1 >/dev/null
mock down 2 >/dev/null
mock down 3 >/dev/null
"$TOOLS/sinkdrive" -c "$T/c3/seawall.yaml" -n 5000 -o "$T/c3/sent" -w 120 >"$T/c3/out" &
DRIVE_PID=$!
sleep 7
mock up 1 >/dev/null
mock up 2 >/dev/null
mock up 3 >/dev/null
wait $DRIVE_PID
rc=$?
DRIVE_PID=
out=$(cat "$T/c3/out")
[ $rc -eq 0 ] && [ "$(field "$out" acked)" -eq 5000 ] && [ "$(field "$out" retried)" -gt 0 ] &&
    ok "all brokers down past message.timeout.ms: 5000 acked after $(field "$out" retried) resends" ||
    bad "all brokers down: rc $rc, $out"
[ "$(mock dump c3-alert "$T/c3/got")" = "ok 5000" ] || echo "# dump: $(tail -n 1 "$T/mock.out")"
check "$T/c3/sent" "$T/c3/got" --kind kafka --dups "$(field "$out" duplicates_possible)" \
    --label "all brokers down"

# 4a. message too large (every 10th event longer than message.max.bytes)
mock topic c4a-alert 2 >/dev/null
config c4a 'c4a-%{event_type}' 'message.max.bytes: 1000'
out=$("$TOOLS/sinkdrive" -c "$T/c4a/seawall.yaml" -n 1000 -L 10 -o "$T/c4a/sent" -w 60)
rc=$?
[ $rc -eq 0 ] && [ "$(field "$out" failed)" -eq 100 ] && [ "$(field "$out" acked)" -eq 900 ] &&
    field "$out" last_error | grep -qi 'too large' &&
    ok "message too large: 100 rejected with the reason, 900 acked" ||
    bad "message too large: rc $rc, $out"
[ "$(mock dump c4a-alert "$T/c4a/got")" = "ok 900" ] || echo "# dump: $(tail -n 1 "$T/mock.out")"
check "$T/c4a/sent" "$T/c4a/got" --kind kafka --absent "$(seq -s, 10 10 1000)" \
    --label "message too large"

# 4. authorization failure
mock topic denied 2 >/dev/null
mock err 0 100000 29 >/dev/null
config c4 denied
out=$("$TOOLS/sinkdrive" -c "$T/c4/seawall.yaml" -n 500 -w 60)
rc=$?
[ $rc -eq 0 ] && [ "$(field "$out" failed)" -eq 500 ] && [ "$(field "$out" acked)" -eq 0 ] &&
    ok "authorization failure: 500 rejected, not retried forever" ||
    bad "authorization failure: rc $rc, $out"
field "$out" last_error | grep -qi 'authoriz' && ok "authorization failure named in last_error" ||
    bad "last_error: $(field "$out" last_error)"

# 5. config check and run refuse the same bad property
config c5 c5 'linger.ms: 5, no.such.property: 1'
a=$("$SW" config check -c "$T/c5/seawall.yaml" 2>&1 >/dev/null)
rc1=$?
b=$("$SW" run -c "$T/c5/seawall.yaml" 2>&1 >/dev/null)
rc2=$?
[ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && echo "$a" | grep -q 'outputs\[0\].kafka.no.such.property' &&
    [ "${a#*seawall.yaml}" = "${b#*seawall.yaml}" ] && ok "config check and run refuse kafka.no.such.property alike: $a" ||
    bad "config check ($rc1): $a / run ($rc2): $b"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
