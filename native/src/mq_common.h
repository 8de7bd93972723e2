/* Shared pieces of the POSIX message-queue workloads. */
#ifndef IPCB_MQ_COMMON_H
#define IPCB_MQ_COMMON_H
#include "core.h"

/* The state of mq.pingpong and mq.stream: their queues (A->B, and B->A for the ping-pong). */
struct ipcb_mq_state { mqd_t mq[2]; };
#define IPCB_MQ(c) IPCB_STATE(c, struct ipcb_mq_state)

/* Opens `count` queues of `depth` messages of spec->size bytes, and unlinks their names at once. */
int ipcb_mq_setup(struct ipcb_ctx *c, int count, long depth);
void ipcb_mq_teardown(struct ipcb_ctx *c);
#endif
