/*
 * shm.copy: one op = one `size`-byte buffer copied into a SysV segment by the
 * producer (A) and out of it by the consumer (B), handed off by two
 * semaphores (0: full, 1: empty, both starting at 0, so A writes first).
 */
#include "core.h"
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

static int setup(struct ipcb_ctx *c)
{
    size_t n = (size_t)c->spec->size;
    int flags;
    int key = ipcb_first_key(c, &flags);
    ipcb_create_begin();
    c->semid = semget(key, 2, flags); /* both start at 0 */
    if (c->semid >= 0) c->track_slot[0] = ipcb_track(c, IPCB_OBJ_SEM, c->semid, key);
    ipcb_create_end();
    if (c->semid < 0) return ipcb_fail(c, "semget");
    c->page->obj_id = c->semid;
    ipcb_create_begin();
    c->shmid = shmget(IPC_PRIVATE, n, IPC_CREAT | 0600);
    if (c->shmid >= 0) c->track_slot[1] = ipcb_track(c, IPCB_OBJ_SHM, c->shmid, IPC_PRIVATE);
    ipcb_create_end();
    if (c->shmid < 0) return ipcb_fail(c, "shmget");
    c->shm = shmat(c->shmid, NULL, 0);
    if (c->shm == (void *)-1) { c->shm = NULL; return ipcb_fail(c, "shmat"); }
    /* Marked for removal at once: the segment lives only while attached, so it cannot leak. */
    if (shmctl(c->shmid, IPC_RMID, NULL) != 0) return ipcb_fail(c, "shmctl(IPC_RMID)");
    ipcb_untrack(c, c->track_slot[1]);
    c->shmid = -1;
    memset(c->shm, 0, n);
    c->buf = ipcb_buffer(c, n);
    if (!c->buf) return ipcb_fail(c, "mmap");
    return 0;
}

/* Touch every page both parties use, so no fault lands inside the window (the partner's copies are its own). */
static int prepare(struct ipcb_ctx *c)
{
    size_t n = (size_t)c->spec->size;
    volatile char sink = 0;
    for (size_t i = 0; i < n; i += 4096) sink ^= c->shm[i];
    memset(c->buf, c->party ? 0x5a : 0xa5, n);
    (void)sink;
    return 0;
}

static int run_a(struct ipcb_ctx *c)
{
    struct sembuf full = { 0, 1, 0 }, empty = { 1, -1, 0 };
    size_t n = (size_t)c->spec->size;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            memcpy(c->shm, c->buf, n);
            if (ipcb_semop(c->semid, &full, 1) < 0) return ipcb_fail(c, "semop");
            if (ipcb_semop(c->semid, &empty, 1) < 0) return ipcb_fail(c, "semop");
        });
        c->ops++;
    }
    __atomic_store_n(&c->page->quit, 1, __ATOMIC_SEQ_CST);
    if (ipcb_semop(c->semid, &full, 1) < 0) return ipcb_fail(c, "semop");
    return 0;
}

static int run_b(struct ipcb_ctx *c)
{
    struct sembuf full = { 0, -1, 0 }, empty = { 1, 1, 0 };
    size_t n = (size_t)c->spec->size;
    for (;;) {
        if (ipcb_semop(c->semid, &full, 1) < 0) return ipcb_fail(c, "semop");
        if (__atomic_load_n(&c->page->quit, __ATOMIC_SEQ_CST)) return 0;
        memcpy(c->buf, c->shm, n);
        if (ipcb_semop(c->semid, &empty, 1) < 0) return ipcb_fail(c, "semop");
    }
}

static void teardown(struct ipcb_ctx *c)
{
    if (c->shm) shmdt(c->shm);
    c->shm = NULL;
    if (c->shmid >= 0 && shmctl(c->shmid, IPC_RMID, NULL) == 0) ipcb_untrack(c, c->track_slot[1]);
    if (c->semid >= 0 && semctl(c->semid, 0, IPC_RMID) == 0) ipcb_untrack(c, c->track_slot[0]);
    c->shmid = c->semid = -1;
}

const struct ipcb_workload shm_copy = {
    .name = "shm.copy",
    .parties = 2,
    .setup = setup,
    .prepare = prepare,
    .run_a = run_a,
    .run_b = run_b,
    .teardown = teardown,
    .bytes_per_op_is_size = 1,
};
