/*
 * commands_lang.h - the subcommands of the report language front end, for
 * main.c to dispatch to.
 */
#ifndef QUIRE_COMMANDS_LANG_H
#define QUIRE_COMMANDS_LANG_H

/*
 * `quire fmt FILE... [-w] [--check]` and `quire fmt -`: prints report
 * definitions in canonical form (ast_format). argv[0] is "fmt". -w rewrites
 * each file in place (through a temporary file in the same directory and a
 * rename); --check prints nothing and fails if a file is not canonical.
 * Returns the exit code: 0, 1 (--check found a file not formatted, or an
 * I/O error), 2 (usage), 5 (QUIRE_EXIT_INPUT: a syntax error, printed with
 * diag_print on stderr).
 */
int cmd_fmt(int argc, char **argv);

#endif /* QUIRE_COMMANDS_LANG_H */
