/* jsonl.h - names shared by the JSON Lines writer and reader of snapshots. */
#ifndef PATHMORTEM_STORE_JSONL_H
#define PATHMORTEM_STORE_JSONL_H

#include <stdint.h>

#define PM_SNAPSHOT_SCHEMA "pathmortem-snapshot/1"

/* enum pm_reply_kind as a word: "time-exceeded", "unreachable", ... */
const char *pm_store_reply_kind_name(uint8_t k);
int pm_store_reply_kind_parse(const char *s, uint8_t *out);

#endif
