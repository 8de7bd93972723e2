#include "workloads.h"

const struct ipcb_workload *const ipcb_workloads[] = {
#define IPCB_WORKLOAD(sym) &sym,
#include "workloads.def"
#undef IPCB_WORKLOAD
};

int32_t ipcb_workload_count(void) { return (int32_t)(sizeof(ipcb_workloads) / sizeof(ipcb_workloads[0])); }

const char *ipcb_workload_name(int32_t i)
{
    return (i >= 0 && i < ipcb_workload_count()) ? ipcb_workloads[i]->name : "";
}

int32_t ipcb_workload_parties(int32_t i)
{
    return (i >= 0 && i < ipcb_workload_count()) ? ipcb_workloads[i]->parties : 0;
}
