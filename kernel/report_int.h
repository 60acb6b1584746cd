/*
 * report_int.h - what the files of report_load() share (report_load.c,
 * report_value.c, report_meta.c, report_data.c, report_style.c,
 * report_band.c): the loader state, the attribute lookup with duplicate and
 * "did you mean" checks, the readers that turn one attribute's value into a
 * typed field with a precise message when it does not fit, and each file's
 * block readers. Not for use outside report_*.c.
 */
#ifndef QUIRE_REPORT_INT_H
#define QUIRE_REPORT_INT_H

#include "report.h"

/* Name spaces for duplicate detection: parameters, fields and variables
 * share one (an expression names them alike). */
typedef enum rl_ns {
    NS_SOURCE = 0,
    NS_VALUE,
    NS_GROUP,
    NS_STYLE,
    NS_DATASET,
    NS_FIRST_FREE, /* block option name spaces start here */
} rl_ns;

typedef struct rl_name {
    const char *name; /* NULL: empty slot */
    int ns;           /* rl_ns */
    const char *what; /* "param", "field", "variable", "group", ... */
    int index;        /* into the report's array of that kind */
    ast_loc loc;
} rl_name;

typedef struct loader {
    report *r;
    const ast_file *ast;
    diag *d;
    quire_arena *arena; /* r->arena */
    rl_name *names;     /* open addressing table (malloc'd) */
    size_t names_cap, names_count;
    int next_ns;   /* the next free name space for one block's options */
    size_t errors; /* reported so far */
    int gave_up;   /* AST_MAX_ERRORS reached: no more messages */
    int oom;
} loader;

/* ============================== Messages ================================== */

/* Reports "PATH:LINE:COL: message" at `loc` of the definition. Past
 * AST_MAX_ERRORS it adds one last line and drops the rest (sets gave_up). */
void rl_error(loader *L, ast_loc loc, const char *fmt, ...) QUIRE_PRINTF(3, 4);

/* "a string", "an integer", "a list", ...: the kind of a value in messages. */
const char *rl_kind_name(const ast_expr *e);

/* The expression's text as written, cut at 40 bytes with "...", in buf. */
const char *rl_text(loader *L, const ast_expr *e, char *buf, size_t cap);

/* The closest of names[0..n) to `word` within edit distance 2, or NULL. */
const char *rl_suggest(const char *word, const char *const *names, size_t n);

/* Appends names[0..n) as "a, b, c" to buf (cut if it does not fit). */
void rl_join(char *buf, size_t cap, const char *const *names, size_t n);

/* ============================== Names ===================================== */

/* Registers `name` in name space `ns`; on a clash reports "duplicate WHAT
 * 'NAME' (first defined at line N)" or, across parameters, fields and
 * variables, "WHAT 'NAME' has the same name as OTHER 'NAME' (line N)", and
 * returns -1. */
int rl_name_add(loader *L, int ns, const char *what, const char *name, int index, ast_loc loc);

/* Registers attribute `a` (a source option, a chart attribute) in the
 * block's own name space `ns` (from L->next_ns++); reports "'x' is given
 * twice (first at line N)" and returns -1 if it is there already. */
int rl_option_add(loader *L, int ns, const ast_item *a);

/* The entry for `name` in `ns`, or NULL. */
const rl_name *rl_name_find(const loader *L, int ns, const char *name);

/*
 * Resolves a reference to a group, style or dataset written as the name
 * expression `e` (or label text at loc): returns the index or -1 after
 * reporting "unknown WHAT 'x'" with a suggestion or the list of names.
 * `all`/`n` list the defined names for the suggestion.
 */
int rl_resolve(loader *L, int ns, const char *what, const char *name, ast_loc loc,
               const char *const *all, size_t n);
int rl_resolve_group(loader *L, const char *name, ast_loc loc);
int rl_resolve_style(loader *L, const char *name, ast_loc loc);
int rl_resolve_dataset(loader *L, const char *name, ast_loc loc);

/* ============================== Attributes ================================ */

/* The attributes a block accepts: a NULL-terminated name list. */
typedef struct rl_attrs {
    const char *names[48];
    size_t n;
    const ast_item *seen[48]; /* the item that gave each one */
} rl_attrs;

/* Appends a NULL-terminated list of names to the accepted set. */
void rl_attrs_add(rl_attrs *a, const char *const *names);

/*
 * Looks up attribute item `it` of a block described as `where` ("band",
 * "param 'x'"): returns its index in a->names, or -1 after reporting an
 * unknown attribute (with a suggestion or the allowed list) or one given
 * twice ("'height' is given twice (first at line 3)").
 */
int rl_attr_index(loader *L, rl_attrs *a, const ast_item *it, const char *where);

/* Reports an attribute where a block is expected or a block where an
 * attribute is ("unexpected block 'x' in group"). */
void rl_unexpected_block(loader *L, const ast_item *it, const char *where);

/* The next attribute of `block` (one that takes only attributes) from
 * items[*k] on, advancing *k past it: skips comments and reports every
 * nested block with rl_unexpected_block(). NULL at the end. Start with
 * *k = 0. */
const ast_item *rl_next_attr(loader *L, const ast_item *block, uint32_t *k, const char *where);

/* Reports a block's label problems: wants one NAME label (`what` the block
 * kind) and returns it, or NULL after reporting. */
const char *rl_one_name(loader *L, const ast_item *it, const char *what);

/* Reports labels on a block that takes none. Returns -1 if there were any. */
int rl_no_labels(loader *L, const ast_item *it, const char *what);

/* "missing required attribute 'box' in text" at the block. */
void rl_missing(loader *L, const ast_item *block, const char *attr, const char *where);

/* ============================== Value readers ============================= */
/*
 * Each reads attribute item `it` (its name appears in messages); returns 0
 * and sets *out, or -1 after reporting why the value does not fit.
 */
int rl_string(loader *L, const ast_item *it, const char **out);
int rl_bool(loader *L, const ast_item *it, int *out);
int rl_name_value(loader *L, const ast_item *it, const char **out);
/* A length in points: a plain number (points) or 20mm/2cm/1in/12pt; never
 * negative. `what` names it in messages ("'height'", "box width"). */
int rl_length_expr(loader *L, const char *what, const ast_expr *e, double *out);
int rl_length(loader *L, const ast_item *it, double *out);
/* A plain number (int, decimal or float) greater than zero. */
int rl_positive(loader *L, const ast_item *it, double *out);
/* An integer in [min, max]. */
int rl_int(loader *L, const ast_item *it, int64_t min, int64_t max, int64_t *out);
/* One of names[] (NULL-terminated), as its index. */
int rl_enum(loader *L, const ast_item *it, const char *const *names, int *out);
int rl_color(loader *L, const ast_item *it, report_color *out);
/* Any expression without aggregate functions in it. */
int rl_expr(loader *L, const ast_item *it, const ast_expr **out);
/* Reports every aggregate call inside e. Returns -1 if there was one. */
int rl_no_aggregates(loader *L, const ast_expr *e);

/* If e (at the top of a value) is an aggregate call: checks its arity and
 * arguments, fills calc/arg/p and returns 1; returns 0 if it is not one,
 * -1 after an error. */
int rl_aggregate(loader *L, const ast_expr *e, report_calc *calc, const ast_expr **arg, double *p);

/* reset = report | page | none | group(NAME) (none only if allow_none);
 * evaluation = now | report | page | auto | group(NAME) when `eval` is set
 * (then *scope receives EVAL_*). */
int rl_scope(loader *L, const ast_item *it, int allow_none, report_scope *scope, int *group);
int rl_evaluation(loader *L, const ast_item *it, int *eval, int *group);

/* A numeric literal (int, decimal, float, optionally negated or in
 * parentheses) as a double: returns 0, or -1 if e is not one (no message). */
int rl_number_literal(const ast_expr *e, double *out);

/* ============================== Parts ===================================== */

/* The style properties: font, size, ... line_spacing (NULL-terminated). */
extern const char *const rl_style_prop_names[];

/* Reads style property number `k` (an index into rl_style_prop_names) from
 * attribute `it` into props. */
int rl_style_prop(loader *L, size_t k, const ast_item *it, report_style_props *props);

/* report_meta.c: the `report { }` block into r->meta. */
void rl_load_report_block(loader *L, const ast_item *it);
/* The report settings without a report block: en-US, A4 portrait, 20mm
 * margins, one column, no pages without data. */
void rl_meta_defaults(report_meta *m);
/* After every block: sets meta.landscape and reports margins that leave no
 * room on the page. */
void rl_finish_meta(loader *L);

/* report_data.c: one block (its name already registered) into the element
 * pass 1 allocated for it. */
void rl_load_source(loader *L, const ast_item *it, report_source *s);
void rl_load_param(loader *L, const ast_item *it, report_param *p);
void rl_load_field(loader *L, const ast_item *it, report_field *f);
void rl_load_group(loader *L, const ast_item *it, report_group *g);
void rl_load_variable(loader *L, const ast_item *it, report_variable *v);
void rl_load_dataset(loader *L, const ast_item *it, report_dataset *ds);
/* The top-level `sort = KEY` or `sort = [KEY, ...]` attribute into r->sort. */
void rl_load_sort(loader *L, const ast_item *a);

/* report_style.c: one `style NAME { }` block into r->styles[index]. */
void rl_load_style(loader *L, const ast_item *it, report_style *s);
/* After every style: reports parent cycles and a second default style. */
void rl_check_styles(loader *L);

/* report_band.c: one `band KIND [GROUP] { }` block into *b. */
void rl_load_band(loader *L, const ast_item *it, report_band *b);
/* After every band: reports a (kind, group) given twice. */
void rl_check_bands(loader *L);

#endif /* QUIRE_REPORT_INT_H */
