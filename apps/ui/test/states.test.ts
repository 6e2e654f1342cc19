import { describe, expect, it } from 'vitest';
import type { DriveStateName } from '../src/lib/contract';
import { errorCodeIn, instructionFor, isActive, needsPerson, presentState, tileLabel } from '../src/lib/states';
import { freshness } from '../src/lib/staleness';
import { drive } from './fixtures';

const ALL: DriveStateName[] = ['offline', 'empty', 'blank', 'burning', 'verifying', 'done', 'failed', 'wrong-media', 'quarantined', 'busy'];

describe('drive state presentation', () => {
  it('gives every state its own word and a distinct icon or pattern (tone)', () => {
    const labels = ALL.map((s) => presentState(s).label);
    expect(new Set(labels).size).toBe(ALL.length);
    const looks = ALL.map((s) => `${presentState(s).icon}/${presentState(s).tone}`);
    expect(new Set(looks).size).toBe(ALL.length);
  });

  it('maps the issue’s states', () => {
    expect(presentState('blank').label).toBe('Idle');
    expect(presentState('empty').label).toBe('Waiting for disc');
    expect(presentState('done').label).toBe('Passed');
    expect(presentState('failed').label).toBe('Failed');
    expect(presentState('quarantined').label).toBe('Quarantined');
    expect(presentState('offline').label).toBe('Offline');
    expect(presentState('nonsense').label).toBe('Unknown');
  });

  it('says which drives need a person', () => {
    expect(needsPerson(drive({ id: 'a', state: 'burning' }))).toBe(false);
    expect(needsPerson(drive({ id: 'a', state: 'done', needsAttention: true }))).toBe(true);
    expect(needsPerson(drive({ id: 'a', state: 'failed', needsAttention: true }))).toBe(true);
    // An auto-loader takes the disc out: the controller says nobody is needed.
    expect(needsPerson(drive({ id: 'a', state: 'done', needsAttention: false }))).toBe(false);
    expect(needsPerson(drive({ id: 'a', state: 'failed', needsAttention: false }))).toBe(false);
    expect(needsPerson(drive({ id: 'a', state: 'wrong-media' }))).toBe(true);
    expect(needsPerson(drive({ id: 'a', state: 'empty' }))).toBe(false);
    expect(needsPerson(drive({ id: 'a', state: 'empty', needsAttention: true }))).toBe(true);
  });

  it('prefers the controller’s instruction and falls back to words of its own', () => {
    expect(instructionFor(drive({ id: 'a', state: 'done', message: 'Take disc 7 out' }))).toBe('Take disc 7 out');
    expect(instructionFor(drive({ id: 'a', state: 'failed', needsAttention: true }))).toMatch(/discard/i);
    expect(instructionFor(drive({ id: 'a', state: 'burning' }))).toBeNull();
    expect(instructionFor(drive({ id: 'a', state: 'quarantined' }))).toMatch(/release/i);
  });

  it('labels attention tiles', () => {
    expect(tileLabel(drive({ id: 'a', state: 'empty', needsAttention: true }))).toBe('Needs blank disc');
    expect(tileLabel(drive({ id: 'a', state: 'blank', needsAttention: true }))).toBe('Needs attention');
    expect(tileLabel(drive({ id: 'a', state: 'failed', needsAttention: true }))).toBe('Failed');
  });

  it('labels a drive whose loader needs a person by what it needs', () => {
    const loader = (needsPerson: 'input-empty' | 'output-full' | 'reject-full' | null) => ({
      blanks: 0, passed: 3, rejected: 1, outputFree: null, rejectFree: 0, needsPerson, slots: null, error: null,
    });
    expect(tileLabel(drive({ id: 'a', state: 'empty', needsAttention: true, loader: loader('input-empty') }))).toBe('Needs blanks');
    expect(tileLabel(drive({ id: 'a', state: 'failed', needsAttention: true, loader: loader('reject-full') }))).toBe('Reject bin full');
    expect(tileLabel(drive({ id: 'a', state: 'done', needsAttention: true, loader: loader('output-full') }))).toBe('Output full');
    // A loader still at work calls nobody.
    expect(tileLabel(drive({ id: 'a', state: 'empty', needsAttention: false, loader: loader(null) }))).toBe('Waiting for disc');
  });

  it('finds the error code in a quarantine reason, for a tile too small for the whole reason', () => {
    expect(errorCodeIn('3 failed attempts in a row, the last WRITE_ERROR')).toBe('WRITE_ERROR');
    expect(errorCodeIn('MEDIA_MISMATCH then NO_MEDIA_FOUND')).toBe('NO_MEDIA_FOUND');
    expect(errorCodeIn('Skips at 60 %: clean the lens')).toBeNull();
    expect(errorCodeIn('UI test: scratches discs')).toBeNull();
    expect(errorCodeIn(null)).toBeNull();
  });

  it('knows which states tick', () => {
    expect(isActive('burning')).toBe(true);
    expect(isActive('verifying')).toBe(true);
    expect(isActive('blank')).toBe(false);
  });
});

describe('freshness', () => {
  const base = { connection: 'connected' as const, snapshotAt: 1, lastEventAt: 1000, drives: { a: drive({ id: 'a', state: 'burning' }) } };
  it('is stale when disconnected, with the reason', () => {
    expect(freshness({ ...base, connection: 'disconnected' }, 2000)).toEqual({ stale: true, reason: 'disconnected', since: 1000 });
    expect(freshness({ ...base, connection: 'connecting', snapshotAt: null }, 2000)).toMatchObject({ stale: true, reason: 'connecting' });
  });
  it('is stale after a silence while drives work, not while all are idle', () => {
    expect(freshness(base, 5000)).toEqual({ stale: false });
    expect(freshness(base, 12_000)).toMatchObject({ stale: true, reason: 'silent' });
    expect(freshness({ ...base, drives: { a: drive({ id: 'a', state: 'blank' }) } }, 60_000)).toEqual({ stale: false });
  });
});
