/* SPDX-License-Identifier: Apache-2.0 */
/* The guide's pass-by-parameter parent: a parameter string and one named fd
 * (a file), then waits and prints what the child wrote into the file. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "/tmp/ncp-pass-by-parameter.txt";
    NativeChildProcess_Args args;
    args.entryParams = (char *)malloc(sizeof(char) * 10);
    strcpy(args.entryParams, "testParam");
    args.fdList.head = (NativeChildProcess_Fd *)malloc(sizeof(NativeChildProcess_Fd));
    args.fdList.head->fdName = (char *)malloc(sizeof(char) * 4);
    strcpy(args.fdList.head->fdName, "fd1");
    args.fdList.head->fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    args.fdList.head->next = NULL;
    NativeChildProcess_Options options = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };

    int32_t pid = -1;
    Ability_NativeChildProcess_ErrCode ret = OH_Ability_StartNativeChildProcess("libpassbyparam.so:Main", args, options, &pid);
    close(args.fdList.head->fd);
    free(args.fdList.head->fdName);
    free(args.fdList.head);
    free(args.entryParams);
    if (ret != NCP_NO_ERROR) {
        fprintf(stderr, "start failed: %d\n", ret);
        return 1;
    }
    int status = 0;
    NCP_WaitChildProcess(pid, &status, 10000);
    FILE *f = fopen(path, "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        fputs(line, stdout);
    if (f)
        fclose(f);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
