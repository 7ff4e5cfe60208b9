rule rtest_broken {
  strings:
    $a = "SEAWALL-RTEST"
  condition:
    $a and
}
