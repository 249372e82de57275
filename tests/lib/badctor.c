/* SPDX-License-Identifier: Apache-2.0 */
/* A library that crashes while it is being loaded. */
#include <signal.h>
#include <AbilityKit/native_child_process.h>

__attribute__((constructor)) static void explode(void) { raise(SIGSEGV); }

__attribute__((visibility("default"))) void Main(NativeChildProcess_Args args);
__attribute__((visibility("default"))) void Main(NativeChildProcess_Args args) { (void)args; }
