/**
 * Collated sets: a run of K sets of M images (disc 1 of 3, 2 of 3, 3 of 3)
 * has K×M copy slots. Slot s is set ⌈s/M⌉, disc ((s-1) mod M)+1, and burns
 * that disc's image. The exactly-N rule stays per slot, so the run completes
 * exactly when all K sets are complete, each disc counted once, and a failed
 * disc's slot is burned again (its replacement job included) with the same
 * image.
 *
 * The run stores its set's images compactly (one JSON field); a slot's image
 * and position are worked out wherever a copy job is made (`slotJob`). Which
 * drive burns which disc (a set's discs together, in order, on drives with an
 * auto-loader) is set-routing.ts's.
 */
import type { RunImage } from './run-image.js';

/** Most discs in one set. */
export const MAX_SET_DISCS = 99;

/** A run's set: its discs' images in order (disc 1 is also the run's `image`). */
export interface RunSet {
  /** M: discs per set. */
  readonly discs: number;
  readonly images: readonly RunImage[];
  /** The library images of the discs, in order, when they came from the library. */
  readonly imageIds?: readonly string[];
}

/** Where one copy slot stands in a set run: set `set` (1..K), disc `disc` of `discs`. */
export interface SetPosition {
  readonly set: number;
  readonly disc: number;
  readonly discs: number;
}

/** The position of copy slot `copy` (1-based) in a run of sets of `discs` discs. */
export function setPositionOf(discs: number, copy: number): SetPosition {
  return { set: Math.ceil(copy / discs), disc: ((copy - 1) % discs) + 1, discs };
}

/** The copy slot of disc `disc` of set `set`. */
export function slotOf(discs: number, set: number, disc: number): number {
  return (set - 1) * discs + disc;
}

/** What an operator reads for a slot's disc: `set 2 · disc 1/3`. */
export function setLabel(p: SetPosition): string {
  return `set ${p.set} · disc ${p.disc}/${p.discs}`;
}

/** What copy slot `copy` of a set run burns: its disc's image and its position. */
export function setSlotOf(set: RunSet, copy: number): { image: RunImage; set: SetPosition } {
  const position = setPositionOf(set.discs, copy);
  const image = set.images[position.disc - 1] ?? set.images[0];
  if (image === undefined) throw new Error('a set run without images');
  return { image, set: position };
}

/** The lowest disc of `set` whose slot has not passed (`discs + 1` once the set is complete). */
export function nextDisc(discs: number, set: number, passed: ReadonlySet<number>): number {
  for (let d = 1; d <= discs; d++) if (!passed.has(slotOf(discs, set, d))) return d;
  return discs + 1;
}

/** Complete sets: those all of whose slots passed. */
export function setsDone(discs: number, sets: number, passedSlots: Iterable<number>): number {
  const perSet = new Map<number, number>();
  for (const slot of passedSlots) {
    if (!Number.isSafeInteger(slot) || slot < 1 || slot > sets * discs) continue;
    const s = Math.ceil(slot / discs);
    perSet.set(s, (perSet.get(s) ?? 0) + 1);
  }
  let done = 0;
  for (const n of perSet.values()) if (n === discs) done++;
  return done;
}

/** A stored run's set, when its field holds one. */
export function parseRunSet(v: unknown): RunSet | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const s = v as RunSet;
  if (!Number.isSafeInteger(s.discs) || s.discs < 1 || !Array.isArray(s.images) || s.images.length !== s.discs) return undefined;
  if (!s.images.every((i) => typeof i === 'object' && i !== null && typeof i.path === 'string' && typeof i.sha256 === 'string')) return undefined;
  return s;
}

/** How a run asks for a set (`CreateRunInput.set`): its discs' images in order; the run's `copies` then counts sets. */
export interface SetRequest<I = RunImage> {
  readonly images: readonly I[];
  /** The library images of the discs, in the same order (the run holds each while unfinished). */
  readonly imageIds?: readonly string[];
}

/** A set request that cannot be planned: the field at fault and why. */
export class SetProblem extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'SetProblem';
  }
}

/**
 * Validate a set request for a run of `sets` sets whose own image is `first`
 * (disc 1's); `checkImage` validates one disc's image for the run's media
 * class (throwing what it throws). Throws `SetProblem`; returns the set to store.
 */
export function planSet<I>(
  req: SetRequest<I>, sets: number, maxSlots: number, first: Pick<RunImage, 'path' | 'sha256'>, checkImage: (image: I, index: number) => RunImage,
): RunSet {
  const { images } = req;
  if (!Array.isArray(images) || images.length === 0) throw new SetProblem('set.images', 'a set needs at least one disc image');
  if (images.length > MAX_SET_DISCS) throw new SetProblem('set.images', `a set has at most ${MAX_SET_DISCS} discs`);
  if (sets * images.length > maxSlots) {
    throw new SetProblem('copies', `${sets} sets of ${images.length} discs is ${sets * images.length} discs; at most ${maxSlots}`);
  }
  const ids = req.imageIds;
  if (ids !== undefined && (!Array.isArray(ids) || ids.length !== images.length || !ids.every((id) => typeof id === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(id)))) {
    throw new SetProblem('set.imageIds', 'set.imageIds are the library ids of the set\'s images, one per disc');
  }
  const planned = images.map((image, i) => checkImage(image, i));
  if (planned[0]?.path !== first.path || planned[0]?.sha256 !== first.sha256) {
    throw new SetProblem('set.images', 'disc 1 of the set is the run\'s image');
  }
  return { discs: planned.length, images: planned, ...(ids === undefined ? {} : { imageIds: [...ids] }) };
}
