/**
 * `mtx status` as tgt's emulated changer answered it in the rig
 * (fixtures/samples/tgt-mtx-status-*.txt) and in the optical tools
 * reference's jukebox session (tgt-mtx-jukebox-session.txt).
 */
import { describe, expect, it } from 'vitest';
import { ChangerError } from '../../src/changer/changer-error.js';
import { parseMtxStatus } from '../../src/changer/mtx-status.js';
import { loadStreams, readFixture } from '../support/load-sample.js';

const status = (name: string) => parseMtxStatus(loadStreams(name).stdout);
const full = (s: ReturnType<typeof status>): number[] => s.slots.filter((x) => x.full).map((x) => x.slot);

describe('parseMtxStatus', () => {
  it('reads the rig jukebox at the start: drive empty, blanks in slots 1-3, two import/export slots', () => {
    const s = status('tgt-mtx-status-blanks.txt');
    expect(s.device).toBe('/dev/sg1');
    expect(s.drives).toEqual([{ element: 0, full: false, sourceSlot: null, volumeTag: null }]);
    expect(s.slots).toHaveLength(10);
    expect(full(s)).toEqual([1, 2, 3]);
    expect(s.slots[0]).toEqual({ slot: 1, full: true, importExport: false, volumeTag: 'BLANK_001' });
    expect(s.slots[3]).toEqual({ slot: 4, full: false, importExport: false, volumeTag: null });
    expect(s.slots.filter((x) => x.importExport).map((x) => x.slot)).toEqual([9, 10]);
  });

  it('reads a loaded drive with its source slot and volume tag', () => {
    const s = status('tgt-mtx-status-loaded.txt');
    expect(s.drives).toEqual([{ element: 0, full: true, sourceSlot: 1, volumeTag: 'BLANK_001' }]);
    expect(full(s)).toEqual([2, 3]);
  });

  it('reads a burned disc unloaded into an output slot', () => {
    const s = status('tgt-mtx-status-output.txt');
    expect(s.drives[0]?.full).toBe(false);
    expect(full(s)).toEqual([2, 3, 5]);
    expect(s.slots[4]?.volumeTag).toBe('BLANK_001');
  });

  it('reads a disc in an import/export (mail) slot', () => {
    const s = status('tgt-mtx-status-mail.txt');
    expect(s.drives[0]).toMatchObject({ full: true, sourceSlot: 3, volumeTag: 'BLANK_003' });
    expect(full(s)).toEqual([6, 9]);
    expect(s.slots[8]).toEqual({ slot: 9, full: true, importExport: true, volumeTag: 'BLANK_001' });
  });

  it('reads the jukebox after a tower run of 3 copies: the burned discs in output slots 5-7, the drive empty', () => {
    const s = status('tgt-mtx-status-after-run.txt');
    expect(s.slots).toHaveLength(18);
    expect(s.drives[0]?.full).toBe(false);
    expect(full(s)).toEqual([5, 6, 7, 12, 13, 15]);
    expect([5, 6, 7].map((n) => s.slots[n - 1]?.volumeTag)).toEqual(['BLANK_001', 'BLANK_002', 'BLANK_003']);
    expect(s.slots.slice(16).every((x) => x.importExport && !x.full)).toBe(true);
  });

  it('reads an inventory without volume tags (nobarcode)', () => {
    const s = status('tgt-mtx-status-nobarcode.txt');
    expect(s.drives[0]).toMatchObject({ full: true, volumeTag: null });
    expect(full(s)).toEqual([6, 9]);
    expect(s.slots.every((x) => x.volumeTag === null)).toBe(true);
  });

  it("reads every status of the reference's jukebox session (drive 'VolumeTag = DISK_002', 4+2 slots)", () => {
    const text = readFixture('tgt-mtx-jukebox-session.txt');
    // Each status: its header line and the element lines after it.
    const lines = text.split('\n');
    const blocks = lines.flatMap((line, i) => {
      if (!/^\s*Storage Changer /.test(line)) return [];
      const rest = lines.slice(i + 1);
      const end = rest.findIndex((l) => !/^(Data Transfer Element |\s+Storage Element )/.test(l));
      return [[line, ...rest.slice(0, end < 0 ? rest.length : end)].join('\n')];
    });
    expect(blocks).toHaveLength(3);
    const [first, second, third] = blocks.map((b) => parseMtxStatus(b));
    expect(full(first!)).toEqual([1, 2]);
    expect(first!.drives[0]?.full).toBe(false);
    expect(full(second!)).toEqual([2, 3]);
    expect(second!.slots[2]?.volumeTag).toBe('DISK_001');
    expect(third!.drives[0]).toEqual({ element: 0, full: true, sourceSlot: 2, volumeTag: 'DISK_002' });
    expect(full(third!)).toEqual([5]);
    expect(third!.slots.slice(4).every((x) => x.importExport)).toBe(true);
  });

  it('refuses what is not an inventory: an error, the usage text, a missing line, an unknown line', () => {
    const bad = [
      '',
      loadStreams('tgt-mtx-status-not-a-changer.txt').stderr,
      'Usage:\n\tmtx --version\n',
      // A slot left out: the header announces 2.
      '  Storage Changer /dev/sg1:1 Drives, 2 Slots ( 0 Import/Export )\nData Transfer Element 0:Empty\n      Storage Element 1:Empty\n',
      // A line nobody knows.
      '  Storage Changer /dev/sg1:1 Drives, 1 Slots ( 0 Import/Export )\nData Transfer Element 0:Empty\n      Storage Element 1:Jammed\n',
      // Import/export count that does not add up.
      '  Storage Changer /dev/sg1:1 Drives, 1 Slots ( 1 Import/Export )\nData Transfer Element 0:Empty\n      Storage Element 1:Empty\n',
    ];
    for (const text of bad) {
      expect(() => parseMtxStatus(text), JSON.stringify(text.slice(0, 60))).toThrow(ChangerError);
    }
    let caught: unknown = null;
    try {
      parseMtxStatus('Usage:\n');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'CHANGER_OUTPUT_UNREADABLE', kind: 'unreadable', retryable: true, driveFault: false });
  });
});
