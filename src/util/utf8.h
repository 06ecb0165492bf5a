/* utf8.h - one strict UTF-8 decoder for every module that cleans strings from databases and files. */
#ifndef PATHMORTEM_UTIL_UTF8_H
#define PATHMORTEM_UTIL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length (1..4) of the valid UTF-8 sequence at p, reading at most n bytes,
 * or 0 when it is invalid, overlong, a surrogate, past U+10FFFF or cut
 * short. ASCII counts as a sequence of 1. *cp (may be NULL) gets the code
 * point. A NUL inside a sequence ends it as invalid. */
size_t pm_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp);

#endif
