/* SPDX-License-Identifier: Apache-2.0 */
/* The handshake between libchild_process and the runner it is loaded in
 * (src/runner/runner_state.h): the library takes the runner's state only
 * when the runner announced it with the library's own version; another
 * build's state is refused with one log line. */
#include <stdbool.h>
#include <string.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

#include "../tap.h"
#include "runner/runner_state.h"

/* What a runner exports; here this test plays the runner. */
__attribute__((visibility("default"))) struct ncp_runner_state ncp_runner_state;

static int n_told;

static void on_log(NCP_LogLevel level, const char *child, int32_t pid, const char *msg, void *data)
{
    (void)level, (void)child, (void)pid, (void)data;
    if (strstr(msg, "runner of another build"))
        n_told++;
}

int main(void)
{
    NativeChildProcess_Args args = { .entryParams = (char *)"params" };
    NCP_SetLogHandler(on_log, NULL);

    ok(OH_Ability_GetCurrentChildProcessArgs() == NULL, "no announcement: not in a child, no arguments");

    ncp_runner_state = (struct ncp_runner_state){ .kind = 1 /* NCP_KIND_ARGS */, .args = &args };
    ncp_runner_state_announce(&ncp_runner_state);
    ok(OH_Ability_GetCurrentChildProcessArgs() == &args, "announced with this build's version: the runner's arguments");

    ncp_runner_state.version = NCP_RUNNER_STATE_VERSION + 1;
    ok(OH_Ability_GetCurrentChildProcessArgs() == NULL, "another build's version: nothing taken from it");
    ok(OH_Ability_GetCurrentChildProcessArgs() == NULL, "and again");
    is_int(n_told, 1, "one log line says the builds differ, once");

    ncp_runner_state.version = NCP_RUNNER_STATE_VERSION;
    ncp_runner_state.magic = 0;
    ok(OH_Ability_GetCurrentChildProcessArgs() == NULL, "the right version without the magic: not a runner");
    NCP_SetLogHandler(NULL, NULL);
    return tap_done();
}
