/**
 * TypeBox schemas of the blank stock: what a client sends to record blanks
 * received (`POST /api/stock/received`), to correct a count by hand with a
 * reason (`POST /api/stock/adjust`) or to set a type's low-stock level
 * (`POST /api/stock/threshold`), and what `GET /api/stock` answers: one
 * `StockLevel` per media type.
 */
import { Type } from 'typebox';
import type { ApiType } from './api-types.js';
import { RECORDABLE_MEDIA_TYPES } from 'node-cdrecord-wrapper/media';
import { MAX_STOCK_CHANGE } from './stock-limits.js';

const obj = { additionalProperties: false } as const;
const Nullable = <T extends ReturnType<typeof Type.Integer>>(t: T) => Type.Union([t, Type.Null()]);

/** One of the recordable media types (`RECORDABLE_MEDIA_TYPES`). */
export const StockMediaType = Type.Enum(RECORDABLE_MEDIA_TYPES, { description: 'blank media type, e.g. DVD-R' });


/** `POST /api/stock/received`: blanks put on the shelf. */
export const StockReceivedRequest = Type.Object({
  mediaType: StockMediaType,
  count: Type.Integer({ minimum: 1, maximum: MAX_STOCK_CHANGE, description: 'blanks received' }),
  /** A delivery note, a batch number: kept in the audit log. */
  note: Type.Optional(Type.String({ maxLength: 200 })),
}, { ...obj, title: 'StockReceivedRequest' });

/** `POST /api/stock/adjust`: a count corrected by hand (a stock-take, a dropped spindle), always with a reason. */
export const StockAdjustRequest = Type.Object({
  mediaType: StockMediaType,
  delta: Type.Integer({ minimum: -MAX_STOCK_CHANGE, maximum: MAX_STOCK_CHANGE, description: 'blanks added (positive) or taken away (negative); never 0' }),
  reason: Type.String({ minLength: 3, maxLength: 200, pattern: '\\S', description: 'why, for the audit log' }),
}, { ...obj, title: 'StockAdjustRequest' });

/** `POST /api/stock/threshold`: the level at or below which the stock-low alert fires; null: none. */
export const StockThresholdRequest = Type.Object({
  mediaType: StockMediaType,
  threshold: Nullable(Type.Integer({ minimum: 0, maximum: MAX_STOCK_CHANGE })),
}, { ...obj, title: 'StockThresholdRequest' });

/** The stock of one media type. */
export const StockLevel = Type.Object({
  mediaType: Type.String(),
  /** Blanks received, in total. */
  received: Type.Integer(),
  /** Blanks written: every attempt that wrote a disc (passed or a coaster). */
  used: Type.Integer(),
  /** Of those, coasters (failed, interrupted or cancelled burns). */
  wasted: Type.Integer(),
  /** Net hand corrections. */
  adjusted: Type.Integer(),
  /** received + adjusted − used: what should be on the shelf and in the loaders. */
  onHand: Type.Integer(),
  threshold: Type.Union([Type.Integer(), Type.Null()]),
  /** onHand is at or below the threshold. */
  low: Type.Boolean(),
}, { title: 'StockLevel' });

export type StockLevelView = ApiType<typeof StockLevel>;
export type StockReceivedInput = ApiType<typeof StockReceivedRequest>;
export type StockAdjustInput = ApiType<typeof StockAdjustRequest>;
export type StockThresholdInput = ApiType<typeof StockThresholdRequest>;
