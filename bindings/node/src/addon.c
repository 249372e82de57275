/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ncp_node.node: the Node-API face of libchild_process.
 *
 * Only plain Node-API (ABI-stable: one build runs on every Node.js >= 18).
 * Starts and waits run on libuv's thread pool, so the event loop never
 * blocks on a child; their results come back to JavaScript as
 * callback(code, value) with the library's own codes (lib/errors.js maps
 * them to the ArkTS module's).  Exit callbacks arrive on the library's
 * supervisor thread and reach JavaScript through a thread-safe function.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>
#include <AbilityKit/native_child_process_ext.h>

#define MAX_FDS 16
#define MAX_NAME 256
#define MAX_BINDS 16
#define MAX_ENV 32

/* Every N-API call that can fail throws and returns NULL from the binding. */
#define CHECK(env, call)                                                                                \
    do {                                                                                                \
        if ((call) != napi_ok) {                                                                        \
            const napi_extended_error_info *info_ = NULL;                                               \
            napi_get_last_error_info((env), &info_);                                                    \
            bool pending_ = false;                                                                      \
            napi_is_exception_pending((env), &pending_);                                                \
            if (!pending_)                                                                              \
                napi_throw_error((env), NULL,                                                           \
                                 info_ && info_->error_message ? info_->error_message : "N-API failure"); \
            return NULL;                                                                                \
        }                                                                                               \
    } while (0)

static napi_value throw_type(napi_env env, const char *msg)
{
    napi_throw_type_error(env, NULL, msg);
    return NULL;
}

/* A JavaScript string as a malloc'd UTF-8 copy, or NULL with an exception. */
static char *get_string(napi_env env, napi_value v, size_t max)
{
    napi_valuetype t;
    if (napi_typeof(env, v, &t) != napi_ok || t != napi_string) {
        throw_type(env, "string expected");
        return NULL;
    }
    size_t len = 0;
    if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok)
        return NULL;
    if (len > max) {
        napi_throw_range_error(env, NULL, "string too long");
        return NULL;
    }
    char *s = malloc(len + 1);
    if (!s) {
        napi_throw_error(env, NULL, "out of memory");
        return NULL;
    }
    if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
        free(s);
        return NULL;
    }
    if (strlen(s) != len) { /* an embedded NUL would cut the string in C */
        free(s);
        napi_throw_range_error(env, NULL, "string contains a NUL character");
        return NULL;
    }
    return s;
}

/* ---- start ------------------------------------------------------------ */

struct start_work {
    napi_async_work work;
    napi_ref callback;
    char *entry;
    char *params;
    char *names[MAX_FDS];
    int fds[MAX_FDS];
    size_t n_fds;
    bool isolated;
    bool isolation_uid;
    char *process_name;
    /* Linux extensions for isolated children (lib/index.js checks their shapes;
     * the library's setters their contents). */
    char *bind_src[MAX_BINDS], *bind_dest[MAX_BINDS];
    bool bind_writable[MAX_BINDS];
    size_t n_binds;
    char *env_name[MAX_ENV], *env_value[MAX_ENV];
    size_t n_env;
    char *cwd;
    char *writable[MAX_FDS];
    size_t n_writable;
    int code;
    int32_t pid;
};

static void start_work_free(struct start_work *w)
{
    free(w->entry);
    free(w->params);
    for (size_t i = 0; i < w->n_fds; i++)
        free(w->names[i]);
    free(w->process_name);
    for (size_t i = 0; i < w->n_binds; i++) {
        free(w->bind_src[i]);
        free(w->bind_dest[i]);
    }
    for (size_t i = 0; i < w->n_env; i++) {
        free(w->env_name[i]);
        free(w->env_value[i]);
    }
    free(w->cwd);
    for (size_t i = 0; i < w->n_writable; i++)
        free(w->writable[i]);
    free(w);
}

static void start_execute(napi_env env, void *data)
{
    (void)env;
    struct start_work *w = data;
    NativeChildProcess_Fd list[MAX_FDS];
    for (size_t i = 0; i < w->n_fds; i++)
        list[i] = (NativeChildProcess_Fd){ .fdName = w->names[i], .fd = w->fds[i],
                                           .next = i + 1 < w->n_fds ? &list[i + 1] : NULL };
    NativeChildProcess_Args args = { .entryParams = w->params, .fdList = { .head = w->n_fds ? &list[0] : NULL } };
    Ability_ChildProcessConfigs *configs = OH_Ability_CreateChildProcessConfigs();
    if (!configs) {
        w->code = NCP_ERR_INTERNAL;
        return;
    }
    int code = OH_Ability_ChildProcessConfigs_SetIsolationMode(
        configs, w->isolated ? NCP_ISOLATION_MODE_ISOLATED : NCP_ISOLATION_MODE_NORMAL);
    if (code == NCP_NO_ERROR && w->isolation_uid)
        code = OH_Ability_ChildProcessConfigs_SetIsolationUid(configs, true);
    if (code == NCP_NO_ERROR && w->process_name)
        code = OH_Ability_ChildProcessConfigs_SetProcessName(configs, w->process_name);
    for (size_t i = 0; code == NCP_NO_ERROR && i < w->n_binds; i++)
        code = NCP_ChildProcessConfigs_AddBind(configs, w->bind_src[i], w->bind_dest[i], w->bind_writable[i]);
    for (size_t i = 0; code == NCP_NO_ERROR && i < w->n_env; i++)
        code = NCP_ChildProcessConfigs_SetEnv(configs, w->env_name[i], w->env_value[i]);
    if (code == NCP_NO_ERROR && w->cwd)
        code = NCP_ChildProcessConfigs_SetWorkingDir(configs, w->cwd);
    for (size_t i = 0; code == NCP_NO_ERROR && i < w->n_writable; i++)
        code = NCP_ChildProcessConfigs_SetFdWritable(configs, w->writable[i], true);
    if (code == NCP_NO_ERROR)
        code = OH_Ability_StartNativeChildProcessWithConfigs(w->entry, args, configs, &w->pid);
    OH_Ability_DestroyChildProcessConfigs(configs);
    w->code = code;
}

static void call_back(napi_env env, napi_ref ref, napi_value a, napi_value b)
{
    napi_value cb, global, argv[2] = { a, b };
    if (napi_get_reference_value(env, ref, &cb) != napi_ok || napi_get_global(env, &global) != napi_ok)
        return;
    /* An exception thrown by the callback goes to process 'uncaughtException'. */
    napi_value result;
    if (napi_call_function(env, global, cb, 2, argv, &result) == napi_pending_exception) {
        napi_value e;
        napi_get_and_clear_last_exception(env, &e);
        napi_fatal_exception(env, e);
    }
}

static void start_complete(napi_env env, napi_status status, void *data)
{
    struct start_work *w = data;
    napi_value code, pid;
    if (status != napi_ok)
        w->code = NCP_ERR_INTERNAL;
    if (napi_create_int32(env, w->code, &code) == napi_ok && napi_create_int32(env, w->pid, &pid) == napi_ok)
        call_back(env, w->callback, code, pid);
    napi_delete_reference(env, w->callback);
    napi_delete_async_work(env, w->work);
    start_work_free(w);
}

/* Element i of array `arr` as a string (NULL with an exception). */
static char *get_element_string(napi_env env, napi_value arr, uint32_t i, size_t max)
{
    napi_value v;
    if (napi_get_element(env, arr, i, &v) != napi_ok)
        return NULL;
    return get_string(env, v, max);
}

/* The length of property `key` of `obj`, an array (0 when absent), at most `max`. */
static bool get_list(napi_env env, napi_value obj, const char *key, uint32_t max, napi_value *arr, uint32_t *n)
{
    bool has = false, is_array = false;
    *n = 0;
    if (napi_has_named_property(env, obj, key, &has) != napi_ok)
        return false;
    if (!has)
        return true;
    if (napi_get_named_property(env, obj, key, arr) != napi_ok || napi_is_array(env, *arr, &is_array) != napi_ok)
        return false;
    if (!is_array || napi_get_array_length(env, *arr, n) != napi_ok || *n > max) {
        napi_throw_range_error(env, NULL, "start: a Linux extension list is not an array or is too long");
        return false;
    }
    return true;
}

/* extras: { binds: [src, dest, writable, ...], env: [name, value, ...], cwd: string|null, writableFds: [name, ...] } */
static bool get_extras(napi_env env, napi_value extras, struct start_work *w)
{
    napi_valuetype t;
    if (napi_typeof(env, extras, &t) != napi_ok)
        return false;
    if (t == napi_null || t == napi_undefined)
        return true;
    if (t != napi_object) {
        throw_type(env, "start: extras must be an object");
        return false;
    }
    napi_value arr, v;
    uint32_t n;
    if (!get_list(env, extras, "binds", 3 * MAX_BINDS, &arr, &n))
        return false;
    for (uint32_t i = 0; i + 2 < n; i += 3, w->n_binds++) {
        size_t k = w->n_binds;
        if (!(w->bind_src[k] = get_element_string(env, arr, i, 4096)))
            return false;
        if (!(w->bind_dest[k] = get_element_string(env, arr, i + 1, 4096))) {
            free(w->bind_src[k]);
            return false;
        }
        if (napi_get_element(env, arr, i + 2, &v) != napi_ok ||
            napi_get_value_bool(env, v, &w->bind_writable[k]) != napi_ok) {
            free(w->bind_src[k]);
            free(w->bind_dest[k]);
            throw_type(env, "start: a bind's writable must be a boolean");
            return false;
        }
    }
    if (!get_list(env, extras, "env", 2 * MAX_ENV, &arr, &n))
        return false;
    for (uint32_t i = 0; i + 1 < n; i += 2, w->n_env++) {
        size_t k = w->n_env;
        if (!(w->env_name[k] = get_element_string(env, arr, i, 256)))
            return false;
        if (!(w->env_value[k] = get_element_string(env, arr, i + 1, 8192))) {
            free(w->env_name[k]);
            return false;
        }
    }
    if (!get_list(env, extras, "writableFds", MAX_FDS, &arr, &n))
        return false;
    for (uint32_t i = 0; i < n; i++, w->n_writable++)
        if (!(w->writable[i] = get_element_string(env, arr, i, 64)))
            return false;
    bool has = false;
    if (napi_has_named_property(env, extras, "cwd", &has) != napi_ok)
        return false;
    if (has && (napi_get_named_property(env, extras, "cwd", &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok))
        return false;
    if (has && t != napi_null && t != napi_undefined && !(w->cwd = get_string(env, v, 4096)))
        return false;
    return true;
}

/* start(entry, params, names[], fds[], isolated, isolationUid, processName|null, callback(code, pid)[, extras]) */
static napi_value js_start(napi_env env, napi_callback_info info)
{
    size_t argc = 9;
    napi_value argv[9];
    CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc != 8 && argc != 9)
        return throw_type(env, "start: 8 or 9 arguments expected");
    struct start_work *w = calloc(1, sizeof(*w));
    if (!w) {
        napi_throw_error(env, NULL, "out of memory");
        return NULL;
    }
    napi_valuetype t;
    uint32_t n_names = 0, n_fds = 0;
    bool ok = (w->entry = get_string(env, argv[0], 4096 + 256)) &&
              (w->params = get_string(env, argv[1], 1u << 20)) &&
              napi_get_array_length(env, argv[2], &n_names) == napi_ok &&
              napi_get_array_length(env, argv[3], &n_fds) == napi_ok;
    if (ok && (n_names != n_fds || n_fds > MAX_FDS)) {
        throw_type(env, "start: names and fds must be arrays of the same length, at most 16");
        ok = false;
    }
    for (uint32_t i = 0; ok && i < n_fds; i++) {
        napi_value name, fd;
        ok = napi_get_element(env, argv[2], i, &name) == napi_ok && napi_get_element(env, argv[3], i, &fd) == napi_ok &&
             (w->names[i] = get_string(env, name, 64)) != NULL;
        if (ok)
            w->n_fds = i + 1;
        if (ok && napi_get_value_int32(env, fd, &w->fds[i]) != napi_ok) {
            throw_type(env, "start: fds must be numbers");
            ok = false;
        }
    }
    ok = ok && napi_get_value_bool(env, argv[4], &w->isolated) == napi_ok &&
         napi_get_value_bool(env, argv[5], &w->isolation_uid) == napi_ok && napi_typeof(env, argv[6], &t) == napi_ok;
    if (ok && t != napi_null && t != napi_undefined)
        ok = (w->process_name = get_string(env, argv[6], MAX_NAME)) != NULL;
    if (ok && (napi_typeof(env, argv[7], &t) != napi_ok || t != napi_function)) {
        throw_type(env, "start: callback expected");
        ok = false;
    }
    ok = ok && (argc < 9 || get_extras(env, argv[8], w));
    napi_value resource;
    ok = ok && napi_create_reference(env, argv[7], 1, &w->callback) == napi_ok &&
         napi_create_string_utf8(env, "ncp.start", NAPI_AUTO_LENGTH, &resource) == napi_ok &&
         napi_create_async_work(env, NULL, resource, start_execute, start_complete, w, &w->work) == napi_ok &&
         napi_queue_async_work(env, w->work) == napi_ok;
    if (!ok) {
        if (w->work)
            napi_delete_async_work(env, w->work);
        if (w->callback)
            napi_delete_reference(env, w->callback);
        start_work_free(w);
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (!pending)
            napi_throw_error(env, NULL, "start: cannot queue the start");
        return NULL;
    }
    return NULL;
}

/* ---- wait ------------------------------------------------------------- */

struct wait_work {
    napi_async_work work;
    napi_ref callback;
    int32_t pid;
    int32_t timeout_ms;
    int code;
    int status;
};

static void wait_execute(napi_env env, void *data)
{
    (void)env;
    struct wait_work *w = data;
    w->code = NCP_WaitChildProcess(w->pid, &w->status, w->timeout_ms);
}

/* The wait status as { exitCode, signal } (one of them null), or null. */
static napi_value status_object(napi_env env, int code, int status)
{
    napi_value obj, exit_code, sig, null;
    if (napi_get_null(env, &null) != napi_ok)
        return NULL;
    if (code != NCP_NO_ERROR)
        return null;
    if (napi_create_object(env, &obj) != napi_ok)
        return null;
    exit_code = sig = null;
    if (WIFEXITED(status))
        napi_create_int32(env, WEXITSTATUS(status), &exit_code);
    else if (WIFSIGNALED(status))
        napi_create_int32(env, WTERMSIG(status), &sig);
    napi_set_named_property(env, obj, "exitCode", exit_code);
    napi_set_named_property(env, obj, "signal", sig);
    return obj;
}

static void wait_complete(napi_env env, napi_status status, void *data)
{
    struct wait_work *w = data;
    napi_value code;
    if (status != napi_ok)
        w->code = NCP_ERR_INTERNAL;
    if (napi_create_int32(env, w->code, &code) == napi_ok)
        call_back(env, w->callback, code, status_object(env, w->code, w->status));
    napi_delete_reference(env, w->callback);
    napi_delete_async_work(env, w->work);
    free(w);
}

/* wait(pid, timeoutMs, callback(code, {exitCode, signal}|null)) */
static napi_value js_wait(napi_env env, napi_callback_info info)
{
    size_t argc = 3;
    napi_value argv[3], resource;
    CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc != 3)
        return throw_type(env, "wait: 3 arguments expected");
    struct wait_work *w = calloc(1, sizeof(*w));
    if (!w) {
        napi_throw_error(env, NULL, "out of memory");
        return NULL;
    }
    bool ok = napi_get_value_int32(env, argv[0], &w->pid) == napi_ok &&
              napi_get_value_int32(env, argv[1], &w->timeout_ms) == napi_ok &&
              napi_create_reference(env, argv[2], 1, &w->callback) == napi_ok &&
              napi_create_string_utf8(env, "ncp.wait", NAPI_AUTO_LENGTH, &resource) == napi_ok &&
              napi_create_async_work(env, NULL, resource, wait_execute, wait_complete, w, &w->work) == napi_ok &&
              napi_queue_async_work(env, w->work) == napi_ok;
    if (!ok) {
        if (w->work)
            napi_delete_async_work(env, w->work);
        if (w->callback)
            napi_delete_reference(env, w->callback);
        free(w);
        bool pending = false;
        napi_is_exception_pending(env, &pending);
        if (!pending)
            throw_type(env, "wait: pid and timeout must be numbers, callback a function");
    }
    return NULL;
}

/* ---- kill, support, parent death ---------------------------------------- */

static napi_value js_kill(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], result;
    int32_t pid;
    CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc != 1 || napi_get_value_int32(env, argv[0], &pid) != napi_ok)
        return throw_type(env, "kill: pid expected");
    CHECK(env, napi_create_int32(env, OH_Ability_KillChildProcess(pid), &result));
    return result;
}

static napi_value js_is_supported(napi_env env, napi_callback_info info)
{
    (void)info;
    napi_value result;
    CHECK(env, napi_get_boolean(env, OH_Ability_IsNativeChildProcessSupported(), &result));
    return result;
}

/* A SELF_FORK child dies with the app: the parent-death signal, then a check
 * that the app did not end before it was set.  Returns false when it did. */
static napi_value js_die_with_parent(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], result;
    int32_t parent;
    CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc != 1 || napi_get_value_int32(env, argv[0], &parent) != napi_ok)
        return throw_type(env, "dieWithParent: parent pid expected");
    bool ok = prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == 0 && getppid() == parent;
    CHECK(env, napi_get_boolean(env, ok, &result));
    return result;
}

/* ---- exit callbacks ----------------------------------------------------- */

/* The library's exit callback carries no user data: one listener per
 * process, held by the first environment (main thread or worker) that asks. */
static pthread_mutex_t exit_lock = PTHREAD_MUTEX_INITIALIZER;
static napi_threadsafe_function exit_tsfn;
static napi_env exit_env;

struct exit_event {
    int32_t pid;
    int32_t signal;
};

static void on_child_exit(int32_t pid, int32_t signal)
{
    pthread_mutex_lock(&exit_lock);
    if (exit_tsfn) {
        struct exit_event *e = malloc(sizeof(*e));
        if (e) {
            *e = (struct exit_event){ pid, signal };
            if (napi_call_threadsafe_function(exit_tsfn, e, napi_tsfn_nonblocking) != napi_ok)
                free(e);
        }
    }
    pthread_mutex_unlock(&exit_lock);
}

static void exit_call_js(napi_env env, napi_value cb, void *context, void *data)
{
    (void)context;
    struct exit_event *e = data;
    if (env && cb) {
        napi_value argv[2], global, result;
        if (napi_create_int32(env, e->pid, &argv[0]) == napi_ok && napi_create_int32(env, e->signal, &argv[1]) == napi_ok &&
            napi_get_global(env, &global) == napi_ok &&
            napi_call_function(env, global, cb, 2, argv, &result) == napi_pending_exception) {
            napi_value ex;
            napi_get_and_clear_last_exception(env, &ex);
            napi_fatal_exception(env, ex);
        }
    }
    free(e);
}

/* Called with exit_lock held. */
static void exit_listener_drop(void)
{
    if (!exit_tsfn)
        return;
    OH_Ability_UnregisterNativeChildProcessExitCallback(on_child_exit);
    napi_release_threadsafe_function(exit_tsfn, napi_tsfn_abort);
    exit_tsfn = NULL;
    exit_env = NULL;
}

static void exit_env_cleanup(void *arg)
{
    napi_env env = arg;
    pthread_mutex_lock(&exit_lock);
    if (exit_env == env)
        exit_listener_drop();
    pthread_mutex_unlock(&exit_lock);
}

/* onExit(fn): fn(pid, signal) for every child of this process killed by a
 * signal (the library's exit callbacks); onExit(null) stops.  Does not keep
 * the event loop alive.  Returns the library's code. */
static napi_value js_on_exit(napi_env env, napi_callback_info info)
{
    size_t argc = 1;
    napi_value argv[1], result, resource;
    napi_valuetype t;
    CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
    if (argc != 1 || napi_typeof(env, argv[0], &t) != napi_ok || (t != napi_function && t != napi_null))
        return throw_type(env, "onExit: function or null expected");
    int code = NCP_NO_ERROR;
    pthread_mutex_lock(&exit_lock);
    if (t == napi_null) {
        if (exit_env == env) {
            exit_listener_drop();
            napi_remove_env_cleanup_hook(env, exit_env_cleanup, env);
        }
    } else if (exit_tsfn) {
        code = exit_env == env ? NCP_NO_ERROR : NCP_ERR_SERVICE_ERROR;
    } else if (napi_create_string_utf8(env, "ncp.exit", NAPI_AUTO_LENGTH, &resource) != napi_ok ||
               napi_create_threadsafe_function(env, argv[0], NULL, resource, 0, 1, NULL, NULL, NULL, exit_call_js,
                                               &exit_tsfn) != napi_ok) {
        exit_tsfn = NULL;
        code = NCP_ERR_INTERNAL;
    } else {
        napi_unref_threadsafe_function(env, exit_tsfn);
        code = OH_Ability_RegisterNativeChildProcessExitCallback(on_child_exit);
        if (code != NCP_NO_ERROR) {
            napi_release_threadsafe_function(exit_tsfn, napi_tsfn_abort);
            exit_tsfn = NULL;
        } else {
            exit_env = env;
            napi_add_env_cleanup_hook(env, exit_env_cleanup, env);
        }
    }
    pthread_mutex_unlock(&exit_lock);
    CHECK(env, napi_create_int32(env, code, &result));
    return result;
}

static napi_value init(napi_env env, napi_value exports)
{
    static const struct {
        const char *name;
        napi_callback fn;
    } fns[] = {
        { "start", js_start },
        { "wait", js_wait },
        { "kill", js_kill },
        { "isSupported", js_is_supported },
        { "dieWithParent", js_die_with_parent },
        { "onExit", js_on_exit },
    };
    for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
        napi_value f;
        CHECK(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &f));
        CHECK(env, napi_set_named_property(env, exports, fns[i].name, f));
    }
    return exports;
}

/* The header's registration functions come without prototypes. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
NAPI_MODULE(ncp_node, init)
#pragma GCC diagnostic pop
