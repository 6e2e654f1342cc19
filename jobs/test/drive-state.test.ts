import { describe, expect, it } from 'vitest';
import { DriveStatePublisher } from '../src/drive-state.js';
import type { DriveStatus } from '../src/drive-state.js';
import { KeySpace } from '../src/queue-names.js';

describe('DriveStatePublisher', () => {
  it('throttles progress to one per interval but never drops a state change, and delivers the last progress', async () => {
    let t = 0;
    const seen: DriveStatus[] = [];
    const pub = new DriveStatePublisher({ driveId: 'sim:0', agentId: 'a', keys: new KeySpace(), minIntervalMs: 250, now: () => t, onStatus: (s) => seen.push(s) });
    pub.update({ state: 'blank', mediaType: 'CD-R' });
    pub.update({ state: 'burning', mediaType: 'CD-R', percent: 0 });
    for (let p = 1; p <= 50; p++) {
      t += 10;
      pub.update({ state: 'burning', mediaType: 'CD-R', percent: p });
    }
    // 500 ms of updates every 10 ms: the state changes plus at most 2 progress ticks got through so far.
    expect(seen.map((s) => s.state)).toEqual(['blank', 'burning', 'burning', 'burning']);
    expect(seen.filter((s) => s.state === 'burning').map((s) => s.percent)).toEqual([0, 25, 50]);
    pub.update({ state: 'verifying', mediaType: 'CD-R', percent: 0 });
    expect(seen.at(-1)?.state).toBe('verifying');
    t += 5;
    pub.update({ state: 'verifying', mediaType: 'CD-R', percent: 10 });
    pub.update({ state: 'verifying', mediaType: 'CD-R', percent: 20 });
    expect(seen.at(-1)?.percent).toBe(0);
    // The trailing progress update is delivered when its interval is up.
    await new Promise((r) => setTimeout(r, 300));
    expect(seen.at(-1)).toMatchObject({ state: 'verifying', percent: 20 });
    pub.update({ state: 'done', mediaType: 'CD-R', message: 'take it out' });
    expect(seen.at(-1)).toMatchObject({ state: 'done', message: 'take it out' });
    pub.close();
  });
});
