/**
 * The drive contract suite: one set of behaviours every backend must show.
 * Run against the simulated drive, cdrskin pseudo drives, and a real drive
 * when TEST_DRIVE is set.
 */
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BurnImage, BurnPhase, BurnProgress, Drive, DriveEvent, DriveKind } from '../../src/drive-contract.js';
import {
  CancelledError,
  DriveBusyError,
  DriveError,
  ImageError,
  MediaTooSmallError,
  VerifyMismatchError,
  WrongMediaError,
} from '../../src/errors.js';
import { SECTOR_BYTES } from '../../src/media.js';
import { verifyDisc } from '../../src/verify.js';
import { makeIso, makeTempDir } from '../support/test-images.js';

export interface ContractDrive {
  readonly drive: Drive;
  /** Put a fresh blank disc in (or make the target blank again). */
  readonly reloadBlank: () => Promise<void>;
  readonly cleanup: () => Promise<void>;
}

export interface DriveContractHarness {
  readonly kind: DriveKind;
  /** A drive holding a blank disc. `slow` asks for one whose burns take seconds (for cancelling). */
  readonly open: (workDir: string, options: { slow: boolean }) => Promise<ContractDrive>;
  /** Options that make a burn of a few MB take several seconds on a `slow` drive. */
  readonly slowBurn: { readonly speed?: number };
  /** Whether eject takes the disc away (a tray), so media() then says `none`. */
  readonly ejectRemovesDisc: boolean;
  /**
   * Whether load brings the ejected disc back (a tray closing on it: a real
   * drive, a simulated one without an auto-loader). A drive whose loader
   * takes the ejected disc closes empty. Ignored unless `ejectRemovesDisc`.
   */
  readonly loadReturnsDisc?: boolean;
  /**
   * Whether the backend declares media events (`features.watchesMedia`). Its `watch()` must then report the
   * disc coming back into the empty drive when the tray closes on it (needs `ejectRemovesDisc` and `loadReturnsDisc`).
   */
  readonly watchesMedia?: boolean;
  /** Whether a burn may corrupt data in flight and verification be forced to fail (fault injection). */
  readonly corruptNextBurn?: (drive: Drive, sector: number) => void;
}

function isoImage(file: string): BurnImage {
  const size = statSync(file).size;
  return { format: 'iso', path: file, sizeBytes: size, sectors: Math.ceil(size / SECTOR_BYTES) };
}

async function readAll(drive: Drive, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of drive.read(length) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Register the contract tests for one backend. */
export function describeDriveContract(name: string, harness: DriveContractHarness): void {
  describe(`drive contract: ${name}`, () => {
    let work: ReturnType<typeof makeTempDir>;
    let iso: string;
    let slowIso: string;
    let current: ContractDrive | undefined;

    beforeAll(() => {
      work = makeTempDir('contract-');
      iso = makeIso(work.dir, { payloadBytes: 3 * 1024 * 1024 + 4096 });
      slowIso = makeIso(work.dir, { name: 'slow.iso', payloadBytes: 20 * 1024 * 1024 });
    });
    afterAll(() => work.cleanup());
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });

    async function open(slow = false): Promise<Drive> {
      current = await harness.open(work.dir, { slow });
      return current.drive;
    }

    it('describes itself', async () => {
      const drive = await open();
      const info = await drive.info();
      expect(info.address).toBe(drive.address);
      expect(info.kind).toBe(harness.kind);
      expect(drive.kind).toBe(harness.kind);
      expect(info.stableId.length).toBeGreaterThan(0);
      expect(typeof info.vendor).toBe('string');
      expect(typeof info.model).toBe('string');
      expect(info.writes.length).toBeGreaterThan(0);
    });

    it('reports a blank disc with room for the image', async () => {
      const drive = await open();
      const media = await drive.media();
      expect(media.status).toBe('blank');
      expect(media.type).not.toBeNull();
      expect(media.freeSectors).toBeGreaterThan(isoImage(iso).sectors);
      expect(media.capacitySectors).toBeGreaterThanOrEqual(media.freeSectors);
    });

    it('burns an image with progress, and reads back exactly what it wrote', async () => {
      const drive = await open();
      const image = isoImage(iso);
      const progress: BurnProgress[] = [];
      const result = await drive.burn(image, { onProgress: (p) => progress.push(p) });
      expect(result.dummy).toBe(false);
      expect(result.bytesWritten).toBeGreaterThanOrEqual(image.sizeBytes);
      expect(progress.length).toBeGreaterThan(0);
      const writing = progress.filter((p) => p.phase === 'writing');
      expect(writing.length).toBeGreaterThan(0);
      // Phases come in order (preparing, writing, fixating) and never go back.
      const order: readonly BurnPhase[] = ['preparing', 'writing', 'fixating'];
      for (let i = 1; i < progress.length; i++) {
        expect(order.indexOf(progress[i]!.phase)).toBeGreaterThanOrEqual(order.indexOf(progress[i - 1]!.phase));
      }
      for (const p of progress.filter((q) => q.phase === 'fixating')) expect(p.speedX).toBe(0);
      if (result.writeMode !== undefined) expect(['sao', 'tao']).toContain(result.writeMode);
      for (let i = 1; i < writing.length; i++) {
        expect(writing[i]!.bytesWritten).toBeGreaterThanOrEqual(writing[i - 1]!.bytesWritten);
      }
      for (const p of progress) {
        expect(p.bytesTotal).toBe(image.sizeBytes);
        expect(p.bytesWritten).toBeLessThanOrEqual(image.sizeBytes);
        expect(p.speedX).toBeGreaterThanOrEqual(0);
        expect(p.speedMBps).toBeGreaterThanOrEqual(0);
      }
      const back = await readAll(drive, image.sizeBytes);
      expect(back.length).toBe(image.sizeBytes);
      expect(back.equals(await readFile(iso))).toBe(true);
      const verified = await verifyDisc(drive, { path: iso, sizeBytes: image.sizeBytes });
      expect(verified.bytes).toBe(image.sizeBytes);
    });

    it('does not record anything on a test (dummy) burn, or refuses it where the media has no test mode', async () => {
      const drive = await open();
      const media = await drive.media();
      // MMC has no test-write mode for DVD+R/+RW or BD: such a request is refused before writing.
      const testable = media.type === null || !/^(DVD\+R|BD-R)/.test(media.type);
      const result = await drive.burn(isoImage(iso), { dummy: true }).catch((e: unknown) => e);
      if (testable) expect((result as { dummy?: boolean }).dummy).toBe(true);
      else expect(result).toBeInstanceOf(WrongMediaError);
      expect((await drive.media()).status).toBe('blank');
    });

    it('refuses a missing image before writing', async () => {
      const drive = await open();
      const missing: BurnImage = { format: 'iso', path: path.join(work.dir, 'nope.iso'), sizeBytes: 4096, sectors: 2 };
      await expect(drive.burn(missing, {})).rejects.toBeInstanceOf(ImageError);
      expect((await drive.media()).status).toBe('blank');
    });

    it('refuses an image larger than the disc before writing', async () => {
      const drive = await open();
      const media = await drive.media();
      const big = path.join(work.dir, `too-big-${harness.kind}.iso`);
      writeFileSync(big, '');
      truncateSync(big, (media.freeSectors + 16) * SECTOR_BYTES);
      const err: unknown = await drive.burn(isoImage(big), {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MediaTooSmallError);
      expect((err as MediaTooSmallError).availableSectors).toBeLessThan((err as MediaTooSmallError).neededSectors);
      expect((await drive.media()).status).toBe('blank');
    });

    it('cancels a burn in progress with CancelledError', async () => {
      const drive = await open(true);
      const controller = new AbortController();
      const burning = drive.burn(
        isoImage(slowIso),
        { ...harness.slowBurn, onProgress: (p) => p.phase === 'writing' && controller.abort() },
        controller.signal,
      );
      const err = await burning.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
    });

    it('refuses a second operation while burning', async () => {
      const drive = await open(true);
      const controller = new AbortController();
      // The second burn is tried once the first is writing (its progress says so), not after a guessed delay.
      let writing!: () => void;
      const isWriting = new Promise<void>((resolve) => (writing = resolve));
      const first = drive.burn(isoImage(slowIso), { ...harness.slowBurn, onProgress: (p) => p.phase === 'writing' && writing() }, controller.signal)
        .catch((e: unknown) => e);
      let second: unknown;
      await Promise.race([isWriting, first]);
      try {
        await drive.burn(isoImage(iso), {});
      } catch (e) {
        second = e;
      } finally {
        controller.abort();
      }
      expect(second).toBeInstanceOf(DriveBusyError);
      expect(await first).toBeInstanceOf(DriveError);
    });

    it('fails a read that is cancelled', async () => {
      const drive = await open();
      await drive.burn(isoImage(iso), {});
      const controller = new AbortController();
      controller.abort();
      const err = await (async () => {
        for await (const _chunk of drive.read(isoImage(iso).sizeBytes, { signal: controller.signal }) as AsyncIterable<Buffer>) {
          // drain
        }
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CancelledError);
    });

    it('ejects and loads: the disc is gone while the tray is open, and back after', async () => {
      const drive = await open();
      const before = await drive.media();
      expect(before.status).toBe('blank');
      await drive.eject();
      if (harness.ejectRemovesDisc) expect((await drive.media()).status).toBe('none');
      await drive.load();
      const after = await drive.media();
      if (harness.ejectRemovesDisc && harness.loadReturnsDisc !== true) {
        expect(after.status).toBe('none');
      } else {
        expect(after.status).toBe('blank');
        expect(after.type).toBe(before.type);
      }
    });

    it('declares media events exactly when it reports them through watch()', async () => {
      const drive = await open();
      expect(drive.features?.watchesMedia === true).toBe(harness.watchesMedia === true);
      if (drive.features?.watchesMedia === true) expect(typeof drive.watch).toBe('function');
    });

    if (harness.watchesMedia === true && harness.ejectRemovesDisc && harness.loadReturnsDisc === true) {
      it('watch() reports a disc coming into the empty drive as the tray closes on it', async () => {
        const drive = await open();
        const watch = drive.watch?.bind(drive);
        if (watch === undefined) throw new Error('the drive declares media events but has no watch()');
        await drive.eject();
        expect((await drive.media()).status).toBe('none');
        const events: DriveEvent[] = [];
        let first: () => void = () => undefined;
        const arrived = new Promise<void>((resolve) => {
          first = resolve;
        });
        const stop = watch((event) => {
          events.push(event);
          first();
        });
        // A tray closing on a disc is seen within a second or two on a real drive; ten leave room for a slow host.
        const waitMs = 10_000;
        let timer: NodeJS.Timeout | undefined;
        try {
          await drive.load();
          // The bound catches a watch that reports nothing; a disc still spinning up is then waited for.
          await Promise.race([arrived, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
          expect(events.length, `no media-change event within ${waitMs} ms of the tray closing`).toBeGreaterThan(0);
          expect(events[0]?.kind).toBe('media-change');
          const deadline = Date.now() + waitMs;
          let media = await drive.media();
          while (media.status !== 'blank' && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 200));
            media = await drive.media();
          }
          expect(media.status).toBe('blank');
        } finally {
          clearTimeout(timer);
          stop();
        }
      });
    }

    if (harness.corruptNextBurn) {
      const corrupt = harness.corruptNextBurn;
      it('reports the first differing sector when the disc does not match', async () => {
        const drive = await open();
        corrupt(drive, 700);
        const image = isoImage(iso);
        await drive.burn(image, {});
        const err = await verifyDisc(drive, { path: iso, sizeBytes: image.sizeBytes }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(VerifyMismatchError);
        expect((err as VerifyMismatchError).firstDifferingSector).toBe(700);
      });
    }
  });
}
