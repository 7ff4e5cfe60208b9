#!/bin/sh
# deps.sh PKG... - install the Debian packages that are missing (apt-get, as root).
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
    echo "deps: not root: run 'sudo apt-get install -y$missing'" >&2
    exit 2
fi
apt-get update -qq || exit 2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing || exit 2
