/**
 * The image build routes' client (`POST /api/images/build`,
 * `GET /api/image-builds/:id`) for `tower images build`: the CLI's HTTP
 * client (same retries, idempotency keys and errors) with the build calls.
 */
import type { ImageBuildRequestBody, ImageBuildViewBody } from '../shared/image-build-schemas.js';
import type { ConnectionOptions, ControllerCliContext } from './controller-context.js';
import { resolveConnection } from './controller-context.js';
import { HttpApiClient } from './http-api-client.js';

/** The build calls. */
export class ImageBuildApiClient extends HttpApiClient {
  /** Start building an image from a folder on the controller's host (refusals come back at once). */
  buildImage(request: ImageBuildRequestBody): Promise<ImageBuildViewBody> {
    return this.request('POST', '/images/build', { body: request, expect: 'json' });
  }

  /** One build's progress and outcome. */
  getImageBuild(id: string): Promise<ImageBuildViewBody> {
    return this.request('GET', `/image-builds/${encodeURIComponent(id)}`, { expect: 'json' });
  }
}

/** The build client for a command's options (as `clientFor` makes the others). */
export function imageBuildClientFor(ctx: ControllerCliContext, opts: ConnectionOptions): ImageBuildApiClient {
  const settings = resolveConnection(ctx, opts);
  return new ImageBuildApiClient({ url: settings.url, token: settings.token, signal: ctx.signal, ...(ctx.fetch ? { fetch: ctx.fetch } : {}) });
}
