/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ids and capabilities of the isolated child, after its root and network are
 * built (they needed CAP_SYS_ADMIN and CAP_NET_ADMIN):
 *
 *  1. securebits, locked: NOROOT (uid 0 gains nothing at exec), NO_SETUID_FIXUP
 *     (the id switch below leaves the capability sets alone, so step 3 still
 *     holds CAP_SETPCAP to empty the bounding set), NO_CAP_AMBIENT_RAISE, and
 *     KEEP_CAPS locked off;
 *  2. with an isolation uid: setgroups([]), setresgid, setresuid to it (and
 *     dumpable again, as before the switch); in all cases check that the ids
 *     are the planned ones (the maps were written);
 *  3. every capability dropped in every set (effective, permitted,
 *     inheritable, bounding, ambient) with libcap-ng, and checked.
 *
 * no_new_privs follows (ncp_caps_no_new_privs), then Landlock.
 */
#include "config.h"

#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "common/macro.h"
#include "caps.h"

#ifndef SECBIT_NO_CAP_AMBIENT_RAISE
#define SECBIT_NO_CAP_AMBIENT_RAISE (1 << 6)
#define SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED (1 << 7)
#endif

#define SECUREBITS                                                                                  \
    (SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED | \
     SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED)

static int switch_ids(const struct ncp_idmap *ids)
{
    if (ids->own_uid) {
        if (setgroups(0, NULL) < 0)
            return log_error_errno(errno, "ids: cannot drop the supplementary groups (is setgroups allowed?)");
        if (setresgid(ids->inside_gid, ids->inside_gid, ids->inside_gid) < 0)
            return log_error_errno(errno, "ids: cannot switch to gid %u", (unsigned)ids->inside_gid);
        if (setresuid(ids->inside_uid, ids->inside_uid, ids->inside_uid) < 0)
            return log_error_errno(errno, "ids: cannot switch to uid %u", (unsigned)ids->inside_uid);
        /* The switch made the process non-dumpable: its /proc files would
         * belong to root and sanitizers and debuggers could not attach to it.
         * Only its own uid (nobody else's) and Landlock's rules apply then. */
        if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
            return log_error_errno(errno, "ids: cannot make the process dumpable again");
    }
    uid_t r, e, s;
    gid_t rg, eg, sg;
    if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
        return log_error_errno(errno, "ids: cannot read the ids");
    if (r != ids->inside_uid || e != ids->inside_uid || s != ids->inside_uid || rg != ids->inside_gid ||
        eg != ids->inside_gid || sg != ids->inside_gid)
        return log_error_errno(EPERM, "ids: running as uid %u gid %u, expected %u/%u (were the id maps written?)",
                               (unsigned)e, (unsigned)eg, (unsigned)ids->inside_uid, (unsigned)ids->inside_gid);
    return 0;
}

static int check_no_caps(void)
{
    struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return log_error_errno(errno, "caps: capget failed");
    for (int i = 0; i < 2; i++)
        if (d[i].effective || d[i].permitted || d[i].inheritable)
            return log_error_errno(EPERM, "caps: capabilities remain (effective %08x%08x permitted %08x%08x)",
                                   d[1].effective, d[0].effective, d[1].permitted, d[0].permitted);
    for (int c = 0; c <= 63; c++) {
        int b = prctl(PR_CAPBSET_READ, c, 0, 0, 0);
        if (b < 0)
            break;  /* past the last capability this kernel knows */
        if (b == 1)
            return log_error_errno(EPERM, "caps: capability %d remains in the bounding set", c);
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, c, 0, 0) == 1)
            return log_error_errno(EPERM, "caps: capability %d remains in the ambient set", c);
    }
    return 0;
}

int ncp_caps_lockdown(const struct ncp_idmap *ids, const char **stage)
{
    *stage = "caps";
    if (prctl(PR_SET_SECUREBITS, SECUREBITS, 0, 0, 0) < 0)
        return log_error_errno(errno, "caps: cannot set the securebits (the runner needs CAP_SETPCAP)");

    *stage = "ids";
    int r = switch_ids(ids);
    if (r < 0)
        return r;

    *stage = "caps";
    capng_clear(CAPNG_SELECT_ALL);
    int rc = capng_apply(CAPNG_SELECT_ALL);
    if (rc < 0)
        log_debug("caps: capng_apply returned %d", rc);
    /* The check decides, whatever libcap-ng said. */
    return check_no_caps();
}

int ncp_caps_no_new_privs(void)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return log_error_errno(errno, "no_new_privs: prctl failed");
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
        return log_error_errno(EPERM, "no_new_privs: not set after prctl");
    return 0;
}
