/* seawall default rules: the EICAR anti-virus test file, to prove the path from file to
 * alert end to end. The string is matched in two halves so this file does not itself
 * contain it (a virus scanner on the build host would flag the rule). */

rule seawall_eicar_test_file
{
    meta:
        description = "EICAR anti-virus test file"
        severity = 3
        mitre_att = "T1204"
        author = "seawall"
        category = "Test"
        reference = "https://www.eicar.org/download-anti-malware-testfile/"
    strings:
        $head = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR"
        $tail = "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
    condition:
        $head at 0 and $tail at 33 and filesize <= 128
}
