/* geo_stream.c - `pathmortem geo lookup -`: addresses on stdin, one result line each (tab-separated text or JSON Lines). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/geo_stream.h"
#include "pathmortem/geo.h"
#include "pathmortem/util.h"

/* A line longer than this cannot hold an address (15 bytes and blanks): it
 * is a bad line, read to its end without storing it. */
#define LINE_MAX_BYTES 255
/* Bad lines named one by one on stderr; the rest are counted. */
#define BAD_REPORT_MAX 20
/* Bytes shown of a bad line in its error record. */
#define BAD_SHOW_MAX 64

#define IN_BUF (1u << 16)
#define OUT_BUF (1u << 17)
/* Longest result line: a 127-byte AS name and a 63-byte city, both possibly
 * doubled by JSON escapes, plus the fixed fields: well under this. */
#define OUT_LINE_MAX 1024

struct out {
    char buf[OUT_BUF];
    size_t len;
    bool failed;
    int err; /* errno of the failed write */
};

static void out_flush(struct out *o)
{
    size_t off = 0;
    while (!o->failed && off < o->len) {
        ssize_t w = write(STDOUT_FILENO, o->buf + off, o->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->failed = true; /* EPIPE (SIGPIPE is ignored), ENOSPC, ...: exit 74 */
            o->err = errno;
            break;
        }
        off += (size_t)w;
    }
    o->len = 0;
}

/* Room for one more result line, flushing first if needed. */
static char *out_room(struct out *o)
{
    if (OUT_BUF - o->len < OUT_LINE_MAX)
        out_flush(o);
    return o->buf + o->len;
}

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *put_u32(char *p, uint32_t v)
{
    char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *put_addr(char *p, uint32_t a)
{
    for (int i = 3; i >= 0; i--) {
        p = put_u32(p, (a >> (8 * i)) & 255);
        if (i)
            *p++ = '.';
    }
    return p;
}

static char *put_net(char *p, uint32_t addr, uint8_t len)
{
    uint32_t mask = pm_prefix_mask(len);
    p = put_addr(p, addr & mask);
    *p++ = '/';
    return put_u32(p, len);
}

/* A JSON string; s holds no control byte and is valid UTF-8 (pm_geo_copy_str
 * made it so, or it is our own text), so only '"' and '\' need escapes. */
static char *put_jstr(char *p, const char *s)
{
    *p++ = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            *p++ = '\\';
        *p++ = *s;
    }
    *p++ = '"';
    return p;
}

static char *put_field(char *p, const char *s)
{
    *p++ = '\t';
    return s[0] ? put_str(p, s) : put_str(p, "-");
}

/* addr  asn  as_name  asn_network  country  city  geo_network  special  (- for unknown) */
static char *format_text(char *p, uint32_t addr, const struct pm_geo_info *gi, const char *special, uint32_t snet,
                         uint8_t slen)
{
    p = put_addr(p, addr);
    *p++ = '\t';
    if (gi->asn) {
        p = put_str(p, "AS");
        p = put_u32(p, gi->asn);
        p = put_field(p, gi->as_name);
        *p++ = '\t';
        p = put_net(p, addr, gi->asn_prefix_len);
    } else {
        p = put_str(p, "-\t-\t-");
    }
    p = put_field(p, gi->country);
    p = put_field(p, gi->city);
    *p++ = '\t';
    p = gi->country[0] || gi->city[0] ? put_net(p, addr, gi->geo_prefix_len) : put_str(p, "-");
    *p++ = '\t';
    if (special) {
        p = put_str(p, special);
        *p++ = ' ';
        p = put_net(p, snet, slen);
    } else {
        *p++ = '-';
    }
    *p++ = '\n';
    return p;
}

/* The fields of `geo lookup --format json`'s "addresses" entries, one object per line. */
static char *format_json(char *p, uint32_t addr, const struct pm_geo_info *gi, const char *special, uint32_t snet,
                         uint8_t slen)
{
    p = put_str(p, "{\"addr\":\"");
    p = put_addr(p, addr);
    if (gi->asn) {
        p = put_str(p, "\",\"asn\":");
        p = put_u32(p, gi->asn);
        p = put_str(p, ",\"as_name\":");
        p = gi->as_name[0] ? put_jstr(p, gi->as_name) : put_str(p, "null");
        p = put_str(p, ",\"asn_network\":\"");
        p = put_net(p, addr, gi->asn_prefix_len);
        *p++ = '"';
    } else {
        p = put_str(p, "\",\"asn\":null,\"as_name\":null,\"asn_network\":null");
    }
    p = put_str(p, ",\"country\":");
    p = gi->country[0] ? put_jstr(p, gi->country) : put_str(p, "null");
    p = put_str(p, ",\"city\":");
    p = gi->city[0] ? put_jstr(p, gi->city) : put_str(p, "null");
    if (gi->country[0] || gi->city[0]) {
        p = put_str(p, ",\"geo_network\":\"");
        p = put_net(p, addr, gi->geo_prefix_len);
        *p++ = '"';
    } else {
        p = put_str(p, ",\"geo_network\":null");
    }
    if (special) {
        p = put_str(p, ",\"special\":{\"name\":");
        p = put_jstr(p, special);
        p = put_str(p, ",\"range\":\"");
        p = put_net(p, snet, slen);
        p = put_str(p, "\"}}\n");
    } else {
        p = put_str(p, ",\"special\":null}\n");
    }
    return p;
}

/* What the user typed, safe to print on one line: printable ASCII kept,
 * anything else '?', at most BAD_SHOW_MAX bytes. */
static void show_bad(char *dst, const char *s, size_t n)
{
    if (n > BAD_SHOW_MAX)
        n = BAD_SHOW_MAX;
    for (size_t i = 0; i < n; i++)
        dst[i] = s[i] >= 0x20 && s[i] < 0x7F && s[i] != '\t' ? s[i] : '?';
    dst[n] = '\0';
}

struct stream {
    struct pm_geo *g;
    bool json;
    struct out out;
    uint64_t line, bad;
};

static void bad_line(struct stream *st, const char *s, size_t n, const char *why)
{
    char shown[BAD_SHOW_MAX + 1];
    show_bad(shown, s, n);
    if (++st->bad <= BAD_REPORT_MAX)
        pm_cli_error("geo lookup: line %llu: %s: '%s'", (unsigned long long)st->line, why, shown);
    char *p = out_room(&st->out);
    if (st->json) {
        p = put_str(p, "{\"line\":");
        char num[24];
        snprintf(num, sizeof num, "%llu", (unsigned long long)st->line);
        p = put_str(p, num);
        p = put_str(p, ",\"input\":");
        p = put_jstr(p, shown);
        p = put_str(p, ",\"error\":");
        p = put_jstr(p, why);
        p = put_str(p, "}\n");
    } else {
        p = put_str(p, shown);
        p = put_str(p, "\terror\t");
        p = put_str(p, why);
        *p++ = '\n';
    }
    st->out.len = (size_t)(p - st->out.buf);
}

/* One input line (no newline): blanks and a CR around the address are allowed. */
static void one_line(struct stream *st, char *s, size_t n)
{
    st->line++;
    size_t a = 0, b = n;
    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r'))
        b--;
    if (a == b) {
        bad_line(st, s, n, "empty line");
        return;
    }
    char save = s[b];
    s[b] = '\0';
    uint32_t addr;
    int rc = pm_addr_parse(s + a, &addr);
    s[b] = save;
    if (rc != PM_OK) {
        bad_line(st, s + a, b - a, "not an IPv4 address (dotted quad)");
        return;
    }
    struct pm_geo_info gi;
    pm_geo_lookup_once(st->g, addr, &gi);
    uint32_t snet = 0;
    uint8_t slen = 0;
    const char *special = gi.special ? pm_geo_special(addr, &snet, &slen) : NULL;
    char *p = out_room(&st->out);
    p = st->json ? format_json(p, addr, &gi, special, snet, slen) : format_text(p, addr, &gi, special, snet, slen);
    st->out.len = (size_t)(p - st->out.buf);
}

static void long_line(struct stream *st, const char *head, size_t n)
{
    st->line++;
    bad_line(st, head, n, "longer than " PM_CLI_STR(LINE_MAX_BYTES) " bytes");
}

int pm_geo_stream(struct pm_geo *g, bool json)
{
    struct stream *st = calloc(1, sizeof *st);
    char *in = malloc(IN_BUF);
    if (!st || !in) {
        free(st);
        free(in);
        pm_cli_error("geo lookup: out of memory");
        return PM_EXIT_OSERR;
    }
    st->g = g;
    st->json = json;
    size_t have = 0;         /* bytes of the unfinished line kept at in[0..have) */
    bool skipping = false;   /* the unfinished line passed LINE_MAX_BYTES: dropped to its end */
    char head[BAD_SHOW_MAX]; /* the start of that line, for its error record */
    int status = PM_EXIT_OK;
    for (;;) {
        ssize_t r = read(STDIN_FILENO, in + have, IN_BUF - have);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            pm_cli_error("geo lookup: reading standard input: %s", strerror(errno));
            status = PM_EXIT_IOERR;
            break;
        }
        if (r == 0)
            break;
        size_t end = have + (size_t)r, start = 0;
        char *nl;
        while ((nl = memchr(in + start, '\n', end - start)) != NULL) {
            size_t n = (size_t)(nl - (in + start));
            if (skipping) {
                long_line(st, head, BAD_SHOW_MAX);
                skipping = false;
            } else if (n > LINE_MAX_BYTES) {
                long_line(st, in + start, BAD_SHOW_MAX);
            } else {
                one_line(st, in + start, n);
            }
            start = (size_t)(nl - in) + 1;
        }
        size_t rest = end - start;
        if (skipping) {
            have = 0;
        } else if (rest > LINE_MAX_BYTES) {
            memcpy(head, in + start, BAD_SHOW_MAX);
            skipping = true;
            have = 0;
        } else {
            memmove(in, in + start, rest);
            have = rest;
        }
        if (st->out.failed)
            break;
    }
    /* A last line without a newline still counts. */
    if (status == PM_EXIT_OK && !st->out.failed) {
        if (skipping)
            long_line(st, head, BAD_SHOW_MAX);
        else if (have > 0)
            one_line(st, in, have);
    }
    out_flush(&st->out);
    if (st->out.failed) {
        pm_cli_error("geo lookup: writing standard output: %s", strerror(st->out.err));
        status = PM_EXIT_IOERR;
    } else if (status == PM_EXIT_OK && st->bad) {
        if (st->bad > BAD_REPORT_MAX)
            pm_cli_error("geo lookup: %llu bad lines of %llu in all (the first %d named above)",
                         (unsigned long long)st->bad, (unsigned long long)st->line, BAD_REPORT_MAX);
        status = PM_EXIT_DATAERR;
    }
    free(in);
    free(st);
    return status;
}
