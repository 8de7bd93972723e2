/*
 * nsprobe.c: namespaces. A fresh one is made ready inside it (our uid mapped
 * to root on the user-namespace route, the scenario's sysctls written); the
 * caller reads the limits of one, holds a fresh one open for a shared-mode
 * scenario, and probes that a fresh one isolates its objects from the host.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Writes "kernel/msgmni=64\nfs/mqueue/msg_max=64\n" into /proc/sys of the
 * current (fresh) namespace. On failure, `call` names the sysctl.
 */
int write_sysctls(const char *list, char *failed_name)
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
int map_self_to_root(uid_t uid, gid_t gid, char *failed)
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

/* ---------- limits and held namespaces ---------- */

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
