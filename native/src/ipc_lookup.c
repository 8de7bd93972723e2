/*
 * ipc.lookup: one op is a msgget() of an existing key. spec->param queues are
 * created before the window, with consecutive keys from the first of up to 8
 * bases (derived from spec->key_base) whose keys are all free: a key that
 * another object holds (another run, or anyone) moves the group to the next
 * base instead of failing. The loop cycles through them. msgget of a key
 * takes the namespace's ids rwsem for writing, so workers sharing a
 * namespace contend even on lookups.
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

struct lookup_state {
    int base;                   /* the base of the keys it created (the first free one) */
    /* The ids this group created (the leader's copy): teardown removes these and no others. */
    int created_count;
    int created[LOOKUP_MAX];
};
#define LOOKUP(c) IPCB_STATE(c, struct lookup_state)

/* Bases tried in turn when a key of the last one is taken: 1024-aligned, so a worker's keys never cross into the next base. */
#define LOOKUP_BASES 8
static int base_of(const struct ipcb_ctx *c, int attempt)
{
    uint32_t hop = (uint32_t)c->spec->key_base + (uint32_t)attempt * 0x9e3779b1u;
    return (int)(0x40000000u | (hop & 0x3ffffc00u));
}

/* Removes what this attempt created: by id, never by key (a key it failed to create is someone else's). */
static void remove_created(struct ipcb_ctx *c)
{
    struct lookup_state *s = LOOKUP(c);
    for (int i = 0; i < s->created_count; i++) msgctl(s->created[i], IPC_RMID, NULL);
    s->created_count = 0;
    for (int i = 0; i < IPCB_MAX_TRACKED; i++)
        if (c->page->tracked_kind[i] != IPCB_OBJ_NONE) ipcb_untrack(c, i);
}

static int setup(struct ipcb_ctx *c)
{
    struct lookup_state *s = LOOKUP(c);
    /* Key 0 is IPC_PRIVATE: msgget would create a new queue on every "lookup". */
    if (c->spec->key_base <= 0) return ipcb_fail_errno(c, "key_base", EINVAL);
    for (int attempt = 0; attempt < LOOKUP_BASES; attempt++) {
        int base = base_of(c, attempt);
        int taken = 0;
        for (int i = 0; i < objects(c) && !taken; i++) {
            ipcb_create_begin();
            int id = msgget((key_t)(base + i), IPC_CREAT | IPC_EXCL | 0600);
            int err = errno;
            if (id >= 0) {
                s->created[s->created_count++] = id;
                if (ipcb_track(c, IPCB_OBJ_MSG, id, base + i) < 0 && c->spec->mode == IPCB_MODE_HOST) {
                    ipcb_create_end();
                    remove_created(c);
                    return ipcb_fail_errno(c, "track", ENOSPC);
                }
            }
            ipcb_create_end();
            if (id >= 0) continue;
            if (err != EEXIST) {
                remove_created(c);
                return ipcb_fail_errno(c, "msgget", err);
            }
            /* Another object holds this key (another run, or anyone): say whose, and try the next base. */
            struct msqid_ds ds;
            int other = msgget((key_t)(base + i), 0);
            c->page->foreign_key = base + i;
            c->page->foreign_uid = other >= 0 && msgctl(other, IPC_STAT, &ds) == 0 ? (int32_t)ds.msg_perm.uid : -1;
            taken = 1;
        }
        if (!taken) {
            s->base = base;
            c->page->obj_id = s->created_count > 0 ? s->created[0] : -1;
            c->page->foreign_key = -1;
            return 0;
        }
        remove_created(c);
    }
    return ipcb_fail_errno(c, "msgget", EEXIST);
}

static int run(struct ipcb_ctx *c)
{
    const struct lookup_state *s = LOOKUP(c);
    const int n = objects(c);
    int i = 0;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (msgget((key_t)(s->base + i), 0) < 0) return ipcb_fail(c, "msgget");
        });
        if (++i == n) i = 0;
        c->ops++;
    }
    return 0;
}

static void teardown(struct ipcb_ctx *c)
{
    /* Everything this group created goes, and with it the journal entries. */
    remove_created(c);
}

const struct ipcb_workload ipc_lookup = {
    .name = "ipc.lookup",
    .parties = 1,
    .setup = setup,
    .run_a = run,
    .teardown = teardown,
    .uses_keys = 1,
};
