/**
 * Set runs in hot-folder job files (issue 15), the parsers: a `.json` job's
 * `set` (`imageIds` or `imagePaths`, the discs in order) and a `.jrq`'s
 * repeated `SetImageId=` / `SetImageFile=` lines become a set source, with
 * copies counting sets; a set beside another image source, both kinds of
 * list, an empty or oversized set, unknown set fields and bad ids are
 * refused with the reason; the JRQ keys stay strict.
 */
import { describe, expect, it } from 'vitest';
import { JobFileError, parseJobFile } from '../../src/hot-folder/job-file.js';

const A = 'aaa-111';
const B = 'bbb-222';

function refusal(name: string, text: string): string {
  try {
    parseJobFile(name, text);
  } catch (err) {
    if (err instanceof JobFileError) return err.message;
    throw err;
  }
  return 'accepted';
}

describe('set jobs: JSON', () => {
  it('takes a set by library ids or by paths, in disc order, copies counting sets', () => {
    expect(parseJobFile('a.json', JSON.stringify({ set: { imageIds: [A, B] }, copies: 3, verify: 'off' }))).toEqual({
      source: { set: { imageIds: [A, B] } }, settings: { copies: 3, verify: 'off' }, notes: [],
    });
    expect(parseJobFile('b.json', JSON.stringify({ set: { imagePaths: ['/in/2.iso', '/in/1.iso'] }, copies: 2, merge: { serials: { first: 1 } } }))).toEqual({
      source: { set: { imagePaths: ['/in/2.iso', '/in/1.iso'] } }, settings: { copies: 2, merge: { serials: { first: 1 } } }, notes: [],
    });
  });

  it.each([
    ['a set beside an imageId', { imageId: A, set: { imageIds: [A, B] }, copies: 2 }, /give one of imageId, set, not 2/],
    ['a set and a template', { template: 't1', set: { imageIds: [A] } }, /give one of template, set, not 2/],
    ['ids and paths both', { set: { imageIds: [A], imagePaths: ['/in/b.iso'] }, copies: 2 }, /set: give imageIds or imagePaths .*one of them/],
    ['neither list', { set: {}, copies: 2 }, /set: give imageIds or imagePaths/],
    ['an empty list', { set: { imageIds: [] }, copies: 2 }, /set\.imageIds/],
    ['100 discs', { set: { imageIds: Array.from({ length: 100 }, () => A) }, copies: 1 }, /set\.imageIds/],
    ['an unknown set field', { set: { imageIds: [A], sets: 2 }, copies: 2 }, /unknown field 'sets'/],
    ['a bad id', { set: { imageIds: [A, '../etc'] }, copies: 2 }, /set\.imageIds\.1/],
    ['no copies', { set: { imageIds: [A, B] } }, /copies: required .*complete sets/],
  ])('refuses %s', (_name, job, reason) => {
    expect(refusal('x.json', JSON.stringify(job))).toMatch(reason);
  });
});

describe('set jobs: JRQ', () => {
  it('takes SetImageId= or SetImageFile= lines in order', () => {
    expect(parseJobFile('a.jrq', `SetImageId=${A}\nSetImageId=${B}\nCopies=4\nJobID=boxes\n`)).toMatchObject({
      source: { set: { imageIds: [A, B] } }, settings: { copies: 4, label: 'boxes' },
    });
    expect(parseJobFile('b.JRQ', 'setimagefile=/in/x.iso\nSetImageFile = /in/y.iso\nSetImageFile=/in/z.iso\nCopies=1\n').source).toEqual({
      set: { imagePaths: ['/in/x.iso', '/in/y.iso', '/in/z.iso'] },
    });
  });

  it.each([
    ['ids and files mixed', `SetImageId=${A}\nSetImageFile=/in/b.iso\nCopies=2\n`, /all by SetImageId= or all by SetImageFile= lines/],
    ['a set beside ImageId', `ImageId=${A}\nSetImageId=${A}\nCopies=2\n`, /give one of ImageId, SetImageId\/SetImageFile, not 2/],
    ['a bad id', `SetImageId=${A}\nSetImageId=NOT AN ID\nCopies=2\n`, /SetImageId: not an image id/],
    ['no copies', `SetImageId=${A}\n`, /Copies: required/],
    ['100 discs', `${Array.from({ length: 100 }, () => `SetImageId=${A}`).join('\n')}\nCopies=1\n`, /at most 99 discs/],
    ['an unknown Set key', `SetImages=${A}\nCopies=1\n`, /unknown key 'SetImages'/],
  ])('refuses %s', (_name, text, reason) => {
    expect(refusal('x.jrq', text)).toMatch(reason);
  });
});
