/*
 * sigsafe.c: small async-signal-safe helpers. They make only system calls and
 * touch only memory prepared before the fork, so the measured children (raw
 * clones of a multithreaded process) and the signal handler may use them.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

void copy_call(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] && i < IPCB_CALL_LEN - 1; i++) dst[i] = src[i];
    dst[i] = 0;
}

int ipcb_fail_errno(struct ipcb_ctx *c, const char *call, int err)
{
    if (err == 0) err = EIO;
    /*
     * The group is being stopped (see on_termination): a call that fails now
     * fails because of that, as when the other party's handler removed the
     * object this one waits on. This party stops too, with the exit code that
     * says so: returning would end its loop as if the window were over, and
     * its exit 0 would read as a party that died on its own inside the window
     * (the partner) or as a whole window (the leader).
     */
    if (__atomic_load_n(&c->page->terminating, __ATOMIC_SEQ_CST)) _exit(IPCB_EXIT_TERMINATED);
    int32_t zero = 0;
    if (__atomic_compare_exchange_n(&c->page->err, &zero, -1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        copy_call(c->page->call, call);
        __atomic_store_n(&c->page->err, err, __ATOMIC_SEQ_CST);
    }
    return -1;
}

int ipcb_fail(struct ipcb_ctx *c, const char *call) { return ipcb_fail_errno(c, call, errno); }

char *put_uint(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/*
 * The system call itself, not glibc's getrandom(): newer glibc serves that
 * from per-thread state it allocates under a lock, which a raw clone of a
 * multithreaded process must not touch.
 */
int ipcb_random(void *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        long got = syscall(SYS_getrandom, (char *)buf + done, len - done, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        done += (size_t)got;
    }
    return 0;
}

uint64_t ns_inode_self(void)
{
    struct stat st;
    if (stat("/proc/self/ns/ipc", &st) != 0) return 0;
    return (uint64_t)st.st_ino;
}

int64_t cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int pin_cpu(int cpu)
{
    if (cpu < 0) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return (int)syscall(SYS_sched_setaffinity, 0, sizeof(set), &set);
}

/* The cost of one clock read, measured the way the loops use it: back to back. */
double measure_timer(void)
{
    double best = 1e18;
    for (int round = 0; round < 7; round++) {
        int64_t t0 = ipcb_clock(), t = t0;
        for (int i = 0; i < 256; i++) t = ipcb_clock();
        double per = (double)(t - t0) / 256.0;
        if (per < best) best = per;
    }
    return best;
}

long write_all(int fd, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        done += (size_t)w;
    }
    return (long)done;
}

pid_t raw_clone(unsigned long flags)
{
    /* No new stack: the child continues on a copy of ours, exactly like fork. */
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/*
 * Waits until one of the fds (pidfds, or an eventfd) is readable or the
 * absolute time passes. Returns a bitmask of the fds (by position) that are.
 */
int wait_fds_until(const int *fds, int n, int64_t until_ns)
{
    for (;;) {
        struct pollfd pfd[3];
        int k = 0;
        for (int i = 0; i < n && i < 3; i++) pfd[k++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
        int64_t left = until_ns - ipcb_clock();
        if (left <= 0) left = 0;
        struct timespec ts = { (time_t)(left / 1000000000LL), (long)(left % 1000000000LL) };
        int r = ppoll(pfd, (nfds_t)k, &ts, NULL);
        if (r > 0) {
            int mask = 0;
            for (int i = 0; i < k; i++) if (pfd[i].revents) mask |= 1 << i;
            return mask;
        }
        if (r == 0) return 0;
        if (errno != EINTR) return 0;
    }
}

/*
 * A child of the caller starts with Node's signal handlers, which write the
 * signal to Node's signal pipe, shared with the caller: a signal meant for
 * the child would reach the tool as if sent to it (a SIGTERM to the group
 * became the tool's "SIGTERM again"). The caller clones with every signal
 * blocked (clone_blocked), and the child puts every handler back to the
 * default before it unblocks any.
 */
static void default_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) sigaction(sig, &sa, NULL); /* glibc's reserved ones fail: fine */
    }
}

pid_t clone_blocked(unsigned long flags, sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, old);
    pid_t pid = raw_clone(flags);
    if (pid == 0) default_signals();
    else pthread_sigmask(SIG_SETMASK, old, NULL);
    return pid;
}
