/* test_wire_corpus.c - replays tests/golden/packets/TESTLIST: each hex packet must decode to its expected summary or drop reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pathmortem/wire.h"

#define CORPUS_DIR PM_SOURCE_DIR "/tests/golden/packets"
#define MAX_FRAME 65535   /* largest hex file accepted, in bytes */
#define MAX_LINE 1024     /* longest TESTLIST row */
#define MAX_ROWS 4096

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

/* Reads pairs of hex digits, skipping whitespace and '#' comments. Returns
 * the byte count or -1 with a message printed. */
static long read_hex(const char *name, uint8_t *out, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", CORPUS_DIR, name);
    FILE *f = fopen(path, "r");
    if (!f) {
        print_error("%s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = 0;
    int hi = -1, ch;
    bool comment = false;
    while ((ch = fgetc(f)) != EOF) {
        if (comment) {
            comment = ch != '\n';
            continue;
        }
        if (ch == '#') {
            comment = true;
            continue;
        }
        if (isspace(ch))
            continue;
        int v = hexval(ch);
        if (v < 0 || (hi < 0 && n >= cap)) {
            print_error("%s: bad hex digit or file too large at byte %zu\n", path, n);
            fclose(f);
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    fclose(f);
    if (hi >= 0) {
        print_error("%s: odd number of hex digits\n", path);
        return -1;
    }
    return (long)n;
}

/* One row: name file linktype expected... ; returns 1 on mismatch. */
static int run_row(char *line, int lineno, char names[][128], size_t *nnames)
{
    char name[64], file[128], verdict[8];
    int linktype, used = 0;
    if (sscanf(line, "%63s %127s %d %7s %n", name, file, &linktype, verdict, &used) != 4) {
        print_error("TESTLIST:%d: malformed row\n", lineno);
        return 1;
    }
    const char *want = line + used;
    if (*nnames < MAX_ROWS) {
        snprintf(names[*nnames], 128, "%s", file);
        (*nnames)++;
    }

    static uint8_t frame[MAX_FRAME];
    long n = read_hex(file, frame, sizeof frame);
    if (n < 0)
        return 1;
    /* A heap copy of exactly n bytes, so ASan flags any read past the end. */
    uint8_t *copy = malloc(n ? (size_t)n : 1);
    assert_non_null(copy);
    memcpy(copy, frame, (size_t)n);
    struct pm_packet p;
    enum pm_wire_drop why = PM_DROP__COUNT;
    int rc = pm_wire_decode(copy, (size_t)n, linktype, &p, &why);
    free(copy);

    char got[512];
    if (rc == PM_OK) {
        char sum[480];
        assert_int_equal(why, PM_DROP_NONE);
        assert_int_equal(pm_wire_format(&p, sum, sizeof sum), PM_OK);
        snprintf(got, sizeof got, "ok %s", sum);
    } else {
        assert_true(rc < 0);
        snprintf(got, sizeof got, "drop %s", pm_wire_drop_name(why));
    }
    char expect[MAX_LINE];
    snprintf(expect, sizeof expect, "%s %s", verdict, want);
    if (strcmp(got, expect) != 0) {
        print_error("TESTLIST:%d %s:\n  want: %s\n  got:  %s\n", lineno, name, expect, got);
        return 1;
    }
    return 0;
}

static void replay_testlist(void **state)
{
    (void)state;
    FILE *f = fopen(CORPUS_DIR "/TESTLIST", "r");
    assert_non_null(f);
    static char names[MAX_ROWS][128];
    size_t nnames = 0;
    char line[MAX_LINE];
    int lineno = 0, rows = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == sizeof line - 1 && line[len - 1] != '\n') {
            print_error("TESTLIST:%d: row longer than %d bytes\n", lineno, MAX_LINE);
            bad++;
            break;
        }
        while (len && isspace((unsigned char)line[len - 1]))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        rows++;
        bad += run_row(line, lineno, names, &nnames);
    }
    fclose(f);
    print_message("%d corpus rows, %d mismatches\n", rows, bad);
    assert_true(rows >= 50);
    assert_int_equal(bad, 0);

    /* Every hex file in the directory is used by some row. */
    DIR *d = opendir(CORPUS_DIR);
    assert_non_null(d);
    struct dirent *e;
    int orphans = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".hex") != 0)
            continue;
        bool found = false;
        for (size_t i = 0; i < nnames && !found; i++)
            found = strcmp(names[i], e->d_name) == 0;
        if (!found) {
            print_error("%s is not referenced by TESTLIST\n", e->d_name);
            orphans++;
        }
    }
    closedir(d);
    assert_int_equal(orphans, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_testlist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
