/**
 * A drive tile in each phase of a copy: preparing and closing the disc show
 * the phase and its time, never "0%"/"100% 0×"; writing and verifying show
 * percent, speed and ETA.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DriveTile } from '../src/components/DriveTile';
import type { DriveView } from '../src/lib/contract';
import { drive } from './fixtures';

function text(d: DriveView): string {
  const html = renderToStaticMarkup(createElement(DriveTile, { drive: d, stale: false, runName: 'Install disc' }));
  return html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
}

const burning = (over: Partial<DriveView>): DriveView => drive({ id: 'sim:0', state: 'burning', runId: 'run-1', copy: 3, ...over });

describe('a drive tile through the phases of a copy', () => {
  it('names the disc\'s own row of a merged run beside its copy', () => {
    const t = text(burning({ phase: 'writing', activity: 'Burning', percent: 40, speedX: 16, etaSeconds: 30, discLabel: 'serial SN-01003' }));
    expect(t).toContain('copy 3 · serial SN-01003 · Install disc');
    expect(text(burning({ phase: 'writing', activity: 'Burning', percent: 40, speedX: 16, etaSeconds: 30 }))).toContain('copy 3 · Install disc');
  });

  it('says Closing disc with its time while the disc is closed, not "100% 0×"', () => {
    const t = text(burning({ phase: 'fixating', activity: 'Closing disc', phaseSeconds: 4, percent: null, speedX: null, etaSeconds: null }));
    expect(t).toContain('Closing disc');
    expect(t).toContain('0:04');
    expect(t).not.toMatch(/100%|0×|ETA|Burning/);
  });

  it('gives the closing an ETA once the drive knows how long it takes', () => {
    const t = text(burning({ phase: 'fixating', activity: 'Closing disc', phaseSeconds: 3, percent: 30, speedX: null, etaSeconds: 7 }));
    expect(t).toMatch(/Closing disc.*0:03.*ETA 0:07/);
  });

  it('says Preparing with its time at the start of a burn, not "0% 0× ETA —"', () => {
    const t = text(burning({ phase: 'preparing', activity: 'Preparing', phaseSeconds: 2, percent: null, speedX: null, etaSeconds: null }));
    expect(t).toMatch(/Preparing.*0:02/);
    expect(t).not.toMatch(/0%|0×|ETA/);
  });

  it('shows a writing drive its percent, speed and ETA', () => {
    expect(text(burning({ phase: 'writing', activity: 'Writing', phaseSeconds: 9, percent: 42, speedX: 24, etaSeconds: 65 }))).toMatch(/Writing.*42%.*24×.*ETA 1:05/);
  });

  it('shows a verifying drive its read speed and ETA', () => {
    const t = text(drive({ id: 'sim:1', state: 'verifying', phase: 'verifying', activity: 'Verifying', percent: 50, speedX: 31.2, speedMBps: 4.79, etaSeconds: 17, runId: 'run-1', copy: 2 }));
    expect(t).toMatch(/Verifying.*50%.*31×.*ETA 0:17/);
  });
});

describe('a drive tile and CD-TEXT', () => {
  const html = (d: DriveView): string => renderToStaticMarkup(createElement(DriveTile, { drive: d, stale: false, runName: null }));

  it('shows a CD-TEXT badge ("writes CD-TEXT") on a drive declared to write it, and none otherwise', () => {
    const declared = html(drive({ id: '/dev/sr1', writesCdText: true }));
    expect(declared).toMatch(/<span class="tile-cd-text" title="writes CD-TEXT" aria-label="writes CD-TEXT">CD-TEXT<\/span>/);
    expect(html(drive({ id: '/dev/sr0', writesCdText: false }))).not.toContain('CD-TEXT');
    expect(html(drive({ id: 'sim:0' }))).not.toContain('CD-TEXT');
  });
});
