/**
 * Label templates in Redis: one hash, name → JSON `LabelTemplate`, as run
 * templates are kept (template-store.ts). A save replaces the whole
 * template in one HSET. Validation (`validateLabelTemplate`) happens before
 * a save: a template in the store was valid when it was saved.
 */
import type { Redis } from 'ioredis';
import type { LabelTemplateViewType } from '../shared/label-schemas.js';
import type { LabelKeys } from './label-keys.js';
import { checkLabelTemplate, fillLabelTemplate, LabelTemplateError, SAMPLE_VALUES } from './label-template.js';
import { renderSvgToPdf, ToolError } from './label-render.js';

/** A label template as stored. */
export type LabelTemplate = LabelTemplateViewType;

/**
 * Check a template as a save does: known fields only, nothing outside the
 * document, and it renders (well-formed SVG) with sample values. Returns
 * the fields it uses; throws `LabelTemplateError` for a bad template, and
 * `ToolError` (code `MISSING`) when the renderer is not installed.
 */
export async function validateLabelTemplate(svg: string): Promise<string[]> {
  const fields = checkLabelTemplate(svg);
  if (!/^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/.test(svg)) throw new LabelTemplateError('a label template is an SVG document: it must begin with <svg …>');
  try {
    await renderSvgToPdf(fillLabelTemplate(svg, SAMPLE_VALUES));
  } catch (err) {
    if (err instanceof ToolError && err.code === 'FAILED') {
      throw new LabelTemplateError(`the SVG does not render: ${err.message.replace(/^rsvg-convert failed \(exit \d+\): /, '')}`);
    }
    throw err;
  }
  return fields;
}

/** Reads and writes the label templates of one tower. */
export class LabelTemplateStore {
  constructor(private readonly redis: Redis, private readonly keys: LabelKeys, private readonly now: () => number = Date.now) {}

  /** Every template, by name. */
  async list(): Promise<LabelTemplate[]> {
    const all = await this.redis.hgetall(this.keys.templates());
    return Object.values(all).map(parse).filter((t): t is LabelTemplate => t !== null).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One template, or null. */
  async get(name: string): Promise<LabelTemplate | null> {
    const text = await this.redis.hget(this.keys.templates(), name);
    return text === null ? null : parse(text);
  }

  /** Save (create or replace) a validated template; `created` is false when it replaced one. */
  async save(name: string, t: { svg: string; description?: string; fields: string[] }, by: string): Promise<{ template: LabelTemplate; created: boolean }> {
    const before = await this.get(name);
    const at = this.now();
    const template: LabelTemplate = {
      name, svg: t.svg, ...(t.description === undefined ? {} : { description: t.description }), fields: t.fields,
      createdAt: before?.createdAt ?? at, updatedAt: at, updatedBy: by,
    };
    await this.redis.hset(this.keys.templates(), name, JSON.stringify(template));
    return { template, created: before === null };
  }

  /** Delete a template; false when there was none. */
  async delete(name: string): Promise<boolean> {
    return (await this.redis.hdel(this.keys.templates(), name)) === 1;
  }
}

function parse(text: string): LabelTemplate | null {
  try {
    const t = JSON.parse(text) as LabelTemplate;
    return typeof t.name === 'string' && typeof t.svg === 'string' ? t : null;
  } catch {
    return null;
  }
}
