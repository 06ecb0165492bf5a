/* safefile_keeper.c - the small process that keeps root only to rename finished output files into place (or remove them) for a writer that has dropped privileges. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pathmortem/common.h"
#include "util/safefile.h"

#define KEEPER_MAX 8
/* descriptors above this are not ours to close (valgrind keeps its own high up) */
#define KEEPER_FD_SCAN 1024

struct kept {
    int dirfd;
    char name[256];
    char tmp[256];
    dev_t dev;
    ino_t ino;
    bool done;
};

static bool ours(int fd, const struct kept *k, size_t n, int sock)
{
    if (fd == sock || fd == 2)
        return true;
    for (size_t i = 0; i < n; i++)
        if (k[i].dirfd == fd)
            return true;
    return false;
}

/* Our temp file, not one swapped in under its name. */
static bool still_ours(const struct kept *k)
{
    struct stat sb;
    return fstatat(k->dirfd, k->tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) && sb.st_dev == k->dev &&
           sb.st_ino == k->ino;
}

static int32_t do_commit(struct kept *k)
{
    if (k->done)
        return EINVAL;
    if (!still_ours(k))
        return EXDEV;
    if (renameat(k->dirfd, k->tmp, k->dirfd, k->name) != 0)
        return errno;
    fsync(k->dirfd);
    k->done = true;
    return 0;
}

static void do_remove(struct kept *k)
{
    if (!k->done && still_ours(k))
        unlinkat(k->dirfd, k->tmp, 0);
    k->done = true;
}

static void __attribute__((noreturn)) keeper_main(int sock, struct kept *k, size_t n)
{
    /* Ctrl-C reaches the whole process group: the keeper must outlive the
     * writer to clean up after it, so only the pipe closing ends it. */
    static const int ignored[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP};
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++)
        signal(ignored[i], SIG_IGN);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        /* hold no end of the writer's stdout: a reader of it sees EOF when the writer ends */
        dup2(null, 0);
        dup2(null, 1);
    }
    for (int fd = 3; fd < KEEPER_FD_SCAN; fd++)
        if (!ours(fd, k, n, sock))
            close(fd);
    for (;;) {
        unsigned char req[2];
        ssize_t got;
        do
            got = read(sock, req, sizeof req);
        while (got < 0 && errno == EINTR);
        if (got != 2)
            break;
        int32_t ans = EINVAL;
        if (req[1] < n) {
            if (req[0] == 'C')
                ans = do_commit(&k[req[1]]);
            else if (req[0] == 'A') {
                do_remove(&k[req[1]]);
                ans = 0;
            }
        }
        if (write(sock, &ans, sizeof ans) != (ssize_t)sizeof ans)
            break;
    }
    for (size_t i = 0; i < n; i++)
        do_remove(&k[i]);
    _exit(0);
}

int pm_keeper_start(struct pm_keeper *k, struct pm_safefile *const *files, size_t n, char *errbuf)
{
    k->pid = -1;
    k->fd = -1;
    struct kept kept[KEEPER_MAX];
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        struct pm_safefile *f = files[i];
        if (!f || !f->active || f->direct)
            continue;
        if (nk == KEEPER_MAX)
            return pm_err(errbuf, PM_ELIMIT, "too many output files (cap %d)", KEEPER_MAX);
        kept[nk].dirfd = f->dirfd;
        memcpy(kept[nk].name, f->name, sizeof kept[nk].name);
        memcpy(kept[nk].tmp, f->tmp, sizeof kept[nk].tmp);
        kept[nk].dev = f->dev;
        kept[nk].ino = f->ino;
        kept[nk].done = false;
        nk++;
    }
    if (!nk)
        return PM_OK;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return pm_err(errbuf, PM_EIO, "cannot start the file keeper: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return pm_err(errbuf, PM_EIO, "cannot start the file keeper: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        keeper_main(sv[1], kept, nk);
    }
    close(sv[1]);
    k->pid = pid;
    k->fd = sv[0];
    size_t idx = 0;
    for (size_t i = 0; i < n; i++) {
        struct pm_safefile *f = files[i];
        if (!f || !f->active || f->direct)
            continue;
        f->keeper_fd = k->fd;
        f->keeper_idx = (int)idx++;
        /* the writer keeps no way into the directory: the keeper renames */
        close(f->dirfd);
        f->dirfd = -1;
    }
    return PM_OK;
}

void pm_keeper_stop(struct pm_keeper *k)
{
    if (k->fd >= 0)
        close(k->fd);
    k->fd = -1;
    if (k->pid > 0) {
        int st;
        while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
    k->pid = -1;
}
