/**
 * TypeBox schemas of disc labels: a label template as a client saves it
 * (`PUT /api/labels/templates/:name`) and reads it back, and one entry of
 * the print log (`GET /api/labels/prints`): each try at printing a disc's
 * label (or a failed disc's REJECT label) on the configured CUPS queue.
 */
import { Type } from 'typebox';
import type { ApiType } from './api-types.js';
import { LABEL_SVG_MAX } from './label-limits.js';

const obj = { additionalProperties: false } as const;

/** A label template's name: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`. */
export const LabelTemplateName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'label template name' });

/** `{ name }` path parameters. */
export const LabelTemplateParams = Type.Object({ name: LabelTemplateName }, obj);

/**
 * `PUT /api/labels/templates/:name`: an SVG document with merge fields
 * (`{{runLabel}}`, `{{serial}}`, `{{copy}}`, `{{copies}}`,
 * `{{setPosition}}`, `{{date}}`, `{{row.<name>}}`). Refused (400) unless it
 * is well-formed SVG that renders, uses known fields only, and has no
 * DOCTYPE and no reference outside itself.
 */
export const LabelTemplateRequest = Type.Object({
  svg: Type.String({ minLength: 1, maxLength: LABEL_SVG_MAX, description: 'the SVG document, with {{field}} merge fields' }),
  description: Type.Optional(Type.String({ maxLength: 200 })),
}, { ...obj, title: 'LabelTemplateRequest' });

/** A saved label template. */
export const LabelTemplateView = Type.Object({
  name: Type.String(),
  svg: Type.String(),
  description: Type.Optional(Type.String()),
  /** The merge fields it uses, in order of first use. */
  fields: Type.Array(Type.String()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
}, { title: 'LabelTemplateView' });

/** One try at printing a label. */
export const LabelPrintView = Type.Object({
  runId: Type.String(),
  attemptId: Type.String(),
  /** `label`: a good disc's label; `reject`: a failed disc's REJECT label. */
  kind: Type.Union([Type.Literal('label'), Type.Literal('reject')]),
  /** For a label: which good disc of the run (n of `copies`), in the order the discs passed. */
  copy: Type.Union([Type.Integer(), Type.Null()]),
  copies: Type.Integer(),
  template: Type.String(),
  /** The CUPS queue (`printing.queue`). */
  queue: Type.String(),
  /** 1 for the first try. */
  attempt: Type.Integer(),
  /** `printed` (CUPS took the job), `retrying` (a later try is due), `failed` (given up). */
  status: Type.Union([Type.Literal('printed'), Type.Literal('retrying'), Type.Literal('failed')]),
  /** The CUPS request id (`labels-12`) once taken. */
  jobId: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  at: Type.Number(),
}, { title: 'LabelPrintView' });

/** `GET /api/labels/prints` query. */
export const LabelPrintsQuery = Type.Object({
  runId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'newest first; default 100' })),
}, obj);

export type LabelTemplateRequest = ApiType<typeof LabelTemplateRequest>;
export type LabelTemplateViewType = ApiType<typeof LabelTemplateView>;
export type LabelPrint = ApiType<typeof LabelPrintView>;
