/**
 * Alerts through the API: `GET /api/alerts` (the conditions that hold now
 * and the latest alerts, as the screen lists them) and
 * `GET /api/alerts/deliveries` (every try at delivering an alert by webhook
 * or email, newest first: delivered, retrying, failed).
 */
import type { AlertEngine } from '../../alerts/alert-engine.js';
import { AlertDeliveryView, AlertsOverview, DeliveriesQuery } from '../../shared/alert-schemas.js';
import type { AlertDelivery, AlertsOverviewView } from '../../shared/alert-schemas.js';
import { Type } from '@fastify/type-provider-typebox';
import type { TypedApp } from '../api-services.js';
import { doc } from '../schemas.js';

/** Add the alert routes. */
export function registerAlertRoutes(app: TypedApp, alerts: AlertEngine): void {
  app.get('/api/alerts', {
    schema: { tags: ['alerts'], summary: 'Alerts: the conditions that hold now and the latest alerts raised, cleared or sent', response: doc({ 200: AlertsOverview }, 401) },
  }, async (): Promise<AlertsOverviewView> => alerts.overview());

  app.get('/api/alerts/deliveries', {
    schema: {
      tags: ['alerts'], summary: 'The alert delivery log: each try by webhook or email, newest first',
      querystring: DeliveriesQuery, response: doc({ 200: Type.Array(AlertDeliveryView) }, 400, 401),
    },
  }, async (request): Promise<AlertDelivery[]> => alerts.deliveries.list(request.query.limit ?? 100));
}
