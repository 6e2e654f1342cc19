/**
 * A label template's merge fields: which fields a template uses, what a
 * template may contain, and the template filled in with one disc's values
 * (each XML-escaped). Well-formedness is the renderer's to judge
 * (`label-render.ts`, librsvg's XML parser); this module refuses what the
 * renderer would take but a label must not have: unknown or unclosed fields,
 * a DOCTYPE (entities), and references outside the document (files, URLs).
 */

/** The fields every label may use. */
export const LABEL_FIELDS = ['runLabel', 'serial', 'copy', 'copies', 'setPosition', 'date'] as const;

/** One disc's values. A field without a value (not known yet) is filled in empty. */
export interface LabelValues {
  readonly runLabel?: string;
  readonly serial?: string;
  readonly copy?: string;
  readonly copies?: string;
  readonly setPosition?: string;
  readonly date?: string;
  /** Merge-row values, `{{row.<name>}}`. */
  readonly row?: Readonly<Record<string, string>>;
  /** The run's numbered merge values, `{{merge.1}}`..`{{merge.99}}` (a PTBurn job's `MergeField=` lines, in order). */
  readonly merge?: readonly string[];
}

/** Why a template was refused, with where in the SVG. */
export class LabelTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelTemplateError';
  }
}

const FIELD = /\{\{\s*([^{}]*?)\s*\}\}/g;
const ROW_FIELD = /^row\.([A-Za-z0-9_-]{1,64})$/;
const MERGE_FIELD = /^merge\.([1-9][0-9]?)$/;
const KNOWN = new Set<string>(LABEL_FIELDS);

/** Line and column (1-based) of `index` in `text`. */
function where(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return `line ${line} column ${index - before.lastIndexOf('\n')}`;
}

/**
 * The merge fields a template uses, in order of first use. Throws
 * `LabelTemplateError` for an unknown field, a `{{` without its `}}`, a
 * DOCTYPE or a reference to anything outside the document.
 */
export function checkLabelTemplate(svg: string): string[] {
  const doctype = /<!DOCTYPE|<!ENTITY/i.exec(svg);
  if (doctype !== null) throw new LabelTemplateError(`a label template may not have a DOCTYPE or entities (${where(svg, doctype.index)})`);
  // href / xlink:href / url(...) / @import other than in-document (#id) or inline data.
  const ref = /(?:\bhref\s*=\s*["']\s*(?!#|data:)[^"']|url\(\s*["']?\s*(?!#|data:)[^)\s]|@import)/i.exec(svg);
  if (ref !== null) throw new LabelTemplateError(`a label template may only refer to its own parts (#id) or inline data: ${where(svg, ref.index)}`);
  const fields: string[] = [];
  for (const m of svg.matchAll(FIELD)) {
    const name = m[1] ?? '';
    if (!KNOWN.has(name) && !ROW_FIELD.test(name) && !MERGE_FIELD.test(name)) {
      throw new LabelTemplateError(`unknown merge field {{${name.slice(0, 60)}}} at ${where(svg, m.index)}: use ${LABEL_FIELDS.map((f) => `{{${f}}}`).join(', ')}, {{row.<name>}} or {{merge.<n>}} (n 1..99)`);
    }
    if (!fields.includes(name)) fields.push(name);
  }
  const rest = svg.replace(FIELD, '');
  const open = rest.indexOf('{{');
  if (open !== -1) throw new LabelTemplateError(`a merge field is not closed with }} (${where(rest, open)} once the fields before it are taken out)`);
  return fields;
}

/** `text` safe inside XML character data and attribute values. */
export function xmlEscape(text: string): string {
  // Characters XML 1.0 does not allow at all are dropped.
  const allowed = text.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
  return allowed.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** The template with every field replaced by its value (escaped), or by nothing when the value is not known. */
export function fillLabelTemplate(svg: string, values: LabelValues): string {
  return svg.replace(FIELD, (_all, raw: string) => {
    const name = raw.trim();
    const row = ROW_FIELD.exec(name);
    const merge = MERGE_FIELD.exec(name);
    const value = row !== null ? values.row?.[row[1] ?? ''] : merge !== null ? values.merge?.[Number(merge[1]) - 1] : (values as Record<string, string | undefined>)[name];
    return xmlEscape(value ?? '');
  });
}

/** Values that exercise every field (a template is rendered with them when it is saved). */
export const SAMPLE_VALUES: LabelValues = {
  runLabel: 'Sample run', serial: 'SN-000001', copy: '1', copies: '1', setPosition: '1/1', date: '2026-01-01',
};

/** The REJECT label of a failed disc: a fixed template, so a broken label template never stops a reject print. */
export function rejectLabelSvg(): string {
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" width="120mm" height="120mm" viewBox="0 0 120 120">',
    '<circle cx="60" cy="60" r="59" fill="none" stroke="black" stroke-width="1"/>',
    '<text x="60" y="56" font-family="sans-serif" font-size="18" font-weight="bold" text-anchor="middle">REJECT</text>',
    '<text x="60" y="70" font-family="sans-serif" font-size="5" text-anchor="middle">{{runLabel}}</text>',
    '<text x="60" y="78" font-family="sans-serif" font-size="4" text-anchor="middle">{{serial}} {{row.drive}} {{row.reason}}</text>',
    '<text x="60" y="86" font-family="sans-serif" font-size="4" text-anchor="middle">{{date}}</text>',
    '</svg>',
  ].join('\n');
}

/** `{{date}}`: the day a disc passed, `YYYY-MM-DD` in the controller's time zone. */
export function labelDate(at: number): string {
  const d = new Date(at);
  return `${String(d.getFullYear()).padStart(4, '0')}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
