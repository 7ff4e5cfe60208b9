#!/bin/sh
# pcap_http_yara.sh SEAWALL - `seawall pcap --rules DIR`: HTTP bodies of reassembled HTTP
# flows. On WebattackSQLinj.pcap and log4j-webapp-exploit.pcap (corpus-mini) every body gives
# a fileinfo event with the flow tuple, Suricata's http object and fileinfo (sha256 of 64 hex,
# state, gaps, stored false), written before the flow's event; the sha256 and size of every
# Content-Length response body, taken from the capture by an independent parse (Python,
# below), equal those of a fileinfo event; a rule on a string of a response body (with
# seawall_source "http_body" and the parser's file name as filename/extension) gives an alert
# with http.url and fileinfo; a run without --rules has the same fileinfo events (bodies are
# on by default: network.http.bodies) and one with network.http.bodies=false has none. With tshark
# installed, its HTTP object export is compared too (else skipped with a message).
SW=${1:?usage: pcap_http_yara.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }
D=tests/data/corpus-mini/ndpi-4.2

mkdir -p "$T/rules"
cat >"$T/rules/body.yar" <<'R'
rule http_body_login : web {
  meta: description = "login page in an HTTP body" severity = "medium"
  strings: $a = "<html" nocase
  condition: $a and seawall_source == "http_body" and filename == "login" and extension == ""
}
rule http_body_stream_only { strings: $a = "HTTP/1.1 200" condition: $a and seawall_source == "http_body" }
R
rc=0
for p in log4j-webapp-exploit WebattackSQLinj; do
    "$SW" pcap -w 2 --ndpi-dir "$D/example" --rules "$T/rules" -o "$T/$p.json" \
        "$D/pcap/$p.pcap" 2>"$T/err-$p" || rc=1
    "$SW" pcap -w 2 --ndpi-dir "$D/example" -o "$T/$p-norules.json" "$D/pcap/$p.pcap" \
        2>/dev/null || rc=1
    "$SW" pcap -w 2 --ndpi-dir "$D/example" --set network.http.bodies=false \
        -o "$T/$p-base.json" "$D/pcap/$p.pcap" 2>/dev/null || rc=1
done
[ $rc -eq 0 ] && ok "runs exit 0" || nok "runs exit 0: $(cat "$T"/err-*)"

python3 - "$T" "$D/pcap" <<'PY'
import hashlib, json, re, struct, sys
t, pdir = sys.argv[1], sys.argv[2]
res = []
def check(ok, what):
    res.append(bool(ok))
    print(("ok - " if ok else "not ok - ") + what)

def tcp_streams(path):
    """{(src, sport, dst, dport): {seq: payload}} of an Ethernet or SLL IPv4 pcap."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    off, out = 24, {}
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if link == 1 and len(pkt) >= 14:      # Ethernet
            eth, ip = struct.unpack(">H", pkt[12:14])[0], 14
        elif link == 113 and len(pkt) >= 16:  # Linux cooked capture
            eth, ip = struct.unpack(">H", pkt[14:16])[0], 16
        else:
            continue
        while eth == 0x8100:
            eth = struct.unpack(">H", pkt[ip + 2:ip + 4])[0]
            ip += 4
        if eth != 0x0800 or pkt[ip + 9] != 6:
            continue
        ihl = (pkt[ip] & 15) * 4
        tot = struct.unpack(">H", pkt[ip + 2:ip + 4])[0]
        tcp = ip + ihl
        sport, dport, seq = struct.unpack(">HHI", pkt[tcp:tcp + 8])
        doff = (pkt[tcp + 12] >> 4) * 4
        payload = pkt[tcp + doff:ip + tot]
        if payload:
            key = (pkt[ip + 12:ip + 16], sport, pkt[ip + 16:ip + 20], dport)
            out.setdefault(key, {}).setdefault(seq, payload)
    return out

def response_bodies(path):
    """(sha256, size) of every Content-Length body of a response that is neither chunked
    nor content-encoded, from each direction's bytes in sequence order."""
    bodies = []
    for segs in tcp_streams(path).values():
        buf, nxt = b"", None
        for seq in sorted(segs):
            p = segs[seq]
            if nxt is not None and seq < nxt:
                p = p[nxt - seq:]
            buf += p
            nxt = seq + len(segs[seq]) if nxt is None else max(nxt, seq + len(segs[seq]))
        pos = 0
        while True:
            m = re.compile(rb"HTTP/1\.[01] \d{3}").search(buf, pos)
            if not m:
                break
            he = buf.find(b"\r\n\r\n", m.start())
            if he < 0:
                break
            hdr = buf[m.start():he].lower()
            cl = re.search(rb"\r\ncontent-length:\s*(\d+)", hdr)
            pos = he + 4
            if cl is None or b"transfer-encoding" in hdr or b"content-encoding" in hdr:
                continue
            n = int(cl.group(1))
            if n > 0 and pos + n <= len(buf):
                body = buf[pos:pos + n]
                bodies.append((hashlib.sha256(body).hexdigest(), n))
            pos += n
    return bodies

total_expected = 0
for name in ("log4j-webapp-exploit", "WebattackSQLinj"):
    evs = [json.loads(l) for l in open(f"{t}/{name}.json")]
    base = [json.loads(l) for l in open(f"{t}/{name}-base.json")]
    fis = [e for e in evs if e["event_type"] == "fileinfo"]
    check(len(fis) > 0, f"{name}: fileinfo events ({len(fis)})")
    check(not any(e["event_type"] == "fileinfo" for e in base),
          f"{name}: no fileinfo event with network.http.bodies=false")
    nor = [json.loads(l) for l in open(f"{t}/{name}-norules.json")]
    nor_fi = sorted(e["fileinfo"]["sha256"] for e in nor if e["event_type"] == "fileinfo")
    check(nor_fi == sorted(e["fileinfo"]["sha256"] for e in fis),
          f"{name}: without --rules, the same fileinfo events ({len(nor_fi)})")
    flows = {e["flow_id"]: i for i, e in enumerate(evs) if e["event_type"] == "flow"}
    good = True
    for e in fis:
        fi, h = e.get("fileinfo", {}), e.get("http", {})
        good &= bool(re.fullmatch(r"[0-9a-f]{64}", fi.get("sha256", "")))
        good &= fi.get("state") in ("CLOSED", "TRUNCATED") and fi.get("stored") is False
        good &= isinstance(fi.get("gaps"), bool) and isinstance(fi.get("size"), int)
        good &= e.get("app_proto") == "http" and e.get("proto") == "TCP"
        good &= "src_ip" in e and "dest_port" in e and "community_id" in e and "ndpi" in e
        good &= "url" in h and "http_method" in h
        good &= e["flow_id"] in flows and evs.index(e) < flows[e["flow_id"]]
    check(good, f"{name}: fileinfo fields, tuple, http object, before the flow event")
    got = {(e["fileinfo"]["sha256"], e["fileinfo"]["size"]) for e in fis}
    exp = response_bodies(f"{pdir}/{name}.pcap")
    total_expected += len(exp)
    missing = [b for b in exp if b not in got]
    check(not missing, f"{name}: {len(exp)} response bodies parsed independently have "
          f"their sha256 and size in fileinfo (missing {missing[:3]})")
    if name == "log4j-webapp-exploit":
        al = [e for e in evs if e["event_type"] == "alert"
              and e.get("yara", {}).get("rule") == "http_body_login"]
        check(len(al) >= 1, f"rule on a response body string: alert ({len(al)})")
        for a in al[:1]:
            check(a.get("http", {}).get("url") == "/log4shell/login" and
                  a.get("http", {}).get("status") == 200 and
                  a.get("fileinfo", {}).get("filename") == "login" and
                  a["direction"] == "to_client" and
                  a.get("seawall", {}).get("detector") == "yara",
                  "alert carries http.url, status, fileinfo, to_client, detector yara")
            fi = [e for e in fis if e["fileinfo"] == a["fileinfo"] and e["flow_id"] == a["flow_id"]]
            check(len(fi) == 1, "alert's fileinfo is that of a fileinfo event of its flow")
        check(not any(e.get("yara", {}).get("rule") == "http_body_stream_only" for e in evs),
              "body scans see the body only (no status line)")
check(total_expected > 0, f"independent parse found response bodies ({total_expected})")
sys.exit(0 if all(res) else 1)
PY
[ $? -eq 0 ] && pass=$((pass + 1)) || fail=$((fail + 1))

if command -v tshark >/dev/null 2>&1; then
    mkdir -p "$T/objs"
    tshark -r "$D/pcap/log4j-webapp-exploit.pcap" -q --export-objects "http,$T/objs" >/dev/null 2>&1
    n=0 miss=0
    for o in "$T"/objs/*; do
        [ -f "$o" ] || continue
        n=$((n + 1))
        h=$(sha256sum "$o" | cut -d' ' -f1)
        grep -q "\"sha256\":\"$h\"" "$T/log4j-webapp-exploit.json" || miss=$((miss + 1))
    done
    [ $miss -eq 0 ] && ok "tshark --export-objects http: $n objects, all in fileinfo" ||
        nok "tshark --export-objects http: $miss of $n objects not in fileinfo"
else
    echo "tshark comparison: skipped (tshark not installed)"
fi
echo "pcap_http_yara: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
