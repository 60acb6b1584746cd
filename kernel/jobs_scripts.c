/*
 * jobs_scripts.c - the Lua scripts of the job engine. Each touches only
 * the keys of one job ({job:ID}: hash, events, output), so it runs on one
 * Redis Cluster slot, atomically. They are sent with EVAL (not EVALSHA) so
 * a restarted Redis that lost its script cache needs no NOSCRIPT handling.
 *
 * A state event is always added in the same script as the state change, so
 * the events stream and the hash never disagree.
 */
#include "jobs_int.h"

/* Shared prologue. KEYS[1] hash, KEYS[2] events. ev(maxlen, fields...). */
#define LUA_EV                                                                                     \
    "local function ev(maxlen, ...)\n"                                                             \
    "  redis.call('XADD', KEYS[2], 'MAXLEN', '~', maxlen, '*', ...)\n"                             \
    "end\n"                                                                                        \
    "local function final(s) return s == 'succeeded' or s == 'failed' or s == 'canceled' end\n"

/* KEYS hash, events. ARGV: maxlen, now, then HSET field/value pairs. */
const char jobs_lua_create[] = LUA_EV
    "redis.call('HSET', KEYS[1], unpack(ARGV, 3))\n"
    "ev(ARGV[1], 'type', 'state', 'state', 'queued', 'node', '', 'ts', ARGV[2], 'message', '')\n"
    "return 'ok'\n";

/* KEYS hash, events. ARGV: node, now, max_attempts, maxlen, reclaimed, ttl.
 * Returns {'gone'} | {'final', state} | {'canceled'} | {'dead', attempts,
 * error, node} | {'run', state, attempt, HGETALL}. */
const char jobs_lua_start[] = LUA_EV
    "local h = KEYS[1]\n"
    "local st = redis.call('HGET', h, 'state')\n"
    "if not st then return {'gone'} end\n"
    "if final(st) then return {'final', st} end\n"
    "local ctl = redis.call('HGET', h, 'control') or ''\n"
    "local prev = redis.call('HGET', h, 'node') or ''\n"
    "if ctl == 'cancel' then\n"
    "  redis.call('HSET', h, 'state', 'canceled', 'finished_ms', ARGV[2], 'control', '')\n"
    "  redis.call('DEL', KEYS[3])\n"
    "  ev(ARGV[4], 'type', 'state', 'state', 'canceled', 'node', ARGV[1], 'ts', ARGV[2],\n"
    "     'message', 'canceled')\n"
    "  redis.call('EXPIRE', h, ARGV[6]) redis.call('EXPIRE', KEYS[2], ARGV[6])\n"
    "  return {'canceled'}\n"
    "end\n"
    "local att = tonumber(redis.call('HGET', h, 'attempts') or '0')\n"
    "if att >= tonumber(ARGV[3]) then\n"
    "  return {'dead', tostring(att), redis.call('HGET', h, 'error') or '', prev}\n"
    "end\n"
    "att = redis.call('HINCRBY', h, 'attempts', 1)\n"
    "local ns = 'running'\n"
    "if ctl == 'pause' then ns = 'paused' end\n"
    "redis.call('HSET', h, 'state', ns, 'node', ARGV[1], 'started_ms', ARGV[2],\n"
    "           'paused_from', 'running')\n"
    "local msg = ''\n"
    "if ARGV[5] == '1' and prev ~= '' and prev ~= ARGV[1] then\n"
    "  msg = 'reclaimed from node ' .. prev\n"
    "end\n"
    "ev(ARGV[4], 'type', 'state', 'state', ns, 'node', ARGV[1], 'ts', ARGV[2], 'message', msg)\n"
    "return {'run', ns, tostring(att), redis.call('HGETALL', h)}\n";

/* KEYS hash, events. ARGV: node, now, maxlen, publish, rows, rows_total,
 * pages, percent, eta_ms. Returns {state, control} ({'', ''} if gone). */
const char jobs_lua_progress[] = LUA_EV
    "local h = KEYS[1]\n"
    "local st = redis.call('HGET', h, 'state')\n"
    "if not st then return {'', ''} end\n"
    "local ctl = redis.call('HGET', h, 'control') or ''\n"
    "if ARGV[4] == '1' and not final(st) and redis.call('HGET', h, 'node') == ARGV[1] then\n"
    "  redis.call('HSET', h, 'rows', ARGV[5], 'rows_total', ARGV[6], 'pages', ARGV[7],\n"
    "             'percent', ARGV[8], 'eta_ms', ARGV[9])\n"
    "  ev(ARGV[3], 'type', 'progress', 'rows', ARGV[5], 'rows_total', ARGV[6], 'pages', ARGV[7],\n"
    "     'percent', ARGV[8], 'eta_ms', ARGV[9], 'node', ARGV[1], 'ts', ARGV[2])\n"
    "end\n"
    "return {st, ctl}\n";

/* KEYS hash, events, output. ARGV: node, now, maxlen, ttl, state, error,
 * kind, data, size, mime, path, rows, rows_total, pages, percent.
 * Returns 'ok', 'gone' or the final state already stored. */
const char jobs_lua_finish[] = LUA_EV
    "local h = KEYS[1]\n"
    "local st = redis.call('HGET', h, 'state')\n"
    "if not st then return 'gone' end\n"
    "if final(st) then return st end\n"
    "local ns = ARGV[5]\n"
    "if ns == 'succeeded' then\n"
    "  if ARGV[7] == 'redis' then redis.call('SET', KEYS[3], ARGV[8], 'EX', ARGV[4]) end\n"
    "  redis.call('HSET', h, 'output_kind', ARGV[7], 'output_size', ARGV[9],\n"
    "             'output_mime', ARGV[10], 'output_path', ARGV[11], 'eta_ms', '0')\n"
    "  redis.call('HINCRBY', h, 'output_writes', 1)\n"
    "else\n"
    "  redis.call('DEL', KEYS[3])\n"
    "end\n"
    "redis.call('HSET', h, 'state', ns, 'finished_ms', ARGV[2], 'error', ARGV[6], 'control', '',\n"
    "           'rows', ARGV[12], 'rows_total', ARGV[13], 'pages', ARGV[14], 'percent', ARGV[15])\n"
    "ev(ARGV[3], 'type', 'state', 'state', ns, 'node', ARGV[1], 'ts', ARGV[2], 'message', "
    "ARGV[6],\n"
    "   'rows', ARGV[12], 'rows_total', ARGV[13], 'pages', ARGV[14], 'percent', ARGV[15])\n"
    "redis.call('EXPIRE', h, ARGV[4]) redis.call('EXPIRE', KEYS[2], ARGV[4])\n"
    "return 'ok'\n";

/* KEYS hash, events, output. ARGV: node, now, maxlen, error, ttl.
 * Returns 'ok' (queue it again), 'canceled', 'gone' or a final state. */
const char jobs_lua_requeue[] =
    LUA_EV "local h = KEYS[1]\n"
           "local st = redis.call('HGET', h, 'state')\n"
           "if not st then return 'gone' end\n"
           "if final(st) then return st end\n"
           "local ctl = redis.call('HGET', h, 'control') or ''\n"
           "if ctl == 'cancel' then\n"
           "  redis.call('HSET', h, 'state', 'canceled', 'finished_ms', ARGV[2], 'control', '')\n"
           "  ev(ARGV[3], 'type', 'state', 'state', 'canceled', 'node', ARGV[1], 'ts', ARGV[2],\n"
           "     'message', 'canceled')\n"
           "  redis.call('EXPIRE', h, ARGV[5]) redis.call('EXPIRE', KEYS[2], ARGV[5])\n"
           "  return 'canceled'\n"
           "end\n"
           "local ns = 'queued'\n"
           "if ctl == 'pause' then ns = 'paused' end\n"
           "redis.call('HSET', h, 'state', ns, 'error', ARGV[4], 'paused_from', 'queued')\n"
           "ev(ARGV[3], 'type', 'state', 'state', ns, 'node', ARGV[1], 'ts', ARGV[2],\n"
           "   'message', 'retrying after: ' .. ARGV[4])\n"
           "return 'ok'\n";

/* KEYS hash, events, output. ARGV: action, now, maxlen, ttl.
 * Returns {'notfound'} | {'conflict', state} | {'ok', state}. */
const char jobs_lua_control[] = LUA_EV
    "local h = KEYS[1]\n"
    "local st = redis.call('HGET', h, 'state')\n"
    "if not st then return {'notfound'} end\n"
    "if final(st) then return {'conflict', st} end\n"
    "local a = ARGV[1]\n"
    "local node = redis.call('HGET', h, 'node') or ''\n"
    "local from = redis.call('HGET', h, 'paused_from') or 'queued'\n"
    "local function set(ns, ctl)\n"
    "  redis.call('HSET', h, 'state', ns, 'control', ctl)\n"
    "  if ns ~= st then\n"
    "    ev(ARGV[3], 'type', 'state', 'state', ns, 'node', node, 'ts', ARGV[2], 'message', '')\n"
    "  end\n"
    "end\n"
    "if a == 'cancel' then\n"
    "  if st == 'queued' or (st == 'paused' and from == 'queued') then\n"
    "    redis.call('HSET', h, 'finished_ms', ARGV[2])\n"
    "    set('canceled', '')\n"
    "    redis.call('EXPIRE', h, ARGV[4]) redis.call('EXPIRE', KEYS[2], ARGV[4])\n"
    "    return {'ok', 'canceled'}\n"
    "  end\n"
    "  redis.call('HSET', h, 'control', 'cancel')\n"
    "  return {'ok', st}\n"
    "end\n"
    "if (redis.call('HGET', h, 'control') or '') == 'cancel' then return {'ok', st} end\n"
    "if a == 'pause' then\n"
    "  if st ~= 'paused' then redis.call('HSET', h, 'paused_from', st) end\n"
    "  set('paused', 'pause')\n"
    "  return {'ok', 'paused'}\n"
    "else\n"
    "  if st ~= 'paused' then return {'ok', st} end\n"
    "  set(from, '')\n"
    "  return {'ok', from}\n"
    "end\n";
