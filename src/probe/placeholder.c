/* placeholder.c - keeps the probe library non-empty until its first real file lands; delete then. */
typedef int pm_probe_placeholder_t;
