/* screen.c - the live view in the terminal (ncurses): the title, the verdict lines of the last cycle, the hop table or the verdict's evidence, and the keys. */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pathmortem/watch.h"

static bool open_;

int pm_watch_screen_open(char *errbuf)
{
    if (!isatty(0) || !isatty(1))
        return pm_err(errbuf, PM_EIO, "the live view needs a terminal (use --report N for a table)");
    /* newterm rather than initscr: a terminal it cannot describe is an error to report, not an exit */
    if (!newterm(NULL, stdout, stdin))
        return pm_err(errbuf, PM_EIO, "cannot start the live view: unknown terminal type (set TERM)");
    open_ = true;
    cbreak();   /* keys without Enter; Ctrl-C still stops the run as in trace */
    noecho();
    nodelay(stdscr, TRUE);
    keypad(stdscr, TRUE);
    curs_set(0);
    return PM_OK;
}

void pm_watch_screen_close(void)
{
    if (!open_)
        return;
    endwin();
    open_ = false;
}

static void line_at(int y, int attr, const char *s)
{
    if (y >= LINES)
        return;
    move(y, 0);
    clrtoeol();
    if (attr)
        attron(attr);
    addnstr(s, COLS > 0 ? COLS : 80);
    if (attr)
        attroff(attr);
}

/* One model's rows (the whole run's, or one upstream's section) from y on. */
static int hop_rows(const struct pm_watch *m, const struct pm_watch_screen_state *st, bool names, int y)
{
    char line[512];
    uint8_t last;
    pm_watch_rows(m, st->first_ttl, &last);
    for (uint32_t ttl = st->first_ttl; ttl && ttl <= last && y < LINES - 1; ttl++) {
        if (!pm_watch_row_shown(m, (uint8_t)ttl))
            continue;
        pm_watch_format_row(m, (uint8_t)ttl, 0, names, line, sizeof line);
        line_at(y++, 0, line);
        uint32_t more = pm_watch_extra_rows(m, (uint8_t)ttl);
        for (uint32_t i = 1; i <= more && y < LINES - 1; i++) {
            pm_watch_format_row(m, (uint8_t)ttl, i, names, line, sizeof line);
            line_at(y++, A_DIM, line);
        }
    }
    return y;
}

static int hop_view(const struct pm_watch *w, const struct pm_watch_screen_state *st, int y)
{
    char line[512];
    bool names = pm_watch_has_names(w);
    pm_watch_format_row(w, 0, 0, names, line, sizeof line);
    line_at(y++, A_BOLD, line);
    /* a sweep: one table per upstream once a cycle has named them, so a TTL never mixes two paths */
    if (w->many && w->n_sections) {
        for (uint32_t i = 0; i < w->n_sections && y < LINES - 1; i++) {
            pm_watch_section_title(w->sections[i], line, sizeof line);
            line_at(y++, A_BOLD, line);
            y = hop_rows(w->sections[i], st, names, y);
        }
        return y;
    }
    return hop_rows(w, st, names, y);
}

static int verdict_view(const struct pm_watch *w, int y)
{
    char lines[24][256];
    uint32_t n = pm_watch_evidence_lines(w, lines, 24);
    if (!n)
        line_at(y++, 0, "(no cycle finished yet)");
    for (uint32_t i = 0; i < n && y < LINES - 1; i++)
        line_at(y++, 0, lines[i]);
    return y;
}

void pm_watch_screen_draw(const struct pm_watch *w, const struct pm_watch_screen_state *st)
{
    if (!open_)
        return;
    erase();
    char head[1024], vl[64][256];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char clock[16];
    strftime(clock, sizeof clock, "%H:%M:%SZ", &tm);
    snprintf(head, sizeof head, "%s   cycle %u (%u counted)   %s%s", st->title, w->cycles_total, w->cycles, clock,
             w->paused ? "   [paused]" : "");
    line_at(0, A_BOLD, head);
    int y = 1;
    uint32_t nv = pm_watch_verdict_lines(w, vl, 64);
    if (!nv)
        line_at(y++, 0, "verdict: waiting for the first cycle to finish");
    /* the hop view keeps room for the table: at most a third of the screen of verdict lines */
    uint32_t room = st->view == PM_WATCH_VIEW_HOPS ? (uint32_t)(LINES / 3 > 1 ? LINES / 3 : 1) : (uint32_t)LINES;
    for (uint32_t i = 0; i < nv && i < room && y < LINES - 1; i++) {
        char l[300];
        snprintf(l, sizeof l, "%s%.255s", nv == 1 ? "verdict: " : "", vl[i]);
        line_at(y++, A_BOLD, l);
    }
    if (nv > room && y < LINES - 1) {
        snprintf(head, sizeof head, "(%u more lines: press v)", nv - room);
        line_at(y++, A_DIM, head);
    }
    y++;
    if (st->view == PM_WATCH_VIEW_HOPS)
        hop_view(w, st, y);
    else
        verdict_view(w, y);
    snprintf(head, sizeof head, "keys: q quit  p pause  r reset  v %s view  w write pcap   %s",
             st->view == PM_WATCH_VIEW_HOPS ? "verdict" : "hop", st->status);
    line_at(LINES - 1, A_REVERSE, head);
    refresh();
}
