/**
 * A DiscJuggler CDI image into the library: its footer and descriptor read
 * by the drivers' `readCdi`, the one data track's user data (2048 bytes of
 * each sector: all of a 2048-byte sector, after the sync and header of a
 * raw Mode 1 sector, after the subheader of a Mode 2 one) copied out of
 * it, past its pregap, into the staging folder under the library's size
 * limit, validated as an ISO (or pure UDF) image, and held against iat's
 * own conversion of the same file: the two must have the same SHA-256, or
 * the image is refused. A single session with audio or several tracks
 * becomes a CUE image (track-plan-import.ts), and so does an image with
 * CD-TEXT, whose disc block's packs (v3.5, libmirage's layout: the drivers'
 * cdi-image.ts) go into a cdrdao TOC file beside the BIN/CUE
 * (source-cd-text.ts); several sessions (a Dreamcast's audio session and
 * data session) are refused, saying so.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { CdiImage, CdiTrack, PlannedTrack } from 'node-cdrecord-wrapper';
import { CD_TEXT_PACK, cdiUserDataOffset, readCdi } from 'node-cdrecord-wrapper';
import { ConversionTooLargeError, fromImageReadError, ImageConversionError } from './errors.js';
import type { ByteBudget } from './hashing-copy.js';
import { copyAndHash, hashFile } from './hashing-copy.js';
import type { ConversionOptions } from './conversion-source.js';
import { keepSource } from './conversion-source.js';
import type { StagedFile, StagedImage, Staging } from './image-intake.js';
import { finalNames } from './image-intake.js';
import type { ConversionProof } from './image-record.js';
import { confirmWithIat } from './iat-proof.js';
import { validateImageFile } from './image-validator.js';
import { addCdTextToc, decodeSourceCdText } from './source-cd-text.js';
import { stagePlannedCue } from './track-plan-import.js';

const CUE_MODE: Readonly<Record<string, string>> = { '0/2352': 'AUDIO', '1/2048': 'MODE1/2048', '1/2352': 'MODE1/2352', '2/2048': 'MODE2/2048', '2/2336': 'MODE2/2336', '2/2352': 'MODE2/2352' };

/**
 * Several tracks or audio in one session: a CUE image of one BIN per track
 * (track-plan-import.ts), each track's sectors as the CDI holds them, a
 * later track's pregap as its INDEX 00.
 */
async function stageCdiTracks(staging: Staging, id: string, source: string, cdi: CdiImage, sourceName: string, options: ConversionOptions): Promise<StagedImage> {
  const tracks: PlannedTrack[] = cdi.tracks.map((t, i) => ({
    number: i + 1,
    mode: CUE_MODE[`${t.mode}/${t.sectorBytes}`] ?? `Mode ${t.mode}/${t.sectorBytes}`,
    source,
    pregapOffset: i === 0 ? t.dataStart : t.fileOffset,
    start: t.dataStart,
    end: t.dataStart + t.sectors * t.sectorBytes,
  }));
  const what = `CDI image ${sourceName}`;
  const text = cdi.cdText ? decodeSourceCdText({ packs: cdi.cdText, packBytes: CD_TEXT_PACK }, tracks.length) : undefined;
  const planned = await stagePlannedCue(staging, id, what, tracks, options);
  const withText = text ? await addCdTextToc(staging, id, planned.staged, text, what, options.signal) : undefined;
  const staged = withText?.staged ?? planned.staged;
  const proof = withText ? `${planned.proof}; the disc block's ${withText.proof} (each pack's CRC checked)` : planned.proof;
  const kept = options.keepOriginal ? await keepSource(staging, source, `${finalNames(id).cue.replace(/\.cue$/, '')}.cdi`, options.movable === true) : undefined;
  const whole = kept ?? (await hashFile(source));
  const conversion: ConversionProof = {
    from: 'cdi',
    sourceSha256: whole.sha256,
    sourceBytes: whole.bytes,
    command: ['copy', sourceName, `${tracks.length} track(s)`],
    proof: `DiscJuggler CDI v${cdi.version}: ${proof}`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  return { ...staged, files: kept ? [...staged.files, kept] : staged.files, conversion };
}

/** The user data of `track`'s sectors, 2048 bytes of each, read 256 sectors at a time. */
function userData(file: string, track: CdiTrack, skip: number): Readable {
  if (track.sectorBytes === 2048) return createReadStream(file, { start: track.dataStart, end: track.dataStart + track.sectors * 2048 - 1 });
  return Readable.from((async function* sectors(): AsyncGenerator<Buffer> {
    const handle = await open(file, 'r');
    try {
      const batch = 256;
      const raw = Buffer.alloc(batch * track.sectorBytes);
      for (let s = 0; s < track.sectors; s += batch) {
        const n = Math.min(batch, track.sectors - s);
        const { bytesRead } = await handle.read(raw, 0, n * track.sectorBytes, track.dataStart + s * track.sectorBytes);
        if (bytesRead !== n * track.sectorBytes) throw new ImageConversionError(`CDI track ${track.number} ends early, at sector ${s}`);
        const out = Buffer.alloc(n * 2048);
        for (let i = 0; i < n; i++) raw.copy(out, i * 2048, i * track.sectorBytes + skip, i * track.sectorBytes + skip + 2048);
        yield out;
      }
    } finally {
      await handle.close();
    }
  })());
}

/**
 * Stage the CDI image `source` as an ISO. Refusals: `ImageConversionError`
 * for a broken footer or descriptor, a track table the library does not
 * convert, or iat disagreeing; `ConversionTooLargeError` over the limit;
 * then the ISO's own validation.
 */
export async function stageCdi(staging: Staging, id: string, source: string, options: ConversionOptions): Promise<StagedImage> {
  const cdi = await readCdi(source).catch((err: unknown) => {
    throw fromImageReadError(err);
  });
  const track = cdi.tracks[0];
  const skip = track ? cdiUserDataOffset(track) : null;
  const sourceName = options.sourceName ?? path.basename(source);
  if (cdi.cdText || cdi.tracks.length !== 1 || !track || skip === null || track.sectors === 0) {
    const list = cdi.tracks.map((t) => `${t.number} ${t.mode === 0 ? 'audio' : `Mode ${t.mode}`}/${t.sectorBytes} (session ${t.session})`).join(', ');
    if (cdi.sessions !== 1 || cdi.tracks.some((t) => t.sectors === 0)) {
      throw new ImageConversionError(`CDI image with ${cdi.sessions} session(s), track(s) ${list}: a CUE sheet holds one session, so only single-session images (one data track, or several tracks) are converted`);
    }
    return stageCdiTracks(staging, id, source, cdi, sourceName, options);
  }
  const bytes = track.sectors * 2048;
  if (bytes > options.limitBytes) {
    throw new ConversionTooLargeError(`CDI image ${sourceName}: its data track holds ${bytes} bytes, more than the library's limit of ${options.limitBytes}`);
  }
  const names = finalNames(id);
  const dest = staging.file(names.iso);
  const budget: ByteBudget = { limitBytes: options.limitBytes, usedBytes: 0 };
  const copy = await copyAndHash(userData(source, track, skip), dest, { budget });
  const validated = await validateImageFile(dest, { expectFormat: 'iso' });
  options.precheck?.(validated);
  // iat's reading of the same file, for the proof.
  await confirmWithIat(staging, source, copy, `CDI image ${sourceName}`, options.signal);
  const kept = options.keepOriginal ? await keepSource(staging, source, `${names.iso.replace(/\.iso$/, '')}.cdi`, options.movable === true) : undefined;
  const whole = kept ?? (await hashFile(source));
  const mode = `Mode ${track.mode}/${track.sectorBytes}`;
  const conversion: ConversionProof = {
    from: 'cdi',
    sourceSha256: whole.sha256,
    sourceBytes: whole.bytes,
    command: ['iat', sourceName, 'iat.iso'],
    proof: `DiscJuggler CDI v${cdi.version}: track 1 (${mode}, ${track.sectors} sectors after a pregap of ${track.pregapSectors}) at byte ${track.dataStart}, its user data copied out by the library; iat's own conversion has the same SHA-256; then the image read and validated`,
    ...(kept ? { keptSource: kept.finalName } : {}),
  };
  const iso: StagedFile = { staged: dest, finalName: names.iso, role: 'iso', bytes: copy.bytes, sha256: copy.sha256 };
  return { files: kept ? [iso, kept] : [iso], imageFile: names.iso, validated, sha256: copy.sha256, conversion };
}
