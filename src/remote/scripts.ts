/**
 * The Lua scripts behind every state change of a remote job. Redis 7.0 has no XACKDEL, no
 * idempotent XADD and no conditional ack, so each transition that must be atomic (enqueue with
 * duplicate check, fenced completion, retry, dead-letter, reclaim, lease renewal, promotion of
 * delayed jobs, replay) is one script. Scripts touch only keys of one queue: every key shares the
 * queue's `{hash tag}`, so they stay in one Cluster slot. Job hashes are named from a prefix
 * passed in ARGV (the BullMQ way); they live in the same slot.
 *
 * Work-stream entry fields: i = job id, n = task name, a = argument (JSON), o = options
 * ("retries,backoff,ignoreResult,kind,ttl"). Job hash fields: s = state (queued, delayed, done,
 * failed, dead), e = stream entry id while queued, t = attempt (1-based), d = deliveries of the
 * last attempt, v = result or error (JSON), while delayed also n, a, o.
 * Events-stream entries carry one field per job: job id -> status letter + JSON
 * (d = done, f = failed, x = dead-lettered).
 */

/** Shared Lua helpers, prepended to the scripts that need them. */
const HELPERS = `
local function fields(e)
  local r = redis.call('XRANGE', KEYS[1], e, e)
  if r[1] == nil then return nil end
  local f = {}
  local raw = r[1][2]
  for k = 1, #raw, 2 do f[raw[k]] = raw[k + 1] end
  return f
end
local function owner(group, e)
  local p = redis.call('XPENDING', KEYS[1], group, e, e, 1)
  if p[1] == nil then return nil, 0 end
  return p[1][2], p[1][4]
end
local function ignored(o)
  local _, _, ign = string.match(o or '', '^([^,]*),([^,]*),([^,]*)')
  return ign == '1'
end
local function ttlOf(o)
  local t = tonumber(string.match(o or '', '([^,]*)$'))
  if t == nil or t <= 0 then return 86400 end
  return t
end
local function bury(key, id, f, reason, evs, state, value)
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'i', id, 'n', f.n, 'a', f.a, 'o', f.o, 'r', reason, 'at', ARGV[6])
  redis.call('HSET', key, 's', state, 'v', value)
  redis.call('HDEL', key, 'e', 'n', 'a', 'o')
  redis.call('EXPIRE', key, ttlOf(f.o))
  if not ignored(f.o) then
    evs[#evs + 1] = id
    evs[#evs + 1] = (state == 'dead' and 'x' or 'f') .. value
  end
end
local function emit(evs)
  if #evs > 0 then redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', unpack(evs)) end
end
`;

/**
 * KEYS: work. ARGV: job prefix, then per job: id, name, arg, options, check (1 for a caller-supplied
 * id; a generated id is unique and skips the duplicate check, one redis.call less per job).
 * Returns per job the stream entry id, or 0 when a job with that id is still queued, delayed or running.
 */
export const ENQUEUE = `
local out = {}
for k = 2, #ARGV, 5 do
  local id = ARGV[k]
  local key = ARGV[1] .. id
  local s = false
  if ARGV[k + 4] == '1' then s = redis.call('HGET', key, 's') end
  if s == 'queued' or s == 'delayed' then
    out[#out + 1] = 0
  else
    local e = redis.call('XADD', KEYS[1], '*', 'i', id, 'n', ARGV[k + 1], 'a', ARGV[k + 2], 'o', ARGV[k + 3])
    -- Every redis.call costs; a fresh id (the common case) has no old hash to clear.
    if s then redis.call('DEL', key) end
    redis.call('HSET', key, 's', 'queued', 'e', e, 't', 1)
    out[#out + 1] = e
  end
end
return out
`;

/**
 * Fenced completion of a batch, and the next jobs in the same round trip (the way BullMQ's
 * moveToFinished fetches the next job): a busy worker never waits for a separate read.
 * KEYS: work, events. ARGV: group, consumer, job prefix, events maxlen, jobs to fetch, then per
 * job: id, entry id, result JSON, ttl seconds, ignoreResult (0/1).
 * Returns { per job 1 (completed) or 0 (lease lost), fetched entries }.
 */
export const COMPLETE = `${HELPERS}
local out, evs, acks = {}, {}, {}
-- One XPENDING for the whole batch: what this consumer owns now, with delivery counts.
local mine = {}
for _, p in ipairs(redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1000 + #ARGV, ARGV[2])) do mine[p[1]] = p[4] end
for k = 6, #ARGV, 5 do
  local id, e = ARGV[k], ARGV[k + 1]
  local deliveries = mine[e]
  if deliveries == nil then
    out[#out + 1] = 0
  else
    local key = ARGV[3] .. id
    acks[#acks + 1] = e
    if ARGV[k + 4] == '1' then
      redis.call('HSET', key, 's', 'done', 'd', deliveries)
    else
      redis.call('HSET', key, 's', 'done', 'd', deliveries, 'v', ARGV[k + 2])
      evs[#evs + 1] = id
      evs[#evs + 1] = 'd' .. ARGV[k + 2]
    end
    redis.call('EXPIRE', key, ARGV[k + 3])
    out[#out + 1] = 1
  end
end
-- One XACK and one XDEL for the batch: each redis.call from Lua has a fixed cost.
if #acks > 0 then
  redis.call('XACK', KEYS[1], ARGV[1], unpack(acks))
  redis.call('XDEL', KEYS[1], unpack(acks))
end
emit(evs)
local fetched = {}
if tonumber(ARGV[5]) > 0 then
  local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[5], 'STREAMS', KEYS[1], '>')
  if r then fetched = r[1][2] end
end
return { out, fetched }
`;

/**
 * Fenced failure of one job. KEYS: work, events, dead, delayed. ARGV: group, consumer, job prefix,
 * events maxlen, dead maxlen, now (ms), id, entry id, error JSON, permanent (0/1), reason.
 * Retries with exponential backoff (delayed set) while attempts remain, else dead-letters.
 * Returns 1 retried, 2 dead-lettered, 0 lease lost.
 */
export const FAIL = `${HELPERS}
local id, e = ARGV[7], ARGV[8]
local who, deliveries = owner(ARGV[1], e)
if who ~= ARGV[2] then return 0 end
local key = ARGV[3] .. id
local f = fields(e)
redis.call('XACK', KEYS[1], ARGV[1], e)
redis.call('XDEL', KEYS[1], e)
if f == nil then return 0 end
local attempt = tonumber(redis.call('HGET', key, 't') or '1')
local retries, backoff = string.match(f.o, '^([^,]*),([^,]*)')
retries, backoff = tonumber(retries) or 0, tonumber(backoff) or 0
if ARGV[10] ~= '1' and attempt <= retries then
  redis.call('HSET', key, 's', 'delayed', 't', attempt + 1, 'd', deliveries, 'n', f.n, 'a', f.a, 'o', f.o, 'v', ARGV[9])
  redis.call('HDEL', key, 'e')
  redis.call('ZADD', KEYS[4], tonumber(ARGV[6]) + backoff * 2 ^ (attempt - 1), id)
  return 1
end
local evs = {}
redis.call('HSET', key, 'd', deliveries)
bury(key, id, f, ARGV[11], evs, 'failed', ARGV[9])
emit(evs)
return 2
`;

/**
 * Reclaims jobs whose lease lapsed, dead-lettering those delivered too often. KEYS: work, events,
 * dead. ARGV: group, consumer, job prefix, events maxlen, dead maxlen, now (ms), min idle (ms),
 * cursor, count, max deliveries. Returns { next cursor, { { entry id, fields, deliveries }... } }.
 */
export const RECLAIM = `${HELPERS}
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[7], ARGV[8], 'COUNT', ARGV[9])
local keep, evs = {}, {}
for _, entry in ipairs(r[2]) do
  local e = entry[1]
  local _, deliveries = owner(ARGV[1], e)
  local f = {}
  for k = 1, #entry[2], 2 do f[entry[2][k]] = entry[2][k + 1] end
  if deliveries > tonumber(ARGV[10]) then
    local key = ARGV[3] .. f.i
    redis.call('XACK', KEYS[1], ARGV[1], e)
    redis.call('XDEL', KEYS[1], e)
    redis.call('HSET', key, 'd', deliveries - 1)
    local reason = 'delivered ' .. (deliveries - 1) .. ' times without completing (its worker died or lost its lease each time)'
    bury(key, f.i, f, reason, evs, 'dead', cjson.encode({ reason = reason }))
  else
    keep[#keep + 1] = { e, entry[2], deliveries }
  end
end
emit(evs)
return { r[1], keep }
`;

/**
 * Renews this consumer's leases and heartbeat. KEYS: work, workers. ARGV: group, consumer,
 * heartbeat expiry (ms), then entry ids. XCLAIM ... JUSTID resets the idle time without counting a
 * delivery; the owner check first keeps a worker from stealing back a job already reclaimed.
 * Returns the entry ids this consumer no longer owns.
 */
export const RENEW = `
local lost = {}
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
for k = 4, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[k], ARGV[k], 1)
  if p[1] ~= nil and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[k], 'JUSTID')
  else
    lost[#lost + 1] = ARGV[k]
  end
end
return lost
`;

/**
 * Moves due delayed jobs back to the work stream. KEYS: work, delayed. ARGV: job prefix, now (ms),
 * limit. Returns how many moved.
 */
export const PROMOTE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  local h = redis.call('HMGET', key, 'n', 'a', 'o')
  if h[1] then
    local e = redis.call('XADD', KEYS[1], '*', 'i', id, 'n', h[1], 'a', h[2], 'o', h[3])
    redis.call('HSET', key, 's', 'queued', 'e', e)
    redis.call('HDEL', key, 'n', 'a', 'o', 'v')
  end
  redis.call('ZREM', KEYS[2], id)
end
return #ids
`;

/**
 * Replays dead letters into the work stream as fresh jobs (attempt 1). KEYS: work, dead.
 * ARGV: job prefix, count, then optional dead-letter entry ids (all oldest first when none).
 * A job whose id is queued again meanwhile is skipped (and its dead letter dropped).
 * Returns how many were requeued.
 */
export const REPLAY = `
local entries
if #ARGV > 2 then
  entries = {}
  for k = 3, #ARGV do
    local r = redis.call('XRANGE', KEYS[2], ARGV[k], ARGV[k])
    if r[1] then entries[#entries + 1] = r[1] end
  end
else
  entries = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', ARGV[2])
end
local n = 0
for _, entry in ipairs(entries) do
  local f = {}
  for k = 1, #entry[2], 2 do f[entry[2][k]] = entry[2][k + 1] end
  local key = ARGV[1] .. f.i
  local s = redis.call('HGET', key, 's')
  if s ~= 'queued' and s ~= 'delayed' then
    local e = redis.call('XADD', KEYS[1], '*', 'i', f.i, 'n', f.n, 'a', f.a, 'o', f.o)
    redis.call('DEL', key)
    redis.call('HSET', key, 's', 'queued', 'e', e, 't', 1)
    n = n + 1
  end
  redis.call('XDEL', KEYS[2], entry[1])
end
return n
`;

/**
 * Removes this consumer from the group if it owns no pending entry (a consumer deleted with
 * pending entries would leave them unclaimable until XAUTOCLAIM; redis#9745), and its heartbeat.
 * KEYS: work, workers. ARGV: group, consumer. Returns 1 when removed.
 */
export const RETIRE = `
redis.call('ZREM', KEYS[2], ARGV[2])
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if p[1] ~= nil then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
`;
