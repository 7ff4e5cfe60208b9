#!/bin/sh
# lint.sh - the source checks of `make lint` (STYLE.md sections 5 and 12).
#   1. banned calls in the C sources outside tests/: strcpy strcat sprintf vsprintf gets strtok
#      atoi atol atof strncpy alloca signal system rand, as whole-word calls ("name(" with
#      optional blanks; not snprintf, sw_signal or a struct member ->system), ignoring
#      comments and string and character literals;
#   2. every include/sw/X.h compiles alone (-Wall -Wextra -Werror);
#   3. every include/sw/X.h is guarded by #ifndef SW_X_H / #define SW_X_H ... #endif;
#   4. the layers (tests/tools/layers.sh): collectors include no rules header but the
#      detection stages', output no collector or rules header.
# Prints one line per problem ("file:line: banned 'strcpy'", "include/sw/x.h: ...") and exits
# 1, or prints "lint: ok (N files)" and exits 0. Run from anywhere; CC picks the compiler.
cd "$(dirname "$0")/../.." || exit 2
LC_ALL=C # plain ASCII compiler messages, byte-wise sort
export LC_ALL

CC=${CC:-cc}
BANNED="strcpy strcat sprintf vsprintf gets strtok atoi atol atof strncpy alloca signal system rand"
SRC_DIRS="agent collectors rules output include"

tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
problems=0

# --- 1. banned calls ---------------------------------------------------------------------------
dirs=""
for d in $SRC_DIRS; do
    [ -d "$d" ] && dirs="$dirs $d"
done
# shellcheck disable=SC2086
find $dirs -type f \( -name '*.c' -o -name '*.h' \) | sort >"$tmp/files"
nfiles=$(wc -l <"$tmp/files" | tr -d ' ')

if [ "$nfiles" -gt 0 ]; then
    # Blank out comments, string and character literals (keeping line numbers), then look for
    # "name(" preceded by a character that cannot end an identifier or a member access.
    # shellcheck disable=SC2016
    tr '\n' '\0' <"$tmp/files" | xargs -0 awk -v banned="$BANNED" '
    BEGIN { nb = split(banned, ban, " ") }
    FNR == 1 { incomment = 0 }
    {
        line = $0; out = ""; i = 1; n = length(line)
        while (i <= n) {
            c = substr(line, i, 1)
            if (incomment) {
                if (c == "*" && substr(line, i + 1, 1) == "/") {
                    incomment = 0; i += 2; out = out " "
                } else {
                    i++
                }
                continue
            }
            if (c == "/" && substr(line, i + 1, 1) == "*") {
                incomment = 1; i += 2; out = out " "; continue
            }
            if (c == "/" && substr(line, i + 1, 1) == "/")
                break
            if (c == "\"" || c == "\047") {
                q = c; out = out " "; i++
                while (i <= n) {
                    d = substr(line, i, 1)
                    if (d == "\\") { i += 2; continue }
                    i++
                    if (d == q) break
                }
                continue
            }
            out = out c; i++
        }
        for (b = 1; b <= nb; b++)
            if (match(" " out, "[^A-Za-z0-9_.>]" ban[b] "[ \t]*[(]"))
                printf "%s:%d: banned \047%s\047\n", FILENAME, FNR, ban[b]
    }' >"$tmp/bans"
    if [ -s "$tmp/bans" ]; then
        cat "$tmp/bans"
        problems=$((problems + $(wc -l <"$tmp/bans")))
    fi
fi

# --- 2. each public header compiles alone; 3. its include guard --------------------------------
NDPI_CFLAGS=$(pkg-config --cflags libndpi 2>/dev/null)
for h in include/sw/*.h; do
    [ -f "$h" ] || continue
    base=$(basename "$h" .h)
    # shellcheck disable=SC2086
    if ! printf '#include "sw/%s.h"\n' "$base" |
        "$CC" -std=c11 -D_GNU_SOURCE -Iinclude $NDPI_CFLAGS -Wall -Wextra -Werror \
            -fsyntax-only -x c - >"$tmp/cc.out" 2>&1; then
        first=$(grep -m 1 -E 'error|warning' "$tmp/cc.out")
        [ -n "$first" ] || first=$(head -n 1 "$tmp/cc.out")
        echo "$h: does not compile alone: $first"
        problems=$((problems + 1))
    fi

    # shellcheck disable=SC2018,SC2019
    guard=SW_$(printf '%s' "$base" | tr 'a-z' 'A-Z' | tr -c 'A-Z0-9\n' '_')_H
    # The first two directives must open the guard and the last one close it.
    grep -E '^[[:space:]]*#' "$h" | sed 's/[[:space:]]\{1,\}/ /g; s/^ //; s/^# /#/; s/ $//' \
        >"$tmp/dirs"
    d1=$(sed -n 1p "$tmp/dirs")
    d2=$(sed -n 2p "$tmp/dirs")
    dl=$(sed -n '$p' "$tmp/dirs")
    if [ "$d1" != "#ifndef $guard" ] || [ "$d2" != "#define $guard" ]; then
        echo "$h: no include guard $guard (first directives: '$d1', '$d2')"
        problems=$((problems + 1))
    elif [ "${dl%% *}" != "#endif" ]; then
        echo "$h: include guard $guard not closed by the last directive (found '$dl')"
        problems=$((problems + 1))
    fi
done

# --- 4. layers (tests/tools/layers.sh, also run by tests/integration/layers.sh) -------------
if ! sh tests/tools/layers.sh . >"$tmp/layers"; then
    grep -v '^layers: ' "$tmp/layers"
    problems=$((problems + $(grep -c -v '^layers: ' "$tmp/layers")))
fi

if [ "$problems" -gt 0 ]; then
    exit 1
fi
echo "lint: ok ($nfiles files)"
exit 0
