/* json_get.h - typed, range-checked getters for the JSON reader, with one-line errors naming the place (internal). */
#ifndef PATHMORTEM_OUTPUT_JSON_GET_H
#define PATHMORTEM_OUTPUT_JSON_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Reader state: where we are in the document, for one-line error messages. */
struct pm_output_rd {
    char *errbuf;
    char where[96];
};

#define PM_OUTPUT_ABSENT 1 /* returned by getters for a missing optional (or null) member */

/* Error PM_ECORRUPT "json: WHERE.KEY: MESSAGE" into r->errbuf. */
int pm_output_jr_bad(struct pm_output_rd *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the place named in later errors ("targets[3].hops[2]"). */
void pm_output_jr_at(struct pm_output_rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each getter returns PM_OK with *out set, PM_OUTPUT_ABSENT for a missing optional
 * (or allowed null) member, or a negative code with errbuf set. */
int pm_output_jr_member(struct pm_output_rd *r, json_t *obj, const char *key, bool required, bool nullable,
                        json_t **out);
int pm_output_jr_get_int(struct pm_output_rd *r, json_t *obj, const char *key, bool required, bool nullable,
                         int64_t min, int64_t max, int64_t *out);
int pm_output_jr_get_real(struct pm_output_rd *r, json_t *obj, const char *key, bool required, double min, double max,
                          double *out);
int pm_output_jr_get_bool(struct pm_output_rd *r, json_t *obj, const char *key, bool *out);
/* Strings must fit their buffer (no silent truncation) and hold no NUL. */
int pm_output_jr_get_str(struct pm_output_rd *r, json_t *obj, const char *key, bool required, char *dst, size_t cap);
int pm_output_jr_get_addr(struct pm_output_rd *r, json_t *obj, const char *key, bool required, uint32_t *out);
int pm_output_jr_get_array(struct pm_output_rd *r, json_t *obj, const char *key, bool required, size_t max,
                           json_t **out);
int pm_output_jr_get_object(struct pm_output_rd *r, json_t *obj, const char *key, bool required, bool nullable,
                            json_t **out);
/* us_key (exact µs) if present, else key as ISO-8601 UTC. */
int pm_output_jr_read_time(struct pm_output_rd *r, json_t *obj, const char *key, const char *us_key, bool required,
                           uint64_t *out);

/* The additive "planes" member (json_read_planes.c); *out is set (owned by
 * the caller) even when an error is returned. */
struct pm_planes;
int pm_output_json_read_planes(struct pm_output_rd *r, json_t *o, struct pm_planes **out);

/* Integer fields into narrow struct members. */
#define GET_INT(r, obj, key, req, min, max, dst)                                            \
    do {                                                                                    \
        int64_t v_;                                                                         \
        int rc_ = pm_output_jr_get_int((r), (obj), (key), (req), false, (min), (max), &v_); \
        if (rc_ < 0)                                                                        \
            return rc_;                                                                     \
        if (rc_ == PM_OK)                                                                   \
            (dst) = (__typeof__(dst))v_;                                                    \
    } while (0)

/* Nullable integer (an unknown ASN, TTL of no hop): null reads as 0. */
#define GET_INT0(r, obj, key, min, max, dst)                                               \
    do {                                                                                   \
        int64_t v_ = 0;                                                                    \
        int rc_ = pm_output_jr_get_int((r), (obj), (key), false, true, (min), (max), &v_); \
        if (rc_ < 0)                                                                       \
            return rc_;                                                                    \
        (dst) = (__typeof__(dst))v_;                                                       \
    } while (0)

#endif
