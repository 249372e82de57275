# Examples: built by `make check` and run by tests.
noinst_PROGRAMS += examples/demo/demo
examples_demo_demo_SOURCES = examples/demo/demo.c
examples_demo_demo_LDADD = src/libchild_process.la
check_LTLIBRARIES += examples/demo/libdemo.la
examples_demo_libdemo_la_SOURCES = examples/demo/libdemo.c
examples_demo_libdemo_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
EXTRA_DIST += examples/demo/run-demo.sh
