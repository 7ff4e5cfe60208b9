/* seawall default rules: malicious Office macros (VBA text, as extracted or saved as .bas /
 * .vba): an auto-run entry point together with a way to run commands. */

rule seawall_office_macro_autorun_shell
{
    meta:
        description = "Office macro that runs a command when the document opens"
        severity = 1
        mitre_att = "T1204.002"
        author = "seawall"
        category = "Malicious document"
    strings:
        $auto1 = /Sub\s+(Auto_?Open|AutoExec|AutoClose)\s*\(/ nocase
        $auto2 = /Sub\s+(Document|Workbook)_(Open|Close)\s*\(/ nocase
        $exec1 = /\bShell\s*\(/ nocase
        $exec2 = "WScript.Shell" nocase
        $exec3 = /CreateObject\s*\(\s*"(WScript\.Shell|Shell\.Application|MSXML2\.XMLHTTP)"/ nocase
        $exec4 = "powershell" nocase
    condition:
        filesize < 5MB and any of ($auto*) and any of ($exec*)
}
