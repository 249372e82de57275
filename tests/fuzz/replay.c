/* SPDX-License-Identifier: Apache-2.0 */
/* Replays saved inputs through a fuzz target's entry function, without
 * libFuzzer: the seed corpus and every crash found so far (regressions/)
 * run in `make check`, in every build (plain, sanitizers, valgrind).
 *
 *   replay-NAME               tests/fuzz/NAME/{corpus,regressions} under $NCP_TOP_SRCDIR
 *   replay-NAME FILE|DIR...   just those
 *
 * TAP: one line per regression input, one line for the whole corpus.  A
 * crash kills the test, which is the failure. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rbe");
    if (!f)
        return -1;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap)
            buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf)
        return -1;
    /* An exact-size copy, so ASan sees any read past the input. */
    uint8_t *exact = malloc(len ? len : 1);
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Runs every file of dir (sorted); one TAP line each when `each`, else one in all. */
static void run_dir(const char *dir, int each)
{
    DIR *d = opendir(dir);
    if (!d) {
        ok(0, "%s: cannot open", dir);
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && strcmp(e->d_name, "README") != 0) {
            names = realloc(names, (n + 1) * sizeof(*names));
            names[n++] = strdup(e->d_name);
        }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp);
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        int r = run_file(path);
        if (each)
            ok(r == 0, "%s: no crash", path);
        failed |= r != 0;
        free(names[i]);
    }
    free(names);
    if (!each)
        ok(!failed && n > 0, "%s: %zu inputs, no crash", dir, n);
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            struct stat st;
            if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
                run_dir(argv[i], 0);
            else
                ok(run_file(argv[i]) == 0, "%s: no crash", argv[i]);
        }
        return tap_done();
    }
    const char *top = getenv("NCP_TOP_SRCDIR");
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/corpus", top ? top : ".", FUZZ_NAME);
    run_dir(dir, 0);
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/regressions", top ? top : ".", FUZZ_NAME);
    run_dir(dir, 1);
    return tap_done();
}
