#!/bin/sh
# http_objects.sh SEAWALL - the HTTP objects tshark exports (`tshark --export-objects http`)
# from the captures of ../shared/corpus/ndpi-4.2/pcap and seawall pcap's fileinfo events, as
# multisets of sha256 (each copy of a body counts): >= 99 % of objects matched; every miss is
# listed with its cause and both counts in tests/http-objects-known-differences.tsv, and a
# listed entry whose counts change or that no longer misses fails (see
# tests/integration/http_objects.py for the tshark options and the rules). A second
# run per capture with network.stream.depth=4KiB and --rules rules/default checks that bodies
# larger than the depth are whole. Without the corpus, the captures of tests/data/corpus-mini
# stand in; without tshark, skipped (exit 77).
SW=${1:?usage: http_objects.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
if ! command -v tshark >/dev/null 2>&1; then
    echo "skipped: tshark not installed"
    exit 77
fi
C=${SEAWALL_CORPUS:-../shared/corpus}/ndpi-4.2
if [ ! -d "$C/pcap" ]; then
    echo "skipped: corpus not found ($C); using tests/data/corpus-mini"
    C=tests/data/corpus-mini/ndpi-4.2
fi
python3 tests/integration/http_objects.py --seawall "$SW" --pcaps "$C/pcap" \
    --ndpi-dir "$C/example" --known tests/http-objects-known-differences.tsv --jobs 2 \
    --variant "depth-4KiB+rules:--set,network.stream.depth=4KiB,--rules,rules/default"
rc=$?
[ $rc -eq 0 ] && echo "http_objects: passed" || echo "http_objects: failed"
exit $rc
