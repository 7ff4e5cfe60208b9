/* seawall default rules: credential-dumping tools (mimikatz-like command strings). */

rule seawall_credential_dumper_mimikatz_like
{
    meta:
        description = "Credential dumping tool: mimikatz-style module commands"
        severity = 1
        mitre_att = "T1003.001"
        author = "seawall"
        category = "Credential access"
    strings:
        $c1 = "sekurlsa::logonpasswords" ascii wide nocase
        $c2 = "lsadump::sam" ascii wide nocase
        $c3 = "lsadump::dcsync" ascii wide nocase
        $c4 = "privilege::debug" ascii wide nocase
        $c5 = "sekurlsa::pth" ascii wide nocase
        $c6 = "kerberos::golden" ascii wide nocase
    condition:
        2 of them
}
