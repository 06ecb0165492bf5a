/* cmd_snapshot.c - placeholder for the 'snapshot' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_snapshot(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'snapshot' is not built yet");
    return PM_EXIT_SOFTWARE;
}
