# SPDX-License-Identifier: Apache-2.0
# What is built from src/: each directory is one link unit, so the listing
# shows which process a file runs in.  src/README.md says what each is and
# what may call what.  libipc_capi (src/ipc/local.mk) is included by
# Makefile.am before this file.
include $(srcdir)/src/common/local.mk
include $(srcdir)/src/spawn/local.mk
include $(srcdir)/src/sandbox/local.mk
include $(srcdir)/src/app/local.mk
include $(srcdir)/src/ability_runtime/local.mk
include $(srcdir)/src/runner/local.mk
include $(srcdir)/src/tools/local.mk
EXTRA_DIST += src/README.md
