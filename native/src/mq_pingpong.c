/*
 * mq.pingpong: one op = one round trip of a `size`-byte message over two
 * POSIX queues (A->B and B->A). A zero-length message tells B to quit.
 */
#include "mq_common.h"

static int setup(struct ipcb_ctx *c) { return ipcb_mq_setup(c, 2, 1); }

static int run_a(struct ipcb_ctx *c)
{
    const struct ipcb_mq_state *s = IPCB_MQ(c);
    size_t n = (size_t)c->spec->size;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (ipcb_mq_send(s->mq[0], c->buf, n, 0) < 0) return ipcb_fail(c, "mq_send");
            if (ipcb_mq_receive(s->mq[1], c->buf, n) < 0) return ipcb_fail(c, "mq_receive");
        });
        c->ops++;
    }
    if (ipcb_mq_send(s->mq[0], c->buf, 0, 0) < 0) return ipcb_fail(c, "mq_send");
    return 0;
}

static int run_b(struct ipcb_ctx *c)
{
    const struct ipcb_mq_state *s = IPCB_MQ(c);
    size_t n = (size_t)c->spec->size;
    for (;;) {
        ssize_t got = ipcb_mq_receive(s->mq[0], c->buf, n);
        if (got < 0) return ipcb_fail(c, "mq_receive");
        if (got == 0) return 0;
        if (ipcb_mq_send(s->mq[1], c->buf, n, 0) < 0) return ipcb_fail(c, "mq_send");
    }
}

const struct ipcb_workload mq_pingpong = {
    .name = "mq.pingpong",
    .parties = 2,
    .setup = setup,
    .run_a = run_a,
    .run_b = run_b,
    .teardown = ipcb_mq_teardown,
    .bytes_per_op_is_size = 1,
};
