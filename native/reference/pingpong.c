/*
 * The plain C reference for the round-trip workloads: two processes bounce
 * one message over one SysV queue (msg.pingpong), or one futex word in
 * shared memory (futex.pingpong), for a fixed time, nothing else. The tool's figure for the same size and placement should match this
 * one.
 *
 *   reference-pingpong [size=64] [seconds=1] [cpu_a=0] [cpu_b=0] [newipc=0] [window_ms=0] [workload=msg.pingpong]
 * cpu -1 leaves a process unpinned; newipc=1 runs both in a fresh IPC namespace.
 * Prints: round_trips seconds round_trips_per_second
 * With window_ms > 0 it also prints, before that line, one line per window of
 * that length (back to back, the same two processes): "w round_trips seconds
 * round_trips_per_second". The noise study (docs/noise-study.md) reads these.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msg { long mtype; char mtext[1 << 16]; };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void pin(int cpu)
{
    if (cpu < 0) return;
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof(s), &s) != 0) { perror("sched_setaffinity"); exit(1); }
}

/* One round-trip workload: party B's loop (it returns when told to quit), one round trip of A, and the quit. */
struct pingpong {
    void (*partner)(void *ctx);
    int (*round_trip)(void *ctx);
    void (*quit)(void *ctx);
    void *ctx;
};

/* Both processes are on their CPUs, and the partner is in its loop, before the clock starts. */
static int drive(const struct pingpong *p, double seconds, int cpu_a, int cpu_b, double window)
{
    int ready[2];
    if (pipe(ready) != 0) { perror("pipe"); return 1; }
    pin(cpu_a);
    pid_t child = fork();
    if (child == 0) {
        pin(cpu_b);
        char one = 1;
        if (write(ready[1], &one, 1) != 1) _exit(1);
        p->partner(p->ctx);
        _exit(0);
    }
    char got;
    if (read(ready[0], &got, 1) != 1) { perror("read"); return 1; }
    unsigned long long n = 0, wn = 0;
    double t0 = now(), t1 = t0, w0 = t0;
    do {
        if (p->round_trip(p->ctx) != 0) { perror("round trip"); break; }
        n++;
        /* one clock read per round trip, as in any fixed-time loop */
        t1 = now();
        /* a window closes at the first round trip that ends past its length: no extra clock read */
        if (window > 0 && t1 - w0 >= window) {
            printf("w %llu %.6f %.1f\n", n - wn, t1 - w0, (n - wn) / (t1 - w0));
            wn = n;
            w0 = t1;
        }
    } while (t1 - t0 < seconds);
    p->quit(p->ctx);
    waitpid(child, NULL, 0);
    printf("%llu %.6f %.1f\n", n, t1 - t0, n / (t1 - t0));
    return 0;
}

/* msg.pingpong: type 1 = ping, 3 = pong, 2 = quit, over one queue. */
struct msg_ctx { int q; size_t size; };
static struct msg m;

static void msg_partner(void *ctx)
{
    const struct msg_ctx *c = ctx;
    for (;;) {
        if (msgrcv(c->q, &m, c->size, -2, 0) < 0) _exit(1);
        if (m.mtype == 2) return;
        m.mtype = 3;
        if (msgsnd(c->q, &m, c->size, 0) < 0) _exit(1);
    }
}

static int msg_round_trip(void *ctx)
{
    const struct msg_ctx *c = ctx;
    m.mtype = 1;
    return msgsnd(c->q, &m, c->size, 0) < 0 || msgrcv(c->q, &m, c->size, 3, 0) < 0 ? -1 : 0;
}

static void msg_quit(void *ctx)
{
    const struct msg_ctx *c = ctx;
    m.mtype = 2;
    msgsnd(c->q, &m, 0, 0);
}

/* futex.pingpong: 1 = ping, 2 = pong, in a shared page; each side wakes the other after each store. */
struct futex_ctx { uint32_t *word; volatile uint32_t *quit; };

static void futex_wait_for(uint32_t *w, uint32_t want)
{
    uint32_t v;
    while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) != want) syscall(SYS_futex, w, FUTEX_WAIT, v, NULL, NULL, 0);
}

static void futex_set(uint32_t *w, uint32_t v)
{
    __atomic_store_n(w, v, __ATOMIC_RELEASE);
    syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static void futex_partner(void *ctx)
{
    const struct futex_ctx *c = ctx;
    for (;;) {
        futex_wait_for(c->word, 1);
        if (*c->quit) return;
        futex_set(c->word, 2);
    }
}

static int futex_round_trip(void *ctx)
{
    const struct futex_ctx *c = ctx;
    futex_set(c->word, 1);
    futex_wait_for(c->word, 2);
    return 0;
}

static void futex_quit(void *ctx)
{
    const struct futex_ctx *c = ctx;
    *c->quit = 1;
    futex_set(c->word, 1);
}

int main(int argc, char **argv)
{
    size_t size = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
    double seconds = argc > 2 ? atof(argv[2]) : 1.0;
    int cpu_a = argc > 3 ? atoi(argv[3]) : 0;
    int cpu_b = argc > 4 ? atoi(argv[4]) : 0;
    int newipc = argc > 5 ? atoi(argv[5]) : 0;
    double window = argc > 6 ? atof(argv[6]) / 1000.0 : 0.0;
    const char *workload = argc > 7 ? argv[7] : "msg.pingpong";

    if (newipc && unshare(CLONE_NEWIPC) != 0) { perror("unshare(CLONE_NEWIPC)"); return 1; }
    if (strcmp(workload, "futex.pingpong") == 0) {
        uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (w == MAP_FAILED) { perror("mmap"); return 1; }
        struct futex_ctx c = { w, w + 16 };
        const struct pingpong p = { futex_partner, futex_round_trip, futex_quit, &c };
        return drive(&p, seconds, cpu_a, cpu_b, window);
    }
    if (strcmp(workload, "msg.pingpong") != 0) {
        fprintf(stderr, "unknown workload %s; this reference runs msg.pingpong and futex.pingpong\n", workload);
        return 2;
    }
    if (size > sizeof(m.mtext)) { fprintf(stderr, "size at most %zu\n", sizeof(m.mtext)); return 2; }
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (q < 0) { perror("msgget"); return 1; }
    struct msg_ctx c = { q, size };
    const struct pingpong p = { msg_partner, msg_round_trip, msg_quit, &c };
    int rc = drive(&p, seconds, cpu_a, cpu_b, window);
    msgctl(q, IPC_RMID, NULL);
    return rc;
}
