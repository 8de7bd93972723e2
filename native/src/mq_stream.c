/*
 * mq.stream: one op = one `size`-byte message sent by A and received by B
 * over one POSIX queue of spec->param messages (default 10, a fresh
 * namespace's fs.mqueue.msg_max). A zero-length message ends the stream.
 */
#include "mq_common.h"

static int setup(struct ipcb_ctx *c) { return ipcb_mq_setup(c, 1, c->spec->param > 0 ? (long)c->spec->param : 10); }

static int run_a(struct ipcb_ctx *c)
{
    const struct ipcb_mq_state *s = IPCB_MQ(c);
    size_t n = (size_t)c->spec->size;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (ipcb_mq_send(s->mq[0], c->buf, n, 0) < 0) return ipcb_fail(c, "mq_send");
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
    }
}

const struct ipcb_workload mq_stream = {
    .name = "mq.stream",
    .parties = 2,
    .setup = setup,
    .run_a = run_a,
    .run_b = run_b,
    .teardown = ipcb_mq_teardown,
    .bytes_per_op_is_size = 1,
    .ops_end_in_b = 1,
};
