/**
 * TypeBox schemas of images built from a folder on the controller's host:
 * what a client sends to `POST /api/images/build`, and the build's state
 * that it answers with (202) and that `GET /api/image-builds/:id` (and
 * `GET /api/image-builds`, newest first) gives while it goes and after.
 */
import { Type } from 'typebox';
import type { ApiType } from './api-types.js';

const obj = { additionalProperties: false } as const;
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** Media classes an image can be checked against. */
export const BuildMedia = Type.Union([
  Type.Literal('cd'), Type.Literal('dvd'), Type.Literal('dvd-dl'), Type.Literal('bd'), Type.Literal('bd-dl'),
], { description: 'media the image must fit, checked before building; default bd-dl (the largest)' });

/** `POST /api/images/build`. */
export const ImageBuildRequest = Type.Object({
  folder: Type.String({ minLength: 1, maxLength: 4096, description: 'server-side folder inside an import root (absolute, or relative to the first root)' }),
  name: Type.String({ minLength: 1, maxLength: 200, description: 'name of the image in the library' }),
  joliet: Type.Optional(Type.Boolean({ description: 'add Joliet names (Windows; up to 103 characters)' })),
  rockRidge: Type.Optional(Type.Boolean({ description: 'add Rock Ridge (POSIX names up to 255 bytes, modes, times)' })),
  udf: Type.Optional(Type.Boolean({ description: 'add a UDF 1.02 bridge (genisoimage); refused for a file of 4 GiB or more' })),
  boot: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'El Torito boot image: a file inside the folder, relative path' })),
  media: Type.Optional(BuildMedia),
}, { ...obj, title: 'ImageBuildRequest' });

/** One build: its request, progress and outcome. Times are epoch ms. */
export const ImageBuildView = Type.Object({
  id: Type.String(),
  folder: Type.String(),
  name: Type.String(),
  joliet: Type.Boolean(), rockRidge: Type.Boolean(), udf: Type.Boolean(),
  boot: Nullable(Type.String()),
  media: BuildMedia,
  status: Type.Union([Type.Literal('building'), Type.Literal('done'), Type.Literal('failed')]),
  /** Percent written, as the tool reports it (0 while it reads the folder). */
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  /** The image's size as estimated before building. */
  estimatedBytes: Type.Integer(),
  imageId: Nullable(Type.String()),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
  by: Type.String(),
  startedAt: Type.Number(),
  endedAt: Type.Union([Type.Number(), Type.Null()]),
}, { title: 'ImageBuildView' });

/** `GET /api/image-builds/:id` path parameters. */
export const ImageBuildParams = Type.Object({ id: Type.String({ pattern: '^bld-[0-9a-f]{12}$', description: 'build id' }) }, obj);

export type ImageBuildRequestBody = ApiType<typeof ImageBuildRequest>;
export type ImageBuildViewBody = ApiType<typeof ImageBuildView>;
