/*
 * core.h: what a workload file sees. A workload is one C file that ends in a
 * `const struct ipcb_workload` and is listed once in workloads.def; what it
 * keeps between setup, its loops and teardown is its own struct, in the
 * ctx's state area (IPCB_STATE).
 *
 * Everything here runs in forked children of a multithreaded process (Node),
 * so it may only make system calls and touch memory prepared before the fork:
 * no malloc, no stdio, no locks.
 */
#ifndef IPCB_CORE_H
#define IPCB_CORE_H

#define _GNU_SOURCE
#include <errno.h>
#include <mqueue.h>
#include <stdint.h>
#include <time.h>

#include "../include/ipcb.h"

#define IPCB_PARTY_A 0
#define IPCB_PARTY_B 1
#define IPCB_MAX_TRACKED 1024
/* Bytes of private state a workload may keep in its ctx (ipc.lookup's ids are the most). */
#define IPCB_STATE_MAX 4096

enum ipcb_obj_kind { IPCB_OBJ_NONE = 0, IPCB_OBJ_MSG, IPCB_OBJ_SEM, IPCB_OBJ_SHM };

struct ipcb_party_out {
    int64_t t0, t1;         /* actual start and end of this party's loop */
    int64_t late_ns;
    int64_t setup_late_ns;  /* party A: ready time minus the start of its spin (> 0: late; < 0: early) */
    uint64_t cpu_ns, vol_cs, invol_cs;
    uint64_t ns_inode;
    uint64_t ops, bytes;    /* counted by the party that defines an op */
};

/* The MAP_SHARED page(s) through which children report to the caller. */
struct ipcb_page {
    volatile int32_t stop;        /* set by the caller at the window's stop time */
    volatile int32_t quit;        /* set by party A to release party B (sem, shm) */
    volatile int32_t a_done;      /* party A has ended its window: B's exit from now on is normal */
    volatile int32_t terminating; /* a party is stopping for a termination signal: what fails from now on is its doing */
    int32_t err;                  /* first failure wins */
    char call[IPCB_CALL_LEN];
    int32_t partner_pid;
    int32_t obj_id;
    int64_t foreign_key;          /* held by another object on every try: a key (ipc.lookup), a queue name's random part (mq); -1 = none */
    int32_t foreign_uid;
    double timer_ns;
    double control_syscall, control_spin; /* party A's controls before the window (control.c), per second; 0 = none */
    struct ipcb_party_out party[2];
    /* Objects alive in the host namespace, so that the caller can remove them
     * if the group is killed before it cleans up (host mode only). */
    volatile int32_t tracked_kind[IPCB_MAX_TRACKED];
    volatile int32_t tracked_id[IPCB_MAX_TRACKED];
    volatile int32_t tracked_journaled[IPCB_MAX_TRACKED];
    uint64_t lat_count, lat_sum_ns, lat_min_ns, lat_max_ns;
    uint32_t hist[IPCB_HIST_BUCKETS];
    uint32_t marks;
    uint64_t mark_ops[IPCB_MAX_MARKS];
    int64_t mark_at[IPCB_MAX_MARKS];
};

struct ipcb_ctx {
    const struct ipcb_spec *spec;
    struct ipcb_page *page;
    int party;
    int fresh_ns;                 /* running in a namespace the tool created */
    char *buf;                    /* private buffer, mmap'd and touched before the window */
    uint64_t buf_len;
    int track_slot[4];            /* tracking slots of the objects this group created */
    int in_loop;                  /* inside the measured loop: no journal writes */
    uint64_t ops;
    int32_t sample_left;
    /* sub-window marks (party A): the clock is read when ops reaches check_at, every
     * mark_step ops, a step that adapts so that the clock is read 8 to 32 times a sub-window */
    uint64_t check_at, mark_step;
    int64_t sub_ns, last_check, next_mark;
    int64_t ended_at;             /* party A: when its loop saw the window's end */
    /*
     * The workload's own state (its objects' ids, descriptors, mappings),
     * reached through IPCB_STATE. It lives in the ctx because the ctx is what
     * the partner inherits: set up by the leader before the partner is
     * cloned, it is the partner's too, and no child may allocate. Zeroed
     * before setup; a workload whose ids can be 0 sets them to -1 in setup
     * before anything there can fail (teardown runs after a failed setup).
     */
    unsigned char state[IPCB_STATE_MAX] __attribute__((aligned(16)));
};

/* The ctx's state area as the workload's own struct, which must fit in it. */
#define IPCB_STATE(c, type)                                                             \
    ((type *)(void *)((c)->state + 0 * sizeof(struct {                                  \
        _Static_assert(sizeof(type) <= IPCB_STATE_MAX, "workload state exceeds IPCB_STATE_MAX"); \
        _Static_assert(_Alignof(type) <= 16, "workload state aligned beyond 16");        \
        char unused_;                                                                   \
    })))

struct ipcb_workload {
    const char *name;
    int parties;                                /* 1 or 2 */
    int (*setup)(struct ipcb_ctx *);            /* leader, inside the namespace, before the partner exists (optional) */
    int (*prepare)(struct ipcb_ctx *);          /* each party, before the start time (optional) */
    int (*run_a)(struct ipcb_ctx *);            /* party A's loop: counts ctx->ops */
    int (*run_b)(struct ipcb_ctx *);            /* party B's loop, or NULL (one party) */
    void (*teardown)(struct ipcb_ctx *);        /* leader, after both parties ended; also after a failed setup (optional) */
    uint64_t bytes_per_op_is_size;              /* 1 if bytes = ops x size */
    int ops_end_in_b;                           /* an op completes when B receives it (streams): the window waits for B's drain */
    int uses_keys;                              /* 1 if it creates its objects with SysV keys from spec->key_base */
};

/* --- helpers for workload loops (window.c, track.c, sigsafe.c) --- */
static inline int64_t ipcb_clock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Reads the clock: records a sub-window mark when a boundary has passed; 1 once the window is over. */
int ipcb_check(struct ipcb_ctx *c);

/*
 * Party A's loop condition in every workload. Only every mark_step ops does
 * it read the clock (a step that adapts to 8-32 reads per sub-window), so the
 * bare loop costs a compare.
 */
static inline int ipcb_stopped(struct ipcb_ctx *c)
{
    return __builtin_expect(c->ops >= c->check_at, 0) ? ipcb_check(c) : 0;
}

/*
 * Hot-loop system calls, made directly. glibc's wrappers are cancellation
 * points: in a process it believes multithreaded they bracket the call with
 * pthread async-cancel bookkeeping. Our children are raw clones of Node, so
 * they inherit that belief (glibc resets it only in its own fork), and the
 * bookkeeping added about 4 % to a same-CPU msg round trip. A single-threaded
 * C program pays none of it; neither should we.
 */
#include <sys/syscall.h>
#include <unistd.h>
struct sembuf;
static inline int ipcb_msgsnd(int id, const void *msg, size_t n, int flags)
{
    return (int)syscall(SYS_msgsnd, id, msg, n, flags);
}
static inline long ipcb_msgrcv(int id, void *msg, size_t n, long type, int flags)
{
    return syscall(SYS_msgrcv, id, msg, n, type, flags);
}
static inline int ipcb_semop(int id, struct sembuf *ops, size_t n)
{
    return (int)syscall(SYS_semtimedop, id, ops, n, NULL);
}
static inline int ipcb_mq_send(mqd_t q, const char *msg, size_t n, unsigned prio)
{
    return (int)syscall(SYS_mq_timedsend, q, msg, n, prio, NULL);
}
static inline long ipcb_mq_receive(mqd_t q, char *msg, size_t n)
{
    return syscall(SYS_mq_timedreceive, q, msg, n, NULL, NULL);
}

void ipcb_hist_add(struct ipcb_page *page, uint64_t ns);

/*
 * Records errno and the failing call (the first failure of the group wins);
 * returns -1. In a group that a termination signal is stopping, the failure
 * is the stop's doing: the party exits as terminated instead.
 */
int ipcb_fail(struct ipcb_ctx *c, const char *call);
int ipcb_fail_errno(struct ipcb_ctx *c, const char *call, int err);

/*
 * Tracks an object created in the host namespace until it is removed: in the
 * results page (the caller removes what a killed group left), and, outside
 * the measured loop, in the run's journal (ipcns-bench clean removes what a
 * killed tool left). Objects made inside the loop (ipc.churn) live for a
 * microsecond and are not journaled: a write per op would double their cost.
 */
int ipcb_track(struct ipcb_ctx *c, int kind, int id, int key);
void ipcb_untrack(struct ipcb_ctx *c, int slot);

/*
 * Around creating an object in the host namespace and tracking it: a
 * termination (the tool killed, the deadline) that arrives in between waits
 * until the object is tracked, so that the handler removes it too. Two
 * stores: cheap enough for ipc.churn's loop.
 */
void ipcb_create_begin(void);
void ipcb_create_end(void);

/* Journals a POSIX queue's name (host mode, outside the loop): '+' before mq_open, '-' after mq_unlink. */
void ipcb_journal_name(const struct ipcb_ctx *c, const char *name, char op);

/* mmap'd private buffer, touched so that no page fault lands inside the window. */
char *ipcb_buffer(struct ipcb_ctx *c, uint64_t size);

/* The key for the group's first SysV object and the flags to create it with. */
int ipcb_first_key(const struct ipcb_ctx *c, int *flags);

/* Fills buf with len random bytes from the kernel (getrandom(2)); returns 0 or an errno. */
int ipcb_random(void *buf, size_t len);

/*
 * Time one op in every spec->sample_every; the rest run bare. The timer's own
 * cost is measured separately and recorded, not subtracted.
 */
#define IPCB_TIMED(c, stmt)                                              \
    do {                                                                 \
        if ((c)->sample_left > 0 && --(c)->sample_left == 0) {           \
            int64_t t_begin_ = ipcb_clock();                             \
            stmt;                                                        \
            ipcb_hist_add((c)->page, (uint64_t)(ipcb_clock() - t_begin_)); \
            (c)->sample_left = (c)->spec->sample_every;                  \
        } else {                                                         \
            stmt;                                                        \
        }                                                                \
    } while (0)

#endif
