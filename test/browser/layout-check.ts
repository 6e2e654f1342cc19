/**
 * What a screen must not do at any width: scroll sideways, or cut a state
 * word, a name or a count. Measured in the page (a script string, not a
 * function: vitest's transform would put helpers into a serialised one).
 */
import type { Page } from 'playwright-core';

/** Elements whose whole text must be visible: state words, names, counts, badges, the clock. */
export const WORDS = [
  '.tile-word', '.tile-label', '.tile-media', '.tile-counts', '.tile-pct', '.tile-fix', '.tile-instruction', '.tile-code',
  '.run-status', '.run-counts dt', '.run-counts dd', '.run-head h2', '.run-head h3', '.chip-counts',
  '.live-dot', '.wall-title', '.wall-stat', '.wall-clock', '.agent-head', '.sound-notice',
  '.nav-link', '.brand', '.who', 'h1', '.btn', '.kv dt', '.kv dd', '.banner',
] as const;

const CHECK = `(async (selectors) => {
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  // Texts are fitted to their boxes before a paint, those off screen when they come on screen:
  // scroll through the page as a reader would, letting two frames pass at each screen.
  const start = window.scrollY;
  await frames();
  for (let y = 0; y < document.documentElement.scrollHeight; y += window.innerHeight) {
    window.scrollTo(0, y);
    await frames();
  }
  window.scrollTo(0, start);
  await frames();
  const style = document.createElement('style');
  // Tiles off screen are not laid out (content-visibility: auto): lay every one out to measure it (each was on screen above).
  style.textContent = '.tile { content-visibility: visible !important; }';
  document.head.appendChild(style);
  try {
    const root = document.documentElement;
    const vw = root.clientWidth;
    const out = [];
    const name = (el) => {
      const cls = typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
      return el.tagName.toLowerCase() + cls + ' "' + (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60) + '"';
    };
    const inScroller = (el) => {
      for (let a = el.parentElement; a && a !== root; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;
      return false;
    };
    const docW = Math.max(root.scrollWidth, document.body.scrollWidth);
    if (docW > vw + 1) {
      const wide = [...document.querySelectorAll('body *')]
        .map((el) => [el, el.getBoundingClientRect()])
        .filter(([el, r]) => r.width > 0 && r.right > vw + 1 && !inScroller(el))
        .sort((a, b) => b[1].right - a[1].right)
        .slice(0, 3)
        .map(([el, r]) => name(el) + ' reaches ' + Math.round(r.right) + ' px');
      out.push('the page is ' + docW + ' px wide in a ' + vw + ' px viewport: ' + wide.join('; '));
    }
    for (const sel of selectors) {
      for (const el of document.querySelectorAll(sel)) {
        const cs = getComputedStyle(el);
        if (cs.visibility === 'hidden' || el.closest('.visually-hidden') || !(el.textContent || '').trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(el);
        const t = range.getBoundingClientRect();
        if (t.width === 0 && t.height === 0) continue; // not rendered (display: none here or above)
        const box = cs.display !== 'inline' && cs.display !== 'contents';
        if (box && el.scrollWidth > el.clientWidth + 1) { out.push(name(el) + ' is cut: ' + el.scrollWidth + ' px of text in ' + el.clientWidth + ' px'); continue; }
        if (box && cs.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 1) { out.push(name(el) + ' is cut: ' + el.scrollHeight + ' px high in ' + el.clientHeight + ' px'); continue; }
        let left = 0, right = vw, top = -Infinity, bottom = Infinity, by = 'the viewport';
        for (let a = el.parentElement; a && a !== root; a = a.parentElement) {
          const s = getComputedStyle(a);
          if (s.overflowX === 'visible' && s.overflowY === 'visible' && !/paint|strict|content/.test(s.contain)) continue;
          const r = a.getBoundingClientRect();
          const l = r.left + a.clientLeft, tp = r.top + a.clientTop;
          if (l > left) { left = l; by = name(a); }
          if (l + a.clientWidth < right) { right = l + a.clientWidth; by = name(a); }
          if (tp > top) top = tp;
          if (tp + a.clientHeight < bottom) bottom = tp + a.clientHeight;
        }
        if (t.left < left - 1 || t.right > right + 1) out.push(name(el) + ' is cut sideways by ' + by + ' (text ' + Math.round(t.left) + '..' + Math.round(t.right) + ' px, room ' + Math.round(left) + '..' + Math.round(right) + ' px)');
        else if (t.top < top - 1 || t.bottom > bottom + 1) out.push(name(el) + ' is cut at the top or bottom (text ' + Math.round(t.top) + '..' + Math.round(t.bottom) + ' px, room ' + Math.round(top) + '..' + Math.round(bottom) + ' px)');
      }
    }
    return out;
  } finally {
    style.remove();
  }
})`;

/** Everything on the page that is cut or wider than the viewport, in words; empty when none. */
export async function layoutProblems(page: Page, selectors: readonly string[] = WORDS): Promise<string[]> {
  return (await page.evaluate(`${CHECK}(${JSON.stringify(selectors)})`)) as string[];
}
