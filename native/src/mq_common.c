#include "mq_common.h"
#include <fcntl.h>

int ipcb_mq_setup(struct ipcb_ctx *c, int count, long depth)
{
    struct mq_attr attr = { .mq_flags = 0, .mq_maxmsg = depth, .mq_msgsize = (long)c->spec->size };
    for (int i = 0; i < count; i++) {
        char name[48];
        ipcb_mq_name(name, i);
        /*
         * The name exists from mq_open to mq_unlink: journaled around it (host
         * mode), and a termination in between waits for the unlink.
         */
        ipcb_journal_name(c, name, '+');
        ipcb_create_begin();
        c->mq[i] = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
        int unlinked = c->mq[i] != (mqd_t)-1 ? mq_unlink(name) : 0;
        ipcb_create_end();
        if (c->mq[i] == (mqd_t)-1) {
            int e = errno;
            ipcb_journal_name(c, name, '-');
            return ipcb_fail_errno(c, "mq_open", e);
        }
        /* The descriptor keeps the queue alive for both parties; the name would only be a leak. */
        if (unlinked != 0) return ipcb_fail(c, "mq_unlink");
        ipcb_journal_name(c, name, '-');
    }
    c->buf = ipcb_buffer(c, (uint64_t)c->spec->size);
    if (!c->buf) return ipcb_fail(c, "mmap");
    return 0;
}

void ipcb_mq_teardown(struct ipcb_ctx *c)
{
    for (int i = 0; i < 2; i++) {
        if (c->mq[i] != (mqd_t)-1) mq_close(c->mq[i]);
        c->mq[i] = (mqd_t)-1;
    }
}
