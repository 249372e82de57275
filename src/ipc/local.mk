# SPDX-License-Identifier: Apache-2.0
# libipc_capi: the IPC Kit C API over AF_UNIX sockets (paths from the top dir).

IPC_CORE_SRCS = \
	src/ipc/ipc_internal.h src/ipc/hashmap.c src/ipc/hashmap.h src/ipc/wire.c src/ipc/wire.h \
	src/ipc/parcel.c src/ipc/object.c src/ipc/conn.c src/ipc/marshal.c src/ipc/transact.c \
	src/ipc/serve.c src/ipc/peerfds.c src/ipc/peercred.c src/ipc/monitor.c src/ipc/skeleton.c \
	src/ipc/ext.c

IPC_PUBLIC_HDRS = \
	include/IPCKit/ipc_kit.h include/IPCKit/ipc_cparcel.h include/IPCKit/ipc_cremote_object.h \
	include/IPCKit/ipc_cskeleton.h include/IPCKit/ipc_error_code.h include/IPCKit/ipc_ext.h

# Installed as $(includedir)/IPCKit/*.h (<IPCKit/ipc_kit.h>).
ipckit_HEADERS += $(IPC_PUBLIC_HDRS)

# The internals, also linked directly by the tests that exercise them.
noinst_LTLIBRARIES += src/ipc/libipc_core.la
src_ipc_libipc_core_la_SOURCES = $(IPC_CORE_SRCS)
src_ipc_libipc_core_la_LIBADD = src/common/libncp-common.la

# Installed as $(libdir)/libipc_capi.so.0 (built in src/ipc/).
lib_LTLIBRARIES += src/ipc/libipc_capi.la
src_ipc_libipc_capi_la_SOURCES =
src_ipc_libipc_capi_la_LIBADD = src/ipc/libipc_core.la
src_ipc_libipc_capi_la_LDFLAGS = -version-info $(IPC_LT_VERSION) -pthread \
	-Wl,--version-script=$(top_srcdir)/src/ipc/libipc_capi.sym -Wl,-z,defs -Wl,-z,now
EXTRA_src_ipc_libipc_capi_la_DEPENDENCIES = $(top_srcdir)/src/ipc/libipc_capi.sym
EXTRA_DIST += src/ipc/libipc_capi.sym doc/ipc-wire-format.md

# ---- tests (TAP, tests/tap.h) ----
IPC_TESTS = \
	tests/ipc/test-ipc-parcel \
	tests/ipc/test-ipc-wire \
	tests/ipc/test-ipc-remote \
	tests/ipc/test-ipc-hostile \
	tests/ipc/test-ipc-cancel
check_PROGRAMS += $(IPC_TESTS)
TESTS += $(IPC_TESTS)
tests_ipc_test_ipc_parcel_SOURCES = tests/ipc/test-ipc-parcel.c tests/tap.h
tests_ipc_test_ipc_parcel_LDADD = src/ipc/libipc_capi.la
tests_ipc_test_ipc_wire_SOURCES = tests/ipc/test-ipc-wire.c tests/tap.h
tests_ipc_test_ipc_wire_LDADD = src/ipc/libipc_core.la -lpthread
tests_ipc_test_ipc_remote_SOURCES = tests/ipc/test-ipc-remote.c tests/ipc/ipc-test-util.h tests/tap.h
tests_ipc_test_ipc_remote_LDADD = src/ipc/libipc_capi.la -lpthread
tests_ipc_test_ipc_hostile_SOURCES = tests/ipc/test-ipc-hostile.c tests/ipc/ipc-test-util.h tests/tap.h
tests_ipc_test_ipc_hostile_LDADD = src/ipc/libipc_capi.la -lpthread
tests_ipc_test_ipc_cancel_SOURCES = tests/ipc/test-ipc-cancel.c tests/ipc/ipc-test-util.h tests/tap.h
tests_ipc_test_ipc_cancel_LDADD = src/ipc/libipc_capi.la -lpthread

# The headers' #pragma pack does not leak into the includer.
check_PROGRAMS += tests/ipc/test-ipc-pack
TESTS += tests/ipc/test-ipc-pack
tests_ipc_test_ipc_pack_SOURCES = tests/ipc/test-ipc-pack.c tests/tap.h

# The headers must compile unchanged as C++.
check_PROGRAMS += tests/ipc/test-ipc-cxx
TESTS += tests/ipc/test-ipc-cxx
tests_ipc_test_ipc_cxx_SOURCES = tests/ipc/test-ipc-cxx.cc
tests_ipc_test_ipc_cxx_CXXFLAGS = -Wall -Wextra -Werror -pedantic
tests_ipc_test_ipc_cxx_LDADD = src/ipc/libipc_capi.la

# ---- benchmark: `make bench-ipc` ----
EXTRA_PROGRAMS += bench/ipc/bench_ipc
bench_ipc_bench_ipc_SOURCES = bench/ipc/bench_ipc.c
bench_ipc_bench_ipc_LDADD = src/ipc/libipc_capi.la -lpthread
CLEANFILES += bench/ipc/bench_ipc
.PHONY: bench-ipc fuzz-ipc
bench-ipc: bench/ipc/bench_ipc$(EXEEXT)
	bench/ipc/bench_ipc $(BENCH_IPC_ARGS)

# ---- fuzzing: `make fuzz-ipc [FUZZ_SECONDS=60]` (clang only, not part of check) ----
# The library's own sources and src/common's, so that a new file in either
# cannot be missing here.
IPC_FUZZ_SRCS = $(srcdir)/tests/fuzz/ipc/fuzz_ipc_frame.c \
	$(addprefix $(srcdir)/,$(filter %.c,$(IPC_CORE_SRCS) $(src_common_libncp_common_la_SOURCES)))
EXTRA_DIST += tests/fuzz/ipc/fuzz_ipc_frame.c tests/fuzz/ipc/make-corpus.py tests/fuzz/ipc/corpus
if HAVE_CLANG
tests/fuzz/ipc/fuzz_ipc_frame: $(IPC_FUZZ_SRCS) config.h
	@$(MKDIR_P) tests/fuzz/ipc
	$(AM_V_CCLD)$(CLANG) -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I$(top_builddir) -include $(top_builddir)/config.h -I$(top_srcdir)/include -I$(top_srcdir)/src -pthread \
		-o $@ $(IPC_FUZZ_SRCS)
CLEANFILES += tests/fuzz/ipc/fuzz_ipc_frame
fuzz-ipc: tests/fuzz/ipc/fuzz_ipc_frame
	secs='$(FUZZ_SECONDS)'; work=$$(mktemp -d); \
	ASAN_OPTIONS=detect_leaks=1 tests/fuzz/ipc/fuzz_ipc_frame -max_total_time=$${secs:-60} \
		-max_len=66000 -timeout=10 -rss_limit_mb=2048 -artifact_prefix=tests/fuzz/ipc/ \
		$$work $(srcdir)/tests/fuzz/ipc/corpus; r=$$?; rm -rf $$work; exit $$r
else
fuzz-ipc:
	@echo "fuzz-ipc: clang was not found by configure" >&2; exit 1
endif
