/**
 * The Lua scripts of the run store. Each runs atomically in Redis, so every
 * store operation is all-or-nothing and the passed count can never exceed N
 * or count a slot twice, whatever runs concurrently.
 */

/**
 * Create a run unless it exists. With a library image, the run joins the
 * image's run set in the same step, and is refused while the image is being
 * deleted (its deleting key exists): a delete and a run creation never both
 * go ahead (CLAIM_IMAGE_DELETE).
 * KEYS: run hash, runs index[, image runs set, image deleting key]... (one pair per
 * library image: a set run holds each of its discs' images).
 * ARGV: run id, createdAt, then field/value pairs.
 * Returns 1 when created, 0 when the run already existed, -k when the k-th image is being deleted.
 */
export const CREATE_RUN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for i = 4, #KEYS, 2 do
  if redis.call('EXISTS', KEYS[i]) == 1 then return -((i - 2) / 2) end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
for i = 3, #KEYS, 2 do redis.call('SADD', KEYS[i], ARGV[1]) end
return 1
`;

/**
 * Take back a run just created, before any of its jobs were queued (its
 * image went away meanwhile): only a `queued` run with no attempt.
 * KEYS: run hash, runs index, image runs set(s). ARGV: run id.
 * Returns 1 when removed, 0 otherwise.
 */
export const DISCARD_RUN = `
local h = redis.call('HMGET', KEYS[1], 'status', 'attempts')
if h[1] ~= 'queued' or (tonumber(h[2] or '0') or 0) > 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
for i = 3, #KEYS do redis.call('SREM', KEYS[i], ARGV[1]) end
return 1
`;

/**
 * Claim an image for deletion: refused while a run of its run set is
 * unfinished (queued, running, paused); finished or vanished runs leave the
 * set. The claim is the image's deleting key (a token, with a time to live
 * for a controller that dies meanwhile), which CREATE_RUN refuses.
 * KEYS: image runs set, image deleting key.
 * ARGV: run key prefix (`<prefix>:run:`), token, time to live in ms.
 * Returns {'ok', ''}, {'in-use', runId} or {'deleting', ''} (claimed by another delete).
 */
export const CLAIM_IMAGE_DELETE = `
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local st = redis.call('HGET', ARGV[1] .. id, 'status')
  if st == 'queued' or st == 'running' or st == 'paused' then return {'in-use', id} end
  redis.call('SREM', KEYS[1], id)
end
if redis.call('SET', KEYS[2], ARGV[2], 'NX', 'PX', ARGV[3]) then return {'ok', ''} end
return {'deleting', ''}
`;

/**
 * Give back a claim of CLAIM_IMAGE_DELETE (only the claimant's own token).
 * KEYS: image deleting key. ARGV: token. Returns 1 when released.
 */
export const RELEASE_IMAGE_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Record the start of an attempt, refusing when the run is not active or the
 * slot already has a counted pass.
 * KEYS: run, passed set, attempt, run attempts, attempts by time, drive attempts,
 *       agent open set, run drive ordinals.
 * ARGV: attempt id, copy, startedAt, drive id, then attempt field/value pairs.
 * Returns {'ok', driveOrdinal} or {reason, 0}.
 */
export const BEGIN_ATTEMPT = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return {'run-missing', 0} end
if status == 'cancelled' or status == 'completed' or status == 'failed' or status == 'paused' then
  return {'run-' .. status, 0}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then return {'slot-passed', 0} end
if redis.call('EXISTS', KEYS[3]) == 1 then return {'attempt-exists', 0} end
local ordinal = redis.call('HINCRBY', KEYS[8], ARGV[4], 1)
redis.call('HSET', KEYS[3], 'driveOrdinal', ordinal, unpack(ARGV, 5))
local t = tonumber(ARGV[3])
redis.call('ZADD', KEYS[4], t, ARGV[1])
redis.call('ZADD', KEYS[5], t, ARGV[1])
redis.call('ZADD', KEYS[6], t, ARGV[1])
redis.call('SADD', KEYS[7], ARGV[1])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HINCRBY', KEYS[1], 'open', 1)
if status == 'queued' then redis.call('HSET', KEYS[1], 'status', 'running') end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[3])
return {'ok', ordinal}
`;

/**
 * Close an open attempt (never a closed one: attempts are append-only).
 * A passed attempt counts only when its slot is not yet in the passed set and
 * the set holds fewer than N slots; otherwise it is surplus.
 * The drive's counts in the drive counts hash go up too, when the drive has
 * its pair there already (else DRIVE_COUNTS counts this attempt from history);
 * a failed attempt marked `refusal` (the copy refused for its media, nothing
 * written: see copy-suitability.ts) is not the drive's failed disc.
 * KEYS: attempt, run, passed set, agent open set, run last-failure hash,
 * drive counts hash, blank stock hash (`used:<type>`, `wasted:<type>`: each
 * attempt is closed once, so each disc is counted once, across retries and
 * restarts alike).
 * ARGV: outcome, endedAt, then extra attempt field/value pairs.
 * Returns {status, counted, surplus, runCompleted, passed, drivePassed,
 * driveFailed}; status is 'ok', 'missing' or 'closed'; the drive's counts
 * after this attempt are -1 while the hash has no pair for it.
 */
const END_ATTEMPT_BODY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'missing', 0, 0, 0, 0} end
if redis.call('HEXISTS', KEYS[1], 'endedAt') == 1 then return {'closed', 0, 0, 0, 0} end
local outcome = ARGV[1]
-- An end never precedes its start: the controller closing a dead agent's attempt reads another host's clock.
local endedAt = ARGV[2]
local startedAt = tonumber(redis.call('HGET', KEYS[1], 'startedAt') or '0') or 0
if (tonumber(endedAt) or 0) < startedAt then endedAt = tostring(startedAt) end
local copy = redis.call('HGET', KEYS[1], 'copy')
local id = redis.call('HGET', KEYS[1], 'id')
local wanted = tonumber(redis.call('HGET', KEYS[2], 'copies') or '0')
local counted, surplus, completed = 0, 0, 0
local n = redis.call('SCARD', KEYS[3])
if outcome == 'passed' then
  if n < wanted and redis.call('SISMEMBER', KEYS[3], copy) == 0 then
    redis.call('SADD', KEYS[3], copy)
    counted = 1
    n = n + 1
    redis.call('HSET', KEYS[2], 'passed', n)
    if n == wanted then
      local st = redis.call('HGET', KEYS[2], 'status')
      if st == 'queued' or st == 'running' or st == 'paused' then
        redis.call('HSET', KEYS[2], 'status', 'completed', 'completedAt', endedAt)
        completed = 1
      end
    end
  else
    surplus = 1
    redis.call('HINCRBY', KEYS[2], 'surplus', 1)
  end
elseif outcome == 'failed' then
  redis.call('HINCRBY', KEYS[2], 'failed', 1)
  redis.call('HSET', KEYS[5], copy, redis.call('HGET', KEYS[1], 'driveId'))
elseif outcome == 'cancelled' then
  redis.call('HINCRBY', KEYS[2], 'cancelled', 1)
elseif outcome == 'interrupted' then
  redis.call('HINCRBY', KEYS[2], 'interrupted', 1)
else
  return redis.error_reply('unknown outcome ' .. tostring(outcome))
end
redis.call('HSET', KEYS[1], 'endedAt', endedAt, 'outcome', outcome, 'counted', counted, 'surplus', surplus)
if last > 2 then redis.call('HSET', KEYS[1], unpack(ARGV, 3, last)) end
redis.call('SREM', KEYS[4], id)
local driveId = redis.call('HGET', KEYS[1], 'driveId') or ''
local drivePassed, driveFailed = -1, -1
if redis.call('HEXISTS', KEYS[6], 'passed:' .. driveId) == 1 then
  if outcome == 'passed' then redis.call('HINCRBY', KEYS[6], 'passed:' .. driveId, 1)
  elseif (outcome == 'failed' and redis.call('HGET', KEYS[1], 'refusal') ~= '1') or outcome == 'interrupted' then
    redis.call('HINCRBY', KEYS[6], 'failed:' .. driveId, 1)
  end
  local c = redis.call('HMGET', KEYS[6], 'passed:' .. driveId, 'failed:' .. driveId)
  drivePassed, driveFailed = tonumber(c[1]) or -1, tonumber(c[2]) or -1
end
-- Blank stock: every attempt that wrote a disc used one blank of its type, a coaster (not passed) is wasted too.
local mediaType = redis.call('HGET', KEYS[1], 'mediaType') or ''
if mediaType ~= '' and not (outcome == 'failed' and redis.call('HGET', KEYS[1], 'refusal') == '1') then
  redis.call('HINCRBY', KEYS[7], 'used:' .. mediaType, 1)
  if outcome ~= 'passed' then redis.call('HINCRBY', KEYS[7], 'wasted:' .. mediaType, 1) end
end
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'open', -1)
  redis.call('HSET', KEYS[2], 'updatedAt', endedAt)
end
return {'ok', counted, surplus, completed, n, drivePassed, driveFailed}
`;

export const END_ATTEMPT = `
local last = #ARGV
${END_ATTEMPT_BODY}`;

/**
 * END_ATTEMPT for closing an attempt `interrupted` on behalf of a dead agent,
 * only while the lease on the agent id allows it (checked in the same script,
 * so an agent that takes its id meanwhile never has a fresh attempt closed).
 * KEYS: those of END_ATTEMPT, then the agent's lease.
 * ARGV: those of END_ATTEMPT, then the guard: 'owner' and the lease value the
 * caller holds (an agent closing its own leftovers), or 'expired' and ''
 * (the controller: only when nobody holds the lease).
 * Returns END_ATTEMPT's reply, or {'lease-held'|'not-owner', 0, 0, 0, 0}.
 */
export const END_INTERRUPTED = `
local last = #ARGV - 2
local mode, want = ARGV[#ARGV - 1], ARGV[#ARGV]
local lease = redis.call('GET', KEYS[8])
if mode == 'owner' then
  if lease ~= want then return {'not-owner', 0, 0, 0, 0} end
elseif lease then
  return {'lease-held', 0, 0, 0, 0}
end
${END_ATTEMPT_BODY}`;

/**
 * A drive's pass and fail counts (a `refusal` is no failed disc): from the drive counts hash, or, the first
 * time, counted from the drive's attempt history and stored there (in one
 * script, so no attempt ending meanwhile is counted twice or missed).
 * The attempt keys are built from ARGV[2] (the key prefix): one Redis, no cluster.
 * KEYS: drive counts hash, the drive's attempts (sorted set).
 * ARGV: drive id, attempt key prefix (`<prefix>:attempt:`).
 * Returns {passed, failed}.
 */
export const DRIVE_COUNTS = `
local p, f = 'passed:' .. ARGV[1], 'failed:' .. ARGV[1]
local have = redis.call('HMGET', KEYS[1], p, f)
if have[1] and have[2] then return {tonumber(have[1]), tonumber(have[2])} end
local passed, failed = 0, 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  local o = redis.call('HGET', ARGV[2] .. id, 'outcome')
  if o == 'passed' then passed = passed + 1
  elseif (o == 'failed' and redis.call('HGET', ARGV[2] .. id, 'refusal') ~= '1') or o == 'interrupted' then failed = failed + 1 end
end
redis.call('HSET', KEYS[1], p, passed, f, failed)
return {passed, failed}
`;

/**
 * Change a run's status when it is in one of the allowed states.
 * KEYS: run. ARGV: new status, updatedAt, reason ('' for none), allowed states...
 * Returns the previous status when changed, false otherwise.
 */
export const SET_RUN_STATUS = `
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return false end
local allowed = #ARGV <= 3
for i = 4, #ARGV do if ARGV[i] == st then allowed = true end end
if not allowed then return false end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'statusReason', ARGV[3]) else redis.call('HDEL', KEYS[1], 'statusReason') end
return st
`;
