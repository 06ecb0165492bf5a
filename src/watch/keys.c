/* keys.c - the live view's keys, read without waiting (mtr's where they exist: q, p, r, d/v). */
#include <curses.h>

#include "pathmortem/watch.h"

enum pm_watch_key pm_watch_key_read(void)
{
    int c = getch();
    switch (c) {
    case 'q': case 'Q': return PM_WKEY_QUIT;
    case 'p': case 'P': case ' ': return PM_WKEY_PAUSE;
    case 'r': case 'R': return PM_WKEY_RESET;
    case 'v': case 'V': case 'd': case 'D': case '\t': return PM_WKEY_VIEW;
    case 'w': case 'W': return PM_WKEY_PCAP;
    case KEY_RESIZE: case 12 /* Ctrl-L */: return PM_WKEY_REDRAW;
    default: return PM_WKEY_NONE;
    }
}
