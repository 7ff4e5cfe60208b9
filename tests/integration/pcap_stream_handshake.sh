#!/bin/sh
# pcap_stream_handshake.sh SEAWALL - issue 9 item 15: the TCP stream follows the handshake
# that completes, not the first SYN (suricata-verify bug-7657-01 did this with 23 SYNs).
# A capture written here (Python, byte by byte) holds three HTTP connections whose request or
# response carries a marker string:
#   A  23 SYNs with other sequence numbers, then the real SYN, SYN-ACK, ACK and a POST whose
#      body holds the marker (the first SYN used to pin the client's stream: body lost);
#   B  the real SYN first, then 3 SYNs with other numbers; the SYN-ACK acknowledges the first
#      (the client's stream goes back to it);
#   C  the server first sends a SYN-ACK acknowledging no SYN of the client (another sequence
#      number), then the real one; the response body holds the marker (the bogus SYN-ACK
#      used to pin the server's stream).
# `seawall pcap --rules` with a YARA rule on the stream and one on the HTTP body must match
# each connection in the right direction, the HTTP bodies must be whole, and the handshake
# anomalies must be counted and reported (anomaly events of type stream, Suricata's names
# stream.3whs_syn_flood and stream.3whs_synack_with_wrong_ack; seawall.stream counters).
SW=${1:?usage: pcap_stream_handshake.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

python3 - "$T/hs.pcap" <<'PY' || { echo "not ok - capture generator failed"; exit 1; }
import struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

CLI, SRV = bytes([10, 9, 7, 1]), bytes([10, 9, 7, 2])
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01

def frame(src, dst, sport, dport, seq, ack, flags, data=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                      5 << 4, flags, 64240, 0, 0) + data
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return bytes.fromhex("020000000002" "020000000001") + b"\x08\x00" + ip + tcp

pkts = []
t = [1700000000.0]

def out(src, dst, sport, dport, seq, ack, flags, data=b""):
    t[0] += 0.001
    pkts.append((t[0], frame(src, dst, sport, dport, seq, ack, flags, data)))

def c2s(port, seq, ack, flags, data=b""):
    out(CLI, SRV, port, 80, seq, ack, flags, data)

def s2c(port, seq, ack, flags, data=b""):
    out(SRV, CLI, 80, port, seq, ack, flags, data)

def exchange(port, cisn, sisn, req, resp):
    """After the handshake: request, response, FIN both ways."""
    c2s(port, cisn + 1, sisn + 1, ACK)
    c2s(port, cisn + 1, sisn + 1, ACK | PSH, req)
    s2c(port, sisn + 1, cisn + 1 + len(req), ACK)
    s2c(port, sisn + 1, cisn + 1 + len(req), ACK | PSH, resp)
    c2s(port, cisn + 1 + len(req), sisn + 1 + len(resp), ACK | FIN)
    s2c(port, sisn + 1 + len(resp), cisn + 2 + len(req), ACK | FIN)
    c2s(port, cisn + 2 + len(req), sisn + 2 + len(resp), ACK)

body = b"name=report&data=SEAWALL-HIDDEN-7657-REQUEST-BODY&end=1"
post = (b"POST /upload HTTP/1.1\r\nHost: 10.9.7.2\r\nUser-Agent: hs-test\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n"
        % len(body)) + body
ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"
get = b"GET /page HTTP/1.1\r\nHost: 10.9.7.2\r\nUser-Agent: hs-test\r\n\r\n"
page = b"<html><body>SEAWALL-HIDDEN-7657-RESPONSE-BODY</body></html>"
resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n"
        % len(page)) + page

# A: 23 decoy SYNs, then the connection. Spread in time as in bug-7657-01, so the anomaly
# events stay under eve.anomaly_rate (10 a second).
for i in range(23):
    t[0] += 0.35
    c2s(45511, 0x10000000 + i * 0x01234567, 0, SYN)
c2s(45511, 4291095205, 0, SYN)
s2c(45511, 1611862386, 4291095206, SYN | ACK)
exchange(45511, 4291095205, 1611862386, post, ok)

# B: the real SYN first, 3 others after it; the SYN-ACK answers the first.
t[0] += 5
c2s(45512, 500000, 0, SYN)
for i in range(3):
    c2s(45512, 900000 + i * 77777, 0, SYN)
s2c(45512, 700000, 500001, SYN | ACK)
exchange(45512, 500000, 700000, post, ok)

# C: a SYN-ACK with another sequence number acknowledging nothing the client sent, then the
# real one.
t[0] += 5
c2s(45513, 123456, 0, SYN)
s2c(45513, 0x55555555, 999, SYN | ACK)
s2c(45513, 0x0abcdef0, 123457, SYN | ACK)
exchange(45513, 123456, 0x0abcdef0, get, resp)

with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for ts, fr in pkts:
        sec = int(ts)
        f.write(struct.pack("<IIII", sec, int(round((ts - sec) * 1e6)), len(fr), len(fr)))
        f.write(fr)
PY

mkdir -p "$T/rules"
cat >"$T/rules/hidden.yar" <<'R'
rule hidden_in_stream { strings: $a = "SEAWALL-HIDDEN-7657" condition: $a and seawall_source == "stream" }
rule hidden_in_body { strings: $a = "SEAWALL-HIDDEN-7657" condition: $a and seawall_source == "http_body" }
R
"$SW" pcap -w 2 --no-cache --rules "$T/rules" -o "$T/out.json" "$T/hs.pcap" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && ok "seawall pcap --rules exits 0" || nok "seawall pcap --rules exits 0 (got $rc: $(cat "$T/err"))"

python3 - "$T/out.json" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
res = []
def check(cond, what):
    res.append(bool(cond))
    print(("ok - " if cond else "not ok - ") + what)

def port_of(e):
    return e["src_port"] if e["src_port"] != 80 else e["dest_port"]

def yara(port, rule):
    return [e["direction"] for e in evs if e["event_type"] == "alert"
            and e.get("seawall", {}).get("detector") == "yara" and e["yara"]["rule"] == rule
            and port_of(e) == port]

for port, name, d in ((45511, "A: 23 SYNs before the real one", "to_server"),
                      (45512, "B: the SYN-ACK answers the first of 4 SYNs", "to_server"),
                      (45513, "C: a SYN-ACK with a wrong ack first", "to_client")):
    check(yara(port, "hidden_in_stream") == [d], "%s: stream rule matches %s (got %s)"
          % (name, d, yara(port, "hidden_in_stream")))
    check(yara(port, "hidden_in_body") == [d], "%s: HTTP body rule matches %s (got %s)"
          % (name, d, yara(port, "hidden_in_body")))
    files = [e["fileinfo"] for e in evs if e["event_type"] == "fileinfo" and port_of(e) == port]
    want = 55 if port != 45513 else 59
    check(any(f["size"] == want and f["state"] == "CLOSED" and not f["gaps"] for f in files),
          "%s: the marked HTTP body is whole (%d bytes, no gaps): %s" % (name, want, files))
    flows = [e for e in evs if e["event_type"] == "flow" and port_of(e) == port]
    check(len(flows) == 1 and flows[0]["flow"]["alerted"], "%s: one flow, alerted" % name)

anom = [(e["anomaly"]["type"], e["anomaly"]["event"], port_of(e)) for e in evs
        if e["event_type"] == "anomaly"]
check(("stream", "stream.3whs_syn_flood", 45511) in anom,
      "A: anomaly stream.3whs_syn_flood (more than 10 other SYNs)")
check(("stream", "stream.3whs_syn_resend_diff_seq", 45512) in anom,
      "B: anomaly stream.3whs_syn_resend_diff_seq")
check(("stream", "stream.3whs_synack_with_wrong_ack", 45513) in anom,
      "C: anomaly stream.3whs_synack_with_wrong_ack")
st = [e for e in evs if e["event_type"] == "stats"][-1]
ss = st["seawall"]["stream"]
check(ss["3whs_syn_resend_diff_seq"] == 23 + 3, "seawall.stream.3whs_syn_resend_diff_seq == 26 (%s)"
      % ss["3whs_syn_resend_diff_seq"])
check(ss["3whs_syn_flood"] == 23 - 10, "seawall.stream.3whs_syn_flood == 13 (%s)"
      % ss["3whs_syn_flood"])
check(ss["3whs_synack_with_wrong_ack"] == 1, "seawall.stream.3whs_synack_with_wrong_ack == 1")
n = sum(1 for a in anom if a[0] == "stream")
check(st["seawall"]["worker"]["anomalies"] >= n > 0,
      "stream anomalies counted with the worker's anomalies (%d events)" % n)
sys.exit(0 if all(res) else 1)
PY
[ $? -eq 0 ] && pass=$((pass + 1)) || fail=$((fail + 1))
echo "pcap_stream_handshake: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
