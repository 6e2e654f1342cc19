import type { NextConfig } from 'next';

/**
 * A static export (apps/ui/out) that the controller serves on its own origin:
 * no server-side code, no dynamic segments, relative `/api` and `/socket.io`.
 * `trailingSlash` writes `runs/index.html` rather than `runs.html`, so a plain
 * static file server finds every page by its directory.
 */
const config: NextConfig = {
  output: 'export',
  trailingSlash: true,
  reactStrictMode: true,
  poweredByHeader: false,
  images: { unoptimized: true },
  devIndicators: false,
};

export default config;
