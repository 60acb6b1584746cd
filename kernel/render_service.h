/*
 * render_service.h - rendering a report to a file as a library call, for
 * `quire render` and for the server's render workers.
 *
 * One render is: parse the definition, load it, compile it with the
 * parameters (plan_build), pick the format, load fonts and images, open the
 * renderer, run the plan, close the renderer. render_validate() does every
 * step that reads no rows and opens no renderer, so a request can be
 * refused (HTTP 400) when a job is created; render_run() does the whole
 * render on the calling thread (run_plan() may add its own reader threads).
 *
 * Threading: any number of render_validate() and render_run() calls may run
 * at once on different threads with the same kernel, between
 * kernel_load_plugins() and kernel_close() (the registry and the
 * configuration are read-only then; see registry.h). Each render loads its
 * own fonts and images and opens its own source and renderer instances;
 * the plugins bundled with quire keep no per-render state in their plugin
 * state. The `ctl` of a running render may be read and written from any
 * thread: every field of it is atomic.
 *
 * Data overrides (--data NAME=PATH) are for the command line only: the
 * server leaves render_req.data empty so that sources are always the ones
 * the report definition names.
 */
#ifndef QUIRE_RENDER_SERVICE_H
#define QUIRE_RENDER_SERVICE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "registry.h"

/* ============================== Errors ==================================== */

/* What kind of failure (render_error.cls); the server maps it to a status. */
typedef enum render_class {
    RENDER_OK = 0,
    RENDER_E_NOT_FOUND, /* no report of that name in the catalog: 404 */
    RENDER_E_INVALID,   /* the definition, a parameter, the format, the page: 400 */
    RENDER_E_FAILED,    /* I/O during the render, a plugin failure, out of memory: 500 */
    RENDER_E_CANCELED   /* ctl->cancel was set */
} render_class;

/* The error of a failed call. Zero-initialise it (or render_error_init());
 * free with render_error_clear(). */
typedef struct render_error {
    render_class cls;
    /* Every problem, one per line, each ending in '\n', exactly as
     * diag_print() writes them: "PATH:LINE:COL: error: MSG" followed by the
     * offending source line and a caret line for a problem located in the
     * definition, "error: MSG" otherwise. Owned by the error; NULL if none. */
    char *text;
    /* The `quire` exit status this failure maps to (QUIRE_EXIT_*, kernel.h),
     * so the command line keeps its documented codes. */
    int exit_code;
} render_error;

void render_error_init(render_error *e);
/* Frees e->text and resets `e`. */
void render_error_clear(render_error *e);
/* The class's name: "ok", "not_found", "invalid", "failed", "canceled". */
const char *render_class_name(render_class cls);

/* Sets `e` (NULL: nothing): the class, the exit code and the text
 * "error: MSG\n" (replacing any earlier text). Returns -1, for
 * `return render_error_setf(...)`. */
int render_error_setf(render_error *e, render_class cls, int exit_code, const char *fmt, ...)
    QUIRE_PRINTF(4, 5);
/* The same with the text diag_print() would write for `d`. Returns -1. */
int render_error_diag(render_error *e, render_class cls, int exit_code, const diag *d);

/* ============================== Request =================================== */

/* One NAME=VALUE pair (a parameter, or a data override). */
typedef struct render_param {
    const char *name;
    const char *value;
} render_param;

/* What to render. The service only reads it (borrowed strings). */
typedef struct render_req {
    /* Exactly one of `report` and `path`:
     *   report  a name offered by the catalog (report_catalog.h): the stem of
     *           a *.quire file in a report_dirs directory; a name that is not
     *           one of the listed files is RENDER_E_NOT_FOUND (no path is
     *           ever built from it).
     *   path    a definition file, absolute or relative to the working
     *           directory (the command line). */
    const char *report;
    const char *path;

    const render_param *params; /* --param values, as text */
    size_t nparams;
    /* --data NAME=PATH overrides: command line only; the server passes none. */
    const render_param *data;
    size_t ndata;
    /* Position of each params[i] / data[i] on the command line, for the
     * messages of `quire render`; NULL: messages name no position. */
    const int *params_argi;
    const int *data_argi;

    /* Format name ("pdf"). NULL: the format whose extension `output` ends
     * in; neither is RENDER_E_INVALID listing the formats. */
    const char *format;

    /* Pages. PER_PAGE formats (svg, png) render one page to `output`:
     * `page` (0 means 1). With first_page/last_page set (the command line's
     * --pages N[-M]) those pages are rendered instead, for every page
     * format; with `every_page` set and no range a PER_PAGE format writes
     * every page (NAME-page-N.EXT), as `quire render` does. */
    uint32_t page;
    uint32_t first_page, last_page;
    int every_page;

    /* Where to write; "-" is standard output for formats that allow it.
     * NULL: REPORT.EXT in the working directory (the command line). The
     * caller picks a fresh temporary path for the server. */
    const char *output;

    /* Reader threads for run_plan: <= 0 means the [kernel] workers key
     * (0 there: one per CPU). */
    int workers;
} render_req;

/* ============================== Control and progress ===================== */

#define RENDER_PHASE_PREPARE 0 /* parsing, compiling, loading fonts */
#define RENDER_PHASE_READ    1 /* reading rows (RUN_PHASE_READ) */
#define RENDER_PHASE_SORT    2 /* the kernel's sort (RUN_PHASE_SORT) */
#define RENDER_PHASE_EMIT    3 /* writing after the sort (RUN_PHASE_EMIT) */
#define RENDER_PHASE_FINISH  4 /* the renderer's end() */
#define RENDER_PHASE_DONE    5 /* render_run() has returned */

/*
 * Shared between render_run() and any other thread. Zero-initialise it
 * (or render_ctl_init()) before render_run(); the caller owns it and it
 * must outlive the call.
 */
typedef struct render_ctl {
    /* Written by the caller. */
    _Atomic int cancel; /* non-zero: stop before the next batch; the partial
                           output is removed (RENDER_E_CANCELED) */
    _Atomic int pause;  /* non-zero: wait before the next batch until it is
                           cleared or cancel is set; holds no lock */

    /* Written by render_run(). */
    _Atomic int phase;           /* RENDER_PHASE_* */
    _Atomic int64_t rows;        /* rows read from the source so far */
    _Atomic int64_t estimate;    /* the source's row estimate, -1 if none */
    _Atomic int64_t bytes_read;  /* source bytes read, when the source says */
    _Atomic int64_t bytes_total; /* 0 until known */
    _Atomic uint32_t pages;      /* pages laid out so far (fill_pages) */
} render_ctl;

void render_ctl_init(render_ctl *ctl);

/* ============================== Result ==================================== */

/* What a successful render_run() produced. Free with render_result_free(). */
typedef struct render_result {
    int64_t rows_read;
    int64_t rows_kept;     /* after the filter */
    int64_t rows_skipped;  /* bad rows the source skipped */
    uint32_t pages;        /* pages laid out (0 for data formats) */
    uint32_t pages_sent;   /* of those, sent to the renderer (a page selection) */
    uint64_t output_bytes; /* size of `output` (0 for "-" or per-page files) */
    const char *mime_type; /* the format's; owned by the kernel registry */
    const char *format;    /* the format's name; owned by the kernel registry */
    char *output;          /* the output path written (malloc'd) */
    int64_t elapsed_ms;    /* wall time of render_run() */
    char **warnings;       /* the filler's warnings (malloc'd lines) */
    size_t nwarnings;
    /* For `quire render --stats` (see run.h and fill.h). */
    int64_t groups, instances;
    int partitions, sorted_by;
    int64_t sort_runs, sort_bytes_spilled;
    size_t peak_held, peak_waiting;
    uint64_t bytes_spilled;
    int stream_mode; /* 1: PLAN_STREAM, 0: PLAN_HASH */
    int paged;       /* 1: a page format (the fill statistics above mean something) */
} render_result;

void render_result_free(render_result *res);

/* ============================== Calls ===================================== */

/*
 * Everything short of opening the renderer and reading rows: resolves the
 * report (catalog name or path), parses and loads it, compiles it with the
 * parameters and data overrides (plan_build, which opens the source once
 * for its schema), checks the format exists and its plugin can take pages,
 * loads the fonts and images of a page format. Returns 0, or -1 with `e`
 * set (RENDER_E_NOT_FOUND, RENDER_E_INVALID, or RENDER_E_FAILED for an
 * I/O or plugin failure). `e` may be NULL. Thread-safe (see above).
 */
int render_validate(kernel *k, const render_req *r, render_error *e);

/*
 * The whole render on the calling thread: validate as above, open the
 * renderer on r->output, run the plan, end the renderer. `ctl` (may be
 * NULL) gives progress and takes cancel and pause. On success returns 0
 * and fills *res (render_result_free()). On failure returns -1 with `e`
 * set; *res then holds only the warnings the filler gave before the
 * failure (free it all the same), and the renderer's abort() has removed
 * any partial output, so no file is left at r->output. A PER_PAGE format
 * asked for one page the report does not have is RENDER_E_INVALID ("page
 * N does not exist: the report has M pages"). `e` and `res` may be NULL.
 */
int render_run(kernel *k, const render_req *r, render_ctl *ctl, render_result *res,
               render_error *e);

#endif /* QUIRE_RENDER_SERVICE_H */
