/* SPDX-License-Identifier: Apache-2.0 */
/* A descriptor whose last close() blocks, for the tests of what must never
 * be closed on a thread that serves children (src/common/closer.h). */
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A connected TCP socket on loopback whose last close() waits up to secs
 * seconds: SO_LINGER set, and its send queue full of data the peer never
 * reads (a listener that never accepts, left open as long as this process
 * lives).  -1 when loopback TCP cannot be had. */
static inline int lingering_socket(int secs)
{
    int small = 4096;
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof(a);
    if (l < 0 || setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) < 0 ||
        bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &alen) < 0) {
        if (l >= 0)
            close(l);
        return -1;
    }
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct linger lg = { .l_onoff = 1, .l_linger = secs };
    if (c < 0 || setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) < 0 ||
        connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 || setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) < 0) {
        if (c >= 0)
            close(c);
        close(l);
        return -1;
    }
    static char junk[65536];
    /* Until the peer's window is shut: what stays unsent makes close() wait. */
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 1000 && send(c, junk, sizeof(junk), MSG_DONTWAIT | MSG_NOSIGNAL) > 0; i++)
            ;
        usleep(2000);
    }
    return c;
}
