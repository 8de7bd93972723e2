/*
 * ipc.churn: one op creates and removes one SysV object, by spec->param:
 * 0 = msg (msgget + IPC_RMID), 1 = sem (semget + IPC_RMID),
 * 2 = shm (shmget + shmat + shmdt + IPC_RMID).
 * Create and remove take the namespace's ids rwsem for writing and touch its
 * idr: this is where workers sharing a namespace contend.
 */
#include "core.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

enum { CHURN_MSG = 0, CHURN_SEM = 1, CHURN_SHM = 2 };

static int churn_one(struct ipcb_ctx *c)
{
    int id, slot = -1;
    switch (c->spec->param) {
    /* Created and tracked as one step: a termination in between waits for the tracking (create_end). */
    case CHURN_MSG:
        ipcb_create_begin();
        if ((id = msgget(IPC_PRIVATE, IPC_CREAT | 0600)) >= 0) slot = ipcb_track(c, IPCB_OBJ_MSG, id, IPC_PRIVATE);
        ipcb_create_end();
        if (id < 0) return ipcb_fail(c, "msgget");
        if (msgctl(id, IPC_RMID, NULL) < 0) return ipcb_fail(c, "msgctl(IPC_RMID)");
        break;
    case CHURN_SEM:
        ipcb_create_begin();
        if ((id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600)) >= 0) slot = ipcb_track(c, IPCB_OBJ_SEM, id, IPC_PRIVATE);
        ipcb_create_end();
        if (id < 0) return ipcb_fail(c, "semget");
        if (semctl(id, 0, IPC_RMID) < 0) return ipcb_fail(c, "semctl(IPC_RMID)");
        break;
    default: {
        ipcb_create_begin();
        if ((id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600)) >= 0) slot = ipcb_track(c, IPCB_OBJ_SHM, id, IPC_PRIVATE);
        ipcb_create_end();
        if (id < 0) return ipcb_fail(c, "shmget");
        void *p = shmat(id, NULL, 0);
        if (p == (void *)-1) return ipcb_fail(c, "shmat");
        if (shmdt(p) < 0) return ipcb_fail(c, "shmdt");
        if (shmctl(id, IPC_RMID, NULL) < 0) return ipcb_fail(c, "shmctl(IPC_RMID)");
        break;
    }
    }
    ipcb_untrack(c, slot);
    return 0;
}

static int run(struct ipcb_ctx *c)
{
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (churn_one(c) != 0) return -1;
        });
        c->ops++;
    }
    return 0;
}

const struct ipcb_workload ipc_churn = {
    .name = "ipc.churn",
    .parties = 1,
    .run_a = run,
};
