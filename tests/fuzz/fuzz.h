/* fuzz.h - what every fuzz target and the corpus replay driver share. */
#ifndef PM_FUZZ_H
#define PM_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point each target defines; the replay driver calls it
 * once per corpus file when the tree is built without libFuzzer. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes data to this process's scratch file named tag (in $TMPDIR or
 * /tmp, truncated on every call) and returns its path, or NULL. Modules
 * that only read from a path (libpcap, libmaxminddb, SQLite) are fed this
 * way. The path stays valid until the next call with the same tag. */
const char *pm_fuzz_file(const char *tag, const uint8_t *data, size_t size);
/* Removes the scratch files (and SQLite side files) made so far. */
void pm_fuzz_cleanup(void);

/* Aborts (so the fuzzer saves the input) when a property the code promises
 * does not hold. Used instead of assert() so it works in release builds. */
#define PM_FUZZ_CHECK(cond)                                                    \
    do {                                                                       \
        if (!(cond))                                                           \
            pm_fuzz_fail(__FILE__, __LINE__, #cond);                           \
    } while (0)
void pm_fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

#endif
