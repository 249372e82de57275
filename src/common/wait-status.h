/* SPDX-License-Identifier: Apache-2.0 */
/* The waitpid(2)-style status of an ended child, from waitid(2)'s siginfo:
 * what NCP_WaitChildProcess() returns and the zygote reports. */
#pragma once

#include <signal.h>
#include <sys/wait.h>

static inline int ncp_wait_status(const siginfo_t *si)
{
    if (si->si_code == CLD_EXITED)
        return (si->si_status & 0xff) << 8;
    return (si->si_status & 0x7f) | (si->si_code == CLD_DUMPED ? 0x80 : 0);
}
