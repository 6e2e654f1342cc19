/**
 * Wall screens: an operator makes a pairing code for a named screen, the
 * screen's page trades it once for a screen token (the one public route
 * here, behind the failed-authentication throttle), and an operator lists
 * and revokes screens. See `ScreenRegistry`.
 */
import { Type } from '@fastify/type-provider-typebox';
import type { ScreenClaim, ScreenPairing, ScreenView } from '../../shared/api-types.js';
import { ApiError, notFound } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf, tooManyAttempts } from '../auth.js';
import type { Authenticator } from '../auth.js';
import {
  ClaimScreenRequest, doc, IdParams, PairScreenRequest, ScreenClaim as ClaimSchema, ScreenId, ScreenPairing as PairingSchema,
  ScreenView as ScreenSchema,
} from '../schemas.js';
import { SCREEN_PRINCIPAL_PREFIX } from '../screen-registry.js';
import type { ScreenRegistry } from '../screen-registry.js';

/** Add the screen routes. `auth` supplies the throttle the claim route shares with token checks. */
export function registerScreenRoutes(app: TypedApp, s: ApiServices, screens: ScreenRegistry, auth: Authenticator): void {
  app.get('/api/screens', {
    config: { access: 'operator' },
    schema: { tags: ['screens'], summary: 'Wall screens, paired and pending, oldest first', response: doc({ 200: Type.Array(ScreenSchema) }, 401, 403) },
  }, async (): Promise<ScreenView[]> => screens.list());

  app.post('/api/screens/pairing', {
    config: { access: 'operator' },
    schema: {
      tags: ['screens'], summary: 'A pairing code for a new wall screen (valid 10 minutes, once)', body: PairScreenRequest,
      response: doc({ 201: PairingSchema }, 400, 401, 403),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const name = request.body.name.trim();
    const pairing: ScreenPairing = await screens.createPairing(name, who.name);
    await s.audit.append(who, 'screen.pair', pairing.screen.id, { name, expiresAt: pairing.expiresAt });
    return reply.status(201).header('cache-control', 'no-store').send(pairing);
  });

  app.post('/api/screens/claim', {
    config: { access: 'public' },
    schema: {
      tags: ['screens'], summary: 'Trade a pairing code for a screen token (no token needed; wrong codes are throttled)', security: [],
      body: ClaimScreenRequest, response: doc({ 201: ClaimSchema }, 400, 401, 429),
    },
  }, async (request, reply) => {
    const wait = auth.throttle.retryAfterMs(request.ip);
    if (wait > 0) {
      const refused = tooManyAttempts(wait);
      void reply.header('retry-after', String(refused.retryAfterSeconds));
      throw refused;
    }
    const claim: ScreenClaim | null = await screens.claim(request.body.code);
    if (claim === null) {
      auth.throttle.failed(request.ip, 'unknown pairing code on POST /api/screens/claim');
      throw new ApiError(401, 'INVALID_PAIRING_CODE', 'unknown, expired or already used pairing code: ask an operator for a new one (tower screens pair --name …)');
    }
    await s.audit.append({ name: `${SCREEN_PRINCIPAL_PREFIX}${claim.name}`, role: 'viewer' }, 'screen.claim', claim.id, { name: claim.name });
    return reply.status(201).header('cache-control', 'no-store').send(claim);
  });

  app.delete('/api/screens/:id', {
    config: { access: 'operator' },
    schema: {
      tags: ['screens'], summary: 'Revoke a wall screen (or cancel its pairing code): its token fails at once',
      params: IdParams(ScreenId), response: doc({ 204: Type.Null() }, 400, 401, 403, 404),
    },
  }, async (request, reply) => {
    const who = principalOf(request);
    const revoked = await screens.revoke(request.params.id);
    if (revoked === null) throw notFound('screen', request.params.id, 'id');
    await s.audit.append(who, 'screen.revoke', revoked.id, { name: revoked.name, status: revoked.status });
    return reply.status(204).send();
  });
}
