/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's child: tries a handful of things an untrusted parser or
 * decoder should not be able to do, and reports each as one line
 * "LABEL<TAB>yes|no<TAB>detail" on the fd named "out".
 * params: "HOME DATA_DIR TCP_PORT"
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <AbilityKit/native_child_process.h>

__attribute__((visibility("default"))) void DemoMain(NativeChildProcess_Args args);

static int out = 1;

static void line(const char *label, int yes, const char *detail)
{
    dprintf(out, "%s\t%s\t%s\n", label, yes ? "yes" : "no", detail);
}

static void try_read(const char *label, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    char buf[128] = "";
    if (fd < 0) {
        line(label, 0, strerror(errno));
        return;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    line(label, 1, buf);
}

static void try_list(const char *label, const char *path)
{
    DIR *d = opendir(path);
    if (!d) {
        line(label, 0, strerror(errno));
        return;
    }
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    char detail[64];
    snprintf(detail, sizeof(detail), "%d entries", n - 2);
    line(label, 1, detail);
}

static void try_tcp(const char *label, int port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int r = connect(s, (struct sockaddr *)&a, sizeof(a));
    line(label, r == 0, r == 0 ? "connected" : strerror(errno));
    close(s);
}

static void own_loopback(void)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(a);
    int ok = bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 1) == 0 &&
             getsockname(l, (struct sockaddr *)&a, &len) == 0;
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ok = ok && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0;
    line("use its own 127.0.0.1 (listen + connect)", ok, ok ? "works" : strerror(errno));
    close(c);
    close(l);
}

static void write_data_dir(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/written-by-child", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        line("write a file in its data dir", 0, strerror(errno));
        return;
    }
    ssize_t n = write(fd, "hello\n", 6);
    close(fd);
    line("write a file in its data dir", n == 6, path);
}

static void net_devices(void)
{
    struct if_nameindex *ifs = if_nameindex();
    char detail[256] = "";
    for (struct if_nameindex *i = ifs; i && i->if_index; i++)
        snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s ", i->if_name);
    if (ifs)
        if_freenameindex(ifs);
    line("network devices", 1, detail);
}

static void capabilities(void)
{
    FILE *f = fopen("/proc/self/status", "re");
    char l[256], detail[600] = "";
    while (f && fgets(l, sizeof(l), f))
        if (!strncmp(l, "CapEff:", 7) || !strncmp(l, "NoNewPrivs:", 11)) {
            l[strcspn(l, "\n")] = '\0';
            snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s ", l);
        }
    if (f)
        fclose(f);
    line("capabilities", 1, detail);
}

void DemoMain(NativeChildProcess_Args args)
{
    for (NativeChildProcess_Fd *f = args.fdList.head; f; f = f->next)
        if (!strcmp(f->fdName, "out"))
            out = f->fd;
    char home[2048] = "", data[2048] = "";
    int port = 0;
    sscanf(args.entryParams, "%2047s %2047s %d", home, data, &port);
    char path[4200];
    snprintf(path, sizeof(path), "%s/secret.txt", data);
    try_read("read the app's data dir (secret.txt)", path);
    snprintf(path, sizeof(path), "%s/.demo-secret", home);
    try_read("read a file in $HOME", path);
    try_list("list /home", "/home");
    try_list("list /run (session bus, sockets)", "/run");
    try_read("read /proc/1/environ", "/proc/1/environ");
    write_data_dir(data);
    try_tcp("connect to the host's 127.0.0.1 listener", port);
    own_loopback();
    net_devices();
    capabilities();
}
