/*
 * window.c: the measured parties. The leader (party A) is cloned by the
 * caller into the namespace its mode asks for; it sets the workload up,
 * clones the partner (party B) as the caller's child, runs its loop through
 * the window, waits for the partner and tears down. Party A owns the window:
 * it starts it, marks its sub-windows and ends it.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

char *ipcb_buffer(struct ipcb_ctx *c, uint64_t size)
{
    if (size == 0) size = 1;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) return NULL;
    memset(p, 0xa5, size);
    c->buf_len = size;
    return p;
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
/* The controls fill that stretch but its last part: the loop starts from a plain spin, as it did without them. */
#define IPCB_CONTROL_GAP_NS 150000LL
/* A party woken too late for them measures the controls after the window instead, for about as long. */
#define IPCB_CONTROL_AFTER_NS 850000LL

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
         * receive, which A's first op completes. The spin's first part
         * measures the controls (control.c): the same CPU, just before the
         * window, adding no time to it.
         */
        int64_t wake = spec->start_ns - IPCB_SPIN_NS;
        /* How the lead the caller gave fitted the set-up: late (more lead helps) or early (less would do). */
        o->setup_late_ns = ipcb_clock() - wake;
        struct timespec ts = { (time_t)(wake / 1000000000LL), (long)(wake % 1000000000LL) };
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
        measure_controls(spec->start_ns - IPCB_CONTROL_GAP_NS, &c->page->control_syscall, &c->page->control_spin);
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
    /*
     * Said before the objects go: the other party, stopped by the same signal a
     * moment later (systemd and docker stop signal every process at once), may
     * first see its queue removed (EIDRM), and that is the stop, not a failure.
     */
    if (child_page) __atomic_store_n(&child_page->terminating, 1, __ATOMIC_SEQ_CST);
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

__attribute__((noreturn)) void leader_main(const struct ipcb_spec *spec, struct ipcb_page *page,
                                                  const struct ipcb_workload *wl, pid_t caller, uid_t uid, gid_t gid,
                                                  int ready_fd)
{
    struct ipcb_ctx c;
    memset(&c, 0, sizeof(c));
    c.spec = spec;
    c.page = page;
    c.party = IPCB_PARTY_A;
    for (int i = 0; i < 4; i++) c.track_slot[i] = -1;

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

    if (wl->setup && wl->setup(&c) != 0) { if (wl->teardown) wl->teardown(&c); _exit(1); }

    int partner_fd = -1;
    if (wl->parties == 2) {
        pid_t p = (pid_t)syscall(SYS_clone, CLONE_PARENT, NULL, NULL, NULL, 0);
        if (p < 0) { ipcb_fail(&c, "clone(partner)"); if (wl->teardown) wl->teardown(&c); _exit(1); }
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
    /*
     * Woken too late to measure both controls before its start (a busy
     * machine), the party measures them now: the window is over for both
     * parties, so they only lengthen the group's life, not the window.
     */
    if (page->control_syscall <= 0 || page->control_spin <= 0)
        measure_controls(ipcb_clock() + IPCB_CONTROL_AFTER_NS, &page->control_syscall, &page->control_spin);
    if (wl->teardown) wl->teardown(&c);
    _exit(0);
}
