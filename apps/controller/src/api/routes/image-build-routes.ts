/**
 * Images built from a folder on the controller's host:
 * `POST /api/images/build` (operator) checks the folder, the options and the
 * size against the chosen media, then answers 202 with the build while it
 * goes on; `GET /api/image-builds/:id` and `GET /api/image-builds` give
 * progress and outcome (the image's id once it is in the library).
 */
import { Type } from '@fastify/type-provider-typebox';
import { FolderImageBuilder } from '../../library/index.js';
import { ImageBuildParams, ImageBuildRequest, ImageBuildView } from '../../shared/image-build-schemas.js';
import type { ImageBuildViewBody } from '../../shared/image-build-schemas.js';
import { notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { doc } from '../schemas.js';
import { ImageBuilds } from '../image-builds.js';

/** Add the image build routes; running builds are stopped when the app closes. */
export function registerImageBuildRoutes(app: TypedApp, s: ApiServices): void {
  const { library } = s.deps;
  const builds = new ImageBuilds(new FolderImageBuilder(library), s.now, async (build, image) => {
    const who = { name: build.by, role: 'operator' as const };
    if (image) await s.audit.append(who, 'image.build.done', image.id, { build: build.id, name: image.name, sha256: image.sha256 });
    else await s.audit.append(who, 'image.build.failed', build.id, { code: build.error?.code ?? '', message: build.error?.message ?? '' });
  });
  app.addHook('onClose', () => builds.close());

  app.post('/api/images/build', {
    schema: {
      tags: ['images'],
      summary: 'Build an ISO image from a folder inside an import root (checked and measured first; built in the background)',
      body: ImageBuildRequest,
      response: doc({ 202: ImageBuildView }, 400, 401, 403, 409, 422),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const b = request.body;
    const build = await builds.start({
      folder: b.folder, name: b.name, by: who.name,
      ...(b.joliet === undefined ? {} : { joliet: b.joliet }),
      ...(b.rockRidge === undefined ? {} : { rockRidge: b.rockRidge }),
      ...(b.udf === undefined ? {} : { udf: b.udf }),
      ...(b.boot === undefined ? {} : { boot: b.boot }),
      ...(b.media === undefined ? {} : { media: b.media }),
    });
    await s.audit.append(who, 'image.build', build.id, { folder: build.folder, name: build.name, estimatedBytes: build.estimatedBytes });
    return reply.status(202).send(build);
  });

  app.get('/api/image-builds', {
    schema: { tags: ['images'], summary: 'Image builds, newest first (kept in memory until the controller restarts)', response: doc({ 200: Type.Array(ImageBuildView) }, 401) },
  }, async (): Promise<ImageBuildViewBody[]> => builds.list());

  app.get('/api/image-builds/:id', {
    schema: { tags: ['images'], summary: 'One image build: progress and outcome', params: ImageBuildParams, response: doc({ 200: ImageBuildView }, 400, 401, 404) },
  }, async (request): Promise<ImageBuildViewBody> => {
    const build = builds.get(request.params.id);
    if (build === null) throw notFound('image build', request.params.id, 'id');
    return build;
  });
}
