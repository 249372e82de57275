/* SPDX-License-Identifier: Apache-2.0 */
/* ncp-sandbox.so: the child side of the sandbox (src/sandbox.h) as a module
 * the runner loads only in isolated children (src/runner/sandbox_loader.c).
 * Normal children are forked from the zygote, which never loads it, so they
 * do not carry libnl, libcap-ng and json-c: fewer pages to fork, fault in and
 * tear down, and less memory. */
#include "sandbox.h"

__attribute__((visibility("default"))) const struct ncp_sandbox_ops ncp_sandbox_ops = {
    .version = NCP_SANDBOX_OPS_VERSION,
    .prepare = ncp_sandbox_prepare,
    .enter = ncp_sandbox_enter,
};
