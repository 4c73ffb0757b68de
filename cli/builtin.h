/*
 * builtin.h - the perfgate subcommands, one file each (cli/cmd_<name>.c).
 *
 * To add a subcommand: write cli/cmd_<name>.c defining
 * `int cmd_<name>(int argc, char **argv)` (argv[0] is the subcommand name),
 * declare it here, and add one line to the table in cli/main.c.  Its options
 * are one pg_option table passed to pg_parse_options (parse_options.h), which
 * also gives its --help and its "did you mean"; cmd_check.c is a short
 * example.  Exit codes: 0 pass / success, 1 the gate failed, 2 bad input,
 * bad usage or trouble.  `--help` prints usage to stdout and returns 0.
 */
#ifndef PG_BUILTIN_H
#define PG_BUILTIN_H

int cmd_compute(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_budgets(int argc, char **argv);

int cmd_history(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_ab(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_bisect(int argc, char **argv);

#endif
