/**
 * Media status of a real drive from the burner's inspection output:
 * cdrskin or cdrecord `-minfo`, else wodim `-toc` / `-atip` (wodim has no -minfo).
 */
import type { DiscTrack, MediaStatus } from '../drive-contract.js';
import { NoMediaError } from '../errors.js';
import { classifyBurnFailure } from '../parse/burn-failure.js';
import { mediaStatusFromMinfo, parseMinfo } from '../parse/cdrskin-drive-info.js';
import type { MinfoTrack } from '../parse/cdrskin-drive-info.js';
import type { ToolRun } from '../tool-process.js';
import { burnerQueryCommand } from './burn-args.js';
import type { ToolCommand } from './burn-args.js';
import type { BurnerProgram } from './tool-locator.js';

/** Runs a command for the media query. */
export type RunCommand = (command: ToolCommand) => Promise<ToolRun>;

const NO_DISC: MediaStatus = { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };

/**
 * The table of contents from `-minfo`'s track table: recorded tracks only
 * (`Blank` rows are the writable rest of the disc), size as the drive reports
 * it. A row without a size is left out: tgt answers READ TRACK INFORMATION of
 * a burned track with `End Addr -1, Size 0` (`tgt-cdrskin-minfo-after-burn.txt`),
 * and a 0-sector track would make a reader read nothing.
 */
export function discTracksFromMinfo(tracks: readonly MinfoTrack[]): DiscTrack[] {
  return tracks
    .filter((t) => t.type.toLowerCase() !== 'blank' && t.size > 0 && t.end >= t.start)
    .map((t) => ({
      number: t.track,
      session: t.session,
      kind: /audio/i.test(t.type) ? 'audio' : 'data',
      startSector: t.start,
      sectors: t.size,
    }));
}

/**
 * The table of contents from wodim `-toc` (`track:   1 lba: 0 … control: 4`):
 * control bit 2 marks a data track; a track runs to the next track or the
 * lead-out. wodim prints no sessions: all are reported as session 1.
 */
export function discTracksFromWodimToc(toc: string): DiscTrack[] {
  const rows = [...toc.matchAll(/^track:\s*(\d+|lout) lba:\s*(\d+).*?control:\s*(\d+)/gm)].map((m) => ({
    number: m[1] === 'lout' ? null : Number(m[1]),
    lba: Number(m[2]),
    control: Number(m[3]),
  }));
  const tracks: DiscTrack[] = [];
  rows.forEach((row, i) => {
    const next = rows[i + 1];
    if (row.number === null || next === undefined) return;
    tracks.push({
      number: row.number,
      session: 1,
      kind: (row.control & 4) !== 0 ? 'data' : 'audio',
      startSector: row.lba,
      sectors: next.lba - row.lba,
    });
  });
  return tracks;
}

/** `status` with its table of contents, when there is one. */
function withTracks(status: MediaStatus, tracks: readonly DiscTrack[]): MediaStatus {
  return tracks.length === 0 || status.status === 'none' ? status : { ...status, tracks };
}

/** Parse wodim's `-toc` leadout (`track:lout lba:      9398`) and `-atip` lead-out start into a status. */
export function mediaStatusFromWodim(toc: string, atip: string): MediaStatus {
  const leadout = /track:lout lba:\s*(\d+)/.exec(toc);
  if (leadout) {
    const sectors = Number(leadout[1]);
    // wodim cannot tell closed from appendable without -msinfo; report what is recorded.
    return { status: 'complete', type: null, rewritable: /Is erasable/.test(atip), capacitySectors: sectors, usedSectors: sectors, freeSectors: 0 };
  }
  const atipLeadOut = /ATIP start of lead out:\s*(\d+)/.exec(atip);
  if (atipLeadOut) {
    const sectors = Number(atipLeadOut[1]);
    const rewritable = /^\s*Is erasable/m.test(atip);
    return { status: 'blank', type: rewritable ? 'CD-RW' : 'CD-R', rewritable, capacitySectors: sectors, usedSectors: 0, freeSectors: sectors };
  }
  return { status: 'complete', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };
}

/** Query the disc in a real drive with `program` (cdrskin/cdrecord: -minfo; wodim: -toc and -atip). */
export async function queryRealMedia(program: BurnerProgram, device: string, run: RunCommand): Promise<MediaStatus> {
  if (program === 'wodim') {
    const toc = await run(burnerQueryCommand(program, device, '-toc'));
    if (toc.exitCode !== 0) {
      const err = classifyBurnFailure(toc, { device });
      if (err instanceof NoMediaError) return NO_DISC;
    }
    const atip = await run(burnerQueryCommand(program, device, '-atip'));
    if (atip.exitCode !== 0 && toc.exitCode !== 0) {
      const err = classifyBurnFailure(atip, { device });
      if (err instanceof NoMediaError) return NO_DISC;
      throw err;
    }
    const tocText = toc.exitCode === 0 ? toc.stdout : '';
    return withTracks(mediaStatusFromWodim(tocText, atip.stdout), discTracksFromWodimToc(tocText));
  }
  const query = burnerQueryCommand(program, device, '-minfo');
  // libburn closes an open tray when it grabs the drive; a look at the disc must not pull the tray
  // back in while a person or a loader is changing discs (an open tray is "no disc").
  const minfo = await run(program === 'cdrskin' ? { ...query, args: ['--no_load', ...query.args] } : query);
  const text = `${minfo.stdout}\n${minfo.stderr}`;
  // cdrskin exits 7 with BURN_DISC_EMPTY when there is no disc: that is an answer, not a failure.
  if (minfo.exitCode !== 0 && !/BURN_DISC_EMPTY/.test(text)) throw classifyBurnFailure(minfo, { device });
  const report = parseMinfo(text);
  return withTracks(mediaStatusFromMinfo(report), discTracksFromMinfo(report.tracks));
}
