# Hardening (issue 6): fuzz targets and their replay in `make check`, fault
# injection and load tests, valgrind.  Included at the end of tests/local.mk.

# ---- fuzzing ----------------------------------------------------------------
# libFuzzer targets (clang only): `make fuzz [FUZZ_SECONDS=60]` runs every
# target, fuzz-ipc included, for FUZZ_SECONDS each; `make fuzz-launch` etc.
# run one.  Crashes land in tests/fuzz/NAME/ of the build tree (crash-*);
# copy them to $(srcdir)/tests/fuzz/NAME/regressions/ once fixed.
#
# Without libFuzzer, tests/fuzz/replay.c feeds every seed (corpus/) and every
# saved crash (regressions/) to the same entry functions: that runs in
# `make check`, with any compiler.
FUZZ_TARGETS = launch policy validate
FUZZ_SRCS_launch = $(srcdir)/tests/fuzz/launch/fuzz_launch.c $(srcdir)/src/launch_spec.c
FUZZ_SRCS_policy = $(srcdir)/tests/fuzz/policy/fuzz_policy.c $(srcdir)/src/policy.c $(srcdir)/src/log.c
FUZZ_SRCS_validate = $(srcdir)/tests/fuzz/validate/fuzz_validate.c $(srcdir)/src/validate.c \
	$(srcdir)/src/names.c $(srcdir)/src/settings.c $(srcdir)/src/libpath.c $(srcdir)/src/configs.c \
	$(srcdir)/src/log.c
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-I$(top_builddir) $(AM_CPPFLAGS) -pthread
# Runs one target for FUZZ_SECONDS on a scratch copy of its corpus.  The
# parsers log every rejected input: their stderr is closed (-close_fd_mask=2;
# libFuzzer and the sanitizers keep reporting).
FUZZ_RUN = run_fuzz() { \
	secs='$(FUZZ_SECONDS)'; work=$$(mktemp -d); \
	echo "fuzz-$$1: $${secs:-60} s"; \
	ASAN_OPTIONS=detect_leaks=1 tests/fuzz/$$1/fuzz_$$1 -max_total_time=$${secs:-60} -max_len=$$2 \
		-timeout=10 -rss_limit_mb=2048 -close_fd_mask=2 -print_final_stats=1 -artifact_prefix=tests/fuzz/$$1/ \
		$$work $(srcdir)/tests/fuzz/$$1/corpus $(srcdir)/tests/fuzz/$$1/regressions; \
	r=$$?; rm -rf $$work; return $$r; }; run_fuzz

EXTRA_DIST += tests/fuzz/make-seeds.py \
	tests/fuzz/launch/fuzz_launch.c tests/fuzz/launch/corpus tests/fuzz/launch/regressions \
	tests/fuzz/policy/fuzz_policy.c tests/fuzz/policy/corpus tests/fuzz/policy/regressions \
	tests/fuzz/validate/fuzz_validate.c tests/fuzz/validate/corpus tests/fuzz/validate/regressions
.PHONY: fuzz fuzz-launch fuzz-policy fuzz-validate

if HAVE_CLANG
tests/fuzz/launch/fuzz_launch: $(FUZZ_SRCS_launch) config.h
	@$(MKDIR_P) tests/fuzz/launch
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS_launch)
tests/fuzz/policy/fuzz_policy: $(FUZZ_SRCS_policy) config.h
	@$(MKDIR_P) tests/fuzz/policy
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CFLAGS) $(JSONC_CFLAGS) -o $@ $(FUZZ_SRCS_policy) $(JSONC_LIBS)
tests/fuzz/validate/fuzz_validate: $(FUZZ_SRCS_validate) config.h
	@$(MKDIR_P) tests/fuzz/validate
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CFLAGS) -o $@ $(FUZZ_SRCS_validate)
CLEANFILES += tests/fuzz/launch/fuzz_launch tests/fuzz/policy/fuzz_policy tests/fuzz/validate/fuzz_validate

# Launch specs reach 700 KB, but the decoder's paths show in far less.
fuzz-launch: tests/fuzz/launch/fuzz_launch
	@$(FUZZ_RUN) launch 16384
fuzz-policy: tests/fuzz/policy/fuzz_policy
	@$(FUZZ_RUN) policy 16384
fuzz-validate: tests/fuzz/validate/fuzz_validate
	@$(FUZZ_RUN) validate 4096
# One after the other, so each gets the time it was given.
fuzz:
	$(MAKE) $(AM_MAKEFLAGS) fuzz-ipc
	$(MAKE) $(AM_MAKEFLAGS) fuzz-launch
	$(MAKE) $(AM_MAKEFLAGS) fuzz-policy
	$(MAKE) $(AM_MAKEFLAGS) fuzz-validate
else
fuzz fuzz-launch fuzz-policy fuzz-validate:
	@echo "$@: clang was not found by configure" >&2; exit 1
endif

FUZZ_REPLAY = tests/fuzz/replay-launch tests/fuzz/replay-policy tests/fuzz/replay-validate
check_PROGRAMS += $(FUZZ_REPLAY)
TESTS += $(FUZZ_REPLAY)
tests_fuzz_replay_launch_SOURCES = tests/fuzz/replay.c tests/fuzz/launch/fuzz_launch.c tests/tap.h
tests_fuzz_replay_launch_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"launch"'
tests_fuzz_replay_launch_LDADD = src/libncp-common.la
tests_fuzz_replay_policy_SOURCES = tests/fuzz/replay.c tests/fuzz/policy/fuzz_policy.c tests/tap.h
tests_fuzz_replay_policy_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"policy"'
tests_fuzz_replay_policy_LDADD = src/libncp-common.la
tests_fuzz_replay_validate_SOURCES = tests/fuzz/replay.c tests/fuzz/validate/fuzz_validate.c tests/tap.h \
	src/validate.c src/names.c src/settings.c src/libpath.c src/configs.c
tests_fuzz_replay_validate_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"validate"'
tests_fuzz_replay_validate_LDADD = src/libncp-common.la
