/**
 * AgentLiveness: an agent lives while its beat number changes within the
 * timeout on the reader's monotonic clock; the agent's own clock (the
 * record's lastHeartbeat) never enters into it.
 */
import { describe, expect, it } from 'vitest';
import { agentRecord } from '@tower/jobs';
import { AgentLiveness } from '../../src/api/agent-liveness.js';

const hour = 3_600_000;
const rec = (beat: number | null, at = Date.now(), extra: Record<string, string> = {}) =>
  agentRecord('a', beat === null ? {} : { beat: String(beat), lastHeartbeat: String(at), host: 'h', driveIds: '[]', ...extra });

describe('AgentLiveness', () => {
  it('a changing beat is alive whatever the agent\'s clock says; an unchanged one dies after the timeout', () => {
    const clock = { t: 1000 };
    const l = new AgentLiveness({ timeoutMs: 5000, now: () => clock.t });
    expect(l.isOnline(rec(1, Date.now() - hour))).toBe(true);
    clock.t += 4000;
    expect(l.isOnline(rec(2, Date.now() + hour))).toBe(true);
    clock.t += 4000;
    expect(l.isOnline(rec(2, Date.now() + hour))).toBe(true);
    expect(l.silentForMs('a')).toBe(4000);
    clock.t += 1001;
    expect(l.isOnline(rec(2, Date.now() + hour))).toBe(false);
    expect(l.isOnline(rec(3, Date.now() - hour))).toBe(true);
  });

  it('a record gone is not news: dead only once the timeout has run from the last beat seen', () => {
    const clock = { t: 0 };
    const l = new AgentLiveness({ timeoutMs: 5000, now: () => clock.t });
    expect(l.isOnline(rec(null))).toBe(false);
    expect(l.isOnline(rec(7))).toBe(true);
    clock.t += 3000;
    expect(l.isOnline(rec(null))).toBe(true);
    clock.t += 2001;
    expect(l.isOnline(rec(null))).toBe(false);
    // Written again by the agent's next beat (a new record starts at 1).
    expect(l.isOnline(rec(1))).toBe(true);
  });

  it('a stopped agent is offline at once', () => {
    const l = new AgentLiveness({ timeoutMs: 5000, now: () => 0 });
    expect(l.isOnline(rec(3))).toBe(true);
    expect(l.isOnline(rec(3, Date.now(), { stopped: '1' }))).toBe(false);
  });
});
