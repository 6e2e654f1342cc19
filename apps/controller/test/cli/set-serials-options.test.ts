/**
 * `tower run --set a,b,c` with `--serials` or `--merge-csv` (issue 15): the
 * range (or the CSV's rows) gives the sets when `--sets` does not, one serial
 * per set; a CSV that is not one row per set is refused with one line.
 */
import { describe, expect, it } from 'vitest';
import { createRunRequest } from '../../src/cli/run-commands.js';
import { parseSerials } from '../../src/cli/serial-range.js';
import { withSetRun } from '../../src/cli/set-run-text.js';

describe('set runs with serials on the command line', () => {
  it('takes the sets from the range, or from --sets', () => {
    const { imageId, opts } = withSetRun(undefined, { set: ['img-a', 'img-b'], serials: parseSerials('01-03') });
    expect(createRunRequest(imageId ?? '', opts)).toEqual({
      imageId: 'img-a', copies: 3, set: { imageIds: ['img-a', 'img-b'] }, merge: { serials: { first: 1, last: 3, pad: 2 } },
    });
    const given = withSetRun(undefined, { set: ['img-a', 'img-b'], sets: 4, serials: parseSerials('1-4') });
    expect(createRunRequest(given.imageId ?? '', given.opts)).toMatchObject({ copies: 4, set: { imageIds: ['img-a', 'img-b'] } });
  });

  it('still needs a count without serials or a CSV, and refuses a CSV that is not one row per set', () => {
    expect(() => withSetRun(undefined, { set: ['img-a', 'img-b'] })).toThrow(/--sets/);
    const { imageId, opts } = withSetRun(undefined, { set: ['img-a', 'img-b'], sets: 2, mergeCsv: 'rows.csv' });
    expect(() => createRunRequest(imageId ?? '', opts, { text: 'name,text:/N.TXT\na,1\nb,2\nc,3\n', rows: 3 } as never)).toThrow(/--merge-csv has 3 rows, one per set, but --sets is 2/);
  });
});
