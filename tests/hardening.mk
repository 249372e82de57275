# SPDX-License-Identifier: Apache-2.0
# Hardening (issue 6): fuzz targets and their replay in `make check`, fault
# injection and load tests, valgrind.  Included at the end of tests/local.mk.

# ---- fuzzing ----------------------------------------------------------------
# libFuzzer targets (clang only): `make fuzz [FUZZ_SECONDS=60]` runs every
# target, fuzz-ipc included, for FUZZ_SECONDS each; `make fuzz-launch` etc.
# run one.  Crashes land in tests/fuzz/NAME/ of the build tree (crash-*);
# copy them to $(srcdir)/tests/fuzz/NAME/regressions/ once fixed.
#
# Without libFuzzer, tests/fuzz/replay.c feeds every seed (corpus/) and every
# saved crash (regressions/) to the same entry functions: that runs in
# `make check`, with any compiler.
FUZZ_TARGETS = launch policy validate
FUZZ_SRCS_launch = $(srcdir)/tests/fuzz/launch/fuzz_launch.c $(srcdir)/src/common/launch_spec.c $(srcdir)/src/common/sandbox_desc.c \
	$(srcdir)/src/common/resource_limits.c
FUZZ_SRCS_policy = $(srcdir)/tests/fuzz/policy/fuzz_policy.c $(srcdir)/src/sandbox/policy.c $(srcdir)/src/sandbox/policy_landlock.c $(srcdir)/src/sandbox/policy_additions.c \
	$(srcdir)/src/sandbox/seccomp.c $(srcdir)/src/sandbox/seccomp_bpf.c $(srcdir)/src/common/resource_limits.c \
	$(srcdir)/src/common/log.c
FUZZ_SRCS_validate = $(srcdir)/tests/fuzz/validate/fuzz_validate.c $(srcdir)/src/app/validate.c \
	$(srcdir)/src/spawn/names.c $(srcdir)/src/spawn/settings.c $(srcdir)/src/spawn/libpath.c $(srcdir)/src/app/configs.c $(srcdir)/src/app/configs_env.c $(srcdir)/src/common/resource_limits.c \
	$(srcdir)/src/common/fork_guard.c \
	$(srcdir)/src/common/log.c
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$(top_builddir) $(AM_CPPFLAGS) -pthread
# Runs one target for FUZZ_SECONDS on a scratch copy of its corpus.  The
# parsers log every rejected input: their stderr is closed (-close_fd_mask=2;
# libFuzzer and the sanitizers keep reporting).
FUZZ_RUN = run_fuzz() { \
	secs='$(FUZZ_SECONDS)'; work=$$(mktemp -d); \
	echo "fuzz-$$1: $${secs:-60} s"; \
	ASAN_OPTIONS=detect_leaks=1 tests/fuzz/$$1/fuzz_$$1 -max_total_time=$${secs:-60} -max_len=$$2 \
		-timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 -print_final_stats=1 -artifact_prefix=tests/fuzz/$$1/ \
		$$work $(srcdir)/tests/fuzz/$$1/corpus $(srcdir)/tests/fuzz/$$1/regressions; \
	r=$$?; rm -rf $$work; return $$r; }; run_fuzz

EXTRA_DIST += tests/fuzz/make-seeds.py \
	tests/fuzz/launch/fuzz_launch.c tests/fuzz/launch/corpus tests/fuzz/launch/regressions \
	tests/fuzz/policy/fuzz_policy.c tests/fuzz/policy/corpus tests/fuzz/policy/regressions \
	tests/fuzz/validate/fuzz_validate.c tests/fuzz/validate/corpus tests/fuzz/validate/regressions
.PHONY: fuzz fuzz-launch fuzz-policy fuzz-validate

if HAVE_CLANG
tests/fuzz/launch/fuzz_launch: $(FUZZ_SRCS_launch) config.h
	@$(MKDIR_P) tests/fuzz/launch
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS_launch)
tests/fuzz/policy/fuzz_policy: $(FUZZ_SRCS_policy) config.h
	@$(MKDIR_P) tests/fuzz/policy
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CFLAGS) $(JSONC_CFLAGS) $(SECCOMP_CFLAGS) -o $@ $(FUZZ_SRCS_policy) $(JSONC_LIBS) $(SECCOMP_LIBS)
tests/fuzz/validate/fuzz_validate: $(FUZZ_SRCS_validate) config.h
	@$(MKDIR_P) tests/fuzz/validate
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS_validate)
CLEANFILES += tests/fuzz/launch/fuzz_launch tests/fuzz/policy/fuzz_policy tests/fuzz/validate/fuzz_validate

# Launch specs reach 700 KB, but the decoder's paths show in far less.
fuzz-launch: tests/fuzz/launch/fuzz_launch
	@$(FUZZ_RUN) launch 16384
fuzz-policy: tests/fuzz/policy/fuzz_policy
	@$(FUZZ_RUN) policy 16384
fuzz-validate: tests/fuzz/validate/fuzz_validate
	@$(FUZZ_RUN) validate 4096
# One after the other, so each gets the time it was given.
fuzz:
	$(MAKE) $(AM_MAKEFLAGS) fuzz-ipc
	$(MAKE) $(AM_MAKEFLAGS) fuzz-launch
	$(MAKE) $(AM_MAKEFLAGS) fuzz-policy
	$(MAKE) $(AM_MAKEFLAGS) fuzz-validate
else
fuzz fuzz-launch fuzz-policy fuzz-validate:
	@echo "$@: clang was not found by configure" >&2; exit 1
endif

FUZZ_REPLAY = tests/fuzz/replay-launch tests/fuzz/replay-policy tests/fuzz/replay-validate
check_PROGRAMS += $(FUZZ_REPLAY)
TESTS += $(FUZZ_REPLAY)
tests_fuzz_replay_launch_SOURCES = tests/fuzz/replay.c tests/fuzz/launch/fuzz_launch.c tests/tap.h
tests_fuzz_replay_launch_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"launch"'
tests_fuzz_replay_launch_LDADD = src/common/libncp-common.la
tests_fuzz_replay_policy_SOURCES = tests/fuzz/replay.c tests/fuzz/policy/fuzz_policy.c tests/tap.h
tests_fuzz_replay_policy_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"policy"'
tests_fuzz_replay_policy_LDADD = src/sandbox/libncp-sandbox.la src/common/libncp-common.la
tests_fuzz_replay_validate_SOURCES = tests/fuzz/replay.c tests/fuzz/validate/fuzz_validate.c tests/tap.h \
	src/app/validate.c src/app/configs.c src/app/configs_env.c
tests_fuzz_replay_validate_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"validate"'
tests_fuzz_replay_validate_LDADD = src/spawn/libncp-spawn.la src/common/libncp-common.la

# ---- sanitizers -------------------------------------------------------------
# configure --enable-sanitizers instruments everything with ASan+UBSan: the
# libraries, the tests and the runner.  The runner links libasan itself, so
# the app's instrumented libraries load into it with the runtime first; its
# own defaults (src/runner/sanitizer_options.c) let a child that dies of a
# signal die of it, as the parent expects, and leave leak checking to the
# parent processes.  Programs built outside automake against an instrumented
# library need the same flags (tests/install/check-install.sh).
if SANITIZERS
src_ncp_runner_SOURCES += src/runner/sanitizer_options.c
AM_TESTS_ENVIRONMENT += export NCP_TEST_SANITIZE_FLAGS='-fsanitize=address,undefined' \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1;
endif
EXTRA_DIST += src/runner/sanitizer_options.c

# ---- valgrind ---------------------------------------------------------------
# `make check-valgrind`: every C test program under memcheck (tests/valgrind.sh
# as the LOG_COMPILER of the tests without an extension); definite leaks and
# invalid accesses fail.  Left out: the load tests (50 threads under
# valgrind's one-thread-at-a-time scheduler say nothing new, slowly) and the
# sandbox tests (they build sandboxes in forked copies of themselves, with
# system calls valgrind 3.19 does not know: Landlock, open_tree, mount_setattr).
# Also left out: test-ipc-exit, 200-cycle IPC start/exit timing under
# valgrind's slow threads reached the 50-IPC-children limit after ~30 cycles
# (tests/hardening.md, open).
VALGRIND_TESTS = $(filter-out tests/unit/test-ipc-exit,$(UNIT_TESTS)) $(IPC_TESTS) tests/ipc/test-ipc-cxx $(FUZZ_REPLAY)
EXTRA_DIST += tests/valgrind.sh tests/valgrind.supp
.PHONY: check-valgrind
check-valgrind:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(VALGRIND_TESTS)" TEST_SUITE_LOG=test-suite-valgrind.log \
		LOG_COMPILER="$(SHELL) $(abs_top_srcdir)/tests/valgrind.sh"

# ---- fault injection ----------------------------------------------------------
# Children that die at each stage of their start, a missing runner, a parent
# killed mid-start, EMFILE and failing allocations in the parent, hostile IPC
# children, an app that reaps with waitpid(-1) or forks.  The child libraries
# are built next to the other test libraries (tests/lib/.libs is on
# NCP_LIBRARY_PATH); libhostile.so takes its behaviour from the environment,
# the others have it built in (isolated children do not keep the variables).
HOSTILE_LIBS = tests/lib/libhostile.la tests/lib/libhostile_segv.la tests/lib/libhostile_block.la \
	tests/lib/libhostile_connect.la tests/lib/libhostile_main.la tests/lib/libhostile_linger.la \
	tests/lib/libhostile_lingerreply.la tests/lib/libhostile_forgelog.la tests/lib/libhostile_reportflood.la \
	tests/lib/libhostile_zombies.la
check_LTLIBRARIES += $(HOSTILE_LIBS)
HOSTILE_LIBADD = src/ipc/libipc_capi.la -lpthread
tests_lib_libhostile_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_la_LIBADD = $(HOSTILE_LIBADD)
tests_lib_libhostile_segv_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_segv_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_CTOR='"segv"'
tests_lib_libhostile_segv_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_segv_la_LIBADD = $(HOSTILE_LIBADD)
tests_lib_libhostile_block_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_block_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_CTOR='"block"'
tests_lib_libhostile_block_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_block_la_LIBADD = $(HOSTILE_LIBADD)
tests_lib_libhostile_connect_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_connect_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_MODE='"crash-connect"'
tests_lib_libhostile_connect_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_connect_la_LIBADD = $(HOSTILE_LIBADD)
tests_lib_libhostile_main_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_main_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_MODE='"crash-main"'
tests_lib_libhostile_main_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_main_la_LIBADD = $(HOSTILE_LIBADD)

tests_lib_libhostile_linger_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_linger_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_LAUNCH='"linger"' -DHOSTILE_NO_IPC
tests_lib_libhostile_linger_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_lingerreply_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_lingerreply_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_MODE='"lingerreply"'
tests_lib_libhostile_lingerreply_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_lingerreply_la_LIBADD = $(HOSTILE_LIBADD)
tests_lib_libhostile_forgelog_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_forgelog_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_LAUNCH='"forgelog"' -DHOSTILE_NO_IPC
tests_lib_libhostile_forgelog_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_reportflood_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_reportflood_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_LAUNCH='"reportflood"' -DHOSTILE_NO_IPC
tests_lib_libhostile_reportflood_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libhostile_zombies_la_SOURCES = tests/fault/libhostile.c
tests_lib_libhostile_zombies_la_CPPFLAGS = $(AM_CPPFLAGS) -DHOSTILE_NO_IPC
tests_lib_libhostile_zombies_la_LDFLAGS = $(TEST_LIB_LDFLAGS)

FAULT_TESTS = tests/fault/test-fault-stages
check_PROGRAMS += $(FAULT_TESTS)
TESTS += $(FAULT_TESTS)
VALGRIND_TESTS += $(FAULT_TESTS)
FAULT_LDADD = src/libchild_process.la src/ipc/libipc_capi.la -lpthread
tests_fault_test_fault_stages_SOURCES = tests/fault/test-fault-stages.c tests/fault/fault-util.h \
	tests/unit/child-helpers.h tests/tap.h
tests_fault_test_fault_stages_LDADD = $(FAULT_LDADD)

# `make check-loops [NCP_TEST_LOOPS=200] [NCP_TEST_HOGS=3]`: test-fault-stages
# [early] scenarios (a spare, the zygote or a child killed while a start is
# under way), NCP_TEST_LOOPS times in each spawn mode beside NCP_TEST_HOGS
# processes that keep the CPUs busy: the races there show once in hundreds
# of rounds on a loaded machine.  Opt-in (about 10 s a loop on 2 cores);
# `tests/run-unprivileged.sh TESTS=tests/fault/test-fault-stages NCP_TEST_LOOPS=200`
# runs the same as a throwaway user.
.PHONY: check-loops
check-loops:
	$(MAKE) $(AM_MAKEFLAGS) check TESTS=tests/fault/test-fault-stages TEST_SUITE_LOG=test-suite-loops.log \
		NCP_TEST_LOOPS="$${NCP_TEST_LOOPS:-200}"

FAULT_TESTS += tests/fault/test-fault-parent
check_PROGRAMS += tests/fault/test-fault-parent
TESTS += tests/fault/test-fault-parent
VALGRIND_TESTS += tests/fault/test-fault-parent
tests_fault_test_fault_parent_SOURCES = tests/fault/test-fault-parent.c tests/fault/fault-util.h \
	tests/unit/child-helpers.h tests/tap.h
tests_fault_test_fault_parent_LDADD = $(FAULT_LDADD)

# The supervisor thread refused when a start hands it its child: the
# library's objects linked in, not libchild_process.so, so that the thread's
# start can be wrapped (tests/fault/test-fault-supervisor.c).
FAULT_TESTS += tests/fault/test-fault-supervisor
check_PROGRAMS += tests/fault/test-fault-supervisor
TESTS += tests/fault/test-fault-supervisor
VALGRIND_TESTS += tests/fault/test-fault-supervisor
tests_fault_test_fault_supervisor_SOURCES = tests/fault/test-fault-supervisor.c tests/fault/fault-util.h \
	tests/unit/child-helpers.h tests/tap.h
tests_fault_test_fault_supervisor_LDADD = $(src_libchild_process_la_OBJECTS) $(src_libchild_process_la_LIBADD) \
	src/ipc/libipc_capi.la -lpthread
tests_fault_test_fault_supervisor_LDFLAGS = -Wl,--wrap=ncp_loop_start_locked

FAULT_TESTS += tests/fault/test-fault-ipc
check_PROGRAMS += tests/fault/test-fault-ipc
TESTS += tests/fault/test-fault-ipc
VALGRIND_TESTS += tests/fault/test-fault-ipc
tests_fault_test_fault_ipc_SOURCES = tests/fault/test-fault-ipc.c tests/fault/fault-util.h \
	tests/unit/child-helpers.h tests/tap.h
tests_fault_test_fault_ipc_LDADD = $(FAULT_LDADD)

FAULT_TESTS += tests/fault/test-fault-app
check_PROGRAMS += tests/fault/test-fault-app
TESTS += tests/fault/test-fault-app
VALGRIND_TESTS += tests/fault/test-fault-app
tests_fault_test_fault_app_SOURCES = tests/fault/test-fault-app.c tests/fault/fault-util.h \
	tests/unit/child-helpers.h tests/tap.h
tests_fault_test_fault_app_LDADD = $(FAULT_LDADD)

# Children that attack the app through what they legitimately hold: the
# launch and IPC sockets (lingering descriptors, forged log lines), for
# normal and isolated children, in both spawn modes (issue 18).
FAULT_TESTS += tests/fault/test-hostile-children
check_PROGRAMS += tests/fault/test-hostile-children
TESTS += tests/fault/test-hostile-children
tests_fault_test_hostile_children_SOURCES = tests/fault/test-hostile-children.c tests/fault/fault-util.h \
	tests/unit/child-helpers.h tests/tap.h
tests_fault_test_hostile_children_LDADD = $(FAULT_LDADD)

# ---- load ---------------------------------------------------------------------
# 50 threads starting and killing children (LOAD_SECONDS, 20 s here; then
# 10 s in exec mode), 1000 isolated children in a row (LOAD_ISOLATED), 512 live
# children; the leak census and the parent's RSS after each.  A minute:
# `LOAD_SECONDS=60 make check TESTS=tests/load/test-load`.
LOAD_TESTS = tests/load/test-load
check_PROGRAMS += $(LOAD_TESTS)
TESTS += $(LOAD_TESTS)
tests_load_test_load_SOURCES = tests/load/test-load.c tests/fault/fault-util.h tests/unit/child-helpers.h tests/tap.h
tests_load_test_load_LDADD = $(FAULT_LDADD)

EXTRA_DIST += tests/hardening.md

# A child whose own child ptraces it and holds its zombie: its true end is
# reported once the tracer lets go, and nobody else waits meanwhile (issue
# 18, item 5).  Isolated children's tracers are refused.
check_LTLIBRARIES += tests/lib/libhostile_ptrace.la
tests_lib_libhostile_ptrace_la_SOURCES = tests/fault/libhostile_ptrace.c
tests_lib_libhostile_ptrace_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
FAULT_TESTS += tests/fault/test-hostile-ptrace
VALGRIND_TESTS += tests/fault/test-hostile-ptrace
check_PROGRAMS += tests/fault/test-hostile-ptrace
TESTS += tests/fault/test-hostile-ptrace
tests_fault_test_hostile_ptrace_SOURCES = tests/fault/test-hostile-ptrace.c tests/fault/fault-util.h \
	tests/unit/child-helpers.h tests/tap.h
tests_fault_test_hostile_ptrace_LDADD = $(FAULT_LDADD)
