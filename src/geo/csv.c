/* csv.c - line reading and quote-aware field splitting with fixed caps; nothing here trusts the file. */
#include <stdint.h>
#include <string.h>

#include "geo/csv.h"

int pm_csv_read_line(FILE *f, char *buf, size_t *len, bool *too_long, bool *has_nul)
{
    size_t n = 0;
    int c;
    bool any = false;
    *too_long = *has_nul = false;
    while ((c = getc_unlocked(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (c == '\0')
            *has_nul = true;
        if (n < PM_CSV_LINE_MAX)
            buf[n++] = (char)c;
        else
            *too_long = true;
    }
    if (c == EOF && ferror(f))
        return -1;
    if (!any)
        return 0;
    if (n > 0 && buf[n - 1] == '\r' && !*too_long)
        n--;
    buf[n] = '\0';
    *len = n;
    return 1;
}

int pm_csv_split(char *line, size_t len, char *fields[PM_CSV_FIELDS_MAX], size_t flen[PM_CSV_FIELDS_MAX],
                 const char **why)
{
    size_t i = 0;
    int nf = 0;
    for (;;) {
        if (nf == PM_CSV_FIELDS_MAX) {
            *why = "too many fields";
            return -1;
        }
        char *out = line + i; /* unquoting only ever shrinks, so write in place */
        size_t w = 0;
        if (i < len && line[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) {
                    *why = "unterminated quote";
                    return -1;
                }
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        out[w++] = '"';
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                out[w++] = line[i++];
            }
            if (i < len && line[i] != ',') {
                *why = "text after a closing quote";
                return -1;
            }
        } else {
            size_t start = i;
            while (i < len && line[i] != ',') {
                if (line[i] == '"') {
                    *why = "quote inside an unquoted field";
                    return -1;
                }
                i++;
            }
            w = i - start;
        }
        fields[nf] = out;
        flen[nf] = w;
        nf++;
        if (i >= len)
            break;
        /* line[i] is the comma; the field's end (at or before it) becomes NUL. */
        out[w] = '\0';
        i++;
    }
    fields[nf - 1][flen[nf - 1]] = '\0';
    return nf;
}

size_t pm_geo_utf8_seq(const unsigned char *p, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = p[0];
    size_t need;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, cp = c & 0x07;
    else
        return 0;
    if (n - 1 < need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[k] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
    if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return need + 1;
}

bool pm_csv_text_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x20 || p[i] == 0x7F)
            return false;
        size_t k = pm_geo_utf8_seq(p + i, len - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}
