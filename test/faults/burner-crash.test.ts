/**
 * Fault: the burner tool crashes. Three cdrskin `stdio:` pseudo drives burn
 * for real; the cdrskin child of one burn (found in /proc by its `dev=`
 * target) is SIGKILLed mid-burn. The attempt fails with a typed error, is
 * never counted, the copy is burned again, and the run ends with exactly N.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { allowCdrskinStdioAsRoot } from '../../drivers/test/support/test-images.js';
import { Cleanups, expectExactlyN, findProcesses, sleep, startWholeTower } from './support/fault-harness.js';

const cleanups = new Cleanups();
afterEach(() => cleanups.run());

/**
 * A `cdrskin` first on the tower's PATH. cdrskin writes the sample image into
 * a stdio: file in about 20 ms, too fast to catch, and ignores speed= there;
 * so for SAO burns of a file the wrapper feeds the real cdrskin the same bytes
 * through stdin (`tsize=<bytes> -`) in 256 KiB pieces every 100 ms: the real
 * cdrskin, burning for about 2 s. A signal that kills it is passed on to the
 * wrapper, so the agent sees the tool killed, as if cdrskin itself had crashed.
 */
function pacedCdrskin(dir: string): Record<string, string> {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  const real = findCdrskin();
  writeFileSync(path.join(bin, 'cdrskin'), [
    '#!/bin/bash',
    `real=${real}`,
    'last="${@: -1}"',
    'case " $* " in',
    '  *" -sao "*)',
    '    if [ -f "$last" ]; then',
    '      size=$(stat -c %s "$last")',
    '      set -- "${@:1:$#-1}"',
    '      { i=0; while [ $((i * 262144)) -lt "$size" ]; do dd if="$last" bs=262144 skip=$i count=1 status=none || break; i=$((i + 1)); sleep 0.1; done; } | "$real" "$@" "tsize=$size" -',
    '      st=${PIPESTATUS[1]}',
    '      if [ "$st" -gt 128 ]; then kill -$((st - 128)) $$; fi',
    '      exit "$st"',
    '    fi ;;',
    'esac',
    'exec "$real" "$@"',
    '',
  ].join('\n'), { mode: 0o755 });
  return { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
}

function findCdrskin(): string {
  for (const d of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const p = path.join(d, 'cdrskin');
    if (existsSync(p)) return p;
  }
  throw new Error('cdrskin is not installed');
}

describe('fault: the burner tool (cdrskin) crashes mid-burn', () => {
  it('fails that attempt with a typed error and still ends with exactly N', { timeout: 120_000 }, async () => {
    allowCdrskinStdioAsRoot();
    const discsOf = (dir: string): string[] => [0, 1, 2].map((i) => path.join(dir, `disc-${i}.img`));
    const t = await startWholeTower(cleanups, (dir) => ({
      id: 'fault-cdrskin',
      drives: discsOf(dir).map((d) => ({ device: `stdio:${d}`, media: 'CD-R' })),
    }), {}, pacedCdrskin);
    const discs = discsOf(t.dir);
    const [image] = await t.api.images();
    const copies = 3;
    const created = await t.api.createRun({ imageId: image?.id, copies, verify: 'all', maxAttemptsPerCopy: 3 });

    // Catch a cdrskin burn in flight and kill it.
    let killed: { pid: number; disc: string } | null = null;
    const deadline = Date.now() + 30_000;
    while (killed === null && Date.now() < deadline) {
      for (const disc of discs) {
        const [pid] = findProcesses(['cdrskin', '-sao', `dev=stdio:${disc}`]);
        if (pid !== undefined) {
          await sleep(300);
          try {
            process.kill(pid, 'SIGKILL');
            killed = { pid, disc };
          } catch {
            // finished before we got to it
          }
          break;
        }
      }
      if (killed === null) await sleep(5);
    }
    expect(killed, 'a cdrskin burn was caught in flight').not.toBeNull();

    const { history } = await expectExactlyN(t.api, created.id, copies, 90_000);
    const crashed = history.filter((a) => a.driveId === killed?.disc && a.outcome === 'failed');
    expect(crashed.length, JSON.stringify(history, null, 1)).toBeGreaterThanOrEqual(1);
    for (const a of crashed) {
      expect(a.counted).toBe(false);
      // The tool's fate, said as such: killed by a signal nobody in the tower sent.
      expect(a.error?.code).toBe('TOOL_KILLED');
      expect(a.error?.message).toMatch(/cdrskin was killed by SIGKILL/);
      expect(history.some((b) => b.copy === a.copy && b.counted)).toBe(true);
    }
  });
});
