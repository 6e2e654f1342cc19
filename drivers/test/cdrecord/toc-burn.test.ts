/**
 * A CUE image with its cdrdao TOC file burned on a real drive: cdrdao
 * writes from the TOC (CD-TEXT, ISRC, catalog, pregaps), with recorded
 * cdrdao output for success and failure; the TOC handed to cdrdao, read
 * back, is the disc that was mastered (TOC → burn arguments → TOC), and
 * cdrdao itself reads it against the BIN. Images without a TOC burn as
 * before. No disc is written (the rig has no CD recorder).
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CdrecordDrive } from '../../src/cdrecord/cdrecord-drive.js';
import type { BurnImage } from '../../src/drive-contract.js';
import { CdTextNotDeclaredError } from '../../src/cdrecord/cd-text-not-declared-error.js';
import { DriveGoneError, ImageError, InvalidDeviceError, WriteError, WrongMediaError } from '../../src/errors.js';
import { readTocContent } from '../../src/image/toc-content.js';
import { showTocFrames } from '../../src/image/toc-file.js';
import { fakeSpawner } from '../support/fake-spawner.js';
import type { FakeCall, FakeReply } from '../support/fake-spawner.js';
import { fixturePath, parseSample, readFixture } from '../support/load-sample.js';
import { makeTempDir } from '../support/test-images.js';

const sample = (name: string): string => parseSample(readFixture(name)).output;
const MASTERED_TOC = readFileSync(fixturePath('toc/mastered-audio.toc'), 'latin1');
const FRAMES = 1500;

const BLANK_CDR_MINFO = [
  'cdrskin: status 1 burn_disc_blank "The drive holds a blank disc"',
  'Mounted media class:      CD',
  'Mounted media type:       CD-R',
  'Disk Is not erasable',
  'disk status:              empty',
  'Track  Sess Type   Start Addr End Addr   Size',
  '    1     1 Blank  0          359845     359846    ',
  'Next writable address:              0         ',
  'Remaining writable size:            359846    ',
  '',
].join('\n');

let work: ReturnType<typeof makeTempDir>;
let image: BurnImage;

beforeAll(() => {
  work = makeTempDir('toc-burn-');
  const fd = openSync(path.join(work.dir, 'master.bin'), 'w');
  ftruncateSync(fd, FRAMES * 2352);
  closeSync(fd);
  writeFileSync(path.join(work.dir, 'master.toc'), MASTERED_TOC, 'latin1');
  // What toc2cue makes of the TOC (CD-TEXT, ISRC and catalog gone), raw audio marked MOTOROLA.
  writeFileSync(path.join(work.dir, 'master.cue'), [
    'FILE "master.bin" MOTOROLA', '  TRACK 01 AUDIO', '    INDEX 00 00:00:00', '    INDEX 01 00:01:00',
    '  TRACK 02 AUDIO', '    INDEX 00 00:08:00', '    INDEX 01 00:10:00', '',
  ].join('\n'));
  image = { format: 'cue', path: path.join(work.dir, 'master.cue'), tocPath: path.join(work.dir, 'master.toc'), sizeBytes: FRAMES * 2352, sectors: FRAMES };
});
afterAll(() => work.cleanup());

/** A real drive, declared to write CD-TEXT unless `declared` says otherwise (the mastered TOC has CD-TEXT). */
function opticalDrive(burn: (call: FakeCall) => FakeReply, declared: { cdText?: boolean; cdrdaoDriver?: string } = { cdText: true }) {
  const fake = fakeSpawner((call) => (call.args.includes('-minfo') ? { stdout: BLANK_CDR_MINFO } : burn(call)));
  const drive = new CdrecordDrive({ address: '/dev/sr0', burner: 'cdrskin', spawner: fake.spawner, env: { PATH: '/usr/bin:/bin', HOME: work.dir }, ...declared });
  return { drive, calls: fake.calls };
}

describe('burning a CUE image with its TOC file', () => {
  it('runs cdrdao write on the TOC (from its folder) and reads its recorded success', async () => {
    let handed = '';
    const { drive, calls } = opticalDrive((call) => {
      if (call.program === 'cdrdao') handed = readFileSync(path.resolve(call.request.cwd ?? '.', call.args.at(-1)!), 'latin1');
      return { stderr: sample('readme/cdrdao-write-real.txt') };
    });
    const result = await drive.burn(image, { speed: 8 });
    const cdrdao = calls.find((c) => c.program === 'cdrdao');
    expect(cdrdao?.args).toEqual(['write', '--device', '/dev/sr0', '-n', '--driver', 'generic-mmc:0x10', '--speed', '8', image.tocPath]);
    expect(cdrdao?.request.cwd).toBe(work.dir);
    expect(calls.some((c) => c.program === 'cdrskin' && c.args.some((a) => a.startsWith('cuefile=')))).toBe(false);
    expect(result.bytesWritten).toBeGreaterThan(0);
    // TOC → burn arguments → TOC: the file cdrdao was given is the mastered disc, and cdrdao reads it against the BIN.
    expect(readTocContent(handed)).toEqual(readTocContent(MASTERED_TOC));
    expect(readTocContent(handed)).toMatchObject({ catalog: '0724384960650', cdText: { TITLE: 'Night "Songs"' }, tracks: [{ isrc: 'USABC2400001', pregapFrames: 75 }, { isrc: 'USABC2400002', pregapFrames: 150 }] });
    expect(await showTocFrames(cdrdao!.args.at(-1)!, 2)).toBe(FRAMES);
  });

  it('a test burn is cdrdao --simulate on the TOC', async () => {
    const { drive, calls } = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }));
    await drive.burn(image, { dummy: true, eject: true });
    expect(calls.find((c) => c.program === 'cdrdao')?.args).toEqual(['write', '--device', '/dev/sr0', '-n', '--driver', 'generic-mmc:0x10', '--simulate', '--eject', image.tocPath]);
  });

  it('types cdrdao failures from recorded output: no drive, a written disc, a write error', async () => {
    const gone = opticalDrive(() => ({ stderr: sample('cdrdao-write-nodevice.txt'), exitCode: 1 }));
    await expect(gone.drive.burn(image, {})).rejects.toBeInstanceOf(DriveGoneError);
    const written = opticalDrive(() => ({ stderr: sample('qemu-cdrdao-write-written-stdin-devnull.txt'), exitCode: 1 }));
    await expect(written.drive.burn(image, {})).rejects.toBeInstanceOf(WrongMediaError);
    const failed = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-data-failed.txt'), exitCode: 1 }));
    await expect(failed.drive.burn(image, {})).rejects.toBeInstanceOf(WriteError);
  });

  it('refuses a TOC of another disc, a missing TOC and a TOC naming a missing file before spawning cdrdao', async () => {
    writeFileSync(path.join(work.dir, 'data.toc'), 'CD_ROM\nTRACK MODE1_RAW\nDATAFILE "master.bin" 00:20:00\n');
    writeFileSync(path.join(work.dir, 'gone.toc'), MASTERED_TOC.replace(/master\.bin/g, 'gone.bin'));
    for (const toc of ['data.toc', 'nothere.toc', 'gone.toc']) {
      const { drive, calls } = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }));
      await expect(drive.burn({ ...image, tocPath: path.join(work.dir, toc) }, {})).rejects.toBeInstanceOf(ImageError);
      expect(calls.some((c) => c.program === 'cdrdao')).toBe(false);
    }
  });

  it('without a TOC the CUE burn is unchanged: cdrdao on the CUE sheet, no --driver', async () => {
    const { drive, calls } = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }));
    const plain: BurnImage = { format: 'cue', path: image.path, sizeBytes: image.sizeBytes, sectors: image.sectors };
    await drive.burn(plain, {});
    expect(calls.find((c) => c.program === 'cdrdao')?.args).toEqual(['write', '--device', '/dev/sr0', '-n', image.path]);
  });
});

describe('a TOC with CD-TEXT and the drive\'s CD-TEXT declaration', () => {
  it('refuses the burn before spawning cdrdao on a drive not declared to write CD-TEXT, saying what to set', async () => {
    const { drive, calls } = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }), {});
    const refused = await drive.burn(image, {}).then(() => null, (err: unknown) => err);
    expect(refused).toBeInstanceOf(CdTextNotDeclaredError);
    expect(refused).toMatchObject({ code: 'CD_TEXT_NOT_DECLARED', driveFault: false, retryable: true, device: '/dev/sr0' });
    expect((refused as Error).message).toMatch(/TOC has CD-TEXT .* set "cdText": true on this drive in tower\.json/);
    expect(calls.some((c) => c.program === 'cdrdao')).toBe(false);
    // Published as false, so routing offers it no copy with CD-TEXT (jobs' copy-suitability.ts).
    expect(drive.features.writesCdText).toBe(false);
    const declared = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }));
    expect(declared.drive.features.writesCdText).toBe(true);
  });

  it('burns a TOC without CD-TEXT blocks (ISRC and catalog only) on an undeclared drive with no --driver', async () => {
    const bare = MASTERED_TOC.replace(/CD_TEXT \{[\s\S]*?\n\}\n/, '').replace(/CD_TEXT \{\n {2}LANGUAGE 0 \{[\s\S]*?\n {2}\}\n\}\n/g, '');
    expect(bare).not.toContain('CD_TEXT');
    expect(bare).toContain('ISRC');
    writeFileSync(path.join(work.dir, 'bare.toc'), bare, 'latin1');
    const { drive, calls } = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }), {});
    await drive.burn({ ...image, tocPath: path.join(work.dir, 'bare.toc') }, {});
    expect(calls.find((c) => c.program === 'cdrdao')?.args).toEqual(['write', '--device', '/dev/sr0', '-n', path.join(work.dir, 'bare.toc')]);
  });

  it('names a configured driver, with 0x10 ORed in for CD-TEXT only', async () => {
    const raw = { cdText: true, cdrdaoDriver: 'generic-mmc-raw:0x1' };
    const withText = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }), raw);
    await withText.drive.burn(image, {});
    expect(withText.calls.find((c) => c.program === 'cdrdao')?.args.slice(4, 6)).toEqual(['--driver', 'generic-mmc-raw:0x11']);
    const plain = opticalDrive(() => ({ stderr: sample('readme/cdrdao-write-real.txt') }), raw);
    await plain.drive.burn({ format: 'cue', path: image.path, sizeBytes: image.sizeBytes, sectors: image.sectors }, {});
    expect(plain.calls.find((c) => c.program === 'cdrdao')?.args.slice(4, 6)).toEqual(['--driver', 'generic-mmc-raw:0x1']);
  });

  it('refuses to open a drive with a driver cdrdao does not have', () => {
    expect(() => new CdrecordDrive({ address: '/dev/sr0', cdrdaoDriver: 'generic-mmc;reboot' })).toThrow(InvalidDeviceError);
  });
});
