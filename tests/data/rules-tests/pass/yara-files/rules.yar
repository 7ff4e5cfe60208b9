rule rtest_positive_marker : test {
  meta:
    description = "rules test example: a marker string in a text file"
    severity = "low"
  strings:
    $a = "SEAWALL-RTEST-POSITIVE"
  condition:
    $a and extension == ".txt" and seawall_source == "file"
}
