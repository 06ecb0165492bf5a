/* prefix.c - strict IPv4 prefix parsing for targets and presets (util's one parser, host bits refused). */
#include "pathmortem/input.h"
#include "pathmortem/util.h"

int pm_input_prefix(const char *s, struct pm_prefix *out, char *errbuf)
{
    return pm_prefix_parse(s, 0, &out->addr, &out->len, errbuf);
}
