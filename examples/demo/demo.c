/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo: starts the same child twice, in NORMAL and in ISOLATED mode, and
 * prints side by side what each could reach.  Run by `contrib/quickstart.sh demo`.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

struct row { char label[128], yes[8], detail[256]; };

static int run(NativeChildProcess_IsolationMode mode, const char *params, struct row *rows, int max)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    NativeChildProcess_Fd out = { .fdName = (char *)"out", .fd = p[1] };
    NativeChildProcess_Args args = { .entryParams = (char *)params, .fdList = { .head = &out } };
    NativeChildProcess_Options opts = { .isolationMode = mode };
    int32_t pid;
    int code = OH_Ability_StartNativeChildProcess("libdemo.so:DemoMain", args, opts, &pid);
    close(p[1]);
    if (code != NCP_NO_ERROR) {
        fprintf(stderr, "demo: start failed with %d\n", code);
        close(p[0]);
        return -1;
    }
    FILE *f = fdopen(p[0], "r");
    char line[512];
    int n = 0;
    while (n < max && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t2)
            continue;
        *t1 = *t2 = '\0';
        snprintf(rows[n].label, sizeof(rows[n].label), "%.127s", line);
        snprintf(rows[n].yes, sizeof(rows[n].yes), "%.7s", t1 + 1);
        snprintf(rows[n].detail, sizeof(rows[n].detail), "%.255s", t2 + 1);
        n++;
    }
    fclose(f);
    int status;
    NCP_WaitChildProcess(pid, &status, 10000);
    return n;
}

int main(void)
{
    const char *home = getenv("HOME");
    char data[PATH_MAX], path[PATH_MAX + 32];
    if (!home)
        home = "/tmp";
    setenv("NCP_BUNDLE_NAME", "com.example.demo", 1);
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg)
        snprintf(data, sizeof(data), "%s/com.example.demo", xdg);
    else
        snprintf(data, sizeof(data), "%s/.local/share/com.example.demo", home);
    snprintf(path, sizeof(path), "mkdir -p '%s'", data);
    if (system(path) != 0)
        return 1;
    snprintf(path, sizeof(path), "%s/secret.txt", data);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("the app's private data\n", f);
        fclose(f);
    }
    snprintf(path, sizeof(path), "%s/.demo-secret", home);
    f = fopen(path, "w");
    if (f) {
        fputs("a secret in the user's home\n", f);
        fclose(f);
    }
    /* A service on the host's loopback the child should not reach when isolated. */
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    bind(l, (struct sockaddr *)&a, sizeof(a));
    listen(l, 8);
    getsockname(l, (struct sockaddr *)&a, &len);

    char params[2 * PATH_MAX + 32];
    snprintf(params, sizeof(params), "%s %s %d", home, data, ntohs(a.sin_port));
    struct row normal[32], isolated[32];
    int nn = run(NCP_ISOLATION_MODE_NORMAL, params, normal, 32);
    int ni = run(NCP_ISOLATION_MODE_ISOLATED, params, isolated, 32);
    if (nn <= 0 || ni <= 0) {
        fprintf(stderr, "demo: a child did not report (normal %d, isolated %d rows)\n", nn, ni);
        return 1;
    }
    printf("\nlibchild_process demo: one child library, started NORMAL and ISOLATED\n\n");
    printf("%-42s  %-7s  %-8s  %s\n", "attempt", "normal", "isolated", "isolated child saw");
    printf("%-42s  %-7s  %-8s  %s\n", "-------", "------", "--------", "------------------");
    for (int i = 0; i < nn && i < ni; i++)
        printf("%-42s  %-7s  %-8s  %s\n", normal[i].label, normal[i].yes, isolated[i].yes, isolated[i].detail);
    snprintf(path, sizeof(path), "%s/written-by-child", data);
    printf("\nthe normal child's file is in the app's data dir: %s\n", access(path, F_OK) == 0 ? "yes" : "no");
    printf("the isolated child wrote to a private, throwaway data dir: the app's real one never saw it\n");
    unlink(path);
    close(l);
    return 0;
}
