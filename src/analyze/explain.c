/* explain.c - words the notes a verdict's decision recorded: every evidence sentence of the analyzer is written here. */
#include <stdio.h>
#include <string.h>

#include "analyze/internal.h"

const char *az_asfmt(const struct az_ctx *c, uint32_t asn, struct az_asbuf *buf)
{
    const char *name = asn ? az_asname(c, asn) : "";
    if (!asn)
        snprintf(buf->s, sizeof buf->s, "an unknown network");
    else if (name[0])
        snprintf(buf->s, sizeof buf->s, "%s (AS%u)", name, asn);
    else
        snprintf(buf->s, sizeof buf->s, "AS%u", asn);
    return buf->s;
}

void az_set_as(const struct az_ctx *c, struct pm_as_ref *r, uint32_t asn)
{
    r->asn = asn;
    snprintf(r->name, sizeof r->name, "%s", asn ? az_asname(c, asn) : "");
}

struct az_note *az_note(struct az_notes *ns, enum az_note_kind kind)
{
    struct az_note *n = ns->n < PM_EVIDENCE_MAX ? &ns->e[ns->n++] : &ns->e[PM_EVIDENCE_MAX];
    memset(n, 0, sizeof *n);
    n->kind = (uint8_t)kind;
    return n;
}

static const char *reason_prefix(uint8_t p)
{
    switch (p) {
    case AZ_RP_UPSTREAM: return "Upstream hop ";
    case AZ_RP_BORDER: return "Border ";
    case AZ_RP_LAST: return "Last hop ";
    default: return "";
    }
}

/* How a cut run ended, as "the run ..." goes on. */
static void cut_words(const struct az_note *n, char *why, size_t len)
{
    if (n->dkind == PM_RUN_TIMEOUT)
        snprintf(why, len, "timed out");
    else
        snprintf(why, len, "was stopped by %s", pm_run_end_name((enum pm_run_end)n->dkind));
}

/* One sentence for one note. */
static int word(const struct az_ctx *c, const struct az_note *n, struct pm_verdict *v)
{
    char b[16], b2[16];
    struct az_asbuf x, y;
    const char *A = az_asfmt(c, n->asn, &x), *B = az_asfmt(c, n->asn2, &y);
    const char *a = pm_addr_str(n->addr, b), *a2 = pm_addr_str(n->addr2, b2);
    const char *dk = pm_death_name((enum pm_death)n->dkind);
    /* one sentence per note kind: the printf calls repeat their shape (the
     * silent-after ones most), the words are each rule's own */
    switch ((enum az_note_kind)n->kind) {
    case AZ_N_REASON:
        return pm_verdict_add_evidence(v, "%s%s: %s", reason_prefix(n->flag), a, n->text ? n->text : "");
    case AZ_N_UP_WORKING: {
        const char *tn = az_asname(c, n->asn);
        return pm_verdict_add_evidence(v, "Working paths%s through %s enter %s via %s: counted as this path's upstream",
                                       n->flag ? " of this prefix" : "", a, tn[0] ? tn : "the target AS", B);
    }
    case AZ_N_REACHED:
        return pm_verdict_add_evidence(v, "Reached: %s answered at hop %u%s%s", a, n->ttl, n->asn ? " via " : "",
                                       n->asn ? A : "");
    case AZ_N_SILENT_HOPS:
        return pm_verdict_add_evidence(v, "%u silent hop(s) before the target: normal on many paths, not a fault", n->n);
    case AZ_N_UNREACH:
        return pm_verdict_add_evidence(v, "%s (%s, hop %u) answered %s (ICMP unreachable code %u)%s", a, A, n->ttl, dk,
                                       n->code,
                                       n->dkind == PM_DEATH_ADMIN_PROHIB ? ": a filter here; compare probe methods to "
                                                                           "tell a protocol filter from a dead route"
                                                                         : "");
    case AZ_N_HOST_ABSENT:
        return pm_verdict_add_evidence(v, "%s (%s, hop %u) answered host-unreachable (ICMP unreachable code %u): the "
                                       "target network is there and has no host at this address (dark, not a death)",
                                       a, A, n->ttl, n->code);
    case AZ_N_DARK:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u) up to hop %u, where %u reached neighbour(s) of "
                                       "this prefix through it were answered %u hop(s) after it: the path gets there, "
                                       "the address is dark (not a death)", a, A, n->ttl, n->ttl3, n->n, n->ttl2);
    case AZ_N_PAST_FAULT:
        if (n->flag)
            return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u), past the point where %u path(s) of this "
                                           "prefix die (most at hop %u, %s); hosts answer %u hop(s) after %s on %u "
                                           "reached path(s) of the run: that fault explains the prefix's dead paths, "
                                           "and this one got past it into the target network, where the address is "
                                           "dark (not a death)", a, A, n->ttl, n->n2, n->ttl2, dk, n->ttl3, a, n->n);
        return pm_verdict_add_evidence(v, "Silent after %s (hop %u), past the point where %u path(s) of this prefix die "
                                       "(most at hop %u, %s); the paths that go on from %s hand over at once to %s (%s), "
                                       "which refused %u path(s) host-unreachable in this run under its rate limit: "
                                       "that fault explains the prefix's dead paths, and this one got past it into the "
                                       "target network, where the address is dark (not a death)",
                                       a, n->ttl, n->n2, n->ttl2, dk, a, a2, A, n->n);
    case AZ_N_NOT_PROBED: {
        if (n->dkind == PM_RUN_COMPLETE)
            return pm_verdict_add_evidence(v, "Not probed: the run sent no probe toward it; no verdict");
        char why[48];
        cut_words(n, why, sizeof why);
        return pm_verdict_add_evidence(v, "Not probed to its end: the run %s before it was done (highest TTL sent "
                                       "%u of %u); no verdict", why, n->ttl, n->ttl2);
    }
    case AZ_N_CUT_SILENT: {
        char why[48];
        cut_words(n, why, sizeof why);
        char where[96];
        if (n->addr)
            snprintf(where, sizeof where, "Silent after %s (hop %u)", a, n->ttl);
        else
            snprintf(where, sizeof where, "No hop answered");
        return pm_verdict_add_evidence(v, "%s, but the run %s while %u target(s) of this prefix were not yet probed to "
                                       "their end and none was reached beyond this hop: its silence cannot be told from a dark "
                                       "address's, or from a run cut before the border; no verdict", where, why, n->n);
    }
    case AZ_N_CUT_REFUSED: {
        char why[48];
        cut_words(n, why, sizeof why);
        return pm_verdict_add_evidence(v, "%s (%s space, hop %u) answered host-unreachable, but the run %s while %u "
                                       "target(s) of this prefix were not yet probed to their end, none was reached and no "
                                       "path showed what follows %s: the target network's \"no such host\" for a dark "
                                       "address cannot be told from a lost route's refusal; no verdict",
                                       a, A, n->ttl, why, n->n, a);
    }
    case AZ_N_LOOP:
        return pm_verdict_add_evidence(v, "Forwarding loop: %s (%s) at hops %u and %u with %s (%s) between", a, A, n->ttl,
                                       n->ttl2, a2, B);
    case AZ_N_LOOP_STOP:
        return pm_verdict_add_evidence(v, "The trace stopped on a loop (from its stop reason)");
    case AZ_N_RL_NOT_DEATH:
        return pm_verdict_add_evidence(v, "Not a death: neighbours in the same prefix%s%s got time-exceeded at hop %u "
                                       "where this target's %u probe(s) got nothing - ICMP rate limiting or loss, not a "
                                       "broken route", n->flag ? " sharing hop " : "", n->flag ? a : "", n->ttl, n->n);
    case AZ_N_RL_UNREACH:
        if (n->ttl2)
            return pm_verdict_add_evidence(v, "No reply of its own, no hop answered: %u target(s) of other prefixes "
                                           "got %s from %s at hop %u where this target's probes got nothing; its copy "
                                           "was rate-limited", n->n, dk, a2, n->ttl);
        return pm_verdict_add_evidence(v, "No reply of its own: %u neighbour(s) in the same prefix%s%s got %s from %s at "
                                       "hop %u; this target's copy was rate-limited", n->n, n->flag ? " sharing hop " : "",
                                       n->flag ? a : "", dk, a2, n->ttl);
    case AZ_N_NO_HOP:
        return pm_verdict_add_evidence(v, "No hop answered any probe: the path cannot be placed in a network");
    case AZ_N_SILENT_TARGET_HOSTS:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u), which other hosts of %s answer behind: the path "
                                       "reaches the target network, this host does not answer", a, A, n->ttl, B);
    case AZ_N_SILENT_IN_TARGET:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u): died inside the target network", a, A, n->ttl);
    case AZ_N_SILENT_BORDER_ADJ:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u); on working paths the next hop after it is the "
                                       "%s border: the border is silent, blamed on %s", a, A, n->ttl, B, B);
    case AZ_N_SILENT_BORDER_GAP:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u); working paths also cross silent hops after it "
                                       "before %s: died in that stretch, blamed on %s (it may be the last hops of the "
                                       "upstream)", a, A, n->ttl, B, B);
    case AZ_N_SILENT_INSIDE:
        return pm_verdict_add_evidence(v, "Silent after %s (hop %u); on working paths more hops of %s follow it: died "
                                       "inside %s", a, n->ttl, A, A);
    case AZ_N_SILENT_NEXT_AS:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u); on working paths the next hop is in %s: that hop "
                                       "is silent, blamed on %s (the border between the two)", a, A, n->ttl, B, B);
    case AZ_N_SILENT_HISTORY:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u); stored history shows it followed by %s while "
                                       "healthy: the border is silent, blamed on %s", a, A, n->ttl, B, B);
    case AZ_N_SILENT_LAST:
        return pm_verdict_add_evidence(v, "Silent after %s (%s, hop %u); nothing in this run shows what follows it, so "
                                       "the death is blamed on the last network that answered (it may be the next "
                                       "network's border)", a, A, n->ttl);
    case AZ_N_DIED_BEFORE:
        return pm_verdict_add_evidence(v, "Died in %s before reaching %s, the upstream used toward the target", A, B);
    case AZ_N_RATE:
        return pm_verdict_add_evidence(v, "%s answered %u of %u probes across the run: it limits its ICMP rate", a, n->n,
                                       n->n2);
    case AZ_N_MPLS:
        return pm_verdict_add_evidence(v, "%s (hop %u) quotes MPLS labels (RFC 4950)%s: hops inside the tunnel belong "
                                       "to %s", a, n->ttl, n->flag ? " and a quoted TTL > 1, so some hops are hidden" : "",
                                       A);
    case AZ_N_STOPSET:
        return pm_verdict_add_evidence(v, "Hops below %u were skipped (stop set) and no other target shows them", n->ttl);
    case AZ_N_COMMON_CAUSE:
        return pm_verdict_add_evidence(v, "No path enters AS%u and paths die inside AS%u and AS%u at once: the common "
                                       "cause is on the target side (border or announcement), blamed on AS%u", n->asn,
                                       n->asn2, n->n, n->asn);
    }
    return PM_OK;
}

int az_explain(const struct az_ctx *c, const struct az_notes *ns, struct pm_verdict *v)
{
    for (uint32_t i = 0; i < ns->n; i++) {
        int rc = word(c, &ns->e[i], v);
        if (rc == PM_ENOMEM)
            return rc;   /* PM_ELIMIT: the verdict is full, as before */
    }
    return PM_OK;
}
