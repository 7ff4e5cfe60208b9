#!/bin/sh
# files_live.sh SEAWALL - `seawall run` watching files, in every source mode, on file systems
# this test makes: a loop-mounted ext4 image, a tmpfs and an overlay (never / or a shared
# folder). For each (file system, mode) one daemon runs tests/integration/files_live.py:
# create, overwrite, append, truncate(2), chmod, chown, mkdir, rename within and across
# directories, hard link, symlink, delete, replace by rename, write-then-unlink, a web shell
# from the default rules, FIFO and device node, a symlink loop and a hostile name, each with
# exactly the fileinfo, alert and fim events it must give; on tmpfs with fanotify, a rule
# added by a reload finds a file written before it (retro-hunt).
#   ext4     fanotify (filesystem mark), inotify
#   tmpfs    fanotify, fanotify-dirs, inotify, scan (scheduled walks only)
#   overlay  auto (the log must say which source it fell back to), and fanotify forced,
#            which must refuse to start naming the tree (overlayfs refuses filesystem marks)
# Everything runs in a mount namespace of its own (unshare -m), so the mounts go with the
# test even if it is killed; the trap unmounts them anyway.
# Skips (77) without root, unshare or mkfs.ext4. Run it without nice: started above nice 10
# (files.nice), the scan threads cannot lower theirs to 10 after the privilege drop, so each
# mode skips that one check ("skip - ..."), and the closing line counts the skips.
SW=$(realpath "${1:?usage: files_live.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1 ||
    ! command -v mkfs.ext4 >/dev/null 2>&1; then
    echo "skipped: needs root, unshare (util-linux) and mkfs.ext4 (e2fsprogs)"
    exit 77
fi
if [ -z "$SEAWALL_FILES_NS" ]; then
    SEAWALL_FILES_NS=1 exec unshare -m --propagation private sh "$0" "$SW"
fi
T=$(mktemp -d /tmp/seawall-files.XXXXXX)
chmod 0755 "$T"
MOUNTS=""
cleanup() {
    for m in $MOUNTS; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
pass=0 fail=0 skipped=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }

# mkfs_mount KIND DIR: make and mount one file system; the overlay's layers live on a tmpfs.
mkfs_mount() {
    mkdir -p "$2"
    case $1 in
        tmpfs) mount -t tmpfs -o size=64m tmpfs "$2" || return 1 ;;
        ext4)
            truncate -s 64M "$2.img" && mkfs.ext4 -q -F "$2.img" >/dev/null 2>&1 &&
                mount -o loop "$2.img" "$2" || return 1 ;;
        overlay)
            mkdir -p "$T/layers" && mount -t tmpfs tmpfs "$T/layers" || return 1
            MOUNTS="$T/layers $MOUNTS"
            mkdir -p "$T/layers/lower/www/.s" "$T/layers/upper" "$T/layers/work"
            mount -t overlay overlay -o "lowerdir=$T/layers/lower,upperdir=$T/layers/upper,workdir=$T/layers/work" "$2" || return 1 ;;
    esac
    MOUNTS="$2 $MOUNTS"
}

# run_mode KIND MODE [EXPECTED_SOURCE]: a fresh file system and daemon for one mode.
n=0
run_mode() {
    n=$((n + 1))
    fs=$T/fs$n w=$T/w$n
    if ! mkfs_mount "$1" "$fs"; then
        bad "$1: cannot make the file system"
        return
    fi
    mkdir -p "$fs/www/.s" "$w/run" "$w/state" "$w/out" "$w/rules"
    echo "kept" >"$fs/www/keep.txt"
    cp rules/default/*.yar "$w/rules/"
    chown nobody:nogroup "$w/run" "$w/state" "$w/out"
    interval=12h
    [ "$2" = scan ] && interval=1s
    echo "# $1, files.mode $2"
    retro=""
    [ "$1 $2" = "tmpfs fanotify" ] && retro=--retro
    python3 tests/integration/files_live.py --seawall "$SW" --tree "$fs/www" --mode "$2" \
        --work "$w" --scan-interval "$interval" --expect-source "${3:-$2}" $retro >"$w/checks" 2>&1
    rc=$?
    cat "$w/checks"
    # A check the script skipped is not passed: counted apart (see the header).
    skipped=$((skipped + $(grep -c '^skip - ' "$w/checks")))
    if [ $rc -eq 0 ]; then
        ok "$1 $2: every action"
    else
        bad "$1 $2: see above; log: $(tail -n 5 "$w/log" | tr '\n' ' ')"
    fi
}

run_mode ext4 fanotify
run_mode ext4 inotify
run_mode tmpfs fanotify
run_mode tmpfs fanotify-dirs
run_mode tmpfs inotify
run_mode tmpfs scan

# overlay: auto falls back from the filesystem mark overlayfs refuses: to directory marks on
# kernels that mark overlayfs directories (6.6 and later), else to inotify (6.1).
fs=$T/ovl
if mkfs_mount overlay "$fs"; then
    mkdir -p "$T/wo/run" "$T/wo/state" "$T/wo/out"
    chown nobody:nogroup "$T/wo/run" "$T/wo/state" "$T/wo/out"
    cat >"$T/wo/seawall.yaml" <<EOF
agent: {user: nobody, group: nogroup, run_dir: $T/wo/run, state_dir: $T/wo/state}
network: {interfaces: []}
rules: {dir: $T/wo/rules}
files: {paths: [$fs/www], mode: fanotify}
outputs: [{type: file, path: $T/wo/out/eve.json}]
EOF
    "$SW" run -c "$T/wo/seawall.yaml" >"$T/wo/forced.log" 2>&1
    rc=$?
    if [ $rc -eq 2 ] && grep -q "files.mode fanotify: $fs/www: a filesystem mark is refused" "$T/wo/forced.log"; then
        ok "overlay, files.mode fanotify forced: exit 2 naming the tree"
    else
        bad "overlay, forced fanotify: exit $rc: $(tail -n 2 "$T/wo/forced.log")"
    fi
    umount "$fs" && umount "$T/layers" && MOUNTS=$(echo "$MOUNTS" | sed "s|$fs ||; s|$T/layers ||")
fi
src=fanotify-dirs
uname_r=$(uname -r)
case $uname_r in [1-5].*|6.[0-5].*) src=inotify ;; esac
run_mode overlay auto "$src"

echo "files_live: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
