/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sanitizer builds only (configure --enable-sanitizers, tests/hardening.mk):
 * the runner's own ASan/UBSan defaults.  The runner is instrumented like the
 * rest (it loads the app's instrumented libraries; libasan comes first
 * because the runner itself links it).
 *
 * A child that dies of a signal must die of that signal, as in a normal
 * build: the parent reports it (exit callbacks, wait status).  So ASan must
 * not catch SIGSEGV/SIGBUS/SIGFPE/SIGILL and turn them into "exit 1".  What
 * ASan detects itself (overflows, use after free) is still reported and still
 * ends the child.  Leak checking is off here: the runner keeps its launch
 * spec and the entry's arguments for the child's whole life on purpose, and
 * the app's code is not ours to check.  ASAN_OPTIONS / UBSAN_OPTIONS in the
 * environment still override these.
 */
#define NCP_EXPORT __attribute__((visibility("default")))

NCP_EXPORT const char *__asan_default_options(void);
NCP_EXPORT const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
    return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0:detect_leaks=0";
}

const char *__ubsan_default_options(void)
{
    return "print_stacktrace=1";
}
