/* The system settings file: $(sysconfdir)/child_process/child_process.conf.
 *
 *   # comments
 *   multi_process = on            # on|off
 *   max_ipc_children_per_process = 50
 *   max_children_per_app = 512
 *   connect_timeout_ms = 5000
 *
 * A missing file means the defaults; a bad line is logged and ignored. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "macro.h"
#include "ncp.h"

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int parse_uint(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long x = strtoul(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return -EINVAL;
    *out = (unsigned)x;
    return 0;
}

static const char *settings_path(void)
{
    const char *env = getenv("NCP_CONFIG_FILE");
    return env && *env ? env : NCP_SYSCONFDIR "/child_process/child_process.conf";
}

void ncp_settings_load(struct ncp_settings *s)
{
    *s = (struct ncp_settings){ .multi_process = true, .max_ipc_children = 50,
                                .max_children_per_app = 512, .connect_timeout_ms = 5000 };
    const char *path = settings_path();
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno != ENOENT)
            log_warn("settings %s: %s; using defaults", path, strerror(errno));
        return;
    }
    char line[512];
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char *t = trim(line);
        if (!*t)
            continue;
        char *eq = strchr(t, '=');
        if (!eq) {
            log_warn("settings %s:%u: expected KEY = VALUE, ignored", path, lineno);
            continue;
        }
        *eq = '\0';
        char *key = trim(t), *val = trim(eq + 1);
        int r = 0;
        if (strcmp(key, "multi_process") == 0) {
            if (!strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "1"))
                s->multi_process = true;
            else if (!strcmp(val, "off") || !strcmp(val, "false") || !strcmp(val, "0"))
                s->multi_process = false;
            else
                r = -EINVAL;
        } else if (strcmp(key, "max_ipc_children_per_process") == 0)
            r = parse_uint(val, 1, 50, &s->max_ipc_children);
        else if (strcmp(key, "max_children_per_app") == 0)
            r = parse_uint(val, 1, 512, &s->max_children_per_app);
        else if (strcmp(key, "connect_timeout_ms") == 0)
            r = parse_uint(val, 10, 600000, &s->connect_timeout_ms);
        else
            log_warn("settings %s:%u: unknown key \"%s\", ignored", path, lineno, key);
        if (r < 0)
            log_warn("settings %s:%u: bad value \"%s\" for %s, ignored", path, lineno, val, key);
    }
    fclose(f);
}
