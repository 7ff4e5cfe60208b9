#!/bin/sh
# run_cli.sh SEAWALL - `seawall run` start-up failures: each is one line naming the culprit
# and exit status 2, before any capture (no namespace needed).
SW=${1:?usage: run_cli.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
base="agent: {user: nobody, group: nogroup, run_dir: $T/run, state_dir: $T/state}
rules: {dir: $T/no-rules-here}"

# expect NAME PATTERN CONFIG-TEXT [ARGS...]: exit 2 and stderr matching PATTERN
expect() {
    name=$1 pat=$2 text=$3
    shift 3
    printf '%s\n' "$text" >"$T/c.yaml"
    "$SW" run -c "$T/c.yaml" "$@" >"$T/out" 2>"$T/err" </dev/null
    rc=$?
    if [ $rc -eq 2 ] && grep -qE "$pat" "$T/err"; then
        ok "$name: exit 2, $(grep -E "$pat" "$T/err" | head -n 1 | sed 's/^.*Z [a-z]*: //')"
    else
        bad "$name: exit $rc: $(tail -n 2 "$T/err")"
    fi
}

"$SW" run --help >"$T/out" 2>&1 && grep -q 'SIGHUP' "$T/out" && ok "run --help" || bad "run --help"
"$SW" run stray >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "unexpected argument 'stray'" "$T/err" && ok "stray argument: exit 2" ||
    bad "stray argument: $(cat "$T/err")"
"$SW" run -c "$T/missing.yaml" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "$T/missing.yaml" "$T/err" && ok "missing config file names it" ||
    bad "missing config: $(cat "$T/err")"
expect "config error" "c.yaml:[0-9]+:[0-9]+: network.workers" "$base
network: {workers: 0}"
expect "unknown interface" "interface nosuch0" "$base
network: {interfaces: [{name: nosuch0}]}
outputs: []"
grep -q "no rules directory: running without YARA rules" "$T/err" &&
    ok "a missing rules directory is a warning, not an error" || bad "rules dir: $(cat "$T/err")"
expect "bad BPF filter" "interface lo: bpf 'tcp port': " "$base
network: {interfaces: [{name: lo, bpf: 'tcp port'}]}
outputs: []"
expect "sink whose CA file is missing" "outputs\[0\]: tls.ca $T/no-ca.pem: No such file or directory" "$base
network: {interfaces: [{name: lo}]}
outputs: [{type: syslog, address: '127.0.0.1:514', transport: tls, tls: {ca: $T/no-ca.pem}}]
spool: {dir: $T/spool}"
expect "unwritable output" "$T/nodir/eve.json" "$base
network: {interfaces: [{name: lo}]}
outputs: [{type: file, path: $T/nodir/eve.json}]"
expect "unknown user" "seawal-nobody" "$base
network: {interfaces: [{name: lo}]}
outputs: []" --set agent.user=seawal-nobody
# No interface is a host-only agent, but then it must watch files.
expect "no interface and no files" "nothing to do: network.interfaces and files.paths are both empty" "$base
network: {interfaces: []}
outputs: []"
expect "a watched path that is not absolute" "files.paths\\[0\\]: 'www' is not an absolute path" "$base
network: {interfaces: []}
files: {paths: [www]}"
expect "forced inotify on a missing tree" "files.paths: $T/no-such-tree" "$base
network: {interfaces: []}
files: {paths: [$T/no-such-tree], mode: inotify}
outputs: []"
echo "run_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
