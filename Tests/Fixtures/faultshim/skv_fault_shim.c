// skv_fault_shim: an LD_PRELOAD library that makes write and sync calls on files under one
// directory fail with a chosen errno, to test how the `skv` daemon handles a failing disk
// (EIO, ENOSPC) without dm-error or root. Built by the process tests at run time:
//
//   cc -shared -fPIC -O2 -o skv_fault_shim.so skv_fault_shim.c -ldl
//
// Configured by environment variables (read once, at load):
//   SKV_FAULT_PATH     absolute directory; only descriptors whose /proc/self/fd link is this
//                      directory or under it are affected (required; without it the shim is inert)
//   SKV_FAULT_CALLS    comma-separated: "write" (write, pwrite, pwrite64, writev, pwritev) and/or
//                      "fsync" (fsync, fdatasync); default "write,fsync"
//   SKV_FAULT_ERRNO    EIO (default) or ENOSPC, or a number
//   SKV_FAULT_TRIGGER  a path: calls are counted and failed only while this file exists
//                      (default: always armed)
//   SKV_FAULT_AFTER    the first N armed matching calls succeed, later ones fail (default 0)
// Once a call has failed, every later matching call fails too (a dead disk; the daemon must
// not retry anyway). The shim reports itself on stderr when loaded and on its first faults.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { CALL_WRITE = 1, CALL_FSYNC = 2 };

static char fault_path[4096];
static size_t fault_path_length;
static char trigger_path[4096];
static int fault_calls = CALL_WRITE | CALL_FSYNC;
static int fault_errno = EIO;
static long fault_after;
static long armed_calls;  // matching calls seen while armed (atomic)
static int failing;       // set once the first fault was injected (atomic)
static long faults;       // faults injected (atomic)

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

static void say(const char *text) {
    if (real_write) (void)real_write(2, text, strlen(text));
}

__attribute__((constructor)) static void load(void) {
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite = dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_writev = dlsym(RTLD_NEXT, "writev");
    real_pwritev = dlsym(RTLD_NEXT, "pwritev");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    const char *path = getenv("SKV_FAULT_PATH");
    if (!path || path[0] != '/' || strlen(path) >= sizeof fault_path) return;
    strcpy(fault_path, path);
    fault_path_length = strlen(fault_path);
    while (fault_path_length > 1 && fault_path[fault_path_length - 1] == '/') fault_path[--fault_path_length] = 0;
    const char *calls = getenv("SKV_FAULT_CALLS");
    if (calls) {
        fault_calls = 0;
        if (strstr(calls, "write")) fault_calls |= CALL_WRITE;
        if (strstr(calls, "fsync")) fault_calls |= CALL_FSYNC;
    }
    const char *code = getenv("SKV_FAULT_ERRNO");
    if (code) {
        if (strcmp(code, "EIO") == 0) fault_errno = EIO;
        else if (strcmp(code, "ENOSPC") == 0) fault_errno = ENOSPC;
        else if (atoi(code) > 0) fault_errno = atoi(code);
    }
    const char *trigger = getenv("SKV_FAULT_TRIGGER");
    if (trigger && strlen(trigger) < sizeof trigger_path) strcpy(trigger_path, trigger);
    const char *after = getenv("SKV_FAULT_AFTER");
    if (after) fault_after = atol(after);
    char line[8400];
    snprintf(line, sizeof line, "skv-fault-shim: loaded: %s%s%s on files under %s after %ld calls%s%s\n",
             strerror(fault_errno), (fault_calls & CALL_WRITE) ? " on write" : "",
             (fault_calls & CALL_FSYNC) ? " on fsync" : "", fault_path, fault_after,
             trigger_path[0] ? " while this file exists: " : "", trigger_path);
    say(line);
}

// Whether descriptor `fd` names a file at or under the fault directory.
static int under_fault_path(int fd) {
    char link[64], target[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length < (ssize_t)fault_path_length) return 0;
    target[length] = 0;
    return strncmp(target, fault_path, fault_path_length) == 0 &&
           (target[fault_path_length] == 0 || target[fault_path_length] == '/');
}

// Whether this call (of kind `call`, named `name`) fails; sets errno when it does.
static int should_fail(int fd, int call, const char *name) {
    if (!fault_path_length || !(fault_calls & call) || fd <= 2) return 0;
    if (!__atomic_load_n(&failing, __ATOMIC_SEQ_CST)) {
        if (trigger_path[0] && access(trigger_path, F_OK) != 0) return 0;
        if (!under_fault_path(fd)) return 0;
        if (__atomic_add_fetch(&armed_calls, 1, __ATOMIC_SEQ_CST) <= fault_after) return 0;
        __atomic_store_n(&failing, 1, __ATOMIC_SEQ_CST);
    } else if (!under_fault_path(fd)) {
        return 0;
    }
    long count = __atomic_add_fetch(&faults, 1, __ATOMIC_SEQ_CST);
    if (count <= 3) {
        char path[4096] = "?", link[64], line[4300];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t length = readlink(link, path, sizeof path - 1);
        if (length > 0) path[length] = 0;
        snprintf(line, sizeof line, "skv-fault-shim: fault %ld: %s(%s) -> %s\n", count, name, path,
                 strerror(fault_errno));
        say(line);
    }
    errno = fault_errno;
    return 1;
}

ssize_t write(int fd, const void *buffer, size_t count) {
    if (should_fail(fd, CALL_WRITE, "write")) return -1;
    return real_write(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    if (should_fail(fd, CALL_WRITE, "pwrite")) return -1;
    return real_pwrite(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
    if (should_fail(fd, CALL_WRITE, "pwrite64")) return -1;
    return real_pwrite64(fd, buffer, count, offset);
}

ssize_t writev(int fd, const struct iovec *vector, int count) {
    if (should_fail(fd, CALL_WRITE, "writev")) return -1;
    return real_writev(fd, vector, count);
}

ssize_t pwritev(int fd, const struct iovec *vector, int count, off_t offset) {
    if (should_fail(fd, CALL_WRITE, "pwritev")) return -1;
    return real_pwritev(fd, vector, count, offset);
}

int fsync(int fd) {
    if (should_fail(fd, CALL_FSYNC, "fsync")) return -1;
    return real_fsync(fd);
}

int fdatasync(int fd) {
    if (should_fail(fd, CALL_FSYNC, "fdatasync")) return -1;
    return real_fdatasync(fd);
}
