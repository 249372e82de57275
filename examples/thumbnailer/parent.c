/* SPDX-License-Identifier: Apache-2.0 */
/* Runs the thumbnailer isolated on IN.pgm -> OUT.pgm and waits for it.
 * An optional third argument names a file the child must not see. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s IN.pgm OUT.pgm [PATH-THE-CHILD-MUST-NOT-SEE]\n", argv[0]);
        return 2;
    }
    int in = open(argv[1], O_RDONLY | O_CLOEXEC);
    int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (in < 0 || out < 0) {
        perror("open");
        return 2;
    }
    NativeChildProcess_Fd out_fd = { .fdName = "out", .fd = out };
    NativeChildProcess_Fd in_fd = { .fdName = "in", .fd = in, .next = &out_fd };
    NativeChildProcess_Args args = { .entryParams = argc == 4 ? argv[3] : "", .fdList = { .head = &in_fd } };
    NativeChildProcess_Options options = { .isolationMode = NCP_ISOLATION_MODE_ISOLATED };
    int32_t pid;
    int code = OH_Ability_StartNativeChildProcess("libthumbnailer.so:Thumbnail", args, options, &pid);
    close(in);
    close(out);
    if (code != NCP_NO_ERROR) {
        fprintf(stderr, "start failed: %d\n", code);
        return 1;
    }
    int status;
    if (NCP_WaitChildProcess(pid, &status, 10000) != NCP_NO_ERROR)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
