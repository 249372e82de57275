#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Runs one C test program under valgrind memcheck: `make check-valgrind`
# uses it as the LOG_COMPILER of the C tests (tests/hardening.mk).
#   tests/valgrind.sh PROGRAM [ARGS...]
# The test and the copies of itself it runs (scenarios in fresh processes)
# are checked; the runner (the children) and system programs are not.  Definite leaks and invalid accesses fail the test (exit
# 1, which the TAP driver reports as an ERROR); "possibly lost" blocks are
# libraries' load-time caches (libnl) and thread stacks, not reported.
# --vgdb=no: no gdbserver pipes (copies of the test that end in a child's
# namespaces cannot remove theirs) are left in /tmp.
top="${NCP_TOP_BUILDDIR:-.}"
src="${NCP_TOP_SRCDIR:-.}"
exec "$top/libtool" --mode=execute valgrind --quiet --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --error-exitcode=1 --child-silent-after-fork=yes --vgdb=no \
    --trace-children=yes --trace-children-skip='*/ncp-runner,/usr/*,/bin/*,/sbin/*' \
    --suppressions="$src/tests/valgrind.supp" ${VALGRIND_FLAGS:-} "$@"
