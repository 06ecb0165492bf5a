/* cmd_import.c - placeholder for the 'import' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_import(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'import' is not built yet");
    return PM_EXIT_SOFTWARE;
}
