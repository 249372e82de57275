# SPDX-License-Identifier: Apache-2.0
# The Node.js package (bindings/node/): the Node-API addon, the helper library
# JS children start with, and the package's tests (node --test, TAP).
#
# The build tree's bindings/node/ is the package: `make` puts ncp_node.node
# and libncp-node-child.so into bindings/node/lib/ next to the JS files
# (copied there from the source tree in a VPATH build).  Both are built with
# bindings/node/build.sh, the script `npm install` runs, here given the build
# tree's library instead of pkg-config's.  Not installed by `make install`:
# an app installs the package with npm (README).
NODE_PKG_FILES = \
	bindings/node/package.json bindings/node/index.js bindings/node/index.mjs bindings/node/index.d.ts \
	bindings/node/lib/index.js bindings/node/lib/errors.js bindings/node/lib/classes.js \
	bindings/node/lib/srcentry.js bindings/node/lib/bootstrap.js
NODE_TEST_FILES = \
	bindings/node/test/helpers.js \
	bindings/node/test/api-samples.test.js \
	bindings/node/test/errors.test.js \
	bindings/node/test/isolated.test.js \
	bindings/node/test/lifetime.test.js \
	bindings/node/test/limit.test.js \
	bindings/node/test/srcentry.test.js \
	bindings/node/test/extras.test.js \
	bindings/node/test/doc-samples.test.js \
	bindings/node/test/stdio.test.js \
	bindings/node/test/fixtures/stdio-app.js \
	bindings/node/test/fixtures/doc/entry/src/main/ets/process/DemoProcess.ets \
	bindings/node/test/fixtures/doc/entry/src/main/ets/tool/StartChildProcessPromise.ets \
	bindings/node/test/fixtures/doc/entry/src/main/ets/tool/StartChildProcessCallback.ets \
	bindings/node/test/fixtures/doc/entry/src/main/ets/tool/StartNativeChildProcess.ets \
	bindings/node/test/fixtures/doc/entry/src/main/cpp/entry.cc \
	bindings/node/test/fixtures/doc/module1/src/main/ets/process/DemoProcess.ets \
	bindings/node/test/fixtures/doc/module1/src/main/ets/tool/Tool.ets \
	bindings/node/test/fixtures/run-sample.js \
	bindings/node/test/fixtures/ohos-file-fs.mjs \
	bindings/node/test/fixtures/parent-dies.js \
	bindings/node/test/fixtures/ets/tool/StartChildProcessPromise.mjs \
	bindings/node/test/fixtures/ets/tool/StartChildProcessCallback.mjs \
	bindings/node/test/fixtures/ets/tool/StartArkChildProcess.mjs \
	bindings/node/test/fixtures/ets/tool/StartNativeChildProcess.mjs \
	bindings/node/test/fixtures/ets/process/DemoProcess.js \
	bindings/node/test/fixtures/module1/ets/process/DemoProcess.js \
	bindings/node/test/fixtures/ets/process/ReportProcess.js \
	bindings/node/test/fixtures/ets/process/EsmProcess.mjs \
	bindings/node/test/fixtures/ets/process/WallProcess.js \
	bindings/node/test/fixtures/ets/process/CrashProcess.js \
	bindings/node/test/fixtures/ets/process/NestedProcess.js \
	bindings/node/test/fixtures/ets/process/HoldProcess.js \
	bindings/node/test/fixtures/ets/process/NotAClass.js
EXTRA_DIST += $(NODE_PKG_FILES) $(NODE_TEST_FILES) \
	bindings/node/build.sh bindings/node/src/addon.c bindings/node/src/child_entry.c \
	bindings/node/README.md bindings/node/test/run-node-tests.sh bindings/node/test/run-node-tests-unprivileged.sh \
	bindings/node/test/entry.c

if HAVE_NODE
NODE_BUILT = bindings/node/lib/ncp_node.node bindings/node/lib/libncp-node-child.so
noinst_DATA = $(NODE_BUILT) bindings/node/.staged
CLEANFILES += $(NODE_BUILT) bindings/node/.staged

# The build tree's libchild_process, found through an rpath (tests only).
NODE_BUILD_ENV = NODE='$(NODE)' CC='$(CC)' NODE_INCLUDEDIR='$(NODE_INCLUDEDIR)' \
	NCP_EXTRA_CFLAGS='$(NCP_CFLAGS) $(CFLAGS)' \
	NCP_PKG_CFLAGS='-I$(abs_top_srcdir)/include' \
	NCP_PKG_LIBS='-L$(abs_top_builddir)/src/.libs -lchild_process -Wl,-rpath,$(abs_top_builddir)/src/.libs'

bindings/node/.staged: $(NODE_PKG_FILES:%=$(srcdir)/%)
	$(AM_V_GEN)if test '$(srcdir)' != .; then \
	  for f in $(NODE_PKG_FILES) $(NODE_TEST_FILES); do \
	    $(MKDIR_P) `dirname $$f` && cp '$(srcdir)'/$$f $$f || exit 1; \
	  done; \
	fi; touch $@

bindings/node/lib/ncp_node.node: $(srcdir)/bindings/node/src/addon.c $(srcdir)/bindings/node/build.sh src/libchild_process.la
	$(AM_V_CC)$(MKDIR_P) bindings/node/lib && $(NODE_BUILD_ENV) $(SHELL) $(srcdir)/bindings/node/build.sh addon '$(srcdir)/bindings/node' bindings/node/lib

bindings/node/lib/libncp-node-child.so: $(srcdir)/bindings/node/src/child_entry.c $(srcdir)/bindings/node/build.sh
	$(AM_V_CC)$(MKDIR_P) bindings/node/lib && $(NODE_BUILD_ENV) $(SHELL) $(srcdir)/bindings/node/build.sh helper '$(srcdir)/bindings/node' bindings/node/lib

# The native entries the tests start (the API document's "libentry.so:Main").
check_LTLIBRARIES += bindings/node/test/libentry.la
bindings_node_test_libentry_la_SOURCES = bindings/node/test/entry.c
bindings_node_test_libentry_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# The API document's C++ child as printed (doc-samples.test.js): its unused
# variables are the document's, so no -Werror here.
check_LTLIBRARIES += bindings/node/test/doc/libentry.la
bindings_node_test_doc_libentry_la_SOURCES = bindings/node/test/fixtures/doc/entry/src/main/cpp/entry.cc
bindings_node_test_doc_libentry_la_CXXFLAGS = -w
bindings_node_test_doc_libentry_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere

# As the calling user, then (as root) as a throwaway unprivileged user.
TESTS += bindings/node/test/run-node-tests.sh bindings/node/test/run-node-tests-unprivileged.sh
AM_TESTS_ENVIRONMENT += export NODE='$(NODE)';
else
check-local: node-skip-note
node-skip-note:
	@echo "bindings/node: tests skipped: $(NODE_SKIP_REASON)"
endif

# In a VPATH build, the package files bindings/node/.staged copied go with
# `make clean` (distcheck's distcleancheck).
clean-local: clean-node-staged
clean-node-staged:
	if test '$(srcdir)' != .; then rm -f $(NODE_PKG_FILES) $(NODE_TEST_FILES); fi
