rule rtest_inline_marker {
  meta:
    description = "rules test example: a marker in a script"
    severity = "medium"
    sid = 9100001
  strings:
    $a = "SEAWALL-RTEST-INLINE"
  condition:
    $a and extension == ".js"
}
