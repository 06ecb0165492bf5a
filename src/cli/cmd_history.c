/* cmd_history.c - placeholder for the 'history' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_history(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'history' is not built yet");
    return PM_EXIT_SOFTWARE;
}
