/* csv.h - a strict reader for the range CSV files `geo build` takes (RFC 4180 quoting, one record per line). */
#ifndef PATHMORTEM_GEO_CSV_H
#define PATHMORTEM_GEO_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Longest line accepted; longer lines are refused as bad rows (and skipped). */
#define PM_CSV_LINE_MAX 4096
#define PM_CSV_FIELDS_MAX 16

/* Reads one line (without its \n or \r\n) into buf (PM_CSV_LINE_MAX + 1
 * bytes). Returns 1 for a line, 0 at end of file, -1 on a read error.
 * *too_long is set when the line was cut (the rest is consumed); *has_nul
 * when it held a NUL byte. */
int pm_csv_read_line(FILE *f, char *buf, size_t *len, bool *too_long, bool *has_nul);

/* Splits a line in place into at most PM_CSV_FIELDS_MAX fields, undoing
 * quotes ("a,b" and "" inside quotes). Returns the number of fields, or -1
 * with *why set for malformed quoting or too many fields. */
int pm_csv_split(char *line, size_t len, char *fields[PM_CSV_FIELDS_MAX], size_t flen[PM_CSV_FIELDS_MAX],
                 const char **why);


/* Is s[0..len) well-formed UTF-8 without control characters? */
bool pm_csv_text_ok(const char *s, size_t len);

#endif
