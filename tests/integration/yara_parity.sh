#!/bin/sh
# yara_parity.sh SEAWALL - seawall scan finds the same (file, rule) matches and the same
# string offsets as the yara 4.2 command line, given the same externals (-d): a file tree
# and a rule set built here (text, wide and nocase strings, hex with jumps, wildcards and
# alternatives, regexes, conditions on filesize, offsets and counts, private rules, the pe,
# elf, math and hash modules, and every external). Skips (77) without the yara CLI.
SW=${1:?usage: yara_parity.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
if ! command -v yara >/dev/null 2>&1; then
    echo "yara parity: skipped: the yara command is not installed (make deps)"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
python3 - "$SW" "$T" <<'PY'
import hashlib, json, os, pwd, random, struct, subprocess, sys

sw, t = sys.argv[1], os.path.realpath(sys.argv[2])
tree, rdir = os.path.join(t, "tree"), os.path.join(t, "rules")
os.makedirs(os.path.join(tree, "sub"))
os.makedirs(rdir)
passed = failed = 0

def ok(cond, msg):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + msg)
    else:
        failed += 1
        print("not ok - " + msg)

def put(rel, data):
    with open(os.path.join(tree, rel), "wb") as f:
        f.write(data)

def mini_pe():
    # DOS header + PE32 headers + one .text section: enough for libyara's pe module.
    dos = bytearray(0x40)
    dos[0:2] = b"MZ"
    struct.pack_into("<I", dos, 0x3c, 0x40)
    coff = struct.pack("<HHIIIHH", 0x14c, 1, 0x5f000000, 0, 0, 0xE0, 0x0102)
    opt = bytearray(0xE0)
    struct.pack_into("<HBBIIIIIII", opt, 0, 0x10b, 14, 0, 0x200, 0, 0, 0x1000, 0x1000, 0x1000,
                     0x400000)
    struct.pack_into("<II", opt, 32, 0x1000, 0x200)
    struct.pack_into("<HHHHHH", opt, 40, 6, 0, 0, 0, 6, 0)
    struct.pack_into("<II", opt, 56, 0x2000, 0x200)
    struct.pack_into("<H", opt, 68, 3)
    struct.pack_into("<I", opt, 92, 16)
    sec = struct.pack("<8sIIIIIIHHI", b".text", 0x100, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                      0x60000020)
    hdr = bytes(dos) + b"PE\0\0" + coff + bytes(opt) + sec
    body = b"\x55\x89\xe5\xc3" + b"alpha in code" + b"\0" * (0x200 - 17)
    return hdr + b"\0" * (0x200 - len(hdr)) + body

def mini_elf():
    e = bytearray(64)
    e[0:4] = b"\x7fELF"
    e[4], e[5], e[6] = 2, 1, 1
    struct.pack_into("<HHIQQQIHHHHHH", e, 16, 2, 0x3e, 1, 0x401000, 0, 0, 0, 64, 0, 0, 0, 0, 0)
    return bytes(e) + b"beta BETA bEtA" + b"\0" * 50

rnd = random.Random(7)
files = {
    "notes.txt": (b"alpha id=12345 user: bob\nxx xx xx\n", "UNKNOWN"),
    "sub/wide.bin": ("gamma".encode("utf-16-le") + b"\0\0" + b"gamma", "UNKNOWN"),
    "sub/hexdead.bin": (b"\xde\xad\x00\xef\x00\x00\x02" + b"\xde\xad\x11\xef\x01", "UNKNOWN"),
    "pe.exe": (mini_pe(), "EXE"),
    "elf.bin": (mini_elf(), "ELF"),
    "random.dat": (b"RND0" + bytes(rnd.getrandbits(8) for _ in range(4096)), "UNKNOWN"),
    "shell.PHP": (b"<?php echo 'alpha'; ?>\n", "PHP"),
    "small.txt": (b"hello", "UNKNOWN"),
    "src_code.c": (b"int main(void) { return 0; }\n", "UNKNOWN"),
    "empty.txt": (b"", "UNKNOWN"),
    "magic0.txt": (b"MAGIC at the start, USERNAME: alice\n", "UNKNOWN"),
    "magic150.txt": (b"." * 150 + b"MAGIC" + b"." * 20, "UNKNOWN"),
    "many.txt": (b"xx" * 300, "UNKNOWN"),
}
for rel, (data, _) in files.items():
    put(rel, data)
md5_notes = hashlib.md5(files["notes.txt"][0]).hexdigest()
me = pwd.getpwuid(os.geteuid()).pw_name

with open(os.path.join(rdir, "strings.yar"), "w") as f:
    f.write(r'''
rule text_plain { strings: $a = "alpha" condition: $a }
rule text_nocase_wide { strings: $b = "beta" nocase $w = "gamma" wide ascii condition: any of them }
rule hex_jump_wild { strings: $h = { 4D 5A [2-128] 50 45 00 00 } $h2 = { DE AD ?? EF [0-4] ( 01 | 02 ) } condition: any of them }
rule regexes { strings: $r = /id=[0-9]{3,6}/ $r2 = /user(name)?:\s*[a-z]+/ nocase condition: any of them }
rule size_small { condition: filesize > 0 and filesize < 20 }
rule offsets { strings: $m = "MAGIC" condition: $m at 0 or $m in (100..200) }
rule count_xx { strings: $x = "xx" condition: #x >= 3 and @x[1] < 10 }
private rule priv_alpha { strings: $a = "alpha" condition: $a }
rule uses_private { condition: priv_alpha and filesize < 1000 }
''')
with open(os.path.join(rdir, "modules.yar"), "w") as f:
    f.write('''
import "pe"
import "elf"
import "math"
import "hash"
rule mod_pe { condition: pe.is_pe and pe.number_of_sections == 1 and pe.machine == pe.MACHINE_I386 and pe.sections[0].name == ".text" }
rule mod_elf { condition: elf.type == elf.ET_EXEC and elf.machine == elf.EM_X86_64 }
rule mod_math { condition: filesize > 1000 and math.entropy(0, filesize) > 7.0 }
rule mod_hash { condition: hash.md5(0, filesize) == "%s" }
''' % md5_notes)
with open(os.path.join(rdir, "externals.yar"), "w") as f:
    f.write(r'''
rule ext_filename { condition: filename == "notes.txt" }
rule ext_filepath { condition: filepath matches /\/tree\/sub$/ }
rule ext_extension { condition: extension == ".php" }
rule ext_filetype_exe { condition: filetype == "EXE" }
rule ext_filetype_elf { condition: filetype == "ELF" }
rule ext_filetype_php { condition: filetype == "PHP" }
rule ext_owner { condition: owner == "%s" and filesize == 5 }
rule ext_source { condition: seawall_source == "file" and filename contains "src" }
rule empty_file { condition: filesize == 0 }
''' % me)

# seawall
out = os.path.join(t, "eve.json")
r = subprocess.run([sw, "scan", "--no-cache", "--rules", rdir, "-t", "3", "--max-strings",
                    "1024", "-o", out, tree], capture_output=True, text=True)
ok(r.returncode == 1, "seawall scan exits 1 with matches (got %d: %s)" % (r.returncode,
                                                                        r.stderr.strip()))
sw_rules, sw_strings = set(), set()
for line in open(out):
    ev = json.loads(line)
    if ev["event_type"] != "alert":
        continue
    y = ev["yara"]
    path = ev["fileinfo"]["filename"]
    sw_rules.add((path, y["namespace"] + ":" + y["rule"]))
    ok(y["strings_total"] == len(y["strings"]) or len(y["strings"]) == 1024,
       "%s %s: strings_total %d, %d listed" % (path, y["rule"], y["strings_total"],
                                               len(y["strings"])))
    for s in y["strings"]:
        sw_strings.add((path, y["namespace"] + ":" + y["rule"], s["identifier"], s["offset"]))

# yara, one run per file with that file's externals
ya_rules, ya_strings = set(), set()
for rel, (data, ftype) in files.items():
    path = os.path.join(tree, rel)
    d, base = os.path.split(path)
    ext = os.path.splitext(base)[1].lower()
    cmd = ["yara", "-r", "-s", "-e", "-w",
           "-d", "filename=" + base, "-d", "filepath=" + d, "-d", "extension=" + ext,
           "-d", "filetype=" + ftype, "-d", "owner=" + me, "-d", "seawall_source=file"]
    for n in sorted(os.listdir(rdir)):
        cmd.append(n + ":" + os.path.join(rdir, n))
    cmd.append(path)
    r = subprocess.run(cmd, capture_output=True)
    if r.returncode != 0:
        ok(False, "yara on %s: %s" % (rel, r.stderr.decode(errors="replace")))
        continue
    cur = None
    for line in r.stdout.decode("latin-1").splitlines():
        if line.startswith("0x") and cur is not None:
            off, ident, _ = line.split(":", 2)
            ya_strings.add((path, cur, ident, int(off, 16)))
        else:
            cur = line.split(" ", 1)[0]
            ya_rules.add((path, cur))

ok(len(ya_rules) >= 20, "the reference found a meaningful number of matches (%d)" % len(ya_rules))
for must in ("modules.yar:mod_pe", "modules.yar:mod_elf", "modules.yar:mod_math",
             "modules.yar:mod_hash", "externals.yar:ext_filetype_php",
             "externals.yar:ext_filepath", "externals.yar:ext_owner",
             "strings.yar:uses_private", "externals.yar:empty_file"):
    ok(any(r == must for (_, r) in ya_rules), "the reference matched %s somewhere" % must)
only_sw, only_ya = sw_rules - ya_rules, ya_rules - sw_rules
ok(not only_sw and not only_ya, "(file, rule) matches equal yara's (%d); only seawall: %s; "
   "only yara: %s" % (len(ya_rules), sorted(only_sw), sorted(only_ya)))
only_sw, only_ya = sw_strings - ya_strings, ya_strings - sw_strings
ok(not only_sw and not only_ya, "string matches and offsets equal yara's (%d); only seawall: "
   "%s; only yara: %s" % (len(ya_strings), sorted(only_sw)[:5], sorted(only_ya)[:5]))
print("yara_parity: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
