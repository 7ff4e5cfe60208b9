#!/bin/sh
# deliver_outage.sh SEAWALL - what happens to events when things fail, against rsyslog
# (syslog over tcp, octet counting; tests/integration/deliver.inc), with the write-ahead
# spool (spool.mode: always) unless said otherwise:
#   1. outage: 50,000 flows replayed (up to 100,000 events: alerts and flow events, all
#      that reach the EVE file are the reference) while the receiver is
#      down, then back: all delivered, in order, repeats no more than duplicates_possible;
#      delivery resumed within retry.max of the receiver's return.
#   2. kill -9 of seawall in the middle of a stream, restart: every event of the EVE file
#      reaches the receiver (nothing lost), repeats within the counted duplicates_possible;
#      events of the round the kill cut may arrive though the file sink never wrote them
#      (the write-ahead spool has them first), counted, never an event of another type.
#   3. spool full (spool.max_size 1MiB, drop_oldest): exactly the policy's drops: received +
#      dropped_policy = events, what arrives in order, nothing twice.
#   4. disk full under the spool (a 1 MiB tmpfs made here): spool_errors counted, no crash;
#      once the receiver drained it, the next events are spooled and delivered again.
#   5. SIGTERM with the receiver down (spool.mode: overflow): exit 0 within
#      agent.stop_timeout, the memory queue written to the spool; the next run delivers it.
# The receiver is down for as long as the events take to be spooled plus a few seconds, not
# the 60 s of the issue's scenario: the spool and the back-off do not depend on the length.
# SEAWALL_OUTAGE_SECONDS=60 keeps it down at least that long in case 1 (the issue's scenario,
# opt-in: the suite stays short).
# Everything (namespace, processes, mount, files) is removed at the end, also on failure.
SW=$(realpath "${1:?usage: deliver_outage.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d /tmp/seawall-deliver-outage.XXXXXX)
. tests/integration/deliver.inc
if ! dl_available; then
    rm -rf "$T"
    echo "skipped: needs root, network namespaces, tcpreplay, openssl and rsyslog"
    exit 77
fi
MNT=
cleanup() {
    dl_teardown
    [ -n "$MNT" ] && umount "$MNT" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
check() {
    out=$(python3 tests/integration/deliver_check.py "$@")
    echo "$out"
    pass=$((pass + $(echo "$out" | grep -c '^ok - ')))
    fail=$((fail + $(echo "$out" | grep -c '^not ok - ')))
}
fresh() { # a new case: empty spool, EVE file and receiver log
    rm -rf "$T/spool/"* "$T/out/"*
    for f in "$T/rs/"*; do [ -f "$f" ] && : >"$f"; done
    : >"$T/seawall.log"
}
# The EVE file is the reference: what seawall produced (a loaded machine may drop packets at
# capture, counted as ring_drops; that is not what these checks are about). Wait until no
# more alerts or flows come (2 s without a new one: stats events go on every second), then
# count those of the types.
eve_settled() {
    last=-1
    n=0
    while [ "$n" -lt 150 ]; do
        c=$(count alert flow)
        [ "$c" = "$last" ] && [ "$c" -gt 0 ] && break
        last=$c
        sleep 2
        n=$((n + 1))
    done
}
count() { # count TYPE...: events of these types in the EVE file
    t=0
    for ty in "$@"; do t=$((t + $(dl_eve_count "$ty"))); done
    echo "$t"
}
SINK="  - {type: file, path: $T/out/eve.json}
  - {name: siem, type: syslog, address: \"127.0.0.1:10514\",
     retry: {initial: 100ms, max: 1s}"

dl_setup "seawall-deliver-outage-$$" || { echo "not ok - cannot set up the namespace"; exit 1; }

# --- 1. outage ------------------------------------------------------------------------------
N=50000
OUTAGE=${SEAWALL_OUTAGE_SECONDS:-0}
down_at=$(date +%s)
dl_config "$SINK, types: [alert, flow]}"
dl_seawall_start || { echo "not ok - seawall did not start: $(tail -n 3 "$T/seawall.log")"; exit 1; }
dl_flows $N 5000
eve_settled
E=$(count alert flow)
[ "$E" -ge $((N / 2)) ] && ok "outage: $E events while the receiver is down" ||
    bad "outage: only $E events ($N flows replayed)"
if dl_wait 60 dl_sink_at_least siem spooled_events "$E"; then
    ok "outage: all $E events spooled"
else
    bad "outage: spooled $(dl_sink siem spooled_events) of $E"
fi
case $(dl_sink siem last_error) in
    *refused*) ok "outage: last_error says why: $(dl_sink siem last_error)" ;;
    *) bad "outage: last_error: $(dl_sink siem last_error)" ;;
esac
sleep 3
left=$((down_at + OUTAGE - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left"
echo "# receiver down for $(($(date +%s) - down_at)) s"
dl_rsyslog_start || { echo "not ok - rsyslog did not start"; exit 1; }
# retry.max is 1 s: the first acknowledgement comes within it (5 s: a bound for a slow box).
dl_wait 5 dl_sink_at_least siem acked 1 && ok "outage: delivery resumed within retry.max" ||
    bad "outage: nothing acknowledged 5 s after the receiver came back"
if dl_wait 120 dl_sink_at_least siem acked "$E"; then
    ok "outage: all $E acknowledged"
else
    bad "outage: acked $(dl_sink siem acked) of $E"
fi
spool_empty() {
    [ "$(dl_sink siem spooled_events)" = 0 ]
}
dl_wait 10 spool_empty && ok "outage: spool empty again" ||
    bad "outage: spooled_events $(dl_sink siem spooled_events)"
dups=$(dl_sink siem duplicates_possible)
dl_seawall_stop
check "$T/out/eve.json" "$T/rs/tcp.log" --types alert,flow --fields --facility 21 \
    --mode atleastonce --dups "$dups" --label "outage"

# --- 2. kill -9 mid-stream ------------------------------------------------------------------
echo "# $(date +%T) kill -9"
fresh
N=40000
dl_config "$SINK, types: [alert, flow]}"
dl_seawall_start || bad "kill -9: seawall did not start"
python3 tests/tools/mkflows.py $N "$T/flows-k.pcap"
ip netns exec "$NS" tcpreplay -q --no-flow-stats -i veth0 --pps=20000 "$T/flows-k.pcap" \
    >/dev/null 2>&1 &
RP=$!
# Once events are flowing to the receiver, kill it without warning.
dl_wait 30 dl_sink_at_least siem acked 2000
dl_seawall_kill9
ok "kill -9 with $(dl_eve_count alert) alerts in the EVE file so far"
wait "$RP"
dl_seawall_start || bad "kill -9: seawall did not restart: $(tail -n 3 "$T/seawall.log")"
want=$(($(dl_eve_count alert) + $(dl_eve_count flow)))
drained() {
    [ "$(dl_sink siem spooled_events)" = 0 ] && [ "$(dl_sink siem queued)" = 0 ]
}
dl_wait 120 drained && ok "kill -9: the restarted run emptied the spool" ||
    bad "kill -9: spooled_events $(dl_sink siem spooled_events) left"
dups=$(dl_sink siem duplicates_possible)
dl_seawall_stop
check "$T/out/eve.json" "$T/rs/tcp.log" --types alert,flow --fields --facility 21 \
    --mode atleastonce --dups "$dups" --crash --label "kill -9 ($want events in the EVE file)"

# --- 3. spool full --------------------------------------------------------------------------
echo "# $(date +%T) spool full"
fresh
dl_rsyslog_stop
N=20000
dl_config "$SINK, types: [alert], queue: {max_events: 100}, spool: {max_size: 1MiB}}" \
    "when_full: drop_oldest, segment_size: 64KiB"
dl_seawall_start || bad "spool full: seawall did not start"
dl_flows $N 5000
eve_settled
E=$(count alert)
full_settled() { # every alert either spooled or dropped (the memory queue holds 100)
    s=$(dl_sink siem spooled_events) d=$(dl_sink siem dropped_policy)
    [ -n "$s" ] && [ $((s + d + 100)) -ge "$E" ]
}
dl_wait 60 full_settled
dropped=$(dl_sink siem dropped_policy)
[ "$dropped" -gt 0 ] && ok "spool full: $dropped of $E alerts dropped by policy" ||
    bad "spool full: nothing dropped"
bytes=$(dl_sink siem spooled_bytes)
[ "$bytes" -le 1048576 ] && ok "spool full: $bytes bytes on disk, within 1MiB" ||
    bad "spool full: $bytes bytes on disk"
dl_rsyslog_start
settled() {
    a=$(dl_sink siem acked) d=$(dl_sink siem dropped_policy)
    [ -n "$a" ] && [ $((a + d)) -ge "$E" ]
}
dl_wait 60 settled
acked=$(dl_sink siem acked) dropped=$(dl_sink siem dropped_policy)
[ $((acked + dropped)) -eq "$E" ] && ok "spool full: $acked delivered + $dropped dropped = $E" ||
    bad "spool full: $acked delivered + $dropped dropped != $E"
dl_seawall_stop
out=$(python3 tests/integration/deliver_check.py "$T/out/eve.json" "$T/rs/tcp.log" \
    --types alert --fields --facility 21 --mode subset --label "spool full")
echo "$out"
pass=$((pass + $(echo "$out" | grep -c '^ok - ')))
fail=$((fail + $(echo "$out" | grep -c '^not ok - ')))
got=$(echo "$out" | sed -n 's/^received: //p')
[ "$got" = "$acked" ] && ok "spool full: the receiver got exactly the $acked acknowledged" ||
    bad "spool full: the receiver got $got, acknowledged $acked"

# --- 4. disk full ---------------------------------------------------------------------------
echo "# $(date +%T) disk full"
fresh
dl_rsyslog_stop
MNT=$T/spoolfs
mkdir -p "$MNT"
if mount -t tmpfs -o size=1m,mode=0755 seawall-test "$MNT"; then
    chown nobody:nogroup "$MNT"
    N=5000
    SPOOL_DIR=$MNT dl_config "$SINK, types: [alert], queue: {max_events: 100}}" \
        "segment_size: 64KiB"
    dl_seawall_start || bad "disk full: seawall did not start: $(tail -n 3 "$T/seawall.log")"
    dl_flows $N 5000
    eve_settled
    E=$(count alert)
    dl_wait 60 dl_sink_at_least siem spool_errors 1 &&
        ok "disk full: counted as spool_errors ($(dl_sink siem spool_errors)), failed $(dl_sink siem failed)" ||
        bad "disk full: no spool error counted"
    kill -0 "$SW_PID" 2>/dev/null && ok "disk full: seawall still running" ||
        bad "disk full: seawall died"
    grep -q 'No space left on device' "$T/seawall.log" && ok "disk full: logged" ||
        bad "disk full: not in the log"
    dl_rsyslog_start
    drained() {
        a=$(dl_sink siem acked) f=$(dl_sink siem failed) d=$(dl_sink siem dropped_policy)
        [ -n "$a" ] && [ $((a + f + d)) -ge "$E" ]
    }
    dl_wait 60 drained
    a=$(dl_sink siem acked) f=$(dl_sink siem failed) d=$(dl_sink siem dropped_policy)
    [ $((a + f + d)) -eq "$E" ] && ok "disk full: $a delivered + $f lost to the full disk + $d dropped = $E" ||
        bad "disk full: $a + $f + $d != $E"
    # Space is back (acknowledged segments are deleted): new events go through the spool.
    e0=$(dl_sink siem spool_errors) a0=$a
    python3 tests/tools/mkflows.py 1000 "$T/flows-d.pcap" $N  # flows not seen before
    ns_replay 5000 "$T/flows-d.pcap" >/dev/null
    eve_settled
    E2=$(($(count alert) - E))
    dl_wait 60 dl_sink_at_least siem acked $((a0 + E2)) &&
        ok "disk full: after recovery the $E2 new alerts delivered" ||
        bad "disk full: after recovery acked $(( $(dl_sink siem acked) - a0 )) of $E2"
    [ "$(dl_sink siem spool_errors)" = "$e0" ] && ok "disk full: no new spool error" ||
        bad "disk full: spool errors went on: $(dl_sink siem spool_errors)"
    dl_seawall_stop
    umount "$MNT" && MNT=
else
    echo "skipped: disk full: cannot mount a tmpfs"
fi

# --- 5. SIGTERM with the receiver down, spool.mode: overflow ---------------------------------
echo "# $(date +%T) sigterm"
fresh
dl_rsyslog_stop
N=3000
dl_config "$SINK, types: [alert]}" "mode: overflow"
sed -i 's/stop_timeout: 5s/stop_timeout: 2s/' "$T/seawall.yaml"
dl_seawall_start || bad "sigterm: seawall did not start"
dl_flows $N 5000
eve_settled
N=$(count alert)
dl_wait 60 dl_sink_at_least siem queued "$N" ||
    bad "sigterm: queued $(dl_sink siem queued) of $N"
[ "$(dl_sink siem spooled_events)" = 0 ] && ok "sigterm: overflow keeps them in memory" ||
    bad "sigterm: spooled $(dl_sink siem spooled_events) before exit"
t0=$(date +%s)
dl_seawall_stop
t1=$(date +%s)
[ "$SW_RC" = 0 ] && ok "sigterm: exit 0" || bad "sigterm: exit $SW_RC"
[ $((t1 - t0)) -le 7 ] && ok "sigterm: gone within agent.stop_timeout (2 s) + 5 s" ||
    bad "sigterm: took $((t1 - t0)) s"
dl_rsyslog_start
dl_seawall_start || bad "sigterm: seawall did not restart"
grep -q "$N events in the spool" "$T/seawall.log" && ok "sigterm: the next run found $N in the spool" ||
    bad "sigterm: $(grep 'in the spool' "$T/seawall.log")"
dl_wait 60 dl_sink_at_least siem acked $N && ok "sigterm: all $N delivered by the next run" ||
    bad "sigterm: acked $(dl_sink siem acked) of $N"
dl_seawall_stop
check "$T/out/eve.json" "$T/rs/tcp.log" --types alert --fields --facility 21 --label "sigterm"

echo "deliver_outage: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
