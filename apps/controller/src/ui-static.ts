/**
 * Serving the operator UI: the Next.js static export (apps/ui/out) on the
 * controller's own origin, so the UI's relative `/api` and `/socket.io` reach
 * this controller.
 *
 * The UI's routes live in a context of their own, and every route registered
 * there declares itself public (`config.access: 'public'`) and carries the
 * UI's Content-Security-Policy (`config.helmet`): which routes are public is
 * decided by where a route was registered, never by what a URL looks like.
 * The CSP lists the hashes of the export's inline scripts, computed here at
 * startup (a rebuilt UI needs a restart).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { inlineScriptHashes } from './api/inline-script-hashes.js';
import { cspHeader, helmetRouteConfig, uiCsp } from './api/security-headers.js';

/** The UI as served. */
export interface UiSite {
  /** The UI's `Content-Security-Policy` header value. */
  readonly csp: string;
  /** Answer 404 with the UI's own not-found page (and its CSP). */
  sendNotFound(reply: FastifyReply): FastifyReply;
}

/** Register the UI folder at `/`; a folder without an index.html is refused. */
export async function registerUi(fastify: FastifyInstance, uiDir: string): Promise<UiSite> {
  const root = path.resolve(uiDir);
  if (!existsSync(path.join(root, 'index.html'))) throw new Error(`${root} has no index.html: build the UI (npm run build -w @tower/ui)`);
  const directives = uiCsp(inlineScriptHashes(root));
  const csp = cspHeader(directives);
  const helmet = helmetRouteConfig(directives);
  const notFoundFile = path.join(root, '404.html');
  const notFoundPage = existsSync(notFoundFile) ? readFileSync(notFoundFile) : Buffer.from('<!doctype html><title>Not found</title><h1>Not found</h1>');

  await fastify.register(async (ui) => {
    ui.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public', helmet } as typeof route.config;
    });
    await ui.register(fastifyStatic, {
      root,
      prefix: '/',
      index: 'index.html',
      redirect: true,
      wildcard: true,
      setHeaders: (res, file) => {
        // Next names its build assets by content hash.
        if (file.includes(`${path.sep}_next${path.sep}static${path.sep}`)) res.header('Cache-Control', 'public, max-age=31536000, immutable');
      },
    });
  });

  return {
    csp,
    sendNotFound(reply) {
      return reply.status(404).header('content-security-policy', csp).type('text/html; charset=utf-8').send(notFoundPage);
    },
  };
}
