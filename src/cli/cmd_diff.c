/* cmd_diff.c - placeholder for the 'diff' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'diff' is not built yet");
    return PM_EXIT_SOFTWARE;
}
