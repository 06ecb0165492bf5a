/* pcap.c - copying a run's capture into the store's pcap directory, gzip-compressed, durably, with its sha256. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "store/internal.h"
#include "util/sha256.h"

/* Where compressed bytes go: a file descriptor, or (fd < 0) a buffer
 * grown up to PM_STORE_MAX_PCAP. */
struct sink {
    int fd;
    unsigned char *buf;
    size_t len, cap;
};

static int sink_write(struct sink *k, const unsigned char *p, size_t n, char *errbuf)
{
    if (k->fd < 0) {
        if (k->len + n > PM_STORE_MAX_PCAP)
            return pm_err(errbuf, PM_ELIMIT, "the compressed capture is larger than %u MiB", PM_STORE_MAX_PCAP >> 20);
        if (k->len + n > k->cap) {
            size_t cap = k->cap ? k->cap : 65536;
            while (cap < k->len + n)
                cap *= 2;
            unsigned char *b = realloc(k->buf, cap);
            if (!b)
                return pm_err(errbuf, PM_ENOMEM, "out of memory compressing the capture");
            k->buf = b;
            k->cap = cap;
        }
        memcpy(k->buf + k->len, p, n);
        k->len += n;
        return PM_OK;
    }
    for (size_t off = 0; off < n;) {
        ssize_t w = write(k->fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return pm_err(errbuf, PM_EIO, "cannot write the compressed capture: %s", strerror(errno));
        off += (size_t)w;
    }
    return PM_OK;
}

/* Compresses src into the sink; hashes the compressed bytes. */
static int deflate_into(FILE *in, struct sink *k, struct pm_sha256 *sha, char *errbuf)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: gzip wrapper, so `zcat x.pcap.gz | tcpdump -r -` works */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return pm_err(errbuf, PM_ENOMEM, "cannot start compression");
    static const size_t CH = 65536;
    unsigned char ibuf[65536], obuf[65536];
    int rc = PM_OK, flush;
    do {
        size_t n = fread(ibuf, 1, CH, in);
        if (ferror(in)) {
            rc = pm_err(errbuf, PM_EIO, "cannot read the capture");
            break;
        }
        flush = feof(in) ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = ibuf;
        z.avail_in = (uInt)n;
        do {
            z.next_out = obuf;
            z.avail_out = (uInt)CH;
            if (deflate(&z, flush) == Z_STREAM_ERROR) {
                rc = pm_err(errbuf, PM_EIO, "compression failed");
                break;
            }
            size_t have = CH - z.avail_out;
            rc = sink_write(k, obuf, have, errbuf);
            pm_sha256_update(sha, obuf, have);
        } while (!rc && z.avail_out == 0);
    } while (!rc && flush != Z_FINISH);
    deflateEnd(&z);
    return rc;
}

/* Gives the finished temp file its final name without ever replacing a
 * file: link() fails on an existing name, then the next suffix is tried. */
static int place(const char *tmp, const char *stem, char *dst, size_t dst_len, char *errbuf)
{
    for (int k = 0; k < 100; k++) {
        int n = k ? snprintf(dst, dst_len, "%s-%d.pcap.gz", stem, k) : snprintf(dst, dst_len, "%s.pcap.gz", stem);
        if (n < 0 || (size_t)n >= dst_len)
            return pm_err(errbuf, PM_ELIMIT, "pcap path too long");
        if (link(tmp, dst) == 0) {
            unlink(tmp);
            return PM_OK;
        }
        if (errno != EEXIST)
            return pm_err(errbuf, PM_EIO, "cannot create %s: %s", dst, strerror(errno));
    }
    return pm_err(errbuf, PM_EIO, "cannot find a free name for %s.pcap.gz", stem);
}

/* Copies from in (not closed here). */
static int copy_stream(FILE *in, const char *stem, char *dst, size_t dst_len, char sha_hex[65], char *errbuf)
{
    char tmp[4096 + 16];
    int n = snprintf(tmp, sizeof tmp, "%s.pcap.gz.tmp", stem);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return pm_err(errbuf, PM_ELIMIT, "pcap path too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0)
        return pm_err(errbuf, PM_EIO, "cannot create %s: %s", tmp, strerror(errno));
    struct pm_sha256 sha;
    pm_sha256_init(&sha);
    struct sink k = {.fd = fd};
    int rc = deflate_into(in, &k, &sha, errbuf);
    if (!rc && fsync(fd) != 0)
        rc = pm_err(errbuf, PM_EIO, "cannot sync %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && !rc)
        rc = pm_err(errbuf, PM_EIO, "cannot write %s: %s", tmp, strerror(errno));
    if (!rc)
        rc = place(tmp, stem, dst, dst_len, errbuf);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    char dir[4096 + 16];
    snprintf(dir, sizeof dir, "%s", dst);
    int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    pm_sha256_hex(&sha, sha_hex);
    return PM_OK;
}

int pm_store_pcap_copy(const char *src, const char *stem, char *dst, size_t dst_len, char sha_hex[65],
                       char *errbuf)
{
    FILE *in = fopen(src, "rbe");
    if (!in)
        return pm_err(errbuf, PM_EIO, "cannot read capture %s: %s", src, strerror(errno));
    int rc = copy_stream(in, stem, dst, dst_len, sha_hex, errbuf);
    fclose(in);
    return rc;
}

/* The capture behind src_fd as a stream of its own, read from the start:
 * the caller's offset is the writer's. NULL with errbuf set. */
static FILE *reread(int src_fd, char *errbuf)
{
    int fd = dup(src_fd);
    FILE *in = fd >= 0 ? fdopen(fd, "rb") : NULL;
    if (in && fseeko(in, 0, SEEK_SET) == 0)
        return in;
    pm_err(errbuf, PM_EIO, "cannot read the capture: %s", strerror(errno));
    if (in)
        fclose(in);
    else if (fd >= 0)
        close(fd);
    return NULL;
}

int pm_store_pcap_copy_fd(int src_fd, const char *stem, char *dst, size_t dst_len, char sha_hex[65],
                          char *errbuf)
{
    FILE *in = reread(src_fd, errbuf);
    if (!in)
        return PM_EIO;
    int rc = copy_stream(in, stem, dst, dst_len, sha_hex, errbuf);
    fclose(in);
    return rc;
}

int pm_store_pcap_gzip_fd(int src_fd, unsigned char **out, size_t *out_len, char sha_hex[65], char *errbuf)
{
    *out = NULL;
    *out_len = 0;
    FILE *in = reread(src_fd, errbuf);
    if (!in)
        return PM_EIO;
    struct sink k = {.fd = -1};
    struct pm_sha256 sha;
    pm_sha256_init(&sha);
    int rc = deflate_into(in, &k, &sha, errbuf);
    fclose(in);
    if (rc) {
        free(k.buf);
        return rc;
    }
    pm_sha256_hex(&sha, sha_hex);
    *out = k.buf;
    *out_len = k.len;
    return PM_OK;
}
