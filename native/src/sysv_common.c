#include "sysv_common.h"
#include <sys/mman.h>

int ipcb_msg_setup(struct ipcb_ctx *c)
{
    struct ipcb_msg_state *s = IPCB_MSG(c);
    int flags;
    int key = ipcb_first_key(c, &flags);
    ipcb_create_begin();
    s->msqid = msgget(key, flags);
    if (s->msqid >= 0) c->track_slot[0] = ipcb_track(c, IPCB_OBJ_MSG, s->msqid, key);
    ipcb_create_end();
    if (s->msqid < 0) return ipcb_fail(c, "msgget");
    c->page->obj_id = s->msqid;
    /* Allocated before the partner is forked, so both inherit it already touched. */
    c->buf = ipcb_buffer(c, sizeof(long) + (uint64_t)c->spec->size);
    if (!c->buf) return ipcb_fail(c, "mmap");
    return 0;
}

void ipcb_msg_teardown(struct ipcb_ctx *c)
{
    struct ipcb_msg_state *s = IPCB_MSG(c);
    if (s->msqid >= 0 && msgctl(s->msqid, IPC_RMID, NULL) == 0) ipcb_untrack(c, c->track_slot[0]);
    s->msqid = -1;
}
