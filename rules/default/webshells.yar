/* seawall default rules: web shells on public portals (PHP, ASP.NET, JSP).
 * Each rule needs a page marker and a command-execution call fed by request input, so a
 * page that only runs a fixed command, or only reads input, does not match. */

rule seawall_webshell_php_exec_input
{
    meta:
        description = "PHP web shell: code or command execution fed by request input"
        severity = 1
        mitre_att = "T1505.003"
        author = "seawall"
        category = "Web shell"
    strings:
        $php = "<?" nocase
        $exec = /(eval|assert|system|shell_exec|passthru|exec|popen|proc_open)\s*\(\s*(base64_decode\s*\(\s*|gzinflate\s*\(\s*|str_rot13\s*\(\s*)*@?\$_(GET|POST|REQUEST|COOKIE|SERVER)\s*\[/ nocase
    condition:
        filesize < 2MB and $php and $exec
}

rule seawall_webshell_aspx_process_start
{
    meta:
        description = "ASP.NET web shell: starts a process with request input"
        severity = 1
        mitre_att = "T1505.003"
        author = "seawall"
        category = "Web shell"
    strings:
        $page = /<%@\s*Page/ nocase
        $proc1 = "Process.Start" nocase
        $proc2 = "ProcessStartInfo" nocase
        $cmd = "cmd.exe" nocase
        $req = /Request(\.Form|\.QueryString|\.Params)?\s*\[/ nocase
    condition:
        filesize < 2MB and $page and ($proc1 or $proc2) and $req and ($cmd or $proc2)
}

rule seawall_webshell_jsp_runtime_exec
{
    meta:
        description = "JSP web shell: Runtime.exec with request parameters"
        severity = 1
        mitre_att = "T1505.003"
        author = "seawall"
        category = "Web shell"
    strings:
        $exec = /Runtime\s*\.\s*getRuntime\s*\(\s*\)\s*\.\s*exec\s*\(/
        $param = "request.getParameter(" nocase
        $jsp1 = "<%" 
        $jsp2 = "<jsp:" nocase
    condition:
        filesize < 2MB and $exec and $param and ($jsp1 or $jsp2)
}
