#!/bin/sh
# run_live.sh SEAWALL - `seawall run` on a live interface, end to end, in a private network
# namespace: captures replayed with tcpreplay into one end of a veth pair, seawall capturing on
# the other end. Checks, in one daemon's life:
#   - sd_notify: READY, STATUS, WATCHDOG, RELOADING, READY, STOPPING arrive in that order;
#   - privileges: after start-up the configured uid/gid, no supplementary group, no
#     capability, seccomp filter mode, no_new_privs;
#   - `seawall status` (JSON and the table) shows the packets received;
#   - reload under traffic: good rules swap (generation 2, engine event), a broken rule file
#     keeps generation 2 (engine event with the file:line message, log line);
#   - no packet lost: seawall's packets = tcpreplay's, with no kernel or ring drop;
#   - the flow events seen live equal those of `seawall pcap` on the same captures (5-tuple,
#     app_proto, nDPI protocol and risks, packets, bytes, TCP flags; compared as multisets) but
#     for the differences listed with their reason in tests/live-known-differences.tsv;
#   - rules.dir's Suricata rules (*.rules) and YARA rules give, per sid and rule, the same
#     alerts live as `seawall pcap --rules` offline;
#   - SIGTERM: exit 0; the final stats say no flow is active and flows created = ended = flow
#     events, as many events per reason as the counters say.
# And in a second, short life: a worker made to stall stops the WATCHDOG=1 messages.
# Everything (namespace, processes, files) is removed at the end, also on failure.
SW=$(realpath "${1:?usage: run_live.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/netns.inc
. tests/integration/daemon.inc
if ! ns_available || ! command -v tcpreplay >/dev/null 2>&1; then
    echo "skipped: needs root, network namespaces and tcpreplay"
    exit 77
fi
dm_workdir live ns_teardown
skip=0
skp() { skip=$((skip + 1)); echo "skip - $*"; }

ns_setup "seawall-live-$$" || { echo "not ok - cannot set up the namespace"; exit 1; }

# Captures: the Ethernet ones committed under tests/data, plus a few from the corpus.
CAPS=$(ethernet_captures tests/data/corpus-mini/ndpi-4.2/pcap/*)
if [ -d ../shared/corpus/ndpi-4.2/pcap ]; then
    for f in http.pcapng dns_ambiguous_names.pcap skype.pcap tor.pcap google_ssl.pcap \
        quic.pcap ftp.pcap smtp.pcap bittorrent.pcap whatsapp_voice_and_message.pcap; do
        [ -f "../shared/corpus/ndpi-4.2/pcap/$f" ] && CAPS="$CAPS
$(ethernet_captures "../shared/corpus/ndpi-4.2/pcap/$f")"
    done
fi
CAPS=$(echo "$CAPS" | grep -v '^$')
if [ -z "$CAPS" ]; then
    echo "not ok - no Ethernet capture found to replay"
    exit 1
fi
echo "captures: $(echo "$CAPS" | wc -l)"

# The output directory belongs to the daemon's user, as /var/log/seawall does: after the drop
# it creates the new file itself when the old one was rotated away.
dm_dirs
cp rules/default/*.yar "$T/rules/"
# A rule every HTTP stream and body matches: stream and HTTP-body YARA live, across reloads.
printf 'rule live_http_probe { strings: $a = "HTTP/1." condition: $a }\n' >"$T/rules/probe.yar"
# Suricata rules from rules.dir too (issue 12): HTTP requests and DNS queries.
cat >"$T/rules/live.rules" <<'EOF_RULES'
alert http any any -> any any (msg:"live HTTP GET"; flow:to_server; http.method; content:"GET"; sid:9200001;)
alert dns any any -> any any (msg:"live DNS query"; dns.query; content:"."; sid:9200002;)
EOF_RULES
cat >"$T/seawall.yaml" <<EOF
agent:
  user: nobody
  group: nogroup
  run_dir: $T/run
  state_dir: $T/state
  log_level: info
network:
  interfaces:
    - name: veth1
  workers: 2
rules:
  dir: $T/rules
outputs:
  - type: file
    path: $T/out/eve.json
stats:
  interval: 1s
EOF

dm_notify_listen

# ip netns exec enters the namespace and execs seawall: DPID is seawall's pid.
dm_start "$T/log" env NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=4000000 \
    ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml"
if dm_ready; then
    ok "READY=1 after start-up"
else
    bad "no READY=1 within 60 s: $(tail -n 3 "$T/log")"
fi

# --- privileges ------------------------------------------------------------------------------
st=/proc/$DPID/status
if [ -n "$DPID" ] && [ -r "$st" ]; then
    uid=$(id -u nobody) gid=$(getent group nogroup | cut -d: -f3)
    awk -v u="$uid" '/^Uid:/ { exit !($2 == u && $3 == u && $4 == u && $5 == u) }' "$st" &&
        ok "uid is nobody ($uid) real, effective, saved and fs" || bad "uid: $(grep ^Uid: "$st")"
    awk -v g="$gid" '/^Gid:/ { exit !($2 == g && $3 == g && $4 == g && $5 == g) }' "$st" &&
        ok "gid is nogroup ($gid)" || bad "gid: $(grep ^Gid: "$st")"
    [ -z "$(sed -n 's/^Groups:[[:space:]]*//p' "$st")" ] && ok "no supplementary group" ||
        bad "groups: $(grep ^Groups: "$st")"
    caps=$(awk '/^Cap(Inh|Prm|Eff|Bnd|Amb):/ && $2 != "0000000000000000" { print }' "$st")
    [ -z "$caps" ] && ok "no capability left (inheritable, permitted, effective, bounding, ambient)" ||
        bad "capabilities left: $caps"
    grep -q '^Seccomp:[[:space:]]*2' "$st" && ok "seccomp filter active" ||
        bad "seccomp: $(grep ^Seccomp: "$st")"
    grep -q '^NoNewPrivs:[[:space:]]*1' "$st" && ok "no_new_privs set" ||
        bad "$(grep ^NoNewPrivs: "$st")"
    nthreads=$(ls /proc/$DPID/task | wc -l)
    [ "$nthreads" -ge 5 ] && ok "$nthreads threads (capture, 2 workers, output, control)" ||
        bad "only $nthreads threads"
else
    bad "daemon process not found"
fi

# --- traffic, with two reloads in the middle -------------------------------------------------
sent_file="$T/sent"
( ns_replay 4000 $CAPS >"$sent_file" ) &
REPLAY=$!
PIDS="$PIDS $REPLAY"
sleep 1
cat >"$T/rules/extra.yar" <<'EOF'
rule seawall_live_reload_marker { strings: $a = "seawall-live-reload-marker" condition: $a }
EOF
kill -HUP "$DPID"
if wait_for 30 grep -q '"module":"reload".*"ok":true' "$T/out/eve.json" 2>/dev/null ||
    wait_for 1 python3 -c "
import json,sys
for l in open('$T/out/eve.json'):
    e=json.loads(l)
    if e.get('event_type')=='engine' and e['seawall']['reload']['ok']: sys.exit(0)
sys.exit(1)"; then
    ok "good rules: reload event"
else
    bad "no successful reload event: $(tail -n 3 "$T/log")"
fi
printf 'rule broken {\n  strings: $a = "x"\n  condition: $b\n}\n' >"$T/rules/zz-broken.yar"
# logrotate's way: move the file away, then SIGHUP; seawall writes on in a new eve.json.
mv "$T/out/eve.json" "$T/out/eve.json.1"
kill -HUP "$DPID"
if wait_for 30 grep -q 'zz-broken.yar:[0-9]*: undefined string' "$T/log"; then
    ok "broken rules: log line names zz-broken.yar:LINE"
else
    bad "broken rules not logged with file:line: $(tail -n 3 "$T/log")"
fi
rm -f "$T/rules/zz-broken.yar"
wait_for 10 test -s "$T/out/eve.json" && ok "SIGHUP after rotation: a new eve.json is written" ||
    bad "no new eve.json after SIGHUP"
wait "$REPLAY"
sent=$(cat "$sent_file")
sleep 2

# --- status ------------------------------------------------------------------------------------
"$SW" status -c "$T/seawall.yaml" --json >"$T/status.json" 2>"$T/status.err"
rc=$?
[ $rc -eq 0 ] && ok "seawall status --json exits 0" || bad "status rc $rc: $(cat "$T/status.err")"
python3 - "$T/status.json" "$sent" <<'EOF' && ok "status: generation 2, packets received = $sent sent" || bad "status document: $(head -c 600 "$T/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
sent = int(sys.argv[2])
ifs = d["interfaces"]
assert ifs[0]["name"] == "veth1", ifs
assert ifs[0]["packets"] == sent, (ifs[0]["packets"], sent)
assert d["rules"]["generation"] == 2, d["rules"]
assert d["seccomp"] is True
assert len(d["workers"]) == 2
EOF
# script(1) (bsdutils, an essential package) gives status a terminal.
script -qc "$SW status -c $T/seawall.yaml" /dev/null >"$T/status.tty" 2>&1
grep -q veth1 "$T/status.tty" && ok "status on a terminal shows a table with veth1" ||
    bad "status table: $(head -c 300 "$T/status.tty")"

# --- stop ----------------------------------------------------------------------------------------
kill -TERM "$DPID"
wait_for 30 sh -c "! kill -0 $DPID 2>/dev/null" || bad "still running 30 s after SIGTERM"
wait "$DPID"
rc=$?
[ $rc -eq 0 ] && ok "exit 0 after SIGTERM" || bad "exit status $rc after SIGTERM: $(tail -n 3 "$T/log")"
grep -q 'stopped' "$T/log" && ok "log says stopped" || bad "no 'stopped' in the log"
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$T/log" && ok "log lines are timestamped outside systemd" ||
    bad "log format: $(head -n 1 "$T/log")"

python3 - "$T/notify.log" <<'EOF' && ok "sd_notify order: READY, STATUS, WATCHDOG, RELOADING, READY, STOPPING" || bad "notify sequence: $(tr '\n' ' ' <"$T/notify.log" | head -c 400)"
import sys
lines = [l.strip() for l in open(sys.argv[1])]
keys = [l.split("=")[0] + ("=" + l.split("=")[1] if l.split("=")[0] != "STATUS" else "") for l in lines]
def idx(k, start=0):
    for i in range(start, len(keys)):
        if keys[i] == k:
            return i
    raise SystemExit("missing %s after %d: %s" % (k, start, keys))
r = idx("READY=1")
assert any(k == "STATUS" for k in keys), keys
w = idx("WATCHDOG=1", r)
rl = idx("RELOADING=1", r)
r2 = idx("READY=1", rl)
s = idx("STOPPING=1", r2)
assert s == max(i for i, k in enumerate(keys) if k != "STATUS"), keys
assert keys.count("WATCHDOG=1") >= 2, ("watchdog fed only", keys.count("WATCHDOG=1"))
EOF

cat "$T/out/eve.json.1" "$T/out/eve.json" >"$T/all.json"
python3 - "$T/all.json" "$sent" <<'EOF' && ok "final stats: pkts = sent, no kernel or ring drop; flows created = ended = flow events, none active, events per reason = counters" || bad "final accounting: see above"
import collections, json, re, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
sent = int(sys.argv[2])
stats = [e for e in ev if e["event_type"] == "stats"]
final = stats[-1]
iface = final["seawall"]["interfaces"][0]
assert iface["pkts"] == sent, ("pkts", iface, sent)
assert iface["kernel_drops"] == 0 and iface["ring_drops"] == 0, iface
sinks = final["seawall"]["output"]["sinks"]
assert len(sinks) == 1 and sinks[0]["acked"] > 0 and sinks[0]["failed"] == 0, sinks
flows = [e for e in ev if e["event_type"] == "flow"]
# The last stats event comes after the shutdown flush: every flow created has ended, and each
# ended flow has its flow event, with the reason its counter says.
fl, wk = final["stats"]["flow"], final["seawall"]["worker"]
assert fl["active"] == 0, ("flows still active in the final stats", fl)
assert fl["total"] == wk["flows_ended"] == len(flows), \
    ("created", fl["total"], "ended", wk["flows_ended"], "flow events", len(flows))
reasons = collections.Counter(f["flow"]["reason"] for f in flows)
want = {"timeout": wk["flows_timeout"], "forced": wk["flows_evicted"],
        "shutdown": wk["flows_shutdown"]}
assert dict(reasons) == {k: v for k, v in want.items() if v}, (dict(reasons), want)
assert wk["event_drops"] == 0, wk
eng = [e for e in ev if e["event_type"] == "engine"]
assert len(eng) == 2 and eng[0]["seawall"]["reload"]["ok"] and not eng[1]["seawall"]["reload"]["ok"], eng
assert re.search(r"zz-broken\.yar:\d+: undefined string", eng[1]["engine"]["error"]), eng[1]
assert eng[1]["seawall"]["reload"]["generation"] == 2
assert len(stats) >= 3, len(stats)
print("flow events: %d (%s), engine events: %d, stats events: %d" %
      (len(flows), ", ".join("%d %s" % (n, r) for r, n in sorted(reasons.items())), len(eng),
       len(stats)))
EOF

. tests/integration/schema.inc
if find_schema "$T"; then
    python3 tests/tools/eve_schema_check.py "$schema" "$T/out/eve.json" >"$T/schema.out" 2>&1 &&
        ok "live EVE (engine and live stats events too) validates against Suricata's schema" ||
        bad "live EVE schema: $(tail -n 5 "$T/schema.out")"
else
    skp "live EVE schema: Suricata's schema.json not found (../shared/suricata)"
fi

# --- YARA live: the same stream and HTTP-body alerts as seawall pcap --rules ------------------
rm -f "$T/rules/extra.yar"
"$SW" pcap --no-cache --rules "$T/rules" $CAPS -o "$T/offline-rules.json" 2>/dev/null
live_y=$(grep -c '"rule":"live_http_probe"' "$T/all.json")
off_y=$(grep -c '"rule":"live_http_probe"' "$T/offline-rules.json")
[ "$live_y" -gt 0 ] && [ "$live_y" -eq "$off_y" ] &&
    ok "YARA live: $live_y stream and HTTP-body alerts, as seawall pcap --rules" ||
    bad "YARA live: $live_y alerts, seawall pcap --rules: $off_y"

# --- Suricata rules live (rules.dir): the same alerts per sid as seawall pcap --rules -------------
for sid in 9200001 9200002; do
    live_s=$(grep -c "\"signature_id\":$sid," "$T/all.json")
    off_s=$(grep -c "\"signature_id\":$sid," "$T/offline-rules.json")
    [ "$live_s" -gt 0 ] && [ "$live_s" -eq "$off_s" ] &&
        ok "Suricata rule $sid live: $live_s alerts, as seawall pcap --rules" ||
        bad "Suricata rule $sid live: $live_s alerts, seawall pcap --rules: $off_s"
done

# --- live flows against seawall pcap on the same captures ----------------------------------------
# Every flow event, live and offline, as its 5-tuple, protocols, risks, packet and byte counts
# and TCP flags: the two multisets must be equal but for the differences listed, each with its
# verified reason, in tests/live-known-differences.tsv (a listed one that is gone fails too).
# Offline, each capture is its own run: its flows expire on its own clock. (One `seawall pcap`
# over all of them would run one clock, the latest time seen, so a capture older than the one
# before it would have every flow expire at once.)
: >"$T/offline.json"
prc=0
for c in $CAPS; do
    "$SW" pcap "$c" -o "$T/one.json" 2>"$T/offline.err" || { prc=$?; break; }
    cat "$T/one.json" >>"$T/offline.json"
done
[ $prc -eq 0 ] && ok "seawall pcap on each capture exits 0" ||
    bad "seawall pcap $c: exit $prc: $(tail -n 3 "$T/offline.err")"
python3 - "$T/all.json" "$T/offline.json" tests/live-known-differences.tsv <<'EOF' && ok "live flow events equal seawall pcap's (as multisets; listed differences only)" || bad "live flows differ from seawall pcap (see above)"
import collections, json, sys
def key(e):
    f, n = e["flow"], e.get("ndpi", {})
    return "%s %s:%s -> %s:%s app_proto=%s ndpi=%s risks=%s pkts=%d/%d bytes=%d/%d flags=%s" % (
        e["proto"], e.get("src_ip"), e.get("src_port", 0), e.get("dest_ip"), e.get("dest_port", 0),
        e.get("app_proto"), n.get("protocol"),
        ",".join(sorted(r["name"] for r in n.get("risks", []))) or "-",
        f["pkts_toserver"], f["pkts_toclient"], f["bytes_toserver"], f["bytes_toclient"],
        e.get("tcp", {}).get("tcp_flags", "-"))
def flows(path):
    return collections.Counter(key(e) for e in map(json.loads, open(path))
                               if e["event_type"] == "flow")
live, offline = flows(sys.argv[1]), flows(sys.argv[2])
known = {}
for n, line in enumerate(open(sys.argv[3], encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    c = line.split("\t")
    if len(c) != 4 or c[1] not in ("only-live", "only-offline") or not c[2].isdigit() or not c[3]:
        sys.exit("%s:%d: want flow<TAB>only-live|only-offline<TAB>count<TAB>reason" % (sys.argv[3], n))
    known[(c[0], c[1])] = int(c[2])
diff = {}
for k, n in (live - offline).items():
    diff[(k, "only-live")] = n
for k, n in (offline - live).items():
    diff[(k, "only-offline")] = n
same = sum((live & offline).values())
print("flow events: offline %d, live %d, equal %d" % (sum(offline.values()), sum(live.values()), same))
bad = 0
for k in sorted(set(diff) | set(known)):
    if diff.get(k, 0) != known.get(k, 0):
        bad += 1
        print("  %s %d time(s), listed %d time(s): %s" % (k[1], diff.get(k, 0), known.get(k, 0), k[0]))
    else:
        print("  %s %d time(s), as listed: %s" % (k[1], diff[k], k[0]))
sys.exit(1 if bad or same == 0 else 0)
EOF

# --- watchdog: a stalled worker stops WATCHDOG=1 ---------------------------------------------
: >"$T/notify.log"
: >"$T/log2"
# As under systemd: JOURNAL_STREAM names stderr (device:inode), so lines carry <N> priorities.
dm_start "$T/log2" env JOURNAL_STREAM="$(stat -c '%d:%i' "$T/log2")" \
    NOTIFY_SOCKET="$T/notify.sock" WATCHDOG_USEC=4000000 SEAWALL_TEST_STALL_WORKER=0 \
    ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml" --set outputs=[]
SW2=$DPID
dm_ready
# The first check may still see the worker's first loop: give it 4 s, then WATCHDOG=1 must
# not come again (the main run above sent it every 2 s).
sleep 4
n1=$(grep -c '^WATCHDOG=1' "$T/notify.log")
sleep 5
n2=$(grep -c '^WATCHDOG=1' "$T/notify.log")
[ "$n1" -eq "$n2" ] && ok "stalled worker: no WATCHDOG=1 in 5 s (after $n1 at start)" ||
    bad "stalled worker: WATCHDOG=1 still sent ($n1 then $n2)"
grep -q '^<3>worker 0 makes no progress' "$T/log2" &&
    ok "log names the stalled worker, with journald's <3> priority prefix" ||
    bad "no stall message: $(tail -n 3 "$T/log2")"
kill -TERM "$SW2" 2>/dev/null
pkill -TERM -f "$SW run -c $T/seawall.yaml" 2>/dev/null
wait_for 30 sh -c "! pgrep -f '$SW run -c $T/seawall.yaml' >/dev/null"
echo "run_live: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
