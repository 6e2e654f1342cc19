/**
 * Images being built from folders on this controller: each build is checked
 * and measured at once (a refusal answers the request), then written in the
 * background while its progress is kept here, in memory, with the newest
 * finished builds (a restart forgets them; the images stay in the library).
 * One build at a time: a second is refused while one runs (the tools read
 * and write the whole image; two at once only halve each other's speed).
 */
import { randomBytes } from 'node:crypto';
import type { FolderBuildRequest, FolderImageBuilder, ImageRecord } from '../library/index.js';
import type { ImageBuildViewBody } from '../shared/image-build-schemas.js';
import { conflict } from './api-error.js';

/** Finished builds kept for `GET /api/image-builds`. */
const KEEP_FINISHED = 50;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The builds of one controller. */
export class ImageBuilds {
  readonly #builds = new Map<string, Mutable<ImageBuildViewBody>>();
  readonly #running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  #preparing = false;

  constructor(
    private readonly builder: FolderImageBuilder,
    private readonly now: () => number,
    /** Called when a build ends, with its state and the image it made (null when it failed). */
    private readonly onEnd: (build: ImageBuildViewBody, image: ImageRecord | null) => Promise<void> = () => Promise.resolve(),
  ) {}

  /** Check and measure a build, then start it; the refusals of `FolderImageBuilder.prepare` are thrown. */
  async start(request: FolderBuildRequest & { by: string }): Promise<ImageBuildViewBody> {
    if (this.#preparing || this.#running.size > 0) throw conflict('an image is being built: wait until it is done', 'BUILD_BUSY');
    this.#preparing = true;
    const abort = new AbortController();
    try {
      const prepared = await this.builder.prepare(request, abort.signal);
      const id = `bld-${randomBytes(6).toString('hex')}`;
      const build: Mutable<ImageBuildViewBody> = {
        id, folder: request.folder, name: prepared.request.name, joliet: prepared.tool.joliet, rockRidge: prepared.tool.rockRidge, udf: prepared.tool.udf,
        boot: prepared.tool.boot ?? null, media: request.media ?? 'bd-dl', status: 'building', percent: 0, estimatedBytes: prepared.sectors * 2048,
        imageId: null, error: null, by: request.by, startedAt: this.now(), endedAt: null,
      };
      this.#builds.set(id, build);
      const done = this.builder.build(prepared, { signal: abort.signal, onProgress: (p) => { build.percent = Math.max(build.percent, p); } })
        .then(
          (image) => this.#end(build, image, null),
          (err: unknown) => this.#end(build, null, err),
        );
      this.#running.set(id, { abort, done });
      return { ...build };
    } finally {
      this.#preparing = false;
    }
  }

  async #end(build: Mutable<ImageBuildViewBody>, image: ImageRecord | null, err: unknown): Promise<void> {
    Object.assign(build, {
      status: image ? 'done' : 'failed', endedAt: this.now(), imageId: image?.id ?? null,
      ...(image ? { percent: 100 } : {}),
      error: err === null ? null : { code: (err as { code?: unknown }).code?.toString() ?? 'IMAGE_BUILD_FAILED', message: (err as Error).message ?? String(err) },
    });
    this.#running.delete(build.id);
    this.#trim();
    await this.onEnd({ ...build }, image).catch(() => undefined);
  }

  #trim(): void {
    const finished = [...this.#builds.values()].filter((b) => b.status !== 'building').sort((a, b) => b.startedAt - a.startedAt);
    for (const old of finished.slice(KEEP_FINISHED)) this.#builds.delete(old.id);
  }

  /** One build, or null. */
  get(id: string): ImageBuildViewBody | null {
    const build = this.#builds.get(id);
    return build ? { ...build } : null;
  }

  /** Every build kept, newest first. */
  list(): ImageBuildViewBody[] {
    return [...this.#builds.values()].sort((a, b) => b.startedAt - a.startedAt).map((b) => ({ ...b }));
  }

  /** Stop the running builds (their tools are killed; nothing is kept) and wait for them. */
  async close(): Promise<void> {
    const running = [...this.#running.values()];
    for (const r of running) r.abort.abort();
    await Promise.all(running.map((r) => r.done));
  }
}
