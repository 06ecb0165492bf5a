/* width.c - how wide the text output may be: $COLUMNS, else the terminal's width, else unlimited. */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/commands.h"

unsigned pm_cli_text_width(bool to_file)
{
    /* a file named with -o is not on a screen: its lines stay whole */
    if (to_file)
        return 0;
    const char *c = getenv("COLUMNS");
    if (c && *c) {
        char *end;
        unsigned long v = strtoul(c, &end, 10);
        if (!*end && v >= PM_CLI_WIDTH_MIN && v <= PM_CLI_WIDTH_MAX)
            return (unsigned)v;
    }
    struct winsize ws;
    if (isatty(1) && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= PM_CLI_WIDTH_MIN)
        return ws.ws_col;
    return 0;
}
