/* targets.c - building the target list from addresses, prefixes, presets, host names and files. */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pathmortem/input.h"
#include "util/grow.h"

#define TARGET_ITEMS_MAX 65536 /* distinct arguments/lines */

void pm_targets_free(struct pm_targets *t)
{
    free(t->items);
    memset(t, 0, sizeof *t);
}

static int push(struct pm_targets *t, struct pm_prefix p, char *errbuf)
{
    if (t->n >= TARGET_ITEMS_MAX)
        return pm_err(errbuf, PM_ELIMIT, "more than %d target entries", TARGET_ITEMS_MAX);
    if (PM_GROW(t->items, t->cap, (size_t)t->n + 1, 16, TARGET_ITEMS_MAX) != PM_OK)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    t->items[t->n++] = p;
    return PM_OK;
}

static bool looks_numeric(const char *s)
{
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || *s == '.' || *s == '/'))
            return false;
    return true;
}

static bool valid_hostname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '.'))
            return false;
    return true;
}

int pm_targets_add(struct pm_targets *t, const char *arg, const struct pm_presets *presets, bool allow_names,
                   char *errbuf)
{
    if (looks_numeric(arg)) {
        struct pm_prefix p;
        int rc = pm_input_prefix(arg, &p, errbuf);
        return rc != PM_OK ? rc : push(t, p, errbuf);
    }
    const struct pm_preset *ps = presets ? pm_presets_find(presets, arg) : NULL;
    if (ps) {
        if (!t->preset)
            t->preset = ps;
        for (uint32_t i = 0; i < ps->n_prefixes; i++) {
            int rc = push(t, ps->prefixes[i], errbuf);
            if (rc != PM_OK)
                return rc;
        }
        return PM_OK;
    }
    if (!allow_names || !valid_hostname(arg))
        return pm_err(errbuf, PM_EINVAL, "'%.60s' is not an address, prefix or known preset", arg);
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_DGRAM}, *res = NULL;
    int gai = getaddrinfo(arg, NULL, &hints, &res);
    if (gai != 0)
        return pm_err(errbuf, PM_ENOTFOUND, "cannot resolve '%s': %s", arg, gai_strerror(gai));
    int rc = PM_OK;
    for (struct addrinfo *ai = res; ai && rc == PM_OK; ai = ai->ai_next) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)ai->ai_addr;
        rc = push(t, (struct pm_prefix){ntohl(sin->sin_addr.s_addr), 32}, errbuf);
    }
    freeaddrinfo(res);
    return rc;
}

int pm_targets_add_file(struct pm_targets *t, const char *path, const struct pm_presets *presets, char *errbuf)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f)
        return pm_err(errbuf, PM_ENOTFOUND, "cannot read target file %s: %m", path);
    char buf[512];
    int line = 0, rc = PM_OK;
    while (rc == PM_OK && fgets(buf, sizeof buf, f)) {
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            rc = pm_err(errbuf, PM_EINVAL, "%s:%d: line too long", path, line);
            break;
        }
        char *s = buf;
        s[strcspn(s, "#\r\n")] = 0;
        while (*s == ' ' || *s == '\t')
            s++;
        size_t n = strlen(s);
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
            s[--n] = 0;
        if (!*s)
            continue;
        char msg[PM_ERRBUF_SIZE];
        if (pm_targets_add(t, s, presets, false, msg) != PM_OK)
            rc = pm_err(errbuf, PM_EINVAL, "%s:%d: %s", path, line, msg);
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

static int addr_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int pm_targets_expand(const struct pm_targets *t, uint32_t **addrs, uint32_t *n, char *errbuf)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        total += 1ull << (32 - t->items[i].len);
        if (total > PM_TARGETS_MAX_ADDRS)
            return pm_err(errbuf, PM_ELIMIT, "more than %u target addresses", PM_TARGETS_MAX_ADDRS);
    }
    uint32_t *v = malloc((total ? total : 1) * sizeof *v);
    if (!v)
        return pm_err(errbuf, PM_ENOMEM, "out of memory");
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->n; i++) {
        uint64_t count = 1ull << (32 - t->items[i].len);
        for (uint64_t j = 0; j < count; j++)
            v[k++] = t->items[i].addr + (uint32_t)j;
    }
    qsort(v, k, sizeof *v, addr_cmp);
    uint32_t m = 0;
    for (uint32_t i = 0; i < k; i++)
        if (m == 0 || v[i] != v[m - 1])
            v[m++] = v[i];
    *addrs = v;
    *n = m;
    return PM_OK;
}
