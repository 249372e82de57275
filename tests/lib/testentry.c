/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry functions the tests start in children.  Each writes what it saw as
 * text lines to the fd named "out" (or stdout when there is none).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT void Main(NativeChildProcess_Args args);
EXPORT void Hold(NativeChildProcess_Args args);
EXPORT void Crash(NativeChildProcess_Args args);
EXPORT void StartNested(NativeChildProcess_Args args);
EXPORT void ThreadArgs(NativeChildProcess_Args args);
EXPORT void Identity(NativeChildProcess_Args args);
EXPORT void Fds(NativeChildProcess_Args args);
EXPORT void Surroundings(NativeChildProcess_Args args);

extern char **environ;

static int out_fd(NativeChildProcess_Args *args)
{
    for (NativeChildProcess_Fd *f = args->fdList.head; f; f = f->next)
        if (strcmp(f->fdName, "out") == 0)
            return f->fd;
    return STDOUT_FILENO;
}

static int fd_named(NativeChildProcess_Args *args, const char *name)
{
    for (NativeChildProcess_Fd *f = args->fdList.head; f; f = f->next)
        if (strcmp(f->fdName, name) == 0)
            return f->fd;
    return -1;
}

/* The guide's pass-by-parameter sample: reports params and every fd, and
 * writes the fd's own name into each fd that is not "out". */
EXPORT void Main(NativeChildProcess_Args args)
{
    int out = out_fd(&args);
    dprintf(out, "params=%s\n", args.entryParams ? args.entryParams : "(null)");
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next) {
        dprintf(out, "fd %s %d\n", f->fdName, (int)f->fd);
        if (strcmp(f->fdName, "out") != 0)
            dprintf(f->fd, "%s\n", f->fdName);
    }
    dprintf(out, "end\n");
}

/* Blocks until the fd named "hold" reaches EOF (the parent closes it). */
EXPORT void Hold(NativeChildProcess_Args args)
{
    int hold = fd_named(&args, "hold");
    char c;
    if (hold >= 0)
        while (read(hold, &c, 1) > 0)
            ;
    else
        pause();
}

/* params: "segv", "abrt", "kill", "exit3", "return". */
EXPORT void Crash(NativeChildProcess_Args args)
{
    const char *p = args.entryParams;
    if (strcmp(p, "segv") == 0)
        raise(SIGSEGV);
    else if (strcmp(p, "abrt") == 0)
        abort();
    else if (strcmp(p, "kill") == 0)
        raise(SIGKILL);
    else if (strcmp(p, "exit3") == 0)
        exit(3);
}

/* Tries to start a grandchild and reports the code. */
EXPORT void StartNested(NativeChildProcess_Args args)
{
    NativeChildProcess_Args a = { .entryParams = (char *)"x" };
    NativeChildProcess_Options o = { .isolationMode = NCP_ISOLATION_MODE_NORMAL };
    int32_t pid = -1;
    int code = OH_Ability_StartNativeChildProcess("libtestentry.so:Main", a, o, &pid);
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    int code2 = OH_Ability_StartNativeChildProcessWithConfigs("libtestentry.so:Main", a, c, &pid);
    OH_Ability_DestroyChildProcessConfigs(c);
    dprintf(out_fd(&args), "nested=%d %d supported=%d\n", code, code2, (int)OH_Ability_IsNativeChildProcessSupported());
}

static void *args_thread(void *arg)
{
    return OH_Ability_GetCurrentChildProcessArgs();
}

/* OH_Ability_GetCurrentChildProcessArgs() from another thread, twice. */
EXPORT void ThreadArgs(NativeChildProcess_Args args)
{
    pthread_t t;
    void *seen = NULL;
    pthread_create(&t, NULL, args_thread, NULL);
    pthread_join(t, &seen);
    NativeChildProcess_Args *a = seen;
    NativeChildProcess_Args *again = OH_Ability_GetCurrentChildProcessArgs();
    int out = out_fd(&args);
    dprintf(out, "same=%d params=%s names=", a == again, a ? a->entryParams : "(null)");
    for (NativeChildProcess_Fd *f = a ? a->fdList.head : NULL; f; f = f->next)
        dprintf(out, "%s:%d,", f->fdName, f->fd == fd_named(&args, f->fdName));
    dprintf(out, "\n");
}

/* Reports its identity as the kernel sees it. */
EXPORT void Identity(NativeChildProcess_Args args)
{
    char comm[32] = "";
    prctl(PR_GET_NAME, comm, 0, 0, 0);
    char cmd[512] = "";
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
    if (fd >= 0)
        close(fd);
    cmd[n > 0 ? n : 0] = '\0';
    dprintf(out_fd(&args), "pid=%d comm=%s argv0=%s\n", (int)getpid(), comm, cmd);
}

/* Lists its open descriptors. */
EXPORT void Fds(NativeChildProcess_Args args)
{
    char line[4096] = "fds=";
    for (int fd = 0; fd < 1024; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            snprintf(line + strlen(line), sizeof(line) - strlen(line), "%d,", fd);
    dprintf(out_fd(&args), "%s\n", line);
}

/* The child's working directory ("cwd=PATH") and environment ("env
 * NAME=VALUE" lines), then "end". */
EXPORT void Surroundings(NativeChildProcess_Args args)
{
    int out = out_fd(&args);
    char cwd[4096];
    dprintf(out, "cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerror(errno));
    for (char **e = environ; e && *e; e++)
        dprintf(out, "env %s\n", *e);
    dprintf(out, "end\n");
}
