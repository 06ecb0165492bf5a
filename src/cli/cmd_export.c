/* cmd_export.c - placeholder for the 'export' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_export(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'export' is not built yet");
    return PM_EXIT_SOFTWARE;
}
