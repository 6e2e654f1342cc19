/**
 * Security headers on every answer of the controller (API and UI), through
 * @fastify/helmet: `Content-Security-Policy`, `X-Frame-Options: DENY` (and
 * `frame-ancestors 'none'`), `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer`, plus helmet's cross-origin isolation
 * headers. API answers get a CSP that lets nothing load; the UI's routes
 * declare their own, strict one (`uiCsp`) in their route config.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** CSP directives: name → sources. */
export type CspDirectives = Readonly<Record<string, readonly string[]>>;

/** CSP of API answers (JSON, CSV, the OpenAPI document): nothing may load from them or frame them. */
export const API_CSP: CspDirectives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * CSP of the operator UI (Next.js static export): scripts from this origin
 * and the inline scripts whose hashes are given (no `'unsafe-inline'`, no
 * eval), styles, images and fonts from this origin, and fetch/socket.io on
 * this origin only (`'self'` covers `ws:`/`wss:` to the same host and port).
 */
export function uiCsp(scriptHashes: readonly string[]): CspDirectives {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'", ...scriptHashes],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
}

/** The `Content-Security-Policy` header value of some directives. */
export function cspHeader(directives: CspDirectives): string {
  return Object.entries(directives).map(([name, sources]) => [name, ...sources].join(' ')).join('; ');
}

/** Route config (`config.helmet`) giving a route's answers the CSP `directives` instead of the API's. */
export function helmetRouteConfig(directives: CspDirectives): { contentSecurityPolicy: { useDefaults: false; directives: CspDirectives } } {
  return { contentSecurityPolicy: { useDefaults: false, directives } };
}

/** Add the headers to every answer of `app` (register it before the auth hook, so refusals carry them too). */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Plain HTTP on the shop's network: a TLS proxy in front decides about HSTS.
    strictTransportSecurity: false,
  });
}
