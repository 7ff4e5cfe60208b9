#!/bin/sh
# status_cli.sh SEAWALL - `seawall status` against fake daemons: a small python3 server on a
# unix socket in a temp dir answers a canned reply, as the daemon's control socket would.
# Checks the error line and exit 2 without a daemon, --help, --json, piped output (JSON), the
# table on a terminal (via script(1) when installed), the socket path taken from the config,
# and exit 2 on junk, error and oversized replies.
SW=${1:?usage: status_cli.sh SEAWALL}
SW=$(cd "$(dirname "$SW")" && pwd)/$(basename "$SW")
cd "$(dirname "$0")/../.." || exit 2
command -v python3 >/dev/null 2>&1 || { echo "skip - python3 not installed"; exit 77; }
T=$(mktemp -d)
SRV_PID=""
stop_server() {
    if [ -n "$SRV_PID" ]; then
        kill "$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
        SRV_PID=""
    fi
    rm -f "$T/seawall.sock"
}
trap 'stop_server; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

cat >"$T/srv.py" <<'EOF'
import os, socket, sys
path, reply_file = sys.argv[1], sys.argv[2]
reply = open(reply_file, "rb").read()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
os.chmod(path, 0o660)
s.listen(4)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        req = b""
        while not req.endswith(b"\n") and len(req) < 64:
            chunk = c.recv(64)
            if not chunk:
                break
            req += chunk
        if req == b"status\n":
            c.sendall(reply)
    except OSError:
        pass
    c.close()
EOF

# start_server REPLY_FILE: serve it on $T/seawall.sock until stop_server.
start_server() {
    stop_server
    python3 "$T/srv.py" "$T/seawall.sock" "$1" &
    SRV_PID=$!
    i=0
    while [ ! -S "$T/seawall.sock" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    [ -S "$T/seawall.sock" ] || bad "fake server did not start"
}

# No daemon: one line naming the socket, exit 2.
"$SW" status --socket /nonexistent/x.sock >"$T/out" 2>"$T/err"
rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '/nonexistent/x.sock' "$T/err" &&
    grep -q 'is seawall running' "$T/err" && [ ! -s "$T/out" ]; then
    ok "no daemon: exit 2, one line naming the socket"
else
    bad "no daemon: exit $rc, stderr: $(cat "$T/err")"
fi

"$SW" status --help >"$T/out" 2>&1 && grep -q 'usage: seawall status' "$T/out" &&
    ok "status --help exits 0" || bad "status --help: $(head -n 2 "$T/out")"
"$SW" status --bogus >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && ok "unknown option exits 2" || bad "unknown option: exit $rc"
"$SW" status extra >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && ok "stray argument exits 2" || bad "stray argument: exit $rc"
"$SW" --help | grep -q '^  status' && ok "seawall --help lists status" ||
    bad "seawall --help does not list status"

# A stale socket file nobody listens on: connection refused, exit 2.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$T/seawall.sock"
"$SW" status --socket "$T/seawall.sock" >/dev/null 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "$T/seawall.sock: Connection refused" "$T/err" &&
    ok "stale socket: connection refused, exit 2" || bad "stale socket: exit $rc, $(cat "$T/err")"
rm -f "$T/seawall.sock"

DOC='{"version":"0.x","pid":123,"uptime":273906,"config":"/etc/seawall/seawall.yaml","user":"seawall","seccomp":true,"rules":{"generation":2,"loaded":"2026-11-26T10:00:00.000000+0000","files":7,"rules":10,"dir":"/etc/seawall/rules"},"interfaces":[{"name":"eth0","received":1234567,"kernel_drops":0,"if_drops":0,"ring_drops":0}],"workers":[{"id":0,"packets":500,"flows_active":3,"flows_ended":10,"flows_evicted":0,"alerts":1,"decode_errors":0}],"sinks":[{"name":"file /var/log/seawall/eve.json","queued":0,"written":40,"dropped":0}],"memory":{"flows":123456,"fragments":0,"streams":0},"test_marker_counter":98765}'
printf '%s\n' "$DOC" >"$T/doc"
start_server "$T/doc"

"$SW" status --socket "$T/seawall.sock" --json >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && cmp -s "$T/out" "$T/doc" && ok "--json prints the document as received" ||
    bad "--json: exit $rc, $(cat "$T/err")"
"$SW" status --socket "$T/seawall.sock" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["test_marker_counter"]==98765 else 1)' &&
    ok "piped output is the JSON document" || bad "piped output is not the JSON document"

# The socket path from the configuration: agent.run_dir/seawall.sock.
printf 'agent:\n  run_dir: %s\n' "$T" >"$T/seawall.yaml"
"$SW" status -c "$T/seawall.yaml" >"$T/out" 2>"$T/err" && cmp -s "$T/out" "$T/doc" &&
    ok "-c FILE: socket in agent.run_dir" || bad "-c FILE: $(cat "$T/err")"
"$SW" status --set agent.run_dir="$T" >"$T/out" 2>"$T/err" && cmp -s "$T/out" "$T/doc" &&
    ok "--set agent.run_dir: socket there" || bad "--set agent.run_dir: $(cat "$T/err")"
printf 'agent:\n  run_dir: 42: [\n' >"$T/bad.yaml"
"$SW" status -c "$T/bad.yaml" >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] && ok "broken config file: exit 2" || bad "broken config file: exit $rc"

# On a terminal: the table, rendered from the document.
if command -v script >/dev/null 2>&1; then
    script -qec "'$SW' status --socket '$T/seawall.sock'" /dev/null >"$T/tty" 2>&1
    rc=$?
    tr -d '\r' <"$T/tty" >"$T/table"
    if [ $rc -eq 0 ] && grep -q '^test_marker_counter: *98,765$' "$T/table" &&
        grep -q '^uptime: *3d 04:05:06$' "$T/table" &&
        grep -q '^rules:$' "$T/table" && grep -q '^  generation: *2$' "$T/table" &&
        grep -Eq '^  name +received +kernel_drops' "$T/table" &&
        grep -Eq '^  eth0 +1,234,567 +0' "$T/table" && ! grep -q '{' "$T/table"; then
        ok "terminal: table with sections, columns and grouped counters"
    else
        bad "terminal table (exit $rc): $(head -n 12 "$T/table")"
    fi
    script -qec "'$SW' status --json --socket '$T/seawall.sock'" /dev/null >"$T/tty" 2>&1
    tr -d '\r' <"$T/tty" | cmp -s - "$T/doc" && ok "terminal with --json: the document" ||
        bad "terminal with --json: $(head -c 200 "$T/tty")"
else
    echo "skip - script(1) not installed: terminal rendering not checked"
fi

# Permission denied: a user outside the socket's group is told which group to join.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1 && id nobody >/dev/null 2>&1; then
    chmod 0755 "$T"
    setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
        "$SW" status --socket "$T/seawall.sock" >/dev/null 2>"$T/err"
    rc=$?
    grp=$(stat -c %G "$T/seawall.sock")
    [ $rc -eq 2 ] && grep -q "Permission denied.*group '$grp'" "$T/err" &&
        ok "permission denied names the group" || bad "permission denied: exit $rc, $(cat "$T/err")"
    chmod 0700 "$T"
else
    echo "skip - not root or no setpriv: permission message not checked"
fi

# Bad replies: exit 2 naming the socket.
printf 'this is not json\n' >"$T/junk"
start_server "$T/junk"
"$SW" status --socket "$T/seawall.sock" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "$T/seawall.sock: the reply is not a JSON object" "$T/err" && [ ! -s "$T/out" ] &&
    ok "junk reply: exit 2 naming the socket" || bad "junk reply: exit $rc, $(cat "$T/err")"

printf '{"error":"unknown request"}\n' >"$T/refused"
start_server "$T/refused"
"$SW" status --socket "$T/seawall.sock" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "refused: unknown request" "$T/err" &&
    ok "error reply: exit 2 with the daemon's message" || bad "error reply: exit $rc, $(cat "$T/err")"

python3 -c 'import sys; sys.stdout.write("[" + " " * (5 << 20) + "]\n")' >"$T/huge"
start_server "$T/huge"
"$SW" status --socket "$T/seawall.sock" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "larger than 4 MiB" "$T/err" &&
    ok "reply over 4 MiB: exit 2" || bad "huge reply: exit $rc, $(cat "$T/err")"

printf '' >"$T/empty"
start_server "$T/empty"
"$SW" status --socket "$T/seawall.sock" >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "without a reply" "$T/err" &&
    ok "no reply: exit 2" || bad "no reply: exit $rc, $(cat "$T/err")"
stop_server

echo "status_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
