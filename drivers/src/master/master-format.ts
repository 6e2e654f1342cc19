/**
 * What kind of image a master disc becomes, and which part of it
 * `masterDataDisc` reads.
 */
import type { DiscTrack, MediaStatus } from '../drive-contract.js';
import { NoMediaError, WrongMediaError } from '../errors.js';

/**
 * `iso` for a disc whose recorded tracks are all data tracks in one session
 * (or a disc without a table of contents, whose recorded area is one data
 * track); `bin-cue` for any audio track, or several tracks (mixed mode,
 * multi-track, multi-session), which only a raw copy with its table of
 * contents (`masterAudioDisc`) reproduces. Note that a multi-session data
 * disc gets `bin-cue` too: an ISO of its first track would miss the later
 * sessions.
 */
export function chooseMasterFormat(media: MediaStatus): 'iso' | 'bin-cue' {
  const tracks = media.tracks ?? [];
  if (tracks.some((t) => t.kind === 'audio')) return 'bin-cue';
  if (tracks.length > 1) return 'bin-cue';
  return 'iso';
}

/**
 * The data track `masterDataDisc` reads: the first data track of the table of
 * contents, whole (its `sectors`, run-out excluded, as reported), else, for a
 * backend without a table of contents, the recorded area (`usedSectors` from
 * sector 0). Never the ISO 9660 volume size: hybrid images (appended EFI or
 * HFS partitions, isohybrid MBR tails) are longer than their volume.
 *
 * Throws `NoMediaError` without a disc and `WrongMediaError` for a blank disc
 * or one without a data track.
 */
export function dataTrackToMaster(media: MediaStatus, device: string): DiscTrack {
  if (media.status === 'none') throw new NoMediaError(`${device}: no disc to master`, { device });
  if (media.status === 'blank') throw new WrongMediaError(`${device}: the disc is blank, there is nothing to master`, { device });
  const tracks = media.tracks ?? [];
  if (tracks.length > 0) {
    const data = tracks.find((t) => t.kind === 'data' && t.sectors > 0);
    if (data === undefined) {
      throw new WrongMediaError(`${device}: the disc has no data track (audio CD): master it with masterAudioDisc`, { device });
    }
    return data;
  }
  if (media.usedSectors <= 0) throw new WrongMediaError(`${device}: the disc reports no recorded sectors`, { device });
  return { number: 1, session: 1, kind: 'data', startSector: 0, sectors: media.usedSectors };
}
