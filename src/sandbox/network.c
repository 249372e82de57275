/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's network: its namespace holds only `lo`, which starts
 * down; bring it up with libnl-route-3 and check that it is up.  Nothing else
 * is configured, so the child reaches its own 127.0.0.1 and nothing of the host.
 */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <string.h>

#include "common/log.h"
#include "common/macro.h"
#include "network.h"

static int nl_to_errno(int nlerr)
{
    switch (nlerr < 0 ? -nlerr : nlerr) {
    case NLE_PERM:
        return -EPERM;
    case NLE_NOACCESS:
        return -EACCES;
    case NLE_NOMEM:
        return -ENOMEM;
    case NLE_OBJ_NOTFOUND:
    case NLE_NODEV:
        return -ENODEV;
    default:
        return -EIO;
    }
}

static void nl_sock_freep(struct nl_sock **s)
{
    if (*s)
        nl_socket_free(*s);
}

static void rtnl_link_putp(struct rtnl_link **l)
{
    if (*l)
        rtnl_link_put(*l);
}

int ncp_network_loopback_up(void)
{
    __attribute__((cleanup(nl_sock_freep))) struct nl_sock *sk = nl_socket_alloc();
    __attribute__((cleanup(rtnl_link_putp))) struct rtnl_link *lo = NULL;
    __attribute__((cleanup(rtnl_link_putp))) struct rtnl_link *change = NULL;
    int r;

    if (!sk)
        return log_error_errno(ENOMEM, "loopback: cannot allocate a netlink socket");
    if ((r = nl_connect(sk, NETLINK_ROUTE)) < 0) {
        log_error("loopback: cannot connect to rtnetlink: %s", nl_geterror(r));
        return nl_to_errno(r);
    }
    if ((r = rtnl_link_get_kernel(sk, 0, "lo", &lo)) < 0) {
        log_error("loopback: cannot find `lo`: %s", nl_geterror(r));
        return nl_to_errno(r);
    }
    if (!(change = rtnl_link_alloc()))
        return log_error_errno(ENOMEM, "loopback: cannot allocate a link change");
    rtnl_link_set_flags(change, IFF_UP);
    if ((r = rtnl_link_change(sk, lo, change, 0)) < 0) {
        log_error("loopback: cannot bring `lo` up: %s", nl_geterror(r));
        return nl_to_errno(r);
    }

    rtnl_link_put(lo);
    lo = NULL;
    if ((r = rtnl_link_get_kernel(sk, 0, "lo", &lo)) < 0) {
        log_error("loopback: cannot read `lo` back: %s", nl_geterror(r));
        return nl_to_errno(r);
    }
    if (!(rtnl_link_get_flags(lo) & IFF_UP))
        return log_error_errno(EIO, "loopback: `lo` is still down after bringing it up");
    log_debug("loopback: lo is up (ifindex %d)", rtnl_link_get_ifindex(lo));
    return 0;
}
