#include "mq_common.h"
#include <fcntl.h>
#include <sys/stat.h>

/*
 * A queue's name is "/ipcnsb-" and IPCB_MQ_NAME_BITS random bits in hex: no
 * one can take it in advance (another user holds at most
 * fs.mqueue.queues_max names), and the bits are exact as a JS number, for
 * the failure report. The prefix marks the tool's queues; `clean` still
 * proves each one from the run's journal.
 */
#define IPCB_MQ_NAME_BITS 52
/* Only an adversary who can predict the names takes one; more tries would not beat it. */
#define IPCB_MQ_NAME_TRIES 8

static void mq_name(char *out, uint64_t bits)
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (const char *t = "/ipcnsb-"; *t; t++) *p++ = *t;
    for (int shift = IPCB_MQ_NAME_BITS - 4; shift >= 0; shift -= 4) *p++ = hex[(bits >> shift) & 15];
    *p = 0;
}

/* The uid that holds a queue, or -1 where this process may not look (a queue of mode 0600, and no CAP_DAC_OVERRIDE). */
static int32_t queue_owner(const char *name)
{
    mqd_t q = mq_open(name, O_RDONLY | O_CLOEXEC);
    if (q == (mqd_t)-1) return -1;
    struct stat st;
    int32_t uid = fstat((int)q, &st) == 0 ? (int32_t)st.st_uid : -1;
    mq_close(q);
    return uid;
}

/*
 * Creates a queue under a fresh random name, which it unlinks at once, as
 * the name would only be a leak: the descriptor keeps the queue alive for
 * both parties. A name that is taken already is another's: it tries another.
 */
static int open_queue(struct ipcb_ctx *c, mqd_t *mq, const struct mq_attr *attr)
{
    char name[32];
    uint64_t bits = 0;
    int err = EEXIST;
    for (int attempt = 0; attempt < IPCB_MQ_NAME_TRIES && err == EEXIST; attempt++) {
        if ((err = ipcb_random(&bits, sizeof(bits))) != 0) return ipcb_fail_errno(c, "getrandom", err);
        bits &= (1ULL << IPCB_MQ_NAME_BITS) - 1;
        mq_name(name, bits);
        /*
         * The name exists from mq_open to mq_unlink: journaled around it (host
         * mode), and a termination in between waits for the unlink.
         */
        ipcb_journal_name(c, name, '+');
        ipcb_create_begin();
        *mq = mq_open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600, attr);
        err = *mq == (mqd_t)-1 ? errno : 0;
        int unlinked = err == 0 ? mq_unlink(name) : 0;
        int unlink_err = errno;
        ipcb_create_end();
        if (err == 0 && unlinked != 0) return ipcb_fail_errno(c, "mq_unlink", unlink_err);
        ipcb_journal_name(c, name, '-');
    }
    if (err == EEXIST) {
        c->page->foreign_key = (int64_t)bits;
        c->page->foreign_uid = queue_owner(name);
    }
    return err == 0 ? 0 : ipcb_fail_errno(c, "mq_open", err);
}

int ipcb_mq_setup(struct ipcb_ctx *c, int count, long depth)
{
    struct ipcb_mq_state *s = IPCB_MQ(c);
    /* Descriptor 0 may be open (stdin): "none" is -1, set before anything can fail (teardown follows a failed setup). */
    s->mq[0] = s->mq[1] = (mqd_t)-1;
    struct mq_attr attr = { .mq_flags = 0, .mq_maxmsg = depth, .mq_msgsize = (long)c->spec->size };
    for (int i = 0; i < count; i++) {
        if (open_queue(c, &s->mq[i], &attr) != 0) return -1;
    }
    c->buf = ipcb_buffer(c, (uint64_t)c->spec->size);
    if (!c->buf) return ipcb_fail(c, "mmap");
    return 0;
}

void ipcb_mq_teardown(struct ipcb_ctx *c)
{
    struct ipcb_mq_state *s = IPCB_MQ(c);
    for (int i = 0; i < 2; i++) {
        if (s->mq[i] != (mqd_t)-1) mq_close(s->mq[i]);
        s->mq[i] = (mqd_t)-1;
    }
}
