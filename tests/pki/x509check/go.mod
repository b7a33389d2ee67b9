module castellan/x509check

go 1.25
