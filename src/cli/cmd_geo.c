/* cmd_geo.c - placeholder for the 'geo' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_geo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'geo' is not built yet");
    return PM_EXIT_SOFTWARE;
}
