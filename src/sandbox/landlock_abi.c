/* SPDX-License-Identifier: Apache-2.0 */
/* Landlock: which ABI the kernel offers, and which one isolated children use
 * (NCP_LANDLOCK_ABI may cap it).  A file of its own, with no other part of
 * the sandbox: `ncp-run --doctor` links it, and none of the sandbox's
 * libraries. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "landlock_uapi.h"
#include "common/log.h"
#include "landlock.h"

static int kernel_abi = -1;
static pthread_once_t kernel_abi_once = PTHREAD_ONCE_INIT;

static void probe_kernel_abi(void)
{
    int v = ncp_landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (v < 0) {
        /* ENOSYS: not built in; EOPNOTSUPP: built in but not enabled (lsm=). */
        log_debug("landlock: not available: %s", strerror(errno));
        v = 0;
    }
    kernel_abi = v;
}

int ncp_landlock_kernel_abi(void)
{
    pthread_once(&kernel_abi_once, probe_kernel_abi);
    return kernel_abi;
}

int ncp_landlock_abi(void)
{
    int abi = ncp_landlock_kernel_abi();
    if (abi > NCP_LANDLOCK_ABI_MAX)
        abi = NCP_LANDLOCK_ABI_MAX;  /* a newer kernel is used at the level we know */

    const char *cap = getenv("NCP_LANDLOCK_ABI");
    if (cap && *cap) {
        char *end;
        errno = 0;
        long v = strtol(cap, &end, 10);
        if (errno || *end || v < 0)
            log_warn("landlock: ignoring NCP_LANDLOCK_ABI=\"%s\" (not a number >= 0)", cap);
        else if (v < abi)
            abi = (int)v;
    }
    return abi;
}
