/* SPDX-License-Identifier: Apache-2.0 */
/* The spec's entry points: argument checks in the reference's order, the
 * state checks (in a child, multi-process off, limits), then ncp_start_child(). */
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include <AbilityKit/native_child_process_ext.h>

#include "common/log.h"
#include "common/macro.h"
#include "child_wait.h"
#include "api_start.h"
#include "configs.h"
#include "in_child.h"
#include "registry.h"
#include "slots.h"
#include "spawn/spawn.h"
#include "validate.h"

/* Checks shared by every start: not in a child, multi-process on. */
static Ability_NativeChildProcess_ErrCode check_state(const char *fn, struct ncp_settings *settings)
{
    if (ncp_in_child()) {
        log_error("%s: called inside a child process; children cannot start children", fn);
        return NCP_ERR_ALREADY_IN_CHILD;
    }
    ncp_settings_load(settings);
    if (!settings->multi_process) {
        log_error("%s: multi-process mode is switched off in the system settings", fn);
        return NCP_ERR_MULTI_PROCESS_DISABLED;
    }
    return NCP_NO_ERROR;
}

/* Fills the names, data dir and library of a request, takes a slot and starts. */
static Ability_NativeChildProcess_ErrCode start(const char *fn, struct ncp_start_request *req,
                                                const char *lib_name, const char *configured_name,
                                                const struct ncp_settings *settings, int32_t *pid)
{
    char bundle[160], name[NCP_MAX_NAME], data_dir[PATH_MAX];
    _cleanup_free_ char *library = NULL;
    int r = ncp_bundle_name(bundle, sizeof(bundle));
    if (r >= 0)
        r = ncp_child_name(bundle, configured_name, lib_name, name, sizeof(name));
    if (r >= 0)
        r = ncp_data_dir(bundle, data_dir, sizeof(data_dir));
    if (r >= 0)
        r = ncp_resolve_library(lib_name, &library);
    if (r < 0) {
        log_error("%s: cannot name the child or find its library \"%s\": %s", fn, lib_name, strerror(-r));
        return r == -EINVAL ? NCP_ERR_INVALID_PARAM : NCP_ERR_INTERNAL;
    }
    req->name = name;
    req->data_dir = data_dir;
    req->library = library;
    req->connect_timeout_ms = settings->connect_timeout_ms;
    req->max_ipc_children = settings->max_ipc_children;
    /* The machine's limits, with what this start set on top (the child lets
     * the policy file replace the others). */
    const uint32_t set = req->limits.set;
    const struct ncp_limits start_limits = req->limits;
    req->limits = settings->limits;
    for (unsigned i = 0; i < NCP_N_LIMITS; i++)
        if (set & (1u << i))
            req->limits.v[i] = start_limits.v[i];
    req->limits.set = set;

    _cleanup_close_ int slot = ncp_slot_acquire(bundle, settings->max_children_per_app);
    if (slot == -EAGAIN) {
        log_error("%s: app %s already has %u live children", fn, bundle, settings->max_children_per_app);
        return NCP_ERR_MAX_CHILD_PROCESSES_REACHED;
    }
    if (slot < 0)
        return NCP_ERR_INTERNAL;

    pid_t child = 0;
    r = ncp_start_child(req, &slot, &child);
    if (r < 0)
        return ncp_errno_to_code(r);
    ncp_log_about(NCP_LOG_INFO, name, child, "started child %s (pid %d)%s", name, (int)child,
                  req->isolated ? ", isolated" : "");
    if (pid)
        *pid = child;
    return NCP_NO_ERROR;
}

/* An isolated child's binds come from its configs (checked in ncp_start_child()). */
static void take_binds(struct ncp_start_request *req, const Ability_ChildProcessConfigs *configs)
{
    if (!req->isolated || !configs || !configs->n_binds)
        return;
    req->n_binds = configs->n_binds;
    req->bind_src = (const char *const *)configs->bind_src;
    req->bind_dest = (const char *const *)configs->bind_dest;
    req->bind_writable = configs->bind_writable;
}

/* The configs' environment variables and working directory, for every child
 * (src/app/configs_env.c).  A normal child's directory is a host path: it must
 * be one now.  An isolated child's is in its root: the child checks it. */
static int take_env(const char *fn, struct ncp_start_request *req, const Ability_ChildProcessConfigs *configs)
{
    if (!configs)
        return 0;
    req->n_env = configs->n_env;
    req->env = (const char *const *)configs->env;
    req->cwd = configs->cwd;
    struct stat st;
    if (!req->cwd || req->isolated)
        return 0;
    int err = stat(req->cwd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
    if (err) {
        log_error("%s: the working directory %s: %s", fn, req->cwd, strerror(err));
        return -EINVAL;
    }
    return 0;
}

/* What configs set for any start (req->isolated already decided): 0, or
 * -EINVAL after a log line. */
static int take_configs(const char *fn, struct ncp_start_request *req, const Ability_ChildProcessConfigs *configs)
{
    req->isolation_uid = req->isolated && configs && configs->isolation_uid;
    req->timeout_ms = configs ? configs->timeout_ms : 0;
    take_binds(req, configs);
    if (configs)
        req->limits = configs->limits;
    return take_env(fn, req, configs);
}

/* The checks of the app's own state, then the start itself. */
static Ability_NativeChildProcess_ErrCode check_and_start(const char *fn, struct ncp_start_request *req,
                                                          const char *lib, const Ability_ChildProcessConfigs *configs,
                                                          int32_t *pid)
{
    struct ncp_settings settings;
    Ability_NativeChildProcess_ErrCode code = check_state(fn, &settings);
    if (code != NCP_NO_ERROR)
        return code;
    return start(fn, req, lib, configs ? configs->name : NULL, &settings, pid);
}

static Ability_NativeChildProcess_ErrCode start_args(const char *fn, const char *entry, NativeChildProcess_Args *args,
                                                     NativeChildProcess_IsolationMode mode,
                                                     const Ability_ChildProcessConfigs *configs, int32_t *pid)
{
    if (!entry || !*entry) {
        log_error("%s: entry is NULL or empty", fn);
        return NCP_ERR_INVALID_PARAM;
    }
    _cleanup_free_ char *lib = NULL, *func = NULL;
    int r = ncp_split_entry(entry, &lib, &func);
    if (r < 0)
        return r == -EINVAL ? NCP_ERR_INVALID_PARAM : NCP_ERR_INTERNAL;
    if (!pid) {
        log_error("%s: pid is NULL", fn);
        return NCP_ERR_INVALID_PARAM;
    }
    struct ncp_start_request req = { .kind = NCP_KIND_ARGS, .symbol = func,
                                     .params = args->entryParams ? args->entryParams : "" };
    if (ncp_collect_fds(&args->fdList, req.fd_names, req.fds, &req.n_fds) < 0)
        return NCP_ERR_INVALID_PARAM;
    if (strnlen(req.params, NCP_MAX_PARAMS + 1) > NCP_MAX_PARAMS) {
        log_error("%s: entryParams is longer than %u bytes", fn, NCP_MAX_PARAMS);
        return NCP_ERR_INVALID_PARAM;
    }
    if (mode != NCP_ISOLATION_MODE_NORMAL && mode != NCP_ISOLATION_MODE_ISOLATED) {
        log_error("%s: unknown isolation mode %d", fn, (int)mode);
        return NCP_ERR_INVALID_PARAM;
    }
    req.isolated = mode == NCP_ISOLATION_MODE_ISOLATED;
    if (ncp_check_passed_fds(&req, configs ? configs->writable : NULL, configs ? configs->n_writable : 0) < 0)
        return NCP_ERR_INVALID_PARAM;
    if (take_configs(fn, &req, configs) < 0)
        return NCP_ERR_INVALID_PARAM;
    return check_and_start(fn, &req, lib, configs, pid);
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_StartNativeChildProcess(
    const char *entry, NativeChildProcess_Args args, NativeChildProcess_Options options, int32_t *pid)
{
    return start_args("StartNativeChildProcess", entry, &args, options.isolationMode, NULL, pid);
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_StartNativeChildProcessWithConfigs(
    const char *entry, NativeChildProcess_Args args, Ability_ChildProcessConfigs *configs, int32_t *pid)
{
    if (!configs) {
        if (entry && *entry)
            log_error("StartNativeChildProcessWithConfigs: configs is NULL");
        else
            log_error("StartNativeChildProcessWithConfigs: entry is NULL or empty");
        return NCP_ERR_INVALID_PARAM;
    }
    return start_args("StartNativeChildProcessWithConfigs", entry, &args, configs->mode, configs, pid);
}

static Ability_NativeChildProcess_ErrCode create_ipc(const char *fn, const char *libName,
                                                     const Ability_ChildProcessConfigs *configs,
                                                     OH_Ability_OnNativeChildProcessStarted cb)
{
    if (!libName || !*libName) {
        log_error("%s: libName is NULL or empty", fn);
        return NCP_ERR_INVALID_PARAM;
    }
    if (strstr(libName, "../")) {
        log_error("%s: libName \"%.64s\" contains \"../\"", fn, libName);
        return NCP_ERR_INVALID_PARAM;
    }
    if (strlen(libName) > 4095) {
        log_error("%s: libName is too long", fn);
        return NCP_ERR_INVALID_PARAM;
    }
    if (!cb) {
        log_error("%s: callback is NULL", fn);
        return NCP_ERR_INVALID_PARAM;
    }
    struct ncp_start_request req = { .kind = NCP_KIND_IPC, .on_started = cb, .params = "" };
    req.isolated = configs && configs->mode == NCP_ISOLATION_MODE_ISOLATED;
    if (take_configs(fn, &req, configs) < 0)
        return NCP_ERR_INVALID_PARAM;
    return check_and_start(fn, &req, libName, configs, NULL);
}

_public_ int OH_Ability_CreateNativeChildProcess(const char *libName, OH_Ability_OnNativeChildProcessStarted onProcessStarted)
{
    return create_ipc("CreateNativeChildProcess", libName, NULL, onProcessStarted);
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_CreateNativeChildProcessWithConfigs(
    const char *libName, Ability_ChildProcessConfigs *configs, OH_Ability_OnNativeChildProcessStarted onProcessStarted)
{
    NCP_CONFIGS_OR_RETURN(configs, "CreateNativeChildProcessWithConfigs");
    return create_ipc("CreateNativeChildProcessWithConfigs", libName, configs, onProcessStarted);
}

_public_ Ability_NativeChildProcess_ErrCode OH_Ability_KillChildProcess(int32_t pid)
{
    if (pid <= 0) {
        log_error("KillChildProcess: pid %d is not a child of this process", (int)pid);
        return NCP_ERR_INVALID_PID;
    }
    int r = ncp_kill_child(pid);
    if (r < 0) {
        log_error("KillChildProcess: pid %d is not a live child of this process", (int)pid);
        return NCP_ERR_INVALID_PID;
    }
    return NCP_NO_ERROR;
}

_public_ bool OH_Ability_IsNativeChildProcessSupported(void)
{
    struct ncp_settings settings;
    if (ncp_in_child())
        return false;
    ncp_settings_load(&settings);
    return settings.multi_process && access(ncp_runner_path(), X_OK) == 0;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_WaitChildProcess(int32_t pid, int *status, int32_t timeoutMs)
{
    int r = pid > 0 ? ncp_wait_child(pid, status, timeoutMs) : -ESRCH;
    if (r == -ETIMEDOUT)
        return NCP_ERR_TIMEOUT;
    if (r < 0) {
        log_error("WaitChildProcess: pid %d is not a child of this process (or its end was already collected)", (int)pid);
        return NCP_ERR_INVALID_PID;
    }
    return NCP_NO_ERROR;
}

_public_ Ability_NativeChildProcess_ErrCode NCP_SetLogHandler(NCP_LogHandler handler, void *userData)
{
    if (ncp_log_set_handler(handler, userData) < 0) {
        /* The handler is running on this thread: this line goes to stderr. */
        log_error("SetLogHandler: called from inside the log handler; the handler stays as it is");
        return NCP_ERR_BUSY;
    }
    return NCP_NO_ERROR;
}
