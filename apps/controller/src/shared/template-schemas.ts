/**
 * TypeBox schemas of run templates and "run again": what a client sends
 * (`PUT /api/templates/:name`, `POST /api/templates/:name/run`) and what it
 * gets back (`TemplateView`). A template is a run's settings saved under a
 * name: image, copies, verify, speed, drives, label, per-disc merge
 * (`merge`: serials or a CSV, checked again when a run starts) and the rest
 * of `CreateRunRequest`, a collated set (`set`) included.
 */
import { Type } from 'typebox';
import type { Static } from 'typebox';
import { ImageId, OPTIONAL_BODY, RUN_SETTINGS, SetInput } from './request-schemas.js';

const obj = { additionalProperties: false } as const;

/** A template's name: a letter or digit, then up to 63 letters, digits, `.`, `_` or `-`. */
export const TemplateName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', description: 'template name' });

/** `{ name }` path parameters. */
export const TemplateParams = Type.Object({ name: TemplateName }, obj);

/**
 * `PUT /api/templates/:name`: the settings of the runs started from it
 * (`imageId` and `copies` required; the rest as in `CreateRunRequest`).
 * Saving a name again replaces the template.
 */
export const TemplateRequest = Type.Object({
  imageId: ImageId,
  copies: Type.Integer({ minimum: 1, maximum: 10000, description: 'good copies wanted (with `set`: complete sets wanted)' }),
  ...RUN_SETTINGS,
  /** A collated set run: its discs' images in order (disc 1 is `imageId`), checked when saved as for a run. */
  set: Type.Optional(SetInput),
}, { ...obj, title: 'TemplateRequest' });

/**
 * `POST /api/templates/:name/run`: what this run changes of the template's
 * settings (every field optional; an empty body runs the template as saved).
 */
export const TemplateRunRequest = Type.Object({
  copies: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'good copies wanted' })),
  ...RUN_SETTINGS,
}, { ...obj, title: 'TemplateRunRequest', [OPTIONAL_BODY]: true, description: 'optional body: overrides of the template\'s settings' });

/** A saved template: its settings, who saved it and when. */
export const TemplateView = Type.Object({
  name: Type.String(),
  imageId: Type.String(),
  /** The image's name now, or null when the image has left the library (runs from it are then refused 404). */
  imageName: Type.Union([Type.String(), Type.Null()]),
  copies: Type.Integer(),
  ...RUN_SETTINGS,
  set: Type.Optional(SetInput),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  /** The operator who saved it last. */
  updatedBy: Type.String(),
}, { title: 'TemplateView' });

export type TemplateRequest = Static<typeof TemplateRequest>;
export type TemplateRunRequest = Static<typeof TemplateRunRequest>;
export type TemplateView = Static<typeof TemplateView>;
