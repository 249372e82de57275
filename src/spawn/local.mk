# SPDX-License-Identifier: Apache-2.0
# src/spawn: what a process needs to start children, shared by the library
# and ncp-run (src/spawn/spawn.h): the settings file, child names, where a
# library and the runner are found, the clone3 + execve spawner.
noinst_LTLIBRARIES += src/spawn/libncp-spawn.la
src_spawn_libncp_spawn_la_SOURCES = \
	src/spawn/spawn.h src/spawn/names.c src/spawn/libpath.c src/spawn/settings.c \
	src/spawn/spawner.c src/spawn/spawner.h
