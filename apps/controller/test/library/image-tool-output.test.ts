/**
 * The image tools' standard error, read: progress from real xorriso and
 * genisoimage output (captured into fixtures), the tools' messages about
 * changed files and their warnings, and `-print-size` output.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { printedSectors, readToolLine } from '../../src/library/image-tool-output.js';
import { imageToolCommand, volumeIdOf } from '../../src/library/folder-image-tool.js';

const fixture = (name: string): string[] => readFileSync(path.join(import.meta.dirname, 'fixtures', name), 'utf8').split('\n');
const percents = (lines: string[]): number[] => lines.map(readToolLine).flatMap((l) => (l.kind === 'progress' ? [l.percent] : []));

describe('image tool output', () => {
  it('reads xorriso progress (files added counts as 0 %) and nothing else as progress', () => {
    expect(percents(fixture('xorriso-build.stderr.txt'))).toEqual([0, 0, 0.33, 5.63, 9.61, 14.36, 18.44, 96.87]);
  });

  it('reads genisoimage progress', () => {
    expect(percents(fixture('genisoimage-udf.stderr.txt'))).toEqual([1.4, 2.79, 4.18, 91.97, 93.36, 94.75, 96.15, 97.54, 98.94]);
  });

  it("tells the tools' messages about changed files and problems apart", () => {
    expect(readToolLine('libisofs: SORRY : Size of file "/x/a.txt" has changed. It will be 6 bytes')).toMatchObject({ kind: 'changed' });
    expect(readToolLine("libisofs: WARNING : Content of file '/x/a' changed while it was written into the image.")).toMatchObject({ kind: 'changed' });
    expect(readToolLine("xorriso : FAILURE : Cannot find path '/nope' in loaded ISO image")).toMatchObject({ kind: 'problem' });
    expect(readToolLine('genisoimage: Uh oh, I cant find the boot image')).toMatchObject({ kind: 'problem' });
    expect(readToolLine('ISO image produced: 2621625 sectors')).toEqual({ kind: 'other' });
  });

  it('reads -print-size output of both tools', () => {
    expect(printedSectors('xorriso 1.5.4 : RockRidge filesystem manipulator\nDrive current: -outdev \'stdio:/dev/null\'\n2621625\n')).toBe(2621625);
    expect(printedSectors('Total extents scheduled to be written = 429\n429\n')).toBe(429);
    expect(printedSectors('no number here\n')).toBeNull();
  });

  it('builds argument arrays: xorriso ISO level 3 without --, genisoimage with the UDF bridge', () => {
    const o = { joliet: true, rockRidge: true, udf: false, volumeId: 'V', boot: 'b/boot.img' };
    expect(imageToolCommand('/in', '/out.iso', o)).toEqual({
      program: 'xorriso',
      args: ['-as', 'mkisofs', '-o', '/out.iso', '-iso-level', '3', '-V', 'V', '-J', '-joliet-long', '-R', '-b', 'b/boot.img', '-no-emul-boot', '-boot-load-size', '4', '/in'],
    });
    expect(imageToolCommand('/in', null, { udf: true, joliet: false, rockRidge: false, volumeId: 'V' }).args).toEqual(['-print-size', '-input-charset', 'utf-8', '-udf', '-V', 'V', '--', '/in']);
    expect(volumeIdOf('Ünïcödé disc – 2024 edition, volume one of many')).toBe('UNICODE_DISC_2024_EDITION_VOLUME');
    expect(volumeIdOf('日本語')).toBe('DISC');
  });
});
