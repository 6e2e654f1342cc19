'use client';
/**
 * Texts that must be read whole (a tile's state word, a quarantine reason
 * with its error code) are set smaller until they fit their box, never cut
 * or ended with "…". The stylesheet gives the largest size; this shrinks
 * from it in steps. Every element waiting for a fit is done together, a
 * round at a time (all measured, then all resized), so a tower of 256 tiles
 * costs one layout a round, not one per tile. Runs before the next paint.
 *
 * An element is fitted when it is mounted or its text changes, and again
 * when the room changes: the window resizes or the tower's grid asks
 * ({@link refitAll}). A box that does not fit even at the smallest size
 * keeps that size.
 */
import type { RefObject } from 'react';
import { useLayoutEffect, useRef } from 'react';

/** Smallest size a fitted text is set in, px. */
export const MIN_FIT_PX = 11;
const STEP = 0.9;
const MAX_ROUNDS = 12;

const live = new Set<HTMLElement>();
const pending = new Set<HTMLElement>();
let frame = 0;
let listening = false;

function overflows(el: HTMLElement): boolean {
  return el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
}

/**
 * Fits every pending element: round by round, all reads then all writes. A
 * round's size is estimated from how far the text overflows (widths scale
 * with the size; a wrapped text's height about with its square), so most
 * texts fit in two or three rounds. An element with `data-fit-wrap="<px>"`
 * keeps to one line until that size, then may wrap at spaces instead.
 */
export function fitPending(): void {
  frame = 0;
  const els = [...pending].filter((el) => el.isConnected);
  pending.clear();
  for (const el of els) {
    el.style.removeProperty('font-size');
    el.style.removeProperty('white-space');
  }
  let todo = els.map((el) => ({ el, px: 0, wrapAt: Number(el.dataset.fitWrap ?? 0) || 0, wrapped: false }));
  for (let round = 0; round < MAX_ROUNDS && todo.length > 0; round += 1) {
    const over = todo.filter((t) => overflows(t.el));
    const sizes = over.map((t) => {
      const { el } = t;
      if (t.px === 0) t.px = Number.parseFloat(getComputedStyle(el).fontSize) || 16;
      const ratio = Math.min(el.clientWidth / Math.max(1, el.scrollWidth), Math.sqrt(el.clientHeight / Math.max(1, el.scrollHeight)));
      return t.px * Math.min(STEP, ratio * 0.98);
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
  }
}

function schedule(): void {
  if (frame === 0) frame = window.requestAnimationFrame(fitPending);
}

/** Fit `el` before the next paint. */
export function requestFit(el: HTMLElement): void {
  pending.add(el);
  schedule();
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
    };
  }, [text]);
  return ref;
}
