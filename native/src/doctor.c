/* doctor.c: what `ipcns-bench doctor` asks of the machine: the clock's cost, and whether perf counters open. */
#define _GNU_SOURCE
#include "internal.h"

#include <linux/perf_event.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

double ipcb_timer_cost(void) { return measure_timer(); }

int32_t ipcb_perf_probe(int32_t hw)
{
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
    attr.config = hw ? PERF_COUNT_HW_INSTRUCTIONS : PERF_COUNT_SW_CONTEXT_SWITCHES;
    attr.disabled = 1;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0) return errno;
    close(fd);
    return 0;
}
