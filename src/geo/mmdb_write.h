/* mmdb_write.h - an IPv4 MaxMind DB writer: ranges -> search tree + deduplicated data section + metadata. */
#ifndef PATHMORTEM_GEO_MMDB_WRITE_H
#define PATHMORTEM_GEO_MMDB_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pathmortem/common.h"

/* Caps (memory is bounded by them): 2^24 tree nodes while building (8 bytes
 * each, 128 MiB at most), 2^24 distinct data records, 256 MiB of data. */
#define PM_MMDB_MAX_NODES (1u << 24)
#define PM_MMDB_MAX_RECORDS (1u << 24)
#define PM_MMDB_MAX_DATA ((size_t)1 << 28)

struct pm_mmdb_writer;

struct pm_mmdb_meta {
    const char *database_type;   /* e.g. "pathmortem-ASN" */
    const char *description;     /* English description */
    uint64_t build_epoch;
};

struct pm_mmdb_result {
    uint32_t node_count;
    uint8_t record_size;
    uint32_t records;       /* distinct data records written */
    uint64_t networks;      /* leaves holding data */
    uint64_t bytes;         /* file size */
};

int pm_mmdb_writer_alloc(struct pm_mmdb_writer **out, char *errbuf);
void pm_mmdb_writer_free(struct pm_mmdb_writer *w);

/* Smallest record size to use (24, 28 or 32); the writer still grows it when
 * the tree and data need more. For tests and for matching other writers. */
int pm_mmdb_writer_min_record_size(struct pm_mmdb_writer *w, unsigned bits);

/* Stores map keys once at the start of the data section (call before the
 * first record) and fills *keys for pm_mmdb_enc_key. names must outlive keys. */
struct pm_mmdb_keys;
int pm_mmdb_writer_keys(struct pm_mmdb_writer *w, const char *const *names, size_t n, struct pm_mmdb_keys *keys,
                        char *errbuf);

/* Adds one encoded data value (normally a map); identical bytes give the same
 * id, so a record shared by many networks is stored once. */
int pm_mmdb_writer_record(struct pm_mmdb_writer *w, const uint8_t *bytes, size_t len, uint32_t *id,
                          char *errbuf);

/* Maps every address in [start, end] (host order, inclusive) to record id.
 * Later insertions override earlier ones where they overlap. *networks (may
 * be NULL) receives how many CIDR blocks the range split into. */
int pm_mmdb_writer_range(struct pm_mmdb_writer *w, uint32_t start, uint32_t end, uint32_t id,
                         uint32_t *networks, char *errbuf);

/* Merges sibling networks holding the same record, numbers the nodes, picks
 * the smallest record size (24, 28, 32 bits) and writes the file atomically
 * (temporary file in the same directory, fsync, rename). */
int pm_mmdb_writer_write(struct pm_mmdb_writer *w, const char *path, const struct pm_mmdb_meta *meta,
                         struct pm_mmdb_result *res, char *errbuf);
/* The same into an open stream (flushed, not closed): for a caller that made
 * the file itself (`geo build` as root: a temp file opened before the drop,
 * renamed by its keeper). */
int pm_mmdb_writer_write_stream(struct pm_mmdb_writer *w, FILE *out, const struct pm_mmdb_meta *meta,
                                struct pm_mmdb_result *res, char *errbuf);

#endif
