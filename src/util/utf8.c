/* utf8.c - strict UTF-8 sequence decoding (RFC 3629). */
#include "util/utf8.h"

size_t pm_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp)
{
    if (n == 0)
        return 0;
    unsigned b = p[0];
    size_t need;
    uint32_t c;
    if (b < 0x80) {
        if (cp)
            *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF)
        need = 1, c = b & 0x1F;
    else if (b >= 0xE0 && b <= 0xEF)
        need = 2, c = b & 0x0F;
    else if (b >= 0xF0 && b <= 0xF4)
        need = 3, c = b & 0x07;
    else
        return 0;
    if (n - 1 < need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (p[k] & 0x3F);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
    if ((need == 2 && c < 0x800) || (need == 3 && c < 0x10000) || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    if (cp)
        *cp = c;
    return need + 1;
}
