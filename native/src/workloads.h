#ifndef IPCB_WORKLOADS_H
#define IPCB_WORKLOADS_H
#include "core.h"

#define IPCB_WORKLOAD(sym) extern const struct ipcb_workload sym;
#include "workloads.def"
#undef IPCB_WORKLOAD

extern const struct ipcb_workload *const ipcb_workloads[];
#endif
