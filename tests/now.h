/* SPDX-License-Identifier: Apache-2.0 */
/* Monotonic time in seconds, for the tests' deadlines and measurements. */
#pragma once

#include <time.h>

static inline double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
