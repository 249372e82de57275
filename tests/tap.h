/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny TAP producer for the C tests (automake's tap-driver.sh reads it). */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_plan(int n) { printf("1..%d\n", n); fflush(stdout); }

__attribute__((format(printf, 2, 3))) static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (!cond)
        tap_failed++;
    return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(got, want, ...)                                                              \
    do {                                                                                    \
        long long _g = (long long)(got), _w = (long long)(want);                            \
        if (!tap_ok(_g == _w, __VA_ARGS__))                                                 \
            printf("#   got %lld, expected %lld  (%s:%d)\n", _g, _w, __FILE__, __LINE__);   \
    } while (0)
#define is_str(got, want, ...)                                                              \
    do {                                                                                    \
        const char *_g = (got), *_w = (want);                                               \
        if (!tap_ok(_g && _w && strcmp(_g, _w) == 0, __VA_ARGS__))                          \
            printf("#   got \"%s\", expected \"%s\"  (%s:%d)\n", _g ? _g : "(null)", _w, __FILE__, __LINE__); \
    } while (0)
#define diag(...) (printf("# "), printf(__VA_ARGS__), printf("\n"), fflush(stdout))

static inline int tap_done(void)
{
    if (tap_n == 0) {
        printf("1..0 # no tests ran\n");
        return 1;
    }
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}
