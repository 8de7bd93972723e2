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

struct shm_state {
    int semid, shmid;
    char *shm;          /* the segment, attached before the partner is cloned: both parties see it */
};
#define SHM(c) IPCB_STATE(c, struct shm_state)

static int setup(struct ipcb_ctx *c)
{
    struct shm_state *s = SHM(c);
    /* Id 0 can be anyone's object: "none" is -1, set before anything can fail (teardown follows a failed setup). */
    s->semid = s->shmid = -1;
    s->shm = NULL;
    size_t n = (size_t)c->spec->size;
    int flags;
    int key = ipcb_first_key(c, &flags);
    ipcb_create_begin();
    s->semid = semget(key, 2, flags); /* both start at 0 */
    if (s->semid >= 0) c->track_slot[0] = ipcb_track(c, IPCB_OBJ_SEM, s->semid, key);
    ipcb_create_end();
    if (s->semid < 0) return ipcb_fail(c, "semget");
    c->page->obj_id = s->semid;
    ipcb_create_begin();
    s->shmid = shmget(IPC_PRIVATE, n, IPC_CREAT | 0600);
    if (s->shmid >= 0) c->track_slot[1] = ipcb_track(c, IPCB_OBJ_SHM, s->shmid, IPC_PRIVATE);
    ipcb_create_end();
    if (s->shmid < 0) return ipcb_fail(c, "shmget");
    s->shm = shmat(s->shmid, NULL, 0);
    if (s->shm == (void *)-1) { s->shm = NULL; return ipcb_fail(c, "shmat"); }
    /* Marked for removal at once: the segment lives only while attached, so it cannot leak. */
    if (shmctl(s->shmid, IPC_RMID, NULL) != 0) return ipcb_fail(c, "shmctl(IPC_RMID)");
    ipcb_untrack(c, c->track_slot[1]);
    s->shmid = -1;
    memset(s->shm, 0, n);
    c->buf = ipcb_buffer(c, n);
    if (!c->buf) return ipcb_fail(c, "mmap");
    return 0;
}

/* Touch every page both parties use, so no fault lands inside the window (the partner's copies are its own). */
static int prepare(struct ipcb_ctx *c)
{
    const struct shm_state *s = SHM(c);
    size_t n = (size_t)c->spec->size;
    volatile char sink = 0;
    for (size_t i = 0; i < n; i += 4096) sink ^= s->shm[i];
    memset(c->buf, c->party ? 0x5a : 0xa5, n);
    (void)sink;
    return 0;
}

static int run_a(struct ipcb_ctx *c)
{
    const struct shm_state *s = SHM(c);
    struct sembuf full = { 0, 1, 0 }, empty = { 1, -1, 0 };
    size_t n = (size_t)c->spec->size;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            memcpy(s->shm, c->buf, n);
            if (ipcb_semop(s->semid, &full, 1) < 0) return ipcb_fail(c, "semop");
            if (ipcb_semop(s->semid, &empty, 1) < 0) return ipcb_fail(c, "semop");
        });
        c->ops++;
    }
    __atomic_store_n(&c->page->quit, 1, __ATOMIC_SEQ_CST);
    if (ipcb_semop(s->semid, &full, 1) < 0) return ipcb_fail(c, "semop");
    return 0;
}

static int run_b(struct ipcb_ctx *c)
{
    const struct shm_state *s = SHM(c);
    struct sembuf full = { 0, -1, 0 }, empty = { 1, 1, 0 };
    size_t n = (size_t)c->spec->size;
    for (;;) {
        if (ipcb_semop(s->semid, &full, 1) < 0) return ipcb_fail(c, "semop");
        if (__atomic_load_n(&c->page->quit, __ATOMIC_SEQ_CST)) return 0;
        memcpy(c->buf, s->shm, n);
        if (ipcb_semop(s->semid, &empty, 1) < 0) return ipcb_fail(c, "semop");
    }
}

static void teardown(struct ipcb_ctx *c)
{
    struct shm_state *s = SHM(c);
    if (s->shm) shmdt(s->shm);
    s->shm = NULL;
    if (s->shmid >= 0 && shmctl(s->shmid, IPC_RMID, NULL) == 0) ipcb_untrack(c, c->track_slot[1]);
    if (s->semid >= 0 && semctl(s->semid, 0, IPC_RMID) == 0) ipcb_untrack(c, c->track_slot[0]);
    s->shmid = s->semid = -1;
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
