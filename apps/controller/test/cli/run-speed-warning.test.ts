/**
 * `tower run --speed` when the run may go to `stdio:` pseudo drives, which
 * write at file speed whatever is asked (issue 13 point 20): one warning line
 * on stderr naming those drives; none when the run cannot reach one.
 */
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/cli-output.js';
import { isStdioDriveId, runSpeedWarning, stdioDrivesOfRun } from '../../src/cli/stdio-speed-warning.js';
import { runCli } from './cli-harness.js';
import { fakeClient } from './fake-client.js';
import { makeDrive, makeRun } from './fixtures.js';

const WARNING = 'tower: warning: --speed is ignored on stdio: pseudo drives (cdrskin writes them at file speed)';
const drives = [
  makeDrive({ id: '/srv/discs/a.img', label: 'Disc A' }),
  makeDrive({ id: '/srv/discs/b.img', label: '/srv/discs/b.img', position: 1 }),
  makeDrive({ id: 'sim:0', label: 'Sim 0', position: 2 }),
  makeDrive({ id: '/dev/disk/by-path/pci-0000:00:1f.2-ata-1', label: 'Writer', position: 3 }),
];

function client(): ReturnType<typeof fakeClient> {
  return fakeClient({ createRun: async () => makeRun(), listDrives: async () => drives });
}

describe('tower run --speed and stdio: pseudo drives', () => {
  it('warns once, naming the pseudo drives the run may use', async () => {
    const c = client();
    const result = await runCli(['run', 'img-1', '--copies', '2', '--speed', '8'], { client: c });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe(`${WARNING}: Disc A (/srv/discs/a.img), /srv/discs/b.img\n`);
    expect(result.stdout).toMatch(/^created run run-1/);
  });

  it('with --drives, only the pseudo drives named (by id or stdio: address); a group may hold any', async () => {
    const warned = async (list: string): Promise<string> => (await runCli(['run', 'img-1', '--copies', '2', '--speed', '8', '--drives', list], { client: client() })).stderr;
    expect(await warned('sim:0,/dev/disk/by-path/pci-0000:00:1f.2-ata-1')).toBe('');
    expect(await warned('sim:0,stdio:/srv/discs/b.img')).toBe(`${WARNING}: /srv/discs/b.img\n`);
    expect(await warned('front-row')).toBe(`${WARNING}: Disc A (/srv/discs/a.img), /srv/discs/b.img\n`);
  });

  it('says nothing and does not look without --speed, or with --json', async () => {
    for (const argv of [['run', 'img-1', '--copies', '2'], ['run', 'img-1', '--copies', '2', '--speed', '8', '--json']]) {
      const c = client();
      const result = await runCli(argv, { client: c });
      expect(result.code).toBe(EXIT.ok);
      expect(result.stderr).toBe('');
      expect(c.calls).toEqual(['createRun']);
    }
  });

  it('a failed look at the drives leaves the run created and says nothing', async () => {
    const c = fakeClient({ createRun: async () => makeRun(), listDrives: async () => Promise.reject(new Error('down')) });
    const result = await runCli(['run', 'img-1', '--copies', '2', '--speed', '8'], { client: c });
    expect(result.code).toBe(EXIT.ok);
    expect(result.stderr).toBe('');
  });

  it('tells pseudo drives by their ids: file paths, not sim:N or devices under /dev/', () => {
    expect(['/srv/a.img', 'stdio:/srv/a.img', 'relative.img'].every(isStdioDriveId)).toBe(true);
    expect(['sim:3', '/dev/sr0', '/dev/disk/by-path/pci-0000:00:1f.2-ata-1'].some(isStdioDriveId)).toBe(false);
    const many = Array.from({ length: 5 }, (_, i) => makeDrive({ id: `/d/${i}.img`, label: `/d/${i}.img` }));
    expect(stdioDrivesOfRun(many, undefined)).toHaveLength(5);
    expect(runSpeedWarning(many)).toBe(`${WARNING}: /d/0.img, /d/1.img, /d/2.img and 2 more`);
  });
});
