/* SPDX-License-Identifier: Apache-2.0 */
/* NCP_SetLogHandler: the library's lines reach the app's handler with the
 * child's name and pid apart, not stderr; an isolated child's stderr lines
 * arrive escaped and marked as the child's; a handler that calls the library
 * neither deadlocks nor recurses; NULL goes back to stderr; a process forked
 * from the app writes to stderr. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "../tap.h"
#include "child-helpers.h"

#define MAX_LINES 64

struct seen {
    NCP_LogLevel level;
    char name[64];
    int32_t pid;
    char message[1100];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct seen lines[MAX_LINES];
static int nlines;
static int busy_code = -1;
static void *seen_data;

static void handler(NCP_LogLevel level, const char *name, int32_t pid, const char *message, void *data)
{
    pthread_mutex_lock(&lock);
    seen_data = data;
    if (nlines < MAX_LINES) {
        struct seen *s = &lines[nlines++];
        s->level = level;
        snprintf(s->name, sizeof(s->name), "%s", name ? name : "(null)");
        s->pid = pid;
        snprintf(s->message, sizeof(s->message), "%s", message);
    }
    pthread_mutex_unlock(&lock);
}

/* Calls back into the library: a line it makes on this thread goes to
 * stderr, and setting another handler from here is refused. */
static void reentrant_handler(NCP_LogLevel level, const char *name, int32_t pid, const char *message, void *data)
{
    handler(level, name, pid, message, data);
    int st;
    (void)NCP_WaitChildProcess(999999, &st, 0); /* logs an error line */
    int code = NCP_SetLogHandler(NULL, NULL);
    pthread_mutex_lock(&lock);
    busy_code = code;
    pthread_mutex_unlock(&lock);
}

static void reset(void)
{
    pthread_mutex_lock(&lock);
    nlines = 0;
    busy_code = -1;
    seen_data = NULL;
    pthread_mutex_unlock(&lock);
}

/* The first line seen whose message holds `needle`, or NULL. */
static const struct seen *find(const char *needle)
{
    for (int i = 0; i < nlines; i++)
        if (strstr(lines[i].message, needle))
            return &lines[i];
    return NULL;
}

/* stderr goes to a file for a while, so what the library writes there can
 * be read back. */
static int saved_stderr = -1;
static FILE *capture;

static void capture_start(void)
{
    fflush(stderr);
    capture = tmpfile();
    saved_stderr = dup(STDERR_FILENO);
    dup2(fileno(capture), STDERR_FILENO);
}

static char *capture_end(void)
{
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    long len = ftell(capture);
    char *text = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
    rewind(capture);
    if (len > 0 && fread(text, 1, (size_t)len, capture) != (size_t)len)
        text[0] = '\0';
    fclose(capture);
    return text;
}

/* A child killed at its wall-time limit: the supervisor's warn line about it. */
static int32_t start_killed_child(NativeChildProcess_IsolationMode mode)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, mode);
    OH_Ability_ChildProcessConfigs_SetProcessName(c, "logged");
    NCP_ChildProcessConfigs_SetTimeout(c, 100);
    NativeChildProcess_Args args = { .entryParams = (char *)"sleep 30" };
    int32_t pid = -1;
    int code = OH_Ability_StartNativeChildProcessWithConfigs("libprobe-lifetime.so:Probe", args, c, &pid);
    OH_Ability_DestroyChildProcessConfigs(c);
    int st;
    if (code == NCP_NO_ERROR)
        NCP_WaitChildProcess(pid, &st, 10000);
    return code == NCP_NO_ERROR ? pid : -1;
}

static void test_child_line(void)
{
    static int data;
    reset();
    is_int(NCP_SetLogHandler(handler, &data), NCP_NO_ERROR, "SetLogHandler(handler) -> 0");
    capture_start();
    int32_t pid = start_killed_child(NCP_ISOLATION_MODE_NORMAL);
    char *err = capture_end();
    ok(pid > 0, "a child with a 100 ms wall-time limit started (pid %d)", (int)pid);
    pthread_mutex_lock(&lock);
    const struct seen *s = find("wall-time limit");
    ok(s != NULL, "the handler got the wall-time line (%d lines)", nlines);
    if (s) {
        is_int(s->level, NCP_LOG_LEVEL_WARN, "its level is warn");
        char want[128];
        snprintf(want, sizeof(want), "%s:logged", getenv("NCP_BUNDLE_NAME"));
        is_str(s->name, want, "the child's process name comes apart");
        is_int(s->pid, pid, "the child's pid comes apart");
        ok(!strncmp(s->message, "child ", 6) && !strchr(s->message, '\n') &&
               !strstr(s->message, "child_process["),
           "the message has no prefix and no newline: \"%s\"", s->message);
    }
    ok(seen_data == &data, "the handler gets its user data");
    pthread_mutex_unlock(&lock);
    ok(!strstr(err, "wall-time limit"), "stderr did not get the line");
    free(err);

    /* A line about no child. */
    reset();
    int st;
    is_int(NCP_WaitChildProcess(999999, &st, 0), NCP_ERR_INVALID_PID, "a wait for no child -> 16010010");
    pthread_mutex_lock(&lock);
    s = find("WaitChildProcess");
    ok(s && s->level == NCP_LOG_LEVEL_ERROR && !strcmp(s->name, "(null)") && s->pid == 0,
       "a line about no child: level error, NULL name, pid 0");
    pthread_mutex_unlock(&lock);
}

static void test_child_stderr(void)
{
    reset();
    NCP_SetLogHandler(handler, NULL);
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED);
    OH_Ability_ChildProcessConfigs_SetProcessName(c, "speaker");
    capture_start();
    int st;
    char *out = run_child("libprobe-host.so:Probe", "stdio", c, &st);
    char *err = capture_end();
    OH_Ability_DestroyChildProcessConfigs(c);
    ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "an isolated child that writes to its stderr ran (status 0x%x)", st);
    /* Its stderr is drained by the supervisor: the last line may come just after the end. */
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&lock);
        bool have = find("red") != NULL;
        pthread_mutex_unlock(&lock);
        if (have)
            break;
        usleep(10000);
    }
    pthread_mutex_lock(&lock);
    const struct seen *forged = find("forged by the child");
    const struct seen *escape = find("red");
    ok(forged && forged->level == NCP_LOG_LEVEL_CHILD_STDERR && strstr(forged->name, ":speaker") && forged->pid > 0,
       "a line of the child's stderr: level CHILD_STDERR, the child's name and pid");
    ok(escape && strstr(escape->message, "\\x1b[31mred") && !strchr(escape->message, '\033'),
       "a terminal escape in it arrives escaped: \"%s\"", escape ? escape->message : "(none)");
    pthread_mutex_unlock(&lock);
    ok(!strstr(err, "forged by the child"), "stderr did not get the child's lines");
    free(out);
    free(err);
}

static void test_reentrant(void)
{
    reset();
    NCP_SetLogHandler(reentrant_handler, NULL);
    capture_start();
    int st;
    is_int(NCP_WaitChildProcess(999998, &st, 0), NCP_ERR_INVALID_PID, "a line while the handler calls the library");
    char *err = capture_end();
    pthread_mutex_lock(&lock);
    is_int(nlines, 1, "the handler ran once: its own call's line did not come back to it");
    is_int(busy_code, NCP_ERR_BUSY, "SetLogHandler from inside the handler -> 16010001");
    pthread_mutex_unlock(&lock);
    ok(strstr(err, "pid 999999 is not a child") != NULL, "the line made inside the handler went to stderr");
    free(err);
}

static void test_fork_and_reset(void)
{
    reset();
    NCP_SetLogHandler(handler, NULL);
    capture_start();
    pid_t p = fork();
    if (p == 0) {
        int st;
        NCP_WaitChildProcess(999997, &st, 0);
        _exit(0);
    }
    waitpid(p, NULL, 0);
    char *err = capture_end();
    pthread_mutex_lock(&lock);
    is_int(nlines, 0, "a process forked from the app does not call the app's handler");
    pthread_mutex_unlock(&lock);
    ok(strstr(err, "pid 999997 is not a child") != NULL, "it writes to stderr");
    free(err);

    is_int(NCP_SetLogHandler(NULL, NULL), NCP_NO_ERROR, "SetLogHandler(NULL) -> 0");
    capture_start();
    int32_t pid = start_killed_child(NCP_ISOLATION_MODE_ISOLATED);
    err = capture_end();
    char want[96];
    snprintf(want, sizeof(want), ":logged (pid %d) reached its wall-time limit", (int)pid);
    ok(pid > 0 && strstr(err, want) && strstr(err, "child_process["),
       "after SetLogHandler(NULL) the library's lines go to stderr again, with their prefix");
    pthread_mutex_lock(&lock);
    is_int(nlines, 0, "and the old handler is not called");
    pthread_mutex_unlock(&lock);
    free(err);
}

int main(void)
{
    char bundle[64];
    snprintf(bundle, sizeof(bundle), "loghandler-test-%d", (int)getpid());
    setenv("NCP_BUNDLE_NAME", bundle, 1);
    test_child_line();
    test_child_stderr();
    test_reentrant();
    test_fork_and_reset();
    return tap_done();
}
