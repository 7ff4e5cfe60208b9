/* seawall default rules: remote-access tool indicators (reverse shells, njRAT-style
 * implants). Legitimate remote-desktop products are a policy question for the network
 * rules, not a file detection. */

rule seawall_rat_reverse_shell
{
    meta:
        description = "Reverse shell one-liner in a script or file"
        severity = 1
        mitre_att = "T1059.004"
        author = "seawall"
        category = "Remote access"
    strings:
        $bash = /bash\s+-i\s*>&\s*\/dev\/tcp\/[0-9a-zA-Z.\-]+\/[0-9]{1,5}/
        $nc = /\bnc(at)?\s+(-[a-z]*\s+)*-e\s+\/bin\/(ba)?sh/
        $py1 = "pty.spawn(" ascii
        $py2 = "socket.socket(" ascii
        $py3 = "os.dup2(" ascii
    condition:
        filesize < 1MB and ($bash or $nc or all of ($py*))
}

rule seawall_rat_njrat_like
{
    meta:
        description = "Remote-access trojan: njRAT-style separator with firewall exception"
        severity = 1
        mitre_att = "T1219"
        author = "seawall"
        category = "Remote access"
    strings:
        $sep = "|'|'|" ascii wide
        $fw = "netsh firewall add allowedprogram" ascii wide nocase
        $cmd = "cmd.exe /c ping 0 -n 2 & del" ascii wide nocase
    condition:
        $sep and ($fw or $cmd)
}
