# SPDX-License-Identifier: Apache-2.0
# The isolated child's sandbox (src/sandbox.h): one file per kernel facility.
# Included by src/local.mk, linked into both the library (parent side:
# userns plan/apply, policy lookup) and the runner (child side).
# What the library itself needs (the parent side): id maps and the policy
# file lookup.  No libnl, libcap-ng, json-c or libseccomp: those stay in the runner, so
# apps and their children do not load them.
SANDBOX_PARENT_SOURCES = src/userns.c src/sandbox.h src/policy_files.c src/policy.h src/binds.c src/cgroup.c
SANDBOX_SOURCES = \
	$(SANDBOX_PARENT_SOURCES) \
	src/sandbox.c \
	src/mount.c \
	src/network.c \
	src/caps.c \
	src/landlock.c src/landlock_uapi.h \
	src/keyring.c \
	src/uts.c \
	src/seccomp.c \
	src/policy.c \
	src/sandbox_limits.c
SANDBOX_LIBS = $(LIBNL_LIBS) $(CAPNG_LIBS) $(JSONC_LIBS) $(SECCOMP_LIBS)
SANDBOX_CFLAGS = $(LIBNL_CFLAGS) $(CAPNG_CFLAGS) $(JSONC_CFLAGS) $(SECCOMP_CFLAGS)

# Policies: $(datadir)/child_process/policy (policydir, from Makefile.am);
# an administrator overrides them in $(sysconfdir)/child_process/policy.
policy_DATA += policy/isolated.json policy/normal.json
EXTRA_DIST += policy/isolated.json policy/normal.json doc/isolation.md
