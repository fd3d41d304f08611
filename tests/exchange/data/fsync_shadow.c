/* LD_PRELOAD shim for the power-loss test: at every fsync/fdatasync of a file whose path starts
 * with $SHADOW_WATCH, copy the file as it is now (all of it is durable once the call returns)
 * to $SHADOW_DIR/<basename>. After a SIGKILL the shadow copies are what a power loss would have
 * left on disk: every write not followed by an fsync is lost. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void shadow(int fd) {
    const char *watch = getenv("SHADOW_WATCH"), *dir = getenv("SHADOW_DIR");
    char link[64], path[4096], dst[4608], tmp[4620];
    if (!watch || !dir) return;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return;
    path[n] = 0;
    if (strncmp(path, watch, strlen(watch)) != 0) return;
    const char *base = strrchr(path, '/');
    snprintf(dst, sizeof dst, "%s/%s", dir, base ? base + 1 : path);
    snprintf(tmp, sizeof tmp, "%s.tmp", dst);
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0) return;
    char buf[1 << 16];
    off_t off = 0;
    ssize_t got;
    while ((got = pread(fd, buf, sizeof buf, off)) > 0) {
        if (write(out, buf, (size_t)got) != got) break;
        off += got;
    }
    close(out);
    rename(tmp, dst);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    shadow(fd);
    return real(fd);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    shadow(fd);
    return real(fd);
}
