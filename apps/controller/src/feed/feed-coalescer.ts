/**
 * FeedCoalescer: turns a stream of full views (one per drive event) into
 * deltas a browser can take (`{ id, ...fieldsChangedSinceTheLastDelta }`).
 *
 * Per id: the first view goes whole; each later view that differs from the
 * last one sent goes at once as the fields that changed; a view equal to it
 * is not sent. Nothing is held or throttled here: progress is throttled once,
 * at its source (each drive's `DriveStatePublisher` in the agent, 250 ms
 * apart), so every tick that reaches the controller is worth showing, and a
 * state change is never delayed behind one.
 */

/** Something with an id. */
export interface Coalescable {
  readonly id: string;
}

/** Coalesces views into deltas (`{ id, ...changedFields }`). */
export class FeedCoalescer<V extends Coalescable> {
  readonly #emit: (delta: Pick<V, 'id'> & Partial<V>) => void;
  /** What the clients hold: the last view a delta was sent for, by id. */
  readonly #sent = new Map<string, V>();

  constructor(emit: (delta: Pick<V, 'id'> & Partial<V>) => void) {
    this.#emit = emit;
  }

  /** The last view of an id as sent (what clients hold), or null. */
  sent(id: string): V | null {
    return this.#sent.get(id) ?? null;
  }

  /** Offer the current full view of an id; its delta goes out now, if it changed anything. */
  push(view: V): void {
    const before = this.#sent.get(view.id);
    const changed = before === undefined ? { ...view } : diff(before, view);
    let any = before === undefined;
    for (const _ in changed) {
      any = true;
      break;
    }
    if (!any) return;
    this.#sent.set(view.id, view);
    const delta = changed as Record<string, unknown>;
    delta.id = view.id;
    this.#emit(delta as Pick<V, 'id'> & Partial<V>);
  }

  /** Forget an id (a drive that went away). */
  forget(id: string): void {
    this.#sent.delete(id);
  }

  /** Forget every id. */
  close(): void {
    this.#sent.clear();
  }
}

/** Fields of `b` that differ from `a` (deep for plain values), `id` excluded; a field `b` lacks is null. */
export function diff<V extends object>(a: V, b: V): Partial<V> {
  const out: Record<string, unknown> = {};
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k in rb) {
    if (k === 'id') continue;
    const x = ra[k];
    const y = rb[k];
    if (x === y) continue;
    if (typeof x === 'object' && typeof y === 'object' && x !== null && y !== null && JSON.stringify(x) === JSON.stringify(y)) continue;
    out[k] = y === undefined ? null : y;
  }
  for (const k in ra) {
    if (k === 'id' || k in rb) continue;
    if (ra[k] !== undefined) out[k] = null;
  }
  return out as Partial<V>;
}
