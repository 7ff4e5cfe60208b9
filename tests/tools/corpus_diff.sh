#!/bin/sh
# corpus_diff.sh OLD_SEAWALL NEW_SEAWALL [OUT_DIR] - run two seawall binaries over the whole
# corpus (../shared/corpus: nDPI's 247 captures and the Community ID captures) in three modes
# and compare their EVE output with eve_diff.py: a: pcap -w 1; b: pcap -w 1 --rules (a YARA
# set matching streams, TLS records and HTTP bodies); c: pcap -w 3 --rules. For a change that
# must not alter what seawall reports (a refactoring): run main's binary and the branch's.
# Takes a while (3 x 257 runs per binary). Exit status: eve_diff.py's.
OLD=$(realpath "${1:?usage: corpus_diff.sh OLD_SEAWALL NEW_SEAWALL [OUT_DIR]}")
NEW=$(realpath "${2:?usage: corpus_diff.sh OLD_SEAWALL NEW_SEAWALL [OUT_DIR]}")
cd "$(dirname "$0")/../.." || exit 2
C=$(realpath "${SEAWALL_CORPUS:-../shared/corpus}") || exit 2
OUT=${3:-$(mktemp -d /tmp/seawall-corpus-diff.XXXXXX)}
mkdir -p "$OUT/rules"
cat >"$OUT/rules/diff.yar" <<'YAR'
rule diff_any_body { condition: seawall_source == "http_body" }
rule diff_http_stream { strings: $a = "HTTP/1." condition: $a and seawall_source == "stream" }
rule diff_tls_record { strings: $h = { 16 03 } condition: $h at 0 }
rule diff_file_types { condition: filetype == "EXE" or filetype == "ZIP" or extension == "js" }
YAR
gunzip -c "$C/community-id/pcaps/combined.pcap.gz" >"$OUT/combined.pcap" || exit 2
# run_all old|new: every capture in the three modes with that binary.
run_all() {
    which=$1
    if [ $which = old ]; then SW=$OLD; else SW=$NEW; fi
    mkdir -p "$OUT/$which/a" "$OUT/$which/b" "$OUT/$which/c"
    for f in "$C"/ndpi-4.2/pcap/* "$C"/community-id/pcaps/*.pcap "$OUT/combined.pcap"; do
        n=$(basename "$f")
        case $f in */community-id/*) n=cid-$n ;; esac
        E="--ndpi-dir $C/ndpi-4.2/example"
        # shellcheck disable=SC2086
        "$SW" pcap -w 1 $E -o "$OUT/$which/a/$n.json" "$f" 2>/dev/null
        # shellcheck disable=SC2086
        "$SW" pcap -w 1 $E --rules "$OUT/rules" --no-cache -o "$OUT/$which/b/$n.json" "$f" 2>/dev/null
        # shellcheck disable=SC2086
        "$SW" pcap -w 3 $E --rules "$OUT/rules" --no-cache -o "$OUT/$which/c/$n.json" "$f" 2>/dev/null
    done
}
# CORPUS_DIFF_JOBS=2: both binaries at once (two cores); default one after the other.
if [ "${CORPUS_DIFF_JOBS:-1}" -ge 2 ]; then
    run_all old &
    run_all new
    wait
else
    run_all old
    run_all new
fi
python3 tests/tools/eve_diff.py "$OUT/old" "$OUT/new"
