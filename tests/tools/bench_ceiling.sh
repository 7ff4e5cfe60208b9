#!/bin/sh
# bench_ceiling.sh SEAWALL [EVENTS] - seawall's own ceilings for syslog tcp, tcp JSON lines,
# syslog relp and replay from a full spool, against a receiver that is not the limit
# (make bench, after bench_receiver.sh, which shows rsyslog to be the limit of those rows).
#
# The receiver is tests/tools/discardsink on 127.0.0.1: it reads 1 MiB at a time, counts
# octet-counted frames, JSON lines or RELP syslog commands (answering each at once) and
# throws them away. The sender is tests/tools/benchsink (the router, spool and sinks of
# `seawall run`, fed EVENTS alerts of about 900 bytes already encoded). Printed per row:
#   sw ev/s      benchsink's events/s, first event (or, for a replay, the router's start)
#                to the last acknowledgement (tcp: the receiver's TCP acknowledged the
#                bytes; relp: its rsp);
#   recv ev/s    at the receiver, from its first byte to the EVENTS-th record;
#   sw CPU       seawall's output thread (and relp thread) CPU s per 100k events;
#   1 core       100,000 / sw CPU: events/s those threads would move with one core to
#                themselves (the issue's "per sink on one core");
#   runq         seconds per 100k events those threads were runnable but waiting for a
#                processor (/proc schedstat): on the shared 2 cores, the gap between the
#                two events/s columns and "1 core";
#   recv CPU     the receiver's CPU s per 100k (all its threads): far below sw CPU, it is not
#                the limit;
#   RSS MiB      benchsink's peak RSS.
# Replay: EVENTS alerts spooled with the receiver's port closed (benchsink fill), then the
# receiver is started and a new process delivers them from the spool (drain). Outage: RSS
# after spooling EVENTS and 5 x EVENTS with the receiver down, for two queue sizes: the
# queue's max_bytes, not the outage's length, is what memory follows.
SW=$(realpath "${1:?usage: bench_ceiling.sh SEAWALL [EVENTS]}")
N=${2:-200000}
cd "$(dirname "$0")/../.." || exit 2
TOOLS=$(dirname "$SW")/tools
for t in benchsink discardsink; do
    [ -x "$TOOLS/$t" ] || { echo "bench_ceiling: build $TOOLS/$t first (make tools-bins)"; exit 2; }
done
T=$(mktemp -d /tmp/seawall-bench-ceiling.XXXXXX)
[ -d "$T" ] || exit 2
RECV=
cleanup() {
    [ -n "$RECV" ] && kill "$RECV" 2>/dev/null
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# recv_start MODE: a fresh discardsink counting batches of N; sets PORT
recv_start() {
    recv_stop
    rm -f "$T/port" "$T/recv.out"
    "$TOOLS/discardsink" "$1" "$T/port" "$N" >"$T/recv.out" 2>>"$T/recv.err" &
    RECV=$!
    n=0
    while [ ! -s "$T/port" ] && [ $n -lt 100 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    PORT=$(cat "$T/port")
}
recv_stop() {
    [ -n "$RECV" ] && kill "$RECV" 2>/dev/null && wait "$RECV" 2>/dev/null
    RECV=
}
# recv_line: the receiver's line for the batch just sent (it may still be reading the last
# bytes when benchsink sees the TCP acknowledgement), or nothing after 10 s
recv_line() {
    n=0
    while [ ! -s "$T/recv.out" ] && [ $n -lt 200 ]; do
        sleep 0.05
        n=$((n + 1))
    done
    head -n 1 "$T/recv.out"
}
# conf SPOOL-MODE SINK [QUEUE]: benchsink's configuration, spool and state emptied
conf() {
    rm -rf "$T/spool" "$T/state"
    mkdir -p "$T/spool" "$T/state"
    cat >"$T/s.yaml" <<END_CONF
agent: {id: bench, state_dir: $T/state}
outputs:
  - {name: s, $2, queue: {${3:-max_events: 65536, max_bytes: 256MiB}}}
spool: {dir: $T/spool, mode: $1, max_size: 8GiB}
END_CONF
}
# row LABEL SENDER-LINE RECEIVER-LINE
row() {
    echo "$2 | $3" | awk -v l="$1" -v n="$N" '{
        sw = $6; cpu = $10; rss = $12 / 1024; ok = ($14 == n); wait = $18
        split($0, h, "|"); split(h[2], r, " ")
        if (!ok || r[2] != n || r[12] != 0) {
            printf "%-34s not all delivered: %s\n", l, $0
            exit
        }
        printf "%-34s %9.0f %9.0f %7.2f %9.0f %7.2f %8.2f %7d\n", l, sw, r[8], cpu,
            (cpu > 0 ? 100000 / cpu : 0), wait * 100000 / n, r[10] * 100000 / n, rss
    }'
}
# live LABEL RECV-MODE SPOOL-MODE SINK-WITHOUT-ADDRESS: a queue that holds every event, so
# that spool.mode off drops none (benchsink's producer runs far ahead of any sink)
live() {
    recv_start "$2"
    conf "$3" "$4, address: \"127.0.0.1:$PORT\"" "max_events: 4194304, max_bytes: 4GiB"
    s=$("$TOOLS/benchsink" "$T/s.yaml" "$N" 2>>"$T/bench.err")
    row "$1" "$s" "$(recv_line)"
    recv_stop
}
# replay LABEL RECV-MODE SINK-WITHOUT-ADDRESS
replay() {
    dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    conf always "$3, address: \"127.0.0.1:$dead\", retry: {initial: 10s, max: 10s}"
    "$TOOLS/benchsink" "$T/s.yaml" "$N" fill >/dev/null 2>>"$T/bench.err" ||
        { echo "bench_ceiling: $1: fill failed"; return; }
    recv_start "$2"
    sed -i "s/127.0.0.1:$dead/127.0.0.1:$PORT/" "$T/s.yaml"
    s=$("$TOOLS/benchsink" "$T/s.yaml" "$N" drain 2>>"$T/bench.err")
    row "$1" "$s" "$(recv_line)"
    recv_stop
}

printf '%-34s %9s %9s %7s %9s %7s %8s %7s\n' "sink (spool.mode) -> discardsink" "sw ev/s" \
    "recv ev/s" "sw CPU" "1 core" "runq" "recv CPU" "RSS MiB"
SYSLOG="type: syslog"
RELP="type: syslog, transport: relp"
JSON="type: tcp"
for m in off always; do
    live "syslog tcp ($m)" octet $m "$SYSLOG"
    live "tcp JSON lines ($m)" lines $m "$JSON"
    live "syslog relp, window 128 ($m)" relp $m "$RELP"
done
replay "replay of $N: syslog tcp" octet "$SYSLOG"
replay "replay of $N: tcp JSON lines" lines "$JSON"
replay "replay of $N: syslog relp" relp "$RELP"

# Memory during an outage: the receiver stays down; only the queue is in memory.
echo
printf '%-34s %9s %7s\n' "outage, receiver down" "spooled" "RSS MiB"
dead=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for q in 16 64; do
    for k in 1 5; do
        conf always "$SYSLOG, address: \"127.0.0.1:$dead\", retry: {initial: 10s, max: 10s}" \
            "max_events: 65536, max_bytes: ${q}MiB"
        s=$("$TOOLS/benchsink" "$T/s.yaml" $((k * N)) fill 2>>"$T/bench.err") ||
            { echo "bench_ceiling: outage fill of $((k * N)) failed: $s"; continue; }
        echo "$s" | awk -v l="queue max_bytes ${q}MiB" -v k=$((k * N)) \
            '{ printf "%-34s %9d %7d\n", l, k, $12 / 1024 }'
    done
done
