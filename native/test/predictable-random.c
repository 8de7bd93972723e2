/*
 * A test fixture, preloaded into the tool (LD_PRELOAD): it takes the place of
 * the core's random source (ipcb_random, which the core calls through the
 * PLT) with a counter, so that a test knows the POSIX queue names a run will
 * try, as an adversary who could predict them would. Every measured process
 * starts from its caller's copy of the counter: each group's leader draws 1,
 * 2, 3, ... in turn.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static uint64_t next = 1;

int ipcb_random(void *buf, size_t len)
{
    uint64_t v = next++;
    memset(buf, 0, len);
    memcpy(buf, &v, len < sizeof(v) ? len : sizeof(v));
    return 0;
}
