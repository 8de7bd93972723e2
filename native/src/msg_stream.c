/*
 * msg.stream: one op = one `size`-byte message sent by A and received by B
 * over one SysV queue. A sends until the window closes, then a quit; the
 * window ends when B has drained everything A sent.
 */
#include "sysv_common.h"

static int run_a(struct ipcb_ctx *c)
{
    const struct ipcb_msg_state *s = IPCB_MSG(c);
    struct ipcb_msgbuf *m = (struct ipcb_msgbuf *)c->buf;
    size_t n = (size_t)c->spec->size;
    m->mtype = MT_PING;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (ipcb_msgsnd(s->msqid, m, n, 0) < 0) return ipcb_fail(c, "msgsnd");
        });
        c->ops++;
    }
    m->mtype = MT_QUIT;
    if (ipcb_msgsnd(s->msqid, m, 0, 0) < 0) return ipcb_fail(c, "msgsnd");
    return 0;
}

static int run_b(struct ipcb_ctx *c)
{
    const struct ipcb_msg_state *s = IPCB_MSG(c);
    struct ipcb_msgbuf *m = (struct ipcb_msgbuf *)c->buf;
    size_t n = (size_t)c->spec->size;
    for (;;) {
        /* type 0: strictly FIFO, so the quit arrives after every data message */
        if (ipcb_msgrcv(s->msqid, m, n, 0, 0) < 0) return ipcb_fail(c, "msgrcv");
        if (m->mtype == MT_QUIT) return 0;
    }
}

const struct ipcb_workload msg_stream = {
    .name = "msg.stream",
    .parties = 2,
    .setup = ipcb_msg_setup,
    .run_a = run_a,
    .run_b = run_b,
    .teardown = ipcb_msg_teardown,
    .bytes_per_op_is_size = 1,
    .ops_end_in_b = 1,
};
