/*
 * A test fixture: another program that holds SysV message queues with given
 * keys, as a second run or a hostile neighbour would, until its stdin
 * closes; then it removes them.
 *
 *   hold-keys KEY...      (keys in hex, 0x...; prints "key id" per queue)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int ids[256];
    int n = 0;
    for (int i = 1; i < argc && n < 256; i++) {
        key_t key = (key_t)strtoul(argv[i], NULL, 0);
        int id = msgget(key, IPC_CREAT | IPC_EXCL | 0600);
        if (id < 0) { perror("msgget"); return 1; }
        ids[n++] = id;
        printf("0x%x %d\n", (unsigned)key, id);
    }
    fflush(stdout);
    char b;
    while (read(0, &b, 1) > 0) {}
    for (int i = 0; i < n; i++) msgctl(ids[i], IPC_RMID, NULL);
    return 0;
}
