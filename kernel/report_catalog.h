/*
 * report_catalog.h - the reports a server offers: every *.quire file in the
 * directories of the [kernel] key report_dirs.
 *
 * report_dirs is a list; a relative item is relative to the configuration
 * file's directory (the working directory when there is no file). A
 * report's name is its file stem ("sales" for sales.quire) and must match
 * [A-Za-z0-9_-]+; files with other names are skipped with a warning. When
 * two directories hold the same name, the one listed first in report_dirs
 * wins and the other is skipped with a warning. Directories that cannot be
 * read are skipped with a warning too. Names are listed sorted (strcmp).
 *
 * Lookups by name never build a path from the name: the name must be one of
 * the files the directory listing found, so a request cannot reach outside
 * report_dirs ("../x", "a/b" and the like are simply not found).
 *
 * Everything returned is plain C owned by the caller, freed with the one
 * matching free function; the API layer turns it into JSON. Thread-safe:
 * every call reads the directories and files afresh and keeps no state.
 */
#ifndef QUIRE_REPORT_CATALOG_H
#define QUIRE_REPORT_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "registry.h"
#include "render_service.h"

/* ============================== Listing =================================== */

typedef struct catalog_entry {
    char *name;        /* file stem */
    char *path;        /* the definition file (report_dir/name.quire) */
    char *title;       /* meta title, or NULL */
    char *description; /* meta subject, or NULL */
    /* NULL when the file parses and loads; else the problems, one per line,
     * as diag_print() writes them (the entry is listed, not hidden). */
    char *error;
} catalog_entry;

typedef struct catalog_list {
    catalog_entry *items; /* sorted by name */
    size_t count;
    char **warnings; /* skipped files and directories, one line each */
    size_t nwarnings;
} catalog_list;

/*
 * Lists the reports of k's report_dirs into *out (zeroed first), parsing
 * and loading each file for its title and description. Returns 0, or -1
 * on out of memory (then *out is empty). Free with catalog_list_free().
 */
int catalog_list_reports(kernel *k, catalog_list *out);
void catalog_list_free(catalog_list *list);

/*
 * The definition file of report `name`: returns 0 and *path (malloc'd,
 * the caller frees), or -1 with `e` set: RENDER_E_NOT_FOUND
 * ("error: unknown report 'NAME': not a name of report_dirs\n") when no listed file has that name,
 * RENDER_E_FAILED on out of memory. `e` may be NULL.
 */
int catalog_find(kernel *k, const char *name, char **path, render_error *e);

/* ============================== Describing one report ===================== */

typedef struct catalog_param {
    char *name;
    const char *type;   /* "bool", "int", "decimal", "float", "string", "date",
                           "timestamp" (static strings) */
    int32_t scale;      /* decimal digits after the point (decimal only) */
    char *default_text; /* the default as written (strings unquoted), or NULL */
    int required;       /* 1: no default, the request must give it */
    char **choices;     /* allowed values as text (the `choices` list), or NULL */
    size_t nchoices;
    char *label; /* the prompt (`label`), or NULL */
} catalog_param;

typedef struct catalog_source {
    char *name;
    char *plugin; /* the source plugin (defaulted from the path's extension) */
    char *path;   /* the `path` option as written in the definition, or NULL */
} catalog_source;

typedef struct catalog_format {
    char *name, *extension, *mime_type, *description;
    int per_page; /* QUIRE_FORMAT_PER_PAGE: one file per page */
    int data;     /* QUIRE_FORMAT_DATA: a data export (no pages) */
} catalog_format;

typedef struct catalog_report {
    char *name;
    char *path;
    char *title, *description, *author, *locale; /* NULL when not given, except
                                                    locale (default "en-US") */
    catalog_param *params;
    size_t nparams;
    catalog_source *sources;
    size_t nsources;
    catalog_format *formats; /* every registered format, registry order */
    size_t nformats;
    double page_width, page_height; /* points */
} catalog_report;

/*
 * Describes report `name`: returns 0 and *out (catalog_report_free()), or
 * -1 with `e` set: RENDER_E_NOT_FOUND as catalog_find(), RENDER_E_INVALID
 * with the problems when the file does not parse or load, RENDER_E_FAILED
 * on out of memory. Reads no data (the source is not opened). `e` may be
 * NULL.
 */
int catalog_describe(kernel *k, const char *name, catalog_report **out, render_error *e);
void catalog_report_free(catalog_report *r);

/* 1 if `name` is a valid report name: [A-Za-z0-9_-]+, at most 200 bytes. */
int catalog_name_valid(const char *name);

#endif /* QUIRE_REPORT_CATALOG_H */
