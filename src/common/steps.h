/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opt-in timing of an isolated start's steps, for `make bench`:
 * NCP_TEST_STEP_TIMES=1 in the runner's environment makes it print, before
 * the entry runs, one line on its stderr:
 *
 *   ncp-steps: start=MONOTONIC_US spec=+US preload=+US ... dlopen=+US
 *
 * start is CLOCK_MONOTONIC in microseconds when the runner's child code
 * began (comparable with any process's clock on the machine), each other
 * field the microseconds that step took, in the order they ran.  Off, the
 * runner passes no recorder and each mark is one NULL test.
 */
#pragma once

#include <stdint.h>
#include <string.h>
#include <time.h>

#define NCP_STEPS_MAX 32
#define NCP_STEP_NAME_MAX 24

struct ncp_steps {
    unsigned n;
    uint64_t start_us, last_us;
    struct {
        /* A copy: the code that marked it (ncp-sandbox.so) may be unloaded
         * before the line is printed. */
        char name[NCP_STEP_NAME_MAX];
        uint64_t us;
    } step[NCP_STEPS_MAX];
};

static inline uint64_t ncp_steps_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The step `name` has just ended. */
static inline void ncp_steps_mark(struct ncp_steps *s, const char *name)
{
    if (!s || s->n >= NCP_STEPS_MAX)
        return;
    uint64_t now = ncp_steps_now_us();
    size_t len = strnlen(name, NCP_STEP_NAME_MAX - 1);
    memcpy(s->step[s->n].name, name, len);
    s->step[s->n].name[len] = '\0';
    s->step[s->n++].us = now - s->last_us;
    s->last_us = now;
}
