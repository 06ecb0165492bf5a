/* fuzz_input.c - fuzzes the parsers of user input: numbers, addresses, prefixes, targets, methods, formats, times (each input line to every parser), and the whole input as a preset file and as a target file. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pathmortem/input.h"
#include "pathmortem/output.h"
#include "pathmortem/util.h"
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
    int rc = pm_parse_time(w, 1764316800000000ull, &t, err);
    PM_FUZZ_CHECK(rc == PM_OK || (rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL));
    unsigned long u;
    if (pm_input_uint(w, 1, 64, &u) == PM_OK)
        PM_FUZZ_CHECK(u >= 1 && u <= 64);
    double d;
    if (pm_input_double(w, 0.0, 3600.0, &d) == PM_OK)
        PM_FUZZ_CHECK(d >= 0.0 && d <= 3600.0);
    struct pm_prefix px;
    err[0] = '\0';
    rc = pm_input_prefix(w, &px, err);
    if (rc == PM_OK) {
        PM_FUZZ_CHECK(px.len <= 32);
        PM_FUZZ_CHECK(px.len == 0 || (px.addr & ~(0xffffffffu << (32 - px.len))) == 0);   /* no host bits */
    } else {
        PM_FUZZ_CHECK(rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL);
    }
    /* As a target argument (no name resolution: no DNS from a fuzzer). */
    struct pm_targets tg;
    memset(&tg, 0, sizeof tg);
    err[0] = '\0';
    rc = pm_targets_add(&tg, w, NULL, false, err);
    PM_FUZZ_CHECK(rc == PM_OK || (rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL));
    if (rc == PM_OK && tg.n == 1 && tg.items[0].len >= 16) {
        uint32_t *addrs = NULL, n = 0;
        if (pm_targets_expand(&tg, &addrs, &n, err) == PM_OK) {
            PM_FUZZ_CHECK(n <= PM_TARGETS_MAX_ADDRS);
            for (uint32_t i = 1; i < n; i++)
                PM_FUZZ_CHECK(addrs[i - 1] < addrs[i]);   /* sorted, no duplicates */
            free(addrs);
        }
    }
    pm_targets_free(&tg);
}

/* The whole input as a preset file and as a target list file. */
static void parse_files(const uint8_t *data, size_t size)
{
    char err[PM_ERRBUF_SIZE] = "";
    const char *path = pm_fuzz_file("presets.conf", data, size);
    if (!path)
        return;
    struct pm_presets *ps = calloc(1, sizeof *ps);
    if (!ps)
        return;
    int rc = pm_presets_load(ps, path, err);
    PM_FUZZ_CHECK(rc == PM_OK || (rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL));
    PM_FUZZ_CHECK(ps->n <= PM_PRESETS_MAX);
    for (uint32_t i = 0; i < ps->n; i++) {
        PM_FUZZ_CHECK(ps->items[i].n_prefixes <= PM_PRESET_MAX_PREFIXES);
        PM_FUZZ_CHECK(ps->items[i].n_watch <= PM_PRESET_MAX_WATCH);
        PM_FUZZ_CHECK(memchr(ps->items[i].name, '\0', sizeof ps->items[i].name) != NULL);
    }
    struct pm_targets tg;
    memset(&tg, 0, sizeof tg);
    err[0] = '\0';
    rc = pm_targets_add_file(&tg, path, ps, err);
    PM_FUZZ_CHECK(rc == PM_OK || (rc < 0 && err[0] != '\0' && strchr(err, '\n') == NULL));
    pm_targets_free(&tg);
    free(ps);
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
    parse_files(data, size);
    return 0;
}
