/* csv.c - line reading and quote-aware field splitting with fixed caps; nothing here trusts the file. */
#include <stdint.h>
#include <string.h>

#include "geo/csv.h"
#include "util/utf8.h"

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

bool pm_csv_text_ok(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        if (p[i] < 0x20 || p[i] == 0x7F)
            return false;
        size_t k = pm_utf8_seq(p + i, len - i, NULL);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}
