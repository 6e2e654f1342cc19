/**
 * Which alert conditions hold, derived from drive views, agents and stock
 * (alert-conditions.ts): one per drive, the most pressing first; none for
 * an offline drive (its agent's silence is the alert); a silent agent; a
 * type at or below its low-stock level; a run's end in words.
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '@tower/jobs';
import { deriveConditions, runEndAlert } from '../../src/alerts/alert-conditions.js';
import type { AgentView, DriveView } from '../../src/shared/api-types.js';
import type { StockLevelView } from '../../src/shared/stock-schemas.js';

const drive = (id: string, extra: Partial<DriveView> = {}): DriveView => ({
  id, agentId: 'a', label: `Drive ${id}`, position: 0, state: 'blank', mediaType: 'DVD-R', percent: null, speedX: null, speedMBps: null,
  etaSeconds: null, bufferPercent: null, runId: null, copy: null, discLabel: null, phase: null, activity: null, phaseSeconds: null, message: null,
  needsAttention: false, passed: 0, failed: 0, quarantine: null, updatedAt: 0, ...extra,
});
const loader = (needsPerson: 'input-empty' | 'reject-full' | 'output-full' | null): NonNullable<DriveView['loader']> => ({
  blanks: 0, passed: 0, rejected: 0, outputFree: null, rejectFree: 0, needsPerson, slots: null, error: null,
});
const agent = (id: string, online: boolean): AgentView => ({
  id, host: `${id}.local`, online, lastHeartbeat: 0, driveIds: ['x', 'y'], state: online ? 'serving' : 'silent', heartbeatAgeMs: null,
});
const level = (mediaType: string, onHand: number, threshold: number | null): StockLevelView => ({
  mediaType, received: onHand, used: 0, wasted: 0, adjusted: 0, onHand, threshold, low: threshold !== null && onHand <= threshold,
});

describe('alert conditions', () => {
  it('gives each drive its most pressing condition, and an offline drive none', () => {
    const held = deriveConditions({
      drives: [
        drive('q', { state: 'quarantined', needsAttention: true, quarantine: { reason: '3 write errors', at: 0, by: 'agent' }, loader: loader('input-empty') }),
        drive('e', { state: 'empty', needsAttention: true, message: 'Load blanks into Drive e', loader: loader('input-empty') }),
        drive('r', { state: 'failed', needsAttention: true, message: 'Empty the reject bin of Drive r', loader: loader('reject-full') }),
        drive('d', { state: 'done', needsAttention: true, message: 'Take the good disc out' }),
        drive('w', { state: 'wrong-media', needsAttention: true, message: 'Wrong media: put a blank DVD-R in' }),
        drive('ok'),
        drive('off', { state: 'offline', needsAttention: true }),
      ],
      agents: [],
      stock: [],
    });
    expect(held.map((c) => [c.key, c.message])).toEqual([
      ['drive-quarantined:q', 'Drive q is quarantined: 3 write errors'],
      ['loader-input-empty:e', 'Drive e: Load blanks into Drive e'],
      ['loader-reject-full:r', 'Drive r: Empty the reject bin of Drive r'],
      ['drive-needs-person:d', 'Drive d: Take the good disc out'],
      ['drive-needs-person:w', 'Drive w: Wrong media: put a blank DVD-R in'],
    ]);
  });

  it('calls a silent agent, and low stock at or below its level only', () => {
    const held = deriveConditions({
      drives: [],
      agents: [agent('a1', true), agent('a2', false)],
      stock: [level('CD-R', 10, 10), level('DVD-R', 11, 10), level('BD-R', 0, null)],
    });
    expect(held.map((c) => [c.key, c.message])).toEqual([
      ['agent-silent:a2', 'Agent a2 on a2.local has gone silent: its 2 drives are offline'],
      ['stock-low:CD-R', 'CD-R blank stock is low: 10 on hand (alert at 10)'],
    ]);
  });

  it('says a run completed or failed, and nothing of a running one', () => {
    const run = {
      id: 'r1', copies: 5, status: 'completed', statusReason: undefined,
      counters: { passed: 5, failed: 1, surplus: 1, cancelled: 0, interrupted: 1, attempts: 8, open: 0, replacements: 0 },
    } as unknown as RunRecord;
    expect(runEndAlert(run, 'Customer X')?.message).toBe('Run r1 (Customer X) completed: 5 of 5 good discs, 2 coasters, 1 surplus');
    expect(runEndAlert({ ...run, status: 'failed', statusReason: 'the failure budget is spent' }, null)?.message)
      .toBe('Run r1 failed: the failure budget is spent; 5 of 5 good discs');
    expect(runEndAlert({ ...run, status: 'running' }, null)).toBeNull();
  });
});
