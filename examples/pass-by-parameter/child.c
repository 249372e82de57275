/* SPDX-License-Identifier: Apache-2.0 */
/* The guide's pass-by-parameter child: reads its parameters and named fds,
 * also from a thread through OH_Ability_GetCurrentChildProcessArgs(). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

void Main(NativeChildProcess_Args args);

static void *thread_func(void *unused)
{
    (void)unused;
    NativeChildProcess_Args *args = OH_Ability_GetCurrentChildProcessArgs();
    if (args == NULL)
        return NULL;
    for (NativeChildProcess_Fd *cur = args->fdList.head; cur != NULL; cur = cur->next)
        if (strcmp(cur->fdName, "fd1") == 0)
            dprintf(cur->fd, "thread saw params: %s\n", args->entryParams);
    return NULL;
}

void Main(NativeChildProcess_Args args)
{
    char *entryParams = args.entryParams;
    for (NativeChildProcess_Fd *current = args.fdList.head; current != NULL; current = current->next) {
        char *fdName = current->fdName;
        int32_t fd = current->fd;
        dprintf(fd, "child got fd %s with params: %s\n", fdName, entryParams);
    }
    pthread_t t;
    pthread_create(&t, NULL, thread_func, NULL);
    pthread_join(t, NULL);
}
