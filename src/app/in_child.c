/* SPDX-License-Identifier: Apache-2.0 */
/* Knowing whether we run inside a child the library started.
 *
 * The runner exports `ncp_runner_state` (src/runner/runner.c); in the runner
 * the weak reference below resolves to it at load time, in any other program
 * it stays NULL.  Descendants of a child (a helper it execs) inherit
 * NCP_IN_CHILD from the runner's environment. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/launch_spec.h"
#include "common/log.h"
#include "common/macro.h"
#include "in_child.h"
#include "runner/runner_state.h"

extern struct ncp_runner_state ncp_runner_state __attribute__((weak, visibility("default")));

const struct ncp_runner_state *ncp_runner(void)
{
    const struct ncp_runner_state *s = &ncp_runner_state;
    if (!s || s->magic != NCP_RUNNER_STATE_MAGIC)
        return NULL;
    if (s->version != NCP_RUNNER_STATE_VERSION) {
        static atomic_bool told;
        if (!atomic_exchange(&told, true))
            log_error("this libchild_process (runner state version %u) is loaded in a runner of another build "
                      "(version %u): it takes nothing from it; install the library and ncp-runner from one build",
                      NCP_RUNNER_STATE_VERSION, s->version);
        return NULL;
    }
    return s;
}

bool ncp_in_child(void)
{
    const char *env = getenv("NCP_IN_CHILD");
    return ncp_runner() != NULL || (env && strcmp(env, "1") == 0);
}

_public_ NativeChildProcess_Args *OH_Ability_GetCurrentChildProcessArgs(void)
{
    const struct ncp_runner_state *s = ncp_runner();
    return s && s->kind == NCP_KIND_ARGS ? s->args : NULL;
}
