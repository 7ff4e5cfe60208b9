#!/usr/bin/env python3
"""cg_table.py RUN_OUT [STARTUP_OUT]: where the instructions of a callgrind profile go, by
module: seawall's own code by source folder (output/eve* apart), libraries by name, glibc's
malloc apart from the rest of libc. With the profile of a run on an empty capture
(STARTUP_OUT), the start-up is subtracted module by module, so the table shows the packets'
share. Paths are taken relative to the current directory (run it from the source tree)."""
import os, re, subprocess, sys

if len(sys.argv) < 2:
    sys.exit("usage: cg_table.py RUN_OUT [STARTUP_OUT]")
root = os.path.realpath(".") + "/"
line_re = re.compile(r"^\s*([0-9,]+) \([ 0-9.]+%\)\s+(\S+?):(\S+)(?: \[(.+)\])?\s*$")
LIBS = [("libndpi", "nDPI"), ("libcrypto", "OpenSSL (hashes)"), ("libgcrypt", "libgcrypt (nDPI)"),
        ("libjansson", "Jansson"), ("libpcap", "libpcap"), ("libyara", "YARA"),
        ("libhs", "Hyperscan"), ("libz", "zlib"), ("libbrotli", "brotli"), ("libmagic", "libmagic"),
        ("libyaml", "libyaml"), ("ld-linux", "dynamic loader"), ("libpcre2", "PCRE2")]

def modules(path):
    out = subprocess.run(["callgrind_annotate", "--auto=no", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    total, mods = 0, {}
    for ln in out.splitlines():
        t = one(ln)
        if t is None:
            continue
        if t[0] is None:
            total = t[1]
        else:
            mods[t[0]] = mods.get(t[0], 0) + t[1]
    if total == 0:
        sys.exit("cg_table: no totals in " + path)
    return total, mods

def one(ln):
    if "PROGRAM TOTALS" in ln:
        return None, int(ln.split()[0].replace(",", ""))
    m = line_re.match(ln)
    if not m:
        return None
    ir, path, fn, obj = int(m.group(1).replace(",", "")), m.group(2), m.group(3), m.group(4) or ""
    name = None
    for key, label in LIBS:
        if key in obj:
            name = label
            break
    if name is None and "libc.so" in obj:
        name = "libc malloc/free" if "/malloc/" in path else "libc other (memcpy, printf, ...)"
    if name is None:
        rel = path[len(root):] if path.startswith(root) else path
        if rel.startswith("output/eve") or rel.startswith("include/sw/eve"):
            name = "seawall output/eve* (EVE writer)"
        elif rel.startswith(("output/", "collectors/", "rules/", "agent/util/", "agent/")):
            parts = rel.split("/")
            name = "seawall " + ("/".join(parts[:2]) if parts[0] in ("collectors", "agent")
                                 and len(parts) > 2 else parts[0]) + "/"
        elif rel.startswith("include/"):
            name = "seawall include/ (inline)"
        elif obj:
            name = os.path.basename(obj)
        else:
            name = "seawall: inlined /usr/include code"
    return name, ir

total, mods = modules(sys.argv[1])
if len(sys.argv) > 2:
    stotal, smods = modules(sys.argv[2])
    total -= stotal
    for k, v in smods.items():
        mods[k] = mods.get(k, 0) - v
    print("instructions after start-up (run minus a run on an empty capture), by module")
print("%-36s %15s %7s" % ("module", "instructions", "share"))
shown = 0
for name, ir in sorted(mods.items(), key=lambda kv: -kv[1]):
    if abs(ir) * 1000 < total:
        continue
    shown += ir
    print("%-36s %15s %6.1f%%" % (name, format(ir, ","), 100.0 * ir / total))
rest = total - shown
print("%-36s %15s %6.1f%%" % ("(each below 0.1%)", format(rest, ","), 100.0 * rest / total))
