/**
 * The CSP hash sources (`'sha256-…'`) of the inline `<script>` elements of
 * the HTML files of a folder: what a strict `script-src` must list for a
 * static export (Next.js inlines its bootstrap and flight data) to run
 * without `'unsafe-inline'`.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

// A script element's attributes and raw text (script content is raw text: no entities, ends at the first `</script`).
const SCRIPT = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
const HAS_SRC = /(?:^|\s)src\s*=/i;

/** Hash sources of the inline scripts of one HTML document, in document order. */
export function inlineScriptHashesOf(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(SCRIPT)) {
    const [, attributes = '', text = ''] = m;
    if (HAS_SRC.test(attributes)) continue;
    out.push(`'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`);
  }
  return out;
}

/** Distinct hash sources of the inline scripts of every `.html` file under `dir` (sorted). */
export function inlineScriptHashes(dir: string): string[] {
  const hashes = new Set<string>();
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, rel);
    if (!rel.endsWith('.html') || !statSync(file).isFile()) continue;
    for (const h of inlineScriptHashesOf(readFileSync(file, 'utf8'))) hashes.add(h);
  }
  return [...hashes].sort();
}
