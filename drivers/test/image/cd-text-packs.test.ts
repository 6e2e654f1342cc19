/**
 * CD-TEXT packs decoded (`decodeCdTextPacks`): packs written by the test
 * encoder (its own bitwise CRC) decode to the fields given, with and without
 * CRCs, TAB repeats and long strings across packs; a known pack's CRC; and
 * every refusal a typed `ImageReadError` (bad CRC, truncated, tracks beyond
 * the disc, counts the size packs contradict, double-byte text).
 */
import { describe, expect, it } from 'vitest';
import { cdTextCrc, decodeCdTextPacks } from '../../src/image/cd-text-packs.js';
import { ImageReadError } from '../../src/image/image-read-error.js';
import { crc16, encodeCdText } from '../support/cd-text-packs.js';

const spec = {
  disc: { TITLE: 'A Rather Long Album Title Spanning Packs', PERFORMER: 'The Band', MESSAGE: 'Thanks' },
  tracks: [{ TITLE: 'First Song', PERFORMER: 'The Band' }, { TITLE: 'Second', COMPOSER: 'Zoë Ä' }, {}],
};

function refused(bytes: Buffer, packBytes: number, tracks: number): string {
  try {
    decodeCdTextPacks(bytes, packBytes, tracks);
  } catch (err) {
    expect(err).toBeInstanceOf(ImageReadError);
    return (err as Error).message;
  }
  throw new Error('decoded');
}

describe('decodeCdTextPacks', () => {
  it('decodes 18-byte packs (CRC checked) and 16-byte CloneCD packs to the same fields', () => {
    for (const crc of [true, false]) {
      const block = decodeCdTextPacks(encodeCdText(spec, crc), crc ? 18 : 16, 3);
      expect(block.disc).toEqual(spec.disc);
      expect(block.tracks).toEqual(spec.tracks);
      expect(block).toMatchObject({ language: 'EN', charset: 'ISO-8859-1', firstTrack: 1, lastTrack: 3 });
    }
  });

  it('has the CRC of a known pack (the encoder computes it bit by bit)', () => {
    const pack = Buffer.from('80000000416c62756d005469746c6531', 'hex');
    expect(cdTextCrc(pack)).toBe(crc16(pack));
    expect(cdTextCrc(Buffer.from('123456789', 'latin1'))).toBe(0x31c3 ^ 0xffff);
  });

  it('repeats the previous track for a lone TAB and gives the language code of other blocks as a number', () => {
    const packs = encodeCdText({ disc: { PERFORMER: 'Same' }, tracks: [{ PERFORMER: '\t' }, { PERFORMER: '\t' }], language: 0x08 }, true);
    const block = decodeCdTextPacks(packs, 18, 2);
    expect(block.tracks.map((t) => t.PERFORMER)).toEqual(['Same', 'Same']);
    expect(block.language).toBe('8');
  });

  it('refuses a pack with a bad CRC, naming it', () => {
    const packs = encodeCdText(spec, true);
    packs.writeUInt8((packs[18 * 2 + 6] ?? 0) ^ 0x20, 18 * 2 + 6);
    expect(refused(packs, 18, 3)).toMatch(/^CD-TEXT: pack 2 has CRC 0x[0-9a-f]{4}, its bytes give 0x[0-9a-f]{4}/);
  });

  it('refuses packs cut short, a missing pack and a pack out of sequence', () => {
    const packs = encodeCdText(spec, true);
    expect(refused(packs.subarray(0, packs.length - 5), 18, 3)).toMatch(/not a whole number of 18-byte packs \(truncated\)/);
    const missing = Buffer.concat([packs.subarray(0, 18), packs.subarray(36)]);
    expect(refused(missing, 18, 3)).toMatch(/sequence number/);
    expect(refused(Buffer.alloc(0), 16, 3)).toMatch(/no packs/);
  });

  it('refuses text naming tracks beyond the disc', () => {
    expect(refused(encodeCdText(spec, false), 16, 2)).toMatch(/the size packs name tracks 1 to 3, the disc has 2/);
  });

  it('refuses a string left unterminated and double-byte text', () => {
    const one = encodeCdText({ disc: { TITLE: 'ABCDEFGHIJK' }, tracks: [{}] }, false);
    one.fill(0x41, 4, 16); // the title's NUL overwritten: the string runs off the end of its packs
    expect(refused(one, 16, 1)).toMatch(/not terminated|says track/);
    const dbcc = encodeCdText(spec, false);
    dbcc[3] = 0x80;
    expect(refused(dbcc, 16, 3)).toMatch(/double-byte/);
  });
});
