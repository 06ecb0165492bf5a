/* placeholder.c - keeps the priv library non-empty until its first real file lands; delete then. */
typedef int pm_priv_placeholder_t;
