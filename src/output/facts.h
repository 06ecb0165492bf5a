/* facts.h - the address-facts table behind pm_output_facts_lookup (internal to the output module). */
#ifndef PATHMORTEM_OUTPUT_FACTS_H
#define PATHMORTEM_OUTPUT_FACTS_H

#include "pathmortem/output.h"

struct pm_output_facts *pm_output_facts_alloc(void);
void pm_output_facts_free(struct pm_output_facts *f);
/* Records facts for addr unless it has some already. PM_ELIMIT past
 * PM_OUTPUT_FACTS_MAX distinct addresses. */
int pm_output_facts_add(struct pm_output_facts *f, uint32_t addr, const struct pm_geo_info *info);

/* Records addr's host name (a copy; pm_hostname_valid already checked)
 * unless it has one; an address without facts gets an entry of its own. */
int pm_output_facts_set_name(struct pm_output_facts *f, uint32_t addr, const char *name);

#endif
