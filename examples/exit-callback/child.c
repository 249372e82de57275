/* SPDX-License-Identifier: Apache-2.0 */
/* A child that crashes the way its parameter says. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <AbilityKit/native_child_process.h>

void CrashMain(NativeChildProcess_Args args);

void CrashMain(NativeChildProcess_Args args)
{
    if (strcmp(args.entryParams, "segv") == 0)
        raise(SIGSEGV);
    if (strcmp(args.entryParams, "abort") == 0)
        abort();
}
