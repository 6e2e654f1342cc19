/**
 * Run control: the one state machine of pause, resume, cancel-now and
 * cancel-finish (cancel letting the burns in flight finish), run in Redis.
 *
 * Every transition is one Lua script (`RUN_CONTROL`, built from the table
 * below) that reads the run's state and writes the new one atomically, so of
 * two racing requests exactly one finds the state it needs; the other is
 * refused with the state it found. What a transition does to the queues
 * (removing or adding copy jobs, promoting put-back ones) happens after the
 * state is written, in the planner, and converges on the state found then:
 * it is idempotent, and the planner's reconcile does it again at start.
 *
 * States, as an operator sees them:
 *
 * - `queued`, `running`, `paused`: the run's status.
 * - `cancelling`: status `paused` with the run hash's `finishing` flag: a
 *   cancel waits for its burns in flight; no burn starts, no job is queued.
 * - `completed`, `failed`, `cancelled`: finished, nothing moves them.
 *
 * Transitions (anything not listed is refused, 409 in the API):
 *
 * | action        | from                       | to                                          |
 * |---------------|----------------------------|---------------------------------------------|
 * | pause         | queued, running            | paused                                      |
 * | resume        | paused                     | running (never `cancelling`: it has no jobs)|
 * | cancel-now    | queued, running, paused, cancelling | cancelled (burns in flight aborted) |
 * | cancel-finish | queued, running, paused    | cancelling; cancelled when no attempt is open |
 * | settle        | cancelling, no attempt open | cancelled                                  |
 *
 * Outside this table the attempt scripts move a run too: the first attempt
 * makes `queued` `running`, the N-th pass makes an active run `completed`
 * (a cancelling one included), and the planner makes an active run `failed`
 * when its failure budget is spent.
 */

/** What an operator (or the controller, for `settle`) asks of a run. */
export type RunControlAction = 'pause' | 'resume' | 'cancel-now' | 'cancel-finish' | 'settle';

/** Where a run is, for run control: its status, with `cancelling` for a paused run whose cancel waits for its burns in flight. */
export type RunControlState = 'queued' | 'running' | 'paused' | 'cancelling' | 'completed' | 'failed' | 'cancelled';

/** Every action's allowed states and the state it leads to (see the module's table). */
export const RUN_TRANSITIONS: Readonly<Record<RunControlAction, Readonly<Partial<Record<RunControlState, RunControlState>>>>> = {
  pause: { queued: 'paused', running: 'paused' },
  resume: { paused: 'running' },
  'cancel-now': { queued: 'cancelled', running: 'cancelled', paused: 'cancelled', cancelling: 'cancelled' },
  // To `cancelled` at once when no attempt is open (RUN_CONTROL).
  'cancel-finish': { queued: 'cancelling', running: 'cancelling', paused: 'cancelling' },
  // Only when no attempt is open (RUN_CONTROL).
  settle: { cancelling: 'cancelled' },
};

/** The result of a run control request. */
export type RunControlResult =
  | { readonly ok: true; readonly from: RunControlState; readonly to: RunControlState }
  | { readonly ok: false; readonly found: RunControlState | 'missing' };

/** The transition table as a Lua table literal. */
function luaTable(): string {
  const q = (s: string): string => `'${s.replace(/[^a-z-]/g, '')}'`;
  const rows = Object.entries(RUN_TRANSITIONS).map(([action, moves]) => {
    const cells = Object.entries(moves).map(([from, to]) => `[${q(from)}]=${q(to ?? '')}`);
    return `[${q(action)}]={${cells.join(',')}}`;
  });
  return `{${rows.join(',')}}`;
}

/**
 * One transition, atomically.
 * KEYS: run hash.
 * ARGV: action, updatedAt, reason (pause: why; cancels: the cancelled run's
 *       reason), reason shown while a cancel waits for its burns in flight.
 * Returns {'ok', from, to} or {'refused', found, ''} (found 'missing' for no run).
 * A cancel that waits keeps its final reason in `cancelReason`; `settle` uses it.
 */
export const RUN_CONTROL = `
local T = ${luaTable()}
local h = redis.call('HMGET', KEYS[1], 'status', 'finishing', 'open', 'cancelReason')
local st = h[1]
if not st then return {'refused', 'missing', ''} end
local state = st
if st == 'paused' and h[2] == '1' then state = 'cancelling' end
local open = tonumber(h[3] or '0') or 0
local action = ARGV[1]
local moves = T[action]
if not moves then return redis.error_reply('unknown run control action ' .. tostring(action)) end
local to = moves[state]
if to == 'cancelling' and open <= 0 then to = 'cancelled' end
if action == 'settle' and open > 0 then to = nil end
if not to then return {'refused', state, ''} end
local now = ARGV[2]
if to == 'paused' then
  redis.call('HSET', KEYS[1], 'status', 'paused', 'statusReason', ARGV[3], 'updatedAt', now)
  redis.call('HDEL', KEYS[1], 'finishing', 'cancelReason')
elseif to == 'running' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'updatedAt', now)
  redis.call('HDEL', KEYS[1], 'statusReason', 'finishing', 'cancelReason')
elseif to == 'cancelling' then
  redis.call('HSET', KEYS[1], 'status', 'paused', 'finishing', '1', 'statusReason', ARGV[4], 'cancelReason', ARGV[3], 'updatedAt', now)
else
  local reason = ARGV[3]
  if action == 'settle' and h[4] then reason = h[4] end
  redis.call('HSET', KEYS[1], 'status', 'cancelled', 'statusReason', reason, 'updatedAt', now)
  redis.call('HDEL', KEYS[1], 'finishing', 'cancelReason')
end
return {'ok', state, to}
`;
