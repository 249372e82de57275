/* SPDX-License-Identifier: Apache-2.0 */
/* Exit callbacks (exit_callbacks.c): the app registers them through the
 * API; the supervisor thread runs them when an args child is killed by a
 * signal (child_end.c). */
#pragma once

#include <sys/types.h>

void ncp_exit_callbacks_run(pid_t pid, int sig);
