# SPDX-License-Identifier: Apache-2.0
# Tests: C unit tests and bats suites, all through automake's TAP driver.
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_EXTENSIONS = .bats .sh
BATS_LOG_DRIVER = $(LOG_DRIVER)
BATS_LOG_COMPILER = $(BATS) --tap
SH_LOG_DRIVER = $(LOG_DRIVER)
SH_LOG_COMPILER = $(SHELL)

# Tests run against the build tree, never against an installed copy or the
# machine's settings file.
AM_TESTS_ENVIRONMENT = \
	export NCP_RUNNER='$(abs_top_builddir)/src/ncp-runner' \
	       NCP_RUN='$(abs_top_builddir)/src/ncp-run' \
	       NCP_TEST_LIBDIR='$(abs_top_builddir)/tests/lib/.libs' \
	       NCP_LIBRARY_PATH='$(abs_top_builddir)/tests/lib/.libs' \
	       NCP_POLICY_DIR='$(abs_top_srcdir)/policy' \
	       NCP_CONFIG_FILE=/nonexistent \
	       NCP_TOP_SRCDIR='$(abs_top_srcdir)' \
	       NCP_TOP_BUILDDIR='$(abs_top_builddir)';

EXTRA_DIST += tests/tap.h tests/now.h tests/lingering-socket.h
# The throwaway unprivileged user of run-walls-unprivileged.sh and .ci/run.
EXTRA_DIST += tests/throwaway-user.sh tests/run-unprivileged.sh

# Libraries the children load.
TEST_LIB_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/lib/libtestentry.la tests/lib/libbadctor.la
tests_lib_libtestentry_la_SOURCES = tests/lib/testentry.c
tests_lib_libtestentry_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libtestentry_la_LIBADD = src/libchild_process.la -lpthread
tests_lib_libbadctor_la_SOURCES = tests/lib/badctor.c
tests_lib_libbadctor_la_LDFLAGS = $(TEST_LIB_LDFLAGS)

# IPC children: the guide's stub with Add/leave, and libraries that fail on purpose.
check_LTLIBRARIES += tests/lib/libipcchild.la tests/lib/libipcnull.la tests/lib/libipcnomain.la tests/lib/libipcslow.la \
	tests/lib/libipcexit.la
tests_lib_libipcchild_la_SOURCES = tests/lib/ipcchild.c
tests_lib_libipcchild_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libipcchild_la_LIBADD = src/libchild_process.la src/ipc/libipc_capi.la -lpthread
tests_lib_libipcexit_la_SOURCES = tests/lib/ipcexit.c
tests_lib_libipcexit_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libipcexit_la_LIBADD = src/ipc/libipc_capi.la -lpthread
tests_lib_libipcnull_la_SOURCES = tests/lib/ipcbroken.c
tests_lib_libipcnull_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libipcnull_la_LIBADD = src/ipc/libipc_capi.la
tests_lib_libipcnomain_la_SOURCES = tests/lib/ipcbroken.c
tests_lib_libipcnomain_la_CPPFLAGS = $(AM_CPPFLAGS) -DIPC_NO_MAIN
tests_lib_libipcnomain_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libipcnomain_la_LIBADD = src/ipc/libipc_capi.la
tests_lib_libipcslow_la_SOURCES = tests/lib/ipcbroken.c
tests_lib_libipcslow_la_CPPFLAGS = $(AM_CPPFLAGS) -DIPC_SLOW
tests_lib_libipcslow_la_LDFLAGS = $(TEST_LIB_LDFLAGS)
tests_lib_libipcslow_la_LIBADD = src/ipc/libipc_capi.la

# C unit tests (TAP).  They link the library's internals where they test them.
UNIT_TESTS = tests/unit/test-api tests/unit/test-children tests/unit/test-limits tests/unit/test-launch-spec \
	tests/unit/test-ipc-children tests/unit/test-ipc-exit tests/unit/test-walltime tests/unit/test-lifetime tests/unit/test-child-infos \
	tests/unit/test-resource-limits tests/unit/test-log-handler tests/unit/test-closer tests/unit/test-policy-env \
	tests/unit/test-fork-guard tests/unit/test-runner-state
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
# The children suite once more in exec mode.
TESTS += tests/unit/test-children-exec.sh tests/unit/test-policy-env-exec.sh
EXTRA_DIST += tests/unit/test-children-exec.sh tests/unit/test-policy-env-exec.sh
tests_unit_test_api_SOURCES = tests/unit/test-api.c tests/tap.h
tests_unit_test_api_LDADD = src/libchild_process.la
tests_unit_test_children_SOURCES = tests/unit/test-children.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_children_LDADD = src/libchild_process.la -lpthread
tests_unit_test_limits_SOURCES = tests/unit/test-limits.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_limits_LDADD = src/libchild_process.la -lpthread
tests_unit_test_ipc_children_SOURCES = tests/unit/test-ipc-children.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_ipc_children_LDADD = src/libchild_process.la src/ipc/libipc_capi.la -lpthread
tests_unit_test_ipc_exit_SOURCES = tests/unit/test-ipc-exit.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_ipc_exit_LDADD = src/libchild_process.la src/ipc/libipc_capi.la -lpthread
tests_unit_test_lifetime_SOURCES = tests/unit/test-lifetime.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_lifetime_LDADD = src/libchild_process.la -lpthread
tests_unit_test_resource_limits_SOURCES = tests/unit/test-resource-limits.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_resource_limits_LDADD = src/libchild_process.la -lpthread
tests_unit_test_policy_env_SOURCES = tests/unit/test-policy-env.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_policy_env_LDADD = src/libchild_process.la -lpthread
tests_unit_test_log_handler_SOURCES = tests/unit/test-log-handler.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_log_handler_LDADD = src/libchild_process.la -lpthread
tests_unit_test_walltime_SOURCES = tests/unit/test-walltime.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_walltime_LDADD = src/libchild_process.la src/ipc/libipc_capi.la -lpthread
tests_unit_test_child_infos_SOURCES = tests/unit/test-child-infos.c tests/unit/child-helpers.h tests/tap.h
tests_unit_test_child_infos_LDADD = src/libchild_process.la src/libability_runtime.la src/ipc/libipc_capi.la
tests_unit_test_launch_spec_SOURCES = tests/unit/test-launch-spec.c tests/tap.h src/app/validate.c
tests_unit_test_launch_spec_LDADD = src/spawn/libncp-spawn.la src/common/libncp-common.la
# its own object for the library source it compiles again
tests_unit_test_launch_spec_CFLAGS = $(AM_CFLAGS)
tests_unit_test_closer_SOURCES = tests/unit/test-closer.c tests/tap.h
tests_unit_test_closer_LDADD = src/common/libncp-common.la -lpthread
tests_unit_test_fork_guard_SOURCES = tests/unit/test-fork-guard.c tests/tap.h
tests_unit_test_fork_guard_LDADD = src/common/libncp-common.la -lpthread
tests_unit_test_runner_state_SOURCES = tests/unit/test-runner-state.c tests/tap.h
tests_unit_test_runner_state_LDADD = src/libchild_process.la

# The sandbox's own unit tests and the wall suite (probe library, walls.bats).
include $(srcdir)/tests/sandbox/local.mk
include $(srcdir)/tests/lib/probe.mk

# Shell-level behaviour through ncp-run.
if HAVE_BATS
TESTS += tests/bats/ncp-run.bats tests/bats/conformance.bats tests/bats/messages.bats
endif
EXTRA_DIST += tests/bats/ncp-run.bats tests/bats/conformance.bats tests/bats/messages.bats tests/tools/check-doctor-json.py

# The installed tree, used the way an app would use it.
TESTS += tests/install/check-install.sh
EXTRA_DIST += tests/install/check-install.sh
# `make install` relinks the libraries in the build tree: run that test after
# all the others, never beside them.
tests/install/check-install.log: $(filter-out tests/install/check-install.log tests/packaging/tree-tidy.log,$(TEST_LOGS))

# Sanitizers, fuzzing, fault injection, load, valgrind (issue 6).
include $(srcdir)/tests/hardening.mk
