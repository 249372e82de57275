/* SPDX-License-Identifier: Apache-2.0 */
/* ncp-sandbox.so: the child side of the sandbox (src/sandbox/sandbox.h) as a module
 * the runner loads only in isolated children (src/runner/sandbox_loader.c).
 * Normal children are forked from the zygote, which never loads it, so they
 * do not carry libnl, libcap-ng and json-c: fewer pages to fork, fault in and
 * tear down, and less memory. */
#include "common/log.h"
#include "caps.h"
#include "policy.h"
#include "sandbox.h"
#include "seccomp_progs.h"

/* The module carries its own copy of the logging code: it runs in the
 * runner, where a bad NCP_LOG was already reported by the app. */
__attribute__((constructor)) static void module_logs_quietly(void)
{
    ncp_log_helper_process();
}

__attribute__((visibility("default"))) const struct ncp_sandbox_ops ncp_sandbox_ops = {
    .version = NCP_SANDBOX_OPS_VERSION,
    .prepare = ncp_sandbox_prepare,
    .enter = ncp_sandbox_enter,
    .policy_parse = ncp_policy_parse,
    .policy_free = ncp_policy_free,
    .no_new_privs = ncp_caps_no_new_privs,
    .seccomp_apply = ncp_seccomp_apply,
    .seccomp_version = ncp_seccomp_version,
};
