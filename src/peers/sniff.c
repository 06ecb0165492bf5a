/* sniff.c - what a file is, from its first bytes: pcap, pcapng, scamper warts or JSON (never from its name). */
#include <string.h>

#include "pathmortem/peers.h"

enum pm_peer_kind pm_peers_sniff(const uint8_t *buf, size_t len)
{
    if (len >= 4) {
        uint32_t be = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
        /* pcap (both byte orders, micro- and nanosecond) and pcapng's section header block */
        if (be == 0xa1b2c3d4u || be == 0xd4c3b2a1u || be == 0xa1b23c4du || be == 0x4d3cb2a1u || be == 0x0a0d0d0au)
            return PM_PEER_PCAP;
    }
    /* warts: every record starts with the 16-bit magic 0x1205 then a type
     * (list 1, cycle start 2...); a file starts with a list or a record */
    if (len >= 8 && buf[0] == 0x12 && buf[1] == 0x05 && buf[2] == 0 && buf[3] >= 1 && buf[3] <= 0x20)
        return PM_PEER_WARTS;
    size_t i = 0;
    if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf) /* UTF-8 byte order mark */
        i = 3;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    if (i < len && (buf[i] == '[' || buf[i] == '{'))
        return PM_PEER_JSON;
    return PM_PEER_UNKNOWN;
}

bool pm_peers_is_export(const uint8_t *buf, size_t len)
{
    /* export lines are compact and start with their schema (src/store/jsonl_write.c) */
    static const char key[] = "\"schema\"", val[] = "\"pathmortem-snapshot/";
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r'))
        i++;
    if (i >= len || buf[i++] != '{')
        return false;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
        i++;
    if (len - i < sizeof key - 1 || memcmp(buf + i, key, sizeof key - 1))
        return false;
    i += sizeof key - 1;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == ':'))
        i++;
    return len - i >= sizeof val - 1 && !memcmp(buf + i, val, sizeof val - 1);
}
