/* placeholder.c - keeps the geo library non-empty until its first real file lands; delete then. */
typedef int pm_geo_placeholder_t;
