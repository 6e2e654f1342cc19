import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageError } from '../../src/errors.js';
import { ImageReadError } from '../../src/image/image-read-error.js';
import { probeImage } from '../../src/image/image-probe.js';
import { makeIso, makeTempDir } from '../support/test-images.js';

describe('probeImage', () => {
  let work: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    work = makeTempDir('probe-');
  });
  afterAll(() => work.cleanup());

  it('recognises an ISO by its primary volume descriptor, whatever its name', async () => {
    const iso = makeIso(work.dir, { name: 'renamed.dat', label: 'PROBE_ME' });
    const probed = await probeImage(iso);
    expect(probed.format).toBe('iso');
    expect(probed.volumeLabel).toBe('PROBE_ME');
    expect(probed.sectors * 2048).toBeGreaterThanOrEqual(probed.sizeBytes);
    expect(probed.isoVolumeSectors).toBe(probed.sectors);
    expect(probed.info.format === 'iso' && probed.info.iso).toMatchObject({ joliet: true, rockRidge: true, volumeLabel: 'PROBE_ME' });
  });

  it('refuses a truncated ISO (volume space size larger than the file), with both sizes', async () => {
    const whole = makeIso(work.dir, { name: 'whole.iso', payloadBytes: 64 * 1024 });
    const cut = `${work.dir}/cut.iso`;
    copyFileSync(whole, cut);
    const full = readFileSync(whole).length;
    truncateSync(cut, full - 10 * 2048);
    const err: unknown = await probeImage(cut).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageReadError);
    expect((err as ImageReadError).problem).toEqual({ kind: 'iso-truncated', expectedBytes: full, actualBytes: full - 10 * 2048 });
    expect((err as Error).message).toBe(`${cut}: image is truncated: its ISO 9660 volume needs ${full} bytes, the file has ${full - 10 * 2048}`);
    expect((err as ImageReadError).code).toBe('IMAGE_ERROR');
  });

  it('sizes a CUE sheet from its BIN files, pregaps included', async () => {
    writeFileSync(path.join(work.dir, 'a.bin'), Buffer.alloc(2352 * 300));
    writeFileSync(path.join(work.dir, 'd.bin'), Buffer.alloc(2048 * 100));
    const cue = path.join(work.dir, 'disc.cue');
    writeFileSync(cue, 'FILE "a.bin" BINARY\r\n  TRACK 01 AUDIO\r\n    INDEX 01 00:00:00\r\nFILE "d.bin" BINARY\r\n  TRACK 02 MODE1/2048\r\n    PREGAP 00:02:00\r\n    INDEX 01 00:00:00\r\n');
    const probed = await probeImage(cue);
    expect(probed.format).toBe('cue');
    expect(probed.sectors).toBe(300 + 100 + 150);
    expect(probed.shape).toEqual({ format: 'cue', tracks: [{ mode: 'AUDIO', frames: 300 }, { mode: 'MODE1/2048', frames: 250 }] });
  });

  it.each([
    ['missing file', 'nope.iso', /no such file/],
    ['garbage', 'garbage.bin', /garbage\.bin: neither an ISO 9660 image .*nor a CUE sheet/],
    ['path traversal in a CUE', 'evil.cue', /evil\.cue: CUE sheet names a file outside its folder: \.\.\/etc\/passwd/],
    ['missing BIN', 'nobin.cue', /nobin\.cue: CUE sheet names a missing file: gone\.bin/],
    ['BIN not whole frames', 'short.cue', /odd\.bin is 7061 bytes, not a whole number of 2352-byte AUDIO frames/],
    ['unknown mode', 'mode.cue', /mode\.cue: CUE sheet line 2: unknown track mode 'MODE9\/1234'/],
    ['an empty file', 'empty.iso', /empty\.iso: the file is empty/],
    ['a folder', '.', /is not a regular file/],
  ])('refuses %s', async (_what, name, message) => {
    writeFileSync(path.join(work.dir, 'garbage.bin'), Buffer.alloc(70_000, 7));
    writeFileSync(path.join(work.dir, 'evil.cue'), 'FILE "../etc/passwd" BINARY\n TRACK 01 MODE1/2048\n  INDEX 01 00:00:00\n');
    writeFileSync(path.join(work.dir, 'nobin.cue'), 'FILE "gone.bin" BINARY\n TRACK 01 MODE1/2048\n  INDEX 01 00:00:00\n');
    writeFileSync(path.join(work.dir, 'odd.bin'), Buffer.alloc(2352 * 3 + 5));
    writeFileSync(path.join(work.dir, 'short.cue'), 'FILE "odd.bin" BINARY\n TRACK 01 AUDIO\n  INDEX 01 00:00:00\n');
    writeFileSync(path.join(work.dir, 'mode.cue'), 'FILE "odd.bin" BINARY\n TRACK 01 MODE9/1234\n  INDEX 01 00:00:00\n');
    writeFileSync(path.join(work.dir, 'empty.iso'), '');
    const err: unknown = await probeImage(path.join(work.dir, name)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageError);
    expect((err as Error).message).toMatch(message);
  });
});
