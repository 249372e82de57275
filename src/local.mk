# SPDX-License-Identifier: Apache-2.0
# libchild_process, its runner and ncp-run.
include $(srcdir)/src/sandbox.mk

abilitykit_HEADERS += \
	include/AbilityKit/native_child_process.h \
	include/AbilityKit/native_child_process_ext.h
abilityruntime_HEADERS += \
	include/AbilityKit/ability_runtime/ability_runtime_common.h \
	include/AbilityKit/ability_runtime/child_process_info.h

# libability_runtime: the accessors of OH_Ability_AcquireChildProcessInfos()'s
# list, in the library the reference ships them in.
lib_LTLIBRARIES += src/libability_runtime.la
src_libability_runtime_la_SOURCES = src/ability_runtime/child_process_info.c src/child_process_info.h src/macro.h
src_libability_runtime_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(NCP_LT_VERSION) -no-undefined \
	-Wl,--version-script=$(srcdir)/src/ability_runtime/libability_runtime.sym
EXTRA_src_libability_runtime_la_DEPENDENCIES = src/ability_runtime/libability_runtime.sym
EXTRA_DIST += src/ability_runtime/libability_runtime.sym

# Pieces both the library and the runner use.
noinst_LTLIBRARIES += src/libncp-common.la
src_libncp_common_la_SOURCES = \
	src/macro.h src/syscall-compat.h src/log.c src/log.h src/fd-util.c src/fd-util.h \
	src/launch_spec.c src/launch_spec.h src/resource_limits.h src/resource_limits.c src/sandbox.h src/steps.h src/wait-status.h

# The whole sandbox (the child side), for the runner and ncp-run --doctor.
# The library takes only SANDBOX_PARENT_SOURCES (src/sandbox.mk).
noinst_LTLIBRARIES += src/libncp-sandbox.la
src_libncp_sandbox_la_SOURCES = $(SANDBOX_SOURCES)
src_libncp_sandbox_la_CFLAGS = $(AM_CFLAGS) $(SANDBOX_CFLAGS)
src_libncp_sandbox_la_LIBADD = $(SANDBOX_LIBS)

lib_LTLIBRARIES += src/libchild_process.la
src_libchild_process_la_SOURCES = \
	src/ncp.h src/api.c src/api_start.c src/child_process_info.h src/child_process_infos.c src/child_stdio.c \
	src/child_stdio.h src/closer.c src/closer.h \
	src/configs.c src/configs_env.c src/end_status.c src/end_status.h src/exit_callbacks.c \
	src/in_child.c src/runner/runner_state.h src/ipc_child.c src/libpath.c src/names.c \
	src/settings.c src/slots.c src/spawner.c src/spawner.h src/supervisor.c src/supervisor.h \
	src/validate.c src/zygote_client.c src/zygote_client.h src/zygote_proto.h \
	$(SANDBOX_PARENT_SOURCES)
src_libchild_process_la_LIBADD = src/libncp-common.la src/ipc/libipc_capi.la -ldl
src_libchild_process_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(NCP_LT_VERSION) -no-undefined \
	-Wl,--version-script=$(srcdir)/src/libchild_process.sym
EXTRA_src_libchild_process_la_DEPENDENCIES = src/libchild_process.sym
EXTRA_DIST += src/libchild_process.sym

# The child side of the sandbox as a module the runner loads in isolated
# children only: normal children, forked from the zygote, carry none of
# libnl, libcap-ng and json-c.
ncplibexec_LTLIBRARIES += src/ncp-sandbox.la
src_ncp_sandbox_la_SOURCES = src/sandbox_module.c
src_ncp_sandbox_la_CFLAGS = $(AM_CFLAGS) $(SANDBOX_CFLAGS)
src_ncp_sandbox_la_LIBADD = src/libncp-sandbox.la src/libncp-common.la
src_ncp_sandbox_la_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -no-undefined

# What the zygote itself needs of the sandbox: writing id maps.
noinst_LTLIBRARIES += src/libncp-sandbox-parent.la
src_libncp_sandbox_parent_la_SOURCES = $(SANDBOX_PARENT_SOURCES)

ncplibexec_PROGRAMS += src/ncp-runner
src_ncp_runner_SOURCES = src/runner/runner.c src/runner/runner.h src/runner/runner_ipc.c src/runner/runner_state.h \
	src/runner/zygote.c src/orphans.c src/orphans.h src/runner/sandbox_loader.c src/zygote_proto.h
src_ncp_runner_LDADD = src/libncp-sandbox-parent.la src/libncp-common.la -ldl
# libchild_process, loaded into the child by the app's library, finds the
# runner's state through this symbol.  The runner links no libtool shared
# library, so it is a real program in the build tree too (argv[0] stays the
# child's name) and uses the app's own copy of libipc_capi.
src_ncp_runner_LDFLAGS = $(AM_LDFLAGS) -Wl,--export-dynamic-symbol=ncp_runner_state

bin_PROGRAMS += src/ncp-run
src_ncp_run_SOURCES = src/tools/ncp-run.c src/tools/doctor.c src/tools/doctor.h \
	src/tools/oneshot.c src/tools/oneshot.h src/orphans.c src/orphans.h \
	src/settings.c src/spawner.c src/names.c src/libpath.c
# libchild_process reads ncp_one_shot_program (src/tools/oneshot.c) to exec
# ncp-run's one child without a zygote.
src_ncp_run_LDFLAGS = $(AM_LDFLAGS) -Wl,--export-dynamic-symbol=ncp_one_shot_program
# The doctor reads the sandbox's own probes (linked in, not exported by the library).
src_ncp_run_CFLAGS = $(AM_CFLAGS) $(SANDBOX_CFLAGS)
src_ncp_run_LDADD = src/libchild_process.la src/libncp-sandbox.la src/libncp-common.la
