/* drop.c - names of the decoders' drop reasons, as printed in counters and the test corpus. */
#include "pathmortem/wire.h"

const char *pm_wire_drop_name(enum pm_wire_drop why)
{
    switch (why) {
    case PM_DROP_NONE: return "none";
    case PM_DROP_LINK: return "link";
    case PM_DROP_IP_SHORT: return "ip-short";
    case PM_DROP_IP_BAD: return "ip-bad";
    case PM_DROP_FRAGMENT: return "fragment";
    case PM_DROP_L4_SHORT: return "l4-short";
    case PM_DROP_QUOTE_BAD: return "quote-bad";
    case PM_DROP__COUNT: break;
    }
    return "unknown";
}
