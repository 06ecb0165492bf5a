/* mrt_file.c - opens an MRT file (gzip, bzip2 or plain), frames its records one at a time in a capped buffer, and hands each to its decoder. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bgp/internal.h"

int pm_mrt_open(const char *path, struct pm_mrt_file **out, char *errbuf)
{
    *out = NULL;
    struct pm_mrt_file *f = calloc(1, sizeof *f);
    if (!f)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    snprintf(f->path, sizeof f->path, "%s", path);
    f->fp = fopen(path, "rb");
    if (!f->fp) {
        int e = errno;
        free(f);
        return pm_err(errbuf, PM_EIO, "%s: %s", path, strerror(e));
    }
    /* bzip2 is told by its magic "BZh"; zlib reads gzip and plain files alike. */
    uint8_t magic[3] = {0};
    size_t got = fread(magic, 1, sizeof magic, f->fp);
    rewind(f->fp);
    if (got == 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
        int bzerr = BZ_OK;
        f->bz = BZ2_bzReadOpen(&bzerr, f->fp, 0, 0, NULL, 0);
        if (bzerr != BZ_OK) {
            fclose(f->fp);
            free(f);
            return pm_err(errbuf, PM_EIO, "%s: cannot start bzip2 decompression", path);
        }
    } else {
        int fd = dup(fileno(f->fp));
        f->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
        if (!f->gz) {
            if (fd >= 0)
                close(fd);
            fclose(f->fp);
            free(f);
            return pm_err(errbuf, PM_EIO, "%s: cannot start gzip decompression", path);
        }
        /* Bounded memory: zlib's own buffer, not the whole file. */
        gzbuffer(f->gz, 64u << 10);
    }
    *out = f;
    return PM_OK;
}

void pm_mrt_close(struct pm_mrt_file *f)
{
    if (!f)
        return;
    if (f->bz) {
        int bzerr;
        BZ2_bzReadClose(&bzerr, f->bz);
    }
    if (f->gz)
        gzclose(f->gz);
    if (f->fp)
        fclose(f->fp);
    free(f->buf);
    free(f->peers);
    free(f);
}

/* bzip2 files may hold several streams one after the other (pbzip2, and
 * RouteViews' archives are read by tools that accept them): on the end of
 * one, start the next from the bytes the library read ahead. */
static int bz_restart(struct pm_mrt_file *f)
{
    void *unused = NULL;
    int nunused = 0, bzerr;
    BZ2_bzReadGetUnused(&bzerr, f->bz, &unused, &nunused);
    if (bzerr != BZ_OK)
        return -1;
    char keep[BZ_MAX_UNUSED];
    if (nunused > 0)
        memcpy(keep, unused, (size_t)nunused);
    BZ2_bzReadClose(&bzerr, f->bz);
    f->bz = NULL;
    if (nunused == 0) {
        int c = fgetc(f->fp);
        if (c == EOF)
            return 1;
        ungetc(c, f->fp);
    }
    f->bz = BZ2_bzReadOpen(&bzerr, f->fp, 0, 0, nunused ? keep : NULL, nunused);
    return bzerr == BZ_OK ? 0 : -1;
}

/* Reads up to n bytes; returns how many (short only at the end of the
 * file), or -1 on a decompression or read error. */
static long raw_read(struct pm_mrt_file *f, uint8_t *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        if (f->gz) {
            int r = gzread(f->gz, dst + done, (unsigned)(n - done));
            if (r < 0)
                return -1;
            if (r == 0) {
                int zerr;
                gzerror(f->gz, &zerr);
                if (zerr != Z_OK && zerr != Z_BUF_ERROR)
                    return -1;
                /* zlib reports a cut gzip member as Z_BUF_ERROR at the end. */
                if (zerr == Z_BUF_ERROR)
                    return -1;
                break;
            }
            done += (size_t)r;
        } else {
            if (!f->bz || f->bzeof)
                break;
            int bzerr = BZ_OK;
            int r = BZ2_bzRead(&bzerr, f->bz, dst + done, (int)(n - done > (1u << 30) ? (1u << 30) : n - done));
            if (bzerr != BZ_OK && bzerr != BZ_STREAM_END)
                return -1;
            if (r > 0)
                done += (size_t)r;
            if (bzerr == BZ_STREAM_END) {
                int rs = bz_restart(f);
                if (rs < 0)
                    return -1;
                if (rs > 0)
                    f->bzeof = 1;
            }
        }
    }
    return (long)done;
}

int pm_mrt_emit(struct pm_mrt_ctx *x)
{
    if (!x->fn)
        return PM_OK;
    return x->fn(&x->ev, x->arg);
}

int pm_mrt_bad(struct pm_mrt_ctx *x, const char *what)
{
    return pm_err(x->errbuf, PM_ECORRUPT, "%s", what);
}

int pm_mrt_decode(struct pm_mrt_file *f, uint16_t type, uint16_t subtype, uint32_t time, uint32_t usec,
                  const uint8_t *body, size_t len, uint64_t offset, pm_bgp_event_fn fn, void *ctx, char *errbuf)
{
    struct pm_mrt_ctx x = {.f = f, .fn = fn, .arg = ctx, .errbuf = errbuf};
    x.ev.time = time;
    x.ev.usec = usec;
    x.ev.offset = offset;
    x.ev.safi = 1;
    struct pm_cursor c;
    pm_cursor_init(&c, body, len);
    switch (type) {
    case PM_MRT_TABLE_DUMP:
        return pm_mrt_table_dump(&x, subtype, &c);
    case PM_MRT_TABLE_DUMP_V2:
        return pm_mrt_table_dump_v2(&x, subtype, &c);
    case PM_MRT_BGP4MP:
    case PM_MRT_BGP4MP_ET:
        x.ev.format = type == PM_MRT_BGP4MP ? "BGP4MP" : "BGP4MP_ET";
        return pm_mrt_bgp4mp(&x, subtype, &c);
    default:
        return pm_err(errbuf, PM_EUNSUPP, "MRT type %u not decoded", type);
    }
}

/* Counts events on their way to the caller's callback. */
struct counted {
    pm_bgp_event_fn fn;
    void *ctx;
    struct pm_mrt_stats *st;
};

static int count_event(const struct pm_bgp_event *ev, void *arg)
{
    struct counted *cc = arg;
    cc->st->events++;
    return cc->fn ? cc->fn(ev, cc->ctx) : 0;
}

static int where(struct pm_mrt_file *f, char *errbuf, uint64_t off, const char *what)
{
    return pm_err(errbuf, PM_ECORRUPT, "%s: byte offset %llu: %s", f->path, (unsigned long long)off, what);
}

int pm_mrt_read(struct pm_mrt_file *f, pm_bgp_event_fn fn, void *ctx, struct pm_mrt_stats *st, char *errbuf)
{
    memset(st, 0, sizeof *st);
    for (;;) {
        uint8_t h[12];
        uint64_t start = f->offset;
        long got = raw_read(f, h, sizeof h);
        if (got < 0)
            return where(f, errbuf, start, "decompression failed (corrupt or cut compressed file)");
        if (got == 0)
            return PM_OK;
        f->offset += (uint64_t)got;
        if ((size_t)got < sizeof h)
            return where(f, errbuf, start, "cut record: the file ends inside an MRT header");
        struct pm_cursor hc;
        pm_cursor_init(&hc, h, sizeof h);
        uint32_t time, len;
        uint16_t type, subtype;
        (void)(pm_cursor_be32(&hc, &time) | pm_cursor_be16(&hc, &type) | pm_cursor_be16(&hc, &subtype) |
               pm_cursor_be32(&hc, &len));
        if (len > PM_MRT_MAX_RECORD) {
            char why[96];
            snprintf(why, sizeof why, "record length %u is past the cap of %u bytes", len, PM_MRT_MAX_RECORD);
            return where(f, errbuf, start, why);
        }
        if (len > f->cap) {
            size_t ncap = f->cap ? f->cap : 4096;
            while (ncap < len)
                ncap *= 2;
            uint8_t *nb = realloc(f->buf, ncap);
            if (!nb)
                return pm_err(errbuf, PM_ENOMEM, "out of memory for a %u-byte record", len);
            f->buf = nb;
            f->cap = ncap;
        }
        got = raw_read(f, f->buf, len);
        if (got < 0)
            return where(f, errbuf, start, "decompression failed (corrupt or cut compressed file)");
        f->offset += (uint64_t)got;
        if ((uint32_t)got < len) {
            char why[96];
            snprintf(why, sizeof why, "cut record: %u bytes announced, %ld in the file", len, got);
            return where(f, errbuf, start, why);
        }
        st->records++;
        const uint8_t *body = f->buf;
        size_t blen = len;
        uint32_t usec = 0;
        /* BGP4MP_ET: the microseconds are counted in the length (RFC 6396 3). */
        if (type == PM_MRT_BGP4MP_ET) {
            struct pm_cursor ec;
            pm_cursor_init(&ec, body, blen);
            if (pm_cursor_be32(&ec, &usec) != PM_OK) {
                st->skipped_bad++;
                if (st->skipped_bad == 1) {
                    st->first_bad_offset = start;
                    snprintf(st->first_bad, sizeof st->first_bad, "BGP4MP_ET record without its microseconds");
                }
                continue;
            }
            body += 4;
            blen -= 4;
        }
        /* Check the whole record first, so a malformed one emits nothing. */
        char why[PM_ERRBUF_SIZE] = "";
        int rc = pm_mrt_decode(f, type, subtype, time, usec, body, blen, start, NULL, NULL, why);
        if (rc == PM_EUNSUPP) {
            st->skipped_unknown++;
            continue;
        }
        if (rc != PM_OK) {
            st->skipped_bad++;
            if (st->skipped_bad == 1) {
                st->first_bad_offset = start;
                snprintf(st->first_bad, sizeof st->first_bad, "%s", why);
            }
            continue;
        }
        struct counted cc = {fn, ctx, st};
        rc = pm_mrt_decode(f, type, subtype, time, usec, body, blen, start, count_event, &cc, why);
        if (rc != PM_OK)
            return rc;
    }
}
