/* jw.c - streaming JSON emitter: escaping, UTF-8 checking, exact three-decimal numbers. */
#include <string.h>

#include "output/internal.h"
#include "output/jw.h"
#include "util/utf8.h"

void jw_init(struct jw *w, FILE *f, bool compact)
{
    memset(w, 0, sizeof *w);
    w->f = f;
    w->compact = compact;
    w->first[0] = true;
}

static void indent(struct jw *w)
{
    if (w->compact)
        return;
    fputc('\n', w->f);
    for (int i = 0; i < w->depth; i++)
        fputc(' ', w->f);
}

static void put_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        default:
            if (*p < 0x20)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Separator, newline and indentation before an item, then its key. */
static void item(struct jw *w, const char *key)
{
    if (w->depth > 0) {
        if (!w->first[w->depth])
            fputc(',', w->f);
        indent(w);
    }
    w->first[w->depth] = false;
    if (key) {
        put_string(w->f, key);
        fputs(w->compact ? ":" : ": ", w->f);
    }
}

static void open_container(struct jw *w, const char *key, char c)
{
    item(w, key);
    fputc(c, w->f);
    if (w->depth + 1 < JW_DEPTH_MAX)
        w->depth++;
    w->first[w->depth] = true;
}

void jw_obj(struct jw *w, const char *key)
{
    open_container(w, key, '{');
}

void jw_arr(struct jw *w, const char *key)
{
    open_container(w, key, '[');
}

void jw_end(struct jw *w, char close)
{
    bool empty = w->first[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (!empty)
        indent(w);
    fputc(close, w->f);
}

void jw_int(struct jw *w, const char *key, long long v)
{
    item(w, key);
    fprintf(w->f, "%lld", v);
}

void jw_uint(struct jw *w, const char *key, unsigned long long v)
{
    item(w, key);
    fprintf(w->f, "%llu", v);
}

void jw_uint0(struct jw *w, const char *key, unsigned long long v)
{
    if (v)
        jw_uint(w, key, v);
    else
        jw_null(w, key);
}

void jw_null(struct jw *w, const char *key)
{
    item(w, key);
    fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
    item(w, key);
    fputs(v ? "true" : "false", w->f);
}

static bool valid_utf8(const unsigned char *s)
{
    while (*s) {
        size_t n = pm_utf8_seq(s, 4, NULL); /* a NUL ends a sequence as invalid */
        if (!n)
            return false;
        s += n;
    }
    return true;
}

void jw_str(struct jw *w, const char *key, const char *s)
{
    if (!s || !*s) {
        jw_null(w, key);
        return;
    }
    item(w, key);
    if (valid_utf8((const unsigned char *)s)) {
        put_string(w->f, s);
        return;
    }
    char clean[512];
    pm_output_clean(s, clean, sizeof clean);
    put_string(w->f, clean);
}

void jw_milli(struct jw *w, const char *key, long long v)
{
    item(w, key);
    unsigned long long a = v < 0 ? (unsigned long long)-v : (unsigned long long)v;
    unsigned frac = (unsigned)(a % 1000);
    fprintf(w->f, "%s%llu.", v < 0 ? "-" : "", a / 1000);
    if (!frac) {
        fputc('0', w->f);
        return;
    }
    char d[4];
    snprintf(d, sizeof d, "%03u", frac);
    for (int i = 2; i > 0 && d[i] == '0'; i--)
        d[i] = '\0';
    fputs(d, w->f);
}

void jw_addr(struct jw *w, const char *key, uint32_t a, bool null0)
{
    char buf[16];
    if (!a && null0) {
        jw_null(w, key);
        return;
    }
    item(w, key);
    fprintf(w->f, "\"%s\"", pm_addr_str(a, buf));
}
