/*
 * control.c: the fixed controls party A measures on its own CPU right before
 * each window, inside the last stretch it spins to the start anyway (or, when
 * it woke too late for that, right after the window): a loop of a bare system
 * call (getppid) and a user-space loop of fixed arithmetic. A
 * window's figure over its control cancels what slows both alike (the clock
 * frequency, steal time, a busy SMT sibling, a host that makes kernel entry
 * slow); docs/calibration.md says what it cannot cancel.
 *
 * The controls alternate in short chunks, so that both see the same stretch
 * of the machine's time; each control's rate is the median of its chunks, so
 * that an interrupt in one chunk moves it little (as the window's rate is the
 * median of its sub-windows).
 */
#define _GNU_SOURCE
#include "internal.h"

#include <sys/syscall.h>
#include <unistd.h>

/* Each chunk: about 100 us; the clock is read every few us inside it. */
#define CONTROL_CHUNK_NS 100000LL
#define CONTROL_CHUNKS 8
#define SYSCALLS_PER_READ 16
#define SPIN_STEPS_PER_READ 256

/* Keeps the spin loop's result alive: the compiler may not drop the arithmetic. */
static volatile uint64_t spin_sink;

static double median_of(double *v, int n)
{
    if (n <= 0) return 0;
    for (int i = 1; i < n; i++) {
        double x = v[i];
        int j = i - 1;
        while (j >= 0 && v[j] > x) { v[j + 1] = v[j]; j--; }
        v[j + 1] = x;
    }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* getppid() calls per second over one chunk that runs until `end`. */
static double syscall_chunk(int64_t t0, int64_t end)
{
    uint64_t n = 0;
    int64_t t;
    do {
        for (int i = 0; i < SYSCALLS_PER_READ; i++) (void)syscall(SYS_getppid);
        n += SYSCALLS_PER_READ;
        t = ipcb_clock();
    } while (t < end);
    return (double)n * 1e9 / (double)(t - t0);
}

/* Steps of a dependent multiply-add chain (a 64-bit LCG) per second over one chunk that runs until `end`. */
static double spin_chunk(int64_t t0, int64_t end)
{
    uint64_t n = 0, x = spin_sink;
    int64_t t;
    do {
        for (int i = 0; i < SPIN_STEPS_PER_READ; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        n += SPIN_STEPS_PER_READ;
        t = ipcb_clock();
    } while (t < end);
    spin_sink = x;
    return (double)n * 1e9 / (double)(t - t0);
}

void measure_controls(int64_t until, double *syscall_rate, double *spin_rate)
{
    double sys[CONTROL_CHUNKS], spin[CONTROL_CHUNKS];
    int ns = 0, nspin = 0;
    for (int k = 0; k < CONTROL_CHUNKS; k++) {
        int64_t t0 = ipcb_clock();
        /* Only whole chunks that end before `until`: a late party measures fewer, or none. */
        if (t0 + CONTROL_CHUNK_NS > until) break;
        if (k % 2 == 0) sys[ns++] = syscall_chunk(t0, t0 + CONTROL_CHUNK_NS);
        else spin[nspin++] = spin_chunk(t0, t0 + CONTROL_CHUNK_NS);
    }
    *syscall_rate = median_of(sys, ns);
    *spin_rate = median_of(spin, nspin);
}
