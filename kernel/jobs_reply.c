/*
 * jobs_reply.c - reading hiredis replies: strings, integers, and a job hash
 * (HGETALL) into a job_info.
 */
#include "jobs_int.h"

#include <stdlib.h>
#include <string.h>

const char *jobs_reply_str(const redisReply *r)
{
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
        return r->str;
    return NULL;
}

int64_t jobs_reply_int(const redisReply *r, int64_t dflt)
{
    if (!r)
        return dflt;
    if (r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (r->type == REDIS_REPLY_STRING)
        return atoll(r->str);
    return dflt;
}

int jobs_reply_is_error(const redisReply *r)
{
    return !r || r->type == REDIS_REPLY_ERROR;
}

int jobs_info_from_pairs(const char *const *kv, size_t n, const char *id, job_info *info,
                         job_param **params_out)
{
    memset(info, 0, sizeof *info);
    info->id = id;
    info->report = info->format = info->page = info->node = info->error = "";
    info->control = info->output_mime = "";
    info->rows_total = -1;
    info->percent = -1;
    info->eta_ms = -1;
    size_t np = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        if (strncmp(kv[i], "p:", 2) == 0)
            np++;
    job_param *params = calloc(np ? np : 1, sizeof *params);
    if (!params)
        return -1;
    for (size_t i = 0; i + 1 < n; i += 2) {
        const char *k = kv[i], *v = kv[i + 1];
        if (strncmp(k, "p:", 2) == 0) {
            params[info->nparams].name = k + 2;
            params[info->nparams++].value = v;
        } else if (strcmp(k, "state") == 0)
            job_state_parse(v, &info->state);
        else if (strcmp(k, "report") == 0)
            info->report = v;
        else if (strcmp(k, "format") == 0)
            info->format = v;
        else if (strcmp(k, "page") == 0)
            info->page = v;
        else if (strcmp(k, "node") == 0)
            info->node = v;
        else if (strcmp(k, "error") == 0)
            info->error = v;
        else if (strcmp(k, "control") == 0)
            info->control = v;
        else if (strcmp(k, "output_mime") == 0)
            info->output_mime = v;
        else if (strcmp(k, "output_kind") == 0)
            info->output_kind = strcmp(v, "redis") == 0  ? JOB_OUTPUT_REDIS
                                : strcmp(v, "file") == 0 ? JOB_OUTPUT_FILE
                                                         : JOB_OUTPUT_NONE;
        else if (strcmp(k, "output_size") == 0)
            info->output_size = atoll(v);
        else if (strcmp(k, "created_ms") == 0)
            info->created_ms = atoll(v);
        else if (strcmp(k, "started_ms") == 0)
            info->started_ms = atoll(v);
        else if (strcmp(k, "finished_ms") == 0)
            info->finished_ms = atoll(v);
        else if (strcmp(k, "attempts") == 0)
            info->attempts = atoi(v);
        else if (strcmp(k, "rows") == 0)
            info->rows = atoll(v);
        else if (strcmp(k, "rows_total") == 0)
            info->rows_total = atoll(v);
        else if (strcmp(k, "pages") == 0)
            info->pages = atoll(v);
        else if (strcmp(k, "percent") == 0)
            info->percent = atoi(v);
        else if (strcmp(k, "eta_ms") == 0)
            info->eta_ms = atoll(v);
    }
    info->params = params;
    *params_out = params;
    return 0;
}

int jobs_info_from_hash(const redisReply *arr, const char *id, job_info *info,
                        job_param **params_out)
{
    if (!arr || arr->type != REDIS_REPLY_ARRAY)
        return -1;
    const char **kv = calloc(arr->elements ? arr->elements : 1, sizeof *kv);
    if (!kv)
        return -1;
    for (size_t i = 0; i < arr->elements; i++) {
        const char *s = jobs_reply_str(arr->element[i]);
        kv[i] = s ? s : "";
    }
    int rc = jobs_info_from_pairs(kv, arr->elements, id, info, params_out);
    free(kv);
    return rc;
}
