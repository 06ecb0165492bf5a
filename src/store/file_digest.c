/* file_digest.c - the sha256 of a stored file, read in chunks (pcaps can be large). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/internal.h"
#include "util/sha256.h"

int pm_store_sha256_file(const char *path, char hex[65], char *errbuf)
{
    FILE *f = fopen(path, "rbe");
    if (!f)
        return pm_err(errbuf, PM_EIO, "cannot read %s: %s", path, strerror(errno));
    struct pm_sha256 c;
    pm_sha256_init(&c);
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        pm_sha256_update(&c, buf, n);
    int err = ferror(f);
    fclose(f);
    if (err)
        return pm_err(errbuf, PM_EIO, "cannot read %s", path);
    pm_sha256_hex(&c, hex);
    return PM_OK;
}
