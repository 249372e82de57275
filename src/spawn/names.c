/* SPDX-License-Identifier: Apache-2.0 */
/* Names: the app's bundle, child process names and the app's data dir. */
#include <limits.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "spawn.h"

static bool bundle_valid(const char *s)
{
    /* Becomes a path component and part of process names. */
    if (!*s || strlen(s) > 128 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (; *s; s++)
        if (*s == '/' || *s == ':' || (unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
            return false;
    return true;
}

int ncp_bundle_name(char *buf, size_t size)
{
    const char *env = getenv("NCP_BUNDLE_NAME");
    if (env && *env) {
        if (!bundle_valid(env)) {
            log_error("NCP_BUNDLE_NAME=\"%s\" is not a usable bundle name (no '/', ':', spaces; at most 128 characters)", env);
            return -EINVAL;
        }
        if ((size_t)snprintf(buf, size, "%s", env) >= size)
            return -ENAMETOOLONG;
        return 0;
    }
    const char *exe = ncp_self_exe();
    const char *base;
    if (exe)
        base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
    else
        base = program_invocation_short_name;
    /* libtool wrappers run the real binary as "lt-NAME". */
    if (strncmp(base, "lt-", 3) == 0 && base[3])
        base += 3;
    if (!bundle_valid(base))
        base = "app";
    if ((size_t)snprintf(buf, size, "%s", base) >= size)
        return -ENAMETOOLONG;
    return 0;
}

bool ncp_process_name_valid(const char *s)
{
    size_t n = 0;
    if (!s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
        if (n >= 64)
            return false;
    }
    return n > 0;
}

void ncp_lib_stem(const char *lib, char *buf, size_t size)
{
    const char *base = strrchr(lib, '/') ? strrchr(lib, '/') + 1 : lib;
    size_t len = strlen(base);
    const char *so = strstr(base, ".so");
    /* Only a real ".so" suffix or ".so.VERSION" ends the stem. */
    while (so && !(so[3] == '\0' || so[3] == '.'))
        so = strstr(so + 1, ".so");
    if (so)
        len = (size_t)(so - base);
    if (len >= size)
        len = size - 1;
    memcpy(buf, base, len);
    buf[len] = '\0';
}

int ncp_child_name(const char *bundle, const char *configured, const char *lib, char *buf, size_t size)
{
    static atomic_uint counter;
    int n;
    if (configured && *configured)
        n = snprintf(buf, size, "%s:%s", bundle, configured);
    else {
        char stem[128];
        ncp_lib_stem(lib, stem, sizeof(stem));
        n = snprintf(buf, size, "%s:Native_%s%u", bundle, stem, atomic_fetch_add(&counter, 1));
    }
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int ncp_data_dir(const char *bundle, char *buf, size_t size)
{
    const char *xdg = getenv("XDG_DATA_HOME");
    int n;
    if (xdg && xdg[0] == '/')
        n = snprintf(buf, size, "%s/%s", xdg, bundle);
    else {
        const char *home = getenv("HOME");
        char pwbuf[4096];
        struct passwd pw, *res = NULL;
        if (!home || home[0] != '/') {
            if (getpwuid_r(getuid(), &pw, pwbuf, sizeof(pwbuf), &res) != 0 || !res)
                return log_error_errno(ENOENT, "cannot find the app's data dir: HOME is unset and uid %u has no passwd entry", (unsigned)getuid());
            home = res->pw_dir;
        }
        n = snprintf(buf, size, "%s/.local/share/%s", home, bundle);
    }
    return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}
