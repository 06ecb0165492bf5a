/* fuzz_input.c - fuzzes the parsers of command-line input: addresses, methods, formats and times; each input line goes to every parser. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/output.h"
#include "pathmortem/store.h"
#include "pathmortem/trace.h"

/* Longest argument tried: longer command-line words are cut. */
#define MAX_WORD 512

static void parse_word(const char *w)
{
    char err[PM_ERRBUF_SIZE] = "";
    uint32_t a;
    if (pm_addr_parse(w, &a) == PM_OK) {
        char buf[16];
        /* What parses must print back and parse to the same address. */
        uint32_t b;
        PM_FUZZ_CHECK(pm_addr_parse(pm_addr_str(a, buf), &b) == PM_OK && a == b);
    }
    enum pm_method m;
    if (pm_method_parse(w, &m) == PM_OK)
        PM_FUZZ_CHECK(!strcmp(pm_method_name(m), w));
    enum pm_format f;
    if (pm_format_parse(w, &f) == PM_OK)
        PM_FUZZ_CHECK(pm_format_name(f) != NULL);
    uint64_t t;
    int rc = pm_store_parse_time(w, 1764316800000000ull, &t, err);
    PM_FUZZ_CHECK(rc == PM_OK || (rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Command-line words are NUL-terminated and never contain NUL: split there and at newlines. */
    size_t start = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || data[i] == '\n' || data[i] == '\0') {
            size_t len = i - start;
            if (len > MAX_WORD)
                len = MAX_WORD;
            char *w = malloc(len + 1);
            if (!w)
                return 0;
            memcpy(w, data + start, len);
            w[len] = '\0';
            parse_word(w);
            free(w);
            start = i + 1;
        }
    }
    return 0;
}
