# SPDX-License-Identifier: Apache-2.0
# `make bench`: benchmarks, side by side with their baselines.  Not part of
# `make check`; CI does not fail on their ratios.
EXTRA_PROGRAMS += bench/bench_start
bench_bench_start_SOURCES = bench/bench_start.c
bench_bench_start_LDADD = src/libchild_process.la -lpthread
CLEANFILES += bench/bench_start

BENCH_ENV = NCP_RUNNER='$(abs_top_builddir)/src/ncp-runner' \
	NCP_LIBRARY_PATH='$(abs_top_builddir)/tests/lib/.libs' \
	NCP_POLICY_DIR='$(abs_top_srcdir)/policy' NCP_CONFIG_FILE=/nonexistent \
	NCP_BENCH_BINDIR='$(abs_top_builddir)/src'

.PHONY: bench bench-start
# The IPC round trip (bench-ipc, src/ipc/local.mk) runs too.
bench: bench-start bench-ipc
bench-start: bench/bench_start src/ncp-run $(check_LTLIBRARIES)
	$(BENCH_ENV) bench/bench_start $(BENCH_ROUNDS)
