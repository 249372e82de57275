# SPDX-License-Identifier: Apache-2.0
# src/common: helpers every unit links (logging, descriptors, the closer
# threads), and the launch spec, the sandbox description and limit names the app and the child both
# read.  No constructors: what a unit never calls never runs in it.
noinst_LTLIBRARIES += src/common/libncp-common.la
src_common_libncp_common_la_SOURCES = \
	src/common/macro.h src/common/syscall-compat.h src/common/wait-status.h src/common/steps.h \
	src/common/log.c src/common/log.h src/common/fd-util.c src/common/fd-util.h \
	src/common/closer.c src/common/closer.h src/common/fork_guard.c src/common/fork_guard.h \
	src/common/idmap.h src/common/pid_ring.h src/common/launch_spec.c src/common/launch_spec.h \
	src/common/sandbox_desc.c src/common/sandbox_desc.h src/common/wire_strings.h \
	src/common/resource_limits.c src/common/resource_limits.h
