/**
 * The image library: list, get, import from a server path, streamed upload,
 * rename, delete, malware scan.
 */
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import { Type } from '@fastify/type-provider-typebox';
import { compressStored, decompressStored, LibraryRequestError, storeAsChd, UploadTooLargeError } from '../../library/index.js';
import type { ImageView } from '../../shared/api-types.js';
import { notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { imagesInUse } from '../image-in-use.js';
import { doc, IdParams, ImageId, ImageView as ImageSchema, ImportRequest, RenameRequest, UploadBody, UploadQuery } from '../schemas.js';
import { toImageView } from '../views/image-view.js';

/** Add the image routes (and the raw octet-stream body parser). */
export function registerImageRoutes(app: TypedApp, s: ApiServices): void {
  const { library } = s.deps;
  const inUse = (): Promise<Set<string>> => imagesInUse(s.deps.runStore, s.deps.redis, s.keys);
  const params = IdParams(ImageId);

  // Uploads: hand the request stream itself to the handler, never buffered.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.get('/api/images', {
    schema: { tags: ['images'], summary: 'Every image, oldest first', response: doc({ 200: Type.Array(ImageSchema) }, 401) },
  }, async (): Promise<ImageView[]> => {
    const used = await inUse();
    return library.list().map((r) => toImageView(r, used.has(r.id)));
  });

  app.get('/api/images/:id', {
    schema: { tags: ['images'], summary: 'One image', params, response: doc({ 200: ImageSchema }, 400, 401, 404) },
  }, async (request): Promise<ImageView> => {
    const record = library.get(request.params.id);
    if (record === undefined) throw notFound('image', request.params.id, 'id');
    return toImageView(record, (await inUse()).has(record.id));
  });

  app.post('/api/images/import', {
    schema: { tags: ['images'], summary: 'Import a file inside an import root', body: ImportRequest, response: doc({ 201: ImageSchema }, 400, 401, 403, 422, 507) },
  }, async (request, reply) => {
    const who = principalOf(request);
    const { name, keepOriginal } = request.body;
    const record = await library.importFromPath(request.body.path, { ...(name === undefined ? {} : { name }), ...(keepOriginal === undefined ? {} : { keepOriginal }) });
    await s.audit.append(who, 'image.import', record.id, { path: request.body.path, name: record.name, sha256: record.sha256 });
    return reply.status(201).send(toImageView(record, false, library));
  });

  app.post('/api/images/upload', {
    schema: {
      tags: ['images'],
      summary: 'Upload an ISO as the raw request body (Content-Type: application/octet-stream)',
      querystring: UploadQuery,
      body: UploadBody,
      consumes: ['application/octet-stream'],
      response: doc({ 201: ImageSchema }, 400, 401, 403, 413, 415, 422, 507),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const raw = request.body as unknown as Readable | undefined;
    const limit = s.deps.maxUploadBytes;
    const declared = Number(request.headers['content-length']);
    if (limit !== undefined && Number.isFinite(declared) && declared > limit) {
      request.raw.resume();
      throw new UploadTooLargeError(limit);
    }
    if (raw === undefined || typeof (raw as Partial<Readable>).pipe !== 'function') {
      throw Object.assign(new Error('send the image as the raw body with Content-Type: application/octet-stream'), {
        statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      });
    }
    // The library destroys the stream it is given on failure: give it a pass-through,
    // so a refused upload can still be drained and answered.
    const pass = new PassThrough();
    raw.pipe(pass);
    try {
      const { name, fileName, keepOriginal } = request.query;
      const record = await library.importUpload(pass, {
        ...(name === undefined ? {} : { name }),
        ...(keepOriginal === undefined ? {} : { keepOriginal: keepOriginal === 'true' }),
        ...(fileName === undefined ? {} : { fileName }),
        uploadedBy: who.name,
        ...(limit === undefined ? {} : { maxBytes: limit }),
        ...(Number.isSafeInteger(declared) && declared >= 0 ? { sizeBytes: declared } : {}),
      });
      await s.audit.append(who, 'image.upload', record.id, { name: record.name, bytes: record.sizeBytes, sha256: record.sha256 });
      return await reply.status(201).send(toImageView(record, false, library));
    } catch (err) {
      raw.unpipe(pass);
      raw.resume();
      throw err;
    }
  });

  app.post('/api/images/:id/scan', {
    schema: {
      tags: ['images'],
      summary: 'Scan an image for malware now (clamscan); the result is kept in its provenance. 503 MALWARE_SCAN_FAILED: no scan could be done (no signatures, no clamscan), the last result kept',
      params,
      response: doc({ 200: ImageSchema }, 400, 401, 403, 404, 503),
    },
  }, async (request): Promise<ImageView> => {
    const who = principalOf(request);
    if (library.get(request.params.id) === undefined) throw notFound('image', request.params.id, 'id');
    const record = await library.scanForMalware(request.params.id);
    const scan = record.provenance.malwareScan;
    await s.audit.append(who, 'image.scan', record.id, { result: scan?.result, signatures: scan?.signatures, database: scan?.database?.version ?? null });
    return toImageView(record, (await inUse()).has(record.id));
  });

  const StorageQuery = Type.Object({
    as: Type.Optional(Type.Union([Type.Literal('zstd'), Type.Literal('chd')], { description: 'compress only: zstd (default; ISO images) or chd (CUE images, and ISOs that fit a CD; chdman createcd)' })),
  });
  for (const [action, summary] of [
    ['compress', 'Store an image compressed instead of plain, proven before the plain files go: an ISO as zstd frames (?as=zstd, the default), a CUE (CD) image or an ISO that fits a CD as a CHD (?as=chd: chdman verify, its SHA-1 and an extractcd round trip to the SHA-256); 400 for CHD of an ISO larger than a CD; 409 while an unfinished run uses it; 422 when the proof fails (the image stays plain)'],
    ['decompress', 'Store a compressed image plain again (its SHA-256 checked); 409 while an unfinished run uses it'],
  ] as const) {
    app.post(`/api/images/:id/${action}`, {
      schema: { tags: ['images'], summary, params, querystring: StorageQuery, response: doc({ 200: ImageSchema }, 400, 401, 403, 404, 409, 422, 507) },
    }, async (request): Promise<ImageView> => {
      const who = principalOf(request);
      if (library.get(request.params.id) === undefined) throw notFound('image', request.params.id, 'id');
      const as = request.query.as;
      if (action === 'decompress' && as !== undefined) throw new LibraryRequestError('as= names the form to compress into; decompress takes none');
      const change = action === 'decompress' ? decompressStored : as === 'chd' ? storeAsChd : compressStored;
      const record = await library.changeStorage(request.params.id, (dir, r, at) => change(dir, r, at));
      await s.audit.append(who, `image.${action}`, record.id, { storedBytes: record.storage?.bytes ?? record.sizeBytes, sha256: record.sha256 });
      return toImageView(record, false);
    });
  }

  app.patch('/api/images/:id', {
    schema: { tags: ['images'], summary: 'Rename an image', params, body: RenameRequest, response: doc({ 200: ImageSchema }, 400, 401, 403, 404) },
  }, async (request): Promise<ImageView> => {
    const who = principalOf(request);
    const before = library.get(request.params.id);
    if (before === undefined) throw notFound('image', request.params.id, 'id');
    const record = await library.rename(request.params.id, request.body.name);
    await s.audit.append(who, 'image.rename', record.id, { from: before.name, to: record.name });
    return toImageView(record, (await inUse()).has(record.id));
  });

  app.delete('/api/images/:id', {
    schema: { tags: ['images'], summary: 'Delete an image no unfinished run uses', params, response: doc({ 204: Type.Null() }, 400, 401, 403, 404, 409) },
  }, async (request, reply) => {
    const who = principalOf(request);
    const before = library.get(request.params.id);
    if (before === undefined) throw notFound('image', request.params.id, 'id');
    await library.delete(request.params.id);
    await s.audit.append(who, 'image.delete', request.params.id, { name: before.name });
    return reply.status(204).send();
  });
}
