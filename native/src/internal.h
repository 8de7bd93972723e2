/*
 * internal.h: what the core's own files share, and workload files do not see
 * (they include core.h only).
 *
 *   sigsafe.c  small async-signal-safe helpers: strings without stdio, clocks,
 *              CPUs, raw clones, waits
 *   track.c    the objects a group made in the host namespace: the results
 *              page's slots, the run's journal and its lock, removal
 *   window.c   the measured parties: the leader, the partner, their loops'
 *              marks and their signal handling
 *   control.c  the controls party A measures on its CPU before each window
 *   run.c      the caller's side: ipcb_run clones the group, watches and reaps it
 *   nsprobe.c  namespaces: a fresh one made ready (uid map, sysctls), its
 *              limits, held open for shared mode, the isolation probe
 *   doctor.c   what `ipcns-bench doctor` asks of the machine
 *   registry.c the workloads and the ABI's sizes
 *
 * Everything declared here is hidden: the library exports ipcb.h's functions
 * and core.h's helpers, nothing else.
 */
#ifndef IPCB_INTERNAL_H
#define IPCB_INTERNAL_H

#include "core.h"

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

/* A measured process that stopped on a termination signal exits with this (128 + SIGTERM). */
#define IPCB_EXIT_TERMINATED (128 + SIGTERM)

#pragma GCC visibility push(hidden)

/* sigsafe.c */
void copy_call(char *dst, const char *src);   /* at most IPCB_CALL_LEN - 1 bytes, then a 0 */
char *put_uint(char *p, uint64_t v);          /* decimal, no 0: returns the end */
long write_all(int fd, const char *p, size_t n);
uint64_t ns_inode_self(void);
int64_t cpu_now(void);
int pin_cpu(int cpu);
double measure_timer(void);
pid_t raw_clone(unsigned long flags);
int pidfd_open_(pid_t pid);
int wait_fds_until(const int *fds, int n, int64_t until_ns);
pid_t clone_blocked(unsigned long flags, sigset_t *old);

/* control.c: getppid() calls and spin-loop steps per second on this CPU, in chunks that end before `until` (0: none fitted) */
void measure_controls(int64_t until, double *syscall_rate, double *spin_rate);

/* track.c */
void remove_tracked(struct ipcb_page *page, int journal_fd);

/* nsprobe.c */
int write_sysctls(const char *list, char *failed_name);
int map_self_to_root(uid_t uid, gid_t gid, char *failed);

/* window.c: the leader of one window's group; it never returns */
__attribute__((noreturn)) void leader_main(const struct ipcb_spec *spec, struct ipcb_page *page,
                                           const struct ipcb_workload *wl, pid_t caller, uid_t uid, gid_t gid,
                                           int ready_fd);

#pragma GCC visibility pop

#endif
