/* placeholder.c - keeps the store library non-empty until its first real file lands; delete then. */
typedef int pm_store_placeholder_t;
