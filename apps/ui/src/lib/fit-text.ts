'use client';
/**
 * Texts that must be read whole (a tile's state word, a quarantine reason
 * with its error code) are set smaller until they fit their box, never cut
 * or ended with "…". The stylesheet gives the largest size; this shrinks
 * from it in steps. Every element waiting for a fit is done together, a
 * round at a time (all measured, then all resized), so a tower of 256 tiles
 * costs one layout a round, not one per tile. Runs in a microtask after the
 * change that asked for it (a React commit's layout effects all ask before
 * it runs): in the same frame, before its paint. An animation frame
 * callback asked from inside the live store's own (which applies the feed)
 * would run a frame later: a frame shown with the texts unfitted, and the
 * fit's layout in the next frame ahead of the deltas that frame applies.
 *
 * An element is fitted when it is mounted or its text changes, and again
 * when the room changes: the window resizes or the tower's grid asks
 * ({@link refitAll}). A box that does not fit even at the smallest size
 * keeps that size.
 *
 * A fit is remembered by what decides it (the element's class, its text, its
 * box and its stylesheet size): when all 256 drives change state at once,
 * they show a handful of words in boxes of one size, so one measuring pass
 * finds every size and the rounds (each a layout of the whole page) are run
 * for the first tile with a new word only.
 *
 * A text in a box the browser skips (a tile off screen, under CSS
 * `content-visibility: auto`) waits until its box comes on screen: measuring
 * it would make the browser lay out every tile of a big tower, which is what
 * the skipping saves.
 */
import type { RefObject } from 'react';
import { useLayoutEffect, useRef } from 'react';

/** Smallest size a fitted text is set in, px. */
export const MIN_FIT_PX = 11;
const STEP = 0.9;
const MAX_ROUNDS = 12;

const live = new Set<HTMLElement>();
const pending = new Set<HTMLElement>();
/** Texts waiting for their box to come on screen. */
const offscreen = new Set<HTMLElement>();
let scheduled = false;
let listening = false;

function overflows(el: HTMLElement): boolean {
  return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
}

/** The size and wrapping a fit ended with; null when the text fitted at its stylesheet size. */
type FitResult = { readonly px: number; readonly wrapped: boolean } | null;

/** Fits found, by {@link fitKey}. Bounded: cleared when full (a handful of words and boxes in practice). */
const found = new Map<string, FitResult>();
const MAX_FOUND = 2000;

/** What decides a fit, read at the stylesheet size: the same key gives the same result. */
function fitKey(el: HTMLElement, basePx: string): string {
  return `${el.className}|${el.dataset.fitWrap ?? ''}|${el.clientWidth}x${el.clientHeight}|${basePx}|${el.textContent ?? ''}`;
}

function apply(el: HTMLElement, fit: FitResult): void {
  if (fit === null) return;
  if (fit.wrapped) el.style.whiteSpace = 'normal';
  el.style.fontSize = `${fit.px.toFixed(2)}px`;
}

interface Fitting {
  readonly el: HTMLElement;
  readonly key: string;
  /** The size set so far, px (the stylesheet's until a round sets one). */
  px: number;
  readonly wrapAt: number;
  wrapped: boolean;
}

/**
 * Fits every pending element. One pass reads every box at its stylesheet
 * size; an element whose fit is known takes it. The others go round by
 * round, all reads then all writes. A round's size is estimated from how
 * far the text overflows (widths scale with the size; a wrapped text's
 * height about with its square), so most texts fit in two or three rounds.
 * An element with `data-fit-wrap="<px>"` keeps to one line until that size,
 * then may wrap at spaces instead.
 */
export function fitPending(): void {
  scheduled = false;
  const els: HTMLElement[] = [];
  for (const el of pending) {
    if (!el.isConnected) continue;
    // Style only (no layout): false while a content-visibility ancestor skips the box.
    if (el.checkVisibility({ contentVisibilityAuto: true })) els.push(el);
    else offscreen.add(el);
  }
  pending.clear();
  for (const el of els) {
    el.style.removeProperty('font-size');
    el.style.removeProperty('white-space');
  }
  const known: [HTMLElement, FitResult][] = [];
  let todo: Fitting[] = [];
  for (const el of els) {
    const basePx = getComputedStyle(el).fontSize;
    const key = fitKey(el, basePx);
    const fit = found.get(key);
    if (fit !== undefined) known.push([el, fit]);
    else todo.push({ el, key, px: Number.parseFloat(basePx) || 16, wrapAt: Number(el.dataset.fitWrap ?? 0) || 0, wrapped: false });
  }
  const finished: Fitting[] = [];
  for (let round = 0; round < MAX_ROUNDS && todo.length > 0; round += 1) {
    const over: Fitting[] = [];
    for (const t of todo) (overflows(t.el) ? over : finished).push(t);
    const sizes = over.map(({ el, px }) => {
      const ratio = Math.min(el.clientWidth / Math.max(1, el.scrollWidth), Math.sqrt(el.clientHeight / Math.max(1, el.scrollHeight)));
      return px * Math.min(STEP, ratio * 0.98);
    });
    over.forEach((t, i) => {
      const next = sizes[i] ?? t.px * STEP;
      if (!t.wrapped && t.wrapAt > 0 && next < t.wrapAt) {
        // Small enough: rather than smaller still, take a second line.
        t.wrapped = true;
        t.px = Math.min(t.px, t.wrapAt);
        t.el.style.whiteSpace = 'normal';
      } else {
        t.px = Math.max(MIN_FIT_PX, next);
      }
      t.el.style.fontSize = `${t.px.toFixed(2)}px`;
    });
    todo = over.filter((t) => t.px > MIN_FIT_PX);
    finished.push(...over.filter((t) => t.px <= MIN_FIT_PX));
  }
  finished.push(...todo);
  if (found.size + finished.length > MAX_FOUND) found.clear();
  for (const t of finished) found.set(t.key, t.el.style.fontSize === '' ? null : { px: t.px, wrapped: t.wrapped });
  // Last, so the rounds above measured every box as the others left it.
  for (const [el, fit] of known) apply(el, fit);
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(fitPending);
}

/** Fit `el` before the next paint (or when its box comes on screen). */
export function requestFit(el: HTMLElement): void {
  offscreen.delete(el);
  pending.add(el);
  schedule();
}

/** A box came on screen (or left it): fit the texts that waited for it, before it is painted. */
function onVisibilityChange(e: Event): void {
  if ((e as Event & { skipped?: boolean }).skipped !== false || !(e.target instanceof Element) || offscreen.size === 0) return;
  const box = e.target;
  for (const el of offscreen) {
    if (!el.isConnected) offscreen.delete(el);
    else if (box.contains(el)) requestFit(el);
  }
}

/** The room changed (a resize, a new column count): fit every fitted text again. */
export function refitAll(): void {
  for (const el of live) pending.add(el);
  if (pending.size > 0) schedule();
}

function listen(): void {
  if (listening) return;
  listening = true;
  window.addEventListener('resize', refitAll);
  // Not a bubbling event: caught on its way down to the tile.
  document.addEventListener('contentvisibilityautostatechange', onVisibilityChange, { capture: true });
}

/** A ref whose element is set small enough to fit its box whenever `text` changes. */
export function useFitText<T extends HTMLElement>(text: string | null): RefObject<T | null> {
  const ref = useRef<T>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    listen();
    live.add(el);
    requestFit(el);
    return () => {
      live.delete(el);
      pending.delete(el);
      offscreen.delete(el);
    };
  }, [text]);
  return ref;
}
