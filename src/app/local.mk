# SPDX-License-Identifier: Apache-2.0
# src/app: libchild_process, the part that runs in the app: the API, the
# registry of children and its supervisor thread, the zygote's client.
abilitykit_HEADERS += \
	include/AbilityKit/native_child_process.h \
	include/AbilityKit/native_child_process_ext.h

lib_LTLIBRARIES += src/libchild_process.la
src_libchild_process_la_SOURCES = \
	src/app/api.c src/app/api_start.c src/app/api_start.h src/app/child.c src/app/child.h \
	src/app/child_end.c src/app/child_end.h src/app/child_process_infos.c \
	src/app/child_stdio.c src/app/child_stdio.h src/app/child_wait.c src/app/child_wait.h \
	src/app/child_watch.c src/app/child_watch.h src/app/configs.c src/app/configs.h src/app/configs_env.c \
	src/app/end_status.c src/app/end_status.h src/app/event_loop.c src/app/event_loop.h \
	src/app/exit_callbacks.c src/app/exit_callbacks.h src/app/in_child.c src/app/in_child.h src/app/ipc_child.c src/app/ipc_child.h src/app/launch.c src/app/launch.h \
	src/app/registry.c src/app/registry.h src/app/slots.c src/app/slots.h src/app/supervisor.c src/app/supervisor.h \
	src/app/validate.c src/app/validate.h src/app/zygote_client.c src/app/zygote_client.h \
	src/ability_runtime/child_process_info.h src/runner/runner_state.h src/runner/zygote_proto.h
src_libchild_process_la_LIBADD = src/spawn/libncp-spawn.la src/sandbox/parent/libncp-sandbox-parent.la \
	src/common/libncp-common.la src/ipc/libipc_capi.la -ldl
src_libchild_process_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(NCP_LT_VERSION) -no-undefined \
	-Wl,--version-script=$(srcdir)/src/app/libchild_process.sym
EXTRA_src_libchild_process_la_DEPENDENCIES = src/app/libchild_process.sym
EXTRA_DIST += src/app/libchild_process.sym
