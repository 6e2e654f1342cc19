/**
 * Whether a drive can take a run's copies: what the drive declares (the
 * media classes it takes copies for, the CUE track modes it burns) against
 * what a copy needs (its media class, its image's format and CUE track
 * modes, whether its TOC file carries CD-TEXT). One rule, read in two places:
 *
 * - a drive worker, before it burns a copy it fetched or was handed: a drive
 *   that cannot take it never attempts it, the copy goes on to a drive that
 *   can (copy-routing.ts); a drive waiting for a hand-off is offered only
 *   copies it can take (waiting-drives.ts);
 * - the controller's run views: a run no drive in service can take needs a
 *   person, from its creation on.
 *
 * A copy refused for its media or the drive's capabilities
 * (`WRONG_MEDIA`, `MEDIA_TOO_SMALL`, `CD_TEXT_NOT_DECLARED`: the burn refused before writing) is
 * never a drive fault: it counts neither toward quarantine nor as the
 * drive's failed disc ({@link isMediaRefusal}).
 */
import type { MediaClass } from 'node-cdrecord-wrapper';

/** What a drive declares it takes. An absent field says nothing: no limit. */
export interface DriveCapabilities {
  /** The media classes the drive takes copies for. */
  readonly classes?: readonly MediaClass[];
  /** The CUE track modes it burns (`DriveFeatures.cueTrackModes`: a `stdio:` drive burns `MODE1/2048` only). */
  readonly cueTrackModes?: readonly string[];
  /**
   * CD-TEXT (`DriveFeatures.writesCdText`): `true`, declared to write it; `false`, a real drive not declared
   * to (it would refuse a TOC with CD-TEXT before writing: `CD_TEXT_NOT_DECLARED`, the last guard); absent,
   * the drive burns no TOC (a `stdio:` or plain simulated drive).
   */
  readonly writesCdText?: boolean;
}

/** What a copy needs of a drive. An absent field is not known: not checked. */
export interface CopyNeeds {
  readonly mediaClass?: MediaClass;
  readonly format?: 'iso' | 'cue';
  /** The CUE sheet's track modes (`AUDIO`, `MODE1/2048`...). */
  readonly trackModes?: readonly string[];
  /** The image's TOC file has CD-TEXT blocks (`RunImage.cdText`). */
  readonly cdText?: boolean;
}

/**
 * Why a drive that declares `caps` cannot take a copy that `needs`, in words
 * that follow "the drive cannot take it: ", or null when it can (or nothing
 * says it cannot).
 */
export function whyDriveCannotTake(caps: DriveCapabilities, needs: CopyNeeds): string | null {
  if (needs.mediaClass !== undefined && caps.classes !== undefined && !caps.classes.includes(needs.mediaClass)) {
    return `it takes no ${needs.mediaClass} copies`;
  }
  const writable = caps.cueTrackModes;
  if (needs.format === 'cue' && needs.trackModes !== undefined && writable !== undefined) {
    const missing = [...new Set(needs.trackModes.filter((m) => !writable.includes(m)))];
    if (missing.length > 0) return `it cannot burn ${missing.join(', ')} CUE tracks (it burns ${writable.join(', ') || 'none'})`;
  }
  if (needs.cdText === true && caps.writesCdText === false) return 'it is not declared to write CD-TEXT ("cdText": true in tower.json)';
  return null;
}

/** Whether a drive that declares `caps` can take a copy that `needs`. */
export function driveTakes(caps: DriveCapabilities, needs: CopyNeeds): boolean {
  return whyDriveCannotTake(caps, needs) === null;
}

/**
 * The error codes of a copy refused before anything was written, for its
 * media or the drive's capabilities (`CD_TEXT_NOT_DECLARED`: a TOC with
 * CD-TEXT on a drive not configured as writing it; another drive takes it).
 */
export const MEDIA_REFUSAL_CODES: ReadonlySet<string> = new Set(['WRONG_MEDIA', 'MEDIA_TOO_SMALL', 'CD_TEXT_NOT_DECLARED']);

/** Whether an attempt's error is a refusal of the copy for its media (never a drive fault, never the drive's failed disc). */
export function isMediaRefusal(error: { readonly code: string } | null | undefined): boolean {
  return error !== null && error !== undefined && MEDIA_REFUSAL_CODES.has(error.code);
}
