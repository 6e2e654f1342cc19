/**
 * The `reports` section of tower.json: the shifts the production report
 * groups by, and the time zone its days and shifts are counted in.
 *
 * ```json
 * "reports": {
 *   "timeZone": "Europe/Berlin",
 *   "shifts": [
 *     { "name": "early", "start": "06:00", "end": "14:00" },
 *     { "name": "late", "start": "14:00", "end": "22:00" },
 *     { "name": "night", "start": "22:00", "end": "06:00" }
 *   ]
 * }
 * ```
 * A shift whose end is before its start runs overnight and belongs to the
 * day it starts on. Shifts may leave gaps (a disc started in one is counted
 * under "no shift") but must not overlap. Left out: the three shifts above,
 * in the controller's own time zone (`TZ`).
 */
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { ConfigError } from './config-error.js';

const Strict = { additionalProperties: false } as const;
const Clock = Type.String({ minLength: 1, maxLength: 5, description: '24-hour clock time HH:MM' });

export const ReportsConfigSchema = Type.Object({
  /** IANA time zone (`Europe/Berlin`); default the controller's (`TZ`). */
  timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  shifts: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 40 }),
    start: Clock,
    end: Clock,
  }, Strict), { minItems: 1, maxItems: 24 })),
}, Strict);

export type ReportsConfigFile = Static<typeof ReportsConfigSchema>;

/** One shift: minutes after midnight; `end <= start` runs overnight. */
export interface ShiftSpec {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** The resolved `reports` section. */
export interface ReportsConfig {
  /** undefined: the controller's own zone. */
  readonly timeZone: string | undefined;
  readonly shifts: readonly ShiftSpec[];
}

/** The shifts used when none are configured. */
export const DEFAULT_SHIFTS: readonly ShiftSpec[] = [
  { name: 'early', start: 6 * 60, end: 14 * 60 },
  { name: 'late', start: 14 * 60, end: 22 * 60 },
  { name: 'night', start: 22 * 60, end: 6 * 60 },
];

/** Minutes after midnight of `HH:MM` (00:00..23:59, or 24:00 as an end), or null. */
export function parseClock(text: string, allowMidnightEnd = false): number | null {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text);
  if (m === null) return null;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (minutes > 24 * 60 || (minutes === 24 * 60 && !allowMidnightEnd)) return null;
  return minutes % (24 * 60);
}

/** The minutes of the day (0..1439) a shift covers. */
function* shiftMinutes(s: ShiftSpec): Generator<number> {
  const length = (s.end - s.start + 1440) % 1440;
  for (let i = 0; i < length; i++) yield (s.start + i) % 1440;
}

/** Check and resolve the section. Throws `ConfigError` naming the field and saying what is wrong. */
export function resolveReports(file: ReportsConfigFile | undefined): ReportsConfig {
  const timeZone = file?.timeZone;
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new ConfigError('reports.timeZone', `'${timeZone.slice(0, 64)}' is not a time zone (an IANA name such as Europe/Berlin or UTC)`);
    }
  }
  if (file?.shifts === undefined) return { timeZone, shifts: DEFAULT_SHIFTS };
  const shifts: ShiftSpec[] = [];
  const owner = new Array<string | undefined>(1440);
  file.shifts.forEach((raw, i) => {
    const at = `reports.shifts[${i}]`;
    const name = raw.name.trim();
    if (name === '') throw new ConfigError(`${at}.name`, 'a shift needs a name');
    if (shifts.some((s) => s.name === name)) throw new ConfigError(`${at}.name`, `two shifts are named '${name}'`);
    const start = parseClock(raw.start);
    if (start === null) throw new ConfigError(`${at}.start`, `'${raw.start}' is not a time of day HH:MM (00:00..23:59)`);
    const end = parseClock(raw.end, true);
    if (end === null) throw new ConfigError(`${at}.end`, `'${raw.end}' is not a time of day HH:MM (00:00..24:00)`);
    if (start === end) throw new ConfigError(`${at}.end`, `shift '${name}' ends when it starts (${raw.start}): give it a length`);
    const shift = { name, start, end };
    for (const minute of shiftMinutes(shift)) {
      const other = owner[minute];
      if (other !== undefined) {
        const clock = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        throw new ConfigError(at, `shift '${name}' overlaps shift '${other}' at ${clock}: shifts must not overlap`);
      }
      owner[minute] = name;
    }
    shifts.push(shift);
  });
  return { timeZone, shifts };
}
