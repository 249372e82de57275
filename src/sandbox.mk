# The isolated child's sandbox (src/sandbox.h): one file per kernel facility.
# Included by src/local.mk, linked into both the library (parent side:
# userns plan/apply, policy lookup) and the runner (child side).
SANDBOX_SOURCES = \
	src/sandbox.c src/sandbox.h \
	src/userns.c \
	src/mount.c \
	src/network.c \
	src/caps.c \
	src/landlock.c src/landlock_uapi.h \
	src/policy.c src/policy.h
SANDBOX_LIBS = $(LIBNL_LIBS) $(CAPNG_LIBS) $(JSONC_LIBS)
SANDBOX_CFLAGS = $(LIBNL_CFLAGS) $(CAPNG_CFLAGS) $(JSONC_CFLAGS)

# Policies: $(datadir)/child_process/policy (policydir, from Makefile.am);
# an administrator overrides them in $(sysconfdir)/child_process/policy.
policy_DATA += policy/isolated.json policy/normal.json
EXTRA_DIST += policy/isolated.json policy/normal.json doc/isolation.md
