/* sender.h - builds probes with libnet and writes them on the raw socket. */
#ifndef PATHMORTEM_PROBE_SENDER_H
#define PATHMORTEM_PROBE_SENDER_H

#include <stdint.h>

#include "pathmortem/match.h"

struct pm_sender;

int pm_sender_open(const char *ifname, struct pm_sender **out, char *errbuf);
void pm_sender_close(struct pm_sender *s);
/* Builds and sends one probe; PM_EIO (errbuf set) when the socket refuses. */
int pm_sender_send(struct pm_sender *s, const struct pm_probe_spec *spec, const struct pm_probe *p, char *errbuf);

#endif
