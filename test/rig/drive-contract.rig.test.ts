/**
 * The drive contract suite (drivers/test/contract) against a real recorder:
 * run inside the rig's guest with TEST_DRIVE=/dev/sr0, on a tgt-emulated
 * DVD+R through the real kernel. Write-once discs: the suite ejects a used
 * one and the host's loader puts a blank in; an ejected blank stays out until
 * the suite closes the tray, so "eject and load" sees the disc gone and back.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILD_TIMEOUT_MS, REPO_ROOT, startRig } from './rig-harness.js';
import type { Rig } from './rig-harness.js';

const SELECTED = process.env.TOWER_RIG_SUITE === '1';

interface VitestJson {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: Array<{ assertionResults: Array<{ title: string; status: string; failureMessages: string[] }> }>;
}

describe.skipIf(!SELECTED)('the drive contract on a real kernel recorder (/dev/sr0 in the rig)', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ recorders: 1, maxRuntimeMs: 14 * 60_000, reloadEjectedBlanks: false });
  }, BUILD_TIMEOUT_MS + 300_000);
  afterAll(async () => rig?.stop(), 90_000);

  it('passes every contract test with TEST_DRIVE=/dev/sr0', async () => {
    const report = rig.guestPath('contract.json');
    const run = await rig.shell.run(
      [process.execPath, path.join(REPO_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/rig/guest/vitest.contract.config.mjs', '--configLoader', 'native',
        '--reporter=default', '--reporter=json', `--outputFile.json=${report}`],
      { cwd: REPO_ROOT, env: { TEST_DRIVE: '/dev/sr0', TEST_DRIVE_BLANK_WAIT_MS: '120000' }, timeoutMs: 600_000 },
    );
    if (run.code !== 0) rig.markFailed();
    expect(run.code, `${run.stdout.slice(-6000)}\n${run.stderr.slice(-3000)}`).toBe(0);
    const json = JSON.parse(await readFile(path.join(rig.shareDir, 'contract.json'), 'utf8')) as VitestJson;
    const titles = json.testResults.flatMap((f) => f.assertionResults.map((a) => `${a.status} ${a.title}`));
    // The whole contract ran on the recorder: nothing skipped, nothing failed.
    expect(json.numPendingTests, titles.join('\n')).toBe(0);
    expect(json.numFailedTests, titles.join('\n')).toBe(0);
    expect(json.numPassedTests).toBe(json.numTotalTests);
    expect(titles).toContain('passed ejects and loads: the disc is gone while the tray is open, and back after');
    // The kernel's media change count reported the disc coming back (kernel-media-watch.ts).
    expect(titles).toContain('passed watch() reports a disc coming into the empty drive as the tray closes on it');
    expect(json.numTotalTests).toBeGreaterThanOrEqual(9);
    // The loader swapped the discs the suite burned for blanks, and saw the tray opened on a blank.
    expect(rig.loader.kept.length).toBeGreaterThan(0);
    expect(rig.loader.blankEjects).toContain(1);
  });
});
