/**
 * TypeBox schemas of the production report (`GET /api/reports/production`):
 * its query and its answer, one row per day, shift, operator or drive, each
 * with its discs per drive and its blanks per media type.
 */
import { Type } from 'typebox';
import type { ApiType } from './api-types.js';

const obj = { additionalProperties: false } as const;

/** What the production report groups by. */
export const ReportGrouping = Type.Union([Type.Literal('day'), Type.Literal('shift'), Type.Literal('operator'), Type.Literal('drive')], {
  description: 'day: calendar day; shift: configured shift (an overnight shift belongs to the day it starts); operator: who started the run; drive',
});

/** A day (`2024-05-06`, in the report's time zone) or a moment in epoch ms. */
const ReportBound = Type.String({ pattern: '^(\\d{4}-\\d{2}-\\d{2}|\\d{1,15})$', description: 'a day YYYY-MM-DD (in the report\'s time zone) or epoch ms' });

/**
 * `GET /api/reports/production` query. Discs are placed by the time their
 * burn started. `from` default: 7 days before `to`; `to` default: now (a day
 * as `to` includes that whole day). CSV with `format=csv` or `Accept: text/csv`.
 */
export const ProductionReportQuery = Type.Object({
  from: Type.Optional(ReportBound),
  to: Type.Optional(ReportBound),
  by: Type.Optional(ReportGrouping),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
}, { ...obj, title: 'ProductionReportQuery' });

/** Disc counts: the same for a row, a drive of a row and the totals. */
const countProps = {
  /** Good discs (passed burns, surplus included). */
  passed: Type.Integer(),
  /** Of the good discs, those beyond a run's N (or a second good disc for one copy slot). */
  surplus: Type.Integer(),
  /** Blanks written without a good disc: failed, interrupted or cancelled burns (a copy refused for its media wrote nothing: none). */
  coasters: Type.Integer(),
  /** passed / (passed + coasters); null when nothing was burned. */
  yield: Type.Union([Type.Number(), Type.Null()]),
};

export const ReportDriveCounts = Type.Object({
  driveId: Type.String(),
  /** The drive's label as the newest disc of the row recorded it. */
  driveLabel: Type.Union([Type.String(), Type.Null()]),
  ...countProps,
}, { title: 'ReportDriveCounts' });

/** One row of the report. */
export const ProductionReportRow = Type.Object({
  /** The group: `2024-05-06`, `2024-05-06 night`, an operator's token name, a drive id. */
  key: Type.String(),
  /** The group in words (a drive's label, a shift with its hours). */
  label: Type.String(),
  ...countProps,
  /** Blanks written per media type (`CD-R`: 12): good discs and coasters. */
  mediaUsed: Type.Record(Type.String(), Type.Integer()),
  /** The row's discs per drive, by drive id. */
  drives: Type.Array(ReportDriveCounts),
  /** Labels of the runs the row's discs belong to (those that have one). */
  runLabels: Type.Array(Type.String()),
}, { title: 'ProductionReportRow' });

/** `GET /api/reports/production` answer. */
export const ProductionReport = Type.Object({
  by: ReportGrouping,
  from: Type.Number(),
  to: Type.Number(),
  /** IANA zone days and shifts were counted in. */
  timeZone: Type.String(),
  shifts: Type.Array(Type.Object({ name: Type.String(), start: Type.String(), end: Type.String() })),
  rows: Type.Array(ProductionReportRow),
  totals: Type.Object({ ...countProps, mediaUsed: Type.Record(Type.String(), Type.Integer()) }),
  generatedAt: Type.Number(),
}, { title: 'ProductionReport' });

export type ReportGroupingName = ApiType<typeof ReportGrouping>;
export type ProductionReportQueryInput = ApiType<typeof ProductionReportQuery>;
export type ProductionReportView = ApiType<typeof ProductionReport>;
export type ProductionReportRowView = ApiType<typeof ProductionReportRow>;
