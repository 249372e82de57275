# SPDX-License-Identifier: Apache-2.0
# src/sandbox: the isolated child's sandbox (sandbox.h), one file per kernel
# facility.
#
# src/sandbox/parent: what the app and the zygote do for an isolated child
# from outside it: its id maps, the policy file's lookup, its binds, its
# cgroup.  Linked into the library, the runner and the sandbox.  No libnl,
# libcap-ng, json-c or libseccomp: apps and normal children never load them.
noinst_LTLIBRARIES += src/sandbox/parent/libncp-sandbox-parent.la
src_sandbox_parent_libncp_sandbox_parent_la_SOURCES = \
	src/sandbox/parent/userns.c src/sandbox/parent/policy_files.c src/sandbox/parent/binds.c \
	src/sandbox/parent/cgroup.c src/sandbox/parent/userns.h src/sandbox/parent/policy_files.h \
	src/sandbox/parent/binds.h src/sandbox/parent/cgroup.h src/sandbox/sandbox.h src/sandbox/policy.h

# The child side: everything ncp_sandbox_enter() does, for the module and
# for ncp-run --doctor and the tests, which call its probes.
SANDBOX_LIBS = $(LIBNL_LIBS) $(CAPNG_LIBS) $(JSONC_LIBS) $(SECCOMP_LIBS)
SANDBOX_CFLAGS = $(LIBNL_CFLAGS) $(CAPNG_CFLAGS) $(JSONC_CFLAGS) $(SECCOMP_CFLAGS)
noinst_LTLIBRARIES += src/sandbox/libncp-sandbox.la
src_sandbox_libncp_sandbox_la_SOURCES = \
	src/sandbox/sandbox.c src/sandbox/sandbox.h \
	src/sandbox/mount.c src/sandbox/mount.h src/sandbox/mount_fd.c src/sandbox/mount_system.c \
	src/sandbox/network.c src/sandbox/network.h \
	src/sandbox/caps.c src/sandbox/caps.h \
	src/sandbox/landlock.c src/sandbox/landlock.h src/sandbox/landlock_uapi.h \
	src/sandbox/uts.c src/sandbox/uts.h \
	src/sandbox/seccomp.c src/sandbox/seccomp_bpf.c src/sandbox/seccomp_progs.h \
	src/sandbox/policy.c src/sandbox/policy.h src/sandbox/policy_parser.h \
	src/sandbox/policy_landlock.c src/sandbox/policy_additions.c \
	src/sandbox/sandbox_limits.c src/sandbox/sandbox_limits.h
src_sandbox_libncp_sandbox_la_CFLAGS = $(AM_CFLAGS) $(SANDBOX_CFLAGS)
src_sandbox_libncp_sandbox_la_LIBADD = src/sandbox/libncp-sandbox-probes.la \
	src/sandbox/parent/libncp-sandbox-parent.la $(SANDBOX_LIBS)
# The probes `ncp-run --doctor` links (the rest it reaches through
# ncp-sandbox.so): none of the sandbox's libraries.
noinst_LTLIBRARIES += src/sandbox/libncp-sandbox-probes.la
src_sandbox_libncp_sandbox_probes_la_SOURCES = src/sandbox/landlock_abi.c src/sandbox/keyring.c src/sandbox/keyring.h

# ncp-sandbox.so, the module the runner loads in isolated children only:
# normal children, forked from the zygote, carry none of libnl, libcap-ng,
# json-c and libseccomp.
ncplibexec_LTLIBRARIES += src/ncp-sandbox.la
src_ncp_sandbox_la_SOURCES = src/sandbox/sandbox_module.c
src_ncp_sandbox_la_CFLAGS = $(AM_CFLAGS) $(SANDBOX_CFLAGS)
src_ncp_sandbox_la_LIBADD = src/sandbox/libncp-sandbox.la src/common/libncp-common.la
src_ncp_sandbox_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -no-undefined

# Policies: $(datadir)/child_process/policy (policydir, from Makefile.am);
# an administrator overrides them in $(sysconfdir)/child_process/policy.
policy_DATA += policy/isolated.json policy/normal.json
EXTRA_DIST += policy/isolated.json policy/normal.json doc/isolation.md
