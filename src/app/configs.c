/* SPDX-License-Identifier: Apache-2.0 */
/* Ability_ChildProcessConfigs: an opaque object with validating setters. */
#include <string.h>

#include <AbilityKit/native_child_process_ext.h>

#include "common/log.h"
#include "common/macro.h"
#include "configs.h"
#include "sandbox/parent/binds.h"
#include "sandbox/sandbox.h"
#include "spawn/spawn.h"

_public_ Ability_ChildProcessConfigs *OH_Ability_CreateChildProcessConfigs(void)
{
    Ability_ChildProcessConfigs *c = calloc(1, sizeof(*c));
    if (!c) {
        log_error("configs: out of memory");
        return NULL;
    }
    c->mode = NCP_ISOLATION_MODE_NORMAL;
    return c;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_DestroyChildProcessConfigs(Ability_ChildProcessConfigs *configs)
{
    NCP_CONFIGS_OR_RETURN(configs, "DestroyChildProcessConfigs");
    for (size_t i = 0; i < configs->n_binds; i++) {
        free(configs->bind_src[i]);
        free(configs->bind_dest[i]);
    }
    ncp_configs_env_free(configs);
    free(configs);
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetIsolationMode(
    Ability_ChildProcessConfigs *configs, NativeChildProcess_IsolationMode isolationMode)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetIsolationMode");
    if (isolationMode != NCP_ISOLATION_MODE_NORMAL && isolationMode != NCP_ISOLATION_MODE_ISOLATED) {
        log_error("SetIsolationMode: unknown mode %d", (int)isolationMode);
        return NCP_ERR_INVALID_PARAM;
    }
    configs->mode = isolationMode;
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetProcessName(
    Ability_ChildProcessConfigs *configs, const char *processName)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetProcessName");
    if (!ncp_process_name_valid(processName)) {
        log_error("SetProcessName: name must be 1 to 64 characters of [A-Za-z0-9_]");
        return NCP_ERR_INVALID_PARAM;
    }
    strcpy(configs->name, processName);
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_ChildProcessConfigs_SetIsolationUid(
    Ability_ChildProcessConfigs *configs, bool isolationUid)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetIsolationUid");
    configs->isolation_uid = isolationUid;
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetTimeout(Ability_ChildProcessConfigs *configs,
                                                                              int32_t timeoutMs)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetTimeout");
    if (timeoutMs < 0) {
        log_error("SetTimeout: the wall-time limit must be 0 (none) or a number of milliseconds, got %d", (int)timeoutMs);
        return NCP_ERR_INVALID_PARAM;
    }
    configs->timeout_ms = (uint32_t)timeoutMs;
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetFdWritable(Ability_ChildProcessConfigs *configs,
                                                                                 const char *fdName, bool writable)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetFdWritable");
    /* The name is that of a directory, bound at /run/child_process/fds/<name>. */
    if (!fdName || strlen(fdName) > NCP_MAX_FD_NAME || !ncp_dir_fd_name_ok(fdName)) {
        log_error("SetFdWritable: the fd name must be 1 to %d characters, no '/', not \".\" or \"..\"", NCP_MAX_FD_NAME);
        return NCP_ERR_INVALID_PARAM;
    }
    size_t i = 0;
    while (i < configs->n_writable && strcmp(configs->writable[i], fdName) != 0)
        i++;
    if (!writable) {
        if (i < configs->n_writable)
            memmove(configs->writable[i], configs->writable[i + 1], (configs->n_writable - i - 1) * sizeof(configs->writable[0]));
        configs->n_writable -= i < configs->n_writable;
        return NCP_NO_ERROR;
    }
    if (i == configs->n_writable) {
        if (i == NCP_MAX_FDS) {
            log_error("SetFdWritable: more than %d names marked writable", NCP_MAX_FDS);
            return NCP_ERR_INVALID_PARAM;
        }
        strcpy(configs->writable[configs->n_writable++], fdName);
    }
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_AddBind(Ability_ChildProcessConfigs *configs,
                                                                           const char *src, const char *dest,
                                                                           bool writable)
{
    NCP_CONFIGS_OR_RETURN(configs, "AddBind");
    if (!ncp_path_is_clean(src) || strlen(src) >= 4096) {
        log_error("AddBind: the source \"%.64s\" is not an absolute path without . or .. components", src ? src : "(null)");
        return NCP_ERR_INVALID_PARAM;
    }
    if (!dest || !ncp_bind_dest_ok(dest)) {
        log_error("AddBind: the destination \"%.64s\" is not an absolute path without . or .., outside /usr, /bin, "
                  "/sbin, /lib*, /etc, /proc, /dev, /sys, /run and /run/child_process", dest ? dest : "(null)");
        return NCP_ERR_INVALID_PARAM;
    }
    if (configs->n_binds == NCP_MAX_BINDS) {
        log_error("AddBind: more than %d binds", NCP_MAX_BINDS);
        return NCP_ERR_INVALID_PARAM;
    }
    char *s = strdup(src), *d = strdup(dest);
    if (!s || !d) {
        free(s);
        free(d);
        log_error("AddBind: out of memory");
        return NCP_ERR_INTERNAL;
    }
    size_t i = configs->n_binds++;
    configs->bind_src[i] = s;
    configs->bind_dest[i] = d;
    if (writable)
        configs->bind_writable |= 1u << i;
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_ChildProcessConfigs_SetLimit(Ability_ChildProcessConfigs *configs,
                                                                            NCP_ChildProcess_Limit limit, int64_t value)
{
    NCP_CONFIGS_OR_RETURN(configs, "SetLimit");
    const struct ncp_limit_info *info = ncp_limit_info((unsigned)limit);
    if (!info) {
        log_error("SetLimit: unknown limit %d", (int)limit);
        return NCP_ERR_INVALID_PARAM;
    }
    uint64_t v = value == NCP_LIMIT_UNLIMITED ? NCP_LIMIT_NONE : (uint64_t)value;
    if (value < NCP_LIMIT_UNLIMITED || ncp_limit_check((unsigned)limit, v) < 0) {
        char range[96];
        ncp_limit_range((unsigned)limit, range, sizeof(range));
        log_error("SetLimit: %s (%s) must be %s, got %lld", info->name, info->what, range, (long long)value);
        return NCP_ERR_INVALID_PARAM;
    }
    configs->limits.v[limit] = v;
    configs->limits.set |= 1u << limit;
    return NCP_NO_ERROR;
}
