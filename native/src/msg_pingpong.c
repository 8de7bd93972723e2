/* msg.pingpong: one op = one round trip of a `size`-byte message over one SysV queue. */
#include "sysv_common.h"

static int run_a(struct ipcb_ctx *c)
{
    const struct ipcb_msg_state *s = IPCB_MSG(c);
    struct ipcb_msgbuf *m = (struct ipcb_msgbuf *)c->buf;
    size_t n = (size_t)c->spec->size;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            m->mtype = MT_PING;
            if (ipcb_msgsnd(s->msqid, m, n, 0) < 0) return ipcb_fail(c, "msgsnd");
            if (ipcb_msgrcv(s->msqid, m, n, MT_PONG, 0) < 0) return ipcb_fail(c, "msgrcv");
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
        /* -MT_QUIT: the lowest type <= 2, i.e. a ping, or the quit once the window is over */
        if (ipcb_msgrcv(s->msqid, m, n, -MT_QUIT, 0) < 0) return ipcb_fail(c, "msgrcv");
        if (m->mtype == MT_QUIT) return 0;
        m->mtype = MT_PONG;
        if (ipcb_msgsnd(s->msqid, m, n, 0) < 0) return ipcb_fail(c, "msgsnd");
    }
}

const struct ipcb_workload msg_pingpong = {
    .name = "msg.pingpong",
    .parties = 2,
    .setup = ipcb_msg_setup,
    .run_a = run_a,
    .run_b = run_b,
    .teardown = ipcb_msg_teardown,
    .bytes_per_op_is_size = 1,
};
