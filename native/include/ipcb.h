/*
 * ipcb.h: the ABI between the TypeScript orchestrator (through koffi) and the
 * native core. Every struct here is mirrored field for field in
 * src/native.ts; ipcb_abi() lets the loader check that both sides agree.
 */
#ifndef IPCB_H
#define IPCB_H

#include <stdint.h>

#define IPCB_ABI_VERSION 5

/* Log-linear latency histogram: values below 128 ns are exact; above, each
 * power of two is split into 64 sub-buckets, so a bucket spans at most 1/64
 * (1.6 %) of its lower bound. 35 octaves reach 2^42 ns (about 73 min). */
#define IPCB_HIST_SUB_BITS 6
#define IPCB_HIST_LINEAR 128
#define IPCB_HIST_OCTAVES 35
#define IPCB_HIST_BUCKETS (IPCB_HIST_LINEAR + IPCB_HIST_OCTAVES * (1 << IPCB_HIST_SUB_BITS))

/* Sub-window marks: party A records (ops, time) at each sub-window boundary of a window. */
#define IPCB_MAX_MARKS 256

#define IPCB_CALL_LEN 32
#define IPCB_SYSCTLS_LEN 512

enum ipcb_mode { IPCB_MODE_HOST = 0, IPCB_MODE_SHARED = 1, IPCB_MODE_ISOLATED = 2 };
enum ipcb_route { IPCB_ROUTE_PRIVILEGED = 0, IPCB_ROUTE_USERNS = 1 };

/* Faults the tests inject to prove that hangs and deaths are contained. */
enum ipcb_fault {
    IPCB_FAULT_NONE = 0,
    IPCB_FAULT_PARTNER_HANGS = 1,   /* party B never answers: the deadline must kill the group */
    IPCB_FAULT_PARTNER_DIES = 2,    /* party B exits at the start of the window */
};

/* One window for one worker. */
struct ipcb_spec {
    int32_t workload;      /* index in the registry (ipcb_workload_name) */
    int32_t mode;          /* enum ipcb_mode */
    int32_t route;         /* enum ipcb_route: how a fresh namespace is made */
    int32_t ns_fd;         /* shared mode: fd of the scenario's IPC namespace */
    int32_t userns_fd;     /* shared mode, user-namespace route: its user namespace */
    int32_t cpu_a;         /* CPU for party A, -1 = not pinned */
    int32_t cpu_b;         /* CPU for party B, -1 = not pinned */
    int32_t sample_every;  /* time one op in this many; 0 = no latency sampling */
    int64_t size;          /* bytes per message / buffer */
    int64_t param;         /* workload-specific (churn kind, lookup object count) */
    int64_t key_base;      /* SysV key for the group's first object, created IPC_EXCL (0 = IPC_PRIVATE) */
    int32_t fault;         /* test-only fault injection, enum ipcb_fault */
    int32_t journal_fd;    /* host mode: O_APPEND journal of created objects, -1 = none */
    int64_t start_ns;      /* absolute CLOCK_MONOTONIC start of the window */
    int64_t stop_ns;       /* absolute CLOCK_MONOTONIC end of the window */
    int64_t deadline_ns;   /* absolute: children still alive then are killed */
    int64_t mark_ns;       /* sub-window length: party A marks (ops, time) as each one passes; 0 = none */
    char sysctls[IPCB_SYSCTLS_LEN]; /* "kernel/msgmni=64\n..." written in fresh namespaces */
};

struct ipcb_result {
    int32_t err;               /* 0, or the errno of the failing call */
    int32_t timed_out;         /* 1 if the group outlived its deadline and was killed */
    char call[IPCB_CALL_LEN];  /* name of the failing call */
    uint64_t ops;
    uint64_t bytes;
    int64_t start_ns;          /* earliest actual start of a party */
    int64_t end_ns;            /* latest actual end of a party */
    int64_t late_ns;           /* how far after the requested start the loop began */
    int64_t setup_late_ns;     /* party A's ready time minus the start of its pre-start spin: > 0 set up late, < 0 that early */
    uint64_t cpu_ns;           /* CPU time of all parties inside the window */
    uint64_t vol_cs;           /* voluntary context switches inside the window */
    uint64_t invol_cs;         /* involuntary context switches inside the window */
    uint64_t ns_inode;         /* IPC namespace inode of party A */
    uint64_t ns_inode_b;       /* ... and of party B (0 for single-party workloads) */
    double timer_ns;           /* measured cost of one clock_gettime(CLOCK_MONOTONIC) */
    double control_syscall;    /* getppid() calls per second on party A's CPU just before the window (after it, if A woke too late); 0 = not measured */
    double control_spin;       /* steps of a fixed user-space loop per second, measured alongside; 0 = not measured */
    uint64_t lat_count;        /* sampled ops */
    uint64_t lat_sum_ns;
    uint64_t lat_min_ns;
    uint64_t lat_max_ns;
    uint32_t hist[IPCB_HIST_BUCKETS];
    int32_t leader_pid;
    int32_t partner_pid;
    int32_t parties;
    int32_t obj_id;            /* id of the group's first SysV object (-1 if none) */
    int64_t foreign_key;       /* a key that another object held (EEXIST on every base tried), or -1 */
    int32_t foreign_uid;       /* that object's owner */
    uint32_t marks;            /* sub-window marks recorded: the loop's start, each boundary, its end */
    uint64_t mark_ops[IPCB_MAX_MARKS];   /* ops party A had completed at each mark */
    int64_t mark_at[IPCB_MAX_MARKS];     /* CLOCK_MONOTONIC of each mark */
};

/* Limits of one IPC namespace, as read from /proc/sys inside it. -1 = unreadable. */
struct ipcb_limits {
    int32_t err;
    char call[IPCB_CALL_LEN];
    uint64_t ns_inode;
    int64_t msgmax, msgmnb, msgmni;
    int64_t shmmax, shmall, shmmni;
    int64_t semmsl, semmns, semopm, semmni;
    int64_t mq_msg_max, mq_msgsize_max, mq_queues_max;
};

/* What the host sees of a queue created with `key` inside a fresh namespace. */
struct ipcb_probe {
    int32_t err;
    char call[IPCB_CALL_LEN];
    int32_t inner_id;         /* the queue's id inside the fresh namespace */
    uint64_t inner_inode;
    int32_t host_get_errno;   /* msgget(key, 0) from the host: expect ENOENT */
    int32_t host_stat_errno;  /* msgctl(inner_id, IPC_STAT) from the host: expect EINVAL */
    int64_t host_stat_key;    /* if that id exists on the host: its key (another object) */
};

/* A fresh namespace held open for a shared-mode scenario. */
struct ipcb_ns {
    int32_t err;
    char call[IPCB_CALL_LEN];
    int32_t ipc_fd;
    int32_t user_fd;   /* -1 on the privileged route */
    uint64_t ns_inode;
};

int32_t ipcb_abi(void);
int32_t ipcb_result_size(void);
int32_t ipcb_spec_size(void);
int32_t ipcb_workload_count(void);
const char *ipcb_workload_name(int32_t index);
int32_t ipcb_workload_parties(int32_t index);

/* What a workload's descriptor says, as bits (0 for an index out of range). */
#define IPCB_WL_BYTES_OPS_X_SIZE (1 << 0)  /* bytes counted as ops x size */
#define IPCB_WL_USES_KEYS        (1 << 1)  /* creates its objects with SysV keys from spec->key_base */
#define IPCB_WL_OPS_END_IN_B     (1 << 2)  /* an op completes when party B receives it: the window waits for B's drain */
int32_t ipcb_workload_flags(int32_t index);
int64_t ipcb_now_ns(void);

/* Runs one window for one worker. Never crashes the caller: failures come back in out->err/call. */
int32_t ipcb_run(const struct ipcb_spec *spec, struct ipcb_result *out);

/* Reads the limits of the host namespace (fresh = 0) or of a fresh one (fresh = 1). */
int32_t ipcb_limits(int32_t fresh, int32_t route, const char *sysctls, struct ipcb_limits *out);

/* Creates a fresh IPC namespace (with its sysctls written) and returns fds that keep it alive. */
int32_t ipcb_ns_open(int32_t route, const char *sysctls, struct ipcb_ns *out);
int32_t ipcb_ns_close(int32_t ipc_fd, int32_t user_fd);

/* Creates a queue with `key` in a fresh namespace and looks for it from the caller's. */
int32_t ipcb_isolation_probe(int32_t route, int64_t key, struct ipcb_probe *out);

/* The cost of one clock_gettime(CLOCK_MONOTONIC), measured back to back, in ns. */
double ipcb_timer_cost(void);

/* 0 if perf_event_open works for a hardware (hw = 1) or software (hw = 0) counter on this process, else errno. */
int32_t ipcb_perf_probe(int32_t hw);

/* Removes one SysV object of the caller's namespace (kind: 1 msg, 2 sem, 3 shm); 0 or errno. */
int32_t ipcb_remove(int32_t kind, int32_t id);

/* flock(2) on a journal: a run holds its journal locked for its whole life; clean takes only unlocked ones. */
enum ipcb_lock_op { IPCB_LOCK_RELEASE = 0, IPCB_LOCK_TRY = 1, IPCB_LOCK_WAIT = 2 };
int32_t ipcb_flock(int32_t fd, int32_t op);

#endif
