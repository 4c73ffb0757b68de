/*
 * main.c - the perfgate command: dispatches to one subcommand a file
 * (see builtin.h for how to add one).
 */
#include <stdio.h>
#include <string.h>

#include "builtin.h"
#include "internal.h"

struct cmd {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
};

static const struct cmd commands[] = {
    { "compute", cmd_compute, "run a kernel or the whole pipeline on a CSV file" },
    { "version", cmd_version, "print perfgate's version" },
    { "check", cmd_check, "gate results against budgets and a baseline" },
    { "compare", cmd_compare, "compare two runs side by side (medians, ratios, p-values)" },
    { "budgets", cmd_budgets, "lint budget files (budgets lint [FILES|DIRS])" },
    { "history", cmd_history, "record, list, show and prune runs in the history" },
    { "baseline", cmd_baseline, "record a new baseline on purpose, show or export it" },
    { "report", cmd_report, "draw trend charts, an HTML page and a Markdown summary" },
    { "ab", cmd_ab,
      "run two builds interleaved and gate on paired ratios (or instruction counts)" },
    { "profile", cmd_profile, "where one benchmark's instructions go, per function (callgrind)" },
    { "merge", cmd_merge, "join the results of sharded runs into one results file" },
    { "evidence", cmd_evidence, "write or verify a release evidence bundle (SHA-256 manifest)" },
    { "bisect", cmd_bisect, "find the commit that slowed a benchmark (paired A/B at each step)" },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: perfgate <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'perfgate help <command>' or 'perfgate <command> --help' describes one command.\n"
               "\nexit status: the command's own (see its help); 2 for an unknown command\n");
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("perfgate %s\n", PG_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    /* `perfgate help CMD` is `perfgate CMD --help` */
    if (!strcmp(argv[1], "help") && argc > 2) {
        static char help_flag[] = "--help";
        char *sub[4] = { argv[0], argv[2], help_flag, NULL };
        return main(3, sub);
    } else if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version"))
        return cmd_version(argc - 1, argv + 1);
    size_t n = sizeof commands / sizeof commands[0];
    const char *names[64];
    for (size_t i = 0; i < n; i++) {
        names[i] = commands[i].name;
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "perfgate: '%s' is not a perfgate command", argv[1]);
    cli_did_you_mean(argv[1], names, n);
    fprintf(stderr, "\n");
    usage(stderr);
    return 2;
}
