/**
 * TypeBox schemas of the alerts: the conditions the controller watches
 * (`AlertConditionName`), an alert as the screen lists it and as a webhook
 * or an email carries it (`AlertView`), and one try at delivering it
 * (`AlertDeliveryView`, `GET /api/alerts/deliveries`).
 */
import { Type } from 'typebox';
import type { ApiType } from './api-types.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/**
 * What the controller alerts on. Conditions that hold for a while are raised
 * once and cleared once (`drive-needs-person`: take a disc out, put one in,
 * wrong media; `loader-input-empty`; `loader-reject-full`;
 * `drive-quarantined`; `agent-silent`; `stock-low`); a run's end is one
 * event (`run-completed`, `run-failed`), and so is a disc label given up
 * (`label-print-failed`).
 */
export const ALERT_CONDITIONS = [
  'drive-needs-person', 'loader-input-empty', 'loader-reject-full', 'drive-quarantined', 'run-completed', 'run-failed', 'agent-silent', 'stock-low', 'label-print-failed',
] as const;
export type AlertConditionName = typeof ALERT_CONDITIONS[number];

export const AlertCondition = Type.Union([
  Type.Literal('drive-needs-person'), Type.Literal('loader-input-empty'), Type.Literal('loader-reject-full'), Type.Literal('drive-quarantined'), Type.Literal('run-completed'), Type.Literal('run-failed'), Type.Literal('agent-silent'), Type.Literal('stock-low'), Type.Literal('label-print-failed'),
], { description: 'alert condition' });

/** One alert: a condition of a subject raised, cleared, or a one-off event (a run's end). */
export const AlertView = Type.Object({
  /** Unique id of this alert message (a webhook's `X-Tower-Delivery` names it too). */
  id: Type.String(),
  /** `<condition>:<subject>`: at most one raised alert per key while its condition holds. */
  key: Type.String(),
  condition: AlertCondition,
  /** What it concerns: a drive id, an agent id, a run id or a media type. */
  subject: Type.String(),
  /** `raised` (the condition began), `cleared` (it ended), `event` (a run's end). */
  kind: Type.Union([Type.Literal('raised'), Type.Literal('cleared'), Type.Literal('event')]),
  /** In words, for a person. */
  message: Type.String(),
  /** When it was raised, cleared or happened, ms since the epoch. */
  at: Type.Number(),
  /** For `cleared`: when the condition was raised. */
  since: Type.Optional(Type.Number()),
}, { title: 'AlertView' });

/** `GET /api/alerts`: the conditions that hold now and the latest alerts, newest first. */
export const AlertsOverview = Type.Object({
  active: Type.Array(AlertView),
  recent: Type.Array(AlertView),
}, { title: 'AlertsOverview' });

/** One try at delivering an alert through a channel. */
export const AlertDeliveryView = Type.Object({
  alertId: Type.String(),
  key: Type.String(),
  kind: Type.Union([Type.Literal('raised'), Type.Literal('cleared'), Type.Literal('event')]),
  channel: Type.Union([Type.Literal('webhook'), Type.Literal('email')]),
  /** The webhook's URL (origin and path) or the email's recipients. */
  target: Type.String(),
  /** 1 for the first try. */
  attempt: Type.Integer(),
  /** `delivered`, `retrying` (a later try is due), `failed` (the last try failed: given up). */
  status: Type.Union([Type.Literal('delivered'), Type.Literal('retrying'), Type.Literal('failed')]),
  /** The receiver's HTTP status, when it answered. */
  httpStatus: Type.Union([Type.Integer(), Type.Null()]),
  error: Nullable(Type.String()),
  at: Type.Number(),
  /** When the next try is due (status `retrying`). */
  nextAt: Type.Union([Type.Number(), Type.Null()]),
}, { title: 'AlertDeliveryView' });

/** `GET /api/alerts/deliveries` query. */
export const DeliveriesQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'newest first; default 100' })),
}, { additionalProperties: false });

export type AlertViewType = ApiType<typeof AlertView>;
export type AlertsOverviewView = ApiType<typeof AlertsOverview>;
export type AlertDelivery = ApiType<typeof AlertDeliveryView>;
