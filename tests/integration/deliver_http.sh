#!/bin/sh
# deliver_http.sh SEAWALL - the http sink (elasticsearch and splunk formats) against
# tests/tools/httpsink.py, a receiver on 127.0.0.1 that speaks Elasticsearch's _bulk and
# Splunk HEC's wire formats (no Elasticsearch or Splunk server is installable here), driven
# through the real router and spool by tests/tools/sinkdrive (built next to SEAWALL by make
# tools-bins). What arrived is checked by sink_check.py: every event, unchanged (plus
# @timestamp; index named from the event's UTC date; HEC time and host), duplicates at most
# what the sink counted. Cases:
#   elasticsearch: steady state with gzip and basic auth from a password_file, over 3 days of
#     event time (4 daily indexes); per-item 429 (sent again) and 400 mapping errors (dead-letter
#     file, counted as failed); whole-request 429, 503, a dropped connection and an answer
#     slower than the request timeout (sent again, no duplicate indexed: create + _id);
#     wrong password (401: an error with back-off, everything kept in the spool); a
#     world-readable password_file refused at start; mutual TLS with server_name
#     verification, and a receiver refusing a sink without a client certificate;
#   splunk: steady state with indexer acknowledgement and gzip; invalid-event-number (the
#     event rejected, the others delivered), 503 busy, an ackId never acknowledged (sent
#     again after ack_timeout, duplicates counted); a wrong token (403: error, kept).
# Everything is removed at the end, also on failure (trap).
SW=$(realpath "${1:?usage: deliver_http.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
TOOLS=$(dirname "$SW")/tools
if [ ! -x "$TOOLS/sinkdrive" ] || ! command -v python3 >/dev/null || ! command -v openssl >/dev/null ||
    ! command -v curl >/dev/null; then
    echo "skipped: needs $TOOLS/sinkdrive (make tools-bins), python3, openssl and curl"
    exit 77
fi
T=$(mktemp -d /tmp/seawall-http.XXXXXX)
RX_PID=
cleanup() {
    [ -n "$RX_PID" ] && kill "$RX_PID" 2>/dev/null
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
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["sinks"][0][sys.argv[2]])' "$1" "$2"; }
stat_of() { curl -s "$SCHEME://127.0.0.1:$PORT/_test/stats" $CURL_TLS | python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# receiver NAME MODE [ARGS]: start httpsink.py; PORT, SCHEME set.
receiver() {
    [ -n "$RX_PID" ] && kill "$RX_PID" 2>/dev/null && wait "$RX_PID" 2>/dev/null
    mkdir -p "$T/$1"
    name=$1 mode=$2
    shift 2
    rm -f "$T/$name/port"
    python3 tests/tools/httpsink.py --mode "$mode" --log "$T/$name/got" --port-file "$T/$name/port" \
        "$@" 2>"$T/$name/rx.err" &
    RX_PID=$!
    n=0
    while [ ! -f "$T/$name/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    PORT=$(cat "$T/$name/port" 2>/dev/null)
    SCHEME=http
    CURL_TLS=
    case "$*" in *--cert*) SCHEME=https CURL_TLS="-k --cert $T/pki/client.pem --key $T/pki/client.key" ;; esac
}
script() { curl -s -X POST --data "$1" "$SCHEME://127.0.0.1:$PORT/_test/script" $CURL_TLS >/dev/null; }

# config NAME SINK_KEYS: a config with one sink "h" of these keys.
config() {
    mkdir -p "$T/$1/state" "$T/$1/spool"
    cat >"$T/$1/seawall.yaml" <<EOF
agent: {id: agent-7, state_dir: $T/$1/state}
outputs:
  - {name: h, type: http, $2,
     retry: {initial: 100ms, max: 1s}}
spool: {dir: $T/$1/spool, fsync: never}
EOF
}
drive() { # NAME N WAIT [more sinkdrive args]
    name=$1 n=$2 w=$3
    shift 3
    "$TOOLS/sinkdrive" -c "$T/$name/seawall.yaml" -n "$n" -o "$T/$name/sent" -w "$w" "$@" \
        2>"$T/$name/drive.err"
}

# --- a test PKI ---
mkdir -p "$T/pki"
(
    cd "$T/pki" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
        -subj "/CN=seawall test ca" &&
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=siem.test" &&
        printf 'subjectAltName=DNS:siem.test\n' >san.ext &&
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
            -days 2 -extfile san.ext &&
        openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=agent-7" &&
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2
) >"$T/pki.log" 2>&1 || { echo "not ok - openssl could not make the test PKI"; exit 1; }
chmod 0600 "$T/pki/client.key"

# --- elasticsearch ---
# 1. steady state, gzip, basic auth, three days of events
printf 'secret-pw\n' >"$T/pw"
chmod 0600 "$T/pw"
receiver es1 es --basic elastic:secret-pw
config es1 "url: \"http://127.0.0.1:$PORT\", format: elasticsearch, gzip: true,
     username: elastic, password_file: $T/pw"
out=$(drive es1 6000 60 -s 3)
rc=$?
[ $rc -eq 0 ] && [ "$(field "$out" acked)" -eq 6000 ] && [ "$(field "$out" retried)" -eq 0 ] &&
    ok "es steady: 6000 acked, none retried" || bad "es steady: rc $rc $out $(cat "$T/es1/drive.err")"
[ "$(stat_of gzip)" -eq "$(stat_of requests)" ] && [ "$(stat_of requests)" -gt 0 ] &&
    ok "es steady: every request gzip ($(stat_of requests) requests)" || bad "gzip $(stat_of gzip) of $(stat_of requests)"
check "$T/es1/sent" "$T/es1/got" --kind bulk --label "es steady"
idx=$(python3 -c 'import json,sys; print(len({json.loads(l)["_index"] for l in open(sys.argv[1])}))' "$T/es1/got")
# alert i of n is at 2025-12-01 + 3 days * i / n: i = 1..n touches 4 dates
[ "$idx" -eq 4 ] && ok "es steady: 4 daily indexes" || bad "es steady: $idx indexes, expected 4"

# 2. per-item 429 and mapping errors
receiver es2 es
config es2 "url: \"http://127.0.0.1:$PORT\", dead_letter: {path: $T/es2/dead.json}"
script '[{"items": {"0": 429, "1": 400}}, {"items": {"2": 400, "3": 429, "4": 503}}]'
out=$(drive es2 3000 60)
rc=$?
dead=$(wc -l <"$T/es2/dead.json" 2>/dev/null || echo 0)
[ $rc -eq 0 ] && [ "$(field "$out" failed)" -eq 2 ] && [ "$(field "$out" acked)" -eq 2998 ] &&
    [ "$(field "$out" retried)" -ge 3 ] && [ "$dead" -eq 2 ] &&
    ok "es items: 2 mapping errors rejected into the dead-letter file, 3 items sent again" ||
    bad "es items: rc $rc dead $dead $out"
grep -q mapper_parsing_exception "$T/es2/dead.json" && ok "es items: dead letters carry the reason" ||
    bad "dead letters: $(head -c 300 "$T/es2/dead.json")"
absent=$(python3 -c 'import json,sys; print(",".join(str(json.loads(l)["event"]["alert"]["signature_id"]) for l in open(sys.argv[1])))' "$T/es2/dead.json")
check "$T/es2/sent" "$T/es2/got" --kind bulk --absent "$absent" --no-order --label "es items"

# 3. whole-request 429, 503, dropped connection, slower than the request timeout
receiver es3 es
config es3 "url: \"http://127.0.0.1:$PORT\", timeout: 1s"
script '[{"status": 429}, {"status": 503}, {"drop": true}, {"delay": 2}, {"status": 500}]'
out=$(drive es3 3000 60)
rc=$?
[ $rc -eq 0 ] && [ "$(field "$out" acked)" -eq 3000 ] && [ "$(field "$out" retried)" -gt 0 ] &&
    ok "es failures: 3000 acked after $(field "$out" retried) resends ($(field "$out" duplicates_possible) possible duplicates)" ||
    bad "es failures: rc $rc $out"
check "$T/es3/sent" "$T/es3/got" --kind bulk --dups 0 --no-order --label "es failures (create + _id: none indexed twice)"

# 4. wrong password: an error with back-off, nothing lost
printf 'wrong\n' >"$T/pw-wrong"
chmod 0600 "$T/pw-wrong"
receiver es4 es --basic elastic:secret-pw
config es4 "url: \"http://127.0.0.1:$PORT\", username: elastic, password_file: $T/pw-wrong"
out=$(drive es4 500 3)
[ "$(field "$out" acked)" -eq 0 ] && [ "$(field "$out" failed)" -eq 0 ] &&
    [ "$(field "$out" spooled_events)" -eq 500 ] && field "$out" last_error | grep -q 'HTTP 401' &&
    ok "es 401: an error ($(field "$out" last_error | cut -c1-60)...), 500 kept in the spool" ||
    bad "es 401: $out"
chmod 0644 "$T/pw-wrong"
config es4b "url: \"http://127.0.0.1:$PORT\", username: elastic, password_file: $T/pw-wrong"
drive es4b 10 3 >/dev/null
[ $? -eq 2 ] && grep -q 'readable or writable by others' "$T/es4b/drive.err" &&
    ok "a world-readable password_file is refused: $(cat "$T/es4b/drive.err")" ||
    bad "world-readable password_file: $(cat "$T/es4b/drive.err")"

# 5. mutual TLS, server_name verified while connecting to 127.0.0.1
P=$T/pki
receiver es5 es --cert "$P/server.pem" --key "$P/server.key" --client-ca "$P/ca.pem"
config es5 "url: \"https://127.0.0.1:$PORT\",
     tls: {ca: $P/ca.pem, cert: $P/client.pem, key: $P/client.key, server_name: siem.test}"
out=$(drive es5 2000 60)
[ "$(field "$out" acked)" -eq 2000 ] && ok "es mutual TLS: 2000 acked" || bad "es mutual TLS: $out"
check "$T/es5/sent" "$T/es5/got" --kind bulk --label "es mutual TLS"
config es5b "url: \"https://127.0.0.1:$PORT\", tls: {ca: $P/ca.pem, server_name: siem.test}"
out=$(drive es5b 100 3)
[ "$(field "$out" acked)" -eq 0 ] && [ "$(field "$out" failed)" -eq 0 ] &&
    [ -n "$(field "$out" last_error)" ] &&
    ok "es TLS without a client certificate: refused, kept ($(field "$out" last_error | cut -c1-70))" ||
    bad "es TLS without client certificate: $out"
config es5c "url: \"https://127.0.0.1:$PORT\", tls: {ca: $P/ca.pem, cert: $P/client.pem, key: $P/client.key}"
out=$(drive es5c 100 3)
[ "$(field "$out" acked)" -eq 0 ] && field "$out" last_error | grep -qi 'certificate\|SSL' &&
    ok "es TLS: 127.0.0.1 is not the certificate's name: refused ($(field "$out" last_error | cut -c1-70))" ||
    bad "es TLS name check: $out"

# --- splunk ---
# 6. steady state with acknowledgement and gzip
receiver hec1 hec --token 11111111-2222-3333-4444-555555555555
config hec1 "url: \"http://127.0.0.1:$PORT\", format: splunk, gzip: true,
     token: 11111111-2222-3333-4444-555555555555, ack_interval: 100ms"
out=$(drive hec1 6000 60)
rc=$?
[ $rc -eq 0 ] && [ "$(field "$out" acked)" -eq 6000 ] && [ "$(stat_of ack_polls)" -gt 0 ] &&
    ok "hec steady: 6000 acked through $(stat_of ack_polls) ack polls" || bad "hec steady: rc $rc $out"
check "$T/hec1/sent" "$T/hec1/got" --kind hec --label "hec steady"

# 7. invalid event, busy, an ackId never acknowledged, slow acknowledgement
receiver hec2 hec --token tok
config hec2 "url: \"http://127.0.0.1:$PORT\", format: splunk, token: tok, ack_interval: 100ms,
     ack_timeout: 2s, dead_letter: {path: $T/hec2/dead.json}"
script '[{"invalid": 1}, {"status": 503, "body": {"text": "Server is busy", "code": 9}}, {"noack": true}, {"ackdelay": 3}]'
out=$(drive hec2 3000 60)
rc=$?
dead=$(wc -l <"$T/hec2/dead.json" 2>/dev/null || echo 0)
[ $rc -eq 0 ] && [ "$(field "$out" failed)" -eq 1 ] && [ "$(field "$out" acked)" -eq 2999 ] &&
    [ "$dead" -eq 1 ] &&
    ok "hec failures: 1 invalid event rejected, 2999 acked ($(field "$out" retried) resends, $(field "$out" duplicates_possible) possible duplicates)" ||
    bad "hec failures: rc $rc dead $dead $out"
absent=$(python3 -c 'import json,sys; print(",".join(str(json.loads(l)["event"]["alert"]["signature_id"]) for l in open(sys.argv[1])))' "$T/hec2/dead.json")
check "$T/hec2/sent" "$T/hec2/got" --kind hec --absent "$absent" --dups "$(field "$out" duplicates_possible)" --no-order --label "hec failures"

# 8. wrong token
receiver hec3 hec --token right
config hec3 "url: \"http://127.0.0.1:$PORT\", format: splunk, token: wrong"
out=$(drive hec3 200 3)
[ "$(field "$out" acked)" -eq 0 ] && [ "$(field "$out" failed)" -eq 0 ] &&
    field "$out" last_error | grep -q 'HTTP 403' &&
    ok "hec wrong token: an error ($(field "$out" last_error | cut -c1-70)), events kept" ||
    bad "hec wrong token: $out"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
