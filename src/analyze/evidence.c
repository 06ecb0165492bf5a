/* evidence.c - a verdict's evidence sentences: heap strings of their own length, owned by the verdict. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "pathmortem/analyze.h"

static int add_v(struct pm_verdict *v, const char *fmt, va_list ap)
{
    if (v->n_evidence >= PM_EVIDENCE_MAX)
        return PM_ELIMIT;
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0 || n >= PM_EVIDENCE_LEN)
        return PM_ELIMIT;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return PM_ENOMEM;
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    v->evidence[v->n_evidence++] = s;
    return PM_OK;
}

int pm_verdict_add_evidence(struct pm_verdict *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = add_v(v, fmt, ap);
    va_end(ap);
    return rc;
}

void pm_verdict_clear(struct pm_verdict *v)
{
    for (uint32_t i = 0; i < v->n_evidence && i < PM_EVIDENCE_MAX; i++) {
        free(v->evidence[i]);
        v->evidence[i] = NULL;
    }
    v->n_evidence = 0;
}
