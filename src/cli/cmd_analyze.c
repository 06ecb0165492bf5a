/* cmd_analyze.c - placeholder for the 'analyze' subcommand until its module lands. */
#include "cli/commands.h"

int pm_cmd_analyze(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    pm_cli_error("'analyze' is not built yet");
    return PM_EXIT_SOFTWARE;
}
