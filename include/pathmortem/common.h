/* common.h - status codes, error buffers and limits shared by every pathmortem module. */
#ifndef PATHMORTEM_COMMON_H
#define PATHMORTEM_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Functions that return a status return PM_OK or one of these negative codes. */
#define PM_OK 0
#define PM_EINVAL (-1)    /* bad argument or malformed input */
#define PM_ENOMEM (-2)    /* allocation failed */
#define PM_ETRUNC (-3)    /* input shorter than it claims or than needed */
#define PM_EIO (-4)       /* read/write/system call failed */
#define PM_EPERM (-5)     /* missing privilege */
#define PM_ENOTFOUND (-6) /* lookup found nothing */
#define PM_ECORRUPT (-7)  /* file or database is not what it should be */
#define PM_EBUSY (-8)     /* another run holds the lock */
#define PM_ELIMIT (-9)    /* a stated cap would be exceeded */
#define PM_EUNSUPP (-10)  /* valid input we do not handle (e.g. link type) */

/* Size of the caller-supplied error message buffers (libpcap habit). */
#define PM_ERRBUF_SIZE 256

/* Highest TTL the engine probes and the model stores. */
#define PM_TTL_MAX 64

/* A database a run used, as geo describes it and the trace model, the
 * outputs and the store record it (here because all four share it). */
struct pm_db_info {
    char role[16];          /* "asn" or "geo" */
    char path[256];
    char build_date[32];    /* ISO-8601 date of the MMDB build epoch */
    char sha256[65];
};

/* An AS as the analysis names it, and as the store and the writers record
 * it (here because all of them share it). */
struct pm_as_ref {
    uint32_t asn;          /* 0: unknown */
    char name[128];
};

/* Returns a static English description of a PM_E* code. */
const char *pm_strerror(int code);

/* Formats into errbuf (if non-NULL) and returns code, so callers can write
 * `return pm_err(errbuf, PM_EINVAL, "bad ttl %d", ttl);`. */
int pm_err(char *errbuf, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
