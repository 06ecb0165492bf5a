/* names.c - the names enums take in the store and in JSON Lines (the modules' one spelling, pinned by a test) */
#include "store/internal.h"

/* The spelling on disk is the one every module uses (analyze/names.c,
 * trace/names.c); test_store_names pins it, so renaming a value for display
 * cannot silently change what the store writes and reads. */
const char *pm_store_status_name(uint8_t v) { return pm_status_name((enum pm_status)v); }
int pm_store_status_parse(const char *s, uint8_t *out) { return pm_status_parse(s, out); }
const char *pm_store_death_name(uint8_t v) { return pm_death_name((enum pm_death)v); }
int pm_store_death_parse(const char *s, uint8_t *out) { return pm_death_parse(s, out); }
const char *pm_store_stop_name(uint8_t v) { return pm_stop_name((enum pm_stop)v); }
int pm_store_stop_parse(const char *s, uint8_t *out) { return pm_stop_parse(s, out); }
const char *pm_store_method_name(uint8_t v) { return pm_method_name((enum pm_method)v); }

int pm_store_method_parse(const char *s, uint8_t *out)
{
    enum pm_method m;
    if (pm_method_parse(s, &m) != PM_OK)
        return PM_EINVAL;
    *out = (uint8_t)m;
    return PM_OK;
}
