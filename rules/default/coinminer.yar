/* seawall default rules: crypto-miner configuration (xmrig-style JSON). */

rule seawall_coinminer_xmrig_config
{
    meta:
        description = "Crypto-miner configuration (xmrig-style pools with a stratum URL)"
        severity = 2
        mitre_att = "T1496"
        author = "seawall"
        category = "Crypto mining"
    strings:
        $pools = "\"pools\"" ascii
        $url = /"url"\s*:\s*"(stratum\+(tcp|ssl|tls):\/\/)?[a-zA-Z0-9.\-]+:[0-9]{2,5}"/
        $stratum = "stratum+tcp://" nocase
        $donate = "\"donate-level\""
        $algo = /"algo"\s*:\s*"(rx\/0|randomx|cn\/[a-z0-9]+|cryptonight[a-z0-9\/\-]*)"/ nocase
    condition:
        filesize < 1MB and $pools and $url and ($donate or $algo or $stratum)
}
