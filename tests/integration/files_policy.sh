#!/bin/sh
# files_policy.sh SEAWALL - `seawall run` watching files: the files.* policy keys (exclude,
# max_scan_size and max_hash_size, one_filesystem with a file system mounted inside a tree,
# recursive, the inotify budget of max_watches), the YARA externals of a written file, the
# kernel's event queue overflowing (fanotify, inotify), a reload, a foreign or corrupt
# baseline, a stop-change-start, and kill -9 (in the middle of the first start-up walk;
# right after a burst of writes). The cases and what each checks:
# tests/integration/files_policy.py. Everything happens on a tmpfs this test mounts, with a
# second tmpfs inside it, in a mount namespace of its own (unshare -m); the trap unmounts
# them anyway. SEAWALL_POLICY_CASES="onefs crash" runs only those cases. Skips (77) without
# root or unshare.
SW=$(realpath "${1:?usage: files_policy.sh SEAWALL}")
cd "$(dirname "$0")/../.." || exit 2
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null 2>&1; then
    echo "skipped: needs root and unshare (util-linux)"
    exit 77
fi
if [ -z "$SEAWALL_FILES_NS" ]; then
    SEAWALL_FILES_NS=1 exec unshare -m --propagation private sh "$0" "$SW"
fi
T=$(mktemp -d /tmp/seawall-policy.XXXXXX)
chmod 0755 "$T"
cleanup() {
    umount "$T/fs/onefs/mnt" 2>/dev/null || umount -l "$T/fs/onefs/mnt" 2>/dev/null
    umount "$T/fs" 2>/dev/null || umount -l "$T/fs" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir -p "$T/fs"
if ! mount -t tmpfs -o size=512m tmpfs "$T/fs" || ! mkdir -p "$T/fs/onefs/mnt/" ||
    ! mount -t tmpfs -o size=16m tmpfs "$T/fs/onefs/mnt"; then
    echo "not ok - cannot mount the tmpfs file systems"
    exit 1
fi
mkdir -p "$T/fs/onefs/.s"
python3 tests/integration/files_policy.py --seawall "$SW" --base "$T" \
    ${SEAWALL_POLICY_CASES:-exclude sizes onefs recursive restart crash externals overflow reload corrupt budget}
