/* SPDX-License-Identifier: Apache-2.0 */
/* Where a child's end is delivered (child_end.c), on the supervisor thread:
 * what it left behind is killed, its last reports and output are read, its
 * slot is freed, then its log line, its IPC start result, the app's exit
 * callbacks, and last the record NCP_WaitChildProcess() returns. */
#pragma once

#include "child.h"

/* c ended with a waitpid-style status (from its pidfd or the zygote). */
void ncp_child_ended(struct ncp_child *c, int status);
/* The rest of an ENDING child's end, once its output is out (the callback of
 * ncp_child_retry_output()): its log line, IPC start result, exit callbacks,
 * the record a wait returns. */
void ncp_child_report_end(struct ncp_child *c);
/* The callback of c->on_exit: its pidfd became readable. */
void ncp_child_exited(struct ncp_watch *w);
/* An end whose status ncp_end_status_try() found (r == 0) or never will
 * (r < 0); the callback of ncp_end_status_retry(). */
void ncp_child_end_with(struct ncp_child *c, int r, int status);
/* Ends the children adopted after the zygote had reported their end. */
void ncp_child_end_early_ones(void);
