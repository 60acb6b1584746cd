/*
 * api_reports.c - /v1/reports: the catalog (list, describe) and
 * synchronous renders, plus the request-body reader jobs share.
 *
 * A synchronous render runs on a thread of its own (at most sync_max at
 * once; more gets 503) with a deadline of sync_timeout; past it the render
 * is cancelled and the client gets 504 with a hint to create a job. The
 * answer is the output itself, with the format's media type.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "render_service.h"
#include "report_catalog.h"
#include "serve.h"

/* ============================== Catalog =================================== */

static void put_opt_str(jbuf *b, const char *key, const char *value)
{
    jb_key(b, key);
    if (value)
        jb_str(b, value);
    else
        jb_null(b);
}

void api_reports_list(api_req *r)
{
    catalog_list list;
    jbuf b;

    if (catalog_list_reports(r->srv->k, &list) != 0) {
        api_error(r, 503, "unavailable", "out of memory");
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "reports");
    jb_arr_begin(&b);
    for (size_t i = 0; i < list.count; i++) {
        const catalog_entry *e = &list.items[i];
        jb_obj_begin(&b);
        jb_key(&b, "name");
        jb_str(&b, e->name);
        put_opt_str(&b, "title", e->title);
        put_opt_str(&b, "description", e->description);
        if (e->error) {
            jb_key(&b, "error");
            jb_str(&b, e->error);
        }
        jb_obj_end(&b);
    }
    jb_arr_end(&b);
    jb_key(&b, "warnings");
    jb_arr_begin(&b);
    for (size_t i = 0; i < list.nwarnings; i++)
        jb_str(&b, list.warnings[i]);
    jb_arr_end(&b);
    jb_obj_end(&b);
    catalog_list_free(&list);
    api_respond_json(r, 200, &b);
}

/* The status and code a render_error maps to. */
static void render_error_answer(api_req *r, const render_error *e)
{
    const char *text = e->text ? e->text : "render failed\n";
    switch (e->cls) {
    case RENDER_E_NOT_FOUND: api_error(r, 404, "not_found", "%s", text); return;
    case RENDER_E_INVALID: api_error(r, 400, "invalid", "%s", text); return;
    case RENDER_E_CANCELED: api_error(r, 504, "timeout", "%s", text); return;
    default: api_error(r, 500, "render_failed", "%s", text); return;
    }
}

void api_reports_describe(api_req *r)
{
    catalog_report *rep = NULL;
    render_error e;
    jbuf b;

    render_error_init(&e);
    if (catalog_describe(r->srv->k, http_route_get(&r->caps, "name"), &rep, &e) != 0) {
        render_error_answer(r, &e);
        render_error_clear(&e);
        return;
    }
    jbuf_init(&b);
    jb_obj_begin(&b);
    jb_key(&b, "name");
    jb_str(&b, rep->name);
    put_opt_str(&b, "title", rep->title);
    put_opt_str(&b, "description", rep->description);
    put_opt_str(&b, "author", rep->author);
    put_opt_str(&b, "locale", rep->locale);
    jb_key(&b, "page");
    jb_obj_begin(&b);
    jb_key(&b, "width");
    jb_double(&b, rep->page_width);
    jb_key(&b, "height");
    jb_double(&b, rep->page_height);
    jb_obj_end(&b);
    jb_key(&b, "parameters");
    jb_arr_begin(&b);
    for (size_t i = 0; i < rep->nparams; i++) {
        const catalog_param *p = &rep->params[i];
        jb_obj_begin(&b);
        jb_key(&b, "name");
        jb_str(&b, p->name);
        jb_key(&b, "type");
        jb_str(&b, p->type);
        if (strcmp(p->type, "decimal") == 0) {
            jb_key(&b, "scale");
            jb_int(&b, p->scale);
        }
        put_opt_str(&b, "default", p->default_text);
        jb_key(&b, "required");
        jb_bool(&b, p->required);
        if (p->choices) {
            jb_key(&b, "choices");
            jb_arr_begin(&b);
            for (size_t c = 0; c < p->nchoices; c++)
                jb_str(&b, p->choices[c]);
            jb_arr_end(&b);
        }
        put_opt_str(&b, "label", p->label);
        jb_obj_end(&b);
    }
    jb_arr_end(&b);
    jb_key(&b, "sources");
    jb_arr_begin(&b);
    for (size_t i = 0; i < rep->nsources; i++) {
        jb_obj_begin(&b);
        jb_key(&b, "name");
        jb_str(&b, rep->sources[i].name);
        jb_key(&b, "plugin");
        jb_str(&b, rep->sources[i].plugin);
        put_opt_str(&b, "path", rep->sources[i].path);
        jb_obj_end(&b);
    }
    jb_arr_end(&b);
    jb_key(&b, "formats");
    jb_arr_begin(&b);
    for (size_t i = 0; i < rep->nformats; i++) {
        const catalog_format *f = &rep->formats[i];
        jb_obj_begin(&b);
        jb_key(&b, "name");
        jb_str(&b, f->name);
        jb_key(&b, "extension");
        jb_str(&b, f->extension);
        jb_key(&b, "mime_type");
        jb_str(&b, f->mime_type);
        jb_key(&b, "description");
        jb_str(&b, f->description);
        jb_key(&b, "per_page");
        jb_bool(&b, f->per_page);
        jb_key(&b, "data");
        jb_bool(&b, f->data);
        jb_obj_end(&b);
    }
    jb_arr_end(&b);
    jb_obj_end(&b);
    catalog_report_free(rep);
    api_respond_json(r, 200, &b);
}

/* ============================== Render bodies ============================= */

/* A parameter value as text: strings as they are, numbers as written,
 * booleans as true/false. */
static const char *param_text(api_req *r, const json_value *v)
{
    switch (v->type) {
    case JSON_STRING: return v->str;
    case JSON_NUMBER: return arena_strndup(r->arena, v->str, v->len);
    case JSON_BOOL: return v->boolean ? "true" : "false";
    default: return NULL;
    }
}

int api_read_render_body(api_req *r, int need_report, render_req *out)
{
    static const char *const fields[] = {"report", "format", "params", "page"};
    json_error je;
    quire_error err = {0};
    const json_value *root, *params = NULL;
    int64_t page = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    if (r->body_len == 0) {
        api_error(r, 400, "bad_request", "the request needs a JSON body: {\"format\": \"pdf\"%s}",
                  need_report ? ", \"report\": \"NAME\"" : "");
        return -1;
    }
    root = json_parse(r->arena, r->body, r->body_len, &je);
    if (root == NULL) {
        api_error(r, 400, "bad_json", "request body: %s", je.msg);
        return -1;
    }
    if (root->type != JSON_OBJECT) {
        api_error(r, 400, "bad_request", "request body: expected an object, got %s",
                  json_type_name(root->type));
        return -1;
    }
    for (size_t i = 0; i < root->count; i++) {
        size_t f = 0;
        while (f < 4 && strcmp(root->members[i].key, fields[f]) != 0)
            f++;
        if (f == 4 || (f == 0 && !need_report)) {
            api_error(r, 400, "bad_request", "request body: unknown field \"%s\"; allowed: %s",
                      root->members[i].key,
                      need_report ? "report, format, params, page" : "format, params, page");
            return -1;
        }
    }
    if ((need_report && json_get_str(root, "report", 1, &out->report, NULL, &err) < 0) ||
        json_get_str(root, "format", 1, &out->format, NULL, &err) < 0 ||
        json_get_typed(root, "params", JSON_OBJECT, 0, &params, &err) < 0 ||
        (rc = json_get_int(root, "page", 0, &page, &err)) < 0) {
        api_error(r, 400, "bad_request", "request body: %s", err.msg);
        return -1;
    }
    if (page < 0 || page > 1000000) {
        api_error(r, 400, "bad_request", "request body: field \"page\": %lld is not a page number",
                  (long long)page);
        return -1;
    }
    out->page = (uint32_t)page;
    if (params != NULL && params->count > 0) {
        render_param *ps = arena_alloc(r->arena, params->count * sizeof(*ps));
        if (ps == NULL) {
            api_error(r, 503, "unavailable", "out of memory");
            return -1;
        }
        for (size_t i = 0; i < params->count; i++) {
            ps[i].name = params->members[i].key;
            ps[i].value = param_text(r, params->members[i].value);
            if (ps[i].value == NULL) {
                api_error(r, 400, "bad_request",
                          "request body: parameter \"%s\": expected a string, number or boolean, "
                          "got %s",
                          ps[i].name, json_type_name(params->members[i].value->type));
                return -1;
            }
        }
        out->params = ps;
        out->nparams = params->count;
    }
    return 0;
}

/* ============================== Synchronous render ======================== */

typedef struct sync_render {
    server *srv;
    api_req *r;
    render_req req;
    render_ctl ctl;
    render_result res;
    render_error err;
    int rc;
    char path[512];
    ev_timer deadline;
    int timed_out;
} sync_render;

static void sync_done(void *arg)
{
    sync_render *s = arg;
    server *srv = s->srv;
    api_req *r = s->r;

    ev_timer_stop(srv->loop, &s->deadline);
    srv->sync_running--;
    if (s->rc == 0) {
        size_t got = 0;
        char *data = serve_read_file(s->path, &got);
        if (data != NULL) {
            api_respond(r, 200, s->res.mime_type, data, got);
        } else {
            srv->metrics.sync_failures++;
            api_error(r, 500, "render_failed", "could not read the output %s: %s", s->path,
                      strerror(errno));
        }
        free(data);
        unlink(s->path);
    } else if (s->timed_out) {
        srv->metrics.sync_failures++;
        api_error(r, 504, "timeout",
                  "the render took longer than sync_timeout (%lld ms) and was cancelled; create a "
                  "job with POST /v1/jobs for long reports",
                  (long long)srv->sync_timeout_ms);
    } else {
        srv->metrics.sync_failures++;
        render_error_answer(r, &s->err);
    }
    render_result_free(&s->res);
    render_error_clear(&s->err);
    free(s);
}

static void *sync_thread(void *arg)
{
    sync_render *s = arg;
    s->rc = render_run(s->srv->k, &s->req, &s->ctl, &s->res, &s->err);
    if (mailbox_post(s->srv->mb, sync_done, s) != 0)
        sync_done(s); /* cannot happen in practice; never leave the client hanging */
    return NULL;
}

static void on_sync_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
    sync_render *s = w->data;
    (void)loop;
    (void)revents;
    s->timed_out = 1;
    atomic_store(&s->ctl.cancel, 1);
}

void api_reports_render(api_req *r)
{
    server *srv = r->srv;
    sync_render *s;
    pthread_t t;
    pthread_attr_t attr;
    static _Atomic unsigned long serial;

    if (srv->draining) {
        api_error(r, 503, "draining", "this node is shutting down");
        return;
    }
    if (srv->sync_running >= srv->sync_max) {
        api_error(r, 503, "busy",
                  "%d synchronous renders are running on this node; retry, or create a job",
                  srv->sync_running);
        return;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        api_error(r, 503, "unavailable", "out of memory");
        return;
    }
    if (api_read_render_body(r, 0, &s->req) != 0) {
        free(s);
        return;
    }
    s->req.report = http_route_get(&r->caps, "name");
    /* No render_validate() here: it opens the report's sources, which must
     * not stall the loop; render_run() validates first on its thread and a
     * refusal comes back as RENDER_E_INVALID (400). */
    /* The name owes nothing to the request (the format is the client's
     * text until render_run() has checked it). */
    snprintf(s->path, sizeof(s->path), "%s/quire-sync-%ld-%lu.out", srv->temp_dir, (long)getpid(),
             atomic_fetch_add(&serial, 1));
    s->req.output = s->path;
    s->srv = srv;
    s->r = r;
    render_ctl_init(&s->ctl);
    render_error_init(&s->err);
    api_defer(r);
    srv->sync_running++;
    srv->metrics.sync_renders++;
    ev_timer_init(&s->deadline, on_sync_deadline, (double)srv->sync_timeout_ms / 1000.0, 0);
    s->deadline.data = s;
    ev_timer_start(srv->loop, &s->deadline);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, sync_thread, s) != 0) {
        pthread_attr_destroy(&attr);
        ev_timer_stop(srv->loop, &s->deadline);
        srv->sync_running--;
        free(s);
        api_error(r, 503, "unavailable", "could not start a render thread");
        return;
    }
    pthread_attr_destroy(&attr);
}
