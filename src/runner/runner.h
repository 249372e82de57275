/* SPDX-License-Identifier: Apache-2.0 */
/* The runner's pieces (src/runner/). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/launch_spec.h"
#include "common/macro.h"
#include "runner_state.h"
#include "sandbox/sandbox.h"

extern struct ncp_runner_state ncp_runner_state;

/* A waiting isolated child that built its sandbox ahead of need keeps the
 * description it was built from (decoded from `blob`, which it owns) and
 * what the policy asked of the child beyond it; `failed` when building it
 * failed part way. */
struct ncp_runner_prebuilt {
    char *blob;
    struct ncp_sandbox_desc desc;
    struct ncp_sandbox_extras extras;
    bool failed;
};
extern struct ncp_runner_prebuilt ncp_runner_prebuilt;

/* ncp_sandbox_prepare() and ncp_sandbox_enter() of ncp-sandbox.so, which
 * they load first (sandbox_loader.c); -ENOENT when it cannot be loaded. */
int ncp_runner_sandbox_prepare(uid_t uid, gid_t gid);
int ncp_runner_sandbox_enter(const struct ncp_sandbox_config *cfg, const char **stage);

/* Builds the sandbox `desc` describes (ncp_sandbox_enter()), with the
 * passed directories dirs[], keeping the descriptors keep[]; then the
 * parent-death signal again, and a check that `parent` is still the parent.
 * 0 or -errno, *stage names what failed; *extras gets the policy's
 * environment and working directory. */
int ncp_runner_build_sandbox(const struct ncp_sandbox_desc *desc, const struct ncp_sandbox_dir *dirs, size_t n_dirs,
                             pid_t parent, const int *keep, size_t n_keep, struct ncp_sandbox_extras *extras,
                             const char **stage);

/* Logs, reports the failed stage to the parent and exits non-zero. */
_noreturn_ void ncp_runner_fail(uint32_t stage, int err, const char *fmt, ...) _printf_(3, 4);
/* Tells the parent the entry is about to run (IPC: the stub is served). */
void ncp_runner_report_running(void);
/* IPC children: MainProc is about to be called; the parent holds the start
 * callback until the "running" report, or delivers it when the child ends
 * first (src/app/child_end.c). */
void ncp_runner_report_entering(void);
/* Runs one child on the launch socket at fd 3 (after execve, or forked by the zygote). */
_noreturn_ void ncp_runner_child(const char *name);
/* The zygote: forks children on request from the parent (src/runner/zygote_server.c). */
_noreturn_ void ncp_zygote_serve(int argc, char **argv);
/* In a child the zygote forked (src/runner/zygote_child.c): waits for its work on
 * fd 3, then runs it as ncp_runner_child().  `parent` is the zygote, `args`
 * the argv area it had; prepare_sandbox: an isolated spare, which gets its
 * maps first and prepares its sandbox. */
_noreturn_ void ncp_zygote_child_wait_for_work(pid_t parent, char *args, size_t args_len, bool prepare_sandbox);
/* IPC children: OnConnect, serve the stub, MainProc, exit. */
_noreturn_ void ncp_runner_run_ipc(void *lib, struct ncp_launch_spec *spec);
