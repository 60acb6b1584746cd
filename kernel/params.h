/*
 * params.h - report parameters: typed values from `--param NAME=VALUE`, or
 * the defaults written in the definition.
 */
#ifndef QUIRE_PARAMS_H
#define QUIRE_PARAMS_H

#include <stddef.h>

#include "plan.h"

/*
 * Gives every parameter of `rep` its value for this run: the --param
 * argument of that name (text converted to the parameter's type), else its
 * default, else an error "parameter 'x' is required". An argument naming no
 * parameter is an error listing the report's parameters. Strings live in
 * `arena`. Returns 0 and *out (rep->nparams values in `arena`), or -1 with
 * every problem in `d`.
 */
int params_bind(const report *rep, const plan_arg *args, size_t nargs, quire_arena *arena, qv **out,
                diag *d);

/* Converts `text` to a value of `type` (and decimal `scale`): bool
 * true/false/yes/no/1/0, int, decimal (rounded half away from zero to
 * `scale` digits), float, string (as is), date YYYY-MM-DD, timestamp
 * YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|+HH:MM]. Returns 0, or -1 with a reason
 * in why[len]. Strings are not copied. */
int params_parse_value(const char *text, uint32_t type, int32_t scale, qv *out, char *why,
                       size_t len);

#endif /* QUIRE_PARAMS_H */
