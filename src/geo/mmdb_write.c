/* mmdb_write.c - builds the IPv4 search tree from ranges and writes a MaxMind DB 2.0 file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "geo/mmdb_encode.h"
#include "geo/mmdb_write.h"
#include "util/grow.h"

/* A child value: 0 = no data, < LEAF = node index (the root, 0, is never a
 * child), LEAF|id = data record id. */
#define LEAF 0x80000000u
#define IS_NODE(v) ((v) != 0 && !((v) & LEAF))

struct pm_mmdb_writer {
    uint32_t (*nodes)[2];
    uint32_t n_nodes, cap_nodes;
    struct pm_mmdb_buf data;      /* every record's bytes, concatenated */
    uint32_t *rec_off, *rec_len;
    uint32_t n_recs, cap_recs;
    uint32_t *slots;              /* dedup hash: record id + 1, 0 = free */
    uint32_t n_slots;             /* power of two, kept >= 2 * n_recs */
    unsigned min_rs;              /* smallest record size allowed */
    uint32_t prefix_len;          /* shared map keys at the head of data, always written */
};

int pm_mmdb_writer_keys(struct pm_mmdb_writer *w, const char *const *names, size_t n, struct pm_mmdb_keys *keys,
                        char *errbuf)
{
    if (w->n_recs || w->data.len)
        return pm_err(errbuf, PM_EINVAL, "keys must be stored before the first record");
    if (n > PM_MMDB_KEYS_MAX)
        return pm_err(errbuf, PM_ELIMIT, "more than %d shared keys", PM_MMDB_KEYS_MAX);
    keys->n = 0;
    for (size_t i = 0; i < n; i++) {
        keys->name[i] = names[i];
        keys->off[i] = (uint32_t)w->data.len;
        pm_mmdb_enc_str(&w->data, names[i]);
        keys->n++;
    }
    if (w->data.err)
        return pm_err(errbuf, w->data.err, "cannot store shared keys");
    w->prefix_len = (uint32_t)w->data.len;
    return PM_OK;
}

int pm_mmdb_writer_min_record_size(struct pm_mmdb_writer *w, unsigned bits)
{
    if (bits != 24 && bits != 28 && bits != 32)
        return PM_EINVAL;
    w->min_rs = bits;
    return PM_OK;
}

static int new_node(struct pm_mmdb_writer *w, uint32_t fill, uint32_t *out, char *errbuf)
{
    int rc = PM_GROW(w->nodes, w->cap_nodes, (size_t)w->n_nodes + 1, 4096, PM_MMDB_MAX_NODES);
    if (rc == PM_ELIMIT)
        return pm_err(errbuf, PM_ELIMIT, "search tree exceeds %u nodes", PM_MMDB_MAX_NODES);
    if (rc != PM_OK)
        return pm_err(errbuf, PM_ENOMEM, "out of memory growing the search tree");
    w->nodes[w->n_nodes][0] = w->nodes[w->n_nodes][1] = fill;
    *out = w->n_nodes++;
    return PM_OK;
}

int pm_mmdb_writer_alloc(struct pm_mmdb_writer **out, char *errbuf)
{
    struct pm_mmdb_writer *w = calloc(1, sizeof *w);
    if (!w)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    pm_mmdb_buf_init(&w->data, PM_MMDB_MAX_DATA);
    uint32_t root;
    int rc = new_node(w, 0, &root, errbuf);
    if (rc != PM_OK) {
        pm_mmdb_writer_free(w);
        return rc;
    }
    *out = w;
    return PM_OK;
}

void pm_mmdb_writer_free(struct pm_mmdb_writer *w)
{
    if (!w)
        return;
    free(w->nodes);
    pm_mmdb_buf_free(&w->data);
    free(w->rec_off);
    free(w->rec_len);
    free(w->slots);
    free(w);
}

static uint32_t hash_bytes(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* The record dedup index hashes record bytes (FNV-1a) and compares them:
 * no u64 key, so not util's pm_map. */
static int grow_slots(struct pm_mmdb_writer *w, char *errbuf)
{
    uint32_t n = w->n_slots ? w->n_slots * 2 : 1024;
    uint32_t *s = calloc(n, sizeof *s);
    if (!s)
        return pm_err(errbuf, PM_ENOMEM, "out of memory for the record index");
    for (uint32_t id = 0; id < w->n_recs; id++) {
        uint32_t i = hash_bytes(w->data.p + w->rec_off[id], w->rec_len[id]) & (n - 1);
        while (s[i])
            i = (i + 1) & (n - 1);
        s[i] = id + 1;
    }
    free(w->slots);
    w->slots = s;
    w->n_slots = n;
    return PM_OK;
}

int pm_mmdb_writer_record(struct pm_mmdb_writer *w, const uint8_t *bytes, size_t len, uint32_t *id,
                          char *errbuf)
{
    if (len == 0 || len > UINT32_MAX)
        return pm_err(errbuf, PM_EINVAL, "empty or oversized data record");
    int rc;
    if ((uint64_t)(w->n_recs + 1) * 2 > w->n_slots && (rc = grow_slots(w, errbuf)) != PM_OK)
        return rc;
    uint32_t i = hash_bytes(bytes, len) & (w->n_slots - 1);
    for (; w->slots[i]; i = (i + 1) & (w->n_slots - 1)) {
        uint32_t k = w->slots[i] - 1;
        if (w->rec_len[k] == len && !memcmp(w->data.p + w->rec_off[k], bytes, len)) {
            *id = k;
            return PM_OK;
        }
    }
    if (w->n_recs >= PM_MMDB_MAX_RECORDS)
        return pm_err(errbuf, PM_ELIMIT, "more than %u distinct data records", PM_MMDB_MAX_RECORDS);
    /* two parallel arrays, one capacity: it moves once both have grown */
    uint32_t cap_off = w->cap_recs, cap_len = w->cap_recs;
    if (PM_GROW(w->rec_off, cap_off, (size_t)w->n_recs + 1, 1024, PM_MMDB_MAX_RECORDS) != PM_OK ||
        PM_GROW(w->rec_len, cap_len, (size_t)w->n_recs + 1, 1024, PM_MMDB_MAX_RECORDS) != PM_OK)
        return pm_err(errbuf, PM_ENOMEM, "out of memory for data records");
    w->cap_recs = cap_off;
    size_t off = w->data.len;
    pm_mmdb_put(&w->data, bytes, len);
    if (w->data.err)
        return pm_err(errbuf, w->data.err, "data section exceeds %zu bytes", (size_t)PM_MMDB_MAX_DATA);
    w->rec_off[w->n_recs] = (uint32_t)off;
    w->rec_len[w->n_recs] = (uint32_t)len;
    w->slots[i] = w->n_recs + 1;
    *id = w->n_recs++;
    return PM_OK;
}

/* Sets net/len to val, replacing whatever was below (later wins). */
static int insert_cidr(struct pm_mmdb_writer *w, uint32_t net, unsigned len, uint32_t val, char *errbuf)
{
    if (len == 0) {
        w->nodes[0][0] = w->nodes[0][1] = val;
        return PM_OK;
    }
    uint32_t cur = 0;
    for (unsigned d = 0; d < len; d++) {
        unsigned bit = (net >> (31 - d)) & 1;
        if (d == len - 1) {
            w->nodes[cur][bit] = val;
            return PM_OK;
        }
        uint32_t c = w->nodes[cur][bit];
        if (IS_NODE(c)) {
            cur = c;
            continue;
        }
        /* Split a leaf (or emptiness): both halves inherit it, then descend. */
        uint32_t n;
        int rc = new_node(w, c, &n, errbuf);
        if (rc != PM_OK)
            return rc;
        w->nodes[cur][bit] = n;
        cur = n;
    }
    return PM_OK;
}

int pm_mmdb_writer_range(struct pm_mmdb_writer *w, uint32_t start, uint32_t end, uint32_t id,
                         uint32_t *networks, char *errbuf)
{
    if (start > end)
        return pm_err(errbuf, PM_EINVAL, "range start after end");
    if (id >= w->n_recs)
        return pm_err(errbuf, PM_EINVAL, "unknown data record %u", id);
    uint64_t s = start, e = end;
    uint32_t count = 0;
    while (s <= e) {
        /* Largest aligned block starting at s that stays within e. */
        unsigned len = 32;
        while (len > 0) {
            uint64_t size = (uint64_t)1 << (32 - (len - 1));
            if ((s & (size - 1)) != 0 || s + size - 1 > e)
                break;
            len--;
        }
        int rc = insert_cidr(w, (uint32_t)s, len, LEAF | id, errbuf);
        if (rc != PM_OK)
            return rc;
        count++;
        s += (uint64_t)1 << (32 - len);
    }
    if (networks)
        *networks = count;
    return PM_OK;
}

/* Folds a node whose two halves hold the same leaf into that leaf. Depth is
 * at most 32, so recursion is bounded. */
static uint32_t merge(struct pm_mmdb_writer *w, uint32_t node)
{
    for (int side = 0; side < 2; side++)
        if (IS_NODE(w->nodes[node][side]))
            w->nodes[node][side] = merge(w, w->nodes[node][side]);
    uint32_t l = w->nodes[node][0], r = w->nodes[node][1];
    if (!IS_NODE(l) && l == r)
        return l;
    return node;
}

struct layout {
    uint32_t *order;    /* new id -> old node */
    uint32_t *new_id;   /* old node -> new id */
    uint32_t n;         /* node_count */
    uint32_t *out_off;  /* record id -> offset in the written data section, UINT32_MAX unused */
    uint64_t data_len;
    uint64_t networks;
    uint32_t records;
};

static int lay_out(struct pm_mmdb_writer *w, struct layout *L, char *errbuf)
{
    L->order = malloc((size_t)w->n_nodes * sizeof *L->order);
    L->new_id = malloc((size_t)w->n_nodes * sizeof *L->new_id);
    L->out_off = malloc(((size_t)w->n_recs + 1) * sizeof *L->out_off);
    if (!L->order || !L->new_id || !L->out_off)
        return pm_err(errbuf, PM_ENOMEM, "out of memory laying out the tree");
    memset(L->out_off, 0xFF, ((size_t)w->n_recs + 1) * sizeof *L->out_off);
    /* Breadth-first numbering: the root is 0 and every child follows its parent. */
    uint32_t head = 0;
    L->n = 0;
    L->order[L->n] = 0;
    L->new_id[0] = L->n++;
    while (head < L->n) {
        uint32_t old = L->order[head++];
        for (int side = 0; side < 2; side++) {
            uint32_t c = w->nodes[old][side];
            if (IS_NODE(c)) {
                L->new_id[c] = L->n;
                L->order[L->n++] = c;
            } else if (c & LEAF) {
                L->networks++;
                L->out_off[c & ~LEAF] = 0; /* referenced */
            }
        }
    }
    /* The shared keys come first and never move, so pointers to them stay
     * valid; then only records still referenced after overrides. */
    L->data_len = w->prefix_len;
    for (uint32_t id = 0; id < w->n_recs; id++) {
        if (L->out_off[id] == UINT32_MAX)
            continue;
        L->out_off[id] = (uint32_t)L->data_len;
        L->data_len += w->rec_len[id];
        L->records++;
    }
    return PM_OK;
}

static uint64_t record_value(const struct pm_mmdb_writer *w, const struct layout *L, uint32_t c)
{
    (void)w;
    if (IS_NODE(c))
        return L->new_id[c];
    if (c == 0)
        return L->n;                                   /* "no data" */
    return (uint64_t)L->n + 16 + L->out_off[c & ~LEAF]; /* pointer past the 16-byte separator */
}

static void put_node(struct pm_mmdb_buf *b, unsigned rs, uint64_t l, uint64_t r)
{
    uint8_t out[8];
    size_t n;
    if (rs == 24) {
        out[0] = (uint8_t)(l >> 16), out[1] = (uint8_t)(l >> 8), out[2] = (uint8_t)l;
        out[3] = (uint8_t)(r >> 16), out[4] = (uint8_t)(r >> 8), out[5] = (uint8_t)r;
        n = 6;
    } else if (rs == 28) {
        /* The middle byte carries the top nibble of each record. */
        out[0] = (uint8_t)(l >> 16), out[1] = (uint8_t)(l >> 8), out[2] = (uint8_t)l;
        out[3] = (uint8_t)(((l >> 24) & 0x0F) << 4 | ((r >> 24) & 0x0F));
        out[4] = (uint8_t)(r >> 16), out[5] = (uint8_t)(r >> 8), out[6] = (uint8_t)r;
        n = 7;
    } else {
        for (int i = 0; i < 4; i++) {
            out[i] = (uint8_t)(l >> (24 - 8 * i));
            out[4 + i] = (uint8_t)(r >> (24 - 8 * i));
        }
        n = 8;
    }
    pm_mmdb_put(b, out, n);
}

static void encode_metadata(struct pm_mmdb_buf *b, const struct pm_mmdb_meta *meta, uint32_t node_count,
                            unsigned rs)
{
    static const uint8_t marker[] = {0xAB, 0xCD, 0xEF, 'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};
    pm_mmdb_put(b, marker, sizeof marker);
    pm_mmdb_enc_map(b, 9);
    pm_mmdb_enc_str(b, "binary_format_major_version");
    pm_mmdb_enc_uint16(b, 2);
    pm_mmdb_enc_str(b, "binary_format_minor_version");
    pm_mmdb_enc_uint16(b, 0);
    pm_mmdb_enc_str(b, "build_epoch");
    pm_mmdb_enc_uint64(b, meta->build_epoch);
    pm_mmdb_enc_str(b, "database_type");
    pm_mmdb_enc_str(b, meta->database_type);
    pm_mmdb_enc_str(b, "description");
    pm_mmdb_enc_map(b, 1);
    pm_mmdb_enc_str(b, "en");
    pm_mmdb_enc_str(b, meta->description);
    pm_mmdb_enc_str(b, "ip_version");
    pm_mmdb_enc_uint16(b, 4);
    pm_mmdb_enc_str(b, "languages");
    pm_mmdb_enc_array(b, 1);
    pm_mmdb_enc_str(b, "en");
    pm_mmdb_enc_str(b, "node_count");
    pm_mmdb_enc_uint32(b, node_count);
    pm_mmdb_enc_str(b, "record_size");
    pm_mmdb_enc_uint16(b, (uint16_t)rs);
}

/* Streams tree, separator, data and metadata through a small capped buffer. */
static int emit(struct pm_mmdb_writer *w, const struct layout *L, unsigned rs, const struct pm_mmdb_meta *meta,
                FILE *f, uint64_t *bytes, char *errbuf)
{
    struct pm_mmdb_buf b;
    pm_mmdb_buf_init(&b, 1 << 20);
    uint64_t total = 0;
    int rc = PM_OK;
#define FLUSH()                                                                  \
    do {                                                                         \
        if (b.err || fwrite(b.p, 1, b.len, f) != b.len) {                        \
            rc = pm_err(errbuf, b.err ? b.err : PM_EIO, "writing the database failed"); \
            goto out;                                                            \
        }                                                                        \
        total += b.len;                                                          \
        pm_mmdb_buf_reset(&b);                                                   \
    } while (0)
    for (uint32_t i = 0; i < L->n; i++) {
        uint32_t old = L->order[i];
        put_node(&b, rs, record_value(w, L, w->nodes[old][0]), record_value(w, L, w->nodes[old][1]));
        if (b.len > (1 << 19))
            FLUSH();
    }
    static const uint8_t zeros[16];
    pm_mmdb_put(&b, zeros, sizeof zeros);
    pm_mmdb_put(&b, w->data.p, w->prefix_len);
    FLUSH();
    for (uint32_t id = 0; id < w->n_recs; id++) {
        if (L->out_off[id] == UINT32_MAX)
            continue;
        pm_mmdb_put(&b, w->data.p + w->rec_off[id], w->rec_len[id]);
        if (b.len > (1 << 19))
            FLUSH();
    }
    encode_metadata(&b, meta, L->n, rs);
    FLUSH();
#undef FLUSH
out:
    pm_mmdb_buf_free(&b);
    *bytes = total;
    return rc;
}

static int write_file(struct pm_mmdb_writer *w, const struct layout *L, unsigned rs, const char *path,
                      const struct pm_mmdb_meta *meta, uint64_t *bytes, char *errbuf)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 16);
    if (!tmp)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int rc = pm_err(errbuf, PM_EIO, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        return rc;
    }
    fchmod(fd, 0644); /* databases are meant to be read by unprivileged runs */
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return pm_err(errbuf, PM_EIO, "cannot write %s: %s", path, strerror(errno));
    }
    int rc = emit(w, L, rs, meta, f, bytes, errbuf);
    if (rc == PM_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        rc = pm_err(errbuf, PM_EIO, "writing %s failed: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && rc == PM_OK)
        rc = pm_err(errbuf, PM_EIO, "writing %s failed: %s", tmp, strerror(errno));
    if (rc == PM_OK && rename(tmp, path) != 0)
        rc = pm_err(errbuf, PM_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    if (rc != PM_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Merges, lays out and picks the record size; then `out` writes the file
 * (to a path or to an open stream). */
static int finish(struct pm_mmdb_writer *w, const char *path, FILE *stream, const struct pm_mmdb_meta *meta,
                  struct pm_mmdb_result *res, char *errbuf)
{
    /* The root stays a node even if both halves agree: a file needs one node. */
    for (int side = 0; side < 2; side++)
        if (IS_NODE(w->nodes[0][side]))
            w->nodes[0][side] = merge(w, w->nodes[0][side]);
    struct layout L;
    memset(&L, 0, sizeof L);
    int rc = lay_out(w, &L, errbuf);
    if (rc == PM_OK) {
        uint64_t max_value = (uint64_t)L.n + 16 + L.data_len;
        unsigned rs = max_value < (1u << 24) ? 24 : max_value < (1u << 28) ? 28 : 32;
        if (rs < w->min_rs)
            rs = w->min_rs;
        if (max_value > UINT32_MAX) {
            rc = pm_err(errbuf, PM_ELIMIT, "database too large for 32-bit records");
        } else {
            uint64_t bytes = 0;
            if (stream) {
                rc = emit(w, &L, rs, meta, stream, &bytes, errbuf);
                if (rc == PM_OK && (fflush(stream) != 0 || ferror(stream)))
                    rc = pm_err(errbuf, PM_EIO, "writing the database failed: %s", strerror(errno));
            } else {
                rc = write_file(w, &L, rs, path, meta, &bytes, errbuf);
            }
            if (rc == PM_OK && res) {
                res->node_count = L.n;
                res->record_size = (uint8_t)rs;
                res->records = L.records;
                res->networks = L.networks;
                res->bytes = bytes;
            }
        }
    }
    free(L.order);
    free(L.new_id);
    free(L.out_off);
    return rc;
}

int pm_mmdb_writer_write(struct pm_mmdb_writer *w, const char *path, const struct pm_mmdb_meta *meta,
                         struct pm_mmdb_result *res, char *errbuf)
{
    return finish(w, path, NULL, meta, res, errbuf);
}

int pm_mmdb_writer_write_stream(struct pm_mmdb_writer *w, FILE *out, const struct pm_mmdb_meta *meta,
                                struct pm_mmdb_result *res, char *errbuf)
{
    return finish(w, NULL, out, meta, res, errbuf);
}
