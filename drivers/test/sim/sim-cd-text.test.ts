/**
 * A simulated drive's CD-TEXT declaration (`SimulatedDriveOptions.cdText`,
 * `DriveFeatures.writesCdText`), played as a real drive's: declared `false`,
 * a TOC file with CD-TEXT blocks beside the sheet is refused before anything
 * is written (`CdTextNotDeclaredError`, no drive fault), a TOC without them
 * burns; declared `true`, it burns; not said, the TOC is ignored as before.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CdTextNotDeclaredError } from '../../src/cdrecord/cd-text-not-declared-error.js';
import type { BurnImage } from '../../src/drive-contract.js';
import { tocHasCdTextBlocks } from '../../src/image/toc-file.js';
import { SimulatedDrive } from '../../src/sim/simulated-drive.js';
import { makeTempDir } from '../support/test-images.js';

const tmp = makeTempDir('sim-cd-text-');
const drives: SimulatedDrive[] = [];
afterEach(() => {
  for (const d of drives.splice(0)) d.dispose();
});
afterAll(() => tmp.cleanup());

const WITH_TEXT = ['CD_DA', 'CD_TEXT {', '  LANGUAGE_MAP { 0 : EN }', '  LANGUAGE 0 { TITLE "Album" }', '}', 'TRACK AUDIO', 'FILE "a.bin" 0 00:04:00', ''].join('\n');
// CD_TEXT only inside a quoted title, and ISRC (Q subchannel): no CD-TEXT block.
const WITHOUT = ['CD_DA', 'CATALOG "1234567890123"', 'TRACK AUDIO', 'ISRC "USABC2612345"', 'FILE "a.bin" 0 00:04:00', ''].join('\n');

/** A one-track audio CUE image with the TOC `toc` beside it. */
function image(name: string, toc: string): BurnImage {
  writeFileSync(path.join(tmp.dir, 'a.bin'), Buffer.alloc(300 * 2352, 7));
  const sheet = path.join(tmp.dir, `${name}.cue`);
  writeFileSync(sheet, 'FILE "a.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n');
  const tocPath = path.join(tmp.dir, `${name}.toc`);
  writeFileSync(tocPath, toc, 'latin1');
  return { format: 'cue', path: sheet, sizeBytes: 300 * 2352, sectors: 300, tocPath };
}

function sim(cdText?: boolean): SimulatedDrive {
  const d = new SimulatedDrive({ timeScale: 0.0005, progressIntervalMs: 2, media: 'CD-R', ...(cdText === undefined ? {} : { cdText }) });
  drives.push(d);
  return d;
}

describe('a simulated drive and CD-TEXT', () => {
  it('tells CD-TEXT blocks from CD_TEXT in quoted text, ISRC and CATALOG', () => {
    expect(tocHasCdTextBlocks(WITH_TEXT)).toBe(true);
    expect(tocHasCdTextBlocks(WITHOUT)).toBe(false);
    expect(tocHasCdTextBlocks('CD_DA\nTRACK AUDIO\n// CD_TEXT\nFILE "CD_TEXT" 0\n')).toBe(false);
  });

  it('declared not to write it, refuses a TOC with CD-TEXT before writing and burns one without', async () => {
    const d = sim(false);
    expect(d.features.writesCdText).toBe(false);
    const refused = await d.burn(image('text', WITH_TEXT), {}).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CdTextNotDeclaredError);
    expect(refused).toMatchObject({ code: 'CD_TEXT_NOT_DECLARED', driveFault: false, retryable: true });
    expect(await d.media()).toMatchObject({ status: 'blank', usedSectors: 0 });
    await d.burn(image('plain', WITHOUT), {});
    expect((await d.media()).status).toBe('complete');
  });

  it('declared to write it, or not saying (the TOC ignored), burns a TOC with CD-TEXT', async () => {
    const declared = sim(true);
    expect(declared.features.writesCdText).toBe(true);
    await declared.burn(image('text2', WITH_TEXT), {});
    expect((await declared.media()).status).toBe('complete');
    const unsaid = sim();
    expect(unsaid.features).not.toHaveProperty('writesCdText');
    await unsaid.burn(image('text3', WITH_TEXT), {});
    expect((await unsaid.media()).status).toBe('complete');
  });
});
