/*
 * run.c: the caller's side. It forks one worker's group of measured
 * processes into the namespace its mode asks for, runs one window, reaps the
 * group and returns plain data.
 *
 * Process tree of one window:
 *   caller thread (Node worker) --clone(mode flags)--> leader = party A
 *   leader --clone(CLONE_PARENT)--> partner = party B (a sibling of the leader,
 *   so the caller can reap both; same process group, same namespaces)
 * Children use raw clone(2) rather than fork(3): glibc's fork takes malloc and
 * stdio locks that another Node thread may hold at the instant of the fork.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "workloads.h"

#define PAGE_BYTES ((sizeof(struct ipcb_page) + 4095) & ~(size_t)4095)
/* How long a group told to stop has to remove its host objects before it is killed. */
#define IPCB_TERM_GRACE_NS 200000000LL

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
    out->control_syscall = page->control_syscall;
    out->control_spin = page->control_spin;
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
