/**
 * The schemas the routes declare: the request and view schemas (defined in
 * `src/shared/request-schemas.ts` and `src/shared/view-schemas.ts`, from
 * which `src/shared/api-types.ts` derives the API's types), and what only
 * the routes need: path parameters, the raw upload body, response maps.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { TSchema } from '@fastify/type-provider-typebox';
import { ErrorBody } from '../shared/view-schemas.js';
import type { ImageId } from '../shared/request-schemas.js';

export * from '../shared/request-schemas.js';
export * from '../shared/view-schemas.js';

const obj = { additionalProperties: false } as const;

/** Path parameters `{ id }` of the given id schema. */
export const IdParams = (id: typeof ImageId) => Type.Object({ id }, obj);

/** Marks a body schema that documents a raw stream and is not validated. */
export const RAW_BODY = 'x-raw-body';

/** The upload body: the image's bytes. */
export const UploadBody = Type.Unsafe<unknown>({ type: 'string', format: 'binary', [RAW_BODY]: true, description: 'the ISO image, streamed' });

/**
 * Response schemas of a route: `ok` by status, and `ErrorBody` for each of
 * `errorCodes`. Typed `unknown` for Fastify, so the handlers' return types
 * come from api-types.ts; not serialised by them (the app's serializer is
 * JSON.stringify), but every answer the API tests get is checked against
 * them (test/api/response-check.ts).
 */
export function doc(ok: Record<number, TSchema>, ...errorCodes: number[]): Record<number, unknown> {
  return { ...ok, ...Object.fromEntries(errorCodes.map((c) => [c, ErrorBody])) };
}
