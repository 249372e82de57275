/* SPDX-License-Identifier: Apache-2.0 */
/* The isolated policy's "env" and "cwd" (child_process-policy(5)) through
 * the C API, in one app that starts isolated children again and again (so
 * that the zygote's spares build the sandbox, and read the policy, ahead of
 * need): every child gets the policy's variables and directory, a variable
 * the policy removes is gone, and the start's own SetEnv / SetWorkingDir
 * win over the policy's.  The probe is Surroundings in tests/lib/testentry.c;
 * tests/bats/walls-env.bats has ncp-run's side (exec mode, bad policies). */
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>

#include "../tap.h"
#include "child-helpers.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int spare_handoffs;

static void on_log(NCP_LogLevel level, const char *name, int32_t pid, const char *line, void *data)
{
    (void)level;
    (void)name;
    (void)pid;
    (void)data;
    pthread_mutex_lock(&log_lock);
    if (strstr(line, "handed to spare pid"))
        spare_handoffs++;
    pthread_mutex_unlock(&log_lock);
}

/* The shipped isolated policy with `extra` ("\"key\": value, ...") added. */
static char *policy_with(const char *extra)
{
    char src[PATH_MAX];
    snprintf(src, sizeof(src), "%s/policy/isolated.json", getenv("NCP_TOP_SRCDIR"));
    FILE *f = fopen(src, "re");
    if (!f)
        return NULL;
    char text[64 * 1024];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    char *brace = strrchr(text, '}');
    if (!brace)
        return NULL;
    *brace = '\0';
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/ncp-policy-env-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    dprintf(fd, "%s, %s }\n", text, extra);
    close(fd);
    return path;
}

/* Whether the child's report has the line `want` (printf-style). */
static bool has_line(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool has_line(const char *text, const char *fmt, ...)
{
    char want[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof(want), fmt, ap);
    va_end(ap);
    size_t n = strlen(want);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
        if (strncmp(l, want, n) == 0 && (l[n] == '\n' || l[n] == '\0'))
            return true;
    return false;
}

/* An isolated Surroundings child, with the start's own variable and
 * directory when given; its report. */
static char *surroundings(const char *set_name, const char *set_value, const char *set_cwd, int *status)
{
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    OH_Ability_ChildProcessConfigs_SetIsolationMode(c, NCP_ISOLATION_MODE_ISOLATED);
    if (set_name)
        NCP_ChildProcessConfigs_SetEnv(c, set_name, set_value);
    if (set_cwd)
        NCP_ChildProcessConfigs_SetWorkingDir(c, set_cwd);
    char *text = run_child("libtestentry.so:Surroundings", "", c, status);
    OH_Ability_DestroyChildProcessConfigs(c);
    return text;
}

enum { ROUNDS = 4 };

int main(void)
{
    setenv("NCP_LOG", "debug", 1);
    NCP_SetLogHandler(on_log, NULL);
    /* The app's own: an isolated child keeps LANG (the policy removes it)
     * and TZ (the policy leaves it). */
    setenv("LANG", "C.UTF-8", 1);
    setenv("TZ", "UTC", 1);
    char *policy = policy_with("\"env\": { \"POLICY_ONLY\": \"from the policy\", \"SHARED\": \"policy\", "
                               "\"LANG\": null, \"HOME\": \"/tmp\" }, \"cwd\": \"/usr\"");
    if (!policy) {
        printf("Bail out! cannot write the policy file\n");
        return 1;
    }
    setenv("NCP_POLICY_FILE", policy, 1);

    int good = 0, start_wins = 0, status = 0;
    char *last = NULL;
    for (int i = 0; i < ROUNDS; i++) {
        char *t = surroundings(NULL, NULL, NULL, &status);
        bool right = WIFEXITED(status) && WEXITSTATUS(status) == 0 && has_line(t, "cwd=/usr") &&
                     has_line(t, "env POLICY_ONLY=from the policy") && has_line(t, "env SHARED=policy") &&
                     has_line(t, "env HOME=/tmp") && has_line(t, "env TZ=UTC") && !strstr(t, "\nenv LANG=") &&
                     has_line(t, "end");
        good += right;
        if (!right)
            diag("round %d (status 0x%x):\n%s", i, status, t);
        free(last);
        last = t;

        t = surroundings("SHARED", "start", "/tmp", &status);
        char *u = surroundings("LANG", "de_DE.UTF-8", NULL, &status);
        right = has_line(t, "cwd=/tmp") && has_line(t, "env SHARED=start") && !has_line(t, "env SHARED=policy") &&
                has_line(t, "env POLICY_ONLY=from the policy") && has_line(u, "env LANG=de_DE.UTF-8") &&
                has_line(u, "cwd=/usr");
        start_wins += right;
        if (!right)
            diag("round %d, the start's own:\n%s\n%s", i, t, u);
        free(t);
        free(u);
    }
    is_int(good, ROUNDS, "every isolated child has the policy's variables and directory, and not the variable it "
           "removes (%d of %d)", good, ROUNDS);
    is_int(start_wins, ROUNDS, "the start's own SetEnv and SetWorkingDir win over the policy's, one name at a time "
           "(%d of %d)", start_wins, ROUNDS);
    pthread_mutex_lock(&log_lock);
    int handoffs = spare_handoffs;
    pthread_mutex_unlock(&log_lock);
    const char *mode = getenv("NCP_SPAWN_MODE");
    if (mode && !strcmp(mode, "exec"))
        ok(handoffs == 0, "exec mode: no spares (%d)", handoffs);
    else
        ok(handoffs > 0, "some of those children were spares that read the policy ahead of need (%d of %d)", handoffs,
           3 * ROUNDS);
    free(last);

    /* A policy whose directory the child's root lacks stops the child. */
    unlink(policy);
    if (!(policy = policy_with("\"cwd\": \"/nonexistent/dir\""))) {
        printf("Bail out! cannot write the policy file\n");
        return 1;
    }
    setenv("NCP_POLICY_FILE", policy, 1);
    char *t = surroundings(NULL, NULL, NULL, &status);
    ok(!strstr(t, "cwd="), "a policy \"cwd\" the root does not have: the entry never runs (status 0x%x)", status);
    free(t);
    t = surroundings(NULL, NULL, "/tmp", &status);
    ok(has_line(t, "cwd=/tmp"), "unless the start sets its own directory");
    free(t);
    unlink(policy);
    return tap_done();
}
