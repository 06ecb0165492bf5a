/* verify.c - a full structural check of an MMDB file (libmaxminddb has no verifier of its own). */
#include <stdlib.h>
#include <string.h>

#include "geo/internal.h"

/* Decodes the data record at an entry once; seen[] is a bitmap over the data
 * section so a record shared by many networks is decoded only once. */
static int check_record(MMDB_s *db, MMDB_entry_s *e, uint8_t *seen, uint32_t *n_records, char *errbuf)
{
    uint32_t off = e->offset;
    if (off >= db->data_section_size)
        return pm_err(errbuf, PM_ECORRUPT, "data pointer %u past the data section (%u bytes)", off,
                      db->data_section_size);
    if (seen[off >> 3] & (1u << (off & 7)))
        return PM_OK;
    seen[off >> 3] |= (uint8_t)(1u << (off & 7));
    MMDB_entry_data_list_s *list = NULL;
    int rc = MMDB_get_entry_data_list(e, &list);
    if (rc != MMDB_SUCCESS) {
        MMDB_free_entry_data_list(list);
        return pm_err(errbuf, PM_ECORRUPT, "data record at offset %u does not decode: %s", off, MMDB_strerror(rc));
    }
    bool is_map = list && list->entry_data.type == MMDB_DATA_TYPE_MAP;
    MMDB_free_entry_data_list(list);
    if (!is_map)
        return pm_err(errbuf, PM_ECORRUPT, "data record at offset %u is not a map", off);
    (*n_records)++;
    return PM_OK;
}

static int walk(MMDB_s *db, uint32_t *n_records, char *errbuf)
{
    uint8_t *seen = calloc((size_t)db->data_section_size / 8 + 1, 1);
    if (!seen)
        return pm_err(errbuf, PM_ENOMEM, "out of memory verifying the data section");
    int rc = PM_OK;
    for (uint32_t i = 0; i < db->metadata.node_count && rc == PM_OK; i++) {
        MMDB_search_node_s node;
        int mrc = MMDB_read_node(db, i, &node);
        if (mrc != MMDB_SUCCESS) {
            rc = pm_err(errbuf, PM_ECORRUPT, "search tree node %u unreadable: %s", i, MMDB_strerror(mrc));
            break;
        }
        uint8_t types[2] = {node.left_record_type, node.right_record_type};
        MMDB_entry_s *entries[2] = {&node.left_record_entry, &node.right_record_entry};
        for (int side = 0; side < 2 && rc == PM_OK; side++) {
            switch (types[side]) {
            case MMDB_RECORD_TYPE_SEARCH_NODE:
            case MMDB_RECORD_TYPE_EMPTY:
                break;
            case MMDB_RECORD_TYPE_DATA:
                rc = check_record(db, entries[side], seen, n_records, errbuf);
                break;
            default:
                rc = pm_err(errbuf, PM_ECORRUPT, "search tree node %u has a record pointing nowhere", i);
            }
        }
    }
    free(seen);
    return rc;
}

int pm_geo_verify_file(const char *path, uint32_t *n_nodes, uint32_t *n_records, char *errbuf)
{
    MMDB_s db;
    int rc = pm_geo_check_file(path, "MaxMind", errbuf);
    if (rc != PM_OK)
        return rc;
    rc = MMDB_open(path, MMDB_MODE_MMAP, &db);
    if (rc != MMDB_SUCCESS)
        return pm_err(errbuf, rc == MMDB_FILE_OPEN_ERROR ? PM_ENOTFOUND : PM_ECORRUPT, "%s: %s", path,
                      MMDB_strerror(rc));
    const MMDB_metadata_s *m = &db.metadata;
    uint32_t records = 0;
    if (m->binary_format_major_version != 2)
        rc = pm_err(errbuf, PM_ECORRUPT, "%s: binary format %u (want 2)", path, m->binary_format_major_version);
    else if (m->ip_version != 4 && m->ip_version != 6)
        rc = pm_err(errbuf, PM_ECORRUPT, "%s: ip_version %u", path, m->ip_version);
    else if (m->node_count == 0)
        rc = pm_err(errbuf, PM_ECORRUPT, "%s: empty search tree", path);
    else if (!m->database_type || !m->database_type[0])
        rc = pm_err(errbuf, PM_ECORRUPT, "%s: no database_type in metadata", path);
    else {
        MMDB_entry_data_list_s *meta = NULL;
        int mrc = MMDB_get_metadata_as_entry_data_list(&db, &meta);
        MMDB_free_entry_data_list(meta);
        if (mrc != MMDB_SUCCESS)
            rc = pm_err(errbuf, PM_ECORRUPT, "%s: metadata does not decode: %s", path, MMDB_strerror(mrc));
        else {
            char inner[PM_ERRBUF_SIZE] = "";
            rc = walk(&db, &records, inner);
            if (rc != PM_OK)
                pm_err(errbuf, rc, "%s: %s", path, inner);
        }
    }
    if (rc == PM_OK) {
        if (n_nodes)
            *n_nodes = m->node_count;
        if (n_records)
            *n_records = records;
    }
    MMDB_close(&db);
    return rc;
}
