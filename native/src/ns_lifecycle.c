/*
 * ns.lifecycle: one op creates a fresh IPC namespace (unshare), creates one
 * queue in it, and leaves it: the next unshare drops the last reference and
 * the kernel destroys it (asynchronously). The figure is namespaces per
 * second. A kernel that frees namespaces slowly can return ENOSPC against
 * user.max_ipc_namespaces under fast churn: that ends the window with the
 * errno as its finding.
 */
#include "core.h"
#include <sched.h>
#include <sys/ipc.h>
#include <sys/msg.h>

static int run(struct ipcb_ctx *c)
{
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            if (unshare(CLONE_NEWIPC) != 0) return ipcb_fail(c, "unshare(CLONE_NEWIPC)");
            if (msgget(IPC_PRIVATE, IPC_CREAT | 0600) < 0) return ipcb_fail(c, "msgget");
        });
        c->ops++;
    }
    return 0;
}

const struct ipcb_workload ns_lifecycle = {
    .name = "ns.lifecycle",
    .parties = 1,
    .run_a = run,
};
