/*
 * track.c: the objects a group made in the host namespace. Each is tracked
 * in the results page (the caller removes what a killed group left) and, out
 * of the measured loop, in the run's journal (ipcns-bench clean removes what
 * a killed tool left); the journal is held under a lock for the run's life.
 */
#define _GNU_SOURCE
#include "internal.h"

#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

/* One journal line, "msg 123 1073741824 +": kind, id, key, created (+) or removed (-). */
static void journal(int fd, int kind, int id, int key, char op)
{
    if (fd < 0) return;
    static const char *const names[] = { "?", "msg", "sem", "shm" };
    char line[64];
    char *p = line;
    for (const char *n = names[kind > 0 && kind < 4 ? kind : 0]; *n; n++) *p++ = *n;
    *p++ = ' ';
    p = put_uint(p, (uint64_t)(uint32_t)id);
    *p++ = ' ';
    p = put_uint(p, (uint64_t)(uint32_t)key);
    *p++ = ' ';
    *p++ = op;
    *p++ = '\n';
    ssize_t w = write(fd, line, (size_t)(p - line)); /* O_APPEND: whole lines, never interleaved */
    (void)w;
}

void ipcb_journal_name(const struct ipcb_ctx *c, const char *name, char op)
{
    int fd = c->spec->journal_fd;
    if (fd < 0 || c->spec->mode != IPCB_MODE_HOST) return;
    char line[96];
    char *p = line;
    for (const char *t = "mq "; *t; t++) *p++ = *t;
    for (const char *t = name; *t && p < line + sizeof(line) - 4; t++) *p++ = *t;
    *p++ = ' ';
    *p++ = op;
    *p++ = '\n';
    ssize_t w = write(fd, line, (size_t)(p - line)); /* O_APPEND: whole lines */
    (void)w;
}

int ipcb_track(struct ipcb_ctx *c, int kind, int id, int key)
{
    if (c->spec->mode != IPCB_MODE_HOST) return -1; /* dies with its namespace */
    for (int i = 0; i < IPCB_MAX_TRACKED; i++) {
        if (c->page->tracked_kind[i] == IPCB_OBJ_NONE) {
            c->page->tracked_id[i] = id;
            c->page->tracked_journaled[i] = !c->in_loop && c->spec->journal_fd >= 0;
            if (c->page->tracked_journaled[i]) journal(c->spec->journal_fd, kind, id, key, '+');
            __atomic_store_n(&c->page->tracked_kind[i], kind, __ATOMIC_RELEASE);
            return i;
        }
    }
    return -1;
}

static void untrack_slot(struct ipcb_page *page, int journal_fd, int slot)
{
    int kind = page->tracked_kind[slot];
    if (kind == IPCB_OBJ_NONE) return;
    if (page->tracked_journaled[slot]) journal(journal_fd, kind, page->tracked_id[slot], 0, '-');
    __atomic_store_n(&page->tracked_kind[slot], IPCB_OBJ_NONE, __ATOMIC_RELEASE);
}

void ipcb_untrack(struct ipcb_ctx *c, int slot)
{
    if (slot >= 0) untrack_slot(c->page, c->spec->journal_fd, slot);
}

/* Removes every tracked object: the caller after a killed group, or a child told its caller died. */
void remove_tracked(struct ipcb_page *page, int journal_fd)
{
    for (int i = 0; i < IPCB_MAX_TRACKED; i++) {
        int kind = page->tracked_kind[i];
        int id = page->tracked_id[i];
        if (kind == IPCB_OBJ_NONE) continue;
        if (kind == IPCB_OBJ_MSG) msgctl(id, IPC_RMID, NULL);
        else if (kind == IPCB_OBJ_SEM) semctl(id, 0, IPC_RMID);
        else if (kind == IPCB_OBJ_SHM) shmctl(id, IPC_RMID, NULL);
        untrack_slot(page, journal_fd, i);
    }
}

int32_t ipcb_remove(int32_t kind, int32_t id)
{
    int r = kind == IPCB_OBJ_MSG ? msgctl(id, IPC_RMID, NULL)
          : kind == IPCB_OBJ_SEM ? semctl(id, 0, IPC_RMID)
          : kind == IPCB_OBJ_SHM ? shmctl(id, IPC_RMID, NULL) : (errno = EINVAL, -1);
    return r == 0 ? 0 : errno;
}

int ipcb_first_key(const struct ipcb_ctx *c, int *flags)
{
    /* IPC_PRIVATE never collides with anyone's key; a given key is created
     * exclusively, so two groups that share a namespace cannot share the object. */
    *flags = IPC_CREAT | 0600;
    if (c->spec->key_base == 0) return IPC_PRIVATE;
    *flags |= IPC_EXCL;
    return (int)c->spec->key_base;
}

/* ---------- the journal's lock ---------- */

int32_t ipcb_flock(int32_t fd, int32_t op)
{
    int how = op == IPCB_LOCK_TRY ? LOCK_EX | LOCK_NB : op == IPCB_LOCK_WAIT ? LOCK_EX : LOCK_UN;
    while (flock(fd, how) != 0) {
        if (errno != EINTR) return errno;
    }
    return 0;
}
