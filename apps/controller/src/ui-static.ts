/**
 * Serving the operator UI: the Next.js static export (apps/ui/out) on the
 * controller's own origin, so the UI's relative `/api` and `/socket.io` reach
 * this controller.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Register the UI folder at `/`; a folder without an index.html is refused. */
export async function registerUi(fastify: FastifyInstance, uiDir: string): Promise<void> {
  const root = path.resolve(uiDir);
  if (!existsSync(path.join(root, 'index.html'))) throw new Error(`${root} has no index.html: build the UI (npm run build -w @tower/ui)`);
  await fastify.register(fastifyStatic, {
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
}
