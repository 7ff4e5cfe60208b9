#!/bin/sh
# bench_receiver.sh SEAWALL [EVENTS] - is rsyslog the limit of seawall's relp and replay
# figures? (make bench, after bench_sinks.sh)
#
# One rsyslog in the foreground on 127.0.0.1 (imrelp and imtcp, every message to a file with
# omfile, as bench_sinks.sh) receives EVENTS alerts of about 900 bytes from each sender in
# turn: seawall (tests/tools/benchsink: the router, spool and syslog sink of `seawall run`),
# tests/tools/relpblast.py (messages made before the clock starts, RELP with librelp's window
# of 128 and with 1024, or octet-counted tcp in large writes), and a second rsyslog forwarding
# with its own omrelp (librelp) what relpblast gives it over tcp. Printed per sender: events/s
# at the receiver (first line to the last in rsyslog's file), and rsyslog's CPU
# seconds per 100k events: all its threads, and its busiest thread (the input thread or the
# main queue's worker) with its share of the run's wall time. When the fastest sender gets no
# more through than seawall, the receiver is the limit. Sender and receiver share the 2 cores.
SW=$(realpath "${1:?usage: bench_receiver.sh SEAWALL [EVENTS]}")
N=${2:-100000}
cd "$(dirname "$0")/../.." || exit 2
TOOLS=$(dirname "$SW")/tools
[ -x "$TOOLS/benchsink" ] || { echo "bench_receiver: build $TOOLS/benchsink first"; exit 2; }
if ! command -v rsyslogd >/dev/null 2>&1 ||
    [ ! -f /usr/lib/x86_64-linux-gnu/rsyslog/imrelp.so ] ||
    [ ! -f /usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so ]; then
    echo "bench_receiver: skipped: needs rsyslog and rsyslog-relp"
    exit 0
fi
T=$(mktemp -d /tmp/seawall-bench-receiver.XXXXXX)
[ -d "$T" ] || exit 2
PIDS=
cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
set -- $(python3 -c 'import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
P_TCP=$1 P_RELP=$2 P_FWD=$3 DEAD=$4
mkdir -p "$T/rs" "$T/w1" "$T/w2"
cat >"$T/recv.conf" <<END_RECV
global(maxMessageSize="256k" workDirectory="$T/w1")
module(load="imtcp")
module(load="imrelp")
template(name="msg" type="string" string="%msg%\n")
input(type="imtcp" address="127.0.0.1" port="$P_TCP" ruleset="s")
input(type="imrelp" address="127.0.0.1" port="$P_RELP" ruleset="s")
ruleset(name="s") { action(type="omfile" file="$T/rs/syslog.log" template="msg") }
END_RECV
# The forwarder: what comes in over tcp goes out with omrelp (librelp's client, window 128).
cat >"$T/fwd.conf" <<END_FWD
global(maxMessageSize="256k" workDirectory="$T/w2")
module(load="imtcp")
module(load="omrelp")
input(type="imtcp" address="127.0.0.1" port="$P_FWD" ruleset="f")
ruleset(name="f" queue.type="LinkedList" queue.size="200000") {
    action(type="omrelp" target="127.0.0.1" port="$P_RELP")
}
END_FWD
: >"$T/rs/syslog.log"
rsyslogd -n -f "$T/recv.conf" -i "$T/recv.pid" >"$T/recv.log" 2>&1 &
RSP=$!
PIDS="$PIDS $RSP"
rsyslogd -n -f "$T/fwd.conf" -i "$T/fwd.pid" >"$T/fwd.log" 2>&1 &
PIDS="$PIDS $!"
n=0
while { ! ss -ltn | grep -q "127.0.0.1:$P_RELP " || ! ss -ltn | grep -q "127.0.0.1:$P_FWD "; } &&
    [ $n -lt 100 ]; do
    sleep 0.1
    n=$((n + 1))
done

# rs_cpu: "THREAD SECONDS" of each of the receiver's threads so far
rs_cpu() {
    cat /proc/"$RSP"/task/*/stat 2>/dev/null | python3 -c '
import os, sys
hz = os.sysconf("SC_CLK_TCK")
for line in sys.stdin:
    name = line[line.index("(") + 1:line.rindex(")")].replace(" ", "_")
    f = line[line.rindex(")") + 2:].split()
    print(name, (int(f[11]) + int(f[12])) / hz)'
}
# lines_wait N: in the background, wait for N more lines in rsyslog's file (30 s without one
# ends the wait), print "SECONDS LINES": from the first new line to the last (the receiver's
# pace, whatever the sender's start-up)
lines_wait() {
    python3 -c '
import sys, time
path, want, off = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
first = last = time.monotonic()
got = 0
with open(path, "rb") as f:
    f.seek(off)
    while got < want and time.monotonic() - last < 30:
        b = f.read(1 << 20)
        if b:
            if got == 0:
                first = time.monotonic()
            got += b.count(b"\n")
            last = time.monotonic()
        else:
            time.sleep(0.002)
print("%.3f %d" % (last - first, got))' "$T/rs/syslog.log" "$1" "$(stat -c %s "$T/rs/syslog.log")" &
}
# measure LABEL CMD...: run a sender, print its row
measure() {
    label=$1
    shift
    rs_cpu >"$T/cpu0"
    lines_wait "$N" >"$T/lw"
    LW=$!
    "$@" >"$T/sender.out" 2>>"$T/sender.err"
    wait "$LW"
    rs_cpu >"$T/cpu1"
    python3 -c '
import sys
def load(p):
    d = {}
    for line in open(p):
        k, v = line.split()
        d[k] = d.get(k, 0) + float(v)
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
label, n = sys.argv[3], int(sys.argv[4])
sender = open(sys.argv[6]).read().split()
own = sender[sender.index("cpu_per_100k") + 1] if "cpu_per_100k" in sender else "-"
secs, got = open(sys.argv[5]).read().split()
secs, got = float(secs), int(got)
use = {k: b[k] - a.get(k, 0) for k in b}
busy = max(use, key=use.get)
tot = sum(use.values())
if got < n:
    print("%-32s only %d of %d arrived" % (label, got, n))
else:
    print("%-32s %9.0f %8.2f %8.2f %6.0f%%  %-14s %8s" % (label, n / secs, tot * 1e5 / n,
          use[busy] * 1e5 / n, 100 * use[busy] / secs, busy, own))' \
        "$T/cpu0" "$T/cpu1" "$label" "$N" "$T/lw" "$T/sender.out"
}
bsink_conf() { # bsink_conf SPOOL-MODE SINK
    rm -rf "$T/spool" "$T/state"
    mkdir -p "$T/spool" "$T/state"
    cat >"$T/s.yaml" <<END_CONF
agent: {id: bench, state_dir: $T/state}
outputs:
  - {name: s, $2, queue: {max_events: 65536, max_bytes: 256MiB}}
spool: {dir: $T/spool, mode: $1}
END_CONF
}
# Columns: events/s at the receiver; rsyslog's CPU s per 100k, all threads and its busiest
# thread; that thread's CPU as a share of the run's wall time; its name; seawall's own CPU s
# per 100k (output thread and relp thread, from benchsink; "-" for the other senders).
printf '%-32s %9s %8s %8s %7s  %-14s %8s\n' "sender -> rsyslog" "events/s" "rs CPU" "busiest" \
    "share" "thread" "sw CPU"
RELP="type: syslog, transport: relp, address: \"127.0.0.1:$P_RELP\""
bsink_conf off "$RELP"
measure "seawall relp (spool off)" "$TOOLS/benchsink" "$T/s.yaml" "$N"
bsink_conf always "$RELP"
measure "seawall relp (spool always)" "$TOOLS/benchsink" "$T/s.yaml" "$N"
measure "relpblast relp, window 128" python3 tests/tools/relpblast.py relp 127.0.0.1 "$P_RELP" "$N" 128
measure "relpblast relp, window 1024" python3 tests/tools/relpblast.py relp 127.0.0.1 "$P_RELP" "$N" 1024
measure "rsyslog omrelp (fed over tcp)" python3 tests/tools/relpblast.py tcp 127.0.0.1 "$P_FWD" "$N"
# Replay: fill a spool with the receiver's port closed, then deliver it over tcp.
bsink_conf always "type: syslog, address: \"127.0.0.1:$DEAD\", retry: {initial: 10s, max: 10s}"
"$TOOLS/benchsink" "$T/s.yaml" "$N" fill >/dev/null 2>>"$T/sender.err" ||
    echo "bench_receiver: fill failed"
sed -i "s/127.0.0.1:$DEAD/127.0.0.1:$P_TCP/" "$T/s.yaml"
measure "seawall tcp replay from spool" "$TOOLS/benchsink" "$T/s.yaml" "$N" drain
bsink_conf off "type: syslog, address: \"127.0.0.1:$P_TCP\""
measure "seawall tcp (spool off)" "$TOOLS/benchsink" "$T/s.yaml" "$N"
measure "relpblast tcp" python3 tests/tools/relpblast.py tcp 127.0.0.1 "$P_TCP" "$N"
