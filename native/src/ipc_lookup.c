/*
 * ipc.lookup: one op is a msgget() of an existing key. spec->param queues
 * (keys key_base .. key_base + param - 1) are created before the window; the
 * loop cycles through them. msgget of a key takes the namespace's ids rwsem
 * for writing, so workers sharing a namespace contend even on lookups.
 */
#include "core.h"
#include <sys/ipc.h>
#include <sys/msg.h>

#define LOOKUP_MAX 1000

static int objects(const struct ipcb_ctx *c)
{
    int n = c->spec->param > 0 ? (int)c->spec->param : 64;
    return n > LOOKUP_MAX ? LOOKUP_MAX : n;
}

/* The ids this group created (the leader's copy of its memory): teardown removes these and no others. */
static int created[LOOKUP_MAX];
static int created_count;

static int setup(struct ipcb_ctx *c)
{
    /* Key 0 is IPC_PRIVATE: msgget would create a new queue on every "lookup". */
    if (c->spec->key_base <= 0) return ipcb_fail_errno(c, "key_base", EINVAL);
    for (int i = 0; i < objects(c); i++) {
        int id = msgget((key_t)(c->spec->key_base + i), IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0) return ipcb_fail(c, "msgget");
        created[created_count++] = id;
        if (i == 0) c->page->obj_id = id;
        if (ipcb_track(c, IPCB_OBJ_MSG, id, (int)(c->spec->key_base + i)) < 0 && c->spec->mode == IPCB_MODE_HOST) {
            msgctl(id, IPC_RMID, NULL);
            return ipcb_fail_errno(c, "track", ENOSPC);
        }
    }
    return 0;
}

static int run(struct ipcb_ctx *c)
{
    const int n = objects(c);
    int i = 0;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (msgget((key_t)(c->spec->key_base + i), 0) < 0) return ipcb_fail(c, "msgget");
        });
        if (++i == n) i = 0;
        c->ops++;
    }
    return 0;
}

static void teardown(struct ipcb_ctx *c)
{
    /* By id, never by key: a key this group failed to create (EEXIST) is someone else's. */
    for (int i = 0; i < created_count; i++) msgctl(created[i], IPC_RMID, NULL);
    created_count = 0;
    /* Everything tracked is gone now: close the journal entries. */
    for (int i = 0; i < IPCB_MAX_TRACKED; i++)
        if (c->page->tracked_kind[i] != IPCB_OBJ_NONE) ipcb_untrack(c, i);
}

const struct ipcb_workload ipc_lookup = {
    .name = "ipc.lookup",
    .parties = 1,
    .setup = setup,
    .run_a = run,
    .teardown = teardown,
};
