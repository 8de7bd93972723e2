/* Shared pieces of the POSIX message-queue workloads. */
#ifndef IPCB_MQ_COMMON_H
#define IPCB_MQ_COMMON_H
#include "core.h"

/* Opens `count` queues of `depth` messages of spec->size bytes, and unlinks their names at once. */
int ipcb_mq_setup(struct ipcb_ctx *c, int count, long depth);
void ipcb_mq_teardown(struct ipcb_ctx *c);
#endif
