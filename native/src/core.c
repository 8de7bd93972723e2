/*
 * core.c: forks one worker's group of measured processes into the namespace
 * its mode asks for, runs one window, reaps the group and returns plain data.
 *
 * Process tree of one window:
 *   caller thread (Node worker) --clone(mode flags)--> leader = party A
 *   leader --clone(CLONE_PARENT)--> partner = party B (a sibling of the leader,
 *   so the caller can reap both; same process group, same namespaces)
 * Children use raw clone(2) rather than fork(3): glibc's fork takes malloc and
 * stdio locks that another Node thread may hold at the instant of the fork.
 */
#define _GNU_SOURCE
#include "core.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workloads.h"

#define PAGE_BYTES ((sizeof(struct ipcb_page) + 4095) & ~(size_t)4095)
/* A measured process that stopped on a termination signal exits with this (128 + SIGTERM). */
#define IPCB_EXIT_TERMINATED (128 + SIGTERM)
/* How long a group told to stop has to remove its host objects before it is killed. */
#define IPCB_TERM_GRACE_NS 200000000LL

/* ---------- small async-signal-safe helpers ---------- */

static void copy_call(char *dst, const char *src)
{
    size_t i = 0;
    for (; src[i] && i < IPCB_CALL_LEN - 1; i++) dst[i] = src[i];
    dst[i] = 0;
}

int ipcb_fail_errno(struct ipcb_ctx *c, const char *call, int err)
{
    if (err == 0) err = EIO;
    int32_t zero = 0;
    if (__atomic_compare_exchange_n(&c->page->err, &zero, -1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
        copy_call(c->page->call, call);
        __atomic_store_n(&c->page->err, err, __ATOMIC_SEQ_CST);
    }
    return -1;
}

int ipcb_fail(struct ipcb_ctx *c, const char *call) { return ipcb_fail_errno(c, call, errno); }

static char *put_uint(char *p, uint64_t v);

/* One journal line, "msg 123 1073741824 +": kind, id, key, created (+) or removed (-). */
static void journal(int fd, int kind, int id, int key, char op)
{
    if (fd < 0) return;
    static const char *const names[] = { "?", "msg", "sem", "shm" };
    char line[64];
    char *p = line;
    for (const char *n = names[kind > 0 && kind < 4 ? kind : 0]; *n; n++) *p++ = *n;
    *p++ = ' ';
    p = put_uint(p, (uint64_t)(uint32_t)id);
    *p++ = ' ';
    p = put_uint(p, (uint64_t)(uint32_t)key);
    *p++ = ' ';
    *p++ = op;
    *p++ = '\n';
    ssize_t w = write(fd, line, (size_t)(p - line)); /* O_APPEND: whole lines, never interleaved */
    (void)w;
}

void ipcb_journal_name(const struct ipcb_ctx *c, const char *name, char op)
{
    int fd = c->spec->journal_fd;
    if (fd < 0 || c->spec->mode != IPCB_MODE_HOST) return;
    char line[96];
    char *p = line;
    for (const char *t = "mq "; *t; t++) *p++ = *t;
    for (const char *t = name; *t && p < line + sizeof(line) - 4; t++) *p++ = *t;
    *p++ = ' ';
    *p++ = op;
    *p++ = '\n';
    ssize_t w = write(fd, line, (size_t)(p - line)); /* O_APPEND: whole lines */
    (void)w;
}

int ipcb_track(struct ipcb_ctx *c, int kind, int id, int key)
{
    if (c->spec->mode != IPCB_MODE_HOST) return -1; /* dies with its namespace */
    for (int i = 0; i < IPCB_MAX_TRACKED; i++) {
        if (c->page->tracked_kind[i] == IPCB_OBJ_NONE) {
            c->page->tracked_id[i] = id;
            c->page->tracked_journaled[i] = !c->in_loop && c->spec->journal_fd >= 0;
            if (c->page->tracked_journaled[i]) journal(c->spec->journal_fd, kind, id, key, '+');
            __atomic_store_n(&c->page->tracked_kind[i], kind, __ATOMIC_RELEASE);
            return i;
        }
    }
    return -1;
}

static void untrack_slot(struct ipcb_page *page, int journal_fd, int slot)
{
    int kind = page->tracked_kind[slot];
    if (kind == IPCB_OBJ_NONE) return;
    if (page->tracked_journaled[slot]) journal(journal_fd, kind, page->tracked_id[slot], 0, '-');
    __atomic_store_n(&page->tracked_kind[slot], IPCB_OBJ_NONE, __ATOMIC_RELEASE);
}

void ipcb_untrack(struct ipcb_ctx *c, int slot)
{
    if (slot >= 0) untrack_slot(c->page, c->spec->journal_fd, slot);
}

/* Removes every tracked object: the caller after a killed group, or a child told its caller died. */
static void remove_tracked(struct ipcb_page *page, int journal_fd)
{
    for (int i = 0; i < IPCB_MAX_TRACKED; i++) {
        int kind = page->tracked_kind[i];
        int id = page->tracked_id[i];
        if (kind == IPCB_OBJ_NONE) continue;
        if (kind == IPCB_OBJ_MSG) msgctl(id, IPC_RMID, NULL);
        else if (kind == IPCB_OBJ_SEM) semctl(id, 0, IPC_RMID);
        else if (kind == IPCB_OBJ_SHM) shmctl(id, IPC_RMID, NULL);
        untrack_slot(page, journal_fd, i);
    }
}

int32_t ipcb_remove(int32_t kind, int32_t id)
{
    int r = kind == IPCB_OBJ_MSG ? msgctl(id, IPC_RMID, NULL)
          : kind == IPCB_OBJ_SEM ? semctl(id, 0, IPC_RMID)
          : kind == IPCB_OBJ_SHM ? shmctl(id, IPC_RMID, NULL) : (errno = EINVAL, -1);
    return r == 0 ? 0 : errno;
}

char *ipcb_buffer(struct ipcb_ctx *c, uint64_t size)
{
    if (size == 0) size = 1;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    memset(p, 0xa5, size);
    c->buf_len = size;
    return p;
}

int ipcb_first_key(const struct ipcb_ctx *c, int *flags)
{
    /* IPC_PRIVATE never collides with anyone's key; a given key is created
     * exclusively, so two groups that share a namespace cannot share the object. */
    *flags = IPC_CREAT | 0600;
    if (c->spec->key_base == 0) return IPC_PRIVATE;
    *flags |= IPC_EXCL;
    return (int)c->spec->key_base;
}

static char *put_uint(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

void ipcb_mq_name(char *out, int tag)
{
    const char *prefix = "/ipcnsb-";
    char *p = out;
    while (*prefix) *p++ = *prefix++;
    p = put_uint(p, (uint64_t)syscall(SYS_getpid));
    *p++ = '-';
    p = put_uint(p, (uint64_t)tag);
    *p = 0;
}

void ipcb_hist_add(struct ipcb_page *page, uint64_t v)
{
    uint32_t idx;
    if (v < IPCB_HIST_LINEAR) {
        idx = (uint32_t)v;
    } else {
        int e = 63 - __builtin_clzll(v); /* >= 7 */
        uint64_t m = v >> (e - IPCB_HIST_SUB_BITS);       /* in [64, 127] */
        idx = IPCB_HIST_LINEAR + (uint32_t)(e - 7) * (1u << IPCB_HIST_SUB_BITS) + (uint32_t)(m - 64);
        if (idx >= IPCB_HIST_BUCKETS) idx = IPCB_HIST_BUCKETS - 1;
    }
    page->hist[idx]++;
    page->lat_count++;
    page->lat_sum_ns += v;
    if (v < page->lat_min_ns) page->lat_min_ns = v;
    if (v > page->lat_max_ns) page->lat_max_ns = v;
}

static uint64_t ns_inode_self(void)
{
    struct stat st;
    if (stat("/proc/self/ns/ipc", &st) != 0) return 0;
    return (uint64_t)st.st_ino;
}

static int64_t cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int pin_cpu(int cpu)
{
    if (cpu < 0) return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return (int)syscall(SYS_sched_setaffinity, 0, sizeof(set), &set);
}

/* The cost of one clock read, measured the way the loops use it: back to back. */
static double measure_timer(void)
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

static long write_all(int fd, const char *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, p + done, n - done);
        if (w < 0) { if (errno == EINTR) continue; return -1; }
        done += (size_t)w;
    }
    return (long)done;
}

/*
 * Writes "kernel/msgmni=64\nfs/mqueue/msg_max=64\n" into /proc/sys of the
 * current (fresh) namespace. On failure, `call` names the sysctl.
 */
static int write_sysctls(const char *list, char *failed_name)
{
    const char *p = list;
    while (*p) {
        char path[160] = "/proc/sys/";
        size_t n = 10;
        const char *name = p;
        while (*p && *p != '=' && *p != '\n' && n < sizeof(path) - 1) path[n++] = *p++;
        path[n] = 0;
        if (*p != '=') { copy_call(failed_name, name); return EINVAL; }
        p++;
        const char *val = p;
        while (*p && *p != '\n') p++;
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        int err = 0;
        if (fd < 0) err = errno;
        else {
            if (write_all(fd, val, (size_t)(p - val)) < 0) err = errno;
            close(fd);
        }
        if (err) {
            /* the failing sysctl's dotted name, as the user wrote it */
            size_t k = 0;
            for (const char *q = name; *q && *q != '=' && k < IPCB_CALL_LEN - 1; q++) failed_name[k++] = *q;
            failed_name[k] = 0;
            return err;
        }
        if (*p == '\n') p++;
    }
    return 0;
}

/* On the user-namespace route, map our own uid/gid to root inside the new user namespace. */
static int map_self_to_root(uid_t uid, gid_t gid, char *failed)
{
    char line[48];
    char *p;
    int fd;

    fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) { write_all(fd, "deny", 4); close(fd); }

    p = line; *p++ = '0'; *p++ = ' '; p = put_uint(p, uid); *p++ = ' '; *p++ = '1'; *p++ = '\n';
    fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write_all(fd, line, (size_t)(p - line)) < 0) { copy_call(failed, "uid_map"); int e = errno; if (fd >= 0) close(fd); return e; }
    close(fd);

    p = line; *p++ = '0'; *p++ = ' '; p = put_uint(p, gid); *p++ = ' '; *p++ = '1'; *p++ = '\n';
    fd = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write_all(fd, line, (size_t)(p - line)) < 0) { copy_call(failed, "gid_map"); int e = errno; if (fd >= 0) close(fd); return e; }
    close(fd);
    return 0;
}

static pid_t raw_clone(unsigned long flags)
{
    /* No new stack: the child continues on a copy of ours, exactly like fork. */
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

static int pidfd_open_(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }

/*
 * Waits until one of the fds (pidfds, or an eventfd) is readable or the
 * absolute time passes. Returns a bitmask of the fds (by position) that are.
 */
static int wait_fds_until(const int *fds, int n, int64_t until_ns)
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

/* ---------- the measured parties ---------- */

static void record_mark(struct ipcb_ctx *c, int64_t t)
{
    struct ipcb_page *pg = c->page;
    /* No op since the last mark (the window's end right after a boundary's): move that mark instead. */
    if (pg->marks > 0 && pg->mark_ops[pg->marks - 1] == c->ops) { pg->mark_at[pg->marks - 1] = t; return; }
    if (pg->marks >= IPCB_MAX_MARKS) return;
    pg->mark_ops[pg->marks] = c->ops;
    pg->mark_at[pg->marks] = t;
    pg->marks++;
}

int ipcb_check(struct ipcb_ctx *c)
{
    int64_t t = ipcb_clock();
    int64_t sub = c->sub_ns;
    int64_t dt = t - c->last_check;
    /* Aim at 8 to 32 clock reads per sub-window: a mark is late by at most 1/8 of one. */
    if (dt < sub / 32) c->mark_step *= 2;
    else if (dt > sub / 8 && c->mark_step > 1) c->mark_step /= 2;
    c->last_check = t;
    if (t >= c->next_mark) {
        record_mark(c, t);
        while (c->next_mark <= t) c->next_mark += sub;
    }
    c->check_at = c->ops + c->mark_step;
    /* Party A ends the window itself, at its stop time; the flag is the caller's backstop. */
    if (t < c->spec->stop_ns && !__atomic_load_n(&c->page->stop, __ATOMIC_RELAXED)) return 0;
    /*
     * The window ends now, before the loop tells its partner to quit: that
     * message can wake the partner, which may then run (and exit, tearing
     * down its copy of the caller's address space) before this process
     * reads the clock again.
     */
    c->ended_at = t;
    __atomic_store_n(&c->page->a_done, 1, __ATOMIC_SEQ_CST);
    return 1;
}

/* The last stretch before the start is spun, not slept: a vCPU woken from idle starts slow. */
#define IPCB_SPIN_NS 1000000LL

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static void party_run(struct ipcb_ctx *c, const struct ipcb_workload *wl)
{
    struct ipcb_party_out *o = &c->page->party[c->party];
    struct rusage r0, r1;
    const struct ipcb_spec *spec = c->spec;
    int a = c->party == IPCB_PARTY_A;

    c->sample_left = a ? spec->sample_every : 0;
    /* The partner's copy of the buffer is copy-on-write: take the faults now, not in the window. */
    if (c->buf && c->buf_len) memset(c->buf, 0x5a, c->buf_len);
    if (wl->prepare && wl->prepare(c) != 0) return;
    if (a) {
        /*
         * Party A drives every op, so the window is A's: it sleeps until just
         * before the start, spins to it (the CPU is then awake and warm, as
         * in a loop that is already running), and ends the window itself at
         * the stop time. Party B needs no clock: it waits in its first
         * receive, which A's first op completes.
         */
        int64_t wake = spec->start_ns - IPCB_SPIN_NS;
        /* How the lead the caller gave fitted the set-up: late (more lead helps) or early (less would do). */
        o->setup_late_ns = ipcb_clock() - wake;
        struct timespec ts = { (time_t)(wake / 1000000000LL), (long)(wake % 1000000000LL) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
        while (ipcb_clock() < spec->start_ns) cpu_relax();
    }
    getrusage(RUSAGE_SELF, &r0);
    int64_t cpu0 = cpu_now();
    o->t0 = ipcb_clock();
    o->late_ns = a ? o->t0 - spec->start_ns : 0;
    c->check_at = UINT64_MAX;
    if (a) {
        /* Sub-window boundaries sit at absolute times start + k * mark_ns, the same for every worker. */
        int64_t window = spec->stop_ns - spec->start_ns;
        c->sub_ns = spec->mark_ns > 0 ? spec->mark_ns : window > 0 ? window : 1000000;
        record_mark(c, o->t0);
        c->next_mark = spec->start_ns + c->sub_ns;
        while (c->next_mark <= o->t0) c->next_mark += c->sub_ns;
        c->mark_step = 1;
        c->last_check = o->t0;
        c->check_at = 1;
    }

    int (*loop)(struct ipcb_ctx *) = a ? wl->run_a : wl->run_b;
    c->in_loop = 1;
    if (!a && spec->fault == IPCB_FAULT_PARTNER_HANGS) {
        for (;;) pause();
    } else if (!a && spec->fault == IPCB_FAULT_PARTNER_DIES) {
        _exit(3);
    } else {
        (void)loop(c);
    }
    o->t1 = a && c->ended_at ? c->ended_at : ipcb_clock();
    c->in_loop = 0;
    if (a) {
        record_mark(c, o->t1);
        __atomic_store_n(&c->page->a_done, 1, __ATOMIC_SEQ_CST);
    }
    int64_t cpu1 = cpu_now();
    getrusage(RUSAGE_SELF, &r1);
    o->cpu_ns = (uint64_t)(cpu1 - cpu0);
    o->vol_cs = (uint64_t)(r1.ru_nvcsw - r0.ru_nvcsw);
    o->invol_cs = (uint64_t)(r1.ru_nivcsw - r0.ru_nivcsw);
    o->ops = c->ops;
    o->bytes = wl->bytes_per_op_is_size ? c->ops * (uint64_t)spec->size : 0;
}

/* In a child: its results page and journal, for the handler below. */
static struct ipcb_page *child_page;
static int child_journal_fd = -1;
static int child_host_mode;
/* Set while an object is created and not yet tracked: a termination then waits for the tracking. */
static volatile sig_atomic_t creating, stop_pending;

/*
 * Told to stop (the tool was killed, even by SIGKILL: the death signal; the
 * deadline; a SIGTERM to the whole cgroup): remove what this group made in
 * the host namespace, then go. Only system calls.
 */
static void on_termination(int sig)
{
    (void)sig;
    if (creating) {
        stop_pending = 1;
        return;
    }
    if (child_page && child_host_mode) remove_tracked(child_page, child_journal_fd);
    _exit(IPCB_EXIT_TERMINATED);
}

void ipcb_create_begin(void)
{
    creating = 1;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void ipcb_create_end(void)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    creating = 0;
    if (stop_pending) on_termination(SIGTERM);
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

static pid_t clone_blocked(unsigned long flags, sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, old);
    pid_t pid = raw_clone(flags);
    if (pid == 0) default_signals();
    else pthread_sigmask(SIG_SETMASK, old, NULL);
    return pid;
}

static void child_guard(pid_t expected_parent, const struct ipcb_spec *spec, struct ipcb_page *page)
{
    child_page = page;
    child_journal_fd = spec->journal_fd;
    child_host_mode = spec->mode == IPCB_MODE_HOST;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    /* Whoever stops the group (the death signal, the deadline, a signal to the whole cgroup), it cleans up first. */
    sa.sa_handler = on_termination;
    sigfillset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Die with the caller's thread; SIGTERM first, so that host objects go too. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    /* Wake at the window's start, not up to 50 us later (the default timer slack). */
    prctl(PR_SET_TIMERSLACK, 1UL);
    if (getppid() != expected_parent) _exit(0);
}

/* Tells the caller that the group is set up (the partner, if any, exists): it can watch the partner now. */
static void signal_ready(int ready_fd)
{
    uint64_t one = 1;
    ssize_t w = write(ready_fd, &one, sizeof(one));
    (void)w;
    close(ready_fd);
}

static __attribute__((noreturn)) void leader_main(const struct ipcb_spec *spec, struct ipcb_page *page,
                                                  const struct ipcb_workload *wl, pid_t caller, uid_t uid, gid_t gid,
                                                  int ready_fd)
{
    struct ipcb_ctx c;
    memset(&c, 0, sizeof(c));
    c.spec = spec;
    c.page = page;
    c.party = IPCB_PARTY_A;
    c.msqid = c.semid = c.shmid = -1;
    for (int i = 0; i < 4; i++) c.track_slot[i] = -1;
    c.mq[0] = c.mq[1] = (mqd_t)-1;

    child_guard(caller, spec, page);
    setpgid(0, 0);

    if (spec->mode == IPCB_MODE_SHARED) {
        if (spec->userns_fd >= 0 && setns(spec->userns_fd, CLONE_NEWUSER) != 0) { ipcb_fail(&c, "setns(user)"); _exit(1); }
        if (setns(spec->ns_fd, CLONE_NEWIPC) != 0) { ipcb_fail(&c, "setns(ipc)"); _exit(1); }
    } else if (spec->mode == IPCB_MODE_ISOLATED) {
        char failed[IPCB_CALL_LEN] = "";
        int err;
        if (spec->route == IPCB_ROUTE_USERNS && (err = map_self_to_root(uid, gid, failed)) != 0) {
            ipcb_fail_errno(&c, failed, err); _exit(1);
        }
        if (spec->sysctls[0] && (err = write_sysctls(spec->sysctls, failed)) != 0) {
            ipcb_fail_errno(&c, failed, err); _exit(1);
        }
    }
    c.fresh_ns = spec->mode != IPCB_MODE_HOST;
    page->party[0].ns_inode = ns_inode_self();
    if (pin_cpu(spec->cpu_a) != 0) { ipcb_fail(&c, "sched_setaffinity"); _exit(1); }
    page->timer_ns = measure_timer();

    if (wl->setup(&c) != 0) { if (wl->teardown) wl->teardown(&c); _exit(1); }

    int partner_fd = -1;
    if (wl->parties == 2) {
        pid_t p = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, 0);
        if (p < 0) { ipcb_fail(&c, "clone(partner)"); wl->teardown(&c); _exit(1); }
        if (p == 0) {
            c.party = IPCB_PARTY_B;
            close(ready_fd);
            child_guard(caller, spec, page);
            page->party[1].ns_inode = ns_inode_self();
            if (pin_cpu(spec->cpu_b) != 0) { ipcb_fail(&c, "sched_setaffinity"); _exit(1); }
            party_run(&c, wl);
            _exit(0);
        }
        page->partner_pid = p;
        partner_fd = pidfd_open_(p);
    }
    signal_ready(ready_fd);

    party_run(&c, wl);

    if (partner_fd >= 0) {
        /* The partner is the caller's child; we only wait for it to finish before removing objects. */
        struct pollfd pfd = { .fd = partner_fd, .events = POLLIN };
        while (poll(&pfd, 1, -1) < 0 && errno == EINTR) {}
        close(partner_fd);
    }
    wl->teardown(&c);
    _exit(0);
}

/* ---------- the caller's side ---------- */

/* A measured process that ended for a termination signal: its handler's exit code, or the signal's default action. */
static int terminated_by_signal(const siginfo_t *si)
{
    if (si->si_code == CLD_EXITED) return si->si_status == IPCB_EXIT_TERMINATED;
    if (si->si_code == CLD_KILLED) return si->si_status == SIGTERM || si->si_status == SIGINT || si->si_status == SIGHUP;
    return 0;
}

static void reap_group(pid_t pgid)
{
    int st;
    while (waitpid(-pgid, &st, __WALL) > 0 || errno == EINTR) {}
}

static void set_failure(struct ipcb_result *out, int err, const char *call)
{
    if (out->err) return;
    out->err = err;
    copy_call(out->call, call);
}

int32_t ipcb_run(const struct ipcb_spec *spec_in, struct ipcb_result *out)
{
    memset(out, 0, sizeof(*out));
    if (spec_in->workload < 0 || spec_in->workload >= ipcb_workload_count()) {
        set_failure(out, EINVAL, "workload");
        return -1;
    }
    const struct ipcb_workload *wl = ipcb_workloads[spec_in->workload];
    out->parties = wl->parties;

    /* The spec is copied into the shared mapping so that children need nothing from the caller's heap. */
    size_t bytes = PAGE_BYTES + ((sizeof(struct ipcb_spec) + 4095) & ~(size_t)4095);
    void *map = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) { set_failure(out, errno, "mmap"); return -1; }
    struct ipcb_page *page = map;
    struct ipcb_spec *spec = (struct ipcb_spec *)((char *)map + PAGE_BYTES);
    memcpy(spec, spec_in, sizeof(*spec));
    spec->sysctls[IPCB_SYSCTLS_LEN - 1] = 0;
    page->lat_min_ns = UINT64_MAX;
    page->obj_id = -1;
    page->foreign_key = -1;

    unsigned long flags = 0;
    if (spec->mode == IPCB_MODE_ISOLATED) {
        flags = CLONE_NEWIPC;
        if (spec->route == IPCB_ROUTE_USERNS) flags |= CLONE_NEWUSER;
    }
    pid_t caller = getpid();
    uid_t uid = geteuid();
    gid_t gid = getegid();

    int ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (ready_fd < 0) { set_failure(out, errno, "eventfd"); munmap(map, bytes); return -1; }
    sigset_t caller_mask;
    pid_t pid = clone_blocked(flags, &caller_mask);
    if (pid < 0) {
        set_failure(out, errno, flags & CLONE_NEWUSER ? "clone(CLONE_NEWUSER|CLONE_NEWIPC)"
                                : flags ? "clone(CLONE_NEWIPC)" : "clone");
        close(ready_fd);
        munmap(map, bytes);
        return -1;
    }
    if (pid == 0) leader_main(spec, page, wl, caller, uid, gid, ready_fd);

    setpgid(pid, pid); /* also done by the child: whichever runs first, kill(-pid) reaches the group */
    out->leader_pid = pid;
    out->partner_pid = 0;
    /*
     * This thread sleeps through the window: it wakes when the group is set
     * up (before the start), then only when a process exits or at the
     * backstop, never at the window's start or stop, so it takes no time
     * from the measured CPUs inside the window.
     */
    int fds[2] = { pidfd_open_(pid), -1 };
    int exited = 0;
    if (fds[0] < 0) {
        set_failure(out, errno, "pidfd_open (needs Linux 5.3 or later)");
    } else {
        int first[2] = { fds[0], ready_fd };
        int mask = wait_fds_until(first, 2, spec->deadline_ns);
        exited = mask & 1;
        if (mask & 2) {
            /* Watch the partner too: if it dies inside the window, A would wait for it forever. */
            pid_t partner = __atomic_load_n(&page->partner_pid, __ATOMIC_SEQ_CST);
            if (partner > 0) fds[1] = pidfd_open_(partner);
        }
        int64_t window = spec->stop_ns - spec->start_ns;
        int64_t backstop = spec->stop_ns + (window / 4 > 5000000 ? window / 4 : 5000000);
        if (backstop > spec->deadline_ns) backstop = spec->deadline_ns;
        int watched = fds[1] >= 0 ? 2 : 1, stop_set = 0;
        while (!exited && mask != 0) {
            mask = wait_fds_until(fds, watched, stop_set ? spec->deadline_ns : backstop);
            if (mask & 1) { exited = 1; break; }
            if (mask & 2) {
                if (!__atomic_load_n(&page->a_done, __ATOMIC_SEQ_CST)) {
                    /* Stopped by a termination signal (the run is being stopped), or died inside the window? */
                    siginfo_t si;
                    memset(&si, 0, sizeof(si));
                    pid_t partner = __atomic_load_n(&page->partner_pid, __ATOMIC_SEQ_CST);
                    int term = waitid(P_PID, (id_t)partner, &si, WEXITED | WNOWAIT | __WALL) == 0 && terminated_by_signal(&si);
                    set_failure(out, term ? EINTR : ECHILD, term ? "terminated" : "partner exit");
                    break;
                }
                watched = 1; /* its normal exit at the window's end: a pidfd stays readable */
                continue;
            }
            if (!stop_set) {
                /* Party A should have ended the window by now; the flag makes its next clock check do so. */
                __atomic_store_n(&page->stop, 1, __ATOMIC_SEQ_CST);
                stop_set = 1;
                mask = 1;
                continue;
            }
            out->timed_out = 1;
        }
        if (!exited && mask == 0 && !out->err) out->timed_out = 1;
    }
    close(ready_fd);
    /*
     * Whatever is still alive of the group (a hung or orphaned party) is told
     * to stop, so that it removes what it made in the host namespace (an
     * object it is creating is tracked first), then killed, then all reaped.
     */
    if (!exited && fds[0] >= 0) {
        kill(-pid, SIGTERM);
        int64_t grace = ipcb_clock() + IPCB_TERM_GRACE_NS;
        wait_fds_until(fds, 1, grace);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    for (int i = 0; i < 2; i++) if (fds[i] >= 0) close(fds[i]);
    int leader_status = 0;
    while (waitpid(pid, &leader_status, __WALL) < 0 && errno == EINTR) {}
    reap_group(pid);
    if (spec->mode == IPCB_MODE_HOST) remove_tracked(page, spec->journal_fd);

    /* A party's own failure explains a partner's exit or a hang better than the symptom does. */
    int32_t perr = __atomic_load_n(&page->err, __ATOMIC_SEQ_CST);
    if (perr > 0) { out->err = 0; set_failure(out, perr, page->call); }
    if (out->timed_out) set_failure(out, ETIMEDOUT, "deadline");
    /*
     * A leader stopped from outside reports nothing itself: a termination
     * signal (the run is being stopped: SIGTERM to the whole cgroup, as
     * systemd and docker stop send) is an interruption; any other death (the
     * OOM killer) is a failure.
     */
    if (!out->err && exited && WIFEXITED(leader_status) && WEXITSTATUS(leader_status) == IPCB_EXIT_TERMINATED)
        set_failure(out, EINTR, "terminated");
    else if (!out->err && exited && WIFSIGNALED(leader_status) && (WTERMSIG(leader_status) == SIGTERM || WTERMSIG(leader_status) == SIGINT || WTERMSIG(leader_status) == SIGHUP))
        set_failure(out, EINTR, "terminated");
    else if (!out->err && exited && (WIFSIGNALED(leader_status) || WEXITSTATUS(leader_status) != 0))
        set_failure(out, ECHILD, WIFSIGNALED(leader_status) ? "leader killed by a signal" : "leader exit");

    /*
     * The window is party A's: from its start to its end, or, where an op is
     * complete only once B has received it (streams), to B's receipt of the
     * quit that follows the last message.
     */
    uint64_t ops = 0, bytes_done = 0;
    int64_t t0 = page->party[0].t0, t1 = page->party[0].t1, late = page->party[0].late_ns;
    if (wl->parties == 2 && wl->ops_end_in_b && page->party[1].t1 > t1) t1 = page->party[1].t1;
    for (int i = 0; i < wl->parties; i++) {
        const struct ipcb_party_out *o = &page->party[i];
        ops += o->ops;
        bytes_done += o->bytes;
        out->cpu_ns += o->cpu_ns;
        out->vol_cs += o->vol_cs;
        out->invol_cs += o->invol_cs;
    }
    out->ops = ops;
    out->bytes = bytes_done;
    out->start_ns = t0;
    out->end_ns = t1;
    out->late_ns = late;
    out->setup_late_ns = page->party[0].setup_late_ns;
    out->ns_inode = page->party[0].ns_inode;
    out->ns_inode_b = wl->parties == 2 ? page->party[1].ns_inode : 0;
    out->timer_ns = page->timer_ns;
    out->lat_count = page->lat_count;
    out->lat_sum_ns = page->lat_sum_ns;
    out->lat_min_ns = page->lat_count ? page->lat_min_ns : 0;
    out->lat_max_ns = page->lat_max_ns;
    out->partner_pid = page->partner_pid;
    out->obj_id = page->obj_id;
    out->foreign_key = page->foreign_key;
    out->foreign_uid = page->foreign_uid;
    memcpy(out->hist, page->hist, sizeof(out->hist));
    out->marks = page->marks;
    memcpy(out->mark_ops, page->mark_ops, sizeof(out->mark_ops));
    memcpy(out->mark_at, page->mark_at, sizeof(out->mark_at));
    munmap(map, bytes);
    return out->err ? -1 : 0;
}

/* ---------- namespaces and limits ---------- */

/* Values above INT64_MAX (shmmax, shmall default to ULONG_MAX - 2^24) are reported as INT64_MAX. */
static int64_t read_sysctl(const char *path, int field)
{
    char buf[128];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    const char *p = buf;
    for (int f = 0; f <= field; f++) {
        while (*p == ' ' || *p == '\t') p++;
        uint64_t v = 0;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9') {
            unsigned d = (unsigned)(*p++ - '0');
            v = (v > (UINT64_MAX - d) / 10) ? UINT64_MAX : v * 10 + d;
        }
        if (f == field) return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
    }
    return -1;
}

static void fill_limits(struct ipcb_limits *l)
{
    l->ns_inode = ns_inode_self();
    l->msgmax = read_sysctl("/proc/sys/kernel/msgmax", 0);
    l->msgmnb = read_sysctl("/proc/sys/kernel/msgmnb", 0);
    l->msgmni = read_sysctl("/proc/sys/kernel/msgmni", 0);
    l->shmmax = read_sysctl("/proc/sys/kernel/shmmax", 0);
    l->shmall = read_sysctl("/proc/sys/kernel/shmall", 0);
    l->shmmni = read_sysctl("/proc/sys/kernel/shmmni", 0);
    l->semmsl = read_sysctl("/proc/sys/kernel/sem", 0);
    l->semmns = read_sysctl("/proc/sys/kernel/sem", 1);
    l->semopm = read_sysctl("/proc/sys/kernel/sem", 2);
    l->semmni = read_sysctl("/proc/sys/kernel/sem", 3);
    l->mq_msg_max = read_sysctl("/proc/sys/fs/mqueue/msg_max", 0);
    l->mq_msgsize_max = read_sysctl("/proc/sys/fs/mqueue/msgsize_max", 0);
    l->mq_queues_max = read_sysctl("/proc/sys/fs/mqueue/queues_max", 0);
}

/*
 * A held child: forked into a fresh namespace (or ours), it runs a body that
 * fills a shared page, says it is ready, and waits on a pipe until the caller
 * has looked at its namespace (opened /proc/<pid>/ns files, looked up its
 * objects from outside). Releasing it lets it exit; a fresh namespace with no
 * fd held then dies with it, objects and all.
 */
struct held_page {
    volatile int32_t ready;
    int32_t err;
    char call[IPCB_CALL_LEN];
    union {
        struct ipcb_limits limits;
        struct { int32_t id; uint64_t inode; } queue;
    } u;
};

struct held_child {
    pid_t pid;
    int release_fd;
    struct held_page *page;
};

struct held_args {
    const char *sysctls;   /* written in the fresh namespace first (copied before the fork) */
    int64_t key;           /* probe body: the key of the queue to create */
};

typedef void (*held_body)(struct held_page *pg, const struct held_args *a);

static void fail_into(int *err, char *call, int e, const char *name)
{
    *err = e;
    copy_call(call, name);
}

static int hold_child(int fresh, int route, held_body body, const struct held_args *args, struct held_child *h, int *err, char *call)
{
    h->pid = -1;
    h->release_fd = -1;
    h->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (h->page == MAP_FAILED) { h->page = NULL; fail_into(err, call, errno, "mmap"); return -1; }
    memset(h->page, 0, sizeof(*h->page));
    char list[IPCB_SYSCTLS_LEN];
    size_t n = 0;
    if (args->sysctls) for (; args->sysctls[n] && n < sizeof(list) - 1; n++) list[n] = args->sysctls[n];
    list[n] = 0;
    struct held_args local = { list, args->key };
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) { fail_into(err, call, errno, "pipe2"); munmap(h->page, 4096); h->page = NULL; return -1; }

    unsigned long flags = fresh ? CLONE_NEWIPC | (route == IPCB_ROUTE_USERNS ? CLONE_NEWUSER : 0) : 0;
    pid_t caller = getpid();
    uid_t uid = geteuid();
    gid_t gid = getegid();
    sigset_t caller_mask;
    pid_t pid = clone_blocked(flags, &caller_mask);
    if (pid < 0) {
        fail_into(err, call, errno, flags & CLONE_NEWUSER ? "clone(CLONE_NEWUSER|CLONE_NEWIPC)" : flags ? "clone(CLONE_NEWIPC)" : "clone");
        close(pipefd[0]); close(pipefd[1]); munmap(h->page, 4096); h->page = NULL;
        return -1;
    }
    if (pid == 0) {
        /*
         * It holds a namespace and makes nothing in the host's: it dies with
         * the caller or when released, not at a Ctrl-C to the terminal's
         * process group (which it is in) or a SIGTERM to the cgroup.
         */
        struct sigaction ign;
        memset(&ign, 0, sizeof(ign));
        ign.sa_handler = SIG_IGN;
        sigaction(SIGINT, &ign, NULL);
        sigaction(SIGTERM, &ign, NULL);
        sigaction(SIGHUP, &ign, NULL);
        sigaction(SIGQUIT, &ign, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != caller) _exit(0);
        close(pipefd[1]);
        struct held_page *pg = h->page;
        int e = 0;
        if (fresh && route == IPCB_ROUTE_USERNS) e = map_self_to_root(uid, gid, pg->call);
        if (!e && fresh && list[0]) e = write_sysctls(list, pg->call);
        if (e) pg->err = e;
        else body(pg, &local);
        __atomic_store_n(&pg->ready, 1, __ATOMIC_SEQ_CST);
        char b;
        while (read(pipefd[0], &b, 1) < 0 && errno == EINTR) {}
        _exit(0);
    }
    close(pipefd[0]);
    h->pid = pid;
    h->release_fd = pipefd[1];
    /* Wait for the body to have filled the page: its pidfd would not tell us, so sleep briefly in turns. */
    for (int i = 0; i < 20000 && !__atomic_load_n(&h->page->ready, __ATOMIC_SEQ_CST); i++) {
        struct timespec ms = { 0, 100000 };
        nanosleep(&ms, NULL);
    }
    if (!h->page->ready) { fail_into(err, call, ETIMEDOUT, "namespace probe"); return -1; }
    if (h->page->err) { fail_into(err, call, h->page->err, h->page->call); return -1; }
    return 0;
}

static void release_child(struct held_child *h)
{
    if (h->release_fd >= 0) close(h->release_fd);
    if (h->pid > 0) { int st; while (waitpid(h->pid, &st, __WALL) < 0 && errno == EINTR) {} }
    if (h->page) munmap(h->page, 4096);
    h->pid = -1;
    h->release_fd = -1;
    h->page = NULL;
}

static void limits_body(struct held_page *pg, const struct held_args *a)
{
    (void)a;
    fill_limits(&pg->u.limits);
}

/* Opens /proc/<pid>/ns/<name>, e.g. "ipc". */
static int open_ns(pid_t pid, const char *name)
{
    char path[64] = "/proc/";
    char *p = put_uint(path + 6, (uint64_t)pid);
    for (const char *t = "/ns/"; *t; t++) *p++ = *t;
    while (*name) *p++ = *name++;
    *p = 0;
    return open(path, O_RDONLY | O_CLOEXEC);
}

int32_t ipcb_limits(int32_t fresh, int32_t route, const char *sysctls, struct ipcb_limits *out)
{
    memset(out, 0, sizeof(*out));
    struct held_args args = { sysctls, 0 };
    struct held_child h;
    int rc = hold_child(fresh, route, limits_body, &args, &h, &out->err, out->call);
    if (rc == 0) *out = h.page->u.limits;
    release_child(&h);
    return rc;
}

int32_t ipcb_ns_open(int32_t route, const char *sysctls, struct ipcb_ns *out)
{
    memset(out, 0, sizeof(*out));
    out->ipc_fd = out->user_fd = -1;
    struct held_args args = { sysctls, 0 };
    struct held_child h;
    int rc = hold_child(1, route, limits_body, &args, &h, &out->err, out->call);
    if (rc == 0) {
        /* These fds keep the namespace (and its user namespace) alive after the child exits. */
        out->ns_inode = h.page->u.limits.ns_inode;
        out->ipc_fd = open_ns(h.pid, "ipc");
        if (out->ipc_fd < 0) { fail_into(&out->err, out->call, errno, "open(/proc/pid/ns/ipc)"); rc = -1; }
        if (rc == 0 && route == IPCB_ROUTE_USERNS) {
            out->user_fd = open_ns(h.pid, "user");
            if (out->user_fd < 0) { fail_into(&out->err, out->call, errno, "open(/proc/pid/ns/user)"); rc = -1; }
        }
    }
    release_child(&h);
    if (rc != 0) {
        if (out->ipc_fd >= 0) close(out->ipc_fd);
        if (out->user_fd >= 0) close(out->user_fd);
        out->ipc_fd = out->user_fd = -1;
    }
    return rc;
}

int32_t ipcb_ns_close(int32_t ipc_fd, int32_t user_fd)
{
    if (ipc_fd >= 0) close(ipc_fd);
    if (user_fd >= 0) close(user_fd);
    return 0;
}

/* ---------- doctor ---------- */

#include <linux/perf_event.h>

double ipcb_timer_cost(void) { return measure_timer(); }

int32_t ipcb_perf_probe(int32_t hw)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
    attr.config = hw ? PERF_COUNT_HW_INSTRUCTIONS : PERF_COUNT_SW_CONTEXT_SWITCHES;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}

/* ---------- the journal's lock ---------- */

#include <sys/file.h>

int32_t ipcb_flock(int32_t fd, int32_t op)
{
    int how = op == IPCB_LOCK_TRY ? LOCK_EX | LOCK_NB : op == IPCB_LOCK_WAIT ? LOCK_EX : LOCK_UN;
    while (flock(fd, how) != 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}

/* ---------- registry ---------- */

int32_t ipcb_abi(void) { return IPCB_ABI_VERSION; }
int32_t ipcb_result_size(void) { return (int32_t)sizeof(struct ipcb_result); }
int32_t ipcb_spec_size(void) { return (int32_t)sizeof(struct ipcb_spec); }
int64_t ipcb_now_ns(void) { return ipcb_clock(); }

/* ---------- isolation probe ---------- */

static void queue_body(struct held_page *pg, const struct held_args *a)
{
    int id = msgget((key_t)a->key, IPC_CREAT | IPC_EXCL | 0600);
    if (id < 0) { pg->err = errno; copy_call(pg->call, "msgget"); return; }
    pg->u.queue.id = id;
    pg->u.queue.inode = ns_inode_self();
}

int32_t ipcb_isolation_probe(int32_t route, int64_t key, struct ipcb_probe *out)
{
    memset(out, 0, sizeof(*out));
    struct held_args args = { NULL, key };
    struct held_child h;
    int rc = hold_child(1, route, queue_body, &args, &h, &out->err, out->call);
    if (rc == 0) {
        /* The queue exists right now, inside the child's namespace. Look for it from ours. */
        out->inner_id = h.page->u.queue.id;
        out->inner_inode = h.page->u.queue.inode;
        out->host_get_errno = msgget((key_t)key, 0) < 0 ? errno : 0;
        struct msqid_ds ds;
        if (msgctl(out->inner_id, IPC_STAT, &ds) < 0) out->host_stat_errno = errno;
        else out->host_stat_key = (int64_t)ds.msg_perm.__key;
    }
    /* Released, the child exits and its namespace dies with the queue in it. */
    release_child(&h);
    return rc;
}
