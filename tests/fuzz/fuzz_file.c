/* fuzz_file.c - scratch files for targets whose code under test only reads from a path, and the property-failure hook. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* A handful of tags per target; more would be a bug in a target. */
#define MAX_TAGS 8

static char paths[MAX_TAGS][256];
static char tags[MAX_TAGS][32];
static int n_tags;

static const char *path_for(const char *tag)
{
    for (int i = 0; i < n_tags; i++)
        if (!strcmp(tags[i], tag))
            return paths[i];
    if (n_tags == MAX_TAGS || strlen(tag) >= sizeof tags[0])
        return NULL;
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(tags[n_tags], sizeof tags[0], "%s", tag);
    snprintf(paths[n_tags], sizeof paths[0], "%s/pm-fuzz-%ld-%s", dir, (long)getpid(), tag);
    if (n_tags == 0)
        atexit(pm_fuzz_cleanup);
    return paths[n_tags++];
}

const char *pm_fuzz_file(const char *tag, const uint8_t *data, size_t size)
{
    const char *p = path_for(tag);
    if (!p)
        return NULL;
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, data + off, size - off);
        if (w <= 0) {
            close(fd);
            return NULL;
        }
        off += (size_t)w;
    }
    close(fd);
    return p;
}

void pm_fuzz_cleanup(void)
{
    static const char *const sides[] = {"", "-wal", "-shm", "-journal", ".lock"};
    char buf[320];
    for (int i = 0; i < n_tags; i++)
        for (size_t s = 0; s < sizeof sides / sizeof sides[0]; s++) {
            snprintf(buf, sizeof buf, "%.255s%s", paths[i], sides[s]);
            unlink(buf);
        }
}

void pm_fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
    abort();
}
