/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The isolated child's host name.  Its UTS namespace starts as a copy of the
 * host's, which tells the child the machine's name (and NIS domain); it gets
 * fixed names instead, set while it still holds CAP_SYS_ADMIN in its own
 * user namespace.  "localhost" because that is the only host the child can
 * reach, and because /etc/hosts (the host's, bound read-only) resolves it:
 * code that looks up its own host name gets 127.0.0.1, not a DNS timeout.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "uts.h"

int ncp_uts_set_names(void)
{
    if (sethostname(NCP_ISOLATED_HOSTNAME, strlen(NCP_ISOLATED_HOSTNAME)) < 0)
        return log_error_errno(errno, "hostname: cannot set the host name to %s", NCP_ISOLATED_HOSTNAME);
    /* "(none)" is what a kernel without a domain name reports. */
    if (setdomainname("(none)", 6) < 0)
        return log_error_errno(errno, "hostname: cannot set the domain name");
    return 0;
}
