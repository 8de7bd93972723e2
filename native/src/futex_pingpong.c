/*
 * futex.pingpong: one op = one round trip over one futex word in memory the
 * two parties share. A sets the word to PING and wakes B, then waits while it
 * is not PONG; B waits while it is not PING, sets PONG and wakes A. Every
 * round trip makes two wakes and (unless the other party was quicker) two
 * waits, as a msg round trip makes two sends and two receives.
 *
 * There is no IPC object, so no IPC namespace can change its cost: it shows
 * what a cross-process wake-up costs on this machine, the floor under every
 * IPC round trip.
 */
#include "core.h"
#include <linux/futex.h>
#include <sys/mman.h>

enum { IDLE = 0, PING = 1, PONG = 2 };

struct futex_state { uint32_t *word; };
#define FUTEX(c) IPCB_STATE(c, struct futex_state)

/* Shared between processes (MAP_SHARED), so not FUTEX_PRIVATE_FLAG. */
static inline long futex_wait(uint32_t *w, uint32_t seen)
{
    return syscall(SYS_futex, w, FUTEX_WAIT, seen, NULL, NULL, 0);
}
static inline long futex_wake(uint32_t *w)
{
    return syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* Waits until *w is `want`; 0, or -1 with errno. EAGAIN (the word moved first) and EINTR are not failures. */
static inline int wait_for(uint32_t *w, uint32_t want)
{
    uint32_t v;
    while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) != want) {
        if (futex_wait(w, v) < 0 && errno != EAGAIN && errno != EINTR) return -1;
    }
    return 0;
}

static int setup(struct ipcb_ctx *c)
{
    /* Mapped by the leader before the partner is forked: both see the same page. */
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return ipcb_fail(c, "mmap");
    FUTEX(c)->word = p;
    return 0;
}

static int run_a(struct ipcb_ctx *c)
{
    uint32_t *w = FUTEX(c)->word;
    while (!ipcb_stopped(c)) {
        IPCB_TIMED(c, {
            __atomic_store_n(w, PING, __ATOMIC_RELEASE);
            if (futex_wake(w) < 0) return ipcb_fail(c, "futex(FUTEX_WAKE)");
            if (wait_for(w, PONG) < 0) return ipcb_fail(c, "futex(FUTEX_WAIT)");
        });
        c->ops++;
    }
    __atomic_store_n(&c->page->quit, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(w, PING, __ATOMIC_RELEASE);
    if (futex_wake(w) < 0) return ipcb_fail(c, "futex(FUTEX_WAKE)");
    return 0;
}

static int run_b(struct ipcb_ctx *c)
{
    uint32_t *w = FUTEX(c)->word;
    for (;;) {
        if (wait_for(w, PING) < 0) return ipcb_fail(c, "futex(FUTEX_WAIT)");
        if (__atomic_load_n(&c->page->quit, __ATOMIC_SEQ_CST)) return 0;
        __atomic_store_n(w, PONG, __ATOMIC_RELEASE);
        if (futex_wake(w) < 0) return ipcb_fail(c, "futex(FUTEX_WAKE)");
    }
}

static void teardown(struct ipcb_ctx *c)
{
    struct futex_state *s = FUTEX(c);
    if (s->word) munmap(s->word, 4096);
    s->word = NULL;
}

const struct ipcb_workload futex_pingpong = {
    .name = "futex.pingpong",
    .parties = 2,
    .setup = setup,
    .run_a = run_a,
    .run_b = run_b,
    .teardown = teardown,
};
