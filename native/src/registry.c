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

int32_t ipcb_workload_flags(int32_t i)
{
    if (i < 0 || i >= ipcb_workload_count()) return 0;
    const struct ipcb_workload *wl = ipcb_workloads[i];
    return (wl->bytes_per_op_is_size ? IPCB_WL_BYTES_OPS_X_SIZE : 0)
         | (wl->uses_keys ? IPCB_WL_USES_KEYS : 0)
         | (wl->ops_end_in_b ? IPCB_WL_OPS_END_IN_B : 0);
}

/* ---------- the ABI's sizes ---------- */

int32_t ipcb_abi(void) { return IPCB_ABI_VERSION; }
int32_t ipcb_result_size(void) { return (int32_t)sizeof(struct ipcb_result); }
int32_t ipcb_spec_size(void) { return (int32_t)sizeof(struct ipcb_spec); }
int64_t ipcb_now_ns(void) { return ipcb_clock(); }
