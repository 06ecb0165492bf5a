/* placeholder.c - keeps the output library non-empty until its first real file lands; delete then. */
typedef int pm_output_placeholder_t;
