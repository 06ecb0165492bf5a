/* safefile.h - output files that appear under their final name only when complete, created without following links, renamed by a small privileged keeper when the writer has dropped root. */
#ifndef PATHMORTEM_UTIL_SAFEFILE_H
#define PATHMORTEM_UTIL_SAFEFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* One file being written. The temp name lives in the directory of the final
 * name (so the rename is atomic) and is created with O_CREAT|O_EXCL|O_NOFOLLOW
 * relative to that directory's descriptor: a planted symlink or file makes the
 * open fail, never redirects it. An existing FIFO, terminal or character
 * device (e.g. -o /dev/stdout) is written in place ("direct"): there is no
 * temp file and nothing to rename. */
struct pm_safefile {
    int dirfd;            /* the directory of the final name (-1 once handed to the keeper or for direct files) */
    int fd;               /* the temp file (or the device itself); owned until commit/abort */
    char path[4096];      /* as the user named it, for messages */
    char name[256];       /* final base name */
    char tmp[256];        /* temp base name beside it */
    dev_t dev;            /* identity of the temp file, checked again before the rename */
    ino_t ino;
    bool direct;
    bool active;          /* opened and neither committed nor aborted */
    int keeper_fd;        /* -1: this process renames; else the keeper's request pipe */
    int keeper_idx;
};

/* Opens path for writing (mode before umask for a new file). PM_OK, or a
 * negative PM_E* with a one-line message: PM_EINVAL for a directory or a
 * symbolic link at path (name its target instead), PM_EPERM/PM_EIO when the
 * directory refuses. Removes temp files that an earlier run of ours, now
 * dead, left beside the same name. */
int pm_safefile_open(struct pm_safefile *f, const char *path, mode_t mode, char *errbuf);
/* A stdio stream on a duplicate of f->fd (the caller fcloses it and checks
 * the result before committing). NULL on failure (errno set). */
FILE *pm_safefile_stream(struct pm_safefile *f, const char *fmode);
/* Makes the file durable (fsync), closes it and renames the temp file over
 * the final name. On any failure the temp file is removed and the earlier
 * file of that name is left as it was. */
int pm_safefile_commit(struct pm_safefile *f, char *errbuf);
/* Removes the temp file (if still there) and closes; the final name is not touched. Idempotent. */
void pm_safefile_abort(struct pm_safefile *f);
/* The temp file's path (its directory as the user named it, then the temp
 * name), for a reader that needs a name (libmaxminddb reading back what
 * `geo build` wrote); -1 for a direct or inactive file. Only a read through
 * it is safe: the commit checks the inode again, whatever the name held. */
int pm_safefile_tmp_path(const struct pm_safefile *f, char *buf, size_t len);
/* Whether two opened files name the same final file (same directory and name, or the same device). */
bool pm_safefile_same(const struct pm_safefile *a, const struct pm_safefile *b);

/* An unnamed file in the directory dirfd (O_TMPFILE, or created O_EXCL and
 * unlinked at once where the file system lacks it), read-write, mode 0600.
 * Nothing in the directory can be made to redirect it and nothing is left
 * behind when the process dies. Returns the descriptor or -1 (errno set). */
int pm_safefile_anon(int dirfd);

/* The keeper: a process forked while still privileged that keeps the
 * directories of the given files and does their renames (or removals) when
 * the writer, unprivileged by then, asks. It reads only two-byte requests
 * naming a file by index, ignores the terminal's signals, and when the writer
 * goes away (its pipe closes, even on kill -9) removes every temp file not
 * committed. */
struct pm_keeper {
    pid_t pid;
    int fd;
};

/* Forks the keeper for the active, non-direct files among files[0..n-1];
 * from then on their commit/abort go through it. */
int pm_keeper_start(struct pm_keeper *k, struct pm_safefile *const *files, size_t n, char *errbuf);
/* Closes the pipe (the keeper then removes uncommitted temps) and reaps the keeper. */
void pm_keeper_stop(struct pm_keeper *k);

#endif
