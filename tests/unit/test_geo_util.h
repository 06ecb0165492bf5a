/* test_geo_util.h - scratch directories and files for the geo tests (header-only, static inline). */
#ifndef PATHMORTEM_TEST_GEO_UTIL_H
#define PATHMORTEM_TEST_GEO_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pathmortem/geo.h"

struct scratch {
    char dir[64];
};

static inline void scratch_open(struct scratch *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/pm-geo-test.XXXXXX");
    if (!mkdtemp(s->dir))
        abort();
}

/* Removes every plain file in the directory, then the directory. */
static inline void scratch_close(struct scratch *s)
{
    DIR *d = opendir(s->dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", s->dir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(s->dir);
}

static inline const char *scratch_path(const struct scratch *s, const char *name, char buf[512])
{
    snprintf(buf, 512, "%s/%s", s->dir, name);
    return buf;
}

static inline const char *scratch_write(const struct scratch *s, const char *name, const void *data, size_t len,
                                        char buf[512])
{
    scratch_path(s, name, buf);
    FILE *f = fopen(buf, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        abort();
    return buf;
}

static inline const char *scratch_text(const struct scratch *s, const char *name, const char *text, char buf[512])
{
    return scratch_write(s, name, text, strlen(text), buf);
}

/* Reads a whole (small) file; caller frees. */
static inline unsigned char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(n > 0 ? (size_t)n : 1);
    if (p && n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
        free(p);
        p = NULL;
    }
    fclose(f);
    *len = (size_t)(n > 0 ? n : 0);
    return p;
}

/* Builds an ASN (or city) database from CSV text; returns pm_geo_build's status. */
static inline int build_from_text(const struct scratch *s, enum pm_geo_kind kind, const char *csv, const char *out_name,
                                  struct pm_geo_build_stats *st, char *err, char out[512])
{
    char in[512];
    scratch_text(s, kind == PM_GEO_KIND_ASN ? "in-asn.csv" : "in-city.csv", csv, in);
    scratch_path(s, out_name, out);
    const char *paths[1] = {in};
    return pm_geo_build(kind, paths, 1, out, 1700000000, NULL, st, err);
}

static inline unsigned ip(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return a << 24 | b << 16 | c << 8 | d;
}

#endif
