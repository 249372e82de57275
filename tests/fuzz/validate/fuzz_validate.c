/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the checks the public functions make on what callers
 * pass (src/app/validate.c, src/spawn/names.c, src/app/configs.c, src/spawn/libpath.c) and the
 * settings file parser (src/spawn/settings.c).
 *
 * Input: byte 0 selects the function, the rest is its input:
 *   0  ncp_split_entry("LIB:FUNC")
 *   1  ncp_collect_fds() on a fabricated list: records separated by '\n',
 *      each = one byte choosing the descriptor (closed, negative, open, ...)
 *      then the name; a record starting with 0xff has a NULL name
 *   2  ncp_process_name_valid() and OH_Ability_ChildProcessConfigs_SetProcessName()
 *   3  ncp_settings_load() of the rest as the settings file (a memfd)
 *   4  ncp_lib_stem() and ncp_child_name(bundle, configured name, lib): NUL-separated
 *   5  ncp_bundle_name() with NCP_BUNDLE_NAME, ncp_data_dir() with XDG_DATA_HOME: NUL-separated
 *   6  ncp_resolve_library(name) with NCP_LIBRARY_PATH: NUL-separated (path list, name)
 * Each result is checked against the documented contract (abort otherwise). */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/launch_spec.h"
#include "app/configs.h"
#include "app/validate.h"
#include "spawn/spawn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static int open_fd = -1, open_fd2 = -1, settings_fd = -1;
static char lib_dir[64];

static void remove_lib_dir(void)
{
    char path[96];
    snprintf(path, sizeof(path), "%s/libx.so", lib_dir);
    unlink(path);
    rmdir(lib_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    open_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    open_fd2 = open("/dev/null", O_WRONLY | O_CLOEXEC);
    settings_fd = memfd_create("fuzz-settings", MFD_CLOEXEC);
    char path[96];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", settings_fd);
    setenv("NCP_CONFIG_FILE", path, 1);
    unsetenv("LD_LIBRARY_PATH");
    snprintf(lib_dir, sizeof(lib_dir), "/tmp/ncp-fuzz-lib-%d", (int)getpid());
    mkdir(lib_dir, 0700);
    snprintf(path, sizeof(path), "%s/libx.so", lib_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    atexit(remove_lib_dir);
    if (open_fd < 0 || open_fd2 < 0 || settings_fd < 0)
        abort();
    return 0;
}

/* A NUL-terminated copy of [p, p+n). */
static char *str(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* Splits the input at NUL bytes into at most `max` strings (the last takes the rest). */
static size_t split(const uint8_t *p, size_t n, char **out, size_t max)
{
    size_t k = 0;
    while (k + 1 < max) {
        const uint8_t *nul = memchr(p, 0, n);
        if (!nul)
            break;
        out[k++] = str(p, (size_t)(nul - p));
        n -= (size_t)(nul - p) + 1;
        p = nul + 1;
    }
    out[k++] = str(p, n);
    return k;
}

static void fuzz_split_entry(const uint8_t *p, size_t n)
{
    char *entry = str(p, n);
    char *lib = NULL, *func = NULL;
    if (ncp_split_entry(entry, &lib, &func) == 0) {
        /* Split at the last ':': LIB may hold ':' but FUNC never does. */
        if (!*lib || !*func || strchr(func, ':') || strlen(lib) + 1 + strlen(func) != strlen(entry) ||
            strncmp(entry, lib, strlen(lib)) != 0 || entry[strlen(lib)] != ':')
            abort();
        free(lib);
        free(func);
    }
    free(entry);
}

static void fuzz_collect_fds(const uint8_t *p, size_t n)
{
    const int table[] = { -1, 0, 1, 2, open_fd, open_fd2, 100000, INT_MAX, INT_MIN, 1023 };
    NativeChildProcess_Fd nodes[40];
    char *names[40];
    size_t count = 0;
    while (n > 0 && count < 40) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t rec = nl ? (size_t)(nl - p) : n;
        if (rec > 0) {
            nodes[count].fd = table[p[0] % (sizeof(table) / sizeof(table[0]))];
            names[count] = p[0] == 0xff ? NULL : str(p + 1, rec - 1);
            nodes[count].fdName = names[count];
            nodes[count].next = NULL;
            if (count > 0)
                nodes[count - 1].next = &nodes[count];
            count++;
        }
        if (!nl)
            break;
        n -= rec + 1;
        p = nl + 1;
    }
    NativeChildProcess_FdList list = { .head = count ? &nodes[0] : NULL };
    const char *out_names[NCP_MAX_FDS];
    int out_fds[NCP_MAX_FDS];
    size_t got = 99;
    if (ncp_collect_fds(&list, out_names, out_fds, &got) == 0) {
        if (got != count || got > NCP_MAX_FDS)
            abort();
        for (size_t i = 0; i < got; i++) {
            size_t len = strlen(out_names[i]);
            if (len == 0 || len > NCP_MAX_FD_NAME || out_fds[i] < 0 || fcntl(out_fds[i], F_GETFD) < 0)
                abort();
            if (i > 0 && strcmp(out_names[i - 1], out_names[i]) >= 0)
                abort(); /* sorted, no duplicates */
        }
    }
    for (size_t i = 0; i < count; i++)
        free(names[i]);
}

static void fuzz_process_name(const uint8_t *p, size_t n)
{
    char *name = str(p, n);
    bool valid = ncp_process_name_valid(name);
    size_t len = strlen(name);
    if (valid) {
        if (len == 0 || len > 64)
            abort();
        for (size_t i = 0; i < len; i++)
            if (!(name[i] == '_' || (name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'z') ||
                  (name[i] >= 'A' && name[i] <= 'Z')))
                abort();
    }
    Ability_ChildProcessConfigs *c = OH_Ability_CreateChildProcessConfigs();
    if (!c)
        abort();
    Ability_NativeChildProcess_ErrCode code = OH_Ability_ChildProcessConfigs_SetProcessName(c, name);
    if ((code == NCP_NO_ERROR) != valid)
        abort();
    OH_Ability_DestroyChildProcessConfigs(c);
    free(name);
}

static void fuzz_settings(const uint8_t *p, size_t n)
{
    if (ftruncate(settings_fd, 0) < 0 || (n && pwrite(settings_fd, p, n, 0) != (ssize_t)n))
        abort();
    struct ncp_settings s;
    ncp_settings_load(&s);
    if (s.max_ipc_children < 1 || s.max_ipc_children > 50 || s.max_children_per_app < 1 ||
        s.max_children_per_app > 512 || s.connect_timeout_ms < 10 || s.connect_timeout_ms > 600000)
        abort();
}

static void fuzz_names(const uint8_t *p, size_t n)
{
    char *parts[3] = { 0 };
    size_t k = split(p, n, parts, 3);
    char stem[128], name[NCP_MAX_NAME];
    ncp_lib_stem(parts[0], stem, sizeof(stem));
    if (strlen(stem) >= sizeof(stem))
        abort();
    const char *bundle = parts[0], *configured = k > 1 ? parts[1] : NULL, *lib = k > 2 ? parts[2] : parts[0];
    if (ncp_child_name(bundle, configured, lib, name, sizeof(name)) == 0 &&
        (strlen(name) >= sizeof(name) || strncmp(name, bundle, strlen(bundle)) != 0))
        abort();
    for (size_t i = 0; i < k; i++)
        free(parts[i]);
}

static void fuzz_bundle_and_data_dir(const uint8_t *p, size_t n)
{
    char *parts[2] = { 0 };
    size_t k = split(p, n, parts, 2);
    setenv("NCP_BUNDLE_NAME", parts[0], 1);
    char bundle[160], dir[PATH_MAX];
    if (ncp_bundle_name(bundle, sizeof(bundle)) == 0) {
        /* It becomes a path component: never empty, ".", ".." or holding '/'. */
        if (!*bundle || strchr(bundle, '/') || strcmp(bundle, ".") == 0 || strcmp(bundle, "..") == 0)
            abort();
        if (k > 1)
            setenv("XDG_DATA_HOME", parts[1], 1);
        else
            unsetenv("XDG_DATA_HOME");
        if (ncp_data_dir(bundle, dir, sizeof(dir)) == 0 && (dir[0] != '/' || strlen(dir) >= sizeof(dir)))
            abort();
    }
    for (size_t i = 0; i < k; i++)
        free(parts[i]);
    unsetenv("NCP_BUNDLE_NAME");
    unsetenv("XDG_DATA_HOME");
}

static void fuzz_resolve(const uint8_t *p, size_t n)
{
    char *parts[2] = { 0 };
    size_t k = split(p, n, parts, 2);
    const char *name = k > 1 ? parts[1] : parts[0];
    if (*name && strlen(name) < 4096) {
        char *list = malloc(strlen(lib_dir) + strlen(parts[0]) + 2);
        if (!list)
            abort();
        sprintf(list, "%s:%s", k > 1 ? parts[0] : "", lib_dir);
        setenv("NCP_LIBRARY_PATH", list, 1);
        char *out = NULL;
        if (ncp_resolve_library(name, &out) == 0) {
            if (!out || !*out)
                abort();
            free(out);
        }
        unsetenv("NCP_LIBRARY_PATH");
        free(list);
    }
    for (size_t i = 0; i < k; i++)
        free(parts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (open_fd < 0)
        LLVMFuzzerInitialize(NULL, NULL); /* the replay driver does not call it */
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 7) {
    case 0: fuzz_split_entry(p, n); break;
    case 1: fuzz_collect_fds(p, n); break;
    case 2: fuzz_process_name(p, n); break;
    case 3: fuzz_settings(p, n); break;
    case 4: fuzz_names(p, n); break;
    case 5: fuzz_bundle_and_data_dir(p, n); break;
    case 6: fuzz_resolve(p, n); break;
    }
    return 0;
}
