/**
 * Media status of a real drive from the burner's inspection output:
 * cdrskin or cdrecord `-minfo`, else wodim `-toc` / `-atip` (wodim has no -minfo).
 */
import type { MediaStatus } from '../drive-contract.js';
import { NoMediaError } from '../errors.js';
import { classifyBurnFailure } from '../parse/burn-failure.js';
import { mediaStatusFromMinfo, parseMinfo } from '../parse/cdrskin-drive-info.js';
import type { ToolRun } from '../tool-process.js';
import { burnerQueryCommand } from './burn-args.js';
import type { ToolCommand } from './burn-args.js';
import type { BurnerProgram } from './tool-locator.js';

/** Runs a command for the media query. */
export type RunCommand = (command: ToolCommand) => Promise<ToolRun>;

const NO_DISC: MediaStatus = { status: 'none', type: null, rewritable: false, capacitySectors: 0, usedSectors: 0, freeSectors: 0 };

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
    return mediaStatusFromWodim(toc.exitCode === 0 ? toc.stdout : '', atip.stdout);
  }
  const minfo = await run(burnerQueryCommand(program, device, '-minfo'));
  const text = `${minfo.stdout}\n${minfo.stderr}`;
  // cdrskin exits 7 with BURN_DISC_EMPTY when there is no disc: that is an answer, not a failure.
  if (minfo.exitCode !== 0 && !/BURN_DISC_EMPTY/.test(text)) throw classifyBurnFailure(minfo, { device });
  return mediaStatusFromMinfo(parseMinfo(text));
}
