/* placeholder.c - keeps the analyze library non-empty until its first real file lands; delete then. */
typedef int pm_analyze_placeholder_t;
