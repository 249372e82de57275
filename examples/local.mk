# SPDX-License-Identifier: Apache-2.0
# Examples: built by `make check` and run by tests (tests/bats/examples.bats,
# tests/install/check-install.sh builds them again against the installed tree).
EXAMPLE_LIB_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
# Built like an app's own code: default symbol visibility.
EXAMPLE_CFLAGS = $(NCP_CFLAGS) -pthread

noinst_PROGRAMS += examples/demo/demo
examples_demo_demo_CFLAGS = $(EXAMPLE_CFLAGS)
examples_demo_demo_SOURCES = examples/demo/demo.c
examples_demo_demo_LDADD = src/libchild_process.la
check_LTLIBRARIES += examples/demo/libdemo.la
examples_demo_libdemo_la_CFLAGS = $(EXAMPLE_CFLAGS)
examples_demo_libdemo_la_SOURCES = examples/demo/libdemo.c
examples_demo_libdemo_la_LDFLAGS = $(EXAMPLE_LIB_LDFLAGS)
EXTRA_DIST += examples/demo/run-demo.sh

check_PROGRAMS += examples/pass-by-parameter/parent examples/exit-callback/parent
check_LTLIBRARIES += examples/pass-by-parameter/libpassbyparam.la examples/exit-callback/libexitcb.la
examples_pass_by_parameter_parent_CFLAGS = $(EXAMPLE_CFLAGS)
examples_pass_by_parameter_parent_SOURCES = examples/pass-by-parameter/parent.c
examples_pass_by_parameter_parent_LDADD = src/libchild_process.la
examples_pass_by_parameter_libpassbyparam_la_CFLAGS = $(EXAMPLE_CFLAGS)
examples_pass_by_parameter_libpassbyparam_la_SOURCES = examples/pass-by-parameter/child.c
examples_pass_by_parameter_libpassbyparam_la_LDFLAGS = $(EXAMPLE_LIB_LDFLAGS)
examples_pass_by_parameter_libpassbyparam_la_LIBADD = src/libchild_process.la -lpthread
examples_exit_callback_parent_CFLAGS = $(EXAMPLE_CFLAGS)
examples_exit_callback_parent_SOURCES = examples/exit-callback/parent.c
examples_exit_callback_parent_LDADD = src/libchild_process.la -lpthread
examples_exit_callback_libexitcb_la_CFLAGS = $(EXAMPLE_CFLAGS)
examples_exit_callback_libexitcb_la_SOURCES = examples/exit-callback/child.c
examples_exit_callback_libexitcb_la_LDFLAGS = $(EXAMPLE_LIB_LDFLAGS)

check_PROGRAMS += examples/ipc/parent examples/thumbnailer/parent
check_LTLIBRARIES += examples/ipc/libcalculator.la examples/thumbnailer/libthumbnailer.la
examples_ipc_parent_CFLAGS = $(EXAMPLE_CFLAGS)
examples_ipc_parent_SOURCES = examples/ipc/parent.c
examples_ipc_parent_LDADD = src/libchild_process.la src/ipc/libipc_capi.la -lpthread
examples_ipc_libcalculator_la_CFLAGS = $(EXAMPLE_CFLAGS)
examples_ipc_libcalculator_la_SOURCES = examples/ipc/child.c
examples_ipc_libcalculator_la_LDFLAGS = $(EXAMPLE_LIB_LDFLAGS)
examples_ipc_libcalculator_la_LIBADD = src/ipc/libipc_capi.la -lpthread
examples_thumbnailer_parent_CFLAGS = $(EXAMPLE_CFLAGS)
examples_thumbnailer_parent_SOURCES = examples/thumbnailer/parent.c
examples_thumbnailer_parent_LDADD = src/libchild_process.la
examples_thumbnailer_libthumbnailer_la_CFLAGS = $(EXAMPLE_CFLAGS)
examples_thumbnailer_libthumbnailer_la_SOURCES = examples/thumbnailer/child.c
examples_thumbnailer_libthumbnailer_la_LDFLAGS = $(EXAMPLE_LIB_LDFLAGS)

if HAVE_BATS
TESTS += tests/bats/examples.bats
endif
EXTRA_DIST += tests/bats/examples.bats

# The JS thumbnailer (examples/js-thumbnailer): a Node.js app on the package
# in bindings/node.  walls-node.bats runs it and proves its children's walls
# (skipped inside when the package is not built); run-walls-unprivileged.sh
# runs it again as a throwaway user, as every walls-*.bats.
EXTRA_DIST += examples/js-thumbnailer/app.js examples/js-thumbnailer/ets/process/Thumbnailer.js \
	tests/bats/walls-node.bats
if HAVE_BATS
TESTS += tests/bats/walls-node.bats
endif
