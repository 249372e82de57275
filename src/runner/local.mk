# SPDX-License-Identifier: Apache-2.0
# src/runner: ncp-runner, the zygote and the child's own code before the
# entry runs.  zygote_proto.h and runner_state.h are its interfaces with the
# library.  The reaper of what isolated children leave (orphans.c) is also
# ncp-run's, for its one child: a unit of its own, libncp-reaper.
noinst_LTLIBRARIES += src/runner/libncp-reaper.la
src_runner_libncp_reaper_la_SOURCES = src/runner/orphans.c src/runner/orphans.h

ncplibexec_PROGRAMS += src/ncp-runner
src_ncp_runner_SOURCES = src/runner/runner.c src/runner/runner.h src/runner/runner_ipc.c src/runner/runner_state.h \
	src/runner/zygote_server.c src/runner/zygote_child.c src/runner/sandbox_loader.c src/runner/zygote_proto.h
src_ncp_runner_LDADD = src/runner/libncp-reaper.la src/sandbox/parent/libncp-sandbox-parent.la \
	src/common/libncp-common.la -ldl
# libchild_process, loaded into the child by the app's library, finds the
# runner's state through this symbol.  The runner links no libtool shared
# library, so it is a real program in the build tree too (argv[0] stays the
# child's name) and uses the app's own copy of libipc_capi.
src_ncp_runner_LDFLAGS = $(AM_LDFLAGS) -Wl,--export-dynamic-symbol=ncp_runner_state
