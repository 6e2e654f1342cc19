/**
 * The blank stock through the API: `GET /api/stock` (every counted media
 * type), `POST /api/stock/received` (blanks put on the shelf),
 * `POST /api/stock/adjust` (a count corrected by hand, with a reason) and
 * `POST /api/stock/threshold` (a type's low-stock level). Every change goes
 * into the audit log with who made it; used and wasted blanks are counted
 * by the attempt-end scripts, never through here.
 */
import { Type } from '@fastify/type-provider-typebox';
import { invalidInput } from '../api-error.js';
import type { ApiServices, TypedApp } from '../api-services.js';
import { principalOf } from '../auth.js';
import { doc } from '../schemas.js';
import { StockAdjustRequest, StockLevel, StockReceivedRequest, StockThresholdRequest } from '../../shared/stock-schemas.js';
import type { StockLevelView } from '../../shared/stock-schemas.js';

/** Add the stock routes. */
export function registerStockRoutes(app: TypedApp, s: ApiServices): void {
  app.get('/api/stock', {
    schema: { tags: ['stock'], summary: 'Blank stock per media type: received, used, wasted, adjusted, on hand, low-stock threshold', response: doc({ 200: Type.Array(StockLevel) }, 401) },
  }, async () => s.stock.levels());

  app.post('/api/stock/received', {
    schema: { tags: ['stock'], summary: 'Record blanks received', body: StockReceivedRequest, response: doc({ 200: StockLevel }, 400, 401, 403) },
  }, async (request): Promise<StockLevelView> => {
    const { mediaType, count, note } = request.body;
    const level = await s.stock.receive(mediaType, count);
    await s.audit.append(principalOf(request), 'stock.receive', mediaType, { count, ...(note === undefined ? {} : { note }), onHand: level.onHand });
    return level;
  });

  app.post('/api/stock/adjust', {
    schema: { tags: ['stock'], summary: 'Correct a stock count by hand, with a reason (audited)', body: StockAdjustRequest, response: doc({ 200: StockLevel }, 400, 401, 403) },
  }, async (request): Promise<StockLevelView> => {
    const { mediaType, delta, reason } = request.body;
    if (delta === 0) throw invalidInput('delta', 'delta must not be 0: give the blanks added (positive) or taken away (negative)');
    const level = await s.stock.adjust(mediaType, delta);
    await s.audit.append(principalOf(request), 'stock.adjust', mediaType, { delta, reason: reason.trim(), onHand: level.onHand });
    return level;
  });

  app.post('/api/stock/threshold', {
    schema: { tags: ['stock'], summary: 'Set the low-stock level of a media type (null: none)', body: StockThresholdRequest, response: doc({ 200: StockLevel }, 400, 401, 403) },
  }, async (request): Promise<StockLevelView> => {
    const { mediaType, threshold } = request.body;
    const level = await s.stock.setThreshold(mediaType, threshold);
    await s.audit.append(principalOf(request), 'stock.threshold', mediaType, { threshold });
    return level;
  });
}
