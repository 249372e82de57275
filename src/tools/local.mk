# SPDX-License-Identifier: Apache-2.0
# src/tools: ncp-run, the launcher: one child from the shell, and --doctor.
bin_PROGRAMS += src/ncp-run
src_ncp_run_SOURCES = src/tools/ncp-run.c src/tools/doctor.c src/tools/doctor.h src/tools/doctor_checks.c src/tools/doctor_gather.c \
	src/tools/oneshot.c src/tools/oneshot.h
# libchild_process reads ncp_one_shot_program (src/tools/oneshot.c) to exec
# ncp-run's one child without a zygote.
src_ncp_run_LDFLAGS = $(AM_LDFLAGS) -Wl,--export-dynamic-symbol=ncp_one_shot_program
# The doctor links the sandbox's probes that need no library of its own
# (Landlock's ABI, the keyring, the namespaces) and reaches the others
# through ncp-sandbox.so, as isolated children do: ncp-run loads neither
# libcap-ng, json-c nor libseccomp.
src_ncp_run_LDADD = src/libchild_process.la src/spawn/libncp-spawn.la src/runner/libncp-reaper.la \
	src/sandbox/libncp-sandbox-probes.la src/sandbox/parent/libncp-sandbox-parent.la src/common/libncp-common.la
