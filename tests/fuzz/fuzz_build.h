/* fuzz_build.h - builds the IPv4 packets a run sees (our probes, ICMP errors quoting them, echo and TCP answers) for the matcher fuzzer and the seed generator. */
#ifndef PM_FUZZ_BUILD_H
#define PM_FUZZ_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "pathmortem/match.h"

/* Largest packet these builders write. */
#define FB_MAX 1600

/* The probe for (dst, ttl, attempt) as the engine puts it on the wire. Returns its length. */
size_t fb_probe(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt, uint8_t *buf);
/* An ICMP error of type/code from `from` to `to` quoting qlen bytes of q. */
size_t fb_icmp_error(uint32_t from, uint32_t to, uint8_t type, uint8_t code, const uint8_t *q, size_t qlen,
                     uint8_t *buf);
/* The target's own answer to that probe: echo reply (icmp), SYN-ACK or RST (tcp, flags). */
size_t fb_answer(const struct pm_probe_spec *spec, uint32_t dst, uint8_t ttl, uint8_t attempt, uint8_t tcp_flags,
                 uint8_t *buf);

#endif
