#!/bin/sh
# run_reload.sh SEAWALL - what SIGHUP changes in a running `seawall run`, and what it says it
# did (issue 9, items 4 and 5). In a private network namespace, one daemon's life:
#   - four phases, each with its own configuration and its own capture (tests/tools/mkreload.py
#     PHASE: every address is 10.PHASE.x.y): every reloadable key (agent.id, agent.log_level,
#     agent.stop_timeout, network.decode.*, ndpi.risk_exceptions.*, eve.*, rules.dir,
#     stats.interval) is changed by a reload and its effect checked in what follows: the
#     phase's flows, alerts and anomalies equal `seawall pcap -c` with that phase's
#     configuration, and explicit checks say what each key changed (host, community_id, tunnels
#     decoded or not, anomalies, nDPI risk alerts, log lines, stats events, the stop wait);
#   - the restart-only keys changed on the way (network.workers, network.timeouts.udp,
#     ndpi.max_packets.tcp) are listed in the engine event (restart_keys) and logged, and the
#     schema's restart-only list is the one `seawall config check --help` prints;
#   - a reload that leaves no rule at all is ok, with a warning (log and engine event).
# Then a second daemon whose worker 0 stalls (SEAWALL_TEST_STALL_WORKER): a reload it cannot
# switch to is "ok": false (pending), the next one is refused; the status keeps the truth.
# Everything (namespace, processes, files) is removed at the end, also on failure.
SW=$(realpath "${1:?usage: run_reload.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
. tests/integration/netns.inc
. tests/integration/daemon.inc
if ! ns_available || ! command -v tcpreplay >/dev/null 2>&1; then
    echo "skipped: needs root, network namespaces and tcpreplay"
    exit 77
fi
dm_workdir reload ns_teardown
engine_events() { # engine_events FILE: how many engine events FILE holds
    grep -c '"event_type":"engine"' "$1" 2>/dev/null || true
}

ns_setup "seawall-reload-$$" || { echo "not ok - cannot set up the namespace"; exit 1; }
dm_dirs
printf 'rule reload_probe { strings: $a = "seawall-reload" condition: $a }\n' >"$T/rules/p.yar"
for p in 1 2 3 4; do python3 tests/tools/mkreload.py "$p" "$T/p$p.pcap" || exit 2; done

# conf NAME: a configuration from the variables below (a phase changes some of them).
conf() {
    cat >"$T/$1.yaml" <<EOF
agent:
  user: nobody
  group: nogroup
  run_dir: $T/run
  state_dir: $T/state
  log_level: $LOG
  id: $ID
  stop_timeout: $STOP
network:
  interfaces:
    - name: veth1
  workers: $WORKERS
  timeouts: {tcp_new: 1s, tcp_established: 1s, tcp_closed: 1s, udp: $UDP, icmp: 1s, other: 1s}
  decode: {tunnels: $TUNNELS, max_layers: $LAYERS, vxlan_port: $VXLAN}
ndpi:
  max_packets: {tcp: $TCPMAX}
  risk_exceptions: {risks: $RISKS, cidrs: $CIDRS, hostnames: $HOSTS}
eve: {community_id: $CID, community_id_seed: $SEED, anomaly_rate: $RATE}
rules:
  dir: $RULES
outputs:
  - {type: file, path: $T/out/eve.json}
stats:
  interval: $STATS
EOF
}
# phase 1: the start
ID=reload-a LOG=info STOP=10s WORKERS=2 UDP=1s TUNNELS=true LAYERS=16 VXLAN=4789 TCPMAX=80
RISKS=[] CIDRS=[] HOSTS=[] CID=true SEED=0 RATE=10 RULES=$T/rules STATS=1s
conf c1
# phase 2: agent.id, agent.log_level, agent.stop_timeout, network.decode.tunnels,
# ndpi.risk_exceptions.risks, eve.community_id_seed, eve.anomaly_rate; restart-only:
# network.workers, network.timeouts.udp, ndpi.max_packets.tcp
ID=reload-b LOG=warning STOP=3s WORKERS=3 UDP=2s TUNNELS=false TCPMAX=10
RISKS=[NDPI_HTTP_NUMERIC_IP_HOST] SEED=7 RATE=0
conf c2
# phase 3: agent.id, agent.log_level, agent.stop_timeout, network.decode.max_layers and
# vxlan_port, ndpi.risk_exceptions.cidrs, eve.community_id, eve.anomaly_rate, stats.interval
ID=reload-c LOG=info STOP=4s TUNNELS=true LAYERS=1 VXLAN=4790 RISKS=[] CIDRS=[10.3.11.0/24]
CID=false RATE=10 STATS=1h
conf c3
# phase 4: agent.id, rules.dir (gone: no rule left), ndpi.risk_exceptions.hostnames,
# stats.interval
ID=reload-d CIDRS=[] HOSTS=[10.4.11.2] RULES=$T/no-rules-any-more STATS=1s
conf c4
# Offline, each phase's capture with its configuration: what the live phase must show.
for p in 1 2 3 4; do
    "$SW" pcap -c "$T/c$p.yaml" -o "$T/off$p.json" "$T/p$p.pcap" 2>"$T/off$p.err" ||
        bad "seawall pcap -c c$p.yaml: $(tail -n 1 "$T/off$p.err")"
done
"$SW" pcap -c "$T/c1.yaml" --set eve.community_id_seed=0 -o "$T/off2-seed0.json" "$T/p2.pcap" \
    2>/dev/null

# live_has PHASE: the flows and anomalies of PHASE (10.PHASE.*) seen live are those offline.
cat >"$T/phase.py" <<'EOF'
import json, sys
def events(path, phase):
    out = set()
    for l in open(path):
        e = json.loads(l)
        if e["event_type"] not in ("flow", "anomaly", "alert"):
            continue
        if not str(e.get("src_ip", "")).startswith("10.%s." % phase):
            continue
        out.add((e["event_type"], e.get("src_ip"), e.get("src_port"), e.get("dest_ip"),
                 e.get("dest_port"), e.get("proto"), e.get("community_id", "-"),
                 e.get("seawall", {}).get("tunnel", "-"),
                 e.get("anomaly", {}).get("event", "-"), e.get("alert", {}).get("signature"),
                 e["host"]))
    return out
live, off = events(sys.argv[1], sys.argv[2]), events(sys.argv[3], sys.argv[2])
if live != off:
    if len(sys.argv) > 4:
        for x in sorted(off - live, key=str):
            print("  only offline:", x)
        for x in sorted(live - off, key=str):
            print("  only live:   ", x)
    sys.exit(1)
EOF
live_has() {
    python3 "$T/phase.py" "$T/out/eve.json" "$1" "$T/off$1.json" 2>/dev/null
}

cp "$T/c1.yaml" "$T/seawall.yaml"
dm_start "$T/log" ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml"
if dm_running "$T/log"; then
    ok "daemon running"
else
    bad "daemon did not start: $(tail -n 3 "$T/log")"
fi

for p in 1 2 3 4; do
    if [ "$p" -gt 1 ]; then
        n=$(engine_events "$T/out/eve.json")
        cp "$T/c$p.yaml" "$T/seawall.yaml"
        kill -HUP "$DPID"
        wait_for 30 sh -c "[ \$(grep -c '\"event_type\":\"engine\"' '$T/out/eve.json') -gt $n ]" ||
            bad "phase $p: no engine event after SIGHUP: $(tail -n 3 "$T/log")"
    fi
    sent=$(ns_replay 0 "$T/p$p.pcap")
    if wait_for 30 live_has "$p"; then
        ok "phase $p ($sent packets): flows, alerts and anomalies as seawall pcap -c c$p.yaml"
        # stats.interval 1h from phase 3 on: no periodic stats event in these seconds
        [ "$p" -eq 3 ] && sleep 3
    else
        python3 "$T/phase.py" "$T/out/eve.json" "$p" "$T/off$p.json" show
        bad "phase $p: live events differ from seawall pcap -c c$p.yaml (see above)"
    fi
done

# stats.interval back to 1s: a periodic stats event comes within seconds, not after the hour.
stats_after_reload() {
    python3 -c "
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
eng = [e for e in ev if e['event_type'] == 'engine']
sys.exit(0 if len(eng) == 3 and any(e['event_type'] == 'stats' and e['timestamp'] > eng[2]['timestamp'] for e in ev) else 1)" "$T/out/eve.json"
}
wait_for 30 stats_after_reload && ok "stats.interval reloaded from 1h to 1s: stats again within seconds" ||
    bad "no stats event after stats.interval went back to 1s"
"$SW" status -c "$T/seawall.yaml" --json >"$T/status.json" 2>"$T/status.err"
python3 - "$T/status.json" <<'EOF' && ok "status: host reload-d, generation 4, no rules" || bad "status: $(head -c 400 "$T/status.json") $(cat "$T/status.err")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["host"] == "reload-d", d["host"]
assert d["rules"]["generation"] == 4 and d["rules"]["rules"] == 0, d["rules"]
EOF

dm_stop "$DPID" "$T/log"
grep -q 'SIGTERM: stopping: .* within 4000 ms (agent.stop_timeout)' "$T/log" &&
    ok "agent.stop_timeout reloaded: SIGTERM waits up to 4000 ms" ||
    bad "stop timeout: $(grep SIGTERM "$T/log")"
for k in network.workers network.timeouts.udp ndpi.max_packets.tcp; do
    grep -q "reload: $k changed: it takes effect on restart" "$T/log" ||
        bad "no restart warning for $k in the log"
done
# agent.log_level warning during phase 2: the third reload's "reload:" notice was not written.
n=$(grep -c "notice: reload: $T/seawall.yaml" "$T/log")
[ "$n" -eq 2 ] && ok "agent.log_level reloaded: warning, then info again (2 of 3 reload notices)" ||
    bad "agent.log_level: $n reload notices in the log, want 2"

python3 - "$T" <<'EOF' && ok "each reloadable key took effect in the phase after its reload; engine events list the restart-only keys" || bad "reloaded keys: see above"
import json, sys
T = sys.argv[1]
ev = [json.loads(l) for l in open(T + "/out/eve.json")]
def phase(p, path=None):
    out = []
    for e in [json.loads(l) for l in open(path)] if path else ev:
        if (str(e.get("src_ip", "")).startswith("10.%d." % p) and
                e["event_type"] in ("flow", "anomaly", "alert")):
            out.append(e)
    return out
def flows(p, src, path=None):
    return [e for e in phase(p, path) if e["event_type"] == "flow" and e["src_ip"] == src]
def anomalies(p):
    return [e["anomaly"]["event"] for e in phase(p) if e["event_type"] == "anomaly"]
def alerts(p, src):
    return [e["alert"]["signature"] for e in phase(p)
            if e["event_type"] == "alert" and e["src_ip"] == src]
hosts = {1: "reload-a", 2: "reload-b", 3: "reload-c", 4: "reload-d"}
for p, h in hosts.items():
    assert phase(p) and all(e["host"] == h for e in phase(p)), ("agent.id", p, {e["host"] for e in phase(p)})
# phase 1: defaults. Tunnels decoded, community_id, anomalies.
assert flows(1, "10.1.2.1") and flows(1, "10.1.8.1") and flows(1, "10.1.4.1"), "phase 1 tunnels"
assert anomalies(1).count("decoder.tcp.hlen_too_small") == 2, anomalies(1)
assert alerts(1, "10.1.11.1") == ["nDPI risk: HTTP Numeric IP Address"], alerts(1, "10.1.11.1")
# ndpi.risk_exceptions: risks (phase 2), cidrs (phase 3), hostnames (phase 4)
for p in (2, 3, 4):
    assert flows(p, "10.%d.11.1" % p) and alerts(p, "10.%d.11.1" % p) == [], ("risk exception", p)
# phase 2: eve.community_id_seed 7, eve.anomaly_rate 0, network.decode.tunnels false.
cid = flows(2, "10.2.0.1")[0]["community_id"]
cid0 = flows(2, "10.2.0.1", T + "/off2-seed0.json")[0]["community_id"]
assert cid != cid0, ("eve.community_id_seed not applied", cid)
assert anomalies(2) == [], ("eve.anomaly_rate 0", anomalies(2))
assert flows(2, "10.2.1.1")[0]["proto"] == "4" or flows(2, "10.2.1.1")[0]["proto"] == 4
assert not flows(2, "10.2.2.1") and not flows(2, "10.2.4.1"), "network.decode.tunnels false"
assert flows(2, "10.2.3.1")[0]["dest_port"] == 4789
# phase 3: eve.community_id false, network.decode.max_layers 1, network.decode.vxlan_port 4790
assert all("community_id" not in e for e in phase(3)), "eve.community_id false"
assert "decoder.tunnel.too_many_layers" in anomalies(3), anomalies(3)
assert not flows(3, "10.3.8.1"), "max_layers 1 still decoded two layers"
assert flows(3, "10.3.10.1") and flows(3, "10.3.3.1")[0]["dest_port"] == 4789, "vxlan_port"
# engine events: what each reload did, with the new host
eng = [e for e in ev if e["event_type"] == "engine"]
assert len(eng) == 3, len(eng)
restart = ["network.workers", "network.timeouts.udp", "ndpi.max_packets.tcp"]
for i, (e, h) in enumerate(zip(eng, ["reload-b", "reload-c", "reload-d"])):
    r = e["seawall"]["reload"]
    assert r["ok"] and r["generation"] == i + 2, r
    assert e["host"] == h, (e["host"], h)
    assert r.get("restart_keys") == restart, r.get("restart_keys")
assert "warning" not in eng[0]["seawall"]["reload"] and "warning" not in eng[1]["seawall"]["reload"]
w = eng[2]["seawall"]["reload"].get("warning", "")
assert "no YARA rules (1 before)" in w and eng[2]["seawall"]["reload"]["rules"] == 0, eng[2]
# stats.interval 1h between the third and the fourth reload: at most the one already due
stats = [e for e in ev if e["event_type"] == "stats"]
between = [s for s in stats if eng[1]["timestamp"] < s["timestamp"] < eng[2]["timestamp"]]
assert len(between) <= 1, ("stats.interval 1h not applied", len(between))
# stats events (main thread) carry the host of the set running when they were made
for s in stats:
    after = [e for e in eng if e["timestamp"] < s["timestamp"]]
    want = after[-1]["host"] if after else "reload-a"
    assert s["host"] == want, (s["timestamp"], s["host"], want)
print("engine events: %d, stats events: %d, phase events: %s" %
      (len(eng), len([e for e in ev if e["event_type"] == "stats"]),
       [len(phase(p)) for p in hosts]))
EOF
grep -q 'warning: reload: .*no-rules-any-more: no YARA rules (1 before)' "$T/log" &&
    ok "a reload that leaves no rule is logged as a warning" ||
    bad "no warning for zero rules: $(grep -i 'rules' "$T/log" | tail -n 3)"

# The schema's restart-only keys, as `config check --help` lists them, are the ones a reload
# reported above, plus the ones it never changed; every key changed above is one of them.
"$SW" config check --help >"$T/help" 2>&1
wrong=""
for k in network.workers network.timeouts.udp ndpi.max_packets.tcp; do
    grep -q "^| \`$k\` .*(restart) |$" "$T/help" || wrong="$wrong $k"
done
for k in agent.id agent.stop_timeout eve.community_id eve.community_id_seed eve.anomaly_rate \
    network.decode.tunnels network.decode.max_layers network.decode.vxlan_port rules.dir; do
    grep -q "^| \`$k\` .*(restart) |$" "$T/help" && wrong="$wrong $k"
done
[ -z "$wrong" ] && ok "config check --help marks the keys changed here as the reload treated them" ||
    bad "config check --help marks these keys wrongly as to (restart):$wrong"

# --- a worker that does not switch: pending, then refused ------------------------------------
: >"$T/out/eve.json"
cp "$T/c1.yaml" "$T/seawall.yaml"
dm_start "$T/log2" env SEAWALL_TEST_STALL_WORKER=0 \
    ip netns exec "$NS" "$SW" run -c "$T/seawall.yaml"
D2=$DPID
dm_running "$T/log2" || bad "second daemon: $(tail -n 3 "$T/log2")"
wait_for 10 grep -q 'stalled on purpose' "$T/log2" || bad "worker 0 did not stall"
kill -HUP "$D2"
wait_for 30 sh -c "[ \$(grep -c '\"event_type\":\"engine\"' '$T/out/eve.json') -ge 1 ]"
kill -HUP "$D2"
wait_for 30 sh -c "[ \$(grep -c '\"event_type\":\"engine\"' '$T/out/eve.json') -ge 2 ]"
"$SW" status -c "$T/seawall.yaml" --json >"$T/status2.json" 2>/dev/null
python3 - "$T/out/eve.json" "$T/status2.json" <<'EOF' && ok "a reload a worker does not take is ok: false (pending, then refused), naming the worker" || bad "stalled worker reloads: see above"
import json, sys
eng = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"engine"' in l]
assert len(eng) == 2, eng
a, b = eng[0], eng[1]
ra, rb = a["seawall"]["reload"], b["seawall"]["reload"]
assert not ra["ok"] and a["engine"]["message"].startswith("reload pending"), a
assert "worker 0 did not switch in time" in a["engine"]["error"], a
assert ra["generation"] == 2, ra
assert not rb["ok"] and b["engine"]["message"].startswith("reload refused"), b
assert "worker 0 has not switched since the previous reload" in b["engine"]["error"], b
assert "nothing was swapped" in b["engine"]["message"] and rb["generation"] == 2, b
st = json.load(open(sys.argv[2]))
assert st["rules"]["generation"] == 2, st["rules"]
EOF
grep -q 'error: reload refused: worker 0' "$T/log2" && ok "refused reload logged as an error" ||
    bad "refused reload: $(tail -n 3 "$T/log2")"
dm_stop "$D2" "$T/log2" "second daemon"
grep -q 'Sanitizer' "$T/log" "$T/log2" && bad "sanitizer report: $(grep -h -A3 Sanitizer "$T/log" "$T/log2" | head -n 8)"
echo "run_reload: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
