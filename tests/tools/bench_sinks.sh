#!/bin/sh
# bench_sinks.sh SEAWALL [EVENTS] - throughput and CPU of the http and kafka sinks (make bench).
#
# tests/tools/sinkdrive sends EVENTS alerts (default 100000) through the real router to one
# sink, against a receiver on 127.0.0.1: librdkafka's mock cluster (tests/tools/kafkamock,
# 3 brokers) for kafka, tests/tools/httpsink.py for elasticsearch and splunk. Each sink runs
# with spool.mode off and with spool.mode always (fsync: batch, the default). Printed per run:
# events/s (wall time from the first event to the last acknowledgement), CPU seconds of the
# seawall side per 100k events (all its threads: generating and encoding the alerts, the
# router, the sink and its library's threads), and the same minus a baseline run into a file
# sink on /dev/null (the sink's own cost). The receivers run on the same 2 cores, so the
# events/s of the http sinks are bounded by the Python receiver, not by seawall.
SW=$(realpath "${1:?usage: bench_sinks.sh SEAWALL [EVENTS]}")
N=${2:-100000}
cd "$(dirname "$0")/../.." || exit 2
TOOLS=$(dirname "$SW")/tools
[ -x "$TOOLS/sinkdrive" ] && [ -x "$TOOLS/kafkamock" ] || {
    echo "bench_sinks: build $TOOLS/sinkdrive and kafkamock first (make tools-bins)"
    exit 2
}
T=$(mktemp -d /tmp/seawall-bench-sinks.XXXXXX)
PIDS=
cleanup() {
    exec 3>&- 2>/dev/null
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

waitfile() { n=0; while [ ! -s "$1" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done; }

mkfifo "$T/ctl"
"$TOOLS/kafkamock" 3 <"$T/ctl" >"$T/mock.out" 2>/dev/null &
PIDS="$PIDS $!"
exec 3>"$T/ctl"
echo "topic bench 6" >&3
for m in es hec; do
    python3 tests/tools/httpsink.py --mode $m --token tok --log /dev/null --port-file "$T/$m.port" &
    PIDS="$PIDS $!"
done
waitfile "$T/mock.out"
waitfile "$T/es.port"
waitfile "$T/hec.port"
BS=$(sed -n 's/^bootstrap //p' "$T/mock.out" | sed 's/,/, /g')

# drive LABEL MODE SINK: one sinkdrive run; prints "events seconds cpu acked"
drive() {
    rm -rf "$T/spool" "$T/state"
    mkdir -p "$T/spool" "$T/state"
    cat >"$T/b.yaml" <<EOF
agent: {id: bench, state_dir: $T/state}
outputs:
  - {name: s, $3, queue: {max_events: 1048576, max_bytes: 1GiB}}
spool: {dir: $T/spool, mode: $2}
EOF
    "$TOOLS/sinkdrive" -c "$T/b.yaml" -n "$N" -w 120 2>>"$T/drive.err" |
        python3 -c 'import json,sys; d=json.load(sys.stdin); s=d["sinks"][0]
print(d["events"], d["seconds"], d["cpu"], s["acked"])'
}

base=$(drive baseline off "type: file, path: /dev/null")
base_cpu=$(echo "$base" | cut -d' ' -f3)
printf '%-28s %12s %14s %16s\n' "sink (spool)" "events/s" "CPU s/100k" "sink CPU s/100k"
printf '%-28s %12s %14s %16s\n' "file /dev/null (baseline)" \
    "$(echo "$base" | awk '{ printf "%.0f", $1 / $2 }')" \
    "$(echo "$base" | awk '{ printf "%.2f", $3 * 100000 / $1 }')" "-"
for spec in "kafka|type: kafka, brokers: [$BS], topic: bench" \
    "elasticsearch|type: http, token: tok, url: \"http://127.0.0.1:$(cat "$T/es.port")\"" \
    "elasticsearch gzip|type: http, token: tok, url: \"http://127.0.0.1:$(cat "$T/es.port")\", gzip: true" \
    "splunk (ack)|type: http, format: splunk, token: tok, url: \"http://127.0.0.1:$(cat "$T/hec.port")\", ack_interval: 50ms"; do
    label=${spec%%|*}
    sink=${spec#*|}
    for mode in off always; do
        r=$(drive "$label" $mode "$sink")
        acked=$(echo "$r" | cut -d' ' -f4)
        [ "$acked" = "$N" ] || { echo "bench_sinks: $label ($mode): only $acked of $N acknowledged"; continue; }
        printf '%-28s %12s %14s %16s\n' "$label ($mode)" \
            "$(echo "$r" | awk '{ printf "%.0f", $1 / $2 }')" \
            "$(echo "$r" | awk '{ printf "%.2f", $3 * 100000 / $1 }')" \
            "$(echo "$r $base_cpu" | awk '{ printf "%.2f", ($3 - $5) * 100000 / $1 }')"
    done
done
