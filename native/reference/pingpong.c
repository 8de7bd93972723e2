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

/* futex.pingpong: 1 = ping, 2 = pong, in a shared page; each side wakes the other after each store. */
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

static int futex_main(double seconds, int cpu_a, int cpu_b, double window)
{
    uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED) { perror("mmap"); return 1; }
    volatile uint32_t *quit = w + 16;
    int ready[2];
    if (pipe(ready) != 0) { perror("pipe"); return 1; }
    pin(cpu_a);
    pid_t child = fork();
    if (child == 0) {
        pin(cpu_b);
        char one = 1;
        if (write(ready[1], &one, 1) != 1) _exit(1);
        for (;;) {
            futex_wait_for(w, 1);
            if (*quit) _exit(0);
            futex_set(w, 2);
        }
    }
    char got;
    if (read(ready[0], &got, 1) != 1) { perror("read"); return 1; }
    unsigned long long n = 0, wn = 0;
    double t0 = now(), t1 = t0, w0 = t0;
    do {
        futex_set(w, 1);
        futex_wait_for(w, 2);
        n++;
        t1 = now();
        if (window > 0 && t1 - w0 >= window) {
            printf("w %llu %.6f %.1f\n", n - wn, t1 - w0, (n - wn) / (t1 - w0));
            wn = n;
            w0 = t1;
        }
    } while (t1 - t0 < seconds);
    *quit = 1;
    futex_set(w, 1);
    waitpid(child, NULL, 0);
    printf("%llu %.6f %.1f\n", n, t1 - t0, n / (t1 - t0));
    return 0;
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
    static struct msg m;

    int futex = strcmp(workload, "futex.pingpong") == 0;
    if (!futex && strcmp(workload, "msg.pingpong") != 0) {
        fprintf(stderr, "unknown workload %s; this reference runs msg.pingpong and futex.pingpong\n", workload);
        return 2;
    }
    if (futex) return futex_main(seconds, cpu_a, cpu_b, window);

    if (size > sizeof(m.mtext)) { fprintf(stderr, "size at most %zu\n", sizeof(m.mtext)); return 2; }
    if (newipc && unshare(CLONE_NEWIPC) != 0) { perror("unshare(CLONE_NEWIPC)"); return 1; }
    int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    if (q < 0) { perror("msgget"); return 1; }

    /* Both processes are on their CPUs, and the partner is waiting in its first receive, before the clock starts. */
    int ready[2];
    if (pipe(ready) != 0) { perror("pipe"); return 1; }
    pin(cpu_a);
    pid_t child = fork();
    if (child == 0) {
        pin(cpu_b);
        char one = 1;
        if (write(ready[1], &one, 1) != 1) _exit(1);
        for (;;) {
            if (msgrcv(q, &m, size, -2, 0) < 0) _exit(1);
            if (m.mtype == 2) _exit(0);
            m.mtype = 3;
            if (msgsnd(q, &m, size, 0) < 0) _exit(1);
        }
    }
    char got;
    if (read(ready[0], &got, 1) != 1) { perror("read"); return 1; }
    unsigned long long n = 0, wn = 0;
    double t0 = now(), t1 = t0, w0 = t0;
    do {
        m.mtype = 1;
        if (msgsnd(q, &m, size, 0) < 0 || msgrcv(q, &m, size, 3, 0) < 0) { perror("msg"); break; }
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
    m.mtype = 2;
    msgsnd(q, &m, 0, 0);
    waitpid(child, NULL, 0);
    msgctl(q, IPC_RMID, NULL);
    printf("%llu %.6f %.1f\n", n, t1 - t0, n / (t1 - t0));
    return 0;
}
