rule rtest_stream_upload {
  meta:
    description = "rules test example: a marker in a TCP stream"
  strings:
    $a = "SEAWALL-RTEST-UPLOAD"
  condition:
    $a and seawall_source == "stream"
}
rule rtest_body_stored {
  meta:
    description = "rules test example: a marker in an HTTP response body"
  strings:
    $a = "SEAWALL-RTEST-STORED"
  condition:
    $a and seawall_source == "http_body"
}
rule rtest_never {
  strings:
    $a = "SEAWALL-RTEST-ABSENT"
  condition:
    $a
}
