# Hardening (issue 6): fuzz targets and their replay in `make check`, fault
# injection and load tests, valgrind.  Included at the end of tests/local.mk.
