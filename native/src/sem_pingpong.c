/*
 * sem.pingpong: one op = one round trip over a SysV semaphore set of two:
 * A posts sem 0 and waits on sem 1; B waits on sem 0 and posts sem 1.
 */
#include "core.h"
#include <sys/ipc.h>
#include <sys/sem.h>

struct sem_state { int semid; };
#define SEM(c) IPCB_STATE(c, struct sem_state)

static int setup(struct ipcb_ctx *c)
{
    struct sem_state *s = SEM(c);
    int flags;
    int key = ipcb_first_key(c, &flags);
    ipcb_create_begin();
    s->semid = semget(key, 2, flags); /* both start at 0 */
    if (s->semid >= 0) c->track_slot[0] = ipcb_track(c, IPCB_OBJ_SEM, s->semid, key);
    ipcb_create_end();
    if (s->semid < 0) return ipcb_fail(c, "semget");
    c->page->obj_id = s->semid;
    return 0;
}

static int run_a(struct ipcb_ctx *c)
{
    const struct sem_state *s = SEM(c);
    struct sembuf post = { 0, 1, 0 }, wait = { 1, -1, 0 };
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (ipcb_semop(s->semid, &post, 1) < 0) return ipcb_fail(c, "semop");
            if (ipcb_semop(s->semid, &wait, 1) < 0) return ipcb_fail(c, "semop");
        });
        c->ops++;
    }
    __atomic_store_n(&c->page->quit, 1, __ATOMIC_SEQ_CST);
    if (ipcb_semop(s->semid, &post, 1) < 0) return ipcb_fail(c, "semop");
    return 0;
}

static int run_b(struct ipcb_ctx *c)
{
    const struct sem_state *s = SEM(c);
    struct sembuf wait = { 0, -1, 0 }, post = { 1, 1, 0 };
    for (;;) {
        if (ipcb_semop(s->semid, &wait, 1) < 0) return ipcb_fail(c, "semop");
        if (__atomic_load_n(&c->page->quit, __ATOMIC_SEQ_CST)) return 0;
        if (ipcb_semop(s->semid, &post, 1) < 0) return ipcb_fail(c, "semop");
    }
}

static void teardown(struct ipcb_ctx *c)
{
    struct sem_state *s = SEM(c);
    if (s->semid >= 0 && semctl(s->semid, 0, IPC_RMID) == 0) ipcb_untrack(c, c->track_slot[0]);
    s->semid = -1;
}

const struct ipcb_workload sem_pingpong = {
    .name = "sem.pingpong",
    .parties = 2,
    .setup = setup,
    .run_a = run_a,
    .run_b = run_b,
    .teardown = teardown,
};
