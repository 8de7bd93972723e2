/* Shared pieces of the SysV message-queue workloads. */
#ifndef IPCB_SYSV_COMMON_H
#define IPCB_SYSV_COMMON_H
#include "core.h"
#include <sys/ipc.h>
#include <sys/msg.h>

/* Message types: A->B data, B->A replies, and the quit A sends when the window ends. */
#define MT_PING 1
#define MT_QUIT 2
#define MT_PONG 3

struct ipcb_msgbuf { long mtype; char mtext[]; };

/* The state of msg.pingpong and msg.stream: their one queue. */
struct ipcb_msg_state { int msqid; };
#define IPCB_MSG(c) IPCB_STATE(c, struct ipcb_msg_state)

int ipcb_msg_setup(struct ipcb_ctx *c);     /* one private queue, 0600, and a buffer of size + sizeof(long) */
void ipcb_msg_teardown(struct ipcb_ctx *c);
#endif
