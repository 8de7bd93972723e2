#include "mq_common.h"
#include <fcntl.h>

int ipcb_mq_setup(struct ipcb_ctx *c, int count, long depth)
{
    struct ipcb_mq_state *s = IPCB_MQ(c);
    /* Descriptor 0 may be open (stdin): "none" is -1, set before anything can fail (teardown follows a failed setup). */
    s->mq[0] = s->mq[1] = (mqd_t)-1;
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
        s->mq[i] = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, &attr);
        int unlinked = s->mq[i] != (mqd_t)-1 ? mq_unlink(name) : 0;
        ipcb_create_end();
        if (s->mq[i] == (mqd_t)-1) {
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
    struct ipcb_mq_state *s = IPCB_MQ(c);
    for (int i = 0; i < 2; i++) {
        if (s->mq[i] != (mqd_t)-1) mq_close(s->mq[i]);
        s->mq[i] = (mqd_t)-1;
    }
}
