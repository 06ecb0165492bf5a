/* placeholder.c - keeps the match library non-empty until its first real file lands; delete then. */
typedef int pm_match_placeholder_t;
