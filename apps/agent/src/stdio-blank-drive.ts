/**
 * A `stdio:` pseudo drive as the run engine sees it: a file that always
 * holds a blank disc of one media type. cdrskin overwrites the file at each
 * burn and "ejecting" leaves it in place, so the same file is reused for the
 * next copy. The capacity is the media type's, capped by the free space of
 * the file's filesystem.
 */
import type { Readable } from 'node:stream';
import { MEDIA_SIZES, mediaClassOf } from 'node-cdrecord-wrapper';
import type {
  BurnImage, BurnOptions, BurnResult, Drive, DriveInfo, MediaStatus, MediaType, ReadOptions,
} from 'node-cdrecord-wrapper';

/** Wraps a `stdio:` drive so it reports a blank `media` disc whenever its target is usable. */
export class StdioBlankDrive implements Drive {
  readonly address: string;
  readonly kind: Drive['kind'];
  readonly #inner: Drive;
  readonly #media: MediaType;
  readonly #nominalSectors: number;
  readonly #holding: () => boolean;

  /** `holding`: the drive's output bin could not move the last disc out yet (`StdioOutputBin.holding`): the file is then a written disc. */
  constructor(inner: Drive, media: MediaType, holding: () => boolean = () => false) {
    this.#inner = inner;
    this.#media = media;
    this.#holding = holding;
    this.address = inner.address;
    this.kind = inner.kind;
    const cls = mediaClassOf(media);
    const sizes = MEDIA_SIZES.filter((m) => m.mediaClass === cls).map((m) => m.sectors);
    this.#nominalSectors = sizes.length > 0 ? Math.max(...sizes) : Number.MAX_SAFE_INTEGER;
  }

  /** The pseudo drive itself, reporting what its file holds (for mastering). */
  get inner(): Drive {
    return this.#inner;
  }

  info(signal?: AbortSignal): Promise<DriveInfo> {
    return this.#inner.info(signal);
  }

  /** A blank `media` disc (a written one while its output bin holds it); errors of the target (its folder gone) pass through. */
  async media(signal?: AbortSignal): Promise<MediaStatus> {
    const real = await this.#inner.media(signal);
    // A written target's capacity is the free space of its filesystem plus its own size: it is overwritten.
    const sectors = Math.min(real.capacitySectors, this.#nominalSectors);
    if (this.#holding()) return { status: 'complete', type: this.#media, rewritable: true, capacitySectors: sectors, usedSectors: sectors, freeSectors: 0 };
    return { status: 'blank', type: this.#media, rewritable: true, capacitySectors: sectors, usedSectors: 0, freeSectors: sectors };
  }

  burn(image: BurnImage, options: BurnOptions, signal?: AbortSignal): Promise<BurnResult> {
    return this.#inner.burn(image, options, signal);
  }

  read(length: number, options?: ReadOptions): Readable {
    return this.#inner.read(length, options);
  }

  eject(signal?: AbortSignal): Promise<void> {
    return this.#inner.eject(signal);
  }

  load(signal?: AbortSignal): Promise<void> {
    return this.#inner.load(signal);
  }

  blank(mode: 'fast' | 'all', signal?: AbortSignal): Promise<void> {
    return this.#inner.blank(mode, signal);
  }
}
