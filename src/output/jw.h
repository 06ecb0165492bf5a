/* jw.h - a small streaming JSON emitter (indented like jansson's JSON_INDENT(1)) so big runs never sit in memory as a tree. */
#ifndef PATHMORTEM_OUTPUT_JW_H
#define PATHMORTEM_OUTPUT_JW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JW_DEPTH_MAX 16

struct jw {
    FILE *f;
    int depth;
    bool compact;             /* one line, no spaces: for JSON Lines */
    bool first[JW_DEPTH_MAX]; /* no item written yet at this depth */
};

void jw_init(struct jw *w, FILE *f, bool compact);
void jw_obj(struct jw *w, const char *key); /* key NULL inside arrays or at top */
void jw_arr(struct jw *w, const char *key);
void jw_end(struct jw *w, char close); /* '}' or ']' */
void jw_int(struct jw *w, const char *key, long long v);
void jw_uint(struct jw *w, const char *key, unsigned long long v);
void jw_null(struct jw *w, const char *key);
void jw_bool(struct jw *w, const char *key, bool v);
/* A string from anywhere (databases included): escaped, and cleaned first
 * if it is not valid UTF-8. NULL or "" writes null. */
void jw_str(struct jw *w, const char *key, const char *s);
/* Thousandths as a JSON number: 30250 -> 30.25, 41000 -> 41.0 (always a real). */
void jw_milli(struct jw *w, const char *key, long long thousandths);
/* An address as a dotted quad, or null for 0 when null0. */
void jw_addr(struct jw *w, const char *key, uint32_t a, bool null0);
/* An integer that means "unknown" when 0 (ASNs, TTLs): null then. */
void jw_uint0(struct jw *w, const char *key, unsigned long long v);

#endif
