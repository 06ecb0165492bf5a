/* cmd_trace.c - placeholder for the 'trace' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_trace(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'trace' is not built yet");
    return PM_EXIT_SOFTWARE;
}
