/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's own session keyring.  A process inherits its parent's
 * session keyring, so without this the child could read the keys the app's
 * login session holds (keyctl read @s) and plant new ones the app would
 * later find.  Joining a fresh anonymous keyring replaces that reference
 * for good: there is no way back to the old one.  (The user keyring @u is
 * per user namespace already; keyctl is also denied by the seccomp filter
 * unless a policy allows it, src/sandbox/seccomp.c.)
 */
#include "config.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "keyring.h"

int ncp_keyring_join_fresh(void)
{
    long serial = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, (char *)NULL, 0, 0, 0);
    if (serial >= 0) {
        log_debug("keyring: joined a fresh session keyring (%ld)", serial);
        return 0;
    }
    int e = errno;
    /* No keyrings in this kernel, or an outer seccomp filter (a container's)
     * refusing keyctl: this child cannot reach any key either. */
    if (e == ENOSYS || e == EPERM) {
        log_debug("keyring: keyctl unavailable (%s): no keyring to leave", strerror(e));
        return 0;
    }
    if (e == EDQUOT)
        return log_error_errno(e, "keyring: cannot create a session keyring: this user's key quota is used up "
                                  "(kernel.keys.maxkeys, kernel.keys.maxbytes; see /proc/key-users)");
    return log_error_errno(e, "keyring: cannot join a fresh session keyring");
}

int ncp_keyring_probe(void)
{
    /* The same call in a throwaway child would change nothing we can see
     * here; KEYCTL_GET_KEYRING_ID of @s without creating it tells whether
     * keyctl works at all. */
    long r = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0, 0, 0);
    return r >= 0 ? 0 : -errno;
}
