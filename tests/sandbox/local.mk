# SPDX-License-Identifier: Apache-2.0
# C unit tests of the sandbox (src/sandbox/local.mk): policy parser, Landlock ABI
# probe and downgrade, user-namespace plan, ncp_sandbox_enter end to end.
# They link the sandbox and src/common only, not the library.
SANDBOX_TEST_LIBS = src/sandbox/libncp-sandbox.la src/common/libncp-common.la

SANDBOX_TESTS = tests/sandbox/test-policy tests/sandbox/test-landlock tests/sandbox/test-sandbox tests/sandbox/test-seccomp
check_PROGRAMS += $(SANDBOX_TESTS)
TESTS += $(SANDBOX_TESTS)
SANDBOX_TEST_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_sandbox_test_policy_SOURCES = tests/sandbox/test-policy.c tests/tap.h
tests_sandbox_test_policy_CPPFLAGS = $(SANDBOX_TEST_CPPFLAGS)
tests_sandbox_test_policy_LDADD = $(SANDBOX_TEST_LIBS)
tests_sandbox_test_landlock_SOURCES = tests/sandbox/test-landlock.c tests/tap.h
tests_sandbox_test_landlock_CPPFLAGS = $(SANDBOX_TEST_CPPFLAGS)
tests_sandbox_test_landlock_LDADD = $(SANDBOX_TEST_LIBS)
tests_sandbox_test_sandbox_SOURCES = tests/sandbox/test-sandbox.c tests/tap.h
tests_sandbox_test_sandbox_CPPFLAGS = $(SANDBOX_TEST_CPPFLAGS)
tests_sandbox_test_sandbox_LDADD = $(SANDBOX_TEST_LIBS)
tests_sandbox_test_seccomp_SOURCES = tests/sandbox/test-seccomp.c tests/tap.h
tests_sandbox_test_seccomp_CPPFLAGS = $(SANDBOX_TEST_CPPFLAGS)
tests_sandbox_test_seccomp_CFLAGS = $(AM_CFLAGS) $(SANDBOX_CFLAGS)
tests_sandbox_test_seccomp_LDADD = $(SANDBOX_TEST_LIBS)
