# SPDX-License-Identifier: Apache-2.0
# libability_runtime: the accessors of OH_Ability_AcquireChildProcessInfos()'s
# list, in the library the reference ships them in.  child_process_info.h is
# the list's layout, which libchild_process fills.
abilityruntime_HEADERS += \
	include/AbilityKit/ability_runtime/ability_runtime_common.h \
	include/AbilityKit/ability_runtime/child_process_info.h
lib_LTLIBRARIES += src/libability_runtime.la
src_libability_runtime_la_SOURCES = src/ability_runtime/child_process_info.c src/ability_runtime/child_process_info.h \
	src/common/macro.h
src_libability_runtime_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(NCP_LT_VERSION) -no-undefined \
	-Wl,--version-script=$(srcdir)/src/ability_runtime/libability_runtime.sym
EXTRA_src_libability_runtime_la_DEPENDENCIES = src/ability_runtime/libability_runtime.sym
EXTRA_DIST += src/ability_runtime/libability_runtime.sym
