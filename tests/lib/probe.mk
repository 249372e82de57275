# SPDX-License-Identifier: Apache-2.0
# The wall suite's probe library and its host-side helper (tests/bats/walls.bats).
# The probe links nothing but libc: it must load inside the isolated child.
check_LTLIBRARIES += tests/lib/libprobe.la
tests_lib_libprobe_la_SOURCES = tests/lib/probe.c
tests_lib_libprobe_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# walls-ecosystem.bats's probe: what a child does with what ncp-run hands it.
check_LTLIBRARIES += tests/lib/libprobe-ecosystem.la
tests_lib_libprobe_ecosystem_la_SOURCES = tests/lib/probe-ecosystem.c
tests_lib_libprobe_ecosystem_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# The lifetime suite's probe (walls-lifetime.bats) and the limit tests' holders.
check_LTLIBRARIES += tests/lib/libprobe-lifetime.la
tests_lib_libprobe_lifetime_la_SOURCES = tests/lib/probe-lifetime.c
tests_lib_libprobe_lifetime_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# The limits suite's probe (tests/bats/walls-limits.bats).
check_LTLIBRARIES += tests/lib/libprobe-limits.la
tests_lib_libprobe_limits_la_SOURCES = tests/lib/probe-limits.c
tests_lib_libprobe_limits_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# The syscall wall suite's probe (tests/bats/walls-syscalls.bats).
check_LTLIBRARIES += tests/lib/libprobe-syscalls.la
tests_lib_libprobe_syscalls_la_SOURCES = tests/lib/probe-syscalls.c
tests_lib_libprobe_syscalls_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_PROGRAMS += tests/lib/wall-helper
tests_lib_wall_helper_SOURCES = tests/lib/wall-helper.c
# The host-walls suite (tests/bats/walls-host.bats): its own probe, and a
# program that runs a command on a fresh pseudo-terminal.
check_LTLIBRARIES += tests/lib/libprobe-host.la
tests_lib_libprobe_host_la_SOURCES = tests/lib/probe-host.c
tests_lib_libprobe_host_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_PROGRAMS += tests/lib/pty-run
tests_lib_pty_run_SOURCES = tests/lib/pty-run.c

if HAVE_BATS
TESTS += tests/bats/walls.bats tests/bats/walls-ecosystem.bats tests/bats/walls-host.bats tests/bats/walls-lifetime.bats \
	tests/bats/walls-syscalls.bats tests/bats/walls-fds.bats tests/bats/walls-binds.bats tests/bats/walls-limits.bats tests/bats/walls-env.bats tests/bats/walls-policy-binds.bats \
	tests/bats/walls-cgroup.bats tests/bats/run-walls-unprivileged.sh
endif
EXTRA_DIST += tests/bats/walls.bats tests/bats/walls-ecosystem.bats tests/bats/walls-host.bats tests/bats/walls-lifetime.bats \
	tests/bats/walls-syscalls.bats tests/bats/walls-fds.bats tests/bats/walls-binds.bats tests/bats/walls-limits.bats tests/bats/walls-env.bats tests/bats/walls-policy-binds.bats \
	tests/bats/walls-cgroup.bats tests/bats/helpers.bash tests/bats/run-walls-unprivileged.sh
# ncp-run.bats: runs a command where no further seccomp filter can be loaded
# (as without CONFIG_SECCOMP_FILTER), for --doctor's seccomp_filter check.
check_PROGRAMS += tests/lib/no-seccomp
tests_lib_no_seccomp_SOURCES = tests/lib/no-seccomp.c
tests_lib_no_seccomp_CFLAGS = $(AM_CFLAGS) $(SECCOMP_CFLAGS)
tests_lib_no_seccomp_LDADD = $(SECCOMP_LIBS)
