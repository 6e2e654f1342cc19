/**
 * The `.JRQ` keys of issue 15 beyond a plain image: Data (and VolumeName),
 * MergeField (and PrintLabel), CDText…: what good lines give, and the line
 * and reason of bad ones.
 */
import { describe, expect, it } from 'vitest';
import { JobFileError } from '../../src/hot-folder/job-request.js';
import { parseJrq } from '../../src/hot-folder/jrq-format.js';

const refused = (text: string): string => {
  try {
    parseJrq(text);
  } catch (err) {
    expect(err).toBeInstanceOf(JobFileError);
    return (err as Error).message;
  }
  throw new Error('not refused');
};

describe('JRQ Data, MergeField and CDText keys', () => {
  it('reads Data lines in order with their paths on the disc, and VolumeName (default JobID)', () => {
    const job = parseJrq('Data=/in/a\r\nData=/in/b.txt>\\Docs\\B.TXT\nData = /in/c > /x/y\nVolumeName=PRESS 17\nCopies=2\n');
    expect(job.source).toEqual({ data: [{ source: '/in/a', discPath: '' }, { source: '/in/b.txt', discPath: 'Docs/B.TXT' }, { source: '/in/c', discPath: 'x/y' }], volumeName: 'PRESS 17' });
    expect(parseJrq('Data=/in/a\nCopies=1\nJobID=order-9\n').source).toEqual({ data: [{ source: '/in/a', discPath: '' }], volumeName: 'order-9' });
    expect(parseJrq('Data=/in/a\nCopies=1\n').source).toMatchObject({ volumeName: 'NewDisc' });
  });

  it('refuses Data with an image, sessions, climbing disc paths, VolumeName alone or too long', () => {
    expect(refused('Data=/in/a\nImageFile=/in/x.iso\nCopies=1\n')).toMatch(/give one of ImageFile, Data, not 2/);
    expect(refused('Data=/in/a, Session2\nCopies=1\n')).toMatch(/line 1: Data: SessionX is not supported/);
    expect(refused('Data=/in/a>\\..\\etc\nCopies=1\n')).toMatch(/line 1: Data: .* is not a path on the disc/);
    expect(refused('Data=/in/a>\\a=b\nCopies=1\n')).toMatch(/not a path on the disc/);
    expect(refused('Data=\nCopies=1\n')).toMatch(/line 1: Data: a path of 1\.\.4096 characters/);
    expect(refused('ImageId=abc-1\nVolumeName=X\nCopies=1\n')).toMatch(/VolumeName: only with Data= lines/);
    expect(refused(`Data=/a\nVolumeName=${'V'.repeat(33)}\nCopies=1\n`)).toMatch(/VolumeName: 1\.\.32 characters/);
    expect(refused(`${'Data=/a\n'.repeat(100)}Copies=1\n`)).toMatch(/line 100: at most 99 Data lines/);
  });

  it('MergeField lines become labelMerge in order; PrintLabel names the label template', () => {
    const job = parseJrq('ImageId=abc-1\nCopies=1\nMergeField=Ada & Co\nMergeField=\nMergeField=Order 17\nPrintLabel=disc\n');
    expect(job.settings).toMatchObject({ labelMerge: ['Ada & Co', '', 'Order 17'], printLabels: true, labelTemplate: 'disc' });
    expect(refused(`ImageId=abc-1\nCopies=1\nMergeField=${'x'.repeat(201)}\n`)).toMatch(/line 3: MergeField: at most 200 characters/);
    expect(refused(`ImageId=abc-1\nCopies=1\n${'MergeField=a\n'.repeat(100)}`)).toMatch(/line 102: at most 99 MergeField lines/);
    expect(refused('ImageId=abc-1\nCopies=1\nMergeFile=x.txt\n')).toMatch(/line 3: MergeFile: not a PTBurn key this tower honours/);
    expect(refused('ImageId=abc-1\nCopies=1\nPrintLabel=../x.std\n')).toMatch(/PrintLabel: not a label template name/);
  });

  it('CDText keys: disc fields, track fields in order or numbered', () => {
    const ordered = parseJrq('ImageId=abc-1\nCopies=1\nCDTextDiscTitle=Hits\ncdtextdiscperformer=The Band\nCDTextTrackTitle=One\nCDTextTrackTitle=Two\nCDTextTrackPerformer=Ann\n');
    expect(ordered.settings.cdText).toEqual({ disc: { title: 'Hits', performer: 'The Band' }, tracks: [{ track: 1, title: 'One', performer: 'Ann' }, { track: 2, title: 'Two' }] });
    const numbered = parseJrq('ImageId=abc-1\nCopies=1\nCDTextTrackTitle3=Three\nCDTextTrackComposer1=Bach\n');
    expect(numbered.settings.cdText).toEqual({ tracks: [{ track: 1, composer: 'Bach' }, { track: 3, title: 'Three' }] });
  });

  it('refuses bad CDText lines with the line and reason', () => {
    const base = 'ImageId=abc-1\nCopies=1\n';
    expect(refused(`${base}CDTextDiscTitle=A\nCDTextDiscTitle=B\n`)).toMatch(/line 4: CDTextDiscTitle given twice/);
    expect(refused(`${base}CDTextTrackTitle=A\nCDTextTrackTitle2=B\n`)).toMatch(/line 4: .*numbered or every one in order, not both/);
    expect(refused(`${base}CDTextTrackTitle100=A\n`)).toMatch(/tracks are numbered 1\.\.99/);
    expect(refused(`${base}CDTextTrackTitle0=A\n`)).toMatch(/tracks are numbered 1\.\.99/);
    expect(refused(`${base}CDTextGenre=Pop\n`)).toMatch(/line 3: unknown CD-TEXT key 'CDTextGenre'/);
    expect(refused(`${base}CDTextDiscTitle=\n`)).toMatch(/line 3: CDTextDiscTitle: empty/);
    expect(refused(`${base}CDTextDiscTitle=${'t'.repeat(101)}\n`)).toMatch(/CD-TEXT: disc title: at most 100 characters/);
    expect(refused(`${base}CDTextDiscTitle=日本\n`)).toMatch(/only printable ISO 8859-1/);
    const many = Array.from({ length: 21 }, (_, i) => `CDTextTrackTitle${i + 1}=${'x'.repeat(100)}`).join('\n');
    expect(refused(`${base}${many}\n`)).toMatch(/titles: 2100 characters over the disc and its tracks, at most 2000/);
  });
});
