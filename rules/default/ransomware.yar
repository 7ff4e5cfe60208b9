/* seawall default rules: ransomware notes left in encrypted directories. A note says the
 * files were encrypted and asks for payment with a way to reach the attacker; one of the
 * three alone is ordinary text. */

rule seawall_ransomware_note
{
    meta:
        description = "Ransomware note: encrypted files, payment demand and contact channel"
        severity = 1
        mitre_att = "T1486"
        author = "seawall"
        category = "Ransomware"
    strings:
        $enc1 = /your (important |personal )?(files|documents|data)( and [a-z]+)? (have|has) been encrypted/ nocase
        $enc2 = "all of your files are encrypted" nocase
        $pay1 = "bitcoin" nocase
        $pay2 = "BTC wallet" nocase
        $pay3 = "monero" nocase
        $pay4 = /pay(ment)? (the )?ransom/ nocase
        $contact1 = ".onion" nocase
        $contact2 = "tor browser" nocase
        $contact3 = /decrypt(ion)? (tool|key|software)/ nocase
    condition:
        filesize < 200KB and any of ($enc*) and any of ($pay*) and any of ($contact*)
}
